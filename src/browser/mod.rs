//! From a User-Agent to the limits that apply, with a bounded cache.
//!
//! Parsing a User-Agent with woothee costs microseconds; a site sees the same
//! few hundred strings again and again, so each [`Browsers`] keeps the answer
//! per string. The cache holds at most a fixed number of entries of bounded
//! length and is emptied when full, so a flood of random User-Agents costs
//! parses but never memory.

pub(crate) mod agent;
pub(crate) mod limits;
mod thread_cache;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;

use crate::browser::agent::{identify, Identity};
use crate::browser::limits::{BrowserLimits, LimitsDb};

/// A browser as identified from its User-Agent, with the limits that apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Browser {
    /// What the User-Agent says the client is.
    pub identity: Identity,
    /// The database entry that matched it.
    pub limits: BrowserLimits,
}

/// User-Agents longer than this are answered but not cached.
const MAX_CACHED_LEN: usize = 512;
/// The default number of cached User-Agents.
const DEFAULT_CACHE_ENTRIES: usize = 1024;

/// A limits database with a cache from User-Agent to [`Browser`].
///
/// Engines share one through an `Arc`; [`Browsers::bundled`] is the
/// process-wide one over the bundled database.
///
/// # Example
/// ```
/// use cookietin::Browsers;
///
/// let browsers = Browsers::bundled();
/// let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
/// assert_eq!(browsers.resolve(ua).limits.max_cookie_bytes, 4096);
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Debug)]
pub struct Browsers {
    db: LimitsDb,
    cache: RwLock<HashMap<Box<str>, Arc<Browser>>>,
    capacity: usize,
    unknown: Arc<Browser>,
    /// Tells this instance's entries in the per-thread caches from others'.
    id: u64,
}

impl Browsers {
    /// Browsers over `db`, caching up to 1024 User-Agents.
    pub fn new(db: LimitsDb) -> Browsers {
        let unknown = Arc::new(Self::lookup(&db, ""));
        Browsers {
            db,
            cache: RwLock::new(HashMap::new()),
            capacity: DEFAULT_CACHE_ENTRIES,
            unknown,
            id: thread_cache::next_id(),
        }
    }

    /// Sets how many User-Agents are cached (0 turns the cache off).
    pub fn with_cache_entries(mut self, entries: usize) -> Browsers {
        self.capacity = entries;
        self
    }

    /// The process-wide instance over the bundled database.
    pub fn bundled() -> Arc<Browsers> {
        static BUNDLED: OnceLock<Arc<Browsers>> = OnceLock::new();
        BUNDLED
            .get_or_init(|| Arc::new(Browsers::new(LimitsDb::bundled().clone())))
            .clone()
    }

    /// The database.
    pub fn db(&self) -> &LimitsDb {
        &self.db
    }

    /// The browser for a request without a User-Agent.
    pub fn unknown(&self) -> Arc<Browser> {
        self.unknown.clone()
    }

    /// The browser for `user_agent`, from the cache when it is there.
    pub fn resolve(&self, user_agent: &str) -> Arc<Browser> {
        if !self.cacheable(user_agent) {
            return self.resolve_shared(user_agent);
        }
        if let Some(hit) = thread_cache::get(self.id, user_agent) {
            return hit;
        }
        thread_cache::keep(self.id, user_agent, self.resolve_shared(user_agent))
    }

    /// Whether answers for `user_agent` are kept, per thread and shared.
    fn cacheable(&self, user_agent: &str) -> bool {
        self.capacity > 0 && user_agent.len() <= MAX_CACHED_LEN
    }

    /// The browser for `user_agent` from the cache all threads share.
    fn resolve_shared(&self, user_agent: &str) -> Arc<Browser> {
        if user_agent.is_empty() {
            return self.unknown();
        }
        if let Some(hit) = self.read_cache().get(user_agent) {
            return hit.clone();
        }
        let browser = Arc::new(Self::lookup(&self.db, user_agent));
        if self.cacheable(user_agent) {
            let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= self.capacity {
                cache.clear();
            }
            cache.insert(user_agent.into(), browser.clone());
        }
        browser
    }

    /// How many User-Agents are cached now.
    pub fn cached(&self) -> usize {
        self.read_cache().len()
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Box<str>, Arc<Browser>>> {
        // A panic while holding the lock can't leave the map inconsistent.
        self.cache.read().unwrap_or_else(|e| e.into_inner())
    }

    fn lookup(db: &LimitsDb, user_agent: &str) -> Browser {
        let identity = identify(user_agent);
        let limits = db.lookup(&identity).clone();
        Browser { identity, limits }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

    #[test]
    fn repeat_lookups_hit_the_cache() {
        let browsers = Browsers::new(LimitsDb::bundled().clone());
        let a = browsers.resolve(CHROME);
        let b = browsers.resolve(CHROME);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(browsers.cached(), 1);
    }

    #[test]
    fn two_databases_never_share_an_answer() {
        use crate::browser::limits::test_support::{db_json, entry};
        // Only a default entry, which answers every User-Agent.
        let small = LimitsDb::from_json(&db_json(&[entry("only", "default", None, None)])).unwrap();
        let bundled = Browsers::new(LimitsDb::bundled().clone());
        let other = Browsers::new(small);
        for _ in 0..3 {
            assert_eq!(other.resolve(CHROME).limits.id, "only");
            assert_ne!(bundled.resolve(CHROME).limits.id, "only");
        }
        // The per-thread copy answers as the shared entry does.
        assert_eq!(*bundled.resolve(CHROME), *bundled.read_cache()[CHROME]);
    }

    #[test]
    fn cache_is_bounded() {
        let browsers = Browsers::new(LimitsDb::bundled().clone()).with_cache_entries(8);
        for i in 0..100 {
            browsers.resolve(&format!("{CHROME} x{i}"));
            assert!(browsers.cached() <= 8);
        }
        browsers.resolve(&"x".repeat(MAX_CACHED_LEN + 1));
        assert!(browsers.cached() <= 8);
        assert!(!browsers
            .read_cache()
            .keys()
            .any(|k| k.len() > MAX_CACHED_LEN));
    }
}
