//! Proposed changes to the axum adapter's glue, built on cors-core's public API only, so
//! their effect can be measured beside the shipped adapter (`bench-profile axum SCENARIO
//! proto`). Not a product: it answers exactly as cors-axum does for the benchmark's
//! scenarios, and exists to put numbers on the proposals in BENCHMARKS.md.
//!
//! What it does differently from cors-axum 0.1 + cors-core 0.1:
//!
//! 1. It looks up `Origin` only, unless the request is an `OPTIONS` one with an `Origin`:
//!    only a preflight reads `Access-Control-Request-*`, so an actual or non-CORS request
//!    costs one header-map look-up instead of four.
//! 2. It keeps the `&HeaderValue`s it found, and echoes by cloning them, instead of looking
//!    each echoed header up again in the request (`ResponseHeaders::to_http`).
//! 3. It names headers with `http::header::ACCESS_CONTROL_*` constants instead of
//!    `HeaderName::from_static(name.as_str())`, which compares the name against every
//!    standard header name at run time.
//! 4. It turns the core's static values (`*`, `true`, the `Vary` lists) into header values
//!    built at compile time (`const`), where `HeaderValue::from_static` called at run time
//!    checks every byte of them again, per request.
//! 5. It keeps the headers for the handler's response small: at most four (an actual
//!    request earns `Access-Control-Allow-Origin`, `-Allow-Credentials`, `-Expose-Headers`
//!    and `Vary`), named by `CorsHeader` (one byte) rather than `HeaderName`. The response
//!    future carries them, and axum moves that future into a box per request: every byte
//!    in it is copied. A preflight's answer is built at once and never stored.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use cors_core::{Cors, CorsHeader, CorsRequest, Echo, Rejection, Value};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// The prototype layer.
#[derive(Clone)]
pub struct FastCorsLayer {
    cors: Cors,
}

impl FastCorsLayer {
    /// A layer applying `cors`.
    pub fn new(cors: Cors) -> Self {
        FastCorsLayer { cors }
    }
}

impl<S> Layer<S> for FastCorsLayer {
    type Service = FastCors<S>;

    fn layer(&self, inner: S) -> FastCors<S> {
        FastCors {
            inner,
            cors: self.cors.clone(),
        }
    }
}

/// The prototype service.
#[derive(Clone)]
pub struct FastCors<S> {
    inner: S,
    cors: Cors,
}

/// The CORS headers for the handler's response, owned: an actual request earns four at
/// most.
#[derive(Default)]
pub struct Headers {
    entries: [Option<(CorsHeader, HeaderValue)>; 4],
}

/// A value to write, from the core's.
fn value(value: Value<'_>, found: &Found<'_>) -> HeaderValue {
    match value {
        Value::Static(s) => static_value(s),
        Value::Policy(v) => v.clone(),
        Value::Built(v) => v.clone(),
        Value::Echo(echo, bytes) => found.echo(echo, bytes),
    }
}

/// Writes every header of `decision` (a preflight's answer): `Vary` first.
fn write_all(decision: &cors_core::Decision<'_>, found: &Found<'_>, map: &mut HeaderMap) {
    for (name, v) in decision.headers().iter() {
        if name.is_appended() {
            map.append(header_name(name), value(v, found));
        }
    }
    for (name, v) in decision.headers().iter() {
        if !name.is_appended() {
            map.insert(header_name(name), value(v, found));
        }
    }
}

impl Headers {
    fn of(decision: &cors_core::Decision<'_>, found: &Found<'_>) -> Headers {
        let mut headers = Headers::default();
        for (slot, (name, v)) in headers.entries.iter_mut().zip(decision.headers().iter()) {
            *slot = Some((name, value(v, found)));
        }
        headers
    }

    fn write_to(self, map: &mut HeaderMap) {
        // `Vary` first, into the room `append` reserves anyway.
        for (name, value) in self.entries.iter().flatten() {
            if name.is_appended() {
                map.append(header_name(*name), value.clone());
            }
        }
        for (name, value) in self.entries.into_iter().flatten() {
            if !name.is_appended() {
                map.insert(header_name(name), value);
            }
        }
    }
}

fn header_name(name: CorsHeader) -> HeaderName {
    match name {
        CorsHeader::AllowOrigin => header::ACCESS_CONTROL_ALLOW_ORIGIN,
        CorsHeader::AllowCredentials => header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        CorsHeader::AllowMethods => header::ACCESS_CONTROL_ALLOW_METHODS,
        CorsHeader::AllowHeaders => header::ACCESS_CONTROL_ALLOW_HEADERS,
        CorsHeader::MaxAge => header::ACCESS_CONTROL_MAX_AGE,
        CorsHeader::ExposeHeaders => header::ACCESS_CONTROL_EXPOSE_HEADERS,
        CorsHeader::Vary => header::VARY,
        other => HeaderName::from_static(other.as_str()),
    }
}

/// The core's static values as header values built at compile time; any other is checked
/// at run time, as `HeaderValue::from_static` does.
fn static_value(s: &'static str) -> HeaderValue {
    const STAR: HeaderValue = HeaderValue::from_static("*");
    const TRUE: HeaderValue = HeaderValue::from_static("true");
    const ORIGIN: HeaderValue = HeaderValue::from_static("Origin");
    const PREFLIGHT: HeaderValue = HeaderValue::from_static(
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    );
    match s {
        "*" => STAR,
        "true" => TRUE,
        "Origin" => ORIGIN,
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" => PREFLIGHT,
        other => HeaderValue::from_static(other),
    }
}

/// The request headers CORS echoes, as found by the one look-up each.
#[derive(Default)]
struct Found<'a> {
    origin: Option<&'a HeaderValue>,
    method: Option<&'a HeaderValue>,
    headers: Option<&'a HeaderValue>,
}

impl Found<'_> {
    fn echo(&self, echo: Echo, bytes: &[u8]) -> HeaderValue {
        let found = match echo {
            Echo::Origin => self.origin,
            Echo::RequestMethod => self.method,
            Echo::RequestHeaders => self.headers,
        };
        match found {
            Some(v) if v.as_bytes() == bytes => v.clone(),
            _ => HeaderValue::from_bytes(bytes).unwrap_or(HeaderValue::from_static("")),
        }
    }
}

/// Reads the request: one look-up for `Origin`, three more only for a CORS `OPTIONS`.
fn read<'a>(method: &'a Method, map: &'a HeaderMap) -> (CorsRequest<'a>, Found<'a>) {
    let mut req = CorsRequest::new(method.as_str().as_bytes());
    let mut found = Found::default();
    for v in map.get_all(header::ORIGIN) {
        found.origin.get_or_insert(v);
        req.add_origin(v.as_bytes());
    }
    if found.origin.is_some() && method == Method::OPTIONS {
        for v in map.get_all(header::ACCESS_CONTROL_REQUEST_METHOD) {
            found.method.get_or_insert(v);
            req.add_request_method(v.as_bytes());
        }
        for v in map.get_all(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            found.headers.get_or_insert(v);
            req.add_request_headers(v.as_bytes());
        }
        for v in map.get_all(cors_core::ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK) {
            req.add_request_private_network(v.as_bytes());
        }
    }
    (req, found)
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for FastCors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = FastFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let (headers, rejection) = {
            let (cors_req, found) = read(req.method(), req.headers());
            let decision = self.cors.decide(&cors_req);
            let rejection = decision.rejection().map(|r| r.clone().into_owned());
            if let Some(status) = decision.respond_now() {
                // A preflight answered now: its headers go straight into its answer.
                let mut response = Response::new(ResBody::default());
                *response.status_mut() = status;
                *response.headers_mut() = HeaderMap::with_capacity(8);
                write_all(&decision, &found, response.headers_mut());
                if let Some(rejection) = rejection {
                    response.extensions_mut().insert(rejection);
                }
                return FastFuture {
                    state: State::Answer {
                        response: Some(response),
                    },
                };
            }
            (Headers::of(&decision, &found), rejection)
        };
        if let Some(rejection) = rejection {
            req.extensions_mut().insert::<Rejection<'static>>(rejection);
        }
        FastFuture {
            state: State::Handler {
                future: self.inner.call(req),
                headers: Some(headers),
            },
        }
    }
}

pin_project! {
    /// The prototype's response future: the inner future, whose response gets the
    /// headers, or an answer ready at once.
    pub struct FastFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Handler { #[pin] future: F, headers: Option<Headers> },
        Answer { response: Option<Response<B>> },
    }
}

impl<F, B, E> Future for FastFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Handler { future, headers } => {
                let mut response = ready!(future.poll(cx))?;
                if let Some(headers) = headers.take() {
                    headers.write_to(response.headers_mut());
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Answer { response } => Poll::Ready(Ok(response
                .take()
                .expect("FastFuture polled after completion"))),
        }
    }
}

/// The warp wrapper decided in one pass: cors-warp reads the request through
/// `warp::log::custom` twice for every request that is not a preflight it answers (once in
/// the branch that answers preflights, once in the branch that runs the filter), each pass
/// making a dummy reply and response for the log hook. This reads it once and hands the
/// decision to the second branch through a thread-local, in the same poll, exactly as
/// cors-warp already hands each pass's result to the `map` after its hook.
pub mod warp_once {
    use std::cell::Cell;
    use std::convert::Infallible;
    use std::future::ready;

    use cors_core::Cors;
    use http::{HeaderMap, Method};
    use warp::reply::Response;
    use warp::{Filter, Reply};

    enum Step {
        Answer(Response),
        Forward(super::Headers),
    }

    thread_local! {
        static STEP: Cell<Option<Step>> = const { Cell::new(None) };
        static FORWARD: Cell<Option<super::Headers>> = const { Cell::new(None) };
    }

    fn step(cors: &Cors, method: &Method, headers: &HeaderMap) -> Step {
        let (req, found) = super::read(method, headers);
        let decision = cors.decide(&req);
        match decision.respond_now() {
            Some(status) => {
                let mut response = status.into_response();
                super::write_all(&decision, &found, response.headers_mut());
                Step::Answer(response)
            }
            None => Step::Forward(super::Headers::of(&decision, &found)),
        }
    }

    /// `cors_warp::wrap`, deciding once.
    pub fn wrap<F, R>(
        cors: Cors,
        filter: F,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = warp::Rejection> + Clone + Send + Sync + 'static,
        R: Reply,
    {
        let answered = warp::any()
            .map(warp::reply)
            .with(warp::log::custom(move |info: warp::log::Info<'_>| {
                STEP.set(Some(step(&cors, info.method(), info.request_headers())));
            }))
            .and_then(|_| {
                ready(match STEP.take() {
                    Some(Step::Answer(response)) => Ok(response),
                    Some(Step::Forward(headers)) => {
                        FORWARD.set(Some(headers));
                        Err(warp::reject::not_found())
                    }
                    None => Err(warp::reject::not_found()),
                })
            });
        let forwarded = warp::any()
            .map(|| FORWARD.take())
            .and(
                filter
                    .map(|reply: R| Ok(reply.into_response()))
                    .recover(|rejection| ready(Ok::<_, Infallible>(Err(rejection))))
                    .unify(),
            )
            .map(
                |headers: Option<super::Headers>, outcome: Result<Response, warp::Rejection>| {
                    let mut response = outcome
                        .unwrap_or_else(|rejection| cors_warp::rejection_response(&rejection));
                    headers.unwrap_or_default().write_to(response.headers_mut());
                    response
                },
            );
        answered.or(forwarded).unify()
    }
}
