//! Heap allocations per request: the same request through the same app, with and without
//! the CORS layer.
//!
//! A counting global allocator counts only on this test's thread while a thread-local flag
//! is set, so tests running in parallel do not disturb each other. The runtime is a
//! current-thread one, so the whole request runs on the counting thread.
//!
//! The routers are finished with `.with_state(())`, as `axum::serve` does: an unfinished
//! `Router` turns its handlers into routes on every request, which would drown the numbers.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use cors_conformance::alloc::{count, CountingAllocator};
use fetch_cors_axum::{Cors, CorsLayer};
use tower::layer::util::Identity;
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const APP: &str = "https://app.example.com";

/// A handler that answers a body and its content type: its header map has room for the
/// CORS headers.
async fn plain() -> Response {
    "ok".into_response()
}

/// The conformance handler's answer: a body, its content type and four headers, `vary`
/// among them. Its header map is nearly full, and its `vary` makes the layer's a second line.
async fn conformance() -> Response {
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
fn request(method: Method, headers: &[(&'static str, &'static str)]) -> Request<Body> {
    let mut req = Request::new(Body::empty());
    *req.method_mut() = method;
    for (name, value) in headers {
        req.headers_mut().append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    req
}

fn no_origin_request() -> Request<Body> {
    request(Method::GET, &[])
}

fn allowed_get_request() -> Request<Body> {
    request(Method::GET, &[("origin", APP)])
}

fn disallowed_get_request() -> Request<Body> {
    request(Method::GET, &[("origin", "https://evil.example.com")])
}

fn allowed_preflight_request() -> Request<Body> {
    request(
        Method::OPTIONS,
        &[
            ("origin", APP),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ],
    )
}

fn rejected_preflight_request() -> Request<Body> {
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
fn allocations(app: &Router, make: fn() -> Request<Body>, expect: StatusCode) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut counts = Vec::new();
    for _ in 0..4 {
        let app = app.clone();
        let req = make();
        let (n, response) = count(|| runtime.block_on(app.oneshot(req)).unwrap());
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

/// Allocations for one request through (no layer, a do-nothing layer, the CORS layer).
///
/// The do-nothing layer (`Identity`), put where the CORS layer goes, is what axum itself
/// spends on any `Router::layer`, so the CORS layer's own cost is `cors - identity`.
fn measure(handler: Handler, make: fn() -> Request<Body>, cors_status: StatusCode) -> [usize; 3] {
    let routes = || match handler {
        Handler::Plain => Router::new().route("/", any(plain)),
        Handler::Conformance => Router::new().route("/", any(conformance)),
    };
    let bare = routes().with_state(());
    let identity = routes().layer(Identity::new()).with_state(());
    let cors = routes().layer(CorsLayer::new(policy())).with_state(());
    let counts = [
        allocations(&bare, make, StatusCode::OK),
        allocations(&identity, make, StatusCode::OK),
        allocations(&cors, make, cors_status),
    ];
    eprintln!("{handler:?} handler: no layer, Identity layer, CORS layer: {counts:?}");
    // axum boxes a layered route: per request, one clone of the boxed service and one boxed
    // future, whatever the layer.
    assert_eq!(
        counts[1],
        counts[0] + 2,
        "axum's own cost of a layer changed"
    );
    counts
}

/// The CORS layer's own allocations for one request: `cors - identity`.
fn cost(handler: Handler, make: fn() -> Request<Body>, cors_status: StatusCode) -> isize {
    let [_, identity, cors] = measure(handler, make, cors_status);
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
// (`Rejection::into_owned`), its box in the extensions, and the extension map growing,
// since axum's routing already filled its three slots (OriginalUri, MatchedPath,
// UrlParams).
const REJECTION_IN_REQUEST: isize = 3;

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

// A preflight the layer answers never reaches the handler. The layer's empty answer costs one
// header map, sized once (2 allocations); the handler's answer it replaces costs 6 (the
// method's route: a clone of its boxed service and a boxed future; the handler's boxed
// future; the boxed body; the response's header map, 2). So an accepted preflight costs 4
// fewer than the same request without CORS.
const PREFLIGHT_SAVING: isize = -4;
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
// the layer's owned headers, the other two cost one allocation. And the plain
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
    let routes = || Router::new().route("/", any(plain));
    let identity = routes().layer(Identity::new()).with_state(());
    let layered = routes().layer(CorsLayer::new(cors)).with_state(());
    let without = allocations(&identity, allowed_preflight_request, StatusCode::OK);
    let with = allocations(&layered, allowed_preflight_request, StatusCode::OK);
    assert_eq!(
        with as isize - without as isize,
        MAP_GROWTH + SPILLED_VALUES
    );
}

/// A live policy costs what a fixed one does: loading it allocates nothing.
#[test]
fn a_live_policy_costs_what_a_fixed_one_does() {
    let fixed = Router::new()
        .route("/", any(conformance))
        .layer(CorsLayer::new(policy()))
        .with_state(());
    let live = fetch_cors_axum::LiveCors::new(policy());
    let live = Router::new()
        .route("/", any(conformance))
        .layer(CorsLayer::new(live))
        .with_state(());
    type Make = fn() -> Request<Body>;
    let requests: [(Make, StatusCode); 5] = [
        (no_origin_request, StatusCode::OK),
        (allowed_get_request, StatusCode::OK),
        (disallowed_get_request, StatusCode::OK),
        (allowed_preflight_request, StatusCode::NO_CONTENT),
        (rejected_preflight_request, StatusCode::FORBIDDEN),
    ];
    for (make, status) in requests {
        assert_eq!(
            allocations(&live, make, status),
            allocations(&fixed, make, status),
            "{:?}",
            make().headers()
        );
    }
}
