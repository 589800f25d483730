//! WebSockets behind a CORS policy, in axum: check `Origin` yourself.
//!
//! CORS does not protect a WebSocket. A browser sends `Origin` with the upgrade request but
//! never asks the server's permission and never withholds anything: the handshake is not a
//! CORS request, so no preflight is sent and no `Access-Control-*` header is read. Any page,
//! on any site, can open a socket to your server, and the browser attaches the user's
//! cookies to it. That is cross-site WebSocket hijacking, and the only defence at the
//! handshake is the server checking `Origin` ([RFC 6455, section 10.2](https://www.rfc-editor.org/rfc/rfc6455#section-10.2)).
//!
//! So the upgrade handler asks the same policy the CORS layer uses,
//! [`Cors::allows_origin`], and answers 403 to an origin it refuses, before upgrading.
//!
//! A request **without** `Origin` is let through: browsers always send `Origin` on a
//! WebSocket handshake (Fetch, "websocket" requests are CORS-mode requests, and
//! [`Origin` is always sent for them](https://fetch.spec.whatwg.org/#origin-header)), so a
//! request without one is not from a browser page (a CLI, a mobile app, another server);
//! such a client can put any `Origin` it likes, so refusing it protects nobody, and
//! authenticating it is your authentication's job, as for any other request. `Origin: null`
//! (sandboxed iframes, `file:` pages) *is* from a browser, and is refused unless the policy
//! lists `null`. More than one `Origin` line is refused: no browser sends that.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example websocket_axum`; from a page on
//! `https://app.example.com`, `new WebSocket("ws://localhost:3000/ws")` connects and echoes.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fetch_cors_axum::{Cors, CorsLayer};

/// The policy, for the HTTP API and the socket alike.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_origin_pattern("http://localhost:*")
        .build()
        .expect("a valid policy")
}

/// Whether the handshake's `Origin` is one the policy allows; no `Origin` at all is a
/// non-browser client (see the module documentation).
pub fn origin_allowed(cors: &Cors, headers: &HeaderMap) -> bool {
    let mut origins = headers.get_all(header::ORIGIN).iter();
    match (origins.next(), origins.next()) {
        (None, _) => true,
        (Some(origin), None) => cors.allows_origin(origin.as_bytes()),
        (Some(_), Some(_)) => false,
    }
}

async fn socket(
    State(cors): State<Cors>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&cors, &headers) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    upgrade.on_upgrade(echo)
}

async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if matches!(message, Message::Text(_) | Message::Binary(_))
            && socket.send(message).await.is_err()
        {
            break;
        }
    }
}

/// The HTTP API behind the CORS layer, the socket beside it. The upgrade request passes
/// through the layer too (it is a `GET` with `Origin`), which only adds headers the browser
/// ignores on a handshake; it is the handler's check that keeps refused origins out.
pub fn app(cors: Cors) -> Router {
    Router::new()
        .route("/api/hello", get(|| async { "hello" }))
        .route("/ws", get(socket))
        .with_state(cors.clone())
        .layer(CorsLayer::new(cors))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on ws://{}/ws", listener.local_addr()?);
    axum::serve(listener, app(policy())).await
}
