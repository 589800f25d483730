//! Rocket 0.5: no CORS, rocket_cors, fetch-cors-rocket, on every scenario.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    common::bench_framework(c, "rocket", &cors_benches::frameworks::rocket::framework());
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
