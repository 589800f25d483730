//! Which response headers a page's script can read once the CORS check passes
//! ([main fetch, step 14.1](https://fetch.spec.whatwg.org/#main-fetch) and the
//! [CORS filtered response](https://fetch.spec.whatwg.org/#concept-filtered-response-cors)).

use super::header_list::extract_list;
use super::{Fetch, Response};

/// [Fetch, CORS-safelisted response-header name](https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name),
/// without the exposed list: what a script can always read.
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// [Fetch, forbidden response-header name](https://fetch.spec.whatwg.org/#forbidden-response-header-name):
/// never exposed to a script, whatever the server lists.
fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Whether a script can read the response header `name` (`response.headers.get(name)` is not
/// `null`): a CORS-safelisted response-header name given the response's CORS-exposed
/// header-name list, which main fetch step 14.1 sets from `Access-Control-Expose-Headers`:
/// with `*` and no credentials, every name the response has (step 14.1.2); otherwise the
/// names listed (step 14.1.3), where `*` then matches only a header named `*`.
///
/// ```
/// use fetch_cors_cli::browser::expose::is_exposed;
/// use fetch_cors_cli::browser::{Credentials, Fetch, HeaderList, Response};
///
/// let fetch = Fetch::new("https://foo.invalid", "GET", Credentials::Omit);
/// let response = Response::new(200, HeaderList::from_pairs([
///     ("Content-Type", "text/html"),
///     ("X-Total-Count", "42"),
///     ("Access-Control-Expose-Headers", "x-total-count"),
/// ]));
/// assert!(is_exposed(&fetch, &response, "x-total-count"));
/// assert!(is_exposed(&fetch, &response, "content-type"));
/// ```
pub fn is_exposed(fetch: &Fetch, response: &Response, name: &str) -> bool {
    if is_forbidden_response_header(name) {
        return false;
    }
    if SAFELISTED_RESPONSE_HEADERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
    {
        return true;
    }
    // Step 14.1.1: a list that does not parse exposes nothing.
    let Ok(Some(listed)) = extract_list(&response.headers, "access-control-expose-headers") else {
        return false;
    };
    // Step 14.1.2.
    if !fetch.credentials.is_include() && listed.iter().any(|n| n == "*") {
        return response.headers.contains(name);
    }
    // Step 14.1.3.
    listed.iter().any(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::{Credentials, HeaderList};

    /// [Fetch, CORS protocol examples](https://fetch.spec.whatwg.org/#cors-protocol-examples),
    /// the second: with `Access-Control-Expose-Headers: Content-Security-Policy`, `csp` is
    /// read and `hsts` is null, "even though the response did include both headers"; with
    /// `*`, both, unless the request has credentials.
    #[test]
    fn second_example_exposed_headers() {
        let pairs = |expose: &'static str| {
            HeaderList::from_pairs([
                ("Access-Control-Allow-Origin", "*"),
                ("Content-Security-Policy", "default-src 'self'"),
                (
                    "Strict-Transport-Security",
                    "max-age=31536000; includeSubdomains; preload",
                ),
                ("Access-Control-Expose-Headers", expose),
            ])
        };
        let omit = Fetch::new("https://foo.invalid", "GET", Credentials::Omit);
        let listed = Response::new(200, pairs("Content-Security-Policy"));
        assert!(is_exposed(&omit, &listed, "content-security-policy"));
        assert!(!is_exposed(&omit, &listed, "strict-transport-security"));

        let star = Response::new(200, pairs("*"));
        assert!(is_exposed(&omit, &star, "strict-transport-security"));
        assert!(!is_exposed(&omit, &star, "x-absent"));
        let include = Fetch::new("https://foo.invalid", "GET", Credentials::Include);
        assert!(!is_exposed(&include, &star, "strict-transport-security"));
        assert!(is_exposed(&include, &star, "*"));
    }

    #[test]
    fn set_cookie_is_never_exposed() {
        let fetch = Fetch::new("https://a.example", "GET", Credentials::Omit);
        let r = Response::new(
            200,
            HeaderList::from_pairs([
                ("set-cookie", "a=b"),
                ("access-control-expose-headers", "Set-Cookie, *"),
            ]),
        );
        assert!(!is_exposed(&fetch, &r, "Set-Cookie"));
    }
}
