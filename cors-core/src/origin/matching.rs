//! The origins a policy allows, and matching a request's `Origin` against them: exact
//! origins, patterns indexed by scheme and domain, and an optional predicate.

use std::collections::{HashMap, HashSet};

use ahash::RandomState;

use super::pattern::{Pattern, PortPattern, Ports};
use super::serialized::{read, Serialized, Tuple};

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
    /// Whether `origin` is one the policy's lists leave undecided, which an outside check
    /// may therefore allow: a tuple origin (never `null`, never a malformed value) that the
    /// exact origins, the patterns and the predicate do not allow, under a policy that lists
    /// origins (under `*` every origin is decided). With `secure_only`, an `http://` origin
    /// whose host is not loopback is not undecided but refused, as it would be if listed.
    pub(crate) fn undecided(&self, origin: &[u8], secure_only: bool) -> bool {
        if matches!(self, Origins::Any) || self.check(origin) != Err(Refusal::NotAllowed) {
            return false;
        }
        match read(origin) {
            Some(Serialized::Tuple(tuple)) => {
                !secure_only
                    || tuple.scheme != b"http"
                    || std::str::from_utf8(tuple.host).is_ok_and(super::host::is_loopback)
            }
            _ => false,
        }
    }

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
    use crate::origin::pattern::parse_pattern;
    use crate::origin::serialized::parse;

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
