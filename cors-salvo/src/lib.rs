//! # fetch-cors-salvo
//!
//! CORS for [salvo](https://docs.rs/salvo) 1, backed by [`fetch_cors`]. [`CorsHandler`] is a
//! salvo [`Handler`] used as a hoop: it reads the request's method and CORS headers, asks the
//! policy for a [`Decision`](fetch_cors::Decision), answers preflights itself, and adds the
//! CORS headers to whatever the rest of the chain answers. Every CORS rule lives in
//! `fetch-cors`; this crate only translates.
//!
//! ## Quick start
//!
//! ```
//! use salvo::http::StatusCode;
//! use salvo::prelude::*;
//! use salvo::test::TestClient;
//! use fetch_cors_salvo::{Cors, CorsHandler};
//!
//! #[handler]
//! async fn items() -> &'static str {
//!     "items"
//! }
//!
//! #[handler]
//! async fn store() -> &'static str {
//!     "stored"
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cors = Cors::builder()
//!     .allow_origin("https://app.example.com")
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .max_age(600)
//!     .build()?;
//!
//! let router = Router::new().push(Router::with_path("items").get(items).put(store));
//! // On the `Service`, the hoop sees every request, salvo's own 404 and 405 included.
//! let service = Service::new(router).hoop(CorsHandler::new(cors));
//! // Serve it with `Server::new(TcpListener::new("127.0.0.1:3000").bind().await).serve(service)`.
//!
//! // A browser's preflight is answered by the hoop; the handler never runs.
//! let response = TestClient::options("http://127.0.0.1/items")
//!     .add_header("origin", "https://app.example.com", true)
//!     .add_header("access-control-request-method", "PUT", true)
//!     .add_header("access-control-request-headers", "content-type", true)
//!     .send(&service)
//!     .await;
//! assert_eq!(response.status_code, Some(StatusCode::NO_CONTENT));
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! // The requested method is echoed: it is allowed, and `*` would not work with credentials.
//! assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
//! # Ok(())
//! # }
//! ```
//!
//! ## Where to put the hoop
//!
//! - [`Service::hoop`] (the usual place) runs the hoop on every request the service answers.
//!   salvo runs a service's hoops even when no route matches, with the status already set to
//!   its 404 or 405, so those answers get the CORS headers too, and a preflight to a path
//!   that has no `OPTIONS` route, or no route at all, is still the hoop's to answer.
//! - [`Router::hoop`] runs it only for requests that a route of that router matches,
//!   *method included*: salvo's 404 and 405 under that router run only the service's hoops.
//!   So a preflight (`OPTIONS`) to a route without an `OPTIONS` goal never reaches a router's
//!   hoop, and the browser sees salvo's 405 without CORS headers. Give such a router an
//!   `OPTIONS` goal for every path below it, such as
//!   `Router::with_path("{**}").options(handler::empty())`: the hoop answers the preflight
//!   and the goal never runs. That is salvo's routing, not a choice of this crate.
//!
//! Handler errors need nothing special: a salvo handler's error is written into the response
//! (a 500, say) by its [`Writer`], and the catcher's error page keeps the headers the hoop
//! wrote.
//!
//! ```
//! use salvo::http::StatusCode;
//! use salvo::prelude::*;
//! use salvo::test::TestClient;
//! use fetch_cors_salvo::{Cors, CorsHandler};
//!
//! #[handler]
//! async fn fail() -> Result<&'static str, StatusError> {
//!     Err(StatusError::internal_server_error())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cors = Cors::builder().allow_origin("https://app.example.com").build()?;
//! let router = Router::new().push(Router::with_path("fail").get(fail));
//! let service = Service::new(router).hoop(CorsHandler::new(cors));
//!
//! for (path, status) in [("fail", 500), ("nowhere", 404)] {
//!     let response = TestClient::get(format!("http://127.0.0.1/{path}"))
//!         .add_header("origin", "https://app.example.com", true)
//!         .send(&service)
//!         .await;
//!     assert_eq!(response.status_code, Some(StatusCode::from_u16(status)?));
//!     assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Different policies on different routes
//!
//! Each hoop holds its own [`Cors`]. Give a router its own, with an `OPTIONS` goal for
//! preflights (above); give each request exactly one, since two would both write headers.
//!
//! ```
//! use salvo::prelude::*;
//! use fetch_cors_salvo::{Cors, CorsHandler};
//!
//! #[handler]
//! async fn up() -> &'static str {
//!     "up"
//! }
//!
//! #[handler]
//! async fn users() -> &'static str {
//!     "[]"
//! }
//!
//! # fn main() -> Result<(), fetch_cors_salvo::fetch_cors::ConfigError> {
//! let public = Cors::builder().allow_any_origin().build()?;
//! let private = Cors::builder()
//!     .allow_origin("https://admin.example.com")
//!     .allow_credentials(true)
//!     .build()?;
//!
//! let router = Router::new()
//!     .push(
//!         Router::with_path("status")
//!             .hoop(CorsHandler::new(public))
//!             .get(up)
//!             .options(handler::empty()),
//!     )
//!     .push(
//!         Router::with_path("admin")
//!             .hoop(CorsHandler::new(private))
//!             .push(Router::with_path("users").get(users))
//!             // Preflights to any path under /admin reach the hoop.
//!             .push(Router::with_path("{**}").options(handler::empty())),
//!     );
//! # let _ = Service::new(router);
//! # Ok(())
//! # }
//! ```
//!
//! ## Why a request was refused
//!
//! A refused actual request still reaches the handler (the browser, not the server,
//! withholds the response), with the reason as a [`Rejection<'static>`](Rejection) in the
//! [`Depot`], stored by type; a rejected preflight never reaches a handler, and its reason is
//! in the depot for the hoops outside this one. Every rejection is also logged with
//! [`tracing::debug!`].
//!
//! ```
//! use salvo::prelude::*;
//! use fetch_cors_salvo::{Cors, CorsHandler, Rejection};
//!
//! #[handler]
//! async fn hello(depot: &mut Depot) -> String {
//!     match depot.get_typed::<Rejection<'static>>() {
//!         // "CORS: origin `https://evil.example` is not allowed by the policy"
//!         Ok(rejection) => format!("the browser will hide this: {rejection}"),
//!         Err(_) => "hello".to_owned(),
//!     }
//! }
//!
//! # let cors = Cors::builder().allow_origin("https://app.example.com").build().unwrap();
//! let service = Service::new(Router::new().get(hello)).hoop(CorsHandler::new(cors));
//! # let _ = service;
//! ```
//!
//! ## Costs
//!
//! Cloning the handler bumps a reference count. Per request the hoop allocates nothing of its
//! own but what salvo's [`Handler`] trait does for every hoop (its `async_trait` future is
//! boxed); header values it echoes (`Origin`, `Access-Control-Request-*`) are clones of the
//! request's own values, which share hyper's read buffer. The only other heap allocations it
//! can make are the owned [`Rejection`] and its slot in the depot on a refused request, and
//! the growth of the response's header map when the CORS headers do not fit in it (`Vary`
//! appended beside the handler's own `vary` takes a slot in the map's list of extra values).
//! `tests/alloc.rs` counts them.
//!
//! [`Handler`]: salvo_core::Handler
//! [`Writer`]: salvo_core::Writer
//! [`Depot`]: salvo_core::Depot
//! [`Service::hoop`]: salvo_core::Service::hoop
//! [`Router::hoop`]: salvo_core::Router::hoop
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use fetch_cors::adapter::http::{self as kit, HttpHeaders};
use salvo_core::http::ResBody;
use salvo_core::{async_trait, Depot, FlowCtrl, Handler, Request, Response};

pub use fetch_cors;
pub use fetch_cors::{Cors, LiveCors, Rejection};

use fetch_cors::{CorsSource, Current, OriginCheck};

/// A salvo [`Handler`] that puts a CORS policy in front of the rest of the chain: a hoop for
/// a [`Service`](salvo_core::Service) or a [`Router`](salvo_core::Router).
///
/// ```
/// use salvo::prelude::*;
/// use fetch_cors_salvo::{Cors, CorsHandler};
///
/// let hoop = CorsHandler::new(Cors::builder().allow_any_origin().build().unwrap());
/// let service = Service::new(Router::new()).hoop(hoop);
/// # let _ = service;
/// ```
#[derive(Debug, Clone)]
pub struct CorsHandler {
    cors: CorsSource,
    check: Option<OriginCheck>,
}

impl CorsHandler {
    /// A hoop applying `cors`: a [`Cors`], or a [`LiveCors`] replaced while serving.
    pub fn new(cors: impl Into<CorsSource>) -> Self {
        CorsHandler {
            cors: cors.into(),
            check: None,
        }
    }

    /// Asks `check` about origins the policy's lists leave undecided
    /// ([`Cors::origin_to_check`]), awaiting it for at most its timeout on tokio's timer; a
    /// check that fails or times out refuses the origin and is logged at `warn`.
    pub fn check_origins(mut self, check: OriginCheck) -> Self {
        self.check = Some(check);
        self
    }

    /// The policy now.
    pub fn policy(&self) -> Current<'_> {
        self.cors.load()
    }
}

impl From<Cors> for CorsHandler {
    fn from(cors: Cors) -> Self {
        CorsHandler::new(cors)
    }
}

#[async_trait]
impl Handler for CorsHandler {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        // Off the fast path: an origin the lists leave undecided goes to the application's
        // check first, and the request is then decided by the policy it started with.
        let pending = self.check.as_ref().and_then(|check| {
            check.pending(&self.cors.load(), &kit::read(req.method(), req.headers()).0)
        });
        let (snapshot, checked) = match pending {
            Some(pending) => {
                let timer = tokio::time::sleep(pending.timeout());
                let (cors, allowed) = pending.run(timer, |f| tracing::warn!("{f}")).await;
                (Some(cors), allowed)
            }
            None => (None, false),
        };
        // The decision borrows the request's headers, so everything kept from it is made
        // owned inside this block, before the request goes on down the chain.
        let (headers, rejection): (HttpHeaders, _) = {
            let current = self.cors.load();
            let cors = snapshot.as_ref().unwrap_or(&current);
            let (mut cors_request, echoes) = kit::read(req.method(), req.headers());
            if checked {
                cors_request.allow_checked_origin();
            }
            let decision = cors.decide(&cors_request);
            let rejection = decision.rejection().map(|rejection| {
                if cors.should_warn(&cors_request, rejection) {
                    tracing::warn!(method = %req.method(), path = req.uri().path(), "{rejection}");
                } else {
                    tracing::debug!(method = %req.method(), path = req.uri().path(), "{rejection}");
                }
                rejection.clone().into_owned()
            });
            if let Some(status) = decision.respond_now() {
                res.status_code(status);
                kit::write(decision.headers(), &echoes, res.headers_mut());
                // An empty body rather than none: salvo's catcher would otherwise write an
                // error page into a 403.
                res.replace_body(ResBody::Once(Default::default()));
                if let Some(rejection) = rejection {
                    depot.insert_typed(rejection);
                }
                ctrl.skip_rest();
                return;
            }
            // Echoed values are clones of the request's own header values (a reference-count
            // bump on hyper's read buffer), not copies of their bytes.
            (kit::own(decision.headers(), &echoes), rejection)
        };

        if let Some(rejection) = rejection {
            depot.insert_typed(rejection);
        }
        // On a service with no matching route there is no next handler, and the response is
        // salvo's 404 or 405, which gets the headers like any other.
        ctrl.call_next(req, depot, res).await;
        headers.write_to(res.headers_mut());
    }
}

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
