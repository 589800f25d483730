//! The CORS protocol, server side: what the policy answers to each request, step by step as
//! the Fetch standard describes it
//! ([Fetch, CORS protocol](https://fetch.spec.whatwg.org/#http-cors-protocol)). A reader of
//! Fetch finds each check here under the step it mirrors: the browser's checks in
//! [CORS check](https://fetch.spec.whatwg.org/#cors-check) (steps 1-8) and
//! [CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch) (step 7), made
//! first by the server so that a refusal is visible as such.

use http::HeaderValue;

use crate::decision::{Decision, Reason, Rejection, PREFLIGHT_REJECTED_STATUS};
use crate::header::{self, check_requested};
use crate::method::{self, Methods};
use crate::origin::{self, Origins};
use crate::policy::Cors;
use crate::request::CorsRequest;
use crate::response::{Constant, CorsHeader, Echo, ResponseHeaders, Value};
use crate::token::is_token;

impl Cors {
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

    /// Whether an outside check may allow `origin`: see [`Cors::origin_to_check`].
    fn is_checkable(&self, origin: &[u8]) -> bool {
        let secure_only = self.policy.credentials && !self.policy.tolerate_insecure_origins;
        self.policy.origins.undecided(origin, secure_only)
    }

    /// For adapters with an asynchronous origin check ([`OriginCheck`](crate::OriginCheck)):
    /// the origin to ask it about before deciding `req`, or `None` when the policy decides the
    /// request alone. Only a CORS request's single `Origin` that the policy's exact origins,
    /// patterns and predicate leave undecided goes to the check: never one they allow, never
    /// `null` (sandboxed documents and local files share it), never a malformed value, never
    /// any origin under `*`, and with credentials never an `http://` origin whose host is not
    /// loopback (unless `dangerously_tolerate_insecure_origins`), as the policy would refuse
    /// to list it. When the check allows it, mark the request with
    /// [`CorsRequest::allow_checked_origin`] and decide as usual: the answer echoes the origin
    /// and carries `Vary: Origin` like any listed origin's.
    ///
    /// ```
    /// use fetch_cors::{Cors, CorsRequest, Decision};
    ///
    /// let cors = Cors::builder().allow_origin("https://app.example.com").build()?;
    /// let mut req = CorsRequest::new(b"GET");
    /// req.add_origin(b"https://tenant.example.net");
    /// assert_eq!(cors.origin_to_check(&req), Some("https://tenant.example.net"));
    /// req.allow_checked_origin(); // what the check said
    /// let decision = cors.decide(&req);
    /// assert!(decision.rejection().is_none());
    ///
    /// let mut listed = CorsRequest::new(b"GET");
    /// listed.add_origin(b"https://app.example.com");
    /// assert_eq!(cors.origin_to_check(&listed), None); // the list decides
    /// let mut null = CorsRequest::new(b"GET");
    /// null.add_origin(b"null");
    /// assert_eq!(cors.origin_to_check(&null), None); // never asked, always refused
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    pub fn origin_to_check<'a>(&self, req: &CorsRequest<'a>) -> Option<&'a str> {
        let origin = req.origin.single()?;
        if !self.is_checkable(origin) {
            return None;
        }
        // A tuple origin is ASCII.
        std::str::from_utf8(origin).ok()
    }

    fn is_any_origin(&self) -> bool {
        matches!(self.policy.origins, Origins::Any)
    }

    /// [Fetch, HTTP responses](https://fetch.spec.whatwg.org/#http-responses): the origin must
    /// be allowed, and be one well-formed value.
    fn check_origin<'a>(&self, req: &CorsRequest<'a>) -> Result<Value<'a>, Rejection<'a>> {
        // Two `Origin` lines are not a serialized origin; browsers never send them.
        let Some(origin) = req.origin.single() else {
            return Err(Rejection::new(Reason::MultipleOrigins, b""));
        };
        match self.policy.origins.check(origin) {
            // Fetch #http-responses: `*` for requests without credentials (Fetch #cors-check
            // step 3); otherwise the request's `Origin`, byte for byte (Fetch #cors-check step 4
            // compares it byte for byte).
            Ok(()) if self.is_any_origin() => Ok(Value::Constant(Constant::Any)),
            Ok(()) => Ok(Value::Echo(Echo::Origin, origin)),
            Err(origin::Refusal::NotSerialized) => {
                Err(Rejection::new(Reason::OriginNotSerialized, origin))
            }
            // The application's own check allowed an origin the lists leave undecided: echoed
            // like a listed one.
            Err(origin::Refusal::NotAllowed) if req.origin_checked && self.is_checkable(origin) => {
                Ok(Value::Echo(Echo::Origin, origin))
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
            headers.push(CorsHeader::AllowOrigin, Value::Constant(Constant::Any));
            if let Some(expose) = &self.policy.expose {
                headers.push(CorsHeader::ExposeHeaders, Value::Policy(expose));
            }
        } else {
            // Fetch #cors-protocol-and-http-caches: the answer to a CORS request from an
            // allowed origin would differ, so caches must key on `Origin` even here.
            headers.push(CorsHeader::Vary, Value::Constant(Constant::VaryOrigin));
        }
        Decision::NotCors(headers)
    }

    /// [Fetch, HTTP responses](https://fetch.spec.whatwg.org/#http-responses): the response to
    /// a CORS request that is not a preflight.
    fn handle_actual<'a>(&'a self, req: &CorsRequest<'a>) -> Decision<'a> {
        let mut headers = ResponseHeaders::default();
        match self.check_origin(req) {
            Ok(allow_origin) => {
                let any = matches!(allow_origin, Value::Constant(_));
                headers.push(CorsHeader::AllowOrigin, allow_origin);
                if self.policy.credentials {
                    headers.push(
                        CorsHeader::AllowCredentials,
                        Value::Constant(Constant::True),
                    );
                }
                // Fetch #http-responses: `Access-Control-Expose-Headers` on actual responses only.
                if let Some(expose) = &self.policy.expose {
                    headers.push(CorsHeader::ExposeHeaders, Value::Policy(expose));
                }
                if !any {
                    headers.push(CorsHeader::Vary, Value::Constant(Constant::VaryOrigin));
                }
                Decision::Actual {
                    headers,
                    rejection: None,
                }
            }
            Err(rejection) => {
                // Go on without CORS headers: the browser, not the server, withholds the
                // response (Fetch #cors-check step 2 fails it, for want of
                // `Access-Control-Allow-Origin`). `Vary` still, since an allowed origin would
                // have got another answer.
                headers.push(CorsHeader::Vary, Value::Constant(Constant::VaryOrigin));
                Decision::Actual {
                    headers,
                    rejection: Some(rejection),
                }
            }
        }
    }

    fn preflight_vary(&self) -> Constant {
        if self.policy.private_network {
            Constant::VaryPreflightPrivateNetwork
        } else {
            Constant::VaryPreflight
        }
    }

    /// [Fetch, CORS-preflight fetch, step 7.5](https://fetch.spec.whatwg.org/#cors-preflight-fetch):
    /// why the method the browser will send is refused, if it is: not a token, forbidden, or
    /// not allowed (a safelisted method always is).
    #[inline]
    fn method_refusal(&self, method: &[u8]) -> Option<Reason> {
        if !is_token(method) {
            Some(Reason::MethodNotToken)
        } else if method::is_forbidden(method) {
            Some(Reason::MethodForbidden)
        } else if !self.policy.methods.allows(method) {
            Some(match self.policy.methods {
                Methods::AnyReceivable(_) => Reason::MethodNotReceivable,
                Methods::Any | Methods::Listed(_) => Reason::MethodNotAllowed,
            })
        } else {
            None
        }
    }

    fn reject_preflight<'a>(
        &'a self,
        req: &CorsRequest<'a>,
        rejection: Rejection<'a>,
    ) -> Decision<'a> {
        if self.policy.debug {
            return self.explain_refusal(req, rejection);
        }
        let mut headers = ResponseHeaders::default();
        // Fetch #cors-protocol-and-http-caches: a preflight's answer depends on all three
        // headers, so it varies on them whether accepted or not.
        headers.push(CorsHeader::Vary, Value::Constant(self.preflight_vary()));
        Decision::PreflightRejected {
            status: PREFLIGHT_REJECTED_STATUS,
            headers,
            rejection,
        }
    }

    /// Debug mode: a refused preflight answered with a 2xx status and what the policy would
    /// have sent, less the refused part, so that the browser fails it anyway (its
    /// [CORS check](https://fetch.spec.whatwg.org/#cors-check) or
    /// [CORS-preflight fetch, step 7](https://fetch.spec.whatwg.org/#cors-preflight-fetch)
    /// fails) and its console names the refused origin, method or header. Everything answered
    /// repeats the request: no `Access-Control-Allow-Origin` for a refused origin, no
    /// `Access-Control-Allow-Methods` for a refused method, and only the requested names the
    /// policy allows in `Access-Control-Allow-Headers`. Off the hot path: only debug
    /// policies come here, so it re-checks each part rather than carry what passed.
    #[cold]
    fn explain_refusal<'a>(
        &'a self,
        req: &CorsRequest<'a>,
        rejection: Rejection<'a>,
    ) -> Decision<'a> {
        let mut headers = ResponseHeaders::default();
        if let Ok(allow_origin) = self.check_origin(req) {
            headers.push(CorsHeader::AllowOrigin, allow_origin);
            if self.policy.credentials {
                headers.push(
                    CorsHeader::AllowCredentials,
                    Value::Constant(Constant::True),
                );
            }
        }
        if let Some(method) = req.request_method.single() {
            if self.method_refusal(method).is_none() {
                headers.push(
                    CorsHeader::AllowMethods,
                    Value::Echo(Echo::RequestMethod, method),
                );
            }
        }
        let allowed = header::allowed_requested(req.request_headers_lines(), &self.policy.headers);
        if !allowed.is_empty() {
            // Tokens joined by `,` are valid header-value bytes, so this cannot fail.
            if let Ok(value) = HeaderValue::from_bytes(&allowed) {
                headers.push_built(CorsHeader::AllowHeaders, value);
            }
        }
        if let Some(max_age) = &self.policy.max_age {
            headers.push(CorsHeader::MaxAge, Value::Policy(max_age));
        }
        headers.push(CorsHeader::Vary, Value::Constant(self.preflight_vary()));
        Decision::PreflightRejected {
            status: self.policy.preflight_status,
            headers,
            rejection,
        }
    }

    /// [Fetch, HTTP responses](https://fetch.spec.whatwg.org/#http-responses) and
    /// [Fetch, CORS-preflight fetch, step 7](https://fetch.spec.whatwg.org/#cors-preflight-fetch):
    /// what the browser checks, the server checks first, so a refused preflight is visible as
    /// such.
    fn handle_preflight<'a>(&'a self, req: &CorsRequest<'a>) -> Decision<'a> {
        let allow_origin = match self.check_origin(req) {
            Ok(value) => value,
            Err(rejection) => return self.reject_preflight(req, rejection),
        };

        // Fetch #cors-preflight-fetch step 7.5: the method the browser will send. One line, a
        // token, not forbidden, and allowed (a safelisted method always is).
        let Some(requested_method) = req.request_method.single() else {
            return self.reject_preflight(
                req,
                Rejection::new(
                    Reason::MultipleRequestMethods,
                    req.request_method.first.unwrap_or_default(),
                ),
            );
        };
        if let Some(reason) = self.method_refusal(requested_method) {
            return self.reject_preflight(req, Rejection::new(reason, requested_method));
        }

        // Fetch #cors-preflight-fetch steps 7.6-7.7: every requested name must be allowed.
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
                    return self.reject_preflight(req, rejection);
                }
            };

        let mut headers = ResponseHeaders::default();
        headers.push(CorsHeader::AllowOrigin, allow_origin);
        if self.policy.credentials {
            headers.push(
                CorsHeader::AllowCredentials,
                Value::Constant(Constant::True),
            );
        }
        // Echo the method rather than list the policy's: it works with and without
        // credentials (where `*` would be read literally, Fetch #cors-preflight-fetch
        // step 7.5), and reveals nothing the page did not ask about.
        headers.push(
            CorsHeader::AllowMethods,
            Value::Echo(Echo::RequestMethod, requested_method),
        );
        // Likewise echo the requested names, each of which was checked above; `*` would
        // neither cover `authorization` (Fetch #cors-preflight-fetch step 7.6) nor work with
        // credentials (step 7.7).
        if requested.named {
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
        // Fetch #cors-preflight-fetch steps 7.8-7.10: without it the browser keeps the answer
        // 5 seconds; with it, that many seconds up to a limit of the browser's own.
        if let Some(max_age) = &self.policy.max_age {
            headers.push(CorsHeader::MaxAge, Value::Policy(max_age));
        }
        // Private Network Access (WICG), "CORS preflight": answer `true` only when asked and
        // enabled. When disabled the header is ignored rather than refused, so that
        // Chromium's warning-only rollout keeps working.
        if self.policy.private_network && req.private_network.single() == Some(b"true") {
            headers.push(
                CorsHeader::AllowPrivateNetwork,
                Value::Constant(Constant::True),
            );
        }
        headers.push(CorsHeader::Vary, Value::Constant(self.preflight_vary()));

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
