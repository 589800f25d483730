//! The conformance suite against the debug builds of the four example servers.
//!
//! `cargo test --workspace` builds every example before it runs the tests, so the
//! servers sit in `target/debug/examples/` beside this test's own `target/debug/deps/`.
//! A missing server fails its test rather than skipping it: a suite that passes
//! because it ran nothing would hide a broken adapter.

use std::path::PathBuf;

use cors_conformance::binary_name;

/// `…/target/debug/deps/conformance-<hash>` → `…/target/debug/examples/<binary>`.
fn example_binary(adapter: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    profile_dir.join("examples").join(binary_name(adapter))
}

fn conformance(adapter: &str) {
    let binary = example_binary(adapter);
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo test --workspace`, which builds the example servers \
         (`cargo test -p cors-conformance` alone does not)",
        binary.display()
    );
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
