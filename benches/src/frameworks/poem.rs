//! poem 3: no CORS, poem's own `poem::middleware::Cors`, and fetch-cors-poem's
//! `CorsMiddleware`, each through `Endpoint::get_response` on the route boxed as
//! `poem::Server` boxes it.

use std::hint::black_box;
use std::rc::Rc;

use http::{HeaderName, HeaderValue, Method};
use poem::endpoint::BoxEndpoint;
use poem::middleware::Cors;
use poem::{handler, Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use tokio::runtime::Runtime;

use super::{Answer, Framework, Measurement, Run, Runner, HANDLER_BODY, HANDLER_HEADER};
use crate::*;

/// The framework's apps.
pub fn framework() -> Framework {
    let runtime = Rc::new(runtime());
    Framework::build(
        "poem 3",
        "poem 3 `poem::middleware::Cors`",
        "fetch-cors-poem",
        "`Endpoint::get_response` on the route made a `BoxEndpoint` with \
         `map_to_response().boxed()`, as `poem::Server` makes it",
        Some,
        |row, policy| {
            Box::new(PoemRunner {
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

#[handler]
fn index() -> Response {
    let mut response = HANDLER_BODY.into_response();
    response.headers_mut().insert(
        HeaderName::from_static(HANDLER_HEADER),
        HeaderValue::from_static("1"),
    );
    response
}

/// The app for `row`: a trivial `GET /` handler, no `OPTIONS` route, boxed as poem's server
/// boxes the endpoint it serves.
pub fn app(row: Row, policy: Option<Policy>) -> BoxEndpoint<'static> {
    let routes = Route::new().at("/", poem::get(index));
    match (row, policy) {
        (Row::Baseline, _) | (_, None) => routes.map_to_response().boxed(),
        (Row::Peer, Some(policy)) => routes.with(peer(policy)).map_to_response().boxed(),
        (Row::Ours, Some(policy)) => routes
            .with(fetch_cors_poem::CorsMiddleware::new(policy.cors()))
            .map_to_response()
            .boxed(),
    }
}

/// An app for `bench-profile poem SCENARIO KIND` beyond the three rows: `floor` writes the
/// CORS headers ours answers `scenario` with, fixed in advance, after the handler, and does
/// nothing else (no header read, no decision). No middleware that sends what Fetch asks can
/// cost less on an actual request; what it costs against poem's `Cors` is measured, not
/// assumed (`benches/profile-findings.md`, section 11).
pub fn extra_runner(kind: &str, scenario: Scenario) -> Option<Box<dyn Runner>> {
    if kind != "floor" || scenario.is_preflight() {
        return None;
    }
    let headers = ours_answer(scenario)
        .headers
        .into_iter()
        .map(|(name, value)| {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
            let value = HeaderValue::from_str(&value).expect("a header value");
            (name, value)
        })
        .collect();
    let routes = Route::new().at("/", poem::get(index));
    let app = Floor {
        inner: routes,
        headers,
    };
    Some(Box::new(PoemRunner {
        runtime: Rc::new(runtime()),
        app: app.map_to_response().boxed(),
    }))
}

/// What ours answers to `scenario`'s request.
fn ours_answer(scenario: Scenario) -> Answer {
    PoemRunner {
        runtime: Rc::new(runtime()),
        app: app(Row::Ours, Some(scenario.policy())),
    }
    .answer(scenario)
}

/// The `floor` app's middleware: appends fixed headers to the inner endpoint's response.
struct Floor<E> {
    inner: E,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl<E: Endpoint> Endpoint for Floor<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let mut response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(error) => error.into_response(),
        };
        for (name, value) in &self.headers {
            response.headers_mut().append(name.clone(), value.clone());
        }
        Ok(response)
    }
}

/// poem's own `Cors` for `policy`. It answers a disallowed origin's actual request with its
/// own 403 (`CorsError::OriginNotAllowed`), without the handler.
pub fn peer(policy: Policy) -> Cors {
    let listing = |cors: Cors| {
        cors.allow_methods(ALLOWED_METHODS.map(|m| Method::from_bytes(m.as_bytes()).unwrap()))
            .allow_headers(ALLOWED_HEADERS)
            .allow_credentials(true)
            .max_age(MAX_AGE as i32)
    };
    match policy {
        Policy::One => listing(Cors::new().allow_origin(ALLOWED_ORIGIN)),
        Policy::Thousand => listing(Cors::new().allow_origins(thousand_origins())),
        // poem has no patterns: a predicate, for origins the list did not allow.
        Policy::Pattern => listing(
            Cors::new()
                .allow_origin(ALLOWED_ORIGIN)
                .allow_origins_fn(matches_pattern),
        ),
        // No origins, methods or headers listed: poem's `Cors` then allows any.
        Policy::Any => Cors::new(),
    }
}

/// The request of `scenario`, its header values `from_static` as a server's would be
/// shared.
pub fn request(scenario: Scenario) -> Request {
    let mut req = Request::builder()
        .method(Method::from_bytes(scenario.method().as_bytes()).unwrap())
        .uri(http::Uri::from_static("/"))
        .finish();
    for (name, value) in scenario.headers() {
        req.headers_mut().append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

struct PoemRunner {
    runtime: Rc<Runtime>,
    app: BoxEndpoint<'static>,
}

impl Runner for PoemRunner {
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let requests: Vec<_> = (0..iters).map(|_| request(scenario)).collect();
        self.runtime.block_on(async {
            let measurement = Measurement::start(count_allocations);
            for req in requests {
                black_box(self.app.get_response(req).await);
            }
            measurement.stop()
        })
    }

    fn answer(&self, scenario: Scenario) -> Answer {
        let response = self
            .runtime
            .block_on(self.app.get_response(request(scenario)));
        Answer::new(
            response.status().as_u16(),
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The floor writes what ours writes on every actual request, after the handler, and has
    /// no row for a preflight (which it could not answer without deciding).
    #[test]
    fn floor_answers_with_ours_headers() {
        for scenario in Scenario::ALL {
            let floor = extra_runner("floor", scenario);
            if scenario.is_preflight() {
                assert!(floor.is_none(), "{}", scenario.name());
                continue;
            }
            let floor = floor
                .expect("a floor for an actual request")
                .answer(scenario);
            assert_eq!(
                floor.headers,
                ours_answer(scenario).headers,
                "{}",
                scenario.name()
            );
            assert!(floor.handler_ran, "{}", scenario.name());
            assert_eq!(floor.status, 200, "{}", scenario.name());
        }
        assert!(extra_runner("other", Scenario::ALL[0]).is_none());
    }
}
