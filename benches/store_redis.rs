//! One request's session work on Redis through cookietin's store-backed
//! engine, against the same Redis commands issued directly through the
//! `redis` crate on the same connection, interleaved.
//!
//! `cargo bench --features redis --bench store_redis [-- ROUNDS]`
//!
//! The bench starts its own `redis-server` on 127.0.0.1 (a random port, a
//! temporary directory, no persistence) and kills it at the end.
//!
//! - **cookietin**: `Engine::load_async` of a returning visitor's Cookie
//!   header (the signed id), change one key, `Engine::save_async`. With no
//!   idle timeout the load is one `HGETALL` and the save one `EVALSHA` of
//!   the store's update script; the cookie is not re-sent.
//! - **raw**: `HGETALL` of the same key into a `Vec<(Vec<u8>, Vec<u8>)>`,
//!   then `EVALSHA` of the same update script (a copy of its text, checked
//!   at start to have the same SHA-1 as the one cookietin loaded) with the
//!   same arguments, through a clone of the same `ConnectionManager`.
//!
//! - **store alone**, **store + deadline**: `RedisStore::load` and
//!   `Store::update` of one key called directly, then through the
//!   `Deadline` wrapper the engine puts on its store: each against raw in
//!   its own interleaved pairs, to split cookietin's cost between the store
//!   and the engine.
//!
//! The commands each side sends per request are counted from `INFO
//! commandstats` and printed, so that the two are seen to match.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/redis_bench.rs"]
mod redis_bench;
#[allow(dead_code)]
#[path = "../tests/common/redis_server.rs"]
mod redis_server;
#[path = "support/stored.rs"]
mod stored;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cookietin::store::{Deadline, RecordKey, RedisStore, Store, DEFAULT_MAX_RECORD_BYTES};
use cookietin::{Engine, Key, Stored};
use redis::aio::ConnectionManager;

use corpus::CHROME;
use interleave::{median, paired_for};

/// The store's own update script (`src/store/redis/scripts.rs` includes the same
/// file); `main` checks that Redis knows it under the same SHA-1 once
/// cookietin has run its own.
const UPDATE: &str = include_str!("../src/store/redis/update.lua");

/// The engine's max age (its default, 7 days), for the raw side's expiry.
const MAX_AGE: u64 = 7 * 24 * 3600;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_count() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// `calls` of every command in `INFO commandstats`.
async fn command_calls(connection: &mut ConnectionManager) -> BTreeMap<String, u64> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(connection)
        .await
        .unwrap();
    info.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest
                .strip_prefix("calls=")?
                .split(',')
                .next()?
                .parse()
                .ok()?;
            Some((name.to_owned(), calls))
        })
        .collect()
}

/// The commands sent between two snapshots, per request, without the INFO
/// itself.
fn per_request(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
    requests: u64,
) -> String {
    let mut parts = Vec::new();
    for (name, calls) in after {
        let sent = calls - before.get(name).copied().unwrap_or(0);
        let sent = if name == "info" { sent - 1 } else { sent };
        if sent > 0 {
            parts.push(format!(
                "{} {}",
                name.to_uppercase(),
                sent as f64 / requests as f64
            ));
        }
    }
    parts.join(", ")
}

struct Case {
    engine: Arc<Engine<Stored>>,
    /// A `RedisStore` on the same connection, called without the engine
    /// (and without the engine's deadline wrapper).
    store: RedisStore,
    /// The same store in the engine's deadline wrapper (500 ms).
    bounded: Deadline<RedisStore>,
    record: RecordKey,
    connection: ConnectionManager,
    /// The returning visitor's Cookie header.
    header: String,
    /// The session's Redis key.
    key: String,
    script: redis::Script,
}

impl Case {
    async fn cookietin(&self) {
        let mut session = self.engine.load([self.header.as_str()], Some(CHROME)).await;
        debug_assert!(session.empty_reason().is_none());
        session.insert("n", &next_count()).unwrap();
        let saved = self.engine.save(&mut session).await.unwrap();
        black_box(saved);
    }

    /// The store's own calls: load, then an update of one key.
    async fn store(&self) {
        self.store_calls(&self.store).await;
    }

    /// The same through the deadline wrapper.
    async fn bounded(&self) {
        self.store_calls(&self.bounded).await;
    }

    async fn store_calls(&self, store: &dyn Store) {
        stored::load_and_update(store, self.record, next_count(), MAX_AGE).await;
    }

    async fn raw(&self) {
        let mut connection = self.connection.clone();
        let hash: Vec<(Vec<u8>, Vec<u8>)> = redis::cmd("HGETALL")
            .arg(&self.key)
            .query_async(&mut connection)
            .await
            .unwrap();
        black_box(&hash);
        let expires_at = (cookietin::store::system_clock() + MAX_AGE).to_string();
        let value = next_count().to_string();
        let reply: Vec<i64> = self
            .script
            .key(&self.key)
            .arg(expires_at.as_bytes())
            .arg(DEFAULT_MAX_RECORD_BYTES.to_string().as_bytes())
            .arg(b"1")
            .arg(b"k:n")
            .arg(value.as_bytes())
            .invoke_async(&mut connection)
            .await
            .unwrap();
        assert_eq!(reply, [1]);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let profile = args.iter().position(|a| a == "profile").map(|i| {
        let side = args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| "cookietin".into());
        let n: usize = args.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(2000);
        let session = args
            .get(i + 3)
            .cloned()
            .unwrap_or_else(|| "tiny_login".into());
        (side, n, session)
    });
    let rounds: usize = std::env::args()
        .skip(1)
        .take_while(|a| a != "profile")
        .find_map(|a| a.parse().ok())
        .unwrap_or(31);
    let Some((server, runtime, connection)) = redis_bench::connect("store_redis") else {
        return;
    };
    let engine = Arc::new(
        Engine::builder(Key::try_from_bytes(&[7; 32]).unwrap())
            .server_side(RedisStore::from_connection_manager(connection.clone()))
            .build()
            .unwrap(),
    );
    engine.browsers().resolve(CHROME);
    let mut admin = connection.clone();

    println!("redis-server {} on 127.0.0.1:{}; interleaved medians over {rounds} rounds (µs per request; ratios are medians of per-round ratios)\n",
        runtime.block_on(async {
            let info: String = redis::cmd("INFO").arg("server").query_async(&mut admin).await.unwrap();
            info.lines().find_map(|l| l.strip_prefix("redis_version:").map(str::to_owned)).unwrap_or_default()
        }),
        server.port);
    println!("| session | record JSON bytes | raw commands | cookietin | cookietin / raw (≤ 1.25) | cookietin's own µs | store alone | store / raw | store + deadline | store + deadline / raw |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut commands = Vec::new();
    let mut ratios = Vec::new();
    for (name, entries) in corpus::ordered() {
        if profile.as_ref().is_some_and(|p| p.2 != name) {
            continue;
        }
        let case = runtime.block_on(async {
            // A fresh record: the first save creates it and sets the cookie.
            let _: () = redis::cmd("FLUSHALL")
                .query_async(&mut admin)
                .await
                .unwrap();
            let header = stored::returning_visitor(&engine, &entries, next_count()).await;
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg("cookietin:*")
                .query_async(&mut admin)
                .await
                .unwrap();
            assert_eq!(keys.len(), 1, "one record");
            let hex = keys[0].strip_prefix("cookietin:").unwrap();
            let mut bytes = [0u8; 32];
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
            }
            Case {
                engine: engine.clone(),
                store: RedisStore::from_connection_manager(connection.clone()),
                bounded: Deadline::new(RedisStore::from_connection_manager(connection.clone())),
                record: RecordKey::from_bytes(bytes),
                connection: connection.clone(),
                header,
                key: keys[0].clone(),
                script: redis::Script::new(UPDATE),
            }
        });
        // Check the two sides: the same commands, the same script, and a
        // cookietin save that sends no cookie.
        runtime.block_on(async {
            let mut session = engine.load([case.header.as_str()], Some(CHROME)).await;
            assert!(
                session.empty_reason().is_none(),
                "{:?}",
                session.empty_reason()
            );
            assert_eq!(session.len(), entries.len() + 1);
            session.insert("n", &next_count()).unwrap();
            let saved = engine.save(&mut session).await.unwrap();
            assert!(saved.set_cookies.is_empty(), "{:?}", saved.set_cookies);
            let exists: Vec<i64> = redis::cmd("SCRIPT")
                .arg("EXISTS")
                .arg(case.script.get_hash())
                .query_async(&mut admin)
                .await
                .unwrap();
            assert_eq!(exists, [1], "the bench's UPDATE is the store's script");
            let requests = 20;
            let before = command_calls(&mut admin).await;
            for _ in 0..requests {
                case.cookietin().await;
            }
            let middle = command_calls(&mut admin).await;
            for _ in 0..requests {
                case.raw().await;
            }
            let after = command_calls(&mut admin).await;
            commands.push((
                name,
                per_request(&before, &middle, requests),
                per_request(&middle, &after, requests),
            ));
        });
        if let Some((side, n, _)) = &profile {
            // One side alone, for callgrind: `-- profile raw|store|cookietin N [SESSION]`.
            runtime.block_on(async {
                for _ in 0..*n {
                    match side.as_str() {
                        "raw" => case.raw().await,
                        "store" => case.store().await,
                        "bounded" => case.bounded().await,
                        _ => case.cookietin().await,
                    }
                }
            });
            println!("{name}: {n} requests of {side}");
            return;
        }
        macro_rules! side {
            ($method:ident) => {
                &mut |n| stored::per_call(&runtime, n, || case.$method())
            };
        }
        let (_, store, store_ratio) = paired_for(rounds, 2e7, side!(raw), side!(store));
        let (_, bounded, bounded_ratio) = paired_for(rounds, 2e7, side!(raw), side!(bounded));
        let (raw, ours, ratio) = paired_for(rounds, 2e7, side!(raw), side!(cookietin));
        ratios.push(ratio);
        println!(
            "| {name} | {} | {:.1} | {:.1} | {ratio:.3} | {:.1} | {:.1} | {store_ratio:.3} | {:.1} | {bounded_ratio:.3} |",
            corpus::json_len(&entries),
            raw / 1000.0,
            ours / 1000.0,
            (ours - raw) / 1000.0,
            store / 1000.0,
            bounded / 1000.0,
        );
    }
    println!("\nmedian of the ratios: {:.3}", median(&mut ratios));
    println!("\n| session | cookietin sends per request | raw sends per request |\n|---|---|---|");
    for (name, ours, raw) in commands {
        println!("| {name} | {ours} | {raw} |");
    }
    drop(server);
}
