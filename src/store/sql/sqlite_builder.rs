//! [`SqliteStoreBuilder`]: how a [`SqliteStore`] opens its file, and its
//! options.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::store::sql::error::error;
use crate::store::sql::sqlite::SqliteStore;
use crate::store::{system_clock, StoreError, DEFAULT_MAX_RECORD_BYTES};

/// Options for a [`SqliteStore`]: [`SqliteStore::builder`], then
/// [`open`](SqliteStoreBuilder::open).
///
/// # Example
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # rt.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = cookietin::store::SqliteStore::builder()
///     .readers(2)
///     .max_record_bytes(256 * 1024)
///     .open(dir.path().join("sessions.sqlite"))
///     .await?;
/// # let _ = store;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
#[derive(Debug, Clone)]
pub struct SqliteStoreBuilder {
    migrate: bool,
    readers: u32,
    durable: bool,
    busy_timeout: Duration,
    max_record_bytes: usize,
    clock: fn() -> u64,
}

impl SqliteStoreBuilder {
    /// Whether [`open`](SqliteStoreBuilder::open) creates the table when it
    /// is missing (on by default). Turn it off when your own migrations run
    /// [`SqliteStore::SCHEMA`].
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::SqliteStore::builder().migrate(false);
    /// # let _ = builder;
    /// ```
    pub fn migrate(mut self, on: bool) -> SqliteStoreBuilder {
        self.migrate = on;
        self
    }

    /// How many connections serve loads without touch (at least 1;
    /// default 4).
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::SqliteStore::builder().readers(8);
    /// # let _ = builder;
    /// ```
    pub fn readers(mut self, readers: u32) -> SqliteStoreBuilder {
        self.readers = readers.max(1);
        self
    }

    /// With `false`, commits are not synced one by one
    /// (`synchronous = NORMAL`): still safe from `kill -9` of the app, but
    /// the last commits can be lost to a power loss or an OS crash. On by
    /// default.
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::SqliteStore::builder().durable(false);
    /// # let _ = builder;
    /// ```
    pub fn durable(mut self, on: bool) -> SqliteStoreBuilder {
        self.durable = on;
        self
    }

    /// How long a call waits for the file when another process holds its
    /// write lock, and for a connection (default 5 s; writes of this store
    /// queue for its one writer connection).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let builder = cookietin::store::SqliteStore::builder().busy_timeout(Duration::from_secs(1));
    /// # let _ = builder;
    /// ```
    pub fn busy_timeout(mut self, timeout: Duration) -> SqliteStoreBuilder {
        self.busy_timeout = timeout;
        self
    }

    /// Refuses writes that grow a record past `max` bytes
    /// ([`record_size`](crate::store::record_size)); default [`DEFAULT_MAX_RECORD_BYTES`].
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::SqliteStore::builder().max_record_bytes(64 * 1024);
    /// # let _ = builder;
    /// ```
    pub fn max_record_bytes(mut self, max: usize) -> SqliteStoreBuilder {
        self.max_record_bytes = max;
        self
    }

    /// Tells the time with `clock` (seconds since the Unix epoch) instead of
    /// the system clock.
    ///
    /// # Example
    /// ```
    /// fn frozen() -> u64 { 1_800_000_000 }
    /// let builder = cookietin::store::SqliteStore::builder().clock(frozen);
    /// # let _ = builder;
    /// ```
    pub fn clock(mut self, clock: fn() -> u64) -> SqliteStoreBuilder {
        self.clock = clock;
        self
    }

    /// Opens the database file at `path`, creating it if it does not
    /// exist, and the table unless [`migrate(false)`](SqliteStoreBuilder::migrate).
    /// Fails with [`StoreError::Backend`] if the file can't be opened or is
    /// not a SQLite database.
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("sessions.sqlite");
    /// let store = cookietin::store::SqliteStore::builder().open(&path).await?;
    /// assert!(path.exists());
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn open(self, path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let synchronous = if self.durable {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(self.busy_timeout);
        let pool = |connections: u32| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(self.busy_timeout)
                .test_before_acquire(false)
        };
        // The writer first: it creates the file and turns WAL on.
        let writer = pool(1)
            .connect_with(options.clone())
            .await
            .map_err(opening)?;
        let readers = pool(self.readers).connect_lazy_with(options);
        let store = SqliteStore {
            writer,
            readers,
            max_record_bytes: self.max_record_bytes,
            clock: self.clock,
        };
        if self.migrate {
            store.migrate().await?;
        }
        Ok(store)
    }
}

/// Opening a file is not a connection that comes and goes: a failure to
/// open is not transient.
fn opening(e: sqlx::Error) -> StoreError {
    match error(e) {
        StoreError::Unavailable(why) => StoreError::Backend(why),
        other => other,
    }
}

impl SqliteStore {
    /// Opens the database file at `path` with the default options; see
    /// [`SqliteStoreBuilder::open`].
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::SqliteStore::open(dir.path().join("sessions.sqlite")).await?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        SqliteStore::builder().open(path).await
    }

    /// The options, to set before [`open`](SqliteStoreBuilder::open).
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::SqliteStore::builder().readers(2);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> SqliteStoreBuilder {
        SqliteStoreBuilder {
            migrate: true,
            readers: 4,
            durable: true,
            busy_timeout: Duration::from_secs(5),
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            clock: system_clock,
        }
    }
}
