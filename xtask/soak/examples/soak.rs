//! Soaks one server binary from the command line, without the xtask:
//!
//!     cargo run --release -p cors-soak --example soak -- \
//!         target/release/examples/conformance-axum axum [requests]
//!
//! Prints the report and the Markdown rows; exits 1 if the soak failed.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (binary, adapter) = match args.as_slice() {
        [binary, adapter, ..] => (binary, adapter),
        _ => {
            eprintln!("usage: soak <server binary> <adapter name> [requests]");
            return ExitCode::from(2);
        }
    };
    let requests = match args.get(2).map(|n| n.replace(['_', ','], "").parse()) {
        None => cors_soak::FULL_REQUESTS,
        Some(Ok(n)) => n,
        Some(Err(error)) => {
            eprintln!("requests: {error}");
            return ExitCode::from(2);
        }
    };
    let config = cors_soak::Config::new(Path::new(binary), adapter).with_requests(requests);
    let report = cors_soak::run(&config);
    println!("{report}");
    println!(
        "{}",
        cors_soak::markdown_table(std::slice::from_ref(&report))
    );
    println!(
        "{}",
        cors_soak::outcomes_table(std::slice::from_ref(&report))
    );
    if report.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
