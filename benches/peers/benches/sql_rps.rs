//! Requests per second of store-backed sessions on PostgreSQL and SQLite,
//! side by side in one run: the axum app with cookietin's layer in
//! server-side mode on `PostgresStore` / `SqliteStore`, against the same
//! app with tower-sessions on `tower-sessions-sqlx-store` (its
//! `PostgresStore` / `SqliteStore`, each migrated, on a pool of its own).
//!
//! `cargo bench --bench sql_rps [-- ROUNDS SECONDS MAX_REQUESTS CONNECTIONS]`
//! (default 3 rounds of 2 s or 100000 requests per server, 32 connections).
//!
//! The bench starts its own PostgreSQL on 127.0.0.1 (Debian's binaries, a
//! random port, a temporary directory: the main crate's
//! `tests/common/postgres_server.rs`) and stops it at the end. SQLite: one
//! file per server in a temporary directory. Both stores sync every commit
//! (their defaults).

use std::time::Duration;

use cookietin_peers::*;

#[allow(dead_code)]
#[path = "../../../tests/common/postgres_server.rs"]
mod postgres_server;

fn main() {
    let settings = Settings::from_args(Settings {
        rounds: 3,
        duration: Duration::from_secs(2),
        max_requests: 100_000,
        connections: 32,
        write_every: 10,
    });
    let Some(postgres) = postgres_server::PostgresServer::start("sql_rps") else {
        eprintln!("PostgreSQL is needed");
        std::process::exit(1);
    };
    postgres.psql("postgres", "CREATE DATABASE peer");
    let ours_url = postgres.url();
    let peer_url = postgres.url().replace("/cookietin", "/peer");
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{}; {} rounds of {:?} or {} requests per server, {} connections; load average at start {}",
        postgres.psql("postgres", "SELECT version()").trim(),
        settings.rounds,
        settings.duration,
        settings.max_requests,
        settings.connections,
        loadavg()
    );
    for corpus in corpus() {
        let ours_sqlite = dir.path().join(format!("{}-cookietin.sqlite", corpus.name));
        let peer_sqlite = dir.path().join(format!("{}-peer.sqlite", corpus.name));
        let servers = vec![
            serve_axum_with("axum + cookietin, server-side on PostgresStore", {
                let (url, corpus) = (ours_url.clone(), corpus.clone());
                move || async move {
                    let store = cookietin::store::PostgresStore::connect(&url)
                        .await
                        .unwrap();
                    let engine = engine_builder().server_side(store).build().unwrap();
                    axum_apps::cookietin(engine, corpus)
                }
            }),
            serve_axum_with(
                "axum + tower-sessions on tower-sessions-sqlx-store PostgresStore",
                {
                    let (url, corpus) = (peer_url.clone(), corpus.clone());
                    move || async move {
                        let pool = sqlx::PgPool::connect(&url).await.unwrap();
                        let store = tower_sessions_sqlx_store::PostgresStore::new(pool);
                        store.migrate().await.unwrap();
                        axum_apps::tower_sessions(store, corpus)
                    }
                },
            ),
            serve_axum_with("axum + cookietin, server-side on SqliteStore", {
                let corpus = corpus.clone();
                move || async move {
                    let store = cookietin::store::SqliteStore::open(&ours_sqlite)
                        .await
                        .unwrap();
                    let engine = engine_builder().server_side(store).build().unwrap();
                    axum_apps::cookietin(engine, corpus)
                }
            }),
            serve_axum_with(
                "axum + tower-sessions on tower-sessions-sqlx-store SqliteStore",
                {
                    let corpus = corpus.clone();
                    move || async move {
                        let options = sqlx::sqlite::SqliteConnectOptions::new()
                            .filename(&peer_sqlite)
                            .create_if_missing(true);
                        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
                        let store = tower_sessions_sqlx_store::SqliteStore::new(pool);
                        store.migrate().await.unwrap();
                        axum_apps::tower_sessions(store, corpus)
                    }
                },
            ),
        ];
        let sizes = session_cookie_bytes(&runtime, &servers);
        let runs = rounds(&runtime, &servers, settings);
        println!(
            "\n{} ({} bytes of JSON), load average after {}\n",
            corpus.name,
            corpus.json_len(),
            loadavg(),
        );
        print_table(&servers, &runs, &sizes);
        println!(
            "\n{} / {}: {:.3} (median of per-round ratios)",
            servers[0].name,
            servers[1].name,
            ratio(&runs, 0, 1)
        );
        println!(
            "{} / {}: {:.3} (median of per-round ratios)",
            servers[2].name,
            servers[3].name,
            ratio(&runs, 2, 3)
        );
        let total: u64 = runs.iter().flatten().map(|r| r.requests).sum();
        println!("{total} timed requests, none failed");
        for server in servers {
            server.stop();
        }
    }
    drop(postgres);
}
