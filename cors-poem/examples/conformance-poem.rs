//! The conformance server for fetch-cors-poem: a policy from a JSON file in front of a trivial
//! handler, as `xtask/suite/CONTRACT.md` describes.
//!
//!     conformance-poem --config <policy.json> [--port <n>]

use cors_conformance::server;
use fetch_cors_poem::CorsMiddleware;
use poem::http::{HeaderName, HeaderValue, StatusCode};
use poem::listener::TcpAcceptor;
use poem::{handler, EndpointExt, Response, Route, Server};

/// The handler behind the policy: every path but the two exceptions, every method.
#[handler]
fn answer() -> Response {
    let status = StatusCode::from_u16(server::STATUS).unwrap_or(StatusCode::OK);
    let mut response = Response::builder()
        .status(status)
        .content_type(server::CONTENT_TYPE)
        .body(server::BODY);
    let headers = response.headers_mut();
    for (name, value) in server::HANDLER_HEADERS {
        headers.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    // hyper leaves out the body of a HEAD response by itself.
    response
}

/// The `/error` handler: fails like a poem application does, with an error whose response is
/// a 500.
#[handler]
fn fail() -> poem::Result<&'static str> {
    Err(poem::Error::from_string(
        "error",
        StatusCode::INTERNAL_SERVER_ERROR,
    ))
}

#[tokio::main]
async fn main() {
    let (cors, addr) = server::setup_live();

    let app = Route::new()
        .at(server::ERROR_PATH, fail)
        // An empty route answers every path under `/missing` with poem's own 404
        // (`NotFoundError`); the catch-all below would otherwise take them.
        .nest(server::MISSING_PATH, Route::new())
        .at("/", answer)
        .at("/*rest", answer)
        .with(CorsMiddleware::new(cors));

    let listener = server::listen(addr).await;
    let acceptor = match TcpAcceptor::from_tokio(listener) {
        Ok(acceptor) => acceptor,
        Err(e) => server::exit_with_error(&format!("cannot serve the listener: {e}")),
    };

    let served = server::serve_until_signal(|shutdown| {
        Server::new_with_acceptor(acceptor).run_with_graceful_shutdown(
            app,
            shutdown,
            Some(server::SHUTDOWN_GRACE),
        )
    });
    if let Some(Err(e)) = served.await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
