//! The contract kit: checks that a [`Store`] keeps every rule of the
//! trait's contract. Run it in a backend's tests:
//!
//! ```
//! use cookietin::store::{contract, MemoryStore};
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
//! # rt.block_on(async {
//! contract::check(&MemoryStore::new()).await?;
//! contract::check_record_cap(&MemoryStore::new().max_record_bytes(4096), 4096).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The kit writes records under fresh random keys only, so it can run
//! against a store that holds other data, and several runs can share one
//! store. It tells time with the system clock: the store must too. It
//! waits for short expiries once (about two seconds, bounded), while its
//! other checks run; a whole run takes a few seconds.
//!
//! Concurrency is checked with many calls in flight at once from one task
//! (the store sees them interleaved); a backend's own tests should add
//! calls from many threads.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::{
    system_clock, Changes, Created, Entries, Record, RecordKey, Regenerated, Store, StoreError,
    StoreFuture, Updated,
};

/// A rule of the store contract that an implementation broke.
///
/// # Example
/// ```
/// use cookietin::store::contract;
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// # rt.block_on(async {
/// if let Err(failure) = contract::check(&cookietin::store::MemoryStore::new()).await {
///     panic!("{failure}"); // "store contract broken: RULE: what happened"
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFailure {
    rule: &'static str,
    detail: String,
}

impl ContractFailure {
    /// The rule, as the trait's docs state it.
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    /// # rt.block_on(async {
    /// let outcome = cookietin::store::contract::check(&cookietin::store::MemoryStore::new()).await;
    /// assert!(outcome.map_err(|f| f.rule()).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// What the store did instead.
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    /// # rt.block_on(async {
    /// let outcome = cookietin::store::contract::check(&cookietin::store::MemoryStore::new()).await;
    /// assert!(outcome.map_err(|f| f.detail().to_owned()).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for ContractFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store contract broken: {}: {}", self.rule, self.detail)
    }
}

impl std::error::Error for ContractFailure {}

const CREATE: &str = "create writes a new record that load returns";
const CREATE_NX: &str = "create never overwrites a live record";
const LOAD_MISSING: &str = "load of an absent key returns none";
const BYTES: &str = "keys and values come back byte for byte";
const EMPTY: &str = "a record with no entries still exists";
const PER_KEY: &str = "update writes only the keys it names";
const UPDATE_MISSING: &str = "update of an absent record writes nothing and answers missing";
const DELETE: &str = "delete removes the record and answers whether it was there";
const TOUCH: &str = "touch sets the expiry of a live record and creates nothing";
const LOAD_TOUCH: &str = "load with touch sets the expiry in the same step";
const REGENERATE: &str = "regenerate moves the data and kills the old key";
const REGENERATE_MISSING: &str = "regenerate of an absent record answers missing";
const REGENERATE_EXISTS: &str = "regenerate onto a live record answers already-exists";
const DIFFERENT_KEYS: &str = "concurrent updates of different keys all persist";
const SAME_KEY: &str = "concurrent updates of one key end with one of the values";
const DESTROY: &str = "a delete is never undone by a concurrent update";
const REGENERATE_RACE: &str = "no update acknowledged during a regenerate is lost";
const EXPIRY: &str = "an expired record is absent for every operation";
const EXTENDED: &str = "touch, load with touch, update and regenerate set the expiry";
const SWEEP: &str = "sweep keeps live records";
const CAP: &str = "a write that grows a record past the cap fails and writes nothing";

type Outcome = Result<(), ContractFailure>;

fn fail(rule: &'static str, detail: impl Into<String>) -> ContractFailure {
    ContractFailure {
        rule,
        detail: detail.into(),
    }
}

fn ensure(ok: bool, rule: &'static str, detail: impl FnOnce() -> String) -> Outcome {
    if ok {
        Ok(())
    } else {
        Err(fail(rule, detail()))
    }
}

/// Awaits a store call; a store error breaks `rule`.
async fn call<T>(rule: &'static str, future: StoreFuture<'_, T>) -> Result<T, ContractFailure> {
    future
        .await
        .map_err(|e: StoreError| fail(rule, format!("the store failed: {e}")))
}

async fn expect<T: PartialEq + fmt::Debug>(
    rule: &'static str,
    what: &str,
    future: StoreFuture<'_, T>,
    want: T,
) -> Outcome {
    let got = call(rule, future).await?;
    ensure(got == want, rule, || {
        format!("{what}: answered {got:?}, expected {want:?}")
    })
}

async fn expect_record(
    store: &(impl Store + ?Sized),
    rule: &'static str,
    key: RecordKey,
    want: Option<(&Entries, u64)>,
) -> Outcome {
    let got = call(rule, store.load(key, None)).await?;
    match (got, want) {
        (None, None) => Ok(()),
        (Some(record), None) => Err(fail(
            rule,
            format!("load returned {record:?}, expected none"),
        )),
        (None, Some(_)) => Err(fail(rule, "load returned none, expected a record")),
        (Some(record), Some((entries, expires_at))) => {
            ensure(&record.entries == entries, rule, || {
                format!(
                    "load returned {}, expected {}",
                    describe(&record.entries),
                    describe(entries)
                )
            })?;
            ensure(record.expires_at == expires_at, rule, || {
                format!(
                    "load returned expires_at {}, expected {expires_at}",
                    record.expires_at
                )
            })
        }
    }
}

/// The keys, each with its value's length and first bytes: enough to see a
/// difference without printing whole values.
fn describe(entries: &Entries) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|(k, v)| {
            let head: String = v.chars().take(12).collect();
            format!("{k:?}={head}…({} bytes)", v.len())
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn entries(pairs: &[(&str, &str)]) -> Entries {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A key no other run has used: SHA-256 of the process, the time and a
/// counter.
fn fresh() -> RecordKey {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hash = Sha256::new();
    hash.update(b"cookietin store contract kit");
    hash.update(std::process::id().to_le_bytes());
    hash.update(nanos.to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    RecordKey::from_bytes(hash.finalize().into())
}

/// Runs all `futures` at once on this task and returns their outputs in
/// order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Checks every rule of the [`Store`] contract against `store`, and answers
/// the first one it breaks.
///
/// The rules: create is create-if-absent; load of an absent key is `None`;
/// keys (including ones that look like a backend's metadata, such as `m:v`
/// or `k:x`) and values round-trip byte for byte; an empty record exists;
/// updates write only the keys they name; an update of an absent or deleted
/// record answers `Missing` and writes nothing; delete; touch and load with
/// touch; regenerate moves the data, kills the old key and answers
/// `Missing` and `AlreadyExists` where it must; concurrent updates of
/// different keys all persist; concurrent updates of one key end with one
/// of the values; a delete is never undone by updates in flight; no update
/// acknowledged during a regenerate is lost; expired records are absent for
/// every operation, before any sweep; and sweep keeps live records.
///
/// # Example
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// # rt.block_on(async {
/// cookietin::store::contract::check(&cookietin::store::MemoryStore::new()).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check<S: Store + ?Sized>(store: &S) -> Result<(), ContractFailure> {
    // The expiring records are written first; the other rules run while
    // they age.
    let expiring = Expiring::start(store).await?;
    basics(store).await?;
    updates(store).await?;
    lifecycle(store).await?;
    regenerate(store).await?;
    concurrency(store).await?;
    regenerate_races(store).await?;
    expiring.finish(store).await
}

async fn basics(store: &(impl Store + ?Sized)) -> Outcome {
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

async fn updates(store: &(impl Store + ?Sized)) -> Outcome {
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

async fn lifecycle(store: &(impl Store + ?Sized)) -> Outcome {
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

async fn regenerate(store: &(impl Store + ?Sized)) -> Outcome {
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

async fn concurrency(store: &(impl Store + ?Sized)) -> Outcome {
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

/// A regenerate among updates of the old key, in three interleavings: every
/// update answered `Updated` is in the moved record, and no update answered
/// `Missing` wrote anything.
async fn regenerate_races(store: &(impl Store + ?Sized)) -> Outcome {
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

/// Records written with short expiries at the start of a run, and checked
/// once they expired.
struct Expiring {
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
    async fn start(store: &(impl Store + ?Sized)) -> Result<Expiring, ContractFailure> {
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

    async fn finish(self, store: &(impl Store + ?Sized)) -> Outcome {
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

/// Checks that `store` caps records at `max_record_bytes` (keys and values,
/// [`record_size`](super::record_size)): a create or an update that would
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

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
        fn regenerate(
            &self,
            old: RecordKey,
            new: RecordKey,
            at: u64,
        ) -> StoreFuture<'_, Regenerated> {
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
}
