//! Origins: parsing serialized origins, parsing origin patterns, and matching a request's
//! `Origin` against the allowed set.
//!
//! An `Origin` header carries a *serialized origin* (Fetch #origin-header, HTML
//! #ascii-serialisation-of-an-origin): `null`, or `scheme "://" host [ ":" port ]` with a
//! lower-case scheme and host and no default port. Origins compare byte for byte (HTML
//! "same origin" on serializations), so nothing here folds case or normalises.

use std::collections::{HashMap, HashSet};

use ahash::RandomState;
use smallvec::SmallVec;

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
fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

fn parse_scheme(scheme: &[u8]) -> Result<(), &'static str> {
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
fn split_authority(rest: &[u8]) -> Result<(&[u8], Option<&[u8]>), &'static str> {
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

fn parse_port(scheme: &[u8], port: &[u8]) -> Result<u16, &'static str> {
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
fn check_host(host: &[u8]) -> Result<(), &'static str> {
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
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

/// Which ports a pattern accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Ports {
    /// No port written (the scheme's default).
    default: bool,
    /// `:*`: any port, the default included.
    any: bool,
    /// Ports written out.
    listed: SmallVec<[u16; 2]>,
}

impl Ports {
    fn allows(&self, port: Option<u16>) -> bool {
        self.any
            || match port {
                None => self.default,
                Some(p) => self.listed.contains(&p),
            }
    }

    fn merge(&mut self, other: Ports) {
        self.default |= other.default;
        self.any |= other.any;
        for p in other.listed {
            self.add(PortPattern::Exact(p));
        }
    }

    fn add(&mut self, port: PortPattern) {
        match port {
            PortPattern::Default => self.default = true,
            PortPattern::Any => self.any = true,
            PortPattern::Exact(p) => {
                if !self.listed.contains(&p) {
                    self.listed.push(p);
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortPattern {
    Default,
    Any,
    Exact(u16),
}

/// A parsed `allow_origin_patterns` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    scheme: Box<[u8]>,
    /// The host, or for `*.` patterns the domain after `*.`.
    host: Box<[u8]>,
    subdomains: bool,
    port: PortPattern,
}

const WILDCARD_PLACES: &str = "write `https://*.example.com` (any subdomain), \
     `http://localhost:*` (any port) or `https://*.example.com:*` (both)";

/// Parses an origin pattern: a serialized origin whose leftmost host label may be `*`
/// (one or more subdomain labels of a domain) and whose port may be `*` (any port, the
/// default included). Whether a browser can send a matching origin, and whether the domain
/// is a public suffix, the builder asks [`crate::host`].
pub(crate) fn parse_pattern(value: &str) -> Result<Pattern, (&'static str, String)> {
    let bytes = value.as_bytes();
    let fix = || WILDCARD_PLACES.to_owned();
    let Some(sep) = find(bytes, b"://") else {
        return Err(("it has no scheme (such as `https://`)", fix()));
    };
    let scheme = &bytes[..sep];
    parse_scheme(scheme).map_err(|why| (why, fix()))?;
    if bytes[sep + 3..].starts_with(b"*.[") {
        return Err(("an IP address has no subdomains", fix()));
    }
    let (host, port) = split_authority(&bytes[sep + 3..]).map_err(|why| (why, fix()))?;
    let port = match port {
        None => PortPattern::Default,
        Some(b"*") => PortPattern::Any,
        Some(p) => PortPattern::Exact(parse_port(scheme, p).map_err(|why| (why, fix()))?),
    };
    let (subdomains, domain) = match host.strip_prefix(b"*.") {
        Some(domain) => (true, domain),
        None => (false, host),
    };
    if domain.contains(&b'*') {
        return Err((
            "a wildcard may only be the whole leftmost label (`*.`) or the whole port (`:*`)",
            fix(),
        ));
    }
    check_host(domain).map_err(|why| (why, fix()))?;
    if subdomains {
        if domain.starts_with(b"[") {
            return Err(("an IP address has no subdomains", fix()));
        }
        if domain
            .rsplit(|&b| b == b'.')
            .next()
            .is_some_and(|last| last.iter().all(u8::is_ascii_digit))
        {
            return Err(("an IP address has no subdomains", fix()));
        }
    } else if port != PortPattern::Any {
        return Err((
            "it has no wildcard",
            "put exact origins in allow_origins".to_owned(),
        ));
    }
    Ok(Pattern {
        scheme: scheme.into(),
        host: domain.into(),
        subdomains,
        port,
    })
}

impl Pattern {
    /// The scheme, as written.
    pub(crate) fn scheme(&self) -> &[u8] {
        &self.scheme
    }

    /// The host, or for `*.` patterns the domain after `*.` (ASCII, checked by the parser).
    pub(crate) fn host(&self) -> &str {
        std::str::from_utf8(&self.host).unwrap_or_default()
    }

    /// Whether it is a `*.` pattern.
    pub(crate) fn subdomains(&self) -> bool {
        self.subdomains
    }
}

/// The patterns of one scheme, indexed so that matching costs a few hash look-ups
/// whatever the number of patterns.
#[derive(Debug, Clone)]
struct SchemePatterns {
    scheme: Box<[u8]>,
    /// `scheme://host:*`
    hosts: HashMap<Box<[u8]>, Ports, RandomState>,
    /// `scheme://*.domain[...]`
    domains: Domains,
}

/// The subdomain patterns of one scheme, by `domain`.
#[derive(Debug, Clone)]
enum Domains {
    /// At most [`LINEAR_DOMAINS`]: comparing a few suffixes costs less than finding the
    /// labels and hashing.
    Few(Vec<(Box<[u8]>, Ports)>),
    /// More: one look-up per label, only for suffixes with as many labels as some domain.
    Many {
        domains: HashMap<Box<[u8]>, Ports, RandomState>,
        min_labels: usize,
        max_labels: usize,
    },
}

impl Domains {
    fn insert(&mut self, domain: Box<[u8]>, port: PortPattern) {
        let mut ports = Ports::default();
        ports.add(port);
        self.insert_ports(domain, ports);
    }

    fn insert_ports(&mut self, domain: Box<[u8]>, ports: Ports) {
        match self {
            Domains::Few(few) => {
                if let Some((_, existing)) = few.iter_mut().find(|(d, _)| *d == domain) {
                    existing.merge(ports);
                } else if few.len() < LINEAR_DOMAINS {
                    few.push((domain, ports));
                } else {
                    let few = std::mem::take(few);
                    *self = Domains::Many {
                        domains: HashMap::default(),
                        min_labels: usize::MAX,
                        max_labels: 0,
                    };
                    for (d, p) in few {
                        self.insert_ports(d, p);
                    }
                    self.insert_ports(domain, ports);
                }
            }
            Domains::Many {
                domains,
                min_labels,
                max_labels,
            } => {
                let labels = domain.iter().filter(|&&b| b == b'.').count() + 1;
                *min_labels = (*min_labels).min(labels);
                *max_labels = (*max_labels).max(labels);
                domains.entry(domain).or_default().merge(ports);
            }
        }
    }

    /// Whether `host` (not an IPv6 literal) is a proper subdomain of a domain whose ports
    /// allow `port`.
    fn matches(&self, host: &[u8], port: Option<u16>) -> bool {
        match self {
            // `host` ends with `.domain` and has a label in front of it (labels are never
            // empty, so one byte is one label): the same test as the look-ups below.
            Domains::Few(few) => few.iter().any(|(domain, ports)| {
                host.len() > domain.len() + 1
                    && host.ends_with(domain)
                    && host[host.len() - domain.len() - 1] == b'.'
                    && ports.allows(port)
            }),
            // Try every proper suffix that starts after a dot: `a.b.example.com` tries
            // `com`, `example.com`, `b.example.com`, from the right, and only those with as
            // many labels as some pattern's domain. At least one label stays in front
            // (labels are never empty), so `*.example.com` never matches the apex
            // `example.com`.
            Domains::Many {
                domains,
                min_labels,
                max_labels,
            } => {
                let mut labels = 0;
                for (i, &b) in host.iter().enumerate().rev() {
                    if b != b'.' {
                        continue;
                    }
                    labels += 1;
                    if labels > *max_labels {
                        break;
                    }
                    if labels >= *min_labels
                        && domains
                            .get(&host[i + 1..])
                            .is_some_and(|ports| ports.allows(port))
                    {
                        return true;
                    }
                }
                false
            }
        }
    }
}

/// Every origin pattern of a policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternSet {
    schemes: Vec<SchemePatterns>,
}

impl PatternSet {
    pub(crate) fn insert(&mut self, pattern: Pattern) {
        let index = match self.schemes.iter().position(|s| s.scheme == pattern.scheme) {
            Some(i) => i,
            None => {
                self.schemes.push(SchemePatterns {
                    scheme: pattern.scheme.clone(),
                    hosts: HashMap::default(),
                    domains: Domains::Few(Vec::new()),
                });
                self.schemes.len() - 1
            }
        };
        let s = &mut self.schemes[index];
        if pattern.subdomains {
            s.domains.insert(pattern.host, pattern.port);
        } else {
            s.hosts.entry(pattern.host).or_default().add(pattern.port);
        }
    }

    /// Whether some pattern matches the origin. Work: a comparison per subdomain pattern up
    /// to [`LINEAR_DOMAINS`], else one scan of the host and at most one hash look-up per
    /// label; independent of the number of patterns either way.
    pub(crate) fn matches(&self, origin: &Tuple<'_>) -> bool {
        let Some(s) = self.schemes.iter().find(|s| *s.scheme == *origin.scheme) else {
            return false;
        };
        // An empty map still hashes the key, so skip it when there is nothing to find.
        if !s.hosts.is_empty()
            && s.hosts
                .get(origin.host)
                .is_some_and(|ports| ports.allows(origin.port))
        {
            return true;
        }
        origin.host.first() != Some(&b'[') && s.domains.matches(origin.host, origin.port)
    }
}

/// Up to this many subdomain patterns of one scheme are compared one by one; more are
/// looked up by suffix. Either way the cost does not grow with the number of patterns.
const LINEAR_DOMAINS: usize = 4;

/// Up to this many listed origins are compared one by one; more are hashed. Either way a
/// look-up costs a bounded amount, whatever the size of the list.
const LINEAR_ORIGINS: usize = 4;

/// The exact origins of a policy.
#[derive(Debug, Clone)]
pub(crate) enum ExactOrigins {
    /// A few: a length check, then a comparison, per origin, is cheaper than hashing.
    Few(Vec<Box<[u8]>>),
    /// Many: one hash look-up.
    Many(HashSet<Box<[u8]>, RandomState>),
}

impl ExactOrigins {
    pub(crate) fn new(origins: Vec<Box<[u8]>>) -> Self {
        let mut origins = origins;
        origins.sort();
        origins.dedup();
        if origins.len() <= LINEAR_ORIGINS {
            ExactOrigins::Few(origins)
        } else {
            ExactOrigins::Many(origins.into_iter().collect())
        }
    }

    #[inline]
    pub(crate) fn contains(&self, origin: &[u8]) -> bool {
        match self {
            ExactOrigins::Few(origins) => origins.iter().any(|o| **o == *origin),
            ExactOrigins::Many(set) => set.contains(origin),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            ExactOrigins::Few(origins) => origins.len(),
            ExactOrigins::Many(set) => set.len(),
        }
    }
}

/// A predicate deciding origins the lists do not.
pub(crate) type Predicate = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// How a policy decides which origins are allowed.
#[derive(Clone)]
pub(crate) enum Origins {
    /// Every origin (`allow_origins: "*"`); answered with `Access-Control-Allow-Origin: *`.
    Any,
    /// Listed origins, patterns and an optional predicate; answered by echoing the origin.
    Listed {
        exact: ExactOrigins,
        patterns: PatternSet,
        predicate: Option<Predicate>,
    },
}

impl std::fmt::Debug for Origins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origins::Any => f.write_str("Any"),
            Origins::Listed {
                exact,
                patterns,
                predicate,
            } => f
                .debug_struct("Listed")
                .field("exact", &exact.len())
                .field("patterns", patterns)
                .field("predicate", &predicate.is_some())
                .finish(),
        }
    }
}

/// Why an `Origin` was not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotSerialized,
    NotAllowed,
}

impl Origins {
    /// Whether `origin` (one `Origin` value, raw bytes) is allowed.
    pub(crate) fn check(&self, origin: &[u8]) -> Result<(), Refusal> {
        match self {
            Origins::Any => match read(origin) {
                Some(_) => Ok(()),
                None => Err(Refusal::NotSerialized),
            },
            Origins::Listed {
                exact,
                patterns,
                predicate,
            } => {
                // Every listed origin was validated when the policy was built, so a hit
                // needs no parsing: the common case costs one hash look-up.
                if exact.contains(origin) {
                    return Ok(());
                }
                let tuple = match read(origin) {
                    Some(Serialized::Tuple(t)) => t,
                    // `null` is allowed only when listed, never by a pattern or predicate:
                    // sandboxed documents and local files share it.
                    Some(Serialized::Null) => return Err(Refusal::NotAllowed),
                    None => return Err(Refusal::NotSerialized),
                };
                if patterns.matches(&tuple) {
                    return Ok(());
                }
                if let Some(predicate) = predicate {
                    // A serialized origin is ASCII, so this never fails.
                    if std::str::from_utf8(origin).is_ok_and(|s| predicate(s)) {
                        return Ok(());
                    }
                }
                Err(Refusal::NotAllowed)
            }
        }
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

    fn set(patterns: &[&str]) -> PatternSet {
        let mut set = PatternSet::default();
        for p in patterns {
            set.insert(parse_pattern(p).unwrap());
        }
        set
    }

    fn matches(set: &PatternSet, origin: &str) -> bool {
        match parse(origin.as_bytes()) {
            Ok(Serialized::Tuple(t)) => set.matches(&t),
            _ => false,
        }
    }

    #[test]
    fn subdomain_patterns() {
        let s = set(&["https://*.example.com"]);
        assert!(matches(&s, "https://a.example.com"));
        assert!(matches(&s, "https://a.b.example.com"));
        assert!(!matches(&s, "https://example.com"), "apex");
        assert!(!matches(&s, "http://a.example.com"), "scheme");
        assert!(!matches(&s, "https://a.example.com:8443"), "port");
        assert!(!matches(&s, "https://example.com.evil.test"));
        assert!(!matches(&s, "https://evilexample.com"));
        assert!(!matches(&s, "https://a.evilexample.com"));
        assert!(!matches(&s, "https://a.example.co"));
    }

    #[test]
    fn few_and_many_subdomain_patterns_agree() {
        // One pattern is compared as a suffix; five are looked up label by label.
        // A domain named twice, with two ports, is one entry whose ports merge.
        let few = set(&[
            "https://*.example.com",
            "https://*.b.test:8443",
            "https://*.b.test:9000",
        ]);
        let many = set(&[
            "https://*.example.com",
            "https://*.b.test:8443",
            "https://*.b.test:9000",
            "https://*.one.test",
            "https://*.two.test",
            "https://*.deep.three.test",
        ]);
        assert!(matches!(few.schemes[0].domains, Domains::Few(_)));
        assert!(matches!(many.schemes[0].domains, Domains::Many { .. }));
        for origin in [
            "https://a.example.com",
            "https://a.b.example.com",
            "https://example.com",
            "https://.example.com",
            "https://xexample.com",
            "https://example.com.evil.test",
            "https://a.example.com:8443",
            "https://a.b.test:8443",
            "https://a.b.test",
            "https://b.test:8443",
            "https://a.ab.test:8443",
            "https://[::1]",
            "http://a.example.com",
        ] {
            assert_eq!(matches(&few, origin), matches(&many, origin), "{origin}");
        }
        assert!(matches(&few, "https://a.b.test:8443"));
        assert!(matches(&few, "https://a.b.test:9000"));
        assert!(matches(&many, "https://a.b.test:9000"));
        assert!(!matches(&few, "https://a.ab.test:8443"));
    }

    #[test]
    fn port_patterns() {
        let s = set(&["http://localhost:*", "https://*.example.com:*"]);
        assert!(matches(&s, "http://localhost"));
        assert!(matches(&s, "http://localhost:3000"));
        assert!(!matches(&s, "https://localhost:3000"));
        assert!(!matches(&s, "http://a.localhost:3000"));
        assert!(matches(&s, "https://a.example.com:1"));
        assert!(matches(&s, "https://a.example.com"));
        assert!(!matches(&s, "https://example.com:8443"));
    }

    #[test]
    fn explicit_port_patterns() {
        let s = set(&["https://*.example.com:8443", "https://*.example.com"]);
        assert!(matches(&s, "https://a.example.com:8443"));
        assert!(matches(&s, "https://a.example.com"));
        assert!(!matches(&s, "https://a.example.com:8444"));
    }

    #[test]
    fn suffix_lengths_are_bounded() {
        let s = set(&["https://*.a.b.c.example.com"]);
        assert!(matches(&s, "https://x.y.a.b.c.example.com"));
        assert!(!matches(&s, "https://x.b.c.example.com"));
    }

    #[test]
    fn bad_patterns() {
        for (bad, why) in [
            ("https://*", "leftmost"),
            ("https://a.*.example.com", "leftmost"),
            ("https://*example.com", "leftmost"),
            ("https://*.*.example.com", "leftmost"),
            ("https://example.com", "no wildcard"),
            ("https://*.example.com/", "path"),
            ("*.example.com", "no scheme"),
            ("https://*.example.com:443", "default port"),
            ("https://*.example.com:8*", "not a number"),
            ("http://*.[::1]", "IP address"),
            ("http://*.10.0.0.1", "IP address"),
            ("HTTPS://*.example.com", "lower-case"),
            ("https://*.Example.com", "lower-case"),
            ("null", "no scheme"),
        ] {
            let (got, _) = parse_pattern(bad).unwrap_err();
            assert!(got.contains(why), "{bad}: {got}");
        }
    }

    #[test]
    fn exact_origin_check() {
        let origins = Origins::Listed {
            exact: ExactOrigins::new(vec![Box::from(&b"https://example.com"[..])]),
            patterns: PatternSet::default(),
            predicate: Some(std::sync::Arc::new(|o: &str| {
                o.ends_with(".test") || o == "null"
            })),
        };
        assert_eq!(origins.check(b"https://example.com"), Ok(()));
        assert_eq!(
            origins.check(b"https://Example.com"),
            Err(Refusal::NotSerialized)
        );
        assert_eq!(
            origins.check(b"https://other.com"),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(origins.check(b"https://ok.test"), Ok(()));
        assert_eq!(
            origins.check(b"https://ok.test/"),
            Err(Refusal::NotSerialized)
        );
        assert_eq!(origins.check(b"null"), Err(Refusal::NotAllowed));
        assert_eq!(Origins::Any.check(b"null"), Ok(()));
        assert_eq!(Origins::Any.check(b"x"), Err(Refusal::NotSerialized));
    }
}
