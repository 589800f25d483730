//! A live policy replaced while the app serves, and an asynchronous origin check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fetch_cors::OriginCheck;
use fetch_cors_poem::{Cors, CorsMiddleware, LiveCors};
use poem::http::{Method, StatusCode};
use poem::{handler, Endpoint, EndpointExt, Request, Response, Route};

#[handler]
fn ok() -> &'static str {
    "ok"
}

async fn send(app: &impl Endpoint, method: Method, origin: &str) -> Response {
    let mut req = Request::builder()
        .method(method.clone())
        .uri_str("/")
        .header("origin", origin);
    if method == Method::OPTIONS {
        req = req.header("access-control-request-method", "PUT");
    }
    app.get_response(req.finish()).await
}

fn acao(response: &Response) -> Option<&str> {
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

#[tokio::test]
async fn a_replaced_policy_answers_the_next_request() {
    let live = LiveCors::new(only("https://a.example"));
    let app = Route::new()
        .at("/", ok)
        .with(CorsMiddleware::new(live.clone()));
    assert_eq!(
        acao(&send(&app, Method::GET, "https://a.example").await),
        Some("https://a.example")
    );
    live.replace(only("https://b.example")).unwrap();
    assert_eq!(
        acao(&send(&app, Method::GET, "https://a.example").await),
        None
    );
    let preflight = send(&app, Method::OPTIONS, "https://b.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&preflight), Some("https://b.example"));
}

/// Allows `*.customer.example`, fails for `down.example`, never answers for `slow.example`,
/// and counts its calls.
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
async fn the_check_decides_only_undecided_origins_and_failures_refuse() {
    let calls = Arc::new(AtomicUsize::new(0));
    let cors = CorsMiddleware::new(only("https://a.example")).check_origins(check(calls.clone()));
    let app = Route::new().at("/", ok).with(cors);

    assert_eq!(
        acao(&send(&app, Method::GET, "https://a.example").await),
        Some("https://a.example")
    );
    send(&app, Method::GET, "null").await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "listed and null origins are not asked about"
    );

    let tenant = send(&app, Method::GET, "https://t1.customer.example").await;
    assert_eq!(acao(&tenant), Some("https://t1.customer.example"));
    assert_eq!(tenant.headers()["vary"], "Origin");
    let preflight = send(&app, Method::OPTIONS, "https://t1.customer.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    for origin in [
        "https://evil.example",
        "https://down.example",
        "https://slow.example",
    ] {
        let actual = send(&app, Method::GET, origin).await;
        assert_eq!(actual.status(), StatusCode::OK, "{origin}");
        assert_eq!(acao(&actual), None, "{origin}");
        assert_eq!(actual.headers()["vary"], "Origin", "{origin}");
        let preflight = send(&app, Method::OPTIONS, origin).await;
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{origin}");
    }
}
