//! The browser's half of CORS: what a browser sends for a cross-origin fetch and what it
//! checks in the answers, step by step as the
//! [Fetch standard](https://fetch.spec.whatwg.org/#http-cors-protocol) says. `fetch-cors`
//! (the core) is the server's half; this module is the other side of the wire, written once
//! for both `explain` (which asks the core) and `check` (which asks a live server).
//!
//! - [`safelist`]: which methods and request headers need no preflight
//!   ([CORS-safelisted method](https://fetch.spec.whatwg.org/#cors-safelisted-method),
//!   [CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header),
//!   [CORS-unsafe request-header names](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)),
//!   and what scripts may not set at all.
//! - [`header_list`]: reading response headers as Fetch does
//!   ([get](https://fetch.spec.whatwg.org/#concept-header-list-get),
//!   [extract header list values](https://fetch.spec.whatwg.org/#extract-header-list-values)).
//! - [`cors_check`]: the [CORS check](https://fetch.spec.whatwg.org/#cors-check), steps 1-8.
//! - [`preflight`]: when a preflight is needed, the request it is, and its checks
//!   ([CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch), steps 2-5 and
//!   7).
//! - [`expose`]: which response headers the script can then read
//!   ([main fetch, step 14.1](https://fetch.spec.whatwg.org/#main-fetch)).
//! - [`cache`]: the [CORS-preflight cache](https://fetch.spec.whatwg.org/#cors-preflight-cache)
//!   and its [matching rules](https://fetch.spec.whatwg.org/#concept-cache-match).
//!
//! ```
//! use fetch_cors_cli::browser::{preflight, Credentials, Fetch, HeaderList, Response};
//!
//! // A page on https://foo.invalid PUTs JSON to https://bar.invalid.
//! let fetch = Fetch::new("https://foo.invalid", "PUT", Credentials::Omit)
//!     .with_header("content-type", "application/json");
//! assert!(preflight::is_needed(&fetch, &Default::default()));
//!
//! let answer = Response::new(204, HeaderList::from_pairs([
//!     ("access-control-allow-origin", "https://foo.invalid"),
//!     ("access-control-allow-methods", "PUT"),
//! ]));
//! let failure = preflight::check(&fetch, &answer).unwrap_err();
//! assert_eq!(
//!     failure.to_string(),
//!     "the request header `content-type` is not in Access-Control-Allow-Headers (absent)"
//! );
//! ```

pub mod cache;
pub mod cors_check;
pub mod expose;
pub mod header_list;
pub mod preflight;
pub mod safelist;

use std::fmt;

pub use header_list::HeaderList;

/// A request's [credentials mode](https://fetch.spec.whatwg.org/#concept-request-credentials-mode),
/// as a script sets it with `fetch(url, { credentials })`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Credentials {
    /// `"omit"`: never send cookies.
    Omit,
    /// `"same-origin"` (what `fetch()` uses when not told): cookies for same-origin requests
    /// only, so a cross-origin fetch goes without them, as with `"omit"`.
    #[default]
    SameOrigin,
    /// `"include"`: send cookies cross-origin too; the answer must then name the origin and
    /// allow credentials.
    Include,
}

impl Credentials {
    /// Whether the mode is `"include"`: the only mode the CORS checks tell apart.
    pub fn is_include(self) -> bool {
        self == Credentials::Include
    }

    /// The mode as a script writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Credentials::Omit => "omit",
            Credentials::SameOrigin => "same-origin",
            Credentials::Include => "include",
        }
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cross-origin fetch as a page makes it: the page's origin, the method (as sent, after
/// [normalizing](https://fetch.spec.whatwg.org/#concept-method-normalize)), the headers the
/// script sets, and the credentials mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    /// The page's serialized origin (`https://app.example`, or `null`): what the browser
    /// sends as `Origin` ([byte-serializing a request
    /// origin](https://fetch.spec.whatwg.org/#byte-serializing-a-request-origin)).
    pub origin: String,
    /// The URL fetched: what preflight-cache entries are keyed on (empty when unknown, as for
    /// `explain`, which asks a policy rather than a server).
    pub url: String,
    /// The method as sent.
    pub method: String,
    /// The header lines the script sets, in order.
    pub headers: HeaderList,
    /// The credentials mode.
    pub credentials: Credentials,
}

impl Fetch {
    /// A fetch with no headers yet. `method` is
    /// [normalized](https://fetch.spec.whatwg.org/#concept-method-normalize) as a browser does
    /// (`put` is sent as `PUT`, `patch` as `patch`).
    pub fn new(origin: &str, method: &str, credentials: Credentials) -> Fetch {
        Fetch {
            origin: origin.to_owned(),
            url: String::new(),
            method: safelist::normalize_method(method),
            headers: HeaderList::default(),
            credentials,
        }
    }

    /// The same fetch of `url`.
    pub fn with_url(mut self, url: &str) -> Fetch {
        self.url = url.to_owned();
        self
    }

    /// The same fetch with one more header line.
    pub fn with_header(mut self, name: &str, value: &str) -> Fetch {
        self.headers.append(name, value.as_bytes());
        self
    }
}

/// What a browser sees of a response: its status and header lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The header lines, in order.
    pub headers: HeaderList,
}

impl Response {
    /// A response with this status and these headers.
    pub fn new(status: u16, headers: HeaderList) -> Response {
        Response { status, headers }
    }

    /// [Fetch, ok status](https://fetch.spec.whatwg.org/#ok-status): 200 to 299.
    pub fn is_ok_status(&self) -> bool {
        (200..=299).contains(&self.status)
    }
}

/// Where in Fetch a check is: the algorithm's name, its anchor and the step, printed as
/// `Fetch, CORS check, step 2 (https://fetch.spec.whatwg.org/#cors-check)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The algorithm's name, as the spec titles it.
    pub algorithm: &'static str,
    /// The fragment of its address in the spec.
    pub anchor: &'static str,
    /// The step number (`7.5`).
    pub step: &'static str,
}

impl Step {
    /// The address of the algorithm in the spec.
    pub fn url(&self) -> String {
        format!("https://fetch.spec.whatwg.org/#{}", self.anchor)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Fetch, {}, step {} ({})",
            self.algorithm,
            self.step,
            self.url()
        )
    }
}
