//! `fetch-cors check` against the six adapters' conformance servers (xtask/suite/CONTRACT.md):
//! an allowed and a refused fetch each, and an error response that carries CORS headers.
//!
//! The servers are the adapters' example binaries: `cargo test --workspace` builds them; with
//! `-p fetch-cors-cli` alone, build them first (`cargo build -p fetch-cors-axum --examples`,
//! and the same for actix, rocket and warp), or the test fails saying so.

mod common;

use std::path::Path;

use common::fetch_cors;
use cors_conformance::example_binary_for_test;
use cors_conformance::process::Server;

const POLICY: &str = r#"{
  "allow_origins": ["https://app.example.com"],
  "allow_methods": ["PUT", "DELETE"],
  "allow_headers": ["content-type", "x-request-id"],
  "allow_credentials": true,
  "max_age": 600
}"#;

fn against(adapter: &str) {
    let binary = example_binary_for_test(adapter).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("a temp dir");
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, POLICY).expect("write the policy");
    let server = Server::start(&binary, Path::new(&policy))
        .unwrap_or_else(|e| panic!("conformance-{adapter} did not start: {e}"));
    let base = format!("http://{}", server.addr());

    // Allowed: a preflighted, credentialed PUT of JSON.
    fetch_cors(&[
        "check",
        &format!("{base}/items/7"),
        "--origin",
        "https://app.example.com",
        "--method",
        "PUT",
        "-H",
        "content-type: application/json",
        "-H",
        "x-request-id: 42",
        "--credentials",
        "include",
    ])
    .exits(0)
    .says(&[
        "  < access-control-allow-methods: PUT\n",
        "The browser: the preflight passes.",
        "Max-age: the browser keeps this answer 600 s.",
        "  < x-handler: reached\n",
        "The browser: the CORS check passes; the page reads the response.",
        "Result: allowed.",
    ]);

    // Refused: the same fetch from an origin the policy does not list.
    fetch_cors(&[
        "check",
        &format!("{base}/items/7"),
        "--origin",
        "https://evil.example",
        "--method",
        "PUT",
        "-H",
        "content-type: application/json",
    ])
    .exits(1)
    .says(&[
        "  < 403\n",
        "the preflight fails, so the actual request is never sent: there is no \
         Access-Control-Allow-Origin header.",
        "Status 403 without CORS headers is how a CORS layer refuses a preflight",
    ]);

    // Refused without a preflight: a credentialed GET from an unlisted origin.
    fetch_cors(&[
        "check",
        &format!("{base}/"),
        "--origin",
        "https://evil.example",
    ])
    .exits(1)
    .says(&[
        "  < x-handler: reached\n",
        "there is no Access-Control-Allow-Origin header.",
    ]);

    // The framework's own 404 carries CORS headers.
    fetch_cors(&[
        "check",
        &format!("{base}/missing"),
        "--origin",
        "https://app.example.com",
    ])
    .exits(0)
    .says(&[
        "  < 404\n",
        "The 404 carries CORS headers, so the page can read the error.",
    ]);

    // So does the framework's own 500.
    fetch_cors(&[
        "check",
        &format!("{base}/error"),
        "--origin",
        "https://app.example.com",
    ])
    .exits(0)
    .says(&[
        "  < 500\n",
        "The 500 carries CORS headers, so the page can read the error.",
    ]);

    let stopped = server.stop();
    assert_eq!(stopped.sigterm_problem, None, "conformance-{adapter}");
}

#[test]
fn actix() {
    against("actix");
}

#[test]
fn axum() {
    against("axum");
}

#[test]
fn rocket() {
    against("rocket");
}

#[test]
fn warp() {
    against("warp");
}

#[test]
fn poem() {
    against("poem");
}

#[test]
fn salvo() {
    against("salvo");
}
