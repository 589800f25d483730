//! [Fetch, CORS-preflight cache](https://fetch.spec.whatwg.org/#cors-preflight-cache): what a
//! browser remembers of successful preflights, and when a later fetch may skip its own.
//!
//! The network partition key (the top-level site the page is in) is not modelled: every
//! entry here belongs to one partition. Entries carry their max-age; removing them when it
//! has passed is the caller's business (nothing here reads a clock).

use super::preflight::Allowed;
use super::safelist::is_non_wildcard_name;
use super::Fetch;

/// One [cache entry](https://fetch.spec.whatwg.org/#cache-entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The byte-serialized origin of the request that made it.
    pub origin: String,
    /// The URL preflighted.
    pub url: String,
    /// Seconds it may be kept.
    pub max_age: u64,
    /// Whether the request had credentials mode `"include"`.
    pub credentials: bool,
    /// A method (or `*`), for a method entry.
    pub method: Option<String>,
    /// A header name (or `*`), for a header-name entry.
    pub header_name: Option<String>,
}

impl Entry {
    /// [Fetch, cache entry match](https://fetch.spec.whatwg.org/#concept-cache-match): same
    /// origin, same URL, and either the entry was made with credentials or the request is
    /// without them. So a preflight made with credentials serves requests without them, not
    /// the other way round.
    pub fn matches(&self, fetch: &Fetch) -> bool {
        self.origin == fetch.origin
            && self.url == fetch.url
            && (self.credentials || !fetch.credentials.is_include())
    }
}

/// A browser's CORS-preflight cache: a list of [`Entry`].
///
/// ```
/// use fetch_cors_cli::browser::cache::PreflightCache;
/// use fetch_cors_cli::browser::preflight::{self, check};
/// use fetch_cors_cli::browser::{Credentials, Fetch, HeaderList, Response};
///
/// let put = Fetch::new("https://a.example", "PUT", Credentials::Omit).with_url("https://api.example/x");
/// let answer = Response::new(204, HeaderList::from_pairs([
///     ("access-control-allow-origin", "*"),
///     ("access-control-allow-methods", "PUT, DELETE"),
///     ("access-control-max-age", "600"),
/// ]));
/// let mut cache = PreflightCache::default();
/// cache.store(&put, &check(&put, &answer).unwrap(), 7200);
///
/// let delete = Fetch::new("https://a.example", "DELETE", Credentials::Omit).with_url("https://api.example/x");
/// assert!(!preflight::is_needed(&delete, &cache));
/// let patch = Fetch::new("https://a.example", "PATCH", Credentials::Omit).with_url("https://api.example/x");
/// assert!(preflight::is_needed(&patch, &cache));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreflightCache {
    entries: Vec<Entry>,
}

impl PreflightCache {
    /// The entries, in the order made.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// [Fetch, method cache entry match](https://fetch.spec.whatwg.org/#concept-cache-match):
    /// an entry that matches the request and whose method is `method` or `*`.
    ///
    /// As written, an entry for `*` matches with credentials too: a credentialed preflight
    /// answered `Access-Control-Allow-Methods: PUT, *` stores `*` (step 7.13) although step
    /// 7.5 would not have accepted `*` alone. Chromium reads a cached `*` only without
    /// credentials; this follows the spec's text.
    pub fn has_method_match(&self, method: &str, fetch: &Fetch) -> bool {
        self.entries.iter().any(|e| {
            e.matches(fetch) && e.method.as_deref().is_some_and(|m| m == method || m == "*")
        })
    }

    /// [Fetch, header-name cache entry match](https://fetch.spec.whatwg.org/#concept-cache-match):
    /// an entry that matches the request and whose header name is `name` in any case, or `*`
    /// when `name` is not `Authorization`.
    pub fn has_header_name_match(&self, name: &str, fetch: &Fetch) -> bool {
        self.entries.iter().any(|e| {
            e.matches(fetch)
                && e.header_name.as_deref().is_some_and(|h| {
                    h.eq_ignore_ascii_case(name) || (h == "*" && !is_non_wildcard_name(name))
                })
        })
    }

    /// Records a successful preflight for `fetch`
    /// ([CORS-preflight fetch, steps 7.10-7.15](https://fetch.spec.whatwg.org/#cors-preflight-fetch)):
    /// max-age capped at `limit` (the browser's imposed limit); an entry per method and per
    /// header name, refreshing the max-age of those that already match.
    pub fn store(&mut self, fetch: &Fetch, allowed: &Allowed, limit: u64) {
        // Step 7.10.
        let max_age = allowed.max_age_seconds().min(limit);
        let new = |method: Option<&str>, header_name: Option<&str>| Entry {
            origin: fetch.origin.clone(),
            url: fetch.url.clone(),
            max_age,
            credentials: fetch.credentials.is_include(),
            method: method.map(str::to_owned),
            header_name: header_name.map(str::to_owned),
        };
        // Steps 7.12-7.13: refresh the first matching entry, or make one.
        for method in &allowed.methods {
            match self.entries.iter_mut().find(|e| {
                e.matches(fetch) && e.method.as_deref().is_some_and(|m| m == method || m == "*")
            }) {
                Some(entry) => entry.max_age = max_age,
                None => self.entries.push(new(Some(method), None)),
            }
        }
        // Steps 7.14-7.15.
        for name in &allowed.header_names {
            match self.entries.iter_mut().find(|e| {
                e.matches(fetch)
                    && e.header_name.as_deref().is_some_and(|h| {
                        h.eq_ignore_ascii_case(name) || (h == "*" && !is_non_wildcard_name(name))
                    })
            }) {
                Some(entry) => entry.max_age = max_age,
                None => self.entries.push(new(None, Some(name))),
            }
        }
    }

    /// [Fetch, clear cache entries](https://fetch.spec.whatwg.org/#concept-cache-clear): what
    /// a failed CORS fetch does (main fetch, step 12): every entry for the request's origin
    /// and URL goes.
    pub fn clear(&mut self, fetch: &Fetch) {
        self.entries
            .retain(|e| !(e.origin == fetch.origin && e.url == fetch.url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::{preflight, Credentials};

    const URL: &str = "https://api.example/items";

    fn fetch(method: &str, credentials: Credentials) -> Fetch {
        Fetch::new("https://app.example", method, credentials).with_url(URL)
    }

    fn allowed(methods: &[&str], names: &[&str], max_age: Option<u64>) -> Allowed {
        Allowed {
            methods: methods.iter().map(|m| m.to_string()).collect(),
            header_names: names.iter().map(|m| m.to_string()).collect(),
            max_age,
        }
    }

    #[test]
    fn an_entry_made_with_credentials_serves_both_modes() {
        let mut cache = PreflightCache::default();
        cache.store(
            &fetch("PUT", Credentials::Include),
            &allowed(&["PUT"], &[], None),
            7200,
        );
        assert!(cache.has_method_match("PUT", &fetch("PUT", Credentials::Include)));
        assert!(cache.has_method_match("PUT", &fetch("PUT", Credentials::Omit)));

        let mut cache = PreflightCache::default();
        cache.store(
            &fetch("PUT", Credentials::Omit),
            &allowed(&["PUT"], &[], None),
            7200,
        );
        assert!(!cache.has_method_match("PUT", &fetch("PUT", Credentials::Include)));
        assert!(cache.has_method_match("PUT", &fetch("PUT", Credentials::SameOrigin)));
    }

    #[test]
    fn origin_and_url_must_be_the_same() {
        let mut cache = PreflightCache::default();
        cache.store(
            &fetch("PUT", Credentials::Omit),
            &allowed(&["PUT"], &[], None),
            7200,
        );
        let other_url = fetch("PUT", Credentials::Omit).with_url("https://api.example/other");
        assert!(!cache.has_method_match("PUT", &other_url));
        let other_origin =
            Fetch::new("https://evil.example", "PUT", Credentials::Omit).with_url(URL);
        assert!(!cache.has_method_match("PUT", &other_origin));
    }

    #[test]
    fn methods_match_exactly_or_by_star() {
        let mut cache = PreflightCache::default();
        cache.store(
            &fetch("PUT", Credentials::Omit),
            &allowed(&["PUT"], &[], None),
            7200,
        );
        assert!(!cache.has_method_match("put", &fetch("put", Credentials::Omit)));
        cache.store(
            &fetch("PUT", Credentials::Omit),
            &allowed(&["*"], &[], None),
            7200,
        );
        assert!(cache.has_method_match("PURGE", &fetch("PURGE", Credentials::Omit)));
    }

    #[test]
    fn star_never_matches_authorization() {
        let mut cache = PreflightCache::default();
        let f = fetch("GET", Credentials::Omit);
        cache.store(&f, &allowed(&[], &["*"], None), 7200);
        assert!(cache.has_header_name_match("X-Anything", &f));
        assert!(!cache.has_header_name_match("Authorization", &f));
        cache.store(&f, &allowed(&[], &["authorization"], None), 7200);
        assert!(cache.has_header_name_match("Authorization", &f));
    }

    #[test]
    fn max_age_is_capped_and_refreshed_not_duplicated() {
        let mut cache = PreflightCache::default();
        let f = fetch("PUT", Credentials::Omit);
        cache.store(&f, &allowed(&["PUT"], &["x-a"], Some(86400)), 7200);
        assert!(cache.entries().iter().all(|e| e.max_age == 7200));
        cache.store(&f, &allowed(&["PUT"], &["X-A"], None), 7200);
        assert_eq!(cache.entries().len(), 2);
        assert!(cache
            .entries()
            .iter()
            .all(|e| e.max_age == preflight::DEFAULT_MAX_AGE));
    }

    #[test]
    fn a_cached_answer_skips_the_next_preflight_until_cleared() {
        let mut cache = PreflightCache::default();
        let f = fetch("DELETE", Credentials::Omit).with_header("x-a", "1");
        assert!(preflight::is_needed(&f, &cache));
        cache.store(&f, &allowed(&["DELETE"], &["x-a"], Some(60)), 7200);
        assert!(!preflight::is_needed(&f, &cache));
        // A header the cache does not know needs a preflight again.
        assert!(preflight::is_needed(
            &f.clone().with_header("x-b", "2"),
            &cache
        ));
        cache.clear(&f);
        assert!(preflight::is_needed(&f, &cache));
    }
}
