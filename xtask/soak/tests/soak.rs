//! The CI-sized soak: `CI_REQUESTS` mixed requests against the debug build of each
//! adapter's example server.
//!
//! `cargo test --workspace` builds every example before it runs the tests, so the
//! servers sit in `target/debug/examples/` beside this test's own `target/debug/deps/`.
//! A missing server fails its test rather than skipping it: a soak that passes
//! because it ran nothing would hide a broken adapter.

use std::path::PathBuf;
use std::sync::Mutex;

use cors_conformance::binary_name;
use cors_soak::{Config, CI_REQUESTS};

/// One soak at a time: six servers and 256 client threads at once on a small
/// machine would turn slowness into hangs.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// `…/target/debug/deps/soak-<hash>` → `…/target/debug/examples/<binary>`.
fn example_binary(adapter: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    profile_dir.join("examples").join(binary_name(adapter))
}

fn soak(adapter: &str) {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let binary = example_binary(adapter);
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo test --workspace`, which builds the example servers \
         (`cargo test -p cors-soak` alone does not)",
        binary.display()
    );
    let config = Config::new(&binary, adapter).with_requests(CI_REQUESTS);
    let report = cors_soak::run(&config);
    println!("{report}");
    assert!(
        report.is_success(),
        "the soak of {} failed:\n{report}",
        binary.display()
    );
    assert_eq!(report.requests, CI_REQUESTS);
}

#[test]
fn actix() {
    soak("actix");
}

#[test]
fn axum() {
    soak("axum");
}

#[test]
fn rocket() {
    soak("rocket");
}

#[test]
fn warp() {
    soak("warp");
}

#[test]
fn poem() {
    soak("poem");
}

#[test]
fn salvo() {
    soak("salvo");
}
