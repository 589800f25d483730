//! The builder every adapter shares: collects settings, validates them all at once, and
//! computes every header value the policy will ever send.

use std::sync::Arc;

use http::{HeaderValue, StatusCode};
use smallvec::SmallVec;

use crate::error::{ConfigError, Field, Problem};
use crate::header::{
    is_forbidden_request_header, is_forbidden_response_header, AllowedHeaders, NameSet,
};
use crate::host;
use crate::method::{self, Methods};
use crate::origin::{self, Origins, PatternSet, Predicate};
use crate::policy::{Cors, Policy};
use crate::token::is_token;

/// Builds a [`Cors`] policy. Settings accumulate; [`CorsBuilder::build`] validates them all
/// and reports every problem at once.
///
/// `"*"` is the wildcard wherever a list takes one, so a list read from a file and the
/// dedicated `*_any_*` methods mean the same.
///
/// ```
/// use fetch_cors::Cors;
///
/// let cors = Cors::builder()
///     .allow_origins(["https://app.example.com", "http://localhost:3000"])
///     .allow_origin_patterns(["https://*.preview.example.com"])
///     .allow_methods(["PUT", "DELETE"])
///     .allow_headers(["content-type", "x-request-id"])
///     .expose_headers(["x-total-count"])
///     .allow_credentials(true)
///     .max_age(600)
///     .build()
///     .expect("a valid policy");
/// # let _ = cors;
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct CorsBuilder {
    origins: Vec<String>,
    patterns: Vec<String>,
    predicate: Option<Predicate>,
    methods: Vec<String>,
    headers: Vec<String>,
    expose: Vec<String>,
    credentials: bool,
    private_network: bool,
    max_age: Option<i64>,
    preflight_status: Option<i64>,
    passthrough: bool,
    tolerate_insecure_origins: bool,
    tolerate_public_suffixes: bool,
}

impl std::fmt::Debug for CorsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsBuilder")
            .field("origins", &self.origins)
            .field("patterns", &self.patterns)
            .field("predicate", &self.predicate.is_some())
            .field("methods", &self.methods)
            .field("headers", &self.headers)
            .field("expose", &self.expose)
            .field("credentials", &self.credentials)
            .field("private_network", &self.private_network)
            .field("max_age", &self.max_age)
            .field("preflight_status", &self.preflight_status)
            .field("passthrough", &self.passthrough)
            .field("tolerate_insecure_origins", &self.tolerate_insecure_origins)
            .field("tolerate_public_suffixes", &self.tolerate_public_suffixes)
            .finish()
    }
}

fn strings<I>(items: I) -> impl Iterator<Item = String>
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    items.into_iter().map(Into::into)
}

impl CorsBuilder {
    /// Allows one exact serialized origin, such as `https://app.example.com` or `null`.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// Allows exact serialized origins; `"*"` alone allows any origin.
    pub fn allow_origins<I>(mut self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.origins.extend(strings(origins));
        self
    }

    /// Allows any origin, answered with `Access-Control-Allow-Origin: *` (so never with
    /// credentials).
    pub fn allow_any_origin(self) -> Self {
        self.allow_origin("*")
    }

    /// Allows the origins matching a pattern: `https://*.example.com` (one or more
    /// subdomain labels, never the apex), `http://localhost:*` (any port) or both.
    pub fn allow_origin_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.patterns.push(pattern.into());
        self
    }

    /// Allows the origins matching any of the patterns (see
    /// [`allow_origin_pattern`](Self::allow_origin_pattern)).
    pub fn allow_origin_patterns<I>(mut self, patterns: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.patterns.extend(strings(patterns));
        self
    }

    /// Allows the origins for which `predicate` returns `true`, for allowlists kept
    /// elsewhere. It sees only well-formed serialized origins other than `null`, and only
    /// those the lists and patterns did not allow already.
    pub fn allow_origin_predicate<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// Allows one method beyond the CORS-safelisted `GET`, `HEAD` and `POST`
    /// (case-sensitive, as sent on the wire).
    pub fn allow_method(mut self, method: impl Into<String>) -> Self {
        self.methods.push(method.into());
        self
    }

    /// Allows methods beyond the safelisted ones; `"*"` allows any method.
    pub fn allow_methods<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.methods.extend(strings(methods));
        self
    }

    /// Allows any method (but the forbidden CONNECT, TRACE and TRACK).
    pub fn allow_any_method(self) -> Self {
        self.allow_method("*")
    }

    /// Allows one request header name (case-insensitive).
    pub fn allow_header(mut self, name: impl Into<String>) -> Self {
        self.headers.push(name.into());
        self
    }

    /// Allows request header names; `"*"` allows any name but `authorization`, which must
    /// be listed by name (`["*", "authorization"]`).
    pub fn allow_headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.headers.extend(strings(names));
        self
    }

    /// Allows any request header name but `authorization`.
    pub fn allow_any_header(self) -> Self {
        self.allow_header("*")
    }

    /// Lets scripts read one more response header.
    pub fn expose_header(mut self, name: impl Into<String>) -> Self {
        self.expose.push(name.into());
        self
    }

    /// Lets scripts read these response headers; `"*"` for all (not with credentials).
    pub fn expose_headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.expose.extend(strings(names));
        self
    }

    /// Lets scripts read every response header (not with credentials).
    pub fn expose_any_header(self) -> Self {
        self.expose_header("*")
    }

    /// Sends `Access-Control-Allow-Credentials: true`, so pages may send cookies and read
    /// the answer.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// Answers Private Network Access preflights
    /// (`Access-Control-Request-Private-Network: true`).
    pub fn allow_private_network(mut self, allow: bool) -> Self {
        self.private_network = allow;
        self
    }

    /// Sends `Access-Control-Max-Age` with this many seconds (0..=86400).
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(i64::try_from(seconds).unwrap_or(i64::MAX));
        self
    }

    /// The status of an accepted preflight (200..=299; 204 unless set).
    pub fn preflight_status(mut self, status: u16) -> Self {
        self.preflight_status = Some(i64::from(status));
        self
    }

    /// Hands accepted preflights on to the handler instead of answering them; rejected
    /// preflights are still answered with 403.
    pub fn preflight_passthrough(mut self, passthrough: bool) -> Self {
        self.passthrough = passthrough;
        self
    }

    /// With credentials, allows `http://` origins and patterns whose host is not loopback,
    /// and `null`, which [`build`](Self::build) refuses otherwise: anyone on the network
    /// path can speak for an `http://` origin, and every sandboxed iframe and `file:` page
    /// is `null`, so each of them could read credentialed responses. Loopback hosts
    /// (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`) never need this.
    ///
    /// ```
    /// use fetch_cors::Cors;
    ///
    /// let refused = Cors::builder()
    ///     .allow_origin("http://intranet.example")
    ///     .allow_credentials(true)
    ///     .build();
    /// assert!(refused.is_err());
    /// let tolerated = Cors::builder()
    ///     .allow_origin("http://intranet.example")
    ///     .allow_credentials(true)
    ///     .dangerously_tolerate_insecure_origins(true)
    ///     .build();
    /// assert!(tolerated.is_ok());
    /// ```
    pub fn dangerously_tolerate_insecure_origins(mut self, tolerate: bool) -> Self {
        self.tolerate_insecure_origins = tolerate;
        self
    }

    /// Allows patterns whose wildcard covers the subdomains of a public suffix
    /// (`https://*.co.uk`, `https://*.github.io`), which [`build`](Self::build) refuses
    /// otherwise: anyone can register a site under a public suffix, so every such site would
    /// be allowed.
    ///
    /// ```
    /// use fetch_cors::Cors;
    ///
    /// assert!(Cors::builder().allow_origin_pattern("https://*.github.io").build().is_err());
    /// let tolerated = Cors::builder()
    ///     .allow_origin_pattern("https://*.github.io")
    ///     .dangerously_tolerate_public_suffixes(true)
    ///     .build();
    /// assert!(tolerated.is_ok());
    /// ```
    pub fn dangerously_tolerate_public_suffixes(mut self, tolerate: bool) -> Self {
        self.tolerate_public_suffixes = tolerate;
        self
    }

    /// Raw numbers from a config file, validated in [`build`](Self::build).
    #[cfg(feature = "serde")]
    pub(crate) fn raw_numbers(
        mut self,
        max_age: Option<i64>,
        preflight_status: Option<i64>,
    ) -> Self {
        self.max_age = max_age;
        self.preflight_status = preflight_status;
        self
    }

    /// Validates every setting and builds the policy, or returns every problem found.
    pub fn build(self) -> Result<Cors, ConfigError> {
        let mut problems = Vec::new();
        let origins = self.build_origins(&mut problems);
        let methods = build_methods(&self.methods, &mut problems);
        let headers = build_allowed_headers(&self.headers, &mut problems);
        let expose = build_expose(&self.expose, self.credentials, &mut problems);
        let max_age = match self.max_age {
            None => None,
            Some(v @ 0..=86_400) => Some(HeaderValue::from(v)),
            Some(value) => {
                problems.push(Problem::MaxAgeOutOfRange { value });
                None
            }
        };
        let preflight_status = match self.preflight_status.unwrap_or(204) {
            // In range, so `from_u16` cannot fail.
            v @ 200..=299 => u16::try_from(v)
                .ok()
                .and_then(|v| StatusCode::from_u16(v).ok())
                .unwrap_or(StatusCode::NO_CONTENT),
            value => {
                problems.push(Problem::PreflightStatusOutOfRange { value });
                StatusCode::NO_CONTENT
            }
        };
        if !problems.is_empty() {
            return Err(ConfigError::new(problems));
        }
        Ok(Cors::from_policy(Policy {
            origins,
            methods,
            headers,
            credentials: self.credentials,
            private_network: self.private_network,
            max_age,
            expose,
            preflight_status,
            passthrough: self.passthrough,
        }))
    }

    fn build_origins(&self, problems: &mut Vec<Problem>) -> Origins {
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
        for value in &self.origins {
            match origin::parse(value.as_bytes()) {
                Ok(origin::Serialized::Null) => {
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
                Ok(origin::Serialized::Tuple(tuple)) => {
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
                        origin::suggest(value)
                    },
                }),
            }
        }
        let mut patterns = PatternSet::default();
        for value in &self.patterns {
            let pattern = match origin::parse_pattern(value) {
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
            exact: origin::ExactOrigins::new(exact),
            patterns,
            predicate: self.predicate.clone(),
        }
    }
}

impl CorsBuilder {
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

/// Reports every entry beside a `*` (except those `keep` accepts); whether `*` is there.
fn wildcard(
    field: Field,
    list: &[String],
    keep: impl Fn(&str) -> bool,
    fix: &'static str,
    problems: &mut Vec<Problem>,
) -> bool {
    if !list.iter().any(|v| v == "*") {
        return false;
    }
    for value in list.iter().filter(|v| *v != "*" && !keep(v)) {
        problems.push(Problem::WildcardBesideOthers {
            field,
            value: value.clone(),
            fix,
        });
    }
    true
}

fn build_methods(list: &[String], problems: &mut Vec<Problem>) -> Methods {
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
        } else if method::is_forbidden(value.as_bytes()) {
            problems.push(Problem::ForbiddenMethod {
                value: value.clone(),
            });
        } else if let Some(fix) = method::normalized(value) {
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

fn build_allowed_headers(list: &[String], problems: &mut Vec<Problem>) -> AllowedHeaders {
    let any = wildcard(
        Field::AllowHeaders,
        list,
        |v| v.eq_ignore_ascii_case("authorization"),
        "`*` covers every name but `authorization`: write `*` alone, or `*` and `authorization`",
        problems,
    );
    let mut names = Vec::new();
    for value in list.iter().filter(|v| *v != "*") {
        if !is_token(value.as_bytes()) {
            problems.push(Problem::InvalidHeaderName {
                field: Field::AllowHeaders,
                value: value.clone(),
            });
        } else if is_forbidden_request_header(value) {
            problems.push(Problem::ForbiddenRequestHeader {
                value: value.clone(),
            });
        } else {
            names.push(value.as_str());
        }
    }
    AllowedHeaders {
        any,
        authorization: names
            .iter()
            .any(|n| n.eq_ignore_ascii_case("authorization")),
        names: NameSet::new(names),
    }
}

fn build_expose(
    list: &[String],
    credentials: bool,
    problems: &mut Vec<Problem>,
) -> Option<HeaderValue> {
    let any = wildcard(
        Field::ExposeHeaders,
        list,
        |_| false,
        "write `*` alone, or list names without `*`",
        problems,
    );
    if any {
        if credentials {
            problems.push(Problem::AnyExposedHeaderWithCredentials);
        }
        return Some(HeaderValue::from_static("*"));
    }
    let mut names: Vec<&str> = Vec::new();
    for value in list {
        if !is_token(value.as_bytes()) {
            problems.push(Problem::InvalidHeaderName {
                field: Field::ExposeHeaders,
                value: value.clone(),
            });
        } else if is_forbidden_response_header(value) {
            problems.push(Problem::ForbiddenResponseHeader {
                value: value.clone(),
            });
        } else if !names.iter().any(|n| n.eq_ignore_ascii_case(value)) {
            names.push(value);
        }
    }
    if names.is_empty() {
        return None;
    }
    // Tokens joined by ", " are visible ASCII, so this cannot fail.
    HeaderValue::from_str(&names.join(", ")).ok()
}
