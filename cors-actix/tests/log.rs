//! Every rejection is logged at debug level, preflights included, and with
//! `warn_on_refusal` the first of each (origin, reason) at warn. A test binary of its own,
//! since a logger is installed once per process.

use std::sync::Mutex;

use actix_web::http::Method;
use actix_web::test::{call_service, init_service, TestRequest};
use actix_web::{web, App, HttpResponse};
use fetch_cors_actix::{Cors, CorsMiddleware};
use log::{Level, LevelFilter, Log, Metadata, Record};

/// Keeps what the middleware logs.
struct Recorder(Mutex<Vec<(Level, String)>>);

impl Log for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("fetch_cors_actix")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut records = self.0.lock().unwrap_or_else(|e| e.into_inner());
            records.push((record.level(), record.args().to_string()));
        }
    }

    fn flush(&self) {}
}

static RECORDER: Recorder = Recorder(Mutex::new(Vec::new()));

#[actix_web::test]
async fn rejections_are_logged_at_debug_level() {
    log::set_logger(&RECORDER).expect("the only logger");
    log::set_max_level(LevelFilter::Debug);

    let policy = Cors::builder()
        .allow_origin("https://app.example.com")
        .build()
        .expect("a valid policy");
    let app = init_service(
        App::new()
            .wrap(CorsMiddleware::new(policy))
            .default_service(web::to(HttpResponse::Ok)),
    )
    .await;

    let allowed = TestRequest::get()
        .uri("/a")
        .insert_header(("origin", "https://app.example.com"));
    let refused = TestRequest::get()
        .uri("/b")
        .insert_header(("origin", "https://evil.example.com"));
    let refused_preflight = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/c")
        .insert_header(("origin", "https://app.example.com"))
        .insert_header(("access-control-request-method", "PUT"));
    for req in [allowed, refused, refused_preflight] {
        call_service(&app, req.to_request()).await;
    }

    let records = RECORDER.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        records,
        [
            (
                Level::Debug,
                "GET /b: CORS: origin `https://evil.example.com` is not allowed by the policy"
                    .to_owned()
            ),
            (
                Level::Debug,
                "OPTIONS /c: CORS: method `PUT` is not allowed by the policy".to_owned()
            ),
        ]
    );

    // With `warn_on_refusal`, the first refusal of each (origin, reason) in the window is a
    // warning; a repeat stays at debug.
    RECORDER.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let policy = Cors::builder()
        .allow_origin("https://app.example.com")
        .warn_on_refusal(std::time::Duration::from_secs(3600))
        .build()
        .expect("a valid policy");
    let app = init_service(
        App::new()
            .wrap(CorsMiddleware::new(policy))
            .default_service(web::to(HttpResponse::Ok)),
    )
    .await;
    let from = |origin: &'static str| {
        TestRequest::get()
            .uri("/d")
            .insert_header(("origin", origin))
    };
    let preflight = || {
        TestRequest::default()
            .method(Method::OPTIONS)
            .uri("/e")
            .insert_header(("origin", "https://evil.example.com"))
            .insert_header(("access-control-request-method", "PUT"))
    };
    for req in [
        from("https://evil.example.com"),
        from("https://evil.example.com"),
        from("https://other.example.com"),
        preflight(),
        preflight(),
    ] {
        call_service(&app, req.to_request()).await;
    }
    let levels: Vec<Level> = RECORDER
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(level, _)| *level)
        .collect();
    // The preflight from the refused origin is refused for its origin, the same
    // (origin, reason) pair as the first GET: debug.
    assert_eq!(
        levels,
        [
            Level::Warn,
            Level::Debug,
            Level::Warn,
            Level::Debug,
            Level::Debug
        ]
    );
}
