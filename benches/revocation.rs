//! The price of revocation: a read-only request's load of a revocable
//! client-side session (one store lookup: its id's tombstone) against the
//! same session without revocation, against a store-backed session (also
//! one lookup: its record), and against the client-side load followed by
//! the raw command the lookup is (`HGETALL`, through the `redis` crate on
//! the same connection: the store issue's ratio), on a real
//! `redis-server`, interleaved.
//!
//! `cargo bench --features redis --bench revocation [-- ROUNDS]`
//!
//! The bench starts its own `redis-server` on 127.0.0.1 (a random port, a
//! temporary directory) and kills it at the end.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/redis_bench.rs"]
mod redis_bench;
#[allow(dead_code)]
#[path = "../tests/common/redis_server.rs"]
mod redis_server;

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use redis::aio::ConnectionManager;

use cookietin::store::RedisStore;
use cookietin::{Engine, Key, Session, Stored};

use corpus::CHROME;
use interleave::paired_for;

fn key() -> Key {
    Key::try_from_bytes(&[7; 32]).unwrap()
}

/// The Cookie header of a returning visitor whose session `engine` saved.
async fn returning(engine: &Engine<Stored>, entries: &corpus::Entries) -> String {
    let mut session: Session = engine.load(Vec::<&str>::new(), Some(CHROME)).await;
    let data = session.data_mut();
    for (k, v) in entries {
        data.insert_raw(k, v.clone());
    }
    let saved = engine.save(&mut session).await.unwrap();
    let pairs: Vec<&str> = saved
        .set_cookies
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    format!("{}; {}", corpus::OTHER_COOKIES, pairs.join("; "))
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(31);
    // One multiplexed connection shared by every side.
    let Some((_server, runtime, connection)) = redis_bench::connect("revocation") else {
        return;
    };
    let store = || RedisStore::from_connection_manager(connection.clone());
    let plain = Engine::builder(key()).build().unwrap().into_stored();
    let revocable = Engine::builder(key()).revocable(store()).build().unwrap();
    let stored = Engine::builder(key()).server_side(store()).build().unwrap();
    plain.browsers().resolve(CHROME);
    println!(
        "Interleaved medians over {rounds} rounds, µs per read-only request's load (load_async)\n"
    );
    println!("| session | client | revocable | revocable / client | store-backed | revocable / store-backed | client + raw HGETALL | revocable / (client + raw) |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, entries) in corpus::ordered() {
        let (h_plain, h_rev, h_stored) = runtime.block_on(async {
            (
                returning(&plain, &entries).await,
                returning(&revocable, &entries).await,
                returning(&stored, &entries).await,
            )
        });
        let mut a = |n: usize| time(&runtime, &plain, &h_plain, n);
        let mut b = |n: usize| time(&runtime, &revocable, &h_rev, n);
        let mut c = |n: usize| time(&runtime, &stored, &h_stored, n);
        let mut d = |n: usize| time_raw(&runtime, &plain, &h_plain, &connection, n);
        let (tp, tr, r1) = paired_for(rounds, 2e7, &mut a, &mut b);
        let (ts, _, r2) = paired_for(rounds, 2e7, &mut c, &mut b);
        let (td, _, r3) = paired_for(rounds, 2e7, &mut d, &mut b);
        println!(
            "| {name} | {:.1} | {:.1} | {r1:.2} | {:.1} | {r2:.2} | {:.1} | {r3:.2} |",
            tp / 1e3,
            tr / 1e3,
            ts / 1e3,
            td / 1e3
        );
    }
}

/// Nanoseconds per read-only load of `header` by `engine`, over `n`.
fn time(runtime: &tokio::runtime::Runtime, engine: &Engine<Stored>, header: &str, n: usize) -> f64 {
    let start = Instant::now();
    runtime.block_on(async {
        for _ in 0..n {
            let s = engine.load([header], Some(CHROME)).await;
            black_box(s.len());
        }
    });
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Nanoseconds per client-side load of `header` followed by the lookup a
/// revocable engine makes, sent raw: `HGETALL` of a key that, like an
/// unrevoked session's tombstone, does not exist.
fn time_raw(
    runtime: &tokio::runtime::Runtime,
    engine: &Engine<Stored>,
    header: &str,
    connection: &ConnectionManager,
    n: usize,
) -> f64 {
    let mut connection = connection.clone();
    let key = format!("cookietin:{}", "0".repeat(64));
    let start = Instant::now();
    runtime.block_on(async {
        for _ in 0..n {
            let s = engine.load([header], Some(CHROME)).await;
            let hash: HashMap<Vec<u8>, Vec<u8>> = redis::cmd("HGETALL")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .unwrap();
            black_box((s.len(), hash.len()));
        }
    });
    start.elapsed().as_nanos() as f64 / n as f64
}
