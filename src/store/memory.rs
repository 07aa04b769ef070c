//! A bounded store in this process's memory, for tests and development.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{
    check_size, record_size, system_clock, Changes, Created, Entries, Record, RecordKey,
    Regenerated, Store, StoreError, StoreFuture, Updated, DEFAULT_MAX_RECORD_BYTES,
};

/// The default bound on the number of records a [`MemoryStore`] holds.
///
/// # Example
/// ```
/// assert_eq!(cookietin::store::DEFAULT_MAX_RECORDS, 10_000);
/// ```
pub const DEFAULT_MAX_RECORDS: usize = 10_000;

/// Records in a map in this process, lost when it exits.
///
/// It is bounded: a create that would exceed
/// [`max_records`](MemoryStore::max_records) first drops the expired
/// records, then fails with [`StoreError::Full`]; it never evicts a live
/// session. Expired records are absent as soon as they expire and are
/// dropped when touched, by a full store, or by [`Store::sweep`].
///
/// Clones share the records.
///
/// # Example
/// ```
/// use cookietin::store::{Created, Entries, MemoryStore, RecordKey, Store, StoreError};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # rt.block_on(async {
/// let store = MemoryStore::new().max_records(1);
/// let far = cookietin::store::system_clock() + 60;
/// let one = RecordKey::from_bytes([1; 32]);
/// let two = RecordKey::from_bytes([2; 32]);
/// assert_eq!(store.create(one, &Entries::new(), far).await?, Created::Created);
/// assert_eq!(
///     store.create(two, &Entries::new(), far).await,
///     Err(StoreError::Full { max_records: 1 }),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    records: Arc<Mutex<HashMap<RecordKey, Stored>>>,
    max_records: usize,
    max_record_bytes: usize,
    clock: fn() -> u64,
}

struct Stored {
    entries: Entries,
    expires_at: u64,
}

impl Stored {
    fn record(&self) -> Record {
        Record {
            entries: self.entries.clone(),
            expires_at: self.expires_at,
        }
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("records", &self.len())
            .field("max_records", &self.max_records)
            .field("max_record_bytes", &self.max_record_bytes)
            .finish()
    }
}

impl Default for MemoryStore {
    fn default() -> MemoryStore {
        MemoryStore::new()
    }
}

impl MemoryStore {
    /// An empty store with [`DEFAULT_MAX_RECORDS`],
    /// [`DEFAULT_MAX_RECORD_BYTES`] and the system clock.
    ///
    /// # Example
    /// ```
    /// assert!(cookietin::store::MemoryStore::new().is_empty());
    /// ```
    pub fn new() -> MemoryStore {
        MemoryStore {
            records: Arc::default(),
            max_records: DEFAULT_MAX_RECORDS,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            clock: system_clock,
        }
    }

    /// Holds at most `max` records.
    ///
    /// # Example
    /// ```
    /// let store = cookietin::store::MemoryStore::new().max_records(100);
    /// # let _ = store;
    /// ```
    pub fn max_records(mut self, max: usize) -> MemoryStore {
        self.max_records = max;
        self
    }

    /// Refuses writes that grow a record past `max` bytes
    /// ([`record_size`]).
    ///
    /// # Example
    /// ```
    /// let store = cookietin::store::MemoryStore::new().max_record_bytes(64 * 1024);
    /// # let _ = store;
    /// ```
    pub fn max_record_bytes(mut self, max: usize) -> MemoryStore {
        self.max_record_bytes = max;
        self
    }

    /// Tells the time with `clock` (seconds since the Unix epoch) instead of
    /// the system clock, for tests with a fake clock.
    ///
    /// # Example
    /// ```
    /// fn frozen() -> u64 { 1_800_000_000 }
    /// let store = cookietin::store::MemoryStore::new().clock(frozen);
    /// # let _ = store;
    /// ```
    pub fn clock(mut self, clock: fn() -> u64) -> MemoryStore {
        self.clock = clock;
        self
    }

    /// How many records the map holds, expired ones not yet dropped
    /// included.
    ///
    /// # Example
    /// ```
    /// assert_eq!(cookietin::store::MemoryStore::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the map holds no record.
    ///
    /// # Example
    /// ```
    /// assert!(cookietin::store::MemoryStore::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<RecordKey, Stored>> {
        // A panic while locked can't leave a record half-written: every
        // change is computed before it is stored.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The live record under `key`, dropping it if it expired.
    fn live<'m>(
        map: &'m mut HashMap<RecordKey, Stored>,
        key: &RecordKey,
        now: u64,
    ) -> Option<&'m mut Stored> {
        if map.get(key).is_some_and(|s| s.expires_at <= now) {
            map.remove(key);
        }
        map.get_mut(key)
    }

    fn do_create(
        &self,
        key: RecordKey,
        entries: &Entries,
        expires_at: u64,
    ) -> Result<Created, StoreError> {
        let now = (self.clock)();
        let mut map = self.lock();
        if Self::live(&mut map, &key, now).is_some() {
            return Ok(Created::AlreadyExists);
        }
        check_size(record_size(entries), 0, self.max_record_bytes)?;
        if map.len() >= self.max_records {
            map.retain(|_, s| s.expires_at > now);
            if map.len() >= self.max_records {
                return Err(StoreError::Full {
                    max_records: self.max_records,
                });
            }
        }
        let entries = entries.clone();
        map.insert(
            key,
            Stored {
                entries,
                expires_at,
            },
        );
        Ok(Created::Created)
    }

    fn do_load(&self, key: RecordKey, touch: Option<u64>) -> Option<Record> {
        let now = (self.clock)();
        let mut map = self.lock();
        let stored = Self::live(&mut map, &key, now)?;
        if let Some(expires_at) = touch {
            stored.expires_at = expires_at;
        }
        Some(stored.record())
    }

    fn do_update(
        &self,
        key: RecordKey,
        changes: &Changes,
        expires_at: u64,
    ) -> Result<Updated, StoreError> {
        let now = (self.clock)();
        let mut map = self.lock();
        let Some(stored) = Self::live(&mut map, &key, now) else {
            return Ok(Updated::Missing);
        };
        changes.apply(&mut stored.entries, self.max_record_bytes)?;
        stored.expires_at = expires_at;
        Ok(Updated::Updated)
    }

    fn do_delete(&self, key: RecordKey) -> bool {
        let now = (self.clock)();
        self.lock().remove(&key).is_some_and(|s| s.expires_at > now)
    }

    fn do_touch(&self, key: RecordKey, expires_at: u64) -> bool {
        let now = (self.clock)();
        let mut map = self.lock();
        match Self::live(&mut map, &key, now) {
            Some(stored) => {
                stored.expires_at = expires_at;
                true
            }
            None => false,
        }
    }

    fn do_regenerate(&self, old: RecordKey, new: RecordKey, expires_at: u64) -> Regenerated {
        let now = (self.clock)();
        let mut map = self.lock();
        if Self::live(&mut map, &old, now).is_none() {
            return Regenerated::Missing;
        }
        if Self::live(&mut map, &new, now).is_some() {
            return Regenerated::AlreadyExists;
        }
        let Some(mut stored) = map.remove(&old) else {
            return Regenerated::Missing;
        };
        stored.expires_at = expires_at;
        map.insert(new, stored);
        Regenerated::Regenerated
    }

    fn do_sweep(&self, now: u64) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|_, s| s.expires_at > now);
        before - map.len()
    }
}

fn ready<'a, T: Send + 'a>(result: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

impl Store for MemoryStore {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created> {
        ready(self.do_create(key, entries, expires_at))
    }

    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        ready(Ok(self.do_load(key, touch)))
    }

    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated> {
        ready(self.do_update(key, changes, expires_at))
    }

    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        ready(Ok(self.do_delete(key)))
    }

    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
        ready(Ok(self.do_touch(key, expires_at)))
    }

    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated> {
        ready(Ok(self.do_regenerate(old, new, expires_at)))
    }

    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        ready(Ok(self.do_sweep(now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    static FAKE_NOW: AtomicU64 = AtomicU64::new(1_000);

    fn fake() -> u64 {
        FAKE_NOW.load(Ordering::SeqCst)
    }

    fn key(byte: u8) -> RecordKey {
        RecordKey::from_bytes([byte; 32])
    }

    #[tokio::test]
    async fn passes_the_contract_kit() {
        let store = MemoryStore::new();
        if let Err(failure) = crate::store::contract::check(&store).await {
            panic!("{failure}");
        }
        crate::store::contract::check_record_cap(&MemoryStore::new().max_record_bytes(4096), 4096)
            .await
            .unwrap_or_else(|failure| panic!("{failure}"));
    }

    #[tokio::test]
    async fn full_store_drops_expired_records_first_and_never_live_ones() {
        // One test owns the fake clock.
        let store = MemoryStore::new().max_records(2).clock(fake);
        let entries = Entries::new();
        assert_eq!(
            store.create(key(1), &entries, 1_010).await,
            Ok(Created::Created)
        );
        assert_eq!(
            store.create(key(2), &entries, 2_000).await,
            Ok(Created::Created)
        );
        assert_eq!(
            store.create(key(3), &entries, 2_000).await,
            Err(StoreError::Full { max_records: 2 })
        );
        FAKE_NOW.store(1_010, Ordering::SeqCst);
        assert_eq!(
            store.create(key(3), &entries, 2_000).await,
            Ok(Created::Created)
        );
        assert_eq!(store.len(), 2);
        assert!(store.load(key(2), None).await.unwrap().is_some());
        assert!(store.load(key(1), None).await.unwrap().is_none());
        FAKE_NOW.store(2_000, Ordering::SeqCst);
        assert_eq!(store.sweep(2_000).await, Ok(2));
        assert!(store.is_empty());
    }
}
