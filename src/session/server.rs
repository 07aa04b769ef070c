//! What a store-backed session tracks besides its data: its id, whether
//! its record was found, which keys changed (a save writes only those),
//! and a pending destroy or regenerate. Only an engine with the feature
//! `store` makes sessions that carry one.
#![cfg_attr(not(feature = "store"), allow(dead_code))]

use std::collections::BTreeSet;

use crate::codec::ID_LEN;

/// Whether the session's record was found in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum RecordState {
    /// No record yet: a new session, created on its first save with data.
    #[default]
    New,
    /// Loaded without asking the store (`Engine::load`).
    NotFetched,
    /// The store holds it.
    Loaded,
    /// The cookie's id names no record: destroyed, moved or expired. A
    /// save with data creates a new record under a new id, never the old.
    Gone,
    /// The store did not answer; the id may still name a record.
    Unavailable,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ServerState {
    pub id: Option<[u8; ID_LEN]>,
    pub record: RecordState,
    /// Keys set or removed since the load: a save writes each as it is now
    /// (set if present, removed if not).
    pub changed: BTreeSet<String>,
    /// Raw access to the data was given: every key present at the save is
    /// written too.
    pub rewrite_all: bool,
    pub destroy: bool,
    pub regenerate: bool,
    /// The save logs a user in: a new id, created now (see
    /// `Session::mark_login`).
    pub login: bool,
    /// For an overflowing client-side session: the keys its overflow
    /// record holds, as loaded.
    pub in_store: BTreeSet<String>,
    /// For a revocable client-side session: its user's JSON, as loaded, so
    /// that a destroy can revoke the id in the user's record too.
    pub user: Option<String>,
    /// The store key of `id`, once computed (a hash: computed once a request).
    #[cfg(feature = "store")]
    pub key: Option<([u8; ID_LEN], crate::store::RecordKey)>,
}

impl ServerState {
    /// The store key of `id`: the one this request already computed, or
    /// `derive`'s.
    #[cfg(feature = "store")]
    pub(crate) fn key_of(
        &self,
        id: &[u8; ID_LEN],
        derive: impl FnOnce() -> crate::store::RecordKey,
    ) -> crate::store::RecordKey {
        match self.key {
            Some((known, key)) if known == *id => key,
            _ => derive(),
        }
    }

    /// Whether the id may name a record that a write must go to.
    pub(crate) fn may_have_record(&self) -> bool {
        self.id.is_some()
            && matches!(
                self.record,
                RecordState::Loaded | RecordState::Unavailable | RecordState::NotFetched
            )
    }
}
