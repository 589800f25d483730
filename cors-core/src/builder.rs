//! The builder every adapter shares: collects settings, validates them all at once, and
//! computes every header value the policy will ever send.

use std::sync::Arc;

use http::{HeaderValue, StatusCode};

use crate::error::{ConfigError, Problem};
use crate::header::{build_allowed_headers, build_expose};
use crate::method::build_methods;
use crate::origin::{OriginSettings, Predicate};
use crate::policy::{Cors, Policy};

impl Cors {
    /// Starts building a policy.
    pub fn builder() -> CorsBuilder {
        CorsBuilder::default()
    }
}

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
    debug: bool,
    tolerate_insecure_origins: bool,
    tolerate_public_suffixes: bool,
    warn_window: Option<std::time::Duration>,
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
            .field("debug", &self.debug)
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

    /// Sends `Access-Control-Max-Age` with this many seconds (0..=86400). Without it, browsers
    /// keep a preflight's answer 5 seconds ([Fetch, CORS-preflight fetch,
    /// step 7.9](https://fetch.spec.whatwg.org/#cors-preflight-fetch)); with it, that many
    /// seconds up to a limit of their own (step 7.10).
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(i64::try_from(seconds).unwrap_or(i64::MAX));
        self
    }

    /// The status of an accepted preflight (200..=299, an ok status as
    /// [Fetch, CORS-preflight fetch, step 7](https://fetch.spec.whatwg.org/#cors-preflight-fetch)
    /// requires; 204 unless set).
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

    /// Debug mode: a refused preflight is still refused by the browser and still never
    /// reaches the handler, but it is answered with the policy's `preflight_status` (2xx) and
    /// the headers the policy would have sent, less the refused part, so that the browser's
    /// own console names what was refused (Chromium: "Request header field x-secret is not
    /// allowed by Access-Control-Allow-Headers in preflight response").
    ///
    /// What it reveals: that the preflight was refused, and which of the request's own origin,
    /// method and header names the policy allows. Every value answered repeats the request, so
    /// it never lists the policy's origins, methods or headers; a page can learn the policy
    /// only by asking about names one at a time, as it could from accepted preflights. Turn
    /// it on where the people debugging are (development, staging) rather than everywhere.
    ///
    /// ```
    /// use fetch_cors::{Cors, CorsHeader, CorsRequest};
    ///
    /// let cors = Cors::builder()
    ///     .allow_origin("https://app.example.com")
    ///     .allow_headers(["content-type"])
    ///     .debug(true)
    ///     .build()?;
    /// let mut req = CorsRequest::new(b"OPTIONS");
    /// req.add_origin(b"https://app.example.com")
    ///     .add_request_method(b"GET")
    ///     .add_request_headers(b"content-type,x-secret");
    /// let decision = cors.decide(&req);
    /// assert_eq!(decision.respond_now().map(|s| s.as_u16()), Some(204));
    /// assert!(decision.rejection().is_some());
    /// let allowed = decision.headers().get(CorsHeader::AllowHeaders).unwrap();
    /// assert_eq!(allowed.as_bytes(), b"content-type");
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = debug;
        self
    }

    /// Logs refusals at `warn` (every adapter asks [`Cors::should_warn`]): the first refusal
    /// of each distinct (origin, reason) pair within `window`, so a refusal in production is
    /// visible without a flood; the others stay at `debug`, as every refusal is without this
    /// setting. Off by default, since a public API meets refused origins all day. (Set in
    /// code only: a log setting is the deployment's, not the policy file's.)
    pub fn warn_on_refusal(mut self, window: std::time::Duration) -> Self {
        self.warn_window = Some(window);
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
        let origins = OriginSettings {
            origins: &self.origins,
            patterns: &self.patterns,
            predicate: self.predicate.as_ref(),
            credentials: self.credentials,
            tolerate_insecure_origins: self.tolerate_insecure_origins,
            tolerate_public_suffixes: self.tolerate_public_suffixes,
        }
        .build(&mut problems);
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
            tolerate_insecure_origins: self.tolerate_insecure_origins,
            private_network: self.private_network,
            max_age,
            expose,
            preflight_status,
            passthrough: self.passthrough,
            debug: self.debug,
            warn_once: self
                .warn_window
                .map(|window| std::sync::Arc::new(crate::warn::WarnOnce::new(window))),
        }))
    }
}
