//! fetch-cors's decision for every scenario: the floor under every adapter.

use std::time::Duration;

use cors_benches::frameworks::core::Core;
use cors_benches::{Policy, Scenario, ALLOWED_ORIGIN};
use criterion::{criterion_group, criterion_main, Criterion};
use fetch_cors::CorsRequest;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let core = Core::new();
    let mut g = c.benchmark_group("core");
    for scenario in Scenario::ALL {
        let prepared = core.prepare(scenario);
        g.bench_function(scenario.name(), |b| b.iter(|| prepared.decide_once()));
    }
    g.finish();

    // The hostile lists fetch-cors's size limits refuse (10,000 names, 4,000 commas, 17 lines),
    // under the policy that allows any header, beside the allowed preflight they are held to.
    let cors = Policy::Any.cors();
    let names = (0..10_000)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let commas = ",".repeat(4000);
    let lines = vec!["x-a"; 17];
    let mut g = c.benchmark_group("core, hostile lists, any header");
    for (name, acrh) in [
        ("allowed preflight, 3 headers", vec!["x-a, x-b, x-c"]),
        ("10000 names", vec![names.as_str()]),
        ("4000 commas", vec![commas.as_str()]),
        ("17 lines", lines),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut req = CorsRequest::new(b"OPTIONS");
                req.add_origin(black_box(ALLOWED_ORIGIN).as_bytes())
                    .add_request_method(b"PUT");
                for line in &acrh {
                    req.add_request_headers(black_box(line).as_bytes());
                }
                black_box(cors.decide(&req).headers().iter().count())
            })
        });
    }
    g.finish();
}

/// A live policy against the same policy fixed, for an allowed GET and an allowed preflight:
/// what loading the current version costs (an atomic read and a thread's copy).
fn live(c: &mut Criterion) {
    let fixed = Policy::One.cors();
    let source = fetch_cors::CorsSource::from(fetch_cors::LiveCors::new(fixed.clone()));
    let fixed = fetch_cors::CorsSource::from(fixed);
    let mut g = c.benchmark_group("core, fixed and live policy");
    for (name, method, preflight) in [
        ("allowed GET", &b"GET"[..], false),
        ("allowed preflight", b"OPTIONS", true),
    ] {
        for (kind, policy) in [("fixed policy", &fixed), ("live policy", &source)] {
            g.bench_function(format!("{name}, {kind}"), |b| {
                b.iter(|| {
                    let current = policy.load();
                    let mut req = CorsRequest::new(method);
                    req.add_origin(black_box(ALLOWED_ORIGIN).as_bytes());
                    if preflight {
                        req.add_request_method(b"PUT");
                    }
                    black_box(current.decide(&req).headers().iter().count())
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench, live
}
criterion_main!(benches);
