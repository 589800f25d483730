//! Configuration errors: every way a policy can be wrong, each naming the field, the value
//! and the fix.
//!
//! Building a policy never panics and never accepts a bad setting silently: it collects
//! every [`Problem`] it finds and returns them together as one [`ConfigError`].

use std::fmt;

/// The policy field a [`Problem`] is about, named as in the policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `allow_origins`
    AllowOrigins,
    /// `allow_origin_patterns`
    AllowOriginPatterns,
    /// the origin predicate, set only through the builder
    AllowOriginPredicate,
    /// `allow_methods`
    AllowMethods,
    /// `allow_headers`
    AllowHeaders,
    /// `expose_headers`
    ExposeHeaders,
    /// `allow_credentials`
    AllowCredentials,
    /// `max_age`
    MaxAge,
    /// `preflight_status`
    PreflightStatus,
    /// `dangerously_tolerate_insecure_origins`
    DangerouslyTolerateInsecureOrigins,
    /// `dangerously_tolerate_public_suffixes`
    DangerouslyToleratePublicSuffixes,
}

impl Field {
    /// The field's name as written in a policy file.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::AllowOrigins => "allow_origins",
            Field::AllowOriginPatterns => "allow_origin_patterns",
            Field::AllowOriginPredicate => "allow_origin_predicate",
            Field::AllowMethods => "allow_methods",
            Field::AllowHeaders => "allow_headers",
            Field::ExposeHeaders => "expose_headers",
            Field::AllowCredentials => "allow_credentials",
            Field::MaxAge => "max_age",
            Field::PreflightStatus => "preflight_status",
            Field::DangerouslyTolerateInsecureOrigins => "dangerously_tolerate_insecure_origins",
            Field::DangerouslyToleratePublicSuffixes => "dangerously_tolerate_public_suffixes",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a policy. Its `Display` is a single line that names the field,
/// the value, what is wrong, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// An entry of `allow_origins` is not a serialized origin.
    #[error("{field}: `{value}` is not a serialized origin: {why}; {fix}")]
    InvalidOrigin {
        /// Where the value came from.
        field: Field,
        /// The value as configured.
        value: String,
        /// What is wrong with it.
        why: &'static str,
        /// What to write instead.
        fix: String,
    },
    /// An entry of `allow_origin_patterns` is not a pattern this library understands.
    #[error("allow_origin_patterns: `{value}` is not a valid origin pattern: {why}; {fix}")]
    InvalidOriginPattern {
        /// The pattern as configured.
        value: String,
        /// What is wrong with it.
        why: &'static str,
        /// What to write instead.
        fix: String,
    },
    /// An origin or pattern that a browser never sends as written: the WHATWG URL host parser
    /// rewrites its host (`https://0x7f.1` is sent as `https://127.0.0.1`) or refuses it
    /// (`https://999.1.1.1`), so the entry can never match.
    #[error("{field}: `{value}` is never sent by a browser: {why}; {fix}")]
    NeverSent {
        /// `allow_origins` or `allow_origin_patterns`.
        field: Field,
        /// The entry as configured.
        value: String,
        /// What the URL parser does with its host.
        why: &'static str,
        /// What to write instead.
        fix: String,
    },
    /// A pattern whose wildcard covers the subdomains of a public suffix (`https://*.co.uk`),
    /// so that sites registered by anyone match it, without
    /// `dangerously_tolerate_public_suffixes`.
    #[error(
        "allow_origin_patterns: `{value}` covers the subdomains of `{suffix}`, a public suffix \
         (Public Suffix List) under which anyone can register a site, so every such site \
         would be allowed; list the domains you own (`https://*.your-site.{suffix}`), or set \
         dangerously_tolerate_public_suffixes: true if every site under `{suffix}` is meant"
    )]
    PublicSuffixPattern {
        /// The pattern as configured.
        value: String,
        /// The public suffix it covers (`*.kawasaki.jp` where every name under
        /// `kawasaki.jp` is one).
        suffix: String,
    },
    /// With `allow_credentials: true`, an origin that a network attacker or any sandboxed
    /// page can speak for: `http://` on a host that is not loopback, or `null`; without
    /// `dangerously_tolerate_insecure_origins`.
    #[error("{field}: `{value}` cannot be trusted with allow_credentials: true: {why}; {fix}")]
    InsecureOriginWithCredentials {
        /// `allow_origins` or `allow_origin_patterns`.
        field: Field,
        /// The entry as configured.
        value: String,
        /// Who can speak for it.
        why: &'static str,
        /// What to write instead.
        fix: String,
    },
    /// `allow_origins: "*"` together with `allow_credentials: true`.
    #[error(
        "allow_origins: `*` cannot be combined with allow_credentials: true, because browsers \
         refuse `Access-Control-Allow-Origin: *` on credentialed requests; list the origins \
         you trust instead"
    )]
    AnyOriginWithCredentials,
    /// `expose_headers: "*"` together with `allow_credentials: true`.
    #[error(
        "expose_headers: `*` cannot be combined with allow_credentials: true, because browsers \
         read it as a header literally named `*` on credentialed requests; list the header \
         names instead"
    )]
    AnyExposedHeaderWithCredentials,
    /// The wildcard `*` listed beside other entries of the same field.
    #[error("{field}: `*` already allows everything, so `{value}` beside it is a mistake; {fix}")]
    WildcardBesideOthers {
        /// The field holding both.
        field: Field,
        /// The entry beside `*`.
        value: String,
        /// What to write instead.
        fix: &'static str,
    },
    /// `allow_origins: "*"` together with patterns or a predicate, which it makes moot.
    #[error(
        "{field}: is set although allow_origins is `*`, which allows every origin already; \
         remove {field} or list origins instead of `*`"
    )]
    AnyOriginWithOtherRules {
        /// `allow_origin_patterns` or the predicate.
        field: Field,
    },
    /// A method that is not an HTTP token.
    #[error(
        "allow_methods: `{value}` is not a method name (an HTTP token: letters, digits and \
         !#$%&'*+-.^_`|~, no spaces); write the method as sent on the wire, e.g. `PUT`"
    )]
    InvalidMethod {
        /// The method as configured.
        value: String,
    },
    /// A forbidden method (`CONNECT`, `TRACE`, `TRACK`:
    /// [Fetch, forbidden method](https://fetch.spec.whatwg.org/#forbidden-method)), which no
    /// browser ever sends.
    #[error("allow_methods: `{value}` is a forbidden method that browsers never send; remove it")]
    ForbiddenMethod {
        /// The method as configured.
        value: String,
    },
    /// A method that browsers normalise to upper case, written in another case.
    #[error(
        "allow_methods: `{value}` never matches, because browsers upper-case it before sending \
         (Fetch normalises DELETE, GET, HEAD, OPTIONS, POST and PUT); write `{fix}`"
    )]
    MethodNotNormalized {
        /// The method as configured.
        value: String,
        /// The spelling browsers send.
        fix: String,
    },
    /// A listed method the framework serving the policy cannot receive: it answers such a
    /// request with an error of its own before any CORS layer runs, so the preflight would
    /// succeed and the actual request fail. Only an adapter reports it, from
    /// [`Cors::restrict_methods`](crate::Cors::restrict_methods).
    #[error(
        "allow_methods: `{value}` can never reach the handler, because {framework} answers a \
         request with this method with an error of its own before CORS runs; {fix}"
    )]
    MethodNotReceivable {
        /// The method as configured.
        value: String,
        /// The framework, with the version whose behaviour this is (`Rocket 0.5`).
        framework: &'static str,
        /// What to write instead.
        fix: String,
    },
    /// A header name that is not an HTTP token.
    #[error(
        "{field}: `{value}` is not a header name (an HTTP token: letters, digits and \
         !#$%&'*+-.^_`|~, no spaces or colons); write the bare name, e.g. `x-request-id`"
    )]
    InvalidHeaderName {
        /// `allow_headers` or `expose_headers`.
        field: Field,
        /// The name as configured.
        value: String,
    },
    /// A forbidden request-header name in `allow_headers`: scripts can never set it.
    #[error(
        "allow_headers: `{value}` is a forbidden request-header name that scripts can never \
         set, so allowing it does nothing; remove it"
    )]
    ForbiddenRequestHeader {
        /// The name as configured.
        value: String,
    },
    /// A forbidden response-header name in `expose_headers`: browsers never expose it.
    #[error(
        "expose_headers: `{value}` is a forbidden response-header name that browsers never \
         expose to scripts; remove it"
    )]
    ForbiddenResponseHeader {
        /// The name as configured.
        value: String,
    },
    /// `max_age` outside 0..=86400.
    #[error(
        "max_age: {value} is out of range; write a number of seconds from 0 to 86400 (the most \
         any browser honours), or leave it out to send no Access-Control-Max-Age"
    )]
    MaxAgeOutOfRange {
        /// The value as configured.
        value: i64,
    },
    /// `preflight_status` outside 200..=299.
    #[error(
        "preflight_status: {value} is not a success status, and browsers fail any preflight \
         answered otherwise; write a status from 200 to 299 (204 is usual)"
    )]
    PreflightStatusOutOfRange {
        /// The value as configured.
        value: i64,
    },
}

impl Problem {
    /// The policy field this problem is about.
    pub fn field(&self) -> Field {
        match self {
            Problem::InvalidOrigin { field, .. } => *field,
            Problem::InvalidOriginPattern { .. } => Field::AllowOriginPatterns,
            Problem::NeverSent { field, .. } => *field,
            Problem::PublicSuffixPattern { .. } => Field::AllowOriginPatterns,
            Problem::InsecureOriginWithCredentials { field, .. } => *field,
            Problem::AnyOriginWithCredentials => Field::AllowOrigins,
            Problem::AnyExposedHeaderWithCredentials => Field::ExposeHeaders,
            Problem::WildcardBesideOthers { field, .. } => *field,
            Problem::AnyOriginWithOtherRules { field } => *field,
            Problem::InvalidMethod { .. }
            | Problem::ForbiddenMethod { .. }
            | Problem::MethodNotNormalized { .. }
            | Problem::MethodNotReceivable { .. } => Field::AllowMethods,
            Problem::InvalidHeaderName { field, .. } => *field,
            Problem::ForbiddenRequestHeader { .. } => Field::AllowHeaders,
            Problem::ForbiddenResponseHeader { .. } => Field::ExposeHeaders,
            Problem::MaxAgeOutOfRange { .. } => Field::MaxAge,
            Problem::PreflightStatusOutOfRange { .. } => Field::PreflightStatus,
        }
    }
}

/// Everything wrong with a policy, found in one pass: never empty.
///
/// `Display` writes one [`Problem`] per line.
///
/// ```
/// use fetch_cors::{Cors, Field};
///
/// let err = Cors::builder()
///     .allow_origins(["https://example.com/"])
///     .allow_methods(["put"])
///     .max_age(90_000)
///     .build()
///     .unwrap_err();
/// assert_eq!(err.problems().len(), 3);
/// assert_eq!(err.problems()[0].field(), Field::AllowOrigins);
/// assert!(err.to_string().lines().all(|line| !line.is_empty()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<Problem>,
}

impl ConfigError {
    pub(crate) fn new(problems: Vec<Problem>) -> Self {
        debug_assert!(!problems.is_empty());
        ConfigError { problems }
    }

    /// Every problem found, in field order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The problems as one line, separated by `; `, for logs and command-line tools.
    pub fn one_line(&self) -> String {
        self.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
