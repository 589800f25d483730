//! The middleware in a poem app, driven in process.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use fetch_cors::Reason;
use fetch_cors_poem::{Cors, CorsEndpoint, CorsMiddleware, Rejection};
use poem::endpoint::BoxEndpoint;
use poem::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use poem::web::Data;
use poem::{get, handler, Endpoint, EndpointExt, Request, Response, Route};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.com";

fn policy() -> Cors {
    Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-request-id"])
        .expose_headers(["x-trace"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .unwrap()
}

fn passthrough_policy() -> Cors {
    Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .preflight_passthrough(true)
        .build()
        .unwrap()
}

/// Counts the requests that reach a handler.
#[derive(Clone, Default)]
struct Reached(Arc<AtomicUsize>);

impl Reached {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Answers like the conformance handler (marker headers and its own `vary`), with the
/// rejection it was given as its body, so tests can see it.
#[handler]
fn reach(reached: Data<&Reached>, rejection: Option<Data<&Rejection<'static>>>) -> Response {
    reached.0 .0.fetch_add(1, Ordering::SeqCst);
    let body = rejection.map_or_else(String::new, |Data(r)| r.to_string());
    Response::builder()
        .header("x-handler", "reached")
        .header("vary", "accept-encoding")
        .header("x-trace", "t")
        .body(body)
}

#[handler]
fn fail() -> poem::Result<&'static str> {
    Err(poem::Error::from_string(
        "boom",
        StatusCode::INTERNAL_SERVER_ERROR,
    ))
}

/// The app under test: the middleware on the whole route, `/` and `/items` for any method,
/// `/error` (GET only) failing with a 500.
fn app(cors: Cors, reached: &Reached) -> BoxEndpoint<'static, Response> {
    Route::new()
        .at("/", reach)
        .at("/items", reach)
        .at("/error", get(fail))
        .data(reached.clone())
        .with(CorsMiddleware::new(cors))
        .boxed()
}

fn request(method: Method, uri: &str, headers: &[(&str, &str)]) -> Request {
    let mut builder = Request::builder().method(method).uri_str(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.finish()
}

fn preflight(uri: &str, origin: &str, method: &str, headers: Option<&str>) -> Request {
    let mut list = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if let Some(headers) = headers {
        list.push(("access-control-request-headers", headers));
    }
    request(Method::OPTIONS, uri, &list)
}

async fn send(app: &impl Endpoint, req: Request) -> Response {
    app.get_response(req).await
}

async fn body(response: Response) -> String {
    response.into_body().into_string().await.unwrap()
}

fn get_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

fn vary(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(header::VARY)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

fn cors_names(headers: &HeaderMap) -> Vec<&str> {
    let mut names: Vec<_> = headers
        .keys()
        .map(|n| n.as_str())
        .filter(|n| n.starts_with("access-control-"))
        .collect();
    names.sort_unstable();
    names
}

#[tokio::test]
async fn accepted_preflight_is_answered_without_the_handler() {
    let reached = Reached::default();
    let app = app(policy(), &reached);
    let response = send(
        &app,
        preflight("/items", APP, "PUT", Some("content-type,x-request-id")),
    )
    .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let h = response.headers();
    assert_eq!(get_str(h, "access-control-allow-origin"), Some(APP));
    assert_eq!(get_str(h, "access-control-allow-credentials"), Some("true"));
    assert_eq!(get_str(h, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        get_str(h, "access-control-allow-headers"),
        Some("content-type,x-request-id")
    );
    assert_eq!(get_str(h, "access-control-max-age"), Some("600"));
    assert_eq!(
        vary(h),
        ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
    );
    assert!(h.get("x-handler").is_none());
    assert!(response.data::<Rejection<'static>>().is_none());
    assert_eq!(body(response).await, "");
    assert_eq!(reached.count(), 0);
}

#[tokio::test]
async fn rejected_preflight_gets_403_and_only_vary() {
    for cors in [policy(), passthrough_policy()] {
        let reached = Reached::default();
        let app = app(cors, &reached);
        let response = send(&app, preflight("/items", APP, "PUT", Some("x-secret"))).await;

        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(cors_names(response.headers()), Vec::<&str>::new());
        assert_eq!(vary(response.headers()).len(), 1);
        // No handler sees a rejected preflight, so its reason rides on the response.
        let rejection = response.data::<Rejection<'static>>().unwrap();
        assert_eq!(rejection.reason(), Reason::HeaderNotAllowed);
        assert_eq!(rejection.value(), b"x-secret");
        assert_eq!(body(response).await, "");
        assert_eq!(reached.count(), 0);
    }
}

#[tokio::test]
async fn preflight_from_a_refused_origin_is_rejected() {
    let reached = Reached::default();
    let app = app(policy(), &reached);
    let response = send(&app, preflight("/items", EVIL, "PUT", None)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let rejection = response.data::<Rejection<'static>>().unwrap();
    assert_eq!(rejection.reason(), Reason::OriginNotAllowed);
    assert_eq!(reached.count(), 0);
}

#[tokio::test]
async fn passthrough_preflight_reaches_the_handler_with_cors_headers() {
    let reached = Reached::default();
    let app = app(passthrough_policy(), &reached);
    let response = send(&app, preflight("/items", APP, "PUT", None)).await;

    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers();
    assert_eq!(get_str(h, "x-handler"), Some("reached"));
    assert_eq!(get_str(h, "access-control-allow-origin"), Some(APP));
    assert_eq!(get_str(h, "access-control-allow-methods"), Some("PUT"));
    assert_eq!(
        vary(h),
        [
            "accept-encoding",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        ]
    );
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn allowed_actual_request_gets_headers_and_merged_vary() {
    let reached = Reached::default();
    let app = app(policy(), &reached);
    let response = send(&app, request(Method::GET, "/items", &[("origin", APP)])).await;

    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers();
    assert_eq!(get_str(h, "x-handler"), Some("reached"));
    assert_eq!(get_str(h, "access-control-allow-origin"), Some(APP));
    assert_eq!(get_str(h, "access-control-allow-credentials"), Some("true"));
    assert_eq!(get_str(h, "access-control-expose-headers"), Some("x-trace"));
    // The handler's `vary` is kept; the middleware's is a line of its own beside it.
    assert_eq!(vary(h), ["accept-encoding", "Origin"]);
    assert_eq!(
        body(response).await,
        "",
        "no rejection for an allowed origin"
    );
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn refused_actual_request_reaches_the_handler_with_the_reason() {
    let reached = Reached::default();
    let app = app(policy(), &reached);
    let response = send(&app, request(Method::GET, "/items", &[("origin", EVIL)])).await;

    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers();
    assert_eq!(get_str(h, "x-handler"), Some("reached"));
    assert_eq!(cors_names(h), Vec::<&str>::new());
    assert_eq!(vary(h), ["accept-encoding", "Origin"]);
    assert_eq!(
        body(response).await,
        format!("CORS: origin `{EVIL}` is not allowed by the policy")
    );
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn non_cors_request_gets_only_vary() {
    let reached = Reached::default();
    let app = app(policy(), &reached);
    let response = send(&app, request(Method::GET, "/items", &[])).await;
    assert_eq!(cors_names(response.headers()), Vec::<&str>::new());
    assert_eq!(vary(response.headers()), ["accept-encoding", "Origin"]);
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn options_without_request_method_is_an_ordinary_request() {
    let reached = Reached::default();
    let app = app(policy(), &reached);
    let response = send(&app, request(Method::OPTIONS, "/items", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn handler_error_carries_cors_headers() {
    let app = app(policy(), &Reached::default());
    let response = send(&app, request(Method::GET, "/error", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(vary(response.headers()), ["Origin"]);
    assert_eq!(body(response).await, "boom");
}

#[tokio::test]
async fn poems_own_404_and_405_carry_cors_headers() {
    let reached = Reached::default();
    let app = app(policy(), &reached);

    let response = send(&app, request(Method::GET, "/missing", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(vary(response.headers()), ["Origin"]);

    // `/error` has only GET: poem's own 405.
    let response = send(&app, request(Method::POST, "/error", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );

    // A preflight to an unknown path, or to a route with no OPTIONS handler, is still the
    // middleware's to answer.
    for path in ["/missing", "/error"] {
        let response = send(&app, preflight(path, APP, "PUT", None)).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            get_str(response.headers(), "access-control-allow-methods"),
            Some("PUT")
        );
    }
    assert_eq!(reached.count(), 0);
}

#[tokio::test]
async fn two_policies_on_two_routes() {
    let public = Cors::builder().allow_any_origin().build().unwrap();
    let admin = Cors::builder()
        .allow_origin("https://admin.example.com")
        .allow_methods(["DELETE"])
        .allow_credentials(true)
        .build()
        .unwrap();
    #[handler]
    fn up() -> &'static str {
        "up"
    }
    #[handler]
    fn users() -> &'static str {
        "[]"
    }
    let app = Route::new()
        .at("/status", get(up).with(CorsMiddleware::new(public)))
        .nest(
            "/admin",
            Route::new()
                .at("/users", get(users).delete(users))
                .with(CorsMiddleware::new(admin)),
        );

    let response = send(&app, request(Method::GET, "/status", &[("origin", APP)])).await;
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some("*")
    );
    assert!(response.headers().get(header::VARY).is_none());

    let response = send(
        &app,
        request(Method::GET, "/admin/users", &[("origin", APP)]),
    )
    .await;
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let response = send(
        &app,
        preflight("/admin/users", "https://admin.example.com", "DELETE", None),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-credentials"),
        Some("true")
    );

    // The public route does not allow DELETE: its own policy answers.
    let response = send(&app, preflight("/status", APP, "DELETE", None)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cors_headers_replace_the_handlers_and_vary_is_appended() {
    #[handler]
    fn stale() -> Response {
        Response::builder()
            .header("access-control-allow-origin", "https://stale.example.com")
            .header("vary", "accept-encoding")
            .body("ok")
    }
    let app = Route::new()
        .at("/", get(stale))
        .with(CorsMiddleware::new(policy()));
    let response = send(&app, request(Method::GET, "/", &[("origin", APP)])).await;
    let values: Vec<_> = response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    assert_eq!(values, [HeaderValue::from_static(APP)]);
    assert_eq!(vary(response.headers()), ["accept-encoding", "Origin"]);
}

/// What poem's server sends for an error is what the middleware hands on, the error's own
/// data included, so an outer middleware still sees it.
#[tokio::test]
async fn an_errors_data_survives_as_the_responses() {
    #[derive(Clone, Debug, PartialEq)]
    struct Code(u32);
    #[handler]
    fn coded() -> poem::Result<&'static str> {
        let mut error = poem::Error::from_status(StatusCode::UNAUTHORIZED);
        error.set_data(Code(7));
        Err(error)
    }
    let app = Route::new()
        .at("/", get(coded))
        .with(CorsMiddleware::new(policy()));
    let response = send(&app, request(Method::GET, "/", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.data::<Code>(), Some(&Code(7)));
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
}

#[test]
fn middleware_and_endpoint_are_cheap_shareable_values() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<CorsMiddleware>();
    // poem's own routes are not `Clone` (its server shares them in an `Arc`); over one that
    // is, the endpoint is too.
    assert_traits::<CorsEndpoint<Arc<Route>>>();
}
