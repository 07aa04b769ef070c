//! The per-user session index and the session header (feature `store`):
//! their settings, and the checks that build them from the layout.

use std::time::Duration;

use crate::engine::builder::stores::StoreSettings;
use crate::engine::builder::EngineBuilder;
use crate::engine::flavour::Stored;
use crate::engine::header::SessionHeader;
use crate::engine::layout::Layout;
use crate::engine::steps::index::seen::Seen;
use crate::engine::steps::index::Index;
use crate::ConfigError;

impl EngineBuilder<Stored> {
    /// Names the session key that holds the user, and turns on the
    /// per-user session index: a user's sessions can then be listed
    /// ([`Engine::devices`](crate::Engine::devices)), ended one by one
    /// ([`revoke_device`](crate::Engine::revoke_device)) or all but the
    /// current one ([`revoke_other_devices`](crate::Engine::revoke_other_devices)),
    /// and, for sessions kept in a store, read and changed with no request
    /// from their client ([`update_user_sessions`](crate::Engine::update_user_sessions)).
    ///
    /// The index lives in the store of the layout (or, with groups, of the
    /// group) that holds this key: a server-side store, or a revocation
    /// store. Anonymous sessions never enter it. Putting a user into a
    /// session that had none (a login) gives it a new id, and, unless
    /// [`regenerate_on_login`](EngineBuilder::regenerate_on_login) is off,
    /// retires the old one, against session fixation. A request that keeps
    /// its user and id writes the index at most once per
    /// [`last_seen_every`](EngineBuilder::last_seen_every), so it stays one
    /// store round trip.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::MemoryStore;
    /// use cookietin::{Engine, Key};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .server_side(MemoryStore::new())
    ///     .user_key("user")
    ///     .build()?;
    /// let mut laptop = engine.load(Vec::<&str>::new(), None).await;
    /// laptop.insert("user", &"ada")?;
    /// let saved = engine.save(&mut laptop).await?;
    /// let mut phone = engine.load(Vec::<&str>::new(), None).await;
    /// phone.insert("user", &"ada")?;
    /// engine.save(&mut phone).await?;
    ///
    /// assert_eq!(engine.devices(&"ada", None).await?.len(), 2);
    /// // "Sign out other devices", from the laptop.
    /// assert_eq!(engine.revoke_other_devices(&laptop).await?, 1);
    /// let devices = engine.devices(&"ada", Some(&laptop)).await?;
    /// assert_eq!(devices.len(), 1);
    /// assert!(devices[0].current);
    /// # let _ = saved;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_key(mut self, key: impl Into<String>) -> Self {
        self.settings.stores.user_key = Some(key.into());
        self
    }

    /// Whether a login (a user put into a session that had none, with the
    /// index on) retires the session's old id, as
    /// [`Session::regenerate`](crate::Session::regenerate) does (default
    /// on): a session id planted before the login (fixation) then stops
    /// working. Off, a store-backed session keeps its id at login, and a
    /// client-side one gets a new id (which carries its login time) while
    /// copies of the old cookie, which hold no user, stay valid.
    pub fn regenerate_on_login(mut self, regenerate: bool) -> Self {
        self.settings.stores.regenerate_on_login = regenerate;
        self
    }

    /// The most sessions one user keeps in the index (default 10,000): a
    /// login past it ends the user's least recently seen sessions. Fewer
    /// when the store's cap on a record allows fewer (an entry takes about
    /// 75 bytes, plus about 45 per other group with a store).
    pub fn max_sessions_per_user(mut self, sessions: usize) -> Self {
        self.settings.stores.max_sessions_per_user = sessions;
        self
    }

    /// How often, at most, a session's `last_seen` is written, per process
    /// (default 5 minutes): a request within this interval of the last
    /// write writes nothing to the index.
    pub fn last_seen_every(mut self, every: Duration) -> Self {
        self.settings.stores.last_seen_every = every;
        self
    }

    /// Also reads the session id from this request header, and sets it in
    /// the response when the id changes (empty when the session ended), for
    /// API and mobile clients that keep no cookies: `x-session-id`, say, or
    /// `authorization`, whose value is then `Bearer ID`. The value is the
    /// id cookie's, and it gets exactly the cookie's checks (signature,
    /// expiry, the store's record, revocation). Cookies keep working beside
    /// it; a request that carries both is read from the header first.
    ///
    /// Needs a store-backed session ([`server_side`](EngineBuilder::server_side),
    /// or a group that has one, whose id the header then carries). The
    /// layers ([`integrations`](crate::integrations)) read and write it;
    /// without a layer, see [`Engine::session_header_cookie`](crate::Engine::session_header_cookie).
    ///
    /// # Example
    /// ```
    /// use cookietin::store::MemoryStore;
    /// use cookietin::{Engine, Key};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .server_side(MemoryStore::new())
    ///     .session_header("x-session-id")
    ///     .build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None).await;
    /// session.insert("cart", &["pear"])?;
    /// let saved = engine.save(&mut session).await?;
    /// let id = engine.session_header_value(&saved).expect("a new id");
    ///
    /// // The next request carries the id in the header only.
    /// let piece = engine.session_header_cookie(id.as_bytes()).expect("a value");
    /// let again = engine.load([piece], None).await;
    /// assert_eq!(again.get::<Vec<String>>("cart")?, Some(vec!["pear".to_owned()]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn session_header(mut self, name: impl Into<String>) -> Self {
        self.settings.stores.session_header = Some(name.into());
        self
    }
}

/// The index the settings ask for, if any, over `layout`.
pub(crate) fn build_index(
    stores: &StoreSettings,
    layout: &mut Layout,
) -> Result<Option<Index>, ConfigError> {
    let user_key = match (&stores.user_key, &stores.revoke_by_user) {
        (Some(a), Some(b)) if a != b => {
            return Err(ConfigError::InvalidLimit(
                "user_key and revoke_by_user name different session keys",
            ))
        }
        (Some(key), _) | (None, Some(key)) => key.clone(),
        (None, None) => return Ok(None),
    };
    if stores.max_sessions_per_user == 0 {
        return Err(ConfigError::InvalidLimit(
            "max sessions per user must be at least 1",
        ));
    }
    let controllers = layout.controllers();
    let anchor = layout.route(&user_key);
    let Some(home) = &controllers[anchor] else {
        return Err(ConfigError::InvalidLimit(
            "the session index needs the layout (or group) that holds the user key to keep a store: server_side, or revocable",
        ));
    };
    let name = home.name.clone();
    let ttl = controllers.iter().flatten().map(|c| c.max_age).max();
    layout.keep_tombstones();
    Ok(Some(Index {
        user_key,
        name,
        anchor,
        ttl: ttl.unwrap_or(0),
        controllers,
        regenerate_on_login: stores.regenerate_on_login,
        max_sessions: stores.max_sessions_per_user,
        touch_every: stores.last_seen_every.as_secs(),
        seen: Seen::default(),
    }))
}

/// The session header the settings ask for, if any, over `layout`.
pub(crate) fn build_header(
    stores: &StoreSettings,
    layout: &Layout,
) -> Result<Option<SessionHeader>, ConfigError> {
    let Some(name) = &stores.session_header else {
        return Ok(None);
    };
    let name = http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ConfigError::InvalidLimit("the session header's name is not a header name"))?;
    if name == http::header::COOKIE || name == http::header::SET_COOKIE {
        return Err(ConfigError::InvalidLimit(
            "the session header can't be Cookie or Set-Cookie",
        ));
    }
    let cookie = layout.stored_name().ok_or(ConfigError::InvalidLimit(
        "a session header needs a store-backed session (server_side)",
    ))?;
    Ok(Some(SessionHeader {
        bearer: name == http::header::AUTHORIZATION,
        name: name.as_str().to_owned(),
        cookie: cookie.to_owned(),
    }))
}
