//! Where the data lives, when not only in the cookies (feature `store`).
//! Each of these setters makes the builder [`Stored`]: the engine's `load`
//! and `save` are then `async`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::builder::EngineBuilder;
use crate::engine::flavour::{Flavour, Stored};
use crate::store::Store;

/// What the store setters recorded.
#[derive(Clone)]
pub(crate) struct StoreSettings {
    pub server_side: Option<Arc<dyn Store>>,
    pub deadline: Duration,
    pub idle_timeout: Option<Duration>,
    pub overflow: Option<Arc<dyn Store>>,
    pub overflow_keys: Option<BTreeSet<String>>,
    pub revocations: Option<Arc<dyn Store>>,
    pub revoke_by_user: Option<String>,
    /// The session key that holds the user, for the per-user index.
    pub user_key: Option<String>,
    pub regenerate_on_login: bool,
    pub max_sessions_per_user: usize,
    pub last_seen_every: Duration,
    /// The request and response header that may carry the session id.
    pub session_header: Option<String>,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            server_side: None,
            deadline: crate::store::DEFAULT_DEADLINE,
            idle_timeout: None,
            overflow: None,
            overflow_keys: None,
            revocations: None,
            revoke_by_user: None,
            user_key: None,
            regenerate_on_login: true,
            max_sessions_per_user: crate::engine::steps::index::DEFAULT_MAX_SESSIONS,
            last_seen_every: Duration::from_secs(crate::engine::steps::index::DEFAULT_TOUCH_EVERY),
            session_header: None,
        }
    }
}

impl<F: Flavour> EngineBuilder<F> {
    /// Keeps sessions in `store`: the cookie then holds only a signed
    /// 128-bit id (its creation time and 96 random bits), and the data
    /// lives in the store under a hash of it. Every store call gets the deadline of
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
    /// let mut session = engine.load(Vec::<&str>::new(), None).await;
    /// session.insert("cart", &vec!["apple"; 2000])?; // far more than a cookie holds
    /// let saved = engine.save(&mut session).await?;
    /// assert!(saved.set_cookies[0].len() < 200);
    ///
    /// let pair = saved.set_cookies[0].split(';').next().unwrap();
    /// let again = engine.load([pair], None).await;
    /// assert_eq!(again.get::<Vec<String>>("cart")?.unwrap().len(), 2000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn server_side(mut self, store: impl Store + 'static) -> EngineBuilder<Stored> {
        self.settings.stores.server_side = Some(Arc::new(store));
        self.retype()
    }

    /// Keeps what a client-side session's cookies can't hold in `store`
    /// instead of dropping it: after the shrink callbacks, the keys that
    /// may move (see [`overflow_keys`](EngineBuilder::overflow_keys)) go
    /// into one record under the session's id, largest first, and a load
    /// brings them back.
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
    /// let mut session = engine.load(Vec::<&str>::new(), None).await;
    /// session.insert("user", &"ada")?;
    /// // 40,000 characters that don't compress: far more than the cookies hold.
    /// let mut x = 1u32;
    /// let blob: String = (0..40_000)
    ///     .map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; char::from(b'a' + (x % 26) as u8) })
    ///     .collect();
    /// session.insert("blob", &blob)?;
    /// let saved = engine.save(&mut session).await?;
    /// assert_eq!(saved.report.shrink.moved_keys().collect::<Vec<_>>(), ["blob"]);
    ///
    /// let header: Vec<&str> = saved.set_cookies.iter().map(|l| l.split(';').next().unwrap()).collect();
    /// let again = engine.load([header.join("; ")], None).await;
    /// assert_eq!(again.get::<String>("blob")?.as_deref(), Some(blob.as_str()));
    /// assert_eq!(again.get::<String>("user")?.as_deref(), Some("ada"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overflow(mut self, store: impl Store + 'static) -> EngineBuilder<Stored> {
        self.settings.stores.overflow = Some(Arc::new(store));
        self.retype()
    }

    /// Makes client-side sessions revocable through `store`: each carries
    /// a random id, a destroy writes a tombstone for it that lasts the max
    /// age, and every copy of the cookie then loads empty with
    /// [`EmptyReason::Revoked`](crate::EmptyReason::Revoked). One store
    /// lookup per load. It may be the same store as the overflow's.
    pub fn revocable(mut self, store: impl Store + 'static) -> EngineBuilder<Stored> {
        self.settings.stores.revocations = Some(Arc::new(store));
        self.retype()
    }
}

impl EngineBuilder<Stored> {
    /// The keys that may move into the overflow store (default: every
    /// key). Keys not listed are shrunk and dropped as without a store.
    pub fn overflow_keys<K>(mut self, keys: K) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
    {
        self.settings.stores.overflow_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Names the session key that holds the user, for
    /// [`Engine::revoke_user`](crate::Engine::revoke_user) ("log out
    /// everywhere"). Needs [`revocable`](EngineBuilder::revocable). It also
    /// turns on the per-user session index, as
    /// [`user_key`](EngineBuilder::user_key) does.
    pub fn revoke_by_user(mut self, key: impl Into<String>) -> Self {
        self.settings.stores.revoke_by_user = Some(key.into());
        self
    }

    /// The deadline of every store call (default 500 ms).
    pub fn store_deadline(mut self, deadline: Duration) -> Self {
        self.settings.stores.deadline = deadline;
        self
    }

    /// For store-backed sessions: expire a session after this long without
    /// a request (default off: only the max age). A read extends it.
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.settings.stores.idle_timeout = Some(idle);
        self
    }
}
