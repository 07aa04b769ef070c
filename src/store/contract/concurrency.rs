//! Many calls in flight at once on one record: per-key updates all
//! persist, one key ends whole, and a delete stays done.

use crate::store::contract::kit::{
    call, ensure, entries, expect, expect_record, fail, fresh, join_all, Outcome,
};
use crate::store::contract::rules::{DESTROY, DIFFERENT_KEYS, SAME_KEY};
use crate::store::{system_clock, Changes, Created, Store, StoreFuture, Updated};

pub(super) async fn check(store: &(impl Store + ?Sized)) -> Outcome {
    let far = system_clock() + 3600;

    // Different keys: every one persists.
    let key = fresh();
    let base = entries(&[("base", "0")]);
    expect(
        DIFFERENT_KEYS,
        "create",
        store.create(key, &base, far),
        Created::Created,
    )
    .await?;
    let changes: Vec<Changes> = (0..32)
        .map(|i| {
            let mut c = Changes::new();
            c.set(format!("k{i}"), i.to_string());
            c
        })
        .collect();
    let answers = join_all(changes.iter().map(|c| store.update(key, c, far)).collect()).await;
    let mut want = base.clone();
    for (i, answer) in answers.into_iter().enumerate() {
        let answer = answer.map_err(|e| fail(DIFFERENT_KEYS, format!("the store failed: {e}")))?;
        ensure(answer == Updated::Updated, DIFFERENT_KEYS, || {
            format!("update {i} answered {answer:?}")
        })?;
        want.insert(format!("k{i}"), i.to_string());
    }
    expect_record(store, DIFFERENT_KEYS, key, Some((&want, far))).await?;

    // One key: one of the values, whole.
    let values: Vec<String> = (0..16u8)
        .map(|i| {
            let fill = char::from(b'a' + i)
                .to_string()
                .repeat(4000 + usize::from(i));
            format!("\"{fill}\"")
        })
        .collect();
    let changes: Vec<Changes> = values
        .iter()
        .map(|v| {
            let mut c = Changes::new();
            c.set("same", v.as_str());
            c
        })
        .collect();
    let answers = join_all(changes.iter().map(|c| store.update(key, c, far)).collect()).await;
    for answer in answers {
        let answer = answer.map_err(|e| fail(SAME_KEY, format!("the store failed: {e}")))?;
        ensure(answer == Updated::Updated, SAME_KEY, || {
            format!("an update answered {answer:?}")
        })?;
    }
    let record = call(SAME_KEY, store.load(key, None)).await?;
    let same = record.as_ref().and_then(|r| r.entries.get("same"));
    ensure(same.is_some_and(|v| values.contains(v)), SAME_KEY, || {
        format!(
            "the key holds {:?} bytes that no update wrote",
            same.map(String::len)
        )
    })?;

    // A delete among updates in flight: the record stays deleted.
    let key = fresh();
    expect(
        DESTROY,
        "create",
        store.create(key, &base, far),
        Created::Created,
    )
    .await?;
    let changes: Vec<Changes> = (0..16)
        .map(|i| {
            let mut c = Changes::new();
            c.set(format!("late{i}"), "1");
            c
        })
        .collect();
    let mut calls: Vec<StoreFuture<'_, Option<Updated>>> = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        if i == 8 {
            calls.push(Box::pin(async { store.delete(key).await.map(|_| None) }));
        }
        calls.push(Box::pin(async move {
            store.update(key, c, far).await.map(Some)
        }));
    }
    for answer in join_all(calls).await {
        answer.map_err(|e| fail(DESTROY, format!("the store failed: {e}")))?;
    }
    expect_record(store, DESTROY, key, None).await?;
    let mut last = Changes::new();
    last.set("after", "1");
    expect(
        DESTROY,
        "update after the delete",
        store.update(key, &last, far),
        Updated::Missing,
    )
    .await?;
    expect_record(store, DESTROY, key, None).await
}
