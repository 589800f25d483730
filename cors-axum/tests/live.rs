//! A live policy replaced while the app serves, and an asynchronous origin check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::routing::get;
use axum::Router;
use fetch_cors::OriginCheck;
use fetch_cors_axum::{Cors, CorsLayer, LiveCors};
use tower::ServiceExt;

fn app(layer: CorsLayer) -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }).put(|| async { "stored" }))
        .layer(layer)
        .with_state(())
}

async fn send(app: &Router, method: &str, origin: &str) -> Response<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri("/")
        .header("origin", origin);
    if method == "OPTIONS" {
        req = req.header("access-control-request-method", "PUT");
    }
    app.clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn acao(response: &Response<Body>) -> Option<&str> {
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
    let app = app(CorsLayer::new(live.clone()));
    let other = app.clone();
    assert_eq!(
        acao(&send(&app, "GET", "https://a.example").await),
        Some("https://a.example")
    );
    live.replace(only("https://b.example")).unwrap();
    // Every clone of the app shares the policy.
    assert_eq!(acao(&send(&other, "GET", "https://a.example").await), None);
    let preflight = send(&other, "OPTIONS", "https://b.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&preflight), Some("https://b.example"));
    assert_eq!(
        send(&app, "OPTIONS", "https://a.example").await.status(),
        StatusCode::FORBIDDEN
    );
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
    let app = app(CorsLayer::new(only("https://a.example")).check_origins(check(calls.clone())));

    let listed = send(&app, "GET", "https://a.example").await;
    assert_eq!(acao(&listed), Some("https://a.example"));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a listed origin is not asked about"
    );
    assert_eq!(send(&app, "GET", "null").await.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "null is never asked about");

    let tenant = send(&app, "GET", "https://t1.customer.example").await;
    assert_eq!(tenant.status(), StatusCode::OK);
    assert_eq!(acao(&tenant), Some("https://t1.customer.example"));
    assert_eq!(tenant.headers()["vary"], "Origin");
    let preflight = send(&app, "OPTIONS", "https://t1.customer.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(acao(&preflight), Some("https://t1.customer.example"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let refused = send(&app, "GET", "https://evil.example").await;
    assert_eq!(refused.status(), StatusCode::OK);
    assert_eq!(acao(&refused), None);
    assert_eq!(refused.headers()["vary"], "Origin");
    assert_eq!(
        send(&app, "OPTIONS", "https://evil.example").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_check_that_fails_or_times_out_refuses_and_is_never_a_500() {
    let app = app(CorsLayer::new(only("https://a.example")).check_origins(check(Arc::default())));
    for origin in ["https://down.example", "https://slow.example"] {
        let actual = send(&app, "GET", origin).await;
        assert_eq!(actual.status(), StatusCode::OK, "{origin}");
        assert_eq!(acao(&actual), None, "{origin}");
        let preflight = send(&app, "OPTIONS", origin).await;
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{origin}");
    }
}
