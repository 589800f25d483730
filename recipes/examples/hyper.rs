//! CORS for plain hyper 1, without a framework: fetch-cors-axum's `CorsLayer` is a tower
//! layer, and `hyper-util`'s `TowerToHyperService` lets hyper serve any tower service.
//!
//! The layer goes around the whole service, so it answers preflights before your code runs
//! and adds its headers to every response your code gives, errors included. Its response
//! body type must implement `Default` (a preflight is answered with an empty one):
//! `http_body_util::Full<Bytes>` and `Empty<Bytes>` do.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example hyper`, then:
//!
//! ```text
//! curl -i -X OPTIONS localhost:3000/items -H 'origin: https://app.example.com' \
//!      -H 'access-control-request-method: PUT' -H 'access-control-request-headers: content-type'
//! curl -i -X PUT localhost:3000/items -H 'origin: https://app.example.com' -d '{}'
//! ```

use std::convert::Infallible;

use bytes::Bytes;
use fetch_cors_axum::{Cors, CorsLayer};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceBuilder;

pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

/// Your application: any `async fn` from a request to a response.
async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = match (request.method(), request.uri().path()) {
        (&Method::GET, "/items") => (StatusCode::OK, "[]"),
        (&Method::PUT, "/items") => (StatusCode::OK, "stored"),
        _ => (StatusCode::NOT_FOUND, "no such thing"),
    };
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("x-request-id", "42".parse().unwrap());
    Ok(response)
}

/// Serves `handle` behind the policy on every connection `listener` accepts.
pub async fn serve(listener: TcpListener, cors: Cors) -> std::io::Result<()> {
    let service = ServiceBuilder::new()
        .layer(CorsLayer::new(cors))
        .service_fn(handle);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {error}");
            }
        });
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, policy()).await
}
