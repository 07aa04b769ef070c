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

/// The most sessions remembered; the table is emptied when it is full.
const MAX_REMEMBERED: usize = 1 << 16;

#[derive(Default)]
pub(crate) struct Seen {
    written: Mutex<HashMap<String, u64>>,
}

impl Seen {
    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        // A panic elsewhere leaves a table that is only a cache: keep it.
        self.written
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the sighting of `handle` at `now` is to be written: never
    /// written by this process, or last written `every` seconds ago or
    /// more.
    pub(crate) fn due(&self, handle: &str, now: u64, every: u64) -> bool {
        self.table()
            .get(handle)
            .is_none_or(|&at| now.saturating_sub(at) >= every)
    }

    /// Notes that this process wrote the sighting of `handle` at `now`.
    pub(crate) fn wrote(&self, handle: &str, now: u64) {
        let mut table = self.table();
        if table.len() >= MAX_REMEMBERED && !table.contains_key(handle) {
            table.clear();
        }
        table.insert(handle.to_owned(), now);
    }

    /// Forgets `handle` (its session ended).
    pub(crate) fn forget(&self, handle: &str) {
        self.table().remove(handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sighting_is_due_once_per_interval() {
        let seen = Seen::default();
        assert!(seen.due("a", 1000, 300));
        seen.wrote("a", 1000);
        assert!(!seen.due("a", 1299, 300));
        assert!(seen.due("a", 1300, 300));
        assert!(seen.due("b", 1000, 300));
        seen.forget("a");
        assert!(seen.due("a", 1001, 300));
    }

    #[test]
    fn a_full_table_starts_over() {
        let seen = Seen::default();
        for i in 0..MAX_REMEMBERED {
            seen.wrote(&i.to_string(), 5);
        }
        assert!(!seen.due("0", 6, 300));
        seen.wrote("new", 6);
        assert!(seen.due("0", 6, 300), "emptied");
        assert!(!seen.due("new", 6, 300));
    }
}
