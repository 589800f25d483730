//! The layer in an axum app and in a bare tower stack, driven in process.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Extension;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use fetch_cors::Reason;
use fetch_cors_axum::{Cors, CorsLayer, Rejection};
use http_body_util::BodyExt;
use tower::{ServiceBuilder, ServiceExt};

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

/// Counts the requests that reach a handler, and answers like the conformance handler:
/// marker headers and its own `vary`.
#[derive(Clone, Default)]
struct Reached(Arc<AtomicUsize>);

impl Reached {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    fn handler(&self) -> axum::routing::MethodRouter {
        let reached = self.clone();
        any(move |rejection: Option<Extension<Rejection<'static>>>| {
            let reached = reached.clone();
            async move {
                reached.0.fetch_add(1, Ordering::SeqCst);
                // The handler shows the rejection it was given, so tests can see it.
                let body = rejection.map_or_else(String::new, |Extension(r)| r.to_string());
                (
                    [
                        ("x-handler", "reached"),
                        ("vary", "accept-encoding"),
                        ("x-trace", "t"),
                    ],
                    body,
                )
            }
        })
    }
}

/// The app under test: the layer on the whole router, `/error` failing with a 500.
fn app(cors: Cors, reached: &Reached) -> Router {
    Router::new()
        .route("/", reached.handler())
        .route("/items", reached.handler())
        .route("/error", get(fail))
        .layer(CorsLayer::new(cors))
}

struct Failure;

impl IntoResponse for Failure {
    fn into_response(self) -> axum::response::Response {
        (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response()
    }
}

async fn fail() -> Result<&'static str, Failure> {
    Err(Failure)
}

fn request(method: Method, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

fn preflight(uri: &str, origin: &str, method: &str, headers: Option<&str>) -> Request<Body> {
    let mut list = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if let Some(headers) = headers {
        list.push(("access-control-request-headers", headers));
    }
    request(Method::OPTIONS, uri, &list)
}

async fn send(app: &Router, req: Request<Body>) -> Response<Body> {
    app.clone().with_state(()).oneshot(req).await.unwrap()
}

async fn body(response: Response<Body>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
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
    assert!(response.extensions().get::<Rejection<'static>>().is_none());
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
        let rejection = response.extensions().get::<Rejection<'static>>().unwrap();
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
    let rejection = response.extensions().get::<Rejection<'static>>().unwrap();
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
    // The handler's `vary` is kept; the layer's is a line of its own beside it.
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
async fn router_layer_covers_axum_404_and_405() {
    let app = app(policy(), &Reached::default());

    let response = send(&app, request(Method::GET, "/missing", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(vary(response.headers()), ["Origin"]);

    // `/error` has only GET: axum's own 405.
    let response = send(&app, request(Method::POST, "/error", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );

    // A preflight to an unknown path is still the layer's to answer.
    let response = send(&app, preflight("/missing", APP, "PUT", None)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn route_layer_does_not_see_the_routers_404() {
    let app = Router::new()
        .route("/items", get(|| async { "items" }))
        .route_layer(CorsLayer::new(policy()));

    // axum's `route_layer` wraps only matched routes: the 404 for an unknown path is not
    // the layer's to decorate.
    let response = send(&app, request(Method::GET, "/missing", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(cors_names(response.headers()), Vec::<&str>::new());

    // Matched routes get the layer, the route's method fallback (405) included, so a
    // preflight to a GET-only route is answered by the layer.
    let response = send(&app, request(Method::GET, "/items", &[("origin", APP)])).await;
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    let response = send(&app, request(Method::POST, "/items", &[("origin", APP)])).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    let response = send(&app, preflight("/items", APP, "PUT", None)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
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
    let app = Router::new()
        .route(
            "/status",
            get(|| async { "up" }).layer(CorsLayer::new(public)),
        )
        .nest(
            "/admin",
            Router::new()
                .route("/users", get(|| async { "[]" }).delete(|| async { "gone" }))
                .layer(CorsLayer::new(admin)),
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
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                (
                    [
                        ("access-control-allow-origin", "https://stale.example.com"),
                        ("vary", "accept-encoding"),
                    ],
                    "ok",
                )
            }),
        )
        .layer(CorsLayer::new(policy()));
    let response = send(&app, request(Method::GET, "/", &[("origin", APP)])).await;
    let values: Vec<_> = response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    assert_eq!(values, [HeaderValue::from_static(APP)]);
    assert_eq!(vary(response.headers()), ["accept-encoding", "Origin"]);
}

/// Outside axum: a bare tower stack over hyper-style types, with a body type of its own.
#[tokio::test]
async fn works_in_a_plain_tower_stack() {
    let service = ServiceBuilder::new()
        .layer(CorsLayer::new(policy()))
        .service_fn(|_req: Request<String>| async {
            Ok::<_, Infallible>(Response::new(String::from("hello")))
        });

    let mut req = Request::new(String::new());
    req.headers_mut()
        .insert(header::ORIGIN, HeaderValue::from_static(APP));
    let response = service.clone().oneshot(req).await.unwrap();
    assert_eq!(response.body(), "hello");
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );

    let mut req = Request::new(String::new());
    *req.method_mut() = Method::OPTIONS;
    req.headers_mut()
        .insert(header::ORIGIN, HeaderValue::from_static(APP));
    req.headers_mut().insert(
        header::ACCESS_CONTROL_REQUEST_METHOD,
        HeaderValue::from_static("DELETE"),
    );
    let response = service.oneshot(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.body(), "");
}

/// An inner service's `Err` passes through untouched: there is no response to decorate.
#[tokio::test]
async fn inner_errors_pass_through() {
    let service = ServiceBuilder::new()
        .layer(CorsLayer::new(policy()))
        .service_fn(|_req: Request<String>| async { Err::<Response<String>, _>("down") });
    let mut req = Request::new(String::new());
    req.headers_mut()
        .insert(header::ORIGIN, HeaderValue::from_static(APP));
    assert_eq!(service.oneshot(req).await.unwrap_err(), "down");
}

#[test]
fn layer_and_service_are_cheap_shareable_values() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<CorsLayer>();
    assert_traits::<fetch_cors_axum::CorsService<axum::routing::Route>>();
}
