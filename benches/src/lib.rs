//! Shared scenarios for the benchmarks: the same requests and policies for cors-core, the
//! adapters and the peers.

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
