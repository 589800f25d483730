//! What each way of recipe 6 (origins in a database) costs per request, beside a fixed
//! policy that lists the same origin: an allowed GET and an allowed preflight, in-process
//! through axum and `CorsLayer` with `tower::ServiceExt::oneshot` on a current-thread
//! runtime (the whole request on the measuring thread, as in `benches/` of the workspace).
//!
//! - `fixed`: `CorsLayer::new(Cors)`, the origin listed.
//! - `live`: way (a), `CorsLayer::new(LiveCors)` refreshed from the table.
//! - `check-warm`: way (b), the origin's verdict in the cache.
//! - `check-cold`: way (b) with a TTL of zero, so every request looks the origin up in SQLite
//!   (in memory) on tokio's blocking pool: what the first request per origin pays.
//! - `sqlite-lookup`: that lookup alone, called directly (no request, no thread change).
//!
//! `cargo bench -p fetch-cors-recipes --bench origins -- --warm-up-time 1 --measurement-time 3`

#[allow(dead_code)]
#[path = "../examples/origins_sqlite.rs"]
mod recipe;

use std::hint::black_box;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::Router;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use fetch_cors_axum::CorsLayer;
use http::{HeaderValue, Method, Request, StatusCode};
use recipe::{Origins, Refresher, Verdicts};
use tokio::runtime::Runtime;
use tower::ServiceExt;

const TENANT: &str = "https://tenant.example";

/// At most this many requests are built ahead of one timed batch.
const CHUNK: u64 = 4096;

#[derive(Clone, Copy)]
enum Scenario {
    Get,
    Preflight,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Get => "allowed-get",
            Scenario::Preflight => "allowed-preflight",
        }
    }

    /// The request, its header values `from_static` as a server's would be shared.
    fn request(self) -> Request<Body> {
        let mut req = Request::new(Body::empty());
        *req.uri_mut() = http::Uri::from_static("/items");
        let headers = req.headers_mut();
        headers.insert("origin", HeaderValue::from_static(TENANT));
        if let Scenario::Preflight = self {
            headers.insert(
                "access-control-request-method",
                HeaderValue::from_static("PUT"),
            );
            headers.insert(
                "access-control-request-headers",
                HeaderValue::from_static("content-type"),
            );
        }
        *req.method_mut() = match self {
            Scenario::Get => Method::GET,
            Scenario::Preflight => Method::OPTIONS,
        };
        req
    }

    fn expected(self) -> StatusCode {
        match self {
            Scenario::Get => StatusCode::OK,
            Scenario::Preflight => StatusCode::NO_CONTENT,
        }
    }
}

/// The four apps, each allowing `TENANT`; the check's lookups counted in `Origins`.
fn apps(runtime: &Runtime) -> Vec<(&'static str, Router, Origins)> {
    let origins = Origins::in_memory().unwrap();
    origins.insert(TENANT).unwrap();

    let fixed = recipe::base_policy().allow_origin(TENANT).build().unwrap();
    let fixed = recipe::items().layer(CorsLayer::new(fixed));

    let (refresher, _) = runtime.block_on(Refresher::start(origins.clone())).unwrap();
    let live = recipe::refreshed_app(refresher.live());

    let check = |ttl| {
        let verdicts = Verdicts::new(10_000, ttl);
        let check = recipe::origin_check(origins.clone(), verdicts, Duration::from_secs(5));
        recipe::checked_app(check)
    };
    vec![
        ("fixed", fixed, origins.clone()),
        ("live", live, origins.clone()),
        (
            "check-warm",
            check(Duration::from_secs(3600)),
            origins.clone(),
        ),
        ("check-cold", check(Duration::ZERO), origins.clone()),
    ]
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let apps = apps(&runtime);
    let mut group = c.benchmark_group("origins");
    for scenario in [Scenario::Get, Scenario::Preflight] {
        for (name, app, origins) in &apps {
            let app = app.clone().with_state::<()>(());
            // Every app must allow the request (this also warms the check's cache), and only
            // the cold check may look the origin up while measured.
            let answer = runtime.block_on(app.clone().oneshot(scenario.request()));
            let answer = answer.unwrap();
            assert_eq!(answer.status(), scenario.expected(), "{name}");
            assert_eq!(answer.headers()["access-control-allow-origin"], TENANT);
            let lookups = origins.lookups();

            group.bench_function(BenchmarkId::new(scenario.name(), name), |b| {
                b.iter_custom(|iters| {
                    let mut elapsed = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(CHUNK);
                        let requests: Vec<_> = (0..n).map(|_| scenario.request()).collect();
                        elapsed += runtime.block_on(async {
                            let start = Instant::now();
                            for req in requests {
                                // A clone per request, as hyper-util's service wrapper makes.
                                black_box(app.clone().oneshot(req).await.unwrap());
                            }
                            start.elapsed()
                        });
                        left -= n;
                    }
                    elapsed
                })
            });
            if *name != "check-cold" {
                assert_eq!(origins.lookups(), lookups, "{name} looked the origin up");
            }
        }
    }
    // What the cold check's lookup costs by itself, on the calling thread: the rest of
    // `check-cold` is the trip to the blocking pool and back.
    let origins = &apps[0].2;
    group.bench_function("sqlite-lookup", |b| {
        b.iter(|| black_box(origins.contains(black_box(TENANT)).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
