//! Configuring an [`Engine`]: every setting, its default, and the checks
//! made when it is built.
//!
//! One file per concern: this one (the cookie, expiry, size and budget
//! settings every layout has), `stores` (feature `store`: where the data
//! lives, which makes the builder [`Stored`](crate::Stored)), `index`
//! (feature `store`: the per-user session index and the session header),
//! [`group`] (cookie groups), `encrypt` (feature `encrypt`), `losses` (the
//! hooks a lossy save calls), and [`build`] (the checks, and the
//! [`Layout`](crate::engine::layout::Layout) they build).

mod build;
#[cfg(feature = "encrypt")]
mod encrypt;
pub(crate) mod group;
#[cfg(feature = "store")]
mod index;
mod losses;
#[cfg(feature = "store")]
pub(crate) mod stores;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::browser::Browsers;
use crate::engine::flavour::{Client, Flavour};
use crate::engine::jar::attributes::{Attributes, SameSite};
use crate::fit::shrink::{ShrinkFn, Shrinker};
use crate::{Engine, KeyRing, SessionData};

/// Configures an [`Engine`]. Made by [`Engine::builder`].
///
/// Its flavour `F` starts as [`Client`]; a setter that puts data in a store
/// makes it [`Stored`](crate::Stored), and so the engine it builds.
pub struct EngineBuilder<F: Flavour = Client> {
    settings: Settings,
    flavour: PhantomData<fn() -> F>,
}

impl<F: Flavour> Clone for EngineBuilder<F> {
    fn clone(&self) -> Self {
        EngineBuilder {
            settings: self.settings.clone(),
            flavour: PhantomData,
        }
    }
}

impl<F: Flavour> std::fmt::Debug for EngineBuilder<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("name", &self.settings.name)
            .finish_non_exhaustive()
    }
}

/// Everything a builder records, whatever its flavour.
#[derive(Clone)]
pub(crate) struct Settings {
    pub name: String,
    pub keys: KeyRing,
    pub attributes: Attributes,
    /// Whether the app chose `SameSite`; if not, a partitioned session
    /// gets `None`, the only value an iframe on another site is sent.
    pub same_site_chosen: bool,
    pub max_age: Duration,
    pub clock_skew: Duration,
    pub renew_after: Option<Duration>,
    pub max_json_bytes: usize,
    pub max_encoded_bytes: Option<usize>,
    /// Bytes of the read cache; 0 turns it off.
    pub read_cache_bytes: usize,
    /// `None`: on when signing, off when encrypting.
    pub compress: Option<bool>,
    /// Whether compression uses zstd where it pays (feature `zstd`).
    pub zstd: bool,
    /// The master keys, when sessions are encrypted.
    #[cfg(feature = "encrypt")]
    pub encrypt: Option<encrypt::Encrypt>,
    /// `None`: the default budget, or derived from an explicit limit.
    pub header_budget: Option<Option<usize>>,
    /// `None`: the default limit, or the budget if that is larger.
    pub header_limit: Option<Option<usize>>,
    pub set_cookie_budget: Option<usize>,
    pub max_cookie_bytes: Option<usize>,
    pub max_chunks: Option<usize>,
    pub reserved_cookies: usize,
    pub shrinker: Shrinker,
    /// Called with every lossy save's report (the engine's own; a group's
    /// are not used).
    pub on_loss: crate::engine::observe::LossHooks,
    pub browsers: Option<Arc<Browsers>>,
    pub clock: fn() -> u64,
    /// Where the data lives, when not (only) in the cookies.
    #[cfg(feature = "store")]
    pub stores: stores::StoreSettings,
    pub groups: Vec<group::Member>,
    pub main_claims: Option<Vec<String>>,
}

/// The read cache's default memory: a few thousand sessions of a few KB.
pub(crate) const DEFAULT_READ_CACHE_BYTES: usize = 1 << 20;

fn system_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Engine {
    /// Starts configuring an engine that signs with `keys`.
    pub fn builder(keys: impl Into<KeyRing>) -> EngineBuilder {
        EngineBuilder {
            settings: Settings {
                name: "session".to_owned(),
                keys: keys.into(),
                attributes: Attributes::default(),
                same_site_chosen: false,
                max_age: Duration::from_secs(7 * 24 * 3600),
                clock_skew: Duration::from_secs(60),
                renew_after: None,
                max_json_bytes: 256 * 1024,
                max_encoded_bytes: None,
                read_cache_bytes: DEFAULT_READ_CACHE_BYTES,
                compress: None,
                zstd: false,
                #[cfg(feature = "encrypt")]
                encrypt: None,
                header_budget: None,
                header_limit: None,
                set_cookie_budget: None,
                max_cookie_bytes: None,
                max_chunks: None,
                reserved_cookies: 0,
                shrinker: Shrinker::default(),
                on_loss: Vec::new(),
                browsers: None,
                clock: system_clock,
                #[cfg(feature = "store")]
                stores: stores::StoreSettings::default(),
                groups: Vec::new(),
                main_claims: None,
            },
            flavour: PhantomData,
        }
    }
}

impl<F: Flavour> EngineBuilder<F> {
    /// The same settings under another flavour.
    pub(crate) fn retype<G: Flavour>(self) -> EngineBuilder<G> {
        EngineBuilder {
            settings: self.settings,
            flavour: PhantomData,
        }
    }

    /// The base cookie name (default `session`). Chunks are `NAME.1`, `NAME.2`...
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.settings.name = name.into();
        self
    }

    /// The `Path` attribute (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.settings.attributes.path = path.into();
        self
    }

    /// The `Domain` attribute (default none: host-only).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.settings.attributes.domain = Some(domain.into());
        self
    }

    /// The `Secure` attribute (default on).
    pub fn secure(mut self, secure: bool) -> Self {
        self.settings.attributes.secure = secure;
        self
    }

    /// The `HttpOnly` attribute (default on).
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.settings.attributes.http_only = http_only;
        self
    }

    /// The `SameSite` attribute (default `Lax`, or `None` for a
    /// [`partitioned`](EngineBuilder::partitioned) session).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.settings.attributes.same_site = same_site;
        self.settings.same_site_chosen = true;
        self
    }

    /// Whether cookies persist across browser restarts, carrying `Max-Age`
    /// and `Expires` equal to the max age (default off: browser-session
    /// cookies). The signed max age is enforced either way.
    ///
    /// `Max-Age` and `Expires` are clamped to 400 days (34,560,000 seconds):
    /// RFC 6265bis caps a cookie's lifetime there, and Chromium clamps any
    /// longer one, so no `Set-Cookie` says more. A longer
    /// [`max_age`](EngineBuilder::max_age) still bounds the signed session,
    /// but the browser drops its cookies after 400 days.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .persistent(true)
    ///     .max_age(Duration::from_secs(50_000_000))
    ///     .build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("user", &"ada")?;
    /// let saved = engine.save(&mut session)?;
    /// assert!(saved.set_cookies[0].contains("; Max-Age=34560000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn persistent(mut self, persistent: bool) -> Self {
        self.settings.attributes.persistent_for = persistent.then_some(0);
        self
    }

    /// The `Partitioned` attribute (default off), for a session in an
    /// iframe on another site now that third-party cookies are blocked
    /// (CHIPS): the browser keeps the cookies per top-level site. It
    /// requires `Secure` (a build error otherwise), and the budget then
    /// counts the browser's per-partition limits.
    ///
    /// In another site's iframe every request is cross-site, and Chromium
    /// neither stores nor sends a `Lax` or `Strict` cookie there (measured
    /// in the browser suite). So a partitioned session is `SameSite=None`
    /// unless the app calls [`same_site`](EngineBuilder::same_site) itself.
    ///
    /// # Example
    /// ```
    /// use cookietin::{ConfigError, Engine, Key};
    ///
    /// let key = || Key::try_from_bytes(&[1; 32]);
    /// let engine = Engine::builder(key()?).partitioned(true).build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("user", &"ada")?;
    /// let line = &engine.save(&mut session)?.set_cookies[0];
    /// assert!(line.contains("; Partitioned") && line.contains("; Secure"));
    /// assert!(line.contains("; SameSite=None"));
    ///
    /// let insecure = Engine::builder(key()?).partitioned(true).secure(false).build();
    /// assert_eq!(insecure.unwrap_err(), ConfigError::PartitionedRequiresSecure);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn partitioned(mut self, partitioned: bool) -> Self {
        self.settings.attributes.partitioned = partitioned;
        self
    }

    /// How long a session lives after it was issued (default 7 days),
    /// enforced from the signed issued-at time.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.settings.max_age = max_age;
        self
    }

    /// How far in the future an issued-at time may be, for servers whose
    /// clocks disagree (default 60 seconds).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.settings.clock_skew = skew;
        self
    }

    /// Re-issue a session that is read on a request once it is this old, so
    /// that active users are not logged out at the max age (default off).
    pub fn renew_after(mut self, age: Duration) -> Self {
        self.settings.renew_after = Some(age);
        self
    }

    /// The largest JSON a session may inflate to (default 256 KiB).
    pub fn max_json_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_json_bytes = bytes;
        self
    }

    /// The memory, in bytes, of the cache of sessions this engine verified
    /// lately, keyed by the exact bytes of their cookies (default 1 MiB; 0
    /// turns it off). A request that carries those very cookies skips
    /// base64, the MAC or decryption, the inflate and the JSON parse. The
    /// time is checked on every hit, and the store steps (revocation
    /// included) run as on any load, so a hit never gives back a session
    /// that a miss would refuse. Only verified sessions are kept; the
    /// oldest go first. Each group of an engine has its own. An encrypted
    /// session's plaintext then stays in this process's memory until it is
    /// evicted; set 0 where that matters.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .read_cache_bytes(4 << 20)
    ///     .build()?;
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn read_cache_bytes(mut self, bytes: usize) -> Self {
        self.settings.read_cache_bytes = bytes;
        self
    }

    /// The largest encoded value, over all chunks and copies, that a load
    /// reads. The default is the header budget (at least 4096), since no
    /// session the engine writes is larger, or 1 MiB without one. It bounds
    /// the work a forged request can cause: at most 16 MAC checks of this
    /// size per key.
    pub fn max_encoded_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_encoded_bytes = Some(bytes);
        self
    }

    /// Whether payloads are deflated when that makes them smaller (default
    /// on when signing, off when encrypting). Turn it off when
    /// attacker-chosen data sits beside secrets in the session: compressed
    /// length can leak the secrets (see `SECURITY.md`).
    pub fn compress(mut self, compress: bool) -> Self {
        self.settings.compress = Some(compress);
        self
    }

    /// Whether saves compress sessions of 256 bytes of JSON and more with
    /// zstd instead of deflate (default off; feature `zstd`). zstd
    /// compresses in about the default deflate's time (0.9 to 1.25 of it)
    /// and decompresses in 0.35 to 0.9, for about the same bytes
    /// (BENCHMARKS.md, "The deflate encoder, faster");
    /// smaller sessions stay on deflate, where zstd's frame costs bytes.
    /// It writes compression id 2, which only a build with the `zstd`
    /// feature reads: a server without it gives such a cookie
    /// [`EmptyReason::UnsupportedFlags`](crate::EmptyReason::UnsupportedFlags).
    /// So roll it out in two steps: first the feature on every server (every
    /// build with the feature reads zstd whatever this setting says), then
    /// this setting. Compression stays off when [`compress`](EngineBuilder::compress)
    /// is, and for an encrypted engine unless `compress(true)` turns it on.
    ///
    /// ```
    /// use cookietin::codec::inspect::EnvelopeView;
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .zstd(true)
    ///     .build()?;
    /// let mut session = engine.load(std::iter::empty::<&str>(), None);
    /// session.insert("note", &"a note long enough to be worth compressing; ".repeat(8))?;
    /// let saved = engine.save(&mut session)?;
    /// let (_, value) = saved.set_cookies[0].split(';').next().unwrap().split_once('=').unwrap();
    /// assert!(EnvelopeView::decode([value])?.is_zstd());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "zstd")]
    #[cfg_attr(docsrs, doc(cfg(feature = "zstd")))]
    pub fn zstd(mut self, zstd: bool) -> Self {
        self.settings.zstd = zstd;
        self
    }

    /// The soft budget for the whole Cookie header's value, in bytes, or
    /// `None` for no server limit. The session is fitted so that the
    /// request's other cookies and the session's together stay within it.
    ///
    /// The default is [`DEFAULT_HEADER_BUDGET`](crate::DEFAULT_HEADER_BUDGET)
    /// (7168), or, when only [`header_limit`](EngineBuilder::header_limit)
    /// is set, that limit less the same 1014 bytes of slack for cookies
    /// that other code adds between two requests.
    pub fn header_budget(mut self, bytes: Option<usize>) -> Self {
        self.settings.header_budget = Some(bytes);
        self
    }

    /// The hard limit on the Cookie header's value that the server in
    /// front enforces, or `None` for none. The default is
    /// [`DEFAULT_HEADER_LIMIT`](crate::DEFAULT_HEADER_LIMIT) (8182, a
    /// default nginx), or the header budget when that is set larger.
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
        self.settings.header_limit = Some(bytes);
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
        self.settings.set_cookie_budget = bytes;
        self
    }

    /// A cap on one cookie's counted bytes below the browser's own limit.
    pub fn max_cookie_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_cookie_bytes = Some(bytes);
        self
    }

    /// A cap on the cookies one session may use (at most 255).
    pub fn max_chunks(mut self, chunks: usize) -> Self {
        self.settings.max_chunks = Some(chunks);
        self
    }

    /// Cookies of the site's per-site limit to leave free, for cookies set
    /// later by other code (default 0).
    pub fn reserved_cookies(mut self, cookies: usize) -> Self {
        self.settings.reserved_cookies = cookies;
        self
    }

    /// Registers a shrink callback for `keys`: `callback(data, last)` may
    /// trim or remove them when the session does not fit.
    ///
    /// When a session does not fit its [`Budget`](crate::Budget), the save runs,
    /// in this order and stopping as soon as it fits:
    ///
    /// 1. the registered callbacks, in registration order, in rounds repeated
    ///    while a round makes the session smaller (`last = false`); with an
    ///    overflow store (feature `store`), one round, then the keys the app
    ///    lets move go into the store, largest first, whole (each move a
    ///    [`ShrinkStep::Moved`](crate::ShrinkStep::Moved)), and then the rounds go on;
    /// 2. dropping the keys that no callback covers, largest first;
    /// 3. each callback once more with `last = true`, its final chance;
    /// 4. dropping every remaining key, largest first.
    ///
    /// A session that fits is never touched, and every callback run and key
    /// dropped is reported in a [`ShrinkReport`](crate::ShrinkReport). A callback runs only while one
    /// of its keys is present.
    ///
    /// Fitting is checked by a full encode (serialize and deflate) only when a
    /// cheap estimate says the session may fit, or when the JSON has shrunk
    /// enough since the last full encode that the estimate needs refreshing.
    /// The estimate scales the JSON length, which the session knows without
    /// serializing, by the encoded-to-JSON ratio of the last full encode.
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
    pub fn on_shrink<K, C>(mut self, keys: K, callback: C) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
        C: Fn(&mut SessionData, bool) + Send + Sync + 'static,
    {
        let keys = keys.into_iter().map(Into::into).collect();
        self.settings
            .shrinker
            .register(keys, Arc::new(callback) as Arc<ShrinkFn>);
        self
    }

    /// The browser limits and User-Agent cache to use, to share one among
    /// engines or to use a custom database (default [`Browsers::bundled`]).
    pub fn browsers(mut self, browsers: Arc<Browsers>) -> Self {
        self.settings.browsers = Some(browsers);
        self
    }

    /// The clock, in seconds since the Unix epoch (default the system
    /// clock). For tests.
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.settings.clock = clock;
        self
    }
}
