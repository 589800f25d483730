//! Origin patterns: `https://*.example.com` (any subdomain), `http://localhost:*` (any port),
//! or both, as a policy writes them.

use smallvec::SmallVec;

use super::serialized::{check_host, find, parse_port, parse_scheme, split_authority};

/// Which ports a pattern accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ports {
    /// No port written (the scheme's default).
    default: bool,
    /// `:*`: any port, the default included.
    any: bool,
    /// Ports written out.
    listed: SmallVec<[u16; 2]>,
}

impl Ports {
    pub(crate) fn allows(&self, port: Option<u16>) -> bool {
        self.any
            || match port {
                None => self.default,
                Some(p) => self.listed.contains(&p),
            }
    }

    pub(crate) fn merge(&mut self, other: Ports) {
        self.default |= other.default;
        self.any |= other.any;
        for p in other.listed {
            self.add(PortPattern::Exact(p));
        }
    }

    pub(crate) fn add(&mut self, port: PortPattern) {
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
pub(crate) enum PortPattern {
    Default,
    Any,
    Exact(u16),
}

/// A parsed `allow_origin_patterns` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub(crate) scheme: Box<[u8]>,
    /// The host, or for `*.` patterns the domain after `*.`.
    pub(crate) host: Box<[u8]>,
    pub(crate) subdomains: bool,
    pub(crate) port: PortPattern,
}

const WILDCARD_PLACES: &str = "write `https://*.example.com` (any subdomain), \
     `http://localhost:*` (any port) or `https://*.example.com:*` (both)";

/// Parses an origin pattern: a serialized origin whose leftmost host label may be `*`
/// (one or more subdomain labels of a domain) and whose port may be `*` (any port, the
/// default included). Whether a browser can send a matching origin, and whether the domain
/// is a public suffix, the builder asks the `host` module.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
