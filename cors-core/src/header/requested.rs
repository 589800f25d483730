//! `Access-Control-Request-Headers`: a preflight's list of requested names, read in one
//! pass within limits on its size and checked against the policy's allowed names.

use crate::token::{is_ows, is_tchar, is_token, trim_ows};

use super::names::AllowedHeaders;

/// At most this many `Access-Control-Request-Headers` lines are read; a preflight with
/// more is rejected. Browsers send one; intermediaries may split it.
pub const MAX_REQUEST_HEADERS_LINES: usize = 16;
/// At most this many bytes of `Access-Control-Request-Headers`, over all lines. Browsers send
/// one line of sorted, lower-cased names ([Fetch, CORS-unsafe request-header names,
/// step 6](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)) joined by `,`
/// ([Fetch, CORS-preflight fetch, step 5](https://fetch.spec.whatwg.org/#cors-preflight-fetch)),
/// so 8 KiB holds the list of a page that sets hundreds of custom headers. Nothing in Fetch
/// limits how many names the list holds, so neither does this crate: the work is linear in
/// these bytes whatever they hold.
pub const MAX_REQUEST_HEADERS_BYTES: usize = 8192;
/// At most this many empty elements (`a,,b`) in `Access-Control-Request-Headers`: browsers
/// never send one, and RFC 9110 §5.6.1.2 asks recipients to ignore "a reasonable number" of
/// them, not any number.
pub const MAX_EMPTY_ELEMENTS: usize = 16;

/// Which limit of `Access-Control-Request-Headers` a preflight exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// More than [`MAX_REQUEST_HEADERS_LINES`] lines.
    Lines,
    /// More than [`MAX_REQUEST_HEADERS_BYTES`] bytes.
    Bytes,
    /// More than [`MAX_EMPTY_ELEMENTS`] empty elements.
    EmptyElements,
}

/// Why `Access-Control-Request-Headers` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal<'a> {
    TooLarge(Limit),
    Invalid(&'a [u8]),
    NotAllowed(&'a [u8]),
}

/// What a preflight asked for, once found allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Requested {
    /// At least one name was requested.
    pub(crate) named: bool,
    /// The request came as one line, without empty elements, spaced canonically (`a,b` or
    /// `a, b`), so it can be echoed as is.
    pub(crate) echo_as_is: bool,
}

/// Parses every `Access-Control-Request-Headers` line
/// ([Fetch, CORS-preflight fetch, step 5](https://fetch.spec.whatwg.org/#cors-preflight-fetch)
/// writes it as a comma-separated list; HTTP lets intermediaries split a list over lines) and
/// checks each name against `allowed`. Work is linear in the bytes, bounded by the limits
/// above, and allocation-free. The size limits come first (lines, bytes), then the elements in
/// order, each against the empty-element limit, then as a token, then against the policy: the
/// first failure is the reason.
#[inline]
pub(crate) fn check_requested<'a>(
    lines: &[&'a [u8]],
    line_count: usize,
    allowed: &AllowedHeaders,
) -> Result<Requested, Refusal<'a>> {
    if line_count > MAX_REQUEST_HEADERS_LINES {
        return Err(Refusal::TooLarge(Limit::Lines));
    }
    let bytes = lines.iter().map(|l| l.len()).sum::<usize>();
    if bytes > MAX_REQUEST_HEADERS_BYTES {
        return Err(Refusal::TooLarge(Limit::Bytes));
    }
    // A policy that allows any header needs no name looked up, only the list's syntax (and
    // whether `authorization` is among the names): the lists browsers send are checked
    // 32 bytes at a time. Anything else takes the exact pass below.
    if allowed.any
        && !lines.is_empty()
        && lines
            .iter()
            .all(|line| is_plain_list(line, allowed.authorization))
    {
        return Ok(Requested {
            named: true,
            echo_as_is: lines.len() == 1,
        });
    }
    let mut names = 0;
    let mut empty = 0;
    // Canonical spacing: names separated by `,` or `, `, nothing else around them.
    let mut canonical = true;
    for &line in lines {
        // One pass over the line, one element (`OWS token OWS`, up to a comma) at a time.
        let n = line.len();
        let mut i = 0;
        let mut first = true;
        loop {
            let start = i;
            while i < n && is_ows(line[i]) {
                i += 1;
            }
            let lead = i - start;
            let name_start = i;
            while i < n && is_tchar(line[i]) {
                i += 1;
            }
            let name = &line[name_start..i];
            let name_end = i;
            while i < n && is_ows(line[i]) {
                i += 1;
            }
            let trail = i - name_end;
            // A byte that is neither a token's, whitespace nor a comma: the element is a
            // name, but not a token.
            let invalid = i < n && line[i] != b',';
            canonical &= trail == 0 && (lead == 0 || (!first && lead == 1 && line[start] == b' '));
            if !name.is_empty() || invalid {
                names += 1;
                if invalid {
                    // The refusal names the whole element, trimmed.
                    let end = line[i..]
                        .iter()
                        .position(|&b| b == b',')
                        .map_or(n, |p| i + p);
                    return Err(Refusal::Invalid(trim_ows(&line[start..end])));
                }
                if !allowed.allows(name) {
                    return Err(Refusal::NotAllowed(name));
                }
            } else {
                empty += 1;
                if empty > MAX_EMPTY_ELEMENTS {
                    return Err(Refusal::TooLarge(Limit::EmptyElements));
                }
            }
            if i == n {
                break;
            }
            i += 1; // the comma
            first = false;
        }
    }
    Ok(Requested {
        named: names > 0,
        echo_as_is: lines.len() == 1 && empty == 0 && canonical,
    })
}

/// A byte of a list as browsers write it: a lower-case letter, a digit or `-` (the bytes of
/// the header names pages set, lower-cased by
/// [Fetch, CORS-unsafe request-header names, step 6](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)),
/// or the `,` that joins them.
#[inline(always)]
fn is_plain(b: u8) -> bool {
    // Three ranges (`,` and `-` are neighbours) joined by `|` rather than `||`: no branch, so
    // that the loop below can be vectorised.
    (b.wrapping_sub(b',') <= 1) | b.is_ascii_digit() | b.is_ascii_lowercase()
}

/// Whether `line` is a list as browsers write it: plain bytes only ([`is_plain`]), names
/// joined by `,` with no space and no empty element, and no `authorization` among them
/// unless `authorization` is allowed. Every element of such a line is a token the policy
/// allows if it allows any header. 32 bytes at a time (two vector registers' worth: 16 or 64
/// measured more instructions) without a branch inside, which the compiler turns into vector
/// instructions; a line that is not plain is left to the exact pass.
fn is_plain_list(line: &[u8], authorization: bool) -> bool {
    let (Some(&first), Some(&last)) = (line.first(), line.last()) else {
        return false;
    };
    if first == b',' || last == b',' || !is_plain(first) {
        return false;
    }
    // Each byte after the first, beside the byte before it: `,,` is an empty element.
    let (before, after) = (&line[..line.len() - 1], &line[1..]);
    let (before_chunks, before_rest) = before.as_chunks::<32>();
    let (after_chunks, after_rest) = after.as_chunks::<32>();
    // Bit 0: a byte that is not plain, or an empty element; bit 1: a `z`, the one letter of
    // `authorization` that most names lack.
    let class = |b: u8, a: u8| {
        u8::from(!is_plain(a))
            | (u8::from(b == b',') & u8::from(a == b','))
            | (u8::from(a == b'z') << 1)
    };
    let mut found = [0u8; 32];
    let mut scan = |b: &[u8; 32], a: &[u8; 32]| {
        for k in 0..32 {
            found[k] |= class(b[k], a[k]);
        }
    };
    for (b, a) in before_chunks.iter().zip(after_chunks) {
        scan(b, a);
    }
    // The last bytes padded with a plain letter, as one more chunk: short lists, the usual
    // ones, then take the vector path too.
    let (mut b_tail, mut a_tail) = ([b'a'; 32], [b'a'; 32]);
    b_tail[..before_rest.len()].copy_from_slice(before_rest);
    a_tail[..after_rest.len()].copy_from_slice(after_rest);
    scan(&b_tail, &a_tail);
    let rest = u8::from(first == b'z') << 1;
    let found = found.iter().fold(rest, |all, &f| all | f);
    found & 1 == 0 && (authorization || found & 2 == 0 || !has_authorization(line))
}

/// Whether `authorization` occurs in `line`, perhaps inside a longer name: where it does, the
/// exact pass decides.
fn has_authorization(line: &[u8]) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"authorization"));
    FINDER.find(line).is_some()
}

/// The requested names the policy allows, in order, joined by `,`, leaving out every
/// element that is not an allowed token: what debug mode answers for a refused list. Never on
/// the hot path; bounded by the lines kept.
pub(crate) fn allowed_requested(lines: &[&[u8]], allowed: &AllowedHeaders) -> Vec<u8> {
    join_names(lines, |n| is_token(n) && allowed.allows(n))
}

/// Every requested name, in order, joined by `,`: for requests that cannot be echoed as is.
pub(crate) fn join_requested(lines: &[&[u8]]) -> Vec<u8> {
    join_names(lines, |n| !n.is_empty())
}

/// The elements of `lines` that `keep` accepts, trimmed, in order, joined by `,`.
fn join_names(lines: &[&[u8]], keep: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    // Room for every byte plus a separator between lines: one allocation, never grown.
    let mut out = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for name in lines
        .iter()
        .flat_map(|line| line.split(|&b| b == b','))
        .map(trim_ows)
        .filter(|n| keep(n))
    {
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::names::allowed;

    /// The list check as first written (split, trim, check), kept as the reference the
    /// one-pass scanner must agree with.
    fn reference<'a>(
        lines: &[&'a [u8]],
        line_count: usize,
        allowed: &AllowedHeaders,
    ) -> Result<Requested, Refusal<'a>> {
        if line_count > MAX_REQUEST_HEADERS_LINES {
            return Err(Refusal::TooLarge(Limit::Lines));
        }
        if lines.iter().map(|l| l.len()).sum::<usize>() > MAX_REQUEST_HEADERS_BYTES {
            return Err(Refusal::TooLarge(Limit::Bytes));
        }
        let (mut names, mut empty, mut canonical) = (0, 0, true);
        for line in lines {
            for (i, element) in line.split(|&b| b == b',').enumerate() {
                let name = trim_ows(element);
                canonical &= element.len() == name.len()
                    || (i > 0 && element.len() == name.len() + 1 && element[0] == b' ');
                if name.is_empty() {
                    empty += 1;
                    if empty > MAX_EMPTY_ELEMENTS {
                        return Err(Refusal::TooLarge(Limit::EmptyElements));
                    }
                    continue;
                }
                names += 1;
                if !is_token(name) {
                    return Err(Refusal::Invalid(name));
                }
                if !allowed.allows(name) {
                    return Err(Refusal::NotAllowed(name));
                }
            }
        }
        Ok(Requested {
            named: names > 0,
            echo_as_is: lines.len() == 1 && empty == 0 && canonical,
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]
        /// Lists from the bytes that matter (names, case, commas, spaces, tabs, bytes that
        /// are not tokens), over one to three lines.
        #[test]
        fn the_one_pass_scanner_agrees_with_the_reference(
            lines in proptest::collection::vec("([xXaA-]{0,3}|,|, | |\t|;|\"|\u{e9}){0,12}", 1..4),
            any in proptest::bool::ANY,
        ) {
            let policy = allowed(any, &["x-a", "X-", "a", "aa", "authorization"]);
            let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
            proptest::prop_assert_eq!(
                check_requested(&lines, lines.len(), &policy),
                reference(&lines, lines.len(), &policy)
            );
        }

        /// Long lists of names and commas, around the limit of 16 empty elements.
        #[test]
        fn long_lists_agree_with_the_reference(
            lines in proptest::collection::vec("(x-a|aa|,|, ){0,60}", 1..4),
            any in proptest::bool::ANY,
        ) {
            let policy = allowed(any, &["x-a", "aa"]);
            let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
            proptest::prop_assert_eq!(
                check_requested(&lines, lines.len(), &policy),
                reference(&lines, lines.len(), &policy)
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        /// Lists of the kind the vector path takes (lower-case names joined
        /// by `,`), with `authorization` alone, inside a longer name and in capitals, and the
        /// bytes that send a list to the exact pass (space, capitals, empty elements), past
        /// a 32-byte chunk, under policies that allow any header with and without
        /// `authorization`.
        #[test]
        fn the_vector_path_agrees_with_the_reference(
            lines in proptest::collection::vec(
                "(x-a|x_b.c|q0|authorization|x-authorization-id|Authorization|X-A|,| |\t|;){0,24}",
                1..3,
            ),
            authorization in proptest::bool::ANY,
        ) {
            let policy = if authorization {
                allowed(true, &["authorization"])
            } else {
                allowed(true, &[])
            };
            let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
            proptest::prop_assert_eq!(
                check_requested(&lines, lines.len(), &policy),
                reference(&lines, lines.len(), &policy)
            );
        }
    }

    #[test]
    fn plain_lists() {
        for plain in ["a", "x-a", "x-a,b-c,0-9,zz", &names(100, ",")] {
            assert!(is_plain_list(plain.as_bytes(), false), "{plain:?}");
        }
        // `authorization`, also inside a longer name, and past a 32-byte chunk's edge.
        for named in [
            "authorization",
            "x-a,authorization",
            "0123456789abcdef0123456789abcdef,authorization,q",
        ] {
            assert!(is_plain_list(named.as_bytes(), true), "{named:?}");
            assert!(!is_plain_list(named.as_bytes(), false), "{named:?}");
        }
        // Empty, empty elements at either end or inside (also across a 32-byte chunk's
        // edge), spaces, capitals and bytes outside tokens: the exact pass decides.
        for other in [
            "",
            ",",
            ",a",
            "a,",
            "x-a,,b",
            "0123456789abcdef0123456789abcde,,f",
            "0123456789abcdef0123456789abcdef,,0",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,",
            "x-a, b",
            "X-A",
            "a;b",
            "b_c",
            "d.e",
            "a\tb",
            "\u{e9}",
        ] {
            assert!(!is_plain_list(other.as_bytes(), true), "{other:?}");
        }
        let any = allowed(true, &[]);
        for (list, expected) in [
            (
                "x-a,authorization",
                Err(Refusal::NotAllowed(b"authorization".as_slice())),
            ),
            (
                "x-authorization-id,x-a",
                Ok(Requested {
                    named: true,
                    echo_as_is: true,
                }),
            ),
        ] {
            assert_eq!(
                check_requested(&[list.as_bytes()], 1, &any),
                expected,
                "{list}"
            );
        }
    }

    /// `n` distinct names, joined as a browser joins them.
    fn names(n: usize, sep: &str) -> String {
        (0..n)
            .map(|i| format!("x-h{i}"))
            .collect::<Vec<_>>()
            .join(sep)
    }

    #[test]
    fn lists_are_bounded_by_bytes_never_by_how_many_names() {
        let any = allowed(true, &[]);
        // What Chromium sends for a page that sets 500 custom headers: one line, echoed.
        let five_hundred = names(500, ",");
        assert_eq!(
            check_requested(&[five_hundred.as_bytes()], 1, &any),
            Ok(Requested {
                named: true,
                echo_as_is: true
            })
        );
        // As many one-letter names as 8 KiB holds, over the sixteen lines allowed.
        let line = vec!["a"; 256].join(",");
        let lines: Vec<&[u8]> = vec![line.as_bytes(); 16];
        assert!(lines.iter().map(|l| l.len()).sum::<usize>() <= MAX_REQUEST_HEADERS_BYTES);
        assert!(check_requested(&lines, 16, &any).unwrap().named);
        // The hostile inputs: every one refused by a size limit.
        let ten_thousand = names(10_000, ",");
        let commas = ",".repeat(4000);
        for (lines, count, limit) in [
            (vec![ten_thousand.as_bytes()], 1, Limit::Bytes),
            (vec![commas.as_bytes()], 1, Limit::EmptyElements),
            (vec![b"x-a".as_slice(); 17], 17, Limit::Lines),
        ] {
            assert_eq!(
                check_requested(&lines, count, &any),
                Err(Refusal::TooLarge(limit))
            );
        }
        // An invalid name after hundreds of valid ones is found where it stands.
        let late = format!("{five_hundred},x c");
        assert_eq!(
            check_requested(&[late.as_bytes()], 1, &any),
            Err(Refusal::Invalid(b"x c"))
        );
    }

    #[test]
    fn the_one_pass_scanner_agrees_after_many_names() {
        let policy = allowed(true, &[]);
        for bad in ["x c", "x;c", "x\"", ";"] {
            for count in [63, 64, 65, 500] {
                let list = format!("{}, {bad}", names(count, ", "));
                let lines = [list.as_bytes()];
                assert_eq!(
                    check_requested(&lines, 1, &policy),
                    reference(&lines, 1, &policy),
                    "{count} names, then {bad:?}"
                );
            }
        }
    }

    #[test]
    fn lists_with_whitespace_empties_and_lines() {
        let a = allowed(false, &["x-a", "x-b"]);
        let echo = |line: &[u8]| check_requested(&[line], 1, &a).unwrap().echo_as_is;
        assert!(echo(b"x-a, X-B"));
        assert!(echo(b"x-a,X-B"));
        assert!(!echo(b" x-a ,\tX-B "));
        assert!(!echo(b"x-a ,x-b"));
        assert!(!echo(b"x-a,  x-b"));
        assert!(!echo(b" x-a"));
        let ok = check_requested(&[b"x-a,,x-b,"], 1, &a).unwrap();
        assert_eq!(
            ok,
            Requested {
                named: true,
                echo_as_is: false
            }
        );
        let ok = check_requested(&[b"x-a", b"x-b"], 2, &a).unwrap();
        assert_eq!(
            ok,
            Requested {
                named: true,
                echo_as_is: false
            }
        );
        assert_eq!(join_requested(&[b" x-a ,, ", b"X-B"]), b"x-a,X-B");
        let none = check_requested(&[b" , "], 1, &a).unwrap();
        assert!(!none.named);
    }

    #[test]
    fn refusals() {
        let a = allowed(false, &["x-a"]);
        assert_eq!(
            check_requested(&[b"x-a, x-c"], 1, &a),
            Err(Refusal::NotAllowed(b"x-c"))
        );
        assert_eq!(
            check_requested(&[b"x-a, x c"], 1, &a),
            Err(Refusal::Invalid(b"x c"))
        );
        assert_eq!(
            check_requested(&[b"x-a"], 17, &a),
            Err(Refusal::TooLarge(Limit::Lines))
        );
        let commas = vec![b','; 1024];
        assert_eq!(
            check_requested(&[&commas], 1, &a),
            Err(Refusal::TooLarge(Limit::EmptyElements))
        );
        assert_eq!(
            check_requested(&[b"x-a,,,,,,,,,,,,,,,,,,x-a"], 1, &a),
            Err(Refusal::TooLarge(Limit::EmptyElements))
        );
        let huge = vec![b'a'; MAX_REQUEST_HEADERS_BYTES + 1];
        assert_eq!(
            check_requested(&[&huge], 1, &a),
            Err(Refusal::TooLarge(Limit::Bytes))
        );
    }
}
