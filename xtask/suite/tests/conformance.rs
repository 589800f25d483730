//! The conformance suite against the debug builds of the six example servers.
//!
//! `cargo test --workspace` builds every example before it runs the tests, so the
//! servers sit in `target/debug/examples/` beside this test's own `target/debug/deps/`.
//! A missing server fails its test rather than skipping it: a suite that passes
//! because it ran nothing would hide a broken adapter.

fn conformance(adapter: &str) {
    let binary =
        cors_conformance::example_binary_for_test(adapter).unwrap_or_else(|e| panic!("{e}"));
    let report = cors_conformance::run(&binary, adapter);
    println!("{report}");
    assert!(
        report.is_success(),
        "{} of {} conformance cases failed against {} (the report is above)",
        report.failed.len(),
        report.failed.len() + report.passed.len(),
        binary.display()
    );
}

#[test]
fn actix() {
    conformance("actix");
}

#[test]
fn axum() {
    conformance("axum");
}

#[test]
fn rocket() {
    conformance("rocket");
}

#[test]
fn warp() {
    conformance("warp");
}

#[test]
fn poem() {
    conformance("poem");
}

#[test]
fn salvo() {
    conformance("salvo");
}
