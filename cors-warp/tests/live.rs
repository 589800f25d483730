//! A live policy replaced while the filter serves, and an asynchronous origin check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fetch_cors::OriginCheck;
use fetch_cors_warp::{Cors, LiveCors};
use warp::http::StatusCode;
use warp::Filter;

type Reply = warp::http::Response<warp::hyper::body::Bytes>;

async fn send<F>(routes: &F, method: &str, origin: &str) -> Reply
where
    F: warp::Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply + Send,
{
    let mut req = warp::test::request()
        .method(method)
        .path("/")
        .header("origin", origin);
    if method == "OPTIONS" {
        req = req.header("access-control-request-method", "PUT");
    }
    req.reply(routes).await
}

fn acao(response: &Reply) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

fn only(origin: &str) -> Cors {
    Cors::builder()
        .allow_origin(origin)
        .allow_methods(["PUT"])
        .build()
        .unwrap()
}

fn hello() -> impl Filter<Extract = (&'static str,), Error = warp::Rejection> + Clone {
    warp::path::end().map(|| "ok")
}

#[tokio::test]
async fn a_replaced_policy_answers_the_next_request() {
    let live = LiveCors::new(only("https://a.example"));
    let routes = fetch_cors_warp::wrap(live.clone(), hello());
    assert_eq!(
        acao(&send(&routes, "GET", "https://a.example").await),
        Some("https://a.example")
    );
    live.replace(only("https://b.example")).unwrap();
    assert_eq!(acao(&send(&routes, "GET", "https://a.example").await), None);
    let preflight = send(&routes, "OPTIONS", "https://b.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&preflight), Some("https://b.example"));
    let refused = send(&routes, "OPTIONS", "https://a.example").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

/// A check that allows `*.customer.example`, fails for `down.example`, never answers for
/// `slow.example`, and counts its calls.
fn check(calls: Arc<AtomicUsize>) -> OriginCheck {
    OriginCheck::new(Duration::from_millis(50), move |origin: String| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            match origin.as_str() {
                "https://down.example" => Err(std::io::Error::other("database unreachable")),
                "https://slow.example" => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(true)
                }
                o => Ok(o.ends_with(".customer.example")),
            }
        }
    })
}

#[tokio::test]
async fn the_check_decides_only_origins_the_lists_leave_undecided() {
    let calls = Arc::new(AtomicUsize::new(0));
    let live = LiveCors::new(only("https://a.example"));
    let routes = fetch_cors_warp::wrap_checked(live, check(calls.clone()), hello());

    let listed = send(&routes, "GET", "https://a.example").await;
    assert_eq!(acao(&listed), Some("https://a.example"));
    assert_eq!(send(&routes, "GET", "null").await.status(), StatusCode::OK);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "listed and null origins are not asked about"
    );

    let tenant = send(&routes, "GET", "https://t1.customer.example").await;
    assert_eq!(tenant.status(), StatusCode::OK);
    assert_eq!(tenant.body().as_ref(), b"ok");
    assert_eq!(acao(&tenant), Some("https://t1.customer.example"));
    assert_eq!(tenant.headers()["vary"], "Origin");
    let preflight = send(&routes, "OPTIONS", "https://t1.customer.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&preflight), Some("https://t1.customer.example"));
    assert_eq!(preflight.headers()["access-control-allow-methods"], "PUT");
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let refused = send(&routes, "GET", "https://evil.example").await;
    assert_eq!(refused.status(), StatusCode::OK);
    assert_eq!(acao(&refused), None);
    assert_eq!(refused.headers()["vary"], "Origin");
    let preflight = send(&routes, "OPTIONS", "https://evil.example").await;
    assert_eq!(preflight.status(), StatusCode::FORBIDDEN);
    // The filter's own 404 still gets its headers.
    let missing = warp::test::request()
        .path("/nowhere")
        .header("origin", "https://t2.customer.example")
        .reply(&routes)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(acao(&missing), Some("https://t2.customer.example"));
}

#[tokio::test]
async fn a_check_that_fails_or_times_out_refuses_and_is_never_a_500() {
    let routes =
        fetch_cors_warp::wrap_checked(only("https://a.example"), check(Arc::default()), hello());
    for origin in ["https://down.example", "https://slow.example"] {
        let actual = send(&routes, "GET", origin).await;
        assert_eq!(actual.status(), StatusCode::OK, "{origin}");
        assert_eq!(acao(&actual), None, "{origin}");
        let preflight = send(&routes, "OPTIONS", origin).await;
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{origin}");
    }
}
