//! Methods: the CORS-safelisted ones, the forbidden ones, and a policy's allowed set.
//!
//! Methods are case-sensitive (RFC 9110 §9.1), and Fetch compares them byte for byte, after
//! normalising only DELETE, GET, HEAD, OPTIONS, POST and PUT on the browser's side
//! ([Fetch, normalize a method](https://fetch.spec.whatwg.org/#concept-method-normalize)). So
//! `patch` is not `PATCH`.

use smallvec::SmallVec;

use crate::error::{Field, Problem};
use crate::token::is_token;
use crate::wildcard::wildcard;

/// [Fetch, CORS-safelisted method](https://fetch.spec.whatwg.org/#cors-safelisted-method): a
/// CORS-safelisted method is `GET`, `HEAD` or `POST` (byte for byte).
#[inline]
pub(crate) fn is_safelisted(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"POST")
}

/// [Fetch, forbidden method](https://fetch.spec.whatwg.org/#forbidden-method): a forbidden
/// method is a byte-case-insensitive match for `CONNECT`, `TRACE` or `TRACK`. Browsers never
/// send one, so a policy never allows one.
#[inline]
pub(crate) fn is_forbidden(method: &[u8]) -> bool {
    [&b"CONNECT"[..], b"TRACE", b"TRACK"]
        .iter()
        .any(|f| method.eq_ignore_ascii_case(f))
}

/// [Fetch, normalize a method](https://fetch.spec.whatwg.org/#concept-method-normalize): what
/// a browser sends for `method`, when it rewrites it; `None` when it sends it as written.
pub(crate) fn normalized(method: &str) -> Option<&'static str> {
    ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(method) && *n != method)
}

/// The methods a policy allows beyond the safelisted ones.
#[derive(Debug, Clone)]
pub(crate) enum Methods {
    /// `allow_methods: "*"`: every method but the forbidden ones.
    Any,
    /// `allow_methods: "*"` served by a framework that answers some methods itself, with an
    /// error, before any CORS layer runs
    /// ([`Cors::restrict_methods`](crate::Cors::restrict_methods)): every method but the
    /// forbidden ones that the function says the framework can receive.
    AnyReceivable(fn(&[u8]) -> bool),
    /// The methods listed, as configured (validated tokens). Lists are short, so a linear
    /// scan of a few byte comparisons beats hashing.
    Listed(SmallVec<[Box<[u8]>; 4]>),
}

impl Methods {
    /// Whether a preflight may ask for `method` (a token, not forbidden).
    #[inline]
    pub(crate) fn allows(&self, method: &[u8]) -> bool {
        // Fetch #cors-preflight-fetch step 7.5: a safelisted method needs no
        // Access-Control-Allow-Methods entry, so it is always allowed.
        is_safelisted(method)
            || match self {
                Methods::Any => true,
                Methods::AnyReceivable(can_receive) => can_receive(method),
                Methods::Listed(list) => list.iter().any(|m| **m == *method),
            }
    }
}

/// Validates `allow_methods`; every problem found goes to `problems`.
pub(crate) fn build_methods(list: &[String], problems: &mut Vec<Problem>) -> Methods {
    let any = wildcard(
        Field::AllowMethods,
        list,
        |_| false,
        "write `*` alone, or list methods without `*`",
        problems,
    );
    let mut listed: SmallVec<[Box<[u8]>; 4]> = SmallVec::new();
    for value in list.iter().filter(|v| *v != "*") {
        if !is_token(value.as_bytes()) {
            problems.push(Problem::InvalidMethod {
                value: value.clone(),
            });
        } else if is_forbidden(value.as_bytes()) {
            problems.push(Problem::ForbiddenMethod {
                value: value.clone(),
            });
        } else if let Some(fix) = normalized(value) {
            problems.push(Problem::MethodNotNormalized {
                value: value.clone(),
                fix: fix.to_owned(),
            });
        } else if !listed.iter().any(|m| **m == *value.as_bytes()) {
            listed.push(value.as_bytes().into());
        }
    }
    if any {
        Methods::Any
    } else {
        Methods::Listed(listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safelisted_is_case_sensitive() {
        assert!(is_safelisted(b"GET"));
        assert!(is_safelisted(b"POST"));
        assert!(!is_safelisted(b"get"));
        assert!(!is_safelisted(b"PUT"));
    }

    #[test]
    fn forbidden_is_case_insensitive() {
        for m in ["CONNECT", "connect", "Trace", "TRACK"] {
            assert!(is_forbidden(m.as_bytes()), "{m}");
        }
        assert!(!is_forbidden(b"PATCH"));
    }

    #[test]
    fn normalization() {
        assert_eq!(normalized("put"), Some("PUT"));
        assert_eq!(normalized("Delete"), Some("DELETE"));
        assert_eq!(normalized("PUT"), None);
        assert_eq!(normalized("patch"), None, "PATCH is not normalised");
    }

    #[test]
    fn listed_methods_compare_exactly() {
        let m = Methods::Listed(SmallVec::from_vec(vec![Box::from(&b"PATCH"[..])]));
        assert!(m.allows(b"PATCH"));
        assert!(!m.allows(b"patch"));
        assert!(m.allows(b"GET"));
        assert!(!m.allows(b"PUT"));
        assert!(Methods::Any.allows(b"anything"));
    }

    #[test]
    fn any_receivable_asks_the_framework_but_for_safelisted_methods() {
        let m = Methods::AnyReceivable(|method| method == b"PATCH");
        assert!(m.allows(b"PATCH"));
        assert!(!m.allows(b"patch"));
        assert!(!m.allows(b"PURGE"));
        // Fetch #cors-safelisted-method: never asked, always allowed.
        for safelisted in [&b"GET"[..], b"HEAD", b"POST"] {
            assert!(m.allows(safelisted));
        }
    }
}
