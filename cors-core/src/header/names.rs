//! Header names: the forbidden ones, and the set of request-header names a policy allows.
//!
//! Header names compare case-insensitively (RFC 9110 §5.1; Fetch "byte-lowercase").

use std::collections::HashSet;

use ahash::RandomState;
use http::HeaderValue;

use crate::error::{Field, Problem};
use crate::token::is_token;
use crate::wildcard::wildcard;

/// [Fetch, forbidden request-header,
/// step 1](https://fetch.spec.whatwg.org/#forbidden-request-header): scripts can never set
/// these, so allowing one in a policy does nothing. (Names starting with `proxy-` or `sec-` are
/// forbidden too: step 2.)
const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Whether `name` is a forbidden request-header name, ignoring case
/// ([Fetch, forbidden request-header,
/// steps 1-2](https://fetch.spec.whatwg.org/#forbidden-request-header)).
///
/// Public for tools that play the browser's side (the `fetch-cors` command's `check`), so
/// that the list is written once.
///
/// ```
/// assert!(fetch_cors::is_forbidden_request_header("Cookie"));
/// assert!(fetch_cors::is_forbidden_request_header("sec-fetch-mode"));
/// assert!(!fetch_cors::is_forbidden_request_header("authorization"));
/// ```
pub fn is_forbidden_request_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    FORBIDDEN_REQUEST_HEADERS.contains(&lower.as_str())
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
}

/// [Fetch, forbidden response-header
/// name](https://fetch.spec.whatwg.org/#forbidden-response-header-name): `Set-Cookie` and
/// `Set-Cookie2` are never exposed to scripts, whatever `Access-Control-Expose-Headers` says.
pub(crate) fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Up to this many names are compared one by one; more are hashed.
const LINEAR_MAX: usize = 12;
/// Names longer than this are never hashed (a stack buffer lower-cases the key).
const HASHED_NAME_MAX: usize = 128;

/// A set of lower-case header names, looked up case-insensitively without allocating.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameSet {
    names: Vec<Box<[u8]>>,
    hashed: Option<HashSet<Box<[u8]>, RandomState>>,
    max_len: usize,
}

impl NameSet {
    /// Builds the set from valid token names (any case).
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut lower: Vec<Box<[u8]>> = names
            .into_iter()
            .map(|n| n.to_ascii_lowercase().into_bytes().into_boxed_slice())
            .collect();
        lower.sort();
        lower.dedup();
        let max_len = lower.iter().map(|n| n.len()).max().unwrap_or(0);
        let hashed = (lower.len() > LINEAR_MAX && max_len <= HASHED_NAME_MAX)
            .then(|| lower.iter().cloned().collect());
        NameSet {
            names: lower,
            hashed,
            max_len,
        }
    }

    /// Whether `name` is in the set, ignoring ASCII case.
    #[inline]
    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        if name.len() > self.max_len {
            return false;
        }
        match &self.hashed {
            Some(set) => {
                let mut buf = [0u8; HASHED_NAME_MAX];
                let key = &mut buf[..name.len()];
                key.copy_from_slice(name);
                key.make_ascii_lowercase();
                set.contains(&*key)
            }
            // Browsers send lower-case names (Fetch #cors-unsafe-request-header-names step 6
            // lower-cases the list), so an exact comparison settles most look-ups before case
            // folding.
            None => {
                self.names.iter().any(|n| eq_short(n, name))
                    || self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
            }
        }
    }
}

/// `a == b`, with names of 4 to 16 bytes (most header names) compared as two overlapping
/// words each rather than through a library call.
#[inline]
fn eq_short(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        s.get(at..at + N)
            .and_then(|w| w.try_into().ok())
            .unwrap_or([0; N])
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => {
            u64::from_ne_bytes(word(a, 0)) == u64::from_ne_bytes(word(b, 0))
                && u64::from_ne_bytes(word(a, n - 8)) == u64::from_ne_bytes(word(b, n - 8))
        }
        4..=7 => {
            u32::from_ne_bytes(word(a, 0)) == u32::from_ne_bytes(word(b, 0))
                && u32::from_ne_bytes(word(a, n - 4)) == u32::from_ne_bytes(word(b, n - 4))
        }
        _ => a == b,
    }
}

/// The request-header names a policy allows in a preflight.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedHeaders {
    /// `*` was configured: every name but `authorization`.
    pub(crate) any: bool,
    /// `authorization` was listed by name.
    pub(crate) authorization: bool,
    pub(crate) names: NameSet,
}

impl AllowedHeaders {
    #[inline]
    pub(crate) fn allows(&self, name: &[u8]) -> bool {
        // Fetch #cors-preflight-fetch step 7.6: `*` in Access-Control-Allow-Headers never
        // covers `Authorization` (a "CORS non-wildcard request-header name"), so the wildcard
        // here does not either.
        if name.eq_ignore_ascii_case(b"authorization") {
            return self.authorization;
        }
        self.any || self.names.contains(name)
    }
}

/// Validates `allow_headers`; every problem found goes to `problems`.
pub(crate) fn build_allowed_headers(
    list: &[String],
    problems: &mut Vec<Problem>,
) -> AllowedHeaders {
    let any = wildcard(
        Field::AllowHeaders,
        list,
        |v| v.eq_ignore_ascii_case("authorization"),
        "`*` covers every name but `authorization`: write `*` alone, or `*` and `authorization`",
        problems,
    );
    let mut names = Vec::new();
    for value in list.iter().filter(|v| *v != "*") {
        if !is_token(value.as_bytes()) {
            problems.push(Problem::InvalidHeaderName {
                field: Field::AllowHeaders,
                value: value.clone(),
            });
        } else if is_forbidden_request_header(value) {
            problems.push(Problem::ForbiddenRequestHeader {
                value: value.clone(),
            });
        } else {
            names.push(value.as_str());
        }
    }
    AllowedHeaders {
        any,
        authorization: names
            .iter()
            .any(|n| n.eq_ignore_ascii_case("authorization")),
        names: NameSet::new(names),
    }
}

/// Validates `expose_headers` (`*` is refused with credentials, where browsers read it
/// literally) and joins the names into the value sent; every problem found goes to
/// `problems`.
pub(crate) fn build_expose(
    list: &[String],
    credentials: bool,
    problems: &mut Vec<Problem>,
) -> Option<HeaderValue> {
    let any = wildcard(
        Field::ExposeHeaders,
        list,
        |_| false,
        "write `*` alone, or list names without `*`",
        problems,
    );
    if any {
        if credentials {
            problems.push(Problem::AnyExposedHeaderWithCredentials);
        }
        return Some(HeaderValue::from_static("*"));
    }
    let mut names: Vec<&str> = Vec::new();
    for value in list {
        if !is_token(value.as_bytes()) {
            problems.push(Problem::InvalidHeaderName {
                field: Field::ExposeHeaders,
                value: value.clone(),
            });
        } else if is_forbidden_response_header(value) {
            problems.push(Problem::ForbiddenResponseHeader {
                value: value.clone(),
            });
        } else if !names.iter().any(|n| n.eq_ignore_ascii_case(value)) {
            names.push(value);
        }
    }
    if names.is_empty() {
        return None;
    }
    // Tokens joined by ", " are visible ASCII, so this cannot fail.
    HeaderValue::from_str(&names.join(", ")).ok()
}

/// A policy's allowed request headers, for tests of the scanner that checks against them.
#[cfg(test)]
pub(crate) fn allowed(any: bool, names: &[&str]) -> AllowedHeaders {
    AllowedHeaders {
        any,
        authorization: names
            .iter()
            .any(|n| n.eq_ignore_ascii_case("authorization")),
        names: NameSet::new(names.iter().copied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names() {
        assert!(is_forbidden_request_header("Cookie"));
        assert!(is_forbidden_request_header("sec-fetch-mode"));
        assert!(is_forbidden_request_header("Proxy-Authorization"));
        assert!(!is_forbidden_request_header("authorization"));
        assert!(!is_forbidden_request_header("x-secret"));
        assert!(is_forbidden_response_header("Set-Cookie"));
        assert!(!is_forbidden_response_header("x-set-cookie"));
    }

    #[test]
    fn short_comparison() {
        let names: Vec<Vec<u8>> = (0..=20)
            .flat_map(|len| {
                (0..len).map(move |i| {
                    let mut v = vec![b'a'; len];
                    v[i] = b'b';
                    v
                })
            })
            .chain((0..=20).map(|len| vec![b'a'; len]))
            .collect();
        for a in &names {
            for b in &names {
                assert_eq!(eq_short(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn name_set_small_and_large() {
        let small = NameSet::new(["X-Foo", "content-type"]);
        assert!(small.contains(b"x-foo"));
        assert!(small.contains(b"CONTENT-TYPE"));
        assert!(!small.contains(b"x-bar"));
        let many: Vec<String> = (0..100).map(|i| format!("X-H-{i}")).collect();
        let large = NameSet::new(many.iter().map(String::as_str));
        assert!(large.hashed.is_some());
        assert!(large.contains(b"x-h-42"));
        assert!(large.contains(b"X-H-99"));
        assert!(!large.contains(b"x-h-100"));
        assert!(!large.contains(&[b'x'; 300]));
    }

    #[test]
    fn authorization_needs_its_name() {
        assert!(!allowed(true, &[]).allows(b"Authorization"));
        assert!(allowed(true, &[]).allows(b"x-anything"));
        assert!(allowed(true, &["authorization"]).allows(b"AUTHORIZATION"));
        assert!(allowed(false, &["Authorization"]).allows(b"authorization"));
    }
}
