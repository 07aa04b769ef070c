//! The record size cap.

use crate::store::contract::kit::{ensure, entries, expect, expect_record, fresh, ContractFailure};
use crate::store::contract::rules::CAP;
use crate::store::{system_clock, Changes, Created, Entries, Store, StoreError, Updated};

/// Checks that `store` caps records at `max_record_bytes` (keys and values,
/// [`record_size`](crate::store::record_size)): a create or an update that would
/// grow a record past the cap fails with [`StoreError::TooLarge`] and
/// writes nothing, a record of exactly the cap is accepted, and a record
/// can always shrink. `max_record_bytes` must be at least 16.
///
/// # Example
/// ```
/// use cookietin::store::{contract, MemoryStore};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # rt.block_on(async {
/// contract::check_record_cap(&MemoryStore::new().max_record_bytes(1000), 1000).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check_record_cap<S: Store + ?Sized>(
    store: &S,
    max_record_bytes: usize,
) -> Result<(), ContractFailure> {
    let max = max_record_bytes.max(16);
    let far = system_clock() + 3600;
    // "blob" + a JSON string: 4 + 2 + fill bytes.
    let blob = |size: usize| -> Entries {
        let fill = "x".repeat(size - 6);
        entries(&[("blob", &format!("\"{fill}\""))])
    };
    let too_large = |size| StoreError::TooLarge { size, max };

    let key = fresh();
    let got = store.create(key, &blob(max + 1), far).await;
    ensure(got == Err(too_large(max + 1)), CAP, || {
        format!("create of {} bytes answered {got:?}", max + 1)
    })?;
    expect_record(store, CAP, key, None).await?;

    let full = blob(max);
    expect(
        CAP,
        "create of exactly the cap",
        store.create(key, &full, far),
        Created::Created,
    )
    .await?;
    let mut grow = Changes::new();
    grow.set("z", "1");
    let got = store.update(key, &grow, far + 1).await;
    ensure(got == Err(too_large(max + 2)), CAP, || {
        format!("update growing past the cap answered {got:?}")
    })?;
    expect_record(store, CAP, key, Some((&full, far))).await?;

    let mut shrink = Changes::new();
    shrink.set("blob", "1");
    expect(
        CAP,
        "update shrinking",
        store.update(key, &shrink, far),
        Updated::Updated,
    )
    .await?;
    let mut regrow = Changes::new();
    regrow.set("blob", full["blob"].as_str());
    let what = "update back to exactly the cap";
    expect(CAP, what, store.update(key, &regrow, far), Updated::Updated).await?;
    expect_record(store, CAP, key, Some((&full, far))).await
}
