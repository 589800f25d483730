//! Recipe 6: allowed origins in an SQLite table, in-process through axum with `oneshot`.
//! Way (a): a row is refused before a refresh and allowed after it, a deleted row the other
//! way round, bad rows are left out without stopping the others, an unreadable table keeps
//! the old policy, and the admin API's change is live when it answers. Way (b): a row is
//! allowed by the check, an unknown origin refused with `Vary: Origin`, a repeated origin is
//! answered from the cache (lookups counted), and a failing or stalled database refuses and
//! never answers 500.

#[allow(dead_code)]
#[path = "../examples/origins_sqlite.rs"]
mod recipe;

use std::sync::mpsc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use http::{Request, StatusCode};
use recipe::{Admin, Origins, Refresher, Verdicts};
use tower::ServiceExt;

const TENANT: &str = "https://tenant.example";
const OTHER: &str = "https://other.example";

/// Whether a browser at `origin` may call `PUT /items` with a JSON body: the preflight and a
/// GET from `origin`, checked against each other and against what every answer must carry.
async fn allowed(app: &Router, origin: &str) -> bool {
    let preflight = Request::options("/items")
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .unwrap();
    let answer = app.clone().oneshot(preflight).await.unwrap();
    let headers = answer.headers();
    let preflight_allowed = match answer.status() {
        StatusCode::NO_CONTENT => {
            assert_eq!(headers["access-control-allow-origin"], origin);
            assert_eq!(headers["access-control-allow-credentials"], "true");
            assert_eq!(headers["access-control-allow-methods"], "PUT");
            true
        }
        StatusCode::FORBIDDEN => {
            assert!(!headers.contains_key("access-control-allow-origin"));
            false
        }
        other => panic!("preflight from {origin}: {other}"),
    };
    assert!(headers["vary"].to_str().unwrap().starts_with("Origin"));

    let get = Request::get("/items")
        .header("origin", origin)
        .body(Body::empty())
        .unwrap();
    let answer = app.clone().oneshot(get).await.unwrap();
    // A refused origin still reaches the handler: the browser, not the server, withholds the
    // answer. Never a 500, whatever the database does.
    assert_eq!(answer.status(), StatusCode::OK, "GET from {origin}");
    let headers = answer.headers();
    assert_eq!(headers["vary"], "Origin");
    let get_allowed = match headers.get("access-control-allow-origin") {
        Some(echoed) => {
            assert_eq!(echoed, origin);
            true
        }
        None => false,
    };
    assert_eq!(preflight_allowed, get_allowed, "preflight and GET disagree");
    get_allowed
}

// ---------------------------------------------------------------------------------------
// Way (a)

async fn way_a(origins: &Origins) -> (Refresher, Router) {
    let (refresher, refreshed) = Refresher::start(origins.clone()).await.unwrap();
    assert!(refreshed.skipped.is_empty());
    let app = recipe::refreshed_app(refresher.live());
    (refresher, app)
}

#[tokio::test]
async fn a_row_goes_live_at_the_refresh() {
    let origins = Origins::in_memory().unwrap();
    origins.insert(OTHER).unwrap();
    let (refresher, app) = way_a(&origins).await;
    assert!(allowed(&app, recipe::APP_ORIGIN).await);
    assert!(allowed(&app, OTHER).await);
    assert!(!allowed(&app, TENANT).await);

    // Written behind the server's back (another instance, a hand-written INSERT): not seen
    // until the table is read again.
    origins.insert(TENANT).unwrap();
    assert!(!allowed(&app, TENANT).await);
    let refreshed = refresher.refresh().await.unwrap();
    assert_eq!(refreshed.allowed, 2);
    assert!(allowed(&app, TENANT).await);

    origins.delete(TENANT).unwrap();
    assert!(allowed(&app, TENANT).await);
    refresher.refresh().await.unwrap();
    assert!(!allowed(&app, TENANT).await);
    assert!(allowed(&app, OTHER).await);
    // Requests never touch the table.
    assert_eq!(origins.lookups(), 0);
}

#[tokio::test]
async fn bad_rows_are_left_out_and_the_others_go_live() {
    let origins = Origins::in_memory().unwrap();
    let (refresher, app) = way_a(&origins).await;
    let bad = [
        "https://bad.example/",   // not serialized: a path
        "HTTPS://TENANT.EXAMPLE", // not serialized: browsers lower-case
        "https://0x7f.1",         // never sent: the URL parser rewrites the host
        "http://plain.example",   // cannot be trusted with credentials
        "*",                      // a policy decision, not a site
        "null",                   // likewise
    ];
    for row in bad {
        origins.insert(row).unwrap();
    }
    origins.insert(TENANT).unwrap();

    let refreshed = refresher.refresh().await.unwrap();
    assert_eq!(refreshed.allowed, 1);
    let mut skipped: Vec<_> = refreshed.skipped.iter().map(|s| s.row.as_str()).collect();
    skipped.sort_unstable();
    let mut expected = bad;
    expected.sort_unstable();
    assert_eq!(skipped, expected);
    for skipped in &refreshed.skipped {
        if skipped.row != "*" && skipped.row != "null" {
            // The core's explanation: the field, the value and the fix.
            assert!(
                skipped.why.starts_with("allow_origins: `"),
                "{}",
                skipped.why
            );
            assert!(skipped.why.contains(&skipped.row), "{}", skipped.why);
        }
    }

    assert!(allowed(&app, TENANT).await);
    assert!(!allowed(&app, "http://plain.example").await);
    assert!(!allowed(&app, "null").await);
    // The `*` row did not open the policy to every origin.
    assert!(!allowed(&app, OTHER).await);
}

#[tokio::test]
async fn an_unreadable_table_keeps_the_old_policy() {
    let origins = Origins::in_memory().unwrap();
    origins.insert(TENANT).unwrap();
    let (refresher, app) = way_a(&origins).await;
    origins
        .with_connection(|c| c.execute_batch("DROP TABLE cors_origins"))
        .unwrap();
    let error = refresher.refresh().await.unwrap_err();
    assert!(error.to_string().contains("no such table"), "{error}");
    assert!(allowed(&app, TENANT).await);
}

#[tokio::test]
async fn the_admin_change_is_live_when_it_answers() {
    let origins = Origins::in_memory().unwrap();
    let (refresher, refreshed_app) = way_a(&origins).await;
    let verdicts = Verdicts::new(100, Duration::from_secs(3600));
    let check = recipe::origin_check(origins.clone(), verdicts.clone(), Duration::from_secs(5));
    let checked_app = recipe::checked_app(check);
    let admin = recipe::admin_app(Admin {
        origins: origins.clone(),
        refresher,
        verdicts,
    });
    let admin_call = |method: &str, origin: &str| {
        let request = Request::builder()
            .method(method)
            .uri("/origins")
            .body(Body::from(origin.to_owned()))
            .unwrap();
        let admin = admin.clone();
        async move {
            let answer = admin.oneshot(request).await.unwrap();
            let status = answer.status();
            let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
                .await
                .unwrap();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }
    };

    // Way (b) has refused it, and keeps that verdict for an hour unless told.
    assert!(!allowed(&checked_app, TENANT).await);
    assert_eq!(admin_call("POST", TENANT).await.0, StatusCode::CREATED);
    assert!(allowed(&refreshed_app, TENANT).await);
    assert!(allowed(&checked_app, TENANT).await);

    assert_eq!(admin_call("DELETE", TENANT).await.0, StatusCode::OK);
    assert!(!allowed(&refreshed_app, TENANT).await);
    assert!(!allowed(&checked_app, TENANT).await);
    assert_eq!(admin_call("DELETE", TENANT).await.0, StatusCode::NOT_FOUND);

    // A row a refresh would leave out is refused up front, with the core's explanation.
    let (status, body) = admin_call("POST", "https://tenant.example/").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.starts_with("allow_origins: `https://tenant.example/`"),
        "{body}"
    );
    assert_eq!(admin_call("POST", "*").await.0, StatusCode::BAD_REQUEST);
    assert!(origins.rows().unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Way (b)

fn way_b(ttl: Duration, timeout: Duration) -> (Origins, Verdicts, Router) {
    let origins = Origins::in_memory().unwrap();
    let verdicts = Verdicts::new(1000, ttl);
    let check = recipe::origin_check(origins.clone(), verdicts.clone(), timeout);
    (origins, verdicts, recipe::checked_app(check))
}

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn the_check_allows_rows_and_refuses_the_rest() {
    let (origins, _, app) = way_b(HOUR, HOUR);
    origins.insert(TENANT).unwrap();
    assert!(allowed(&app, TENANT).await);
    assert!(!allowed(&app, OTHER).await);
    // With credentials, a plain-http origin is never asked about, even with a row.
    origins.insert("http://plain.example").unwrap();
    assert!(!allowed(&app, "http://plain.example").await);
    assert_eq!(origins.lookups(), 2);
}

#[tokio::test]
async fn verdicts_are_cached_per_origin() {
    let (origins, verdicts, app) = way_b(HOUR, HOUR);
    origins.insert(TENANT).unwrap();

    // `allowed` sends two requests: the second is answered from the cache.
    assert!(allowed(&app, TENANT).await);
    assert_eq!(origins.lookups(), 1);
    assert!(allowed(&app, TENANT).await);
    assert_eq!(origins.lookups(), 1);
    // Refusals are kept too.
    assert!(!allowed(&app, OTHER).await);
    assert!(!allowed(&app, OTHER).await);
    assert_eq!(origins.lookups(), 2);
    assert_eq!(verdicts.len(), 2);

    // Origins the policy decides never reach the check: listed, `null`, malformed.
    assert!(allowed(&app, recipe::APP_ORIGIN).await);
    assert!(!allowed(&app, "null").await);
    assert!(!allowed(&app, "https://tenant.example/").await);
    assert_eq!(origins.lookups(), 2);

    // Until the TTL is over, a verdict stands: the admin must tell (see the admin test).
    origins.delete(TENANT).unwrap();
    assert!(allowed(&app, TENANT).await);
    verdicts.forget(TENANT);
    assert!(!allowed(&app, TENANT).await);
    assert_eq!(origins.lookups(), 3);
}

#[tokio::test]
async fn an_expired_verdict_is_looked_up_again() {
    // A TTL of zero: every verdict is stale as soon as it is kept.
    let (origins, _, app) = way_b(Duration::ZERO, HOUR);
    origins.insert(TENANT).unwrap();
    assert!(allowed(&app, TENANT).await);
    assert_eq!(origins.lookups(), 2);
    origins.delete(TENANT).unwrap();
    assert!(!allowed(&app, TENANT).await);
    assert_eq!(origins.lookups(), 4);
}

#[tokio::test]
async fn the_cache_is_bounded() {
    let origins = Origins::in_memory().unwrap();
    let verdicts = Verdicts::new(16, HOUR);
    let check = recipe::origin_check(origins.clone(), verdicts.clone(), HOUR);
    let app = recipe::checked_app(check);
    for i in 0..200 {
        assert!(!allowed(&app, &format!("https://spray{i}.example")).await);
    }
    assert!(verdicts.len() as u64 <= verdicts.capacity());
    assert!(verdicts.capacity() < 200);
    assert!(origins.lookups() >= 200);
}

#[tokio::test]
async fn a_failing_database_refuses_and_never_answers_500() {
    let (origins, _, app) = way_b(HOUR, HOUR);
    origins.insert(TENANT).unwrap();
    origins
        .with_connection(|c| c.execute_batch("DROP TABLE cors_origins"))
        .unwrap();
    // `allowed` asserts 204 or 403 for the preflight and 200 for the GET.
    assert!(!allowed(&app, TENANT).await);
    assert_eq!(origins.lookups(), 2, "a failed lookup is not cached");

    // The database is back: the next request looks up again and is allowed.
    origins
        .with_connection(|c| c.execute_batch(recipe::SCHEMA))
        .unwrap();
    origins.insert(TENANT).unwrap();
    assert!(allowed(&app, TENANT).await);
}

#[tokio::test]
async fn a_stalled_database_refuses_at_the_timeout() {
    let (origins, _, app) = way_b(HOUR, Duration::from_millis(50));
    origins.insert(TENANT).unwrap();

    // Another thread holds the connection until the requests are answered, so the lookups
    // cannot finish: the check's timeout decides, whatever the machine's speed.
    let (held, release) = (mpsc::channel(), mpsc::channel::<()>());
    let holder = {
        let origins = origins.clone();
        std::thread::spawn(move || {
            origins.with_connection(|_| {
                held.0.send(()).unwrap();
                release.1.recv().unwrap();
            })
        })
    };
    held.1.recv().unwrap();
    assert!(!allowed(&app, TENANT).await);
    release.0.send(()).unwrap();
    holder.join().unwrap();

    // Nothing was cached from the timed-out lookups.
    assert!(allowed(&app, TENANT).await);
}
