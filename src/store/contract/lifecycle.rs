//! Delete, touch and load with touch, and updates of what is gone.

use crate::store::contract::kit::{call, ensure, entries, expect, expect_record, fresh, Outcome};
use crate::store::contract::rules::{CREATE, DELETE, LOAD_TOUCH, TOUCH, UPDATE_MISSING};
use crate::store::{system_clock, Changes, Created, Record, Store, Updated};

pub(super) async fn check(store: &(impl Store + ?Sized)) -> Outcome {
    let far = system_clock() + 3600;
    let key = fresh();
    let data = entries(&[("a", "1")]);
    expect(
        DELETE,
        "create",
        store.create(key, &data, far),
        Created::Created,
    )
    .await?;
    expect(DELETE, "delete of a live record", store.delete(key), true).await?;
    expect_record(store, DELETE, key, None).await?;
    expect(DELETE, "second delete", store.delete(key), false).await?;
    expect(
        DELETE,
        "delete of a key never created",
        store.delete(fresh()),
        false,
    )
    .await?;
    let mut changes = Changes::new();
    changes.set("a", "2");
    let what = "update after delete";
    expect(
        UPDATE_MISSING,
        what,
        store.update(key, &changes, far),
        Updated::Missing,
    )
    .await?;
    expect_record(store, UPDATE_MISSING, key, None).await?;
    expect(
        CREATE,
        "create after delete",
        store.create(key, &data, far),
        Created::Created,
    )
    .await?;
    expect_record(store, CREATE, key, Some((&data, far))).await?;

    expect(
        TOUCH,
        "touch of a live record",
        store.touch(key, far + 5),
        true,
    )
    .await?;
    expect_record(store, TOUCH, key, Some((&data, far + 5))).await?;
    let absent = fresh();
    expect(
        TOUCH,
        "touch of an absent key",
        store.touch(absent, far),
        false,
    )
    .await?;
    expect_record(store, TOUCH, absent, None).await?;

    let loaded = call(LOAD_TOUCH, store.load(key, Some(far + 9))).await?;
    let want = Record {
        entries: data.clone(),
        expires_at: far + 9,
    };
    ensure(loaded.as_ref() == Some(&want), LOAD_TOUCH, || {
        format!("load with touch returned {loaded:?}, expected {want:?}")
    })?;
    expect_record(store, LOAD_TOUCH, key, Some((&data, far + 9))).await
}
