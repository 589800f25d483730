//! A live policy: replaced whole and atomically while serving, an invalid replacement
//! refused without a change, and an outside origin check that decides only what the lists
//! leave undecided.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use fetch_cors::{
    Config, Cors, CorsHeader, CorsRequest, CorsSource, Decision, LiveCors, OriginCheck,
};

fn preflight<'a>(origin: &'a [u8], method: &'a [u8]) -> CorsRequest<'a> {
    let mut req = CorsRequest::new(b"OPTIONS");
    req.add_origin(origin).add_request_method(method);
    req
}

fn config(json: &str) -> Config {
    serde_json::from_str(json).unwrap()
}

#[test]
fn a_replacement_changes_every_part_of_the_answer_at_once() {
    let a = Cors::builder()
        .allow_origin("https://a.example")
        .allow_methods(["PUT"])
        .max_age(10)
        .build()
        .unwrap();
    let live = LiveCors::new(a);
    let shared = CorsSource::from(live.clone());
    live.reconfigure(config(
        r#"{"allow_origins": ["https://b.example"], "allow_methods": ["PATCH"],
            "allow_credentials": true, "max_age": 20}"#,
    ))
    .unwrap();
    let current = shared.load();
    let refused = current.decide(&preflight(b"https://a.example", b"PUT"));
    assert_eq!(refused.respond_now().map(|s| s.as_u16()), Some(403));
    let req = preflight(b"https://b.example", b"PATCH");
    let accepted = current.decide(&req);
    let headers = accepted.headers();
    assert_eq!(
        headers.get(CorsHeader::AllowOrigin).unwrap().as_bytes(),
        b"https://b.example"
    );
    assert_eq!(
        headers.get(CorsHeader::AllowMethods).unwrap().as_bytes(),
        b"PATCH"
    );
    assert_eq!(
        headers
            .get(CorsHeader::AllowCredentials)
            .unwrap()
            .as_bytes(),
        b"true"
    );
    assert_eq!(headers.get(CorsHeader::MaxAge).unwrap().as_bytes(), b"20");
}

#[test]
fn an_invalid_replacement_is_refused_and_changes_nothing() {
    let live = LiveCors::new(
        Cors::builder()
            .allow_origin("https://a.example")
            .build()
            .unwrap(),
    );
    let err = live
        .reconfigure(config(
            r#"{"allow_origins": "*", "allow_credentials": true}"#,
        ))
        .unwrap_err();
    assert!(err.to_string().contains("allow_credentials"), "{err}");
    assert!(live.load().allows_origin(b"https://a.example"));
    assert!(!live.load().allows_origin(b"https://b.example"));
}

#[test]
fn a_request_in_progress_keeps_the_policy_it_started_with() {
    let live = LiveCors::new(
        Cors::builder()
            .allow_origin("https://a.example")
            .build()
            .unwrap(),
    );
    let started = live.load();
    live.replace(
        Cors::builder()
            .allow_origin("https://b.example")
            .build()
            .unwrap(),
    )
    .unwrap();
    assert!(started.allows_origin(b"https://a.example"));
    assert!(live.load().allows_origin(b"https://b.example"));
    assert!(!live.load().allows_origin(b"https://a.example"));
}

#[test]
fn a_framework_restriction_holds_for_every_replacement() {
    fn can_receive(method: &[u8]) -> bool {
        matches!(method, b"PUT" | b"PATCH" | b"DELETE" | b"OPTIONS")
    }
    let live = LiveCors::new(Cors::builder().allow_any_origin().build().unwrap());
    let source = CorsSource::from(live.clone())
        .restrict_methods("Example 1.0", can_receive)
        .unwrap();
    let err = live
        .reconfigure(config(
            r#"{"allow_origins": "*", "allow_methods": ["PURGE"]}"#,
        ))
        .unwrap_err();
    assert!(err.to_string().contains("Example 1.0"), "{err}");
    live.reconfigure(config(r#"{"allow_origins": "*", "allow_methods": "*"}"#))
        .unwrap();
    let current = source.load();
    let d = current.decide(&preflight(b"https://a.example", b"PURGE"));
    assert_eq!(d.respond_now().map(|s| s.as_u16()), Some(403));
    let d = current.decide(&preflight(b"https://a.example", b"PATCH"));
    assert!(matches!(d, Decision::PreflightAccepted { .. }));
}

/// Two threads replace the policy back and forth while others decide: every answer is
/// exactly one policy's (origin and methods from the same one), never a mix.
#[test]
fn concurrent_replacements_never_mix_two_policies() {
    let a = Cors::builder()
        .allow_origin("https://a.example")
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let b = Cors::builder()
        .allow_origin("https://b.example")
        .allow_methods(["PATCH"])
        .build()
        .unwrap();
    let live = LiveCors::new(a.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (live, stop) = (live.clone(), stop.clone());
        thread::spawn(move || {
            let mut swaps = 0;
            while !stop.load(Ordering::Relaxed) || swaps < 1000 {
                live.replace(if swaps % 2 == 0 { b.clone() } else { a.clone() })
                    .unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let deciders: Vec<_> = (0..2)
        .map(|_| {
            let live = live.clone();
            thread::spawn(move || {
                let (mut seen_a, mut seen_b) = (0, 0);
                for _ in 0..20_000 {
                    let current = live.load();
                    let for_a = current.decide(&preflight(b"https://a.example", b"PUT"));
                    let for_b = current.decide(&preflight(b"https://b.example", b"PATCH"));
                    match (for_a.rejection().is_none(), for_b.rejection().is_none()) {
                        (true, false) => seen_a += 1,
                        (false, true) => seen_b += 1,
                        mixed => panic!("one load answered as two policies: {mixed:?}"),
                    }
                }
                (seen_a, seen_b)
            })
        })
        .collect();
    for decider in deciders {
        let (a, b) = decider.join().unwrap();
        assert_eq!(a + b, 20_000);
    }
    stop.store(true, Ordering::Relaxed);
    assert!(swapper.join().unwrap() >= 1000);
}

#[test]
fn only_origins_the_lists_leave_undecided_go_to_the_check() {
    let cors = Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_origin_pattern("https://*.preview.example.com")
        .allow_credentials(true)
        .build()
        .unwrap();
    let ask = |origin: &[u8]| {
        let mut req = CorsRequest::new(b"GET");
        req.add_origin(origin);
        cors.origin_to_check(&req).map(str::to_owned)
    };
    assert_eq!(
        ask(b"https://tenant.example.net").as_deref(),
        Some("https://tenant.example.net")
    );
    assert_eq!(
        ask(b"http://localhost:3000").as_deref(),
        Some("http://localhost:3000")
    );
    assert_eq!(ask(b"https://app.example.com"), None, "listed");
    assert_eq!(
        ask(b"https://pr-1.preview.example.com"),
        None,
        "a pattern's"
    );
    assert_eq!(ask(b"null"), None);
    assert_eq!(
        ask(b"https://tenant.example.net/"),
        None,
        "not a serialized origin"
    );
    assert_eq!(
        ask(b"http://tenant.example.net"),
        None,
        "insecure, with credentials"
    );
    let mut two = CorsRequest::new(b"GET");
    two.add_origin(b"https://x.example")
        .add_origin(b"https://y.example");
    assert_eq!(cors.origin_to_check(&two), None, "two Origin lines");
    let mut none = CorsRequest::new(b"GET");
    none.allow_checked_origin();
    assert_eq!(cors.origin_to_check(&none), None, "not a CORS request");

    let any = Cors::builder().allow_any_origin().build().unwrap();
    let mut req = CorsRequest::new(b"GET");
    req.add_origin(b"https://x.example");
    assert_eq!(any.origin_to_check(&req), None, "`*` decides every origin");
}

#[test]
fn a_checked_origin_is_answered_like_a_listed_one_and_only_that() {
    let cors = Cors::builder()
        .allow_origin("https://app.example.com")
        .allow_methods(["PUT"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let mut req = preflight(b"https://tenant.example.net", b"PUT");
    req.allow_checked_origin();
    let d = cors.decide(&req);
    assert!(matches!(d, Decision::PreflightAccepted { .. }));
    assert_eq!(
        d.headers().get(CorsHeader::AllowOrigin).unwrap().as_bytes(),
        b"https://tenant.example.net"
    );
    assert!(d.headers().get(CorsHeader::Vary).is_some());
    // A verdict cannot allow what the policy never leaves to it.
    for origin in [
        &b"null"[..],
        b"http://tenant.example.net",
        b"https://x.example/",
    ] {
        let mut req = CorsRequest::new(b"GET");
        req.add_origin(origin).allow_checked_origin();
        assert!(cors.decide(&req).rejection().is_some(), "{origin:?}");
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_check_that_fails_or_times_out_refuses_and_says_why() {
    let check = OriginCheck::new(Duration::from_millis(20), |origin: String| async move {
        match origin.as_str() {
            "https://yes.example" => Ok(true),
            "https://no.example" => Ok(false),
            "https://slow.example" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(true)
            }
            _ => Err(std::io::Error::other("database unreachable")),
        }
    });
    let run = |origin: &'static str| {
        let check = check.clone();
        block_on(async move { check.run(origin, tokio::time::sleep(check.timeout())).await })
    };
    assert!(run("https://yes.example").unwrap());
    assert!(!run("https://no.example").unwrap());
    let failed = run("https://down.example").unwrap_err();
    assert!(!failed.timed_out());
    assert_eq!(
        failed.to_string(),
        "CORS: the origin check for `https://down.example` failed (database unreachable); the \
         origin is not allowed"
    );
    let slow = run("https://slow.example").unwrap_err();
    assert!(slow.timed_out());
    assert_eq!(slow.origin(), "https://slow.example");
    assert!(
        slow.to_string().contains("no verdict within 20ms"),
        "{slow}"
    );
}
