//! An embedded, persistent store in one file, on the `redb` crate, with
//! group commit.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, Table, TableDefinition};
use tokio::sync::oneshot;

use super::{
    check_size, record_size, system_clock, Changes, Created, Entries, Record, RecordKey,
    Regenerated, Store, StoreError, StoreFuture, Updated, DEFAULT_MAX_RECORD_BYTES,
};

/// Records by key: the encoded record (see [`encode`]).
const RECORDS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("cookietin_records_v1");
/// The expiry index, `(expires_at, key)`, so a sweep reads only what
/// expired.
const EXPIRY: TableDefinition<(u64, &[u8; 32]), ()> = TableDefinition::new("cookietin_expiry_v1");

/// The number of queued writes one commit takes at most.
const DEFAULT_MAX_BATCH: usize = 256;

/// Records in one `redb` file: persistent across restarts, and durable: a
/// write is acknowledged only once its transaction is committed with
/// immediate durability (fsynced), so it survives `kill -9`.
///
/// Writes go through one writer thread that commits every write queued at
/// that moment in one transaction (group commit, see the
/// [module docs](super#group-commit-redb)); reads run in their own read
/// transactions on the calling task, concurrently with the writer. Expired
/// records are absent as soon as they expire; [`Store::sweep`] (or a
/// [`Sweeper`]) removes them from the file.
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
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Database>,
    jobs: Option<mpsc::Sender<Box<dyn Job>>>,
    writer: Option<JoinHandle<()>>,
    clock: fn() -> u64,
    group_commit: bool,
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
    /// ([`record_size`]); default [`DEFAULT_MAX_RECORD_BYTES`].
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

    /// Starts a thread that sweeps expired records every `interval`, until
    /// the returned [`Sweeper`] is dropped or the store is.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
    /// let sweeper = store.spawn_sweeper(Duration::from_secs(60));
    /// assert_eq!(sweeper.removed(), 0);
    /// drop(sweeper); // stops it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_sweeper(&self, interval: Duration) -> Sweeper {
        let store = Arc::downgrade(&self.inner);
        let removed = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&removed);
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("cookietin-redb-sweeper".into())
            .spawn(move || sweep_every(store, interval, &stopped, &counter))
            .ok();
        Sweeper {
            stop: Some(stop),
            thread,
            removed,
        }
    }

    fn now(&self) -> u64 {
        (self.inner.clock)()
    }

    /// A load without touch: a read transaction, on this task.
    fn read(&self, key: RecordKey) -> Result<Option<Record>, StoreError> {
        let txn = self.inner.db.begin_read().map_err(backend)?;
        let table = txn.open_table(RECORDS).map_err(backend)?;
        let Some(bytes) = table.get(key.as_bytes()).map_err(backend)? else {
            return Ok(None);
        };
        let record = decode(bytes.value())?;
        Ok((record.expires_at > self.now()).then_some(record))
    }

    /// Queues `apply` for the writer, and answers once its batch committed.
    fn write<T, F>(&self, apply: F) -> StoreFuture<'_, T>
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

fn stopped() -> StoreError {
    StoreError::Unavailable("the redb writer stopped".into())
}

fn backend(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Backend(format!("redb: {}", e.into()))
}

/// A background sweep of a [`RedbStore`], from
/// [`RedbStore::spawn_sweeper`]. Dropping it stops the sweeps.
///
/// # Example
/// ```
/// use std::time::Duration;
///
/// let dir = tempfile::tempdir()?;
/// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
/// let sweeper = store.spawn_sweeper(Duration::from_millis(100));
/// # drop(sweeper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Sweeper {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    removed: Arc<AtomicU64>,
}

impl Sweeper {
    /// How many records the sweeps removed so far.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
    /// assert_eq!(store.spawn_sweeper(Duration::from_secs(1)).removed(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn removed(&self) -> u64 {
        self.removed.load(Ordering::Relaxed)
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn sweep_every(
    store: Weak<Inner>,
    interval: Duration,
    stopped: &mpsc::Receiver<()>,
    removed: &AtomicU64,
) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
        let Some(inner) = store.upgrade() else {
            return;
        };
        let store = RedbStore { inner };
        let now = store.now();
        let (answer, answered) = oneshot::channel();
        let job = Box::new(Write {
            apply: Some(move |tables: &mut Tables<'_>| tables.sweep(now)),
            outcome: None,
            answer,
        });
        let queued = store
            .inner
            .jobs
            .as_ref()
            .is_some_and(|j| j.send(job).is_ok());
        // Dropping the last handle here lets the writer finish and stop.
        drop(store);
        if !queued {
            return;
        }
        if let Ok(Ok(n)) = answered.blocking_recv() {
            removed.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}

/// The outcome of one write inside a transaction: a storage failure (the
/// outer error) aborts the whole batch; the inner result is this write's
/// own answer.
type Step<T> = Result<Result<T, StoreError>, redb::Error>;

/// A queued write, type-erased for the queue.
trait Job: Send {
    /// Applies the write inside the batch's transaction.
    fn apply(&mut self, tables: &mut Tables<'_>) -> Result<(), redb::Error>;
    /// Answers the caller, once the batch committed (or failed).
    fn answer(self: Box<Self>, committed: Result<(), StoreError>);
}

struct Write<T, F> {
    apply: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    answer: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: FnOnce(&mut Tables<'_>) -> Step<T> + Send,
{
    fn apply(&mut self, tables: &mut Tables<'_>) -> Result<(), redb::Error> {
        if let Some(apply) = self.apply.take() {
            self.outcome = Some(apply(tables)?);
        }
        Ok(())
    }

    fn answer(self: Box<Self>, committed: Result<(), StoreError>) {
        let Write {
            outcome, answer, ..
        } = *self;
        let outcome = committed.and_then(|()| {
            outcome.unwrap_or_else(|| Err(StoreError::Backend("the write was not applied".into())))
        });
        let _ = answer.send(outcome);
    }
}

/// The writer thread.
struct Writer {
    db: Arc<Database>,
    queue: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
    max_record_bytes: usize,
    clock: fn() -> u64,
}

impl Writer {
    fn run(self) {
        while let Ok(first) = self.queue.recv() {
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match self.queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let committed = self.commit(&mut batch).map_err(backend);
            for job in batch {
                job.answer(committed.clone());
            }
        }
    }

    /// Applies every job of `batch` in one transaction and commits it with
    /// immediate durability (or aborts it if no job wrote anything).
    fn commit(&self, batch: &mut [Box<dyn Job>]) -> Result<(), redb::Error> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        let dirty = {
            let mut tables = Tables {
                records: txn.open_table(RECORDS)?,
                expiry: txn.open_table(EXPIRY)?,
                now: (self.clock)(),
                max_record_bytes: self.max_record_bytes,
                dirty: false,
            };
            for job in batch.iter_mut() {
                job.apply(&mut tables)?;
            }
            tables.dirty
        };
        if dirty {
            txn.commit()?;
        } else {
            txn.abort()?;
        }
        Ok(())
    }
}

/// The two tables inside a write transaction, and the rules every write
/// shares.
struct Tables<'t> {
    records: Table<'t, &'static [u8; 32], &'static [u8]>,
    expiry: Table<'t, (u64, &'static [u8; 32]), ()>,
    now: u64,
    max_record_bytes: usize,
    dirty: bool,
}

impl Tables<'_> {
    /// The record under `key`, expired or not.
    fn get(&self, key: &RecordKey) -> Step<Option<Record>> {
        Ok(match self.records.get(key.as_bytes())? {
            None => Ok(None),
            Some(bytes) => decode(bytes.value()).map(Some),
        })
    }

    /// The live record under `key`.
    fn live(&self, key: &RecordKey) -> Step<Option<Record>> {
        Ok(self
            .get(key)?
            .map(|found| found.filter(|r| r.expires_at > self.now)))
    }

    /// Writes `record` under `key`, replacing a record that expired at
    /// `replaced` in the index.
    fn put(
        &mut self,
        key: &RecordKey,
        record: &Record,
        replaced: Option<u64>,
    ) -> Result<(), redb::Error> {
        if let Some(old) = replaced {
            self.expiry.remove((old, key.as_bytes()))?;
        }
        self.records
            .insert(key.as_bytes(), encode(record).as_slice())?;
        self.expiry
            .insert((record.expires_at, key.as_bytes()), ())?;
        self.dirty = true;
        Ok(())
    }

    /// Removes the record under `key`; answers whether one was there and
    /// whether it was live. A record that doesn't decode is removed too.
    fn remove(&mut self, key: &RecordKey) -> Result<(bool, bool), redb::Error> {
        let Some(bytes) = self.records.remove(key.as_bytes())? else {
            return Ok((false, false));
        };
        self.dirty = true;
        let expires_at = expiry_of(bytes.value());
        drop(bytes);
        if let Some(expires_at) = expires_at {
            self.expiry.remove((expires_at, key.as_bytes()))?;
        }
        Ok((true, expires_at.is_some_and(|e| e > self.now)))
    }

    fn create(&mut self, key: &RecordKey, entries: Entries, expires_at: u64) -> Step<Created> {
        let existing = match self.get(key)? {
            Ok(existing) => existing,
            Err(corrupt) => return Ok(Err(corrupt)),
        };
        if existing.as_ref().is_some_and(|r| r.expires_at > self.now) {
            return Ok(Ok(Created::AlreadyExists));
        }
        if let Err(too_large) = check_size(record_size(&entries), 0, self.max_record_bytes) {
            return Ok(Err(too_large));
        }
        let record = Record {
            entries,
            expires_at,
        };
        self.put(key, &record, existing.map(|r| r.expires_at))?;
        Ok(Ok(Created::Created))
    }

    fn load_touch(&mut self, key: &RecordKey, expires_at: u64) -> Step<Option<Record>> {
        let mut record = match self.live(key)? {
            Ok(Some(record)) => record,
            other => return Ok(other),
        };
        let old = record.expires_at;
        record.expires_at = expires_at;
        self.put(key, &record, Some(old))?;
        Ok(Ok(Some(record)))
    }

    fn update(&mut self, key: &RecordKey, changes: &Changes, expires_at: u64) -> Step<Updated> {
        let mut record = match self.live(key)? {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(Ok(Updated::Missing)),
            Err(corrupt) => return Ok(Err(corrupt)),
        };
        if let Err(too_large) = changes.apply(&mut record.entries, self.max_record_bytes) {
            return Ok(Err(too_large));
        }
        let old = record.expires_at;
        record.expires_at = expires_at;
        self.put(key, &record, Some(old))?;
        Ok(Ok(Updated::Updated))
    }

    fn regenerate(
        &mut self,
        old: &RecordKey,
        new: &RecordKey,
        expires_at: u64,
    ) -> Step<Regenerated> {
        let mut record = match self.live(old)? {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(Ok(Regenerated::Missing)),
            Err(corrupt) => return Ok(Err(corrupt)),
        };
        let replaced = match self.get(new)? {
            Ok(Some(taken)) if taken.expires_at > self.now => {
                return Ok(Ok(Regenerated::AlreadyExists));
            }
            Ok(found) => found.map(|r| r.expires_at),
            // A new key holding garbage is free to take.
            Err(_) => {
                self.remove(new)?;
                None
            }
        };
        self.remove(old)?;
        record.expires_at = expires_at;
        self.put(new, &record, replaced)?;
        Ok(Ok(Regenerated::Regenerated))
    }

    fn sweep(&mut self, now: u64) -> Step<usize> {
        let mut expired = Vec::new();
        for entry in self.expiry.range((0, &[0; 32])..=(now, &[0xff; 32]))? {
            let (index, ()) = (entry?.0, ());
            let (at, key) = index.value();
            expired.push((at, *key));
        }
        let mut removed = 0;
        for (at, key) in expired {
            self.expiry.remove((at, &key))?;
            self.dirty = true;
            let key = RecordKey::from_bytes(key);
            // The index may lag the record (never ahead of it): check the
            // record's own expiry before removing it.
            let current = self
                .records
                .get(key.as_bytes())?
                .map(|b| expiry_of(b.value()));
            if current.is_some_and(|e| e.is_none_or(|e| e <= now)) {
                self.records.remove(key.as_bytes())?;
                removed += 1;
            }
        }
        Ok(Ok(removed))
    }
}

impl Store for RedbStore {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created> {
        let entries = entries.clone();
        self.write(move |t| t.create(&key, entries, expires_at))
    }

    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        match touch {
            None => Box::pin(async move { self.read(key) }),
            Some(expires_at) => self.write(move |t| t.load_touch(&key, expires_at)),
        }
    }

    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated> {
        let changes = changes.clone();
        self.write(move |t| t.update(&key, &changes, expires_at))
    }

    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        self.write(move |t| Ok(Ok(t.remove(&key)?.1)))
    }

    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
        self.write(move |t| Ok(t.load_touch(&key, expires_at)?.map(|r| r.is_some())))
    }

    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated> {
        self.write(move |t| t.regenerate(&old, &new, expires_at))
    }

    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.write(move |t| t.sweep(now))
    }
}

/// The record format, version 1: a version byte (1), `expires_at` (u64,
/// little-endian), the number of entries (u32), then each entry as its key
/// and its value, each a u32 length and UTF-8 bytes.
fn encode(record: &Record) -> Vec<u8> {
    let size = record_size(&record.entries) + 8 * record.entries.len() + 13;
    let mut out = Vec::with_capacity(size);
    out.push(1);
    out.extend_from_slice(&record.expires_at.to_le_bytes());
    out.extend_from_slice(&(record.entries.len() as u32).to_le_bytes());
    for (key, value) in &record.entries {
        for text in [key, value] {
            out.extend_from_slice(&(text.len() as u32).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    out
}

/// The expiry of an encoded record, from its header alone.
fn expiry_of(bytes: &[u8]) -> Option<u64> {
    match bytes {
        [1, rest @ ..] if rest.len() >= 8 => Some(u64::from_le_bytes(rest[..8].try_into().ok()?)),
        _ => None,
    }
}

fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    let expires_at = expiry_of(bytes).ok_or_else(|| corrupt("unknown format or short header"))?;
    let mut rest = Cursor(&bytes[9..]);
    let count = rest.length()?;
    let mut entries = Entries::new();
    for _ in 0..count {
        let key = rest.text()?;
        let value = rest.text()?;
        entries.insert(key, value);
    }
    if !rest.0.is_empty() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(Record {
        entries,
        expires_at,
    })
}

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt(format!("redb record: {why}"))
}

/// The unread rest of an encoded record.
struct Cursor<'b>(&'b [u8]);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], StoreError> {
        if self.0.len() < n {
            return Err(corrupt("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn length(&mut self) -> Result<usize, StoreError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn text(&mut self) -> Result<String, StoreError> {
        let len = self.length()?;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| corrupt("not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_damage_is_corrupt() {
        let record = Record {
            entries: Entries::from([
                ("a".to_owned(), "1".to_owned()),
                ("ключ".to_owned(), r#""🍪""#.to_owned()),
                (String::new(), String::new()),
            ]),
            expires_at: 1_900_000_000,
        };
        let bytes = encode(&record);
        assert_eq!(decode(&bytes), Ok(record));
        for cut in 0..bytes.len() {
            assert!(
                matches!(decode(&bytes[..cut]), Err(StoreError::Corrupt(_))),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(decode(&longer), Err(StoreError::Corrupt(_))));
        let mut version = bytes;
        version[0] = 2;
        assert!(matches!(decode(&version), Err(StoreError::Corrupt(_))));
    }
}
