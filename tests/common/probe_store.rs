//! A `MemoryStore` behind a probe: it counts every call and the loads, and
//! can be switched off, so that tests see when the engine asks the store
//! and how it behaves when the store is down.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use cookietin::store::{
    Changes, Created, Entries, MemoryStore, Record, RecordKey, Regenerated, Store, StoreError,
    StoreFuture, Updated,
};

#[derive(Default)]
pub struct ProbeStore {
    pub inner: MemoryStore,
    /// Every call, whatever it is.
    pub calls: AtomicUsize,
    /// The loads alone.
    pub loads: AtomicUsize,
    /// While set, every call fails with `StoreError::Unavailable`.
    pub down: AtomicBool,
    /// The key of the last record created, for a test that writes into it
    /// as another program would.
    pub created: Mutex<Option<RecordKey>>,
}

impl ProbeStore {
    fn call<'a, T: Send + 'a>(&'a self, f: StoreFuture<'a, T>) -> StoreFuture<'a, T> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Box::pin(async { Err(StoreError::Unavailable("connection refused".into())) });
        }
        f
    }
}

impl Store for ProbeStore {
    fn create<'a>(&'a self, k: RecordKey, e: &'a Entries, x: u64) -> StoreFuture<'a, Created> {
        *self.created.lock().unwrap() = Some(k);
        self.call(self.inner.create(k, e, x))
    }
    fn load(&self, k: RecordKey, t: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.call(self.inner.load(k, t))
    }
    fn update<'a>(&'a self, k: RecordKey, c: &'a Changes, x: u64) -> StoreFuture<'a, Updated> {
        self.call(self.inner.update(k, c, x))
    }
    fn delete(&self, k: RecordKey) -> StoreFuture<'_, bool> {
        self.call(self.inner.delete(k))
    }
    fn touch(&self, k: RecordKey, x: u64) -> StoreFuture<'_, bool> {
        self.call(self.inner.touch(k, x))
    }
    fn regenerate(&self, o: RecordKey, n: RecordKey, x: u64) -> StoreFuture<'_, Regenerated> {
        self.call(self.inner.regenerate(o, n, x))
    }
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.call(self.inner.sweep(now))
    }
}
