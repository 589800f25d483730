//! Recipe 2: gRPC-web calls through tonic-web behind `CorsLayer`, over real TCP, with the
//! frames built by hand as a grpc-web client builds them.

mod common;
#[allow(dead_code)]
#[path = "../examples/grpc_web.rs"]
mod recipe;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use common::{send, Answer};
use http::Request;
use http_body_util::Full;
use prost::Message;
use recipe::{HelloReply, HelloRequest};

const ORIGIN: &str = "https://app.example.com";
const PATH: &str = "/helloworld.Greeter/SayHello";

async fn server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(recipe::serve(listener, recipe::policy()));
    addr
}

/// The preflight a browser sends before a grpc-web call (the names sorted and lower-cased,
/// as browsers send them).
fn preflight(origin: &str) -> Request<Full<Bytes>> {
    Request::options(PATH)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,grpc-timeout,x-grpc-web,x-user-agent",
        )
        .body(Full::default())
        .unwrap()
}

/// A grpc-web unary call: one length-prefixed message, uncompressed.
fn call(origin: &str, name: &str) -> Request<Full<Bytes>> {
    let message = HelloRequest { name: name.into() }.encode_to_vec();
    let mut frame = BytesMut::new();
    frame.put_u8(0);
    frame.put_u32(message.len() as u32);
    frame.put_slice(&message);
    Request::post(PATH)
        .header("origin", origin)
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .header("x-user-agent", "grpc-web-javascript/0.1")
        .header("grpc-timeout", "5S")
        .body(Full::new(frame.freeze()))
        .unwrap()
}

/// The frames of a grpc-web response body: the messages, and the trailer frame's text.
fn frames(answer: &Answer) -> (Vec<HelloReply>, String) {
    let mut body = answer.body.clone();
    let (mut messages, mut trailers) = (Vec::new(), String::new());
    while body.has_remaining() {
        let flag = body.get_u8();
        let length = body.get_u32() as usize;
        let payload = body.split_to(length);
        if flag & 0x80 == 0 {
            messages.push(HelloReply::decode(payload).unwrap());
        } else {
            trailers.push_str(std::str::from_utf8(&payload).unwrap());
        }
    }
    (messages, trailers)
}

#[tokio::test]
async fn an_allowed_origin_calls_and_reads_the_status() {
    let addr = server().await;

    let answer = send(addr, preflight(ORIGIN)).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        answer.header("access-control-allow-headers"),
        Some("content-type,grpc-timeout,x-grpc-web,x-user-agent")
    );

    let answer = send(addr, call(ORIGIN, "web")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("application/grpc-web+proto")
    );
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(
        answer.header("access-control-expose-headers"),
        Some("grpc-status, grpc-message, grpc-status-details-bin")
    );
    let (messages, trailers) = frames(&answer);
    assert_eq!(
        messages,
        [HelloReply {
            message: "Hello, web!".into()
        }]
    );
    assert!(trailers.contains("grpc-status:0"), "trailers: {trailers:?}");
}

/// An error answered at once comes back in headers ("trailers-only"): the page reads
/// `grpc-status` and `grpc-message` only because they are exposed.
#[tokio::test]
async fn an_error_is_readable_from_an_allowed_origin() {
    let addr = server().await;
    let answer = send(addr, call(ORIGIN, "")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(answer.header("grpc-status"), Some("3")); // INVALID_ARGUMENT
                                                         // Percent-encoded, as the gRPC protocol has it; grpc-web clients decode it.
    assert_eq!(answer.header("grpc-message"), Some("name%20is%20empty"));
    let exposed = answer.header("access-control-expose-headers").unwrap();
    assert!(exposed.contains("grpc-status") && exposed.contains("grpc-message"));
}

#[tokio::test]
async fn a_refused_origin_gets_no_cors_headers() {
    let addr = server().await;

    // The browser's preflight fails: 403, so the call is never sent.
    let answer = send(addr, preflight("https://evil.example")).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.header("access-control-allow-origin"), None);

    // Sent anyway (by a non-browser client), the call is served, without CORS headers: a
    // browser would withhold it from the page.
    let answer = send(addr, call("https://evil.example", "web")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    assert_eq!(answer.header("access-control-expose-headers"), None);
    assert_eq!(answer.header("vary"), Some("Origin"));
}
