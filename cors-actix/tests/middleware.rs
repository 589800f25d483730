//! The middleware through actix-web's own test utilities: every response path carries the
//! headers the core decides, preflights are answered without the handler, and the
//! application can read why a request was refused.

use std::future::ready;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{call_service, init_service, read_body, TestRequest};
use actix_web::web::{self, ReqData};
use actix_web::{error, App, HttpResponse, Responder};
use fetch_cors_actix::fetch_cors::{self, Reason, Rejection};
use fetch_cors_actix::CorsMiddleware;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example.com";

fn policy() -> fetch_cors::CorsBuilder {
    fetch_cors::Cors::builder()
        .allow_origin(APP)
        .allow_methods(["PUT"])
        .allow_headers(["x-a"])
        .expose_headers(["x-trace"])
        .allow_credentials(true)
        .max_age(600)
}

fn cors(builder: fetch_cors::CorsBuilder) -> CorsMiddleware {
    CorsMiddleware::new(builder.build().expect("a valid test policy"))
}

/// Marks its answers so a test can tell the request reached it, and sets its own `Vary`
/// so a test can tell the middleware merged it.
async fn handler() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("x-handler", "reached"))
        .insert_header(("vary", "accept-encoding"))
        .body("ok")
}

/// Fails through actix-web's usual mechanism: the error becomes a 500 response.
async fn failing() -> Result<HttpResponse, error::Error> {
    Err(error::ErrorInternalServerError("it broke"))
}

/// Answers with why the middleware refused the request's origin, if it did.
async fn rejection(rejection: Option<ReqData<Rejection<'static>>>) -> impl Responder {
    match rejection {
        Some(rejection) => rejection.to_string(),
        None => "none".to_owned(),
    }
}

/// The app every test but the per-scope ones drives: the handler everywhere but
/// `/error`, `/rejection` and an unrouted `/missing`.
macro_rules! app {
    ($cors:expr) => {
        init_service(
            App::new()
                .wrap($cors)
                .route("/error", web::to(failing))
                .route("/rejection", web::to(rejection))
                .route("/", web::to(handler))
                .route("/x", web::to(handler)),
        )
        .await
    };
}

fn get(path: &str, origin: Option<&str>) -> TestRequest {
    let req = TestRequest::get().uri(path);
    match origin {
        Some(origin) => req.insert_header(("origin", origin)),
        None => req,
    }
}

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> TestRequest {
    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/x")
        .insert_header(("origin", origin))
        .insert_header(("access-control-request-method", method));
    match headers {
        Some(headers) => req.insert_header(("access-control-request-headers", headers)),
        None => req,
    }
}

/// Every value of `name`, one per header line.
fn all<B>(res: &ServiceResponse<B>, name: &str) -> Vec<String> {
    res.headers()
        .get_all(name)
        .map(|v| v.to_str().expect("visible ASCII").to_owned())
        .collect()
}

fn one<B>(res: &ServiceResponse<B>, name: &str) -> Option<String> {
    let mut values = all(res, name);
    assert!(values.len() <= 1, "{name} appears {} times", values.len());
    values.pop()
}

fn reached<B>(res: &ServiceResponse<B>) -> bool {
    res.headers().contains_key("x-handler")
}

/// The names of the `Access-Control-*` headers on a response.
fn access_control<B>(res: &ServiceResponse<B>) -> Vec<String> {
    let mut names: Vec<_> = res
        .headers()
        .keys()
        .map(|n| n.as_str().to_owned())
        .filter(|n| n.starts_with("access-control-"))
        .collect();
    names.sort();
    names
}

async fn body<B: MessageBody>(res: ServiceResponse<B>) -> String {
    String::from_utf8(read_body(res).await.to_vec()).expect("UTF-8 body")
}

const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

#[actix_web::test]
async fn accepted_preflight_is_answered_without_the_handler() {
    let app = app!(cors(policy()));
    let res = call_service(&app, preflight(APP, "PUT", Some("x-a")).to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!reached(&res));
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(
        one(&res, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(
        one(&res, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        one(&res, "access-control-allow-headers").as_deref(),
        Some("x-a")
    );
    assert_eq!(one(&res, "access-control-max-age").as_deref(), Some("600"));
    assert_eq!(all(&res, "vary"), [PREFLIGHT_VARY]);
    assert_eq!(body(res).await, "");
}

#[actix_web::test]
async fn preflight_status_comes_from_the_policy() {
    let app = app!(cors(policy().preflight_status(200)));
    let res = call_service(&app, preflight(APP, "PUT", None).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!reached(&res));
}

#[actix_web::test]
async fn rejected_preflight_gets_403_and_only_vary() {
    for passthrough in [false, true] {
        let app = app!(cors(policy().preflight_passthrough(passthrough)));
        for req in [
            preflight(EVIL, "PUT", None),
            preflight(APP, "PATCH", None),
            preflight(APP, "PUT", Some("x-a, x-secret")),
        ] {
            let res = call_service(&app, req.to_request()).await;
            assert_eq!(res.status(), StatusCode::FORBIDDEN);
            assert!(!reached(&res), "passthrough {passthrough}");
            assert_eq!(access_control(&res), Vec::<String>::new());
            assert_eq!(all(&res, "vary"), [PREFLIGHT_VARY]);
            assert_eq!(body(res).await, "");
        }
    }
}

#[actix_web::test]
async fn passthrough_preflight_reaches_the_handler_with_cors_headers() {
    let app = app!(cors(policy().preflight_passthrough(true)));
    let res = call_service(&app, preflight(APP, "PUT", Some("x-a")).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(reached(&res));
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(
        one(&res, "access-control-allow-methods").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        one(&res, "access-control-allow-headers").as_deref(),
        Some("x-a")
    );
    assert_eq!(all(&res, "vary"), ["accept-encoding", PREFLIGHT_VARY]);
    assert_eq!(body(res).await, "ok");
}

#[actix_web::test]
async fn options_without_request_method_is_an_actual_request() {
    let app = app!(cors(policy()));
    let req = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/x")
        .insert_header(("origin", APP));
    let res = call_service(&app, req.to_request()).await;
    assert!(reached(&res));
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(one(&res, "access-control-allow-methods"), None);
}

#[actix_web::test]
async fn allowed_actual_request_gets_cors_headers_and_merged_vary() {
    let app = app!(cors(policy()));
    let res = call_service(&app, get("/x", Some(APP)).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(reached(&res));
    assert_eq!(
        access_control(&res),
        [
            "access-control-allow-credentials",
            "access-control-allow-origin",
            "access-control-expose-headers",
        ]
    );
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(
        one(&res, "access-control-expose-headers").as_deref(),
        Some("x-trace")
    );
    // The handler's `Vary` stays, beside the policy's.
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);
    assert_eq!(body(res).await, "ok");
}

#[actix_web::test]
async fn disallowed_actual_request_reaches_the_handler_without_access_control_headers() {
    let app = app!(cors(policy()));
    let res = call_service(&app, get("/x", Some(EVIL)).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(reached(&res));
    assert_eq!(access_control(&res), Vec::<String>::new());
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);
}

#[actix_web::test]
async fn non_cors_request_varies_on_origin() {
    let app = app!(cors(policy()));
    let res = call_service(&app, get("/x", None).to_request()).await;
    assert!(reached(&res));
    assert_eq!(access_control(&res), Vec::<String>::new());
    assert_eq!(all(&res, "vary"), ["accept-encoding", "Origin"]);
}

#[actix_web::test]
async fn any_origin_policy_answers_every_request_with_a_star() {
    let app = app!(cors(fetch_cors::Cors::builder().allow_any_origin()));
    for origin in [None, Some(EVIL)] {
        let res = call_service(&app, get("/x", origin).to_request()).await;
        assert!(reached(&res));
        assert_eq!(
            one(&res, "access-control-allow-origin").as_deref(),
            Some("*")
        );
        assert_eq!(all(&res, "vary"), ["accept-encoding"]);
    }
}

#[actix_web::test]
async fn policy_headers_replace_the_handlers_own() {
    let app = init_service(App::new().wrap(cors(policy())).route(
        "/",
        web::to(|| async {
            HttpResponse::Ok()
                .insert_header(("access-control-allow-origin", "*"))
                .insert_header(("access-control-expose-headers", "x-everything"))
                .finish()
        }),
    ))
    .await;
    let res = call_service(&app, get("/", Some(APP)).to_request()).await;
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(
        one(&res, "access-control-expose-headers").as_deref(),
        Some("x-trace")
    );
}

#[actix_web::test]
async fn not_found_carries_cors_headers() {
    let app = app!(cors(policy()));
    let res = call_service(&app, get("/missing/a", Some(APP)).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(all(&res, "vary"), ["Origin"]);
    // A preflight to an unrouted path is answered like any other.
    let req = preflight(APP, "PUT", None).uri("/missing").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
}

#[actix_web::test]
async fn handler_error_carries_cors_headers() {
    let app = app!(cors(policy()));
    let res = call_service(&app, get("/error", Some(APP)).to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    assert_eq!(
        one(&res, "access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(all(&res, "vary"), ["Origin"]);
    assert_eq!(body(res).await, "it broke");
}

#[actix_web::test]
async fn inner_middleware_error_carries_cors_headers() {
    let app = init_service(
        App::new()
            // Inner middleware that fails instead of answering: its error reaches the
            // server as an `Err`, not as a response.
            .wrap_fn(|_req, _service| {
                ready(Err::<ServiceResponse, _>(error::ErrorUnauthorized(
                    "go away",
                )))
            })
            .wrap(cors(policy()))
            .route("/", web::to(handler)),
    )
    .await;
    let error = match app.call(get("/", Some(APP)).to_request()).await {
        Ok(res) => panic!("expected an error, got {}", res.status()),
        Err(error) => error,
    };
    // The error keeps its own status and body; the response it becomes gets the headers.
    let res = error.error_response();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let headers = res.headers();
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), APP);
    let vary: Vec<_> = headers.get_all("vary").collect();
    assert_eq!(vary, ["Origin"]);
    // A preflight never reaches the failing middleware.
    let res = call_service(&app, preflight(APP, "PUT", None).uri("/").to_request()).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn rejection_reason_reaches_the_application() {
    let app = app!(cors(policy()));
    let res = call_service(&app, get("/rejection", Some(EVIL)).to_request()).await;
    assert_eq!(
        body(res).await,
        "CORS: origin `https://evil.example.com` is not allowed by the policy"
    );
    let res = call_service(&app, get("/rejection", Some(APP)).to_request()).await;
    assert_eq!(body(res).await, "none");
}

#[actix_web::test]
async fn rejection_names_the_reason() {
    let app = init_service(App::new().wrap(cors(policy())).route(
        "/",
        web::to(|rejection: ReqData<Rejection<'static>>| async move {
            assert_eq!(rejection.reason(), Reason::MultipleOrigins);
            HttpResponse::Ok().finish()
        }),
    ))
    .await;
    let req = get("/", Some(APP))
        .append_header(("origin", APP))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(access_control(&res), Vec::<String>::new());
}

#[actix_web::test]
async fn scopes_and_resources_have_their_own_policies() {
    let public = cors(fetch_cors::Cors::builder().allow_any_origin());
    let admin = cors(policy());
    let app = init_service(
        App::new()
            .service(
                web::scope("/public")
                    .wrap(public)
                    .route("/x", web::to(handler)),
            )
            .service(
                web::scope("/admin")
                    .wrap(admin)
                    .route("/x", web::to(handler)),
            )
            .service(
                web::resource("/resource")
                    .wrap(cors(fetch_cors::Cors::builder().allow_origin(EVIL)))
                    .route(web::get().to(handler)),
            )
            .route("/plain", web::to(handler)),
    )
    .await;

    let res = call_service(&app, get("/public/x", Some(EVIL)).to_request()).await;
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some("*")
    );

    let res = call_service(&app, get("/admin/x", Some(EVIL)).to_request()).await;
    assert_eq!(one(&res, "access-control-allow-origin"), None);
    let res = call_service(&app, get("/admin/x", Some(APP)).to_request()).await;
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );
    // The scope's own 404 is inside its middleware too.
    let res = call_service(&app, get("/admin/nothing", Some(APP)).to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(APP)
    );

    let res = call_service(&app, get("/resource", Some(EVIL)).to_request()).await;
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(EVIL)
    );
    // The resource's 405 for a method it has no route for, likewise.
    let req = TestRequest::delete()
        .uri("/resource")
        .insert_header(("origin", EVIL));
    let res = call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        one(&res, "access-control-allow-origin").as_deref(),
        Some(EVIL)
    );
    // A preflight for it is the resource's CORS layer's to answer, not a 405.
    let req = preflight(EVIL, "GET", None).uri("/resource").to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Outside every wrapped scope, no CORS at all.
    let res = call_service(&app, get("/plain", Some(APP)).to_request()).await;
    assert!(reached(&res));
    assert_eq!(access_control(&res), Vec::<String>::new());
    assert_eq!(all(&res, "vary"), ["accept-encoding"]);
}

#[actix_web::test]
async fn split_request_headers_are_answered_as_one_list() {
    let app = app!(cors(policy().allow_headers(["x-a", "x-b"])));
    let req = preflight(APP, "PUT", Some("x-a"))
        .append_header(("access-control-request-headers", "x-b"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        one(&res, "access-control-allow-headers").as_deref(),
        Some("x-a,x-b")
    );
}

#[actix_web::test]
async fn private_network_preflight_is_answered() {
    let app = app!(cors(policy().allow_private_network(true)));
    let req = preflight(APP, "PUT", None)
        .insert_header(("access-control-request-private-network", "true"))
        .to_request();
    let res = call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        one(&res, "access-control-allow-private-network").as_deref(),
        Some("true")
    );
}

#[test]
fn cloning_is_a_reference_count_bump() {
    let cors = cors(policy());
    let clone = cors.clone();
    assert!(cors.policy().ptr_eq(&clone.policy()));
}
