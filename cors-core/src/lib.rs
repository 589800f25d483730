//! # fetch-cors
//!
//! A pure, synchronous CORS decision engine that follows the
//! [Fetch standard](https://fetch.spec.whatwg.org/#http-cors-protocol). It owns every CORS
//! rule; the framework adapters (`fetch-cors-actix`, `fetch-cors-axum`, `fetch-cors-rocket`,
//! `fetch-cors-warp`) only translate requests to it and write back the headers it returns.
//!
//! 1. Build a [`Cors`] policy once with [`Cors::builder`] (or from a config file through
//!    `Config`, with the `serde` feature). Every mistake is a [`ConfigError`] naming the
//!    field, the value and the fix; nothing is accepted silently, nothing panics.
//! 2. For each request, fill a [`CorsRequest`] with borrowed bytes and call
//!    [`Cors::decide`]. The [`Decision`] says whether to answer now or go on to the handler,
//!    which headers to write, and why a request was refused.
//!
//! ```
//! use fetch_cors::{Cors, CorsHeader, CorsRequest, Decision};
//!
//! let cors = Cors::builder()
//!     .allow_origin("https://app.example.com")
//!     .allow_origin_pattern("https://*.preview.example.com")
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .build()?;
//!
//! // An actual request from an allowed origin: go on, then add these headers.
//! let mut req = CorsRequest::new(b"GET");
//! req.add_origin(b"https://pr-42.preview.example.com");
//! let decision = cors.decide(&req);
//! assert_eq!(decision.respond_now(), None);
//! let headers: Vec<_> = decision
//!     .headers()
//!     .iter()
//!     .map(|(name, value)| (name.as_str(), value.as_bytes()))
//!     .collect();
//! assert_eq!(headers, [
//!     ("access-control-allow-origin", &b"https://pr-42.preview.example.com"[..]),
//!     ("access-control-allow-credentials", b"true"),
//!     ("vary", b"Origin"),
//! ]);
//!
//! // A preflight asking for a header the policy does not allow: answer 403 now.
//! let mut req = CorsRequest::new(b"OPTIONS");
//! req.add_origin(b"https://app.example.com")
//!     .add_request_method(b"PUT")
//!     .add_request_headers(b"content-type, x-secret");
//! let decision = cors.decide(&req);
//! assert_eq!(decision.respond_now().map(|s| s.as_u16()), Some(403));
//! assert_eq!(
//!     decision.rejection().unwrap().to_string(),
//!     "CORS: header `x-secret` is not allowed by the policy"
//! );
//! # Ok::<(), fetch_cors::ConfigError>(())
//! ```
//!
//! ## Costs
//!
//! Every header value the policy can send is computed when it is built. Deciding looks
//! things up: one comparison per listed origin up to four, one hash look-up above (whatever
//! the list's length); for subdomain patterns, one suffix comparison each up to four per
//! scheme, one look-up per label above; a linear scan of the request's header list bounded by
//! [`MAX_REQUEST_HEADERS_BYTES`], [`MAX_EMPTY_ELEMENTS`] and [`MAX_REQUEST_HEADERS_LINES`]
//! (never by how many names the list holds). It makes no heap allocation, except to rebuild an
//! `Access-Control-Request-Headers` list that arrived split over lines or with empty
//! elements.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod adapter;
mod builder;
mod check;
#[cfg(feature = "serde")]
mod config;
mod decide;
mod decision;
mod error;
mod header;
mod live;
mod method;
mod origin;
mod policy;
mod request;
mod response;
mod token;
mod warn;
mod wildcard;

pub use builder::CorsBuilder;
pub use check::{CheckError, CheckFailed, CheckFuture, OriginCheck, PendingCheck};
#[cfg(feature = "serde")]
pub use config::Config;
pub use decision::{Decision, Reason, Rejection, MAX_REJECTION_VALUE, PREFLIGHT_REJECTED_STATUS};
pub use error::{ConfigError, Field, Problem};
pub use header::{
    is_forbidden_request_header, Limit, MAX_EMPTY_ELEMENTS, MAX_REQUEST_HEADERS_BYTES,
    MAX_REQUEST_HEADERS_LINES,
};
pub use live::{CorsSource, Current, LiveCors};
pub use policy::Cors;
pub use request::CorsRequest;
pub use response::{Constant, CorsHeader, Echo, ResponseHeaders, Value};

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
