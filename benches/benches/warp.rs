//! warp 0.4: no CORS, warp::cors, fetch-cors-warp, on every scenario.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    common::bench_framework(c, "warp", &cors_benches::frameworks::warp::framework());
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
