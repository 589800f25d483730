//! Comparing a response with a case's expectations.

use crate::case::{name_matches, Expect};
use crate::client::{escape, preview, Response};

/// The marker header the handler sets, which the CORS layer never does.
const HANDLER_MARKER: (&str, &[u8]) = ("x-handler", b"reached");

/// Every way `response` differs from `expect`, one readable line each; empty when it
/// meets every expectation.
pub fn check(expect: &Expect, response: &Response) -> Vec<String> {
    let mut problems = Vec::new();
    if response.status != expect.status {
        problems.push(format!(
            "status: expected {}, got {}",
            expect.status, response.status
        ));
    }
    match (expect.handler, response.header(HANDLER_MARKER.0)) {
        (Some(true), Some(value)) if value == HANDLER_MARKER.1 => {}
        (Some(true), got) => problems.push(format!(
            "handler: expected to be reached (x-handler: reached), got x-handler {}",
            show(got.as_deref())
        )),
        (Some(false), Some(value)) => problems.push(format!(
            "handler: expected not to be reached, got x-handler \"{}\"",
            escape(&value)
        )),
        (Some(false), None) | (None, _) => {}
    }
    for (name, expected) in &expect.headers {
        match response.header(name) {
            Some(got) if got == *expected => {}
            Some(got) => problems.push(format!("{name}: {}", differ(expected, &got))),
            None => problems.push(format!(
                "{name}: expected \"{}\", got nothing",
                preview(expected)
            )),
        }
    }
    for pattern in &expect.absent {
        for (name, value) in &response.headers {
            let name = String::from_utf8_lossy(name);
            if name_matches(pattern, &name) {
                problems.push(format!(
                    "{}: expected absent, got \"{}\"",
                    name.to_ascii_lowercase(),
                    escape(value)
                ));
            }
        }
    }
    let vary = response.header("vary");
    let tokens = vary.as_deref().map(vary_tokens).unwrap_or_default();
    for token in &expect.vary {
        if !tokens.iter().any(|t| t.eq_ignore_ascii_case(token)) {
            problems.push(format!(
                "vary: expected to contain `{token}`, got {}",
                show(vary.as_deref())
            ));
        }
    }
    for token in &expect.not_vary {
        if tokens.iter().any(|t| t.eq_ignore_ascii_case(token)) {
            problems.push(format!(
                "vary: expected not to contain `{token}`, got {}",
                show(vary.as_deref())
            ));
        }
    }
    if let Some(body) = &expect.body {
        if &response.body != body {
            problems.push(format!(
                "body: expected \"{}\", got \"{}\"",
                escape(body),
                escape(&response.body)
            ));
        }
    }
    problems
}

/// The comma-separated elements of a `Vary` value, trimmed, empty ones dropped.
fn vary_tokens(value: &[u8]) -> Vec<String> {
    value
        .split(|&b| b == b',')
        .map(|t| String::from_utf8_lossy(t).trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// `expected "a", got "b"`; for long values, the stretch around the first difference.
fn differ(expected: &[u8], got: &[u8]) -> String {
    const LONG: usize = 160;
    if expected.len() <= LONG && got.len() <= LONG {
        return format!("expected \"{}\", got \"{}\"", escape(expected), escape(got));
    }
    let at = expected
        .iter()
        .zip(got)
        .position(|(e, g)| e != g)
        .unwrap_or(expected.len().min(got.len()));
    let around = |v: &[u8]| {
        let start = at.saturating_sub(40);
        let end = (at + 80).min(v.len());
        format!(
            "...{}... ({} bytes)",
            escape(&v[start.min(end)..end]),
            v.len()
        )
    };
    format!(
        "first difference at byte {at}: expected \"{}\", got \"{}\"",
        around(expected),
        around(got)
    )
}

fn show(value: Option<&[u8]>) -> String {
    match value {
        Some(v) => format!("\"{}\"", preview(v)),
        None => "nothing".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect(),
            body: b"ok".to_vec(),
        }
    }

    #[test]
    fn a_matching_response_has_no_problems() {
        let expect = Expect {
            status: 200,
            handler: Some(true),
            headers: vec![(
                "access-control-allow-origin".into(),
                b"https://a.test".to_vec(),
            )],
            absent: vec!["access-control-allow-credentials".into()],
            vary: vec!["origin".into(), "accept-encoding".into()],
            not_vary: vec!["access-control-request-method".into()],
            body: Some(b"ok".to_vec()),
        };
        let got = response(
            200,
            &[
                ("X-Handler", "reached"),
                ("Vary", "Accept-Encoding"),
                ("Access-Control-Allow-Origin", "https://a.test"),
                ("vary", "Origin"),
            ],
        );
        assert_eq!(check(&expect, &got), Vec::<String>::new());
    }

    #[test]
    fn long_values_show_where_they_differ() {
        let expected = format!("{}x{}", "a".repeat(200), "b".repeat(10));
        let got = format!("{}y{}", "a".repeat(200), "b".repeat(10));
        assert_eq!(
            differ(expected.as_bytes(), got.as_bytes()),
            format!(
                "first difference at byte 200: expected \"...{a}x{b}... (211 bytes)\", got \"...{a}y{b}... (211 bytes)\"",
                a = "a".repeat(40),
                b = "b".repeat(10)
            )
        );
    }

    #[test]
    fn every_difference_is_reported() {
        let expect = Expect {
            status: 204,
            handler: Some(false),
            headers: vec![(
                "access-control-allow-origin".into(),
                b"https://a.test".to_vec(),
            )],
            absent: vec!["access-control-allow-*".into()],
            vary: vec!["origin".into()],
            not_vary: vec!["accept-encoding".into()],
            body: Some(Vec::new()),
        };
        let got = response(
            200,
            &[
                ("x-handler", "reached"),
                ("vary", "accept-encoding"),
                ("access-control-allow-origin", "https://a.test"),
                ("access-control-allow-origin", "https://a.test"),
                ("Access-Control-Allow-Methods", "PUT"),
            ],
        );
        let problems = check(&expect, &got);
        assert_eq!(
            problems,
            [
                "status: expected 204, got 200",
                "handler: expected not to be reached, got x-handler \"reached\"",
                "access-control-allow-origin: expected \"https://a.test\", got \"https://a.test, https://a.test\"",
                "access-control-allow-origin: expected absent, got \"https://a.test\"",
                "access-control-allow-origin: expected absent, got \"https://a.test\"",
                "access-control-allow-methods: expected absent, got \"PUT\"",
                "vary: expected to contain `origin`, got \"accept-encoding\"",
                "vary: expected not to contain `accept-encoding`, got \"accept-encoding\"",
                "body: expected \"\", got \"ok\"",
            ]
        );
    }
}
