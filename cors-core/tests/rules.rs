//! Every rule of CONTRACT.md and of the core's specification, as a table: a policy (JSON),
//! a request, and what a user sees (the kind of answer, every header, the reason).

use fetch_cors::adapter::http as http_kit;
use fetch_cors::{Config, Cors, CorsRequest, Decision, Limit, Reason};

/// What a request gets, in plain strings, for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    kind: &'static str,
    headers: Vec<(String, String)>,
    reason: Option<Reason>,
}

fn policy(json: &str) -> Cors {
    let config: Config = serde_json::from_str(json).expect("test policy parses");
    Cors::try_from(config).expect("test policy is valid")
}

/// A request: method and header lines, as (name, value) pairs in order.
fn decide(cors: &Cors, method: &str, lines: &[(&str, &[u8])]) -> Seen {
    let mut req = CorsRequest::new(method.as_bytes());
    for (name, value) in lines {
        req.add_header(name.as_bytes(), value);
    }
    let decision = cors.decide(&req);
    let kind = match &decision {
        Decision::NotCors(_) => "not-cors",
        Decision::Actual {
            rejection: None, ..
        } => "actual",
        Decision::Actual { .. } => "actual-refused",
        Decision::PreflightAccepted { status, .. } => match status.as_u16() {
            204 => "preflight-204",
            200 => "preflight-200",
            _ => "preflight-other",
        },
        Decision::PreflightPassthrough(_) => "preflight-passthrough",
        Decision::PreflightRejected { status, .. } => match status.as_u16() {
            403 => "preflight-403",
            // Debug mode: refused, answered with the policy's status.
            _ => "preflight-refused-2xx",
        },
    };
    Seen {
        kind,
        headers: decision
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8(v.as_bytes().to_vec()).unwrap(),
                )
            })
            .collect(),
        reason: decision.rejection().map(|r| r.reason()),
    }
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

const EXACT: &str = r#"{
    "allow_origins": ["https://app.example.com", "http://localhost:3000"],
    "allow_methods": ["PUT", "PATCH"],
    "allow_headers": ["content-type", "x-request-id"],
    "expose_headers": ["x-total-count", "x-page"],
    "max_age": 600
}"#;

const VARY_PF: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

struct Case {
    name: &'static str,
    policy: &'static str,
    method: &'static str,
    lines: &'static [(&'static str, &'static [u8])],
    kind: &'static str,
    headers: &'static [(&'static str, &'static str)],
    reason: Option<Reason>,
}

const APP: (&str, &[u8]) = ("origin", b"https://app.example.com");

#[rustfmt::skip]
const CASES: &[Case] = &[
    // --- Not CORS ---
    Case { name: "no Origin: Vary only", policy: EXACT, method: "GET", lines: &[],
        kind: "not-cors", headers: &[("vary", "Origin")], reason: None },
    Case { name: "no Origin under *: ACAO * and ACEH, no Vary",
        policy: r#"{"allow_origins":"*","expose_headers":["x-a"]}"#, method: "GET", lines: &[],
        kind: "not-cors", headers: &[("access-control-allow-origin", "*"), ("access-control-expose-headers", "x-a")], reason: None },
    Case { name: "OPTIONS with ACRM but no Origin is not CORS", policy: EXACT, method: "OPTIONS",
        lines: &[("access-control-request-method", b"PUT")],
        kind: "not-cors", headers: &[("vary", "Origin")], reason: None },
    // --- Actual requests ---
    Case { name: "allowed origin echoed, ACEH in config order, Vary", policy: EXACT, method: "GET", lines: &[APP],
        kind: "actual", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-expose-headers", "x-total-count, x-page"), ("vary", "Origin")], reason: None },
    Case { name: "credentials add ACAC", policy: r#"{"allow_origins":["https://app.example.com"],"allow_credentials":true}"#,
        method: "POST", lines: &[APP], kind: "actual",
        headers: &[("access-control-allow-origin", "https://app.example.com"), ("access-control-allow-credentials", "true"), ("vary", "Origin")], reason: None },
    Case { name: "origin case differs: not serialized", policy: EXACT, method: "GET",
        lines: &[("origin", b"https://App.example.com")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotSerialized) },
    Case { name: "trailing slash: not serialized", policy: EXACT, method: "GET",
        lines: &[("origin", b"https://app.example.com/")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotSerialized) },
    Case { name: "other port not allowed", policy: EXACT, method: "GET",
        lines: &[("origin", b"http://localhost:3001")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "other scheme not allowed", policy: EXACT, method: "GET",
        lines: &[("origin", b"http://app.example.com")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "null not allowed unless listed", policy: EXACT, method: "GET",
        lines: &[("origin", b"null")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "null allowed when listed", policy: r#"{"allow_origins":["null"]}"#, method: "GET",
        lines: &[("origin", b"null")], kind: "actual",
        headers: &[("access-control-allow-origin", "null"), ("vary", "Origin")], reason: None },
    Case { name: "two Origin lines: never allowed", policy: EXACT, method: "GET",
        lines: &[APP, APP], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::MultipleOrigins) },
    Case { name: "two Origin lines under *: never allowed", policy: r#"{"allow_origins":"*"}"#, method: "GET",
        lines: &[APP, APP], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::MultipleOrigins) },
    Case { name: "Origin list in one line: not serialized", policy: r#"{"allow_origins":"*"}"#, method: "GET",
        lines: &[("origin", b"https://a.com https://b.com")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotSerialized) },
    Case { name: "non-ASCII Origin bytes: not serialized", policy: r#"{"allow_origins":"*"}"#, method: "GET",
        lines: &[("origin", b"https://\xc3\xa9.example.com")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotSerialized) },
    Case { name: "* echoes nothing: ACAO * and no Vary", policy: r#"{"allow_origins":"*"}"#, method: "GET",
        lines: &[APP], kind: "actual", headers: &[("access-control-allow-origin", "*")], reason: None },
    Case { name: "* allows null", policy: r#"{"allow_origins":["*"]}"#, method: "GET",
        lines: &[("origin", b"null")], kind: "actual", headers: &[("access-control-allow-origin", "*")], reason: None },
    Case { name: "OPTIONS without ACRM is an actual request", policy: EXACT, method: "OPTIONS",
        lines: &[APP], kind: "actual", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-expose-headers", "x-total-count, x-page"), ("vary", "Origin")], reason: None },
    Case { name: "pattern subdomain", policy: r#"{"allow_origin_patterns":["https://*.example.com"]}"#, method: "GET",
        lines: &[("origin", b"https://a.b.example.com")], kind: "actual",
        headers: &[("access-control-allow-origin", "https://a.b.example.com"), ("vary", "Origin")], reason: None },
    Case { name: "pattern never matches the apex", policy: r#"{"allow_origin_patterns":["https://*.example.com"]}"#, method: "GET",
        lines: &[("origin", b"https://example.com")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "pattern vs look-alike suffix", policy: r#"{"allow_origin_patterns":["https://*.example.com"]}"#, method: "GET",
        lines: &[("origin", b"https://example.com.evil.test")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "pattern vs look-alike label", policy: r#"{"allow_origin_patterns":["https://*.example.com"]}"#, method: "GET",
        lines: &[("origin", b"https://evilexample.com")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "pattern default port only", policy: r#"{"allow_origin_patterns":["https://*.example.com"]}"#, method: "GET",
        lines: &[("origin", b"https://a.example.com:8443")], kind: "actual-refused", headers: &[("vary", "Origin")],
        reason: Some(Reason::OriginNotAllowed) },
    Case { name: "port wildcard", policy: r#"{"allow_origin_patterns":["http://localhost:*"]}"#, method: "GET",
        lines: &[("origin", b"http://localhost:5173")], kind: "actual",
        headers: &[("access-control-allow-origin", "http://localhost:5173"), ("vary", "Origin")], reason: None },
    Case { name: "port wildcard includes the default port", policy: r#"{"allow_origin_patterns":["http://localhost:*"]}"#, method: "GET",
        lines: &[("origin", b"http://localhost")], kind: "actual",
        headers: &[("access-control-allow-origin", "http://localhost"), ("vary", "Origin")], reason: None },
    // --- Preflights accepted ---
    Case { name: "preflight: method echoed, headers echoed as sent, max-age", policy: EXACT, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"PUT"), ("access-control-request-headers", b"Content-Type, x-request-id")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-methods", "PUT"), ("access-control-allow-headers", "Content-Type, x-request-id"),
            ("access-control-max-age", "600"), ("vary", VARY_PF)], reason: None },
    Case { name: "preflight for a safelisted method needs no listing", policy: r#"{"allow_origins":["https://app.example.com"]}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-methods", "GET"), ("vary", VARY_PF)], reason: None },
    Case { name: "ACRH split over lines and with empty elements is rebuilt", policy: EXACT, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"PATCH"), ("access-control-request-headers", b"content-type,,"),
            ("access-control-request-headers", b" X-Request-Id ")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-methods", "PATCH"), ("access-control-allow-headers", "content-type,X-Request-Id"),
            ("access-control-max-age", "600"), ("vary", VARY_PF)], reason: None },
    Case { name: "ACRH of only empty elements: no ACAH", policy: EXACT, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"PUT"), ("access-control-request-headers", b" , ")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-methods", "PUT"), ("access-control-max-age", "600"), ("vary", VARY_PF)], reason: None },
    Case { name: "credentials + wildcards: echoes, never *",
        policy: r#"{"allow_origins":["https://app.example.com"],"allow_methods":"*","allow_headers":"*","allow_credentials":true}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"PURGE"), ("access-control-request-headers", b"x-anything")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "https://app.example.com"),
            ("access-control-allow-credentials", "true"), ("access-control-allow-methods", "PURGE"),
            ("access-control-allow-headers", "x-anything"), ("vary", VARY_PF)], reason: None },
    Case { name: "authorization allowed by name under *",
        policy: r#"{"allow_origins":"*","allow_headers":["*","authorization"]}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET"), ("access-control-request-headers", b"authorization,x-a")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "*"),
            ("access-control-allow-methods", "GET"), ("access-control-allow-headers", "authorization,x-a"), ("vary", VARY_PF)], reason: None },
    Case { name: "preflight status 200", policy: r#"{"allow_origins":"*","preflight_status":200}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"POST")],
        kind: "preflight-200", headers: &[("access-control-allow-origin", "*"), ("access-control-allow-methods", "POST"), ("vary", VARY_PF)], reason: None },
    Case { name: "max-age 0 is sent", policy: r#"{"allow_origins":"*","max_age":0}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"POST")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "*"), ("access-control-allow-methods", "POST"),
            ("access-control-max-age", "0"), ("vary", VARY_PF)], reason: None },
    Case { name: "passthrough", policy: r#"{"allow_origins":"*","preflight_passthrough":true}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"POST")],
        kind: "preflight-passthrough", headers: &[("access-control-allow-origin", "*"), ("access-control-allow-methods", "POST"), ("vary", VARY_PF)], reason: None },
    Case { name: "private network answered when enabled", policy: r#"{"allow_origins":"*","allow_private_network":true}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET"), ("access-control-request-private-network", b"true")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "*"), ("access-control-allow-methods", "GET"),
            ("access-control-allow-private-network", "true"),
            ("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network")], reason: None },
    Case { name: "private network ignored when disabled", policy: r#"{"allow_origins":"*"}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET"), ("access-control-request-private-network", b"true")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "*"), ("access-control-allow-methods", "GET"), ("vary", VARY_PF)], reason: None },
    Case { name: "no ACEH on a preflight", policy: r#"{"allow_origins":"*","expose_headers":"*"}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET")],
        kind: "preflight-204", headers: &[("access-control-allow-origin", "*"), ("access-control-allow-methods", "GET"), ("vary", VARY_PF)], reason: None },
    // --- Preflights rejected: 403, Vary only ---
    Case { name: "method case matters", policy: EXACT, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"patch")], kind: "preflight-403", headers: &[("vary", VARY_PF)],
        reason: Some(Reason::MethodNotAllowed) },
    Case { name: "method not listed", policy: EXACT, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"DELETE")], kind: "preflight-403", headers: &[("vary", VARY_PF)],
        reason: Some(Reason::MethodNotAllowed) },
    Case { name: "forbidden method even under *", policy: r#"{"allow_origins":"*","allow_methods":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"connect")], kind: "preflight-403", headers: &[("vary", VARY_PF)],
        reason: Some(Reason::MethodForbidden) },
    Case { name: "method not a token", policy: r#"{"allow_origins":"*","allow_methods":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"GE T")], kind: "preflight-403", headers: &[("vary", VARY_PF)],
        reason: Some(Reason::MethodNotToken) },
    Case { name: "empty method", policy: r#"{"allow_origins":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"")], kind: "preflight-403", headers: &[("vary", VARY_PF)],
        reason: Some(Reason::MethodNotToken) },
    Case { name: "two ACRM lines", policy: r#"{"allow_origins":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"GET"), ("access-control-request-method", b"GET")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::MultipleRequestMethods) },
    Case { name: "origin refused", policy: EXACT, method: "OPTIONS",
        lines: &[("origin", b"https://evil.test"), ("access-control-request-method", b"PUT")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::OriginNotAllowed) },
    Case { name: "header not allowed", policy: EXACT, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"PUT"), ("access-control-request-headers", b"content-type,x-secret")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::HeaderNotAllowed) },
    Case { name: "header not a token", policy: r#"{"allow_origins":"*","allow_headers":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"GET"), ("access-control-request-headers", b"x-a, x:b")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::HeaderNotToken) },
    Case { name: "* never covers authorization", policy: r#"{"allow_origins":"*","allow_headers":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"GET"), ("access-control-request-headers", b"Authorization")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::HeaderNotAllowed) },
    Case { name: "too many ACRH lines", policy: r#"{"allow_origins":"*","allow_headers":"*"}"#, method: "OPTIONS",
        lines: &[APP, ("access-control-request-method", b"GET"),
            ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"),
            ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"),
            ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"),
            ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"),
            ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a"),
            ("access-control-request-headers", b"a"), ("access-control-request-headers", b"a")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::HeadersTooLarge(Limit::Lines)) },
    Case { name: "preflight with two Origins", policy: r#"{"allow_origins":"*"}"#, method: "OPTIONS",
        lines: &[APP, APP, ("access-control-request-method", b"GET")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::MultipleOrigins) },
    Case { name: "rejected even under passthrough", policy: r#"{"allow_origins":["https://a.example"],"preflight_passthrough":true}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET")],
        kind: "preflight-403", headers: &[("vary", VARY_PF)], reason: Some(Reason::OriginNotAllowed) },
    Case { name: "rejected preflight varies on PNA when enabled", policy: r#"{"allow_origins":["https://a.example"],"allow_private_network":true}"#,
        method: "OPTIONS", lines: &[APP, ("access-control-request-method", b"GET")],
        kind: "preflight-403", headers: &[("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network")],
        reason: Some(Reason::OriginNotAllowed) },
];

#[test]
fn every_rule() {
    let mut failures = Vec::new();
    for case in CASES {
        let seen = decide(&policy(case.policy), case.method, case.lines);
        let expected = Seen {
            kind: case.kind,
            headers: h(case.headers),
            reason: case.reason,
        };
        if seen != expected {
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  got      {seen:?}",
                case.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn header_names_compare_case_insensitively_at_scale() {
    let names: Vec<String> = (0..200).map(|i| format!("X-Custom-{i}")).collect();
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_headers(names)
        .build()
        .unwrap();
    let seen = decide(
        &cors,
        "OPTIONS",
        &[
            APP,
            ("access-control-request-method", b"GET"),
            ("access-control-request-headers", b"x-custom-7,X-CUSTOM-199"),
        ],
    );
    assert_eq!(seen.kind, "preflight-204");
    let seen = decide(
        &cors,
        "OPTIONS",
        &[
            APP,
            ("access-control-request-method", b"GET"),
            ("access-control-request-headers", b"x-custom-200"),
        ],
    );
    assert_eq!(seen.reason, Some(Reason::HeaderNotAllowed));
}

#[test]
fn a_thousand_origins_and_a_predicate() {
    let origins: Vec<String> = (0..1000)
        .map(|i| format!("https://app{i}.example.com"))
        .collect();
    let cors = Cors::builder()
        .allow_origins(origins)
        .allow_origin_predicate(|o| o.ends_with(".partner.test"))
        .build()
        .unwrap();
    for (origin, allowed) in [
        (&b"https://app999.example.com"[..], true),
        (b"https://app1000.example.com", false),
        (b"https://x.partner.test", true),
        (b"https://x.partner.test.evil", false),
    ] {
        let seen = decide(&cors, "GET", &[("origin", origin)]);
        assert_eq!(seen.kind == "actual", allowed, "{}", origin.escape_ascii());
    }
}

#[test]
fn header_lists_are_bounded_by_bytes_not_by_names() {
    let cors = policy(r#"{"allow_origins":"*","allow_headers":"*"}"#);
    let preflight = |acrh: &[u8]| {
        decide(
            &cors,
            "OPTIONS",
            &[
                APP,
                ("access-control-request-method", b"GET"),
                ("access-control-request-headers", acrh),
            ],
        )
    };
    let names = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|i| format!("x-h{i}"))
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes()
    };
    // A page that sets 500 custom headers: Chromium sends them as one sorted, lower-cased
    // line well under 8 KiB, and the policy judges it like any other list.
    let five_hundred = names(500);
    let seen = preflight(&five_hundred);
    assert_eq!(seen.kind, "preflight-204");
    let echoed = seen
        .headers
        .iter()
        .find(|(name, _)| *name == "access-control-allow-headers")
        .map(|(_, value)| value.as_bytes());
    assert_eq!(echoed, Some(&five_hundred[..]));

    // Hostile lists are refused by a size limit, never by a count of names.
    let commas = vec![b','; 4000];
    let ten_thousand = names(10_000);
    let seventeen_empty = vec![b','; 16];
    let huge = vec![b'a'; 64 * 1024];
    for (acrh, limit) in [
        (&commas, Limit::EmptyElements),
        (&seventeen_empty, Limit::EmptyElements),
        (&ten_thousand, Limit::Bytes),
        (&huge, Limit::Bytes),
    ] {
        assert_eq!(preflight(acrh).reason, Some(Reason::HeadersTooLarge(limit)));
    }
}

#[test]
fn rejection_reasons_name_the_value() {
    let cors = policy(EXACT);
    let mut req = CorsRequest::new(b"OPTIONS");
    req.add_origin(b"https://evil.test")
        .add_request_method(b"PUT");
    let decision = cors.decide(&req);
    let rejection = decision.rejection().unwrap();
    assert_eq!(rejection.value(), b"https://evil.test");
    assert_eq!(
        rejection.to_string(),
        "CORS: origin `https://evil.test` is not allowed by the policy"
    );
    let owned = rejection.clone().into_owned();
    assert_eq!(owned.reason(), Reason::OriginNotAllowed);

    let long = vec![b'x'; 10_000];
    let mut req = CorsRequest::new(b"GET");
    req.add_origin(&long);
    let owned = cors.decide(&req).rejection().unwrap().clone().into_owned();
    assert_eq!(owned.value().len(), fetch_cors::MAX_REJECTION_VALUE);
}

/// An `http` 1.x header map of these lines, in order (a name given twice gets two lines).
fn header_map(lines: &[(&'static str, &'static str)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in lines {
        map.append(*name, http::HeaderValue::from_static(value));
    }
    map
}

#[test]
fn the_http_reader_reads_preflight_headers_only_for_options() {
    use http::Method;
    let cors = policy(EXACT);
    let headers = header_map(&[
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "PUT"),
    ]);
    let get = http_kit::read(&Method::GET, &headers).0;
    assert!(!get.may_be_preflight());
    assert!(matches!(
        cors.decide(&get),
        Decision::Actual {
            rejection: None,
            ..
        }
    ));
    let options = http_kit::read(&Method::OPTIONS, &headers).0;
    assert!(options.is_preflight());
    assert!(matches!(
        cors.decide(&options),
        Decision::PreflightAccepted { .. }
    ));
}

/// `own` + `write_to` (and `write`): every header of the fullest preflight answer
/// (credentials, private network, max-age, a split header list) arrives in an `http` header
/// map, echoes share the request's bytes, and `Vary` is appended beside the handler's.
#[test]
fn http_headers_carry_every_header_of_the_fullest_answers() {
    use http::{HeaderMap, HeaderValue, Method};
    let cors = Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT"])
        .allow_headers(["x-a", "x-b"])
        .expose_headers(["x-total"])
        .allow_credentials(true)
        .allow_private_network(true)
        .max_age(600)
        .build()
        .unwrap();
    let request = header_map(&[
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "x-a"),
        ("access-control-request-headers", "x-b"),
        ("access-control-request-private-network", "true"),
    ]);
    let (req, echoes) = http_kit::read(&Method::OPTIONS, &request);
    let decision = cors.decide(&req);
    let http = http_kit::own(decision.headers(), &echoes);
    let mut response = HeaderMap::new();
    response.insert("vary", HeaderValue::from_static("accept-encoding"));
    http.write_to(&mut response);
    let get = |name: &str| {
        response
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        get("access-control-allow-origin"),
        ["https://app.example.com"]
    );
    assert_eq!(
        response["access-control-allow-origin"].as_bytes().as_ptr(),
        request["origin"].as_bytes().as_ptr(),
        "the echo shares the request's bytes"
    );
    assert_eq!(get("access-control-allow-credentials"), ["true"]);
    assert_eq!(get("access-control-allow-methods"), ["PUT"]);
    assert_eq!(get("access-control-allow-headers"), ["x-a,x-b"]);
    assert_eq!(get("access-control-max-age"), ["600"]);
    assert_eq!(get("access-control-allow-private-network"), ["true"]);
    assert_eq!(
        get("vary"),
        [
            "accept-encoding",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
             Access-Control-Request-Private-Network"
        ]
    );
    assert!(response.get("access-control-expose-headers").is_none());
    // `write` writes the same, without the owned copy (four owned values here: two of
    // them past `HttpHeaders`' inline room).
    let mut direct = HeaderMap::new();
    direct.insert("vary", HeaderValue::from_static("accept-encoding"));
    http_kit::write(decision.headers(), &echoes, &mut direct);
    assert_eq!(direct, response);

    // The actual request: origin, credentials, exposed headers and `Vary: Origin`; a
    // handler's own `access-control-*` header is replaced.
    let (req, echoes) = http_kit::read(&Method::GET, &request);
    let mut response = HeaderMap::new();
    response.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    http_kit::own(cors.decide(&req).headers(), &echoes).write_to(&mut response);
    assert_eq!(response.len(), 4);
    assert_eq!(
        response["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(response["access-control-allow-credentials"], "true");
    assert_eq!(response["access-control-expose-headers"], "x-total");
    assert_eq!(response["vary"], "Origin");
}

#[test]
fn debug_mode_answers_refusals_so_the_browser_names_the_refused_part() {
    const VARY: (&str, &str) = ("vary", VARY_PF);
    let lines = |origin: &'static [u8], method: &'static [u8], headers: &'static [u8]| {
        vec![
            ("origin", origin),
            ("access-control-request-method", method),
            ("access-control-request-headers", headers),
        ]
    };
    let app = b"https://app.example.com";
    for (json, request, kind, expected, reason) in [
        // A refused origin: no Access-Control-Allow-Origin, the rest as the policy answers.
        (
            r#"{"allow_origins": ["https://app.example.com"], "allow_methods": ["PUT"], "debug": true}"#,
            lines(b"https://evil.example", b"PUT", b""),
            "preflight-refused-2xx",
            vec![("access-control-allow-methods", "PUT"), VARY],
            Reason::OriginNotAllowed,
        ),
        // A refused method: no Access-Control-Allow-Methods.
        (
            r#"{"allow_origins": ["https://app.example.com"], "allow_methods": ["PUT"], "allow_headers": ["x-a"], "allow_credentials": true, "debug": true}"#,
            lines(app, b"PATCH", b"x-a"),
            "preflight-refused-2xx",
            vec![
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-headers", "x-a"),
                VARY,
            ],
            Reason::MethodNotAllowed,
        ),
        // A refused header: only the requested names the policy allows.
        (
            r#"{"allow_origins": ["https://app.example.com"], "allow_headers": ["x-a", "x-b"], "max_age": 600, "preflight_status": 200, "debug": true}"#,
            lines(app, b"GET", b"x-a,x-secret,x-b"),
            "preflight-refused-2xx",
            vec![
                ("access-control-allow-origin", "https://app.example.com"),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-headers", "x-a,x-b"),
                ("access-control-max-age", "600"),
                VARY,
            ],
            Reason::HeaderNotAllowed,
        ),
        // `Authorization` under the wildcard: every other requested name, not it.
        (
            r#"{"allow_origins": "*", "allow_headers": "*", "debug": true}"#,
            lines(app, b"GET", b"authorization,x-any"),
            "preflight-refused-2xx",
            vec![
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "GET"),
                ("access-control-allow-headers", "x-any"),
                VARY,
            ],
            Reason::HeaderNotAllowed,
        ),
        // Without debug, the same refusal is a 403 with `Vary` only.
        (
            r#"{"allow_origins": "*", "allow_headers": "*"}"#,
            lines(app, b"GET", b"authorization,x-any"),
            "preflight-403",
            vec![VARY],
            Reason::HeaderNotAllowed,
        ),
    ] {
        let seen = decide(&policy(json), "OPTIONS", &request);
        assert_eq!(seen.kind, kind, "{json}");
        assert_eq!(seen.headers, h(&expected), "{json}");
        assert_eq!(seen.reason, Some(reason), "{json}");
    }
    // Accepted preflights and actual requests are the same with or without debug.
    let quiet =
        policy(r#"{"allow_origins": ["https://app.example.com"], "allow_methods": ["PUT"]}"#);
    let loud = policy(
        r#"{"allow_origins": ["https://app.example.com"], "allow_methods": ["PUT"], "debug": true}"#,
    );
    for (method, request) in [
        ("OPTIONS", lines(app, b"PUT", b"")),
        ("GET", vec![("origin", &b"https://evil.example"[..])]),
    ] {
        let (a, b) = (
            decide(&quiet, method, &request),
            decide(&loud, method, &request),
        );
        assert_eq!((a.kind, a.headers, a.reason), (b.kind, b.headers, b.reason));
    }
}
