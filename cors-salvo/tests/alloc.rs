//! Heap allocations per request: the same request through the same service, with and
//! without the CORS hoop.
//!
//! A counting global allocator counts only on this test's thread while a thread-local flag
//! is set, so tests running in parallel do not disturb each other. The runtime is a
//! current-thread one, so the whole request runs on the counting thread.

use cors_conformance::alloc::{count, CountingAllocator};
use fetch_cors_salvo::{Cors, CorsHandler};
use salvo::http::header::{HeaderName, HeaderValue};
use salvo::http::uri::Uri;
use salvo::http::{Method, StatusCode};
use salvo::prelude::*;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const APP: &str = "https://app.example.com";

/// A handler that answers a body and its content type: its header map has room for the
/// CORS headers.
#[handler]
async fn plain(res: &mut Response) {
    res.render("ok");
}

/// The conformance handler's answer: a body, its content type and four headers, `vary`
/// among them. Its header map is nearly full, and its `vary` makes the hoop's a second line.
#[handler]
async fn conformance(res: &mut Response) {
    res.render("ok");
    let headers = res.headers_mut();
    for (name, value) in [
        ("x-handler", "reached"),
        ("x-request-id", "42"),
        ("x-trace", "t"),
        ("vary", "accept-encoding"),
    ] {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
}

/// A hoop that does nothing but hand the request on: what salvo itself spends on any hoop.
#[handler]
async fn pass_on(req: &mut Request, depot: &mut Depot, res: &mut Response, ctrl: &mut FlowCtrl) {
    ctrl.call_next(req, depot, res).await;
}

fn policy() -> Cors {
    Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .unwrap()
}

/// A request whose header values are `from_static`: cloning them, as hyper's values (slices
/// of its shared read buffer) are cloned, is a reference-count operation at most.
fn request(method: Method, headers: &[(&'static str, &'static str)]) -> Request {
    let mut req = Request::new();
    *req.method_mut() = method;
    *req.uri_mut() = Uri::from_static("http://127.0.0.1/");
    for (name, value) in headers {
        req.headers_mut().append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

fn no_origin_request() -> Request {
    request(Method::GET, &[])
}

fn allowed_get_request() -> Request {
    request(Method::GET, &[("origin", APP)])
}

fn disallowed_get_request() -> Request {
    request(Method::GET, &[("origin", "https://evil.example.com")])
}

fn allowed_preflight_request() -> Request {
    request(
        Method::OPTIONS,
        &[
            ("origin", APP),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ],
    )
}

fn rejected_preflight_request() -> Request {
    request(
        Method::OPTIONS,
        &[
            ("origin", APP),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "x-secret"),
        ],
    )
}

/// Allocations made while `service` answers one `make()` request, after warming up. The
/// request is built, and the response dropped, outside the count.
fn allocations(service: &Service, make: fn() -> Request, expect: StatusCode) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut counts = Vec::new();
    for _ in 0..4 {
        let req = make();
        let (n, response) = count(|| runtime.block_on(service.handle(req)));
        assert_eq!(response.status_code, Some(expect));
        drop(response);
        counts.push(n);
    }
    // The first run may pay for lazily initialised state; the rest must agree.
    let steady = counts[1];
    assert!(
        counts[1..].iter().all(|&n| n == steady),
        "unsteady: {counts:?}"
    );
    steady
}

#[derive(Clone, Copy, Debug)]
enum Handler {
    Plain,
    Conformance,
}

/// The service: `/` for any method, as the conformance server routes it, with `hoop`.
fn service(handler: Handler, hoop: Option<CorsHandler>) -> Service {
    let router = match handler {
        Handler::Plain => Router::new().goal(plain),
        Handler::Conformance => Router::new().goal(conformance),
    };
    match hoop {
        Some(cors) => Service::new(router).hoop(cors),
        None => Service::new(router).hoop(pass_on),
    }
}

/// The CORS hoop's own allocations for one request, over the do-nothing hoop put where it
/// goes.
fn cost(handler: Handler, make: fn() -> Request, cors_status: StatusCode) -> isize {
    let identity = allocations(&service(handler, None), make, StatusCode::OK);
    let cors = allocations(
        &service(handler, Some(CorsHandler::new(policy()))),
        make,
        cors_status,
    );
    eprintln!("{handler:?} handler: identity hoop, CORS hoop: {identity}, {cors}");
    cors as isize - identity as isize
}

// The conformance handler's header map holds 5 entries of the 6 its first allocation
// makes room for; one more CORS header than fits makes `http::HeaderMap` grow:
// a new index table and a bigger entry vector.
const MAP_GROWTH: isize = 2;
// `Vary: Origin` appended beside the handler's own `vary` goes in the map's vector of
// extra values, whose first push allocates. Merging into one value would allocate too.
const VARY_LINE: isize = 1;
// A refused request stores its reason for the application: the owned value
// (`Rejection::into_owned`), its box in the depot, and the depot's typed map (its table).
const REJECTION_IN_DEPOT: isize = 3;

#[test]
fn no_origin() {
    assert_eq!(cost(Handler::Plain, no_origin_request, StatusCode::OK), 0);
    assert_eq!(
        cost(Handler::Conformance, no_origin_request, StatusCode::OK),
        VARY_LINE
    );
}

#[test]
fn allowed_actual_get() {
    // Origin echoed by cloning the request's value; three headers fit in the map.
    assert_eq!(cost(Handler::Plain, allowed_get_request, StatusCode::OK), 0);
    assert_eq!(
        cost(Handler::Conformance, allowed_get_request, StatusCode::OK),
        MAP_GROWTH + VARY_LINE
    );
}

#[test]
fn disallowed_get() {
    assert_eq!(
        cost(Handler::Plain, disallowed_get_request, StatusCode::OK),
        REJECTION_IN_DEPOT
    );
    assert_eq!(
        cost(Handler::Conformance, disallowed_get_request, StatusCode::OK),
        REJECTION_IN_DEPOT + VARY_LINE
    );
}

// A preflight the hoop answers never reaches the rest of the chain (measured): salvo's
// default-status handler and the handler, each a boxed `async_trait` future, are not run,
// and the response's header map, which the handler's content type would have allocated
// (2), is allocated by the hoop's headers instead. 2 fewer in all.
const PREFLIGHT_SAVING: isize = -2;

#[test]
fn allowed_preflight() {
    for handler in [Handler::Plain, Handler::Conformance] {
        assert_eq!(
            cost(handler, allowed_preflight_request, StatusCode::NO_CONTENT),
            PREFLIGHT_SAVING
        );
    }
}

#[test]
fn rejected_preflight() {
    for handler in [Handler::Plain, Handler::Conformance] {
        assert_eq!(
            cost(handler, rejected_preflight_request, StatusCode::FORBIDDEN),
            PREFLIGHT_SAVING + REJECTION_IN_DEPOT
        );
    }
}

// A preflight passed on to the handler keeps its headers until the handler answers. Four of
// them are not constants (the echoed origin, method and header list, max-age): two fit in
// the hoop's owned headers, the other two cost one allocation. And the plain handler's
// map, with its content type and six CORS headers, grows.
const SPILLED_VALUES: isize = 1;

#[test]
fn passed_on_preflight() {
    let cors = Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .max_age(600)
        .preflight_passthrough(true)
        .build()
        .unwrap();
    let without = allocations(
        &service(Handler::Plain, None),
        allowed_preflight_request,
        StatusCode::OK,
    );
    let with = allocations(
        &service(Handler::Plain, Some(CorsHandler::new(cors))),
        allowed_preflight_request,
        StatusCode::OK,
    );
    assert_eq!(
        with as isize - without as isize,
        MAP_GROWTH + SPILLED_VALUES
    );
}
