//! WebSockets behind a CORS policy, in actix-web (with `actix-ws`): check `Origin` yourself.
//!
//! CORS does not protect a WebSocket: the browser sends `Origin` with the upgrade request
//! but enforces nothing, so any site can open a socket with the user's cookies (cross-site
//! WebSocket hijacking). The upgrade handler therefore asks the policy,
//! [`Cors::allows_origin`], and answers 403 before upgrading. No `Origin` at all is a
//! non-browser client and is let through; `null` and several `Origin` lines are refused.
//! The axum recipe (`examples/websocket_axum.rs`) gives the reasons at length.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example websocket_actix`; from a page on
//! `https://app.example.com`, `new WebSocket("ws://localhost:3000/ws")` connects and echoes.

use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, App, Error, HttpRequest, HttpResponse};
use actix_ws::Message;
use fetch_cors_actix::{Cors, CorsMiddleware};

/// The policy, for the HTTP API and the socket alike.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_origin_pattern("http://localhost:*")
        .build()
        .expect("a valid policy")
}

/// Whether the handshake's `Origin` is one the policy allows; no `Origin` at all is a
/// non-browser client.
pub fn origin_allowed(cors: &Cors, headers: &HeaderMap) -> bool {
    let mut origins = headers.get_all(header::ORIGIN);
    match (origins.next(), origins.next()) {
        (None, _) => true,
        (Some(origin), None) => cors.allows_origin(origin.as_bytes()),
        (Some(_), Some(_)) => false,
    }
}

async fn socket(
    request: HttpRequest,
    body: web::Payload,
    cors: web::Data<Cors>,
) -> Result<HttpResponse, Error> {
    if !origin_allowed(&cors, request.headers()) {
        return Ok(HttpResponse::Forbidden().body("origin not allowed"));
    }
    let (response, mut session, mut messages) = actix_ws::handle(&request, body)?;
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = messages.recv().await {
            let sent = match message {
                Message::Text(text) => session.text(text).await,
                Message::Binary(bytes) => session.binary(bytes).await,
                Message::Ping(bytes) => session.pong(&bytes).await,
                Message::Close(reason) => {
                    let _ = session.close(reason).await;
                    return;
                }
                _ => Ok(()),
            };
            if sent.is_err() {
                return;
            }
        }
    });
    Ok(response)
}

/// The HTTP API and the socket, behind `CorsMiddleware`; the upgrade passes through it too,
/// which only adds headers the browser ignores on a handshake.
pub fn app(
    cors: Cors,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::new(cors.clone()))
        .route("/api/hello", web::get().to(|| async { "hello" }))
        .route("/ws", web::get().to(socket))
        .wrap(CorsMiddleware::new(cors))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let cors = policy();
    let server = actix_web::HttpServer::new(move || app(cors.clone())).bind("127.0.0.1:3000")?;
    println!("listening on ws://{}/ws", server.addrs()[0]);
    server.run().await
}
