//! The middleware adds no heap allocation per request beyond the framework's own: the
//! same request goes through the same app with and without it, and the allocations made
//! on this thread while serving it are compared.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::test::{init_service, TestRequest};
use actix_web::web::{self, BytesMut};
use actix_web::{App, Error, HttpResponse};
use cors_conformance::alloc::{count, CountingAllocator};
use fetch_cors_actix::{Cors, CorsMiddleware};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const APP: &str = "https://app.example.com";

/// A handler that allocates nothing itself, so the counts are the framework's and the
/// middleware's. It sets its own `Vary` like the conformance handler, so the middleware
/// has to append beside it.
async fn handler() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            HeaderName::from_static("x-handler"),
            HeaderValue::from_static("reached"),
        ))
        .insert_header((
            HeaderName::from_static("vary"),
            HeaderValue::from_static("accept-encoding"),
        ))
        .body("ok")
}

fn policy() -> CorsMiddleware {
    CorsMiddleware::new(
        Cors::builder()
            .allow_origin(APP)
            .allow_methods(["PUT"])
            .allow_headers(["x-a", "x-b"])
            .expose_headers(["x-trace"])
            .allow_credentials(true)
            .max_age(600)
            .build()
            .expect("a valid policy"),
    )
}

/// A header value as actix-web's HTTP/1 decoder makes it: a slice of the connection's
/// shared read buffer, so that cloning it bumps a reference count. (A value built from a
/// `&str` owns a plain buffer that `bytes` would promote, allocating, on its first clone.)
fn wire(value: &str) -> HeaderValue {
    let mut buffer = BytesMut::from(value.as_bytes());
    HeaderValue::from_maybe_shared(buffer.split().freeze()).expect("a valid header value")
}

/// One request of a scenario: a method and header lines.
struct Scenario {
    name: &'static str,
    method: Method,
    headers: &'static [(&'static str, &'static str)],
}

impl Scenario {
    fn request(&self) -> TestRequest {
        let mut req = TestRequest::default().method(self.method.clone()).uri("/");
        for (name, value) in self.headers {
            req = req.append_header((HeaderName::from_static(name), wire(value)));
        }
        req
    }
}

/// Calls the service (`call` does the middleware's deciding) and polls the future to
/// completion on this thread, with allocation counting on. The handler and the middleware
/// never wait, so no other task runs in between.
fn count_allocations<F: Future>(call: impl FnOnce() -> F) -> (usize, F::Output) {
    let mut cx = Context::from_waker(Waker::noop());
    count(|| {
        let mut future = pin!(call());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                break output;
            }
        }
    })
}

/// Allocations made serving one request of `scenario`, once the framework's pools
/// (request heads, response heads, request extensions) are warm.
fn allocations<S, R, B>(app: &S, request: impl Fn() -> R) -> usize
where
    S: Service<R, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    for _ in 0..3 {
        let req = request();
        let (_, res) = count_allocations(|| app.call(req));
        drop(res.expect("served"));
    }
    let req = request();
    let (count, res) = count_allocations(|| app.call(req));
    drop(res.expect("served"));
    count
}

#[actix_web::test]
async fn middleware_adds_no_allocation_per_request() {
    let without = init_service(App::new().route("/", web::to(handler))).await;
    let with = init_service(App::new().wrap(policy()).route("/", web::to(handler))).await;

    // (scenario, allocations the middleware adds)
    let scenarios = [
        (
            Scenario {
                name: "no Origin",
                method: Method::GET,
                headers: &[],
            },
            0,
        ),
        (
            Scenario {
                name: "allowed GET",
                method: Method::GET,
                headers: &[("origin", APP)],
            },
            0,
        ),
        (
            Scenario {
                name: "allowed preflight",
                method: Method::OPTIONS,
                headers: &[
                    ("origin", APP),
                    ("access-control-request-method", "PUT"),
                    ("access-control-request-headers", "x-a,x-b"),
                ],
            },
            0,
        ),
        (
            Scenario {
                name: "rejected preflight",
                method: Method::OPTIONS,
                headers: &[
                    ("origin", APP),
                    ("access-control-request-method", "PUT"),
                    ("access-control-request-headers", "x-secret"),
                ],
            },
            0,
        ),
        (
            Scenario {
                name: "disallowed GET",
                method: Method::GET,
                headers: &[("origin", "https://evil.example.com")],
            },
            // The rejection handed to the application, which the brief asks for as a
            // `Rejection<'static>` in the request extensions: `Rejection::into_owned`
            // copies the offending origin (1), actix-web's `Extensions` boxes every value
            // it holds (1), and the request's extension map, which actix-web creates empty
            // for every request, allocates its table on this first insert (1).
            3,
        ),
    ];

    // The same policy as a `LiveCors`: loading it, and reusing its converted values,
    // allocates nothing.
    let live = init_service(
        App::new()
            .wrap(CorsMiddleware::new(fetch_cors_actix::LiveCors::new(
                policy().policy(),
            )))
            .route("/", web::to(handler)),
    )
    .await;
    for (scenario, _) in &scenarios {
        assert_eq!(
            allocations(&live, || scenario.request().to_request()),
            allocations(&with, || scenario.request().to_request()),
            "{}: a live policy costs what a fixed one does",
            scenario.name
        );
    }

    let mut report = Vec::new();
    for (scenario, expected) in &scenarios {
        let base = allocations(&without, || scenario.request().to_request());
        let cors = allocations(&with, || scenario.request().to_request());
        report.push(format!(
            "{}: {base} without the middleware, {cors} with it",
            scenario.name
        ));
        // A preflight the middleware answers skips the handler and its response, so it
        // may cost less than the baseline; it must never cost more.
        let added = cors.saturating_sub(base);
        assert_eq!(
            added, *expected,
            "{}: {base} allocations without the middleware, {cors} with it",
            scenario.name
        );
    }
    println!("{}", report.join("\n"));
}

#[actix_web::test]
async fn a_preflight_passed_on_keeps_its_extra_values_on_the_heap() {
    let passing = CorsMiddleware::new(
        Cors::builder()
            .allow_origin(APP)
            .allow_methods(["PUT"])
            .allow_headers(["x-a", "x-b"])
            .allow_credentials(true)
            .max_age(600)
            .preflight_passthrough(true)
            .build()
            .expect("a valid policy"),
    );
    let without = init_service(App::new().route("/", web::to(handler))).await;
    let with = init_service(App::new().wrap(passing).route("/", web::to(handler))).await;
    let scenario = Scenario {
        name: "passed-on preflight",
        method: Method::OPTIONS,
        headers: &[
            ("origin", APP),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "x-a,x-b"),
        ],
    };
    let base = allocations(&without, || scenario.request().to_request());
    let cors = allocations(&with, || scenario.request().to_request());
    // The origin, the method and the header list are echoed and max-age is the policy's: the
    // middleware keeps two of these four in place and boxes the other two, once. (A preflight it answers writes
    // them straight into its response, and costs nothing.)
    assert_eq!(cors as isize - base as isize, 1, "{}", scenario.name);
}
