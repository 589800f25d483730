//! [Fetch, CORS check](https://fetch.spec.whatwg.org/#cors-check): whether a response may be
//! shared with the page. A browser runs it on the answer to the actual request
//! ([HTTP fetch, step 4.4](https://fetch.spec.whatwg.org/#http-fetch)) and on the
//! answer to a preflight ([CORS-preflight fetch, step
//! 7](https://fetch.spec.whatwg.org/#cors-preflight-fetch)), each time with the actual
//! request's credentials mode.

use std::fmt;

use super::{Fetch, Response, Step};

/// Why the CORS check failed, named after the step that returned failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsCheckFailure {
    /// Step 2: no `Access-Control-Allow-Origin` at all.
    NoAllowOrigin,
    /// Step 4: `Access-Control-Allow-Origin` is not the request's origin, byte for byte (nor
    /// `*` without credentials: step 3).
    AllowOriginMismatch {
        /// The value received (lines joined by `, `).
        allow_origin: Vec<u8>,
        /// The origin the browser sent.
        origin: String,
        /// Whether the value was `*` on a request with credentials: `*` is read literally then.
        wildcard_with_credentials: bool,
    },
    /// Step 8: a request with credentials, and `Access-Control-Allow-Credentials` is not
    /// `true` (step 7).
    CredentialsNotAllowed {
        /// The value received, if any.
        allow_credentials: Option<Vec<u8>>,
    },
}

impl CorsCheckFailure {
    /// The step that returned failure.
    pub fn step(&self) -> Step {
        let step = match self {
            CorsCheckFailure::NoAllowOrigin => "2",
            CorsCheckFailure::AllowOriginMismatch { .. } => "4",
            CorsCheckFailure::CredentialsNotAllowed { .. } => "8",
        };
        Step {
            algorithm: "CORS check",
            anchor: "cors-check",
            step,
        }
    }
}

impl fmt::Display for CorsCheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsCheckFailure::NoAllowOrigin => {
                f.write_str("there is no Access-Control-Allow-Origin header")
            }
            CorsCheckFailure::AllowOriginMismatch {
                wildcard_with_credentials: true,
                ..
            } => f.write_str(
                "Access-Control-Allow-Origin is `*`, but the request is sent with credentials \
                 (credentials: \"include\"), and then `*` is read literally: the header must \
                 name the origin",
            ),
            CorsCheckFailure::AllowOriginMismatch {
                allow_origin,
                origin,
                ..
            } => write!(
                f,
                "Access-Control-Allow-Origin is `{}`, which is not the page's origin `{origin}` \
                 byte for byte",
                allow_origin.escape_ascii()
            ),
            CorsCheckFailure::CredentialsNotAllowed {
                allow_credentials: None,
            } => f.write_str(
                "the request is sent with credentials (credentials: \"include\"), and there is \
                 no Access-Control-Allow-Credentials: true",
            ),
            CorsCheckFailure::CredentialsNotAllowed {
                allow_credentials: Some(value),
            } => write!(
                f,
                "the request is sent with credentials (credentials: \"include\"), and \
                 Access-Control-Allow-Credentials is `{}`, not `true` (case-sensitive)",
                value.escape_ascii()
            ),
        }
    }
}

/// [Fetch, CORS check](https://fetch.spec.whatwg.org/#cors-check) for `fetch` and `response`.
///
/// ```
/// use fetch_cors_cli::browser::cors_check::{cors_check, CorsCheckFailure};
/// use fetch_cors_cli::browser::{Credentials, Fetch, HeaderList, Response};
///
/// let fetch = Fetch::new("https://foo.invalid", "GET", Credentials::Include);
/// let star = Response::new(200, HeaderList::from_pairs([
///     ("access-control-allow-origin", "*"),
///     ("access-control-allow-credentials", "true"),
/// ]));
/// assert!(matches!(
///     cors_check(&fetch, &star),
///     Err(CorsCheckFailure::AllowOriginMismatch { wildcard_with_credentials: true, .. })
/// ));
/// ```
pub fn cors_check(fetch: &Fetch, response: &Response) -> Result<(), CorsCheckFailure> {
    // Step 1: get `Access-Control-Allow-Origin` (every line, joined by `, `).
    // Step 2: null (no such header; not the value `null`) is a failure.
    let Some(origin) = response.headers.get("access-control-allow-origin") else {
        return Err(CorsCheckFailure::NoAllowOrigin);
    };
    let include = fetch.credentials.is_include();
    // Step 3.
    if !include && origin == b"*" {
        return Ok(());
    }
    // Step 4: the byte-serialized request origin, compared byte for byte.
    if origin != fetch.origin.as_bytes() {
        return Err(CorsCheckFailure::AllowOriginMismatch {
            wildcard_with_credentials: include && origin == b"*",
            allow_origin: origin,
            origin: fetch.origin.clone(),
        });
    }
    // Step 5.
    if !include {
        return Ok(());
    }
    // Step 6.
    let credentials = response.headers.get("access-control-allow-credentials");
    // Step 7.
    if credentials.as_deref() == Some(b"true") {
        return Ok(());
    }
    // Step 8.
    Err(CorsCheckFailure::CredentialsNotAllowed {
        allow_credentials: credentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::{Credentials, HeaderList};

    fn response(pairs: &[(&str, &str)]) -> Response {
        Response::new(200, HeaderList::from_pairs(pairs.iter().copied()))
    }

    fn fetch(origin: &str, credentials: Credentials) -> Fetch {
        Fetch::new(origin, "GET", credentials)
    }

    const ACAO: &str = "access-control-allow-origin";
    const ACAC: &str = "access-control-allow-credentials";

    /// [Fetch, CORS protocol and credentials](https://fetch.spec.whatwg.org/#cors-protocol-and-credentials):
    /// the spec's table for a request to `https://rabbit.invalid/`, row by row. (The table
    /// writes the request's origin as the page's; the row with a trailing slash is the page
    /// `https://rabbit.invalid` answered with `https://rabbit.invalid/`.)
    #[test]
    fn the_specs_credentials_table() {
        let page = "https://rabbit.invalid";
        let rows: [(Credentials, &str, Option<&str>, bool); 7] = [
            (Credentials::Omit, "*", None, true),
            (Credentials::Omit, "*", Some("true"), true),
            (Credentials::Omit, "https://rabbit.invalid/", None, false),
            (Credentials::Omit, "https://rabbit.invalid", None, true),
            (Credentials::Include, "*", Some("true"), false),
            (
                Credentials::Include,
                "https://rabbit.invalid",
                Some("true"),
                true,
            ),
            (
                Credentials::Include,
                "https://rabbit.invalid",
                Some("True"),
                false,
            ),
        ];
        for (credentials, acao, acac, shared) in rows {
            let mut pairs = vec![(ACAO, acao)];
            if let Some(acac) = acac {
                pairs.push((ACAC, acac));
            }
            let result = cors_check(&fetch(page, credentials), &response(&pairs));
            assert_eq!(
                result.is_ok(),
                shared,
                "{credentials} {acao} {acac:?}: {result:?}"
            );
        }
    }

    /// [Fetch, CORS protocol examples](https://fetch.spec.whatwg.org/#cors-protocol-examples),
    /// the first: a script at `https://foo.invalid/` fetches `https://bar.invalid/`; "if its
    /// value is either `https://foo.invalid` or `*`, the user agent will invoke the success
    /// callback. If it has any other value, or is missing, [...] the failure callback."
    #[test]
    fn first_example_success_and_failure() {
        let f = fetch("https://foo.invalid", Credentials::SameOrigin);
        assert_eq!(
            cors_check(&f, &response(&[(ACAO, "https://foo.invalid")])),
            Ok(())
        );
        assert_eq!(cors_check(&f, &response(&[(ACAO, "*")])), Ok(()));
        assert_eq!(
            cors_check(&f, &response(&[])),
            Err(CorsCheckFailure::NoAllowOrigin)
        );
        for other in ["https://bar.invalid", "null", "https://FOO.invalid", ""] {
            assert!(matches!(
                cors_check(&f, &response(&[(ACAO, other)])),
                Err(CorsCheckFailure::AllowOriginMismatch { .. })
            ));
        }
    }

    /// The third example: with credentials, `bar.invalid` must answer
    /// `Access-Control-Allow-Origin: https://foo.invalid` and
    /// `Access-Control-Allow-Credentials: true`; `*` is not allowed.
    #[test]
    fn third_example_credentials() {
        let f = fetch("https://foo.invalid", Credentials::Include);
        let both = response(&[(ACAO, "https://foo.invalid"), (ACAC, "true")]);
        assert_eq!(cors_check(&f, &both), Ok(()));
        let failure = cors_check(&f, &response(&[(ACAO, "https://foo.invalid")])).unwrap_err();
        assert_eq!(failure.step().step, "8");
        assert_eq!(
            failure,
            CorsCheckFailure::CredentialsNotAllowed {
                allow_credentials: None
            }
        );
        let star = cors_check(&f, &response(&[(ACAO, "*"), (ACAC, "true")])).unwrap_err();
        assert_eq!(star.step().step, "4");
        assert!(star.to_string().contains("`*` is read literally"), "{star}");
    }

    #[test]
    fn two_allow_origin_lines_never_match() {
        let f = fetch("https://a.example", Credentials::Omit);
        let twice = response(&[(ACAO, "https://a.example"), (ACAO, "https://a.example")]);
        let failure = cors_check(&f, &twice).unwrap_err();
        assert!(
            failure
                .to_string()
                .contains("`https://a.example, https://a.example`"),
            "{failure}"
        );
        // Two `*` lines are `*, *`, not `*`.
        assert!(cors_check(&f, &response(&[(ACAO, "*"), (ACAO, "*")])).is_err());
    }

    #[test]
    fn null_origin_is_matched_literally() {
        let f = fetch("null", Credentials::Omit);
        assert_eq!(cors_check(&f, &response(&[(ACAO, "null")])), Ok(()));
    }

    #[test]
    fn credentials_header_is_ignored_without_credentials() {
        let f = fetch("https://a.example", Credentials::SameOrigin);
        let r = response(&[(ACAO, "https://a.example"), (ACAC, "false")]);
        assert_eq!(cors_check(&f, &r), Ok(()));
    }
}
