//! The conformance server for fetch-cors-salvo: a policy from a JSON file in front of a trivial
//! handler, as `xtask/suite/CONTRACT.md` describes.
//!
//!     conformance-salvo --config <policy.json> [--port <n>]

use cors_conformance::server;
use fetch_cors_salvo::CorsHandler;
use salvo::conn::tcp::TcpAcceptor;
use salvo::http::header::{self, HeaderName, HeaderValue};
use salvo::http::StatusCode;
use salvo::prelude::*;

/// The handler behind the policy: every path but the two exceptions, every method.
#[handler]
async fn answer(res: &mut Response) {
    let status = StatusCode::from_u16(server::STATUS).unwrap_or(StatusCode::OK);
    res.status_code(status);
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(server::CONTENT_TYPE),
    );
    for (name, value) in server::HANDLER_HEADERS {
        headers.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    // salvo leaves out the body of a HEAD response by itself.
    let _ = res.write_body(server::BODY);
}

/// The `/error` handler: fails like a salvo application does, with an error whose `Writer`
/// makes a 500 (the catcher writes the page).
#[handler]
async fn fail() -> Result<&'static str, StatusError> {
    Err(StatusError::internal_server_error())
}

#[tokio::main]
async fn main() {
    let (cors, addr) = server::setup_live();

    let router = Router::new()
        .push(Router::with_path(&server::ERROR_PATH[1..]).goal(fail))
        // `/missing` and everything under it match no route, so salvo answers its own 404.
        .push(
            Router::with_path("{**rest}")
                .filter_fn(|req, _| !server::is_missing(req.uri().path()))
                .goal(answer),
        );
    let service = Service::new(router).hoop(CorsHandler::new(cors));

    let listener = server::listen(addr).await;
    let acceptor = match TcpAcceptor::try_from(listener) {
        Ok(acceptor) => acceptor,
        Err(e) => server::exit_with_error(&format!("cannot serve the listener: {e}")),
    };

    let served = server::serve_until_signal(|shutdown| {
        let server = Server::new(acceptor);
        let handle = server.handle();
        tokio::spawn(async move {
            shutdown.await;
            handle.stop_graceful(server::SHUTDOWN_GRACE);
        });
        server.try_serve(service)
    });
    if let Some(Err(e)) = served.await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
