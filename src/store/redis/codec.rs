//! A record as the Redis hash holds it: session keys under `k:`, and the
//! metadata under `m:` (see the [layout](crate::store#redis-key-layout)).

use crate::store::{Entries, StoreError};

/// The hash field of the session key `name`.
pub(super) fn field(name: &str) -> String {
    format!("k:{name}")
}

/// A hash's fields and their values, in the order Redis sent them.
pub(super) type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// A record as read from its hash.
pub(super) struct Snapshot {
    pub(super) entries: Entries,
    pub(super) expires_at: u64,
    pub(super) version: Vec<u8>,
}

impl Snapshot {
    /// `None` for an empty hash (an absent key). The hash comes as Redis
    /// sent its fields and values, not as a map: its fields are unique, and
    /// building a map only to walk it once cost about a tenth of a load.
    pub(super) fn parse(hash: Fields) -> Result<Option<Snapshot>, StoreError> {
        if hash.is_empty() {
            return Ok(None);
        }
        let corrupt = |why: &str| StoreError::Corrupt(format!("redis hash: {why}"));
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8"));
        let mut entries = Entries::new();
        let (mut expires_at, mut version) = (None, None);
        for (mut name, value) in hash {
            match name.as_slice() {
                [b'k', b':', ..] => {
                    name.drain(..2);
                    entries.insert(text(name)?, text(value)?);
                }
                b"m:e" => expires_at = text(value)?.parse::<u64>().ok(),
                b"m:v" => version = Some(value),
                [b'm', b':', ..] => {}
                _ => return Err(corrupt("a field that is neither k: nor m:")),
            }
        }
        Ok(Some(Snapshot {
            entries,
            expires_at: expires_at.ok_or_else(|| corrupt("no expiry"))?,
            version: version.ok_or_else(|| corrupt("no version"))?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn session_keys_never_meet_metadata() {
        let parsed = Snapshot::parse(hash(&[
            ("k:m:v", "\"user value\""),
            ("k:", "null"),
            ("m:v", "3"),
            ("m:e", "1900000000"),
            ("m:s", "20"),
            ("m:t", "abc"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(parsed.version, b"3");
        assert_eq!(parsed.expires_at, 1_900_000_000);
        let keys: Vec<&str> = parsed.entries.keys().map(String::as_str).collect();
        assert_eq!(keys, ["", "m:v"]);
    }

    #[test]
    fn a_foreign_or_damaged_hash_is_corrupt() {
        for bad in [
            hash(&[("m:v", "1"), ("m:e", "1"), ("user", "1")]),
            hash(&[("m:v", "1"), ("k:a", "1")]),
            hash(&[("m:e", "1"), ("k:a", "1")]),
            hash(&[("m:v", "1"), ("m:e", "soon")]),
        ] {
            assert!(matches!(Snapshot::parse(bad), Err(StoreError::Corrupt(_))));
        }
        assert!(Snapshot::parse(Fields::new()).unwrap().is_none());
    }
}
