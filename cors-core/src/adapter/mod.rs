//! The adapter kit: what a crate that puts fetch-cors in front of a web framework needs, and
//! nothing a user of the policy does.
//!
//! # How to write an adapter
//!
//! An adapter translates; every CORS rule is the core's. The six adapters in this workspace
//! (`fetch-cors-actix`, `-axum`, `-poem`, `-rocket`, `-salvo`, `-warp`) follow these steps,
//! and a new one needs nothing else:
//!
//! 1. **Take an `impl Into<`[`CorsSource`](crate::CorsSource)`>`** (a fixed [`Cors`] or a
//!    [`LiveCors`](crate::LiveCors)) in the framework's middleware type, named after the
//!    framework's idiom (`CorsLayer`, `CorsFairing`, `CorsMiddleware`), and
//!    [`load`](crate::CorsSource::load) it once per request: every decision for that request
//!    uses what it loaded. Cloning it is a reference-count bump. If the framework answers
//!    some methods itself before any middleware runs, restrict the policy once with
//!    [`CorsSource::restrict_methods`](crate::CorsSource::restrict_methods) and surface its
//!    [`ConfigError`](crate::ConfigError) the framework's way. Offer `check_origins` with an
//!    [`OriginCheck`](crate::OriginCheck): when
//!    [`Cors::origin_to_check`](crate::Cors::origin_to_check) names an origin, await
//!    [`OriginCheck::run`](crate::OriginCheck::run) with the runtime's timer, log a
//!    [`CheckFailed`](crate::CheckFailed) at `warn`, and mark an allowed origin with
//!    [`CorsRequest::allow_checked_origin`](crate::CorsRequest::allow_checked_origin).
//! 2. **Read the request** with [`CorsRequest::read`](crate::CorsRequest::read): give it the
//!    method and, per [`RequestHeader`], every line of that header as bytes. On `http` 1.x
//!    types, [`http::read`] does it. It reads `Access-Control-Request-*` only when the request
//!    may be a preflight, and keeps the values a decision may echo in [`Echoes`]. An adapter
//!    that can only look at a request before its handler at a cost may ask
//!    [`CorsRequest::method_may_be_preflight`](crate::CorsRequest::method_may_be_preflight)
//!    first.
//! 3. **Decide** with [`Cors::decide`](crate::Cors::decide). If
//!    [`Decision::respond_now`](crate::Decision::respond_now) is `Some(status)`, answer with
//!    that status, no body, and the decision's headers: never call the handler.
//! 4. **Otherwise call the handler** and add the decision's headers to whatever response comes
//!    back, error responses and the framework's own 404 and 405 included. To carry them past
//!    the handler, keep an [`OwnedHeaders`] (`own` converts each value once: a constant as its
//!    index, an echo by [`Echoes::reuse`] of the request's own value); to write them at once,
//!    use [`write_each`]. Either hands each header over in [`CorsHeader::WRITING_ORDER`]:
//!    append [`CorsHeader::is_appended`] ones (`Vary`) beside the handler's, replace the
//!    others. Convert [`Constant::ALL`] into the framework's values once, in a table indexed
//!    by `constant as usize`, and map [`CorsHeader`] and [`RequestHeader`] to the
//!    framework's header names with an exhaustive `match` (neither enum is
//!    `#[non_exhaustive]`, so a header added to the core fails to compile in the adapter
//!    rather than go out under another name); [`CorsHeader::as_str`] and
//!    [`RequestHeader::as_str`] give the names for frameworks without constants.
//! 5. **Hand the refusal to the application** as
//!    [`Decision::rejection`](crate::Decision::rejection) says (never by matching
//!    [`Decision`](crate::Decision) variants), owned with
//!    [`Rejection::into_owned`](crate::Rejection::into_owned), and log it once: at `warn` when
//!    [`Cors::should_warn`](crate::Cors::should_warn) says so, else at `debug`.
//!
//! Then hold the adapter to the conformance suite (`xtask/suite`): an example server
//! `conformance-<framework>` that keeps its contract, added to the suite, the browser tests
//! and the soak.

pub mod http;
mod owned;

pub use crate::request::{Echoes, RequestHeader};
pub use owned::OwnedHeaders;

use ::http::HeaderValue;

use crate::policy::Cors;
use crate::response::{Constant, CorsHeader, ResponseHeaders, Value};

/// Hands `decided`'s headers to `write` in [`CorsHeader::WRITING_ORDER`]: each constant as a
/// clone of `constants[constant as usize]` (the framework's values of [`Constant::ALL`]),
/// every other value as `convert` makes it (a header it gives no value for is left out). For
/// a response made while the request is at hand, such as a preflight's answer, with no owned
/// copy in between; [`OwnedHeaders`] keeps them across the handler instead.
#[inline]
pub fn write_each<V: Clone>(
    decided: &ResponseHeaders<'_>,
    constants: &[V; Constant::ALL.len()],
    mut convert: impl FnMut(CorsHeader, Value<'_>) -> Option<V>,
    mut write: impl FnMut(CorsHeader, V),
) {
    for name in CorsHeader::WRITING_ORDER {
        let value = match decided.get(name) {
            Some(Value::Constant(constant)) => Some(constants[constant as usize].clone()),
            Some(value) => convert(name, value),
            None => None,
        };
        if let Some(value) = value {
            write(name, value);
        }
    }
}

/// The value computed when the policy was built for a header that has one
/// ([`CorsHeader::MaxAge`], [`CorsHeader::ExposeHeaders`]), so that an adapter on other
/// header types converts it once rather than per request.
#[inline]
pub fn policy_value(cors: &Cors, header: CorsHeader) -> Option<&HeaderValue> {
    cors.policy_value(header)
}

/// Every header of `decided`, in order, with the values that borrow only the policy and the
/// request (for `'a`, which may outlive these headers), and `None` for the one value built for
/// this request, which [`built`] lends: for adapters whose responses may borrow the request,
/// such as Rocket's.
#[inline]
pub fn lasting<'h, 'a>(
    decided: &'h ResponseHeaders<'a>,
) -> impl Iterator<Item = (CorsHeader, Option<Value<'a>>)> + 'h {
    decided.iter_lasting()
}

/// The value built for this request, if there is one (an `Access-Control-Allow-Headers`
/// list that arrived split or with empty elements).
#[inline]
pub fn built<'h>(decided: &'h ResponseHeaders<'_>) -> Option<&'h HeaderValue> {
    decided.built()
}
