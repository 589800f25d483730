//! `fetch-cors explain` on policy files, as a user runs it: what it prints and its exit
//! status.

mod common;

use common::{fetch_cors, write};

const POLICY: &str = r#"{
  "allow_origins": ["https://app.example.com"],
  "allow_methods": ["PUT", "DELETE"],
  "allow_headers": ["content-type"],
  "allow_credentials": true,
  "max_age": 600
}"#;

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp dir")
}

#[test]
fn an_allowed_preflighted_fetch_shows_both_exchanges_and_exits_0() {
    let d = dir();
    let policy = write(d.path(), "policy.json", POLICY);
    fetch_cors(&[
        "explain",
        &policy,
        "--origin",
        "https://app.example.com",
        "--method",
        "put",
        "--header",
        "Content-Type: application/json",
        "--credentials",
        "include",
    ])
    .exits(0)
    .says(&[
        "- `PUT` is not a CORS-safelisted method",
        "- `content-type: application/json` is not a CORS-safelisted request-header",
        "  Access-Control-Request-Method: PUT\n  Access-Control-Request-Headers: content-type\n",
        "The policy answers 204 with:\n  access-control-allow-origin: https://app.example.com\n  \
         access-control-allow-credentials: true\n  access-control-allow-methods: PUT\n  \
         access-control-allow-headers: content-type\n  access-control-max-age: 600\n",
        "The browser: the preflight passes. It keeps this answer 600 s",
        "  PUT\n  Origin: https://app.example.com\n  Content-Type: application/json\n",
        "The browser: the CORS check passes; the page reads the response.",
        "Result: allowed.",
    ]);
}

#[test]
fn a_simple_fetch_needs_no_preflight() {
    let d = dir();
    let policy = write(d.path(), "policy.json", POLICY);
    let run = fetch_cors(&[
        "explain",
        &policy,
        "--origin",
        "https://app.example.com",
        "--method",
        "POST",
        "-H",
        "content-type: text/plain;charset=UTF-8",
        "-H",
        "accept-language: en",
    ]);
    run.exits(0).says(&["Preflight: none.", "Result: allowed."]);
    assert!(!run.stdout.contains("OPTIONS"), "{}", run.stdout);
}

#[test]
fn a_refused_method_and_header_get_one_verified_fix() {
    let d = dir();
    let policy = write(d.path(), "policy.json", POLICY);
    fetch_cors(&[
        "explain", &policy, "--origin", "https://app.example.com", "--method", "PATCH",
        "-H", "content-type: application/json", "-H", "x-request-id",
    ])
    .exits(1)
    .says(&[
        "Access-Control-Request-Headers: content-type,x-request-id",
        "The policy answers 403 with:",
        "The policy refuses it: CORS: method `PATCH` is not allowed by the policy",
        "the preflight fails, so the actual request is never sent: there is no \
         Access-Control-Allow-Origin header.",
        "(Fetch, CORS-preflight fetch, step 7 (https://fetch.spec.whatwg.org/#cors-preflight-fetch); \
         Fetch, CORS check, step 2 (https://fetch.spec.whatwg.org/#cors-check))",
        "Result: refused: the preflight fails",
        "  - add `PATCH` to allow_methods:\n        \"allow_methods\": [\"PUT\", \"DELETE\", \"PATCH\"]\n",
        "  - add `x-request-id` to allow_headers:\n        \"allow_headers\": [\"content-type\", \"x-request-id\"]\n",
        "Checked: with these changes the policy allows the fetch.",
    ]);
}

#[test]
fn a_refused_origin_in_toml_gets_a_toml_fix() {
    let d = dir();
    let policy = write(
        d.path(),
        "cors.toml",
        "allow_origins = [\"https://app.example.com\"]\n",
    );
    fetch_cors(&["explain", &policy, "--origin", "https://admin.example.com"])
        .exits(1)
        .says(&[
            "Preflight: none.",
            "adds to its response:\n  vary: Origin\n",
            "The policy refuses it: CORS: origin `https://admin.example.com` is not allowed by \
             the policy",
            "the page gets a network error (\"TypeError: Failed to fetch\") and never sees the \
             response: there is no Access-Control-Allow-Origin header.",
            "(Fetch, CORS check, step 2 (https://fetch.spec.whatwg.org/#cors-check))",
            "  - add `https://admin.example.com` to allow_origins:\n        allow_origins = \
             [\"https://app.example.com\", \"https://admin.example.com\"]\n",
            "Checked: with this change the policy allows the fetch.",
        ]);
}

#[test]
fn credentials_the_policy_does_not_allow_get_allow_credentials() {
    let d = dir();
    let policy = write(
        d.path(),
        "p.json",
        r#"{"allow_origins": ["https://app.example.com"], "allow_headers": "*"}"#,
    );
    fetch_cors(&[
        "explain", &policy, "--origin", "https://app.example.com", "-H",
        "Authorization: Bearer t", "--credentials", "include",
    ])
    .exits(1)
    .says(&[
        // `*` never covers authorization: the core refuses it first, and the fix names it.
        "The policy refuses it: CORS: header `authorization` is not allowed by the policy",
        "  - add `authorization` to allow_headers:\n        \"allow_headers\": [\"*\", \"authorization\"]\n",
        "  - allow credentials:\n        \"allow_credentials\": true\n",
        "Checked: with these changes the policy allows the fetch.",
    ]);
}

#[test]
fn a_credentialed_fetch_needs_allow_credentials() {
    let d = dir();
    let policy = write(
        d.path(),
        "p.json",
        r#"{"allow_origins": ["https://app.example.com"]}"#,
    );
    fetch_cors(&[
        "explain",
        &policy,
        "--origin",
        "https://app.example.com",
        "--credentials",
        "include",
    ])
    .exits(1)
    .says(&[
        "Preflight: none.",
        "the request is sent with credentials (credentials: \"include\"), and there is no \
             Access-Control-Allow-Credentials: true",
        "(Fetch, CORS check, step 8 (https://fetch.spec.whatwg.org/#cors-check))",
        "  - allow credentials:\n        \"allow_credentials\": true\n",
        "Checked: with this change the policy allows the fetch.",
    ]);
}

#[test]
fn any_origin_with_credentials_has_no_safe_fix() {
    let d = dir();
    let policy = write(d.path(), "p.toml", "allow_origins = \"*\"\n");
    fetch_cors(&[
        "explain",
        &policy,
        "--origin",
        "https://app.example.com",
        "--credentials",
        "include",
    ])
    .exits(1)
    .says(&[
        "access-control-allow-origin: *",
        "Access-Control-Allow-Origin is `*`, but the request is sent with credentials \
         (credentials: \"include\"), and then `*` is read literally",
        "Fetch, CORS check, step 4",
        "No safe change to",
        "It would take: allow credentials; and the policy refuses that:\n  allow_origins: `*` \
         cannot be combined with allow_credentials: true",
    ]);
}

#[test]
fn null_and_insecure_origins_with_credentials_have_no_safe_fix() {
    let d = dir();
    let policy = write(d.path(), "policy.json", POLICY);
    fetch_cors(&["explain", &policy, "--origin", "null"])
        .exits(1)
        .says(&[
            "It would take: add `null` to allow_origins; and the policy refuses that:",
            "allow_origins: `null` cannot be trusted with allow_credentials: true",
        ]);
    fetch_cors(&[
        "explain",
        &policy,
        "--origin",
        "http://app.example.com",
        "--method",
        "DELETE",
    ])
    .exits(1)
    .says(&[
        "It would take: add `http://app.example.com` to allow_origins; and the policy \
             refuses that:",
        "allow_origins: `http://app.example.com` cannot be trusted with allow_credentials: \
             true: it is served over plain HTTP",
    ]);
}

#[test]
fn a_debug_policy_answers_2xx_and_the_browser_names_the_header() {
    let d = dir();
    let policy = write(
        d.path(),
        "p.json",
        r#"{"allow_origins": ["https://app.example.com"], "allow_headers": ["x-a"], "debug": true}"#,
    );
    fetch_cors(&[
        "explain",
        &policy,
        "--origin",
        "https://app.example.com",
        "-H",
        "x-a",
        "-H",
        "x-secret",
    ])
    .exits(1)
    .says(&[
        "The policy answers 204 with:",
        "access-control-allow-headers: x-a\n",
        "the request header `x-secret` is not in Access-Control-Allow-Headers (`x-a`)",
        "Fetch, CORS-preflight fetch, step 7.7",
        "  - add `x-secret` to allow_headers:",
    ]);
}

#[test]
fn an_invalid_policy_exits_2_with_the_config_error() {
    let d = dir();
    let policy = write(
        d.path(),
        "p.json",
        r#"{"allow_origin_patterns": ["https://*.github.io"], "max_age": 90000}"#,
    );
    let run = fetch_cors(&["explain", &policy, "--origin", "https://a.github.io"]);
    run.exits(2);
    assert!(
        run.stderr.contains("is not a valid policy:")
            && run.stderr.contains(
                "allow_origin_patterns: `https://*.github.io` covers the subdomains of \
                 `github.io`, a public suffix"
            )
            && run.stderr.contains("max_age: 90000 is out of range"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn usage_errors_exit_2_and_say_what_to_write() {
    let d = dir();
    let policy = write(d.path(), "policy.json", POLICY);
    for (args, says) in [
        (
            vec!["--origin", "https://app.example.com/"],
            "did you mean `https://app.example.com`?",
        ),
        (
            vec!["--origin", "https://app.example.com", "-H", "content-type"],
            "write e.g. `--header 'content-type: application/json'`",
        ),
        (
            vec!["--origin", "https://app.example.com", "-H", "cookie: a=b"],
            "is a forbidden request-header",
        ),
        (
            vec!["--origin", "https://app.example.com", "--method", "TRACE"],
            "is a forbidden method",
        ),
    ] {
        let mut all = vec!["explain", policy.as_str()];
        all.extend(args);
        let run = fetch_cors(&all);
        run.exits(2);
        assert!(run.stderr.contains(says), "{all:?}: {}", run.stderr);
    }
    let yaml = write(d.path(), "policy.yaml", "allow_origins: []");
    let run = fetch_cors(&["explain", &yaml, "--origin", "https://a.example"]);
    run.exits(2);
    assert!(
        run.stderr.contains("ends in .json or .toml"),
        "{}",
        run.stderr
    );
}
