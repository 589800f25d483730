//! axum 0.8: no CORS, tower-http's `CorsLayer`, and fetch-cors-axum's `CorsLayer`, each through
//! `tower::ServiceExt::oneshot` on a finished router.

use std::hint::black_box;
use std::rc::Rc;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::{HeaderName, HeaderValue, Method, Request};
use tokio::runtime::Runtime;
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, Any, CorsLayer};

use super::{Answer, Framework, Measurement, Run, Runner, HANDLER_BODY, HANDLER_HEADER};
use crate::*;

/// The framework's apps.
pub fn framework() -> Framework {
    let runtime = Rc::new(runtime());
    Framework::build(
        "axum 0.8 (tower)",
        "tower-http 0.7 CorsLayer",
        "fetch-cors-axum",
        "`tower::ServiceExt::oneshot` on a router finished with `.with_state(())`",
        Some,
        |row, policy| {
            Box::new(AxumRunner {
                runtime: Rc::clone(&runtime),
                app: app(row, policy),
            })
        },
    )
}

/// A current-thread runtime: the whole request runs on the measuring thread.
fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

async fn handler() -> Response {
    let mut response = HANDLER_BODY.into_response();
    response.headers_mut().insert(
        HeaderName::from_static(HANDLER_HEADER),
        HeaderValue::from_static("1"),
    );
    response
}

/// The app for `row` (a trivial `GET /` handler, no `OPTIONS` route), finished with
/// `.with_state(())` as `axum::serve` does: an unfinished router turns its handlers into
/// routes on every request, which would make every row look 1.6–2.7× costlier.
pub fn app(row: Row, policy: Option<Policy>) -> Router {
    let routes = Router::new().route("/", get(handler));
    let routes = match (row, policy) {
        (Row::Baseline, _) | (_, None) => routes,
        (Row::Peer, Some(policy)) => routes.layer(peer(policy)),
        (Row::Ours, Some(policy)) => routes.layer(fetch_cors_axum::CorsLayer::new(policy.cors())),
    };
    routes.with_state(())
}

/// tower-http's layer for `policy`.
pub fn peer(policy: Policy) -> CorsLayer {
    let listing = |origin: AllowOrigin| {
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(ALLOWED_METHODS.map(|m| Method::from_bytes(m.as_bytes()).unwrap()))
            .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
            .allow_credentials(true)
            .max_age(Duration::from_secs(MAX_AGE.into()))
    };
    let list = |origins: Vec<String>| {
        AllowOrigin::list(origins.iter().map(|o| HeaderValue::from_str(o).unwrap()))
    };
    match policy {
        Policy::One => listing(list(vec![ALLOWED_ORIGIN.to_owned()])),
        Policy::Thousand => listing(list(thousand_origins())),
        // tower-http has no patterns: a predicate, checking the listed origin too.
        Policy::Pattern => listing(AllowOrigin::predicate(|origin, _| {
            origin == ALLOWED_ORIGIN || origin.to_str().is_ok_and(matches_pattern)
        })),
        Policy::Any => CorsLayer::new()
            .allow_origin(Any)
            .allow_methods(AllowMethods::any())
            .allow_headers(AllowHeaders::any()),
    }
}

/// The request of `scenario`, its header values `from_static` as a server's would be
/// shared.
pub fn request(scenario: Scenario) -> Request<Body> {
    let mut req = Request::new(Body::empty());
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

struct AxumRunner {
    runtime: Rc<Runtime>,
    app: Router,
}

impl Runner for AxumRunner {
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let requests: Vec<_> = (0..iters).map(|_| request(scenario)).collect();
        self.runtime.block_on(async {
            let measurement = Measurement::start(count_allocations);
            for req in requests {
                // A clone per request, as hyper-util's `TowerToHyperService` makes.
                black_box(self.app.clone().oneshot(req).await.unwrap());
            }
            measurement.stop()
        })
    }

    fn answer(&self, scenario: Scenario) -> Answer {
        let response = self
            .runtime
            .block_on(self.app.clone().oneshot(request(scenario)))
            .unwrap();
        Answer::new(
            response.status().as_u16(),
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        )
    }
}

/// Apps beside the three rows, for `bench-profile`: `identity` (a layer that does nothing:
/// what axum itself charges for any `Router::layer`).
pub fn extra_runner(kind: &str) -> Option<Box<dyn Runner>> {
    let routes = Router::new().route("/", get(handler));
    let app = match kind {
        "identity" => routes.layer(tower::layer::util::Identity::new()),
        _ => return None,
    };
    Some(Box::new(AxumRunner {
        runtime: Rc::new(runtime()),
        app: app.with_state(()),
    }))
}
