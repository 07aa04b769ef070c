//! Every backend against the store contract kit, and against real
//! concurrency: many tokio tasks on a multi-thread runtime, each with its
//! own calls in flight. Redis runs as a real `redis-server` (one node, and a
//! three-node cluster) started by these tests; see `common/redis_server.rs`
//! for when they skip. With the `postgres` feature, PostgreSQL runs as a
//! real server started by these tests (`common/postgres_server.rs`); with
//! `sqlite`, SQLite uses a real file.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "postgres")]
use common::postgres_server::PostgresServer;
use common::redis_server::{Options, RedisCluster, RedisServer};
#[cfg(feature = "postgres")]
use cookietin::store::PostgresStore;
#[cfg(feature = "sqlite")]
use cookietin::store::SqliteStore;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
use cookietin::store::StoreFuture;
use cookietin::store::{
    contract, record_size, system_clock, Changes, Created, Entries, MemoryStore, RecordKey,
    RedbStore, RedisStore, Regenerated, Store, StoreError, StoreExt, Updated,
};

/// A key unique to this process and call.
fn key(tag: &str) -> RecordKey {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    hash.update(tag.as_bytes());
    hash.update(std::process::id().to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hash.update(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            .to_le_bytes(),
    );
    RecordKey::from_bytes(hash.finalize().into())
}

fn one(k: &str, v: &str) -> Entries {
    Entries::from([(k.to_owned(), v.to_owned())])
}

async fn kit(store: &impl Store, cap_store: &impl Store, cap: usize) {
    let started = std::time::Instant::now();
    if let Err(failure) = contract::check(store).await {
        panic!("{failure}");
    }
    if let Err(failure) = contract::check_record_cap(cap_store, cap).await {
        panic!("{failure}");
    }
    // The kit promises to be quick: one expiry wait of about two seconds.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// The concurrency checks, each with many tasks on the runtime's threads.
async fn concurrency(store: Arc<dyn Store>) {
    different_keys_from_many_tasks(store.clone()).await;
    same_key_from_many_tasks(store.clone()).await;
    delete_is_never_undone(store.clone()).await;
    regenerate_under_fire(store).await;
}

/// 64 tasks, each setting 4 keys of its own on one record, one update at a
/// time: every key persists.
async fn different_keys_from_many_tasks(store: Arc<dyn Store>) {
    let far = system_clock() + 600;
    let record = key("different");
    assert_eq!(
        store.create(record, &one("base", "0"), far).await,
        Ok(Created::Created)
    );
    let mut tasks = Vec::new();
    for t in 0..64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..4 {
                let mut changes = Changes::new();
                changes.set(format!("t{t}.{n}"), format!("{}", t * 10 + n));
                assert_eq!(
                    store.update(record, &changes, far).await,
                    Ok(Updated::Updated)
                );
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let loaded = store.load(record, None).await.unwrap().unwrap();
    assert_eq!(loaded.entries.len(), 1 + 64 * 4);
    for t in 0..64 {
        for n in 0..4 {
            assert_eq!(
                loaded.entries.get(&format!("t{t}.{n}")),
                Some(&format!("{}", t * 10 + n))
            );
        }
    }
}

/// 32 tasks writing large values to one key: the key ends with one of them,
/// whole.
async fn same_key_from_many_tasks(store: Arc<dyn Store>) {
    let far = system_clock() + 600;
    let record = key("same");
    assert_eq!(
        store.create(record, &Entries::new(), far).await,
        Ok(Created::Created)
    );
    let value = |t: usize| format!("\"{}\"", format!("{t:02}").repeat(10_000));
    let mut tasks = Vec::new();
    for t in 0..32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut changes = Changes::new();
            changes.set("same", value(t));
            assert_eq!(
                store.update(record, &changes, far).await,
                Ok(Updated::Updated)
            );
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let loaded = store.load(record, None).await.unwrap().unwrap();
    let same = &loaded.entries["same"];
    assert!((0..32).any(|t| *same == value(t)), "a mixed value");
}

/// 32 tasks keep saving while another deletes the record: once the delete
/// is acknowledged, no save brings the record back, and every save after
/// it answers Missing.
async fn delete_is_never_undone(store: Arc<dyn Store>) {
    let far = system_clock() + 600;
    let record = key("destroy");
    assert_eq!(
        store.create(record, &one("user", "\"ada\""), far).await,
        Ok(Created::Created)
    );
    let deleted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..32 {
        let (store, deleted) = (store.clone(), deleted.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..200 {
                let mut changes = Changes::new();
                changes.set(format!("t{t}"), n.to_string());
                let was_deleted = deleted.load(Ordering::SeqCst);
                let answer = store.update(record, &changes, far).await.unwrap();
                if was_deleted {
                    assert_eq!(answer, Updated::Missing, "a save after the delete wrote");
                }
                if answer == Updated::Missing {
                    return n;
                }
            }
            200
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.delete(record).await, Ok(true));
    deleted.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.load(record, None).await, Ok(None));
}

/// 32 tasks each update their own key in a loop, one acknowledged update
/// after another, while the record is regenerated: the moved record holds,
/// for each task, exactly its last acknowledged value; the old key is gone.
async fn regenerate_under_fire(store: Arc<dyn Store>) {
    let far = system_clock() + 600;
    let (old, new) = (key("old"), key("new"));
    assert_eq!(
        store.create(old, &one("user", "\"ada\""), far).await,
        Ok(Created::Created)
    );
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..32 {
        let (store, acknowledged) = (store.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let mut last = None;
            for n in 0..400 {
                let mut changes = Changes::new();
                changes.set(format!("t{t}"), n.to_string());
                match store.update(old, &changes, far).await.unwrap() {
                    Updated::Updated => {
                        last = Some(n);
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    Updated::Missing => break,
                }
            }
            (t, last)
        }));
    }
    // Regenerate once the updates are well under way.
    for _ in 0..500 {
        if acknowledged.load(Ordering::SeqCst) >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let before = acknowledged.load(Ordering::SeqCst);
    assert_eq!(
        store.regenerate(old, new, far).await,
        Ok(Regenerated::Regenerated)
    );
    let mut lasts = BTreeMap::new();
    for task in tasks {
        let (t, last) = task.await.unwrap();
        lasts.insert(t, last);
    }
    assert!(before >= 200, "the updates did not get going ({before})");
    let moved = store.load(new, None).await.unwrap().expect("moved record");
    assert_eq!(moved.entries["user"], "\"ada\"");
    for (t, last) in lasts {
        assert_eq!(
            moved.entries.get(&format!("t{t}")),
            last.map(|n: i32| n.to_string()).as_ref(),
            "task {t}'s last acknowledged update"
        );
    }
    assert_eq!(store.load(old, None).await, Ok(None));
    let mut late = Changes::new();
    late.set("late", "1");
    assert_eq!(store.update(old, &late, far).await, Ok(Updated::Missing));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store() {
    let store = MemoryStore::new();
    kit(&store, &MemoryStore::new().max_record_bytes(4096), 4096).await;
    concurrency(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redb_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(dir.path().join("sessions.redb")).unwrap();
    let capped = RedbStore::builder()
        .max_record_bytes(4096)
        .open(dir.path().join("capped.redb"))
        .unwrap();
    kit(&store, &capped, 4096).await;
    concurrency(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redb_store_without_group_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::builder()
        .group_commit(false)
        .open(dir.path().join("sessions.redb"))
        .unwrap();
    kit(&store, &store, cookietin::store::DEFAULT_MAX_RECORD_BYTES).await;
    concurrency(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store() {
    let Some(server) = RedisServer::start("redis_store", Options::default()) else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let capped = store.clone().prefix("capped:").max_record_bytes(4096);
    kit(&store, &capped, 4096).await;
    concurrency(Arc::new(
        store.clone().with_deadline(Duration::from_secs(5)),
    ))
    .await;

    // Every key it wrote is a hash under the prefix, with a TTL.
    let keys = server.cli(&["--scan", "--pattern", "*"]);
    let keys: Vec<&str> = keys.lines().filter(|l| !l.is_empty()).collect();
    assert!(keys.len() > 10, "{keys:?}");
    for name in keys.iter().take(50) {
        assert!(
            name.starts_with("cookietin:") || name.starts_with("capped:"),
            "{name}"
        );
        assert_eq!(server.cli(&["type", name]).trim(), "hash", "{name}");
        let ttl: i64 = server.cli(&["ttl", name]).trim().parse().unwrap();
        assert!(ttl > 0, "{name} has no TTL ({ttl})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store_layout() {
    let Some(server) = RedisServer::start("redis_store_layout", Options::default()) else {
        return;
    };
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .prefix("app:");
    let record = RecordKey::from_bytes([0xab; 32]);
    let far = system_clock() + 600;
    let entries = Entries::from([
        ("user".to_owned(), "\"ada\"".to_owned()),
        ("m:v".to_owned(), "\"not metadata\"".to_owned()),
    ]);
    assert_eq!(
        store.create(record, &entries, far).await,
        Ok(Created::Created)
    );
    let name = format!("app:{}", "ab".repeat(32));
    assert_eq!(store.key_name(&record), name);
    let mut fields: Vec<String> = server
        .cli(&["hkeys", &name])
        .lines()
        .map(str::to_owned)
        .collect();
    fields.sort();
    assert_eq!(fields, ["k:m:v", "k:user", "m:e", "m:s", "m:v"]);
    assert_eq!(server.cli(&["hget", &name, "m:e"]).trim(), far.to_string());
    let expire_time: u64 = server.cli(&["expiretime", &name]).trim().parse().unwrap();
    assert_eq!(expire_time, far);

    // A write with the record gone (here: expired by hand) writes nothing,
    // where `HSET` or `SET ... XX` would either recreate it or do nothing
    // silently.
    assert_eq!(server.cli(&["del", &name]).trim(), "1");
    let mut changes = Changes::new();
    changes.set("user", "\"eve\"");
    assert_eq!(
        store.update(record, &changes, far).await,
        Ok(Updated::Missing)
    );
    assert_eq!(server.cli(&["exists", &name]).trim(), "0");

    // A hash that isn't a session under the prefix is reported, not used.
    server.cli(&["hset", &name, "user", "\"mallory\""]);
    assert!(matches!(
        store.load(record, None).await,
        Err(cookietin::store::StoreError::Corrupt(_))
    ));
}

/// The scripts keep `m:s` (the size the cap is checked on) and `m:v` (the
/// version a regenerate retires by) right through creates and updates of
/// many fields at once, sets and removals, values that grow and shrink:
/// more fields than one `HSET` of the scripts carries (they go in batches).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_scripts_keep_size_and_version() {
    let Some(server) = RedisServer::start("redis_scripts_bookkeeping", Options::default()) else {
        return;
    };
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let record = RecordKey::from_bytes([0xcd; 32]);
    let name = store.key_name(&record);
    let far = system_clock() + 600;
    let meta = |field: &str| server.cli(&["hget", &name, field]).trim().to_owned();
    let mut expected: Entries = (0..1300)
        .map(|i| (format!("key{i}"), format!("\"{}\"", "v".repeat(i % 7))))
        .collect();
    assert_eq!(
        store.create(record, &expected, far).await,
        Ok(Created::Created)
    );
    assert_eq!(meta("m:s"), record_size(&expected).to_string());
    assert_eq!(meta("m:v"), "1");
    for round in 0..3u64 {
        let mut changes = Changes::new();
        // 1100 sets (new keys, longer and shorter values) and 600 removals
        // (some of keys that were never there).
        for i in (round as usize * 200)..(round as usize * 200 + 1100) {
            let value = format!("[{}]", "1,".repeat((i + round as usize) % 5) + "0");
            changes.set(format!("key{i}"), value.clone());
            expected.insert(format!("key{i}"), value);
        }
        for i in (1400 + round as usize * 100)..(2000 + round as usize * 100) {
            let key = format!("key{}", i % 1700);
            if !changes.sets().any(|(k, _)| k == key) {
                expected.remove(&key);
                changes.remove(key);
            }
        }
        let expires_at = far + round;
        assert_eq!(
            store.update(record, &changes, expires_at).await,
            Ok(Updated::Updated)
        );
        assert_eq!(
            meta("m:s"),
            record_size(&expected).to_string(),
            "round {round}"
        );
        assert_eq!(meta("m:v"), (round + 2).to_string());
        assert_eq!(meta("m:e"), expires_at.to_string());
        let expire_time: u64 = server.cli(&["expiretime", &name]).trim().parse().unwrap();
        assert_eq!(expire_time, expires_at);
        let loaded = store.load(record, None).await.unwrap().unwrap();
        assert_eq!(loaded.entries, expected, "round {round}");
    }
    // The cap is checked on the size the scripts kept: an update that would
    // pass it is refused whole.
    let capped = store.clone().max_record_bytes(record_size(&expected) + 10);
    let mut changes = Changes::new();
    changes.set("key0", format!("\"{}\"", "x".repeat(40)));
    changes.remove("key1");
    assert!(matches!(
        capped.update(record, &changes, far).await,
        Err(StoreError::TooLarge { .. })
    ));
    assert_eq!(
        store.load(record, None).await.unwrap().unwrap().entries,
        expected
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cluster_store() {
    let Some(cluster) = RedisCluster::start("redis_cluster_store") else {
        return;
    };
    let urls = cluster.urls();
    let nodes: Vec<&str> = urls.iter().map(String::as_str).collect();
    let store = RedisStore::connect_cluster(&nodes).await.unwrap();
    let capped = store.clone().prefix("capped:").max_record_bytes(4096);
    kit(&store, &capped, 4096).await;
    concurrency(Arc::new(
        store.clone().with_deadline(Duration::from_secs(5)),
    ))
    .await;

    // The records really are spread over the three nodes, so regenerates
    // crossed slots and nodes.
    for node in &cluster.nodes {
        let keys: usize = node.cli(&["dbsize"]).trim().parse().unwrap();
        assert!(keys >= 1, "node {} holds no key", node.port);
    }
    let (old, new) = (key("cross-old"), key("cross-new"));
    let far = system_clock() + 600;
    assert_eq!(
        store.create(old, &one("a", "1"), far).await,
        Ok(Created::Created)
    );
    let slot = |k: &RecordKey| -> u16 {
        cluster.nodes[0]
            .cli(&["cluster", "keyslot", &store.key_name(k)])
            .trim()
            .parse()
            .unwrap()
    };
    assert_ne!(slot(&old), slot(&new));
    assert_eq!(
        store.regenerate(old, new, far).await,
        Ok(Regenerated::Regenerated)
    );
    assert_eq!(
        store.load(new, None).await.unwrap().unwrap().entries,
        one("a", "1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redb_persists_across_reopen_and_sweeps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.redb");
    let far = system_clock() + 600;
    let soon = system_clock() + 1;
    let keys: Vec<RecordKey> = (0..20).map(|_| key("persist")).collect();
    {
        let store = RedbStore::open(&path).unwrap();
        // A second store on the same file is refused, typed.
        assert!(matches!(
            RedbStore::open(&path),
            Err(cookietin::store::StoreError::Unavailable(_))
        ));
        for (i, k) in keys.iter().enumerate() {
            let at = if i % 2 == 0 { far } else { soon };
            assert_eq!(
                store.create(*k, &one("i", &i.to_string()), at).await,
                Ok(Created::Created)
            );
        }
    }
    let store = RedbStore::open(&path).unwrap();
    for (i, k) in keys.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let record = store.load(*k, None).await.unwrap().unwrap();
        assert_eq!(record.entries, one("i", &i.to_string()));
        assert_eq!(record.expires_at, far);
    }
    // The background sweeper removes the ten that expire, and only them.
    let sweeper = store.spawn_sweeper(Duration::from_millis(100));
    for _ in 0..60 {
        if sweeper.removed() >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sweeper.removed(), 10);
    drop(sweeper);
    assert_eq!(store.sweep(system_clock()).await, Ok(0));
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(store.load(*k, None).await.unwrap().is_some(), i % 2 == 0);
    }
}

/// Every row's `size` is the bytes of its keys and values, as the cap
/// counts them: the statements keep it right through every write.
#[cfg(feature = "postgres")]
const POSTGRES_SIZE_MISMATCHES: &str = "SELECT count(*) FROM cookietin_sessions \
     WHERE size <> (SELECT coalesce(sum(octet_length(k) + octet_length(v)), 0) \
                    FROM jsonb_each_text(entries) AS e(k, v))";

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_store() {
    let Some(server) = PostgresServer::start("postgres_store") else {
        return;
    };
    let store = PostgresStore::connect(&server.url()).await.unwrap();
    let capped = PostgresStore::builder()
        .max_record_bytes(4096)
        .connect(&server.url())
        .await
        .unwrap();
    kit(&store, &capped, 4096).await;
    concurrency(Arc::new(
        store.clone().with_deadline(Duration::from_secs(5)),
    ))
    .await;

    // The table is as the schema file says, and nothing else is in it.
    let rows: usize = server
        .psql("cookietin", "SELECT count(*) FROM cookietin_sessions")
        .trim()
        .parse()
        .unwrap();
    assert!(rows > 10, "{rows} rows");
    let keys = server.psql(
        "cookietin",
        "SELECT bool_and(octet_length(record_key) = 32) FROM cookietin_sessions",
    );
    assert_eq!(keys.trim(), "t");
    let tables = server.psql(
        "cookietin",
        "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'",
    );
    assert_eq!(tables.trim(), "cookietin_sessions");
    assert_eq!(
        server.psql("cookietin", POSTGRES_SIZE_MISMATCHES).trim(),
        "0"
    );
    // Connecting again (a second process starting) finds the table there.
    PostgresStore::connect(&server.url()).await.unwrap();
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_file_is_what_migrate_runs() {
    let Some(server) = PostgresServer::start("postgres_schema_file") else {
        return;
    };
    // A user who runs their own migrations: the file, then no migrate.
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sql/postgres.sql"),
    )
    .unwrap();
    assert_eq!(file, PostgresStore::SCHEMA);
    server.psql("cookietin", &file);
    server.psql("cookietin", &file);
    let store = PostgresStore::builder()
        .migrate(false)
        .connect(&server.url())
        .await
        .unwrap();
    let k = key("schema");
    let far = system_clock() + 600;
    assert_eq!(
        store.create(k, &one("a", "1"), far).await,
        Ok(Created::Created)
    );
    // Without the table, a store that does not migrate fails typed.
    server.psql("cookietin", "DROP TABLE cookietin_sessions");
    assert!(matches!(
        store.load(k, None).await,
        Err(cookietin::store::StoreError::Backend(_))
    ));
    store.migrate().await.unwrap();
    assert_eq!(store.load(k, None).await, Ok(None));
}

/// Rows a store can't use, and values PostgreSQL text can't hold, fail
/// typed and write nothing.
#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_refuses_what_it_cannot_hold() {
    use cookietin::store::StoreError;
    let Some(server) = PostgresServer::start("postgres_refuses") else {
        return;
    };
    let store = PostgresStore::connect(&server.url()).await.unwrap();
    let far = system_clock() + 600;
    // A row whose entries are not all strings (written by something else).
    let k = RecordKey::from_bytes([0x11; 32]);
    server.psql(
        "cookietin",
        &format!(
            "INSERT INTO cookietin_sessions VALUES ('\\x{}', '{{\"a\": 1}}', 2, {far})",
            "11".repeat(32)
        ),
    );
    assert!(matches!(
        store.load(k, None).await,
        Err(StoreError::Corrupt(_))
    ));
    // U+0000 in a key or a value: refused before any SQL.
    let nul = key("nul");
    let refused = store.create(nul, &one("a\0b", "1"), far).await;
    assert!(
        matches!(refused, Err(StoreError::Backend(_))),
        "{refused:?}"
    );
    assert_eq!(store.load(nul, None).await, Ok(None));
    assert_eq!(
        store.create(nul, &one("a", "1"), far).await,
        Ok(Created::Created)
    );
    let mut changes = Changes::new();
    changes.set("b", "\"x\0y\"");
    let refused = store.update(nul, &changes, far).await;
    assert!(
        matches!(refused, Err(StoreError::Backend(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.load(nul, None).await.unwrap().unwrap().entries,
        one("a", "1")
    );
    // A key with quotes, backslashes and dots is just a key.
    let mut changes = Changes::new();
    changes.set(r#"a."b"\c"#, "2");
    assert_eq!(store.update(nul, &changes, far).await, Ok(Updated::Updated));
    let loaded = store.load(nul, None).await.unwrap().unwrap();
    assert_eq!(
        loaded.entries.get(r#"a."b"\c"#).map(String::as_str),
        Some("2")
    );
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sweeps_in_bounded_batches() {
    let Some(server) = PostgresServer::start("postgres_sweeps") else {
        return;
    };
    let store = PostgresStore::connect(&server.url()).await.unwrap();
    let batch = {
        let store = store.clone();
        move |now, rows| {
            let store = store.clone();
            Box::pin(async move { store.sweep_batch(now, rows).await }) as StoreFuture<'static, _>
        }
    };
    let sweeper = {
        let store = store.clone();
        move |every, rows| store.spawn_sweeper(every, rows).unwrap()
    };
    bounded_sweeps(&store, batch, sweeper).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sessions.sqlite"))
        .await
        .unwrap();
    let capped = SqliteStore::builder()
        .max_record_bytes(4096)
        .open(dir.path().join("capped.sqlite"))
        .await
        .unwrap();
    kit(&store, &capped, 4096).await;
    concurrency(Arc::new(
        store.clone().with_deadline(Duration::from_secs(5)),
    ))
    .await;
    // The schema file is what the store runs.
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sql/sqlite.sql"),
    )
    .unwrap();
    assert_eq!(file, SqliteStore::SCHEMA);
}

/// Keys with quotes, backslashes, dots and U+0000 are just keys, and
/// values keep their bytes.
#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keys_are_just_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sessions.sqlite"))
        .await
        .unwrap();
    let far = system_clock() + 600;
    let k = key("odd");
    let odd = [r#"a."b"\c"#, "$.x", "nul\0key", "[0]"];
    let entries: Entries = odd
        .iter()
        .map(|k| ((*k).to_owned(), "\"v\0\"".to_owned()))
        .collect();
    assert_eq!(store.create(k, &entries, far).await, Ok(Created::Created));
    let mut changes = Changes::new();
    for (i, name) in odd.iter().enumerate() {
        changes.set(*name, i.to_string());
    }
    changes.remove("[0]");
    assert_eq!(store.update(k, &changes, far).await, Ok(Updated::Updated));
    let loaded = store.load(k, None).await.unwrap().unwrap();
    let want: Entries = odd[..3]
        .iter()
        .enumerate()
        .map(|(i, k)| ((*k).to_owned(), i.to_string()))
        .collect();
    assert_eq!(loaded.entries, want);
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_sweeps_in_bounded_batches() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sessions.sqlite"))
        .await
        .unwrap();
    let batch = {
        let store = store.clone();
        move |now, rows| {
            let store = store.clone();
            Box::pin(async move { store.sweep_batch(now, rows).await }) as StoreFuture<'static, _>
        }
    };
    let sweeper = {
        let store = store.clone();
        move |every, rows| store.spawn_sweeper(every, rows).unwrap()
    };
    bounded_sweeps(&store, batch, sweeper).await;
}

/// 25 records that expire in a second and 5 that don't: batches of 10
/// remove 10, 10, 5, then none; a sweeper at 5 rows a pass removes 12 more;
/// the live records stay.
#[cfg(any(feature = "postgres", feature = "sqlite"))]
async fn bounded_sweeps(
    store: &impl Store,
    batch: impl Fn(u64, usize) -> StoreFuture<'static, usize>,
    spawn: impl Fn(Duration, usize) -> cookietin::store::SqlSweeper,
) {
    let far = system_clock() + 600;
    let live: Vec<RecordKey> = (0..5).map(|_| key("live")).collect();
    for k in &live {
        assert_eq!(
            store.create(*k, &one("a", "1"), far).await,
            Ok(Created::Created)
        );
    }
    let soon = system_clock() + 1;
    for _ in 0..25 {
        assert_eq!(
            store.create(key("soon"), &one("a", "1"), soon).await,
            Ok(Created::Created)
        );
    }
    while system_clock() <= soon {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let now = system_clock();
    let mut passes = Vec::new();
    for _ in 0..4 {
        passes.push(batch(now, 10).await.unwrap());
    }
    assert_eq!(passes, [10, 10, 5, 0]);

    let soon = system_clock() + 1;
    for _ in 0..12 {
        assert_eq!(
            store.create(key("later"), &one("a", "1"), soon).await,
            Ok(Created::Created)
        );
    }
    let sweeper = spawn(Duration::from_millis(100), 5);
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    while sweeper.removed() < 12 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if seen.last() != Some(&sweeper.removed()) {
            seen.push(sweeper.removed());
        }
    }
    // (Each pass is one `sweep_batch` of at most 5 rows, whose bound the
    // batches above show; counting passes by polling would race them.)
    assert_eq!(sweeper.removed(), 12, "{seen:?}");
    assert_eq!(sweeper.failed_passes(), 0);
    drop(sweeper);
    assert_eq!(store.sweep(system_clock()).await, Ok(0));
    for k in &live {
        assert!(store.load(*k, None).await.unwrap().is_some());
    }
}
