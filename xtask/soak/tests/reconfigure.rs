//! The CI-sized reconfiguration soak: [`CI_SWAPS`] policy swaps under mixed traffic against
//! the debug build of each adapter's example server (`cargo xtask soak` runs
//! [`FULL_SWAPS`](cors_soak::reconfigure::FULL_SWAPS) against the release builds).

use std::path::PathBuf;

use cors_conformance::binary_name;
use cors_soak::reconfigure::{run, ReconfigureConfig, CI_SWAPS};

fn example_binary(adapter: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps");
    profile_dir.join("examples").join(binary_name(adapter))
}

/// One at a time: six servers and their clients at once on a small machine would turn
/// slowness into timeouts.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn soak(adapter: &str) {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let binary = example_binary(adapter);
    assert!(
        binary.is_file(),
        "{} is missing: run `cargo test --workspace`",
        binary.display()
    );
    let mut config = ReconfigureConfig::new(&binary, adapter);
    config.swaps = CI_SWAPS;
    config.connections = 16;
    let report = run(&config);
    println!("{report}");
    assert!(report.is_success(), "{report}");
    assert_eq!(report.swaps, CI_SWAPS);
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
