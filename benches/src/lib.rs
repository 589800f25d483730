//! Benchmarks of fetch-cors and of each adapter against its framework's usual CORS middleware.
//!
//! The same requests ([`Scenario`]) under the same policies ([`Policy`]) go through three
//! apps per framework ([`Row`]): the app without CORS, the app with the peer middleware, and
//! the app with ours. Everything the criterion benches (`benches/`) and the report program
//! (`src/bin/bench-report.rs`) measure is built here, so both measure the very same thing.
//!
//! - [`scenario`]: the requests and the policies, as data.
//! - [`frameworks`]: one module per framework, building its three apps and answering a
//!   batch of requests through any of them; [`frameworks::core`] is fetch-cors's decision
//!   alone.
//! - [`alloc`]: the counting global allocator, for allocations per request.
//! - [`stats`]: medians and their confidence intervals.
//! - [`e2e`]: servers on loopback under `wrk`.

pub mod alloc;
pub mod e2e;
pub mod frameworks;
pub mod scenario;
pub mod stats;

pub use scenario::{Policy, Row, Scenario};

/// An allowed origin.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";
/// An origin matched by [`PATTERN`].
pub const PATTERN_ORIGIN: &str = "https://pr-42.preview.example.com";
/// A subdomain pattern.
pub const PATTERN: &str = "https://*.preview.example.com";
/// An origin no policy allows.
pub const DISALLOWED_ORIGIN: &str = "https://evil.example.net";
/// Three requested headers, as Chromium sends them (lower-case, sorted, no spaces).
pub const THREE_HEADERS: &str = "content-type,x-request-id,x-trace";
/// The three header names of [`THREE_HEADERS`], which every listing policy allows.
pub const ALLOWED_HEADERS: [&str; 3] = ["content-type", "x-request-id", "x-trace"];
/// The methods every listing policy allows beyond the CORS-safelisted ones.
pub const ALLOWED_METHODS: [&str; 2] = ["PUT", "DELETE"];
/// `Access-Control-Max-Age` of every listing policy, in seconds.
pub const MAX_AGE: u32 = 600;

/// 1,000 allowed origins, [`ALLOWED_ORIGIN`] last.
pub fn thousand_origins() -> Vec<String> {
    let mut v: Vec<String> = (0..999)
        .map(|i| format!("https://app{i}.example.org"))
        .collect();
    v.push(ALLOWED_ORIGIN.to_owned());
    v
}

/// `Access-Control-Request-Headers` of 1,024 bare commas.
pub fn commas() -> String {
    ",".repeat(1024)
}

/// `Access-Control-Request-Headers` of 500 names.
pub fn five_hundred_names() -> String {
    (0..500)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether `origin` matches [`PATTERN`] (one or more lower-case labels before
/// `.preview.example.com`, over https, default port), for the peers that take a predicate
/// rather than a pattern. It accepts what fetch-cors's pattern accepts for the benchmark's
/// origins; it is not a general origin parser.
pub fn matches_pattern(origin: &str) -> bool {
    origin
        .strip_prefix("https://")
        .and_then(|rest| rest.strip_suffix(".preview.example.com"))
        .is_some_and(|sub| {
            sub.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
        })
}

/// [`PATTERN`] as a regular expression, for rocket_cors.
pub const PATTERN_REGEX: &str = r"^https://([a-z0-9-]+\.)+preview\.example\.com$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_predicate_matches_like_the_pattern() {
        assert!(matches_pattern(PATTERN_ORIGIN));
        assert!(matches_pattern("https://a.b.preview.example.com"));
        assert!(!matches_pattern("https://preview.example.com"));
        assert!(!matches_pattern("https://.preview.example.com"));
        assert!(!matches_pattern("http://pr-42.preview.example.com"));
        assert!(!matches_pattern("https://pr-42.preview.example.com:8443"));
        assert!(!matches_pattern(ALLOWED_ORIGIN));
    }
}
