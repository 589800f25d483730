//! A live policy replaced while the app serves, and an asynchronous origin check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, App, HttpResponse};
use fetch_cors::OriginCheck;
use fetch_cors_actix::{Cors, CorsMiddleware, LiveCors};

fn only(origin: &str) -> Cors {
    Cors::builder()
        .allow_origin(origin)
        .allow_methods(["PUT"])
        .expose_headers(["x-trace"])
        .max_age(60)
        .build()
        .unwrap()
}

async fn send<S, B>(app: &S, method: Method, origin: &str) -> ServiceResponse<B>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let mut req = TestRequest::default()
        .method(method.clone())
        .uri("/")
        .insert_header(("origin", origin));
    if method == Method::OPTIONS {
        req = req.insert_header(("access-control-request-method", "PUT"));
    }
    call_service(app, req.to_request()).await
}

fn header<'a, B>(response: &'a ServiceResponse<B>, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

macro_rules! app {
    ($cors:expr) => {
        init_service(
            App::new()
                .wrap($cors)
                .route("/", web::to(|| async { HttpResponse::Ok().body("ok") })),
        )
        .await
    };
}

#[actix_web::test]
async fn a_replaced_policy_answers_the_next_request_with_its_own_values() {
    let live = LiveCors::new(only("https://a.example"));
    let app = app!(CorsMiddleware::new(live.clone()));
    let before = send(&app, Method::GET, "https://a.example").await;
    assert_eq!(
        header(&before, "access-control-allow-origin"),
        Some("https://a.example")
    );
    assert_eq!(
        header(&before, "access-control-expose-headers"),
        Some("x-trace")
    );

    live.reconfigure(
        serde_json::from_str(
            r#"{"allow_origins": ["https://b.example"], "allow_methods": ["PUT"],
                "expose_headers": ["x-other"], "max_age": 120}"#,
        )
        .unwrap(),
    )
    .unwrap();
    let refused = send(&app, Method::GET, "https://a.example").await;
    assert_eq!(header(&refused, "access-control-allow-origin"), None);
    let after = send(&app, Method::GET, "https://b.example").await;
    assert_eq!(
        header(&after, "access-control-expose-headers"),
        Some("x-other")
    );
    let preflight = send(&app, Method::OPTIONS, "https://b.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&preflight, "access-control-max-age"), Some("120"));
}

/// A check that allows `*.customer.example`, fails for `down.example`, never answers for
/// `slow.example`, and counts its calls.
fn check(calls: Arc<AtomicUsize>) -> OriginCheck {
    OriginCheck::new(Duration::from_millis(50), move |origin: String| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            match origin.as_str() {
                "https://down.example" => Err(std::io::Error::other("database unreachable")),
                "https://slow.example" => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(true)
                }
                o => Ok(o.ends_with(".customer.example")),
            }
        }
    })
}

#[actix_web::test]
async fn the_check_decides_only_origins_the_lists_leave_undecided() {
    let calls = Arc::new(AtomicUsize::new(0));
    let app =
        app!(CorsMiddleware::new(only("https://a.example")).check_origins(check(calls.clone())));

    let listed = send(&app, Method::GET, "https://a.example").await;
    assert_eq!(
        header(&listed, "access-control-allow-origin"),
        Some("https://a.example")
    );
    assert_eq!(
        send(&app, Method::GET, "null").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "listed and null origins are not asked about"
    );

    let tenant = send(&app, Method::GET, "https://t1.customer.example").await;
    assert_eq!(tenant.status(), StatusCode::OK);
    assert_eq!(
        header(&tenant, "access-control-allow-origin"),
        Some("https://t1.customer.example")
    );
    assert_eq!(header(&tenant, "vary"), Some("Origin"));
    let preflight = send(&app, Method::OPTIONS, "https://t1.customer.example").await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&preflight, "access-control-allow-origin"),
        Some("https://t1.customer.example")
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let refused = send(&app, Method::GET, "https://evil.example").await;
    assert_eq!(refused.status(), StatusCode::OK);
    assert_eq!(header(&refused, "access-control-allow-origin"), None);
    assert_eq!(header(&refused, "vary"), Some("Origin"));
    let preflight = send(&app, Method::OPTIONS, "https://evil.example").await;
    assert_eq!(preflight.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn a_check_that_fails_or_times_out_refuses_and_is_never_a_500() {
    let live = LiveCors::new(only("https://a.example"));
    let app = app!(CorsMiddleware::new(live).check_origins(check(Arc::default())));
    for origin in ["https://down.example", "https://slow.example"] {
        let actual = send(&app, Method::GET, origin).await;
        assert_eq!(actual.status(), StatusCode::OK, "{origin}");
        assert_eq!(
            header(&actual, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        let preflight = send(&app, Method::OPTIONS, origin).await;
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{origin}");
    }
}
