//! [`PostgresStoreBuilder`]: how a [`PostgresStore`] connects, and its
//! options.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::store::sql::error::error;
use crate::store::sql::postgres::PostgresStore;
use crate::store::{system_clock, StoreError, DEFAULT_MAX_RECORD_BYTES};

/// Options for a [`PostgresStore`]: [`PostgresStore::builder`], then
/// [`connect`](PostgresStoreBuilder::connect).
///
/// # Example
/// ```no_run
/// # async fn run() -> Result<(), cookietin::store::StoreError> {
/// let store = cookietin::store::PostgresStore::builder()
///     .max_connections(20)
///     .max_record_bytes(256 * 1024)
///     .connect("postgres://app@127.0.0.1/app")
///     .await?;
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
#[derive(Debug, Clone)]
pub struct PostgresStoreBuilder {
    migrate: bool,
    max_connections: u32,
    acquire_timeout: Duration,
    max_record_bytes: usize,
    clock: fn() -> u64,
}

impl PostgresStoreBuilder {
    /// Whether [`connect`](PostgresStoreBuilder::connect) and
    /// [`from_pool`](PostgresStoreBuilder::from_pool) create the table
    /// when it is missing (on by default). Turn it off when your own
    /// migrations run [`PostgresStore::SCHEMA`].
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::PostgresStore::builder().migrate(false);
    /// # let _ = builder;
    /// ```
    pub fn migrate(mut self, on: bool) -> PostgresStoreBuilder {
        self.migrate = on;
        self
    }

    /// The most connections the pool opens (at least 1; default 10).
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::PostgresStore::builder().max_connections(4);
    /// # let _ = builder;
    /// ```
    pub fn max_connections(mut self, max: u32) -> PostgresStoreBuilder {
        self.max_connections = max.max(1);
        self
    }

    /// How long a call waits for a connection (default 5 s): a burst of
    /// calls beyond the pool's size queues this long, and while the server
    /// is down a call fails with [`StoreError::Unavailable`] after this
    /// long. A [`Deadline`](crate::store::Deadline) cuts a call shorter.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let builder = cookietin::store::PostgresStore::builder().acquire_timeout(Duration::from_secs(1));
    /// # let _ = builder;
    /// ```
    pub fn acquire_timeout(mut self, timeout: Duration) -> PostgresStoreBuilder {
        self.acquire_timeout = timeout;
        self
    }

    /// Refuses writes that grow a record past `max` bytes
    /// ([`record_size`](crate::store::record_size)); default [`DEFAULT_MAX_RECORD_BYTES`].
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::PostgresStore::builder().max_record_bytes(64 * 1024);
    /// # let _ = builder;
    /// ```
    pub fn max_record_bytes(mut self, max: usize) -> PostgresStoreBuilder {
        self.max_record_bytes = max;
        self
    }

    /// Tells the time with `clock` (seconds since the Unix epoch) instead of
    /// the system clock. Every process that shares the table should use the
    /// same clock.
    ///
    /// # Example
    /// ```
    /// fn frozen() -> u64 { 1_800_000_000 }
    /// let builder = cookietin::store::PostgresStore::builder().clock(frozen);
    /// # let _ = builder;
    /// ```
    pub fn clock(mut self, clock: fn() -> u64) -> PostgresStoreBuilder {
        self.clock = clock;
        self
    }

    /// Connects to the database at `url`
    /// (`postgres://USER:PASSWORD@HOST:PORT/DB`), and creates the table if
    /// it is missing (unless [`migrate(false)`](PostgresStoreBuilder::migrate)).
    /// Fails with [`StoreError::Unavailable`] if the server can't be
    /// reached now, and with [`StoreError::Backend`] for a bad URL or a
    /// refused login.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), cookietin::store::StoreError> {
    /// let store = cookietin::store::PostgresStore::builder()
    ///     .connect("postgres://app@127.0.0.1:5432/app")
    ///     .await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(self, url: &str) -> Result<PostgresStore, StoreError> {
        let pool = self.pool_options().connect(url).await.map_err(error)?;
        self.from_pool(pool).await
    }

    /// A store on `url` that connects on its first call, so an application
    /// can start while the database is down. It does not create the table:
    /// call [`PostgresStore::migrate`] once the database is up, or run
    /// [`PostgresStore::SCHEMA`] yourself.
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let store = cookietin::store::PostgresStore::builder().connect_lazy("postgres://app@127.0.0.1:1/app")?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_lazy(self, url: &str) -> Result<PostgresStore, StoreError> {
        let pool = self.pool_options().connect_lazy(url).map_err(error)?;
        Ok(self.on(pool))
    }

    /// A store on a pool the application made (and may share), created
    /// the table first unless [`migrate(false)`](PostgresStoreBuilder::migrate).
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::PgPool::connect("postgres://app@127.0.0.1/app").await?;
    /// let store = cookietin::store::PostgresStore::builder().from_pool(pool.clone()).await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn from_pool(self, pool: PgPool) -> Result<PostgresStore, StoreError> {
        let migrate = self.migrate;
        let store = self.on(pool);
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    fn pool_options(&self) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
            // One round trip per call: a broken connection fails its call
            // and is replaced, rather than being pinged before every call.
            .test_before_acquire(false)
    }

    fn on(self, pool: PgPool) -> PostgresStore {
        PostgresStore {
            pool,
            max_record_bytes: self.max_record_bytes,
            clock: self.clock,
        }
    }
}

impl PostgresStore {
    /// Connects with the default options and creates the table if it is
    /// missing; see [`PostgresStoreBuilder::connect`].
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), cookietin::store::StoreError> {
    /// let store = cookietin::store::PostgresStore::connect("postgres://app@127.0.0.1/app").await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::builder().connect(url).await
    }

    /// The options, to set before [`connect`](PostgresStoreBuilder::connect).
    ///
    /// # Example
    /// ```
    /// let builder = cookietin::store::PostgresStore::builder().max_connections(8);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> PostgresStoreBuilder {
        PostgresStoreBuilder {
            migrate: true,
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            clock: system_clock,
        }
    }
}
