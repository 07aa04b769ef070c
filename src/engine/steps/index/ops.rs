//! What the API does with a user's index, with no request from the
//! sessions' clients: list them, end them, and read and change the data of
//! those that live in a store.

use crate::engine::steps::index::controls::Controller;
use crate::engine::steps::index::device::Device;
use crate::engine::steps::index::entry::Listed;
use crate::engine::steps::index::Index;
use crate::store::{Changes, RecordKey, StoreError, Updated};
use crate::SessionData;

impl Index {
    /// The user's sessions, most recently seen first; `current` is the
    /// index key of the session asking, if any.
    pub(crate) async fn devices(
        &self,
        user: &str,
        current: Option<RecordKey>,
        now: u64,
    ) -> Result<Vec<Device>, StoreError> {
        let mut listing = self.listing(user).await?;
        listing.oldest_first();
        let mut devices: Vec<Device> = listing
            .sessions
            .iter()
            .rev()
            .filter(|listed| !self.expired(listed.last_seen, now))
            .filter_map(|listed| {
                let entry = listed.entry()?;
                Some(Device {
                    current: listed.key().is_some() && listed.key() == current,
                    handle: listed.handle(),
                    created: entry.created,
                    last_seen: listed.last_seen,
                    browser: entry.browser,
                    os: entry.os,
                })
            })
            .collect();
        // The session asking first, then the most recently seen.
        devices.sort_by_key(|d| !d.current);
        Ok(devices)
    }

    /// Ends one listed session: every member it has a key for.
    pub(crate) async fn end(
        &self,
        user: &str,
        listed: &Listed,
        now: u64,
    ) -> Result<(), StoreError> {
        // A group no longer in the layout has nothing left to end.
        for (controller, key) in self.members_of(listed) {
            controller.revoke(user, key, now).await?;
        }
        Ok(())
    }

    /// Ends the user's sessions that `chosen` picks, then takes them out of
    /// the index. Answers how many ended.
    pub(crate) async fn end_where(
        &self,
        user: &str,
        chosen: impl Fn(&Listed) -> bool,
        now: u64,
    ) -> Result<usize, StoreError> {
        let listing = self.listing(user).await?;
        let mut changes = Changes::new();
        let mut ended = 0;
        for listed in listing.sessions.iter().filter(|l| chosen(l)) {
            self.end(user, listed, now).await?;
            changes.remove(listed.field.as_str());
            listed.key().inspect(|k| self.seen.forget(k));
            ended += 1;
        }
        if ended > 0 {
            let expires = self.expires(now);
            let store = self.store();
            let _ = store
                .update(self.index_key(user), &changes, expires)
                .await?;
            let _ = store.update(self.seen_key(user), &changes, expires).await?;
        }
        Ok(ended)
    }

    /// Applies `changes` to the data of every session of the user that
    /// lives in a store (or only the one whose handle is `only`), per key:
    /// each member's record gets the keys that `route` sends to it, in one
    /// update that writes only those keys. Answers how many sessions
    /// changed.
    pub(crate) async fn update_sessions(
        &self,
        user: &str,
        only: Option<&str>,
        changes: &Changes,
        route: &(dyn Fn(&str) -> usize + Sync),
    ) -> Result<usize, StoreError> {
        let listing = self.listing(user).await?;
        let mut changed = 0;
        let chosen = listing
            .sessions
            .iter()
            .filter(|listed| only.is_none_or(|handle| listed.handle() == handle));
        for listed in chosen {
            let mut any = false;
            for (controller, key) in self.members_of(listed) {
                if !controller.holds_data() {
                    continue;
                }
                let mut share = Changes::new();
                for (k, json) in changes
                    .sets()
                    .filter(|(k, _)| route(k) == controller.member)
                {
                    share.set(k, json);
                }
                for k in changes.removals().filter(|k| route(k) == controller.member) {
                    share.remove(k);
                }
                if share.is_empty() {
                    continue;
                }
                // The record keeps its expiry: read it first.
                let Some(record) = controller.store.load(key, None).await? else {
                    continue;
                };
                let store = controller.store.as_ref();
                any |= store.update(key, &share, record.expires_at).await? == Updated::Updated;
            }
            changed += usize::from(any);
        }
        Ok(changed)
    }

    /// The data of the listed session `handle` that lives in a store (every
    /// store-backed member's record); `None` when the index lists no such
    /// session or none of its data is in a store.
    pub(crate) async fn data(
        &self,
        user: &str,
        handle: &str,
    ) -> Result<Option<SessionData>, StoreError> {
        let listing = self.listing(user).await?;
        let Some(listed) = listing.sessions.iter().find(|l| l.handle() == handle) else {
            return Ok(None);
        };
        let mut data: Option<SessionData> = None;
        for (controller, key) in self.members_of(listed) {
            if !controller.holds_data() {
                continue;
            }
            let Some(record) = controller.store.load(key, None).await? else {
                continue;
            };
            let whole = data.get_or_insert_with(SessionData::new);
            for (k, json) in record.entries {
                whole.insert_from_store(&k, json);
            }
        }
        Ok(data)
    }

    /// Each member of a listed session that the layout still has, with its
    /// key: the anchor's, and the other groups' its entry names.
    fn members_of(&self, listed: &Listed) -> Vec<(&Controller, RecordKey)> {
        let Some(key) = listed.key() else {
            return Vec::new();
        };
        let mut members = vec![(self.anchor(), key)];
        let others = listed.entry().map(|entry| entry.others).unwrap_or_default();
        for (name, key) in others {
            if let Some(controller) = self.controllers.iter().flatten().find(|c| c.name == name) {
                members.push((controller, key));
            }
        }
        members
    }
}
