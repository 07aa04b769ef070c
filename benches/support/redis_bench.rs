//! A bench's Redis: a real `redis-server` on loopback (see
//! `tests/common/redis_server.rs`), a current-thread runtime, and one
//! multiplexed connection with the store's own settings
//! (`RedisStore::connection_manager_config`). Include it after
//! `redis_server` with `#[path]`.

use cookietin::store::RedisStore;
use redis::aio::ConnectionManager;

use crate::redis_server::RedisServer;

/// The server (stopped when dropped), the runtime and the connection, or
/// `None` (with the reason printed) when `redis-server` is not installed.
pub fn connect(name: &str) -> Option<(RedisServer, tokio::runtime::Runtime, ConnectionManager)> {
    let server = RedisServer::start(name, Default::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let config = RedisStore::connection_manager_config();
    let connection = runtime
        .block_on(ConnectionManager::new_with_config(client, config))
        .unwrap();
    Some((server, runtime, connection))
}
