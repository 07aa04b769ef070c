//! A record as a SQL row holds it: `entries` is a JSON object whose values
//! are each session value's JSON text, as a string. Strings keep the text
//! byte for byte, where a JSON column would reformat it.

use std::collections::BTreeMap;

use crate::store::{Changes, Entries, StoreError};

/// `entries` as the JSON object a row holds.
pub(super) fn entries_json(entries: &Entries) -> String {
    // A map of strings always serializes.
    serde_json::to_string(entries).unwrap_or_else(|_| "{}".to_owned())
}

/// The entries of a row's JSON object.
pub(super) fn parse_entries(text: &str) -> Result<Entries, StoreError> {
    serde_json::from_str(text).map_err(|_| {
        StoreError::Corrupt("sql row: entries are not a JSON object of strings".into())
    })
}

/// The keys `changes` sets, with their values, as a JSON object (for
/// PostgreSQL's `||`).
#[cfg(feature = "postgres")]
pub(super) fn sets_json(changes: &Changes) -> String {
    let sets: BTreeMap<&str, &str> = changes.sets().collect();
    serde_json::to_string(&sets).unwrap_or_else(|_| "{}".to_owned())
}

/// `changes` as a JSON merge patch (RFC 7396, for SQLite's `json_patch`):
/// each set key with its value as a string, each removed key as `null`.
/// A stored value is always a string, never an object, so the patch never
/// merges into one.
#[cfg(feature = "sqlite")]
pub(super) fn merge_patch(changes: &Changes) -> String {
    let mut patch: BTreeMap<&str, Option<&str>> =
        changes.sets().map(|(k, v)| (k, Some(v))).collect();
    patch.extend(changes.removals().map(|k| (k, None)));
    serde_json::to_string(&patch).unwrap_or_else(|_| "{}".to_owned())
}

/// Every key `changes` names, set or removed: the keys whose old bytes the
/// new size no longer counts.
pub(super) fn touched(changes: &Changes) -> Vec<String> {
    changes
        .sets()
        .map(|(k, _)| k)
        .chain(changes.removals())
        .map(str::to_owned)
        .collect()
}

/// The bytes `changes` writes: each set key and its value.
pub(super) fn set_bytes(changes: &Changes) -> i64 {
    let bytes: usize = changes.sets().map(|(k, v)| k.len() + v.len()).sum();
    to_sql(bytes as u64)
}

/// A count or an instant as SQL's signed 64-bit integer (saturating).
pub(super) fn to_sql(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A SQL integer as a count or an instant (negative as 0).
pub(super) fn from_sql(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_text_and_round_trip() {
        let entries = Entries::from([
            ("".to_owned(), "null".to_owned()),
            ("ключ 🍪".to_owned(), r#"{"a": [1, 2]}"#.to_owned()),
            ("quote\"d".to_owned(), "\"x\\ny\"".to_owned()),
        ]);
        let json = entries_json(&entries);
        assert!(json.contains(r#""{\"a\": [1, 2]}""#), "{json}");
        assert_eq!(parse_entries(&json), Ok(entries));
        for bad in ["[]", r#"{"a": 1}"#, "{", "null"] {
            assert!(matches!(parse_entries(bad), Err(StoreError::Corrupt(_))));
        }
    }

    #[test]
    fn a_change_names_its_keys_and_bytes() {
        let mut changes = Changes::new();
        changes.set("b", "[1]").set("a", "{}").remove("gone");
        #[cfg(feature = "sqlite")]
        assert_eq!(merge_patch(&changes), r#"{"a":"{}","b":"[1]","gone":null}"#);
        #[cfg(feature = "postgres")]
        assert_eq!(sets_json(&changes), r#"{"a":"{}","b":"[1]"}"#);
        assert_eq!(touched(&changes), ["a", "b", "gone"]);
        assert_eq!(set_bytes(&changes), 1 + 2 + 1 + 3);
    }

    #[test]
    fn integers_saturate() {
        assert_eq!(to_sql(u64::MAX), i64::MAX);
        assert_eq!(from_sql(-5), 0);
        assert_eq!(from_sql(to_sql(1_900_000_000)), 1_900_000_000);
    }
}
