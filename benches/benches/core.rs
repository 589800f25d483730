//! cors-core's decision for every scenario: the floor under every adapter.

use std::time::Duration;

use cors_benches::frameworks::core::Core;
use cors_benches::Scenario;
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let core = Core::new();
    let mut g = c.benchmark_group("core");
    for scenario in Scenario::ALL {
        let prepared = core.prepare(scenario);
        g.bench_function(scenario.name(), |b| b.iter(|| prepared.decide_once()));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
