//! `bench-profile`: answers one scenario's requests through one app, and nothing else, for
//! a profiler.
//!
//! ```text
//! bench-profile FRAMEWORK SCENARIO ROW [ITERS]
//!
//!   FRAMEWORK  core, core-live (the core under a `LiveCors`), axum, actix, rocket, warp, poem
//!              or salvo
//!   SCENARIO   a scenario's name, as in BENCHMARKS.md ("allowed GET"), or a unique part of it
//!   ROW        baseline, peer or ours (ignored for core); for axum also `identity` (a
//!              layer that does nothing); for warp also `tower` (fetch-cors-axum's tower layer
//!              around `warp::service`, for users who serve warp through hyper themselves);
//!              for poem also `floor` (an actual request's CORS headers, as ours answers
//!              them, written without reading or deciding anything)
//!   ITERS      how many requests (default 100000)
//! ```
//!
//! Instructions per request, free of the machine's noise, from two runs under callgrind
//! (the apps are built the same way in both, so the difference is the requests alone):
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=a.out bench-profile axum "allowed GET" ours 2000
//! valgrind --tool=callgrind --callgrind-out-file=b.out bench-profile axum "allowed GET" ours 4000
//! # (Ir(b) - Ir(a)) / 2000; callgrind_annotate b.out shows where they go
//! ```

use cors_benches::frameworks::{self, core::Core, Runner};
use cors_benches::{Row, Scenario};

fn main() {
    if let Err(error) = run() {
        eprintln!("bench-profile: {error}");
        eprintln!("usage: bench-profile FRAMEWORK SCENARIO ROW [ITERS]");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [framework, scenario, row, rest @ ..] = args.as_slice() else {
        return Err("three arguments at least".to_owned());
    };
    let iters: u64 = match rest.first() {
        Some(n) => n.parse().map_err(|e| format!("ITERS: {e}"))?,
        None => 100_000,
    };
    let scenario = find_scenario(scenario)?;
    let extra = match framework.as_str() {
        "axum" => frameworks::axum::extra_runner(row),
        "warp" => frameworks::warp::extra_runner(row, scenario),
        "poem" => frameworks::poem::extra_runner(row, scenario),
        _ => None,
    };
    if let Some(runner) = extra {
        return measure(runner.as_ref(), scenario, iters);
    }
    let row = match row.as_str() {
        "baseline" => Row::Baseline,
        "peer" => Row::Peer,
        "ours" => Row::Ours,
        other => {
            return Err(format!(
                "ROW `{other}`: baseline, peer or ours (also `identity` for axum, `tower` for \
                 warp, `floor` for poem on an actual request)"
            ))
        }
    };
    if framework == "core" || framework == "core-live" {
        let core = Core::new();
        let run = if framework == "core" {
            core.run(scenario, iters, false)
        } else {
            core.run_live(scenario, iters, false)
        };
        eprintln!("{iters} decisions in {:?}", run.elapsed);
        return Ok(());
    }
    let framework = match framework.as_str() {
        "axum" => frameworks::axum::framework(),
        "actix" => frameworks::actix::framework(),
        "rocket" => frameworks::rocket::framework(),
        "warp" => frameworks::warp::framework(),
        "poem" => frameworks::poem::framework(),
        "salvo" => frameworks::salvo::framework(),
        other => {
            return Err(format!(
                "FRAMEWORK `{other}`: core, axum, actix, rocket, warp, poem or salvo"
            ))
        }
    };
    let runner = framework
        .runner(row, scenario)
        .ok_or_else(|| format!("{} cannot express `{}`", framework.peer, scenario.name()))?;
    measure(runner, scenario, iters)
}

fn measure(runner: &dyn Runner, scenario: Scenario, iters: u64) -> Result<(), String> {
    // Batches, so the requests built ahead stay few.
    let mut elapsed = std::time::Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(1000);
        elapsed += runner.run(scenario, n, false).elapsed;
        left -= n;
    }
    eprintln!(
        "{iters} requests in {elapsed:?} ({:.0} ns each)",
        elapsed.as_nanos() as f64 / iters.max(1) as f64
    );
    Ok(())
}

fn find_scenario(name: &str) -> Result<Scenario, String> {
    if let Some(s) = Scenario::ALL.iter().find(|s| s.name() == name) {
        return Ok(*s);
    }
    let matching: Vec<Scenario> = Scenario::ALL
        .iter()
        .copied()
        .filter(|s| s.name().contains(name))
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!("no scenario named like `{name}`")),
        many => Err(format!(
            "`{name}` names several scenarios: {}",
            many.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        )),
    }
}
