//! One user's index, as the store holds it, and what a write to it keeps.
//!
//! Two records per user (and cookie name), each under a hash of the user's
//! JSON:
//!
//! | record | field | value |
//! |---|---|---|
//! | index | the session's key, base64url (43 characters) | `[created, "browser", "os"]`, and for groups `{"NAME": "KEY"}` of the other groups' keys |
//! | seen | the same | when it was last seen, seconds since the Unix epoch |
//!
//! The session's key is its anchor's store key (the record's, or the id's
//! tombstone's), a hash of the id; its handle, the only name the API
//! shows, is a hash of that key in its own domain. A 10,000-session index
//! is about 750 KB in the first record and 530 KB in the second, under the
//! stores' default cap of 1 MiB each. `last_seen` has a record of its own
//! so that the throttled write of a request that is seen again sets one
//! field, with no read, and can never bring back an entry a revocation
//! removed: a `last_seen` without its entry is ignored, and dropped by the
//! next login.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::{Entries, RecordKey};

/// A listed session as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub created: u64,
    pub browser: String,
    pub os: String,
    /// The other groups' keys, by cookie name.
    pub others: BTreeMap<String, RecordKey>,
}

impl Entry {
    /// The entry's JSON text: `[created, "browser", "os"]`, then the other
    /// groups' keys when there are any.
    pub(crate) fn to_json(&self) -> String {
        let mut fields = vec![
            Value::from(self.created),
            Value::from(self.browser.as_str()),
            Value::from(self.os.as_str()),
        ];
        if !self.others.is_empty() {
            let others = self
                .others
                .iter()
                .map(|(name, key)| (name.clone(), Value::from(field_of(key))))
                .collect();
            fields.push(Value::Object(others));
        }
        Value::Array(fields).to_string()
    }

    /// The entry in `json`; `None` if it is not one.
    pub(crate) fn parse(json: &str) -> Option<Entry> {
        let Value::Array(fields) = serde_json::from_str(json).ok()? else {
            return None;
        };
        let text = |i: usize| fields.get(i).and_then(Value::as_str).map(str::to_owned);
        let mut others = BTreeMap::new();
        if let Some(Value::Object(map)) = fields.get(3) {
            for (name, key) in map {
                others.insert(name.clone(), key_of(key.as_str()?)?);
            }
        }
        Some(Entry {
            created: fields.first()?.as_u64()?,
            browser: text(1)?,
            os: text(2)?,
            others,
        })
    }
}

/// The index field of a session key: the key in base64url.
pub(crate) fn field_of(key: &RecordKey) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// The session key an index field names; `None` if it names none.
pub(crate) fn key_of(field: &str) -> Option<RecordKey> {
    let bytes = URL_SAFE_NO_PAD.decode(field).ok()?;
    Some(RecordKey::from_bytes(bytes.try_into().ok()?))
}

/// The public handle of a session key: 64 bits of a hash of it, in hex.
pub(crate) fn handle_of(key: &RecordKey) -> String {
    let mut hash = Sha256::new();
    hash.update(b"cookietin handle v1\0");
    hash.update(key.as_bytes());
    let digest = hash.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A user's index as loaded: each session's key, entry and last sighting.
pub(crate) struct Listing {
    /// In no particular order.
    pub sessions: Vec<Listed>,
    /// Fields of either record that name no listed session: the next
    /// login drops them.
    pub orphans: Vec<String>,
}

/// One session of a [`Listing`]. Its key and entry are decoded only when
/// asked for: a login reads every entry of a user's index, and needs only
/// their fields and times.
pub(crate) struct Listed {
    /// The index field: the session's key in base64url.
    pub field: String,
    json: String,
    pub created: u64,
    pub last_seen: u64,
}

impl Listed {
    /// The session's key; `None` if the field names none.
    pub(crate) fn key(&self) -> Option<RecordKey> {
        key_of(&self.field)
    }

    /// The entry; `None` if it does not parse.
    pub(crate) fn entry(&self) -> Option<Entry> {
        Entry::parse(&self.json)
    }

    /// The public handle; empty for a field that names no key.
    pub(crate) fn handle(&self) -> String {
        self.key().map(|key| handle_of(&key)).unwrap_or_default()
    }
}

/// The creation time at the start of an entry's JSON (`[created,...`),
/// without parsing the rest.
fn created_of(json: &str) -> Option<u64> {
    json.strip_prefix('[')?.split(',').next()?.parse().ok()
}

impl Listing {
    /// The sessions of the index and seen records' entries; fields that
    /// name no session are orphans.
    pub(crate) fn of(index: Entries, mut seen: Entries) -> Listing {
        let mut orphans = Vec::new();
        let mut sessions = Vec::with_capacity(index.len());
        for (field, json) in index {
            // A field that names no key, or an entry with no time, is not
            // a session: the next login drops it.
            let created = created_of(&json).filter(|_| key_of(&field).is_some());
            let Some(created) = created else {
                seen.remove(&field);
                orphans.push(field);
                continue;
            };
            let last_seen = seen
                .remove(&field)
                .and_then(|at| at.parse::<u64>().ok())
                .map_or(created, |at| at.max(created));
            sessions.push(Listed {
                field,
                json,
                created,
                last_seen,
            });
        }
        orphans.extend(seen.into_keys());
        Listing { sessions, orphans }
    }

    /// Sorts the sessions least recently seen first.
    pub(crate) fn oldest_first(&mut self) {
        self.sessions
            .sort_unstable_by(|a, b| (a.last_seen, &a.field).cmp(&(b.last_seen, &b.field)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_round_trips_and_stays_small() {
        let key = RecordKey::from_bytes([7; 32]);
        let mut entry = Entry {
            created: 1_800_000_000,
            browser: "Chrome".into(),
            os: "Linux".into(),
            others: BTreeMap::new(),
        };
        let json = entry.to_json();
        assert_eq!(json, r#"[1800000000,"Chrome","Linux"]"#);
        assert_eq!(Entry::parse(&json), Some(entry.clone()));
        let field = field_of(&key);
        assert_eq!(field.len(), 43);
        assert_eq!(key_of(&field), Some(key));
        // 10,000 of them fit in a default 1 MiB record.
        assert!(10_000 * (field.len() + json.len()) < 1 << 20);

        entry
            .others
            .insert("csrf".into(), RecordKey::from_bytes([9; 32]));
        assert_eq!(Entry::parse(&entry.to_json()), Some(entry));
        assert_eq!(Entry::parse("[1,2]"), None);
        assert_eq!(key_of("short"), None);
    }

    #[test]
    fn a_listing_joins_sightings_and_names_orphans() {
        let a = RecordKey::from_bytes([1; 32]);
        let b = RecordKey::from_bytes([2; 32]);
        let entry = |created: u64| Entry {
            created,
            browser: "Firefox".into(),
            os: "Linux".into(),
            others: BTreeMap::new(),
        };
        let index = Entries::from([
            (field_of(&a), entry(100).to_json()),
            (field_of(&b), entry(50).to_json()),
            ("not a key".to_owned(), entry(1).to_json()),
        ]);
        let seen = Entries::from([
            (field_of(&a), "300".to_owned()),
            (field_of(&RecordKey::from_bytes([3; 32])), "400".to_owned()),
        ]);
        let mut listing = Listing::of(index, seen);
        listing.oldest_first();
        let order: Vec<(RecordKey, u64)> = listing
            .sessions
            .iter()
            .map(|s| (s.key().unwrap(), s.last_seen))
            .collect();
        assert_eq!(order, [(b, 50), (a, 300)]);
        assert_eq!(
            listing.orphans,
            [
                "not a key".to_owned(),
                field_of(&RecordKey::from_bytes([3; 32]))
            ]
        );
        assert_eq!(listing.sessions[1].entry(), Some(entry(100)));
        assert_ne!(handle_of(&a), handle_of(&b));
        assert_eq!(listing.sessions[1].handle(), handle_of(&a));
        assert_eq!(handle_of(&a).len(), 16);
    }
}
