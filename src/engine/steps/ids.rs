//! Session ids and the store keys derived from them.
//!
//! A new id is 16 bytes: its creation time (seconds since the Unix epoch,
//! u32 big-endian), then 12 random bytes (96 bits) from the operating
//! system. The envelope signs or encrypts the id like every other byte, so
//! the creation time it carries is as immutable as the id itself: a save
//! re-issues the cookie with a new issued-at time, never a new creation
//! time. A login always makes a new id, so for a session with a user it is
//! the login time, which revocation compares with the user's "not before"
//! ([`login_time`]). The wire format is unchanged: only the bytes of the id
//! differ.

use sha2::{Digest, Sha256};

use crate::codec::ID_LEN;
use crate::store::{RecordKey, StoreError};
use crate::SaveError;

/// The bytes of an id's creation time.
const TIME_LEN: usize = 4;

/// No id made by this code was created before this instant (2026-09-21):
/// an id whose first four bytes name an earlier time was made before ids
/// carried one (16 random bytes).
const FIRST_TIMED_ID: u64 = 1_790_000_000;

/// The store's key for one `purpose` of a session id (its record, its
/// overflow, its revocation), each in its own hash domain: a hash, so that
/// a dump of the store holds no id a cookie could carry. The cookie name
/// keeps two engines' records apart in one store.
pub(crate) fn record_key_for(purpose: &str, name: &str, id: &[u8]) -> RecordKey {
    let mut hash = Sha256::new();
    hash.update(b"cookietin ");
    hash.update(purpose.as_bytes());
    hash.update(b" v1\0");
    hash.update([name.len() as u8]);
    hash.update(name.as_bytes());
    hash.update(id);
    RecordKey::from_bytes(hash.finalize().into())
}

/// A new session id created at `created` (seconds since the Unix epoch):
/// the time, then 12 bytes from the operating system's generator.
pub(crate) fn fresh_id(created: u64) -> Result<[u8; ID_LEN], SaveError> {
    let mut id = [0u8; ID_LEN];
    let time = u32::try_from(created).unwrap_or(u32::MAX);
    id[..TIME_LEN].copy_from_slice(&time.to_be_bytes());
    getrandom::fill(&mut id[TIME_LEN..])
        .map_err(|e| SaveError::Store(StoreError::Backend(format!("no random session id: {e}"))))?;
    Ok(id)
}

/// When the id was created, if it carries a plausible time: not before
/// ids carried one, and not after the cookie that holds it was issued
/// (`issued_at`, give or take `skew`, for servers whose clocks disagree).
/// An id from before (16 random bytes) names such a time by chance only
/// rarely, and then an earlier one than its issue.
pub(crate) fn created_at(id: &[u8; ID_LEN], issued_at: u64, skew: u64) -> Option<u64> {
    let mut time = [0u8; TIME_LEN];
    time.copy_from_slice(&id[..TIME_LEN]);
    let time = u64::from(u32::from_be_bytes(time));
    (FIRST_TIMED_ID..=issued_at.saturating_add(skew))
        .contains(&time)
        .then_some(time)
}

/// The immutable time a revocation compares with a user's "not before":
/// the id's creation time (the login time, since a login makes a new id),
/// or, for an id from before ids carried a time, the cookie's issued-at
/// time, as before.
pub(crate) fn login_time(id: &[u8; ID_LEN], issued_at: u64, skew: u64) -> u64 {
    created_at(id, issued_at, skew).unwrap_or(issued_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_id_carries_its_creation_time_and_twelve_random_bytes() {
        let a = fresh_id(1_800_000_000).unwrap();
        let b = fresh_id(1_800_000_000).unwrap();
        assert_eq!(a[..4], 1_800_000_000u32.to_be_bytes());
        assert_ne!(a[4..], b[4..]);
        assert_eq!(created_at(&a, 1_800_000_500, 60), Some(1_800_000_000));
        assert_eq!(login_time(&a, 1_800_000_500, 60), 1_800_000_000);
    }

    #[test]
    fn an_implausible_time_falls_back_to_the_issue() {
        // Created after the cookie's issue (past the skew): not a time.
        let later = fresh_id(1_800_001_000).unwrap();
        assert_eq!(created_at(&later, 1_800_000_000, 60), None);
        assert_eq!(login_time(&later, 1_800_000_000, 60), 1_800_000_000);
        // Within the skew: a server whose clock runs ahead.
        assert_eq!(created_at(&later, 1_800_000_950, 60), Some(1_800_001_000));
        // Before ids carried a time: 16 random bytes.
        let old = [0x10; ID_LEN];
        assert_eq!(created_at(&old, 1_800_000_000, 60), None);
        assert_eq!(login_time(&old, 1_800_000_000, 60), 1_800_000_000);
    }
}
