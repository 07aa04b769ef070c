//! [`RedbStore`] and its options: the file, the writer thread that owns
//! every write, and reads on the calling task.

use std::path::Path;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use redb::{Database, ReadableDatabase};
use tokio::sync::oneshot;

use crate::store::redb::codec::decode;
use crate::store::redb::tables::{Step, Tables, EXPIRY, RECORDS};
use crate::store::redb::writer::{backend, stopped, Job, Write, Writer};
use crate::store::{
    system_clock, Record, RecordKey, StoreError, StoreFuture, DEFAULT_MAX_RECORD_BYTES,
};

/// The number of queued writes one commit takes at most.
const DEFAULT_MAX_BATCH: usize = 256;

/// Records in one `redb` file: persistent across restarts, and durable: a
/// write is acknowledged only once its transaction is committed with
/// immediate durability (fsynced), so it survives `kill -9`.
///
/// Writes go through one writer thread that commits every write queued at
/// that moment in one transaction (group commit, see the
/// [module docs](crate::store#group-commit-redb)); reads run in their own read
/// transactions on the calling task, concurrently with the writer. Expired
/// records are absent as soon as they expire; [`Store::sweep`](crate::store::Store::sweep) (or a
/// [`Sweeper`](crate::store::Sweeper)) removes them from the file.
///
/// Clones share the file and the writer. The writer stops, and the file is
/// closed, when the last clone is dropped.
///
/// # Example
/// ```
/// use cookietin::store::{Created, Entries, RedbStore, RecordKey, Store};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # rt.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("sessions.redb");
/// let key = RecordKey::from_bytes([1; 32]);
/// let far = cookietin::store::system_clock() + 3600;
/// {
///     let store = RedbStore::open(&path)?;
///     let entries = Entries::from([("user".to_owned(), r#""ada""#.to_owned())]);
///     assert_eq!(store.create(key, &entries, far).await?, Created::Created);
/// }
/// let reopened = RedbStore::open(&path)?;
/// assert!(reopened.load(key, None).await?.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RedbStore {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) db: Arc<Database>,
    pub(super) jobs: Option<mpsc::Sender<Box<dyn Job>>>,
    pub(super) writer: Option<JoinHandle<()>>,
    pub(super) clock: fn() -> u64,
    pub(super) group_commit: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue stops the writer once it answered every job.
        self.jobs = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("group_commit", &self.inner.group_commit)
            .finish_non_exhaustive()
    }
}

/// Options for a [`RedbStore`]: [`RedbStore::builder`], then
/// [`open`](RedbStoreBuilder::open).
///
/// # Example
/// ```
/// let dir = tempfile::tempdir()?;
/// let store = cookietin::store::RedbStore::builder()
///     .max_record_bytes(256 * 1024)
///     .open(dir.path().join("sessions.redb"))?;
/// # let _ = store;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RedbStoreBuilder {
    group_commit: bool,
    max_batch: usize,
    max_record_bytes: usize,
    clock: fn() -> u64,
}

impl RedbStoreBuilder {
    /// With `false`, every write gets its own transaction and fsync: the
    /// baseline group commit is measured against. On by default.
    ///
    /// # Example
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::RedbStore::builder()
    ///     .group_commit(false)
    ///     .open(dir.path().join("one-commit-per-write.redb"))?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn group_commit(mut self, on: bool) -> RedbStoreBuilder {
        self.group_commit = on;
        self
    }

    /// Takes at most `max` queued writes into one commit (at least 1;
    /// default 256).
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::RedbStore::builder().max_batch(64);
    /// # let _ = builder;
    /// ```
    pub fn max_batch(mut self, max: usize) -> RedbStoreBuilder {
        self.max_batch = max.max(1);
        self
    }

    /// Refuses writes that grow a record past `max` bytes
    /// ([`record_size`](crate::store::record_size)); default [`DEFAULT_MAX_RECORD_BYTES`].
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::RedbStore::builder().max_record_bytes(64 * 1024);
    /// # let _ = builder;
    /// ```
    pub fn max_record_bytes(mut self, max: usize) -> RedbStoreBuilder {
        self.max_record_bytes = max;
        self
    }

    /// Tells the time with `clock` (seconds since the Unix epoch) instead of
    /// the system clock, for tests with a fake clock.
    ///
    /// # Example
    /// ```
    /// fn frozen() -> u64 { 1_800_000_000 }
    /// let builder = cookietin::store::RedbStore::builder().clock(frozen);
    /// # let _ = builder;
    /// ```
    pub fn clock(mut self, clock: fn() -> u64) -> RedbStoreBuilder {
        self.clock = clock;
        self
    }

    /// Opens the database at `path`, creating it if it does not exist, and
    /// starts its writer thread.
    ///
    /// Fails with [`StoreError::Unavailable`] if another process (or
    /// another `RedbStore` in this one) has the file open, and with
    /// [`StoreError::Backend`] if it is not a redb file.
    ///
    /// # Example
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("sessions.redb");
    /// let store = cookietin::store::RedbStore::builder().open(&path)?;
    /// assert!(path.exists());
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(self, path: impl AsRef<Path>) -> Result<RedbStore, StoreError> {
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => {
                StoreError::Unavailable("the redb file is already open".into())
            }
            other => backend(other),
        })?;
        // Create both tables, so that reads never find one missing.
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(RECORDS).map_err(backend)?;
        txn.open_table(EXPIRY).map_err(backend)?;
        txn.commit().map_err(backend)?;

        let db = Arc::new(db);
        let (jobs, queue) = mpsc::channel();
        let writer = Writer {
            db: Arc::clone(&db),
            queue,
            max_batch: if self.group_commit { self.max_batch } else { 1 },
            max_record_bytes: self.max_record_bytes,
            clock: self.clock,
        };
        let writer = std::thread::Builder::new()
            .name("cookietin-redb-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StoreError::Backend(format!("can't start the redb writer: {e}")))?;
        Ok(RedbStore {
            inner: Arc::new(Inner {
                db,
                jobs: Some(jobs),
                writer: Some(writer),
                clock: self.clock,
                group_commit: self.group_commit,
            }),
        })
    }
}

impl RedbStore {
    /// Opens the database at `path` with the default options (group commit
    /// on); see [`RedbStoreBuilder::open`].
    ///
    /// # Example
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<RedbStore, StoreError> {
        RedbStore::builder().open(path)
    }

    /// The options, to set before [`open`](RedbStoreBuilder::open).
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::RedbStore::builder().group_commit(true);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> RedbStoreBuilder {
        RedbStoreBuilder {
            group_commit: true,
            max_batch: DEFAULT_MAX_BATCH,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            clock: system_clock,
        }
    }

    pub(super) fn now(&self) -> u64 {
        (self.inner.clock)()
    }

    /// A load without touch: a read transaction, on this task.
    pub(super) fn read(&self, key: RecordKey) -> Result<Option<Record>, StoreError> {
        let txn = self.inner.db.begin_read().map_err(backend)?;
        let table = txn.open_table(RECORDS).map_err(backend)?;
        let Some(bytes) = table.get(key.as_bytes()).map_err(backend)? else {
            return Ok(None);
        };
        let record = decode(bytes.value())?;
        Ok((record.expires_at > self.now()).then_some(record))
    }

    /// Queues `apply` for the writer, and answers once its batch committed.
    pub(super) fn write<T, F>(&self, apply: F) -> StoreFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tables<'_>) -> Step<T> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job = Box::new(Write {
            apply: Some(apply),
            outcome: None,
            answer,
        });
        let queued = match &self.inner.jobs {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        Box::pin(async move {
            if !queued {
                return Err(stopped());
            }
            answered.await.unwrap_or_else(|_| Err(stopped()))
        })
    }
}
