//! poem 3: no CORS, poem::middleware::Cors, fetch-cors-poem, on every scenario.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    common::bench_framework(c, "poem", &cors_benches::frameworks::poem::framework());
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
