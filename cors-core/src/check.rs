//! An origin check the application makes itself, asynchronously (origins held in a database
//! or a remote service), whose verdict the adapter hands to the synchronous core.

use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use crate::policy::Cors;
use crate::request::CorsRequest;

/// What an origin check may fail with.
pub type CheckError = Box<dyn Error + Send + Sync>;

/// The future an [`OriginCheck`] returns: boxed, since a check is the application's own
/// (and is asked only about origins the policy leaves undecided, off the fast path).
pub type CheckFuture = Pin<Box<dyn Future<Output = Result<bool, CheckError>> + Send>>;

/// An asynchronous origin check: for origins the policy's lists leave undecided (see
/// [`Cors::origin_to_check`](crate::Cors::origin_to_check)), the adapter awaits it, for at
/// most its timeout, and hands the verdict to the policy
/// ([`CorsRequest::allow_checked_origin`](crate::CorsRequest::allow_checked_origin)). A check
/// that fails or times out counts as "not allowed" and is logged; it never becomes an error
/// response.
///
/// The check sees the origin only, on purpose: a verdict that depended on other parts of the
/// request (a path, a cookie, a tenant header) would still be one answer per origin to the
/// browser's preflight cache and to shared caches keyed on `Vary: Origin`, so one request's
/// verdict would be served to another (cache poisoning). Cache verdicts yourself if the
/// source is slow; see the README's "Changing the policy while serving".
///
/// ```
/// use std::time::Duration;
/// use fetch_cors::OriginCheck;
///
/// let check = OriginCheck::new(Duration::from_millis(200), |origin: String| async move {
///     // A database or a remote service would be asked here.
///     Ok::<_, std::io::Error>(origin.ends_with(".customer.example"))
/// });
/// assert_eq!(check.timeout(), Duration::from_millis(200));
/// ```
#[derive(Clone)]
pub struct OriginCheck {
    check: Arc<dyn Fn(String) -> CheckFuture + Send + Sync>,
    timeout: Duration,
}

impl fmt::Debug for OriginCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginCheck")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OriginCheck {
    /// A check that `check` makes for an origin (a serialized origin, such as
    /// `https://tenant.example.net`), given at most `timeout` each time.
    pub fn new<F, Fut, E>(timeout: Duration, check: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, E>> + Send + 'static,
        E: Into<CheckError>,
    {
        OriginCheck {
            check: Arc::new(move |origin| {
                let verdict = check(origin);
                Box::pin(async move { verdict.await.map_err(Into::into) })
            }),
            timeout,
        }
    }

    /// How long the adapter waits for a verdict.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs the check for `origin` against `timer`, a future of the framework's runtime that
    /// completes after [`OriginCheck::timeout`] (`tokio::time::sleep(check.timeout())`):
    /// whichever finishes first decides. `Ok(true)` allows the origin; anything else refuses
    /// it, and a [`CheckFailed`] says why for the log.
    ///
    /// (A two-way race is a `poll_fn` in `std`: no need for an async runtime or the `futures`
    /// crate in a synchronous core.)
    pub async fn run(
        &self,
        origin: &str,
        timer: impl Future<Output = ()>,
    ) -> Result<bool, CheckFailed> {
        let mut verdict = (self.check)(origin.to_owned());
        let mut timer = pin!(timer);
        poll_fn(|cx| {
            if let Poll::Ready(verdict) = verdict.as_mut().poll(cx) {
                return Poll::Ready(verdict.map_err(|error| CheckFailed {
                    origin: origin.to_owned(),
                    cause: Cause::Failed(error),
                }));
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(CheckFailed {
                    origin: origin.to_owned(),
                    cause: Cause::TimedOut(self.timeout),
                }));
            }
            Poll::Pending
        })
        .await
    }
}

impl OriginCheck {
    /// For adapters: the check to await before deciding `req` under `cors` (the version this
    /// request loaded), or `None` when the policy decides it alone
    /// ([`Cors::origin_to_check`]).
    pub fn pending(&self, cors: &Cors, req: &CorsRequest<'_>) -> Option<PendingCheck> {
        let origin = cors.origin_to_check(req)?;
        Some(PendingCheck {
            check: self.clone(),
            origin: origin.to_owned(),
            cors: cors.clone(),
        })
    }
}

/// An origin check to await before deciding a request ([`OriginCheck::pending`]): owned, so
/// that it can cross an `.await`, with the version of the policy the request is decided by.
#[derive(Debug)]
pub struct PendingCheck {
    check: OriginCheck,
    origin: String,
    cors: Cors,
}

impl PendingCheck {
    /// How long the check may take: the timer to race it against.
    pub fn timeout(&self) -> Duration {
        self.check.timeout
    }

    /// Awaits the check against `timer` ([`OriginCheck::run`]) and returns the policy to
    /// decide the request by and whether the check allowed its origin (then mark the request
    /// with [`CorsRequest::allow_checked_origin`]). A check that gives no verdict refuses;
    /// `failed` hears why, for the log (at `warn`).
    pub async fn run(
        self,
        timer: impl Future<Output = ()>,
        failed: impl FnOnce(&CheckFailed),
    ) -> (Cors, bool) {
        let allowed = match self.check.run(&self.origin, timer).await {
            Ok(allowed) => allowed,
            Err(failure) => {
                failed(&failure);
                false
            }
        };
        (self.cors, allowed)
    }
}

/// Why an [`OriginCheck`] gave no verdict: it failed or timed out. The origin counts as not
/// allowed; adapters log this at `warn`.
#[derive(Debug)]
pub struct CheckFailed {
    origin: String,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    Failed(CheckError),
    TimedOut(Duration),
}

impl CheckFailed {
    /// The origin the check was asked about.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether the check ran out of time (rather than failing).
    pub fn timed_out(&self) -> bool {
        matches!(self.cause, Cause::TimedOut(_))
    }
}

impl fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Cause::Failed(error) => write!(
                f,
                "CORS: the origin check for `{}` failed ({error}); the origin is not allowed",
                self.origin
            ),
            Cause::TimedOut(after) => write!(
                f,
                "CORS: the origin check for `{}` gave no verdict within {after:?}; the origin is \
                 not allowed",
                self.origin
            ),
        }
    }
}

impl Error for CheckFailed {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.cause {
            Cause::Failed(error) => Some(error.as_ref()),
            Cause::TimedOut(_) => None,
        }
    }
}
