//! The [`Store`] operations of [`RedbStore`]: a load without touch reads on
//! the calling task; everything else is a job for the writer.

use crate::store::redb::database::RedbStore;
use crate::store::{
    Changes, Created, Entries, Record, RecordKey, Regenerated, Store, StoreFuture, Updated,
};

impl Store for RedbStore {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created> {
        let entries = entries.clone();
        self.write(move |t| t.create(&key, entries, expires_at))
    }

    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        match touch {
            None => Box::pin(async move { self.read(key) }),
            Some(expires_at) => self.write(move |t| t.load_touch(&key, expires_at)),
        }
    }

    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated> {
        let changes = changes.clone();
        self.write(move |t| t.update(&key, &changes, expires_at))
    }

    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        self.write(move |t| Ok(Ok(t.remove(&key)?.1)))
    }

    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
        self.write(move |t| Ok(t.load_touch(&key, expires_at)?.map(|r| r.is_some())))
    }

    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated> {
        self.write(move |t| t.regenerate(&old, &new, expires_at))
    }

    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.write(move |t| t.sweep(now))
    }
}
