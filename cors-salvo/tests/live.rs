//! A live policy replaced while the service serves, and an asynchronous origin check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fetch_cors::OriginCheck;
use fetch_cors_salvo::{Cors, CorsHandler, LiveCors};
use salvo::http::StatusCode;
use salvo::prelude::*;
use salvo::test::TestClient;

#[handler]
async fn ok() -> &'static str {
    "ok"
}

fn service(hoop: CorsHandler) -> Service {
    Service::new(Router::new().get(ok)).hoop(hoop)
}

async fn send(service: &Service, method: &str, origin: &str) -> Response {
    let url = "http://127.0.0.1/";
    let client = if method == "OPTIONS" {
        TestClient::options(url).add_header("access-control-request-method", "PUT", true)
    } else {
        TestClient::get(url)
    };
    client
        .add_header("origin", origin.to_owned(), true)
        .send(service)
        .await
}

fn acao(response: &Response) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

fn status(response: &Response) -> StatusCode {
    response.status_code.unwrap_or(StatusCode::OK)
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
    let service = service(CorsHandler::new(live.clone()));
    assert_eq!(
        acao(&send(&service, "GET", "https://a.example").await),
        Some("https://a.example")
    );
    live.replace(only("https://b.example")).unwrap();
    assert_eq!(
        acao(&send(&service, "GET", "https://a.example").await),
        None
    );
    let preflight = send(&service, "OPTIONS", "https://b.example").await;
    assert_eq!(status(&preflight), StatusCode::NO_CONTENT);
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
    let hoop = CorsHandler::new(only("https://a.example")).check_origins(check(calls.clone()));
    let service = service(hoop);

    assert_eq!(
        acao(&send(&service, "GET", "https://a.example").await),
        Some("https://a.example")
    );
    send(&service, "GET", "null").await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "listed and null origins are not asked about"
    );

    let tenant = send(&service, "GET", "https://t1.customer.example").await;
    assert_eq!(acao(&tenant), Some("https://t1.customer.example"));
    assert_eq!(tenant.headers()["vary"], "Origin");
    let preflight = send(&service, "OPTIONS", "https://t1.customer.example").await;
    assert_eq!(status(&preflight), StatusCode::NO_CONTENT);
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    for origin in [
        "https://evil.example",
        "https://down.example",
        "https://slow.example",
    ] {
        let actual = send(&service, "GET", origin).await;
        assert_eq!(status(&actual), StatusCode::OK, "{origin}");
        assert_eq!(acao(&actual), None, "{origin}");
        assert_eq!(actual.headers()["vary"], "Origin", "{origin}");
        let preflight = send(&service, "OPTIONS", origin).await;
        assert_eq!(status(&preflight), StatusCode::FORBIDDEN, "{origin}");
    }
}
