//! actix-web 4: no CORS, actix-cors, fetch-cors-actix, on every scenario.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    common::bench_framework(c, "actix", &cors_benches::frameworks::actix::framework());
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bench
}
criterion_main!(benches);
