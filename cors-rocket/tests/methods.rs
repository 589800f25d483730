//! Methods Rocket 0.5 cannot receive: a policy listing one is refused, and under
//! `allow_methods: "*"` a preflight asking for one gets 403 without reaching a handler.

use std::sync::{Mutex, OnceLock};

use fetch_cors_rocket::fetch_cors::{Field, Problem};
use fetch_cors_rocket::{can_receive, Cors, CorsFairing};
use rocket::error::ErrorKind;
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::{options, patch, routes, Build, Responder, Rocket};

const APP: &str = "https://app.example.com";

/// `ok`, marked so that a test sees a handler was reached.
#[derive(Responder)]
struct Reached(&'static str, Header<'static>);

fn reached() -> Reached {
    Reached("ok", Header::new("x-handler", "reached"))
}

#[patch("/<_..>")]
fn any_patch() -> Reached {
    reached()
}

#[options("/<_..>")]
fn any_options() -> Reached {
    reached()
}

fn app() -> Rocket<Build> {
    rocket::build().mount("/", routes![any_patch, any_options])
}

fn preflight<'c>(client: &'c Client, method: &str) -> LocalResponse<'c> {
    client
        .options("/items")
        .header(Header::new("origin", APP))
        .header(Header::new(
            "access-control-request-method",
            method.to_owned(),
        ))
        .dispatch()
}

fn handler_reached(res: &LocalResponse<'_>) -> bool {
    res.headers().get_one("x-handler") == Some("reached")
}

/// Every line logged in this test binary, for the test that looks for the fairing's.
static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}", record.level(), record.args());
        LOGGED.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

/// Installs [`Capture`] ahead of Rocket's logger, once.
fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        log::set_logger(&Capture).expect("no logger yet");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

const PATCH_PROBLEM: &str = "allow_methods: `patch` can never reach the handler, because \
     Rocket 0.5 answers a request with this method with an error of its own before CORS runs; \
     write `PATCH` (and send it upper-case), or serve this route with another framework";

fn listing(methods: &[&str]) -> Cors {
    Cors::builder()
        .allow_origin(APP)
        .allow_methods(methods.iter().copied())
        .build()
        .expect("valid for fetch-cors")
}

#[test]
fn rockets_methods_are_its_nine_upper_case_ones() {
    for method in [
        "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "TRACE", "CONNECT", "PATCH",
    ] {
        assert!(can_receive(method.as_bytes()), "{method}");
    }
    for method in [
        "patch", "Patch", "get", "PURGE", "QUERY", "MKCOL", "PROPFIND", "", "PATCH ",
    ] {
        assert!(!can_receive(method.as_bytes()), "{method:?}");
    }
}

#[test]
fn a_policy_listing_a_method_rocket_cannot_receive_is_refused() {
    let err = CorsFairing::try_new(listing(&["PUT", "patch", "PURGE"])).unwrap_err();
    assert_eq!(
        err.problems(),
        [
            Problem::MethodNotReceivable {
                value: "patch".into(),
                framework: "Rocket 0.5",
                fix: "write `PATCH` (and send it upper-case), or serve this route with another \
                      framework"
                    .into(),
            },
            Problem::MethodNotReceivable {
                value: "PURGE".into(),
                framework: "Rocket 0.5",
                fix: "remove it, or serve this route with another framework".into(),
            },
        ]
    );
    assert_eq!(err.problems()[0].field(), Field::AllowMethods);
    assert_eq!(err.problems()[0].to_string(), PATCH_PROBLEM);

    let err = CorsFairing::default()
        .try_scope("/api", listing(&["patch"]))
        .unwrap_err();
    assert_eq!(err.to_string(), PATCH_PROBLEM);

    assert!(CorsFairing::try_new(listing(&["PUT", "PATCH", "DELETE"])).is_ok());
}

#[test]
fn the_infallible_constructors_abort_launch_and_log_why() {
    capture_logs();
    for fairing in [
        CorsFairing::new(listing(&["patch"])),
        CorsFairing::new(listing(&["PUT"])).scope("/api", listing(&["patch"])),
    ] {
        let error = Client::untracked(app().attach(fairing)).expect_err("launch aborts");
        match error.kind() {
            ErrorKind::FailedFairings(failed) => {
                let names: Vec<_> = failed.iter().map(|info| info.name).collect();
                assert_eq!(names, ["CORS"]);
            }
            other => panic!("expected a failed fairing, got {other}"),
        }
    }
    let logged = LOGGED.lock().unwrap();
    for expected in [
        format!("ERROR CORS policy for `/`: {PATCH_PROBLEM}"),
        format!("ERROR CORS policy for `/api`: {PATCH_PROBLEM}"),
    ] {
        assert!(
            logged.contains(&expected),
            "`{expected}` not logged; logged:\n{}",
            logged.join("\n")
        );
    }
}

#[test]
fn under_any_method_a_preflight_for_a_method_rocket_cannot_receive_gets_403() {
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_any_method()
        .build()
        .unwrap();
    let client = Client::untracked(app().attach(CorsFairing::try_new(cors).unwrap())).unwrap();

    for method in ["patch", "Patch", "PURGE"] {
        let res = preflight(&client, method);
        assert_eq!(res.status(), Status::Forbidden, "{method}");
        assert!(!handler_reached(&res), "{method}");
        assert_eq!(res.headers().get_one("access-control-allow-origin"), None);
        assert_eq!(res.headers().get_one("access-control-allow-methods"), None);
    }

    let res = preflight(&client, "PATCH");
    assert_eq!(res.status(), Status::NoContent);
    assert!(!handler_reached(&res));
    assert_eq!(
        res.headers().get_one("access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(
        res.headers().get_one("access-control-allow-methods"),
        Some("PATCH")
    );

    // And the request it allowed reaches the handler, with its CORS headers.
    let res = client
        .patch("/items")
        .header(Header::new("origin", APP))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert!(handler_reached(&res));
    assert_eq!(
        res.headers().get_one("access-control-allow-origin"),
        Some("*")
    );
}
