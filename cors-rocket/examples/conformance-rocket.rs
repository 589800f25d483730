//! The conformance server for fetch-cors-rocket (`xtask/suite/CONTRACT.md`):
//! `conformance-rocket --config <policy.json> [--port <n>]`.
//!
//! The policy from the file, as a [`CorsFairing`], in front of one handler that answers
//! every method on every path, but `/missing` (forwarded, so Rocket's own 404 catcher
//! answers) and `/error` (a 500 `Status`, so Rocket's 500 catcher answers).

use std::net::SocketAddr;
use std::time::Duration;

use cors_conformance::server;
use fetch_cors_rocket::CorsFairing;
use rocket::config::{Config, LogLevel, Shutdown};
use rocket::fairing::AdHoc;
use rocket::http::{Method, Status};
use rocket::response::{Responder, Response};
use rocket::route::{self, Handler, Route};
use rocket::{Data, Request};

fn main() {
    let (cors, addr) = server::setup_live();
    // A policy listing a method Rocket answers with its own 400 is refused like any other bad
    // policy file, before anything is served.
    let fairing = CorsFairing::try_new(cors).unwrap_or_else(|error| {
        let args = server::Args::from_env();
        server::exit_with_error(&format!("{}: {error}", args.config.display()))
    });

    let config = Config {
        address: addr.ip(),
        port: addr.port(),
        workers: 2,
        // Rocket logs to stdout, which must hold the listening line alone.
        log_level: LogLevel::Off,
        cli_colors: false,
        shutdown: Shutdown {
            // SIGINT (ctrlc) and SIGTERM end it, without waiting for open connections.
            ctrlc: true,
            grace: 0,
            mercy: 0,
            ..Shutdown::default()
        },
        ..Config::default()
    };
    // Rocket 0.5 knows these nine methods, and no others.
    let methods = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Patch,
        Method::Delete,
        Method::Options,
        Method::Trace,
        Method::Connect,
    ];
    let routes: Vec<Route> = methods
        .into_iter()
        .map(|method| Route::new(method, "/<_..>", Conformance))
        .collect();
    let rocket = rocket::custom(config)
        .mount("/", routes)
        .attach(fairing)
        // Rocket has bound the listener by liftoff, with the port it really got.
        .attach(AdHoc::on_liftoff("announce", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                server::announce(SocketAddr::new(config.address, config.port));
            })
        }));

    // The runtime `#[rocket::main]` would build, but sized here rather than from Rocket's
    // environment-driven configuration.
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Rocket's own name for its workers; on others it warns that it runs in a custom
        // runtime.
        .thread_name("rocket-worker-thread")
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => {
            let result = runtime.block_on(rocket.launch());
            // Like Rocket's forced shutdown: do not wait on tasks still running.
            runtime.shutdown_timeout(Duration::from_millis(100));
            result
        }
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = result {
        // Binding failed, say: Rocket's error panics if dropped unread.
        eprintln!("error: {}", e.to_string().replace('\n', "; "));
        std::process::exit(1);
    }
}

/// The handler behind the policy, for every method and path.
#[derive(Clone)]
struct Conformance;

#[rocket::async_trait]
impl Handler for Conformance {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        let path = req.uri().path();
        if server::is_missing(path.as_str()) {
            // Not routed: forwarding from the only route leaves Rocket's 404 catcher to answer.
            return route::Outcome::Forward((data, Status::NotFound));
        }
        if path == server::ERROR_PATH {
            // Rocket's usual failure: a 500 `Status` from a responder, answered by its catcher.
            let failed: Result<(), Status> = Err(Status::InternalServerError);
            return route::Outcome::from(req, failed);
        }
        route::Outcome::from(req, Marked)
    }
}

/// The handler's answer: 200, `text/plain`, `ok` and the marker headers.
struct Marked;

impl<'r> Responder<'r, 'static> for Marked {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        let mut response = Response::build();
        response
            .status(Status::new(server::STATUS))
            .raw_header("Content-Type", server::CONTENT_TYPE)
            .sized_body(server::BODY.len(), std::io::Cursor::new(server::BODY));
        for (name, value) in server::HANDLER_HEADERS {
            response.raw_header_adjoin(name, value);
        }
        Ok(response.finalize())
    }
}
