//! The conformance server for fetch-cors-warp: a policy from a JSON file in front of a trivial
//! handler, as `xtask/suite/CONTRACT.md` describes.
//!
//!     conformance-warp --config <policy.json> [--port <n>]

use cors_conformance::server;
use warp::http::{header, HeaderValue, Response, StatusCode};
use warp::path::FullPath;
use warp::{Filter, Rejection, Reply};

/// The handler behind the policy: every path but the two exceptions, every method.
fn handler() -> Response<&'static str> {
    let mut response = Response::new(server::BODY);
    *response.status_mut() = StatusCode::from_u16(server::STATUS).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(server::CONTENT_TYPE),
    );
    for (name, value) in server::HANDLER_HEADERS {
        headers.append(name, HeaderValue::from_static(value));
    }
    // hyper leaves out the body of a HEAD response by itself.
    response
}

/// The failure `/error` reports through warp's usual mechanism: a custom rejection.
#[derive(Debug)]
struct Failure;

impl warp::reject::Reject for Failure {}

/// Turns [`Failure`] into a 500 and passes every other rejection on.
async fn recover_failure(rejection: Rejection) -> Result<impl Reply, Rejection> {
    if rejection.find::<Failure>().is_some() {
        Ok(warp::reply::with_status(
            "error",
            StatusCode::INTERNAL_SERVER_ERROR,
        ))
    } else {
        Err(rejection)
    }
}

/// Every path but `/missing` and what is under it, which warp answers with its own 404 (the
/// `not_found` rejection an unmatched path filter gives).
fn routed() -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::path::full()
        .and_then(|path: FullPath| async move {
            if server::is_missing(path.as_str()) {
                Err(warp::reject::not_found())
            } else {
                Ok(())
            }
        })
        .untuple_one()
}

#[tokio::main]
async fn main() {
    let (cors, addr) = server::setup_live();

    // The recovery sits on the `/error` route itself: a rejection passed on would make `or`
    // try the next route, which would answer 200.
    let error = warp::path!("error")
        .and_then(|| async { Err::<&str, _>(warp::reject::custom(Failure)) })
        .recover(recover_failure);
    let routes = error.or(routed().map(handler));
    let routes = fetch_cors_warp::wrap(cors, routes);

    let listener = server::listen(addr).await;

    server::serve_until_signal(|shutdown| {
        warp::serve(routes)
            .incoming(listener)
            .graceful(shutdown)
            .run()
    })
    .await;
}
