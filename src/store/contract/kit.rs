//! What every area of the kit shares: the failure it answers, and the
//! helpers that call a store and compare what it answered.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::store::{Entries, RecordKey, Store, StoreError, StoreFuture};

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
    pub(super) rule: &'static str,
    pub(super) detail: String,
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

pub(super) type Outcome = Result<(), ContractFailure>;

pub(super) fn fail(rule: &'static str, detail: impl Into<String>) -> ContractFailure {
    ContractFailure {
        rule,
        detail: detail.into(),
    }
}

pub(super) fn ensure(ok: bool, rule: &'static str, detail: impl FnOnce() -> String) -> Outcome {
    if ok {
        Ok(())
    } else {
        Err(fail(rule, detail()))
    }
}

/// Awaits a store call; a store error breaks `rule`.
pub(super) async fn call<T>(
    rule: &'static str,
    future: StoreFuture<'_, T>,
) -> Result<T, ContractFailure> {
    future
        .await
        .map_err(|e: StoreError| fail(rule, format!("the store failed: {e}")))
}

pub(super) async fn expect<T: PartialEq + fmt::Debug>(
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

pub(super) async fn expect_record(
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
pub(super) fn describe(entries: &Entries) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|(k, v)| {
            let head: String = v.chars().take(12).collect();
            format!("{k:?}={head}…({} bytes)", v.len())
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

pub(super) fn entries(pairs: &[(&str, &str)]) -> Entries {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A key no other run has used: SHA-256 of the process, the time and a
/// counter.
pub(super) fn fresh() -> RecordKey {
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
pub(super) async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
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
