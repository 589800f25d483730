//! The validated policy and the decision it makes for each request, step by step as the
//! Fetch standard describes the server's side of the CORS protocol (Fetch #http-cors-protocol).

use std::sync::Arc;

use http::{HeaderValue, StatusCode};

use crate::builder::CorsBuilder;
use crate::decision::{CorsHeader, Decision, Echo, Reason, Rejection, ResponseHeaders, Value};
use crate::error::{ConfigError, Problem};
use crate::header::{self, check_requested, AllowedHeaders};
use crate::method::{self, Methods};
use crate::origin::{self, Origins};
use crate::request::CorsRequest;
use crate::token::is_token;

/// `Vary` on actual and non-CORS responses whose answer depends on `Origin`.
pub(crate) const VARY_ORIGIN: &str = "Origin";
/// `Vary` on every preflight response: its answer depends on all three request headers.
pub(crate) const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
/// `Vary` on every preflight response when Private Network Access is answered.
pub(crate) const VARY_PREFLIGHT_PNA: &str = "Origin, Access-Control-Request-Method, \
     Access-Control-Request-Headers, Access-Control-Request-Private-Network";

/// Everything known when the policy was built.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) origins: Origins,
    pub(crate) methods: Methods,
    pub(crate) headers: AllowedHeaders,
    pub(crate) credentials: bool,
    pub(crate) private_network: bool,
    pub(crate) max_age: Option<HeaderValue>,
    pub(crate) expose: Option<HeaderValue>,
    pub(crate) preflight_status: StatusCode,
    pub(crate) passthrough: bool,
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
    policy: Arc<Policy>,
}

impl Cors {
    /// Starts building a policy.
    pub fn builder() -> CorsBuilder {
        CorsBuilder::default()
    }

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
    ///   [`Reason::MethodNotReceivable`], a preflight asking for a method the framework
    ///   cannot receive. Restricting it again replaces the restriction.
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

    /// Whether accepted preflights go on to the handler.
    pub fn preflight_passthrough(&self) -> bool {
        self.policy.passthrough
    }

    /// Whether credentials are allowed.
    pub fn allows_credentials(&self) -> bool {
        self.policy.credentials
    }

    /// The value computed at build time for a header that has one
    /// ([`CorsHeader::MaxAge`], [`CorsHeader::ExposeHeaders`]), so that adapters on other
    /// header types can convert it once rather than per request.
    pub fn policy_value(&self, header: CorsHeader) -> Option<&HeaderValue> {
        match header {
            CorsHeader::MaxAge => self.policy.max_age.as_ref(),
            CorsHeader::ExposeHeaders => self.policy.expose.as_ref(),
            _ => None,
        }
    }

    /// Decides what to do with a request. Never panics, never allocates but to join a
    /// request-header list that arrived split, and costs time linear in the bytes of the
    /// headers it reads (bounded by the documented limits).
    pub fn decide<'a>(&'a self, req: &CorsRequest<'a>) -> Decision<'a> {
        // Fetch #http-requests: a CORS request is one that includes `Origin`.
        if !req.is_cors() {
            return self.handle_non_cors();
        }
        // Fetch #http-requests: a CORS-preflight request is an `OPTIONS` request with
        // `Access-Control-Request-Method`.
        if req.is_preflight() {
            return self.handle_preflight(req);
        }
        self.handle_actual(req)
    }

    fn is_any_origin(&self) -> bool {
        matches!(self.policy.origins, Origins::Any)
    }

    /// Fetch #http-responses: the origin must be allowed, and be one
    /// well-formed value.
    fn check_origin<'a>(&self, req: &CorsRequest<'a>) -> Result<Value<'a>, Rejection<'a>> {
        // Two `Origin` lines are not a serialized origin; browsers never send them.
        let Some(origin) = req.origin.single() else {
            return Err(Rejection::new(Reason::MultipleOrigins, b""));
        };
        match self.policy.origins.check(origin) {
            // Fetch #http-responses: `*` for requests without credentials; otherwise the request's
            // `Origin`, byte for byte (#cors-check compares it byte for byte).
            Ok(()) if self.is_any_origin() => Ok(Value::Static("*")),
            Ok(()) => Ok(Value::Echo(Echo::Origin, origin)),
            Err(origin::Refusal::NotSerialized) => {
                Err(Rejection::new(Reason::OriginNotSerialized, origin))
            }
            Err(origin::Refusal::NotAllowed) => {
                Err(Rejection::new(Reason::OriginNotAllowed, origin))
            }
        }
    }

    /// A response that may go to a request without `Origin`.
    fn handle_non_cors(&self) -> Decision<'_> {
        let mut headers = ResponseHeaders::default();
        if self.is_any_origin() {
            // The answer is the same for every origin, so no `Vary: Origin`; and since a
            // cache may then hand this response to a CORS request, it carries what a CORS
            // request would get (Fetch #cors-protocol-and-http-caches).
            headers.push(CorsHeader::AllowOrigin, Value::Static("*"));
            if let Some(expose) = &self.policy.expose {
                headers.push(CorsHeader::ExposeHeaders, Value::Policy(expose));
            }
        } else {
            // Fetch #cors-protocol-and-http-caches: the answer to a CORS request from an allowed origin would
            // differ, so caches must key on `Origin` even here.
            headers.push(CorsHeader::Vary, Value::Static(VARY_ORIGIN));
        }
        Decision::NotCors(headers)
    }

    /// Fetch #http-responses: the response to a CORS request that is not a preflight.
    fn handle_actual<'a>(&'a self, req: &CorsRequest<'a>) -> Decision<'a> {
        let mut headers = ResponseHeaders::default();
        match self.check_origin(req) {
            Ok(allow_origin) => {
                let any = matches!(allow_origin, Value::Static(_));
                headers.push(CorsHeader::AllowOrigin, allow_origin);
                if self.policy.credentials {
                    headers.push(CorsHeader::AllowCredentials, Value::Static("true"));
                }
                // Fetch #http-responses: `Access-Control-Expose-Headers` on actual responses only.
                if let Some(expose) = &self.policy.expose {
                    headers.push(CorsHeader::ExposeHeaders, Value::Policy(expose));
                }
                if !any {
                    headers.push(CorsHeader::Vary, Value::Static(VARY_ORIGIN));
                }
                Decision::Actual {
                    headers,
                    rejection: None,
                }
            }
            Err(rejection) => {
                // Go on without CORS headers: the browser, not the server, withholds the
                // response (Fetch #cors-check fails). `Vary` still, since an allowed
                // origin would have got another answer.
                headers.push(CorsHeader::Vary, Value::Static(VARY_ORIGIN));
                Decision::Actual {
                    headers,
                    rejection: Some(rejection),
                }
            }
        }
    }

    fn preflight_vary(&self) -> &'static str {
        if self.policy.private_network {
            VARY_PREFLIGHT_PNA
        } else {
            VARY_PREFLIGHT
        }
    }

    fn reject_preflight<'a>(&self, rejection: Rejection<'a>) -> Decision<'a> {
        let mut headers = ResponseHeaders::default();
        // Fetch #cors-protocol-and-http-caches: a preflight's answer depends on all three headers, so it varies
        // on them whether accepted or not.
        headers.push(CorsHeader::Vary, Value::Static(self.preflight_vary()));
        Decision::PreflightRejected { headers, rejection }
    }

    /// Fetch #http-responses and #cors-preflight-fetch: what the browser checks, the server
    /// checks first, so a refused preflight is visible as such.
    fn handle_preflight<'a>(&'a self, req: &CorsRequest<'a>) -> Decision<'a> {
        let allow_origin = match self.check_origin(req) {
            Ok(value) => value,
            Err(rejection) => return self.reject_preflight(rejection),
        };

        // Fetch #cors-preflight-fetch, the method check: the method the browser will send. One line, a token, not
        // forbidden, and allowed (a safelisted method always is).
        let Some(requested_method) = req.request_method.single() else {
            return self.reject_preflight(Rejection::new(
                Reason::MultipleRequestMethods,
                req.request_method.first.unwrap_or_default(),
            ));
        };
        let method_refusal = if !is_token(requested_method) {
            Some(Reason::MethodNotToken)
        } else if method::is_forbidden(requested_method) {
            Some(Reason::MethodForbidden)
        } else if !self.policy.methods.allows(requested_method) {
            Some(match self.policy.methods {
                Methods::AnyReceivable(_) => Reason::MethodNotReceivable,
                Methods::Any | Methods::Listed(_) => Reason::MethodNotAllowed,
            })
        } else {
            None
        };
        if let Some(reason) = method_refusal {
            return self.reject_preflight(Rejection::new(reason, requested_method));
        }

        // Fetch #cors-preflight-fetch, the header checks: every requested name must be allowed.
        let lines = req.request_headers_lines();
        let requested =
            match check_requested(lines, req.request_headers.count, &self.policy.headers) {
                Ok(requested) => requested,
                Err(refusal) => {
                    let rejection = match refusal {
                        header::Refusal::TooLarge(limit) => {
                            Rejection::new(Reason::HeadersTooLarge(limit), b"")
                        }
                        header::Refusal::Invalid(name) => {
                            Rejection::new(Reason::HeaderNotToken, name)
                        }
                        header::Refusal::NotAllowed(name) => {
                            Rejection::new(Reason::HeaderNotAllowed, name)
                        }
                    };
                    return self.reject_preflight(rejection);
                }
            };

        let mut headers = ResponseHeaders::default();
        headers.push(CorsHeader::AllowOrigin, allow_origin);
        if self.policy.credentials {
            headers.push(CorsHeader::AllowCredentials, Value::Static("true"));
        }
        // Echo the method rather than list the policy's: it works with and without
        // credentials (where `*` would be read literally), and reveals nothing the page
        // did not ask about.
        headers.push(
            CorsHeader::AllowMethods,
            Value::Echo(Echo::RequestMethod, requested_method),
        );
        // Likewise echo the requested names, each of which was checked above; `*` would
        // neither cover `authorization` nor work with credentials (Fetch #cors-preflight-fetch, the header checks).
        if requested.names > 0 {
            if requested.echo_as_is {
                headers.push(
                    CorsHeader::AllowHeaders,
                    Value::Echo(Echo::RequestHeaders, lines[0]),
                );
            } else {
                // Chromium fails a preflight whose Access-Control-Allow-Headers has an empty
                // element, so a split or sloppy list is rebuilt clean. Tokens and commas are
                // valid header-value bytes, so this cannot fail.
                headers.push_built(
                    CorsHeader::AllowHeaders,
                    HeaderValue::from_bytes(&header::join_requested(lines))
                        .unwrap_or(HeaderValue::from_static("")),
                );
            }
        }
        if let Some(max_age) = &self.policy.max_age {
            headers.push(CorsHeader::MaxAge, Value::Policy(max_age));
        }
        // Private Network Access (WICG), "CORS preflight": answer `true` only when asked and
        // enabled. When disabled the header is ignored rather than refused, so that
        // Chromium's warning-only rollout keeps working.
        if self.policy.private_network && req.private_network.single() == Some(b"true") {
            headers.push(CorsHeader::AllowPrivateNetwork, Value::Static("true"));
        }
        headers.push(CorsHeader::Vary, Value::Static(self.preflight_vary()));

        if self.policy.passthrough {
            Decision::PreflightPassthrough(headers)
        } else {
            Decision::PreflightAccepted {
                status: self.policy.preflight_status,
                headers,
            }
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
