//! With `warn_on_refusal`, the first refusal of each (origin, reason) is logged at warn, a
//! repeat at debug, preflights included (decided twice by the fairing, logged once). A test
//! binary of its own, since a logger is installed once per process.

use std::sync::Mutex;

use fetch_cors_rocket::{Cors, CorsFairing};
use log::{Level, LevelFilter, Log, Metadata, Record};
use rocket::http::Header;
use rocket::local::blocking::Client;
use rocket::{get, routes};

/// Keeps what the fairing logs.
struct Recorder(Mutex<Vec<Level>>);

impl Log for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("fetch_cors_rocket")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut records = self.0.lock().unwrap_or_else(|e| e.into_inner());
            records.push(record.level());
        }
    }

    fn flush(&self) {}
}

static RECORDER: Recorder = Recorder(Mutex::new(Vec::new()));

#[get("/")]
fn index() -> &'static str {
    "ok"
}

#[test]
fn the_first_refusal_of_each_origin_and_reason_is_a_warning() {
    log::set_logger(&RECORDER).expect("the only logger");
    log::set_max_level(LevelFilter::Debug);
    let cors = Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT"])
        .warn_on_refusal(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    let rocket = rocket::build()
        .mount("/", routes![index])
        .attach(CorsFairing::new(cors));
    let client = Client::untracked(rocket).unwrap();
    let get = |origin: &'static str| {
        client
            .get("/")
            .header(Header::new("origin", origin))
            .dispatch();
    };
    let preflight = || {
        client
            .options("/")
            .header(Header::new("origin", "https://app.example.com"))
            .header(Header::new("access-control-request-method", "DELETE"))
            .dispatch();
    };
    get("https://evil.example");
    get("https://evil.example");
    get("https://other.example");
    preflight();
    preflight();
    let levels = RECORDER.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        levels,
        [
            Level::Warn,
            Level::Debug,
            Level::Warn,
            Level::Warn,
            Level::Debug
        ]
    );
}
