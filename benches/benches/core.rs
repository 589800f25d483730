//! cors-core's decision for every scenario: the floor under every adapter.

use std::hint::black_box;

use cors_benches::*;
use cors_core::{Cors, CorsRequest};
use criterion::{criterion_group, criterion_main, Criterion};

fn policy(origins: Vec<String>) -> Cors {
    Cors::builder()
        .allow_origins(origins)
        .allow_origin_pattern(PATTERN)
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-request-id", "x-trace"])
        .allow_credentials(true)
        .max_age(600)
        .build()
        .expect("valid")
}

fn bench(c: &mut Criterion) {
    let one = policy(vec![ALLOWED_ORIGIN.to_owned()]);
    let thousand = policy(thousand_origins());
    let any = Cors::builder()
        .allow_any_origin()
        .allow_any_method()
        .allow_any_header()
        .build()
        .expect("valid");
    let commas = commas();
    let names = five_hundred_names();

    let mut g = c.benchmark_group("core");
    let mut run = |name: &str, cors: &Cors, method: &str, headers: &[(&str, &str)]| {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut req = CorsRequest::new(black_box(method).as_bytes());
                for (n, v) in headers {
                    req.add_header(n.as_bytes(), black_box(v).as_bytes());
                }
                let decision = cors.decide(&req);
                black_box(decision.headers().len())
            })
        });
    };
    run("no origin", &one, "GET", &[]);
    run("allowed GET", &one, "GET", &[("origin", ALLOWED_ORIGIN)]);
    run(
        "allowed GET among 1000",
        &thousand,
        "GET",
        &[("origin", ALLOWED_ORIGIN)],
    );
    run(
        "allowed GET by pattern",
        &thousand,
        "GET",
        &[("origin", PATTERN_ORIGIN)],
    );
    run(
        "disallowed GET",
        &one,
        "GET",
        &[("origin", DISALLOWED_ORIGIN)],
    );
    let preflight = [
        ("origin", ALLOWED_ORIGIN),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", THREE_HEADERS),
    ];
    run("allowed preflight, 3 headers", &one, "OPTIONS", &preflight);
    run(
        "rejected preflight",
        &one,
        "OPTIONS",
        &[
            ("origin", DISALLOWED_ORIGIN),
            ("access-control-request-method", "PUT"),
        ],
    );
    run(
        "preflight, 1024 commas",
        &any,
        "OPTIONS",
        &[
            ("origin", ALLOWED_ORIGIN),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", &commas),
        ],
    );
    run(
        "preflight, 500 names",
        &any,
        "OPTIONS",
        &[
            ("origin", ALLOWED_ORIGIN),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", &names),
        ],
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
