//! axum 0.8: no CORS, tower-http's CorsLayer, fetch-cors-axum, on every scenario.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    common::bench_framework(c, "axum", &cors_benches::frameworks::axum::framework());
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
