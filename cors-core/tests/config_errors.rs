//! Bad configuration is a typed error naming the field, the value and the fix; never a
//! panic, never silently accepted. Each invalid policy below, from JSON or from the
//! builder, and the exact problems it gets.

use fetch_cors::{Config, ConfigError, Cors, Field, Problem};

fn from_json(json: &str) -> ConfigError {
    let config: Config = serde_json::from_str(json).expect("parses");
    Cors::try_from(config).expect_err("must be refused")
}

fn origin(value: &str, why: &'static str, fix: &str) -> Problem {
    Problem::InvalidOrigin {
        field: Field::AllowOrigins,
        value: value.into(),
        why,
        fix: fix.into(),
    }
}

fn pattern(value: &str, why: &'static str) -> Problem {
    Problem::InvalidOriginPattern {
        value: value.into(),
        why,
        fix: "write `https://*.example.com` (any subdomain), `http://localhost:*` (any port) or \
              `https://*.example.com:*` (both)"
            .into(),
    }
}

fn suffix(value: &str, suffix: &str) -> Problem {
    Problem::PublicSuffixPattern {
        value: value.into(),
        suffix: suffix.into(),
    }
}

fn rewritten(field: Field, value: &str, sent: &str) -> Problem {
    Problem::NeverSent {
        field,
        value: value.into(),
        why: "the URL parser rewrites its host, and browsers send what it writes",
        fix: format!("write `{sent}`"),
    }
}

const IPV4: &str = "its host ends in a number, so the URL parser reads it as an IPv4 address, \
                    and it is not one (a part above 255, more than four parts, or a part that \
                    is not a number)";
const IPV6: &str = "its IPv6 address does not parse";
const IDNA: &str = "its host is not a valid internationalised domain name (a label after \
                    `xn--` that is not valid punycode, or a character IDNA forbids)";
const HYPHEN: &str = "a label of its host begins or ends with `-`, which no DNS host name does \
                      (RFC 1123 §2.1)";

fn never(field: Field, value: &str, why: &'static str) -> Problem {
    Problem::NeverSent {
        field,
        value: value.into(),
        why,
        fix: "no browser can send it; remove it".into(),
    }
}

fn insecure(field: Field, value: &str) -> Problem {
    Problem::InsecureOriginWithCredentials {
        field,
        value: value.into(),
        why: "it is served over plain HTTP, so anyone on the network path can speak for it and \
              read credentialed responses",
        fix: format!(
            "write `{}`, or set dangerously_tolerate_insecure_origins: true",
            value.replacen("http://", "https://", 1)
        ),
    }
}

#[test]
fn invalid_json_policies() {
    let cases: Vec<(&str, Vec<Problem>)> = vec![
        (
            r#"{"allow_origins": "*", "allow_credentials": true}"#,
            vec![Problem::AnyOriginWithCredentials],
        ),
        (
            r#"{"allow_origins": ["*", "https://a.com"]}"#,
            vec![Problem::WildcardBesideOthers {
                field: Field::AllowOrigins,
                value: "https://a.com".into(),
                fix: "write `*` alone, or list origins without `*`",
            }],
        ),
        (
            r#"{"allow_origins": "*", "allow_origin_patterns": ["https://*.a.com"]}"#,
            vec![Problem::AnyOriginWithOtherRules {
                field: Field::AllowOriginPatterns,
            }],
        ),
        (
            r#"{"allow_origins": ["https://example.com/"]}"#,
            vec![origin(
                "https://example.com/",
                "it has a path, query or fragment (a trailing slash counts)",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["https://example.com/app"]}"#,
            vec![origin(
                "https://example.com/app",
                "it has a path, query or fragment (a trailing slash counts)",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["https://example.com?x=1"]}"#,
            vec![origin(
                "https://example.com?x=1",
                "it has a path, query or fragment (a trailing slash counts)",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["example.com"]}"#,
            vec![origin(
                "example.com",
                "it has no scheme (such as `https://`)",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["HTTPS://example.com"]}"#,
            vec![origin(
                "HTTPS://example.com",
                "its scheme is not lower-case",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["https://Example.com"]}"#,
            vec![origin(
                "https://Example.com",
                "its host is not lower-case",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["https://example.com:443"]}"#,
            vec![origin(
                "https://example.com:443",
                "it writes out the scheme's default port, which a serialized origin omits",
                "write `https://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["http://example.com:80"]}"#,
            vec![origin(
                "http://example.com:80",
                "it writes out the scheme's default port, which a serialized origin omits",
                "write `http://example.com`",
            )],
        ),
        (
            r#"{"allow_origins": ["https://*.example.com"]}"#,
            vec![origin(
                "https://*.example.com",
                "it has a wildcard, which only allow_origin_patterns takes",
                "move it to allow_origin_patterns",
            )],
        ),
        (
            r#"{"allow_origin_patterns": ["https://*.com"]}"#,
            vec![suffix("https://*.com", "com")],
        ),
        (
            r#"{"allow_origin_patterns": ["https://*.co.uk", "https://*.github.io"], "allow_credentials": true}"#,
            vec![
                suffix("https://*.co.uk", "co.uk"),
                suffix("https://*.github.io", "github.io"),
            ],
        ),
        (
            r#"{"allow_origin_patterns": ["https://*.kawasaki.jp"]}"#,
            vec![suffix("https://*.kawasaki.jp", "*.kawasaki.jp")],
        ),
        (
            r#"{"allow_origins": ["https://0x7f.1", "https://0127.0.0.1:8443", "http://[::ffff:127.0.0.1]", "http://[0:0:0:0:0:0:0:1]:3000"]}"#,
            vec![
                rewritten(Field::AllowOrigins, "https://0x7f.1", "https://127.0.0.1"),
                rewritten(
                    Field::AllowOrigins,
                    "https://0127.0.0.1:8443",
                    "https://87.0.0.1:8443",
                ),
                rewritten(
                    Field::AllowOrigins,
                    "http://[::ffff:127.0.0.1]",
                    "http://[::ffff:7f00:1]",
                ),
                rewritten(
                    Field::AllowOrigins,
                    "http://[0:0:0:0:0:0:0:1]:3000",
                    "http://[::1]:3000",
                ),
            ],
        ),
        (
            r#"{"allow_origins": ["https://999.1.1.1", "https://1.2.3.4.5", "http://[1::2::3]", "http://[:]", "https://xn--", "https://-"]}"#,
            vec![
                never(Field::AllowOrigins, "https://999.1.1.1", IPV4),
                never(Field::AllowOrigins, "https://1.2.3.4.5", IPV4),
                never(Field::AllowOrigins, "http://[1::2::3]", IPV6),
                never(Field::AllowOrigins, "http://[:]", IPV6),
                never(Field::AllowOrigins, "https://xn--", IDNA),
                never(Field::AllowOrigins, "https://-", HYPHEN),
            ],
        ),
        (
            r#"{"allow_origin_patterns": ["https://*.a.0x1", "https://*.xn--", "http://0x7f.1:*"]}"#,
            vec![
                never(Field::AllowOriginPatterns, "https://*.a.0x1", IPV4),
                never(Field::AllowOriginPatterns, "https://*.xn--", IDNA),
                rewritten(
                    Field::AllowOriginPatterns,
                    "http://0x7f.1:*",
                    "http://127.0.0.1:*",
                ),
            ],
        ),
        (
            r#"{"allow_origins": ["http://app.example.com", "null", "https://ok.example.com"], "allow_origin_patterns": ["http://*.example.com:*"], "allow_credentials": true}"#,
            vec![
                insecure(Field::AllowOrigins, "http://app.example.com"),
                Problem::InsecureOriginWithCredentials {
                    field: Field::AllowOrigins,
                    value: "null".into(),
                    why: "every sandboxed iframe and every `file:` or `data:` page sends \
                          `null`, so any of them could read credentialed responses",
                    fix: "remove it, or set dangerously_tolerate_insecure_origins: true".into(),
                },
                insecure(Field::AllowOriginPatterns, "http://*.example.com:*"),
            ],
        ),
        (
            r#"{"allow_origin_patterns": ["https://*"]}"#,
            vec![pattern(
                "https://*",
                "a wildcard may only be the whole leftmost label (`*.`) or the whole port (`:*`)",
            )],
        ),
        (
            r#"{"allow_origin_patterns": ["https://a.*.example.com"]}"#,
            vec![pattern(
                "https://a.*.example.com",
                "a wildcard may only be the whole leftmost label (`*.`) or the whole port (`:*`)",
            )],
        ),
        (
            r#"{"allow_origin_patterns": ["https://*example.com"]}"#,
            vec![pattern(
                "https://*example.com",
                "a wildcard may only be the whole leftmost label (`*.`) or the whole port (`:*`)",
            )],
        ),
        (
            r#"{"allow_origin_patterns": ["https://example.com"]}"#,
            vec![Problem::InvalidOriginPattern {
                value: "https://example.com".into(),
                why: "it has no wildcard",
                fix: "put exact origins in allow_origins".into(),
            }],
        ),
        (
            r#"{"allow_methods": ["CONNECT", "trace"]}"#,
            vec![
                Problem::ForbiddenMethod {
                    value: "CONNECT".into(),
                },
                Problem::ForbiddenMethod {
                    value: "trace".into(),
                },
            ],
        ),
        (
            r#"{"allow_methods": ["put"]}"#,
            vec![Problem::MethodNotNormalized {
                value: "put".into(),
                fix: "PUT".into(),
            }],
        ),
        (
            r#"{"allow_methods": ["BAD METHOD", ""]}"#,
            vec![
                Problem::InvalidMethod {
                    value: "BAD METHOD".into(),
                },
                Problem::InvalidMethod { value: "".into() },
            ],
        ),
        (
            r#"{"allow_methods": ["*", "PUT"]}"#,
            vec![Problem::WildcardBesideOthers {
                field: Field::AllowMethods,
                value: "PUT".into(),
                fix: "write `*` alone, or list methods without `*`",
            }],
        ),
        (
            r#"{"allow_headers": ["cookie", "Sec-Fetch-Mode", "proxy-x"]}"#,
            vec![
                Problem::ForbiddenRequestHeader {
                    value: "cookie".into(),
                },
                Problem::ForbiddenRequestHeader {
                    value: "Sec-Fetch-Mode".into(),
                },
                Problem::ForbiddenRequestHeader {
                    value: "proxy-x".into(),
                },
            ],
        ),
        (
            r#"{"allow_headers": ["bad header", "x:y"]}"#,
            vec![
                Problem::InvalidHeaderName {
                    field: Field::AllowHeaders,
                    value: "bad header".into(),
                },
                Problem::InvalidHeaderName {
                    field: Field::AllowHeaders,
                    value: "x:y".into(),
                },
            ],
        ),
        (
            r#"{"allow_headers": ["*", "x-a"]}"#,
            vec![Problem::WildcardBesideOthers {
                field: Field::AllowHeaders,
                value: "x-a".into(),
                fix: "`*` covers every name but `authorization`: write `*` alone, or `*` and \
                      `authorization`",
            }],
        ),
        (
            r#"{"expose_headers": ["set-cookie"]}"#,
            vec![Problem::ForbiddenResponseHeader {
                value: "set-cookie".into(),
            }],
        ),
        (
            r#"{"allow_origins": ["https://a.com"], "expose_headers": "*", "allow_credentials": true}"#,
            vec![Problem::AnyExposedHeaderWithCredentials],
        ),
        (
            r#"{"max_age": 86401}"#,
            vec![Problem::MaxAgeOutOfRange { value: 86401 }],
        ),
        (
            r#"{"max_age": -1}"#,
            vec![Problem::MaxAgeOutOfRange { value: -1 }],
        ),
        (
            r#"{"preflight_status": 199}"#,
            vec![Problem::PreflightStatusOutOfRange { value: 199 }],
        ),
        (
            r#"{"preflight_status": 300}"#,
            vec![Problem::PreflightStatusOutOfRange { value: 300 }],
        ),
        (
            r#"{"allow_origins": ["https://ok.com", "nope"], "allow_methods": ["TRACK"], "max_age": 100000}"#,
            vec![
                origin(
                    "nope",
                    "it has no scheme (such as `https://`)",
                    "write `https://nope`",
                ),
                Problem::ForbiddenMethod {
                    value: "TRACK".into(),
                },
                Problem::MaxAgeOutOfRange { value: 100000 },
            ],
        ),
    ];
    assert!(cases.len() >= 25);
    for (json, expected) in cases {
        let err = from_json(json);
        assert_eq!(err.problems(), expected.as_slice(), "{json}");
        // One line per problem, each naming its field, its value and a fix.
        let text = err.to_string();
        assert_eq!(text.lines().count(), expected.len(), "{json}");
        for (line, problem) in text.lines().zip(err.problems()) {
            assert!(line.starts_with(problem.field().as_str()), "{line}");
            assert!(
                ["write", "remove", "list", "put", "move", "use"]
                    .iter()
                    .any(|fix| line.contains(fix)),
                "no fix in: {line}"
            );
        }
    }
}

#[test]
fn invalid_builder_policies() {
    let err = Cors::builder()
        .allow_any_origin()
        .allow_origin_predicate(|_| true)
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [Problem::AnyOriginWithOtherRules {
            field: Field::AllowOriginPredicate
        }]
    );
    assert!(err.to_string().starts_with("allow_origin_predicate: "));

    let err = Cors::builder()
        .allow_origin("https://a.com")
        .preflight_status(404)
        .max_age(u64::MAX)
        .build()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        [
            Problem::MaxAgeOutOfRange { value: i64::MAX },
            Problem::PreflightStatusOutOfRange { value: 404 },
        ]
    );
    assert_eq!(
        err.one_line(),
        err.to_string().replace('\n', "; "),
        "one_line joins the lines"
    );

    let err = Cors::builder().expose_headers(["x a"]).build().unwrap_err();
    assert_eq!(
        err.problems(),
        [Problem::InvalidHeaderName {
            field: Field::ExposeHeaders,
            value: "x a".into()
        }]
    );
}

#[test]
fn a_policy_document_is_one_object() {
    for document in [
        "[]",
        r#"[["https://foo.com"],[],[],[],[],true]"#,
        r#""https://foo.com""#,
        "42",
        "null",
    ] {
        let err = serde_json::from_str::<Config>(document)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid type") && err.contains("a policy: one object of fields"),
            "{document}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{document}");
    }
    assert!(serde_json::from_str::<Config>("").is_err());
    // TOML's top level is always a table; a type error inside still names its field.
    let err = toml::from_str::<Config>("allow_credentials = [true]").unwrap_err();
    assert!(err.to_string().contains("allow_credentials"), "{err}");
}

#[test]
fn the_dangerous_settings_tolerate_one_thing_each() {
    // Tolerating insecure origins does not tolerate public suffixes, nor the reverse.
    let err = from_json(
        r#"{"allow_origin_patterns": ["http://*.co.uk"], "allow_credentials": true, "dangerously_tolerate_insecure_origins": true}"#,
    );
    assert_eq!(err.problems(), [suffix("http://*.co.uk", "co.uk")]);
    let err = from_json(
        r#"{"allow_origin_patterns": ["http://*.co.uk"], "allow_credentials": true, "dangerously_tolerate_public_suffixes": true}"#,
    );
    assert_eq!(
        err.problems(),
        [insecure(Field::AllowOriginPatterns, "http://*.co.uk")]
    );
    // A tolerated policy behaves as configured: a `*.co.uk` site is allowed.
    let config: Config = serde_json::from_str(
        r#"{"allow_origin_patterns": ["https://*.co.uk"], "dangerously_tolerate_public_suffixes": true}"#,
    )
    .unwrap();
    let cors = Cors::try_from(config).unwrap();
    let mut req = fetch_cors::CorsRequest::new(b"GET");
    req.add_origin(b"https://anyone.co.uk");
    assert!(cors.decide(&req).rejection().is_none());
}

#[test]
fn valid_edge_cases_are_accepted() {
    for json in [
        "{}",
        r#"{"allow_origins": ["null"]}"#,
        r#"{"allow_headers": ["*", "Authorization"]}"#,
        r#"{"allow_origins": ["https://a.com"], "allow_methods": "*", "allow_headers": "*", "allow_credentials": true}"#,
        r#"{"allow_methods": ["patch", "PURGE"]}"#,
        r#"{"max_age": 0, "preflight_status": 200}"#,
        r#"{"max_age": 86400, "preflight_status": 299}"#,
        r#"{"allow_origin_patterns": ["https://*.example.com:*", "http://[::1]:*", "http://127.0.0.1:*"]}"#,
        // `*.localhost` names resolve to loopback in browsers: valid, with credentials too.
        r#"{"allow_origin_patterns": ["http://*.localhost:*", "https://*.localhost"], "allow_credentials": true}"#,
        r#"{"allow_origins": ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173", "http://app.localhost"], "allow_origin_patterns": ["http://localhost:*"], "allow_credentials": true}"#,
        r#"{"allow_origin_patterns": ["https://*.example.co.uk", "https://*.me.github.io"]}"#,
        // What the dangerous settings tolerate, and only that.
        r#"{"allow_origin_patterns": ["https://*.co.uk", "https://*.com"], "dangerously_tolerate_public_suffixes": true}"#,
        r#"{"allow_origins": ["http://intranet.example", "null"], "allow_origin_patterns": ["http://*.intranet.example"], "allow_credentials": true, "dangerously_tolerate_insecure_origins": true}"#,
        r#"{"allow_origins": ["http://app.example.com", "null"]}"#,
        r#"{"allow_origins": ["chrome-extension://abcdefghijklmnop"], "allow_credentials": true}"#,
    ] {
        let config: Config = serde_json::from_str(json).unwrap();
        assert!(Cors::try_from(config).is_ok(), "{json}");
    }
}
