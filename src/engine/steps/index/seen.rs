//! The throttle on `last_seen` writes: when this process last wrote each
//! session's sighting, so that a request seen again within the interval
//! writes nothing and stays one store round trip.
//!
//! Per process, bounded, and forgetful: a process that never wrote a
//! session's sighting (a new process, or one whose table filled up and was
//! emptied) writes it once, then waits the interval again. With several
//! processes, each writes at most once per interval per session.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::RecordKey;

/// The most sessions remembered; the table is emptied when it is full.
const MAX_REMEMBERED: usize = 1 << 16;

#[derive(Default)]
pub(crate) struct Seen {
    written: Mutex<HashMap<RecordKey, u64>>,
}

impl Seen {
    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<RecordKey, u64>> {
        // A panic elsewhere leaves a table that is only a cache: keep it.
        self.written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the sighting of the session `key` at `now` is to be
    /// written: never written by this process, or last written `every`
    /// seconds ago or more.
    pub(crate) fn due(&self, key: &RecordKey, now: u64, every: u64) -> bool {
        self.table()
            .get(key)
            .is_none_or(|&at| now.saturating_sub(at) >= every)
    }

    /// Notes that this process wrote the sighting of `key` at `now`.
    pub(crate) fn wrote(&self, key: &RecordKey, now: u64) {
        let mut table = self.table();
        if table.len() >= MAX_REMEMBERED && !table.contains_key(key) {
            table.clear();
        }
        table.insert(*key, now);
    }

    /// Forgets `key` (its session ended).
    pub(crate) fn forget(&self, key: &RecordKey) {
        self.table().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> RecordKey {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&(n as u64).to_le_bytes());
        RecordKey::from_bytes(bytes)
    }

    #[test]
    fn a_sighting_is_due_once_per_interval() {
        let seen = Seen::default();
        let (a, b) = (key(1), key(2));
        assert!(seen.due(&a, 1000, 300));
        seen.wrote(&a, 1000);
        assert!(!seen.due(&a, 1299, 300));
        assert!(seen.due(&a, 1300, 300));
        assert!(seen.due(&b, 1000, 300));
        seen.forget(&a);
        assert!(seen.due(&a, 1001, 300));
    }

    #[test]
    fn a_full_table_starts_over() {
        let seen = Seen::default();
        for i in 0..MAX_REMEMBERED {
            seen.wrote(&key(i), 5);
        }
        assert!(!seen.due(&key(0), 6, 300));
        let new = key(MAX_REMEMBERED);
        seen.wrote(&new, 6);
        assert!(seen.due(&key(0), 6, 300), "emptied");
        assert!(!seen.due(&new, 6, 300));
    }
}
