//! Real-browser end-to-end tests: three browser engines (Chromium, Firefox, WebKit),
//! each driven over WebDriver, run `fetch()` from a page on one loopback origin
//! against the `conformance-<fw>` example servers on another, and the outcomes are
//! compared with what the Fetch standard says.
//!
//! The conformance suite (`cors-conformance`) checks the bytes each server sends;
//! these tests check that a real browser does with them what the policy meant: reads
//! the response or withholds it, sends or skips the preflight, sends the cookie,
//! caches the preflight, exposes the headers.
//!
//! ```text
//!  browser ───▶ page server   http://127.0.0.1:P   the test page; sets `sid=…; SameSite=Lax`
//!     │
//!     └─ fetch() ─▶ proxy     http://127.0.0.1:Q   logs each request and its response
//!                     └─▶ conformance-<fw>         the policy under test
//! ```
//!
//! - [`engine`] names the engines and what each needs: Chromium (`chromedriver`),
//!   Firefox ESR (`geckodriver`), WebKitGTK (`WebKitWebDriver`, on an `Xvfb` display),
//!   their capabilities, and whether the engine hands its console to WebDriver.
//! - [`browser`] starts an engine's driver (and display) and opens a session
//!   (fantoccini, no TLS: everything is plain-HTTP loopback).
//! - [`page`] serves the test page (`page/index.html`) and the cookie.
//! - [`proxy`] relays every byte unchanged and records the exchanges, so tests can
//!   count preflights and see cookies without touching the servers' handler.
//! - [`server`] starts a conformance server on a policy file.
//! - [`scenario`] loads the scenarios (`scenarios/*.toml`); [`check`] compares.
//! - [`run()`] ties it together for one adapter in one engine and returns a [`Run`].
//! - [`process`] makes sure nothing outlives a run: process groups killed on drop,
//!   scratch directories removed, deadlines on every wait.
//!
//! # Policies
//!
//! `policies/<name>.json` are policy files in the contract's schema
//! (`xtask/suite/CONTRACT.md`). `{page_origin}` in a file stands for the page's
//! origin, whose port is only known at run time; the filled-in copy goes to a scratch
//! directory. One server (and proxy) per policy.
//!
//! # Scenario files
//!
//! `scenarios/<topic>.toml`. A file may name the `policy` its scenarios use; a scenario
//! may name its own. A scenario is reported as `<file stem>/<name>`.
//!
//! ```toml
//! about = "what this file covers"
//! policy = "exact"                    # policies/exact.json
//!
//! [[scenario]]
//! name = "a preflighted PUT with a JSON body"
//! spec = "#cors-preflight-fetch"      # the Fetch section that decides, shown on failure
//! fetch.method = "PUT"                # as given to fetch(): `patch` stays `patch`
//! fetch.path = "/"                    # the runner adds `?scenario=<n>`
//! fetch.headers = { content-type = "application/json" }
//! fetch.body = '{"a":1}'
//! fetch.credentials = "include"       # omit | same-origin | include; default: same-origin
//! fetch.mode = "cors"                 # cors | no-cors | same-origin; default: cors
//! then = { method = "PUT" }           # optional: more fetches to the same URL, one
//!                                     # table or a list of them
//!
//! expect.status = 200                 # or expect.error = "TypeError" (a network error)
//! expect.type = "cors"                # Response.type
//! expect.body = "ok"                  # or expect.body_as_sent = true: what the server sent
//! expect.headers = { x-request-id = "42", x-trace = false, content-type = true }
//! expect.preflights = 1               # required: preflights the server got
//! expect.requests = 1                 # required: other requests the server got
//! expect.preflight_status = 204       # the status of every preflight response
//! expect.preflight_headers = { access-control-allow-methods = "PUT" }  # as sent
//! expect.request_headers = "content-type"   # Access-Control-Request-Headers sent
//! expect.cookie = true                # the requests past the preflight carried the cookie
//! expect.console = ["Access to fetch at '{url}' from origin '{page_origin}' has been \
//!   blocked by CORS policy: …"]       # the console's messages, where it can be read
//!
//! # Where an engine does not do what the standard says: why, and what it does instead
//! # (the fields given replace the standard's). One entry per engine: `chromium`,
//! # `firefox`, `webkit`.
//! chromium = { why = "Chromium … because …", expect = { error = "TypeError", requests = 0 } }
//! # A difference a run cannot see (a cap on Access-Control-Max-Age): `why` alone.
//! firefox = { why = "Firefox caps … at …" }
//! # A scenario that cannot run in an engine: why, printed with every run of it.
//! webkit = { not_applicable = "WebKit has no … because …" }
//! ```
//!
//! `expect.headers` maps a response header name to what `headers.get(name)` returns in
//! the page: a string for that exact value, `true` for any value, `false` for `null`
//! (hidden by the CORS filter). `expect.preflight_headers` says the same of what the
//! server sent in every preflight response (`false`: not sent). Status, body, type and
//! headers are checked on every fetch of the scenario; the counts over all of them.
//!
//! `expect.console` lists the messages, and no others, that the browser's console must
//! show about the scenario's fetches, in any order (`[]`: none); the text after the
//! console's `<page URL> - `, `{url}` standing for the fetch's URL and `{page_origin}`
//! for the page's origin. Without it the console is not checked. Only Chromium hands
//! its console to WebDriver ([`engine::Engine::exposes_console_log`]); in the other
//! engines the rest of the scenario is checked and the run's report lists the
//! scenario under the console checks it could not make. A Chromium run also lists
//! every message its console gave about the scenarios' fetches.
//!
//! Whatever the scenario, the checks also hold the browser to what Fetch requires of
//! every request: a preflight carries the page's `Origin` and never a cookie; a CORS
//! request carries the page's `Origin`; the server gets the body the page sent.
//!
//! # Running
//!
//! `cargo test --workspace` runs one test per adapter against the debug builds of the
//! example servers; each runs the scenarios in the three engines, one after the other.
//! The engines must be installed (`cargo xtask test` installs them; see
//! [`engine::Engine::install_hint`]); without one the tests fail, saying so.

pub mod browser;
pub mod check;
pub mod engine;
pub mod http;
pub mod page;
pub mod process;
pub mod proxy;
pub mod run;
pub mod scenario;
pub mod server;

pub use run::{run, Run};
