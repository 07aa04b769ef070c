//! Expiry: records written with short expiries at the start of a run,
//! checked once they expired; and sweep.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::store::contract::kit::{
    call, ensure, entries, expect, expect_record, fresh, ContractFailure, Outcome,
};
use crate::store::contract::rules::{EXPIRY, EXTENDED, SWEEP};
use crate::store::{
    system_clock, Changes, Created, Entries, RecordKey, Regenerated, Store, Updated,
};

/// Records written with short expiries at the start of a run, and checked
/// once they expired.
pub(super) struct Expiring {
    short: u64,
    long: u64,
    plain: RecordKey,
    shortened: RecordKey,
    touched: RecordKey,
    load_touched: RecordKey,
    updated: RecordKey,
    moved_from: RecordKey,
    moved_to: RecordKey,
    data: Entries,
}

impl Expiring {
    pub(super) async fn start(store: &(impl Store + ?Sized)) -> Result<Expiring, ContractFailure> {
        let now = system_clock();
        let e = Expiring {
            short: now + 2,
            long: now + 3600,
            plain: fresh(),
            shortened: fresh(),
            touched: fresh(),
            load_touched: fresh(),
            updated: fresh(),
            moved_from: fresh(),
            moved_to: fresh(),
            data: entries(&[("a", "1")]),
        };
        let (short, long, data) = (e.short, e.long, &e.data);
        for key in [e.plain, e.touched, e.load_touched, e.updated] {
            expect(
                EXPIRY,
                "create",
                store.create(key, data, short),
                Created::Created,
            )
            .await?;
        }
        for key in [e.shortened, e.moved_from] {
            expect(
                EXPIRY,
                "create",
                store.create(key, data, long),
                Created::Created,
            )
            .await?;
        }
        expect_record(store, EXPIRY, e.plain, Some((data, short))).await?;

        let mut changes = Changes::new();
        changes.set("b", "2");
        let shorten = store.update(e.shortened, &changes, short);
        expect(
            EXTENDED,
            "update with a shorter expiry",
            shorten,
            Updated::Updated,
        )
        .await?;
        expect(EXTENDED, "touch", store.touch(e.touched, long), true).await?;
        let loaded = call(EXTENDED, store.load(e.load_touched, Some(long))).await?;
        ensure(
            loaded.is_some_and(|r| r.expires_at == long),
            EXTENDED,
            || "load with touch did not return the record with its new expiry".into(),
        )?;
        let extend = store.update(e.updated, &changes, long);
        expect(
            EXTENDED,
            "update with a longer expiry",
            extend,
            Updated::Updated,
        )
        .await?;
        let moved = store.regenerate(e.moved_from, e.moved_to, short);
        expect(EXTENDED, "regenerate", moved, Regenerated::Regenerated).await?;
        Ok(e)
    }

    pub(super) async fn finish(self, store: &(impl Store + ?Sized)) -> Outcome {
        // Wait until the short expiry is past by 100 ms (Redis expires a
        // key on the millisecond after its EXPIREAT second).
        let deadline = Duration::from_secs(self.short) + Duration::from_millis(100);
        for _ in 0..100 {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            if now >= deadline {
                break;
            }
            tokio::time::sleep((deadline - now).min(Duration::from_millis(100))).await;
        }
        let (long, data) = (self.long, &self.data);
        let key = self.plain;
        expect_record(store, EXPIRY, key, None).await?;
        let touched = call(EXPIRY, store.load(key, Some(long))).await?;
        ensure(touched.is_none(), EXPIRY, || {
            "load with touch returned an expired record".into()
        })?;
        let mut changes = Changes::new();
        changes.set("b", "2");
        let what = "update of an expired record";
        expect(
            EXPIRY,
            what,
            store.update(key, &changes, long),
            Updated::Missing,
        )
        .await?;
        expect(
            EXPIRY,
            "touch of an expired record",
            store.touch(key, long),
            false,
        )
        .await?;
        let moved = store.regenerate(key, fresh(), long);
        let what = "regenerate of an expired record";
        expect(EXPIRY, what, moved, Regenerated::Missing).await?;
        expect_record(store, EXPIRY, key, None).await?;
        expect(
            EXPIRY,
            "delete of an expired record",
            store.delete(key),
            false,
        )
        .await?;
        let what = "create over an expired record";
        expect(
            EXPIRY,
            what,
            store.create(key, data, long),
            Created::Created,
        )
        .await?;
        expect_record(store, EXPIRY, self.shortened, None).await?;
        expect_record(store, EXPIRY, self.moved_to, None).await?;
        expect_record(store, EXPIRY, self.moved_from, None).await?;

        let mut updated = data.clone();
        updated.insert("b".into(), "2".into());
        let live = [
            (key, data),
            (self.touched, data),
            (self.load_touched, data),
            (self.updated, &updated),
        ];
        for (key, want) in live {
            expect_record(store, EXTENDED, key, Some((want, long))).await?;
        }
        call(SWEEP, store.sweep(system_clock())).await?;
        for (key, want) in live {
            expect_record(store, SWEEP, key, Some((want, long))).await?;
        }
        expect_record(store, SWEEP, self.shortened, None).await
    }
}
