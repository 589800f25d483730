//! The fetch a person describes on the command line, checked as a browser would check it
//! before sending anything: a serialized origin, a method `fetch()` accepts, headers a script
//! can set.

use std::fmt;

use crate::browser::safelist::{
    is_forbidden_method, is_forbidden_request_header, is_safelisted_method,
    is_safelisted_request_header, is_token,
};
use crate::browser::{Credentials, Fetch};

/// Why the described fetch is not one a page can make: a usage error (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Names whose safelisting depends on the value, so that a bare name says too little.
const VALUE_MATTERS: [&str; 5] = [
    "accept",
    "accept-language",
    "content-language",
    "content-type",
    "range",
];

/// The value sent for a header given by name alone.
pub const BARE_NAME_VALUE: &str = "1";

/// Builds the [`Fetch`] from the command line's `--origin`, `--method`, `--header` (each
/// `name` or `name: value`) and `--credentials`.
///
/// ```
/// use fetch_cors_cli::browser::Credentials;
/// use fetch_cors_cli::request::describe;
///
/// let fetch = describe("https://app.example", "put", &["x-request-id".into()], Credentials::Omit)?;
/// assert_eq!(fetch.method, "PUT");
/// assert!(describe("https://app.example/", "GET", &[], Credentials::Omit).is_err());
/// # Ok::<(), fetch_cors_cli::request::UsageError>(())
/// ```
pub fn describe(
    origin: &str,
    method: &str,
    headers: &[String],
    credentials: Credentials,
) -> Result<Fetch, UsageError> {
    check_origin(origin)?;
    if !is_token(method) {
        return Err(UsageError(format!(
            "--method `{method}` is not a method name (an HTTP token, such as PUT)"
        )));
    }
    if is_forbidden_method(method) {
        return Err(UsageError(format!(
            "--method `{method}` is a forbidden method: fetch() throws rather than send it \
             (https://fetch.spec.whatwg.org/#forbidden-method)"
        )));
    }
    let mut fetch = Fetch::new(origin, method, credentials);
    for header in headers {
        let (name, value) = match header.split_once(':') {
            Some((name, value)) => (name.trim(), value.trim_matches([' ', '\t'])),
            None => (header.trim(), ""),
        };
        if !is_token(name) {
            return Err(UsageError(format!(
                "--header `{header}`: `{name}` is not a header name; write `name` or \
                 `name: value`"
            )));
        }
        if is_forbidden_request_header(name) {
            return Err(UsageError(format!(
                "--header `{name}` is a forbidden request-header: the browser sets it itself \
                 and ignores a script's value (https://fetch.spec.whatwg.org/#forbidden-request-header)"
            )));
        }
        let value = if header.contains(':') {
            value
        } else if VALUE_MATTERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(UsageError(format!(
                "--header `{name}` needs its value, since whether it needs a preflight depends \
                 on it: write e.g. `--header '{name}: {}'`",
                example_value(name)
            )));
        } else {
            BARE_NAME_VALUE
        };
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(UsageError(format!(
                "--header `{name}`: a value cannot hold a line break or NUL"
            )));
        }
        fetch = fetch.with_header(name, value);
    }
    Ok(fetch)
}

fn example_value(name: &str) -> &'static str {
    match name.to_ascii_lowercase().as_str() {
        "content-type" => "application/json",
        "range" => "bytes=0-99",
        "accept" => "application/json",
        _ => "en",
    }
}

/// Refuses an `--origin` that is not a serialized origin, naming the one a browser would send.
fn check_origin(origin: &str) -> Result<(), UsageError> {
    if origin == "null" {
        return Ok(());
    }
    let serialized = url::Url::parse(origin)
        .ok()
        .map(|u| u.origin())
        .filter(url::Origin::is_tuple)
        .map(|o| o.ascii_serialization());
    match serialized {
        Some(s) if s == origin => Ok(()),
        Some(s) => Err(UsageError(format!(
            "--origin `{origin}` is not a serialized origin (scheme, host and port only, as a \
             browser sends it in Origin); did you mean `{s}`?"
        ))),
        None => Err(UsageError(format!(
            "--origin `{origin}` is not an origin: write the page's scheme, host and port, such \
             as `https://app.example` or `http://localhost:3000`, or `null`"
        ))),
    }
}

/// Why the fetch needs a preflight, in words (empty when it needs none): the method if it is
/// not CORS-safelisted, and each header that is not a CORS-safelisted request-header.
pub fn preflight_reasons(fetch: &Fetch) -> Vec<String> {
    let mut reasons = Vec::new();
    if !is_safelisted_method(&fetch.method) {
        reasons.push(format!(
            "`{}` is not a CORS-safelisted method (GET, HEAD, POST: \
             https://fetch.spec.whatwg.org/#cors-safelisted-method)",
            fetch.method
        ));
    }
    let unsafe_names = crate::browser::safelist::unsafe_names(&fetch.headers);
    for name in &unsafe_names {
        let value = fetch
            .headers
            .values(name)
            .next()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        let safelisted_alone = fetch
            .headers
            .values(name)
            .all(|v| is_safelisted_request_header(name, v));
        reasons.push(if safelisted_alone {
            format!(
                "`{name}` is safelisted, but the safelisted headers' values add up to more than \
                 1024 bytes (https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)"
            )
        } else {
            format!(
                "`{name}: {value}` is not a CORS-safelisted request-header \
                 (https://fetch.spec.whatwg.org/#cors-safelisted-request-header)"
            )
        });
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_be_serialized() {
        for ok in [
            "https://app.example",
            "http://localhost:3000",
            "null",
            "https://[::1]:8443",
        ] {
            assert!(check_origin(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("https://app.example/", "did you mean `https://app.example`"),
            ("https://APP.example", "did you mean `https://app.example`"),
            (
                "https://app.example:443",
                "did you mean `https://app.example`",
            ),
            ("app.example", "is not an origin"),
            ("file:///tmp/x", "is not an origin"),
        ] {
            let err = check_origin(bad).unwrap_err();
            assert!(err.0.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn headers_are_name_or_name_and_value() {
        let f = describe(
            "https://a.example",
            "GET",
            &[
                "X-A".into(),
                "content-type: text/plain".into(),
                "x-b:2".into(),
            ],
            Credentials::Omit,
        )
        .unwrap();
        let lines: Vec<(&str, &[u8])> = f.headers.iter().collect();
        assert_eq!(
            lines,
            [
                ("X-A", BARE_NAME_VALUE.as_bytes()),
                ("content-type", &b"text/plain"[..]),
                ("x-b", b"2")
            ]
        );
        assert!(describe(
            "https://a.example",
            "GET",
            &["x a".into()],
            Credentials::Omit
        )
        .is_err());
        assert!(describe("https://a.example", "G T", &[], Credentials::Omit).is_err());
    }

    #[test]
    fn reasons_name_the_method_and_each_unsafe_header() {
        let f = Fetch::new("https://a.example", "PUT", Credentials::Omit)
            .with_header("content-type", "application/json")
            .with_header("accept", "*/*");
        let reasons = preflight_reasons(&f);
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].starts_with("`PUT` is not a CORS-safelisted method"));
        assert!(reasons[1].starts_with("`content-type: application/json` is not"));
    }
}
