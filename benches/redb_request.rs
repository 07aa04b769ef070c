//! One request's session work on redb through cookietin's store-backed
//! engine, against the redb operations such a request needs, written by
//! hand on a database of the same shape, interleaved.
//!
//! `cargo bench --features redb --bench redb_request [-- ROUNDS]`
//!
//! Both databases are files in one temporary directory (set TMPDIR to
//! measure another disk), and every write is committed durably (redb's
//! default, an fsync), as `RedbStore` always does.
//!
//! - **cookietin**: `Engine::load` of a returning visitor's Cookie header
//!   (the signed id), change one key, `Engine::save`: a read transaction,
//!   then one update through the store's writer (one write transaction).
//! - **raw**: on a second file with the store's two tables (records by key,
//!   and an expiry index), a read transaction that copies the record's
//!   bytes out, then a write transaction that reads them, writes back a
//!   record of the same size with a changed value, moves the expiry row,
//!   and commits. No codec, no engine: the storage work alone.
//! - **store alone**, **store + deadline**: `RedbStore::load` and
//!   `Store::update` of one key, then the same through the `Deadline`
//!   wrapper the engine puts on its store, to split cookietin's cost
//!   between the store, the wrapper and the engine.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/stored.rs"]
mod stored;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cookietin::store::{system_clock, Created, Deadline, Entries, RecordKey, RedbStore, Store};
use cookietin::{Engine, Key, Stored};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use corpus::CHROME;
use interleave::{median, paired_for};

const RECORDS: TableDefinition<&[u8; 32], &[u8]> = TableDefinition::new("records");
const EXPIRY: TableDefinition<(u64, &[u8; 32]), ()> = TableDefinition::new("expiry");

/// The engine's max age (its default, 7 days).
const MAX_AGE: u64 = 7 * 24 * 3600;

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn next_count() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

struct Case {
    engine: Arc<Engine<Stored>>,
    store: Arc<RedbStore>,
    /// The same store in the engine's deadline wrapper (500 ms).
    bounded: Deadline<Arc<RedbStore>>,
    record: RecordKey,
    header: String,
    raw: Arc<Database>,
}

impl Case {
    async fn cookietin(&self) {
        let mut session = self.engine.load([self.header.as_str()], Some(CHROME)).await;
        debug_assert!(session.empty_reason().is_none());
        session.insert("n", &next_count()).unwrap();
        black_box(self.engine.save(&mut session).await.unwrap());
    }

    async fn store(&self) {
        self.store_calls(&*self.store).await;
    }

    async fn bounded(&self) {
        self.store_calls(&self.bounded).await;
    }

    async fn store_calls(&self, store: &dyn Store) {
        stored::load_and_update(store, self.record, next_count(), MAX_AGE).await;
    }

    fn raw(&self) {
        let key = self.record.as_bytes();
        let read = self.raw.begin_read().unwrap();
        let bytes = read
            .open_table(RECORDS)
            .unwrap()
            .get(key)
            .unwrap()
            .unwrap()
            .value()
            .to_vec();
        black_box(&bytes);
        drop(read);
        let write = self.raw.begin_write().unwrap();
        {
            let mut records = write.open_table(RECORDS).unwrap();
            let mut record = records.get(key).unwrap().unwrap().value().to_vec();
            let n = next_count().to_le_bytes();
            let at = record.len() - n.len();
            record[at..].copy_from_slice(&n);
            let old_expiry = u64::from_le_bytes(record[..8].try_into().unwrap());
            let expires_at = system_clock() + MAX_AGE;
            record[..8].copy_from_slice(&expires_at.to_le_bytes());
            records.insert(key, record.as_slice()).unwrap();
            let mut expiry = write.open_table(EXPIRY).unwrap();
            expiry.remove((old_expiry, key)).unwrap();
            expiry.insert((expires_at, key), ()).unwrap();
        }
        write.commit().unwrap();
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .take_while(|a| a != "profile")
        .find_map(|a| a.parse().ok())
        .unwrap_or(21);
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = Arc::new(RedbStore::open(dir.path().join("cookietin.redb")).unwrap());
    let engine = Arc::new(
        Engine::builder(Key::try_from_bytes(&[7; 32]).unwrap())
            .server_side(store.clone())
            .build()
            .unwrap(),
    );
    engine.browsers().resolve(CHROME);
    let raw = Arc::new(Database::create(dir.path().join("raw.redb")).unwrap());
    println!("redb files in {}; interleaved medians over {rounds} rounds (µs per request; ratios are medians of per-round ratios)\n", dir.path().display());
    println!("| session | record JSON bytes | raw | cookietin | cookietin / raw | store alone | store / raw | store + deadline | store + deadline / raw |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for (name, entries) in corpus::ordered() {
        let case = runtime.block_on(async {
            let header = stored::returning_visitor(&engine, &entries, next_count()).await;
            // The store-alone side's record: the same entries under a key of
            // its own (the store hides the engine's keys).
            let record = RecordKey::from_bytes([json_index(&entries); 32]);
            let mut stored: Entries = entries
                .iter()
                .map(|(k, v)| (k.clone(), v.get().to_owned()))
                .collect();
            stored.insert("n".to_owned(), "0".to_owned());
            let created = store
                .create(record, &stored, system_clock() + MAX_AGE)
                .await;
            assert_eq!(created, Ok(Created::Created));
            // The raw side's record: the same size, an expiry in front.
            let json_len = corpus::json_len(&entries);
            let mut bytes = vec![0u8; json_len + 16];
            let expires_at = system_clock() + MAX_AGE;
            bytes[..8].copy_from_slice(&expires_at.to_le_bytes());
            let write = raw.begin_write().unwrap();
            {
                write
                    .open_table(RECORDS)
                    .unwrap()
                    .insert(record.as_bytes(), bytes.as_slice())
                    .unwrap();
                write
                    .open_table(EXPIRY)
                    .unwrap()
                    .insert((expires_at, record.as_bytes()), ())
                    .unwrap();
            }
            write.commit().unwrap();
            Case {
                engine: engine.clone(),
                store: store.clone(),
                bounded: Deadline::new(store.clone()),
                record,
                header,
                raw: raw.clone(),
            }
        });
        // One side alone, for strace or callgrind:
        // `-- profile cookietin|store|bounded|raw N` (tiny_login only).
        if let Some((side, n)) = profile(name) {
            runtime.block_on(async {
                for _ in 0..n {
                    match side.as_str() {
                        "raw" => case.raw(),
                        "store" => case.store().await,
                        "bounded" => case.bounded().await,
                        _ => case.cookietin().await,
                    }
                }
            });
            println!("{name}: {n} requests of {side}");
            return;
        }
        // The engine's request sends no cookie, and finds the session.
        runtime.block_on(async {
            let mut session = engine.load([case.header.as_str()], Some(CHROME)).await;
            assert_eq!(session.empty_reason(), None);
            assert_eq!(session.len(), entries.len() + 1);
            session.insert("n", &next_count()).unwrap();
            let saved = engine.save(&mut session).await.unwrap();
            assert!(saved.set_cookies.is_empty(), "{:?}", saved.set_cookies);
        });
        let mut cookietin_side = |n: usize| stored::per_call(&runtime, n, || case.cookietin());
        let mut raw_side = |n: usize| {
            let start = Instant::now();
            for _ in 0..n {
                case.raw();
            }
            start.elapsed().as_nanos() as f64 / n as f64
        };
        let (raw_ns, ours, ratio) = paired_for(rounds, 5e7, &mut raw_side, &mut cookietin_side);
        let mut store_side = |n: usize| stored::per_call(&runtime, n, || case.store());
        let (_, store_ns, store_ratio) = paired_for(rounds, 5e7, &mut raw_side, &mut store_side);
        let mut bounded_side = |n: usize| stored::per_call(&runtime, n, || case.bounded());
        let (_, bounded_ns, bounded_ratio) =
            paired_for(rounds, 5e7, &mut raw_side, &mut bounded_side);
        ratios.push(ratio);
        println!(
            "| {name} | {} | {:.1} | {:.1} | {ratio:.3} | {:.1} | {store_ratio:.3} | {:.1} | {bounded_ratio:.3} |",
            corpus::json_len(&entries),
            raw_ns / 1000.0,
            ours / 1000.0,
            store_ns / 1000.0,
            bounded_ns / 1000.0,
        );
    }
    println!("\nmedian of the ratios: {:.3}", median(&mut ratios));
}

/// `-- profile SIDE N`: the side and count to run alone, on tiny_login.
fn profile(session: &str) -> Option<(String, usize)> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == "profile")?;
    (session == "tiny_login").then(|| {
        let side = args
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| "cookietin".into());
        let n = args.get(i + 2).and_then(|n| n.parse().ok()).unwrap_or(1000);
        (side, n)
    })
}

/// A byte that differs per corpus session, for its record key.
fn json_index(entries: &corpus::Entries) -> u8 {
    (corpus::json_len(entries) % 251) as u8
}
