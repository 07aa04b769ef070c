//! [`RedisStore`]: how it connects, its options, and the calls every
//! operation is made of (a script on one key, `HGETALL`).

use std::sync::Arc;

use redis::aio::ConnectionManager;
use redis::cluster_async::ClusterConnection;
use redis::Script;

use crate::store::redis::codec::{field, Fields};
use crate::store::redis::connection::{error, Connection};
use crate::store::redis::scripts::SCRIPTS;
use crate::store::{record_size, Entries, RecordKey, StoreError, DEFAULT_MAX_RECORD_BYTES};

/// The prefix of every key a [`RedisStore`] writes, unless told otherwise.
///
/// # Example
/// ```
/// assert_eq!(cookietin::store::DEFAULT_PREFIX, "cookietin:");
/// ```
pub const DEFAULT_PREFIX: &str = "cookietin:";

/// Records in Redis (6.2 or later) or Redis Cluster: one hash per session
/// under `PREFIX` + the record key in hex, with the layout in the
/// [module docs](crate::store#redis-key-layout).
///
/// Every write is one Lua script on one key (sent with `EVALSHA`, loaded on
/// `NOSCRIPT`), which checks that the record exists where it must, writes
/// only the fields it changes, and sets `EXPIREAT` in the same atomic step;
/// every reply is checked. Expiry is native, so [`Store::sweep`](crate::store::Store::sweep) answers 0.
/// A regenerate moves a record across hash slots in the steps the
/// [module docs](crate::store#the-regenerate-algorithm) describe.
///
/// A single node goes through the crate's `ConnectionManager`: one
/// multiplexed connection shared by all clones, which reconnects in the
/// background after it broke (the call that found it broken fails with
/// [`StoreError::Unavailable`]; later calls succeed once Redis is back).
/// A cluster goes through the crate's async cluster connection.
///
/// A prefix holding a hash tag (`{...}`) puts every session in one slot of
/// a cluster; the default has none.
///
/// # Example
/// ```no_run
/// use cookietin::store::{Deadline, RedisStore, Store};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = Deadline::new(RedisStore::connect("redis://127.0.0.1:6379/").await?.prefix("myapp:"));
/// let cluster = RedisStore::connect_cluster(&["redis://127.0.0.1:7000/", "redis://127.0.0.1:7001/"]).await?;
/// # let _ = (store, cluster);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    pub(super) connection: Connection,
    pub(super) prefix: Arc<str>,
    pub(super) max_record_bytes: usize,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.connection {
            Connection::Single(_) => "single node",
            Connection::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("connection", &kind)
            .field("prefix", &self.prefix)
            .field("max_record_bytes", &self.max_record_bytes)
            .finish()
    }
}

impl RedisStore {
    /// Connects to the Redis node at `url` (`redis://HOST:PORT/DB`) through
    /// a `ConnectionManager` with a 500 ms response timeout, a 500 ms
    /// connection timeout, and two reconnection attempts per broken
    /// connection (50 to 500 ms apart), so that a call while Redis is down
    /// fails fast with [`StoreError::Unavailable`]; the next call tries
    /// again. Fails with `Unavailable` if the node can't be reached now.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), cookietin::store::StoreError> {
    /// let store = cookietin::store::RedisStore::connect("redis://127.0.0.1:6379/").await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(error)?;
        let manager =
            ConnectionManager::new_with_config(client, RedisStore::connection_manager_config())
                .await
                .map_err(error)?;
        Ok(RedisStore::from_connection_manager(manager))
    }

    /// A store on the Redis node at `url` that connects on its first call,
    /// so an application can start while Redis is down (its calls fail
    /// with [`StoreError::Unavailable`] until Redis is up).
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let store = cookietin::store::RedisStore::connect_lazy("redis://127.0.0.1:1/")?;
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_lazy(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(error)?;
        let manager = ConnectionManager::new_lazy_with_config(
            client,
            RedisStore::connection_manager_config(),
        )
        .map_err(error)?;
        Ok(RedisStore::from_connection_manager(manager))
    }

    /// Connects to a Redis Cluster through any of its `nodes`
    /// (`redis://HOST:PORT/` each); the crate discovers the others.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), cookietin::store::StoreError> {
    /// let nodes = ["redis://127.0.0.1:7000/", "redis://127.0.0.1:7001/", "redis://127.0.0.1:7002/"];
    /// let store = cookietin::store::RedisStore::connect_cluster(&nodes).await?;
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_cluster(nodes: &[&str]) -> Result<RedisStore, StoreError> {
        let client = redis::cluster::ClusterClient::new(nodes.to_vec()).map_err(error)?;
        let connection = client.get_async_connection().await.map_err(error)?;
        Ok(RedisStore::from_cluster_connection(connection))
    }

    /// The `ConnectionManager` settings [`RedisStore::connect`] and
    /// [`RedisStore::connect_lazy`] use (500 ms response and connection
    /// timeouts, two reconnection attempts 50 to 500 ms apart: a call
    /// while Redis is down fails fast, and the next one reconnects, rather
    /// than retrying for seconds), for an application that makes its own
    /// manager and shares it.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use cookietin::store::RedisStore;
    /// use redis::aio::ConnectionManager;
    ///
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let manager =
    ///     ConnectionManager::new_with_config(client, RedisStore::connection_manager_config()).await?;
    /// let store = RedisStore::from_connection_manager(manager.clone());
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connection_manager_config() -> redis::aio::ConnectionManagerConfig {
        redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_min_delay(std::time::Duration::from_millis(50))
            .set_max_delay(std::time::Duration::from_millis(500))
            .set_connection_timeout(Some(std::time::Duration::from_millis(500)))
            .set_response_timeout(Some(std::time::Duration::from_millis(500)))
    }

    /// A store on a `ConnectionManager` configured by the caller.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use redis::aio::{ConnectionManager, ConnectionManagerConfig};
    ///
    /// let config = ConnectionManagerConfig::new().set_response_timeout(Some(Duration::from_millis(200)));
    /// let client = redis::Client::open("redis://127.0.0.1:6379/")?;
    /// let manager = ConnectionManager::new_with_config(client, config).await?;
    /// let store = cookietin::store::RedisStore::from_connection_manager(manager);
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_connection_manager(manager: ConnectionManager) -> RedisStore {
        RedisStore::on(Connection::Single(manager))
    }

    /// A store on a cluster connection made by the caller.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = redis::cluster::ClusterClient::new(vec!["redis://127.0.0.1:7000/"])?;
    /// let store = cookietin::store::RedisStore::from_cluster_connection(client.get_async_connection().await?);
    /// # let _ = store;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_cluster_connection(connection: ClusterConnection) -> RedisStore {
        RedisStore::on(Connection::Cluster(connection))
    }

    fn on(connection: Connection) -> RedisStore {
        RedisStore {
            connection,
            prefix: DEFAULT_PREFIX.into(),
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }

    /// Names every key `prefix` + the record key in hex (default
    /// [`DEFAULT_PREFIX`]).
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// use cookietin::store::{RecordKey, RedisStore};
    ///
    /// let store = RedisStore::connect_lazy("redis://127.0.0.1:1/")?.prefix("shop:");
    /// assert!(store.key_name(&RecordKey::from_bytes([0; 32])).starts_with("shop:0000"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prefix(mut self, prefix: &str) -> RedisStore {
        self.prefix = prefix.into();
        self
    }

    /// Refuses writes that grow a record past `max` bytes
    /// ([`record_size`]); default [`DEFAULT_MAX_RECORD_BYTES`].
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let store = cookietin::store::RedisStore::connect_lazy("redis://127.0.0.1:1/")?.max_record_bytes(64 * 1024);
    /// # let _ = store;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_record_bytes(mut self, max: usize) -> RedisStore {
        self.max_record_bytes = max;
        self
    }

    /// The Redis key of the record under `key`.
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// use cookietin::store::{RecordKey, RedisStore};
    ///
    /// let store = RedisStore::connect_lazy("redis://127.0.0.1:1/")?;
    /// let name = store.key_name(&RecordKey::from_bytes([0xff; 32]));
    /// assert_eq!(name, format!("cookietin:{}", "ff".repeat(32)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_name(&self, key: &RecordKey) -> String {
        format!("{}{}", self.prefix, key.to_hex())
    }

    pub(super) async fn run<T: redis::FromRedisValue>(
        &self,
        script: &Script,
        key: &str,
        args: &[&[u8]],
    ) -> Result<T, StoreError> {
        let mut invocation = script.prepare_invoke();
        invocation.key(key);
        for arg in args {
            invocation.arg(*arg);
        }
        let mut connection = self.connection.clone();
        invocation
            .invoke_async(&mut connection)
            .await
            .map_err(error)
    }

    pub(super) async fn hgetall(&self, key: &str) -> Result<Fields, StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("HGETALL")
            .arg(key)
            .query_async(&mut connection)
            .await
            .map_err(error)
    }

    /// Writes a record into an absent key (create, and the copy step of a
    /// regenerate with its `token`). Answers whether it wrote.
    pub(super) async fn write_new(
        &self,
        key: &str,
        entries: &Entries,
        expires_at: u64,
        token: &str,
    ) -> Result<bool, StoreError> {
        let expires_at = expires_at.to_string();
        let size = record_size(entries).to_string();
        let fields: Vec<String> = entries.keys().map(|k| field(k)).collect();
        let mut args: Vec<&[u8]> = vec![expires_at.as_bytes(), size.as_bytes(), token.as_bytes()];
        for (field, value) in fields.iter().zip(entries.values()) {
            args.push(field.as_bytes());
            args.push(value.as_bytes());
        }
        let wrote: i64 = self.run(&SCRIPTS.write_new, key, &args).await?;
        Ok(wrote == 1)
    }
}
