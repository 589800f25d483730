//! # fetch-cors-warp
//!
//! CORS for [warp](https://docs.rs/warp) 0.4 filters, backed by [`fetch_cors`]. [`wrap`] puts a
//! policy around a filter: it reads the request's method and CORS headers, asks the policy
//! for a [`Decision`], answers preflights itself, and adds the CORS
//! headers to whatever the filter answers, its rejections included. Every CORS rule lives in
//! `fetch-cors`; this crate only translates.
//!
//! ## Quick start
//!
//! ```
//! use fetch_cors_warp::Cors;
//! use warp::Filter;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), fetch_cors_warp::fetch_cors::ConfigError> {
//! let cors = Cors::builder()
//!     .allow_origin("https://app.example.com")
//!     .allow_methods(["PUT", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .build()?;
//!
//! let items = warp::path("items")
//!     .and(warp::get().map(|| "items").or(warp::put().map(|| "stored")));
//! let routes = fetch_cors_warp::wrap(cors, items);
//! // Serve it with `warp::serve(routes).run(([127, 0, 0, 1], 3030)).await`.
//!
//! // A browser's preflight is answered by the wrapper; the filter never runs.
//! let response = warp::test::request()
//!     .method("OPTIONS")
//!     .path("/items")
//!     .header("origin", "https://app.example.com")
//!     .header("access-control-request-method", "PUT")
//!     .header("access-control-request-headers", "content-type")
//!     .reply(&routes)
//!     .await;
//! assert_eq!(response.status(), 204);
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
//!
//! // warp's own 404 gets the headers too, so a script can read it.
//! let response = warp::test::request()
//!     .path("/nowhere")
//!     .header("origin", "https://app.example.com")
//!     .reply(&routes)
//!     .await;
//! assert_eq!(response.status(), 404);
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! # Ok(())
//! # }
//! ```
//!
//! At the end of a chain of filters the same reads
//! `.with(warp::wrap_fn(|f| fetch_cors_warp::wrap(cors.clone(), f)))`: warp's own wrapper trait
//! is sealed, so [`warp::wrap_fn`] is how a crate plugs into [`Filter::with`].
//!
//! ## Rejections, and where to put the wrapper
//!
//! warp adds CORS headers to a response, not to a rejection, so the wrapper turns every
//! rejection of the filter it wraps into the response warp's server would have made of it
//! (404, 405, 400, 500 for a custom rejection nobody recovered: see
//! [`rejection_response`]), then adds the headers. A wrapped filter therefore never rejects,
//! and that changes [`Filter::or`]: a wrapped route answers everything that reaches it, so a
//! route after it would never be tried. To keep that mistake from compiling, the wrapped
//! filter's error type is [`Infallible`], and `or` takes only a filter whose error is a
//! [`warp::Rejection`]:
//!
//! ```compile_fail,E0271
//! use warp::Filter;
//!
//! let cors = fetch_cors_warp::Cors::builder().allow_any_origin().build().unwrap();
//! let hello = warp::path("hello").map(|| "hello");
//! let bye = warp::path("bye").map(|| "bye");
//! // Wrong: the wrapped `hello` would answer `/bye` with its own 404, so `bye` would never
//! // run. It does not compile: `or` expects `Error = warp::Rejection`, the wrapper's error is
//! // `Infallible` (error E0271, a type mismatch).
//! let routes = fetch_cors_warp::wrap(cors, hello).or(bye);
//! ```
//!
//! So wrap the final, combined filter; recover your own custom rejections inside it (with
//! [`Filter::recover`]) as warp recommends, so the responses you choose get the headers.
//!
//! ```
//! use warp::Filter;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let cors = fetch_cors_warp::Cors::builder().allow_any_origin().build().unwrap();
//! let hello = warp::path("hello").map(|| "hello");
//! let bye = warp::path("bye").map(|| "bye");
//! // Right: combine first, then wrap.
//! let routes = fetch_cors_warp::wrap(cors, hello.or(bye));
//!
//! let response = warp::test::request()
//!     .path("/bye")
//!     .header("origin", "https://app.example.com")
//!     .reply(&routes)
//!     .await;
//! assert_eq!(response.body(), "bye");
//! assert_eq!(response.headers()["access-control-allow-origin"], "*");
//! # }
//! ```
//!
//! ## Different policies on different routes
//!
//! A wrapper answers preflights without running the filter it wraps, so it cannot know
//! whether that filter would have matched the path. Route *outside* the wrappers, then, and
//! give each scope its own: the path prefix picks the policy, and each scope's 404s and
//! 405s get its policy's headers.
//!
//! ```
//! use fetch_cors_warp::Cors;
//! use warp::Filter;
//!
//! # fn main() -> Result<(), fetch_cors_warp::fetch_cors::ConfigError> {
//! let public = Cors::builder().allow_any_origin().build()?;
//! let admin = Cors::builder()
//!     .allow_origin("https://admin.example.com")
//!     .allow_credentials(true)
//!     .build()?;
//!
//! let status = warp::path!("status").map(|| "up");
//! let users = warp::path!("users").map(|| "[]");
//! let routes = warp::path("public")
//!     .and(fetch_cors_warp::wrap(public, status))
//!     .or(warp::path("admin").and(fetch_cors_warp::wrap(admin, users)));
//! # let _ = routes;
//! # Ok(())
//! # }
//! ```
//!
//! Do not nest wrappers: the outer one would answer every preflight and overwrite the inner
//! one's headers.
//!
//! ## Why a request was refused
//!
//! A refused actual request still reaches the filter (the browser, not the server,
//! withholds the response); a rejected preflight never does. Every rejection is logged with
//! [`tracing::debug!`]. A filter can read the reason with [`rejection`], an extractor that
//! asks the same policy about the same request (warp offers a wrapper no way to add to a
//! request's extensions):
//!
//! ```
//! use fetch_cors_warp::{Cors, Rejection};
//! use warp::Filter;
//!
//! # fn main() -> Result<(), fetch_cors_warp::fetch_cors::ConfigError> {
//! let cors = Cors::builder().allow_origin("https://app.example.com").build()?;
//! let hello = fetch_cors_warp::rejection(cors.clone()).map(
//!     |rejection: Option<Rejection<'static>>| match rejection {
//!         // "CORS: origin `https://evil.example` is not allowed by the policy"
//!         Some(rejection) => format!("the browser will hide this: {rejection}"),
//!         None => "hello".to_owned(),
//!     },
//! );
//! let routes = fetch_cors_warp::wrap(cors, hello);
//! # let _ = routes;
//! # Ok(())
//! # }
//! ```
//!
//! ## Costs
//!
//! Cloning a wrapped filter bumps a reference count, and nothing is boxed per request: the
//! wrapper is made of warp's own combinators. It reads the request's method and headers
//! borrowed, without copying the header map (see `read_after` in the source for how): for
//! an `OPTIONS` request before the filter runs, since it may be a preflight to answer, and
//! for any other as the filter's response completes. The header values it echoes
//! (`Origin`, `Access-Control-Request-*`) are clones of the request's own, which share
//! hyper's read buffer. The only heap allocations it makes
//! are the growth of a response's header map to take the CORS headers, and what an error
//! response costs when a rejection has to be turned into one.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::cell::Cell;
use std::convert::Infallible;
use std::fmt::Display;
use std::future::ready;
use std::thread::LocalKey;

use fetch_cors::adapter::http::{self as kit, HttpHeaders};
use fetch_cors::{CorsRequest, CorsSource, Decision, OriginCheck};
use http::{HeaderMap, Method, StatusCode};
use warp::log::Info;
use warp::reply::Response;
use warp::{Filter, Reply};

pub use fetch_cors;
pub use fetch_cors::{Cors, LiveCors, Rejection};

/// Puts `cors` around `filter`.
///
/// The result answers accepted and rejected preflights itself (unless the policy passes
/// accepted ones on), runs `filter` for every other request, and adds the CORS headers the
/// request earns to the response, or to the response warp would have made of a rejection.
/// It never rejects: see [the crate documentation](crate#rejections-and-where-to-put-the-wrapper).
///
/// ```
/// use warp::Filter;
///
/// let cors = fetch_cors_warp::Cors::builder().allow_any_origin().build().unwrap();
/// let routes = fetch_cors_warp::wrap(cors, warp::path("hello").map(|| "hello"));
/// # let _ = routes;
/// ```
pub fn wrap<F, R>(
    cors: impl Into<CorsSource>,
    filter: F,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
where
    F: Filter<Extract = (R,)> + Clone + Send + Sync + 'static,
    F::Error: FilterError,
    R: Reply,
{
    // warp runs a filter only through its combinators, and a combinator runs the next
    // filter only when the one before it succeeds (`and`) or rejects (`or`). The first
    // branch is for requests whose method a preflight may have (`OPTIONS`): it reads the
    // request and answers a preflight the policy answers. Every other
    // request is turned away from it with `not_found`, the one rejection that allocates
    // nothing, and the second branch runs the filter, then reads the request and decides
    // as the filter completes (see `read_after`), in the same poll as it adds the headers.
    //
    // So an `OPTIONS` request the policy does not answer now (no `Origin` or no
    // `Access-Control-Request-Method`, or a preflight the policy passes on) is decided twice:
    // by `answer`, before the filter, and by `forward`, as the filter's response completes.
    // The first decision cannot be carried over: the filter runs in between, over as many
    // polls as it needs, and the thread-local that carries a decision out of warp's log hook
    // holds only within one poll; passing it in a custom rejection would box it for every
    // such request. The policy is pure, so both decisions agree, and `answer` logs only the
    // requests it answers, so each request is logged once.
    //
    // A live policy is loaded at each decision: a request is decided by the policy in force
    // when warp lends its headers (for a request the filter answers, as that answer
    // completes), and a preflight answered here by the one in force when it arrives.
    let cors = cors.into();
    let preflight_cors = cors.clone();
    let answered = warp::method()
        .and_then(|method: Method| {
            ready(
                if CorsRequest::method_may_be_preflight(method.as_str().as_bytes()) {
                    Ok(())
                } else {
                    Err(warp::reject::not_found())
                },
            )
        })
        .untuple_one()
        .and(read_request(&ANSWER, move |method, headers| {
            answer(&preflight_cors.load(), method, headers, false)
        }))
        .and_then(|answer: Option<Option<Response>>| {
            ready(answer.flatten().ok_or_else(warp::reject::not_found))
        });

    let forwarded = read_after(
        F::Error::outcome(filter),
        &FORWARD,
        move |method, headers| forward(&cors.load(), method, headers, false),
    )
    .map(finish);

    answered.or(forwarded).unify()
}

/// [`wrap`], asking `check` about origins the policy's lists leave undecided
/// ([`Cors::origin_to_check`]), awaited for at most its timeout on tokio's timer; a check that
/// fails or times out refuses the origin and is logged at `warn`.
///
/// Each request is decided once, before the filter runs, by the policy in force when it
/// arrived. The cost: warp lends a request's headers to a filter only as a copy, so this
/// wrapper copies them for every request (about one allocation per custom-named header),
/// where [`wrap`] copies nothing; and a preflight it answers travels to the response as a
/// rejection (one allocation).
///
/// ```
/// use std::time::Duration;
/// use fetch_cors::OriginCheck;
/// use warp::Filter;
///
/// let cors = fetch_cors_warp::Cors::builder().allow_origin("https://app.example.com").build().unwrap();
/// let check = OriginCheck::new(Duration::from_millis(200), |origin: String| async move {
///     Ok::<_, std::io::Error>(origin.ends_with(".customer.example"))
/// });
/// let routes = fetch_cors_warp::wrap_checked(cors, check, warp::path("hello").map(|| "hello"));
/// # let _ = routes;
/// ```
pub fn wrap_checked<F, R>(
    cors: impl Into<CorsSource>,
    check: OriginCheck,
    filter: F,
) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
where
    F: Filter<Extract = (R,)> + Clone + Send + Sync + 'static,
    F::Error: FilterError,
    R: Reply,
{
    let cors = cors.into();
    warp::method()
        .and(warp::header::headers_cloned())
        .and_then(move |method: Method, headers: HeaderMap| {
            let current = Cors::clone(&cors.load());
            let pending = check.pending(&current, &kit::read(&method, &headers).0);
            async move {
                let checked = match pending {
                    None => false,
                    Some(pending) => {
                        let timer = tokio::time::sleep(pending.timeout());
                        pending.run(timer, |f| tracing::warn!("{f}")).await.1
                    }
                };
                match answer(&current, &method, &headers, checked) {
                    Some(mut answered) => Err(warp::reject::custom(Answered {
                        status: answered.status(),
                        headers: std::mem::take(answered.headers_mut()),
                    })),
                    None => Ok(forward(&current, &method, &headers, checked)),
                }
            }
        })
        .and(F::Error::outcome(filter))
        .map(|headers: HttpHeaders, response: Response| finish((response, Some(headers))))
        .recover(|rejection: warp::Rejection| {
            ready(match rejection.find::<Answered>() {
                Some(answered) => Ok::<_, Infallible>(answered.response()),
                None => Ok(rejection_response(&rejection)),
            })
        })
        .unify()
}

/// A preflight [`wrap_checked`] answered, on its way past the filter as a rejection.
#[derive(Debug)]
struct Answered {
    status: StatusCode,
    headers: HeaderMap,
}

impl warp::reject::Reject for Answered {}

impl Answered {
    fn response(&self) -> Response {
        let mut response = self.status.into_response();
        *response.headers_mut() = self.headers.clone();
        response
    }
}

/// Why the policy refuses this request, if it does: an extractor for the filter behind
/// [`wrap`], given the same policy.
///
/// It decides again rather than reading what the wrapper decided, since a warp wrapper
/// cannot add to the request's extensions; the policy decides the same way both times. It
/// costs an owned copy of the reason when there is one.
///
/// ```
/// use fetch_cors_warp::Rejection;
/// use warp::Filter;
///
/// let cors = fetch_cors_warp::Cors::builder().build().unwrap();
/// let why = fetch_cors_warp::rejection(cors).map(|rejection: Option<Rejection<'static>>| {
///     rejection.map_or_else(String::new, |r| r.to_string())
/// });
/// # let _ = why;
/// ```
pub fn rejection(
    cors: impl Into<CorsSource>,
) -> impl Filter<Extract = (Option<Rejection<'static>>,), Error = Infallible>
       + Clone
       + Send
       + Sync
       + 'static {
    let cors = cors.into();
    read_request(&REJECTION, move |method, headers| {
        // A decision of its own, beside the wrapper's (`forward`'s, and `answer`'s before it
        // for an `OPTIONS` request): warp gives a wrapper no way to hand what it decided to
        // the filter inside, and the policy decides the same way every time.
        let current = cors.load();
        let decision = current.decide(&kit::read(method, headers).0);
        decision.rejection().cloned().map(Rejection::into_owned)
    })
    .map(Option::flatten)
}

thread_local! {
    static ANSWER: Cell<Option<Option<Response>>> = const { Cell::new(None) };
    static FORWARD: Cell<Option<HttpHeaders>> = const { Cell::new(None) };
    static REJECTION: Cell<Option<Option<Rejection<'static>>>> = const { Cell::new(None) };
}

/// Calls `read` with the request's method and headers, borrowed, and extracts what it
/// returns: `None` only if a warp release stopped calling its log hook as described at
/// [`read_after`], which every test of this crate would show.
fn read_request<T: 'static>(
    slot: &'static LocalKey<Cell<Option<T>>>,
    read: impl Fn(&Method, &HeaderMap) -> T + Clone + Send + Sync + 'static,
) -> impl Filter<Extract = (Option<T>,), Error = Infallible> + Clone + Send + Sync + 'static {
    read_after(warp::any().map(warp::reply), slot, read).map(|(_, read): (Response, _)| read)
}

/// Runs `filter`, then calls `read` with the request's method and headers, borrowed, and
/// extracts the filter's response with what `read` returned (`None` only if a warp release
/// stopped calling its log hook as described here, which every test of this crate would
/// show).
///
/// warp lends the request only to its own filters and hooks: a filter of ours can copy the
/// headers (`header::headers_cloned`, a map copy whose custom-named headers each allocate
/// on their first clone), but only `log::custom` hands them over borrowed, to its function,
/// as the filter it wraps completes. The `map` after the hook runs in that same poll, on the
/// same thread, with nothing in between: a thread-local carries the result across, and no
/// other request can run between the two and see it.
fn read_after<F, R, T>(
    filter: F,
    slot: &'static LocalKey<Cell<Option<T>>>,
    read: impl Fn(&Method, &HeaderMap) -> T + Clone + Send + Sync + 'static,
) -> impl Filter<Extract = ((Response, Option<T>),), Error = Infallible> + Clone + Send + Sync + 'static
where
    F: Filter<Extract = (R,), Error = Infallible> + Clone + Send + Sync + 'static,
    R: Reply,
    T: 'static,
{
    filter
        .with(warp::log::custom(move |info: Info<'_>| {
            slot.set(Some(read(info.method(), info.request_headers())));
        }))
        .map(taken(slot))
}

/// The function that takes what [`read_after`]'s hook left in `slot`, beside the response.
fn taken<R: Reply, T: 'static>(
    slot: &'static LocalKey<Cell<Option<T>>>,
) -> impl Fn(R) -> (Response, Option<T>) + Clone + Send + Sync + 'static {
    move |reply| {
        let read = slot.take();
        if read.is_none() {
            tracing::error!("warp did not call its log hook in time: no CORS decision");
        }
        (reply.into_response(), read)
    }
}

/// The error type of a filter [`wrap`] takes: warp's [`Rejection`](warp::Rejection), or
/// [`Infallible`] for a filter that never rejects (one that recovers its own rejections).
pub trait FilterError: sealed::Sealed + Send + Sized + 'static {
    /// `filter`'s response, or the one warp would make of its rejection
    /// ([`rejection_response`]).
    #[doc(hidden)]
    fn outcome<F, R>(
        filter: F,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Reply;
}

impl FilterError for warp::Rejection {
    fn outcome<F, R>(
        filter: F,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Reply,
    {
        filter
            .map(|reply: R| reply.into_response())
            .recover(|rejection: warp::Rejection| {
                ready(Ok::<_, Infallible>(rejection_response(&rejection)))
            })
            .unify()
    }
}

impl FilterError for Infallible {
    fn outcome<F, R>(
        filter: F,
    ) -> impl Filter<Extract = (Response,), Error = Infallible> + Clone + Send + Sync + 'static
    where
        F: Filter<Extract = (R,), Error = Self> + Clone + Send + Sync + 'static,
        R: Reply,
    {
        filter.map(|reply: R| reply.into_response())
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for warp::Rejection {}
    impl Sealed for std::convert::Infallible {}
}

/// Answers a preflight the policy answers itself (an empty body, the policy's status and
/// headers); `None` for any other request, which the second branch of [`wrap`] decides.
/// (`checked`: the application's origin check allowed the request's origin.)
fn answer(cors: &Cors, method: &Method, headers: &HeaderMap, checked: bool) -> Option<Response> {
    let (mut request, echoes) = kit::read(method, headers);
    if checked {
        request.allow_checked_origin();
    }
    let decision = cors.decide(&request);
    let status = decision.respond_now()?;
    log_rejection(cors, &request, &decision, method);
    let mut response = status.into_response();
    kit::write(decision.headers(), &echoes, response.headers_mut());
    Some(response)
}

/// The headers to add to the filter's response. For an `OPTIONS` request that [`answer`]
/// decided and let through, this is the second decision (see the comment in [`wrap`]).
fn forward(cors: &Cors, method: &Method, headers: &HeaderMap, checked: bool) -> HttpHeaders {
    let (mut request, echoes) = kit::read(method, headers);
    if checked {
        request.allow_checked_origin();
    }
    let decision = cors.decide(&request);
    log_rejection(cors, &request, &decision, method);
    // Echoed values are clones of the request's own header values (a reference-count bump
    // on hyper's read buffer), not copies of their bytes.
    kit::own(decision.headers(), &echoes)
}

/// Logs why the policy refused the request, if it did. Each request is logged once: by
/// [`answer`] when it answers, else by [`forward`].
fn log_rejection(cors: &Cors, request: &CorsRequest<'_>, decision: &Decision<'_>, method: &Method) {
    if let Some(rejection) = decision.rejection() {
        if cors.should_warn(request, rejection) {
            tracing::warn!(method = %method, "{rejection}");
        } else {
            tracing::debug!(method = %method, "{rejection}");
        }
    }
}

/// The filter's response (or the one warp would make of its rejection), with the headers.
fn finish((mut response, headers): (Response, Option<HttpHeaders>)) -> Response {
    headers.unwrap_or_default().write_to(response.headers_mut());
    response
}

/// The response warp's server makes of a rejection nobody recovered, which the wrapper must
/// make itself to add headers to it (warp keeps its own conversion private).
///
/// - [`not_found`](warp::reject::not_found): 404, empty.
/// - warp's built-in rejections (a method filter's 405, a header, query or body filter's
///   400, 411, 413, 415...): their status, and their message as `text/plain`. Of several
///   rejections combined by [`Filter::or`], warp answers the one it prefers (any status
///   over 405, then the highest), and so does this.
/// - Anything else, a custom rejection above all: 500, logged as an error, as warp does.
///
/// Two cases differ from warp, because warp cannot be asked: a few built-in rejections
/// that warp does not export (a request body that fails to arrive, 400; a file the
/// process may not read, 403; and, with warp's `websocket` feature, a missing upgrade,
/// 400) become 500 here; and when a custom rejection is combined with a built-in one, the
/// built-in one is answered where warp would answer 500.
///
/// ```
/// use warp::http::StatusCode;
///
/// let response = fetch_cors_warp::rejection_response(&warp::reject::not_found());
/// assert_eq!(response.status(), StatusCode::NOT_FOUND);
/// ```
pub fn rejection_response(rejection: &warp::Rejection) -> Response {
    use warp::filters::{body::BodyDeserializeError, cors::CorsForbidden, ext::MissingExtension};
    use warp::reject::{
        InvalidHeader, InvalidQuery, LengthRequired, MethodNotAllowed, MissingCookie,
        MissingHeader, PayloadTooLarge, UnsupportedMediaType,
    };

    if rejection.is_not_found() {
        return StatusCode::NOT_FOUND.into_response();
    }
    // `find` returns a rejection of the type asked for wherever it sits in a combination.
    fn found<T: Display + 'static>(
        rejection: &warp::Rejection,
        status: StatusCode,
    ) -> Option<(StatusCode, &dyn Display)> {
        rejection.find::<T>().map(|r| (status, r as &dyn Display))
    }
    let known = [
        found::<MethodNotAllowed>(rejection, StatusCode::METHOD_NOT_ALLOWED),
        found::<InvalidHeader>(rejection, StatusCode::BAD_REQUEST),
        found::<MissingHeader>(rejection, StatusCode::BAD_REQUEST),
        found::<MissingCookie>(rejection, StatusCode::BAD_REQUEST),
        found::<InvalidQuery>(rejection, StatusCode::BAD_REQUEST),
        found::<BodyDeserializeError>(rejection, StatusCode::BAD_REQUEST),
        found::<LengthRequired>(rejection, StatusCode::LENGTH_REQUIRED),
        found::<PayloadTooLarge>(rejection, StatusCode::PAYLOAD_TOO_LARGE),
        found::<UnsupportedMediaType>(rejection, StatusCode::UNSUPPORTED_MEDIA_TYPE),
        found::<CorsForbidden>(rejection, StatusCode::FORBIDDEN),
        found::<MissingExtension>(rejection, StatusCode::INTERNAL_SERVER_ERROR),
    ];
    // warp's preference between two rejections: 405 below any other status, then the
    // higher status; on a tie the first (`reduce` keeps it).
    let rank = |status: StatusCode| (status != StatusCode::METHOD_NOT_ALLOWED, status);
    let preferred = known
        .into_iter()
        .flatten()
        .reduce(|a, b| if rank(b.0) > rank(a.0) { b } else { a });
    match preferred {
        Some((status, message)) => text_response(status, message.to_string()),
        None => {
            tracing::error!("unhandled custom rejection, returning 500 response: {rejection:?}");
            // warp's body names the rejection inside its `Rejection(...)` wrapper.
            let debug = format!("{rejection:?}");
            let inner = debug
                .strip_prefix("Rejection(")
                .and_then(|rest| rest.strip_suffix(')'))
                .unwrap_or(&debug);
            text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Unhandled rejection: {inner}"),
            )
        }
    }
}

/// A warp rejection's body: its message as `text/plain; charset=utf-8`, which is what a
/// `String` reply says.
fn text_response(status: StatusCode, message: String) -> Response {
    let mut response = message.into_response();
    *response.status_mut() = status;
    response
}

/// The crate's README (its crate-registry page), whose Rust blocks run as doctests so that
/// its quick start keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
