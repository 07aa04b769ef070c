//! Create, load and the bytes of a record: create-if-absent, an absent
//! key, keys and values byte for byte, an empty record.

use crate::store::contract::kit::{call, ensure, entries, expect, expect_record, fresh, Outcome};
use crate::store::contract::rules::{BYTES, CREATE, CREATE_NX, EMPTY, LOAD_MISSING};
use crate::store::{system_clock, Created, Entries, Store};

pub(super) async fn check(store: &(impl Store + ?Sized)) -> Outcome {
    let far = system_clock() + 3600;
    let key = fresh();
    let data = entries(&[("user", r#""ada""#), ("n", "1")]);
    expect(
        CREATE,
        "create",
        store.create(key, &data, far),
        Created::Created,
    )
    .await?;
    expect_record(store, CREATE, key, Some((&data, far))).await?;

    let other = entries(&[("user", r#""eve""#)]);
    let what = "create of a live key";
    expect(
        CREATE_NX,
        what,
        store.create(key, &other, far + 1),
        Created::AlreadyExists,
    )
    .await?;
    expect_record(store, CREATE_NX, key, Some((&data, far))).await?;

    let absent = fresh();
    expect_record(store, LOAD_MISSING, absent, None).await?;
    let touched = call(LOAD_MISSING, store.load(absent, Some(far))).await?;
    ensure(touched.is_none(), LOAD_MISSING, || {
        "load with touch of an absent key returned a record".into()
    })?;
    expect_record(store, LOAD_MISSING, absent, None).await?;

    let odd_key = fresh();
    let big: String = std::iter::once('"')
        .chain((0..100_000).map(|i| char::from(b'a' + (i % 26) as u8)))
        .chain(std::iter::once('"'))
        .collect();
    let mut odd = entries(&[
        ("m:v", r#""looks like metadata""#),
        ("m:e", "0"),
        ("k:x", "[]"),
        ("", "null"),
        ("ключ 🍪", r#""значение\n\"quoted\"""#),
        ("spaces and\ttabs", r#"{"nested":{"a":[1,2,3]}}"#),
    ]);
    odd.insert("big".into(), big);
    expect(
        BYTES,
        "create",
        store.create(odd_key, &odd, far),
        Created::Created,
    )
    .await?;
    expect_record(store, BYTES, odd_key, Some((&odd, far))).await?;

    let empty_key = fresh();
    let empty = Entries::new();
    expect(
        EMPTY,
        "create",
        store.create(empty_key, &empty, far),
        Created::Created,
    )
    .await?;
    expect_record(store, EMPTY, empty_key, Some((&empty, far))).await?;
    let what = "create of a live empty record";
    expect(
        EMPTY,
        what,
        store.create(empty_key, &data, far),
        Created::AlreadyExists,
    )
    .await
}
