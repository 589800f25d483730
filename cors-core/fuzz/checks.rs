//! The fuzz targets' bodies, shared with `tests/fuzz_corpus.rs`, which replays the committed
//! corpus as an ordinary test. Each asserts the invariants: no panic; never
//! `Access-Control-Allow-Origin` for a disallowed origin; never `*` with credentials;
//! `Access-Control-Allow-Origin` byte-equal to the request's origin or `*`.

// Each fuzz target uses one of these functions; the replay test uses them all.
#![allow(dead_code)]

use fetch_cors::{
    Config, Cors, CorsHeader, CorsRequest, Decision, MAX_EMPTY_ELEMENTS, MAX_REQUEST_HEADERS_BYTES,
    MAX_REQUEST_HEADERS_LINES,
};

/// Origins as a request carries them: an exact policy allows exactly the listed bytes.
pub fn origin(data: &[u8]) {
    let cors = Cors::builder()
        .allow_origins(["https://a.example", "null", "http://[::1]:8080"])
        .build()
        .expect("valid");
    let mut req = CorsRequest::new(b"GET");
    req.add_origin(data);
    let decision = cors.decide(&req);
    let acao = decision
        .headers()
        .get(CorsHeader::AllowOrigin)
        .map(|v| v.as_bytes());
    let listed = [&b"https://a.example"[..], b"null", b"http://[::1]:8080"].contains(&data);
    assert_eq!(
        acao.is_some(),
        listed,
        "{:?}",
        data.escape_ascii().to_string()
    );
    if let Some(acao) = acao {
        assert_eq!(acao, data);
    }
    // The same bytes as a pattern-allowed origin: a match implies the oracle's reading.
    let cors = Cors::builder()
        .allow_origin_patterns(["https://*.example.com", "http://localhost:*"])
        .build()
        .expect("valid");
    let decision = cors.decide(&req);
    if let Some(acao) = decision.headers().get(CorsHeader::AllowOrigin) {
        assert_eq!(acao.as_bytes(), data);
        let s = std::str::from_utf8(data).expect("an allowed origin is ASCII");
        let ok = s
            .strip_prefix("https://")
            .and_then(|h| h.strip_suffix(".example.com"))
            .is_some_and(|sub| !sub.is_empty() && sub.split('.').all(|l| !l.is_empty()))
            || s == "http://localhost"
            || s.strip_prefix("http://localhost:").is_some_and(|p| {
                p.parse::<u16>().is_ok_and(|p| p != 80 && p != 0) && !p.starts_with('0')
            });
        assert!(ok, "pattern allowed {s:?}");
    }
}

/// `Access-Control-Request-Headers` lines (split on 0x00): accepted only when every name is
/// allowed, and then echoed as valid header values. Under `*` (which has a vector path of
/// its own for lists as browsers write them), accepted exactly when an oracle written from
/// the rules says so, and never echoing `authorization` or an empty element.
pub fn header_list(data: &[u8]) {
    any_header_list(data);
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_headers(["x-a", "Content-Type", "authorization"])
        .build()
        .expect("valid");
    let decision = cors.decide(&preflight(data));
    if let Some(acah) = decision.headers().get(CorsHeader::AllowHeaders) {
        assert!(matches!(decision, Decision::PreflightAccepted { .. }));
        assert!(http::HeaderValue::from_bytes(acah.as_bytes()).is_ok());
        for name in acah.as_bytes().split(|&b| b == b',') {
            let name = name.trim_ascii();
            assert!(
                [&b"x-a"[..], b"content-type", b"authorization"]
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(name)),
                "echoed a name that is not allowed: {:?}",
                name.escape_ascii().to_string()
            );
        }
    }
}

/// Any bytes as a JSON policy: parsing and building never panic, and a policy that builds
/// keeps its promises on a few requests.
pub fn config(data: &[u8]) {
    let Ok(config) = serde_json::from_slice::<Config>(data) else {
        return;
    };
    let credentials = config.allow_credentials;
    let debug = config.debug;
    let insecure_refused = credentials && !config.dangerously_tolerate_insecure_origins;
    let Ok(cors) = Cors::try_from(config) else {
        return;
    };
    // With credentials, `null` and `http://` origins off loopback are never allowed unless
    // the policy tolerates them.
    if insecure_refused {
        for origin in [&b"null"[..], b"http://a.example", b"http://a.example.com"] {
            let mut req = CorsRequest::new(b"GET");
            req.add_origin(origin);
            assert!(
                cors.decide(&req).rejection().is_some(),
                "{} allowed with credentials",
                origin.escape_ascii()
            );
        }
    }
    for origin in [&b"https://a.example"[..], b"null", b"http://localhost:3000"] {
        for method in [&b"GET"[..], b"OPTIONS"] {
            let mut req = CorsRequest::new(method);
            req.add_origin(origin)
                .add_request_method(b"PUT")
                .add_request_headers(b"x-a");
            check_response(&cors.decide(&req), &[origin], credentials, debug);
        }
    }
}

/// Arbitrary requests under policies chosen by the first bytes.
pub fn decide(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let credentials = flags & 1 != 0;
    let any = flags & 2 != 0 && !credentials;
    let mut builder = if any {
        Cors::builder().allow_any_origin()
    } else {
        Cors::builder()
            .allow_origins(["https://a.example", "null"])
            .allow_origin_pattern("https://*.example.com:*")
    };
    if flags & 4 != 0 {
        builder = builder.allow_any_method().allow_any_header();
    } else {
        builder = builder
            .allow_methods(["PUT"])
            .allow_headers(["x-a", "authorization"]);
    }
    let debug = flags & 32 != 0;
    // `null` with credentials needs the dangerous setting; the decision is what is fuzzed.
    let cors = builder
        .debug(debug)
        .allow_credentials(credentials)
        .dangerously_tolerate_insecure_origins(true)
        .allow_private_network(flags & 8 != 0)
        .preflight_passthrough(flags & 16 != 0)
        .build()
        .expect("valid");
    // Fields separated by 0x00: the method, then header lines whose first byte picks the name.
    let mut fields = rest.split(|&b| b == 0);
    let method = fields.next().unwrap_or_default();
    let mut req = CorsRequest::new(method);
    let mut origins = Vec::new();
    for field in fields {
        let Some((&which, value)) = field.split_first() else {
            continue;
        };
        match which % 5 {
            0 => {
                origins.push(value);
                req.add_origin(value);
            }
            1 => {
                req.add_request_method(value);
            }
            2 => {
                req.add_request_headers(value);
            }
            3 => {
                req.add_request_private_network(value);
            }
            _ => {
                req.add_header(value, value);
            }
        }
    }
    let decision = cors.decide(&req);
    check_response(&decision, &origins, credentials, debug);
    if let Some(acao) = decision.headers().get(CorsHeader::AllowOrigin) {
        if acao.as_bytes() != b"*" {
            let o = origins[0];
            let allowed = o == b"https://a.example"
                || o == b"null"
                || std::str::from_utf8(o).is_ok_and(|s| {
                    s.strip_prefix("https://")
                        .map(|h| h.split_once(':').map_or(h, |(h, _)| h))
                        .and_then(|h| h.strip_suffix(".example.com"))
                        .is_some_and(|sub| !sub.is_empty())
                });
            assert!(
                allowed,
                "ACAO for a disallowed origin {:?}",
                o.escape_ascii().to_string()
            );
        }
    }
}

fn check_response(decision: &Decision<'_>, origins: &[&[u8]], credentials: bool, debug: bool) {
    let headers = decision.headers();
    for (_, value) in headers.iter() {
        assert!(http::HeaderValue::from_bytes(value.as_bytes()).is_ok());
    }
    let acao = headers.get(CorsHeader::AllowOrigin).map(|v| v.as_bytes());
    let acac = headers.get(CorsHeader::AllowCredentials).is_some();
    assert!(!(acao == Some(b"*") && acac), "ACAO * with credentials");
    if acac {
        assert!(credentials);
    }
    if let Some(acao) = acao {
        assert!(acao == b"*" || (origins.len() == 1 && acao == origins[0]));
    }
    if let Decision::PreflightRejected {
        status, rejection, ..
    } = decision
    {
        if !debug {
            assert_eq!(status.as_u16(), 403);
            assert!(acao.is_none());
            return;
        }
        // Debug mode: a 2xx answer that still fails in the browser, because the refused
        // part is missing from it.
        assert!(status.is_success());
        match rejection.reason().subject() {
            "origin" => assert!(acao.is_none(), "debug answered a refused origin"),
            "method" => assert!(headers.get(CorsHeader::AllowMethods).is_none()),
            _ => {
                let refused = rejection.value();
                if let Some(acah) = headers.get(CorsHeader::AllowHeaders) {
                    assert!(
                        refused.is_empty()
                            || !acah
                                .as_bytes()
                                .split(|&b| b == b',')
                                .any(|n| n.eq_ignore_ascii_case(refused)),
                        "debug answered the refused header"
                    );
                }
            }
        }
    }
}

/// [`header_list`] under `allow_headers: "*"`: the decision against an oracle (within the
/// documented limits on lines, bytes and empty elements; every other element, trimmed of
/// spaces and tabs, a token other than `authorization`).
fn any_header_list(data: &[u8]) {
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_any_header()
        .build()
        .expect("valid");
    let decision = cors.decide(&preflight(data));
    let lines: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let is_tchar = |b: &u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b);
    // Optional whitespace is spaces and tabs only (RFC 9110 §5.6.3).
    let trim_ows = |e: &[u8]| -> Vec<u8> {
        let ows = |b: &u8| *b == b' ' || *b == b'\t';
        let start = e.iter().position(|b| !ows(b)).unwrap_or(e.len());
        let end = e.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
        e[start..end].to_vec()
    };
    let names: Vec<Vec<u8>> = lines
        .iter()
        .flat_map(|line| line.split(|&b| b == b','))
        .map(trim_ows)
        .collect();
    let empties = names.iter().filter(|n| n.is_empty()).count();
    let accepted = lines.len() <= MAX_REQUEST_HEADERS_LINES
        && lines.iter().map(|l| l.len()).sum::<usize>() <= MAX_REQUEST_HEADERS_BYTES
        && empties <= MAX_EMPTY_ELEMENTS
        && names
            .iter()
            .filter(|n| !n.is_empty())
            .all(|n| n.iter().all(is_tchar) && !n.eq_ignore_ascii_case(b"authorization"));
    assert_eq!(
        matches!(decision, Decision::PreflightAccepted { .. }),
        accepted,
        "{:?}",
        data.escape_ascii().to_string()
    );
    if let Some(acah) = decision.headers().get(CorsHeader::AllowHeaders) {
        assert!(http::HeaderValue::from_bytes(acah.as_bytes()).is_ok());
        for name in acah.as_bytes().split(|&b| b == b',') {
            let name = name.trim_ascii();
            assert!(!name.is_empty() && name.iter().all(is_tchar), "{acah:?}");
            assert!(!name.eq_ignore_ascii_case(b"authorization"), "{acah:?}");
        }
    }
}

/// A preflight from an allowed origin for `GET`, with `data` as its
/// `Access-Control-Request-Headers` lines (split on 0x00).
fn preflight(data: &[u8]) -> CorsRequest<'_> {
    let mut req = CorsRequest::new(b"OPTIONS");
    req.add_origin(b"https://a.example")
        .add_request_method(b"GET");
    for line in data.split(|&b| b == 0) {
        req.add_request_headers(line);
    }
    req
}
