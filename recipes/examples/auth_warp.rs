//! CORS in front of authentication, in warp.
//!
//! In warp, authentication is a filter that rejects, and `fetch_cors_warp::wrap` goes around
//! the final, combined filter, authentication included:
//!
//! - a preflight carries no credentials (Fetch, CORS-preflight fetch, step 1); the wrapper
//!   answers it before running the filter it wraps, so the token check never sees it;
//! - an actual request that authentication refuses must still carry
//!   `Access-Control-Allow-Origin`, or the page cannot read the 401. Recover your own
//!   rejection into the 401 *inside* the wrapper (`Filter::recover`), as warp recommends; a
//!   custom rejection nobody recovered becomes warp's 500, with CORS headers.
//!
//! Putting the token check outside the wrapper (`authenticated().and(wrap(cors, routes))`)
//! is the mistake: its rejection would reach the client with no CORS header, preflights
//! included.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example auth_warp` and try the `curl`
//! commands of the axum recipe (`examples/auth_axum.rs`) against `localhost:3000`.

use std::convert::Infallible;

use fetch_cors_warp::Cors;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

/// The policy: the page at `https://app.example.com` may send `Authorization`.
pub fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_headers(["authorization"])
        .max_age(600)
        .build()
        .expect("a valid policy")
}

#[derive(Debug)]
struct Unauthorized;

impl warp::reject::Reject for Unauthorized {}

/// The token check: a stand-in for your real authentication filter.
fn authenticated() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and_then(|value: Option<String>| async move {
            match value.as_deref() {
                Some("Bearer let-me-in") => Ok(()),
                _ => Err(warp::reject::custom(Unauthorized)),
            }
        })
        .untuple_one()
}

/// Turns the token check's rejection into the 401; passes every other rejection on.
async fn unauthorized(rejection: Rejection) -> Result<impl Reply, Rejection> {
    if rejection.find::<Unauthorized>().is_some() {
        Ok(warp::reply::with_status(
            "sign in first",
            StatusCode::UNAUTHORIZED,
        ))
    } else {
        Err(rejection)
    }
}

pub fn routes(
    cors: Cors,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone + Send + Sync + 'static {
    let me = warp::path!("api" / "me")
        .and(warp::get())
        .and(authenticated())
        .map(|| "you are signed in");
    fetch_cors_warp::wrap(cors, me.recover(unauthorized))
}

#[tokio::main]
async fn main() {
    println!("listening on http://127.0.0.1:3000");
    warp::serve(routes(policy()))
        .run(([127, 0, 0, 1], 3000))
        .await;
}
