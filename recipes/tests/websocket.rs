//! Recipe 5: a WebSocket upgrade handler that refuses the origins the CORS policy refuses,
//! in axum and actix-web, over real TCP with a real WebSocket client (tokio-tungstenite).
//! For each: an allowed origin connects and its message is echoed; a refused origin, `null`
//! and two `Origin` lines get 403 and no socket; no `Origin` (a non-browser client)
//! connects.

#[allow(dead_code)]
#[path = "../examples/websocket_actix.rs"]
mod actix_recipe;
#[allow(dead_code)]
#[path = "../examples/websocket_axum.rs"]
mod axum_recipe;

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

/// Opens `ws://addr/ws` with these `Origin` lines, sends one message and reads the echo;
/// the refusal's status if the handshake is refused.
async fn echo(addr: SocketAddr, origins: &[&str]) -> Result<String, u16> {
    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    for origin in origins {
        request
            .headers_mut()
            .append("origin", origin.parse().unwrap());
    }
    let mut socket = match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => socket,
        Err(Error::Http(response)) => return Err(response.status().as_u16()),
        Err(other) => panic!("handshake failed: {other}"),
    };
    socket.send(Message::text("ping")).await.unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    socket.close(None).await.unwrap();
    Ok(reply.into_text().unwrap().to_string())
}

/// What every framework must answer.
async fn check(what: &str, addr: SocketAddr) {
    let cases: [(&[&str], Result<String, u16>); 6] = [
        (&["https://app.example.com"], Ok("ping".into())),
        (&["http://localhost:5173"], Ok("ping".into())),
        (&["https://evil.example"], Err(403)),
        (&["null"], Err(403)),
        (
            &["https://app.example.com", "https://evil.example"],
            Err(403),
        ),
        (&[], Ok("ping".into())),
    ];
    for (origins, expected) in cases {
        assert_eq!(
            echo(addr, origins).await,
            expected,
            "{what}, Origin: {origins:?}"
        );
    }
}

#[tokio::test]
async fn axum_refuses_the_origins_the_policy_refuses() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum_recipe::app(axum_recipe::policy());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    check("axum", addr).await;
}

#[actix_web::test]
async fn actix_refuses_the_origins_the_policy_refuses() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let cors = actix_recipe::policy();
    let server = actix_web::HttpServer::new(move || actix_recipe::app(cors.clone()))
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    check("actix-web", addr).await;
    handle.stop(true).await;
}
