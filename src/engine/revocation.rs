//! Revocation of client-side sessions (feature `store`): logout that also
//! logs out every copy of the cookie.
//!
//! A revocable session's envelope carries a random id. Its destroy writes
//! a tombstone for the id that lasts until the max age has passed, so every
//! copy of the cookie (another tab, or stolen) then loads empty with
//! [`EmptyReason::Revoked`]. With [`EngineBuilder::revoke_by_user`], the app
//! names the key that holds the user, and [`Engine::revoke_user`] logs that
//! user out everywhere: every session of theirs issued before a time.
//!
//! The price is one store lookup per load: the user's record when the
//! session holds a user (its "not before" time and the tombstones of its
//! sessions), or the id's tombstone otherwise. A destroy writes both, so a
//! copy of the cookie taken before the user logged in is revoked as well.
//! When the store does not answer, the check fails open: the session loads
//! and [`Session::store_reason`](crate::Session::store_reason) says the
//! check was skipped, so an outage logs nobody out.
//!
//! [`EngineBuilder::revoke_by_user`]: crate::EngineBuilder::revoke_by_user

use std::sync::Arc;

use serde::Serialize;

use crate::codec::ID_LEN;
use crate::engine::server_side::record_key_for;
use crate::store::{Changes, Created, Entries, RecordKey, Store, StoreError, Updated};
use crate::{EmptyReason, Engine, Session, SessionData};

/// A revocable engine's store, and the key that holds the user.
pub(crate) struct Revocations {
    pub store: Arc<dyn Store>,
    pub user_key: Option<String>,
}

/// The user record's field for the time before which sessions are revoked.
const NOT_BEFORE: &str = "nb";

/// The user record's field that revokes one session id.
fn tombstone_field(id: &[u8; ID_LEN]) -> String {
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    format!("r:{hex}")
}

impl Engine {
    pub(crate) fn revocable(&self) -> bool {
        self.revocations.is_some()
    }

    fn tombstone_key(&self, id: &[u8; ID_LEN]) -> RecordKey {
        record_key_for("revoked", &self.name, id)
    }

    fn user_key(&self, user_json: &str) -> RecordKey {
        record_key_for("user", &self.name, user_json.as_bytes())
    }

    /// The JSON of the session's user, if the engine names a user key and
    /// the session holds it.
    fn user_of(&self, data: &SessionData) -> Option<String> {
        let key = self.revocations.as_ref()?.user_key.as_ref()?;
        data.get_raw(key).map(|raw| raw.get().to_owned())
    }

    /// Checks a loaded revocable session against its revocations: one
    /// store lookup. A revoked session is emptied, with its reason.
    pub(crate) async fn check_revoked(&self, session: &mut Session) {
        let Some(revocations) = &self.revocations else {
            return;
        };
        let (Some(id), Some(issued)) = (session.request.session_id, session.request.issued_at)
        else {
            return;
        };
        let revoked = match self.user_of(session.data()) {
            Some(user) => match revocations.store.load(self.user_key(&user), None).await {
                Ok(Some(record)) => {
                    let not_before = record
                        .entries
                        .get(NOT_BEFORE)
                        .and_then(|v| v.parse::<u64>().ok());
                    Ok(record.entries.contains_key(&tombstone_field(&id))
                        || not_before.is_some_and(|nb| issued < nb))
                }
                Ok(None) => Ok(false),
                Err(e) => Err(e),
            },
            None => revocations
                .store
                .load(self.tombstone_key(&id), None)
                .await
                .map(|r| r.is_some()),
        };
        match revoked {
            Ok(false) => {}
            Ok(true) => {
                session.replace_revoked();
            }
            Err(e) => {
                session.request.store_reason = Some(EmptyReason::StoreUnavailable(e));
            }
        }
    }

    /// Writes the tombstones of a revocable session's id: its own, and its
    /// user's record's entry, until the max age has passed.
    pub(crate) async fn write_tombstones(
        &self,
        id: &[u8; ID_LEN],
        user: Option<&str>,
        now: u64,
    ) -> Result<(), StoreError> {
        let Some(revocations) = &self.revocations else {
            return Ok(());
        };
        let expires_at = now.saturating_add(self.max_age);
        let store = revocations.store.as_ref();
        let tombstone = Entries::from([("revoked".to_owned(), "true".to_owned())]);
        // Already there (a second destroy of one id) is as good.
        let _ = store
            .create(self.tombstone_key(id), &tombstone, expires_at)
            .await?;
        if let Some(user) = user {
            let mut changes = Changes::new();
            changes.set(tombstone_field(id), "true");
            upsert(store, self.user_key(user), &changes, expires_at).await?;
        }
        Ok(())
    }

    /// Logs `user` out everywhere: every session of this engine whose user
    /// key holds `user` and that was issued before `before` (seconds since
    /// the Unix epoch; `None` for now) loads empty with
    /// [`EmptyReason::Revoked`] from then on. Needs
    /// [`EngineBuilder::revocable`](crate::EngineBuilder::revocable) and
    /// [`EngineBuilder::revoke_by_user`](crate::EngineBuilder::revoke_by_user).
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
    /// let mut session = engine.load_async(Vec::<&str>::new(), None).await;
    /// session.insert("user", &"ada")?;
    /// let saved = engine.save_async(&mut session).await?;
    /// let cookie = saved.set_cookies[0].split(';').next().unwrap().to_owned();
    ///
    /// engine.revoke_user(&"ada", Some(u64::MAX)).await?;
    /// let stolen = engine.load_async([cookie], None).await;
    /// assert_eq!(stolen.empty_reason(), Some(&EmptyReason::Revoked));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The store's error; [`StoreError::Backend`] when the engine is not
    /// revocable by user, or `user` does not serialize.
    pub async fn revoke_user<U: Serialize + ?Sized>(
        &self,
        user: &U,
        before: Option<u64>,
    ) -> Result<(), StoreError> {
        let revocations = self
            .revocations
            .as_ref()
            .filter(|r| r.user_key.is_some())
            .ok_or_else(|| StoreError::Backend("the engine is not revocable by user".to_owned()))?;
        let user = serde_json::to_string(user)
            .map_err(|e| StoreError::Backend(format!("the user does not serialize: {e}")))?;
        let now = (self.clock)();
        let before = before.unwrap_or(now);
        let mut changes = Changes::new();
        changes.set(NOT_BEFORE, before.to_string());
        let expires_at = now.saturating_add(self.max_age);
        upsert(
            revocations.store.as_ref(),
            self.user_key(&user),
            &changes,
            expires_at,
        )
        .await
    }

    /// The user of a session, for its tombstones.
    pub(crate) fn revocation_user(&self, session: &Session) -> Option<String> {
        self.user_of(session.data())
    }
}

/// Updates a record, creating it when it is not there yet.
async fn upsert(
    store: &dyn Store,
    key: RecordKey,
    changes: &Changes,
    expires_at: u64,
) -> Result<(), StoreError> {
    for _ in 0..3 {
        if store.update(key, changes, expires_at).await? == Updated::Updated {
            return Ok(());
        }
        let entries: Entries = changes
            .sets()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        if store.create(key, &entries, expires_at).await? == Created::Created {
            return Ok(());
        }
        // Created by someone else in between: update it.
    }
    Err(StoreError::Backend("the record kept changing".to_owned()))
}
