//! The scenarios in headless Chromium against the debug builds of the four example
//! servers, one test per adapter, each with its own browser, page server, servers
//! and ports, so they can run in parallel.
//!
//! `cargo test --workspace` builds every example before it runs the tests, so the
//! servers sit in `target/debug/examples/` beside this test's own
//! `target/debug/deps/`. A missing server or a missing Chromium fails the test rather
//! than skipping it: a browser test that passes because it ran nothing would hide a
//! broken adapter.

fn browser(adapter: &str) {
    if let Err(problem) = cors_browser::browser::Installation::find() {
        panic!("{problem}");
    }
    let binary =
        cors_conformance::example_binary_for_test(adapter).unwrap_or_else(|e| panic!("{e}"));
    let run = cors_browser::run(&binary, adapter)
        .unwrap_or_else(|problem| panic!("the browser run against {adapter} failed: {problem}"));
    println!("{run}");
    assert!(
        run.report.is_success(),
        "{} of {} browser scenarios failed against {}:\n{run}",
        run.report.failed.len(),
        run.report.failed.len() + run.report.passed.len(),
        binary.display()
    );
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
