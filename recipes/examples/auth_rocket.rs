//! CORS in front of authentication, in Rocket.
//!
//! Rocket authenticates with request guards, which run when a route is tried; a fairing
//! sees every request before routing and every response after it, catchers' included. So
//! the order is Rocket's, not yours: attach `CorsFairing` anywhere.
//!
//! - A preflight carries no credentials (Fetch, CORS-preflight fetch, step 1). The fairing
//!   answers it from a route of its own that is tried before any of yours, so the `User`
//!   guard never sees it, and no route of yours needs to take `OPTIONS`.
//! - An actual request whose guard fails goes to the 401 catcher, and the fairing adds the
//!   CORS headers to the catcher's response, so the page can read the 401.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example auth_rocket` (Rocket picks port
//! 8000) and try the `curl` commands of the axum recipe (`examples/auth_axum.rs`).

use fetch_cors_rocket::{Cors, CorsFairing};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Build, Rocket};

/// The policy: the page at `https://app.example.com` may send `Authorization`.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_headers(["authorization"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

/// The token check: a stand-in for your real authentication guard.
pub struct User;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for User {
    type Error = &'static str;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match request.headers().get_one("authorization") {
            Some("Bearer let-me-in") => Outcome::Success(User),
            _ => Outcome::Error((Status::Unauthorized, "sign in first")),
        }
    }
}

#[rocket::get("/api/me")]
fn me(_user: User) -> &'static str {
    "you are signed in"
}

pub fn app(cors: Cors) -> Rocket<Build> {
    rocket::build()
        .mount("/", rocket::routes![me])
        .attach(CorsFairing::new(cors))
}

#[rocket::main]
async fn main() -> Result<(), Box<rocket::Error>> {
    app(policy()).launch().await?;
    Ok(())
}
