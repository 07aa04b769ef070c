//! What ending one listed session takes, member by member: the store key
//! the index keeps for it, and how a revocation ends it.
//!
//! - a store-backed member's key is its record's: a revocation deletes the
//!   record (so a save still in flight fails with
//!   [`SaveError::SessionGone`](crate::SaveError::SessionGone), the store's
//!   contract) and leaves a tombstone, so that the next load says
//!   [`EmptyReason::Revoked`](crate::EmptyReason::Revoked);
//! - a revocable client-side member's key is its id's tombstone: a
//!   revocation writes it (and, when the member revokes by user, the
//!   user record's field for it), and every copy of the cookie, re-issued
//!   or not, then loads revoked.
//!
//! Either way the key is a hash of the session id: the index never holds
//! an id a cookie could carry.

use std::sync::Arc;

use crate::codec::ID_LEN;
use crate::engine::steps::records::{gone_key, record_key};
use crate::engine::steps::revocation::{tombstone_field, tombstone_key, upsert, user_key};
use crate::store::{Changes, Entries, RecordKey, Store, StoreError};

/// How a member's sessions end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A store-backed member: its record is deleted.
    Record,
    /// A revocable client-side member: its id is tombstoned; `user_field`
    /// when its revocations name a user, whose record the load reads.
    Tombstone { user_field: bool },
}

/// One member that a revocation can end.
#[derive(Clone)]
pub(crate) struct Controller {
    /// The member's cookie name.
    pub name: String,
    /// Its position in the layout (0 without groups).
    pub member: usize,
    pub kind: Kind,
    /// The member's store, with the engine's deadline on every call.
    pub store: Arc<dyn Store>,
    /// Seconds the member's sessions live after they were issued: how long
    /// a tombstone must last.
    pub max_age: u64,
}

impl Controller {
    /// The store key that ends the session `id` of this member.
    pub(crate) fn key_for(&self, id: &[u8; ID_LEN]) -> RecordKey {
        match self.kind {
            Kind::Record => record_key(&self.name, id),
            Kind::Tombstone { .. } => tombstone_key(&self.name, id),
        }
    }

    /// Whether the data of this member's sessions lives in its store.
    pub(crate) fn holds_data(&self) -> bool {
        self.kind == Kind::Record
    }

    /// Ends the session whose key is `key`, for the user `user_json`.
    pub(crate) async fn revoke(
        &self,
        user_json: &str,
        key: RecordKey,
        now: u64,
    ) -> Result<(), StoreError> {
        let expires_at = now.saturating_add(self.max_age);
        let tombstone = Entries::from([("revoked".to_owned(), "true".to_owned())]);
        let store = self.store.as_ref();
        match self.kind {
            Kind::Record => {
                store.delete(key).await?;
                // Already there (a second revocation) is as good.
                let _ = store
                    .create(gone_key(&self.name, &key), &tombstone, expires_at)
                    .await?;
            }
            Kind::Tombstone { user_field } => {
                let _ = store.create(key, &tombstone, expires_at).await?;
                if user_field {
                    let mut changes = Changes::new();
                    changes.set(tombstone_field(&key), "true");
                    upsert(store, user_key(&self.name, user_json), &changes, expires_at).await?;
                }
            }
        }
        Ok(())
    }
}
