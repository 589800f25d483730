//! Rocket 0.5: no CORS, rocket_cors's fairing, and fetch-cors-rocket's fairing, each through
//! `rocket::local::asynchronous::Client`.

use std::hint::black_box;
use std::rc::Rc;
use std::str::FromStr;

use rocket::config::LogLevel;
use rocket::http::{Header, Method};
use rocket::local::asynchronous::{Client, LocalRequest};
use rocket::{Build, Rocket};
use rocket_cors::{AllOrSome, AllowedHeaders, AllowedOrigins, CorsOptions};
use tokio::runtime::Runtime;

use super::{Answer, Framework, Measurement, Run, Runner, HANDLER_BODY, HANDLER_HEADER};
use crate::*;

/// The framework's apps.
pub fn framework() -> Framework {
    let runtime = Rc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    );
    Framework::build(
        "Rocket 0.5",
        "rocket_cors 0.6",
        "fetch-cors-rocket",
        "`rocket::local::asynchronous::Client` (untracked)",
        Some,
        |row, policy| {
            let client = runtime
                .block_on(Client::untracked(app(row, policy)))
                .expect("the app ignites");
            Box::new(RocketRunner {
                runtime: Rc::clone(&runtime),
                client,
            })
        },
    )
}

/// The handler's answer: its body and the marker header.
#[derive(rocket::Responder)]
pub struct Handled {
    body: &'static str,
    marker: Header<'static>,
}

#[rocket::get("/")]
fn index() -> Handled {
    Handled {
        body: HANDLER_BODY,
        marker: Header::new(HANDLER_HEADER, "1"),
    }
}

/// Rocket's release defaults, logging nothing: the benchmark would otherwise measure the
/// terminal.
pub fn config() -> rocket::Config {
    rocket::Config {
        log_level: LogLevel::Off,
        cli_colors: false,
        ..rocket::Config::release_default()
    }
}

/// The app for `row`: a trivial `GET /` route; no `OPTIONS` route.
pub fn app(row: Row, policy: Option<Policy>) -> Rocket<Build> {
    let rocket = rocket::custom(config()).mount("/", rocket::routes![index]);
    match (row, policy) {
        (Row::Baseline, _) | (_, None) => rocket,
        (Row::Peer, Some(policy)) => rocket.attach(peer(policy)),
        (Row::Ours, Some(policy)) => {
            rocket.attach(fetch_cors_rocket::CorsFairing::new(policy.cors()))
        }
    }
}

/// rocket_cors's fairing for `policy`.
pub fn peer(policy: Policy) -> rocket_cors::Cors {
    let methods = |names: &[&str]| {
        names
            .iter()
            .map(|m| rocket_cors::Method::from_str(m).unwrap())
            .collect()
    };
    let listing = |origins: AllowedOrigins| CorsOptions {
        allowed_origins: origins,
        allowed_methods: methods(&ALLOWED_METHODS),
        allowed_headers: AllowedHeaders::some(&ALLOWED_HEADERS),
        allow_credentials: true,
        max_age: Some(MAX_AGE as usize),
        ..CorsOptions::default()
    };
    let options = match policy {
        Policy::One => listing(AllowedOrigins::some_exact(&[ALLOWED_ORIGIN])),
        Policy::Thousand => listing(AllowedOrigins::some_exact(&thousand_origins())),
        Policy::Pattern => listing(AllowedOrigins::some(&[ALLOWED_ORIGIN], &[PATTERN_REGEX])),
        // rocket_cors has no "any method": every method it knows of.
        Policy::Any => CorsOptions {
            allowed_origins: AllOrSome::All,
            allowed_methods: methods(&["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
            allowed_headers: AllOrSome::All,
            ..CorsOptions::default()
        },
    };
    options.to_cors().expect("a valid rocket_cors policy")
}

/// The request of `scenario`, its header values borrowed from `'static` strings.
pub fn request(client: &Client, scenario: Scenario) -> LocalRequest<'_> {
    let method = Method::from_str(scenario.method()).unwrap();
    scenario
        .headers()
        .iter()
        .fold(client.req(method, "/"), |req, (name, value)| {
            req.header(Header::new(*name, *value))
        })
}

struct RocketRunner {
    runtime: Rc<Runtime>,
    client: Client,
}

impl Runner for RocketRunner {
    fn run(&self, scenario: Scenario, iters: u64, count_allocations: bool) -> Run {
        self.runtime.block_on(async {
            let requests: Vec<_> = (0..iters)
                .map(|_| request(&self.client, scenario))
                .collect();
            let measurement = Measurement::start(count_allocations);
            for req in requests {
                black_box(req.dispatch().await);
            }
            measurement.stop()
        })
    }

    fn answer(&self, scenario: Scenario) -> Answer {
        self.runtime.block_on(async {
            let response = request(&self.client, scenario).dispatch().await;
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|h| (h.name().to_string(), h.value().to_owned()))
                .collect();
            Answer::new(
                response.status().code,
                headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes())),
            )
        })
    }
}
