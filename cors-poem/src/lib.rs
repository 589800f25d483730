//! # fetch-cors-poem
//!
//! CORS for [poem](https://docs.rs/poem) 3, backed by [`fetch_cors`]. [`CorsMiddleware`] is a
//! poem [`Middleware`]: it reads the request's method and CORS headers, asks the policy for a
//! [`Decision`](fetch_cors::Decision), answers preflights itself, and adds the CORS headers to
//! whatever the inner endpoint answers, its errors included. Every CORS rule lives in
//! `fetch-cors`; this crate only translates.
//!
//! ## Quick start
//!
//! ```
//! use poem::http::{Method, StatusCode};
//! use poem::test::TestClient;
//! use poem::{get, handler, EndpointExt, Route};
//! use fetch_cors_poem::{Cors, CorsMiddleware};
//!
//! #[handler]
//! fn items() -> &'static str {
//!     "items"
//! }
//!
//! #[handler]
//! fn store() -> &'static str {
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
//! let app = Route::new()
//!     .at("/items", get(items).put(store))
//!     .with(CorsMiddleware::new(cors));
//! // Serve it with `poem::Server::new(TcpListener::bind("127.0.0.1:3000")).run(app).await?`.
//!
//! // A browser's preflight is answered by the middleware; the handler never runs.
//! let response = TestClient::new(app)
//!     .request(Method::OPTIONS, "/items")
//!     .header("origin", "https://app.example.com")
//!     .header("access-control-request-method", "PUT")
//!     .header("access-control-request-headers", "content-type")
//!     .send()
//!     .await;
//! response.assert_status(StatusCode::NO_CONTENT);
//! response.assert_header("access-control-allow-origin", "https://app.example.com");
//! // The requested method is echoed: it is allowed, and `*` would not work with credentials.
//! response.assert_header("access-control-allow-methods", "PUT");
//! # Ok(())
//! # }
//! ```
//!
//! ## Where to put the middleware
//!
//! - [`EndpointExt::with`] on the whole [`Route`] (the usual place) runs the middleware on
//!   every request the route answers, including poem's own 404 for an unknown path and 405
//!   for a method a route lacks: poem reports both as errors (`NotFoundError`,
//!   `MethodNotAllowedError`), and the middleware turns every error into its response, as
//!   poem's server would, and adds the headers to it. So a preflight to a path that has no
//!   `OPTIONS` handler, or no route at all, is still the middleware's to answer.
//! - Put it outside everything else: outside authentication (a preflight carries no
//!   credentials) and outside [`EndpointExt::catch_error`] and friends, so that the error page
//!   they make gets the CORS headers too. Since the middleware hands on a response rather than
//!   an error, an error handler outside it no longer sees the error's type.
//!
//! A handler error needs nothing special: `Err(poem::Error)` becomes its response (a 500,
//! say) inside the middleware, which adds the headers.
//!
//! ```
//! use poem::http::StatusCode;
//! use poem::test::TestClient;
//! use poem::{get, handler, EndpointExt, Route};
//! use fetch_cors_poem::{Cors, CorsMiddleware};
//!
//! #[handler]
//! fn fail() -> poem::Result<&'static str> {
//!     Err(poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cors = Cors::builder().allow_origin("https://app.example.com").build()?;
//! let app = Route::new().at("/fail", get(fail)).with(CorsMiddleware::new(cors));
//! let client = TestClient::new(app);
//!
//! for (path, status) in [("/fail", 500), ("/nowhere", 404)] {
//!     let response = client
//!         .get(path)
//!         .header("origin", "https://app.example.com")
//!         .send()
//!         .await;
//!     response.assert_status(StatusCode::from_u16(status)?);
//!     response.assert_header("access-control-allow-origin", "https://app.example.com");
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Different policies on different routes
//!
//! Each middleware holds its own [`Cors`]. Give a route, a method router or a nested route
//! its own; give each request exactly one, since two would both write headers.
//!
//! ```
//! use poem::{get, handler, EndpointExt, Route};
//! use fetch_cors_poem::{Cors, CorsMiddleware};
//!
//! #[handler]
//! fn up() -> &'static str {
//!     "up"
//! }
//!
//! #[handler]
//! fn users() -> &'static str {
//!     "[]"
//! }
//!
//! # fn main() -> Result<(), fetch_cors_poem::fetch_cors::ConfigError> {
//! let public = Cors::builder().allow_any_origin().build()?;
//! let private = Cors::builder()
//!     .allow_origin("https://admin.example.com")
//!     .allow_credentials(true)
//!     .build()?;
//!
//! let app = Route::new()
//!     .at("/status", get(up).with(CorsMiddleware::new(public)))
//!     .nest(
//!         "/admin",
//!         Route::new()
//!             .at("/users", get(users))
//!             .with(CorsMiddleware::new(private)),
//!     );
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! ## Why a request was refused
//!
//! A refused actual request still reaches the handler (the browser, not the server,
//! withholds the response), with the reason as a [`Rejection<'static>`](Rejection) in the
//! request's extensions, where poem's [`Data`] extractor finds it; a rejected preflight never
//! reaches a handler, so its reason goes in the 403 response's extensions, for an outer
//! middleware to see. Every rejection is also logged with [`tracing::debug!`].
//!
//! ```
//! use poem::web::Data;
//! use poem::{get, handler, EndpointExt, Route};
//! use fetch_cors_poem::{Cors, CorsMiddleware, Rejection};
//!
//! #[handler]
//! fn hello(rejection: Option<Data<&Rejection<'static>>>) -> String {
//!     match rejection {
//!         // "CORS: origin `https://evil.example` is not allowed by the policy"
//!         Some(Data(rejection)) => format!("the browser will hide this: {rejection}"),
//!         None => "hello".to_owned(),
//!     }
//! }
//!
//! # let cors = Cors::builder().allow_origin("https://app.example.com").build().unwrap();
//! let app = Route::new().at("/", get(hello)).with(CorsMiddleware::new(cors));
//! # let _ = app;
//! ```
//!
//! ## Costs
//!
//! Cloning the middleware or the endpoint bumps a reference count. Per request the middleware
//! boxes nothing of its own: its future is the inner endpoint's inside an `async` block, and
//! header values it echoes (`Origin`, `Access-Control-Request-*`) are clones of the request's
//! own values, which share hyper's read buffer. The only heap allocations it can make are the
//! owned [`Rejection`] and its extension slot on a refused request, and the growth of the
//! response's header map when the CORS headers do not fit in it (`Vary` appended beside the
//! handler's own `vary` takes a slot in the map's list of extra values). `tests/alloc.rs`
//! counts them.
//!
//! [`Middleware`]: poem::Middleware
//! [`EndpointExt::with`]: poem::EndpointExt::with
//! [`EndpointExt::catch_error`]: poem::EndpointExt::catch_error
//! [`Route`]: poem::Route
//! [`Data`]: poem::web::Data
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use fetch_cors::adapter::http::{self as kit, HttpHeaders};
use http::{HeaderMap, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

pub use fetch_cors;
pub use fetch_cors::{Cors, LiveCors, Rejection};

use fetch_cors::{CorsSource, Current, OriginCheck};

/// A poem [`Middleware`] that puts a CORS policy in front of an endpoint, applied with
/// [`EndpointExt::with`](poem::EndpointExt::with).
///
/// ```
/// use poem::{EndpointExt, Route};
/// use fetch_cors_poem::{Cors, CorsMiddleware};
///
/// let middleware = CorsMiddleware::new(Cors::builder().allow_any_origin().build().unwrap());
/// let app = Route::new().with(middleware);
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct CorsMiddleware {
    cors: CorsSource,
    check: Option<OriginCheck>,
}

impl CorsMiddleware {
    /// A middleware applying `cors`: a [`Cors`], or a [`LiveCors`] replaced while serving.
    pub fn new(cors: impl Into<CorsSource>) -> Self {
        CorsMiddleware {
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

impl From<Cors> for CorsMiddleware {
    fn from(cors: Cors) -> Self {
        CorsMiddleware::new(cors)
    }
}

impl<E: Endpoint> Middleware<E> for CorsMiddleware {
    type Output = CorsEndpoint<E>;

    fn transform(&self, inner: E) -> CorsEndpoint<E> {
        CorsEndpoint {
            inner,
            cors: self.cors.clone(),
            check: self.check.clone(),
        }
    }
}

/// The endpoint [`CorsMiddleware`] wraps around an inner endpoint.
///
/// It answers with a [`Response`]: an error of the inner endpoint becomes its response here,
/// as poem's server would make it, so that the CORS headers can be added to it.
#[derive(Debug, Clone)]
pub struct CorsEndpoint<E> {
    inner: E,
    cors: CorsSource,
    check: Option<OriginCheck>,
}

impl<E> CorsEndpoint<E> {
    /// Puts `cors` in front of `inner`.
    pub fn new(inner: E, cors: impl Into<CorsSource>) -> Self {
        CorsEndpoint {
            inner,
            cors: cors.into(),
            check: None,
        }
    }

    /// The inner endpoint.
    pub fn get_ref(&self) -> &E {
        &self.inner
    }

    /// The inner endpoint, unwrapped.
    pub fn into_inner(self) -> E {
        self.inner
    }

    /// The policy now.
    pub fn policy(&self) -> Current<'_> {
        self.cors.load()
    }
}

impl<E: Endpoint> Endpoint for CorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
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
        // owned inside this block, before the request moves into the inner endpoint.
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
                return Ok(preflight_response(status, rejection, |map| {
                    kit::write(decision.headers(), &echoes, map);
                }));
            }
            // Echoed values are clones of the request's own header values (a reference-count
            // bump on hyper's read buffer), not copies of their bytes.
            (kit::own(decision.headers(), &echoes), rejection)
        };

        if let Some(rejection) = rejection {
            req.extensions_mut().insert(rejection);
        }
        // poem reports its 404 and 405, and a handler's failure, as an `Err`: made into the
        // response poem's server would send, it can carry the CORS headers like any other.
        let mut response = match self.inner.call(req).await {
            Ok(output) => output.into_response(),
            Err(error) => error.into_response(),
        };
        headers.write_to(response.headers_mut());
        Ok(response)
    }
}

/// Room in a preflight answer's header map: the seven CORS headers an accepted preflight can
/// carry, and the `content-length` the server adds.
const PREFLIGHT_HEADERS_ROOM: usize = 8;

/// The answer to a preflight the middleware does not pass on: an empty body, the policy's
/// status and headers, and the rejection (if any) for outer middleware, since no handler will
/// see it.
fn preflight_response(
    status: StatusCode,
    rejection: Option<Rejection<'static>>,
    write_headers: impl FnOnce(&mut HeaderMap),
) -> Response {
    let mut response = Response::default();
    response.set_status(status);
    // Sized once for the most a preflight answer carries, so the map never grows.
    *response.headers_mut() = HeaderMap::with_capacity(PREFLIGHT_HEADERS_ROOM);
    write_headers(response.headers_mut());
    if let Some(rejection) = rejection {
        response.extensions_mut().insert(rejection);
    }
    response
}

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
