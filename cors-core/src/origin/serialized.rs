//! Serialized origins: the grammar of an `Origin` header's value, parsed with reasons for a
//! policy's origins and read in one pass for a request's.
//!
//! An `Origin` header carries a *serialized origin*
//! ([Fetch, `Origin` header](https://fetch.spec.whatwg.org/#origin-header);
//! [HTML, ASCII serialization of an
//! origin](https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin)):
//! `null`, or `scheme "://" host [ ":" port ]` with a lower-case scheme and host and no
//! default port. Origins compare byte for byte (HTML "same origin" on serializations), so
//! nothing here folds case or normalises.

/// The components of a serialized origin that is not `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tuple<'a> {
    pub(crate) scheme: &'a [u8],
    pub(crate) host: &'a [u8],
    pub(crate) port: Option<u16>,
}

/// A syntactically valid serialized origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Serialized<'a> {
    /// The opaque origin's serialization, `null`.
    Null,
    /// A tuple origin.
    Tuple(Tuple<'a>),
}

/// The default port of the schemes that have one (URL standard "special scheme").
pub(crate) fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

pub(super) fn parse_scheme(scheme: &[u8]) -> Result<(), &'static str> {
    match scheme.first() {
        None => return Err("its scheme is empty"),
        Some(b'a'..=b'z') => {}
        Some(b'A'..=b'Z') => return Err("its scheme is not lower-case"),
        Some(_) => return Err("its scheme does not start with a letter"),
    }
    for &b in scheme {
        match b {
            b'a'..=b'z' | b'0'..=b'9' | b'+' | b'-' | b'.' => {}
            b'A'..=b'Z' => return Err("its scheme is not lower-case"),
            _ => return Err("its scheme has a character no scheme can have"),
        }
    }
    Ok(())
}

/// Splits `host[:port]` (the part after `://`) and checks everything but the host's
/// labels. The port is `Some(bytes)` when written.
pub(super) fn split_authority(rest: &[u8]) -> Result<(&[u8], Option<&[u8]>), &'static str> {
    if rest
        .iter()
        .any(|&b| matches!(b, b'/' | b'?' | b'#' | b'\\'))
    {
        return Err("it has a path, query or fragment (a trailing slash counts)");
    }
    if rest.contains(&b'@') {
        return Err("it has user info (`user@`)");
    }
    let (host, port) = if rest.first() == Some(&b'[') {
        let Some(end) = rest.iter().position(|&b| b == b']') else {
            return Err("its IPv6 host has no closing `]`");
        };
        let (host, after) = rest.split_at(end + 1);
        match after {
            [] => (host, None),
            [b':', port @ ..] => (host, Some(port)),
            _ => return Err("it has characters after its IPv6 host"),
        }
    } else {
        match rest.iter().position(|&b| b == b':') {
            None => (rest, None),
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        }
    };
    if host.is_empty() {
        return Err("its host is empty");
    }
    Ok((host, port))
}

pub(super) fn parse_port(scheme: &[u8], port: &[u8]) -> Result<u16, &'static str> {
    if port.is_empty() {
        return Err("it has a `:` but no port");
    }
    if !port.iter().all(u8::is_ascii_digit) {
        return Err("its port is not a number");
    }
    if port[0] == b'0' {
        return Err("its port has a leading zero or is 0");
    }
    if port.len() > 5 {
        return Err("its port is above 65535");
    }
    let n = port.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    let n = u16::try_from(n).map_err(|_| "its port is above 65535")?;
    if default_port(scheme) == Some(n) {
        return Err("it writes out the scheme's default port, which a serialized origin omits");
    }
    Ok(n)
}

/// Checks a host as it appears in a serialized origin: a lower-case domain or IPv4
/// address (non-empty dot-separated labels), or a bracketed lower-case IPv6 address.
pub(super) fn check_host(host: &[u8]) -> Result<(), &'static str> {
    if let [b'[', inner @ .., b']'] = host {
        if inner.is_empty() {
            return Err("its IPv6 host is empty");
        }
        for &b in inner {
            match b {
                b'0'..=b'9' | b'a'..=b'f' | b':' | b'.' => {}
                b'A'..=b'F' => return Err("its host is not lower-case"),
                _ => return Err("its IPv6 host has a character no IPv6 address can have"),
            }
        }
        return Ok(());
    }
    for label in host.split(|&b| b == b'.') {
        if label.is_empty() {
            return Err("its host has an empty label (a leading, trailing or doubled dot)");
        }
        for &b in label {
            match b {
                b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {}
                b'A'..=b'Z' => return Err("its host is not lower-case"),
                b'*' => return Err("it has a wildcard, which only allow_origin_patterns takes"),
                _ => return Err("its host has a character no serialized host can have"),
            }
        }
    }
    Ok(())
}

/// Parses `bytes` as a serialized origin, or says why it is not one.
pub(crate) fn parse(bytes: &[u8]) -> Result<Serialized<'_>, &'static str> {
    if bytes == b"null" {
        return Ok(Serialized::Null);
    }
    let Some(sep) = find(bytes, b"://") else {
        return Err("it has no scheme (such as `https://`)");
    };
    let scheme = &bytes[..sep];
    parse_scheme(scheme)?;
    let (host, port) = split_authority(&bytes[sep + 3..])?;
    check_host(host)?;
    let port = match port {
        None => None,
        Some(p) => Some(parse_port(scheme, p)?),
    };
    Ok(Serialized::Tuple(Tuple { scheme, host, port }))
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Byte classes for [`read`]: one table look-up per byte.
const SCHEME: u8 = 1;
const HOST: u8 = 2;
const IPV6: u8 = 4;
const CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            class |= SCHEME | HOST;
        }
        match c {
            b'+' | b'.' => class |= SCHEME,
            b'-' => class |= SCHEME | HOST,
            b'_' => class |= HOST,
            _ => {}
        }
        if c.is_ascii_digit() || matches!(c, b'a'..=b'f' | b':' | b'.') {
            class |= IPV6;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// [`parse`] for the request path: the same answer (tests hold the two to it), in one pass
/// over the bytes and without saying why a value is refused. A request's `Origin` is read
/// with this; a policy's origins, which need the reason, with [`parse`].
#[inline]
pub(crate) fn read(bytes: &[u8]) -> Option<Serialized<'_>> {
    if bytes == b"null" {
        return Some(Serialized::Null);
    }
    let n = bytes.len();
    let class = |i: usize, c: u8| i < n && CLASS[bytes[i] as usize] & c != 0;
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), lower-case in a serialization.
    if !bytes.first()?.is_ascii_lowercase() {
        return None;
    }
    let mut i = 1;
    while class(i, SCHEME) {
        i += 1;
    }
    let scheme = &bytes[..i];
    if !bytes[i..].starts_with(b"://") {
        return None;
    }
    i += 3;
    let host_start = i;
    if bytes.get(i) == Some(&b'[') {
        i += 1;
        while class(i, IPV6) {
            i += 1;
        }
        if i == host_start + 1 || bytes.get(i) != Some(&b']') {
            return None;
        }
        i += 1;
    } else {
        // Non-empty labels separated by single dots.
        loop {
            let label_start = i;
            while class(i, HOST) {
                i += 1;
            }
            if i == label_start {
                return None;
            }
            if bytes.get(i) != Some(&b'.') {
                break;
            }
            i += 1;
        }
    }
    let host = &bytes[host_start..i];
    let port = match &bytes[i..] {
        [] => None,
        // One to five digits, no leading zero, at most 65535, not the scheme's default.
        [b':', digits @ ..] => {
            if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
                return None;
            }
            let mut port = 0u32;
            for &d in digits {
                if !d.is_ascii_digit() {
                    return None;
                }
                port = port * 10 + u32::from(d - b'0');
            }
            let port = u16::try_from(port).ok()?;
            if default_port(scheme) == Some(port) {
                return None;
            }
            Some(port)
        }
        _ => return None,
    };
    Some(Serialized::Tuple(Tuple { scheme, host, port }))
}

/// Best effort at what the user meant, for error messages.
pub(crate) fn suggest(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    let with_scheme = if lower.contains("://") {
        lower
    } else {
        format!("https://{lower}")
    };
    let sep = with_scheme.find("://").map_or(0, |i| i + 3);
    let end = with_scheme[sep..]
        .find(['/', '?', '#'])
        .map_or(with_scheme.len(), |i| sep + i);
    let mut guess = with_scheme[..end].to_owned();
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        if guess.starts_with(scheme) && guess.ends_with(port) {
            guess.truncate(guess.len() - port.len());
        }
    }
    if parse(guess.as_bytes()).is_ok() {
        format!("write `{guess}`")
    } else {
        "write it as scheme://host[:port], e.g. `https://app.example.com`".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_origins() {
        for ok in [
            "null",
            "https://example.com",
            "http://localhost:3000",
            "https://a.b-c.example.com:8443",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "chrome-extension://abcdef",
            "https://xn--bcher-kva.example",
            "http://under_score.example",
        ] {
            assert!(parse(ok.as_bytes()).is_ok(), "{ok}");
        }
    }

    #[test]
    fn not_serialized_origins() {
        for (bad, why) in [
            ("", "no scheme"),
            ("example.com", "no scheme"),
            ("Null", "no scheme"),
            ("https://example.com/", "path"),
            ("https://example.com/x", "path"),
            ("https://example.com?q", "path"),
            ("https://example.com#f", "path"),
            ("HTTPS://example.com", "scheme is not lower-case"),
            ("https://Example.com", "host is not lower-case"),
            ("https://example.com:443", "default port"),
            ("http://example.com:80", "default port"),
            ("http://example.com:", "no port"),
            ("http://example.com:0", "leading zero"),
            ("http://example.com:080", "leading zero"),
            ("http://example.com:65536", "above 65535"),
            ("http://example.com:99999999999", "above 65535"),
            ("http://example.com:8a", "not a number"),
            ("https://", "host is empty"),
            ("https://.example.com", "empty label"),
            ("https://example..com", "empty label"),
            ("https://example.com.", "empty label"),
            ("https://*.example.com", "wildcard"),
            ("https://u@example.com", "user info"),
            ("https://exa mple.com", "character"),
            ("https://exämple.com", "character"),
            ("https://a.com, https://b.com", "path"),
            ("https://a.com https://b.com", "path"),
            ("https://a.com,b.com", "character"),
            ("http://[::1", "closing"),
            ("http://[::1]x", "after its IPv6"),
            ("http://[::G]", "IPv6"),
            ("1https://a.com", "start with a letter"),
        ] {
            let got = parse(bad.as_bytes()).unwrap_err();
            assert!(got.contains(why), "{bad}: {got}");
        }
    }

    /// `read` (the request path) must answer exactly as `parse` (the policy path).
    fn assert_same_reading(bytes: &[u8]) {
        assert_eq!(
            read(bytes),
            parse(bytes).ok(),
            "{:?}",
            bytes.escape_ascii().to_string()
        );
    }

    #[test]
    fn the_one_pass_reader_agrees_with_the_parser() {
        let cases: &[&str] = &[
            "null",
            "https://example.com",
            "http://localhost:3000",
            "http://[::1]:3000",
            "chrome-extension://abcdef",
            "http://under_score.example",
            "a://b",
            "a+.-://b",
            "",
            "n",
            "nul",
            "null ",
            "Null",
            "example.com",
            "https://",
            "https:/",
            "https:",
            "https://example.com/",
            "https://example.com?q",
            "https://example.com#f",
            "https://example.com\\",
            "HTTPS://example.com",
            "hTtps://example.com",
            "https://Example.com",
            "https://example.com:443",
            "http://example.com:80",
            "ftp://example.com:21",
            "ws://a:80",
            "wss://a:443",
            "https://a:80",
            "http://a:443",
            "http://example.com:",
            "http://example.com:0",
            "http://example.com:080",
            "http://example.com:65535",
            "http://example.com:65536",
            "http://example.com:99999",
            "http://example.com:100000",
            "http://example.com:8a",
            "http://a:1:2",
            "https://.example.com",
            "https://example..com",
            "https://example.com.",
            "https://*.example.com",
            "https://u@example.com",
            "https://exa mple.com",
            "https://a.com,b.com",
            "http://[::1",
            "http://[::1]x",
            "http://[::G]",
            "http://[]",
            "http://[::1]:",
            "http://[::1]:0",
            "http://[::1]:8080",
            "http://[[::1]]",
            "http://a]",
            "http://[a",
            "1https://a.com",
            "-://a",
            "a:://b",
            "a:/b://c",
            "https:///a",
            "https://a//",
            "https://a:b@c",
            "https://a.b.c.d.e.f",
            "https://\u{e9}.com",
            "http://127.0.0.1",
            "http://127.0.0.1:08",
        ];
        for case in cases {
            assert_same_reading(case.as_bytes());
        }
        assert_same_reading(b"https://ex\xffample.com");
        assert_same_reading(b"https://example.com\0");
    }

    #[test]
    fn the_one_pass_reader_agrees_on_the_fuzz_corpus() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/origin");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("the committed origin corpus") {
            let bytes = std::fs::read(entry.expect("a corpus entry").path()).expect("readable");
            assert_same_reading(&bytes);
            seen += 1;
        }
        assert!(seen > 100, "only {seen} corpus inputs");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Strings built from the bytes that matter to the grammar, so that nearly-valid
        /// origins are common.
        #[test]
        fn the_one_pass_reader_agrees_on_near_origins(
            s in "(https?|ws|ftp|a[a-z0-9+.-]{0,3}|[A-Z0-9]{1,2})?(:|://|:/)?\\[?[a-z0-9.:_\\-\\[\\]A-F@/?#*]{0,16}(:[0-9]{0,6})?"
        ) {
            assert_same_reading(s.as_bytes());
        }
    }

    #[test]
    fn non_default_ports_kept_and_parsed() {
        assert_eq!(
            parse(b"https://example.com:80"),
            Ok(Serialized::Tuple(Tuple {
                scheme: b"https",
                host: b"example.com",
                port: Some(80)
            }))
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("https://example.com/"),
            "write `https://example.com`"
        );
        assert_eq!(suggest("example.com"), "write `https://example.com`");
        assert_eq!(
            suggest("HTTPS://Example.COM"),
            "write `https://example.com`"
        );
        assert_eq!(
            suggest("https://example.com:443"),
            "write `https://example.com`"
        );
        assert!(suggest("https://").contains("scheme://host"));
    }
}
