//! Redis and Redis Cluster, through the `redis` crate: one hash per
//! session, and a Lua script for every write.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, Script, ServerErrorKind, Value};
use sha2::{Digest, Sha256};

use super::{
    check_size, record_size, Changes, Created, Entries, Record, RecordKey, Regenerated, Store,
    StoreError, StoreFuture, Updated, DEFAULT_MAX_RECORD_BYTES,
};

/// The prefix of every key a [`RedisStore`] writes, unless told otherwise.
///
/// # Example
/// ```
/// assert_eq!(cookietin::store::DEFAULT_PREFIX, "cookietin:");
/// ```
pub const DEFAULT_PREFIX: &str = "cookietin:";

/// How many times a regenerate takes a new snapshot of a record that keeps
/// changing before it gives up.
const MAX_MOVE_ATTEMPTS: usize = 32;

/// How many rounds a regenerate tries without freezing the old record.
const OPTIMISTIC_ROUNDS: usize = 3;

/// How long a regenerate's freeze of the old record lasts at most, if the
/// move stops midway (a timeout, a crash), in milliseconds.
const FREEZE_LEASE_MS: u64 = 2000;

/// Records in Redis (6.2 or later) or Redis Cluster: one hash per session
/// under `PREFIX` + the record key in hex, with the layout in the
/// [module docs](super#redis-key-layout).
///
/// Every write is one Lua script on one key (sent with `EVALSHA`, loaded on
/// `NOSCRIPT`), which checks that the record exists where it must, writes
/// only the fields it changes, and sets `EXPIREAT` in the same atomic step;
/// every reply is checked. Expiry is native, so [`Store::sweep`] answers 0.
/// A regenerate moves a record across hash slots in the steps the
/// [module docs](super#the-regenerate-algorithm) describe.
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
    connection: Connection,
    prefix: Arc<str>,
    max_record_bytes: usize,
}

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
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

    async fn run<T: redis::FromRedisValue>(
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

    async fn hgetall(&self, key: &str) -> Result<HashMap<Vec<u8>, Vec<u8>>, StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("HGETALL")
            .arg(key)
            .query_async(&mut connection)
            .await
            .map_err(error)
    }

    /// Writes a record into an absent key (create, and the copy step of a
    /// regenerate with its `token`). Answers whether it wrote.
    async fn write_new(
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

    async fn do_create(
        &self,
        key: RecordKey,
        entries: &Entries,
        expires_at: u64,
    ) -> Result<Created, StoreError> {
        check_size(record_size(entries), 0, self.max_record_bytes)?;
        let wrote = self
            .write_new(&self.key_name(&key), entries, expires_at, "")
            .await?;
        Ok(if wrote {
            Created::Created
        } else {
            Created::AlreadyExists
        })
    }

    async fn do_load(
        &self,
        key: RecordKey,
        touch: Option<u64>,
    ) -> Result<Option<Record>, StoreError> {
        let name = self.key_name(&key);
        let hash = match touch {
            None => self.hgetall(&name).await?,
            Some(expires_at) => {
                let expires_at = expires_at.to_string();
                self.run(&SCRIPTS.load_touch, &name, &[expires_at.as_bytes()])
                    .await?
            }
        };
        let Some(snapshot) = Snapshot::parse(hash)? else {
            return Ok(None);
        };
        Ok(Some(Record {
            entries: snapshot.entries,
            expires_at: touch.unwrap_or(snapshot.expires_at),
        }))
    }

    async fn do_update(
        &self,
        key: RecordKey,
        changes: &Changes,
        expires_at: u64,
    ) -> Result<Updated, StoreError> {
        let expires_at = expires_at.to_string();
        let max = self.max_record_bytes.to_string();
        let sets = changes.sets().len().to_string();
        let fields: Vec<(String, &str)> = changes.sets().map(|(k, v)| (field(k), v)).collect();
        let removals: Vec<String> = changes.removals().map(field).collect();
        let mut args: Vec<&[u8]> = vec![expires_at.as_bytes(), max.as_bytes(), sets.as_bytes()];
        for (field, value) in &fields {
            args.push(field.as_bytes());
            args.push(value.as_bytes());
        }
        args.extend(removals.iter().map(|f| f.as_bytes()));
        let reply: Vec<i64> = self
            .run(&SCRIPTS.update, &self.key_name(&key), &args)
            .await?;
        match reply.as_slice() {
            [1] => Ok(Updated::Updated),
            [0] => Ok(Updated::Missing),
            [2, size] => Err(StoreError::TooLarge {
                size: usize::try_from(*size).unwrap_or(usize::MAX),
                max: self.max_record_bytes,
            }),
            _ => Err(unexpected("update")),
        }
    }

    async fn do_delete(&self, key: RecordKey) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let removed: i64 = redis::cmd("DEL")
            .arg(self.key_name(&key))
            .query_async(&mut connection)
            .await
            .map_err(error)?;
        Ok(removed == 1)
    }

    async fn do_touch(&self, key: RecordKey, expires_at: u64) -> Result<bool, StoreError> {
        let expires_at = expires_at.to_string();
        let touched: i64 = self
            .run(
                &SCRIPTS.touch,
                &self.key_name(&key),
                &[expires_at.as_bytes()],
            )
            .await?;
        Ok(touched == 1)
    }

    /// The regenerate algorithm of the module docs.
    async fn do_regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> Result<Regenerated, StoreError> {
        let (old_name, new_name) = (self.key_name(&old), self.key_name(&new));
        let token = move_token(&old, &new);
        let Some(mut snapshot) = Snapshot::parse(self.hgetall(&old_name).await?)? else {
            return Ok(Regenerated::Missing);
        };
        let mut frozen = false;
        for attempt in 1..=MAX_MOVE_ATTEMPTS {
            if !self
                .write_new(&new_name, &snapshot.entries, expires_at, &token)
                .await?
            {
                if frozen {
                    self.thaw(&old_name, &token).await?;
                }
                return Ok(Regenerated::AlreadyExists);
            }
            let retired: i64 = self
                .run(&SCRIPTS.retire, &old_name, &[snapshot.version.as_slice()])
                .await?;
            match retired {
                1 => return Ok(Regenerated::Regenerated),
                2 => {}
                _ => return self.drop_copy(&new_name, &token).await,
            }
            // The record changed since the snapshot: take a new one; after
            // a few rounds, freeze the record so that the move ends.
            let next = if attempt < OPTIMISTIC_ROUNDS {
                Snapshot::parse(self.hgetall(&old_name).await?)?
            } else {
                frozen = true;
                let lease = FREEZE_LEASE_MS.to_string();
                let reply: Vec<Vec<u8>> = self
                    .run(
                        &SCRIPTS.freeze,
                        &old_name,
                        &[token.as_bytes(), lease.as_bytes()],
                    )
                    .await?;
                if reply.len() == 1 {
                    // Another move holds the record: it is moving away.
                    return self.drop_copy(&new_name, &token).await;
                }
                let hash = reply
                    .chunks_exact(2)
                    .map(|pair| (pair[0].clone(), pair[1].clone()))
                    .collect();
                Snapshot::parse(hash)?
            };
            match next {
                Some(next) => snapshot = next,
                None => return self.drop_copy(&new_name, &token).await,
            }
        }
        self.thaw(&old_name, &token).await?;
        Err(StoreError::Backend(
            "regenerate gave up: the record kept changing".into(),
        ))
    }

    /// The old record vanished during a move: remove this move's copy.
    async fn drop_copy(&self, new_name: &str, token: &str) -> Result<Regenerated, StoreError> {
        let _: i64 = self
            .run(&SCRIPTS.drop_copy, new_name, &[token.as_bytes()])
            .await?;
        Ok(Regenerated::Missing)
    }

    /// Lifts this move's freeze of the old record, when the move ends
    /// without moving it.
    async fn thaw(&self, old_name: &str, token: &str) -> Result<(), StoreError> {
        let _: i64 = self
            .run(&SCRIPTS.thaw, old_name, &[token.as_bytes()])
            .await?;
        Ok(())
    }
}

/// The hash field of the session key `name`.
fn field(name: &str) -> String {
    format!("k:{name}")
}

/// A token unique to one move.
fn move_token(old: &RecordKey, new: &RecordKey) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hash = Sha256::new();
    hash.update(old.as_bytes());
    hash.update(new.as_bytes());
    hash.update(std::process::id().to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hash.update(nanos.to_le_bytes());
    RecordKey::from_bytes(hash.finalize().into()).to_hex()[..32].to_owned()
}

/// A record as read from its hash.
struct Snapshot {
    entries: Entries,
    expires_at: u64,
    version: Vec<u8>,
}

impl Snapshot {
    /// `None` for an empty hash (an absent key).
    fn parse(hash: HashMap<Vec<u8>, Vec<u8>>) -> Result<Option<Snapshot>, StoreError> {
        if hash.is_empty() {
            return Ok(None);
        }
        let corrupt = |why: &str| StoreError::Corrupt(format!("redis hash: {why}"));
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).map_err(|_| corrupt("not UTF-8"));
        let mut entries = Entries::new();
        let (mut expires_at, mut version) = (None, None);
        for (name, value) in hash {
            match name.as_slice() {
                [b'k', b':', key @ ..] => {
                    entries.insert(text(key.to_vec())?, text(value)?);
                }
                b"m:e" => expires_at = text(value)?.parse::<u64>().ok(),
                b"m:v" => version = Some(value),
                [b'm', b':', ..] => {}
                _ => return Err(corrupt("a field that is neither k: nor m:")),
            }
        }
        Ok(Some(Snapshot {
            entries,
            expires_at: expires_at.ok_or_else(|| corrupt("no expiry"))?,
            version: version.ok_or_else(|| corrupt("no version"))?,
        }))
    }
}

fn unexpected(what: &str) -> StoreError {
    StoreError::Backend(format!("unexpected reply from the {what} script"))
}

/// Sorts a `redis` error into the store's kinds.
fn error(e: RedisError) -> StoreError {
    let unavailable = e.is_io_error()
        || e.is_connection_refusal()
        || e.is_connection_dropped()
        || e.is_unrecoverable_error()
        || matches!(
            e.kind(),
            ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::ClusterDown
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::MasterDown
                )
        );
    if e.is_timeout() {
        StoreError::Timeout
    } else if unavailable {
        StoreError::Unavailable(format!("redis: {e}"))
    } else {
        StoreError::Backend(format!("redis: {e}"))
    }
}

/// The Lua scripts, each on one key.
struct Scripts {
    write_new: Script,
    update: Script,
    load_touch: Script,
    touch: Script,
    retire: Script,
    drop_copy: Script,
    freeze: Script,
    thaw: Script,
}

static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    write_new: Script::new(WRITE_NEW),
    update: Script::new(UPDATE),
    load_touch: Script::new(LOAD_TOUCH),
    touch: Script::new(TOUCH),
    retire: Script::new(RETIRE),
    drop_copy: Script::new(DROP_COPY),
    freeze: Script::new(FREEZE),
    thaw: Script::new(THAW),
});

/// Create-if-absent. ARGV: expires_at, size, token ('' for a create), then
/// field/value pairs. An existing key is replaced only if it carries the
/// same non-empty token (a regenerate's own earlier copy). 1 if written.
const WRITE_NEW: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then
  if ARGV[3] == '' or redis.call('HGET', key, 'm:t') ~= ARGV[3] then return 0 end
  redis.call('DEL', key)
end
for i = 4, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
redis.call('HSET', key, 'm:v', 1, 'm:e', ARGV[1], 'm:s', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', key, 'm:t', ARGV[3]) end
redis.call('EXPIREAT', key, ARGV[1])
return 1
";

/// Per-key update of an existing key. ARGV: expires_at, max size, the
/// number of fields to set, the field/value pairs, then the fields to
/// remove. {1} written, {0} missing (or frozen by a regenerate that is
/// moving it away), {2, size} over the cap (nothing written).
// In a file of its own so that the Redis bench sends the very same script.
const UPDATE: &str = include_str!("redis_update.lua");

/// Load with touch. ARGV: expires_at. The whole hash, or an empty one.
const LOAD_TOUCH: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {} end
redis.call('HSET', key, 'm:e', ARGV[1])
redis.call('EXPIREAT', key, ARGV[1])
return redis.call('HGETALL', key)
";

/// Touch. ARGV: expires_at. 1 if the key exists.
const TOUCH: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
redis.call('HSET', key, 'm:e', ARGV[1])
redis.call('EXPIREAT', key, ARGV[1])
return 1
";

/// A regenerate's last step on the old key. ARGV: the copied version.
/// 1 deleted, 2 changed since the copy, 0 gone.
const RETIRE: &str = r"
local v = redis.call('HGET', KEYS[1], 'm:v')
if not v then return 0 end
if v == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 2
";

/// Freezes the old key for a regenerate: until the lease ends, updates
/// answer missing. ARGV: token, lease in ms. The whole hash; {} if gone;
/// {'busy'} if another move holds it.
const FREEZE: &str = r"
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local holder = redis.call('HGET', key, 'm:f')
local lease = tonumber(redis.call('HGET', key, 'm:fu') or '0')
if holder and holder ~= ARGV[1] and lease > now then return {'busy'} end
redis.call('HSET', key, 'm:f', ARGV[1], 'm:fu', now + tonumber(ARGV[2]))
return redis.call('HGETALL', key)
";

/// Lifts a freeze if this move holds it. ARGV: token.
const THAW: &str = r"
if redis.call('HGET', KEYS[1], 'm:f') == ARGV[1] then
  return redis.call('HDEL', KEYS[1], 'm:f', 'm:fu')
end
return 0
";

/// Deletes a regenerate's copy if it still carries the move's token.
const DROP_COPY: &str = r"
if redis.call('HGET', KEYS[1], 'm:t') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

impl Store for RedisStore {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created> {
        Box::pin(self.do_create(key, entries, expires_at))
    }

    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        Box::pin(self.do_load(key, touch))
    }

    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated> {
        Box::pin(self.do_update(key, changes, expires_at))
    }

    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        Box::pin(self.do_delete(key))
    }

    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
        Box::pin(self.do_touch(key, expires_at))
    }

    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated> {
        Box::pin(self.do_regenerate(old, new, expires_at))
    }

    /// Redis expires keys itself: nothing to sweep.
    fn sweep(&self, _now: u64) -> StoreFuture<'_, usize> {
        Box::pin(std::future::ready(Ok(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pairs: &[(&str, &str)]) -> HashMap<Vec<u8>, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn session_keys_never_meet_metadata() {
        let parsed = Snapshot::parse(hash(&[
            ("k:m:v", "\"user value\""),
            ("k:", "null"),
            ("m:v", "3"),
            ("m:e", "1900000000"),
            ("m:s", "20"),
            ("m:t", "abc"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(parsed.version, b"3");
        assert_eq!(parsed.expires_at, 1_900_000_000);
        let keys: Vec<&str> = parsed.entries.keys().map(String::as_str).collect();
        assert_eq!(keys, ["", "m:v"]);
    }

    #[test]
    fn a_foreign_or_damaged_hash_is_corrupt() {
        for bad in [
            hash(&[("m:v", "1"), ("m:e", "1"), ("user", "1")]),
            hash(&[("m:v", "1"), ("k:a", "1")]),
            hash(&[("m:e", "1"), ("k:a", "1")]),
            hash(&[("m:v", "1"), ("m:e", "soon")]),
        ] {
            assert!(matches!(Snapshot::parse(bad), Err(StoreError::Corrupt(_))));
        }
        assert!(Snapshot::parse(HashMap::new()).unwrap().is_none());
    }

    #[test]
    fn move_tokens_differ() {
        let (a, b) = (
            RecordKey::from_bytes([1; 32]),
            RecordKey::from_bytes([2; 32]),
        );
        assert_ne!(move_token(&a, &b), move_token(&a, &b));
        assert_eq!(move_token(&a, &b).len(), 32);
    }
}
