//! # fetch-cors-actix
//!
//! CORS middleware for [actix-web] 4, backed by [`fetch_cors`]. The middleware only
//! translates: it reads the request headers CORS needs, asks the policy, answers
//! preflights the policy answers, and writes the headers the policy returns on every other
//! response. Every CORS rule lives in `fetch-cors`.
//!
//! ```
//! use actix_web::http::{Method, StatusCode};
//! use actix_web::{test, web, App, HttpResponse};
//! use fetch_cors_actix::{Cors, CorsMiddleware};
//!
//! let policy = Cors::builder()
//!     .allow_origin("https://app.example.com")
//!     .allow_methods(["PUT"])
//!     .build()?;
//!
//! actix_web::rt::System::new().block_on(async {
//!     let app = test::init_service(
//!         App::new()
//!             .wrap(CorsMiddleware::new(policy))
//!             .route("/", web::to(|| async { HttpResponse::Ok().body("hello") })),
//!     )
//!     .await;
//!
//!     // An actual request from an allowed origin reaches the handler and gets the headers.
//!     let req = test::TestRequest::get()
//!         .insert_header(("origin", "https://app.example.com"))
//!         .to_request();
//!     let res = test::call_service(&app, req).await;
//!     let headers = res.headers();
//!     assert_eq!(headers.get("access-control-allow-origin").unwrap(), "https://app.example.com");
//!     assert_eq!(headers.get("vary").unwrap(), "Origin");
//!
//!     // A preflight is answered by the middleware; the handler never sees it.
//!     let req = test::TestRequest::default()
//!         .method(Method::OPTIONS)
//!         .insert_header(("origin", "https://app.example.com"))
//!         .insert_header(("access-control-request-method", "PUT"))
//!         .to_request();
//!     let res = test::call_service(&app, req).await;
//!     assert_eq!(res.status(), StatusCode::NO_CONTENT);
//!     assert_eq!(res.headers().get("access-control-allow-methods").unwrap(), "PUT");
//! });
//! # Ok::<(), fetch_cors::ConfigError>(())
//! ```
//!
//! ## Where to wrap
//!
//! [`CorsMiddleware`] wraps an [`App`](actix_web::App), a [`Scope`](actix_web::Scope) or a
//! [`Resource`](actix_web::Resource), so different routes can have different policies:
//! wrap each scope with its own. Wrapping the `App` covers every response it gives,
//! the framework's own not-found answer from its default service included; wrapping a
//! scope covers that scope's routes (and its own 404 and 405 answers). Wrap a request in
//! one CORS layer only: the outermost layer answers preflights, so an inner one would
//! never see them.
//!
//! ## What the application sees
//!
//! An actual request from a refused origin still reaches the handler (the browser, not
//! the server, withholds the response). The reason is logged at debug level and stored
//! in the request extensions as a [`Rejection<'static>`](fetch_cors::Rejection):
//!
//! ```
//! use actix_web::{web::ReqData, HttpResponse};
//! use fetch_cors_actix::fetch_cors::Rejection;
//!
//! async fn handler(rejection: Option<ReqData<Rejection<'static>>>) -> HttpResponse {
//!     match rejection {
//!         Some(rejection) => HttpResponse::Ok().body(rejection.to_string()),
//!         None => HttpResponse::Ok().body("allowed, or not a CORS request"),
//!     }
//! }
//! # let _ = actix_web::web::to(handler);
//! ```
//!
//! Rejected preflights are logged the same way and answered without calling the handler.
//!
//! ## Costs
//!
//! Cloning [`CorsMiddleware`] bumps a reference count. Per request the middleware allocates
//! nothing of its own: header values come from the policy (converted once, when the
//! middleware is built) or are clones of the request's own header values, and the
//! response future is a plain state machine, not a boxed future. The exceptions:
//!
//! - a refused actual request: its [`Rejection`] is copied (one allocation) into the request
//!   extensions, which box it (one more) and, for the first value a request stores, allocate
//!   their table;
//! - a preflight whose `Access-Control-Request-Headers` came split over lines or with
//!   empty elements, which the core rebuilds and the middleware copies;
//! - an error returned by inner middleware (rather than a response), which gets a boxed
//!   response mapper adding the headers.
//!
//! `tests/alloc.rs` counts them.
//!
//! [actix-web]: https://docs.rs/actix-web/4
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::future::{ready, Future, Ready};
use std::mem;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage, HttpResponse};
use arc_swap::{ArcSwap, Guard};
use fetch_cors::adapter::{self, Echoes, OwnedHeaders, RequestHeader};
use fetch_cors::{
    Constant, CorsHeader, CorsRequest, CorsSource, OriginCheck, Rejection, ResponseHeaders, Value,
};
use pin_project_lite::pin_project;

pub use fetch_cors;
pub use fetch_cors::{Cors, LiveCors};

/// The CORS middleware: an actix-web [`Transform`] for [`App::wrap`](actix_web::App::wrap),
/// [`Scope::wrap`](actix_web::Scope::wrap) and
/// [`Resource::wrap`](actix_web::Resource::wrap).
///
/// Cloning it bumps a reference count, so an `HttpServer` factory can clone it per worker.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use fetch_cors_actix::{Cors, CorsMiddleware};
///
/// let public = CorsMiddleware::new(Cors::builder().allow_any_origin().build()?);
/// let private = CorsMiddleware::new(
///     Cors::builder()
///         .allow_origin("https://admin.example.com")
///         .allow_credentials(true)
///         .build()?,
/// );
/// let app = App::new()
///     .service(web::scope("/public").wrap(public).default_service(web::to(HttpResponse::Ok)))
///     .service(web::scope("/admin").wrap(private).default_service(web::to(HttpResponse::Ok)));
/// # drop(app);
/// # Ok::<(), fetch_cors::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct CorsMiddleware {
    /// What every request through the middleware shares.
    policy: Arc<Policy>,
    check: Option<OriginCheck>,
}

/// The policy with its values converted to actix-web's: once, or once per replacement of a
/// live policy.
#[derive(Debug)]
enum Policy {
    /// Shared with an origin check's future, which needs it owned.
    Fixed(Arc<Converted>),
    Live {
        live: LiveCors,
        /// The conversion of the live policy's latest version seen by a request.
        converted: ArcSwap<Converted>,
    },
}

/// A policy and its `Access-Control-Max-Age` and `Access-Control-Expose-Headers` values as
/// actix-web header values, converted once rather than per request.
#[derive(Debug)]
struct Converted {
    policy: Cors,
    max_age: Option<HeaderValue>,
    expose_headers: Option<HeaderValue>,
}

impl Converted {
    fn new(policy: Cors) -> Self {
        Converted {
            max_age: shared_value(adapter::policy_value(&policy, CorsHeader::MaxAge)),
            expose_headers: shared_value(adapter::policy_value(&policy, CorsHeader::ExposeHeaders)),
            policy,
        }
    }
}

/// The converted policy one request is decided by.
enum Current<'a> {
    Fixed(&'a Arc<Converted>),
    Cached(Guard<Arc<Converted>>),
    Fresh(Arc<Converted>),
}

impl Current<'_> {
    /// The converted policy, owned (a reference-count bump), to cross an `.await`.
    fn into_owned(self) -> Arc<Converted> {
        match self {
            Current::Fixed(converted) => Arc::clone(converted),
            Current::Cached(guard) => Guard::into_inner(guard),
            Current::Fresh(fresh) => fresh,
        }
    }
}

impl Deref for Current<'_> {
    type Target = Converted;

    fn deref(&self) -> &Converted {
        match self {
            Current::Fixed(converted) => converted,
            Current::Cached(converted) => converted,
            Current::Fresh(converted) => converted,
        }
    }
}

impl Policy {
    /// The policy in force now, converted.
    #[inline]
    fn current(&self) -> Current<'_> {
        match self {
            Policy::Fixed(converted) => Current::Fixed(converted),
            Policy::Live { live, converted } => {
                let now = live.load();
                let cached = converted.load();
                if cached.policy.ptr_eq(&now) {
                    return Current::Cached(cached);
                }
                // Replaced since the last request: convert once, for every later request.
                let fresh = Arc::new(Converted::new(Cors::clone(&now)));
                converted.store(Arc::clone(&fresh));
                Current::Fresh(fresh)
            }
        }
    }
}

impl CorsMiddleware {
    /// Middleware applying `policy`: a [`Cors`], or a [`LiveCors`] replaced while serving.
    pub fn new(policy: impl Into<CorsSource>) -> Self {
        let policy = match policy.into() {
            CorsSource::Fixed(cors) => Policy::Fixed(Arc::new(Converted::new(cors))),
            CorsSource::Live(live) => Policy::Live {
                converted: ArcSwap::from_pointee(Converted::new(Cors::clone(&live.load()))),
                live,
            },
        };
        CorsMiddleware {
            policy: Arc::new(policy),
            check: None,
        }
    }

    /// Asks `check` about origins the policy's lists leave undecided
    /// ([`Cors::origin_to_check`]), awaiting it for at most its timeout on actix's (tokio's)
    /// timer; a check that fails or times out refuses the origin and is logged at `warn`.
    pub fn check_origins(mut self, check: OriginCheck) -> Self {
        self.check = Some(check);
        self
    }

    /// The policy this middleware applies now.
    pub fn policy(&self) -> Cors {
        self.policy.current().policy.clone()
    }
}

impl From<Cors> for CorsMiddleware {
    fn from(policy: Cors) -> Self {
        CorsMiddleware::new(policy)
    }
}

/// A policy value as an actix-web header value whose clones are reference-count bumps.
fn shared_value(value: Option<&impl AsRef<[u8]>>) -> Option<HeaderValue> {
    // The core built it as a valid header value, so the conversion cannot fail.
    let value = HeaderValue::from_bytes(value?.as_ref()).ok()?;
    // A fresh value owns a plain buffer that `bytes` turns into a shared one on its first
    // clone, allocating then; clone once now so no request pays for it.
    drop(value.clone());
    Some(value)
}

impl<S, B> Transform<S, ServiceRequest> for CorsMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorsService {
            service: Rc::new(service),
            policy: Arc::clone(&self.policy),
            check: self.check.clone(),
        }))
    }
}

/// The service [`CorsMiddleware`] puts in front of the wrapped one.
#[derive(Debug)]
pub struct CorsService<S> {
    /// Shared with an origin check's future (a reference count on this worker's thread).
    service: Rc<S>,
    policy: Arc<Policy>,
    check: Option<OriginCheck>,
}

impl<S, B> Service<ServiceRequest> for CorsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let current = self.policy.current();
        let pending = self
            .check
            .as_ref()
            .and_then(|check| check.pending(&current.policy, &cors_request(&req).0));
        if let Some(pending) = pending {
            // Off the fast path: await the check, then decide under the policy this request
            // started with.
            let (converted, service) = (current.into_owned(), Rc::clone(&self.service));
            return CorsFuture {
                state: State::Checked {
                    future: Box::pin(async move {
                        let timer = actix_web::rt::time::sleep(pending.timeout());
                        let (_, allowed) = pending.run(timer, |f| log::warn!("{f}")).await;
                        decide_and_call(&converted, &*service, req, allowed).await
                    }),
                },
            };
        }
        decide_and_call(&current, &*self.service, req, false)
    }
}

/// Decides `req` under `converted` (its origin allowed by the application's check when
/// `checked`) and answers a preflight, or calls `service` and adds the headers to its answer.
#[inline(always)]
fn decide_and_call<S, B>(
    converted: &Converted,
    service: &S,
    req: ServiceRequest,
    checked: bool,
) -> CorsFuture<S::Future, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    {
        // The decision borrows the request, which the inner service needs by value: take
        // what is needed from it (owned headers, the status, the rejection) first.
        let (headers, rejection) = {
            let (mut cors_req, echoes) = cors_request(&req);
            if checked {
                cors_req.allow_checked_origin();
            }
            let decision = converted.policy.decide(&cors_req);
            if let Some(rejection) = decision.rejection() {
                let level = if converted.policy.should_warn(&cors_req, rejection) {
                    log::Level::Warn
                } else {
                    log::Level::Debug
                };
                log::log!(level, "{} {}: {rejection}", req.method(), req.path());
            }
            if let Some(status) = decision.respond_now() {
                // The core's `http` 1.x status and actix-web's `http` 0.2 one both accept
                // exactly 100..=999, so the conversion cannot fail.
                let status = StatusCode::from_u16(status.as_u16())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut res = HttpResponse::new(status);
                converted.write(decision.headers(), &echoes, res.headers_mut());
                drop(decision);
                return CorsFuture {
                    state: State::Answered {
                        response: Some(req.into_response(res).map_into_right_body()),
                    },
                };
            }
            let headers = converted.owned(decision.headers(), &echoes);
            // The request goes on to the application, which may want to know why its
            // origin was refused.
            let rejection = decision.rejection().cloned().map(Rejection::into_owned);
            (headers, rejection)
        };

        if let Some(rejection) = rejection {
            req.extensions_mut().insert(rejection);
        }
        CorsFuture {
            state: State::Forwarded {
                future: service.call(req),
                headers,
            },
        }
    }
}

/// The request parts the core reads, borrowed from actix-web's request, and the values a
/// decision may echo.
fn cors_request(req: &ServiceRequest) -> (CorsRequest<'_>, Echoes<'_, HeaderValue>) {
    let headers = req.headers();
    CorsRequest::read(req.method().as_str().as_bytes(), |header| {
        headers.get_all(match header {
            RequestHeader::Origin => header::ORIGIN,
            RequestHeader::RequestMethod => header::ACCESS_CONTROL_REQUEST_METHOD,
            RequestHeader::RequestHeaders => header::ACCESS_CONTROL_REQUEST_HEADERS,
            RequestHeader::RequestPrivateNetwork => ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK,
        })
    })
}

impl Converted {
    /// The decision's headers as actix-web values that outlive the request.
    fn owned(&self, decided: &ResponseHeaders<'_>, echoes: &Echoes<'_, HeaderValue>) -> Headers {
        OwnedHeaders::new(decided, |name, value| {
            self.header_value(name, value, echoes)
        })
    }

    /// Writes the decision's headers into a response made while the request is at hand (a
    /// preflight's answer), as [`write_headers`] would write [`Converted::owned`]'s result,
    /// without that copy.
    fn write(
        &self,
        decided: &ResponseHeaders<'_>,
        echoes: &Echoes<'_, HeaderValue>,
        map: &mut HeaderMap,
    ) {
        adapter::write_each(
            decided,
            &CONSTANTS,
            |name, value| self.header_value(name, value, echoes),
            |name, value| put(map, name, value),
        );
    }

    fn header_value(
        &self,
        name: CorsHeader,
        value: Value<'_>,
        echoes: &Echoes<'_, HeaderValue>,
    ) -> Option<HeaderValue> {
        let converted = match (value, name) {
            (Value::Policy(_), CorsHeader::MaxAge) => self.max_age.clone(),
            (Value::Policy(_), CorsHeader::ExposeHeaders) => self.expose_headers.clone(),
            // The request's own value: a reference-count bump, not a copy.
            (Value::Echo(..), _) => echoes.reuse(value).cloned(),
            _ => None,
        };
        // Anything else (a value built for this request) is copied. The core only hands
        // out valid header values, so this cannot fail.
        converted.or_else(|| HeaderValue::from_bytes(value.as_bytes()).ok())
    }
}

/// A CORS header's name as an actix-web constant: no parsing, no comparison with the
/// standard names at run time. Exhaustive, so a header the core adds fails to compile here.
fn header_name(name: CorsHeader) -> HeaderName {
    match name {
        CorsHeader::AllowOrigin => header::ACCESS_CONTROL_ALLOW_ORIGIN,
        CorsHeader::AllowCredentials => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        CorsHeader::AllowMethods => header::ACCESS_CONTROL_ALLOW_METHODS,
        CorsHeader::AllowHeaders => header::ACCESS_CONTROL_ALLOW_HEADERS,
        CorsHeader::MaxAge => header::ACCESS_CONTROL_MAX_AGE,
        CorsHeader::AllowPrivateNetwork => ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
        CorsHeader::ExposeHeaders => header::ACCESS_CONTROL_EXPOSE_HEADERS,
        CorsHeader::Vary => header::VARY,
    }
}

/// `Access-Control-Allow-Private-Network`, which actix-web has no constant for.
const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(CorsHeader::AllowPrivateNetwork.as_str());

/// `Access-Control-Request-Private-Network`, which actix-web has no constant for.
const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static(RequestHeader::RequestPrivateNetwork.as_str());

/// The core's constant values, indexed by [`Constant`], as actix-web values built at compile
/// time (`from_static` at run time would check every byte again, per request).
static CONSTANTS: [HeaderValue; Constant::ALL.len()] = [
    HeaderValue::from_static(Constant::ALL[0].as_str()),
    HeaderValue::from_static(Constant::ALL[1].as_str()),
    HeaderValue::from_static(Constant::ALL[2].as_str()),
    HeaderValue::from_static(Constant::ALL[3].as_str()),
    HeaderValue::from_static(Constant::ALL[4].as_str()),
];

/// The CORS headers for one response, owned so that they outlive the request: fetch-cors's
/// compact form, with actix-web's values.
type Headers = OwnedHeaders<HeaderValue>;

/// Writes owned headers into a response's map.
fn write_headers(headers: Headers, map: &mut HeaderMap) {
    headers.write_each(&CONSTANTS, |name, value| put(map, name, value));
}

/// Appends `Vary` beside the handler's own (it lists what the response depends on, so both
/// lists must stay); every other header replaces any the handler set, since the policy is
/// the authority on them.
fn put(map: &mut HeaderMap, name: CorsHeader, value: HeaderValue) {
    if name.is_appended() {
        map.append(header_name(name), value);
    } else {
        map.insert(header_name(name), value);
    }
}

pin_project! {
    /// The response future of [`CorsMiddleware`]: the preflight answer, or the wrapped
    /// service's response with the CORS headers added.
    pub struct CorsFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Answered {
            response: Option<ServiceResponse<EitherBody<B>>>,
        },
        Forwarded {
            #[pin]
            future: F,
            headers: Headers,
        },
        Checked {
            future: Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>>>>,
        },
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B, BoxBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            // Like any future, this one must not be polled again once it has completed.
            StateProj::Answered { response } => Poll::Ready(Ok(response
                .take()
                .expect("CorsFuture polled after completion"))),
            StateProj::Checked { future } => future.as_mut().poll(cx),
            StateProj::Forwarded { future, headers } => {
                let result = ready!(future.poll(cx));
                let headers = mem::take(headers);
                Poll::Ready(match result {
                    // Handler errors (`ResponseError`) arrive here already turned into
                    // responses by actix-web, as do its own 404 and 405 answers.
                    Ok(mut res) => {
                        write_headers(headers, res.headers_mut());
                        Ok(res.map_into_left_body())
                    }
                    // An error from inner middleware becomes a response only later, in the
                    // server; the mapper adds the headers then, so the error keeps its type
                    // for outer middleware and its status for the client.
                    Err(mut error) => {
                        error.add_response_mapper(move |mut res| {
                            write_headers(headers.clone(), res.headers_mut());
                            res
                        });
                        Err(error)
                    }
                })
            }
        }
    }
}

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
