//! Origins: the grammar of a serialized origin, the pattern language, the hosts a browser
//! sends, and the allowed set a request's `Origin` is matched against. A policy's origin
//! settings are validated here too, beside the check they feed.

mod host;
mod matching;
mod pattern;
mod serialized;

pub(crate) use matching::{ExactOrigins, Origins, PatternSet, Predicate, Refusal};
pub(crate) use serialized::{parse, suggest, Serialized};

use crate::error::{Field, Problem};
use pattern::parse_pattern;

/// A builder's origin settings, validated together: whether an origin is safe with
/// credentials depends on the credentials setting, and `*` on everything else.
pub(crate) struct OriginSettings<'a> {
    pub(crate) origins: &'a [String],
    pub(crate) patterns: &'a [String],
    pub(crate) predicate: Option<&'a Predicate>,
    pub(crate) credentials: bool,
    pub(crate) tolerate_insecure_origins: bool,
    pub(crate) tolerate_public_suffixes: bool,
}

impl OriginSettings<'_> {
    /// Validates every origin setting and builds the allowed set; every problem found goes
    /// to `problems`.
    pub(crate) fn build(&self, problems: &mut Vec<Problem>) -> Origins {
        if self.origins.iter().any(|o| o == "*") {
            for other in self.origins.iter().filter(|o| *o != "*") {
                problems.push(Problem::WildcardBesideOthers {
                    field: Field::AllowOrigins,
                    value: other.clone(),
                    fix: "write `*` alone, or list origins without `*`",
                });
            }
            if self.credentials {
                problems.push(Problem::AnyOriginWithCredentials);
            }
            if !self.patterns.is_empty() {
                problems.push(Problem::AnyOriginWithOtherRules {
                    field: Field::AllowOriginPatterns,
                });
            }
            if self.predicate.is_some() {
                problems.push(Problem::AnyOriginWithOtherRules {
                    field: Field::AllowOriginPredicate,
                });
            }
            return Origins::Any;
        }
        let mut exact = Vec::new();
        for value in self.origins {
            match parse(value.as_bytes()) {
                Ok(Serialized::Null) => {
                    if self.credentials && !self.tolerate_insecure_origins {
                        problems.push(Problem::InsecureOriginWithCredentials {
                            field: Field::AllowOrigins,
                            value: value.clone(),
                            why: "every sandboxed iframe and every `file:` or `data:` page \
                                  sends `null`, so any of them could read credentialed responses",
                            fix: "remove it, or set dangerously_tolerate_insecure_origins: true"
                                .to_owned(),
                        });
                    }
                    exact.push(value.as_bytes().into());
                }
                Ok(Serialized::Tuple(tuple)) => {
                    let before = problems.len();
                    let host = std::str::from_utf8(tuple.host).unwrap_or_default();
                    if let Err(not_sent) = host::check(tuple.scheme, host) {
                        problems.push(never_sent(Field::AllowOrigins, value, host, not_sent));
                    }
                    self.check_secure(Field::AllowOrigins, value, tuple.scheme, host, problems);
                    if problems.len() == before {
                        exact.push(value.as_bytes().into());
                    }
                }
                Err(why) => problems.push(Problem::InvalidOrigin {
                    field: Field::AllowOrigins,
                    value: value.clone(),
                    why,
                    fix: if value.contains('*') {
                        "move it to allow_origin_patterns".to_owned()
                    } else {
                        suggest(value)
                    },
                }),
            }
        }
        let mut patterns = PatternSet::default();
        for value in self.patterns {
            let pattern = match parse_pattern(value) {
                Ok(p) => p,
                Err((why, fix)) => {
                    problems.push(Problem::InvalidOriginPattern {
                        value: value.clone(),
                        why,
                        fix,
                    });
                    continue;
                }
            };
            let before = problems.len();
            let (scheme, domain) = (pattern.scheme(), pattern.host());
            let sent = if pattern.subdomains() {
                host::check_subdomains(scheme, domain)
            } else {
                host::check(scheme, domain)
            };
            if let Err(not_sent) = sent {
                problems.push(never_sent(
                    Field::AllowOriginPatterns,
                    value,
                    domain,
                    not_sent,
                ));
            } else if pattern.subdomains() && !self.tolerate_public_suffixes {
                if let Some(suffix) = host::covered_public_suffix(domain) {
                    problems.push(Problem::PublicSuffixPattern {
                        value: value.clone(),
                        suffix,
                    });
                }
            }
            self.check_secure(Field::AllowOriginPatterns, value, scheme, domain, problems);
            if problems.len() == before {
                patterns.insert(pattern);
            }
        }
        Origins::Listed {
            exact: ExactOrigins::new(exact),
            patterns,
            predicate: self.predicate.cloned(),
        }
    }

    /// With credentials, refuses an `http://` entry whose host is not loopback, unless
    /// tolerated: a network attacker can speak for it. (A pattern's `host` is its domain, so
    /// `http://*.localhost:*` counts as loopback.)
    fn check_secure(
        &self,
        field: Field,
        value: &str,
        scheme: &[u8],
        host: &str,
        problems: &mut Vec<Problem>,
    ) {
        if self.credentials
            && !self.tolerate_insecure_origins
            && scheme == b"http"
            && !host::is_loopback(host)
        {
            let secure = value.replacen("http://", "https://", 1);
            problems.push(Problem::InsecureOriginWithCredentials {
                field,
                value: value.to_owned(),
                why: "it is served over plain HTTP, so anyone on the network path can speak for \
                      it and read credentialed responses",
                fix: format!(
                    "write `{secure}`, or set dangerously_tolerate_insecure_origins: true"
                ),
            });
        }
    }
}

/// The problem for an entry whose host `host` a browser does not send as written.
fn never_sent(field: Field, value: &str, host: &str, not_sent: host::NotSent) -> Problem {
    let (why, fix) = match not_sent {
        host::NotSent::Rewritten(sent) => (
            "the URL parser rewrites its host, and browsers send what it writes",
            format!("write `{}`", value.replacen(host, &sent, 1)),
        ),
        host::NotSent::Never(why) => (why, "no browser can send it; remove it".to_owned()),
    };
    Problem::NeverSent {
        field,
        value: value.to_owned(),
        why,
        fix,
    }
}
