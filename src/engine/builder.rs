//! Configuring an [`Engine`]: every setting, its default, and the checks
//! made when it is built.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::browser::limits::LimitsDb;
use crate::browser::Browsers;
use crate::engine::attributes::Attributes;
use crate::fit::budget::{BudgetConfig, DEFAULT_HEADER_BUDGET, DEFAULT_HEADER_LIMIT};
use crate::fit::shrink::{ShrinkFn, Shrinker};
use crate::{ConfigError, Engine, KeyRing, SameSite, SessionData};

/// Configures an [`Engine`]. Made by [`Engine::builder`].
#[derive(Clone)]
pub struct EngineBuilder {
    name: String,
    keys: KeyRing,
    attributes: Attributes,
    max_age: Duration,
    clock_skew: Duration,
    renew_after: Option<Duration>,
    max_json_bytes: usize,
    max_encoded_bytes: Option<usize>,
    /// `None`: on when signing, off when encrypting.
    compress: Option<bool>,
    /// The master keys, when sessions are encrypted.
    #[cfg(feature = "encrypt")]
    pub(super) encrypt: Option<super::encrypted::Encrypt>,
    /// `None`: [`DEFAULT_HEADER_BUDGET`], or derived from an explicit limit.
    header_budget: Option<Option<usize>>,
    /// `None`: [`DEFAULT_HEADER_LIMIT`], or the budget if that is larger.
    header_limit: Option<Option<usize>>,
    set_cookie_budget: Option<usize>,
    max_cookie_bytes: Option<usize>,
    max_chunks: Option<usize>,
    reserved_cookies: usize,
    shrinker: Shrinker,
    browsers: Option<Arc<Browsers>>,
    clock: fn() -> u64,
    #[cfg(feature = "store")]
    store: Option<Arc<dyn crate::store::Store>>,
    #[cfg(feature = "store")]
    store_deadline: std::time::Duration,
    #[cfg(feature = "store")]
    idle_timeout: Option<Duration>,
    #[cfg(feature = "store")]
    overflow: Option<Arc<dyn crate::store::Store>>,
    #[cfg(feature = "store")]
    overflow_keys: Option<std::collections::BTreeSet<String>>,
    #[cfg(feature = "store")]
    revocations: Option<Arc<dyn crate::store::Store>>,
    #[cfg(feature = "store")]
    revoke_by_user: Option<String>,
    groups: Vec<crate::Group>,
    main_claims: Option<Vec<String>>,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl EngineBuilder {
    /// The base cookie name (default `session`). Chunks are `NAME.1`, `NAME.2`...
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The `Path` attribute (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.attributes.path = path.into();
        self
    }

    /// The `Domain` attribute (default none: host-only).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.attributes.domain = Some(domain.into());
        self
    }

    /// The `Secure` attribute (default on).
    pub fn secure(mut self, secure: bool) -> Self {
        self.attributes.secure = secure;
        self
    }

    /// The `HttpOnly` attribute (default on).
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.attributes.http_only = http_only;
        self
    }

    /// The `SameSite` attribute (default `Lax`).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.attributes.same_site = same_site;
        self
    }

    /// Whether cookies persist across browser restarts, carrying `Max-Age`
    /// and `Expires` equal to the max age (default off: browser-session
    /// cookies). The signed max age is enforced either way.
    pub fn persistent(mut self, persistent: bool) -> Self {
        self.attributes.persistent_for = persistent.then_some(0);
        self
    }

    /// How long a session lives after it was issued (default 7 days),
    /// enforced from the signed issued-at time.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// How far in the future an issued-at time may be, for servers whose
    /// clocks disagree (default 60 seconds).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Re-issue a session that is read on a request once it is this old, so
    /// that active users are not logged out at the max age (default off).
    pub fn renew_after(mut self, age: Duration) -> Self {
        self.renew_after = Some(age);
        self
    }

    /// The largest JSON a session may inflate to (default 256 KiB).
    pub fn max_json_bytes(mut self, bytes: usize) -> Self {
        self.max_json_bytes = bytes;
        self
    }

    /// The largest encoded value, over all chunks and copies, that a load
    /// reads. The default is the header budget (at least 4096), since no
    /// session the engine writes is larger, or 1 MiB without one. It bounds the work a forged
    /// request can cause: at most 16 MAC checks of this size per key.
    pub fn max_encoded_bytes(mut self, bytes: usize) -> Self {
        self.max_encoded_bytes = Some(bytes);
        self
    }

    /// Whether payloads are deflated when that makes them smaller (default
    /// on when signing, off when encrypting). Turn it off when
    /// attacker-chosen data sits beside secrets in the session: compressed
    /// length can leak the secrets (see `SECURITY.md`).
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = Some(compress);
        self
    }

    /// The soft budget for the whole Cookie header's value, in bytes, or
    /// `None` for no server limit. The session is fitted so that the
    /// request's other cookies and the session's together stay within it.
    ///
    /// The default is [`DEFAULT_HEADER_BUDGET`] (7168), or, when only
    /// [`header_limit`](EngineBuilder::header_limit) is set, that limit
    /// less the same 1014 bytes of slack for cookies that other code adds
    /// between two requests.
    pub fn header_budget(mut self, bytes: Option<usize>) -> Self {
        self.header_budget = Some(bytes);
        self
    }

    /// The hard limit on the Cookie header's value that the server in
    /// front enforces, or `None` for none. The default is
    /// [`DEFAULT_HEADER_LIMIT`] (8182, a default nginx), or the header
    /// budget when that is set larger.
    ///
    /// Behind an nginx with `large_client_header_buffers 4 16k`, say
    /// `.header_limit(Some(16374))`: 16384 less `Cookie: ` and CRLF. The
    /// header budget then defaults to 15360. A budget above the limit is a
    /// build error, since every session it allowed past the limit would be
    /// refused before it reached the app.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .header_limit(Some(16374))
    ///     .build()?;
    /// let budget = engine.budget(&engine.load(Vec::<&str>::new(), None));
    /// assert_eq!(budget.header_limit, Some(16374));
    /// assert_eq!(budget.header_bytes, Some(16374 - 1014));
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn header_limit(mut self, bytes: Option<usize>) -> Self {
        self.header_limit = Some(bytes);
        self
    }

    /// A budget for the response's `Set-Cookie` header lines, counted as
    /// `Set-Cookie: ` + value + CRLF, or `None` for no limit (the default).
    ///
    /// Set it when a proxy limits the response head: a default nginx reads
    /// the upstream's response head into `proxy_buffer_size`, one 4 KB page,
    /// and answers 502 when it overflows. Leave room for the app's other
    /// headers: `Some(3072)` suits a default nginx. Raising the proxy's
    /// buffer (`proxy_buffer_size 16k; proxy_buffers 4 16k;`) is better:
    /// under 4 KB a session can't use more than one cookie.
    pub fn set_cookie_budget(mut self, bytes: Option<usize>) -> Self {
        self.set_cookie_budget = bytes;
        self
    }

    /// A cap on one cookie's counted bytes below the browser's own limit.
    pub fn max_cookie_bytes(mut self, bytes: usize) -> Self {
        self.max_cookie_bytes = Some(bytes);
        self
    }

    /// A cap on the cookies one session may use (at most 255).
    pub fn max_chunks(mut self, chunks: usize) -> Self {
        self.max_chunks = Some(chunks);
        self
    }

    /// Cookies of the site's per-site limit to leave free, for cookies set
    /// later by other code (default 0).
    pub fn reserved_cookies(mut self, cookies: usize) -> Self {
        self.reserved_cookies = cookies;
        self
    }

    /// Registers a shrink callback for `keys`; see [`shrink`](crate::fit::shrink).
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .on_shrink(["history"], |data, last| {
    ///         let mut history: Vec<String> = data.get("history").ok().flatten().unwrap_or_default();
    ///         if last { history.clear() } else if !history.is_empty() { history.remove(0); }
    ///         let _ = data.insert("history", &history);
    ///     })
    ///     .build()?;
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn on_shrink<K, F>(mut self, keys: K, callback: F) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
        F: Fn(&mut SessionData, bool) + Send + Sync + 'static,
    {
        let keys = keys.into_iter().map(Into::into).collect();
        self.shrinker
            .register(keys, Arc::new(callback) as Arc<ShrinkFn>);
        self
    }

    /// The browser limits and User-Agent cache to use, to share one among
    /// engines or to use a custom database (default [`Browsers::bundled`]).
    pub fn browsers(mut self, browsers: Arc<Browsers>) -> Self {
        self.browsers = Some(browsers);
        self
    }

    /// Uses `db` as the browser-limits database.
    pub fn limits(self, db: LimitsDb) -> Self {
        self.browsers(Arc::new(Browsers::new(db)))
    }

    /// The clock, in seconds since the Unix epoch (default the system clock).
    /// For tests.
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }

    /// Keeps sessions in `store` (feature `store`): the cookie then holds
    /// only a signed random 128-bit id, the data lives in the store under
    /// a hash of it, and the app loads and saves with
    /// [`Engine::load_async`] and [`Engine::save_async`] (the layers do).
    /// Every store call gets the deadline of
    /// [`store_deadline`](EngineBuilder::store_deadline).
    ///
    /// # Example
    /// ```
    /// use cookietin::store::MemoryStore;
    /// use cookietin::{Engine, Key};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .server_side(MemoryStore::new())
    ///     .build()?;
    /// let mut session = engine.load_async(Vec::<&str>::new(), None).await;
    /// session.insert("cart", &vec!["apple"; 2000])?; // far more than a cookie holds
    /// let saved = engine.save_async(&mut session).await?;
    /// assert!(saved.set_cookies[0].len() < 200);
    ///
    /// let pair = saved.set_cookies[0].split(';').next().unwrap();
    /// let again = engine.load_async([pair], None).await;
    /// assert_eq!(again.get::<Vec<String>>("cart")?.unwrap().len(), 2000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "store")]
    pub fn server_side(mut self, store: impl crate::store::Store + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Keeps what a client-side session's cookies can't hold in `store`
    /// (feature `store`) instead of dropping it: after the shrink callbacks,
    /// the keys that may move (see
    /// [`overflow_keys`](EngineBuilder::overflow_keys)) go into one record
    /// under the session's id, largest first, and a load brings them back.
    /// Load and save with [`Engine::load_async`] and [`Engine::save_async`].
    ///
    /// # Example
    /// ```
    /// use cookietin::store::MemoryStore;
    /// use cookietin::{Engine, Key};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .overflow(MemoryStore::new())
    ///     .build()?;
    /// let mut session = engine.load_async(Vec::<&str>::new(), None).await;
    /// session.insert("user", &"ada")?;
    /// // 40,000 characters that don't compress: far more than the cookies hold.
    /// let mut x = 1u32;
    /// let blob: String = (0..40_000)
    ///     .map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; char::from(b'a' + (x % 26) as u8) })
    ///     .collect();
    /// session.insert("blob", &blob)?;
    /// let saved = engine.save_async(&mut session).await?;
    /// assert_eq!(saved.report.shrink.moved_keys().collect::<Vec<_>>(), ["blob"]);
    ///
    /// let header: Vec<&str> = saved.set_cookies.iter().map(|l| l.split(';').next().unwrap()).collect();
    /// let again = engine.load_async([header.join("; ")], None).await;
    /// assert_eq!(again.get::<String>("blob")?.as_deref(), Some(blob.as_str()));
    /// assert_eq!(again.get::<String>("user")?.as_deref(), Some("ada"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "store")]
    pub fn overflow(mut self, store: impl crate::store::Store + 'static) -> Self {
        self.overflow = Some(Arc::new(store));
        self
    }

    /// The keys that may move into the overflow store (default: every
    /// key). Keys not listed are shrunk and dropped as without a store.
    #[cfg(feature = "store")]
    pub fn overflow_keys<K>(mut self, keys: K) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
    {
        self.overflow_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Makes client-side sessions revocable through `store` (feature
    /// `store`): each carries a random id, a destroy writes a tombstone for
    /// it that lasts the max age, and every copy of the cookie then loads
    /// empty with [`EmptyReason::Revoked`](crate::EmptyReason::Revoked).
    /// One store lookup per load ([`Engine::load_async`]). It may be the
    /// same store as the overflow's.
    #[cfg(feature = "store")]
    pub fn revocable(mut self, store: impl crate::store::Store + 'static) -> Self {
        self.revocations = Some(Arc::new(store));
        self
    }

    /// Names the session key that holds the user, for
    /// [`Engine::revoke_user`] ("log out everywhere"). Needs
    /// [`revocable`](EngineBuilder::revocable).
    #[cfg(feature = "store")]
    pub fn revoke_by_user(mut self, key: impl Into<String>) -> Self {
        self.revoke_by_user = Some(key.into());
        self
    }

    /// The deadline of every store call (default 500 ms).
    #[cfg(feature = "store")]
    pub fn store_deadline(mut self, deadline: Duration) -> Self {
        self.store_deadline = deadline;
        self
    }

    /// For store-backed sessions: expire a session after this long without
    /// a request (default off: only the max age). A read extends it.
    #[cfg(feature = "store")]
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = Some(idle);
        self
    }

    /// Adds a cookie group (see [`Group`](crate::Group)): its own cookies
    /// and backend, holding the keys it claims. The engine's own group
    /// holds the rest, unless it [`claims`](EngineBuilder::claims) a list.
    pub fn group(mut self, group: crate::Group) -> Self {
        self.groups.push(group);
        self
    }

    /// The keys this engine's own group holds, when it has groups; by
    /// default, every key no group claims.
    pub fn claims<K>(mut self, keys: K) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
    {
        self.main_claims = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// The base cookie name configured so far.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Checks the configuration and builds the engine.
    pub fn build(mut self) -> Result<Engine, ConfigError> {
        let groups = std::mem::take(&mut self.groups);
        let main_claims = self.main_claims.take();
        if groups.is_empty() {
            if main_claims.is_some() {
                return Err(ConfigError::NoRestGroup);
            }
            return self.build_one();
        }
        let main = self.clone().build_one()?;
        let mut engine = self.build_one()?;
        engine.groups = Some(Box::new(super::groups::build_groups(
            main,
            main_claims,
            groups,
        )?));
        Ok(engine)
    }

    /// Builds one group's engine.
    fn build_one(self) -> Result<Engine, ConfigError> {
        if !self.groups.is_empty() {
            return Err(ConfigError::InvalidLimit(
                "a group can't have groups of its own",
            ));
        }
        #[cfg(feature = "store")]
        if self.store.is_some() && (self.overflow.is_some() || self.revocations.is_some()) {
            return Err(ConfigError::InvalidLimit(
                "a store-backed session keeps everything in its store: no overflow or revocation store",
            ));
        }
        #[cfg(feature = "store")]
        if self.revoke_by_user.is_some() && self.revocations.is_none() {
            return Err(ConfigError::InvalidLimit(
                "revoke_by_user needs a revocable engine",
            ));
        }
        let mut attributes = self.attributes;
        if attributes.persistent_for.is_some() {
            attributes.persistent_for = Some(self.max_age.as_secs());
        }
        attributes.validate(&self.name)?;
        if self.max_age.as_secs() == 0 {
            return Err(ConfigError::InvalidLimit(
                "max age must be at least one second",
            ));
        }
        let (header_budget, header_limit) =
            header_budget_and_limit(self.header_budget, self.header_limit)?;
        // By default, no more than the engine could have written: the header
        // budget (but at least one cookie's worth), or 1 MiB without one.
        let max_encoded_bytes = self
            .max_encoded_bytes
            .unwrap_or(header_budget.map_or(1024 * 1024, |b| b.max(4096)));
        if self.max_json_bytes == 0 || max_encoded_bytes == 0 {
            return Err(ConfigError::InvalidLimit("size caps must be positive"));
        }
        if self.max_chunks == Some(0) {
            return Err(ConfigError::InvalidLimit("max chunks must be at least 1"));
        }
        let budget = BudgetConfig {
            header_budget,
            header_limit,
            max_cookie_bytes: self.max_cookie_bytes,
            max_chunks: self.max_chunks,
            reserved_cookies: self.reserved_cookies,
            response_budget: self.set_cookie_budget,
            line_overhead: attributes.line_overhead(),
            removal_overhead: attributes.removal("n").len() - "n=".len(),
        };
        #[cfg(feature = "encrypt")]
        let (keys, encrypted) = match self.encrypt {
            Some(encrypt) => (encrypt.secrets(self.keys, &self.name), true),
            None => (crate::codec::Secrets::signed(self.keys), false),
        };
        #[cfg(not(feature = "encrypt"))]
        let (keys, encrypted) = (crate::codec::Secrets::signed(self.keys), false);
        Ok(Engine {
            name: self.name,
            keys,
            attributes,
            max_age: self.max_age.as_secs(),
            clock_skew: self.clock_skew.as_secs(),
            renew_after: self.renew_after.map(|d| d.as_secs()),
            max_json_bytes: self.max_json_bytes,
            max_encoded_bytes,
            compress: self.compress.unwrap_or(!encrypted),
            budget,
            shrinker: self.shrinker,
            browsers: self.browsers.unwrap_or_else(Browsers::bundled),
            clock: self.clock,
            groups: None,
            #[cfg(feature = "store")]
            revocations: self
                .revocations
                .map(|store| super::revocation::Revocations {
                    store: Arc::new(crate::store::Deadline::with_limit(
                        store,
                        self.store_deadline,
                    )),
                    user_key: self.revoke_by_user,
                }),
            #[cfg(feature = "store")]
            overflow: self.overflow.map(|store| super::overflow::OverflowStore {
                store: Arc::new(crate::store::Deadline::with_limit(
                    store,
                    self.store_deadline,
                )),
                movable: self.overflow_keys,
            }),
            #[cfg(feature = "store")]
            server_side: match self.store {
                None => None,
                Some(store) => {
                    if self.idle_timeout.is_some_and(|d| d.as_secs() == 0) {
                        return Err(ConfigError::InvalidLimit(
                            "idle timeout must be at least one second",
                        ));
                    }
                    let store = crate::store::Deadline::with_limit(store, self.store_deadline);
                    Some(super::server_side::ServerSide {
                        store: Arc::new(store),
                        idle: self.idle_timeout.map(|d| d.as_secs()),
                    })
                }
            },
        })
    }
}

impl Engine {
    /// Starts configuring an engine that signs with `keys`.
    pub fn builder(keys: impl Into<KeyRing>) -> EngineBuilder {
        EngineBuilder {
            name: "session".to_owned(),
            keys: keys.into(),
            attributes: Attributes::default(),
            max_age: Duration::from_secs(7 * 24 * 3600),
            clock_skew: Duration::from_secs(60),
            renew_after: None,
            max_json_bytes: 256 * 1024,
            max_encoded_bytes: None,
            compress: None,
            #[cfg(feature = "encrypt")]
            encrypt: None,
            header_budget: None,
            header_limit: None,
            set_cookie_budget: None,
            max_cookie_bytes: None,
            max_chunks: None,
            reserved_cookies: 0,
            shrinker: Shrinker::default(),
            browsers: None,
            clock: system_clock,
            #[cfg(feature = "store")]
            store: None,
            #[cfg(feature = "store")]
            store_deadline: crate::store::DEFAULT_DEADLINE,
            #[cfg(feature = "store")]
            idle_timeout: None,
            #[cfg(feature = "store")]
            overflow: None,
            #[cfg(feature = "store")]
            overflow_keys: None,
            #[cfg(feature = "store")]
            revocations: None,
            #[cfg(feature = "store")]
            revoke_by_user: None,
            groups: Vec::new(),
            main_claims: None,
        }
    }
}

/// The slack between the default header budget and the default limit.
const HEADER_SLACK: usize = DEFAULT_HEADER_LIMIT - DEFAULT_HEADER_BUDGET;

/// The soft header budget and the hard limit from what was set: each
/// defaults from the other, and the budget may not exceed the limit.
fn header_budget_and_limit(
    budget: Option<Option<usize>>,
    limit: Option<Option<usize>>,
) -> Result<(Option<usize>, Option<usize>), ConfigError> {
    let (budget, limit) = match (budget, limit) {
        (None, None) => (Some(DEFAULT_HEADER_BUDGET), Some(DEFAULT_HEADER_LIMIT)),
        (Some(budget), None) => (budget, budget.map(|b| b.max(DEFAULT_HEADER_LIMIT))),
        (None, Some(limit)) => (limit.map(|l| l.saturating_sub(HEADER_SLACK)), limit),
        (Some(budget), Some(limit)) => (budget, limit),
    };
    match (budget, limit) {
        (Some(b), Some(l)) if b > l => Err(ConfigError::InvalidLimit(
            "the header budget exceeds the header limit",
        )),
        (None, Some(_)) => Err(ConfigError::InvalidLimit(
            "a header limit needs a header budget under it",
        )),
        _ => Ok((budget, limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_budget_and_limit_default_from_each_other() {
        let f = header_budget_and_limit;
        assert_eq!(f(None, None), Ok((Some(7168), Some(8182))));
        assert_eq!(f(Some(Some(6000)), None), Ok((Some(6000), Some(8182))));
        assert_eq!(f(Some(Some(20000)), None), Ok((Some(20000), Some(20000))));
        assert_eq!(f(Some(None), None), Ok((None, None)));
        assert_eq!(f(None, Some(Some(16374))), Ok((Some(15360), Some(16374))));
        assert_eq!(f(None, Some(None)), Ok((None, None)));
        assert!(f(Some(Some(9000)), Some(Some(8182))).is_err());
        assert!(f(Some(None), Some(Some(8182))).is_err());
        assert_eq!(f(Some(Some(100)), Some(None)), Ok((Some(100), None)));
    }
}
