//! Overflow into a store: a client-side session that does not fit its
//! cookies keeps the excess in a store instead of dropping it.
//!
//! The shrink callbacks still run first; then the keys the app lets move
//! ([`EngineBuilder::overflow_keys`], every key by default) go into the
//! store, largest first, each reported as a [`ShrinkStep::Moved`]; only
//! what still does not fit is dropped. The moved keys live in one record
//! under the session's id, which the signed envelope carries (flag `ID`),
//! and a load brings them back. A session is therefore never dropped for
//! size while the store is reachable. When it isn't, the save falls back
//! to shrinking and dropping, and its report starts with
//! [`ShrinkStep::StoreUnavailable`].
//!
//! [`EngineBuilder::overflow_keys`]: crate::EngineBuilder::overflow_keys
//! [`ShrinkStep::Moved`]: crate::ShrinkStep::Moved
//! [`ShrinkStep::StoreUnavailable`]: crate::ShrinkStep::StoreUnavailable

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::codec::ID_LEN;
use crate::engine::jar::Jar;
use crate::engine::steps::ids::record_key_for;
use crate::fit::shrink::Moving;
use crate::session::server::{RecordState, ServerState};
use crate::store::{Changes, Created, Entries, RecordKey, Store, StoreError, Updated};
use crate::{EmptyReason, SaveError, Session};

/// An overflowing layout's store.
pub(crate) struct Overflow {
    /// The store, with the engine's deadline on every call.
    pub store: Arc<dyn Store>,
    /// The keys that may move; `None` for every key.
    pub movable: Option<BTreeSet<String>>,
}

/// The store key of a session id's overflow record.
fn overflow_key(jar: &Jar, id: &[u8; ID_LEN]) -> RecordKey {
    record_key_for("overflow", &jar.name, id)
}

impl Overflow {
    /// Whether the app lets `key` move into the store.
    pub(crate) fn may_move(&self, key: &str) -> bool {
        self.movable.as_ref().is_none_or(|m| m.contains(key))
    }

    /// Brings the moved keys back from the store.
    pub(crate) async fn fetch(&self, jar: &Jar, session: &mut Session) {
        let Some(server) = &session.server else {
            return;
        };
        let (Some(id), RecordState::NotFetched) = (server.id, server.record) else {
            return;
        };
        let (record, reason, in_store) = match self.store.load(overflow_key(jar, &id), None).await {
            Ok(Some(record)) => {
                let mut keys = BTreeSet::new();
                let data = session.data_write();
                for (k, json) in record.entries {
                    // The cookie's copy of a key, if it has one, is newer.
                    if !data.contains_key(&k) {
                        data.insert_from_store(&k, json);
                    }
                    keys.insert(k);
                }
                (RecordState::Loaded, None, keys)
            }
            Ok(None) => (
                RecordState::Gone,
                Some(EmptyReason::RecordGone),
                BTreeSet::new(),
            ),
            Err(e) => (
                RecordState::Unavailable,
                Some(EmptyReason::StoreUnavailable(e)),
                BTreeSet::new(),
            ),
        };
        if reason.is_some() {
            session.request.store_reason = reason;
        }
        if let Some(server) = &mut session.server {
            server.record = record;
            server.in_store = in_store;
        }
    }

    /// Deletes the overflow record of `id`, or moves it to the id `new`.
    pub(crate) async fn retire(
        &self,
        jar: &Jar,
        old: &[u8; ID_LEN],
        new: Option<&[u8; ID_LEN]>,
        now: u64,
    ) -> Result<(), StoreError> {
        let key = overflow_key(jar, old);
        match new {
            None => self.store.delete(key).await.map(|_| ()),
            Some(new) => {
                let expires_at = now.saturating_add(jar.max_age);
                self.store
                    .regenerate(key, overflow_key(jar, new), expires_at)
                    .await
                    .map(|_| ())
            }
        }
    }

    /// Writes the moved keys to the overflow record: only those moved now
    /// that were not in it or changed, and removals of those that left it.
    pub(crate) async fn store_moved(
        &self,
        jar: &Jar,
        server: &ServerState,
        id: [u8; ID_LEN],
        moving: &Moving<'_>,
        now: u64,
    ) -> Result<(), SaveError> {
        let key = overflow_key(jar, &id);
        let expires_at = now.saturating_add(jar.max_age);
        let moved: BTreeSet<&str> = moving.moved.iter().map(|(k, _)| k.as_str()).collect();
        let mut changes = Changes::new();
        for (k, v) in &moving.moved {
            if !server.in_store.contains(k) || server.changed.contains(k) || server.rewrite_all {
                changes.set(k.as_str(), v.text());
            }
        }
        // Only a record that was read is known well enough to remove from.
        if server.record == RecordState::Loaded {
            for k in server
                .in_store
                .iter()
                .filter(|k| !moved.contains(k.as_str()))
            {
                changes.remove(k.as_str());
            }
        }
        if changes.is_empty() {
            return Ok(());
        }
        if server.may_have_record() && server.id == Some(id) {
            match self.store.update(key, &changes, expires_at).await {
                Ok(Updated::Updated) => return Ok(()),
                Ok(_) if server.record == RecordState::Loaded => {
                    return Err(SaveError::SessionGone)
                }
                Ok(_) => {}
                Err(e) => return Err(SaveError::Store(e)),
            }
        }
        let entries: Entries = changes
            .sets()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        match self.store.create(key, &entries, expires_at).await {
            Ok(Created::Created) => Ok(()),
            Ok(_) => Err(SaveError::SessionGone),
            Err(e) => Err(SaveError::Store(e)),
        }
    }
}
