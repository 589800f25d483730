//! Allowed origins kept in a database (here SQLite), two ways side by side.
//!
//! Your own front end is in the code; your customers' origins are rows of a table that an
//! admin screen edits while the server runs. Two ways to serve them:
//!
//! **(a) Refresh a live policy.** A [`Refresher`] reads the whole table, builds a policy from
//! the rows and [`LiveCors::replace`]s the one the layer holds: every
//! [`Refresher::run_every`] period in the background, and at once when the admin screen
//! calls [`Refresher::refresh`] after its change. Requests never touch the database: the
//! layer decides from the policy in memory, so the cost per request is a fixed policy's. A
//! change made elsewhere (another instance, a hand-written `UPDATE`) takes up to one period.
//!
//! **(b) Ask the table per origin.** The layer holds a fixed policy (your own front end) and
//! an [`OriginCheck`] that looks an origin up in the table, for the origins the policy
//! leaves undecided only ([`Cors::origin_to_check`]: never a listed one, never `null`, never
//! a malformed value). The lookup runs on tokio's blocking pool (SQLite is a blocking
//! library), and its verdict is kept in a bounded cache ([`Verdicts`]) for a TTL, so only
//! the first request from an origin (per TTL) pays a query; concurrent first requests from
//! one origin share it. A database that fails or is slower than the check's timeout refuses
//! the origin (logged at `warn` by the layer): the browser sees a refused CORS request, your
//! handler still answers, nothing becomes a 500.
//!
//! **Which?** (a) when the list fits in memory (thousands of origins, not millions) and
//! changes are rare: zero per-request cost, and the refresh is the only reader of the table.
//! (b) when the list is huge or per tenant, or lives in a service you would rather not copy:
//! the first request per origin pays a query, a verdict is as old as the TTL at most, and
//! the database's health is on the request path (a slow database slows a first request by
//! up to the check's timeout). `cargo bench -p fetch-cors-recipes --bench origins` measures
//! both; the numbers are in the recipes' README.
//!
//! **Bad rows.** The table is edited by people, so a refresh must survive a typo: a row that
//! is not a serialized origin (`https://a.example/`, `HTTPS://A.EXAMPLE`), one a browser
//! never sends, or an `http://` origin the credentialed policy cannot trust is **left out
//! and logged** at `warn` at every refresh until it is fixed, and the other rows go live.
//! Keeping the whole old policy instead would let one bad row freeze every later change. The
//! rows `*` and `null` are left out too: they are policy decisions (any origin; every
//! sandboxed document and local file), not sites, and a row must never make them. The old
//! policy is kept only when the table cannot be read or the policy in code is itself wrong.
//! The admin screen refuses such rows up front with the same explanation
//! ([`ConfigError`] names the field, the value and the fix).
//!
//! **The check sees the origin only**, never a path, a cookie or a tenant header: the
//! browser's preflight cache and any shared cache keyed on `Vary: Origin` keep one answer per
//! origin, so a verdict that depended on anything else would be served to requests it was
//! not made for (cache poisoning). The verdict cache here is keyed the same way.
//!
//! Run it with `cargo run -p fetch-cors-recipes --example origins_sqlite [origins.db]`; the
//! API listens on 127.0.0.1:3000 (way (a) under `/refreshed`, way (b) under `/checked`) and
//! the admin API on 127.0.0.1:3001 (internal: put your authentication in front of it).
//!
//! ```text
//! curl -i localhost:3001/origins -d 'https://tenant.example'      # admin: allow it
//! curl -i localhost:3000/refreshed/items -H 'origin: https://tenant.example'
//! curl -i localhost:3000/checked/items -H 'origin: https://tenant.example'
//! curl -i localhost:3001/origins -d 'https://tenant.example/'     # 400, and why
//! curl -i -X DELETE localhost:3001/origins -d 'https://tenant.example'
//! sqlite3 origins.db "INSERT INTO cors_origins VALUES ('https://b.example')"
//! # (a) allows it within 30 s; (b) at once, or within 60 s if it refused it just before.
//! ```

use std::error::Error;
use std::future::IntoFuture;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use fetch_cors_axum::fetch_cors::{ConfigError, CorsBuilder, Field, OriginCheck, Problem};
use fetch_cors_axum::{Cors, CorsLayer, LiveCors};
use quick_cache::sync::{Cache, EntryAction, EntryResult};
use rusqlite::{Connection, OptionalExtension};
use tokio::net::TcpListener;

/// What the recipe's fallible steps return.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// The table: one serialized origin per row, as a browser sends it in `Origin` (scheme, host,
/// and port when not the default; no path, no trailing slash). `STRICT`: every row is text.
pub const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS cors_origins (origin TEXT PRIMARY KEY NOT NULL) STRICT";

/// Your own front end, allowed in code whatever the table says.
pub const APP_ORIGIN: &str = "https://app.example.com";

/// Everything but the table's origins: your front end, methods, headers, credentials,
/// max-age. Both ways build on it.
pub fn base_policy() -> CorsBuilder {
    Cors::builder()
        .allow_origin(APP_ORIGIN)
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type"])
        .allow_credentials(true)
        .max_age(600)
}

// ---------------------------------------------------------------------------------------
// The table.

/// The database: one connection behind a mutex, used only from blocking code
/// ([`Origins::blocking`]). With many concurrent lookups, use a pool (r2d2-sqlite,
/// deadpool-sqlite) the same way.
#[derive(Clone)]
pub struct Origins {
    connection: Arc<Mutex<Connection>>,
    lookups: Arc<AtomicU64>,
}

impl Origins {
    /// Opens (or creates) the database file at `path`, with the table.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Self> {
        Self::with(Connection::open(path)?)
    }

    /// A database in memory, with the table (for tests and benchmarks).
    pub fn in_memory() -> rusqlite::Result<Self> {
        Self::with(Connection::open_in_memory()?)
    }

    fn with(connection: Connection) -> rusqlite::Result<Self> {
        connection.execute_batch(SCHEMA)?;
        Ok(Origins {
            connection: Arc::new(Mutex::new(connection)),
            lookups: Arc::default(),
        })
    }

    /// Runs `f` on the connection. Blocking: call it from [`Origins::blocking`] in async code.
    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        // A panic in another query leaves SQLite consistent; the mutex poisoning says nothing.
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&connection)
    }

    /// Runs `f` on tokio's blocking pool, so a slow disk never stalls the runtime's workers.
    pub async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&Origins) -> Result<T, E> + Send + 'static,
    ) -> Result<T, BoxError>
    where
        T: Send + 'static,
        E: Into<BoxError> + Send + 'static,
    {
        let origins = self.clone();
        tokio::task::spawn_blocking(move || f(&origins))
            .await?
            .map_err(Into::into)
    }

    /// Adds `origin`; whether it was new.
    pub fn insert(&self, origin: &str) -> rusqlite::Result<bool> {
        self.with_connection(|c| {
            c.execute("INSERT OR IGNORE INTO cors_origins VALUES (?1)", [origin])
                .map(|n| n == 1)
        })
    }

    /// Removes `origin`; whether it was there.
    pub fn delete(&self, origin: &str) -> rusqlite::Result<bool> {
        self.with_connection(|c| {
            c.execute("DELETE FROM cors_origins WHERE origin = ?1", [origin])
                .map(|n| n == 1)
        })
    }

    /// Every row (way (a)).
    pub fn rows(&self) -> rusqlite::Result<Vec<String>> {
        self.with_connection(|c| {
            c.prepare_cached("SELECT origin FROM cors_origins ORDER BY origin")?
                .query_map([], |row| row.get(0))?
                .collect()
        })
    }

    /// Whether `origin` has a row (way (b)): one lookup on the primary key.
    pub fn contains(&self, origin: &str) -> rusqlite::Result<bool> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        self.with_connection(|c| {
            c.prepare_cached("SELECT 1 FROM cors_origins WHERE origin = ?1")?
                .query_row([origin], |_| Ok(()))
                .optional()
                .map(|row| row.is_some())
        })
    }

    /// How many [`Origins::contains`] lookups were made: a metric worth exporting (it
    /// tells how well the verdict cache works), and what the recipe's test counts.
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
}

// ---------------------------------------------------------------------------------------
// Way (a): refresh a live policy from the table.

/// A row a refresh left out, and why (the [`Problem`]'s explanation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub row: String,
    pub why: String,
}

/// What a refresh put live.
#[derive(Debug)]
pub struct Refreshed {
    /// Rows now allowed.
    pub allowed: usize,
    /// Rows left out.
    pub skipped: Vec<Skipped>,
}

/// The policy for these rows on top of [`base_policy`], and what it allows and leaves out
/// (see the module documentation, "Bad rows"). An error means the policy in code is wrong,
/// whatever the rows: keep the old policy.
pub fn policy_from_rows(rows: Vec<String>) -> Result<(Cors, Refreshed), ConfigError> {
    let (policy_words, mut rows): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|row| row == "*" || row == "null");
    let mut skipped: Vec<Skipped> = policy_words
        .into_iter()
        .map(|row| Skipped {
            why: format!(
                "`{row}` is a policy decision, not a site: allow it in the code if it is meant"
            ),
            row,
        })
        .collect();

    let error = match base_policy().allow_origins(&rows).build() {
        Ok(cors) => {
            let allowed = rows.len();
            return Ok((cors, Refreshed { allowed, skipped }));
        }
        Err(error) => error,
    };
    // Every problem a row can cause names the row as its `value`: leave those rows out and
    // build again. A problem that names no row is the code's, and keeps the old policy.
    let mut bad = Vec::new();
    for problem in error.problems() {
        match problem {
            Problem::InvalidOrigin {
                field: Field::AllowOrigins,
                value,
                ..
            }
            | Problem::NeverSent {
                field: Field::AllowOrigins,
                value,
                ..
            }
            | Problem::InsecureOriginWithCredentials {
                field: Field::AllowOrigins,
                value,
                ..
            } => bad.push(Skipped {
                row: value.clone(),
                why: problem.to_string(),
            }),
            _ => return Err(error),
        }
    }
    rows.retain(|row| !bad.iter().any(|skipped| &skipped.row == row));
    skipped.extend(bad);
    let allowed = rows.len();
    let cors = base_policy().allow_origins(rows).build()?;
    Ok((cors, Refreshed { allowed, skipped }))
}

/// Why the admin screen refuses `origin`: what a refresh would say when leaving it out.
pub fn row_problem(origin: &str) -> Option<String> {
    match policy_from_rows(vec![origin.to_owned()]) {
        Ok((_, refreshed)) => refreshed
            .skipped
            .into_iter()
            .next()
            .map(|skipped| skipped.why),
        Err(error) => Some(error.one_line()),
    }
}

/// Keeps a [`LiveCors`] in step with the table.
#[derive(Clone)]
pub struct Refresher {
    origins: Origins,
    live: LiveCors,
    /// One refresh at a time: a refresh that read the table earlier must never replace the
    /// policy after one that read it later (the admin's change would be undone for a period).
    one_at_a_time: Arc<tokio::sync::Mutex<()>>,
}

impl Refresher {
    /// Reads the table for the first policy. Fails if the table cannot be read: with no
    /// old policy to keep, refusing to start is better than serving none of the origins.
    pub async fn start(origins: Origins) -> Result<(Refresher, Refreshed), BoxError> {
        let rows = origins.blocking(Origins::rows).await?;
        let (cors, refreshed) = policy_from_rows(rows)?;
        log_skipped(&refreshed.skipped);
        let refresher = Refresher {
            origins,
            live: LiveCors::new(cors),
            one_at_a_time: Arc::default(),
        };
        Ok((refresher, refreshed))
    }

    /// The live policy, for [`CorsLayer::new`].
    pub fn live(&self) -> LiveCors {
        self.live.clone()
    }

    /// Reads the table now and replaces the policy; requests starting after this returns
    /// see the table as it was read. Call it after an admin change. On an error the old
    /// policy keeps serving.
    pub async fn refresh(&self) -> Result<Refreshed, BoxError> {
        let _one_at_a_time = self.one_at_a_time.lock().await;
        let rows = self.origins.blocking(Origins::rows).await?;
        let (cors, refreshed) = policy_from_rows(rows)?;
        log_skipped(&refreshed.skipped);
        self.live.replace(cors)?;
        Ok(refreshed)
    }

    /// Refreshes every `period`, for changes made elsewhere; run it with `tokio::spawn`.
    pub async fn run_every(self, period: Duration) {
        let mut ticks = tokio::time::interval(period);
        // A slow refresh delays the next one rather than causing a burst.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // the first tick is now, and `start` has just read the table
        loop {
            ticks.tick().await;
            if let Err(error) = self.refresh().await {
                tracing::warn!("CORS origins: refresh failed, the policy is kept: {error}");
            }
        }
    }
}

fn log_skipped(skipped: &[Skipped]) {
    for Skipped { row, why } in skipped {
        tracing::warn!(row, "CORS origins: a row is left out: {why}");
    }
}

// ---------------------------------------------------------------------------------------
// Way (b): ask the table per origin, with a cache of verdicts.

/// The check's verdicts, at most `capacity` origins, each for `ttl`. Keyed on the origin
/// alone, like the check itself. Refused origins are kept too, so that a stream of requests
/// from one unknown origin costs one lookup per TTL; a failed lookup is not kept, so a
/// database that comes back is asked again at once.
///
/// quick_cache evicts with CLOCK-PRO, so a flood of one-off origins (an attacker spraying
/// `Origin` values) pushes out other one-off entries before the origins seen again and
/// again; memory stays bounded by `capacity` whatever arrives.
#[derive(Clone)]
pub struct Verdicts {
    cache: Arc<Cache<String, Verdict>>,
    ttl: Duration,
}

#[derive(Clone, Copy)]
struct Verdict {
    allowed: bool,
    until: Instant,
}

impl Verdict {
    fn fresh(&self) -> bool {
        Instant::now() < self.until
    }
}

impl Verdicts {
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Verdicts {
            cache: Arc::new(Cache::new(capacity)),
            ttl,
        }
    }

    /// Forgets the verdict on `origin`: call it after writing a change to its row. A lookup
    /// under way keeps nothing either (removing the entry drops its placeholder, so the
    /// lookup's `insert` fails), so no verdict read before the change outlives this call.
    pub fn forget(&self, origin: &str) {
        self.cache.remove(origin);
    }

    /// How many verdicts are kept.
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// The most kept at once.
    pub fn capacity(&self) -> u64 {
        self.cache.capacity()
    }

    /// The kept verdict on `origin`, or a lookup in `origins` (made once for concurrent
    /// callers) whose verdict is kept.
    async fn allowed(&self, origin: String, origins: &Origins) -> Result<bool, BoxError> {
        // The usual case, under the shard's read lock.
        if let Some(verdict) = self.cache.get(origin.as_str()).filter(Verdict::fresh) {
            return Ok(verdict.allowed);
        }
        let entry = self
            .cache
            .entry_async(origin.as_str(), |_, verdict| {
                if verdict.fresh() {
                    EntryAction::Retain(verdict.allowed)
                } else {
                    EntryAction::ReplaceWithGuard
                }
            })
            .await;
        // Callers arriving while the guard is held wait for its verdict; if the lookup fails
        // or times out, the guard is dropped unfilled and the next caller looks up anew.
        let guard = match entry {
            EntryResult::Retained(allowed) => return Ok(allowed),
            EntryResult::Vacant(guard) | EntryResult::Replaced(guard, _) => Some(guard),
            // Neither comes from `entry_async` with this callback; look up, keep nothing.
            EntryResult::Removed(..) | EntryResult::Timeout => None,
        };
        let allowed = origins
            .blocking(move |origins| origins.contains(&origin))
            .await?;
        if let Some(guard) = guard {
            let until = Instant::now() + self.ttl;
            // Err when `forget` removed the entry meanwhile: the verdict may predate an admin
            // change, so it is not kept (it still answers this request and its waiters).
            let _ = guard.insert(Verdict { allowed, until });
        }
        Ok(allowed)
    }
}

/// The check for [`CorsLayer::check_origins`]: is the origin a row of the table?
pub fn origin_check(origins: Origins, verdicts: Verdicts, timeout: Duration) -> OriginCheck {
    OriginCheck::new(timeout, move |origin: String| {
        let (origins, verdicts) = (origins.clone(), verdicts.clone());
        async move { verdicts.allowed(origin, &origins).await }
    })
}

// ---------------------------------------------------------------------------------------
// The application.

/// The API: what sits behind the CORS layer.
pub fn items() -> Router {
    Router::new().route(
        "/items",
        get(|| async { "[]" })
            .put(|| async { "stored" })
            .delete(|| async { "deleted" }),
    )
}

/// Way (a): the API behind the live policy.
pub fn refreshed_app(live: LiveCors) -> Router {
    items().layer(CorsLayer::new(live))
}

/// Way (b): the API behind the policy in code and the check.
pub fn checked_app(check: OriginCheck) -> Router {
    let cors = base_policy().build().expect("the policy in code is valid");
    items().layer(CorsLayer::new(cors).check_origins(check))
}

/// What the admin screen changes, and what must hear of a change.
#[derive(Clone)]
pub struct Admin {
    pub origins: Origins,
    pub refresher: Refresher,
    pub verdicts: Verdicts,
}

/// The admin API: `POST /origins` and `DELETE /origins` with the origin as the body. Each
/// answers once the change is live both ways. Internal: put your authentication in front.
pub fn admin_app(admin: Admin) -> Router {
    Router::new()
        .route("/origins", post(allow).delete(revoke))
        .with_state(admin)
}

async fn allow(State(admin): State<Admin>, origin: String) -> (StatusCode, String) {
    let origin = origin.trim().to_owned();
    if let Some(why) = row_problem(&origin) {
        return (StatusCode::BAD_REQUEST, format!("{why}\n"));
    }
    let row = origin.clone();
    if let Err(error) = admin.origins.blocking(move |db| db.insert(&row)).await {
        return (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n"));
    }
    admin.pushed(&origin, StatusCode::CREATED).await
}

async fn revoke(State(admin): State<Admin>, origin: String) -> (StatusCode, String) {
    let origin = origin.trim().to_owned();
    let row = origin.clone();
    match admin.origins.blocking(move |db| db.delete(&row)).await {
        Ok(true) => admin.pushed(&origin, StatusCode::OK).await,
        Ok(false) => (StatusCode::NOT_FOUND, "no such row\n".to_owned()),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{error}\n")),
    }
}

impl Admin {
    /// Pushes a change of `origin`'s row: way (a) re-reads the table, way (b) forgets its
    /// verdict. (An application uses one way; this one serves both.)
    async fn pushed(&self, origin: &str, done: StatusCode) -> (StatusCode, String) {
        // After the write, never before: a lookup between the two would re-read the old row.
        self.verdicts.forget(origin);
        match self.refresher.refresh().await {
            Ok(_) => (done, "live\n".to_owned()),
            Err(error) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("stored, but the policy was kept: {error}\n"),
            ),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "origins.db".into());
    let origins = Origins::open(&path)?;

    let (refresher, refreshed) = Refresher::start(origins.clone()).await?;
    tokio::spawn(refresher.clone().run_every(Duration::from_secs(30)));
    let verdicts = Verdicts::new(10_000, Duration::from_secs(60));
    let check = origin_check(
        origins.clone(),
        verdicts.clone(),
        Duration::from_millis(250),
    );

    let api = Router::new()
        .nest("/refreshed", refreshed_app(refresher.live()))
        .nest("/checked", checked_app(check));
    let admin = admin_app(Admin {
        origins,
        refresher,
        verdicts,
    });

    let public = TcpListener::bind("127.0.0.1:3000").await?;
    let internal = TcpListener::bind("127.0.0.1:3001").await?;
    println!(
        "{path}: {} origins allowed, {} rows left out; API on http://{}, admin on http://{}",
        refreshed.allowed,
        refreshed.skipped.len(),
        public.local_addr()?,
        internal.local_addr()?
    );
    tokio::try_join!(
        axum::serve(public, api).into_future(),
        axum::serve(internal, admin).into_future()
    )?;
    Ok(())
}
