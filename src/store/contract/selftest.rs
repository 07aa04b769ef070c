//! The kit's own test: a store with one deliberate flaw is caught by the
//! rule it breaks.

use crate::store::contract::rules::{
    CAP, CREATE_NX, EXPIRY, PER_KEY, REGENERATE, TOUCH, UPDATE_MISSING,
};
use crate::store::contract::{check, check_record_cap};
use crate::store::{
    Changes, Created, Entries, MemoryStore, Record, RecordKey, Regenerated, Store, StoreFuture,
    Updated,
};
/// A store with one deliberate flaw, to show the kit catches it.
struct Flawed {
    inner: MemoryStore,
    flaw: Flaw,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Flaw {
    CreateOverwrites,
    UpdateUpserts,
    UpdateReplacesTheRecord,
    RegenerateCopies,
    TouchDoesNothing,
    IgnoresExpiry,
}

impl Store for Flawed {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        at: u64,
    ) -> StoreFuture<'a, Created> {
        Box::pin(async move {
            if self.flaw == Flaw::CreateOverwrites {
                self.inner.delete(key).await?;
            }
            self.inner.create(key, entries, at).await
        })
    }
    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        self.inner.load(key, touch)
    }
    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        at: u64,
    ) -> StoreFuture<'a, Updated> {
        Box::pin(async move {
            let sets: Entries = changes
                .sets()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            match self.flaw {
                Flaw::UpdateUpserts if self.inner.load(key, None).await?.is_none() => {
                    let _ = self.inner.create(key, &sets, at).await?;
                    Ok(Updated::Updated)
                }
                Flaw::UpdateReplacesTheRecord if self.inner.delete(key).await? => {
                    let _ = self.inner.create(key, &sets, at).await?;
                    Ok(Updated::Updated)
                }
                _ => self.inner.update(key, changes, at).await,
            }
        })
    }
    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        self.inner.delete(key)
    }
    fn touch(&self, key: RecordKey, at: u64) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            if self.flaw == Flaw::TouchDoesNothing {
                return Ok(self.inner.load(key, None).await?.is_some());
            }
            self.inner.touch(key, at).await
        })
    }
    fn regenerate(&self, old: RecordKey, new: RecordKey, at: u64) -> StoreFuture<'_, Regenerated> {
        Box::pin(async move {
            if self.flaw == Flaw::RegenerateCopies {
                if let Some(record) = self.inner.load(old, None).await? {
                    let _ = self.inner.create(new, &record.entries, at).await?;
                    return Ok(Regenerated::Regenerated);
                }
            }
            self.inner.regenerate(old, new, at).await
        })
    }
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.inner.sweep(now)
    }
}

#[tokio::test]
async fn the_kit_catches_each_flaw() {
    let cases = [
        (Flaw::CreateOverwrites, CREATE_NX),
        (Flaw::UpdateUpserts, UPDATE_MISSING),
        (Flaw::UpdateReplacesTheRecord, PER_KEY),
        (Flaw::RegenerateCopies, REGENERATE),
        (Flaw::TouchDoesNothing, TOUCH),
        (Flaw::IgnoresExpiry, EXPIRY),
    ];
    for (flaw, rule) in cases {
        let inner = if flaw == Flaw::IgnoresExpiry {
            MemoryStore::new().clock(|| 0)
        } else {
            MemoryStore::new()
        };
        let failure = check(&Flawed { inner, flaw })
            .await
            .expect_err("the kit passed a flawed store");
        assert_eq!(failure.rule(), rule, "{flaw:?}: {failure}");
        assert!(failure.to_string().starts_with("store contract broken: "));
    }
}

#[tokio::test]
async fn the_cap_check_catches_a_store_without_a_cap() {
    let failure = check_record_cap(&MemoryStore::new(), 100)
        .await
        .unwrap_err();
    assert_eq!(failure.rule(), CAP);
}
