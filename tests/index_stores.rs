//! The per-user index flows of `tests/index.rs` (every layout: revocable
//! client-side, overflowing, store-backed and the demo's groups) on real
//! stores: a redb file, a real redis-server (one node and a three-node
//! cluster), a real PostgreSQL (feature `postgres`) and a SQLite file
//! (feature `sqlite`). Each includes the in-flight revocation race, the
//! out-of-band change against a request in flight, and the cap on a
//! user's sessions. Redis and PostgreSQL skip with a printed reason when
//! their binaries are missing, and fail instead in CI.
#![cfg(feature = "store")]

mod common;

use std::sync::Arc;

use common::index_flows::{self as flows, Salted};
use cookietin::store::Store;

/// Every flow, each engine over a namespace of its own on `store`.
async fn run_on(store: Arc<dyn Store>) {
    let started = std::time::Instant::now();
    flows::all(&move || Salted::over(store.clone())).await;
    eprintln!("every index flow in {:?}", started.elapsed());
}

#[cfg(feature = "redb")]
#[tokio::test]
async fn index_on_a_redb_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb")).unwrap();
    run_on(Arc::new(store)).await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn index_on_redis() {
    use common::redis_server::{Options, RedisServer};
    let Some(server) = RedisServer::start("index_on_redis", Options::default()) else {
        return;
    };
    let store = cookietin::store::RedisStore::connect(&server.url())
        .await
        .unwrap();
    run_on(Arc::new(store)).await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn index_on_a_redis_cluster() {
    let Some(cluster) = common::redis_server::RedisCluster::start("index_on_a_redis_cluster")
    else {
        return;
    };
    let urls = cluster.urls();
    let nodes: Vec<&str> = urls.iter().map(String::as_str).collect();
    let store = cookietin::store::RedisStore::connect_cluster(&nodes)
        .await
        .unwrap();
    run_on(Arc::new(store)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn index_on_postgres() {
    let Some(server) = common::postgres_server::PostgresServer::start("index_on_postgres") else {
        return;
    };
    let store = cookietin::store::PostgresStore::connect(&server.url())
        .await
        .unwrap();
    run_on(Arc::new(store)).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn index_on_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = cookietin::store::SqliteStore::open(dir.path().join("sessions.sqlite"))
        .await
        .unwrap();
    run_on(Arc::new(store)).await;
}
