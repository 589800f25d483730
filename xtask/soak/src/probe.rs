//! Building one request of a kind, with the answer it must get under `policy.json`.

use cors_conformance::client::Request;

use crate::check::{Expect, Refusal};
use crate::mix::Kind;
use crate::rng::Rng;

/// The policy every server runs under during the soak. The probes below are written
/// against it: change one, change the other.
pub const POLICY: &str = include_str!("../policy.json");

/// The origins `POLICY` lists.
const LISTED: [&str; 2] = ["https://app.example.com", "http://localhost:3000"];

/// Origins `POLICY` does not allow, each for a different reason.
const UNLISTED: [&str; 10] = [
    "https://evil.test",
    "https://app.example.com.evil.test",
    // Scheme and port are part of the origin.
    "http://app.example.com",
    "https://app.example.com:8443",
    "http://localhost:3001",
    // The pattern matches https only, on the default port.
    "http://a.example.org",
    "https://a.example.org:8443",
    "https://example.org.evil.test",
    // Not a serialized origin: upper case, a trailing slash.
    "https://APP.example.com",
    "https://app.example.com/",
];

/// Paths the handler answers (everything but `/missing/...` and `/error`).
const PATHS: [&str; 4] = ["/", "/api/items", "/a/b/c?x=1&y=2", "/missingno"];

/// Request methods the policy allows in a preflight: its list and the safelisted ones.
const ALLOWED_METHODS: [&str; 4] = ["PUT", "DELETE", "GET", "POST"];

/// `Access-Control-Request-Headers` lines of accepted preflights, and the
/// `Access-Control-Allow-Headers` each earns: a single canonically spaced line is
/// echoed as is, anything else is rewritten as its names joined by `,`.
const ALLOWED_REQUEST_HEADERS: [(&[&str], Option<&str>); 6] = [
    (&[], None),
    (&["x-a"], Some("x-a")),
    (&["content-type,x-a"], Some("content-type,x-a")),
    (&["x-a, x-b"], Some("x-a, x-b")),
    (&["X-B"], Some("X-B")),
    (&["x-a", "x-b"], Some("x-a,x-b")),
];

/// Bytes that make `Origin` something other than ASCII text.
const NON_UTF8_ORIGINS: [&[u8]; 4] = [
    b"https://app.example.com\xff",
    b"https://\xc3\xa9.example.org",
    b"https://\xe9.example.org",
    b"\x80\x81\xfe",
];

const CONTROL_BYTE_ORIGINS: [&[u8]; 3] = [
    b"https://app.exa\x00mple.com",
    b"https://app.exa\x01mple.com",
    b"https://app.example.com\x7f",
];

/// Request heads no HTTP/1.1 parser accepts.
const GARBAGE: [&[u8]; 4] = [
    b"\x00\x01\x02GARBAGE\r\n\r\n",
    b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
];

/// How many names the huge `Access-Control-Request-Headers` holds.
pub const HUGE_NAME_COUNT: usize = 10_000;

/// The size of the huge header value and of the huge `Origin`.
pub const HUGE_VALUE_BYTES: usize = 100_000;

/// How a request goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// In one write.
    Whole,
    /// A byte at a time, with a pause after each.
    Slow,
    /// The first `at` bytes, then the client closes its sending side.
    Truncated { at: usize },
}

/// One request and what it must get back.
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub(crate) kind: Kind,
    pub(crate) bytes: Vec<u8>,
    /// Whether the method is `HEAD`, whose answer has no body.
    pub(crate) head: bool,
    pub(crate) delivery: Delivery,
    pub(crate) expect: Expect,
}

/// The large values, built once and shared by every worker.
#[derive(Debug)]
pub(crate) struct Payloads {
    /// `x-h0,x-h1,...,x-h9999`: about 79 KB.
    huge_request_headers: Vec<u8>,
    /// `HUGE_VALUE_BYTES` of `a`.
    filler: Vec<u8>,
    /// A listed origin with `HUGE_VALUE_BYTES` more of host: a different, unlisted
    /// host (not a subdomain of the pattern's `example.org` either).
    huge_origin: Vec<u8>,
}

impl Payloads {
    pub(crate) fn new() -> Payloads {
        let names: Vec<String> = (0..HUGE_NAME_COUNT).map(|i| format!("x-h{i}")).collect();
        let filler = vec![b'a'; HUGE_VALUE_BYTES];
        let mut huge_origin = LISTED[0].as_bytes().to_vec();
        huge_origin.extend_from_slice(&filler);
        Payloads {
            huge_request_headers: names.join(",").into_bytes(),
            filler,
            huge_origin,
        }
    }
}

impl Probe {
    /// A request of `kind` to the server at `host` (`127.0.0.1:<port>`), its
    /// variable parts drawn from `rng`.
    pub(crate) fn new(kind: Kind, rng: &mut Rng, payloads: &Payloads, host: &str) -> Probe {
        let listed = rng.pick(&LISTED).as_bytes();
        let path = *rng.pick(&PATHS);
        let (request, expect, delivery) = match kind {
            Kind::AllowedGet => (
                get(path, &[("origin", listed)]),
                Expect::handler(Some(listed)),
                Delivery::Whole,
            ),
            Kind::SlowClient => (
                get(path, &[("origin", listed)]),
                Expect::handler(Some(listed)),
                Delivery::Slow,
            ),
            Kind::PatternGet => {
                let origin = pattern_origin(rng);
                (
                    get(path, &[("origin", &origin)]),
                    Expect::handler(Some(&origin)),
                    Delivery::Whole,
                )
            }
            Kind::AllowedPost => {
                let mut request = get("/submit", &[("origin", listed)]);
                request.method = "POST".to_owned();
                request
                    .headers
                    .push(("content-type".to_owned(), b"text/plain".to_vec()));
                request.body = vec![b'x'; rng.below(65) as usize];
                (request, Expect::handler(Some(listed)), Delivery::Whole)
            }
            Kind::AllowedHead => {
                let mut request = get(path, &[("origin", listed)]);
                request.method = "HEAD".to_owned();
                (request, Expect::handler(Some(listed)), Delivery::Whole)
            }
            Kind::NoOrigin => (get(path, &[]), Expect::handler(None), Delivery::Whole),
            Kind::NotFound => (
                get(&format!("/missing/{}", rng.label(6)), &[("origin", listed)]),
                Expect::framework(404, listed),
                Delivery::Whole,
            ),
            Kind::ServerError => (
                get("/error", &[("origin", listed)]),
                Expect::framework(500, listed),
                Delivery::Whole,
            ),
            Kind::AcceptedPreflight => {
                let origin = if rng.below(2) == 0 {
                    listed.to_vec()
                } else {
                    pattern_origin(rng)
                };
                let method = *rng.pick(&ALLOWED_METHODS);
                let (lines, allow_headers) = *rng.pick(&ALLOWED_REQUEST_HEADERS);
                let mut request = preflight(path, &origin, method);
                for line in lines {
                    request.headers.push((
                        "access-control-request-headers".to_owned(),
                        line.as_bytes().to_vec(),
                    ));
                }
                let expect = Expect::accepted_preflight(
                    &origin,
                    method.as_bytes(),
                    allow_headers.map(|h| h.as_bytes().to_vec()),
                );
                (request, expect, Delivery::Whole)
            }
            Kind::DisallowedGet => (
                get(path, &[("origin", rng.pick(&UNLISTED).as_bytes())]),
                Expect::handler(None),
                Delivery::Whole,
            ),
            Kind::ApexGet => (
                get(path, &[("origin", b"https://example.org")]),
                Expect::handler(None),
                Delivery::Whole,
            ),
            Kind::PreflightBadOrigin => (
                preflight(path, rng.pick(&UNLISTED).as_bytes(), "PUT"),
                Expect::rejected_preflight(),
                Delivery::Whole,
            ),
            Kind::PreflightBadMethod => {
                // Methods are case-sensitive: `put` is not `PUT`.
                let method = *rng.pick(&["PATCH", "put", "PURGE", "CONNECT"]);
                (
                    preflight(path, listed, method),
                    Expect::rejected_preflight(),
                    Delivery::Whole,
                )
            }
            Kind::PreflightBadHeader => {
                // `authorization` is never covered unless listed; `x a` is no token.
                let line = *rng.pick(&["x-evil", "x-a,authorization", "x-a,x-b,x-c", "x a"]);
                let mut request = preflight(path, listed, "PUT");
                request.headers.push((
                    "access-control-request-headers".to_owned(),
                    line.as_bytes().to_vec(),
                ));
                (request, Expect::rejected_preflight(), Delivery::Whole)
            }
            Kind::DuplicateOrigin => {
                // Two lines are a list, and a list is never a serialized origin, even
                // when both name the same listed origin.
                let second = if rng.below(2) == 0 {
                    listed
                } else {
                    rng.pick(&UNLISTED).as_bytes()
                };
                if rng.below(2) == 0 {
                    (
                        get(path, &[("origin", listed), ("origin", second)]),
                        Expect::handler(None),
                        Delivery::Whole,
                    )
                } else {
                    let mut request = preflight(path, listed, "PUT");
                    request
                        .headers
                        .insert(1, ("origin".to_owned(), second.to_vec()));
                    (request, Expect::rejected_preflight(), Delivery::Whole)
                }
            }
            Kind::NonUtf8Origin => (
                get(path, &[("origin", *rng.pick(&NON_UTF8_ORIGINS))]),
                Expect::handler(None).or_refused(Refusal::Status),
                Delivery::Whole,
            ),
            Kind::ControlByteOrigin => (
                get(path, &[("origin", *rng.pick(&CONTROL_BYTE_ORIGINS))]),
                Expect::handler(None).or_refused(Refusal::Status),
                Delivery::Whole,
            ),
            Kind::FoldedOrigin => {
                // RFC 9112 section 5.2: a server either rejects obs-fold with 400 or
                // replaces it with a space, and `https://app.example.com .evil` is no
                // origin. Taking only the first line would allow it.
                let origin = b"https://app.example.com\r\n .evil.test";
                (
                    get(path, &[("origin", origin)]),
                    Expect::handler(None).or_refused(Refusal::Status),
                    Delivery::Whole,
                )
            }
            Kind::ManyRequestHeadersLines => {
                let mut request = preflight(path, listed, "PUT");
                for _ in 0..17 {
                    request
                        .headers
                        .push(("access-control-request-headers".to_owned(), b"x-a".to_vec()));
                }
                (
                    request,
                    Expect::rejected_preflight().or_refused(Refusal::Status),
                    Delivery::Whole,
                )
            }
            Kind::HugeRequestHeaders => {
                let mut request = preflight(path, listed, "PUT");
                request.headers.push((
                    "access-control-request-headers".to_owned(),
                    payloads.huge_request_headers.clone(),
                ));
                (
                    request,
                    Expect::rejected_preflight().or_refused(Refusal::StatusOrClose),
                    Delivery::Whole,
                )
            }
            Kind::HugeHeader => (
                get(path, &[("x-filler", &payloads.filler), ("origin", listed)]),
                Expect::handler(Some(listed)).or_refused(Refusal::StatusOrClose),
                Delivery::Whole,
            ),
            Kind::HugeOrigin => (
                get(path, &[("origin", &payloads.huge_origin)]),
                Expect::handler(None).or_refused(Refusal::StatusOrClose),
                Delivery::Whole,
            ),
            Kind::ManyHeaders => {
                let mut request = get(path, &[("origin", listed)]);
                for i in 0..150 {
                    request.headers.push((format!("x-h{i}"), b"v".to_vec()));
                }
                (
                    request,
                    Expect::handler(Some(listed)).or_refused(Refusal::Status),
                    Delivery::Whole,
                )
            }
            Kind::Garbage => {
                return Probe {
                    kind,
                    bytes: rng.pick(&GARBAGE).to_vec(),
                    head: false,
                    delivery: Delivery::Whole,
                    expect: Expect::refused(),
                };
            }
            Kind::Truncated => {
                // Half a request head, or a whole head whose body stops short. The
                // server may answer what it has; it must then close its side too.
                let (request, at) = if rng.below(2) == 0 {
                    let request = get(path, &[("origin", listed)]);
                    let at = request.to_bytes(host).len() / 2;
                    (request, Some(at))
                } else {
                    let mut request = get("/submit", &[("origin", listed)]);
                    request.method = "POST".to_owned();
                    request.body = vec![b'x'; 100];
                    (request, None)
                };
                let mut bytes = request.to_bytes(host);
                let at = at.unwrap_or(bytes.len() - 90);
                bytes.truncate(at);
                return Probe {
                    kind,
                    bytes,
                    head: false,
                    delivery: Delivery::Truncated { at },
                    expect: Expect::refused(),
                };
            }
        };
        Probe {
            kind,
            head: request.method == "HEAD",
            bytes: request.to_bytes(host),
            delivery,
            expect,
        }
    }
}

/// `GET path` with keep-alive and the given header lines.
fn get(path: &str, headers: &[(&str, &[u8])]) -> Request {
    let mut request = Request::get(path);
    request.headers = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.to_vec()))
        .collect();
    // Without it, the suite's client would ask for `Connection: close`.
    request
        .headers
        .push(("connection".to_owned(), b"keep-alive".to_vec()));
    request
}

fn preflight(path: &str, origin: &[u8], method: &str) -> Request {
    let mut request = get(
        path,
        &[
            ("origin", origin),
            ("access-control-request-method", method.as_bytes()),
        ],
    );
    request.method = "OPTIONS".to_owned();
    request
}

/// `https://<one or two random labels>.example.org`, which the pattern allows.
fn pattern_origin(rng: &mut Rng) -> Vec<u8> {
    let first = 1 + rng.below(20) as usize;
    let mut host = rng.label(first);
    if rng.below(4) == 0 {
        host.push('.');
        let len = 1 + rng.below(8) as usize;
        host.push_str(&rng.label(len));
    }
    format!("https://{host}.example.org").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(kind: Kind, seed: u64) -> Probe {
        Probe::new(kind, &mut Rng::new(seed), &Payloads::new(), "127.0.0.1:1")
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_policy_is_one_the_servers_accept() {
        let dir =
            std::env::temp_dir().join(format!("cors-soak-policy-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("policy.json");
        std::fs::write(&path, POLICY).unwrap();
        let loaded = cors_conformance::server::load_policy(&path);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(loaded.is_ok(), "{:?}", loaded.err());
    }

    #[test]
    fn every_kind_builds_a_request_with_keep_alive() {
        for kind in Kind::ALL {
            for seed in 0..20 {
                let probe = probe(kind, seed);
                assert!(!probe.bytes.is_empty());
                if !matches!(kind, Kind::Garbage) {
                    assert!(contains(&probe.bytes, b"Host: 127.0.0.1:1\r\n"), "{kind}");
                    assert!(!contains(&probe.bytes, b"Connection: close"), "{kind}");
                }
            }
        }
    }

    #[test]
    fn the_huge_kinds_are_huge() {
        let acrh = probe(Kind::HugeRequestHeaders, 0);
        assert!(contains(&acrh.bytes, b",x-h9999\r\n"));
        assert!(acrh.bytes.len() > 70_000);
        assert!(probe(Kind::HugeHeader, 0).bytes.len() > HUGE_VALUE_BYTES);
        assert!(probe(Kind::HugeOrigin, 0).bytes.len() > HUGE_VALUE_BYTES);
    }

    #[test]
    fn truncated_requests_stop_short() {
        for seed in 0..20 {
            let probe = probe(Kind::Truncated, seed);
            assert_eq!(
                probe.delivery,
                Delivery::Truncated {
                    at: probe.bytes.len()
                }
            );
            let ends_head = contains(&probe.bytes, b"\r\n\r\n");
            let has_length = contains(&probe.bytes, b"Content-Length: 100");
            // Either the head is cut, or the body is shorter than announced.
            assert!(
                !ends_head || has_length,
                "{:?}",
                String::from_utf8_lossy(&probe.bytes)
            );
        }
    }

    #[test]
    fn accepted_preflights_expect_the_method_and_headers() {
        for seed in 0..50 {
            let probe = probe(Kind::AcceptedPreflight, seed);
            assert!(probe.bytes.starts_with(b"OPTIONS "));
            assert_eq!(probe.expect.status, 204);
            let method = probe.expect.allow_methods.as_ref().unwrap();
            let mut line = b"access-control-request-method: ".to_vec();
            line.extend_from_slice(method);
            assert!(contains(&probe.bytes, &line));
        }
    }
}
