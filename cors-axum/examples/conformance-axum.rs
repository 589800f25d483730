//! The conformance server for fetch-cors-axum: a policy from a JSON file in front of a trivial
//! handler, as `xtask/suite/CONTRACT.md` describes.
//!
//!     conformance-axum --config <policy.json> [--port <n>]

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use cors_conformance::server;
use fetch_cors_axum::CorsLayer;

/// The handler behind the policy: every path but the two exceptions, every method.
async fn handler() -> Response {
    let status = StatusCode::from_u16(server::STATUS).unwrap_or(StatusCode::OK);
    let mut response = (status, server::BODY).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(server::CONTENT_TYPE),
    );
    for (name, value) in server::HANDLER_HEADERS {
        headers.append(
            header::HeaderName::from_static(name),
            header::HeaderValue::from_static(value),
        );
    }
    // hyper leaves out the body of a HEAD response by itself.
    response
}

/// An application error, turned into a response the usual axum way.
struct Failure;

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
    }
}

/// The `/error` handler: fails like an axum application does.
async fn fail() -> Result<&'static str, Failure> {
    Err(Failure)
}

#[tokio::main]
async fn main() {
    let (cors, addr) = server::setup_live();

    let app = Router::new()
        .route(server::ERROR_PATH, any(fail))
        // axum cannot leave a prefix out of a fallback, so `/missing` and everything under it
        // go to an empty router, whose answer is axum's own 404 (its `NotFound` service).
        .nest_service(server::MISSING_PATH, Router::new())
        .fallback(handler)
        .layer(CorsLayer::new(cors));

    let listener = server::listen(addr).await;

    let served = server::serve_until_signal(|shutdown| {
        axum::serve(listener, app).with_graceful_shutdown(shutdown)
    });
    if let Some(Err(e)) = served.await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
