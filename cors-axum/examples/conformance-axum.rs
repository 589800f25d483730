//! The conformance server for fetch-cors-axum: a policy from a JSON file in front of a trivial
//! handler, as `shared/conformance/CONTRACT.md` describes.
//!
//!     conformance-axum --config <policy.json> [--port <n>]

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use cors_conformance::server;
use fetch_cors_axum::CorsLayer;
use tokio::sync::Notify;

/// How long in-flight requests may run after SIGTERM/SIGINT before the process exits anyway,
/// so that a client holding a half-sent request cannot keep the server alive.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

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

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    // Without a SIGTERM handler the default action (exit) still applies.
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

#[tokio::main]
async fn main() {
    let (cors, addr) = server::setup();

    let app = Router::new()
        .route(server::ERROR_PATH, any(fail))
        // axum cannot leave a prefix out of a fallback, so `/missing` and everything under it
        // go to an empty router, whose answer is axum's own 404 (its `NotFound` service).
        .nest_service(server::MISSING_PATH, Router::new())
        .fallback(handler)
        .layer(CorsLayer::new(cors));

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => server::exit_with_error(&format!("cannot bind {addr}: {e}")),
    };
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(e) => server::exit_with_error(&format!("cannot read the bound address: {e}")),
    };
    // The listener accepts (into its backlog) from here on.
    server::announce(local);

    let signalled = Arc::new(Notify::new());
    let notify = Arc::clone(&signalled);
    let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        notify.notify_one();
    });
    tokio::select! {
        result = serve => {
            if let Err(e) = result {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        _ = async { signalled.notified().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {}
    }
}
