//! Regenerate: the move itself, its answers, and updates racing it.

use crate::store::contract::kit::{
    ensure, entries, expect, expect_record, fail, fresh, join_all, Outcome,
};
use crate::store::contract::rules::{
    REGENERATE, REGENERATE_EXISTS, REGENERATE_MISSING, REGENERATE_RACE,
};
use crate::store::{system_clock, Changes, Created, Regenerated, Store, StoreFuture, Updated};

pub(super) async fn check(store: &(impl Store + ?Sized)) -> Outcome {
    let far = system_clock() + 3600;
    let (old, new) = (fresh(), fresh());
    let data = entries(&[("user", r#""ada""#), ("m:v", "7")]);
    expect(
        REGENERATE,
        "create",
        store.create(old, &data, far),
        Created::Created,
    )
    .await?;
    let moved = store.regenerate(old, new, far + 3);
    expect(REGENERATE, "regenerate", moved, Regenerated::Regenerated).await?;
    expect_record(store, REGENERATE, new, Some((&data, far + 3))).await?;
    expect_record(store, REGENERATE, old, None).await?;
    let mut changes = Changes::new();
    changes.set("late", "1");
    let what = "update of the old key";
    expect(
        REGENERATE,
        what,
        store.update(old, &changes, far),
        Updated::Missing,
    )
    .await?;
    expect_record(store, REGENERATE, old, None).await?;
    let what = "update of the new key";
    expect(
        REGENERATE,
        what,
        store.update(new, &changes, far + 3),
        Updated::Updated,
    )
    .await?;
    expect(
        REGENERATE,
        "delete of the old key",
        store.delete(old),
        false,
    )
    .await?;

    let again = store.regenerate(old, fresh(), far);
    expect(
        REGENERATE_MISSING,
        "regenerate of the old key",
        again,
        Regenerated::Missing,
    )
    .await?;
    let absent = store.regenerate(fresh(), fresh(), far);
    expect(
        REGENERATE_MISSING,
        "regenerate of a key never created",
        absent,
        Regenerated::Missing,
    )
    .await?;

    let taken = fresh();
    let other = entries(&[("other", "true")]);
    expect(
        REGENERATE_EXISTS,
        "create",
        store.create(taken, &other, far),
        Created::Created,
    )
    .await?;
    let onto = store.regenerate(new, taken, far);
    expect(
        REGENERATE_EXISTS,
        "regenerate onto a live key",
        onto,
        Regenerated::AlreadyExists,
    )
    .await?;
    let mut kept = data.clone();
    kept.insert("late".into(), "1".into());
    expect_record(store, REGENERATE_EXISTS, new, Some((&kept, far + 3))).await?;
    expect_record(store, REGENERATE_EXISTS, taken, Some((&other, far))).await
}

/// A regenerate among updates of the old key, in three interleavings: every
/// update answered `Updated` is in the moved record, and no update answered
/// `Missing` wrote anything.
pub(super) async fn races(store: &(impl Store + ?Sized)) -> Outcome {
    let far = system_clock() + 3600;
    for position in [0, 12, 24] {
        let (old, new) = (fresh(), fresh());
        let base = entries(&[("base", "0")]);
        expect(
            REGENERATE_RACE,
            "create",
            store.create(old, &base, far),
            Created::Created,
        )
        .await?;
        let changes: Vec<Changes> = (0..24)
            .map(|i| {
                let mut c = Changes::new();
                c.set(format!("u{i}"), i.to_string());
                c
            })
            .collect();
        let mut calls: Vec<StoreFuture<'_, Result<Updated, Regenerated>>> = Vec::new();
        for (i, c) in changes.iter().enumerate() {
            if i == position {
                calls.push(Box::pin(async {
                    store.regenerate(old, new, far).await.map(Err)
                }));
            }
            calls.push(Box::pin(
                async move { store.update(old, c, far).await.map(Ok) },
            ));
        }
        if position == changes.len() {
            calls.push(Box::pin(async {
                store.regenerate(old, new, far).await.map(Err)
            }));
        }
        let mut want = base.clone();
        let mut update = 0;
        for answer in join_all(calls).await {
            match answer.map_err(|e| fail(REGENERATE_RACE, format!("the store failed: {e}")))? {
                Err(moved) => ensure(moved == Regenerated::Regenerated, REGENERATE_RACE, || {
                    format!("regenerate answered {moved:?}")
                })?,
                Ok(Updated::Updated) => {
                    want.insert(format!("u{update}"), update.to_string());
                    update += 1;
                }
                Ok(Updated::Missing) => update += 1,
            }
        }
        expect_record(store, REGENERATE_RACE, new, Some((&want, far))).await?;
        expect_record(store, REGENERATE_RACE, old, None).await?;
    }
    Ok(())
}
