//! CORS on AWS Lambda behind API Gateway, with `lambda_http`: `lambda_http::run` serves any
//! tower service of `http::Request<lambda_http::Body>`, so fetch-cors-axum's `CorsLayer` goes
//! around the handler as it would around any tower service, and answers preflights inside
//! the function.
//!
//! For the preflight to reach the function, API Gateway must not answer it itself:
//!
//! - REST API (payload 1.0): do not use "Enable CORS" on the resource (it adds an `OPTIONS`
//!   method with a mock integration); with a `{proxy+}` resource and `ANY`, `OPTIONS`
//!   reaches the function.
//! - HTTP API (payload 2.0): leave the API's own CORS configuration empty. When it is set,
//!   API Gateway answers preflights itself and replaces the function's CORS headers.
//!
//! One policy then governs every stage and every framework you run, and the function's
//! 4xx and 5xx answers carry the CORS headers too.
//!
//! Build it for Lambda with `cargo lambda build --release --example lambda` (it needs the
//! `AWS_LAMBDA_*` variables of the Lambda runtime, so `cargo run` alone stops at start-up);
//! `tests/lambda.rs` invokes it in-process with API Gateway events.

use fetch_cors_axum::{Cors, CorsLayer};
use lambda_http::{service_fn, tower::ServiceBuilder, Body, Error, Request, RequestExt, Response};

pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "authorization"])
        .expose_headers(["x-request-id"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

/// The function: an ordinary `lambda_http` handler. It routes on `raw_http_path`: behind a
/// REST API, `uri().path()` starts with the stage (`/prod/items`).
async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let (status, body) = match (request.method().as_str(), request.raw_http_path()) {
        ("GET", "/items") => (200, "[]"),
        ("PUT", "/items") => (200, "stored"),
        _ => (404, "no such thing"),
    };
    Ok(Response::builder()
        .status(status)
        .header("x-request-id", "42")
        .body(Body::from(body))?)
}

/// The handler behind the policy: what `lambda_http::run` serves.
pub fn service(
    cors: Cors,
) -> impl lambda_http::Service<Request, Response = Response<Body>, Error = Error, Future: Send> + Clone
{
    ServiceBuilder::new()
        .layer(CorsLayer::new(cors))
        .service(service_fn(handle))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service(policy())).await
}
