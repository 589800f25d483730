//! `fetch-cors check` against small servers that answer CORS wrongly on purpose: each
//! mistake must be named in the words a user reads, with the right exit status.

mod common;

use common::{fetch_cors, WrongServer};

const ORIGIN: &str = "https://app.example";

#[test]
fn an_echoed_origin_without_vary_is_allowed_with_a_warning() {
    let server = WrongServer::start(1, |_| {
        "HTTP/1.1 200 OK\naccess-control-allow-origin: https://app.example"
    });
    fetch_cors(&["check", &server.url, "--origin", ORIGIN])
        .exits(0)
        .says(&[
            "Preflight: none.",
            "  < 200\n  < access-control-allow-origin: https://app.example\n",
            "The browser: the CORS check passes",
            "Warnings:\n  - The response names the origin in Access-Control-Allow-Origin but has \
             no `Vary: Origin`: a shared cache",
            "Result: allowed.",
        ]);
    let sent = server.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].header("origin").as_deref(), Some(ORIGIN));
}

#[test]
fn any_origin_with_credentials_is_refused_and_explained() {
    let server = WrongServer::start(1, |_| {
        "HTTP/1.1 200 OK\naccess-control-allow-origin: *\naccess-control-allow-credentials: true"
    });
    fetch_cors(&[
        "check",
        &server.url,
        "--origin",
        ORIGIN,
        "--credentials",
        "include",
    ])
    .exits(1)
    .says(&[
        "Access-Control-Allow-Origin is `*`, but the request is sent with credentials \
             (credentials: \"include\"), and then `*` is read literally: the header must name \
             the origin",
        "(Fetch, CORS check, step 4 (https://fetch.spec.whatwg.org/#cors-check))",
        "Result: refused",
    ]);
}

#[test]
fn allow_headers_missing_a_requested_name_fails_the_preflight() {
    let server = WrongServer::start(2, |method| match method {
        "OPTIONS" => {
            "HTTP/1.1 204 No Content\naccess-control-allow-origin: https://app.example\n\
             access-control-allow-methods: PUT\naccess-control-allow-headers: x-a\nvary: Origin"
        }
        _ => "HTTP/1.1 200 OK\naccess-control-allow-origin: https://app.example\nvary: Origin",
    });
    fetch_cors(&[
        "check", &server.url, "--origin", ORIGIN, "--method", "PUT", "-H", "X-B: 2", "-H", "x-a: 1",
    ])
    .exits(1)
    .says(&[
        "  > Access-Control-Request-Headers: x-a,x-b\n",
        "the preflight fails, so the actual request is never sent: the request header `x-b` is \
         not in Access-Control-Allow-Headers (`x-a`).",
        "(Fetch, CORS-preflight fetch, step 7.7 (https://fetch.spec.whatwg.org/#cors-preflight-fetch))",
    ]);
    // What went over the wire: the preflight alone, its headers exactly as a browser sends them.
    let sent = server.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].method, "OPTIONS");
    assert_eq!(sent[0].header("origin").as_deref(), Some(ORIGIN));
    assert_eq!(
        sent[0].header("access-control-request-method").as_deref(),
        Some("PUT")
    );
    assert_eq!(
        sent[0].header("access-control-request-headers").as_deref(),
        Some("x-a,x-b")
    );
    assert_eq!(sent[0].header("accept").as_deref(), Some("*/*"));
}

#[test]
fn allow_methods_missing_the_method_fails_the_preflight() {
    let server = WrongServer::start(2, |_| {
        "HTTP/1.1 204 No Content\naccess-control-allow-origin: *\naccess-control-allow-methods: GET, POST"
    });
    fetch_cors(&[
        "check",
        &server.url,
        "--origin",
        ORIGIN,
        "--method",
        "DELETE",
    ])
    .exits(1)
    .says(&[
        "the method `DELETE` is not in Access-Control-Allow-Methods (`GET, POST`)",
        "step 7.5",
    ]);
}

#[test]
fn a_2xx_preflight_without_allow_origin_is_named() {
    let server = WrongServer::start(2, |_| "HTTP/1.1 200 OK\nallow: GET, PUT, OPTIONS");
    fetch_cors(&["check", &server.url, "--origin", ORIGIN, "--method", "PUT"])
        .exits(1)
        .says(&[
            "the preflight fails, so the actual request is never sent: there is no \
             Access-Control-Allow-Origin header.",
            "Fetch, CORS check, step 2",
            "The preflight got 200 but no Access-Control-Allow-Origin: something other than the \
             CORS layer answered it",
        ]);
}

#[test]
fn a_preflight_status_that_is_not_ok_fails_it() {
    let server = WrongServer::start(2, |_| {
        "HTTP/1.1 500 Internal Server Error\naccess-control-allow-origin: *\n\
         access-control-allow-methods: PUT"
    });
    fetch_cors(&["check", &server.url, "--origin", ORIGIN, "--method", "PUT"])
        .exits(1)
        .says(&[
            "the preflight's status 500 is not an ok status (200-299), whatever its headers say",
        ]);
}

#[test]
fn an_error_response_without_cors_headers_is_named() {
    let server = WrongServer::start(1, |_| "HTTP/1.1 500 Internal Server Error");
    fetch_cors(&["check", &server.url, "--origin", ORIGIN])
        .exits(1)
        .says(&[
            "  < 500\n",
            "there is no Access-Control-Allow-Origin header.",
            "This is an error response (500) without CORS headers: error responses need them \
             too, or the page sees a network error instead of the 500 and its body.",
        ]);
}

#[test]
fn a_passing_preflight_reports_max_age_and_the_cache() {
    let server = WrongServer::start(2, |method| match method {
        "OPTIONS" => {
            "HTTP/1.1 204 No Content\naccess-control-allow-origin: https://app.example\n\
             access-control-allow-methods: PATCH\naccess-control-allow-headers: x-a\n\
             access-control-allow-credentials: true\naccess-control-max-age: 86400\n\
             vary: origin, access-control-request-method, access-control-request-headers"
        }
        _ => {
            "HTTP/1.1 200 OK\naccess-control-allow-origin: https://app.example\n\
             access-control-allow-credentials: true\nvary: Origin"
        }
    });
    fetch_cors(&[
        "check", &server.url, "--origin", ORIGIN, "--method", "PATCH", "-H", "x-a",
        "--credentials", "include",
    ])
    .exits(0)
    .says(&[
        "The browser: the preflight passes.",
        "Max-age: the browser keeps this answer 86400 s (Chromium caps it at 7200 s, Firefox at 86400 s).",
        "skip the preflight for methods [PATCH] and headers [x-a], with or without credentials.",
        "Result: allowed.",
    ]);
    let sent = server.received();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].method, "PATCH");
    assert_eq!(sent[1].header("x-a").as_deref(), Some("1"));
}

#[test]
fn no_max_age_means_five_seconds() {
    let server = WrongServer::start(2, |_| {
        "HTTP/1.1 204 No Content\naccess-control-allow-origin: *\naccess-control-allow-methods: PUT"
    });
    fetch_cors(&["check", &server.url, "--origin", ORIGIN, "--method", "PUT"])
        .exits(0)
        .says(&["no valid Access-Control-Max-Age, so the browser keeps this answer 5 s"]);
}

#[test]
fn an_unreachable_server_exits_2() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let run = fetch_cors(&["check", &url, "--origin", ORIGIN]);
    run.exits(2);
    assert!(
        run.stderr.contains("error: cannot check:"),
        "{}",
        run.stderr
    );
}
