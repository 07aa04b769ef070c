//! Reads that don't redo work: the envelopes this process verified and
//! opened lately, keyed by the exact bytes of the cookies that carried
//! them.
//!
//! Nine requests in ten read a session unchanged since the last one, so
//! they carry byte for byte the cookies that were verified a moment ago. A
//! hit skips base64, the MAC (or the AEAD), the inflate and the JSON parse,
//! and costs a hash of a few bytes, a compare and a copy of the data.
//!
//! What a hit still does, so that it never gives what a miss would not:
//! - the time check (max age, clock skew) against the clock of this
//!   request, on every hit;
//! - everything after the read: the store steps (revocation, overflow, the
//!   record) run on a hit exactly as on a miss, so a revoked session is
//!   refused by its tombstone whatever the cache holds;
//! - the key: the cache belongs to one jar, one cookie name under one key
//!   ring fixed when the engine is built. An entry records which key of the
//!   ring verified it, so a hit on a session under an old key is re-issued
//!   under the new one as a miss would be. A new ring is a new engine,
//!   whose cache starts empty.
//!
//! Only verified envelopes are kept: a forged cookie is checked, and
//! refused, on every request, and never takes a slot. Requests that carry
//! two copies of a chunk are not cached (the rare case of cookies on two
//! paths).
//!
//! The cookies a save writes are kept at once, with the data they encode
//! (unless shrinking moved or dropped keys): the next requests carry them.
//! Other sessions are kept the second time their cookies verify, not the
//! first:
//! a first sighting only notes the hash in a fixed table of [`SEEN`]
//! slots, without a lock or an allocation, so that cookies seen once (a
//! session read once after a write, or a flood of fresh ones) cost a miss
//! next to nothing. Cookies read again are kept and every later read hits.
//!
//! Memory is bounded in bytes: an entry counts its key, the JSON length of
//! its data and [`ENTRY_OVERHEAD`]; past the bound, the oldest entries go
//! first. The table of first sightings is a further 8 * [`SEEN`] bytes.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::codec::{Header, ID_LEN};
use crate::SessionData;

/// What the cache counts for an entry besides its key and its JSON: the
/// map's and the queue's slots, the entry, and the data's allocations.
pub(crate) const ENTRY_OVERHEAD: usize = 256;

/// Slots of the table of first sightings.
pub(crate) const SEEN: usize = 4096;

/// Bytes of each chunk's tail that the hash reads: the tag and the
/// payload's last bytes, which differ between any two sessions written.
const TAIL: usize = 24;

/// A verified, opened envelope.
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    /// Shared with the sessions loaded from it: a hit copies nothing.
    pub data: Arc<SessionData>,
    pub header: Header,
    /// Which key of the ring verified it.
    pub key_index: usize,
    pub id: Option<[u8; ID_LEN]>,
}

struct Entry {
    /// The chunks, in index order: index, length (u32, big-endian), value.
    key: Box<[u8]>,
    opened: Opened,
    size: usize,
}

#[derive(Default)]
struct Inner {
    map: HashMap<u64, Entry, BuildHasherDefault<AlreadyHashed>>,
    /// Hashes, oldest first.
    order: VecDeque<u64>,
    bytes: usize,
}

/// The cache of one jar.
pub(crate) struct ReadCache {
    max_bytes: usize,
    hasher: RandomState,
    inner: Mutex<Inner>,
    /// The hashes of cookies verified once, by `hash % SEEN`.
    seen: Box<[AtomicU64]>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    /// A cache of at most `max_bytes`.
    pub(crate) fn new(max_bytes: usize) -> ReadCache {
        ReadCache {
            max_bytes,
            hasher: RandomState::new(),
            inner: Mutex::new(Inner::default()),
            seen: (0..SEEN).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The hash of chunks in index order: their count, lengths and tails.
    /// Keyed per process, so a client cannot aim at a slot; a match is
    /// then confirmed byte for byte.
    fn hash(&self, pieces: &[(u8, &str)]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write_usize(pieces.len());
        for (index, value) in pieces {
            h.write_u8(*index);
            h.write_usize(value.len());
            h.write(&value.as_bytes()[value.len().saturating_sub(TAIL)..]);
        }
        h.finish()
    }

    /// The hash of these chunks (for [`offer`](Self::offer)), and the
    /// opened envelope they gave, if this cache holds it. The caller
    /// checks the time.
    pub(crate) fn get(&self, pieces: &[(u8, &str)]) -> (u64, Option<Opened>) {
        let hash = self.hash(pieces);
        let Ok(inner) = self.inner.lock() else {
            return (hash, None);
        };
        let hit = inner
            .map
            .get(&hash)
            .filter(|entry| matches(&entry.key, pieces))
            .map(|entry| entry.opened.clone());
        (hash, hit)
    }

    /// Offers what these chunks (in index order, of hash `hash`) opened
    /// to: noted the first time, kept the second.
    pub(crate) fn offer(&self, hash: u64, pieces: &[(u8, &str)], opened: &Opened) {
        let slot = &self.seen[(hash % SEEN as u64) as usize];
        if slot.swap(hash, Ordering::Relaxed) != hash {
            return;
        }
        self.put(hash, pieces, opened.clone());
    }

    /// Keeps the cookies a save just wrote, with what they hold: they are
    /// read on the next requests, so they are kept at once.
    pub(crate) fn keep(&self, pieces: &[(u8, &str)], opened: Opened) {
        self.put(self.hash(pieces), pieces, opened);
    }

    /// Keeps what these chunks (in index order) opened to.
    fn put(&self, hash: u64, pieces: &[(u8, &str)], opened: Opened) {
        let key_len: usize = pieces.iter().map(|(_, v)| 5 + v.len()).sum();
        let size = key_len + opened.data.json_len() + ENTRY_OVERHEAD;
        if size > self.max_bytes {
            return;
        }
        let mut key = Vec::with_capacity(key_len);
        for (index, value) in pieces {
            key.push(*index);
            key.extend_from_slice(&(value.len() as u32).to_be_bytes());
            key.extend_from_slice(value.as_bytes());
        }
        let entry = Entry {
            key: key.into_boxed_slice(),
            opened,
            size,
        };
        // What leaves the cache is dropped after the lock is let go: freeing
        // a session's data is work the other threads need not wait for.
        // Mostly one entry leaves, so no vector for the first.
        let mut gone = Gone::default();
        let Ok(mut guard) = self.inner.lock() else {
            return;
        };
        let inner = &mut *guard;
        if let Some(old) = inner.map.insert(hash, entry) {
            // The same chunks again, or (1 in 2^64) others with this hash:
            // the newer one stays, in the older one's place in the queue.
            inner.bytes -= old.size;
            gone.push(old);
        } else {
            inner.order.push_back(hash);
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.map.remove(&oldest) {
                inner.bytes -= old.size;
                gone.push(old);
            }
        }
        drop(guard);
        drop(gone);
    }

    /// The bytes the cache counts now.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.bytes)
    }
}

/// The map's hasher: its keys are already hashes, keyed per process
/// ([`ReadCache::hash`]), so hashing them again (SipHash, by default)
/// would only cost time on every get and put.
#[derive(Default)]
struct AlreadyHashed(u64);

impl Hasher for AlreadyHashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys reach this map; should anything else, fold it in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Entries taken out under the lock, to drop once it is let go.
#[derive(Default)]
struct Gone {
    first: Option<Entry>,
    more: Vec<Entry>,
}

impl Gone {
    fn push(&mut self, entry: Entry) {
        match self.first {
            None => self.first = Some(entry),
            Some(_) => self.more.push(entry),
        }
    }
}

/// Whether `key` holds exactly these chunks.
fn matches(key: &[u8], pieces: &[(u8, &str)]) -> bool {
    let mut rest = key;
    for (index, value) in pieces {
        let Some((head, tail)) = rest.split_at_checked(5) else {
            return false;
        };
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        if head[0] != *index || len != value.len() || tail.len() < len {
            return false;
        }
        let (bytes, tail) = tail.split_at(len);
        if bytes != value.as_bytes() {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Compression;

    fn opened(n: u32) -> Opened {
        let mut data = SessionData::new();
        data.insert("n", &n).unwrap();
        Opened {
            data: Arc::new(data),
            header: Header {
                flags: 0,
                compression: Compression::None,
                chunks: 1,
                issued_at: n,
            },
            key_index: 0,
            id: None,
        }
    }

    #[test]
    fn hits_only_the_exact_chunks() {
        let cache = ReadCache::new(1 << 20);
        let pieces = [(0, "AAAAbbbbcccc"), (1, "dddd")];
        let (hash, miss) = cache.get(&pieces);
        assert!(miss.is_none());
        // Noted the first time, kept the second.
        cache.offer(hash, &pieces, &opened(7));
        assert!(cache.get(&pieces).1.is_none());
        assert_eq!(cache.bytes(), 0);
        cache.offer(hash, &pieces, &opened(7));
        let hit = cache.get(&pieces).1.unwrap();
        assert_eq!(hit.header.issued_at, 7);
        assert_eq!(hit.data.get::<u32>("n").unwrap(), Some(7));
        // A byte changed, a chunk dropped, a chunk added, an index moved.
        for other in [
            &[(0, "AAAAbbbbcccd"), (1, "dddd")][..],
            &[(0, "AAAAbbbbcccc")],
            &[(0, "AAAAbbbbcccc"), (1, "dddd"), (2, "e")],
            &[(0, "AAAAbbbbcccc"), (2, "dddd")],
        ] {
            assert!(cache.get(other).1.is_none(), "{other:?}");
        }
    }

    #[test]
    fn memory_is_bounded_in_bytes_oldest_out_first() {
        let value = "x".repeat(100);
        let size = 5 + 100 + opened(0).data.json_len() + ENTRY_OVERHEAD;
        let cache = ReadCache::new(size * 3);
        // Real values end with their tag; these differ in their tails too.
        let keys: Vec<String> = (0..5).map(|i| format!("{}{i}", &value[1..])).collect();
        for (i, k) in keys.iter().enumerate() {
            let pieces = [(0, &k[..])];
            cache.put(cache.hash(&pieces), &pieces, opened(i as u32));
            assert!(cache.bytes() <= size * 3);
        }
        assert_eq!(cache.bytes(), size * 3);
        assert!(cache.get(&[(0, &keys[0])]).1.is_none());
        assert!(cache.get(&[(0, &keys[1])]).1.is_none());
        for k in &keys[2..] {
            assert!(cache.get(&[(0, k)]).1.is_some());
        }
        // An entry larger than the whole cache is not kept.
        let huge = "y".repeat(size * 3);
        let pieces = [(0, &huge[..])];
        cache.put(cache.hash(&pieces), &pieces, opened(9));
        assert!(cache.get(&pieces).1.is_none());
        assert_eq!(cache.bytes(), size * 3);
    }
}
