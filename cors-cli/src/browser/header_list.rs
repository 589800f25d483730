//! A [header list](https://fetch.spec.whatwg.org/#concept-header-list) and the ways Fetch
//! reads one: [get](https://fetch.spec.whatwg.org/#concept-header-list-get) (every line
//! joined with `, `) and
//! [extract header list values](https://fetch.spec.whatwg.org/#extract-header-list-values)
//! (parsed by the header's ABNF, a failure when it does not parse).

use super::safelist::is_token;

/// Header lines in order, names as given (compared case-insensitively), values as bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    lines: Vec<(String, Vec<u8>)>,
}

impl HeaderList {
    /// A list of these lines, in order.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> HeaderList {
        let mut list = HeaderList::default();
        for (name, value) in pairs {
            list.append(name, value.as_bytes());
        }
        list
    }

    /// Adds one line at the end.
    pub fn append(&mut self, name: &str, value: &[u8]) {
        self.lines.push((name.to_owned(), value.to_vec()));
    }

    /// Every line, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.lines.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The values of every line called `name` (in any case), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.lines
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// [Fetch, contains](https://fetch.spec.whatwg.org/#header-list-contains): whether a line
    /// is called `name`, in any case.
    pub fn contains(&self, name: &str) -> bool {
        self.values(name).next().is_some()
    }

    /// [Fetch, get](https://fetch.spec.whatwg.org/#concept-header-list-get): `None` when no
    /// line is called `name` (step 1), else every such value joined by `, ` (step 2). So two
    /// `Access-Control-Allow-Origin` lines read as one value that is no origin.
    ///
    /// ```
    /// use fetch_cors_cli::browser::HeaderList;
    ///
    /// let list = HeaderList::from_pairs([("A", "1"), ("b", "2"), ("a", "3")]);
    /// assert_eq!(list.get("a").as_deref(), Some(&b"1, 3"[..]));
    /// assert_eq!(list.get("c"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        let mut values = self.values(name);
        let mut joined = values.next()?.to_vec();
        for value in values {
            joined.extend_from_slice(b", ");
            joined.extend_from_slice(value);
        }
        Some(joined)
    }
}

/// Why [`extract_list`] or [`extract_delta_seconds`] failed: the line that does not parse
/// by the header's ABNF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// The value that does not parse.
    pub value: Vec<u8>,
    /// What is wrong with it.
    pub why: &'static str,
}

/// [Fetch, extract header list values](https://fetch.spec.whatwg.org/#extract-header-list-values)
/// for a header whose ABNF is a list of tokens: `Access-Control-Allow-Methods = #method` and
/// `Access-Control-Allow-Headers = #field-name`
/// ([Fetch, HTTP new-header syntax](https://fetch.spec.whatwg.org/#http-new-header-syntax)).
///
/// `Ok(None)` when no line is called `name` (step 1); a failure when a line does not parse
/// (step 4.2); otherwise every line's elements, in order (steps 3-5). `#` is the list rule of
/// RFC 9110 §5.6.1: elements separated by commas with optional spaces or tabs around them,
/// empty elements ignored (§5.6.1.2). (Chromium is stricter: it fails an
/// `Access-Control-Allow-Headers` with an empty element.)
///
/// ```
/// use fetch_cors_cli::browser::header_list::extract_list;
/// use fetch_cors_cli::browser::HeaderList;
///
/// let list = HeaderList::from_pairs([
///     ("Access-Control-Allow-Methods", "PUT, DELETE"),
///     ("access-control-allow-methods", "PATCH"),
/// ]);
/// let methods = extract_list(&list, "access-control-allow-methods").unwrap().unwrap();
/// assert_eq!(methods, ["PUT", "DELETE", "PATCH"]);
///
/// let bad = HeaderList::from_pairs([("access-control-allow-methods", "PUT DELETE")]);
/// assert!(extract_list(&bad, "access-control-allow-methods").is_err());
/// ```
pub fn extract_list(list: &HeaderList, name: &str) -> Result<Option<Vec<String>>, ParseFailure> {
    // Step 1.
    if !list.contains(name) {
        return Ok(None);
    }
    // Step 3.
    let mut values = Vec::new();
    // Step 4: for each line called `name`, extract its values (4.1), fail on failure (4.2),
    // append them (4.3).
    for value in list.values(name) {
        let Ok(text) = std::str::from_utf8(value) else {
            return Err(ParseFailure {
                value: value.to_vec(),
                why: "it is not ASCII",
            });
        };
        for element in text.split(',') {
            let element = element.trim_matches([' ', '\t']);
            if element.is_empty() {
                continue;
            }
            if !is_token(element) {
                return Err(ParseFailure {
                    value: value.to_vec(),
                    why: "an element is not a token (a name without spaces, quotes or other \
                          separators)",
                });
            }
            values.push(element.to_owned());
        }
    }
    // Step 5.
    Ok(Some(values))
}

/// [Fetch, extract header list values](https://fetch.spec.whatwg.org/#extract-header-list-values)
/// for `Access-Control-Max-Age = delta-seconds`: `Ok(None)` when absent (step 1), a failure
/// for more than one line (step 2, the ABNF allows a single header) or a value that is not
/// digits (step 4.2). A number too large to hold saturates, since browsers cap it anyway.
///
/// ```
/// use fetch_cors_cli::browser::header_list::extract_delta_seconds;
/// use fetch_cors_cli::browser::HeaderList;
///
/// let list = HeaderList::from_pairs([("access-control-max-age", "600")]);
/// assert_eq!(extract_delta_seconds(&list, "access-control-max-age"), Ok(Some(600)));
/// let list = HeaderList::from_pairs([("access-control-max-age", "10m")]);
/// assert!(extract_delta_seconds(&list, "access-control-max-age").is_err());
/// ```
pub fn extract_delta_seconds(list: &HeaderList, name: &str) -> Result<Option<u64>, ParseFailure> {
    let mut lines = list.values(name);
    // Step 1.
    let Some(value) = lines.next() else {
        return Ok(None);
    };
    // Step 2.
    if lines.next().is_some() {
        return Err(ParseFailure {
            value: list.get(name).unwrap_or_default(),
            why: "the header is sent more than once",
        });
    }
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(ParseFailure {
            value: value.to_vec(),
            why: "it is not a number of seconds (digits only)",
        });
    }
    Ok(Some(value.iter().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> HeaderList {
        HeaderList::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn get_joins_lines_with_comma_space() {
        let l = list(&[("Vary", "Origin"), ("vary", "Accept-Encoding")]);
        assert_eq!(l.get("VARY").unwrap(), b"Origin, Accept-Encoding");
        // An empty line is a value too.
        let l = list(&[("a", ""), ("a", "x")]);
        assert_eq!(l.get("a").unwrap(), b", x");
    }

    #[test]
    fn lists_skip_empty_elements_and_spaces() {
        let l = list(&[("h", " x-a ,\tx-b,, ,"), ("h", "")]);
        assert_eq!(extract_list(&l, "h").unwrap().unwrap(), ["x-a", "x-b"]);
        assert_eq!(extract_list(&list(&[("h", "")]), "h"), Ok(Some(vec![])));
        assert_eq!(extract_list(&list(&[]), "h"), Ok(None));
    }

    #[test]
    fn lists_fail_on_anything_but_tokens() {
        for bad in ["x-a x-b", "\"x-a\"", "x-a;q=1", "x:a", "é"] {
            assert!(extract_list(&list(&[("h", bad)]), "h").is_err(), "{bad}");
        }
        // A failing line fails the whole header, even beside a good one.
        assert!(extract_list(&list(&[("h", "PUT"), ("h", "P T")]), "h").is_err());
    }

    #[test]
    fn max_age_is_one_number() {
        let name = "access-control-max-age";
        assert_eq!(
            extract_delta_seconds(&list(&[(name, "0")]), name),
            Ok(Some(0))
        );
        assert_eq!(
            extract_delta_seconds(&list(&[(name, "99999999999999999999999")]), name),
            Ok(Some(u64::MAX))
        );
        for bad in ["-1", "1.5", " 5", ""] {
            assert!(
                extract_delta_seconds(&list(&[(name, bad)]), name).is_err(),
                "{bad}"
            );
        }
        assert!(extract_delta_seconds(&list(&[(name, "5"), (name, "5")]), name).is_err());
    }
}
