//! The layouts the per-user index tests run on, over one store: revocable
//! client-side sessions, overflowing revocable ones, store-backed ones,
//! and the demo's groups. Each logs a user in under the key `user`.

use std::sync::Arc;

use cookietin::store::Store;
use cookietin::{Engine, EngineBuilder, Group, Stored};

use super::builder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Client-side, revocable, with `revoke_by_user("user")` (which turns
    /// the index on).
    Client,
    /// Client-side, overflowing into the store, revocable, with
    /// `user_key("user")` (tombstones per id, no user record).
    Overflow,
    /// Store-backed, with `user_key("user")`.
    Stored,
    /// The demo's groups: `csrf` (client, revocable, claims `csrf_token`),
    /// `sid` (store-backed, claims `user` and `roles`) and `session`
    /// (every other key, overflowing, revocable), with `user_key("user")`.
    Groups,
}

pub const LAYOUTS: [Layout; 4] = [
    Layout::Client,
    Layout::Overflow,
    Layout::Stored,
    Layout::Groups,
];

impl Layout {
    /// Whether the session's data (or, for groups, `roles`) lives in the
    /// store, where an out-of-band change can reach it.
    pub fn keeps_data_in_store(self) -> bool {
        matches!(self, Layout::Stored | Layout::Groups)
    }

    /// The builder of this layout on `store`, before `build`.
    pub fn builder(self, store: Arc<dyn Store>) -> EngineBuilder<Stored> {
        match self {
            Layout::Client => builder(1).revocable(store).revoke_by_user("user"),
            Layout::Overflow => builder(1)
                .overflow(store.clone())
                .revocable(store)
                .user_key("user"),
            Layout::Stored => builder(1).server_side(store).user_key("user"),
            Layout::Groups => {
                let csrf = builder(1)
                    .cookie_name("csrf")
                    .http_only(false)
                    .revocable(store.clone());
                let sid = builder(1).cookie_name("sid").server_side(store.clone());
                builder(1)
                    .overflow(store.clone())
                    .revocable(store)
                    .group(Group::new(csrf).claims(["csrf_token"]))
                    .group(Group::new(sid).claims(["user", "roles"]))
                    .user_key("user")
            }
        }
    }

    pub fn engine(self, store: Arc<dyn Store>) -> Engine<Stored> {
        self.builder(store).build().unwrap()
    }
}
