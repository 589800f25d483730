//! What every framework's criterion bench shares: one benchmark per scenario and row, on
//! the same apps the report measures (`cors_benches::frameworks`).

use std::time::Duration;

use cors_benches::frameworks::Framework;
use cors_benches::{Row, Scenario};
use criterion::{BenchmarkId, Criterion};

/// At most this many requests are built ahead of one timed batch, so a long criterion
/// sample does not hold them all in memory at once.
const CHUNK: u64 = 4096;

/// Benchmarks `framework`'s three apps on every scenario its peer can express, as
/// `<group>/<scenario>/<row>`.
pub fn bench_framework(c: &mut Criterion, group: &str, framework: &Framework) {
    let mut g = c.benchmark_group(group);
    for scenario in Scenario::ALL {
        for row in Row::ALL {
            let Some(runner) = framework.runner(row, scenario) else {
                continue;
            };
            g.bench_function(BenchmarkId::new(scenario.name(), row.name()), |b| {
                b.iter_custom(|iters| {
                    let mut elapsed = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let n = left.min(CHUNK);
                        elapsed += runner.run(scenario, n, false).elapsed;
                        left -= n;
                    }
                    elapsed
                })
            });
        }
    }
    g.finish();
}

/// Short runs: 27 benchmarks per framework on a shared two-core machine.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}
