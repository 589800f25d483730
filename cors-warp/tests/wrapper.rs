//! The wrapper through warp's own test client: preflights, actual requests, error
//! responses, the rejection reason and per-scope policies.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use fetch_cors_warp::{Cors, Rejection};
use warp::http::{HeaderValue, Response, StatusCode};
use warp::test::RequestBuilder;
use warp::{Filter, Reply};

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";
const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

fn policy() -> Cors {
    Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
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

/// Counts the requests that reach the handler.
#[derive(Clone, Default)]
struct Calls(Arc<AtomicUsize>);

impl Calls {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Every method on every path: 200 with `vary: accept-encoding`, as the conformance handler.
fn handler(
    calls: &Calls,
) -> impl Filter<Extract = (Response<&'static str>,), Error = Infallible> + Clone {
    let calls = calls.clone();
    warp::any().map(move || {
        calls.0.fetch_add(1, Ordering::SeqCst);
        let mut response = Response::new("ok");
        response
            .headers_mut()
            .insert("x-handler", HeaderValue::from_static("reached"));
        response
            .headers_mut()
            .insert("vary", HeaderValue::from_static("accept-encoding"));
        response
    })
}

fn preflight(method: &str) -> RequestBuilder {
    warp::test::request()
        .method("OPTIONS")
        .path("/")
        .header("origin", APP)
        .header("access-control-request-method", method)
}

fn get(origin: &str) -> RequestBuilder {
    warp::test::request().path("/").header("origin", origin)
}

fn header<'a, B>(response: &'a Response<B>, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

fn vary<B>(response: &Response<B>) -> Vec<&str> {
    response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

fn access_control<B>(response: &Response<B>) -> Vec<&str> {
    response
        .headers()
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn accepted_preflight_is_answered_without_the_handler() {
    let calls = Calls::default();
    let routes = fetch_cors_warp::wrap(policy(), handler(&calls));
    let response = preflight("PUT")
        .header("access-control-request-headers", "content-type")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
    assert_eq!(
        header(&response, "access-control-allow-methods"),
        Some("PUT")
    );
    assert_eq!(
        header(&response, "access-control-allow-headers"),
        Some("content-type")
    );
    assert_eq!(vary(&response), [VARY_PREFLIGHT]);
    assert!(response.body().is_empty());
    assert_eq!(calls.count(), 0);
}

#[tokio::test]
async fn rejected_preflight_gets_403_and_only_vary() {
    for cors in [policy(), passthrough_policy()] {
        let calls = Calls::default();
        let routes = fetch_cors_warp::wrap(cors, handler(&calls));
        let response = preflight("DELETE").reply(&routes).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(access_control(&response), Vec::<&str>::new());
        assert_eq!(vary(&response), [VARY_PREFLIGHT]);
        assert!(response.body().is_empty());
        assert_eq!(calls.count(), 0, "even under passthrough");
    }
}

#[tokio::test]
async fn passthrough_preflight_reaches_the_handler_with_headers() {
    let calls = Calls::default();
    let routes = fetch_cors_warp::wrap(passthrough_policy(), handler(&calls));
    let response = preflight("PUT").reply(&routes).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-handler"), Some("reached"));
    assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
    assert_eq!(
        header(&response, "access-control-allow-methods"),
        Some("PUT")
    );
    assert_eq!(vary(&response), ["accept-encoding", VARY_PREFLIGHT]);
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn options_without_request_method_reaches_the_handler() {
    let calls = Calls::default();
    let routes = fetch_cors_warp::wrap(policy(), handler(&calls));
    let response = warp::test::request()
        .method("OPTIONS")
        .header("origin", APP)
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn allowed_actual_request_gets_headers_and_merged_vary() {
    let calls = Calls::default();
    let routes = fetch_cors_warp::wrap(policy(), handler(&calls));
    let response = get(APP).reply(&routes).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body().as_ref(), b"ok");
    assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
    assert_eq!(
        header(&response, "access-control-expose-headers"),
        Some("x-request-id")
    );
    // The handler's own `Vary` stays; the policy's is added beside it.
    assert_eq!(vary(&response), ["accept-encoding", "Origin"]);
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn refused_actual_request_reaches_the_handler_without_allow_headers() {
    let calls = Calls::default();
    let routes = fetch_cors_warp::wrap(policy(), handler(&calls));
    let response = get(EVIL).reply(&routes).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(access_control(&response), Vec::<&str>::new());
    assert_eq!(vary(&response), ["accept-encoding", "Origin"]);
    assert_eq!(calls.count(), 1);
}

#[tokio::test]
async fn non_cors_request_gets_vary_only() {
    let calls = Calls::default();
    let routes = fetch_cors_warp::wrap(policy(), handler(&calls));
    let response = warp::test::request().reply(&routes).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(access_control(&response), Vec::<&str>::new());
    assert_eq!(vary(&response), ["accept-encoding", "Origin"]);
}

#[derive(Debug)]
struct Failure;

impl warp::reject::Reject for Failure {}

/// `/items` (GET only), `/fail` (a custom rejection the app recovers to 500), `/bug` (one it
/// does not recover).
fn app() -> impl Filter<Extract = (impl Reply,), Error = warp::Rejection> + Clone {
    let items = warp::path!("items").and(warp::get()).map(|| "items");
    let fail = warp::path!("fail")
        .and_then(|| async { Err::<&str, _>(warp::reject::custom(Failure)) })
        .recover(|rejection: warp::Rejection| async move {
            if rejection.find::<Failure>().is_some() {
                Ok(warp::reply::with_status(
                    "failed",
                    StatusCode::INTERNAL_SERVER_ERROR,
                ))
            } else {
                Err(rejection)
            }
        });
    let bug =
        warp::path!("bug").and_then(|| async { Err::<&str, _>(warp::reject::custom(Failure)) });
    items.or(fail).or(bug)
}

#[tokio::test]
async fn warps_own_errors_carry_cors_headers() {
    let routes = fetch_cors_warp::wrap(policy(), app());
    let cases = [
        ("GET", "/nowhere", StatusCode::NOT_FOUND, ""),
        (
            "POST",
            "/items",
            StatusCode::METHOD_NOT_ALLOWED,
            "HTTP method not allowed",
        ),
        ("GET", "/fail", StatusCode::INTERNAL_SERVER_ERROR, "failed"),
        (
            "GET",
            "/bug",
            StatusCode::INTERNAL_SERVER_ERROR,
            "Unhandled rejection: Failure",
        ),
    ];
    for (method, path, status, body) in cases {
        let response = warp::test::request()
            .method(method)
            .path(path)
            .header("origin", APP)
            .reply(&routes)
            .await;
        assert_eq!(response.status(), status, "{method} {path}");
        assert_eq!(response.body().as_ref(), body.as_bytes(), "{method} {path}");
        assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
        assert_eq!(vary(&response), ["Origin"], "{method} {path}");
    }
}

/// Requests that `app` rejects: an unknown path, a method the route lacks, a custom
/// rejection nobody recovers.
fn rejected_requests() -> [RequestBuilder; 3] {
    [
        warp::test::request().path("/nowhere"),
        warp::test::request().method("POST").path("/items"),
        warp::test::request().path("/bug"),
    ]
}

#[tokio::test]
async fn rejection_responses_match_warps() {
    let wrapped = fetch_cors_warp::wrap(policy(), app());
    for (bare, request) in rejected_requests().into_iter().zip(rejected_requests()) {
        // The same filter without the wrapper, its rejection answered by warp itself.
        let bare = bare.reply(&app()).await;
        let ours = request.reply(&wrapped).await;
        assert_eq!(ours.status(), bare.status());
        assert_eq!(ours.body(), bare.body());
        assert_eq!(header(&ours, "content-type"), header(&bare, "content-type"));
    }

    // A 400 and a 405 combined by `or`: warp prefers the 400.
    let header_filter = warp::path!("h")
        .and(warp::header::<String>("x-needed"))
        .map(|value: String| value)
        .or(warp::path!("h")
            .and(warp::post())
            .map(|| "posted".to_owned()));
    let bare = warp::test::request().path("/h").reply(&header_filter).await;
    let ours = warp::test::request()
        .path("/h")
        .reply(&fetch_cors_warp::wrap(policy(), header_filter))
        .await;
    assert_eq!(bare.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ours.status(), bare.status());
    assert_eq!(ours.body(), bare.body());
}

#[tokio::test]
async fn a_filter_that_recovers_everything_can_be_wrapped() {
    let routes = app().recover(|_: warp::Rejection| async {
        Ok::<_, Infallible>(warp::reply::with_status(
            "custom 404",
            StatusCode::NOT_FOUND,
        ))
    });
    let routes = fetch_cors_warp::wrap(policy(), routes);
    let response = get(APP).path("/nowhere").reply(&routes).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.body().as_ref(), b"custom 404");
    assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
}

#[tokio::test]
async fn the_app_can_read_why_a_request_was_refused() {
    let cors = policy();
    let reason =
        fetch_cors_warp::rejection(cors.clone()).map(|rejection: Option<Rejection<'static>>| {
            rejection.map_or_else(|| "none".to_owned(), |r| r.to_string())
        });
    let routes = fetch_cors_warp::wrap(cors, reason);

    let response = get(EVIL).reply(&routes).await;
    assert_eq!(
        response.body().as_ref(),
        b"CORS: origin `https://evil.example` is not allowed by the policy"
    );
    let response = get(APP).reply(&routes).await;
    assert_eq!(response.body().as_ref(), b"none");
}

#[tokio::test]
async fn two_scopes_two_policies() {
    let public = Cors::builder().allow_any_origin().build().unwrap();
    let admin = Cors::builder()
        .allow_origin("https://admin.example.com")
        .allow_methods(["DELETE"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let calls = Calls::default();
    let routes = warp::path("public")
        .and(fetch_cors_warp::wrap(public, handler(&calls)))
        .or(warp::path("admin").and(fetch_cors_warp::wrap(admin, handler(&calls))));

    let response = get(APP).path("/public/x").reply(&routes).await;
    assert_eq!(header(&response, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&response, "access-control-allow-credentials"), None);

    let response = get("https://admin.example.com")
        .path("/admin/x")
        .reply(&routes)
        .await;
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some("https://admin.example.com")
    );
    assert_eq!(
        header(&response, "access-control-allow-credentials"),
        Some("true")
    );

    let response = get(APP).path("/admin/x").reply(&routes).await;
    assert_eq!(access_control(&response), Vec::<&str>::new());

    // Each scope answers its own preflights.
    let response = preflight("DELETE").path("/public/x").reply(&routes).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = warp::test::request()
        .method("OPTIONS")
        .path("/admin/x")
        .header("origin", "https://admin.example.com")
        .header("access-control-request-method", "DELETE")
        .reply(&routes)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // The three actual requests, refused or not; neither preflight.
    assert_eq!(calls.count(), 3);
}

#[tokio::test]
async fn the_wrapper_plugs_into_with() {
    let cors = policy();
    let routes = warp::path("hello")
        .map(|| "hello")
        .with(warp::wrap_fn(|filter| {
            fetch_cors_warp::wrap(cors.clone(), filter)
        }));
    let response = get(APP).path("/hello").reply(&routes).await;
    assert_eq!(response.body().as_ref(), b"hello");
    assert_eq!(header(&response, "access-control-allow-origin"), Some(APP));
}
