//! Header names: the forbidden ones, a policy's allowed set, and reading a preflight's
//! `Access-Control-Request-Headers` within limits on its size.

mod names;
mod requested;

pub use names::is_forbidden_request_header;
pub(crate) use names::{build_allowed_headers, build_expose, AllowedHeaders};
pub(crate) use requested::{allowed_requested, check_requested, join_requested, Refusal};
pub use requested::{
    Limit, MAX_EMPTY_ELEMENTS, MAX_REQUEST_HEADERS_BYTES, MAX_REQUEST_HEADERS_LINES,
};
