//! Per-key updates: only the keys named are written.

use crate::store::contract::kit::{entries, expect, expect_record, fresh, Outcome};
use crate::store::contract::rules::{EMPTY, PER_KEY, UPDATE_MISSING};
use crate::store::{system_clock, Changes, Created, Entries, Store, Updated};

pub(super) async fn check(store: &(impl Store + ?Sized)) -> Outcome {
    let far = system_clock() + 3600;
    let key = fresh();
    let data = entries(&[("a", "1"), ("b", "2"), ("c", "3")]);
    expect(
        PER_KEY,
        "create",
        store.create(key, &data, far),
        Created::Created,
    )
    .await?;
    let mut changes = Changes::new();
    changes
        .set("b", "20")
        .set("d", r#""4""#)
        .remove("c")
        .remove("never-set");
    expect(
        PER_KEY,
        "update",
        store.update(key, &changes, far + 7),
        Updated::Updated,
    )
    .await?;
    let want = entries(&[("a", "1"), ("b", "20"), ("d", r#""4""#)]);
    expect_record(store, PER_KEY, key, Some((&want, far + 7))).await?;

    let mut nothing = Changes::new();
    let what = "update with no changes";
    expect(
        PER_KEY,
        what,
        store.update(key, &nothing, far + 8),
        Updated::Updated,
    )
    .await?;
    expect_record(store, PER_KEY, key, Some((&want, far + 8))).await?;

    nothing.remove("a").remove("b").remove("d");
    let what = "update removing every key";
    expect(
        EMPTY,
        what,
        store.update(key, &nothing, far + 9),
        Updated::Updated,
    )
    .await?;
    expect_record(store, EMPTY, key, Some((&Entries::new(), far + 9))).await?;

    let absent = fresh();
    let what = "update of a key never created";
    expect(
        UPDATE_MISSING,
        what,
        store.update(absent, &changes, far),
        Updated::Missing,
    )
    .await?;
    expect_record(store, UPDATE_MISSING, absent, None).await
}
