//! Header bytes Rocket's local client cannot send: a real server on 127.0.0.1 and raw
//! HTTP/1.1, to pin down what happens to an `Origin` that is not UTF-8.

use cors_rocket::{Cors, CorsFairing};
use rocket::config::LogLevel;
use rocket::fairing::AdHoc;
use rocket::futures::channel::oneshot;
use rocket::http::Header;
use rocket::tokio::io::{AsyncReadExt, AsyncWriteExt};
use rocket::tokio::net::TcpStream;
use rocket::{get, options, routes, Config, Responder};

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
