//! The engine: one [`Layout`](layout::Layout) chosen at build, and the one
//! load and one save pipeline that walk it.
//!
//! - [`flavour`]: [`Client`] or [`Stored`], which decides from the type
//!   whether `load` and `save` are synchronous or `async`;
//! - [`builder`]: configuration and its checks, which build the layout;
//! - [`layout`]: where the data lives (cookies, a store, cookies that
//!   overflow into a store, or groups of these);
//! - [`load`] and [`save`]: the pipelines, the only code that branches on
//!   the layout;
//! - [`jar`]: one cookie name's cookies (read, why to write, write);
//! - `steps` (feature `store`): the store steps the pipelines call
//!   (records, overflow, revocation, the per-user index);
//! - `devices` (feature `store`): the per-user index's API (a user's
//!   sessions: list, end, read and change);
//! - `header` (feature `store`): the session id in a request header;
//! - [`groups`]: putting group shares together and apart;
//! - [`report`]: what a save did and why.

pub(crate) mod builder;
#[cfg(feature = "store")]
mod devices;
pub(crate) mod flavour;
pub(crate) mod groups;
#[cfg(feature = "store")]
pub(crate) mod header;
pub(crate) mod jar;
pub(crate) mod layout;
mod load;
pub(crate) mod observe;
pub(crate) mod report;
mod save;
#[cfg(feature = "store")]
pub(crate) mod steps;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use crate::browser::Browsers;
use crate::engine::flavour::{Client, Flavour, Stored};
use crate::engine::layout::{Layout, Placement};
use crate::engine::report::Saved;
use crate::fit::budget::Budget;
use crate::{SaveError, Session};

/// What every clone of an engine shares.
pub(crate) struct Core {
    pub layout: Layout,
    pub browsers: Arc<Browsers>,
    /// Seconds since the Unix epoch.
    pub clock: fn() -> u64,
    /// Called with the report of every save that lost something.
    pub on_loss: observe::LossHooks,
    /// The per-user session index, when a user key is named.
    #[cfg(feature = "store")]
    pub index: Option<steps::index::Index>,
    /// The request header that may carry the session id.
    #[cfg(feature = "store")]
    pub header: Option<header::SessionHeader>,
}

/// Loads and saves sessions: one per app, cheap to clone (every clone
/// shares one configuration), `Send + Sync`.
///
/// Its flavour, [`Client`] (the default) or [`Stored`], says whether
/// [`load`](Engine::load) and [`save`](Engine::save) are synchronous or
/// `async`: see [`Flavour`]. Build one with [`Engine::builder`].
///
/// # Example
/// ```
/// use cookietin::{Engine, Key};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[42; 32])?)
///     .cookie_name("sid")
///     .secure(false) // plain http in this example
///     .build()?;
///
/// // First request: no cookie yet.
/// let mut session = engine.load(Vec::<&str>::new(), None);
/// session.insert("user_id", &7)?;
/// let saved = engine.save(&mut session)?;
/// assert_eq!(saved.set_cookies.len(), 1);
///
/// // The browser sends the cookie back.
/// let pair = saved.set_cookies[0].split(';').next().unwrap();
/// let session = engine.load([pair], None);
/// assert_eq!(session.get::<u32>("user_id")?, Some(7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Engine<F: Flavour = Client> {
    core: Arc<Core>,
    flavour: PhantomData<fn() -> F>,
}

impl<F: Flavour> Clone for Engine<F> {
    fn clone(&self) -> Self {
        Engine {
            core: self.core.clone(),
            flavour: PhantomData,
        }
    }
}

impl<F: Flavour> std::fmt::Debug for Engine<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("layout", &self.core.layout.kind())
            .field("jar", self.core.layout.jar())
            .finish_non_exhaustive()
    }
}

impl<F: Flavour> Engine<F> {
    pub(crate) fn from_core(core: Core) -> Self {
        Engine {
            core: Arc::new(core),
            flavour: PhantomData,
        }
    }

    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// The base cookie name (of the group that holds every unclaimed key,
    /// for an engine with groups).
    pub fn cookie_name(&self) -> &str {
        &self.core.layout.jar().name
    }

    /// Whether sessions are written encrypted (feature `encrypt`) rather
    /// than signed.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    /// assert!(!engine.is_encrypted());
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn is_encrypted(&self) -> bool {
        self.core.layout.jar().keys.encrypts()
    }

    /// The name of the request and response header that may carry the
    /// session id, lowercase: see
    /// `EngineBuilder::session_header` (feature `store`).
    pub fn session_header(&self) -> Option<&str> {
        #[cfg(feature = "store")]
        return self.core.header.as_ref().map(|h| h.name.as_str());
        #[cfg(not(feature = "store"))]
        None
    }

    /// The cookie piece (`NAME=value`) that a value of the session header
    /// stands for: give it to [`load`](Engine::load) before the request's
    /// Cookie headers, and the header gets exactly the cookie's checks.
    /// `None` without a session header, or for a value that carries no
    /// session (empty, or another `Authorization` scheme); a value that is
    /// not an id's gives a piece that loads as malformed.
    pub fn session_header_cookie(&self, value: &[u8]) -> Option<Vec<u8>> {
        #[cfg(feature = "store")]
        return self.core.header.as_ref().and_then(|h| h.piece(value));
        #[cfg(not(feature = "store"))]
        {
            let _ = value;
            None
        }
    }

    /// What [`load`](Engine::load) takes from a request: the session
    /// header's piece first, when there is one, then every Cookie header.
    /// One rule for every framework's adapter.
    pub(crate) fn request_input<'a>(
        &self,
        header: Option<&[u8]>,
        cookies: impl IntoIterator<Item = &'a [u8]>,
    ) -> Vec<std::borrow::Cow<'a, [u8]>> {
        let mut input = Vec::with_capacity(2);
        let piece = header.and_then(|value| self.session_header_cookie(value));
        input.extend(piece.map(std::borrow::Cow::Owned));
        input.extend(cookies.into_iter().map(std::borrow::Cow::Borrowed));
        input
    }

    /// The value the response's session header takes after `saved`: the
    /// new id when the save wrote one, empty when the session ended, and
    /// `None` when the id did not change (or there is no session header).
    pub fn session_header_value(&self, saved: &crate::Saved) -> Option<String> {
        #[cfg(feature = "store")]
        return self
            .core
            .header
            .as_ref()
            .and_then(|h| h.response_value(saved));
        #[cfg(not(feature = "store"))]
        {
            let _ = saved;
            None
        }
    }

    /// The browsers (limits database and User-Agent cache) in use.
    pub fn browsers(&self) -> &Arc<Browsers> {
        &self.core.browsers
    }

    /// The budget this session has on its request (for an engine with
    /// groups, the budget of the group that holds every unclaimed key).
    pub fn budget(&self, session: &Session) -> Budget {
        self.core.layout.jar().budget(&session.request)
    }

    /// A grouped session's groups, in priority order: each group's cookie
    /// name and its share of the session (its cookies as the request
    /// carried them, its `empty_reason`...). Empty for an engine without
    /// groups.
    pub fn groups<'s>(&self, session: &'s Session) -> Vec<(&str, &'s Session)> {
        match (self.core.layout.groups(), &session.parts) {
            (Some(groups), Some(parts)) => groups
                .members
                .iter()
                .map(|member| member.jar().name.as_str())
                .zip(&parts.sessions)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Where each key of a grouped session lives. Empty for an engine
    /// without groups.
    pub fn placement(&self, session: &Session) -> Vec<Placement> {
        let (Some(groups), Some(parts)) = (self.core.layout.groups(), &session.parts) else {
            return Vec::new();
        };
        session
            .data_for_merge()
            .keys()
            .map(|key| {
                let home = groups.route(key);
                Placement {
                    key: key.to_owned(),
                    group: groups.members[home].jar().name.clone(),
                    overflowed: parts.sessions[home].is_overflowed(key),
                }
            })
            .collect()
    }
}

impl Engine<Client> {
    /// Reads the session from a request's Cookie header values.
    ///
    /// `cookie_headers` are the values of every `Cookie` header (HTTP/2 may
    /// send several), as strings or bytes. Bad cookies never fail: the
    /// session starts empty and [`Session::empty_reason`] says why.
    pub fn load<I>(&self, cookie_headers: I, user_agent: Option<&str>) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let span = self.core.load_span();
        let session = span.in_scope(|| self.core.read_headers(cookie_headers, user_agent));
        self.core.loaded(&span, &session);
        session
    }

    /// Gives the `Set-Cookie` values that store `session`, fitting it into
    /// the request's budget and shrinking it when it does not fit.
    ///
    /// Writes only when needed, and then a whole generation of cookies (see
    /// [`SaveReason`](crate::SaveReason) for when): otherwise it sends
    /// nothing, not even the removal of a leftover chunk. An empty session,
    /// or one whose cookies were rejected, expires every session cookie the
    /// request carried; rejected cookies that claim to be under a minute old
    /// are left alone, since they may be a write still in flight.
    ///
    /// When the request's other cookies leave no room for the session, its
    /// cookies are expired and the report says
    /// [`SaveAction::NoRoom`](crate::SaveAction::NoRoom); the session's keys
    /// are gone from `session` and listed as dropped.
    ///
    /// # Errors
    /// [`SaveError::DoesNotFit`] when the configuration leaves no room for
    /// even an empty session on a request without other cookies; the
    /// session and its cookies are then left alone.
    pub fn save(&self, session: &mut Session) -> Result<Saved, SaveError> {
        self.core.save_cookies(session)
    }

    /// The same engine, with `async` [`load`](Engine::load) and
    /// [`save`](Engine::save): for code that serves client and stored
    /// configurations alike.
    pub fn into_stored(self) -> Engine<Stored> {
        Engine {
            core: self.core,
            flavour: PhantomData,
        }
    }
}

/// A stored engine's load, between reading the cookies and asking the
/// stores: `.await` it for the [`Session`].
///
/// # Example
/// ```
/// use cookietin::{EmptyReason, Engine, Key};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
///     .build()?
///     .into_stored();
/// let loading = engine.load(["session=forged"], None);
/// // A cookie that does not verify never reaches the store.
/// assert_eq!(loading.cookies().empty_reason(), Some(&EmptyReason::Malformed));
/// let session = loading.await;
/// assert!(session.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a load does nothing with the stores until it is awaited"]
pub struct Loading {
    session: Session,
    core: Arc<Core>,
    span: crate::trace::Span,
}

impl std::fmt::Debug for Loading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loading")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Loading {
    /// The session as the request's cookies alone hold it, before any
    /// store is asked: a store-backed session is still empty, with
    /// [`EmptyReason::NotFetched`](crate::EmptyReason::NotFetched) when its
    /// id verified.
    pub fn cookies(&self) -> &Session {
        &self.session
    }
}

impl std::future::IntoFuture for Loading {
    type Output = Session;
    type IntoFuture = Pin<Box<dyn Future<Output = Session> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let Loading {
            mut session,
            core,
            span,
        } = self;
        Box::pin(async move {
            span.run(core.fetch(&mut session)).await;
            core.loaded(&span, &session);
            session
        })
    }
}

impl Engine<Stored> {
    /// Reads the session from a request's Cookie header values, then what
    /// the layout keeps in stores: the record of a store-backed session,
    /// the moved keys of an overflowing one, the revocations of a revocable
    /// one; one call per store, each within the store's deadline. Await
    /// the [`Loading`] it returns.
    ///
    /// The cookies are read before this returns, so the future borrows
    /// neither the headers nor the User-Agent, and only a verified id ever
    /// reaches a store.
    ///
    /// Never fails: bad cookies give an empty session, and
    /// [`Session::empty_reason`] (or, for a client-side session's store,
    /// [`Session::store_reason`]) says why; a store that does not answer
    /// gives `EmptyReason::StoreUnavailable`.
    pub fn load<I>(&self, cookie_headers: I, user_agent: Option<&str>) -> Loading
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let span = self.core.load_span();
        Loading {
            session: span.in_scope(|| self.core.read_headers(cookie_headers, user_agent)),
            core: self.core.clone(),
            span,
        }
    }

    /// Saves `session`: the stores first (only the keys this request
    /// changed), then the `Set-Cookie` values, fitted as a client engine's
    /// [`save`](Engine::save) fits them.
    ///
    /// # Errors
    /// - `SaveError::Store`: a store failed or timed out; nothing about
    ///   the cookies changed, and the changes may or may not be in the
    ///   store (see `store::StoreError`).
    /// - [`SaveError::SessionGone`]: another request destroyed or
    ///   regenerated the session after this one loaded it.
    /// - [`SaveError::DoesNotFit`], as for a client engine.
    pub async fn save(&self, session: &mut Session) -> Result<Saved, SaveError> {
        self.core.save(session).await
    }

    /// Logs `user` out everywhere: every session whose user key holds
    /// `user` and that logged in before `before` (seconds since the Unix
    /// epoch; `None` for now) loads empty with
    /// [`EmptyReason::Revoked`](crate::EmptyReason::Revoked) from then on:
    /// in every revocable group that names a user key
    /// ([`EngineBuilder::revocable`](crate::EngineBuilder::revocable) and
    /// [`EngineBuilder::revoke_by_user`](crate::EngineBuilder::revoke_by_user)),
    /// and, with a per-user index
    /// ([`EngineBuilder::user_key`](crate::EngineBuilder::user_key)), every
    /// session it lists, store-backed ones included (with `None`, every
    /// one it lists, even one that logged in this very second).
    ///
    /// The time compared is the login's, which the session id carries and
    /// no save moves: a request that loaded the session before this call
    /// and saves after it does not bring the session back.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::MemoryStore;
    /// use cookietin::{EmptyReason, Engine, Key};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .revocable(MemoryStore::new())
    ///     .revoke_by_user("user")
    ///     .build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None).await;
    /// session.insert("user", &"ada")?;
    /// let saved = engine.save(&mut session).await?;
    /// let cookie = saved.set_cookies[0].split(';').next().unwrap().to_owned();
    ///
    /// engine.revoke_user(&"ada", Some(u64::MAX)).await?;
    /// let stolen = engine.load([cookie], None).await;
    /// assert_eq!(stolen.empty_reason(), Some(&EmptyReason::Revoked));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The store's error; [`StoreError::Backend`](crate::store::StoreError::Backend)
    /// when no group is revocable by user, or `user` does not serialize.
    #[cfg(feature = "store")]
    pub async fn revoke_user<U: serde::Serialize + ?Sized>(
        &self,
        user: &U,
        before: Option<u64>,
    ) -> Result<(), crate::store::StoreError> {
        use crate::store::StoreError;
        let user = serde_json::to_string(user)
            .map_err(|e| StoreError::Backend(format!("the user does not serialize: {e}")))?;
        let now = (self.core.clock)();
        let requested = before;
        let before = before.unwrap_or(now);
        let mut revoked = false;
        for (jar, revocation) in self.core.layout.revocations() {
            if revocation.user_key.is_some() {
                revocation.revoke_user(jar, &user, before, now).await?;
                revoked = true;
            }
        }
        if let Some(index) = &self.core.index {
            // Without a time, every session the index lists now ends, those
            // that logged in this very second included.
            let all = requested.is_none();
            index
                .end_where(&user, |l| all || l.created < before, now)
                .await?;
            revoked = true;
        }
        if revoked {
            Ok(())
        } else {
            Err(StoreError::Backend(
                "the engine is not revocable by user".to_owned(),
            ))
        }
    }
}
