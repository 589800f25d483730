//! CORS in front of authentication, in actix-web.
//!
//! `App::wrap` wraps everything registered before it, so the middleware wrapped *last* runs
//! *first*. `CorsMiddleware` is wrapped last, outside authentication:
//!
//! - a preflight carries no credentials (Fetch, CORS-preflight fetch, step 1), so an
//!   authentication middleware in front of CORS answers it 401 and the browser reports a
//!   CORS error;
//! - an actual request that authentication refuses must still carry
//!   `Access-Control-Allow-Origin`, or the page cannot read the 401. The token check here
//!   answers with an `Err`, as most actix-web authentication does; `CorsMiddleware` adds the
//!   headers to the response actix-web makes of that error.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example auth_actix` and try the `curl`
//! commands of the axum recipe (`examples/auth_axum.rs`) against `localhost:3000`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{error, web, App, Error, HttpResponse};
use fetch_cors_actix::{Cors, CorsMiddleware};

/// The policy: the page at `https://app.example.com` may send `Authorization`.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_headers(["authorization"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

/// The token check: a stand-in for your real authentication middleware.
async fn require_token(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let authorized = request
        .headers()
        .get("authorization")
        .is_some_and(|value| value == "Bearer let-me-in");
    if !authorized {
        return Err(error::ErrorUnauthorized("sign in first"));
    }
    next.call(request).await
}

/// Right: authentication wrapped first, CORS last, so CORS is the outer middleware.
pub fn app(
    cors: Cors,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .route(
            "/api/me",
            web::get().to(|| async { HttpResponse::Ok().body("you are signed in") }),
        )
        .wrap(from_fn(require_token))
        .wrap(CorsMiddleware::new(cors))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let cors = policy();
    let server = actix_web::HttpServer::new(move || app(cors.clone())).bind("127.0.0.1:3000")?;
    println!("listening on http://{}", server.addrs()[0]);
    server.run().await
}
