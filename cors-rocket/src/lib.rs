//! # fetch-cors-rocket
//!
//! CORS for [Rocket](https://rocket.rs) 0.5, backed by [`fetch_cors`]. [`CorsFairing`] reads
//! a request's method and CORS headers, asks the policy for a [`Decision`], answers
//! preflights itself, and adds the CORS headers to every response Rocket sends: a route's,
//! a forwarded request's 404, a catcher's 500. Every CORS rule lives in `fetch-cors`; this
//! crate only translates.
//!
//! ## Quick start
//!
//! ```
//! use fetch_cors_rocket::{Cors, CorsFairing};
//! use rocket::http::{Header, Status};
//! use rocket::local::blocking::Client;
//!
//! #[rocket::put("/items")]
//! fn store() -> &'static str {
//!     "stored"
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cors = Cors::builder()
//!     .allow_origin("https://app.example.com")
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .max_age(600)
//!     .build()?;
//!
//! let rocket = rocket::build()
//!     .mount("/", rocket::routes![store])
//!     .attach(CorsFairing::new(cors));
//! // Serve it with `rocket.launch().await`.
//!
//! // A browser's preflight is answered by the fairing, though no route takes `OPTIONS`.
//! let client = Client::untracked(rocket)?;
//! let response = client
//!     .options("/items")
//!     .header(Header::new("origin", "https://app.example.com"))
//!     .header(Header::new("access-control-request-method", "PUT"))
//!     .header(Header::new("access-control-request-headers", "content-type"))
//!     .dispatch();
//! assert_eq!(response.status(), Status::NoContent);
//! let headers = response.headers();
//! assert_eq!(headers.get_one("access-control-allow-origin"), Some("https://app.example.com"));
//! assert_eq!(headers.get_one("access-control-allow-methods"), Some("PUT"));
//! # Ok(())
//! # }
//! ```
//!
//! ## How a fairing answers a preflight
//!
//! A Rocket fairing cannot answer a request from `on_request`, so on ignition the fairing
//! mounts a route of its own: `OPTIONS /<_..>` at rank [`isize::MIN`], ahead of every
//! application route. For a preflight the policy answers now (accepted, or rejected), that
//! route returns the policy's status and an empty body, so no application handler runs, not
//! even an `OPTIONS` route of the application's. Every other `OPTIONS` request it forwards
//! untouched, to the application's routes or Rocket's 404. `on_response` then writes the
//! CORS headers on every response; Rocket runs response fairings on catcher responses too.
//!
//! An application route of its own at rank `isize::MIN` for `OPTIONS` would collide with
//! the fairing's, and Rocket refuses to launch, naming both routes.
//!
//! ## Different policies under different paths
//!
//! Rocket's fairings see every request, so one [`CorsFairing`] holds every policy, each for
//! the requests at or under a base path. The most specific base wins; a request under no
//! base gets no CORS headers at all. Attach one `CorsFairing`: a second replaces the first.
//!
//! ```
//! use fetch_cors_rocket::{Cors, CorsFairing};
//!
//! # fn main() -> Result<(), fetch_cors_rocket::fetch_cors::ConfigError> {
//! let public = Cors::builder().allow_any_origin().build()?;
//! let admin = Cors::builder()
//!     .allow_origin("https://admin.example.com")
//!     .allow_credentials(true)
//!     .build()?;
//!
//! // `/admin` and below: `admin`; everything else: `public`.
//! let fairing = CorsFairing::new(public).scope("/admin", admin.clone());
//! // Only `/admin` and below have CORS.
//! let only_admin = CorsFairing::default().scope("/admin", admin);
//! # let _ = (fairing, only_admin);
//! # Ok(())
//! # }
//! ```
//!
//! ## Why a request was refused
//!
//! A refused actual request still reaches its handler (the browser, not the server,
//! withholds the response). The handler reads why with the [`CorsRejection`] request guard or
//! the [`rejection`] function, which keep a [`Rejection<'static>`](Rejection) in the
//! request's local cache. Every rejection, preflight or actual, is logged with
//! [`log::debug!`].
//!
//! ```
//! use fetch_cors_rocket::CorsRejection;
//!
//! #[rocket::get("/data")]
//! fn data(refused: Option<CorsRejection<'_>>) -> String {
//!     match refused {
//!         // "CORS: origin `https://evil.example` is not allowed by the policy"
//!         Some(rejection) => format!("the browser will hide this: {rejection}"),
//!         None => "hello".to_owned(),
//!     }
//! }
//! # let _ = rocket::routes![data];
//! ```
//!
//! ## Header bytes Rocket does not pass on
//!
//! Rocket 0.5 drops a request header line whose value is not UTF-8, with a warning, before
//! any fairing or route sees the request. An `Origin` made of such bytes therefore reaches
//! the policy as no `Origin` at all: the request is answered as a non-CORS one. Browsers
//! only send ASCII origins; non-ASCII origins that are UTF-8 reach the policy and are
//! refused there.
//!
//! ## Methods Rocket cannot receive
//!
//! Rocket 0.5 knows nine methods, spelled upper-case (`GET`, `PUT`, `POST`, `DELETE`,
//! `OPTIONS`, `HEAD`, `TRACE`, `CONNECT`, `PATCH`), and answers a request with any other
//! method with its own 400 before any fairing runs: `PURGE` say, or `patch`, which `fetch()`
//! sends as written ([Fetch normalises](https://fetch.spec.whatwg.org/#concept-method-normalize)
//! only `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT`). A policy allowing such a
//! method would accept the preflight, then the actual request would get that 400 without
//! CORS headers, and the browser would report a CORS error. So the fairing restricts every
//! policy to the methods [`can_receive`] accepts, which the other adapters do not:
//!
//! - A policy that lists such a method is refused: [`CorsFairing::try_new`] and
//!   [`CorsFairing::try_scope`] return the
//!   [`Problem::MethodNotReceivable`](fetch_cors::Problem::MethodNotReceivable) errors, and a
//!   fairing made with [`CorsFairing::new`] or [`CorsFairing::scope`] logs them and aborts
//!   launch.
//! - Under `allow_methods: "*"`, a preflight asking for such a method is refused with 403
//!   ([`Reason::MethodNotReceivable`](fetch_cors::Reason::MethodNotReceivable)), so the
//!   browser fails the request before sending it, rather than after.
//!
//! ```
//! use fetch_cors_rocket::{Cors, CorsFairing};
//!
//! # fn main() -> Result<(), fetch_cors_rocket::fetch_cors::ConfigError> {
//! let policy = Cors::builder().allow_any_origin().allow_methods(["patch"]).build()?;
//! let err = CorsFairing::try_new(policy).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "allow_methods: `patch` can never reach the handler, because Rocket 0.5 answers a \
//!      request with this method with an error of its own before CORS runs; write `PATCH` \
//!      (and send it upper-case), or serve this route with another framework"
//! );
//! # Ok(())
//! # }
//! ```
//!
//! ## Costs
//!
//! Cloning the fairing bumps a reference count. The fairing registers for Rocket's
//! `on_response` only, not `on_request`, and decides from the request's headers twice where
//! needed (in its preflight route and in `on_response`) rather than keep the decision in the
//! request's local cache, whose first use allocates. Every header it writes borrows: static
//! values, the policy's build-time values (reached through Rocket's managed state, which
//! lives as long as the request) and echoed request headers. So per response the fairing
//! allocates only what Rocket makes it: the boxed future of `on_response` (Rocket's fairing
//! trait is an `async_trait`), one for its preflight route's handler on `OPTIONS` requests,
//! and the growth of Rocket's header map, which keeps each header's values in a `Vec`. A
//! refused request costs the owned [`Rejection`] and its local-cache slot, and only when
//! the application asks for it; an `Access-Control-Request-Headers` list that arrived split
//! over lines costs the joined copy.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use fetch_cors::adapter;
use fetch_cors::{
    ConfigError, CorsRequest, CorsSource, Decision, OriginCheck, ResponseHeaders, Value,
};
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::{Header, Method, Status};
use rocket::request::{self, FromRequest, Request};
use rocket::response::Body;
use rocket::route::{self, Handler, Route};
use rocket::{Build, Data, Response, Rocket};

pub use fetch_cors;
pub use fetch_cors::{Cors, LiveCors, Rejection};

/// A Rocket fairing that applies CORS policies, each to the requests at or under a base path.
///
/// `CorsFairing::new(policy)` applies one policy everywhere; [`CorsFairing::scope`] adds a
/// policy for a base path. The most specific base wins, and a request under no base is left
/// alone. Cloning bumps a reference count.
#[derive(Debug, Clone, Default)]
pub struct CorsFairing {
    scopes: Arc<[Scope]>,
    check: Option<OriginCheck>,
}

/// One policy and the base path it covers.
#[derive(Debug, Clone)]
struct Scope {
    /// The base's path segments, as Rocket's router compares them (percent-decoded); none
    /// for `/`.
    base: Vec<String>,
    /// The policy, restricted to the methods Rocket can receive.
    policy: CorsSource,
    /// Why the policy cannot serve under Rocket, given to an infallible constructor: the
    /// fairing then refuses to ignite.
    refused: Option<ConfigError>,
}

impl Scope {
    /// The base as written in a mount point.
    fn path(&self) -> String {
        format!("/{}", self.base.join("/"))
    }

    fn covers(&self, req: &Request<'_>) -> bool {
        // Decoded segments, as Rocket routes on: `/%61dmin` reaches the `/admin` routes, so it
        // must get the `/admin` policy too. Rocket caches them when it routes the request.
        let mut segments = req.uri().path().segments();
        self.base
            .iter()
            .all(|base| segments.next() == Some(base.as_str()))
    }
}

impl CorsFairing {
    /// A fairing applying `policy` to every request.
    ///
    /// If the policy lists a method Rocket cannot receive (see [`can_receive`]), the fairing
    /// logs why and aborts launch, at ignition; [`CorsFairing::try_new`] says so at once.
    pub fn new(policy: impl Into<CorsSource>) -> Self {
        CorsFairing::default().scope("/", policy)
    }

    /// A fairing applying `policy` to every request, or the
    /// [`Problem::MethodNotReceivable`](fetch_cors::Problem::MethodNotReceivable) for each
    /// method the policy lists that Rocket cannot receive (see [`can_receive`]).
    ///
    /// ```
    /// use fetch_cors_rocket::fetch_cors::Problem;
    /// use fetch_cors_rocket::{Cors, CorsFairing};
    ///
    /// # fn main() -> Result<(), fetch_cors_rocket::fetch_cors::ConfigError> {
    /// // `fetch()` sends `patch` as written, and Rocket answers it with its own 400.
    /// let policy = Cors::builder().allow_any_origin().allow_methods(["patch"]).build()?;
    /// let err = CorsFairing::try_new(policy).unwrap_err();
    /// let Problem::MethodNotReceivable { value, .. } = &err.problems()[0] else {
    ///     panic!("{err}");
    /// };
    /// assert_eq!(value, "patch");
    ///
    /// let policy = Cors::builder().allow_any_origin().allow_methods(["PATCH"]).build()?;
    /// let fairing = CorsFairing::try_new(policy)?;
    /// # let _ = fairing;
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_new(policy: impl Into<CorsSource>) -> Result<Self, ConfigError> {
        CorsFairing::default().try_scope("/", policy)
    }

    /// Applies `policy` to the requests at `base` or under it (`/api` covers `/api` and
    /// `/api/items`, not `/apis`), ahead of any less specific base. `base` is a path written
    /// as Rocket mount points are, decoded (`/api/v1`); empty segments and a trailing `/` are
    /// ignored, so `/` covers every path. A second policy for the same base replaces the
    /// first.
    ///
    /// If the policy lists a method Rocket cannot receive, the fairing logs why and aborts
    /// launch, at ignition; [`CorsFairing::try_scope`] says so at once.
    ///
    /// A [`LiveCors`] is restricted too, now and at every replacement: replacing it with a
    /// policy that lists such a method is an error that changes nothing.
    pub fn scope(self, base: &str, policy: impl Into<CorsSource>) -> Self {
        let policy = policy.into();
        match policy.clone().restrict_methods(ROCKET, can_receive) {
            Ok(restricted) => self.with_scope(base, restricted, None),
            Err(error) => self.with_scope(base, policy, Some(error)),
        }
    }

    /// [`CorsFairing::scope`], or the
    /// [`Problem::MethodNotReceivable`](fetch_cors::Problem::MethodNotReceivable) for each
    /// method the policy lists that Rocket cannot receive (see [`can_receive`]).
    pub fn try_scope(self, base: &str, policy: impl Into<CorsSource>) -> Result<Self, ConfigError> {
        let policy = policy.into().restrict_methods(ROCKET, can_receive)?;
        Ok(self.with_scope(base, policy, None))
    }

    /// Asks `check` about origins the policies' lists leave undecided
    /// ([`Cors::origin_to_check`]), awaiting it in a request fairing for at most its timeout
    /// (on tokio's timer); a check that fails or times out refuses the origin and is logged
    /// at `warn`. Its verdict stays in the request's local cache (one allocation per request
    /// that is asked about).
    pub fn check_origins(mut self, check: OriginCheck) -> Self {
        self.check = Some(check);
        self
    }

    fn with_scope(self, base: &str, policy: CorsSource, refused: Option<ConfigError>) -> Self {
        let base: Vec<String> = base
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut scopes: Vec<Scope> = self
            .scopes
            .iter()
            .filter(|s| s.base != base)
            .cloned()
            .collect();
        scopes.push(Scope {
            base,
            policy,
            refused,
        });
        // Most specific first, so the first scope that covers a request is the one to apply.
        scopes.sort_by_key(|s| std::cmp::Reverse(s.base.len()));
        CorsFairing {
            scopes: scopes.into(),
            check: self.check,
        }
    }
}

/// Rocket, as configuration errors name it.
const ROCKET: &str = "Rocket 0.5";

/// Whether Rocket 0.5 can receive a request with `method` (its bytes as sent on the wire):
/// exactly `GET`, `PUT`, `POST`, `DELETE`, `OPTIONS`, `HEAD`, `TRACE`, `CONNECT` and
/// `PATCH`, upper-case. Rocket answers any other method, `patch` or `PURGE` say, with its
/// own `400 Bad Request` before any fairing runs, so no CORS header can be added.
///
/// hyper parses the request line into an `http::Method`, which is one of the standard
/// methods only when spelled exactly so
/// ([`http::Method::from_bytes`](https://docs.rs/http/1/http/method/struct.Method.html#method.from_bytes));
/// Rocket then maps the nine above to its closed [`Method`] enum and answers everything
/// else with a 400
/// ([`Request::from_hyp`, "Ensure that the method is known"](https://github.com/rwf2/Rocket/blob/58a3554a5001a9228b09bdefa87adc8939d818dc/core/lib/src/request/request.rs#L1005-L1010)).
///
/// [`CorsFairing`] restricts its policies with it
/// ([`Cors::restrict_methods`](fetch_cors::Cors::restrict_methods)): a policy listing such a
/// method is refused, and under `allow_methods: "*"` a preflight for one gets 403.
///
/// ```
/// use fetch_cors_rocket::can_receive;
///
/// assert!(can_receive(b"PATCH"));
/// assert!(!can_receive(b"patch"));
/// assert!(!can_receive(b"PURGE"));
/// ```
pub fn can_receive(method: &[u8]) -> bool {
    // Rocket's own list and spelling, so that a Rocket with more methods is followed.
    std::str::from_utf8(method)
        .ok()
        .and_then(|m| m.parse::<Method>().ok())
        .is_some_and(|m| m.as_str().as_bytes() == method)
}

/// The fairing's scopes in Rocket's managed state, where a response fairing or a handler
/// can borrow them for as long as the request lives: a response's headers may borrow only
/// that long, and the fairing's `&self` is not.
struct Registered {
    scopes: Arc<[Scope]>,
    /// Whether an origin check runs, so verdicts may be in requests' local caches.
    checked: bool,
}

/// The live policy a request is decided by, kept in its local cache on first use: a response
/// may borrow only from the request or managed state for the request's lifetime, and a
/// replaced policy is in neither. Two allocations per request under a live policy (Rocket's
/// local cache: its map and the boxed entry), and every decision for the request (route, response, [`rejection`]) uses
/// this one policy.
struct Pinned(Cors);

/// The origin check's verdict for a request, from the request fairing.
struct Verdict(bool);

/// The rank of the fairing's preflight route: ahead of every application route, so that no
/// application handler sees a preflight the policy answers.
const PREFLIGHT_RANK: isize = isize::MIN;

#[rocket::async_trait]
impl Fairing for CorsFairing {
    fn info(&self) -> Info {
        // Singleton: one fairing holds every scope, and its state is managed once.
        let kind = Kind::Ignite | Kind::Response | Kind::Singleton;
        Info {
            name: "CORS",
            // A request fairing costs Rocket a boxed future per request: only for a check.
            kind: if self.check.is_some() {
                kind | Kind::Request
            } else {
                kind
            },
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        // A policy whose preflights would promise what Rocket then answers with its own 400:
        // refuse to serve it, as `try_new` would have.
        let mut refused = false;
        for scope in self.scopes.iter() {
            if let Some(error) = &scope.refused {
                log::error!("CORS policy for `{}`: {}", scope.path(), error.one_line());
                refused = true;
            }
        }
        if refused {
            return Err(rocket);
        }
        let mut route = Route::ranked(PREFLIGHT_RANK, Method::Options, "/<_..>", Preflight);
        route.name = Some(Cow::Borrowed("fetch-cors-rocket preflight"));
        Ok(rocket
            .manage(Registered {
                scopes: self.scopes.clone(),
                checked: self.check.is_some(),
            })
            .mount("/", vec![route]))
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let Some(check) = &self.check else {
            return;
        };
        let pending = self
            .scopes
            .iter()
            .find(|scope| scope.covers(req))
            .and_then(|scope| check.pending(policy(scope, req), &read(req)));
        let Some(pending) = pending else {
            return;
        };
        let timer = rocket::tokio::time::sleep(pending.timeout());
        let (_, allowed) = pending.run(timer, |f| log::warn!("{f}")).await;
        req.local_cache(|| Verdict(allowed));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // Decided again for an `OPTIONS` request, which the `Preflight` route decided already
        // (every other request is decided here only). Keeping the route's decision in the
        // request's local cache would cost an allocation on its first use, per request, and
        // an owned copy of what the decision borrows from the request; deciding again reads
        // a few headers. The policy is pure, so both decisions agree.
        let Some((decision, warn)) = decide_and_ask(req, true) else {
            return;
        };
        if let Some(rejection) = decision.rejection() {
            let level = if warn {
                log::Level::Warn
            } else {
                log::Level::Debug
            };
            log::log!(level, "{} {}: {rejection}", req.method(), req.uri());
        }
        if let Some(status) = decision.respond_now() {
            // The preflight route answered already; this only matters if something else did
            // (another fairing rerouting the request): the answer is still the policy's
            // status with an empty body.
            res.set_status(Status::new(status.as_u16()));
            *res.body_mut() = Body::default();
            res.remove_header("Content-Type");
        }
        write_headers(res, decision.headers());
    }
}

/// The fairing's own route: answers the preflights the policy answers now, forwards every
/// other `OPTIONS` request to the application's routes.
#[derive(Clone)]
struct Preflight;

#[rocket::async_trait]
impl Handler for Preflight {
    async fn handle<'r>(&self, req: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        // The first of two decisions for an `OPTIONS` request: this one picks the status,
        // `on_response` decides again to write the headers (see there why).
        match decide(req).and_then(|decision| decision.respond_now()) {
            // An empty body; `on_response` adds the headers.
            Some(status) => route::Outcome::Success(
                Response::build()
                    .status(Status::new(status.as_u16()))
                    .finalize(),
            ),
            // Not found is the status Rocket forwards with when no route matches at all.
            None => route::Outcome::Forward((data, Status::NotFound)),
        }
    }
}

/// The policy's decision for `req`, or `None` when no scope covers it (or the fairing was
/// never ignited).
fn decide<'r>(req: &'r Request<'_>) -> Option<Decision<'r>> {
    decide_and_ask(req, false).map(|(decision, _)| decision)
}

/// [`decide`], and, when `ask` (once per request: the response fairing, which logs), whether
/// to log a refusal at `warn` ([`Cors::should_warn`]).
fn decide_and_ask<'r>(req: &'r Request<'_>, ask: bool) -> Option<(Decision<'r>, bool)> {
    let registered = req.rocket().state::<Registered>()?;
    let scope = registered.scopes.iter().find(|scope| scope.covers(req))?;
    let policy = policy(scope, req);
    let mut cors_req = read(req);
    if registered.checked && req.local_cache(|| Verdict(false)).0 {
        cors_req.allow_checked_origin();
    }
    let decision = policy.decide(&cors_req);
    let warn = ask
        && decision
            .rejection()
            .is_some_and(|rejection| policy.should_warn(&cors_req, rejection));
    Some((decision, warn))
}

/// The policy `scope` decides `req` by, for as long as the request lives: a fixed one from
/// managed state, a live one as [`Pinned`] in the request's local cache.
fn policy<'r>(scope: &'r Scope, req: &'r Request<'_>) -> &'r Cors {
    match &scope.policy {
        CorsSource::Fixed(cors) => cors,
        CorsSource::Live(live) => &req.local_cache(|| Pinned(Cors::clone(&live.load()))).0,
    }
}

/// The parts of `req` the policy reads: its method and every line of the four CORS request
/// headers, borrowed.
fn read<'r>(req: &'r Request<'_>) -> CorsRequest<'r> {
    let headers = req.headers();
    let (cors_req, _) = CorsRequest::read(req.method().as_str().as_bytes(), |header| {
        headers.get(header.as_str())
    });
    cors_req
}

/// Writes the decision's headers: `Vary` beside the handler's, every other one replacing
/// any of that name.
fn write_headers<'r>(res: &mut Response<'r>, headers: &ResponseHeaders<'r>) {
    for (name, value) in adapter::lasting(headers) {
        let value: Cow<'r, str> = match value {
            Some(Value::Constant(constant)) => Cow::Borrowed(constant.as_str()),
            // Both borrow for the request's lifetime: the policy from managed state, the echo
            // from the request's own header line.
            Some(Value::Policy(value) | Value::Built(value)) => text(value.as_bytes()),
            Some(Value::Echo(_, bytes)) => text(bytes),
            // Built for this request alone, inside the decision: it has to be copied.
            None => Cow::Owned(
                text(adapter::built(headers).map_or(&[][..], |v| v.as_bytes())).into_owned(),
            ),
        };
        let header = Header::new(name.as_str(), value);
        if name.is_appended() {
            res.adjoin_header(header);
        } else {
            res.set_header(header);
        }
    }
}

/// Header bytes as Rocket's `str` values. The policy writes visible ASCII only (its own
/// values, or echoes it validated from Rocket's UTF-8 headers), so the lossy copy is never
/// made; it is there so no byte sequence can panic.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Why the policy refused `req`, if it did: its origin (an actual request) or its origin,
/// method or headers (a preflight). `None` for an accepted or non-CORS request, and for one
/// under no scope of the [`CorsFairing`].
///
/// The first call decides and keeps the answer in the request's local cache, so a refused
/// request costs an owned copy of the offending value (at most
/// [`MAX_REJECTION_VALUE`](fetch_cors::MAX_REJECTION_VALUE) bytes) only when asked.
pub fn rejection<'r>(req: &'r Request<'_>) -> Option<&'r Rejection<'static>> {
    // A decision of its own, beside the route's and `on_response`'s, made only when the
    // application asks, so only then does the request pay for the local cache.
    req.local_cache(|| {
        Refused(
            decide(req)
                .and_then(|decision| decision.rejection().cloned().map(Rejection::into_owned)),
        )
    })
    .0
    .as_ref()
}

/// The local-cache slot for [`rejection`]; a type of its own, so nothing else claims it.
struct Refused(Option<Rejection<'static>>);

/// A request guard for why the CORS policy refused the request: it succeeds with the
/// [`Rejection`] for a refused request and forwards (404) otherwise, so take it as
/// `Option<CorsRejection<'_>>` to see both.
///
/// ```
/// use fetch_cors_rocket::CorsRejection;
///
/// #[rocket::get("/")]
/// fn index(refused: Option<CorsRejection<'_>>) -> &'static str {
///     if refused.is_some() { "the browser will hide this" } else { "hello" }
/// }
/// # let _ = rocket::routes![index];
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorsRejection<'r>(&'r Rejection<'static>);

impl<'r> CorsRejection<'r> {
    /// The rejection, for as long as the request lives.
    pub fn get(self) -> &'r Rejection<'static> {
        self.0
    }
}

impl Deref for CorsRejection<'_> {
    type Target = Rejection<'static>;

    fn deref(&self) -> &Rejection<'static> {
        self.0
    }
}

impl fmt::Display for CorsRejection<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CorsRejection<'r> {
    type Error = Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Infallible> {
        match rejection(req) {
            Some(rejection) => request::Outcome::Success(CorsRejection(rejection)),
            None => request::Outcome::Forward(Status::NotFound),
        }
    }
}

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
