//! Bad configuration is a typed error naming the field, the value and the fix; never a
//! panic, never silently accepted. Each invalid policy below, from JSON or from the
//! builder, and the exact problems it gets.

use cors_core::{Config, ConfigError, Cors, Field, Problem};

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
            vec![Problem::InvalidOriginPattern {
                value: "https://*.com".into(),
                why: "`*.` must stand in front of a domain of at least two labels, never a \
                      top-level domain alone",
                fix: "write `https://*.example.com`, or list origins one by one".into(),
            }],
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
    ] {
        let config: Config = serde_json::from_str(json).unwrap();
        assert!(Cors::try_from(config).is_ok(), "{json}");
    }
}
