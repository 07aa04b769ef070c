//! Revocation of client-side sessions: logout that also logs out every
//! copy of the cookie.
//!
//! A revocable session's envelope carries a random id. Its destroy writes
//! a tombstone for the id that lasts until the max age has passed, so every
//! copy of the cookie (another tab, or stolen) then loads empty with
//! [`EmptyReason::Revoked`]. With a user key
//! ([`EngineBuilder::revoke_by_user`](crate::EngineBuilder::revoke_by_user)),
//! [`Engine::revoke_user`](crate::Engine::revoke_user) logs that user out
//! everywhere: every session of theirs that logged in before a time. The
//! login time compared is the one the session id carries (see
//! [`ids`](super::ids)), which no save moves: a request that loaded the
//! session before the revocation and saves after it re-issues the cookie
//! with a new issued-at time, and the session is still revoked.
//!
//! The price is one store lookup per load: the user's record when the
//! session holds a user (its "not before" time and the tombstones of its
//! sessions), or the id's tombstone otherwise. A destroy writes both, so a
//! copy of the cookie taken before the user logged in is revoked as well.
//! When the store does not answer, the check fails open: the session loads
//! and [`Session::store_reason`] says the check was skipped, so an outage
//! logs nobody out.

use std::sync::Arc;

use crate::codec::ID_LEN;
use crate::engine::jar::Jar;
use crate::engine::steps::ids::{login_time, record_key_for};
use crate::store::{Changes, Created, Entries, RecordKey, Store, StoreError, Updated};
use crate::{EmptyReason, Session, SessionData};

/// A revocable layout's store, and the key that holds the user.
pub(crate) struct Revocation {
    /// The store, with the engine's deadline on every call.
    pub store: Arc<dyn Store>,
    pub user_key: Option<String>,
}

/// The user record's field for the time before which sessions are revoked.
const NOT_BEFORE: &str = "nb";

/// The user record's field that revokes the session id whose tombstone
/// key is `tombstone`: named after the key, a hash, so that the store holds
/// no id, and so that the per-user index, which holds only the key, can
/// write it.
pub(crate) fn tombstone_field(tombstone: &RecordKey) -> String {
    format!("r:{}", tombstone.to_hex())
}

/// The key of a session id's own tombstone.
pub(crate) fn tombstone_key(name: &str, id: &[u8; ID_LEN]) -> RecordKey {
    record_key_for("revoked", name, id)
}

/// The key of a user's record: its "not before" time and the tombstones
/// of its sessions.
pub(crate) fn user_key(name: &str, user_json: &str) -> RecordKey {
    record_key_for("user", name, user_json.as_bytes())
}

impl Revocation {
    /// The JSON of the session's user, if a user key is named and the
    /// session holds it.
    pub(crate) fn user_of(&self, data: &SessionData) -> Option<String> {
        let key = self.user_key.as_ref()?;
        data.get_raw(key).map(|raw| raw.get().to_owned())
    }

    /// Checks a loaded session against its revocations: one store lookup.
    /// A revoked session is emptied, with its reason.
    pub(crate) async fn check(&self, jar: &Jar, session: &mut Session) {
        let (Some(id), Some(issued)) = (session.request.session_id, session.request.issued_at)
        else {
            return;
        };
        let revoked = match self.user_of(session.data_for_merge()) {
            Some(user) => match self.store.load(user_key(&jar.name, &user), None).await {
                Ok(Some(record)) => {
                    let not_before = record
                        .entries
                        .get(NOT_BEFORE)
                        .and_then(|v| v.parse::<u64>().ok());
                    let field = tombstone_field(&tombstone_key(&jar.name, &id));
                    let login = login_time(&id, issued, jar.clock_skew);
                    Ok(record.entries.contains_key(&field)
                        || not_before.is_some_and(|nb| login < nb))
                }
                Ok(None) => Ok(false),
                Err(e) => Err(e),
            },
            None => self
                .store
                .load(tombstone_key(&jar.name, &id), None)
                .await
                .map(|r| r.is_some()),
        };
        match revoked {
            Ok(false) => {}
            Ok(true) => session.replace_revoked(),
            Err(e) => session.request.store_reason = Some(EmptyReason::StoreUnavailable(e)),
        }
    }

    /// Writes the tombstones of a session's id: its own, and its user's
    /// record's entry, until the max age has passed.
    pub(crate) async fn write_tombstones(
        &self,
        jar: &Jar,
        id: &[u8; ID_LEN],
        user: Option<&str>,
        now: u64,
    ) -> Result<(), StoreError> {
        let expires_at = now.saturating_add(jar.max_age);
        let store = self.store.as_ref();
        let tombstone = Entries::from([("revoked".to_owned(), "true".to_owned())]);
        // Already there (a second destroy of one id) is as good.
        let key = tombstone_key(&jar.name, id);
        let _ = store.create(key, &tombstone, expires_at).await?;
        if let Some(user) = user {
            let mut changes = Changes::new();
            changes.set(tombstone_field(&key), "true");
            upsert(store, user_key(&jar.name, user), &changes, expires_at).await?;
        }
        Ok(())
    }

    /// Revokes every session of `jar` whose user key holds `user_json` and
    /// that logged in before `before`.
    pub(crate) async fn revoke_user(
        &self,
        jar: &Jar,
        user_json: &str,
        before: u64,
        now: u64,
    ) -> Result<(), StoreError> {
        let mut changes = Changes::new();
        changes.set(NOT_BEFORE, before.to_string());
        let expires_at = now.saturating_add(jar.max_age);
        upsert(
            self.store.as_ref(),
            user_key(&jar.name, user_json),
            &changes,
            expires_at,
        )
        .await
    }
}

/// Updates a record, creating it when it is not there yet.
pub(crate) async fn upsert(
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
