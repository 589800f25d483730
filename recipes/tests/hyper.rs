//! Recipe 4: plain hyper 1 with the tower layer, over real TCP.

mod common;
#[allow(dead_code)]
#[path = "../examples/hyper.rs"]
mod recipe;

use bytes::Bytes;
use common::send;
use http::Request;
use http_body_util::Full;

const ORIGIN: &str = "https://app.example.com";

async fn server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(recipe::serve(listener, recipe::policy()));
    addr
}

fn preflight(origin: &str, method: &str, headers: &str) -> Request<Full<Bytes>> {
    Request::options("/items")
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn preflight_then_actual_request() {
    let addr = server().await;

    let answer = send(addr, preflight(ORIGIN, "PUT", "content-type")).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(answer.header("access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(answer.header("access-control-max-age"), Some("600"));
    assert!(answer.body.is_empty());

    let put = Request::put("/items")
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"{}")))
        .unwrap();
    let answer = send(addr, put).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, "stored");
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some("x-request-id")
    );
    assert_eq!(answer.header("vary"), Some("Origin"));
}

#[tokio::test]
async fn the_applications_404_is_readable() {
    let addr = server().await;
    let get = Request::get("/nowhere")
        .header("origin", ORIGIN)
        .body(Full::default())
        .unwrap();
    let answer = send(addr, get).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
}

#[tokio::test]
async fn refusals() {
    let addr = server().await;

    // A method and a header the policy does not allow, and an origin it does not: 403, no
    // `Access-Control-Allow-Origin`, and `Vary` so no cache serves the refusal to others.
    for request in [
        preflight(ORIGIN, "PATCH", "content-type"),
        preflight(ORIGIN, "PUT", "x-secret"),
        preflight("https://evil.example", "PUT", "content-type"),
    ] {
        let answer = send(addr, request).await;
        assert_eq!(answer.status, 403);
        assert_eq!(answer.header("access-control-allow-origin"), None);
        assert_eq!(
            answer.header("vary"),
            Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        );
    }

    // An actual request from a refused origin is served (the browser withholds the answer
    // from the page), with no CORS header but `Vary: Origin`.
    let get = Request::get("/items")
        .header("origin", "https://evil.example")
        .body(Full::default())
        .unwrap();
    let answer = send(addr, get).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    assert_eq!(answer.header("vary"), Some("Origin"));
}
