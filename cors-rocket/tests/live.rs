//! A live policy replaced while Rocket serves, and an asynchronous origin check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fetch_cors::OriginCheck;
use fetch_cors_rocket::{Cors, CorsFairing, CorsRejection, LiveCors};
use rocket::http::{Header, Method, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{get, routes};

#[get("/")]
fn index(refused: Option<CorsRejection<'_>>) -> String {
    refused.map_or_else(|| "ok".to_owned(), |r| r.to_string())
}

async fn client(fairing: CorsFairing) -> Client {
    let rocket = rocket::build().mount("/", routes![index]).attach(fairing);
    Client::tracked(rocket).await.unwrap()
}

async fn send<'c>(client: &'c Client, method: Method, origin: &str) -> LocalResponse<'c> {
    let mut req = client
        .req(method, "/")
        .header(Header::new("origin", origin.to_owned()));
    if method == Method::Options {
        req = req.header(Header::new("access-control-request-method", "PUT"));
    }
    req.dispatch().await
}

fn acao<'a>(response: &'a LocalResponse<'_>) -> Option<&'a str> {
    response.headers().get_one("access-control-allow-origin")
}

fn only(origin: &str) -> Cors {
    Cors::builder()
        .allow_origin(origin)
        .allow_methods(["PUT"])
        .build()
        .unwrap()
}

#[rocket::async_test]
async fn a_replaced_policy_answers_the_next_request() {
    let live = LiveCors::new(only("https://a.example"));
    let client = client(CorsFairing::try_new(live.clone()).unwrap()).await;
    let before = send(&client, Method::Get, "https://a.example").await;
    assert_eq!(acao(&before), Some("https://a.example"));
    live.replace(only("https://b.example")).unwrap();
    let refused = send(&client, Method::Get, "https://a.example").await;
    assert_eq!(acao(&refused), None);
    assert_eq!(
        refused.into_string().await.as_deref(),
        Some("CORS: origin `https://a.example` is not allowed by the policy")
    );
    let preflight = send(&client, Method::Options, "https://b.example").await;
    assert_eq!(preflight.status(), Status::NoContent);
    assert_eq!(acao(&preflight), Some("https://b.example"));
}

#[rocket::async_test]
async fn a_replacement_rocket_cannot_serve_is_refused_and_changes_nothing() {
    let live = LiveCors::new(only("https://a.example"));
    let client = client(CorsFairing::try_new(live.clone()).unwrap()).await;
    let patch = Cors::builder()
        .allow_origin("https://b.example")
        .allow_methods(["patch"])
        .build()
        .unwrap();
    let err = live.replace(patch).unwrap_err();
    assert!(err.to_string().contains("Rocket 0.5"), "{err}");
    let still = send(&client, Method::Get, "https://a.example").await;
    assert_eq!(acao(&still), Some("https://a.example"));
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
                    rocket::tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(true)
                }
                o => Ok(o.ends_with(".customer.example")),
            }
        }
    })
}

#[rocket::async_test]
async fn the_check_decides_only_origins_the_lists_leave_undecided() {
    let calls = Arc::new(AtomicUsize::new(0));
    let fairing = CorsFairing::new(only("https://a.example")).check_origins(check(calls.clone()));
    let client = client(fairing).await;

    let listed = send(&client, Method::Get, "https://a.example").await;
    assert_eq!(acao(&listed), Some("https://a.example"));
    assert_eq!(
        send(&client, Method::Get, "null").await.status(),
        Status::Ok
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "listed and null origins are not asked about"
    );

    let tenant = send(&client, Method::Get, "https://t1.customer.example").await;
    assert_eq!(acao(&tenant), Some("https://t1.customer.example"));
    assert_eq!(tenant.headers().get_one("vary"), Some("Origin"));
    assert_eq!(tenant.into_string().await.as_deref(), Some("ok"));
    let preflight = send(&client, Method::Options, "https://t1.customer.example").await;
    assert_eq!(preflight.status(), Status::NoContent);
    assert_eq!(acao(&preflight), Some("https://t1.customer.example"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let refused = send(&client, Method::Get, "https://evil.example").await;
    assert_eq!(acao(&refused), None);
    assert_eq!(refused.headers().get_one("vary"), Some("Origin"));
    let preflight = send(&client, Method::Options, "https://evil.example").await;
    assert_eq!(preflight.status(), Status::Forbidden);
}

#[rocket::async_test]
async fn a_check_that_fails_or_times_out_refuses_and_is_never_a_500() {
    let live = LiveCors::new(only("https://a.example"));
    let client = client(CorsFairing::new(live).check_origins(check(Arc::default()))).await;
    for origin in ["https://down.example", "https://slow.example"] {
        let actual = send(&client, Method::Get, origin).await;
        assert_eq!(actual.status(), Status::Ok, "{origin}");
        assert_eq!(acao(&actual), None, "{origin}");
        let preflight = send(&client, Method::Options, origin).await;
        assert_eq!(preflight.status(), Status::Forbidden, "{origin}");
    }
}
