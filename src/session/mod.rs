//! The session: the data ([`SessionData`]) with change tracking, and what
//! the request said about it ([`Session`]): its cookies
//! ([`request`]), its store state ([`server`]), what the per-user index
//! noted ([`login`]), and, for an engine with groups, each group's share
//! ([`parts`]).

#[cfg(feature = "store")]
pub(crate) mod login;
pub(crate) mod parts;
pub(crate) mod request;
pub(crate) mod server;

use std::cell::Cell;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::session::request::RequestState;
use crate::{EmptyReason, SessionData, ValueError};

/// A web session: the data plus what the request said about it.
///
/// Obtain one from [`Engine::load`](crate::Engine::load) (or
/// [`Session::new`] for a request with no cookies), read and change it in the
/// handler, and give it to [`Engine::save`](crate::Engine::save). The session
/// remembers whether it was read and changed, so that a response carries
/// `Set-Cookie` only when needed.
///
/// # Ending and renewing
///
/// Four calls end or renew a session, each with one meaning in every
/// layout; the next save carries them out:
///
/// | call | the data | the cookies | a store record | a revocable id |
/// |---|---|---|---|---|
/// | [`destroy`](Session::destroy) | every key goes | expired | deleted | tombstoned: every copy of the cookie loads empty |
/// | [`clear`](Session::clear) | every key goes | expired (nothing to hold) | kept, emptied, under the same id | not tombstoned |
/// | [`regenerate`](Session::regenerate) | kept | re-issued | moved to a new id | the old one tombstoned |
/// | [`renew`](Session::renew) | kept | re-issued with a new issued-at time | its expiry moves with them | kept |
///
/// Keys set after a `destroy` in the same request start a new session,
/// under a new id. A client-side session without a store has no id that
/// could outlive its cookies: there `destroy` and `clear` both expire the
/// cookies, and `regenerate` re-issues them as `renew` does (copies of the
/// old cookies stay valid until they expire; make the session revocable to
/// end them).
///
/// # Example
/// ```
/// let mut session = cookietin::Session::new();
/// assert!(!session.is_modified());
/// session.insert("user_id", &42)?;
/// assert!(session.is_modified());
/// assert_eq!(session.get::<u32>("user_id")?, Some(42));
/// assert!(session.is_accessed());
/// # Ok::<(), cookietin::ValueError>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct Session {
    /// Shared with the read cache, which keeps what a save wrote and
    /// gives it to the next loads: copied only when written to.
    data: Arc<SessionData>,
    accessed: Cell<bool>,
    modified: bool,
    renew: bool,
    compression: Option<bool>,
    pub(crate) request: RequestState,
    /// For an engine that keeps sessions in a store.
    pub(crate) server: Option<server::ServerState>,
    /// For an engine with groups: each group's share.
    pub(crate) parts: Option<Box<parts::Parts>>,
    /// For an engine with a per-user session index: the user and ids as
    /// loaded or last saved.
    #[cfg(feature = "store")]
    pub(crate) login: Option<login::LoginState>,
}

impl Session {
    /// A new, empty session, as for a request that carried no cookies.
    pub fn new() -> Session {
        Session::default()
    }

    pub(crate) fn loaded(data: Arc<SessionData>, request: RequestState) -> Session {
        // Every field named: `..Session::default()` would allocate an empty
        // data map only to drop it, on every load.
        Session {
            data,
            accessed: Cell::new(false),
            modified: false,
            renew: false,
            compression: None,
            request,
            server: None,
            parts: None,
            #[cfg(feature = "store")]
            login: None,
        }
    }

    /// The value at `key`, converted to `T`. Marks the session accessed.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.accessed.set(true);
        self.data.get(key)
    }

    /// The value at `key` as a [`serde_json::Value`]. Marks the session accessed.
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.accessed.set(true);
        self.data.get_value(key)
    }

    /// Sets `key` to `value`. Marks the session modified when the stored JSON
    /// changed.
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), ValueError> {
        let changed = self.data_write().insert(key, value)?;
        self.modified |= changed;
        if changed {
            self.track(key);
        }
        Ok(())
    }

    /// Notes a changed key for a store-backed session's per-key write.
    fn track(&mut self, key: &str) {
        if let Some(server) = &mut self.server {
            server.changed.insert(key.to_owned());
        }
    }

    /// Removes `key`, marking the session modified if it was present.
    pub fn remove(&mut self, key: &str) -> bool {
        let removed = self.data.contains_key(key) && self.data_write().remove(key);
        self.modified |= removed;
        if removed {
            self.track(key);
        }
        removed
    }

    /// Empties the session: every key goes, as if each were removed, and
    /// the session itself stays (see the [table](Session#ending-and-renewing)).
    /// A store-backed session keeps its record and id, emptied.
    pub fn clear(&mut self) {
        let keys: Vec<String> = self.data.keys().map(str::to_owned).collect();
        for key in keys {
            self.remove(&key);
        }
        if let Some(parts) = &mut self.parts {
            parts.sessions.iter_mut().for_each(Session::clear);
        }
    }

    /// Ends the session (logout): every key goes, and the next save
    /// expires every session cookie the request carried, deletes its store
    /// record, and tombstones a revocable id, so that every copy of the
    /// cookie (in another tab, or stolen) then loads empty with
    /// [`EmptyReason::RecordGone`] or [`EmptyReason::Revoked`], and a save
    /// still in flight elsewhere can't bring it back. Keys set after it in
    /// the same request start a new session under a new id.
    pub fn destroy(&mut self) {
        self.modified |= !self.data.is_empty() || self.request.carried_cookies();
        self.data = Arc::default();
        if let Some(parts) = &mut self.parts {
            parts.sessions.iter_mut().for_each(Session::destroy);
            self.modified = true;
        }
        if let Some(server) = &mut self.server {
            server.destroy |= server.id.is_some();
            server.changed.clear();
            server.rewrite_all = false;
        }
    }

    /// Gives the session a new id and keeps its data, for login (against
    /// session fixation): the old id stops working. A client-side session
    /// without a store has no id that could be ended: its cookies are
    /// re-issued.
    pub fn regenerate(&mut self) {
        self.renew = true;
        if let Some(parts) = &mut self.parts {
            parts.sessions.iter_mut().for_each(Session::regenerate);
        }
        if let Some(server) = &mut self.server {
            server.regenerate = true;
        }
    }

    /// Notes that the next save logs a user in: each part with store state
    /// gets a new id created now (a client-side one even without
    /// `regenerate`, so that its id carries the login time), and with
    /// `regenerate` the old ids are retired as [`regenerate`](Session::regenerate)
    /// retires them.
    #[cfg(feature = "store")]
    pub(crate) fn mark_login(&mut self, regenerate: bool) {
        if let Some(parts) = &mut self.parts {
            for part in &mut parts.sessions {
                part.mark_login(regenerate);
            }
        }
        // A login changes the user key, so the save writes anyway.
        if let Some(server) = &mut self.server {
            server.login = true;
            server.regenerate |= regenerate;
        }
    }

    /// Forces the next save to re-issue the cookies (with a new issued-at
    /// time, which moves the max age, and a store record's expiry with it)
    /// even though nothing changed.
    pub fn renew(&mut self) {
        self.renew = true;
        if let Some(parts) = &mut self.parts {
            parts.sessions.iter_mut().for_each(Session::renew);
        }
    }

    /// Whether `key` is present. Marks the session accessed.
    pub fn contains_key(&self, key: &str) -> bool {
        self.accessed.set(true);
        self.data.contains_key(key)
    }

    /// How many keys the session holds.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the session holds no keys.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Read access to the data. Marks the session accessed.
    pub fn data(&self) -> &SessionData {
        self.accessed.set(true);
        &self.data
    }

    /// Write access to the data. Marks the session modified.
    pub fn data_mut(&mut self) -> &mut SessionData {
        self.modified = true;
        if let Some(server) = &mut self.server {
            // Any key may change: the save writes every key there is then,
            // and removes those of now that are gone by then.
            server.changed.extend(self.data.keys().map(str::to_owned));
            server.rewrite_all = true;
        }
        self.data_write()
    }

    /// Whether any value was read since the session was loaded.
    pub fn is_accessed(&self) -> bool {
        self.accessed.get()
    }

    /// Whether any value changed since the session was loaded.
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Overrides the engine's compression setting for this session's saves.
    ///
    /// Compressed length can reveal a secret when attacker-chosen data sits
    /// beside it in the same session (see `SECURITY.md`); turn compression
    /// off for sessions that hold both.
    pub fn set_compression(&mut self, compress: bool) {
        self.compression = Some(compress);
    }

    pub(crate) fn compression(&self) -> Option<bool> {
        self.compression
    }

    /// Whether a save was forced with [`Session::renew`].
    pub fn is_renew_requested(&self) -> bool {
        self.renew
    }

    /// Why the request's session cookies were rejected, if they were.
    pub fn empty_reason(&self) -> Option<&EmptyReason> {
        self.request.empty_reason.as_ref()
    }

    /// For a client-side session with a store (overflow or revocation):
    /// why the store could not be read, if it could not. The session then
    /// holds only what its cookies carried, and, for a revocable one, it
    /// was not checked against its revocations (the check fails open, so
    /// an outage logs nobody out).
    pub fn store_reason(&self) -> Option<&EmptyReason> {
        self.request.store_reason.as_ref()
    }

    /// How many session cookies (chunks) the request carried, counting only
    /// distinct chunk names.
    pub fn request_chunks(&self) -> usize {
        self.request.chunk_names_seen()
    }

    /// The bytes of the session cookies' values on the request.
    pub fn request_value_bytes(&self) -> usize {
        self.request.value_bytes
    }

    /// The browser identified from the request's User-Agent, with the limits
    /// the engine applies to it.
    pub fn browser(&self) -> Option<&crate::Browser> {
        self.request.browser.as_deref()
    }

    /// When the loaded session was issued, in seconds since the Unix epoch.
    pub fn issued_at(&self) -> Option<u64> {
        self.request.issued_at
    }

    /// Puts the data a store-backed session's record holds in place of the
    /// cookie's (empty) payload, as loaded: neither accessed nor modified.
    /// Empties a session its store says was revoked: as a rejected one,
    /// its cookies are expired on the next save.
    #[cfg(feature = "store")]
    pub(crate) fn replace_revoked(&mut self) {
        self.data = Arc::default();
        self.request.empty_reason = Some(EmptyReason::Revoked);
        self.request.loaded_chunks = 0;
        self.request.issued_at = None;
        self.request.session_id = None;
        if let Some(server) = &mut self.server {
            *server = server::ServerState::default();
        }
    }

    #[cfg(feature = "store")]
    pub(crate) fn replace_loaded_data(&mut self, data: SessionData) {
        self.data = Arc::new(data);
    }

    /// The data, without marking it accessed.
    pub(crate) fn data_for_merge(&self) -> &SessionData {
        &self.data
    }

    /// A grouped session's whole data, put together from its groups, and
    /// the request state of the group that holds the rest.
    pub(crate) fn replace_merged(&mut self, data: SessionData, request: RequestState) {
        self.data = Arc::new(data);
        self.request = request;
    }

    /// Makes a group's share `share`: its keys that left are removed, and
    /// those new or changed set, each tracked as a change.
    pub(crate) fn take_share(&mut self, share: SessionData) {
        let gone: Vec<String> = self
            .data
            .keys()
            .filter(|k| !share.contains_key(k))
            .map(str::to_owned)
            .collect();
        for key in gone {
            self.remove(&key);
        }
        // Compared and moved as held: a store's text is not parsed here.
        for (key, json) in share.entries() {
            if self.data.text(key) != Some(json.text()) {
                self.data_write().insert_json(key, json.clone());
                self.modified = true;
                self.track(key);
            }
        }
    }

    /// Whether `key` sits in the overflow store (as last loaded or saved).
    pub(crate) fn is_overflowed(&self, key: &str) -> bool {
        self.server
            .as_ref()
            .is_some_and(|s| s.in_store.contains(key))
    }

    /// The data as saved, for the read cache to share.
    pub(crate) fn shared_data(&self) -> Arc<SessionData> {
        Arc::clone(&self.data)
    }

    /// The data to change, without marking the session modified (for the
    /// save's own changes, and the public methods that do the marking):
    /// copied first if the read cache shares it.
    pub(crate) fn data_write(&mut self) -> &mut SessionData {
        Arc::make_mut(&mut self.data)
    }

    pub(crate) fn mark_saved(&mut self) {
        self.modified = false;
        self.renew = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_same_value_is_not_a_modification() {
        let mut s = Session::new();
        s.insert("k", &"v").unwrap();
        s.mark_saved();
        s.insert("k", &"v").unwrap();
        assert!(!s.is_modified());
        s.insert("k", &"w").unwrap();
        assert!(s.is_modified());
    }

    #[test]
    fn reads_mark_accessed_only() {
        let s = Session::new();
        assert!(!s.is_accessed());
        assert_eq!(s.get::<u8>("missing").unwrap(), None);
        assert!(s.is_accessed());
        assert!(!s.is_modified());
    }

    #[test]
    fn clearing_an_empty_fresh_session_changes_nothing() {
        for end in [Session::clear, Session::destroy] {
            let mut s = Session::new();
            end(&mut s);
            assert!(!s.is_modified());
            s.insert("a", &1).unwrap();
            s.mark_saved();
            end(&mut s);
            assert!(s.is_modified());
            assert!(s.is_empty());
        }
    }

    #[test]
    fn typed_get_reports_the_key_on_mismatch() {
        let mut s = Session::new();
        s.insert("n", &5).unwrap();
        let err = s.get::<Vec<u8>>("n").unwrap_err();
        assert_eq!(err.key(), "n");
    }
}
