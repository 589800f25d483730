//! Heap allocations the wrapper adds per request: the same request through the same app
//! with and without [`fetch_cors_warp::wrap`], counted on this thread only.

use std::convert::Infallible;

use cors_conformance::alloc::{count, CountingAllocator};
use fetch_cors_warp::Cors;
use warp::http::{HeaderValue, Response};
use warp::test::RequestBuilder;
use warp::{Filter, Reply};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const APP: &str = "https://app.example.com";

/// The conformance handler: 200, `content-type`, four marker headers, a body.
fn handler() -> impl Filter<Extract = (Response<&'static str>,), Error = Infallible> + Clone {
    warp::any().map(|| {
        let mut response = Response::new("ok");
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        headers.insert("x-handler", HeaderValue::from_static("reached"));
        headers.insert("x-request-id", HeaderValue::from_static("42"));
        headers.insert("x-trace", HeaderValue::from_static("t"));
        headers.insert("vary", HeaderValue::from_static("accept-encoding"));
        response
    })
}

/// Header values as hyper makes them: it parses a request into one shared buffer, so that
/// cloning a value (as echoing `Origin` does) bumps a reference count. A value built with
/// `HeaderValue::from_str` would instead allocate on its first clone, which no server
/// request does; `from_static` clones for free, like hyper's.
fn request(method: &str, headers: &[(&'static str, &'static str)]) -> RequestBuilder {
    headers.iter().fold(
        warp::test::request().method(method).path("/items"),
        |request, &(name, value)| request.header(name, HeaderValue::from_static(value)),
    )
}

/// Allocations made while `filter` answers the request `make` builds (after one warm-up
/// run, so that lazily initialised state is not counted).
fn allocations<F>(filter: &F, make: impl Fn() -> RequestBuilder) -> usize
where
    F: Filter<Error = Infallible> + Clone + Send + Sync + 'static,
    F::Extract: Reply + Send,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(make().reply(filter));
    let request = make();
    let (counted, response) = count(|| runtime.block_on(request.reply(filter)));
    drop(response);
    counted
}

fn extra_allocations(make: impl Fn() -> RequestBuilder) -> isize {
    let cors = Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .build()
        .unwrap();
    let without = allocations(&handler(), &make);
    let with = allocations(&fetch_cors_warp::wrap(cors, handler()), &make);
    with as isize - without as isize
}

// How many the wrapper adds, and why. It reads the request without copying it, boxes
// nothing, and echoes header values by clone; what is left is the response's header map:
//
// - `Vary` is appended beside the handler's own: a second value under one name goes into
//   the map's side table of extra values, allocated on first use. 1 on every response that
//   reaches the handler.
// - The handler's map has room for six headers and holds five. `Vary` is appended first
//   (fetch-cors's `HttpHeaders::write_to` does so because `HeaderMap::append` reserves room
//   for a new entry before it looks the name up), then `Access-Control-Allow-Origin` takes
//   the sixth place: no growth. Appending last would cost 2 more here.
// - A preflight the wrapper answers never runs the handler, so the handler's response (its
//   header map, its boxed body, the test client's gathering of that body) is never made:
//   those cases cost 5 fewer, the wrapper's own empty answer included.

#[test]
fn no_origin() {
    assert_eq!(extra_allocations(|| request("GET", &[])), 1);
}

#[test]
fn allowed_actual_request() {
    assert_eq!(extra_allocations(|| request("GET", &[("origin", APP)])), 1);
}

#[test]
fn allowed_actual_request_from_a_browser() {
    // Custom-named headers as a browser sends them: copying the header map would allocate
    // once for each of them (their names are not shared until first cloned); reading it
    // borrowed costs nothing more.
    let make = || {
        request(
            "GET",
            &[
                ("origin", APP),
                ("sec-fetch-mode", "cors"),
                ("sec-fetch-site", "cross-site"),
                ("sec-ch-ua-platform", "\"Linux\""),
            ],
        )
    };
    assert_eq!(extra_allocations(make), 1);
}

#[test]
fn refused_actual_request() {
    let make = || request("GET", &[("origin", "https://evil.example")]);
    assert_eq!(extra_allocations(make), 1);
}

#[test]
fn accepted_preflight() {
    let make = || {
        request(
            "OPTIONS",
            &[
                ("origin", APP),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type"),
            ],
        )
    };
    assert_eq!(extra_allocations(make), -5);
}

#[test]
fn rejected_preflight() {
    let make = || {
        request(
            "OPTIONS",
            &[("origin", APP), ("access-control-request-method", "DELETE")],
        )
    };
    assert_eq!(extra_allocations(make), -5);
}

/// A live policy costs what a fixed one does: loading it allocates nothing.
#[test]
fn a_live_policy_costs_what_a_fixed_one_does() {
    let cors = Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .build()
        .unwrap();
    let fixed = fetch_cors_warp::wrap(cors.clone(), handler());
    let live = fetch_cors_warp::wrap(fetch_cors_warp::LiveCors::new(cors), handler());
    let preflight: &[(&'static str, &'static str)] =
        &[("origin", APP), ("access-control-request-method", "PUT")];
    for (method, headers) in [
        ("GET", &[][..]),
        ("GET", &[("origin", APP)][..]),
        ("GET", &[("origin", "https://evil.example")][..]),
        ("OPTIONS", preflight),
    ] {
        assert_eq!(
            allocations(&live, || request(method, headers)),
            allocations(&fixed, || request(method, headers)),
            "{method} {headers:?}"
        );
    }
}
