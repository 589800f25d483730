//! The hoop in a salvo service and on salvo routers, driven in process.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use fetch_cors::Reason;
use fetch_cors_salvo::{Cors, CorsHandler, Rejection};
use salvo::http::header::{self, HeaderMap, HeaderValue};
use salvo::http::StatusCode;
use salvo::prelude::*;
use salvo::test::{RequestBuilder, ResponseExt, TestClient};

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

/// Counts the requests that reach it, and answers like the conformance handler (marker
/// headers and its own `vary`), with the rejection it found in the depot as its body.
#[derive(Clone, Default)]
struct Reached(Arc<AtomicUsize>);

impl Reached {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Handler for Reached {
    async fn handle(
        &self,
        _req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        self.0.fetch_add(1, Ordering::SeqCst);
        let body = depot
            .get_typed::<Rejection<'static>>()
            .map_or_else(|_| String::new(), ToString::to_string);
        let headers = res.headers_mut();
        headers.insert("x-handler", HeaderValue::from_static("reached"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert("x-trace", HeaderValue::from_static("t"));
        res.render(body);
    }
}

/// A hoop outside the CORS hoop that reports, as `x-rejection`, the reason the CORS hoop left
/// in the depot: what an outer middleware sees of a rejected preflight.
#[handler]
async fn witness(req: &mut Request, depot: &mut Depot, res: &mut Response, ctrl: &mut FlowCtrl) {
    ctrl.call_next(req, depot, res).await;
    if let Ok(rejection) = depot.get_typed::<Rejection<'static>>() {
        let reason = format!("{:?}", rejection.reason());
        res.headers_mut()
            .insert("x-rejection", HeaderValue::from_str(&reason).unwrap());
    }
}

#[handler]
async fn fail() -> Result<&'static str, StatusError> {
    Err(StatusError::internal_server_error().brief("boom"))
}

/// The service under test: the hoop on the service, `/` and `/items` for any method,
/// `/error` (GET only) failing with a 500.
fn service(cors: Cors, reached: &Reached) -> Service {
    let router = Router::new()
        .goal(reached.clone())
        .push(Router::with_path("items").goal(reached.clone()))
        .push(Router::with_path("error").get(fail));
    Service::new(router)
        .hoop(witness)
        .hoop(CorsHandler::new(cors))
}

fn request(method: &str, path: &str, headers: &[(&'static str, &'static str)]) -> RequestBuilder {
    let url = format!("http://127.0.0.1{path}");
    let mut client = match method {
        "GET" => TestClient::get(url),
        "POST" => TestClient::post(url),
        "OPTIONS" => TestClient::options(url),
        other => panic!("no TestClient for {other}"),
    };
    for (name, value) in headers {
        client = client.add_header(*name, *value, false);
    }
    client
}

fn preflight(
    path: &str,
    origin: &'static str,
    method: &'static str,
    headers: Option<&'static str>,
) -> RequestBuilder {
    let mut list = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if let Some(headers) = headers {
        list.push(("access-control-request-headers", headers));
    }
    request("OPTIONS", path, &list)
}

async fn send(service: &Service, client: RequestBuilder) -> Response {
    client.send(service).await
}

async fn body(mut response: Response) -> String {
    response.take_string().await.unwrap()
}

fn status(response: &Response) -> StatusCode {
    response.status_code.unwrap_or(StatusCode::OK)
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
    let service = service(policy(), &reached);
    let response = send(
        &service,
        preflight("/items", APP, "PUT", Some("content-type,x-request-id")),
    )
    .await;

    assert_eq!(status(&response), StatusCode::NO_CONTENT);
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
    assert!(h.get("x-rejection").is_none());
    assert_eq!(body(response).await, "");
    assert_eq!(reached.count(), 0);
}

#[tokio::test]
async fn rejected_preflight_gets_403_and_only_vary() {
    for cors in [policy(), passthrough_policy()] {
        let reached = Reached::default();
        let service = service(cors, &reached);
        let response = send(&service, preflight("/items", APP, "PUT", Some("x-secret"))).await;

        assert_eq!(status(&response), StatusCode::FORBIDDEN);
        assert_eq!(cors_names(response.headers()), Vec::<&str>::new());
        assert_eq!(vary(response.headers()).len(), 1);
        // No handler sees a rejected preflight; an outer hoop finds its reason in the depot.
        assert_eq!(
            get_str(response.headers(), "x-rejection"),
            Some(format!("{:?}", Reason::HeaderNotAllowed).as_str())
        );
        // No error page from salvo's catcher: the answer is empty, like every adapter's.
        assert_eq!(body(response).await, "");
        assert_eq!(reached.count(), 0);
    }
}

#[tokio::test]
async fn preflight_from_a_refused_origin_is_rejected() {
    let reached = Reached::default();
    let service = service(policy(), &reached);
    let response = send(&service, preflight("/items", EVIL, "PUT", None)).await;
    assert_eq!(status(&response), StatusCode::FORBIDDEN);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    assert_eq!(
        get_str(response.headers(), "x-rejection"),
        Some(format!("{:?}", Reason::OriginNotAllowed).as_str())
    );
    assert_eq!(reached.count(), 0);
}

#[tokio::test]
async fn passthrough_preflight_reaches_the_handler_with_cors_headers() {
    let reached = Reached::default();
    let service = service(passthrough_policy(), &reached);
    let response = send(&service, preflight("/items", APP, "PUT", None)).await;

    assert_eq!(status(&response), StatusCode::OK);
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
    let service = service(policy(), &reached);
    let response = send(&service, request("GET", "/items", &[("origin", APP)])).await;

    assert_eq!(status(&response), StatusCode::OK);
    let h = response.headers();
    assert_eq!(get_str(h, "x-handler"), Some("reached"));
    assert_eq!(get_str(h, "access-control-allow-origin"), Some(APP));
    assert_eq!(get_str(h, "access-control-allow-credentials"), Some("true"));
    assert_eq!(get_str(h, "access-control-expose-headers"), Some("x-trace"));
    // The handler's `vary` is kept; the hoop's is a line of its own beside it.
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
    let service = service(policy(), &reached);
    let response = send(&service, request("GET", "/items", &[("origin", EVIL)])).await;

    assert_eq!(status(&response), StatusCode::OK);
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
    let service = service(policy(), &reached);
    let response = send(&service, request("GET", "/items", &[])).await;
    assert_eq!(cors_names(response.headers()), Vec::<&str>::new());
    assert_eq!(vary(response.headers()), ["accept-encoding", "Origin"]);
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn options_without_request_method_is_an_ordinary_request() {
    let reached = Reached::default();
    let service = service(policy(), &reached);
    let response = send(&service, request("OPTIONS", "/items", &[("origin", APP)])).await;
    assert_eq!(status(&response), StatusCode::OK);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(reached.count(), 1);
}

#[tokio::test]
async fn handler_error_carries_cors_headers() {
    let service = service(policy(), &Reached::default());
    let response = send(&service, request("GET", "/error", &[("origin", APP)])).await;
    assert_eq!(status(&response), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(vary(response.headers()), ["Origin"]);
    // The catcher's page, written after the hoop, keeps the hoop's headers.
    assert!(body(response).await.contains("boom"));
}

#[tokio::test]
async fn service_hoop_covers_salvos_404_and_405() {
    let reached = Reached::default();
    let service = service(policy(), &reached);

    let response = send(&service, request("GET", "/missing", &[("origin", APP)])).await;
    assert_eq!(status(&response), StatusCode::NOT_FOUND);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    assert_eq!(vary(response.headers()), ["Origin"]);

    // `/error` has only GET: salvo's own 405.
    let response = send(&service, request("POST", "/error", &[("origin", APP)])).await;
    assert_eq!(status(&response), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );

    // A preflight to an unknown path, or to a route with no OPTIONS goal, is still the
    // hoop's to answer, without salvo's `Allow`.
    for path in ["/missing", "/error"] {
        let response = send(&service, preflight(path, APP, "PUT", None)).await;
        assert_eq!(status(&response), StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            get_str(response.headers(), "access-control-allow-methods"),
            Some("PUT")
        );
        assert!(response.headers().get(header::ALLOW).is_none());
    }
    assert_eq!(reached.count(), 0);
}

#[tokio::test]
async fn router_hoop_sees_only_what_the_router_matches() {
    #[handler]
    async fn items() -> &'static str {
        "items"
    }
    let router = |options_goal: bool| {
        let mut route = Router::with_path("items")
            .hoop(CorsHandler::new(policy()))
            .get(items);
        if options_goal {
            route = route.options(salvo::handler::empty());
        }
        Service::new(Router::new().push(route))
    };

    // A matched route gets the hoop.
    let service = router(false);
    let response = send(&service, request("GET", "/items", &[("origin", APP)])).await;
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some(APP)
    );
    // salvo's 404 for an unknown path and 405 for a method the route lacks run only the
    // service's hoops, so they carry no CORS headers: salvo's routing, not the hoop's choice.
    let response = send(&service, request("GET", "/missing", &[("origin", APP)])).await;
    assert_eq!(status(&response), StatusCode::NOT_FOUND);
    assert_eq!(cors_names(response.headers()), Vec::<&str>::new());
    let response = send(&service, preflight("/items", APP, "PUT", None)).await;
    assert_eq!(status(&response), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(cors_names(response.headers()), Vec::<&str>::new());

    // With an OPTIONS goal the preflight reaches the hoop, which answers it.
    let service = router(true);
    let response = send(&service, preflight("/items", APP, "PUT", None)).await;
    assert_eq!(status(&response), StatusCode::NO_CONTENT);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-methods"),
        Some("PUT")
    );
}

#[tokio::test]
async fn two_policies_on_two_routers() {
    let public = Cors::builder().allow_any_origin().build().unwrap();
    let admin = Cors::builder()
        .allow_origin("https://admin.example.com")
        .allow_methods(["DELETE"])
        .allow_credentials(true)
        .build()
        .unwrap();
    #[handler]
    async fn up() -> &'static str {
        "up"
    }
    #[handler]
    async fn users() -> &'static str {
        "[]"
    }
    let router = Router::new()
        .push(
            Router::with_path("status")
                .hoop(CorsHandler::new(public))
                .get(up)
                .options(salvo::handler::empty()),
        )
        .push(
            Router::with_path("admin")
                .hoop(CorsHandler::new(admin))
                .push(Router::with_path("users").get(users).delete(users))
                .push(Router::with_path("{**}").options(salvo::handler::empty())),
        );
    let service = Service::new(router);

    let response = send(&service, request("GET", "/status", &[("origin", APP)])).await;
    assert_eq!(
        get_str(response.headers(), "access-control-allow-origin"),
        Some("*")
    );
    assert!(response.headers().get(header::VARY).is_none());

    let response = send(&service, request("GET", "/admin/users", &[("origin", APP)])).await;
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let response = send(
        &service,
        preflight("/admin/users", "https://admin.example.com", "DELETE", None),
    )
    .await;
    assert_eq!(status(&response), StatusCode::NO_CONTENT);
    assert_eq!(
        get_str(response.headers(), "access-control-allow-credentials"),
        Some("true")
    );

    // The public route does not allow DELETE: its own policy answers.
    let response = send(&service, preflight("/status", APP, "DELETE", None)).await;
    assert_eq!(status(&response), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cors_headers_replace_the_handlers_and_vary_is_appended() {
    #[handler]
    async fn stale(res: &mut Response) {
        let headers = res.headers_mut();
        headers.insert(
            "access-control-allow-origin",
            HeaderValue::from_static("https://stale.example.com"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        res.render("ok");
    }
    let service = Service::new(Router::new().get(stale)).hoop(CorsHandler::new(policy()));
    let response = send(&service, request("GET", "/", &[("origin", APP)])).await;
    let values: Vec<_> = response
        .headers()
        .get_all("access-control-allow-origin")
        .iter()
        .collect();
    assert_eq!(values, [HeaderValue::from_static(APP)]);
    assert_eq!(vary(response.headers()), ["accept-encoding", "Origin"]);
}

#[test]
fn the_hoop_is_a_cheap_shareable_value() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<CorsHandler>();
}
