//! Heap allocations per request: the same request through the same app, with and without
//! the CORS middleware.
//!
//! A counting global allocator counts only on this test's thread while a thread-local flag
//! is set, so tests running in parallel do not disturb each other. The runtime is a
//! current-thread one, so the whole request runs on the counting thread.

use cors_conformance::alloc::{count, CountingAllocator};
use fetch_cors_poem::{Cors, CorsMiddleware};
use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderName, HeaderValue, Method, StatusCode};
use poem::{handler, Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response, Route};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const APP: &str = "https://app.example.com";

/// A handler that answers a body and its content type: its header map has room for the
/// CORS headers.
#[handler]
fn plain() -> Response {
    "ok".into_response()
}

/// The conformance handler's answer: a body, its content type and four headers, `vary`
/// among them. Its header map is nearly full, and its `vary` makes the middleware's a second
/// line.
#[handler]
fn conformance() -> Response {
    let mut response = "ok".into_response();
    let headers = response.headers_mut();
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
    response
}

/// A middleware that does nothing but what any poem middleware must: call the inner endpoint
/// and hand on a response. What poem itself spends on any middleware.
struct Identity;

struct IdentityEndpoint<E>(E);

impl<E: Endpoint> Middleware<E> for Identity {
    type Output = IdentityEndpoint<E>;

    fn transform(&self, ep: E) -> IdentityEndpoint<E> {
        IdentityEndpoint(ep)
    }
}

impl<E: Endpoint> Endpoint for IdentityEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        Ok(self.0.get_response(req).await)
    }
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
    let mut req = Request::builder().method(method).finish();
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

/// Allocations made while `app` answers one `make()` request, after warming up. The request
/// is built, and the response dropped, outside the count.
fn allocations(app: &impl Endpoint, make: fn() -> Request, expect: StatusCode) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut counts = Vec::new();
    for _ in 0..4 {
        let req = make();
        let (n, response) = count(|| runtime.block_on(app.get_response(req)));
        assert_eq!(response.status(), expect);
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

/// The app: `/` for any method, as the conformance server routes it, with `middleware`.
fn app(handler: Handler, middleware: Option<CorsMiddleware>) -> BoxEndpoint<'static, Response> {
    let route = match handler {
        Handler::Plain => Route::new().at("/", plain),
        Handler::Conformance => Route::new().at("/", conformance),
    };
    match middleware {
        Some(cors) => route.with(cors).boxed(),
        None => route.with(Identity).boxed(),
    }
}

/// The CORS middleware's own allocations for one request, over the do-nothing middleware put
/// where it goes.
fn cost(handler: Handler, make: fn() -> Request, cors_status: StatusCode) -> isize {
    let identity = allocations(&app(handler, None), make, StatusCode::OK);
    let cors = allocations(
        &app(handler, Some(CorsMiddleware::new(policy()))),
        make,
        cors_status,
    );
    eprintln!("{handler:?} handler: Identity middleware, CORS middleware: {identity}, {cors}");
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
// (`Rejection::into_owned`) and its box in the extensions. The extension map it creates
// is one poem's routing creates anyway, right after, to store the matched path pattern.
const REJECTION_IN_REQUEST: isize = 2;

#[test]
fn no_origin() {
    // `Vary: Origin` fits in the plain handler's map.
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
        REJECTION_IN_REQUEST
    );
    assert_eq!(
        cost(Handler::Conformance, disallowed_get_request, StatusCode::OK),
        REJECTION_IN_REQUEST + VARY_LINE
    );
}

// A preflight the middleware answers never reaches the route. The middleware's empty
// answer costs one header map, sized once (2 allocations); the route's answer it replaces
// costs 11 (measured: poem's routing, with its path pattern and the extension map holding
// it, the handler's response, its body and header map, and so on). Both apps pay 1 more
// for the boxed future of `BoxEndpoint`.
const PREFLIGHT_SAVING: isize = 2 - 11;
// A rejected preflight's reason goes in the 403's extensions, which start empty: the owned
// value, its box, and the extension map (a box and its table).
const REJECTION_IN_RESPONSE: isize = 4;

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
            PREFLIGHT_SAVING + REJECTION_IN_RESPONSE
        );
    }
}

// A preflight passed on to the handler keeps its headers until the handler answers. Four of
// them are not constants (the echoed origin, method and header list, max-age): two fit in
// the middleware's owned headers, the other two cost one allocation. And the plain
// handler's map, with its content type and six CORS headers, grows.
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
        &app(Handler::Plain, None),
        allowed_preflight_request,
        StatusCode::OK,
    );
    let with = allocations(
        &app(Handler::Plain, Some(CorsMiddleware::new(cors))),
        allowed_preflight_request,
        StatusCode::OK,
    );
    assert_eq!(
        with as isize - without as isize,
        MAP_GROWTH + SPILLED_VALUES
    );
}
