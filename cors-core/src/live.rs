//! A policy that its owner replaces while serving, and what adapters hold: a fixed policy or
//! a live one.

use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::{ArcSwap, Guard};

use crate::error::ConfigError;
use crate::policy::Cors;

/// A policy that can be replaced, whole, while serving: origins, patterns, methods, headers,
/// credentials, max-age, everything. Give it to any adapter in place of a [`Cors`]; every
/// adapter and clone sharing it sees a replacement from its next request on.
///
/// The swap is atomic ([`arc_swap`], a lock-free atomic `Arc` swap): each request is decided
/// by one policy from start to finish (a preflight's headers never mix two), a request in
/// progress finishes with the policy it started with, and loading the current policy takes no
/// lock and no allocation. An invalid replacement is an error and changes nothing.
///
/// Loading is cheaper still than an `arc-swap` load: each thread keeps the version it last
/// saw with the replacement count it saw then, so a load is one atomic read of that count
/// and a non-atomic reference-count bump, and only the first load on a thread after a
/// replacement goes to the swap (and allocates once, for the thread's copy). A thread that
/// no longer serves keeps its last version alive until it loads again or ends.
///
/// ```
/// use fetch_cors::{Cors, CorsRequest, LiveCors};
///
/// let live = LiveCors::new(Cors::builder().allow_origin("https://a.example").build()?);
/// let mut req = CorsRequest::new(b"GET");
/// req.add_origin(b"https://b.example");
/// assert!(live.load().decide(&req).rejection().is_some());
///
/// // An admin screen adds an origin: the next request sees it.
/// live.replace(Cors::builder().allow_origins(["https://a.example", "https://b.example"]).build()?)?;
/// assert!(live.load().decide(&req).rejection().is_none());
///
/// // A bad configuration is refused, and the policy stays as it was.
/// let bad = Cors::builder().allow_any_origin().allow_credentials(true).build();
/// assert!(bad.is_err());
/// # Ok::<(), fetch_cors::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct LiveCors {
    shared: Arc<Shared>,
}

struct Shared {
    /// Tells this policy's versions apart from another `LiveCors`'s in a thread's memory.
    id: u64,
    /// How many times the policy was replaced: a thread's copy is current while this is
    /// what it was when the copy was made.
    replacements: AtomicU64,
    current: ArcSwap<Cors>,
    /// The method restrictions of the frameworks serving it
    /// ([`Cors::restrict_methods`]), applied to every replacement. The lock also makes
    /// replacements one at a time; requests never take it.
    restrictions: Mutex<Vec<Restriction>>,
}

type Restriction = (&'static str, fn(&[u8]) -> bool);

/// Ids for [`Shared::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A version a thread saw, of the live policy `id`, after `replacements` replacements.
struct Seen {
    id: u64,
    replacements: u64,
    cors: Rc<Cors>,
}

/// How many live policies a thread remembers a version of; past it, the oldest is forgotten
/// (and loaded through the swap again when next used).
const SEEN_MAX: usize = 8;

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

impl fmt::Debug for LiveCors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveCors")
            .field("current", &self.shared.current.load())
            .finish_non_exhaustive()
    }
}

impl LiveCors {
    /// A live policy that starts as `cors`.
    pub fn new(cors: Cors) -> Self {
        LiveCors {
            shared: Arc::new(Shared {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                replacements: AtomicU64::new(0),
                current: ArcSwap::from_pointee(cors),
                restrictions: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The policy now: what a request starting now is decided by. Cheap (no lock, no
    /// allocation); hold it only while deciding one request.
    #[inline]
    pub fn load(&self) -> Current<'static> {
        match self.seen() {
            Some(cors) => Current(Loaded::Seen(cors)),
            // Only while the thread is being torn down, or from inside a load on this
            // thread (which never happens): the swap's own load.
            None => Current(Loaded::Live(self.shared.current.load())),
        }
    }

    /// This thread's copy of the current version, made afresh after a replacement.
    fn seen(&self) -> Option<Rc<Cors>> {
        // Acquire: a count read after a replacement's increment sees the version stored
        // before it.
        let replacements = self.shared.replacements.load(Ordering::Acquire);
        SEEN.try_with(|seen| {
            let mut seen = seen.try_borrow_mut().ok()?;
            if let Some(entry) = seen.iter_mut().find(|e| e.id == self.shared.id) {
                if entry.replacements != replacements {
                    entry.cors = Rc::new(Cors::clone(&self.shared.current.load()));
                    entry.replacements = replacements;
                }
                return Some(Rc::clone(&entry.cors));
            }
            if seen.len() >= SEEN_MAX {
                seen.remove(0);
            }
            let cors = Rc::new(Cors::clone(&self.shared.current.load()));
            seen.push(Seen {
                id: self.shared.id,
                replacements,
                cors: Rc::clone(&cors),
            });
            Some(cors)
        })
        .ok()
        .flatten()
    }

    /// Replaces the policy; requests that start afterwards use `cors`. Fails, changing
    /// nothing, only when a framework serving this policy cannot receive a method it lists
    /// (see [`Cors::restrict_methods`]).
    pub fn replace(&self, cors: Cors) -> Result<(), ConfigError> {
        let restrictions = self
            .shared
            .restrictions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut cors = cors;
        for (framework, can_receive) in restrictions.iter() {
            cors = cors.restrict_methods(framework, *can_receive)?;
        }
        self.shared.current.store(Arc::new(cors));
        // Release: a thread that reads the new count finds the new version stored.
        self.shared.replacements.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// Builds a policy from a configuration (a policy file's contents) and replaces the
    /// current one with it; an invalid configuration returns its [`ConfigError`] and changes
    /// nothing.
    ///
    /// ```
    /// use fetch_cors::{Config, Cors, LiveCors};
    ///
    /// let live = LiveCors::new(Cors::builder().allow_origin("https://a.example").build()?);
    /// let bad: Config = serde_json::from_str(r#"{"allow_origins": ["https://a.example/"]}"#).unwrap();
    /// let err = live.reconfigure(bad).unwrap_err();
    /// assert!(err.to_string().contains("allow_origins"));
    /// assert!(live.load().allows_origin(b"https://a.example"));
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    #[cfg(feature = "serde")]
    pub fn reconfigure(&self, config: crate::Config) -> Result<(), ConfigError> {
        self.replace(Cors::try_from(config)?)
    }

    /// For adapter authors: restricts this policy, now and at every replacement, to the
    /// methods `framework` can receive ([`Cors::restrict_methods`]). Fails, changing nothing,
    /// when the current policy lists a method it cannot receive.
    pub fn restrict_methods(
        &self,
        framework: &'static str,
        can_receive: fn(&[u8]) -> bool,
    ) -> Result<(), ConfigError> {
        let mut restrictions = self
            .shared
            .restrictions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let restricted = self
            .shared
            .current
            .load()
            .restrict_methods(framework, can_receive)?;
        self.shared.current.store(Arc::new(restricted));
        self.shared.replacements.fetch_add(1, Ordering::Release);
        restrictions.push((framework, can_receive));
        Ok(())
    }
}

/// The policy an adapter holds: a fixed [`Cors`], or a [`LiveCors`] its owner replaces while
/// serving. Adapters take `impl Into<CorsSource>`, so either goes where a policy goes.
#[derive(Debug, Clone)]
pub enum CorsSource {
    /// A policy that never changes.
    Fixed(Cors),
    /// A policy that may be replaced while serving.
    Live(LiveCors),
}

impl From<Cors> for CorsSource {
    fn from(cors: Cors) -> Self {
        CorsSource::Fixed(cors)
    }
}

impl From<LiveCors> for CorsSource {
    fn from(live: LiveCors) -> Self {
        CorsSource::Live(live)
    }
}

impl CorsSource {
    /// The policy a request starting now is decided by: a borrow of a fixed policy, or the
    /// live policy's current one. Hold it while deciding one request, not longer.
    #[inline]
    pub fn load(&self) -> Current<'_> {
        match self {
            CorsSource::Fixed(cors) => Current(Loaded::Fixed(cors)),
            CorsSource::Live(live) => live.load(),
        }
    }

    /// For adapter authors: [`Cors::restrict_methods`] for a fixed policy, and
    /// [`LiveCors::restrict_methods`] (now and at every replacement) for a live one.
    pub fn restrict_methods(
        self,
        framework: &'static str,
        can_receive: fn(&[u8]) -> bool,
    ) -> Result<CorsSource, ConfigError> {
        match self {
            CorsSource::Fixed(cors) => cors
                .restrict_methods(framework, can_receive)
                .map(CorsSource::Fixed),
            CorsSource::Live(live) => {
                live.restrict_methods(framework, can_receive)?;
                Ok(CorsSource::Live(live))
            }
        }
    }
}

/// The policy in force for one request, from [`CorsSource::load`] or [`LiveCors::load`]:
/// it dereferences to [`Cors`]. A live policy replaced meanwhile stays alive until this is
/// dropped. It stays on the thread that loaded it (it is not `Send`): to carry the policy
/// across an `.await`, clone the [`Cors`] it dereferences to.
pub struct Current<'a>(Loaded<'a>);

enum Loaded<'a> {
    Fixed(&'a Cors),
    Seen(Rc<Cors>),
    Live(Guard<Arc<Cors>>),
}

impl Deref for Current<'_> {
    type Target = Cors;

    #[inline]
    fn deref(&self) -> &Cors {
        match &self.0 {
            Loaded::Fixed(cors) => cors,
            Loaded::Seen(cors) => cors,
            Loaded::Live(guard) => guard,
        }
    }
}

impl fmt::Debug for Current<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Cors::fmt(self, f)
    }
}
