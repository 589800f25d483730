//! Comparing what the page saw and what the server got with what a scenario
//! expects, and with what the Fetch standard requires of every request.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::proxy::Exchange;
use crate::scenario::{Body, Expect, Fetch, Mode, Outcome, Readable};

/// How one `fetch()` settled, as the page reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageOutcome {
    /// `Response.ok`.
    pub ok: Option<bool>,
    /// `Response.status`.
    pub status: Option<u16>,
    /// `Response.type`.
    #[serde(rename = "type")]
    pub response_type: Option<String>,
    /// `Response.text()`.
    pub body: Option<String>,
    /// `headers.get(name)` for each name the scenario asks about.
    #[serde(default)]
    pub headers: BTreeMap<String, Option<String>>,
    /// Every header name the page can see.
    #[serde(default)]
    pub names: Vec<String>,
    /// The exception the promise rejected with.
    pub error: Option<PageError>,
}

/// An exception, by name and message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageError {
    /// `TypeError`, ...
    pub name: String,
    /// `Failed to fetch`, ... (implementation-defined).
    pub message: String,
}

/// What every check needs besides the scenario.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The page's origin, `http://127.0.0.1:<port>`.
    pub page_origin: &'a str,
    /// The page server's cookie, `sid=<value>`.
    pub cookie: &'a str,
}

/// Every difference between `expect` and what happened; empty when the scenario
/// passed.
pub fn check(
    expect: &Expect,
    fetches: &[Fetch],
    outcomes: &[PageOutcome],
    exchanges: &[Exchange],
    context: Context<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let (preflights, actuals): (Vec<&Exchange>, Vec<&Exchange>) =
        exchanges.iter().partition(|e| e.is_preflight());

    if outcomes.len() != fetches.len() {
        problems.push(format!(
            "the page reported {} outcomes for {} fetches",
            outcomes.len(),
            fetches.len()
        ));
    }
    for (index, outcome) in outcomes.iter().enumerate() {
        let which = if fetches.len() > 1 {
            format!("fetch {}: ", index + 1)
        } else {
            String::new()
        };
        // The response each outcome came from: the scenario's fetches are made one
        // after the other, so the nth request past the preflights is the nth fetch's.
        let sent = actuals.get(index).and_then(|e| e.response.as_ref());
        for problem in check_page(expect, outcome, sent.map(|r| r.body.as_slice())) {
            problems.push(format!("{which}{problem}"));
        }
    }

    if preflights.len() != expect.preflights {
        problems.push(format!(
            "the server got {} preflights, expected {}",
            preflights.len(),
            expect.preflights
        ));
    }
    if actuals.len() != expect.requests {
        problems.push(format!(
            "the server got {} requests besides preflights, expected {}",
            actuals.len(),
            expect.requests
        ));
    }
    for exchange in exchanges {
        if let Some(error) = &exchange.error {
            problems.push(format!("{}: {error}", exchange.summary()));
        }
    }
    for preflight in &preflights {
        problems.extend(check_preflight(expect, preflight, context));
    }
    for (index, actual) in actuals.iter().enumerate() {
        let fetch = fetches.get(index).or(fetches.last());
        problems.extend(check_actual(expect, fetch, actual, context));
    }
    problems
}

/// The page's side: how the promise settled and what could be read.
fn check_page(expect: &Expect, outcome: &PageOutcome, sent_body: Option<&[u8]>) -> Vec<String> {
    let mut problems = Vec::new();
    let got = describe(outcome);
    match &expect.outcome {
        Outcome::Status(status) => {
            if outcome.error.is_some() || outcome.status != Some(*status) {
                problems.push(format!(
                    "expected a response with status {status}, got {got}"
                ));
                return problems;
            }
        }
        Outcome::Error(name) => {
            if outcome.error.as_ref().map(|e| &e.name) != Some(name) {
                problems.push(format!(
                    "expected the fetch to fail with a {name}, got {got}"
                ));
            }
            return problems;
        }
    }
    if let Some(response_type) = &expect.response_type {
        if outcome.response_type.as_ref() != Some(response_type) {
            problems.push(format!(
                "Response.type: expected {response_type:?}, got {:?}",
                outcome.response_type
            ));
        }
    }
    if let Some(body) = &expect.body {
        let (expected, source) = match body {
            Body::Text(text) => (Some(text.clone()), ""),
            Body::AsSent => (
                sent_body.map(|sent| String::from_utf8_lossy(sent).into_owned()),
                " (what the server sent)",
            ),
        };
        match expected {
            None => problems.push("body: the server sent no response to compare with".into()),
            Some(expected) if outcome.body.as_ref() != Some(&expected) => problems.push(format!(
                "body: expected {expected:?}{source}, got {:?}",
                outcome.body
            )),
            Some(_) => {}
        }
    }
    for (name, readable) in &expect.headers {
        let value = outcome.headers.get(name).cloned().flatten();
        if let Some(expected) = unmet(readable, &value, "null (hidden)") {
            problems.push(format!(
                "headers.get({name:?}): expected {expected}, got {value:?}; the page sees {:?}",
                outcome.names
            ));
        }
    }
    problems
}

/// `status 200 (cors)` or `TypeError: Failed to fetch`.
fn describe(outcome: &PageOutcome) -> String {
    match (&outcome.error, outcome.status) {
        (Some(error), _) => format!("{}: {}", error.name, error.message),
        (None, Some(status)) => format!(
            "status {status} ({})",
            outcome.response_type.as_deref().unwrap_or("no type")
        ),
        (None, None) => "neither a response nor an error".to_owned(),
    }
}

/// Fetch #cors-preflight-fetch: what the browser must send in a preflight, whatever
/// the scenario.
fn check_preflight(expect: &Expect, preflight: &Exchange, context: Context<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let request = &preflight.request;
    let summary = preflight.summary();
    if request.header("origin") != Some(context.page_origin) {
        problems.push(format!(
            "{summary}: Origin {:?}, expected {:?}",
            request.header("origin"),
            context.page_origin
        ));
    }
    // A preflight is made with credentials mode "same-origin", so a cross-origin one
    // never carries cookies (Fetch #cors-preflight-fetch, step 1).
    if let Some(cookie) = request.header("cookie") {
        problems.push(format!(
            "{summary}: carried Cookie {cookie:?}; preflights never do"
        ));
    }
    if let Some(expected) = &expect.request_headers {
        let got = request.header("access-control-request-headers");
        if got != Some(expected.as_str()) {
            problems.push(format!(
                "{summary}: Access-Control-Request-Headers {got:?}, expected {expected:?}"
            ));
        }
    }
    if let (Some(expected), Some(response)) = (expect.preflight_status, &preflight.response) {
        if response.status != expected {
            problems.push(format!(
                "{summary}: the server answered the preflight {}, expected {expected}",
                response.status
            ));
        }
    }
    if let Some(response) = &preflight.response {
        for (name, readable) in &expect.preflight_headers {
            let value = response
                .header(name)
                .map(|v| String::from_utf8_lossy(&v).into_owned());
            if let Some(expected) = unmet(readable, &value, "none") {
                problems.push(format!(
                    "{summary}: the preflight's response header {name}: expected {expected}, \
                     got {value:?}"
                ));
            }
        }
    }
    problems
}

/// The console's messages about `urls` (the scenario's fetches), with each of those
/// URLs written `{url}` and the page's origin `{page_origin}`, as scenarios write
/// them. Chromium words a CORS failure `Access to fetch at '<url>' from origin
/// '<origin>' has been blocked by CORS policy: <why>` after a `<page URL> - ` prefix;
/// its network entries (`<url> - Failed to load resource: net::ERR_FAILED`) name the
/// URL unquoted and are left out.
pub fn console_messages(entries: &[String], urls: &[String], page_origin: &str) -> Vec<String> {
    entries
        .iter()
        .map(|entry| {
            entry
                .split_once(" - ")
                .map_or(entry.as_str(), |(_, text)| text)
        })
        .filter(|text| urls.iter().any(|url| text.contains(&format!("'{url}'"))))
        .map(|text| {
            let mut text = text.replace(&format!("'{page_origin}'"), "'{page_origin}'");
            for url in urls {
                text = text.replace(&format!("'{url}'"), "'{url}'");
            }
            text
        })
        .collect()
}

/// Every message `expected` names that the console did not show, and every one it
/// showed that `expected` does not name (`seen`, as [`console_messages`] gives them).
pub fn check_console(expected: &[String], seen: &[String]) -> Vec<String> {
    let shown = if seen.is_empty() {
        "nothing about this scenario's URL".to_owned()
    } else {
        format!("{seen:?}")
    };
    let missing = expected
        .iter()
        .filter(|message| !seen.contains(message))
        .map(|message| format!("console: expected the message {message:?}; it showed {shown}"));
    let unexpected = seen
        .iter()
        .filter(|message| !expected.contains(message))
        .map(|message| format!("console: showed {message:?}, which the scenario does not expect"));
    missing.chain(unexpected).collect()
}

/// What the browser must send in the request itself.
fn check_actual(
    expect: &Expect,
    fetch: Option<&Fetch>,
    actual: &Exchange,
    context: Context<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let request = &actual.request;
    let summary = actual.summary();
    // Fetch #origin-header: a request whose response tainting is "cors" always
    // carries Origin.
    let mode = fetch.and_then(|f| f.mode).unwrap_or(Mode::Cors);
    if mode == Mode::Cors && request.header("origin") != Some(context.page_origin) {
        problems.push(format!(
            "{summary}: Origin {:?}, expected {:?}",
            request.header("origin"),
            context.page_origin
        ));
    }
    let carries_cookie = request
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, value)| value.split(';'))
        .any(|pair| pair.trim() == context.cookie);
    if let Some(expected) = expect.cookie {
        if carries_cookie != expected {
            let verb = if expected { "lacked" } else { "carried" };
            problems.push(format!(
                "{summary}: {verb} the page's cookie {}",
                context.cookie
            ));
        }
    }
    if let Some(fetch) = fetch {
        let sent = fetch.body.as_deref().unwrap_or_default().as_bytes();
        if actual.body != sent {
            problems.push(format!(
                "{summary}: the server got the body {:?}, the page sent {:?}",
                String::from_utf8_lossy(&actual.body),
                fetch.body.as_deref().unwrap_or_default()
            ));
        }
    }
    problems
}

/// What `readable` expected, described, when `value` does not meet it; `absent` describes
/// the header's absence.
fn unmet(readable: &Readable, value: &Option<String>, absent: &str) -> Option<String> {
    match (readable, value) {
        (Readable::Value(expected), Some(value)) if expected == value => None,
        (Readable::Any, Some(_)) | (Readable::Hidden, None) => None,
        (Readable::Value(expected), _) => Some(format!("{expected:?}")),
        (Readable::Any, None) => Some("a value".to_owned()),
        (Readable::Hidden, Some(_)) => Some(absent.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_messages_are_those_about_the_scenarios_url() {
        let url = "http://127.0.0.1:9/?scenario=1".to_owned();
        let entries = [
            "http://127.0.0.1:8/ - Access to fetch at 'http://127.0.0.1:9/?scenario=1' from \
             origin 'http://127.0.0.1:8' has been blocked by CORS policy: Method PATCH is not \
             allowed by Access-Control-Allow-Methods in preflight response."
                .to_owned(),
            "http://127.0.0.1:9/?scenario=1 - Failed to load resource: net::ERR_FAILED".to_owned(),
            // Scenario 10's URL starts like scenario 1's.
            "http://127.0.0.1:8/ - Access to fetch at 'http://127.0.0.1:9/?scenario=10' from \
             origin 'http://127.0.0.1:8' has been blocked by CORS policy: other."
                .to_owned(),
        ];
        let seen = console_messages(&entries, &[url], "http://127.0.0.1:8");
        let expected = "Access to fetch at '{url}' from origin '{page_origin}' has been blocked \
                        by CORS policy: Method PATCH is not allowed by \
                        Access-Control-Allow-Methods in preflight response.";
        assert_eq!(seen, [expected]);
        assert!(check_console(&[expected.to_owned()], &seen).is_empty());
        let other = check_console(&["No 'Access-Control-Allow-Origin'".to_owned()], &seen);
        assert_eq!(other.len(), 2, "{other:?}");
        assert!(
            other[0].contains("it showed [\"Access to fetch"),
            "{other:?}"
        );
        assert!(
            other[1].contains("which the scenario does not expect"),
            "{other:?}"
        );
        assert_eq!(check_console(&[], &seen).len(), 1);
        assert!(check_console(&[], &[]).is_empty());
        let nothing = check_console(&[expected.to_owned()], &[]);
        assert!(nothing[0].ends_with("nothing about this scenario's URL"));
    }
}
