//! Refusals worth a warning: each distinct (origin, reason) once per time window, so that a
//! refusal in production is visible at `warn` without a flood.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ahash::RandomState;

use crate::decision::{Reason, Rejection};
use crate::policy::Cors;
use crate::request::CorsRequest;

/// At most this many (origin, reason) pairs are remembered; past it, the ones whose window
/// has passed are forgotten, and if none has, all are (a flood of distinct origins then
/// warns again once each, never more than this many per window on the same memory).
const REMEMBERED: usize = 4096;

/// When each (origin, reason) pair last warned. Keyed by a hash of the pair, so remembering
/// one costs no copy of the origin; two pairs that collide share a window, which only ever
/// silences a log line.
#[derive(Debug)]
pub(crate) struct WarnOnce {
    window: Duration,
    hasher: RandomState,
    warned: Mutex<HashMap<u64, Instant>>,
}

impl WarnOnce {
    pub(crate) fn new(window: Duration) -> Self {
        WarnOnce {
            window,
            hasher: RandomState::new(),
            warned: Mutex::new(HashMap::new()),
        }
    }

    fn first_in_window(&self, origin: &[u8], reason: Reason) -> bool {
        // Never wait for another thread's warning: a refusal that finds the map busy is
        // logged at debug only, as without this setting.
        let Ok(mut warned) = self.warned.try_lock() else {
            return false;
        };
        let key = self.hasher.hash_one((origin, reason));
        let now = Instant::now();
        if let Some(last) = warned.get(&key) {
            if now.duration_since(*last) < self.window {
                return false;
            }
        }
        if warned.len() >= REMEMBERED {
            warned.retain(|_, last| now.duration_since(*last) < self.window);
            if warned.len() >= REMEMBERED {
                warned.clear();
            }
        }
        warned.insert(key, now);
        true
    }
}

impl Cors {
    /// For adapters: whether to log this refusal at `warn` rather than `debug`. Always
    /// `false` unless the policy was built with
    /// [`CorsBuilder::warn_on_refusal`](crate::CorsBuilder::warn_on_refusal); then `true` for
    /// the first refusal of each (origin, reason) pair within the window. Never blocks.
    ///
    /// ```
    /// use std::time::Duration;
    /// use fetch_cors::{Cors, CorsRequest};
    ///
    /// let cors = Cors::builder()
    ///     .allow_origin("https://app.example.com")
    ///     .warn_on_refusal(Duration::from_secs(60))
    ///     .build()?;
    /// let mut req = CorsRequest::new(b"GET");
    /// req.add_origin(b"https://evil.example");
    /// let decision = cors.decide(&req);
    /// let rejection = decision.rejection().unwrap();
    /// assert!(cors.should_warn(&req, rejection)); // the first time: warn
    /// assert!(!cors.should_warn(&req, rejection)); // within the minute: debug only
    /// # Ok::<(), fetch_cors::ConfigError>(())
    /// ```
    pub fn should_warn(&self, req: &CorsRequest<'_>, rejection: &Rejection<'_>) -> bool {
        match &self.policy.warn_once {
            Some(warn_once) => {
                let origin = req.origin.first.unwrap_or_default();
                warn_once.first_in_window(origin, rejection.reason())
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_warns_once_per_window() {
        let once = WarnOnce::new(Duration::from_secs(3600));
        assert!(once.first_in_window(b"https://a.example", Reason::OriginNotAllowed));
        assert!(!once.first_in_window(b"https://a.example", Reason::OriginNotAllowed));
        assert!(once.first_in_window(b"https://b.example", Reason::OriginNotAllowed));
        assert!(once.first_in_window(b"https://a.example", Reason::MethodNotAllowed));
        assert!(!once.first_in_window(b"https://a.example", Reason::MethodNotAllowed));
    }

    #[test]
    fn a_zero_window_warns_every_time() {
        let once = WarnOnce::new(Duration::ZERO);
        for _ in 0..3 {
            assert!(once.first_in_window(b"https://a.example", Reason::OriginNotAllowed));
        }
    }

    #[test]
    fn a_flood_of_origins_stays_bounded() {
        let once = WarnOnce::new(Duration::from_secs(3600));
        for i in 0..3 * REMEMBERED {
            let origin = format!("https://o{i}.example");
            assert!(once.first_in_window(origin.as_bytes(), Reason::OriginNotAllowed));
        }
        assert!(once.warned.lock().unwrap().len() <= REMEMBERED);
    }
}
