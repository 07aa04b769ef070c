//! A record's bytes in the records table.

use crate::store::{record_size, Entries, Record, StoreError};

/// The record format, version 1: a version byte (1), `expires_at` (u64,
/// little-endian), the number of entries (u32), then each entry as its key
/// and its value, each a u32 length and UTF-8 bytes.
pub(super) fn encode(record: &Record) -> Vec<u8> {
    let size = record_size(&record.entries) + 8 * record.entries.len() + 13;
    let mut out = Vec::with_capacity(size);
    out.push(1);
    out.extend_from_slice(&record.expires_at.to_le_bytes());
    out.extend_from_slice(&(record.entries.len() as u32).to_le_bytes());
    for (key, value) in &record.entries {
        for text in [key, value] {
            out.extend_from_slice(&(text.len() as u32).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    out
}

/// The expiry of an encoded record, from its header alone.
pub(super) fn expiry_of(bytes: &[u8]) -> Option<u64> {
    match bytes {
        [1, rest @ ..] if rest.len() >= 8 => Some(u64::from_le_bytes(rest[..8].try_into().ok()?)),
        _ => None,
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    let expires_at = expiry_of(bytes).ok_or_else(|| corrupt("unknown format or short header"))?;
    let mut rest = Cursor(&bytes[9..]);
    let count = rest.length()?;
    let mut entries = Entries::new();
    for _ in 0..count {
        let key = rest.text()?;
        let value = rest.text()?;
        entries.insert(key, value);
    }
    if !rest.0.is_empty() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(Record {
        entries,
        expires_at,
    })
}

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt(format!("redb record: {why}"))
}

/// The unread rest of an encoded record.
struct Cursor<'b>(&'b [u8]);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], StoreError> {
        if self.0.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn length(&mut self) -> Result<usize, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn text(&mut self) -> Result<String, StoreError> {
        let len = self.length()?;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| corrupt("not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damage_is_corrupt() {
        let record = Record {
            entries: Entries::from([
                ("a".to_owned(), "1".to_owned()),
                ("ключ".to_owned(), r#""🍪""#.to_owned()),
                (String::new(), String::new()),
            ]),
            expires_at: 1_900_000_000,
        };
        let bytes = encode(&record);
        assert_eq!(decode(&bytes), Ok(record));
        for cut in 0..bytes.len() {
            assert!(
                matches!(decode(&bytes[..cut]), Err(StoreError::Corrupt(_))),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(StoreError::Corrupt(_))));
        let mut version = bytes;
        version[0] = 2;
        assert!(matches!(decode(&version), Err(StoreError::Corrupt(_))));
    }
}
