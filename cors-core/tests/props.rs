//! Invariants over generated policies and requests:
//! - deciding never panics, whatever the bytes;
//! - no `Access-Control-Allow-Origin` for an origin the policy does not allow (checked
//!   against an oracle written independently of the library's matcher);
//! - never `Access-Control-Allow-Origin: *` together with credentials;
//! - `Access-Control-Allow-Origin` is `*` or byte-equal to the request's single origin;
//! - `Vary` names `Origin` whenever `Access-Control-Allow-Origin` is not `*`.

use fetch_cors::{Cors, CorsHeader, CorsRequest, Decision};
use proptest::prelude::*;

const PATTERNS: [&str; 3] = [
    "https://*.example.com",
    "http://localhost:*",
    "https://*.a.com:*",
];

/// Origins built from pieces that collide often with the policies below, malformed ones
/// included.
fn near_origin() -> impl Strategy<Value = Vec<u8>> {
    let scheme = prop::sample::select(vec![
        "http://", "https://", "https://", "http://", "HTTPS://", "", "ftp://",
    ]);
    let label = prop::sample::select(vec!["a", "b", "Example", "", "x_y", "é", "evil"]);
    let domain = prop::sample::select(vec![
        "example.com",
        "a.com",
        "localhost",
        "example.com.evil",
        "evilexample.com",
        "com",
    ]);
    let host = (prop::collection::vec(label, 0..3), domain).prop_map(|(mut l, d)| {
        l.push(d);
        l.join(".")
    });
    let port = prop::sample::select(vec![
        "", ":80", ":443", ":8080", ":0", ":080", ":65536", ":", ":*",
    ]);
    let tail = prop::sample::select(vec!["", "", "", "", "", "", "/", "/x", "?q", " "]);
    (scheme, host, port, tail).prop_map(|(s, h, p, t)| format!("{s}{h}{p}{t}").into_bytes())
}

fn any_origin_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => near_origin(),
        1 => prop::collection::vec(any::<u8>(), 0..40),
        1 => Just(b"null".to_vec()),
    ]
}

#[derive(Debug, Clone)]
struct PolicySpec {
    any: bool,
    exact: Vec<String>,
    patterns: Vec<&'static str>,
    credentials: bool,
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    let exact_pool = prop::sample::select(vec![
        "https://example.com",
        "https://a.example.com",
        "http://localhost:8080",
        "null",
        "https://b.a.com",
    ]);
    (
        any::<bool>(),
        prop::collection::vec(exact_pool, 0..4),
        prop::sample::subsequence(PATTERNS.to_vec(), 0..=3),
        any::<bool>(),
    )
        .prop_map(|(any, exact, patterns, credentials)| PolicySpec {
            any,
            exact: exact.into_iter().map(str::to_owned).collect(),
            patterns,
            credentials: credentials && !any,
        })
}

fn build(spec: &PolicySpec) -> Cors {
    let builder = if spec.any {
        Cors::builder().allow_any_origin()
    } else {
        Cors::builder()
            .allow_origins(spec.exact.clone())
            .allow_origin_patterns(spec.patterns.clone())
    };
    // The generated lists hold `null` and `http://` origins: what is under test here is the
    // decision for them, so the policy tolerates them with credentials too.
    builder
        .allow_credentials(spec.credentials)
        .dangerously_tolerate_insecure_origins(true)
        .allow_any_method()
        .allow_any_header()
        .expose_headers(["x-a"])
        .build()
        .expect("generated policies are valid")
}

/// A port as a serialized origin writes it: digits, no leading zero, 1..=65535, not the
/// scheme's default.
fn oracle_port(port: &str, default: u16) -> bool {
    !port.is_empty()
        && !port.starts_with('0')
        && port.bytes().all(|b| b.is_ascii_digit())
        && port
            .parse::<u32>()
            .is_ok_and(|p| p <= 65535 && p != u32::from(default))
}

fn oracle_subdomains(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

/// Independent reading of the three patterns.
fn oracle_pattern(pattern: &str, origin: &str) -> bool {
    match pattern {
        "https://*.example.com" => origin
            .strip_prefix("https://")
            .and_then(|h| h.strip_suffix(".example.com"))
            .is_some_and(oracle_subdomains),
        "http://localhost:*" => {
            origin == "http://localhost"
                || origin
                    .strip_prefix("http://localhost:")
                    .is_some_and(|p| oracle_port(p, 80))
        }
        "https://*.a.com:*" => origin.strip_prefix("https://").is_some_and(|rest| {
            let (host, port_ok) = match rest.split_once(':') {
                Some((h, p)) => (h, oracle_port(p, 443)),
                None => (rest, true),
            };
            port_ok && host.strip_suffix(".a.com").is_some_and(oracle_subdomains)
        }),
        _ => unreachable!(),
    }
}

fn oracle_allows(spec: &PolicySpec, origin: &[u8]) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else {
        return false;
    };
    spec.exact.iter().any(|e| e == origin)
        || spec.patterns.iter().any(|p| oracle_pattern(p, origin))
}

fn check(spec: &PolicySpec, method: &[u8], origins: &[Vec<u8>], preflight_extras: bool) {
    let cors = build(spec);
    let mut req = CorsRequest::new(method);
    for o in origins {
        req.add_origin(o);
    }
    if preflight_extras {
        req.add_request_method(b"PUT").add_request_headers(b"x-a");
    }
    let decision = cors.decide(&req);
    let headers = decision.headers();
    let acao = headers.get(CorsHeader::AllowOrigin).map(|v| v.as_bytes());
    let acac = headers.get(CorsHeader::AllowCredentials).is_some();
    let vary_origin = headers
        .iter()
        .filter(|(n, _)| *n == CorsHeader::Vary)
        .any(|(_, v)| {
            v.as_bytes()
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"origin"))
        });

    if acao == Some(b"*") {
        assert!(!acac, "ACAO * with credentials");
    }
    if let Some(acao) = acao {
        if acao != b"*" {
            assert_eq!(origins.len(), 1, "echoed with several origins");
            assert_eq!(acao, &origins[0][..], "ACAO not byte-equal to the origin");
            assert!(vary_origin, "echoed ACAO without Vary: Origin");
            assert!(
                oracle_allows(spec, &origins[0]),
                "ACAO for a disallowed origin {:?}",
                String::from_utf8_lossy(&origins[0])
            );
        } else {
            assert!(spec.any, "ACAO * from a listing policy");
        }
    }
    // The converse: an origin the oracle allows gets its ACAO (for listing policies).
    if !spec.any && origins.len() == 1 && oracle_allows(spec, &origins[0]) {
        assert_eq!(acao, Some(&origins[0][..]), "allowed origin without ACAO");
    }
    if matches!(decision, Decision::PreflightRejected { .. }) {
        assert!(acao.is_none());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn actual_requests(spec in policy_spec(), origins in prop::collection::vec(any_origin_bytes(), 0..3),
                       method in prop::sample::select(vec!["GET", "POST", "OPTIONS", "get"])) {
        check(&spec, method.as_bytes(), &origins, false);
    }

    #[test]
    fn patterns_against_the_oracle(origin in near_origin()) {
        let spec = PolicySpec { any: false, exact: vec![], patterns: PATTERNS.to_vec(), credentials: true };
        check(&spec, b"GET", &[origin], false);
    }

    #[test]
    fn preflights(spec in policy_spec(), origins in prop::collection::vec(any_origin_bytes(), 1..3)) {
        check(&spec, b"OPTIONS", &origins, true);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        method in prop::collection::vec(any::<u8>(), 0..12),
        lines in prop::collection::vec((0u8..5, prop::collection::vec(any::<u8>(), 0..64)), 0..24),
    ) {
        for cors in [
            Cors::builder().allow_any_origin().allow_any_header().allow_any_method().build().unwrap(),
            Cors::builder().allow_origin("https://a.example").allow_origin_pattern("https://*.example.com:*")
                .allow_headers(["x-a", "authorization"]).allow_methods(["PUT"]).allow_credentials(true)
                .allow_private_network(true).max_age(5).build().unwrap(),
        ] {
            let mut req = CorsRequest::new(&method);
            for (which, value) in &lines {
                match which {
                    0 => req.add_origin(value),
                    1 => req.add_request_method(value),
                    2 => req.add_request_headers(value),
                    3 => req.add_request_private_network(value),
                    _ => req.add_header(b"x-other", value),
                };
            }
            let decision = cors.decide(&req);
            // Every value written is a valid header value.
            for (_, v) in decision.headers().iter() {
                prop_assert!(http::HeaderValue::from_bytes(v.as_bytes()).is_ok());
            }
            let acao = decision.headers().get(CorsHeader::AllowOrigin).map(|v| v.as_bytes().to_vec());
            if let Some(acao) = acao {
                prop_assert!(acao == b"*" || Some(&acao) == req_origin(&lines).as_ref());
            }
        }
    }
}

fn req_origin(lines: &[(u8, Vec<u8>)]) -> Option<Vec<u8>> {
    let mut origins = lines
        .iter()
        .filter(|(w, _)| *w == 0)
        .map(|(_, v)| v.clone());
    let first = origins.next();
    if origins.next().is_some() {
        None
    } else {
        first
    }
}
