//! Removing expired rows: in bounded batches, on the app's call or from a
//! task it spawns ([`SqlSweeper`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::store::{StoreError, StoreFuture};

/// The rows one batch deletes at most, unless told otherwise: small enough
/// that a batch holds its locks briefly, large enough to keep up with a
/// busy site at one pass a minute.
///
/// # Example
/// ```
/// assert_eq!(cookietin::store::DEFAULT_SWEEP_ROWS, 1000);
/// ```
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite"))))]
pub const DEFAULT_SWEEP_ROWS: usize = 1000;

/// How many batches one [`Store::sweep`](crate::store::Store::sweep) runs
/// at most (a million rows at the default batch).
const MAX_BATCHES: usize = 1000;

/// A SQL store's bounded delete of expired rows.
pub(super) trait BatchSweep: Clone + Send + Sync + 'static {
    /// Deletes at most `max_rows` rows that expired at or before `now`,
    /// oldest first; answers how many.
    fn sweep_batch(&self, now: u64, max_rows: usize) -> StoreFuture<'_, usize>;
    /// The store's clock.
    fn now(&self) -> u64;
}

/// Every row expired at `now`, a batch at a time, until a batch comes back
/// short (or [`MAX_BATCHES`] ran).
pub(super) async fn sweep_all<S: BatchSweep>(store: &S, now: u64) -> Result<usize, StoreError> {
    let mut removed = 0;
    for _ in 0..MAX_BATCHES {
        let n = store.sweep_batch(now, DEFAULT_SWEEP_ROWS).await?;
        removed += n;
        if n < DEFAULT_SWEEP_ROWS {
            break;
        }
    }
    Ok(removed)
}

/// Starts a task on the current tokio runtime that runs one batch every
/// `interval`.
pub(super) fn spawn<S: BatchSweep>(
    store: S,
    interval: Duration,
    rows_per_pass: usize,
) -> Result<SqlSweeper, StoreError> {
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| StoreError::Backend("a sweeper needs a tokio runtime".into()))?;
    let interval = interval.max(Duration::from_millis(1));
    let rows = rows_per_pass.max(1);
    let counts = Arc::new(Counts::default());
    let shared = Arc::clone(&counts);
    let task = runtime.spawn(async move {
        let start = tokio::time::Instant::now() + interval;
        let mut ticks = tokio::time::interval_at(start, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.sweep_batch(store.now(), rows).await {
                Ok(n) => shared.removed.fetch_add(n as u64, Ordering::Relaxed),
                // The next pass tries again; the count tells the app.
                Err(_) => shared.failed.fetch_add(1, Ordering::Relaxed),
            };
        }
    });
    Ok(SqlSweeper { task, counts })
}

#[derive(Debug, Default)]
struct Counts {
    removed: AtomicU64,
    failed: AtomicU64,
}

/// A background sweep of a SQL store (`PostgresStore::spawn_sweeper` or
/// `SqliteStore::spawn_sweeper`): a tokio task that deletes at most a
/// bounded number of expired rows per pass, one pass per interval.
/// Dropping it stops the task.
///
/// Expired rows are absent for every call whether or not they were swept:
/// the sweep only gives the space back.
///
/// # Example
/// ```
/// fn report(sweeper: &cookietin::store::SqlSweeper) -> String {
///     format!("{} rows swept, {} passes failed", sweeper.removed(), sweeper.failed_passes())
/// }
/// ```
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "sqlite"))))]
#[derive(Debug)]
pub struct SqlSweeper {
    task: tokio::task::JoinHandle<()>,
    counts: Arc<Counts>,
}

impl SqlSweeper {
    /// How many rows the passes removed so far.
    ///
    /// # Example
    /// ```
    /// fn swept(sweeper: &cookietin::store::SqlSweeper) -> u64 {
    ///     sweeper.removed()
    /// }
    /// ```
    pub fn removed(&self) -> u64 {
        self.counts.removed.load(Ordering::Relaxed)
    }

    /// How many passes failed (the database was unavailable, say); each
    /// next pass tries again.
    ///
    /// # Example
    /// ```
    /// fn healthy(sweeper: &cookietin::store::SqlSweeper) -> bool {
    ///     sweeper.failed_passes() == 0
    /// }
    /// ```
    pub fn failed_passes(&self) -> u64 {
        self.counts.failed.load(Ordering::Relaxed)
    }
}

impl Drop for SqlSweeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}
