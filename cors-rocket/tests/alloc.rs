//! Heap allocations the fairing adds to a request: the same request through the same
//! application, without the fairing and with it, counted by a global allocator on this
//! thread only (Rocket's blocking client runs the request on the calling thread), so
//! that tests running in parallel do not interfere.

use cors_conformance::alloc::{count as allocations, CountingAllocator};
use fetch_cors_rocket::{Cors, CorsFairing};
use rocket::config::LogLevel;
use rocket::http::Header;
use rocket::local::blocking::{Client, LocalRequest};
use rocket::{get, options, routes, Build, Config, Responder, Rocket};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[derive(Responder)]
struct Marked(&'static str, Header<'static>, Header<'static>);

fn marked() -> Marked {
    Marked(
        "ok",
        Header::new("x-handler", "reached"),
        Header::new("vary", "accept-encoding"),
    )
}

#[get("/<_..>")]
fn any_get() -> Marked {
    marked()
}

#[options("/<_..>")]
fn any_options() -> Marked {
    marked()
}

fn app() -> Rocket<Build> {
    // Logging off: Rocket logs each request to stdout, which the test harness captures in
    // a growing buffer, and that would count.
    let config = Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    };
    rocket::custom(config).mount("/", routes![any_get, any_options])
}

fn policy() -> Cors {
    Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT"])
        .allow_headers(["content-type"])
        .expose_headers(["x-request-id"])
        .max_age(600)
        .build()
        .unwrap()
}

/// Allocations to dispatch the request `build` makes, once warmed up: the request is
/// built and the response read and dropped outside the count.
fn dispatch_cost(client: &Client, build: fn(&Client) -> LocalRequest<'_>) -> usize {
    let mut costs = Vec::new();
    for _ in 0..4 {
        let request = build(client);
        let (count, response) = allocations(|| request.dispatch());
        drop(response);
        costs.push(count);
    }
    // The first run pays for one-time initialisation; after it, every run costs the same.
    assert!(
        costs[1..].windows(2).all(|w| w[0] == w[1]),
        "unsteady: {costs:?}"
    );
    costs[3]
}

type Build_ = fn(&Client) -> LocalRequest<'_>;

const CASES: [(&str, Build_); 5] = [
    ("no Origin", |c| c.get("/")),
    ("allowed GET", |c| {
        c.get("/")
            .header(Header::new("origin", "https://app.example.com"))
    }),
    ("allowed preflight", |c| {
        c.options("/")
            .header(Header::new("origin", "https://app.example.com"))
            .header(Header::new("access-control-request-method", "PUT"))
            .header(Header::new(
                "access-control-request-headers",
                "content-type",
            ))
    }),
    ("rejected preflight", |c| {
        c.options("/")
            .header(Header::new("origin", "https://evil.example"))
            .header(Header::new("access-control-request-method", "PUT"))
    }),
    ("disallowed GET", |c| {
        c.get("/")
            .header(Header::new("origin", "https://evil.example"))
    }),
];

#[test]
fn the_fairing_allocates_only_what_rocket_makes_it() {
    let without = Client::untracked(app()).unwrap();
    let with = Client::untracked(app().attach(CorsFairing::new(policy()))).unwrap();

    let mut extra = Vec::new();
    for (name, build) in CASES {
        let (before, after) = (dispatch_cost(&without, build), dispatch_cost(&with, build));
        println!("{name:>20}: {before:>3} without the fairing, {after:>3} with it");
        extra.push((name, after as isize - before as isize));
    }

    // Where the fairing's allocations come from, traced with backtraces:
    //
    // - 1 on every response for the boxed future of `on_response`: Rocket's `Fairing` is an
    //   `async_trait`, so every response fairing pays it.
    // - Rocket's response header map storing what the fairing writes: it keeps each name's
    //   values in a `Vec` (1 per new name; 1 reallocation to add `Vary: Origin` beside the
    //   handler's `vary`, a `Vec` of capacity one), and grows its index (2: the hash table
    //   and the entry list) when a response passes 7 header names. No header value is
    //   copied: all borrow the policy or the request.
    // - On preflights, 1 for the boxed future of the fairing's preflight route's handler
    //   (Rocket's `Handler` is an `async_trait` too). The application's OPTIONS handler no
    //   longer runs, which saves 5: its future, its body and its 3 headers' `Vec`s.
    //
    // no Origin:           future + `vary` grown                                  = 2
    // allowed GET:         future + 2 names (allow-origin, expose-headers)
    //                      + index grown past 7 names (2) + `vary` grown          = 6
    // allowed preflight:   2 futures + 5 names (allow-origin, allow-methods,
    //                      allow-headers, max-age, vary) + index grown (2) - 5    = 4
    // rejected preflight:  2 futures + 1 name (vary) - 5                          = -2
    // disallowed GET:      future + `vary` grown                                  = 2
    //   (the handler does not ask why, so no rejection is stored)
    assert_eq!(
        extra,
        [
            ("no Origin", 2),
            ("allowed GET", 6),
            ("allowed preflight", 4),
            ("rejected preflight", -2),
            ("disallowed GET", 2),
        ]
    );
}

/// A live policy costs two allocations more per request than a fixed one: the version the
/// request is decided by goes in its local cache, whose map Rocket makes on first use and
/// whose entry it boxes (Rocket's responses borrow only from the request or managed state,
/// and a replaced policy is in neither).
#[test]
fn a_live_policy_costs_one_local_cache_entry() {
    let fixed = Client::untracked(app().attach(CorsFairing::new(policy()))).unwrap();
    let live = fetch_cors_rocket::LiveCors::new(policy());
    let live = Client::untracked(app().attach(CorsFairing::new(live))).unwrap();
    // The fewest over several runs: a request's first use of the live policy on a thread the
    // runtime had not used for one registers that thread with the swap, once.
    let fewest = |client: &Client, build: Build_| {
        (0..8)
            .map(|_| {
                let request = build(client);
                let (count, response) = allocations(|| request.dispatch());
                drop(response);
                count
            })
            .min()
            .unwrap_or(0)
    };
    for (name, build) in CASES {
        assert_eq!(
            fewest(&live, build),
            dispatch_cost(&fixed, build) + 2,
            "{name}"
        );
    }
}

#[test]
fn cloning_the_fairing_does_not_allocate() {
    let fairing = CorsFairing::new(policy()).scope("/api", policy());
    let (count, clone) = allocations(|| fairing.clone());
    drop(clone);
    assert_eq!(count, 0);
}
