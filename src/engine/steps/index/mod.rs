//! The per-user session index: which sessions a user has, so that they
//! can be listed, ended one by one or all but one, and, when they live in
//! a store, read and changed with no request from their client.
//!
//! On when the engine names the session key that holds the user
//! ([`EngineBuilder::user_key`](crate::EngineBuilder::user_key), or
//! [`revoke_by_user`](crate::EngineBuilder::revoke_by_user)'s key). The
//! index lives in the store of the layout (or the group) that holds the
//! user, and [`entry`] describes its records. Anonymous sessions never
//! enter it.
//!
//! What a save writes, after the layout's own store steps:
//!
//! | the request | index writes |
//! |---|---|
//! | kept the same user and ids (almost every request) | none; once per [`Index::touch_every`] per process, the `last_seen` field and the records' expiry (two blind writes) |
//! | put a user in (a login) | reads the index, drops entries past their age, ends the oldest past [`Index::max_sessions`], writes the entry |
//! | gave a logged-in session new ids (a regenerate) | the same, carrying the entry's creation time |
//! | took the user out, or destroyed the session | removes the entry (two blind writes) |
//!
//! A login also gives the session a new id (see
//! [`Session::mark_login`](crate::Session)), and, unless the app opted
//! out, retires the old one as a regenerate does, against session
//! fixation.

pub(crate) mod controls;
pub(crate) mod device;
pub(crate) mod entry;
mod ops;
pub(crate) mod seen;

use std::collections::BTreeMap;

use crate::browser::Browser;
use crate::codec::ID_LEN;
use crate::engine::steps::ids::record_key_for;
use crate::engine::steps::revocation::upsert;
use crate::session::login::LoginState;
use crate::store::{Changes, RecordKey, Store, StoreError, Updated};
use crate::SessionData;
use controls::Controller;
use entry::{field_of, Entry, Listing};
use seen::Seen;

/// The default cap on one user's sessions.
pub(crate) const DEFAULT_MAX_SESSIONS: usize = 10_000;
/// The default interval between two `last_seen` writes of one session.
pub(crate) const DEFAULT_TOUCH_EVERY: u64 = 5 * 60;

/// An engine's per-user session index.
pub(crate) struct Index {
    /// The session key that holds the user.
    pub user_key: String,
    /// The cookie name of the member that holds the user: the index's
    /// namespace in its store.
    pub name: String,
    /// That member's position in the layout (0 without groups).
    pub anchor: usize,
    /// Each member's controller, in the layout's order: `None` for a
    /// member that keeps nothing a revocation can end.
    pub controllers: Vec<Option<Controller>>,
    /// Whether a login retires the session's old id.
    pub regenerate_on_login: bool,
    /// The most sessions one user keeps; a login past it ends the oldest.
    pub max_sessions: usize,
    /// Seconds between two `last_seen` writes of one session.
    pub touch_every: u64,
    /// Seconds an entry outlives its last sighting: the longest max age.
    pub ttl: u64,
    pub seen: Seen,
}

impl Index {
    fn anchor(&self) -> &Controller {
        self.controllers[self.anchor]
            .as_ref()
            .expect("the anchor keeps a store (checked at build)")
    }

    /// The store that holds the index: the anchor's.
    fn store(&self) -> &dyn Store {
        self.anchor().store.as_ref()
    }

    fn index_key(&self, user_json: &str) -> RecordKey {
        record_key_for("index", &self.name, user_json.as_bytes())
    }

    fn seen_key(&self, user_json: &str) -> RecordKey {
        record_key_for("seen", &self.name, user_json.as_bytes())
    }

    /// When the index records expire if nothing writes them again.
    fn expires(&self, now: u64) -> u64 {
        now.saturating_add(self.ttl)
            .saturating_add(self.touch_every)
    }

    /// Whether a session last seen at `last_seen` must have ended by `now`.
    fn expired(&self, last_seen: u64, now: u64) -> bool {
        last_seen
            .saturating_add(self.ttl)
            .saturating_add(self.touch_every)
            < now
    }

    /// The JSON of the session's user, if it holds one (JSON `null` is
    /// none).
    pub(crate) fn user_of(&self, data: &SessionData) -> Option<String> {
        let raw = data.get_raw(&self.user_key)?.get();
        (raw != "null").then(|| raw.to_owned())
    }

    /// The index key of a session whose members' ids are `ids`: its
    /// anchor's store key.
    pub(crate) fn key_of(&self, ids: &[Option<[u8; ID_LEN]>]) -> Option<RecordKey> {
        self.key_with(ids, None)
    }

    /// [`key_of`](Index::key_of), with the key the anchor's records step
    /// already derived from its id this request (`cached`), if any: the
    /// same hash, so it is not made twice.
    pub(crate) fn key_with(
        &self,
        ids: &[Option<[u8; ID_LEN]>],
        cached: Option<([u8; ID_LEN], RecordKey)>,
    ) -> Option<RecordKey> {
        let id = ids.get(self.anchor).copied().flatten()?;
        let anchor = self.anchor();
        Some(match cached {
            Some((known, key)) if known == id && anchor.holds_data() => key,
            _ => anchor.key_for(&id),
        })
    }

    /// The other members' keys, by cookie name.
    fn others(&self, ids: &[Option<[u8; ID_LEN]>]) -> BTreeMap<String, RecordKey> {
        self.controllers
            .iter()
            .zip(ids)
            .enumerate()
            .filter(|(member, _)| *member != self.anchor)
            .filter_map(|(_, (controller, id))| {
                let controller = controller.as_ref()?;
                Some((controller.name.clone(), controller.key_for(id.as_ref()?)))
            })
            .collect()
    }

    /// The index writes of a save: see the [module](self). `before` is the
    /// session as loaded, `after` as saved.
    ///
    /// # Errors
    /// The store's error when a login's (or a new id's) entry could not be
    /// written: the session would be one that no list shows and no
    /// revocation reaches. The other writes are best effort.
    pub(crate) async fn save(
        &self,
        before: &LoginState,
        after: &LoginState,
        browser: Option<&Browser>,
        now: u64,
    ) -> Result<(), StoreError> {
        // Almost every request: the same user and ids, whose key the load
        // noted.
        if before.user.is_some() && before.user == after.user && before.ids == after.ids {
            if let Some(key) = before.key.or_else(|| self.key_of(&after.ids)) {
                self.touch(after.user.as_deref().unwrap_or_default(), &key, now)
                    .await;
            }
            return Ok(());
        }
        let old = before.user.as_deref().zip(self.key_of(&before.ids));
        let new = after.user.as_deref().zip(self.key_of(&after.ids));
        match (old, new) {
            (Some((u0, k0)), Some((u1, k1))) if u0 == u1 => {
                if k0 == k1 && before.ids == after.ids {
                    self.touch(u1, &k1, now).await;
                    Ok(())
                } else {
                    self.enter(u1, k1, Some(k0), &after.ids, browser, now).await
                }
            }
            (old, new) => {
                if let Some((u0, k0)) = old {
                    self.forget(u0, &k0, now).await;
                }
                match new {
                    Some((u1, k1)) => self.enter(u1, k1, None, &after.ids, browser, now).await,
                    None => Ok(()),
                }
            }
        }
    }

    /// A request of a listed session that changed nothing the index keeps:
    /// its sighting, if due, and the records' expiry. Best effort.
    async fn touch(&self, user: &str, key: &RecordKey, now: u64) {
        if !self.seen.due(key, now, self.touch_every) {
            return;
        }
        let field = field_of(key);
        let mut changes = Changes::new();
        changes.set(field.clone(), now.to_string());
        let expires = self.expires(now);
        let store = self.store();
        let wrote = store.update(self.seen_key(user), &changes, expires).await;
        let _ = store.touch(self.index_key(user), expires).await;
        if wrote == Ok(Updated::Updated) {
            self.seen.wrote(key, now);
        }
    }

    /// Takes a session out of its user's index (a logout). Best effort: an
    /// entry left behind names a session that has ended, and is dropped
    /// when its age has passed.
    async fn forget(&self, user: &str, key: &RecordKey, now: u64) {
        self.seen.forget(key);
        let field = field_of(key);
        let mut changes = Changes::new();
        changes.remove(field);
        let expires = self.expires(now);
        let store = self.store();
        let _ = store.update(self.index_key(user), &changes, expires).await;
        let _ = store.update(self.seen_key(user), &changes, expires).await;
    }

    /// Writes a session's entry (a login, or new ids), after reading the
    /// index to keep it bounded: entries past their age go, and past the
    /// cap the oldest sessions are ended. `previous` is the session's key
    /// before new ids; its entry's creation time carries over.
    async fn enter(
        &self,
        user: &str,
        key: RecordKey,
        previous: Option<RecordKey>,
        ids: &[Option<[u8; ID_LEN]>],
        browser: Option<&Browser>,
        now: u64,
    ) -> Result<(), StoreError> {
        let listing = self.listing(user).await?;
        let mut changes = Changes::new();
        for orphan in &listing.orphans {
            changes.remove(orphan.as_str());
        }
        let field = field_of(&key);
        let previous = previous.map(|p| field_of(&p));
        let mut created = now;
        let mut kept = Vec::with_capacity(listing.sessions.len());
        for listed in listing.sessions {
            if listed.field == field || Some(&listed.field) == previous.as_ref() {
                created = created.min(listed.created);
                if listed.field != field {
                    listed.key().inspect(|k| self.seen.forget(k));
                    changes.remove(listed.field);
                }
            } else if self.expired(listed.last_seen, now) {
                changes.remove(listed.field);
            } else {
                kept.push(listed);
            }
        }
        let identity = browser.map(|b| &b.identity);
        let entry = Entry {
            created,
            browser: identity.map_or_else(String::new, |i| i.name.clone()),
            os: identity.map_or_else(String::new, |i| i.os.clone()),
            others: self.others(ids),
        };
        // Past the cap, the least recently seen sessions end.
        let mut end = kept
            .len()
            .saturating_sub(self.max_sessions.saturating_sub(1));
        let expires = self.expires(now);
        loop {
            if end > 0 {
                // Only now are the entries ordered: most logins end none.
                let end_at = end.min(kept.len());
                if end_at < kept.len() {
                    kept.select_nth_unstable_by(end_at, |a, b| {
                        (a.last_seen, &a.field).cmp(&(b.last_seen, &b.field))
                    });
                }
                for listed in kept.drain(..end_at) {
                    self.end(user, &listed, now).await?;
                    changes.remove(listed.field);
                }
            }
            // Both records drop the same fields; each sets its own value.
            let mut index = changes.clone();
            index.set(field.clone(), entry.to_json());
            match upsert(self.store(), self.index_key(user), &index, expires).await {
                // The store's cap on a record is below this many entries:
                // end an eighth more of the oldest, and write again.
                Err(StoreError::TooLarge { .. }) if !kept.is_empty() => {
                    end = kept.len().div_ceil(8);
                }
                written => break written?,
            }
        }
        changes.set(field.clone(), now.to_string());
        upsert(self.store(), self.seen_key(user), &changes, expires).await?;
        self.seen.wrote(&key, now);
        Ok(())
    }

    /// The user's index as the store holds it: two loads.
    async fn listing(&self, user: &str) -> Result<Listing, StoreError> {
        let store = self.store();
        let index = store.load(self.index_key(user), None).await?;
        let seen = store.load(self.seen_key(user), None).await?;
        Ok(Listing::of(
            index.map(|r| r.entries).unwrap_or_default(),
            seen.map(|r| r.entries).unwrap_or_default(),
        ))
    }
}
