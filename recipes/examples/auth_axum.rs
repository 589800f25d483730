//! CORS in front of authentication, in axum.
//!
//! `Router::layer` wraps everything added before it, so the layer added *last* runs
//! *first*. The CORS layer goes last, outside authentication:
//!
//! - a preflight carries no credentials (Fetch, CORS-preflight fetch, step 1: "credentials
//!   mode is omit"), so an authentication layer in front of CORS answers it 401, and the
//!   browser reports a CORS error before it ever sends the real request;
//! - an actual request that authentication refuses must still carry
//!   `Access-Control-Allow-Origin`, or the page cannot read the 401 and sees "CORS error"
//!   instead of "please sign in".
//!
//! Run it with `cargo run -p fetch-cors-recipes --example auth_axum`, then:
//!
//! ```text
//! curl -i -X OPTIONS localhost:3000/api/me -H 'origin: https://app.example.com' \
//!      -H 'access-control-request-method: GET' -H 'access-control-request-headers: authorization'
//! curl -i localhost:3000/api/me -H 'origin: https://app.example.com'
//! curl -i localhost:3000/api/me -H 'origin: https://app.example.com' -H 'authorization: Bearer let-me-in'
//! ```

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use fetch_cors_axum::{Cors, CorsLayer};

/// The policy: the page at `https://app.example.com` may send `Authorization`.
/// `authorization` is never covered by `allow_headers: "*"`, so it is listed.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_headers(["authorization"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

/// The token check: a stand-in for your real authentication middleware.
async fn require_token(request: Request, next: Next) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|value| value == "Bearer let-me-in");
    if authorized {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, "sign in first").into_response()
    }
}

/// Right: authentication first, CORS last, so CORS is the outer layer.
pub fn app(cors: Cors) -> Router {
    Router::new()
        .route("/api/me", get(|| async { "you are signed in" }))
        .layer(middleware::from_fn(require_token))
        .layer(CorsLayer::new(cors))
}

/// Wrong, kept to show what goes wrong (the recipe's test runs it): CORS inside
/// authentication, so the token check answers the preflight with 401.
pub fn wrong_order(cors: Cors) -> Router {
    Router::new()
        .route("/api/me", get(|| async { "you are signed in" }))
        .layer(CorsLayer::new(cors))
        .layer(middleware::from_fn(require_token))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(policy())).await
}
