//! A user's sessions, seen from the server (feature `store`): the API of
//! the per-user index ([`steps::index`](super::steps::index)), on
//! [`Engine<Stored>`](Engine) and, for the request's own user, on
//! [`SessionHandle`](crate::SessionHandle).

use std::future::Future;

use serde::Serialize;

use crate::engine::flavour::Stored;
use crate::engine::steps::index::device::Device;
use crate::engine::steps::index::entry::handle_of;
use crate::engine::steps::index::Index;
use crate::engine::Core;
use crate::session::login::LoginState;
use crate::store::{Changes, RecordKey, StoreError};
use crate::{Engine, Session, SessionData};

impl Core {
    /// The index, or the error every index call gives without one.
    pub(crate) fn index(&self) -> Result<&Index, StoreError> {
        self.index.as_ref().ok_or_else(|| {
            StoreError::Backend(
                "the engine keeps no session index (EngineBuilder::user_key)".to_owned(),
            )
        })
    }

    /// The index key of `session` as it stands: its anchor's store key.
    pub(crate) fn index_key_of(&self, session: &Session) -> Option<RecordKey> {
        let index = self.index.as_ref()?;
        let cached = self.layout.cached_key(session, index.anchor);
        index.key_with(&self.layout.member_ids(session), cached)
    }

    /// The user, ids and (`with_key`, when it holds a user) index key
    /// `session` holds now: what a save compares with the load's.
    pub(crate) fn login_state(
        &self,
        index: &Index,
        session: &Session,
        with_key: bool,
    ) -> LoginState {
        let user = index.user_of(session.data_for_merge());
        let ids = self.layout.member_ids(session);
        let key = match user {
            Some(_) if with_key => {
                index.key_with(&ids, self.layout.cached_key(session, index.anchor))
            }
            _ => None,
        };
        LoginState { user, ids, key }
    }

    /// The user `session` holds and its index key: what the handle's calls
    /// need, taken under its lock.
    pub(crate) fn whose(&self, session: &Session) -> (Option<String>, Option<RecordKey>) {
        let user = self
            .index
            .as_ref()
            .and_then(|index| index.user_of(session.data_for_merge()));
        (user, self.index_key_of(session))
    }

    pub(crate) async fn devices(
        &self,
        user: &str,
        current: Option<RecordKey>,
    ) -> Result<Vec<Device>, StoreError> {
        self.index()?.devices(user, current, (self.clock)()).await
    }

    pub(crate) async fn revoke_device(&self, user: &str, handle: &str) -> Result<bool, StoreError> {
        let ended = self
            .index()?
            .end_where(user, |l| l.handle() == handle, (self.clock)())
            .await?;
        Ok(ended > 0)
    }

    pub(crate) async fn revoke_others(
        &self,
        user: &str,
        current: Option<RecordKey>,
    ) -> Result<usize, StoreError> {
        self.index()?
            .end_where(user, |l| l.key() != current, (self.clock)())
            .await
    }
}

/// The JSON of a user, as sessions hold it.
pub(crate) fn user_json<U: Serialize + ?Sized>(user: &U) -> Result<String, StoreError> {
    serde_json::to_string(user)
        .map_err(|e| StoreError::Backend(format!("the user does not serialize: {e}")))
}

/// # A user's sessions (the per-user index)
///
/// With [`EngineBuilder::user_key`](crate::EngineBuilder::user_key) (or
/// `revoke_by_user`), each of these works on every store, for
/// store-backed sessions and for revocable client-side ones; a user is
/// passed as the value its sessions hold under the user key. Without an
/// index, each fails with `StoreError::Backend`.
impl Engine<Stored> {
    /// The sessions of `user`: the session asking first (`current`, if it
    /// is one of them), then the most recently seen. Two store loads.
    ///
    /// # Errors
    /// The store's error; `StoreError::Backend` without an index.
    pub fn devices<U: Serialize + ?Sized>(
        &self,
        user: &U,
        current: Option<&Session>,
    ) -> impl Future<Output = Result<Vec<Device>, StoreError>> + Send + '_ {
        // The session and the user are read now: the future holds neither.
        let current = current.and_then(|s| self.core().index_key_of(s));
        let user = user_json(user);
        async move { self.core().devices(&user?, current).await }
    }

    /// The public handle of `session` (as [`Device::handle`]), if it is a
    /// session the index can list: one with an id in a store or a
    /// revocation store. Never its id.
    pub fn device_handle(&self, session: &Session) -> Option<String> {
        self.core().index_key_of(session).map(|key| handle_of(&key))
    }

    /// Ends the session of `user` whose handle is `handle`: a store-backed
    /// session's record is deleted (a request of it still in flight then
    /// fails to save with `SaveError::SessionGone`), a client-side one's
    /// id is revoked; every copy of its cookies then loads empty with
    /// [`EmptyReason::Revoked`](crate::EmptyReason::Revoked). Answers
    /// whether the index listed it.
    ///
    /// # Errors
    /// The store's error; the session may then be ended or not, and the
    /// call can be made again.
    pub fn revoke_device<'a, U: Serialize + ?Sized>(
        &'a self,
        user: &U,
        handle: &'a str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        let user = user_json(user);
        async move { self.core().revoke_device(&user?, handle).await }
    }

    /// "Sign out other devices": ends every session of `current`'s user but
    /// `current`, as [`revoke_device`](Engine::revoke_device) ends one.
    /// Answers how many ended (0 when `current` holds no user).
    ///
    /// # Errors
    /// As [`revoke_device`](Engine::revoke_device).
    pub fn revoke_other_devices(
        &self,
        current: &Session,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send + '_ {
        let (user, key) = self.core().whose(current);
        async move {
            match user {
                Some(user) => self.core().revoke_others(&user, key).await,
                None => Ok(0),
            }
        }
    }

    /// The data of the listed session `handle` of `user`, read from its
    /// store with no request from its client; `None` when the index does
    /// not list it, or none of its data lives in a store (a client-side
    /// session's data is in its cookies). For groups, every store-backed
    /// group's keys.
    ///
    /// # Errors
    /// The store's error.
    pub fn device_data<'a, U: Serialize + ?Sized>(
        &'a self,
        user: &U,
        handle: &'a str,
    ) -> impl Future<Output = Result<Option<SessionData>, StoreError>> + Send + 'a {
        let user = user_json(user);
        async move { self.core().index()?.data(&user?, handle).await }
    }

    /// Changes the data of every session of `user` that lives in a store,
    /// with no request from their clients: an admin task that changes a
    /// role, say. Each session's record gets `changes` in one per-key
    /// update, as a request's save writes it: only the keys `changes`
    /// names, so a request of that session in flight, which writes only
    /// the keys it changed, loses none of them and none of its own, and
    /// its next request sees them. The record keeps its expiry. With
    /// groups, each store-backed group gets the keys it claims; keys that
    /// live in cookies can't change without a request. Answers how many
    /// sessions changed.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::{Changes, MemoryStore};
    /// use cookietin::{Engine, Key};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .server_side(MemoryStore::new())
    ///     .user_key("user")
    ///     .build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None).await;
    /// session.insert("user", &"ada")?;
    /// session.insert("role", &"reader")?;
    /// let saved = engine.save(&mut session).await?;
    /// let cookie = saved.set_cookies[0].split(';').next().unwrap().to_owned();
    ///
    /// let mut changes = Changes::new();
    /// changes.set("role", r#""editor""#);
    /// assert_eq!(engine.update_user_sessions(&"ada", &changes).await?, 1);
    /// let next = engine.load([cookie], None).await;
    /// assert_eq!(next.get::<String>("role")?.as_deref(), Some("editor"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The store's error; the sessions before it are changed.
    pub fn update_user_sessions<'a, U: Serialize + ?Sized>(
        &'a self,
        user: &U,
        changes: &'a Changes,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send + 'a {
        let user = user_json(user);
        async move {
            let core = self.core();
            let route = |key: &str| core.layout.route(key);
            core.index()?
                .update_sessions(&user?, None, changes, &route)
                .await
        }
    }

    /// Changes the data of one listed session of `user`, the one whose
    /// handle is `handle`, with no request from its client, as
    /// [`update_user_sessions`](Engine::update_user_sessions) changes each
    /// of them: a per-key write that a request in flight can't undo.
    /// Answers whether it changed (not when the index does not list it, or
    /// none of the keys lives in a store).
    ///
    /// # Errors
    /// The store's error.
    pub fn update_device<'a, U: Serialize + ?Sized>(
        &'a self,
        user: &U,
        handle: &'a str,
        changes: &'a Changes,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'a {
        let user = user_json(user);
        async move {
            let core = self.core();
            let route = |key: &str| core.layout.route(key);
            let changed = core.index()?;
            let changed = changed
                .update_sessions(&user?, Some(handle), changes, &route)
                .await?;
            Ok(changed > 0)
        }
    }
}
