//! What a store holds: records under opaque keys, and the per-key changes
//! that update them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::StoreError;

/// A session's entries: each key with its value as JSON text.
///
/// Stores keep the text as it is; they never parse it. Nor does the engine
/// when it loads a record: each value is parsed where the app reads it, so
/// a value that is not JSON (written by another program) makes that key's
/// read fail with a [`ValueError`](crate::ValueError) and leaves the rest
/// of the session readable. Such a value never reaches a cookie, and stays
/// in the store as it is until the key is set or removed.
///
/// # Example
/// ```
/// use cookietin::store::Entries;
///
/// let mut entries = Entries::new();
/// entries.insert("user".to_owned(), r#""ada""#.to_owned());
/// assert_eq!(cookietin::store::record_size(&entries), 4 + 5);
/// ```
pub type Entries = BTreeMap<String, String>;

/// The size of a record as the caps count it: the bytes of every key and
/// every value, added up.
///
/// # Example
/// ```
/// use cookietin::store::{record_size, Entries};
///
/// let entries = Entries::from([("a".to_owned(), "1".to_owned()), ("bc".to_owned(), "[2]".to_owned())]);
/// assert_eq!(record_size(&entries), 1 + 1 + 2 + 3);
/// ```
pub fn record_size(entries: &Entries) -> usize {
    entries.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// The default cap on a record's size: 1 MiB of keys and values.
///
/// # Example
/// ```
/// assert_eq!(cookietin::store::DEFAULT_MAX_RECORD_BYTES, 1 << 20);
/// ```
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

/// The key a record is stored under: 32 opaque bytes.
///
/// The engine derives it from the session id with SHA-256, so a store (or a
/// dump of it) never sees an id that a cookie could carry. Its `Debug` shows
/// only the first four bytes.
///
/// # Example
/// ```
/// use cookietin::store::RecordKey;
///
/// let key = RecordKey::from_bytes([0xab; 32]);
/// assert_eq!(key.to_hex().len(), 64);
/// assert!(key.to_hex().starts_with("abab"));
/// assert_eq!(format!("{key:?}"), "RecordKey(abababab…)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey([u8; 32]);

impl RecordKey {
    /// A key from its 32 bytes.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::RecordKey;
    ///
    /// assert_eq!(RecordKey::from_bytes([7; 32]).as_bytes(), &[7; 32]);
    /// ```
    pub const fn from_bytes(bytes: [u8; 32]) -> RecordKey {
        RecordKey(bytes)
    }

    /// The key's 32 bytes.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::RecordKey;
    ///
    /// assert_eq!(RecordKey::from_bytes([1; 32]).as_bytes()[31], 1);
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as 64 lowercase hex digits, for backends that name records
    /// with text (Redis key names, file names).
    ///
    /// # Example
    /// ```
    /// use cookietin::store::RecordKey;
    ///
    /// let mut bytes = [0; 32];
    /// bytes[0] = 0x0f;
    /// bytes[31] = 0xa0;
    /// let hex = RecordKey::from_bytes(bytes).to_hex();
    /// assert!(hex.starts_with("0f00") && hex.ends_with("00a0"));
    /// ```
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(DIGITS[usize::from(byte >> 4)] as char);
            out.push(DIGITS[usize::from(byte & 0xf)] as char);
        }
        out
    }
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordKey({}…)", &self.to_hex()[..8])
    }
}

/// A stored session: its entries and the instant it expires.
///
/// `Debug` lists the keys and the size, never the values.
///
/// # Example
/// ```
/// use cookietin::store::{Entries, Record};
///
/// let record = Record {
///     entries: Entries::from([("token".to_owned(), r#""s3cret""#.to_owned())]),
///     expires_at: 1_900_000_000,
/// };
/// let shown = format!("{record:?}");
/// assert!(shown.contains("token") && !shown.contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// The session's keys, each with its value as JSON text.
    pub entries: Entries,
    /// When the record expires, in seconds since the Unix epoch: from that
    /// second on, no store returns it.
    pub expires_at: u64,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("keys", &self.entries.keys().collect::<Vec<_>>())
            .field("bytes", &record_size(&self.entries))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The keys one save changes: keys to set (with their JSON text) and keys
/// to remove. An update writes only these, so two saves that change
/// different keys both persist.
///
/// Setting a key cancels an earlier removal of it in the same `Changes`,
/// and removing cancels an earlier set.
///
/// # Example
/// ```
/// use cookietin::store::{Changes, Entries};
///
/// let mut changes = Changes::new();
/// changes.set("cart", "[1,2]").remove("coupon");
/// assert_eq!(changes.len(), 2);
///
/// let mut entries = Entries::from([("coupon".to_owned(), "5".to_owned())]);
/// changes.apply(&mut entries, usize::MAX)?;
/// assert_eq!(entries, Entries::from([("cart".to_owned(), "[1,2]".to_owned())]));
/// # Ok::<(), cookietin::store::StoreError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Changes {
    set: BTreeMap<String, String>,
    remove: BTreeSet<String>,
}

impl Changes {
    /// No changes.
    ///
    /// # Example
    /// ```
    /// assert!(cookietin::store::Changes::new().is_empty());
    /// ```
    pub fn new() -> Changes {
        Changes::default()
    }

    /// Sets `key` to `json` (JSON text).
    ///
    /// # Example
    /// ```
    /// let mut changes = cookietin::store::Changes::new();
    /// changes.set("a", "1").set("b", "2");
    /// assert_eq!(changes.sets().count(), 2);
    /// ```
    pub fn set(&mut self, key: impl Into<String>, json: impl Into<String>) -> &mut Changes {
        let key = key.into();
        self.remove.remove(&key);
        self.set.insert(key, json.into());
        self
    }

    /// Removes `key`.
    ///
    /// # Example
    /// ```
    /// let mut changes = cookietin::store::Changes::new();
    /// changes.set("a", "1").remove("a");
    /// assert_eq!(changes.removals().collect::<Vec<_>>(), ["a"]);
    /// assert_eq!(changes.sets().count(), 0);
    /// ```
    pub fn remove(&mut self, key: impl Into<String>) -> &mut Changes {
        let key = key.into();
        self.set.remove(&key);
        self.remove.insert(key);
        self
    }

    /// The keys to set, with their JSON text, in key order.
    ///
    /// # Example
    /// ```
    /// let mut changes = cookietin::store::Changes::new();
    /// changes.set("b", "2").set("a", "1");
    /// assert_eq!(changes.sets().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
    /// ```
    pub fn sets(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.set.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The keys to remove, in key order.
    ///
    /// # Example
    /// ```
    /// let mut changes = cookietin::store::Changes::new();
    /// changes.remove("z").remove("y");
    /// assert_eq!(changes.removals().collect::<Vec<_>>(), ["y", "z"]);
    /// ```
    pub fn removals(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.remove.iter().map(String::as_str)
    }

    /// How many keys this changes.
    ///
    /// # Example
    /// ```
    /// let mut changes = cookietin::store::Changes::new();
    /// changes.set("a", "1").remove("b");
    /// assert_eq!(changes.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.set.len() + self.remove.len()
    }

    /// Whether this changes no key.
    ///
    /// # Example
    /// ```
    /// let mut changes = cookietin::store::Changes::new();
    /// assert!(changes.is_empty());
    /// changes.remove("a");
    /// assert!(!changes.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies these changes to `entries`, for backends that read, change
    /// and write a whole record inside one transaction. Returns the new size
    /// ([`record_size`]).
    ///
    /// A write that makes the record larger than `max_record_bytes` fails
    /// with [`StoreError::TooLarge`] and leaves `entries` as they were; a
    /// write that shrinks a record already over the cap is allowed, so an
    /// oversized session can always be trimmed.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::{Changes, Entries, StoreError};
    ///
    /// let mut entries = Entries::new();
    /// let mut changes = Changes::new();
    /// changes.set("big", "\"0123456789\"");
    /// assert_eq!(
    ///     changes.apply(&mut entries, 8),
    ///     Err(StoreError::TooLarge { size: 15, max: 8 }),
    /// );
    /// assert!(entries.is_empty());
    /// assert_eq!(changes.apply(&mut entries, 15), Ok(15));
    /// ```
    pub fn apply(
        &self,
        entries: &mut Entries,
        max_record_bytes: usize,
    ) -> Result<usize, StoreError> {
        let before = record_size(entries);
        let mut after = before;
        for (key, value) in &self.set {
            if let Some(old) = entries.get(key) {
                after -= key.len() + old.len();
            }
            after += key.len() + value.len();
        }
        for key in &self.remove {
            if let Some(old) = entries.get(key) {
                after -= key.len() + old.len();
            }
        }
        check_size(after, before, max_record_bytes)?;
        for (key, value) in &self.set {
            entries.insert(key.clone(), value.clone());
        }
        for key in &self.remove {
            entries.remove(key);
        }
        Ok(after)
    }
}

/// The cap rule shared by every backend: a record may not grow past
/// `max`; shrinking is always allowed.
pub(crate) fn check_size(after: usize, before: usize, max: usize) -> Result<(), StoreError> {
    if after > max && after > before {
        Err(StoreError::TooLarge { size: after, max })
    } else {
        Ok(())
    }
}

impl fmt::Debug for Changes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changes")
            .field("set", &self.set.keys().collect::<Vec<_>>())
            .field("remove", &self.remove)
            .finish()
    }
}

/// What [`Store::create`](super::Store::create) did.
///
/// # Example
/// ```
/// use cookietin::store::Created;
///
/// assert_ne!(Created::Created, Created::AlreadyExists);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Created {
    /// The record was written.
    Created,
    /// A live record already had this key; nothing was written.
    AlreadyExists,
}

/// What [`Store::update`](super::Store::update) did.
///
/// # Example
/// ```
/// use cookietin::store::Updated;
///
/// assert_ne!(Updated::Updated, Updated::Missing);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Updated {
    /// The changes and the new expiry were written.
    Updated,
    /// No live record has this key (never created, deleted, expired or
    /// moved by a regenerate); nothing was written.
    Missing,
}

/// What [`Store::regenerate`](super::Store::regenerate) did.
///
/// # Example
/// ```
/// use cookietin::store::Regenerated;
///
/// assert_ne!(Regenerated::Regenerated, Regenerated::Missing);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Regenerated {
    /// The record now lives under the new key only.
    Regenerated,
    /// No live record has the old key; nothing was written.
    Missing,
    /// A live record already has the new key; both records are as they were.
    AlreadyExists,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(pairs: &[(&str, &str)]) -> Entries {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn apply_counts_replaced_and_removed_bytes() {
        let mut e = entries(&[("a", "1111"), ("b", "22")]);
        let mut c = Changes::new();
        c.set("a", "1").remove("b").remove("absent");
        assert_eq!(c.apply(&mut e, usize::MAX), Ok(2));
        assert_eq!(e, entries(&[("a", "1")]));
    }

    #[test]
    fn an_oversized_record_can_shrink_but_not_grow() {
        let mut e = entries(&[("a", "0123456789")]);
        let mut grow = Changes::new();
        grow.set("b", "1");
        assert_eq!(
            grow.apply(&mut e, 5),
            Err(StoreError::TooLarge { size: 13, max: 5 })
        );
        assert_eq!(e, entries(&[("a", "0123456789")]));
        let mut shrink = Changes::new();
        shrink.set("a", "01234");
        assert_eq!(shrink.apply(&mut e, 5), Ok(6));
    }

    #[test]
    fn debug_never_shows_values_or_whole_keys() {
        let key = RecordKey::from_bytes([0x5a; 32]);
        assert!(!format!("{key:?}").contains(&key.to_hex()));
        let mut c = Changes::new();
        c.set("k", "secret-value");
        assert!(!format!("{c:?}").contains("secret-value"));
    }

    #[test]
    fn hex_is_lowercase_and_complete() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 8) as u8);
        let hex = RecordKey::from_bytes(bytes).to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex.starts_with("0008101820"));
        assert!(hex.ends_with("f8"));
        assert!(!hex.chars().any(|c| c.is_ascii_uppercase()));
    }
}
