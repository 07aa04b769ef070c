//! Overflow into a store (feature `store`): a client-side session that
//! does not fit its cookies keeps the excess in a store instead of
//! dropping it.
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
use crate::engine::save::Carry;
use crate::engine::server_side::{fresh_id, record_key_for};
use crate::fit::shrink::{Overflow, ShrinkStep};
use crate::session::server::{RecordState, ServerState};
use crate::store::{Changes, Created, Entries, Store, Updated};
use crate::{EmptyReason, Engine, SaveError, Saved, Session};

/// A client-side engine's overflow store.
pub(crate) struct OverflowStore {
    pub store: Arc<dyn Store>,
    /// The keys that may move; `None` for every key.
    pub movable: Option<BTreeSet<String>>,
}

/// The purpose an overflow record's key is derived for.
const PURPOSE: &str = "overflow";

impl Engine {
    pub(crate) fn overflows(&self) -> bool {
        self.overflow.is_some()
    }

    /// Whether the client-side session has a store: to overflow into, or to
    /// be revoked in. Its envelope then always carries an id.
    pub(crate) fn has_client_store(&self) -> bool {
        self.overflows() || self.revocable()
    }

    /// What a load of a client-side session with a store records before
    /// the store is asked: the id, its user (for tombstones), and that the
    /// store is still to be read.
    pub(crate) fn begin_client_store(&self, session: &mut Session) {
        let id = session.request.session_id;
        let user = self.revocation_user(session);
        session.server = Some(ServerState {
            id,
            record: if id.is_some() && self.overflows() {
                RecordState::NotFetched
            } else {
                RecordState::New
            },
            user,
            ..ServerState::default()
        });
        if id.is_some() && session.request.empty_reason.is_none() {
            session.request.store_reason = Some(EmptyReason::NotFetched);
        }
    }

    /// Reads a client-side session's store: its revocations, then its
    /// moved keys.
    pub(crate) async fn fetch_client_store(&self, session: &mut Session) {
        if !self.has_client_store() || session.request.session_id.is_none() {
            return;
        }
        session.request.store_reason = None;
        self.check_revoked(session).await;
        if session.request.empty_reason.is_none() {
            self.fetch_overflow(session).await;
        }
    }

    /// Brings the moved keys back from the overflow store.
    async fn fetch_overflow(&self, session: &mut Session) {
        let Some(overflow) = &self.overflow else {
            return;
        };
        let Some(server) = &session.server else {
            return;
        };
        let (Some(id), RecordState::NotFetched) = (server.id, server.record) else {
            return;
        };
        let key = record_key_for(PURPOSE, &self.name, &id);
        let (record, reason, in_store) = match overflow.store.load(key, None).await {
            Ok(Some(record)) => {
                let mut keys = BTreeSet::new();
                let data = session.data_for_save();
                for (k, json) in record.entries {
                    let Ok(raw) = serde_json::value::RawValue::from_string(json) else {
                        continue;
                    };
                    // The cookie's copy of a key, if it has one, is newer.
                    if !data.contains_key(&k) {
                        data.insert_raw(&k, raw);
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

    /// [`Engine::save_async`] for a client-side session with a store.
    pub(crate) async fn save_with_client_store(
        &self,
        session: &mut Session,
    ) -> Result<Saved, SaveError> {
        let now = (self.clock)();
        let mut server = session
            .server
            .get_or_insert_with(ServerState::default)
            .clone();
        let destroy = server.destroy || (session.is_empty() && session.is_modified());
        if destroy {
            if let Some(old) = server.id {
                self.retire(&server, old, now, None).await?;
            }
            server = ServerState::default();
            session.server = Some(server.clone());
        } else if server.regenerate {
            if let Some(old) = server.id {
                let new = fresh_id()?;
                self.retire(&server, old, now, Some(new)).await?;
                // The overflow record moved with the id.
                server.id = Some(new);
            }
        }
        let id = server.id;
        let reason = match self.reason_to_write(session, now) {
            Ok(reason) => reason,
            Err(done) => return Ok(*done),
        };
        let id = match id {
            Some(id) => id,
            None => fresh_id()?,
        };
        let Some(overflow) = &self.overflow else {
            let saved = self.write(session, reason, now, Carry::DataWithId(id, None))?;
            if let Some(state) = &mut session.server {
                state.id = Some(id);
                state.regenerate = false;
            }
            return Ok(saved);
        };
        let store = &overflow.store;
        let movable = |key: &str| overflow.movable.as_ref().map_or(true, |m| m.contains(key));
        if server.record != RecordState::Unavailable {
            // To write again from the same request should the store fail.
            let before = session.clone();
            let mut moving = Overflow {
                may_move: &movable,
                moved: Vec::new(),
            };
            let saved = self.write(
                session,
                reason,
                now,
                Carry::DataWithId(id, Some(&mut moving)),
            )?;
            // The handler's view keeps the moved keys.
            for (key, value) in &moving.moved {
                session.data_for_save().insert_raw(key, value.clone());
            }
            match self
                .store_moved(store.as_ref(), &server, id, &moving, now)
                .await
            {
                Ok(()) => {
                    if let Some(state) = &mut session.server {
                        state.id = Some(id);
                        state.regenerate = false;
                        state.record = RecordState::Loaded;
                        state.in_store = moving.moved.iter().map(|(k, _)| k.clone()).collect();
                        state.changed.clear();
                        state.rewrite_all = false;
                    }
                    return Ok(saved);
                }
                Err(SaveError::Store(_)) => {
                    // Write again, keeping in the cookies what they can hold.
                    *session = before;
                }
                Err(e) => return Err(e),
            }
        }
        let mut saved = self.write(session, reason, now, Carry::DataWithId(id, None))?;
        saved
            .report
            .shrink
            .steps
            .insert(0, ShrinkStep::StoreUnavailable);
        Ok(saved)
    }

    /// Ends the old id of a destroyed or regenerated session: its overflow
    /// record goes (or moves to the `new` id), and its tombstones are
    /// written.
    async fn retire(
        &self,
        server: &ServerState,
        old: [u8; ID_LEN],
        now: u64,
        new: Option<[u8; ID_LEN]>,
    ) -> Result<(), SaveError> {
        if let (Some(overflow), true) = (&self.overflow, server.may_have_record()) {
            let key = record_key_for(PURPOSE, &self.name, &old);
            let done = match new {
                None => overflow.store.delete(key).await.map(|_| ()),
                Some(new) => {
                    let new = record_key_for(PURPOSE, &self.name, &new);
                    let expires_at = now.saturating_add(self.max_age);
                    overflow
                        .store
                        .regenerate(key, new, expires_at)
                        .await
                        .map(|_| ())
                }
            };
            done.map_err(SaveError::Store)?;
        }
        self.write_tombstones(&old, server.user.as_deref(), now)
            .await
            .map_err(SaveError::Store)
    }

    /// Writes the moved keys to the overflow record: only those moved now
    /// that were not in it or changed, and removals of those that left it.
    async fn store_moved(
        &self,
        store: &dyn Store,
        server: &ServerState,
        id: [u8; ID_LEN],
        moving: &Overflow<'_>,
        now: u64,
    ) -> Result<(), SaveError> {
        let key = record_key_for(PURPOSE, &self.name, &id);
        let expires_at = now.saturating_add(self.max_age);
        let moved: BTreeSet<&str> = moving.moved.iter().map(|(k, _)| k.as_str()).collect();
        let mut changes = Changes::new();
        for (k, v) in &moving.moved {
            if !server.in_store.contains(k) || server.changed.contains(k) || server.rewrite_all {
                changes.set(k.as_str(), v.get());
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
            match store.update(key, &changes, expires_at).await {
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
        match store.create(key, &entries, expires_at).await {
            Ok(Created::Created) => Ok(()),
            Ok(_) => Err(SaveError::SessionGone),
            Err(e) => Err(SaveError::Store(e)),
        }
    }
}
