//! `fetch-cors`, the command: why a browser allows or refuses a cross-origin fetch.
//!
//! - `fetch-cors explain POLICY_FILE --origin ... --method ...` asks a policy file (the
//!   `fetch-cors` core decides, as a server running it would) and runs the browser's checks on
//!   its answers; for a refusal it names the smallest change to the file that allows the
//!   fetch, verified by deciding again, or why no safe change can.
//! - `fetch-cors check URL --origin ... --method ...` sends a live server the requests a
//!   browser would send and says, in words, what the browser does with the answers and why.
//!
//! Both share [`browser`], the browser's half of CORS as the Fetch standard writes it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod browser;
pub mod check;
pub mod explain;
pub mod policy;
pub mod request;

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its example keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
