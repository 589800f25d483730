//! The scenarios in Chromium, Firefox and WebKit against the debug builds of the six
//! example servers: one test per adapter, each running the three engines one after
//! the other, each engine with its own browser, page server, servers and ports, so
//! the six tests can run in parallel.
//!
//! Engines run in sequence within a test rather than side by side: with the six
//! tests in parallel that is already up to six browsers at once on CI's two cores,
//! and eighteen would only make each slower (see README.md for the times).
//!
//! `cargo test --workspace` builds every example before it runs the tests, so the
//! servers sit in `target/debug/examples/` beside this test's own
//! `target/debug/deps/`. A missing server or a missing engine fails the test rather
//! than skipping it: a browser test that passes because it ran nothing would hide a
//! broken adapter.

use cors_browser::engine::Engine;

fn browser(adapter: &str) {
    let binary =
        cors_conformance::example_binary_for_test(adapter).unwrap_or_else(|e| panic!("{e}"));
    // Every engine runs even when one fails, so one report shows all three.
    let mut problems = Vec::new();
    for engine in engines() {
        match cors_browser::run(&binary, adapter, engine) {
            Ok(run) => {
                println!("{run}");
                if !run.report.is_success() {
                    problems.push(format!(
                        "{engine}: {} of {} scenarios failed against {}:\n{run}",
                        run.report.failed.len(),
                        run.report.failed.len() + run.report.passed.len(),
                        binary.display()
                    ));
                }
            }
            Err(problem) => problems.push(format!(
                "{engine}: the browser run against {adapter} failed: {problem}"
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every engine, or those `CORS_BROWSER_ENGINES` names (`firefox,webkit`), for a
/// quicker look at one; a run that leaves engines out says so in its output.
fn engines() -> Vec<Engine> {
    let Ok(keys) = std::env::var("CORS_BROWSER_ENGINES") else {
        return Engine::ALL.to_vec();
    };
    let chosen: Vec<Engine> = keys
        .split(',')
        .map(|key| {
            Engine::from_key(key.trim()).unwrap_or_else(|| {
                panic!("CORS_BROWSER_ENGINES: unknown engine {key:?} (chromium, firefox, webkit)")
            })
        })
        .collect();
    for engine in Engine::ALL.iter().filter(|e| !chosen.contains(e)) {
        println!("browser: {engine} not run: CORS_BROWSER_ENGINES={keys} leaves it out");
    }
    chosen
}

#[test]
fn actix() {
    browser("actix");
}

#[test]
fn axum() {
    browser("axum");
}

#[test]
fn rocket() {
    browser("rocket");
}

#[test]
fn warp() {
    browser("warp");
}

#[test]
fn poem() {
    browser("poem");
}

#[test]
fn salvo() {
    browser("salvo");
}
