//! # fetch-cors-axum
//!
//! CORS for [axum](https://docs.rs/axum) 0.8 and any [tower](https://docs.rs/tower) /
//! hyper 1 stack, backed by [`fetch_cors`]. [`CorsLayer`] is a tower [`Layer`]: it reads the
//! request's method and CORS headers, asks the policy for a
//! [`Decision`](fetch_cors::Decision), answers preflights itself, and adds the CORS headers to
//! whatever the inner service answers. Every CORS rule lives in `fetch-cors`; this crate only
//! translates.
//!
//! ## Quick start
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
//! use fetch_cors_axum::{Cors, CorsLayer};
//! use tower::ServiceExt;
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
//! let app = Router::new()
//!     .route("/items", get(|| async { "items" }).put(|| async { "stored" }))
//!     .layer(CorsLayer::new(cors));
//! // Serve it with `axum::serve(listener, app).await?`.
//!
//! // A browser's preflight is answered by the layer; the handler never runs.
//! let preflight = Request::options("/items")
//!     .header("origin", "https://app.example.com")
//!     .header("access-control-request-method", "PUT")
//!     .header("access-control-request-headers", "content-type")
//!     .body(Body::empty())?;
//! // Finish the router with `.with_state(())` before calling it directly, as `axum::serve`
//! // does: an unfinished router rebuilds its routes on every request.
//! let response = app.with_state::<()>(()).oneshot(preflight).await?;
//! assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! // The requested method is echoed: it is allowed, and `*` would not work with credentials.
//! assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
//! # Ok(())
//! # }
//! ```
//!
//! ## Where to put the layer
//!
//! - [`Router::layer`] runs the layer on every request the router answers, including its own
//!   404 for an unknown path and 405 for a method a route lacks, so a script from an allowed
//!   origin can read those error bodies too. This is the usual place.
//! - [`Router::route_layer`] runs it only for requests that match a route (405 included,
//!   since axum layers a route's method fallback as well): the router's 404 for an unknown
//!   path gets no CORS headers. That is axum's meaning of `route_layer`, not a choice of
//!   this crate.
//! - On one route, use [`MethodRouter::layer`]: `get(h).put(h2).layer(CorsLayer::new(cors))`.
//!   Avoid [`MethodRouter::route_layer`] here: it leaves out the method fallback, so a
//!   preflight (`OPTIONS`) to a route without an `OPTIONS` handler would get axum's 405
//!   instead of the layer's answer. (A preflight that reaches the layer through a route's
//!   method fallback gets axum's `Allow` header beside the CORS ones; it does no harm.)
//!
//! The `route_layer` pitfall, run: a page that calls a path the router does not know gets a
//! CORS error in the browser, not the 404, because no CORS header reaches it; and its
//! preflight to such a path is axum's 404, not the layer's answer.
//!
//! ```
//! use axum::{body::Body, http::{Request, StatusCode}, routing::get, Router};
//! use fetch_cors_axum::{Cors, CorsLayer};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cors = Cors::builder()
//!     .allow_origin("https://app.example.com")
//!     .allow_methods(["PUT"])
//!     .build()?;
//! let routes = || Router::new().route("/items", get(|| async { "items" }));
//! let preflight = |path: &str| {
//!     Request::options(path)
//!         .header("origin", "https://app.example.com")
//!         .header("access-control-request-method", "PUT")
//!         .body(Body::empty())
//! };
//! let actual = |path: &str| {
//!     Request::get(path)
//!         .header("origin", "https://app.example.com")
//!         .body(Body::empty())
//! };
//!
//! // Right: `layer` sees every request, the router's 404 included.
//! let app = routes().layer(CorsLayer::new(cors.clone())).with_state::<()>(());
//! let response = app.clone().oneshot(preflight("/nowhere")?).await?;
//! assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! let response = app.oneshot(actual("/nowhere")?).await?;
//! assert_eq!(response.status(), StatusCode::NOT_FOUND);
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//!
//! // Wrong: `route_layer` runs only when a route matches the path.
//! let app = routes().route_layer(CorsLayer::new(cors)).with_state::<()>(());
//! let response = app.clone().oneshot(preflight("/nowhere")?).await?;
//! assert_eq!(response.status(), StatusCode::NOT_FOUND);
//! assert!(!response.headers().contains_key("access-control-allow-origin"));
//! let response = app.clone().oneshot(actual("/nowhere")?).await?;
//! assert_eq!(response.status(), StatusCode::NOT_FOUND);
//! assert!(!response.headers().contains_key("access-control-allow-origin"));
//! // On a known path it does run, through the route's method fallback, so a preflight to
//! // `/items` (which has no `OPTIONS` handler) is still the layer's answer.
//! let response = app.oneshot(preflight("/items")?).await?;
//! assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! # Ok(())
//! # }
//! ```
//!
//! Handler errors need nothing special: an axum handler's error becomes a response (a 500,
//! say) through [`IntoResponse`] like any other, and the layer adds headers to it. Only an
//! `Err` from a fallible inner tower service carries no response to add them to; axum's
//! services never return one.
//!
//! ## Different policies on different routes
//!
//! Each layer holds its own [`Cors`]. Give a route, a nested router or a merged router its
//! own layer; give each request exactly one, since two layers would both write headers.
//!
//! ```
//! use axum::{routing::get, Router};
//! use fetch_cors_axum::{Cors, CorsLayer};
//!
//! # fn main() -> Result<(), fetch_cors_axum::fetch_cors::ConfigError> {
//! let public = Cors::builder().allow_any_origin().build()?;
//! let private = Cors::builder()
//!     .allow_origin("https://admin.example.com")
//!     .allow_credentials(true)
//!     .build()?;
//!
//! let app: Router = Router::new()
//!     .route("/status", get(|| async { "up" }).layer(CorsLayer::new(public)))
//!     .nest(
//!         "/admin",
//!         Router::new()
//!             .route("/users", get(|| async { "[]" }))
//!             .layer(CorsLayer::new(private)),
//!     );
//! # Ok(())
//! # }
//! ```
//!
//! ## Changing the policy while serving
//!
//! Give the layer a [`LiveCors`] instead of a [`Cors`], and replace its policy whenever
//! yours changes: the next request, on every clone of the app, is decided by the new one. For
//! origins held elsewhere (a database, a tenant service), [`CorsLayer::check_origins`] asks
//! an [`OriginCheck`] about the origins the policy's lists leave
//! undecided.
//!
//! ```
//! use std::time::Duration;
//! use axum::{routing::get, Router};
//! use fetch_cors_axum::fetch_cors::OriginCheck;
//! use fetch_cors_axum::{Cors, CorsLayer, LiveCors};
//!
//! # fn main() -> Result<(), fetch_cors_axum::fetch_cors::ConfigError> {
//! let live = LiveCors::new(Cors::builder().allow_origin("https://app.example.com").build()?);
//! let check = OriginCheck::new(Duration::from_millis(200), |origin: String| async move {
//!     Ok::<_, std::io::Error>(origin.ends_with(".customer.example")) // your database here
//! });
//! let app: Router = Router::new()
//!     .route("/", get(|| async { "hello" }))
//!     .layer(CorsLayer::new(live.clone()).check_origins(check));
//!
//! // Later: an admin adds an origin.
//! live.replace(
//!     Cors::builder()
//!         .allow_origins(["https://app.example.com", "https://admin.example.com"])
//!         .build()?,
//! )?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Why a request was refused
//!
//! A refused actual request still reaches the handler (the browser, not the server,
//! withholds the response), with the reason as a [`Rejection<'static>`](Rejection) in the
//! request's extensions; a rejected preflight never reaches a handler, so its reason goes in
//! the 403 response's extensions, for an outer middleware to see. Every rejection is also
//! logged with [`tracing::debug!`].
//!
//! ```
//! use axum::{routing::get, Extension, Router};
//! use fetch_cors_axum::{Cors, CorsLayer, Rejection};
//!
//! async fn handler(rejection: Option<Extension<Rejection<'static>>>) -> String {
//!     match rejection {
//!         // "CORS: origin `https://evil.example` is not allowed by the policy"
//!         Some(Extension(rejection)) => format!("the browser will hide this: {rejection}"),
//!         None => "hello".to_owned(),
//!     }
//! }
//!
//! # let cors = Cors::builder().allow_origin("https://app.example.com").build().unwrap();
//! let app: Router = Router::new().route("/", get(handler)).layer(CorsLayer::new(cors));
//! ```
//!
//! ## Costs
//!
//! Cloning the layer or the service bumps a reference count. Per request the layer boxes
//! nothing: its future is a plain enum around the inner future, and header values it echoes
//! (`Origin`, `Access-Control-Request-*`) are clones of the request's own values, which share
//! hyper's read buffer. The only heap allocations it can make are the owned [`Rejection`] and
//! its extension slot on a refused request, and the growth of the response's header map when
//! the CORS headers do not fit in it (`Vary` appended beside the handler's own `vary` takes a
//! slot in the map's list of extra values). `tests/alloc.rs` counts them.
//!
//! [`Router::layer`]: https://docs.rs/axum/0.8/axum/struct.Router.html#method.layer
//! [`Router::route_layer`]: https://docs.rs/axum/0.8/axum/struct.Router.html#method.route_layer
//! [`MethodRouter::layer`]: https://docs.rs/axum/0.8/axum/routing/struct.MethodRouter.html#method.layer
//! [`MethodRouter::route_layer`]: https://docs.rs/axum/0.8/axum/routing/struct.MethodRouter.html#method.route_layer
//! [`IntoResponse`]: https://docs.rs/axum/0.8/axum/response/trait.IntoResponse.html
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use fetch_cors::adapter::http::{self as kit, HttpHeaders};
use fetch_cors::{CorsSource, Current, OriginCheck};
use http::{HeaderMap, Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

pub use fetch_cors;
pub use fetch_cors::{Cors, LiveCors, Rejection};

/// A tower [`Layer`] that puts a CORS policy in front of a service.
///
/// ```
/// use fetch_cors_axum::{Cors, CorsLayer};
///
/// let layer = CorsLayer::new(Cors::builder().allow_any_origin().build().unwrap());
/// # let _: axum::Router = axum::Router::new().layer(layer);
/// ```
#[derive(Debug, Clone)]
pub struct CorsLayer {
    cors: CorsSource,
    check: Option<OriginCheck>,
}

impl CorsLayer {
    /// A layer applying `cors`: a [`Cors`], or a [`LiveCors`] replaced while serving.
    pub fn new(cors: impl Into<CorsSource>) -> Self {
        CorsLayer {
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

impl From<Cors> for CorsLayer {
    fn from(cors: Cors) -> Self {
        CorsLayer::new(cors)
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = CorsService<S>;

    fn layer(&self, inner: S) -> CorsService<S> {
        CorsService {
            inner,
            cors: self.cors.clone(),
            check: self.check.clone(),
        }
    }
}

/// The service [`CorsLayer`] wraps around an inner service.
///
/// Generic over the request and response bodies; the response body must implement
/// [`Default`] so that a preflight can be answered with an empty one.
#[derive(Debug, Clone)]
pub struct CorsService<S> {
    inner: S,
    cors: CorsSource,
    check: Option<OriginCheck>,
}

impl<S> CorsService<S> {
    /// Puts `cors` in front of `inner`.
    pub fn new(inner: S, cors: impl Into<CorsSource>) -> Self {
        CorsService {
            inner,
            cors: cors.into(),
            check: None,
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The policy now.
    pub fn policy(&self) -> Current<'_> {
        self.cors.load()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CorsService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let current = self.cors.load();
        let pending = self
            .check
            .as_ref()
            .and_then(|check| check.pending(&current, &kit::read(req.method(), req.headers()).0));
        if let Some(pending) = pending {
            // Off the fast path: await the check, then decide under the policy this request
            // started with, with the service made ready for it.
            let clone = self.inner.clone();
            let mut ready = mem::replace(&mut self.inner, clone);
            return ResponseFuture::checked(Box::pin(async move {
                let timer = tokio::time::sleep(pending.timeout());
                let (cors, allowed) = pending.run(timer, |f| tracing::warn!("{f}")).await;
                decide_and_call(&cors, &mut ready, req, allowed).await
            }));
        }
        decide_and_call(&current, &mut self.inner, req, false)
    }
}

/// Decides `req` under `cors` (its origin allowed by the application's check when
/// `checked`) and answers a preflight, or calls `inner` and adds the headers to its answer.
#[inline(always)]
fn decide_and_call<S, ReqBody, ResBody>(
    cors: &Cors,
    inner: &mut S,
    mut req: Request<ReqBody>,
    checked: bool,
) -> ResponseFuture<S::Future, ResBody, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    {
        // The decision borrows the request's headers, so everything kept from it is made
        // owned inside this block, before the request moves into the inner service.
        let (headers, rejection) = {
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
                let response = preflight_response(status, rejection, |map| {
                    kit::write(decision.headers(), &echoes, map);
                });
                return ResponseFuture::answer(response);
            }
            // Echoed values are clones of the request's own header values (a reference-count
            // bump on hyper's read buffer), not copies of their bytes.
            (kit::own(decision.headers(), &echoes), rejection)
        };

        if let Some(rejection) = rejection {
            req.extensions_mut().insert(rejection);
        }
        ResponseFuture::handler(inner.call(req), headers)
    }
}

/// Room in a preflight answer's header map: the seven CORS headers an accepted preflight can
/// carry, and the `content-length` the server adds (axum does, for an empty body).
const PREFLIGHT_HEADERS_ROOM: usize = 8;

/// The answer to a preflight the layer does not pass on: an empty body, the policy's status
/// and headers, and the rejection (if any) for outer middleware, since no handler will see it.
fn preflight_response<B: Default>(
    status: StatusCode,
    rejection: Option<Rejection<'static>>,
    write_headers: impl FnOnce(&mut HeaderMap),
) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = status;
    // Sized once for the most a preflight answer carries, so the map never grows.
    *response.headers_mut() = HeaderMap::with_capacity(PREFLIGHT_HEADERS_ROOM);
    write_headers(response.headers_mut());
    if let Some(rejection) = rejection {
        response.extensions_mut().insert(rejection);
    }
    response
}

pin_project! {
    /// The response future of [`CorsService`]: the inner service's future, whose response
    /// gets the CORS headers, or a preflight answer that is ready at once.
    pub struct ResponseFuture<F, B, E> {
        #[pin]
        state: State<F, B, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B, E> {
        Handler {
            #[pin]
            future: F,
            headers: HttpHeaders,
        },
        Answer {
            response: Option<Response<B>>,
        },
        Checked {
            future: Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>,
        },
    }
}

impl<F, B, E> ResponseFuture<F, B, E> {
    fn handler(future: F, headers: HttpHeaders) -> Self {
        ResponseFuture {
            state: State::Handler { future, headers },
        }
    }

    fn checked(future: Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>) -> Self {
        ResponseFuture {
            state: State::Checked { future },
        }
    }

    fn answer(response: Response<B>) -> Self {
        ResponseFuture {
            state: State::Answer {
                response: Some(response),
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B, E>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Handler { future, headers } => {
                // An `Err` has no response to carry headers; axum's services never return one.
                let mut response = ready!(future.poll(cx))?;
                mem::take(headers).write_to(response.headers_mut());
                Poll::Ready(Ok(response))
            }
            StateProj::Answer { response } => Poll::Ready(Ok(response
                .take()
                .expect("ResponseFuture polled after completion"))),
            StateProj::Checked { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, B, E> std::fmt::Debug for ResponseFuture<F, B, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
