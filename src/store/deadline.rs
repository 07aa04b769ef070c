//! A deadline on every store call.

use std::future::Future;
use std::time::Duration;

use super::{
    Changes, Created, Entries, Record, RecordKey, Regenerated, Store, StoreError, StoreFuture,
    Updated,
};

/// The deadline [`Deadline::new`] puts on every call: 500 ms.
///
/// # Example
/// ```
/// assert_eq!(cookietin::store::DEFAULT_DEADLINE.as_millis(), 500);
/// ```
pub const DEFAULT_DEADLINE: std::time::Duration = Duration::from_millis(500);

/// A store whose every call fails with [`StoreError::Timeout`] once it has
/// run for longer than its deadline.
///
/// The wrapper uses tokio's timer, so its calls must run inside a tokio
/// runtime with time enabled. A call cut off by its deadline has an unknown
/// outcome, as the trait says for [`StoreError::Timeout`].
///
/// # Example
/// ```
/// use std::time::Duration;
/// use cookietin::store::{Deadline, MemoryStore, RecordKey, Store};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// # rt.block_on(async {
/// let store = Deadline::new(MemoryStore::new());
/// assert_eq!(store.limit(), Duration::from_millis(500));
/// assert!(store.load(RecordKey::from_bytes([0; 32]), None).await?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    limit: Duration,
}

impl<S> Deadline<S> {
    /// `inner` with the [`DEFAULT_DEADLINE`].
    ///
    /// # Example
    /// ```
    /// let store = cookietin::store::Deadline::new(cookietin::store::MemoryStore::new());
    /// assert_eq!(store.limit(), cookietin::store::DEFAULT_DEADLINE);
    /// ```
    pub fn new(inner: S) -> Deadline<S> {
        Deadline::with_limit(inner, DEFAULT_DEADLINE)
    }

    /// `inner` with a deadline of `limit` on every call.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let store = cookietin::store::Deadline::with_limit(cookietin::store::MemoryStore::new(), Duration::from_millis(50));
    /// assert_eq!(store.limit(), Duration::from_millis(50));
    /// ```
    pub fn with_limit(inner: S, limit: Duration) -> Deadline<S> {
        Deadline { inner, limit }
    }

    /// The deadline on each call.
    ///
    /// # Example
    /// ```
    /// let store = cookietin::store::Deadline::new(cookietin::store::MemoryStore::new());
    /// assert_eq!(store.limit().as_millis(), 500);
    /// ```
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// The wrapped store.
    ///
    /// # Example
    /// ```
    /// let store = cookietin::store::Deadline::new(cookietin::store::MemoryStore::new());
    /// assert_eq!(store.inner().len(), 0);
    /// ```
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The wrapped store, without the deadline.
    ///
    /// # Example
    /// ```
    /// let store = cookietin::store::Deadline::new(cookietin::store::MemoryStore::new());
    /// let memory: cookietin::store::MemoryStore = store.into_inner();
    /// assert_eq!(memory.len(), 0);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// Runs `call` for at most `limit`; with the feature `tracing`, an event
/// names the operation `op` (never its key) with its latency and outcome.
fn bounded<'a, T: Send + 'a>(
    limit: Duration,
    op: &'static str,
    call: impl Future<Output = Result<T, StoreError>> + Send + 'a,
) -> StoreFuture<'a, T> {
    Box::pin(async move {
        let started = crate::trace::Started::now();
        let result = tokio::time::timeout(limit, call)
            .await
            .unwrap_or(Err(StoreError::Timeout));
        crate::trace::store_call(op, started, result.as_ref().err());
        result
    })
}

impl<S: Store> Store for Deadline<S> {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created> {
        bounded(
            self.limit,
            "create",
            self.inner.create(key, entries, expires_at),
        )
    }

    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        bounded(self.limit, "load", self.inner.load(key, touch))
    }

    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated> {
        bounded(
            self.limit,
            "update",
            self.inner.update(key, changes, expires_at),
        )
    }

    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        bounded(self.limit, "delete", self.inner.delete(key))
    }

    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
        bounded(self.limit, "touch", self.inner.touch(key, expires_at))
    }

    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated> {
        bounded(
            self.limit,
            "regenerate",
            self.inner.regenerate(old, new, expires_at),
        )
    }

    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        bounded(self.limit, "sweep", self.inner.sweep(now))
    }
}

/// Adds [`with_deadline`](StoreExt::with_deadline) to every [`Store`].
///
/// # Example
/// ```
/// use std::time::Duration;
/// use cookietin::store::{MemoryStore, StoreExt};
///
/// let store = MemoryStore::new().with_deadline(Duration::from_millis(200));
/// assert_eq!(store.limit(), Duration::from_millis(200));
/// ```
pub trait StoreExt: Store + Sized {
    /// This store with a deadline of `limit` on every call.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use cookietin::store::{MemoryStore, StoreExt};
    ///
    /// let store = MemoryStore::new().with_deadline(Duration::from_secs(1));
    /// assert_eq!(store.limit(), Duration::from_secs(1));
    /// ```
    fn with_deadline(self, limit: Duration) -> Deadline<Self> {
        Deadline::with_limit(self, limit)
    }
}

impl<S: Store> StoreExt for S {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    /// A store whose calls never finish.
    struct Hang;

    fn hang<'a, T: 'a>() -> StoreFuture<'a, T> {
        Box::pin(std::future::pending())
    }

    impl Store for Hang {
        fn create<'a>(&'a self, _: RecordKey, _: &'a Entries, _: u64) -> StoreFuture<'a, Created> {
            hang()
        }
        fn load(&self, _: RecordKey, _: Option<u64>) -> StoreFuture<'_, Option<Record>> {
            hang()
        }
        fn update<'a>(&'a self, _: RecordKey, _: &'a Changes, _: u64) -> StoreFuture<'a, Updated> {
            hang()
        }
        fn delete(&self, _: RecordKey) -> StoreFuture<'_, bool> {
            hang()
        }
        fn touch(&self, _: RecordKey, _: u64) -> StoreFuture<'_, bool> {
            hang()
        }
        fn regenerate(&self, _: RecordKey, _: RecordKey, _: u64) -> StoreFuture<'_, Regenerated> {
            hang()
        }
        fn sweep(&self, _: u64) -> StoreFuture<'_, usize> {
            hang()
        }
    }

    #[tokio::test]
    async fn every_call_times_out_at_its_deadline() {
        let store = Hang.with_deadline(Duration::from_millis(20));
        let key = RecordKey::from_bytes([0; 32]);
        let started = std::time::Instant::now();
        assert_eq!(
            store.create(key, &Entries::new(), 1).await,
            Err(StoreError::Timeout)
        );
        assert_eq!(store.load(key, None).await, Err(StoreError::Timeout));
        assert_eq!(
            store.update(key, &Changes::new(), 1).await,
            Err(StoreError::Timeout)
        );
        assert_eq!(store.delete(key).await, Err(StoreError::Timeout));
        assert_eq!(store.touch(key, 1).await, Err(StoreError::Timeout));
        assert_eq!(
            store.regenerate(key, key, 1).await,
            Err(StoreError::Timeout)
        );
        assert_eq!(store.sweep(1).await, Err(StoreError::Timeout));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(140), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }

    #[tokio::test]
    async fn a_fast_store_answers_through_the_deadline() {
        let store = Deadline::new(MemoryStore::new());
        let key = RecordKey::from_bytes([3; 32]);
        let far = crate::store::system_clock() + 60;
        assert_eq!(
            store.create(key, &Entries::new(), far).await,
            Ok(Created::Created)
        );
        assert!(store.load(key, None).await.unwrap().is_some());
    }
}
