//! What the policy decides for a request: whether to answer now or go on to the handler,
//! which headers to write, and why a request was refused.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;

use crate::header::Limit;
use crate::response::ResponseHeaders;

/// Status of a rejected preflight. Any status outside 200..=299 fails a preflight
/// ([Fetch, CORS-preflight fetch, step 7](https://fetch.spec.whatwg.org/#cors-preflight-fetch)
/// requires an [ok status](https://fetch.spec.whatwg.org/#ok-status)); 403 also tells a person
/// reading logs or dev tools that the server refused, rather than that a route is missing.
pub const PREFLIGHT_REJECTED_STATUS: StatusCode = StatusCode::FORBIDDEN;

/// Why a request's origin, method or headers were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// More than one `Origin` line.
    MultipleOrigins,
    /// `Origin` is not a serialized origin (a list, a path, upper case, non-ASCII bytes...).
    OriginNotSerialized,
    /// The origin is well formed but not allowed by the policy.
    OriginNotAllowed,
    /// More than one `Access-Control-Request-Method` line.
    MultipleRequestMethods,
    /// The requested method is not an HTTP token.
    MethodNotToken,
    /// The requested method is forbidden (CONNECT, TRACE, TRACK).
    MethodForbidden,
    /// The requested method is not allowed by the policy.
    MethodNotAllowed,
    /// The policy allows any method, but the framework serving it cannot receive this one:
    /// it would answer the actual request with an error of its own, without CORS headers
    /// (see [`Cors::restrict_methods`](crate::Cors::restrict_methods)).
    // A variant of its own rather than `MethodNotAllowed`: under `allow_methods: "*"`, "not
    // allowed by the policy" would send whoever reads the log to a policy that allows it.
    MethodNotReceivable,
    /// A requested header name is not an HTTP token.
    HeaderNotToken,
    /// A requested header name is not allowed by the policy.
    HeaderNotAllowed,
    /// `Access-Control-Request-Headers` exceeds one of the documented limits.
    HeadersTooLarge(Limit),
}

impl Reason {
    /// What the reason is about: `"origin"`, `"method"` or `"header"`.
    pub fn subject(self) -> &'static str {
        match self {
            Reason::MultipleOrigins | Reason::OriginNotSerialized | Reason::OriginNotAllowed => {
                "origin"
            }
            Reason::MultipleRequestMethods
            | Reason::MethodNotToken
            | Reason::MethodForbidden
            | Reason::MethodNotAllowed
            | Reason::MethodNotReceivable => "method",
            Reason::HeaderNotToken | Reason::HeaderNotAllowed | Reason::HeadersTooLarge(_) => {
                "header"
            }
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Reason::MultipleOrigins => "the request has more than one Origin header",
            Reason::OriginNotSerialized => "is not a serialized origin",
            Reason::OriginNotAllowed => "is not allowed by the policy",
            Reason::MultipleRequestMethods => {
                "the request has more than one Access-Control-Request-Method header"
            }
            Reason::MethodNotToken => "is not a method name (an HTTP token)",
            Reason::MethodForbidden => "is a forbidden method",
            Reason::MethodNotAllowed => "is not allowed by the policy",
            Reason::MethodNotReceivable => {
                "never reaches the handler: the server's framework answers it with an error of \
                 its own before CORS runs"
            }
            Reason::HeaderNotToken => "is not a header name (an HTTP token)",
            Reason::HeaderNotAllowed => "is not allowed by the policy",
            Reason::HeadersTooLarge(Limit::Lines) => {
                "Access-Control-Request-Headers has too many lines"
            }
            Reason::HeadersTooLarge(Limit::Bytes) => "Access-Control-Request-Headers is too long",
            Reason::HeadersTooLarge(Limit::EmptyElements) => {
                "Access-Control-Request-Headers has too many empty elements"
            }
        }
    }
}

/// Longest value kept by [`Rejection::into_owned`], so a hostile header cannot make a log
/// line or an extension large.
pub const MAX_REJECTION_VALUE: usize = 256;

/// Why a request was refused: the reason and the offending value (an origin, a method or
/// a header name), for the application and its logs. Borrowed from the request; call
/// [`Rejection::into_owned`] to keep it longer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rejection<'a> {
    reason: Reason,
    value: Cow<'a, [u8]>,
}

impl<'a> Rejection<'a> {
    pub(crate) fn new(reason: Reason, value: &'a [u8]) -> Self {
        Rejection {
            reason,
            value: Cow::Borrowed(value),
        }
    }

    /// Why.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The offending value as received (empty when the reason names none, such as
    /// [`Reason::MultipleOrigins`]).
    pub fn value(&self) -> &[u8] {
        &self.value
    }

    /// A copy that owns its value, cut to [`MAX_REJECTION_VALUE`] bytes.
    pub fn into_owned(self) -> Rejection<'static> {
        let end = self.value.len().min(MAX_REJECTION_VALUE);
        Rejection {
            reason: self.reason,
            value: Cow::Owned(self.value[..end].to_vec()),
        }
    }
}

impl fmt::Display for Rejection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = self.value.len().min(MAX_REJECTION_VALUE);
        match self.reason {
            Reason::MultipleOrigins
            | Reason::MultipleRequestMethods
            | Reason::HeadersTooLarge(_) => {
                write!(f, "CORS: {}", self.reason.explain())
            }
            _ => write!(
                f,
                "CORS: {} `{}` {}",
                self.reason.subject(),
                self.value[..end].escape_ascii(),
                self.reason.explain()
            ),
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<'a> {
    /// No `Origin`: not a CORS request. Go on to the handler, then add the headers (a
    /// `Vary: Origin`, or for an any-origin policy the same headers a CORS request gets).
    NotCors(ResponseHeaders<'a>),
    /// A CORS request that is not a preflight. Go on to the handler, then add the headers.
    /// When the origin is refused, the headers hold only `Vary` and the browser withholds
    /// the response from the page (no `Access-Control-Allow-Origin`:
    /// [Fetch, CORS check, step 2](https://fetch.spec.whatwg.org/#cors-check)).
    Actual {
        /// The headers to add.
        headers: ResponseHeaders<'a>,
        /// Why the origin was refused, if it was.
        rejection: Option<Rejection<'a>>,
    },
    /// An accepted preflight: answer now with this status, these headers and no body.
    PreflightAccepted {
        /// The status (the policy's `preflight_status`).
        status: StatusCode,
        /// The headers.
        headers: ResponseHeaders<'a>,
    },
    /// An accepted preflight under `preflight_passthrough`: go on to the handler, then add
    /// the headers.
    PreflightPassthrough(ResponseHeaders<'a>),
    /// A rejected preflight: answer now with this status, these headers and no body; never
    /// call the handler. The status is [`PREFLIGHT_REJECTED_STATUS`] and the headers only
    /// `Vary`, except under the policy's debug mode
    /// ([`CorsBuilder::debug`](crate::CorsBuilder::debug)): then the policy's
    /// `preflight_status` and the headers it would have sent, less the refused part, so that
    /// the browser's own error names what was refused.
    PreflightRejected {
        /// The status.
        status: StatusCode,
        /// The headers.
        headers: ResponseHeaders<'a>,
        /// Why.
        rejection: Rejection<'a>,
    },
}

impl<'a> Decision<'a> {
    /// The headers to write, whatever the decision.
    pub fn headers(&self) -> &ResponseHeaders<'a> {
        match self {
            Decision::NotCors(headers)
            | Decision::Actual { headers, .. }
            | Decision::PreflightAccepted { headers, .. }
            | Decision::PreflightPassthrough(headers)
            | Decision::PreflightRejected { headers, .. } => headers,
        }
    }

    /// Why the request was refused, if it was.
    pub fn rejection(&self) -> Option<&Rejection<'a>> {
        match self {
            Decision::Actual { rejection, .. } => rejection.as_ref(),
            Decision::PreflightRejected { rejection, .. } => Some(rejection),
            _ => None,
        }
    }

    /// `Some(status)` when the CORS layer answers now, without the handler (a preflight
    /// not passed through); `None` when the request goes on to the handler.
    pub fn respond_now(&self) -> Option<StatusCode> {
        match self {
            Decision::PreflightAccepted { status, .. } => Some(*status),
            Decision::PreflightRejected { status, .. } => Some(*status),
            _ => None,
        }
    }
}
