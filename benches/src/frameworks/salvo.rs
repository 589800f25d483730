//! salvo 1: no CORS, salvo-cors's `CorsHandler`, and fetch-cors-salvo's `CorsHandler`, each a
//! hoop of the `Service`, through the `HyperHandler` salvo's server makes per connection.

use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;

use http::{HeaderName, HeaderValue, Method};
use salvo::conn::SocketAddr;
use salvo::http::uri::Scheme;
use salvo::prelude::*;
use salvo_cors::{AllowOrigin, Any};
use tokio::runtime::Runtime;

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
        "salvo 1",
        "salvo-cors 1",
        "fetch-cors-salvo",
        "`HyperHandler::handle`, on the handler `Service::hyper_handler` makes (as salvo's \
         server does once per connection)",
        Some,
        |row, policy| {
            let handler = app(row, policy).hyper_handler(
                SocketAddr::Unknown,
                SocketAddr::Unknown,
                Scheme::HTTP,
                None,
                ConnCtrl::new(),
                None,
            );
            // salvo does not export the handler's type, so a closure holds it; its future's
            // type borrows the handler (edition 2024 capture rules), hence the `Rc`.
            let handler = Rc::new(handler);
            Box::new(SalvoRunner {
                runtime: Rc::clone(&runtime),
                handle: move |req| {
                    let handler = Rc::clone(&handler);
                    async move { handler.handle(req).await }
                },
            })
        },
    )
}

#[handler]
async fn index(res: &mut Response) {
    res.headers_mut().insert(
        HeaderName::from_static(HANDLER_HEADER),
        HeaderValue::from_static("1"),
    );
    res.render(HANDLER_BODY);
}

/// The app for `row`: a trivial `GET /` handler, no `OPTIONS` route; the CORS middleware a
/// hoop of the `Service`, where salvo-cors says it must go.
pub fn app(row: Row, policy: Option<Policy>) -> Service {
    let service = Service::new(Router::new().get(index));
    match (row, policy) {
        (Row::Baseline, _) | (_, None) => service,
        (Row::Peer, Some(policy)) => service.hoop(peer(policy).into_handler()),
        (Row::Ours, Some(policy)) => {
            service.hoop(fetch_cors_salvo::CorsHandler::new(policy.cors()))
        }
    }
}

/// salvo-cors for `policy`.
pub fn peer(policy: Policy) -> salvo_cors::Cors {
    let listing = |origin: AllowOrigin| {
        salvo_cors::Cors::new()
            .allow_origin(origin)
            .allow_methods(ALLOWED_METHODS.map(|m| Method::from_bytes(m.as_bytes()).unwrap()))
            .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
            .allow_credentials(true)
            .max_age(MAX_AGE)
    };
    match policy {
        Policy::One => listing(AllowOrigin::from(ALLOWED_ORIGIN)),
        Policy::Thousand => listing(AllowOrigin::from(&thousand_origins())),
        // salvo-cors has no patterns: a predicate, checking the listed origin too.
        Policy::Pattern => listing(AllowOrigin::dynamic(|origin, _, _| {
            origin
                .filter(|o| *o == ALLOWED_ORIGIN || o.to_str().is_ok_and(matches_pattern))
                .cloned()
        })),
        Policy::Any => salvo_cors::Cors::new()
            .allow_origin(Any)
            .allow_methods(Any)
            .allow_headers(Any),
    }
}

/// The request of `scenario`, its header values `from_static` as a server's would be
/// shared.
pub fn request(scenario: Scenario) -> Request {
    let mut req = Request::new();
    *req.method_mut() = Method::from_bytes(scenario.method().as_bytes()).unwrap();
    *req.uri_mut() = http::Uri::from_static("http://127.0.0.1/");
    for (name, value) in scenario.headers() {
        req.headers_mut().append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

struct SalvoRunner<H> {
    runtime: Rc<Runtime>,
    /// `HyperHandler::handle`.
    handle: H,
}

impl<H, F> Runner for SalvoRunner<H>
where
    H: Fn(Request) -> F,
    F: Future<Output = Response>,
{
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        let requests: Vec<_> = (0..iters).map(|_| request(scenario)).collect();
        self.runtime.block_on(async {
            let measurement = Measurement::start(count_allocations);
            for req in requests {
                black_box((self.handle)(req).await);
            }
            measurement.stop()
        })
    }

    fn answer(&self, scenario: Scenario) -> Answer {
        let response = self.runtime.block_on((self.handle)(request(scenario)));
        Answer::new(
            response.status_code.unwrap_or(StatusCode::OK).as_u16(),
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        )
    }
}
