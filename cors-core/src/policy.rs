//! The validated policy: everything known when it was built, shared behind a reference
//! count, and what adapters may ask of it.

use std::sync::Arc;

use http::{HeaderValue, StatusCode};

use crate::error::{ConfigError, Problem};
use crate::header::AllowedHeaders;
use crate::method::{self, Methods};
use crate::origin::Origins;
use crate::response::CorsHeader;

#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) origins: Origins,
    pub(crate) methods: Methods,
    pub(crate) headers: AllowedHeaders,
    pub(crate) credentials: bool,
    /// `dangerously_tolerate_insecure_origins`: whether an outside origin check may allow an
    /// `http://` origin that is not loopback when credentials are allowed.
    pub(crate) tolerate_insecure_origins: bool,
    pub(crate) private_network: bool,
    pub(crate) max_age: Option<HeaderValue>,
    pub(crate) expose: Option<HeaderValue>,
    pub(crate) preflight_status: StatusCode,
    pub(crate) passthrough: bool,
    /// Answer refused preflights so that the browser's error names the refused part.
    pub(crate) debug: bool,
    /// Refusals to log at `warn`, once per (origin, reason) and window.
    pub(crate) warn_once: Option<Arc<crate::warn::WarnOnce>>,
}

/// A validated, immutable CORS policy. Cloning it bumps a reference count; share it
/// across threads and frameworks freely.
///
/// ```
/// use fetch_cors::{Cors, CorsHeader, CorsRequest, Decision};
///
/// let cors = Cors::builder()
///     .allow_origin("https://app.example.com")
///     .allow_methods(["PUT"])
///     .build()?;
///
/// let mut req = CorsRequest::new(b"OPTIONS");
/// req.add_origin(b"https://app.example.com").add_request_method(b"PUT");
/// let decision = cors.decide(&req);
/// assert!(matches!(decision, Decision::PreflightAccepted { .. }));
/// let acao = decision.headers().get(CorsHeader::AllowOrigin).unwrap();
/// assert_eq!(acao.as_bytes(), b"https://app.example.com");
/// # Ok::<(), fetch_cors::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Cors {
    pub(crate) policy: Arc<Policy>,
}

impl Cors {
    pub(crate) fn from_policy(policy: Policy) -> Self {
        Cors {
            policy: Arc::new(policy),
        }
    }

    /// For adapter authors: this policy as served by a framework that cannot receive every
    /// method, named `framework` with its version (`"Rocket 0.5"`). `can_receive` says
    /// whether a request with a method (exact bytes, as sent on the wire) reaches the
    /// framework's middleware and handlers at all, rather than being answered by the
    /// framework itself with an error; it is never asked about the CORS-safelisted `GET`,
    /// `HEAD` and `POST`, which every framework must receive.
    ///
    /// Without it, such a framework breaks CORS quietly: the policy accepts the preflight
    /// (which is an `OPTIONS` request), then the framework answers the actual request with
    /// its own error, without CORS headers, and the browser reports a CORS failure.
    ///
    /// - A policy that lists a method the framework cannot receive is an error: one
    ///   [`Problem::MethodNotReceivable`] per such method, naming the framework and the fix.
    /// - A policy with `allow_methods: "*"` is returned restricted: it refuses, with
    ///   [`Reason::MethodNotReceivable`](crate::Reason::MethodNotReceivable), a preflight
    ///   asking for a method the framework cannot receive. Restricting it again replaces the
    ///   restriction.
    /// - Any other policy is returned as it is (a reference-count bump).
    ///
    /// Deciding costs what it did, except that a preflight under a restricted `*` calls
    /// `can_receive` once.
    ///
    /// ```
    /// use fetch_cors::{Cors, CorsRequest, Reason};
    ///
    /// /// What a framework whose method type is a closed enum can receive: its variants, as
    /// /// spelled on the wire.
    /// fn can_receive(method: &[u8]) -> bool {
    ///     let known = [&b"GET"[..], b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH"];
    ///     known.contains(&method)
    /// }
    ///
    /// let listed = Cors::builder().allow_any_origin().allow_methods(["patch"]).build()?;
    /// let err = listed.restrict_methods("Example 1.0", can_receive).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "allow_methods: `patch` can never reach the handler, because Example 1.0 answers a \
    ///      request with this method with an error of its own before CORS runs; write `PATCH` \
    ///      (and send it upper-case), or serve this route with another framework"
    /// );
    ///
    /// let any = Cors::builder().allow_any_origin().allow_any_method().build()?;
    /// let any = any.restrict_methods("Example 1.0", can_receive)?;
    /// let mut req = CorsRequest::new(b"OPTIONS");
    /// req.add_origin(b"https://app.example.com").add_request_method(b"PURGE");
    /// let decision = any.decide(&req);
    /// assert_eq!(decision.respond_now().map(|s| s.as_u16()), Some(403));
    /// assert_eq!(decision.rejection().unwrap().reason(), Reason::MethodNotReceivable);
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    pub fn restrict_methods(
        &self,
        framework: &'static str,
        can_receive: fn(&[u8]) -> bool,
    ) -> Result<Cors, ConfigError> {
        match &self.policy.methods {
            Methods::Any | Methods::AnyReceivable(_) => {
                let mut policy = Policy::clone(&self.policy);
                policy.methods = Methods::AnyReceivable(can_receive);
                Ok(Cors::from_policy(policy))
            }
            Methods::Listed(list) => {
                let problems: Vec<Problem> = list
                    .iter()
                    .filter(|m| !method::is_safelisted(m) && !can_receive(m))
                    .map(|m| not_receivable(framework, m, can_receive))
                    .collect();
                if problems.is_empty() {
                    Ok(self.clone())
                } else {
                    Err(ConfigError::new(problems))
                }
            }
        }
    }

    /// Whether the policy allows `origin` (the bytes of one `Origin` header): what it would
    /// answer a CORS request from that origin, without the request. For the checks CORS
    /// does not make, above all a WebSocket upgrade: browsers send `Origin` with it but
    /// enforce nothing, so an upgrade handler that does not ask this lets any site open a
    /// socket with the user's cookies (cross-site WebSocket hijacking).
    ///
    /// `null` is allowed only when listed, and anything that is not a serialized origin
    /// never is ([Fetch, origin header](https://fetch.spec.whatwg.org/#origin-header)).
    ///
    /// ```
    /// use fetch_cors::Cors;
    ///
    /// let cors = Cors::builder().allow_origin_pattern("https://*.example.com").build()?;
    /// assert!(cors.allows_origin(b"https://app.example.com"));
    /// assert!(!cors.allows_origin(b"https://evil.example"));
    /// assert!(!cors.allows_origin(b"null"));
    /// assert!(!cors.allows_origin(b"https://app.example.com/"));
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    pub fn allows_origin(&self, origin: &[u8]) -> bool {
        self.policy.origins.check(origin).is_ok()
    }

    /// Whether `self` and `other` are the same policy (one is a clone of the other), without
    /// comparing them: for adapters that convert a policy's values into their framework's
    /// types once per policy, to notice that a [`LiveCors`](crate::LiveCors) was replaced.
    ///
    /// ```
    /// use fetch_cors::Cors;
    ///
    /// let a = Cors::builder().allow_any_origin().build()?;
    /// let b = Cors::builder().allow_any_origin().build()?;
    /// assert!(a.ptr_eq(&a.clone()));
    /// assert!(!a.ptr_eq(&b));
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    pub fn ptr_eq(&self, other: &Cors) -> bool {
        Arc::ptr_eq(&self.policy, &other.policy)
    }

    /// Whether credentials are allowed.
    pub fn allows_credentials(&self) -> bool {
        self.policy.credentials
    }

    /// The value computed at build time for a header that has one
    /// ([`CorsHeader::MaxAge`], [`CorsHeader::ExposeHeaders`]); adapters reach it through
    /// [`crate::adapter::policy_value`].
    pub(crate) fn policy_value(&self, header: CorsHeader) -> Option<&HeaderValue> {
        match header {
            CorsHeader::MaxAge => self.policy.max_age.as_ref(),
            CorsHeader::ExposeHeaders => self.policy.expose.as_ref(),
            _ => None,
        }
    }
}

/// The problem for a listed `method` that `framework` cannot receive, with the spelling it
/// can receive when there is one.
fn not_receivable(
    framework: &'static str,
    method: &[u8],
    can_receive: fn(&[u8]) -> bool,
) -> Problem {
    let upper = method.to_ascii_uppercase();
    let fix = if upper != method && can_receive(&upper) {
        format!(
            "write `{}` (and send it upper-case), or serve this route with another framework",
            String::from_utf8_lossy(&upper)
        )
    } else {
        "remove it, or serve this route with another framework".to_owned()
    };
    Problem::MethodNotReceivable {
        // Listed methods are validated tokens: ASCII.
        value: String::from_utf8_lossy(method).into_owned(),
        framework,
        fix,
    }
}
