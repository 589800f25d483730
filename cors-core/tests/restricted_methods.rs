//! A policy restricted to the methods its framework can receive
//! ([`Cors::restrict_methods`]): what its preflights and actual requests get.

use fetch_cors::{Config, Cors, CorsHeader, CorsRequest, Decision, Field, Problem, Reason};

/// What Rocket 0.5 can receive: its method enum's variants, spelled exactly so.
fn rocket_like(method: &[u8]) -> bool {
    matches!(
        method,
        b"GET"
            | b"PUT"
            | b"POST"
            | b"DELETE"
            | b"OPTIONS"
            | b"HEAD"
            | b"TRACE"
            | b"CONNECT"
            | b"PATCH"
    )
}

fn preflight<'a>(cors: &'a Cors, method: &'a [u8]) -> Decision<'a> {
    let mut req = CorsRequest::new(b"OPTIONS");
    req.add_origin(b"https://app.example.com")
        .add_request_method(method);
    cors.decide(&req)
}

fn any_method(credentials: bool) -> Cors {
    let builder = if credentials {
        Cors::builder()
            .allow_origin("https://app.example.com")
            .allow_credentials(true)
    } else {
        Cors::builder().allow_any_origin()
    };
    builder.allow_any_method().build().unwrap()
}

#[test]
fn a_restricted_wildcard_refuses_what_the_framework_cannot_receive() {
    for credentials in [false, true] {
        let cors = any_method(credentials)
            .restrict_methods("Rocket 0.5", rocket_like)
            .unwrap();
        for method in [&b"patch"[..], b"Patch", b"PURGE", b"QUERY", b"put"] {
            let decision = preflight(&cors, method);
            assert!(
                matches!(decision, Decision::PreflightRejected { .. }),
                "{}: {decision:?}",
                method.escape_ascii()
            );
            assert_eq!(decision.respond_now().map(|s| s.as_u16()), Some(403));
            let rejection = decision.rejection().unwrap();
            assert_eq!(rejection.reason(), Reason::MethodNotReceivable);
            assert_eq!(rejection.value(), method);
            // Only `Vary`, as for every refused preflight.
            let names: Vec<_> = decision.headers().iter().map(|(n, _)| n).collect();
            assert_eq!(names, [CorsHeader::Vary]);
        }
        for method in [&b"PATCH"[..], b"PUT", b"DELETE", b"GET", b"HEAD", b"POST"] {
            let decision = preflight(&cors, method);
            assert!(
                matches!(decision, Decision::PreflightAccepted { .. }),
                "{}: {decision:?}",
                method.escape_ascii()
            );
            let allowed = decision.headers().get(CorsHeader::AllowMethods).unwrap();
            assert_eq!(allowed.as_bytes(), method);
        }
        // Forbidden methods keep their own reason: they are refused before the framework
        // is asked.
        let decision = preflight(&cors, b"TRACE");
        assert_eq!(
            decision.rejection().unwrap().reason(),
            Reason::MethodForbidden
        );
    }
}

#[test]
fn the_reason_says_why_in_one_line() {
    let cors = any_method(false)
        .restrict_methods("Rocket 0.5", rocket_like)
        .unwrap();
    let decision = preflight(&cors, b"patch");
    assert_eq!(
        decision.rejection().unwrap().to_string(),
        "CORS: method `patch` never reaches the handler: the server's framework answers it \
         with an error of its own before CORS runs"
    );
    assert_eq!(Reason::MethodNotReceivable.subject(), "method");
}

#[test]
fn an_unrestricted_wildcard_and_a_receivable_list_decide_as_before() {
    let any = any_method(false);
    for method in [&b"patch"[..], b"PURGE"] {
        assert!(matches!(
            preflight(&any, method),
            Decision::PreflightAccepted { .. }
        ));
    }
    let listed = Cors::builder()
        .allow_any_origin()
        .allow_methods(["PATCH"])
        .build()
        .unwrap();
    let restricted = listed.restrict_methods("Rocket 0.5", rocket_like).unwrap();
    for cors in [&listed, &restricted] {
        assert!(matches!(
            preflight(cors, b"PATCH"),
            Decision::PreflightAccepted { .. }
        ));
        // Not listed: the policy's own refusal, not the framework's.
        assert_eq!(
            preflight(cors, b"PURGE").rejection().unwrap().reason(),
            Reason::MethodNotAllowed
        );
    }
}

#[test]
fn actual_requests_are_not_affected() {
    // The method of an actual request is not the policy's business (Fetch #http-responses):
    // a framework that cannot receive it never asks, and one that can gets the usual headers.
    let cors = any_method(false)
        .restrict_methods("Rocket 0.5", rocket_like)
        .unwrap();
    let mut req = CorsRequest::new(b"PURGE");
    req.add_origin(b"https://app.example.com");
    let decision = cors.decide(&req);
    assert!(matches!(
        decision,
        Decision::Actual {
            rejection: None,
            ..
        }
    ));
}

#[test]
fn restricting_again_replaces_the_restriction() {
    let cors = any_method(false)
        .restrict_methods("Nothing 1.0", |_| false)
        .unwrap()
        .restrict_methods("Rocket 0.5", rocket_like)
        .unwrap();
    assert!(matches!(
        preflight(&cors, b"PATCH"),
        Decision::PreflightAccepted { .. }
    ));
    assert_eq!(
        preflight(&cors, b"PURGE").rejection().unwrap().reason(),
        Reason::MethodNotReceivable
    );
}

#[test]
fn methods_a_framework_cannot_receive() {
    let not_receivable = |value: &str, fix: &str| Problem::MethodNotReceivable {
        value: value.into(),
        framework: "Rocket 0.5",
        fix: fix.into(),
    };
    let upper = |m: &str| {
        format!("write `{m}` (and send it upper-case), or serve this route with another framework")
    };
    let remove = "remove it, or serve this route with another framework";
    let cases: Vec<(&str, Vec<Problem>)> = vec![
        (
            r#"["patch"]"#,
            vec![not_receivable("patch", &upper("PATCH"))],
        ),
        (
            r#"["Patch"]"#,
            vec![not_receivable("Patch", &upper("PATCH"))],
        ),
        (r#"["PURGE"]"#, vec![not_receivable("PURGE", remove)]),
        (r#"["purge"]"#, vec![not_receivable("purge", remove)]),
        (
            r#"["PUT", "patch", "PATCH", "QUERY", "GET"]"#,
            vec![
                not_receivable("patch", &upper("PATCH")),
                not_receivable("QUERY", remove),
            ],
        ),
    ];
    for (methods, expected) in cases {
        let json = format!(r#"{{"allow_origins": "*", "allow_methods": {methods}}}"#);
        let config: Config = serde_json::from_str(&json).expect("parses");
        let cors = Cors::try_from(config).expect("valid for fetch-cors alone");
        let err = cors
            .restrict_methods("Rocket 0.5", rocket_like)
            .expect_err(&json);
        assert_eq!(err.problems(), expected, "{json}");
        assert!(err
            .problems()
            .iter()
            .all(|p| p.field() == Field::AllowMethods));
    }

    let err = Cors::builder()
        .allow_any_origin()
        .allow_method("patch")
        .build()
        .unwrap()
        .restrict_methods("Rocket 0.5", rocket_like)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "allow_methods: `patch` can never reach the handler, because Rocket 0.5 answers a \
         request with this method with an error of its own before CORS runs; write `PATCH` \
         (and send it upper-case), or serve this route with another framework"
    );

    // Receivable lists, no list, and `*` are accepted.
    for methods in [r#"["PUT", "PATCH", "DELETE"]"#, "[]", r#""*""#, r#"["*"]"#] {
        let json = format!(r#"{{"allow_origins": "*", "allow_methods": {methods}}}"#);
        let config: Config = serde_json::from_str(&json).expect("parses");
        let cors = Cors::try_from(config).expect("valid");
        assert!(
            cors.restrict_methods("Rocket 0.5", rocket_like).is_ok(),
            "{json}"
        );
    }
    // Safelisted methods are never asked about: a framework is assumed to receive them.
    let cors = Cors::builder()
        .allow_any_origin()
        .allow_methods(["GET", "HEAD", "POST"])
        .build()
        .unwrap();
    assert!(cors.restrict_methods("Nothing 1.0", |_| false).is_ok());
}
