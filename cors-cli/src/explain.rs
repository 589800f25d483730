//! `fetch-cors explain`: a fetch put to a policy file. The core decides the preflight and the
//! actual request as a server running the policy would; [`crate::browser`] judges the answers
//! as a browser would; for a refusal, the smallest change to the file that allows the fetch is
//! found by changing a copy and deciding again.

use std::fmt::Write as _;

use fetch_cors::{Config, ConfigError, Cors, CorsRequest, Decision, Reason};

use crate::browser::cors_check::{cors_check, CorsCheckFailure};
use crate::browser::preflight::{self, Allowed, PreflightFailure};
use crate::browser::{Fetch, HeaderList, Response, Step};
use crate::policy::{FieldValue, Format};
use crate::request::preflight_reasons;

/// The status the handler is assumed to answer with, where the policy sends the request on to
/// it (the actual request, and a preflight under `preflight_passthrough`).
pub const HANDLER_STATUS: u16 = 200;

/// One request and the policy's answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request's header lines, as the browser sends them.
    pub request: HeaderList,
    /// The status: answered by the policy now, or the handler's (assumed
    /// [`HANDLER_STATUS`]).
    pub status: u16,
    /// Whether the status is the handler's rather than the policy's.
    pub status_from_handler: bool,
    /// The CORS headers the policy writes.
    pub response: HeaderList,
    /// Why the policy refused the request, if it did: the core's reason and its `Display`.
    pub rejection: Option<(Reason, String)>,
}

/// What happens to a fetch under one policy.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The preflight and the browser's verdict on its answer, when one is sent.
    pub preflight: Option<(Exchange, Result<Allowed, PreflightFailure>)>,
    /// The actual request and the browser's CORS check, unless a failed preflight stopped it.
    pub actual: Option<(Exchange, Result<(), CorsCheckFailure>)>,
}

impl Evaluation {
    /// Whether the browser lets the page have the response.
    pub fn allowed(&self) -> bool {
        matches!(&self.actual, Some((_, Ok(()))))
    }

    /// Why the browser refuses the fetch, if it does.
    pub fn refusal(&self) -> Option<Refusal<'_>> {
        if let Some((exchange, Err(failure))) = &self.preflight {
            return Some(Refusal {
                why: format!("the preflight fails: {failure}"),
                step: failure.step(),
                rejection: exchange.rejection.as_ref(),
            });
        }
        match &self.actual {
            Some((exchange, Err(failure))) => Some(Refusal {
                why: format!("the response is withheld from the page: {failure}"),
                step: failure.step(),
                rejection: exchange.rejection.as_ref(),
            }),
            _ => None,
        }
    }
}

/// Why the browser refuses a fetch.
#[derive(Debug, Clone)]
pub struct Refusal<'a> {
    /// The browser's reason, in words.
    pub why: String,
    /// The Fetch step that fails.
    pub step: Step,
    /// The policy's own reason, when it refused the request.
    pub rejection: Option<&'a (Reason, String)>,
}

/// Every CORS header of a decision, as header lines.
fn lines(decision: &Decision<'_>) -> HeaderList {
    let mut list = HeaderList::default();
    for (name, value) in decision.headers().iter() {
        list.append(name.as_str(), value.as_bytes());
    }
    list
}

fn exchange(request: HeaderList, decision: &Decision<'_>) -> Exchange {
    let (status, from_handler) = match decision.respond_now() {
        Some(status) => (status.as_u16(), false),
        None => (HANDLER_STATUS, true),
    };
    Exchange {
        request,
        status,
        status_from_handler: from_handler,
        response: lines(decision),
        rejection: decision.rejection().map(|r| (r.reason(), r.to_string())),
    }
}

/// Puts `fetch` to the policy `cors` and judges the answers as a browser (with an empty
/// preflight cache) would.
pub fn evaluate(cors: &Cors, fetch: &Fetch) -> Evaluation {
    let mut evaluation = Evaluation {
        preflight: None,
        actual: None,
    };
    if preflight::is_needed(fetch, &Default::default()) {
        let request = preflight::request_headers(fetch);
        let mut req = CorsRequest::new(b"OPTIONS");
        for (name, value) in request.iter() {
            req.add_header(name.as_bytes(), value);
        }
        let decision = cors.decide(&req);
        let exchange = exchange(request.clone(), &decision);
        let response = Response::new(exchange.status, exchange.response.clone());
        let verdict = preflight::check(fetch, &response);
        let failed = verdict.is_err();
        evaluation.preflight = Some((exchange, verdict));
        if failed {
            return evaluation;
        }
    }
    let mut request = HeaderList::default();
    request.append("Origin", fetch.origin.as_bytes());
    for (name, value) in fetch.headers.iter() {
        request.append(name, value);
    }
    let mut req = CorsRequest::new(fetch.method.as_bytes());
    req.add_origin(fetch.origin.as_bytes());
    let decision = cors.decide(&req);
    let exchange = exchange(request, &decision);
    let verdict = cors_check(
        fetch,
        &Response::new(exchange.status, exchange.response.clone()),
    );
    evaluation.actual = Some((exchange, verdict));
    evaluation
}

/// One change to a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Add the origin to `allow_origins`.
    AddOrigin(String),
    /// Add the method to `allow_methods`.
    AddMethod(String),
    /// Add the header name to `allow_headers`.
    AddHeader(String),
    /// Set `allow_credentials: true`.
    AllowCredentials,
}

impl Change {
    /// Makes the change to `config`.
    pub fn apply(&self, config: &mut Config) {
        match self {
            Change::AddOrigin(origin) => config.allow_origins.push(origin.clone()),
            Change::AddMethod(method) => config.allow_methods.push(method.clone()),
            Change::AddHeader(name) => config.allow_headers.push(name.clone()),
            Change::AllowCredentials => config.allow_credentials = true,
        }
    }

    /// The change in words, and the changed field as written in `format` after it, under
    /// `config` (the policy with every change made).
    pub fn describe(&self, config: &Config, format: Format) -> (String, String) {
        match self {
            Change::AddOrigin(origin) => (
                format!("add `{origin}` to allow_origins"),
                format.field(
                    "allow_origins",
                    &FieldValue::List(config.allow_origins.clone()),
                ),
            ),
            Change::AddMethod(method) => (
                format!("add `{method}` to allow_methods"),
                format.field(
                    "allow_methods",
                    &FieldValue::List(config.allow_methods.clone()),
                ),
            ),
            Change::AddHeader(name) => (
                format!("add `{name}` to allow_headers"),
                format.field(
                    "allow_headers",
                    &FieldValue::List(config.allow_headers.clone()),
                ),
            ),
            Change::AllowCredentials => (
                "allow credentials".to_owned(),
                format.field("allow_credentials", &FieldValue::Bool(true)),
            ),
        }
    }
}

/// What can be done about a refusal.
#[derive(Debug, Clone)]
pub enum Fix {
    /// These changes, in order, make the policy allow the fetch: checked by deciding again
    /// under `config`, the policy with them made.
    Changes {
        /// The changes.
        changes: Vec<Change>,
        /// The policy with them made.
        config: Config,
    },
    /// The change the refusal calls for makes the policy invalid: no safe change allows the
    /// fetch, and the core's error says why.
    NoSafeChange {
        /// The changes tried, the last of which the core refused.
        tried: Vec<Change>,
        /// The core's error.
        error: ConfigError,
    },
    /// No field of the policy changes the outcome (say, a refusal for a reason the policy does
    /// not decide).
    Unknown(String),
}

/// The change that the refusal in `evaluation` calls for.
fn next_change(evaluation: &Evaluation, fetch: &Fetch) -> Result<Change, String> {
    let Some(refusal) = evaluation.refusal() else {
        return Err("the fetch is allowed".to_owned());
    };
    if let Some((reason, text)) = refusal.rejection {
        let value = |what: &str| {
            // The core's message quotes the value between backticks.
            text.split('`')
                .nth(1)
                .map(str::to_owned)
                .unwrap_or_else(|| what.to_owned())
        };
        return match reason {
            Reason::OriginNotAllowed => Ok(Change::AddOrigin(fetch.origin.clone())),
            Reason::MethodNotAllowed => Ok(Change::AddMethod(value(&fetch.method))),
            Reason::HeaderNotAllowed => Ok(Change::AddHeader(value(""))),
            _ => Err(format!(
                "the policy refuses it ({text}), and no field of the policy changes that"
            )),
        };
    }
    let failure = match (&evaluation.preflight, &evaluation.actual) {
        (Some((_, Err(PreflightFailure::CorsCheck(failure)))), _) => failure,
        (_, Some((_, Err(failure)))) => failure,
        _ => return Err("the browser refuses an answer the policy does not refuse".to_owned()),
    };
    match failure {
        CorsCheckFailure::CredentialsNotAllowed { .. }
        | CorsCheckFailure::AllowOriginMismatch {
            wildcard_with_credentials: true,
            ..
        } => Ok(Change::AllowCredentials),
        other => Err(format!("the browser refuses the policy's answer: {other}")),
    }
}

/// Finds the smallest change to `config` under which `fetch` is allowed, making one change
/// per refusal and deciding again until the fetch is allowed, or a change is refused by the
/// core, or no change helps.
pub fn find_fix(config: &Config, fetch: &Fetch) -> Fix {
    let mut config = config.clone();
    let mut changes: Vec<Change> = Vec::new();
    // Each change fixes one part (origin, method, a header, credentials): a handful at most.
    for _ in 0..16 {
        let cors = match Cors::try_from(config.clone()) {
            Ok(cors) => cors,
            Err(error) => {
                return Fix::NoSafeChange {
                    tried: changes,
                    error,
                }
            }
        };
        let evaluation = evaluate(&cors, fetch);
        if evaluation.allowed() {
            return Fix::Changes { changes, config };
        }
        let change = match next_change(&evaluation, fetch) {
            Ok(change) if !changes.contains(&change) => change,
            Ok(_) => return Fix::Unknown("the same change again does not help".to_owned()),
            Err(why) => return Fix::Unknown(why),
        };
        change.apply(&mut config);
        changes.push(change);
    }
    Fix::Unknown("too many changes".to_owned())
}

fn write_lines(out: &mut String, prefix: &str, list: &HeaderList) {
    for (name, value) in list.iter() {
        let _ = writeln!(out, "{prefix}{name}: {}", value.escape_ascii());
    }
}

/// The whole explanation as printed, and whether the browser allows the fetch. `source`
/// names the policy file in the text.
pub fn explain(
    config: &Config,
    format: Format,
    cors: &Cors,
    fetch: &Fetch,
    source: &str,
) -> (String, bool) {
    let mut out = String::new();
    let evaluation = evaluate(cors, fetch);
    let _ = writeln!(
        out,
        "A page on {} fetches with method {} (credentials: {}), under the policy {source}.",
        fetch.origin, fetch.method, fetch.credentials
    );
    if !fetch.headers.is_empty() {
        let names: Vec<&str> = fetch.headers.iter().map(|(n, _)| n).collect();
        let _ = writeln!(out, "The script sets: {}.", names.join(", "));
    }
    out.push('\n');

    match &evaluation.preflight {
        None => {
            let _ = writeln!(
                out,
                "Preflight: none. The method is CORS-safelisted and every header the script sets \
                 is a CORS-safelisted request-header, so the browser sends the request at once."
            );
        }
        Some((exchange, verdict)) => {
            let _ = writeln!(out, "Preflight: the browser sends one first, because");
            for reason in preflight_reasons(fetch) {
                let _ = writeln!(out, "  - {reason}");
            }
            let _ = writeln!(
                out,
                "\n  OPTIONS (without cookies, whatever the credentials mode)"
            );
            write_lines(&mut out, "  ", &exchange.request);
            if exchange.status_from_handler {
                let _ = writeln!(
                    out,
                    "\n  The policy passes it on to your handler (preflight_passthrough); with \
                     a {HANDLER_STATUS} from the handler, the response carries:"
                );
            } else {
                let _ = writeln!(out, "\n  The policy answers {} with:", exchange.status);
            }
            write_lines(&mut out, "  ", &exchange.response);
            if let Some((_, why)) = &exchange.rejection {
                let _ = writeln!(out, "  The policy refuses it: {why}");
            }
            match verdict {
                Ok(allowed) => {
                    let _ = writeln!(
                        out,
                        "\n  The browser: the preflight passes. It keeps this answer {} s{} \
                         (capped by the browser: Chromium 7200 s, Firefox 86400 s).",
                        allowed.max_age_seconds(),
                        if allowed.max_age.is_none() {
                            " (no Access-Control-Max-Age: the default)"
                        } else {
                            ""
                        }
                    );
                }
                Err(failure) => {
                    let _ = writeln!(
                        out,
                        "\n  The browser: the preflight fails, so the actual request is never \
                         sent: {failure}.\n  ({})",
                        failure.cite()
                    );
                }
            }
        }
    }

    if let Some((exchange, verdict)) = &evaluation.actual {
        let _ = writeln!(out, "\nActual request:\n\n  {}", fetch.method);
        write_lines(&mut out, "  ", &exchange.request);
        let _ = writeln!(
            out,
            "\n  The policy passes it on to your handler, and adds to its response:"
        );
        if exchange.response.is_empty() {
            let _ = writeln!(out, "  (nothing)");
        }
        write_lines(&mut out, "  ", &exchange.response);
        if let Some((_, why)) = &exchange.rejection {
            let _ = writeln!(out, "  The policy refuses it: {why}");
        }
        match verdict {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "\n  The browser: the CORS check passes; the page reads the response."
                );
            }
            Err(failure) => {
                let _ = writeln!(
                    out,
                    "\n  The browser: the CORS check fails, so the page gets a network error \
                     (\"TypeError: Failed to fetch\") and never sees the response: {failure}.\n  \
                     ({})",
                    failure.step()
                );
            }
        }
    }

    let allowed = evaluation.allowed();
    if allowed {
        let _ = writeln!(out, "\nResult: allowed.");
        return (out, true);
    }
    let why = evaluation
        .refusal()
        .map_or_else(|| "the browser refuses it".to_owned(), |r| r.why);
    let _ = writeln!(out, "\nResult: refused: {why}.");
    match find_fix(config, fetch) {
        Fix::Changes { changes, config } => {
            let _ = writeln!(
                out,
                "\nFix: the smallest change to {source} that allows this fetch{}:",
                if changes.len() > 1 {
                    " (all of these)"
                } else {
                    ""
                }
            );
            for change in &changes {
                let (words, field) = change.describe(&config, format);
                let _ = writeln!(out, "  - {words}:\n        {field}");
            }
            let _ = writeln!(
                out,
                "  Checked: with {} the policy allows the fetch.",
                if changes.len() > 1 {
                    "these changes"
                } else {
                    "this change"
                }
            );
        }
        Fix::NoSafeChange { tried, error } => {
            let words: Vec<String> = tried.iter().map(|c| c.describe(config, format).0).collect();
            let _ = writeln!(
                out,
                "\nNo safe change to {source} allows this fetch. It would take: {}; and the \
                 policy refuses that:",
                words.join(", then ")
            );
            for line in error.to_string().lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        Fix::Unknown(why) => {
            let _ = writeln!(out, "\nNo change to {source} found that allows it: {why}.");
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::Credentials;
    use fetch_cors::Problem;

    fn config(json: &str) -> Config {
        serde_json::from_str(json).expect("a config")
    }

    #[test]
    fn fixes_are_made_one_refusal_at_a_time_and_verified() {
        let c = config(r#"{"allow_origins": ["https://a.example"]}"#);
        let fetch =
            Fetch::new("https://b.example", "DELETE", Credentials::Include).with_header("x-a", "1");
        let Fix::Changes { changes, config } = find_fix(&c, &fetch) else {
            panic!("a fix");
        };
        assert_eq!(
            changes,
            [
                Change::AddOrigin("https://b.example".into()),
                Change::AddMethod("DELETE".into()),
                Change::AddHeader("x-a".into()),
                Change::AllowCredentials,
            ]
        );
        let cors = Cors::try_from(config).expect("valid");
        assert!(evaluate(&cors, &fetch).allowed());
    }

    #[test]
    fn an_allowed_fetch_needs_no_change() {
        let c = config(r#"{"allow_origins": "*"}"#);
        let fetch = Fetch::new("https://b.example", "GET", Credentials::Omit);
        assert!(matches!(find_fix(&c, &fetch), Fix::Changes { changes, .. } if changes.is_empty()));
    }

    #[test]
    fn unsafe_fixes_are_refused_by_the_core() {
        let c = config(r#"{"allow_origins": "*"}"#);
        let fetch = Fetch::new("https://b.example", "GET", Credentials::Include);
        let Fix::NoSafeChange { tried, error } = find_fix(&c, &fetch) else {
            panic!("no safe change");
        };
        assert_eq!(tried, [Change::AllowCredentials]);
        assert_eq!(error.problems(), [Problem::AnyOriginWithCredentials]);
    }

    #[test]
    fn a_lower_case_method_is_added_as_sent() {
        let c = config(r#"{"allow_origins": ["https://a.example"], "allow_methods": ["PATCH"]}"#);
        let fetch = Fetch::new("https://a.example", "patch", Credentials::Omit);
        let Fix::Changes { changes, .. } = find_fix(&c, &fetch) else {
            panic!("a fix");
        };
        assert_eq!(changes, [Change::AddMethod("patch".into())]);
    }
}
