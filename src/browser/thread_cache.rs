//! A per-thread front to the shared User-Agent cache of
//! [`Browsers`](super::Browsers).
//!
//! The shared cache is a map behind a lock, and its answers are `Arc`s
//! that every thread clones. On a server with more than one worker, each
//! lookup then writes two cache lines that the other workers write too:
//! the lock's and the `Arc`'s count. perf on two workers put about 0.2 µs
//! of each request in the lookup, most of it in those two writes, where
//! the whole lookup took 61 ns on one thread (20 ns with this cache). So
//! each thread keeps the last few User-Agents it
//! resolved, each with a copy of the [`Browser`] of its own, whose count
//! no other thread touches.
//!
//! A [`Browser`] depends only on its User-Agent and the database of the
//! [`Browsers`](super::Browsers) that resolved it, so a copy answers exactly
//! as the shared entry would. Entries are told apart by the id of that
//! `Browsers`, unique in the process.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::Browser;

/// User-Agents kept per thread: a site's traffic on one worker is mostly a
/// few browsers, and a scan of a few entries costs less than a hash.
const SLOTS: usize = 4;

/// An id for a new [`Browsers`](super::Browsers), unique in the process.
pub(super) fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

struct Slot {
    owner: u64,
    user_agent: Box<str>,
    browser: Arc<Browser>,
}

#[derive(Default)]
struct ThreadCache {
    slots: Vec<Slot>,
    /// The slot the next new entry replaces, once all are taken.
    next: usize,
}

thread_local! {
    static CACHE: RefCell<ThreadCache> = RefCell::new(ThreadCache::default());
}

/// This thread's copy of what `owner` resolved `user_agent` to, if kept.
pub(super) fn get(owner: u64, user_agent: &str) -> Option<Arc<Browser>> {
    CACHE
        .try_with(|cache| {
            cache
                .borrow()
                .slots
                .iter()
                .find(|s| s.owner == owner && *s.user_agent == *user_agent)
                .map(|s| s.browser.clone())
        })
        .ok()
        .flatten()
}

/// Keeps a copy of `shared` on this thread, as `owner`'s answer for
/// `user_agent`, and returns it (or `shared` itself when the thread is
/// being torn down).
pub(super) fn keep(owner: u64, user_agent: &str, shared: Arc<Browser>) -> Arc<Browser> {
    let own = Arc::new(Browser::clone(&shared));
    let slot = Slot {
        owner,
        user_agent: user_agent.into(),
        browser: own.clone(),
    };
    let kept = CACHE.try_with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.slots.len() < SLOTS {
            cache.slots.push(slot);
        } else {
            let at = cache.next;
            cache.slots[at] = slot;
            cache.next = (at + 1) % SLOTS;
        }
    });
    match kept {
        Ok(()) => own,
        Err(_) => shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::limits::LimitsDb;
    use crate::Browsers;

    #[test]
    fn keeps_the_last_few_per_owner_and_user_agent() {
        let browsers = Browsers::new(LimitsDb::bundled().clone());
        let (a, b) = (next_id(), next_id());
        let firefox = browsers
            .resolve("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        let kept = keep(a, "ff", firefox.clone());
        assert_eq!(*kept, *firefox);
        assert!(!Arc::ptr_eq(&kept, &firefox), "a copy of its own");
        assert!(Arc::ptr_eq(&get(a, "ff").unwrap(), &kept));
        // Another owner, or another User-Agent, is not this entry.
        assert!(get(b, "ff").is_none());
        assert!(get(a, "f").is_none());
        // Past SLOTS new entries, the oldest has gone.
        for i in 0..SLOTS {
            keep(a, &format!("other {i}"), firefox.clone());
        }
        assert!(get(a, "ff").is_none());
        assert!(get(a, &format!("other {}", SLOTS - 1)).is_some());
        // Other threads keep their own.
        std::thread::spawn(move || assert!(get(a, &format!("other {}", SLOTS - 1)).is_none()))
            .join()
            .unwrap();
    }
}
