//! salvo 1: no CORS, salvo-cors, fetch-cors-salvo, on every scenario.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    common::bench_framework(c, "salvo", &cors_benches::frameworks::salvo::framework());
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
