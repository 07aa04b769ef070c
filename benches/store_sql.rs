//! One request's store work on PostgreSQL and SQLite through cookietin's
//! SQL stores, against the raw statements such a request needs, sent
//! through `sqlx` on the same server, interleaved.
//!
//! `cargo bench --features postgres,sqlite --bench store_sql [-- ROUNDS]`
//!
//! On a shared virtual machine, pin the bench to one CPU (`taskset -c 1`
//! on the built binary): the sqlx connections' worker threads then hand
//! over without cross-CPU wake-ups, which otherwise add hundreds of µs to
//! one side or the other at random.
//!
//! The bench starts its own PostgreSQL on 127.0.0.1 (Debian's binaries, a
//! random port, a temporary directory; see `tests/common/postgres_server.rs`)
//! and stops it at the end; without PostgreSQL it says so and measures
//! SQLite alone. SQLite is a file in a temporary directory (set TMPDIR to
//! measure another disk).
//!
//! Each session is measured twice: with every commit synced (the stores'
//! defaults; a request then mostly waits for the disk), and unsynced
//! (PostgreSQL's `synchronous_commit = off` for the database, SQLite's
//! `synchronous = NORMAL`), which leaves the CPU and the protocol: what
//! the store adds shows there. Both sides always run the same setting.
//!
//! - **cookietin**: `Store::load` of the session's record, then
//!   `Store::update` of one key with a new expiry, both through the
//!   `Deadline` wrapper the engine puts on its store: one statement each.
//! - **raw**: the same two round trips written by hand: a `SELECT` of the
//!   row's `entries` text and expiry (not decoded), then an `UPDATE` that
//!   merges the one key (`entries || $3` in PostgreSQL, `json_patch` in
//!   SQLite) and sets the expiry, on a live row. It keeps no size for a
//!   cap, and needs no answer beyond the row count.
//!
//! - **raw + decode**: raw, then the entries text decoded into the same
//!   map the store returns (`serde_json`), paired with cookietin in rounds
//!   of its own.
//!
//! The difference is what the store adds: decoding the entries into a map,
//! the size kept for the cap (and the snapshot that tells a refused write
//! from a missing row, in PostgreSQL), the boxed futures and the deadline.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/interleave.rs"]
mod interleave;
#[allow(dead_code)]
#[path = "../tests/common/postgres_server.rs"]
mod postgres_server;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use cookietin::store::{
    system_clock, Changes, Created, Deadline, Entries, PostgresStore, RecordKey, SqliteStore,
    Store, Updated,
};
use sqlx::postgres::PgPool;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use interleave::{median, paired_for};
use postgres_server::PostgresServer;

/// The engine's max age (its default, 7 days).
const MAX_AGE: u64 = 7 * 24 * 3600;

const PG_LOAD: &str = "SELECT entries::text, expires_at FROM cookietin_sessions \
     WHERE record_key = $1 AND expires_at > $2";
const PG_UPDATE: &str = "UPDATE cookietin_sessions SET entries = entries || $3::jsonb, \
     expires_at = $4 WHERE record_key = $1 AND expires_at > $2";
const SQLITE_LOAD: &str = "SELECT entries, expires_at FROM cookietin_sessions \
     WHERE record_key = ?1 AND expires_at > ?2";
const SQLITE_UPDATE: &str = "UPDATE cookietin_sessions SET entries = json_patch(entries, ?3), \
     expires_at = ?4 WHERE record_key = ?1 AND expires_at > ?2";

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_count() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

fn now() -> i64 {
    system_clock() as i64
}

/// The raw side's pool.
enum Raw {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

struct Case<S> {
    store: Deadline<S>,
    raw: Raw,
    record: RecordKey,
}

impl<S: Store> Case<S> {
    async fn cookietin(&self) {
        let record = self.store.load(self.record, None).await.unwrap().unwrap();
        black_box(&record);
        let mut changes = Changes::new();
        changes.set("n", next_count().to_string());
        let expires_at = system_clock() + MAX_AGE;
        let updated = self.store.update(self.record, &changes, expires_at).await;
        assert_eq!(updated, Ok(Updated::Updated));
    }

    async fn raw(&self) {
        self.raw_with(false).await;
    }

    /// Raw, and the entries decoded into the map the store returns.
    async fn decoded(&self) {
        self.raw_with(true).await;
    }

    async fn raw_with(&self, decode: bool) {
        let key = self.record.as_bytes().as_slice();
        let patch = format!(r#"{{"n":"{}"}}"#, next_count());
        let expires_at = (system_clock() + MAX_AGE) as i64;
        let updated = match &self.raw {
            Raw::Postgres(pool) => {
                let row: (String, i64) = sqlx::query_as(PG_LOAD)
                    .bind(key)
                    .bind(now())
                    .fetch_one(pool)
                    .await
                    .unwrap();
                if decode {
                    black_box(serde_json::from_str::<Entries>(&row.0).unwrap());
                }
                black_box(&row);
                sqlx::query(PG_UPDATE)
                    .bind(key)
                    .bind(now())
                    .bind(patch)
                    .bind(expires_at)
                    .execute(pool)
                    .await
                    .unwrap()
                    .rows_affected()
            }
            Raw::Sqlite(pool) => {
                let row: (String, i64) = sqlx::query_as(SQLITE_LOAD)
                    .bind(key)
                    .bind(now())
                    .fetch_one(pool)
                    .await
                    .unwrap();
                if decode {
                    black_box(serde_json::from_str::<Entries>(&row.0).unwrap());
                }
                black_box(&row);
                sqlx::query(SQLITE_UPDATE)
                    .bind(key)
                    .bind(now())
                    .bind(patch)
                    .bind(expires_at)
                    .execute(pool)
                    .await
                    .unwrap()
                    .rows_affected()
            }
        };
        assert_eq!(updated, 1);
    }
}

/// A corpus session as store entries (each value's compact JSON text).
fn entries(session: &corpus::Entries) -> Entries {
    session
        .iter()
        .map(|(k, v)| (k.clone(), v.get().to_owned()))
        .collect()
}

/// Prints one table row, `label` first, and answers the ratio.
fn measure<S: Store>(
    runtime: &tokio::runtime::Runtime,
    rounds: usize,
    label: &str,
    case: &Case<S>,
) -> f64 {
    macro_rules! side {
        ($method:ident) => {
            &mut |n| {
                runtime.block_on(async {
                    let start = Instant::now();
                    for _ in 0..n {
                        case.$method().await;
                    }
                    start.elapsed().as_nanos() as f64 / n as f64
                })
            }
        };
    }
    let (_, _, decoded_ratio) = paired_for(rounds, 2e7, side!(decoded), side!(cookietin));
    let (raw, ours, ratio) = paired_for(rounds, 2e7, side!(raw), side!(cookietin));
    println!(
        "| {label} | {:.1} | {:.1} | {ratio:.3} | {:.1} | {decoded_ratio:.3} |",
        raw / 1000.0,
        ours / 1000.0,
        (ours - raw) / 1000.0,
    );
    ratio
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(15);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = PostgresServer::start("store_sql");
    let dir = tempfile::tempdir().unwrap();
    println!("interleaved medians over {rounds} rounds (µs per request: a load and an update of one key; ratios are medians of per-round ratios)\n");
    println!("| database | commits | session | record JSON bytes | raw | cookietin | cookietin / raw (≤ 1.25) | cookietin's own µs | cookietin / (raw + decode) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    if let Some(server) = &server {
        server.psql("postgres", "CREATE DATABASE unsynced");
        server.psql(
            "postgres",
            "ALTER DATABASE unsynced SET synchronous_commit = off",
        );
    }
    let mut ratios = Vec::new();
    let mut unsynced_ratios = Vec::new();
    let sessions = corpus::ordered();
    for (mode, synced) in [("synced", true), ("unsynced", false)] {
        for (n, (name, session)) in sessions.iter().enumerate() {
            let ratios = if synced {
                &mut ratios
            } else {
                &mut unsynced_ratios
            };
            let data = entries(session);
            let json_bytes = corpus::json_len(session);
            let record = RecordKey::from_bytes([n as u8 + 1; 32]);
            let far = system_clock() + MAX_AGE;
            if let Some(server) = &server {
                let url = if synced {
                    server.url()
                } else {
                    server.url().replace("/cookietin", "/unsynced")
                };
                let case = runtime.block_on(async {
                    let pool = PgPool::connect(&url).await.unwrap();
                    let store = PostgresStore::builder()
                        .from_pool(pool.clone())
                        .await
                        .unwrap();
                    assert_eq!(store.create(record, &data, far).await, Ok(Created::Created));
                    Case {
                        store: Deadline::new(store),
                        raw: Raw::Postgres(pool),
                        record,
                    }
                });
                let label = format!("postgres | {mode} | {name} | {json_bytes}");
                ratios.push(measure(&runtime, rounds, &label, &case));
            }
            let case = runtime.block_on(async {
                let path = dir.path().join(format!("{name}-{mode}.sqlite"));
                let store = SqliteStore::builder()
                    .durable(synced)
                    .open(&path)
                    .await
                    .unwrap();
                assert_eq!(store.create(record, &data, far).await, Ok(Created::Created));
                // The raw side gets a file of its own with the same row, so that
                // neither side's writes disturb the other's pages and log.
                let raw_path = dir.path().join(format!("{name}-{mode}-raw.sqlite"));
                let seeded = SqliteStore::open(&raw_path).await.unwrap();
                assert_eq!(
                    seeded.create(record, &data, far).await,
                    Ok(Created::Created)
                );
                drop(seeded);
                // The same file settings as the store: WAL, and the same sync.
                let options = SqliteConnectOptions::new()
                    .filename(&raw_path)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(if synced {
                        SqliteSynchronous::Full
                    } else {
                        SqliteSynchronous::Normal
                    });
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .unwrap();
                Case {
                    store: Deadline::new(store),
                    raw: Raw::Sqlite(pool),
                    record,
                }
            });
            let label = format!("sqlite | {mode} | {name} | {json_bytes}");
            ratios.push(measure(&runtime, rounds, &label, &case));
        }
    }
    println!("\nmedian of the ratios, synced: {:.3}", median(&mut ratios));
    println!(
        "median of the ratios, unsynced: {:.3}",
        median(&mut unsynced_ratios)
    );
    drop(server);
}
