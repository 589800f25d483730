//! The conformance server for fetch-cors-actix: a CORS policy from a JSON file in front of a
//! trivial handler, as `xtask/suite/CONTRACT.md` describes.
//!
//!     conformance-actix --config <policy.json> [--port <n>]

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{guard, web, App, HttpResponse, HttpServer, ResponseError};
use cors_conformance::server;
use fetch_cors_actix::CorsMiddleware;

/// The contract's handler: the same answer for every path and method.
async fn handler() -> HttpResponse {
    let status = StatusCode::from_u16(server::STATUS).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    res.content_type(server::CONTENT_TYPE);
    for header in server::HANDLER_HEADERS {
        res.append_header(header);
    }
    // actix-web leaves the body out of an answer to HEAD by itself.
    res.body(server::BODY)
}

/// The failure `/error` reports through actix-web's usual mechanism, `ResponseError`.
#[derive(Debug)]
struct Failure;

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the /error route always fails")
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

async fn fail() -> Result<HttpResponse, Failure> {
    Err(Failure)
}

#[actix_web::main]
async fn main() {
    let (cors, addr) = server::setup_live();
    let cors = CorsMiddleware::new(cors);

    let app = move || {
        App::new()
            // Wrapping the App covers the default service too, so the framework's own 404
            // carries the CORS headers.
            .wrap(cors.clone())
            .route(server::ERROR_PATH, web::route().to(fail))
            // Every path but /missing and what is under it; those match no route at all
            // and get actix-web's own not-found answer.
            .service(
                web::resource("/{tail:.*}")
                    .guard(guard::fn_guard(|ctx| {
                        !server::is_missing(ctx.head().uri.path())
                    }))
                    .to(handler),
            )
    };

    let server = match HttpServer::new(app).workers(1).bind(addr) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    let bound = server.addrs().first().copied().unwrap_or(addr);
    // actix-web handles SIGTERM and SIGINT itself; a short grace period keeps shutdown
    // prompt even with a keep-alive connection open.
    let server = server.shutdown_timeout(1).run();
    // `run` has started the accept loop and the worker, so connections are accepted now.
    server::announce(bound);
    if let Err(error) = server.await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}
