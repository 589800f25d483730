//! warp 0.4: no CORS, `warp::cors`, and `fetch_cors_warp::wrap`, each through `warp::service`, the
//! tower service warp's own server calls.

use std::cell::RefCell;
use std::convert::Infallible;
use std::hint::black_box;
use std::rc::Rc;

use http::{HeaderName, HeaderValue, Method, Request};
use tokio::runtime::Runtime;
use tower::Service;
use warp::reply::Response;
use warp::{Filter, Reply};

use super::{Answer, Framework, Measurement, Run, Runner, HANDLER_BODY, HANDLER_HEADER};
use crate::*;

/// The framework's apps.
pub fn framework() -> Framework {
    let runtime = Rc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    );
    Framework::build(
        "warp 0.4",
        "warp 0.4 `warp::cors`",
        "fetch-cors-warp",
        "`warp::service(filter)`, the tower service warp's server calls",
        policy_of,
        |row, policy| match (row, policy) {
            (Row::Baseline, _) | (_, None) => runner(&runtime, warp::service(route())),
            (Row::Peer, Some(policy)) => {
                runner(&runtime, warp::service(route().with(peer(policy))))
            }
            (Row::Ours, Some(policy)) => runner(
                &runtime,
                warp::service(fetch_cors_warp::wrap(policy.cors(), route())),
            ),
        },
    )
}

/// Apps beyond the three rows, for `bench-profile`: `tower` is fetch-cors-axum's tower layer around
/// `warp::service` (the route without CORS), with the scenario's policy.
pub fn extra_runner(kind: &str, scenario: Scenario) -> Option<Box<dyn Runner>> {
    use tower::Layer;
    match kind {
        "tower" => {
            let runtime = Rc::new(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime"),
            );
            let layer = fetch_cors_axum::CorsLayer::new(scenario.policy().cors());
            Some(runner(&runtime, layer.layer(warp::service(route()))))
        }
        _ => None,
    }
}

/// `warp::cors` has no patterns and cannot allow any header: those scenarios have no row.
fn policy_of(policy: Policy) -> Option<Policy> {
    match policy {
        Policy::Pattern | Policy::Any => None,
        other => Some(other),
    }
}

/// A trivial `GET /` route; no `OPTIONS` route.
pub fn route(
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone + Send + Sync + 'static {
    warp::get()
        .and(warp::path::end())
        .map(|| warp::reply::with_header(HANDLER_BODY, HANDLER_HEADER, "1").into_response())
}

/// `warp::cors` for `policy`.
pub fn peer(policy: Policy) -> warp::filters::cors::Cors {
    let listing = |cors: warp::filters::cors::Builder| {
        cors.allow_methods(ALLOWED_METHODS)
            .allow_headers(ALLOWED_HEADERS)
            .allow_credentials(true)
            .max_age(MAX_AGE)
    };
    let cors = warp::cors();
    match policy {
        Policy::One => listing(cors.allow_origin(ALLOWED_ORIGIN)),
        Policy::Thousand => {
            let origins = thousand_origins();
            listing(cors.allow_origins(origins.iter().map(String::as_str)))
        }
        Policy::Pattern | Policy::Any => unreachable!("warp::cors cannot express {policy:?}"),
    }
    .build()
}

/// The request of `scenario`, its header values `from_static` as a server's would be
/// shared.
pub fn request(scenario: Scenario) -> Request<String> {
    let mut req = Request::new(String::new());
    *req.method_mut() = Method::from_bytes(scenario.method().as_bytes()).unwrap();
    *req.uri_mut() = http::Uri::from_static("/");
    for (name, value) in scenario.headers() {
        req.headers_mut().append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

/// The filter as warp's server calls it: `S` is `warp::service(filter)`, whose type warp
/// does not name.
fn runner<S>(runtime: &Rc<Runtime>, service: S) -> Box<dyn Runner>
where
    S: Service<Request<String>, Response = Response, Error = Infallible> + 'static,
{
    Box::new(WarpRunner {
        runtime: Rc::clone(runtime),
        service: RefCell::new(service),
    })
}

struct WarpRunner<S> {
    runtime: Rc<Runtime>,
    service: RefCell<S>,
}

impl<S> WarpRunner<S>
where
    S: Service<Request<String>, Response = Response, Error = Infallible>,
{
    async fn call(&self, req: Request<String>) -> Response {
        // The future owns the request; the service is free again once it is made.
        let future = self.service.borrow_mut().call(req);
        future.await.unwrap_or_else(|never| match never {})
    }
}

impl<S> Runner for WarpRunner<S>
where
    S: Service<Request<String>, Response = Response, Error = Infallible>,
{
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let requests: Vec<_> = (0..iters).map(|_| request(scenario)).collect();
        self.runtime.block_on(async {
            let measurement = Measurement::start(count_allocations);
            for req in requests {
                black_box(self.call(req).await);
            }
            measurement.stop()
        })
    }

    fn answer(&self, scenario: Scenario) -> Answer {
        let response = self.runtime.block_on(self.call(request(scenario)));
        Answer::new(
            response.status().as_u16(),
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        )
    }
}
