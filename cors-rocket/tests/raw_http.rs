//! What Rocket's local client cannot send: a real server on 127.0.0.1 and raw HTTP/1.1, to
//! pin down what happens to an `Origin` that is not UTF-8, and to a method Rocket does not
//! know.

use fetch_cors_rocket::{can_receive, Cors, CorsFairing};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::futures::channel::oneshot;
use rocket::http::{Header, Method};
use rocket::route::{Handler, Outcome, Route};
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;
use rocket::{get, options, routes, Config, Data, Request, Responder, Rocket};

/// `ok`, marked so that a test sees the handler was reached.
#[derive(Responder)]
struct Reached(&'static str, Header<'static>);

fn reached() -> Reached {
    Reached("ok", Header::new("x-handler", "reached"))
}

#[get("/")]
fn index() -> Reached {
    reached()
}

#[options("/")]
fn index_options() -> Reached {
    reached()
}

/// Sends `request` and returns the response head, lower-cased.
async fn send(port: u16, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).to_ascii_lowercase();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

#[rocket::async_test]
async fn an_origin_that_is_not_utf8_is_no_origin() {
    let cors = Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let config = Config {
        port: 0,
        log_level: LogLevel::Off,
        ..Config::debug_default()
    };
    let (tx, rx) = oneshot::channel();
    let rocket = rocket::custom(config)
        .mount("/", routes![index, index_options])
        .attach(CorsFairing::new(cors))
        .attach(AdHoc::on_liftoff("port", move |rocket| {
            Box::pin(async move {
                let _ = tx.send((rocket.config().port, rocket.shutdown()));
            })
        }));
    let server = rocket::tokio::spawn(rocket.launch());
    let (port, shutdown) = rx.await.unwrap();

    // Rocket drops the line (it only keeps UTF-8 header values), so the policy sees no
    // `Origin`: a non-CORS answer, `Vary: Origin` and no `Access-Control-Allow-Origin`.
    let head = send(
        port,
        b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\norigin: https://app.example.com\xff\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("x-handler: reached"), "{head}");
    assert!(head.contains("vary: origin"), "{head}");
    assert!(!head.contains("access-control-"), "{head}");

    // Beside a listed origin, only the listed one is left, and allowed. No browser sends
    // this; it is pinned here so that a change in Rocket shows.
    let head = send(
        port,
        b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\norigin: https://app.example.com\r\norigin: \xff\r\n\r\n",
    )
    .await;
    assert!(
        head.contains("access-control-allow-origin: https://app.example.com"),
        "{head}"
    );

    // Without a visible `Origin`, an OPTIONS request is no preflight: it reaches the
    // application's OPTIONS route.
    let head = send(
        port,
        b"OPTIONS / HTTP/1.1\r\nhost: x\r\nconnection: close\r\norigin: https://\xffevil\r\n\
          access-control-request-method: PUT\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("x-handler: reached"), "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");

    shutdown.notify();
    server.await.unwrap().unwrap();
}

/// Answers every request it is routed, marked.
#[derive(Clone)]
struct Everything;

#[rocket::async_trait]
impl Handler for Everything {
    async fn handle<'r>(&self, req: &'r Request<'_>, _: Data<'r>) -> Outcome<'r> {
        Outcome::from(req, reached())
    }
}

/// Serves `rocket` on a free port; its port, its shutdown handle and the server's task.
async fn serve(
    rocket: Rocket<rocket::Build>,
) -> (
    u16,
    rocket::Shutdown,
    rocket::tokio::task::JoinHandle<Result<Rocket<rocket::Ignite>, rocket::Error>>,
) {
    let (tx, rx) = oneshot::channel();
    let config = Config {
        port: 0,
        log_level: LogLevel::Off,
        ..Config::debug_default()
    };
    let rocket = rocket
        .configure(config)
        .attach(AdHoc::on_liftoff("port", move |rocket| {
            Box::pin(async move {
                let _ = tx.send((rocket.config().port, rocket.shutdown()));
            })
        }));
    let server = rocket::tokio::spawn(rocket.launch());
    let (port, shutdown) = rx.await.unwrap();
    (port, shutdown, server)
}

/// What `can_receive` says is what Rocket does: a request with any other method is answered
/// with Rocket's own 400, before the fairing runs (no CORS header, not even `Vary`) and
/// before any route, though a route for every one of its methods is mounted.
#[rocket::async_test]
async fn rocket_answers_a_method_it_does_not_know_with_its_own_400() {
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_any_method()
        .build()
        .unwrap();
    let routes: Vec<Route> = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Trace,
        Method::Patch,
    ]
    .into_iter()
    .map(|method| Route::new(method, "/<_..>", Everything))
    .collect();
    let rocket = rocket::build()
        .mount("/", routes)
        .attach(CorsFairing::try_new(cors).unwrap());
    let (port, shutdown, server) = serve(rocket).await;

    // CONNECT is left out: hyper itself refuses it with an origin-form target.
    let known = [
        "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "TRACE", "PATCH",
    ];
    let unknown = [
        "patch", "Patch", "get", "put", "PURGE", "QUERY", "MKCOL", "X-CUSTOM",
    ];
    for method in known.into_iter().chain(unknown) {
        let request = format!(
            "{method} /items HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\
             origin: https://app.example.com\r\n\r\n"
        );
        let head = send(port, request.as_bytes()).await;
        if can_receive(method.as_bytes()) {
            assert!(known.contains(&method), "{method}");
            assert!(head.starts_with("http/1.1 200"), "{method}: {head}");
            assert!(head.contains("x-handler: reached"), "{method}: {head}");
            assert!(
                head.contains("access-control-allow-origin: *"),
                "{method}: {head}"
            );
        } else {
            assert!(unknown.contains(&method), "{method}");
            assert!(head.starts_with("http/1.1 400"), "{method}: {head}");
            assert!(!head.contains("x-handler"), "{method}: {head}");
            assert!(!head.contains("access-control-"), "{method}: {head}");
            assert!(!head.contains("vary"), "{method}: {head}");
        }
    }

    shutdown.notify();
    server.await.unwrap().unwrap();
}
