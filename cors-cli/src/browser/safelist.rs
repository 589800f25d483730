//! Which methods and request headers a page may use without a preflight, and what a script
//! can never set.

use super::HeaderList;

/// [Fetch, CORS-safelisted method](https://fetch.spec.whatwg.org/#cors-safelisted-method):
/// `GET`, `HEAD` or `POST`, byte for byte.
///
/// ```
/// use fetch_cors_cli::browser::safelist::is_safelisted_method;
///
/// assert!(is_safelisted_method("POST"));
/// assert!(!is_safelisted_method("PUT"));
/// assert!(!is_safelisted_method("post")); // browsers send `POST` for `post`, though
/// ```
pub fn is_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// [Fetch, forbidden method](https://fetch.spec.whatwg.org/#forbidden-method): `CONNECT`,
/// `TRACE` or `TRACK` in any case; `fetch()` throws rather than send one.
pub fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// [Fetch, normalize a method](https://fetch.spec.whatwg.org/#concept-method-normalize):
/// `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT` are upper-cased; every other method
/// is sent as written (`patch` stays `patch`).
///
/// ```
/// use fetch_cors_cli::browser::safelist::normalize_method;
///
/// assert_eq!(normalize_method("put"), "PUT");
/// assert_eq!(normalize_method("patch"), "patch");
/// ```
pub fn normalize_method(method: &str) -> String {
    ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(method))
        .map_or_else(|| method.to_owned(), str::to_owned)
}

/// [Fetch, CORS-unsafe request-header byte](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte).
fn is_unsafe_byte(byte: u8) -> bool {
    (byte < 0x20 && byte != 0x09)
        || matches!(
            byte,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7F
        )
}

/// [Fetch, CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header):
/// whether a script may send this header without a preflight.
///
/// ```
/// use fetch_cors_cli::browser::safelist::is_safelisted_request_header;
///
/// assert!(is_safelisted_request_header("Content-Type", b"text/plain;charset=utf-8"));
/// assert!(!is_safelisted_request_header("content-type", b"application/json"));
/// assert!(is_safelisted_request_header("accept-language", b"en-GB,en;q=0.9"));
/// assert!(!is_safelisted_request_header("x-request-id", b"42"));
/// ```
pub fn is_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    // Step 1.
    if value.len() > 128 {
        return false;
    }
    // Step 2: byte-lowercase the name and switch on it.
    match name.to_ascii_lowercase().as_str() {
        "accept" => !value.iter().copied().any(is_unsafe_byte),
        "accept-language" | "content-language" => value.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
        }),
        "content-type" => {
            !value.iter().copied().any(is_unsafe_byte)
                && matches!(
                    mime_essence(value).as_deref(),
                    Some(
                        "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                    )
                )
        }
        // Step 2, `range`: a single range with a start (`bytes=500-`, `bytes=0-99`).
        "range" => matches!(parse_single_range(value), Some((Some(_), _))),
        _ => false,
    }
}

/// The essence (`type/subtype`, lower-cased) of
/// [parsing a MIME type](https://mimesniff.spec.whatwg.org/#parse-a-mime-type), or `None` for
/// failure. Parameters never make parsing fail, so they are not read.
fn mime_essence(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    let text = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let (kind, rest) = text.split_once('/')?;
    let subtype = rest
        .split(';')
        .next()?
        .trim_end_matches([' ', '\t', '\n', '\r']);
    let token = |s: &str| !s.is_empty() && s.bytes().all(is_token_byte);
    (token(kind) && token(subtype)).then(|| {
        format!(
            "{}/{}",
            kind.to_ascii_lowercase(),
            subtype.to_ascii_lowercase()
        )
    })
}

/// [Fetch, parse a single range header value](https://fetch.spec.whatwg.org/#simple-range-header-value)
/// with `allowWhitespace` false: `bytes=start-end`, either bound optional but not both.
fn parse_single_range(value: &[u8]) -> Option<(Option<u64>, Option<u64>)> {
    let text = std::str::from_utf8(value).ok()?;
    let unit = text.get(..6)?;
    if !unit.eq_ignore_ascii_case("bytes=") {
        return None;
    }
    let (start, end) = text[6..].split_once('-')?;
    let number = |s: &str| -> Option<Option<u64>> {
        if s.is_empty() {
            Some(None)
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok().map(Some)
        } else {
            None
        }
    };
    let (start, end) = (number(start)?, number(end)?);
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if s > e => None,
        bounds => Some(bounds),
    }
}

/// Whether `byte` may appear in an HTTP token (RFC 9110 §5.6.2).
pub(crate) fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Whether `text` is an HTTP token: a method or a header name.
pub fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_token_byte)
}

/// [Fetch, CORS-unsafe request-header names](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names):
/// the names a preflight must ask for, lower-cased, sorted and without duplicates: every
/// header that is not safelisted, and the safelisted ones too once their values add up to
/// more than 1024 bytes (step 5).
///
/// ```
/// use fetch_cors_cli::browser::{safelist::unsafe_names, HeaderList};
///
/// let headers = HeaderList::from_pairs([
///     ("X-Request-Id", "1"),
///     ("Content-Type", "application/json"),
///     ("Accept", "*/*"),
/// ]);
/// assert_eq!(unsafe_names(&headers), ["content-type", "x-request-id"]);
/// ```
pub fn unsafe_names(headers: &HeaderList) -> Vec<String> {
    // Steps 1-3.
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut safelist_value_size = 0usize;
    // Step 4.
    for (name, value) in headers.iter() {
        if is_safelisted_request_header(name, value) {
            potentially_unsafe.push(name);
            safelist_value_size += value.len();
        } else {
            unsafe_names.push(name);
        }
    }
    // Step 5.
    if safelist_value_size > 1024 {
        unsafe_names.extend(potentially_unsafe);
    }
    // Step 6: convert header names to a sorted-lowercase set.
    let mut set: Vec<String> = unsafe_names
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    set.sort();
    set.dedup();
    set
}

/// [Fetch, CORS non-wildcard request-header name](https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name):
/// `Authorization`, which `Access-Control-Allow-Headers: *` never covers.
pub fn is_non_wildcard_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
}

/// [Fetch, forbidden request-header](https://fetch.spec.whatwg.org/#forbidden-request-header),
/// by its name alone: a header the browser sets itself, so a script's attempt to set it is
/// silently ignored. The core's list (the server judges a policy's `allow_headers` by it), so
/// it is written once. (The `X-HTTP-Method` family, forbidden only with a forbidden method as
/// value, is left to [`is_forbidden_method`].)
pub use fetch_cors::is_forbidden_request_header;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safelisted_methods_are_exact() {
        for m in ["GET", "HEAD", "POST"] {
            assert!(is_safelisted_method(m));
        }
        for m in ["get", "PUT", "PATCH", "DELETE", "OPTIONS", ""] {
            assert!(!is_safelisted_method(m), "{m}");
        }
    }

    #[test]
    fn methods_are_normalized_as_fetch_says() {
        assert_eq!(normalize_method("delete"), "DELETE");
        assert_eq!(normalize_method("Options"), "OPTIONS");
        assert_eq!(normalize_method("patch"), "patch");
        assert_eq!(normalize_method("PURGE"), "PURGE");
        assert!(is_forbidden_method("connect") && is_forbidden_method("Track"));
        assert!(!is_forbidden_method("PATCH"));
    }

    #[test]
    fn content_type_is_safelisted_by_essence() {
        for v in [
            "text/plain",
            "TEXT/Plain; charset=utf-8",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            " text/plain ",
        ] {
            assert!(
                is_safelisted_request_header("content-type", v.as_bytes()),
                "{v}"
            );
        }
        for v in [
            "application/json",
            "text/plain(",          // an unsafe byte
            "text/html",            // not one of the three
            "text",                 // no subtype: parsing fails
            "text/plain, text/xml", // the subtype `plain, text/xml` is not a token
        ] {
            assert!(
                !is_safelisted_request_header("content-type", v.as_bytes()),
                "{v}"
            );
        }
    }

    #[test]
    fn value_length_and_bytes_matter() {
        let long = "a".repeat(129);
        assert!(!is_safelisted_request_header("accept", long.as_bytes()));
        assert!(is_safelisted_request_header(
            "accept",
            "a".repeat(128).as_bytes()
        ));
        assert!(!is_safelisted_request_header("accept", b"text/{html}"));
        assert!(!is_safelisted_request_header("content-language", b"en_GB"));
        assert!(is_safelisted_request_header(
            "content-language",
            b"en-GB, fr;q=0.5"
        ));
    }

    #[test]
    fn range_needs_a_start() {
        assert!(is_safelisted_request_header("range", b"bytes=0-99"));
        assert!(is_safelisted_request_header("range", b"bytes=500-"));
        assert!(!is_safelisted_request_header("range", b"bytes=-500"));
        assert!(!is_safelisted_request_header("range", b"bytes=9-1"));
        assert!(!is_safelisted_request_header("range", b"bytes=0-1,3-4"));
        assert!(!is_safelisted_request_header("range", b"bytes = 0-1"));
    }

    #[test]
    fn unsafe_names_are_a_sorted_lowercase_set() {
        let headers = HeaderList::from_pairs([("X-B", "1"), ("x-a", "2"), ("X-b", "3")]);
        assert_eq!(unsafe_names(&headers), ["x-a", "x-b"]);
        assert!(unsafe_names(&HeaderList::from_pairs([("accept", "*/*")])).is_empty());
    }

    #[test]
    fn safelisted_values_over_1024_bytes_make_every_name_unsafe() {
        let value = "a".repeat(128);
        let pairs: Vec<(&str, &str)> = (0..8).map(|_| ("accept", value.as_str())).collect();
        assert!(unsafe_names(&HeaderList::from_pairs(pairs.clone())).is_empty()); // 1024
        let mut more = pairs;
        more.push(("content-language", "en"));
        assert_eq!(
            unsafe_names(&HeaderList::from_pairs(more)),
            ["accept", "content-language"]
        );
    }

    #[test]
    fn forbidden_names() {
        for n in [
            "Host",
            "Origin",
            "Proxy-Authorization",
            "Sec-CH-UA",
            "Cookie",
        ] {
            assert!(is_forbidden_request_header(n), "{n}");
        }
        for n in ["Authorization", "Content-Type", "X-Requested-With"] {
            assert!(!is_forbidden_request_header(n), "{n}");
        }
    }
}
