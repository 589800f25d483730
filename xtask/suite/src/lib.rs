//! The CORS conformance suite: cases written once, as data, and run over real HTTP
//! against the `conformance-<fw>` example server of every adapter crate.
//!
//! The servers keep the contract in `CONTRACT.md` beside this crate's `Cargo.toml`: they take a
//! policy file (`--config <policy.json> --port 0`), print
//! `listening on http://127.0.0.1:<port>`, and put the policy in front of a handler
//! that answers `200 ok` with marker headers ([`server::HANDLER_HEADERS`]).
//!
//! - [`case`] loads the data: `policies/*.json` and `cases/*.toml` beside this
//!   crate's `Cargo.toml`.
//! - [`client`] is a raw HTTP/1.1 client that sends header lines byte for byte.
//! - [`check`] compares a response with a case's expectations.
//! - [`runner`] starts one server per policy, runs its cases, and stops it
//!   ([`run`] is the entry point); [`report`] holds the outcome.
//! - [`process`] starts a server binary, waits for its `listening on` line and stops
//!   it: the runner, the soak and the browser tests share it.
//! - [`server`] is the plumbing the example servers share.
//!
//! # Policies
//!
//! `policies/<name>.json` are policy files in the contract's schema, one server
//! process each; `policies/invalid/*.json` are files a server must refuse.
//!
//! # Case files
//!
//! `cases/<topic>.toml`. A file may name the `policy` its cases use; a case may name
//! its own. A case is reported as `<file stem>/<name>`.
//!
//! ```toml
//! about = "what this file covers"
//! policy = "exact"                     # policies/exact.json
//!
//! [[case]]
//! name = "a listed origin is echoed"
//! method = "GET"                       # default GET; written as is, `patch` stays `patch`
//! path = "/"                           # default /
//! headers = [                          # header lines, in order, duplicates allowed
//!   ["origin", "https://app.example.com"],
//!   { name = "origin", value_hex = "68747470733a2f2fff" },   # raw bytes
//!   { name = "x-many", value = "x-h{i}", repeat = 3, join = "," },  # x-h1,x-h2,x-h3
//!   { name = "x-lines", value = "x-h{i}", repeat = 2 },      # two lines: x-h1, x-h2
//! ]
//! body = ""                            # optional request body
//! expect.status = 200                  # required
//! expect.handler = true                # x-handler: reached present (false: absent)
//! expect.headers = { access-control-allow-origin = "https://app.example.com" }
//! expect.absent = ["access-control-allow-*", "access-control-expose-headers"]
//! expect.vary = ["origin", "accept-encoding"]
//! expect.not_vary = ["access-control-request-method"]
//! expect.body = "ok"                   # optional
//! ```
//!
//! `Host` and `Connection: close` are added to the request unless the case sends
//! them. Expected header values are compared exactly, after joining the lines of a
//! header with `", "`, so a header sent twice shows up as a mismatch; names are
//! compared case-insensitively. An `absent` name ending in `*` is a prefix. `Vary` is
//! joined the same way, split on commas, and compared token by token,
//! case-insensitively. An expected value may use the `{ value, repeat, join }` form
//! too.
//!
//! Start-up checks: each `[[invalid]]` entry starts the server with a policy it must
//! refuse (`policy = "invalid/<name>"`) or with a whole command line
//! (`args = ["--config", "{policies}/..."]`), and expects exit status 2, nothing on
//! stdout, and exactly one line on stderr mentioning one of `mentions`.
//!
//! ```toml
//! [[invalid]]
//! name = "a lower-case PATCH"
//! policy = "invalid/method-lower-case-patch-rocket"   # policies/invalid/….json
//! mentions = ["allow_methods"]
//! adapters = ["rocket"]                # optional: only these adapters run the check
//! ```
//!
//! `adapters` is for a policy only some frameworks cannot serve (Rocket cannot receive
//! `patch`); without it every adapter runs the check. The other adapters neither run nor
//! report it.
//!
//! # Running
//!
//! ```no_run
//! let report = cors_conformance::run(
//!     std::path::Path::new("target/release/examples/conformance-axum"),
//!     "axum",
//! );
//! print!("{report}");
//! assert!(report.is_success());
//! ```

pub mod alloc;
pub mod case;
pub mod check;
pub mod client;
pub mod process;
mod reload;
pub mod report;
pub mod runner;
pub mod server;

pub use case::{Case, Expect, StartupCheck, Suite};
pub use report::{Failure, Report};
pub use runner::{run, run_suite};

/// The adapters the suite knows, by the names their example servers end in.
pub const ADAPTERS: [&str; 6] = ["actix", "axum", "rocket", "warp", "poem", "salvo"];

/// The example server binary name of an adapter: `conformance-<adapter>`.
pub fn binary_name(adapter: &str) -> String {
    format!("conformance-{adapter}{}", std::env::consts::EXE_SUFFIX)
}

/// The example server an integration test should drive: the one `cargo test --workspace`
/// built beside the test itself (`…/target/<profile>/deps/<test>` →
/// `…/target/<profile>/examples/conformance-<adapter>`). Fails, naming the command to run,
/// when it is missing: a test that passes because it ran nothing would hide a broken
/// adapter.
pub fn example_binary_for_test(adapter: &str) -> Result<std::path::PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("the test's own path: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or("the test does not run from target/<profile>/deps")?;
    let binary = profile_dir.join("examples").join(binary_name(adapter));
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "{} is missing: run `cargo test --workspace` (or `cargo xtask test`), which builds \
             the example servers; testing one package alone does not",
            binary.display()
        ))
    }
}
