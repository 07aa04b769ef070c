//! Faults with real components: Redis paused (SIGSTOP) and resumed, Redis
//! killed and restarted with its append-only file, a dropped connection,
//! and a redb writer process killed with `kill -9` mid-stream. Nothing
//! acknowledged may be lost, and every failure is typed.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::redis_server::{Options, RedisServer};
use common::store_calls::until_available;
use cookietin::store::{
    system_clock, Changes, Created, Entries, RecordKey, RedbStore, RedisStore, Store, StoreError,
    StoreExt, Updated,
};

fn key(tag: &str, n: usize) -> RecordKey {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    // No process id: the kill -9 test's child and parent name the same keys.
    hash.update(tag.as_bytes());
    hash.update(n.to_le_bytes());
    RecordKey::from_bytes(hash.finalize().into())
}

fn one(k: &str, v: &str) -> Entries {
    Entries::from([(k.to_owned(), v.to_owned())])
}

/// Writes `count` records (create, then an update of a second key), each
/// acknowledged; returns their keys.
async fn write_acknowledged(store: &impl Store, tag: &str, count: usize) -> Vec<RecordKey> {
    let far = system_clock() + 600;
    let mut keys = Vec::new();
    for n in 0..count {
        let k = key(tag, n);
        assert_eq!(
            store.create(k, &one("n", &n.to_string()), far).await,
            Ok(Created::Created)
        );
        let mut changes = Changes::new();
        changes.set("second", format!("\"{n}\""));
        assert_eq!(store.update(k, &changes, far).await, Ok(Updated::Updated));
        keys.push(k);
    }
    keys
}

/// Every record of [`write_acknowledged`] is there, whole (but the first
/// `skip`).
async fn all_there(store: &impl Store, keys: &[RecordKey], skip: usize) {
    for (n, k) in keys.iter().enumerate().skip(skip) {
        let record = store
            .load(*k, None)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged record {n} lost"));
        let mut want = one("n", &n.to_string());
        want.insert("second".into(), format!("\"{n}\""));
        assert_eq!(record.entries, want, "record {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_paused_times_out_then_recovers_with_nothing_lost() {
    let Some(server) = RedisServer::start("redis_paused", Options::default()) else {
        return;
    };
    let deadline = Duration::from_millis(300);
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_deadline(deadline);
    let keys = write_acknowledged(&store, "paused", 20).await;

    server.pause();
    let far = system_clock() + 600;
    let mut changes = Changes::new();
    changes.set("during", "1");
    let calls: Vec<(&str, cookietin::store::StoreFuture<'_, ()>)> = vec![
        (
            "load",
            Box::pin(async { store.load(keys[0], None).await.map(drop) }),
        ),
        (
            "update",
            Box::pin(async { store.update(keys[1], &changes, far).await.map(drop) }),
        ),
        (
            "touch",
            Box::pin(async { store.touch(keys[2], far).await.map(drop) }),
        ),
        (
            "delete",
            Box::pin(async { store.delete(keys[3]).await.map(drop) }),
        ),
    ];
    for (what, call) in calls {
        let started = Instant::now();
        let answer = call.await;
        let took = started.elapsed();
        assert_eq!(answer, Err(StoreError::Timeout), "{what} while paused");
        assert!(
            took >= deadline && took < Duration::from_secs(2),
            "{what} took {took:?}"
        );
    }
    server.resume();

    until_available(&store, keys[0], 50).await;
    // The calls cut off by the deadline had unknown outcomes; every record
    // they did not name is exactly as acknowledged.
    all_there(&store, &keys, 4).await;
    assert!(store.load(keys[0], None).await.unwrap().is_some());
    // And writes work again.
    let more = write_acknowledged(&store, "after-pause", 5).await;
    all_there(&store, &more, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_keeps_what_it_acknowledged() {
    let options = Options {
        durable: true,
        ..Options::default()
    };
    let Some(mut server) = RedisServer::start("redis_restarted", options) else {
        return;
    };
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_deadline(Duration::from_secs(2));
    let keys = write_acknowledged(&store, "restarted", 100).await;

    server.kill();
    // While Redis is down, calls fail typed and within their deadline: the
    // call that meets the dead connection may time out waiting for its
    // reply; once the connection is known broken, reconnecting is refused
    // at once.
    let mut unavailable = 0;
    for _ in 0..4 {
        let started = Instant::now();
        let answer = store.load(keys[0], None).await;
        eprintln!("while down: {answer:?} after {:?}", started.elapsed());
        match answer {
            Err(StoreError::Unavailable(_)) => unavailable += 1,
            Err(StoreError::Timeout) => {}
            other => panic!("while down: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_millis(2500));
    }
    assert!(
        unavailable >= 2,
        "connection refused was not reported as unavailable"
    );
    server.start_again();

    // The same store reconnects by itself.
    let failures = until_available(&store, keys[0], 50).await;
    eprintln!("failures after the restart, before the reconnect: {failures:?}");
    all_there(&store, &keys, 0).await;
    let more = write_acknowledged(&store, "after-restart", 5).await;
    all_there(&store, &more, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_dropped_connection_reconnects() {
    let Some(server) = RedisServer::start("redis_dropped", Options::default()) else {
        return;
    };
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_deadline(Duration::from_secs(2));
    let keys = write_acknowledged(&store, "dropped", 10).await;
    for round in 0..3 {
        let killed = server.cli(&["client", "kill", "type", "normal"]);
        let killed: usize = killed.trim().parse().unwrap_or(0);
        assert!(killed >= 1, "round {round}: no connection to kill");
        // At most the call that finds the connection broken fails, typed.
        let failures = until_available(&store, keys[0], 20).await;
        assert!(failures.len() <= 2, "round {round}: {failures:?}");
        all_there(&store, &keys, 0).await;
    }
    // A connection the server closes after it idled (`timeout 1`), the way
    // proxies and servers drop idle connections.
    assert_eq!(server.cli(&["config", "set", "timeout", "1"]).trim(), "OK");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let clients = server.cli(&["client", "list"]);
    assert_eq!(
        clients.lines().count(),
        1,
        "the idle connection is still open:\n{clients}"
    );
    let failures = until_available(&store, keys[0], 20).await;
    assert!(failures.len() <= 2, "after idling: {failures:?}");
    all_there(&store, &keys, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_at_start_is_unavailable_until_it_is_up() {
    let Some(mut server) = RedisServer::start("redis_down_at_start", Options::default()) else {
        return;
    };
    server.kill();
    let store = RedisStore::connect_lazy(&server.url())
        .unwrap()
        .with_deadline(Duration::from_secs(2));
    let probe = key("down", 0);
    let answer = store.load(probe, None).await;
    assert!(
        matches!(answer, Err(StoreError::Unavailable(_))),
        "{answer:?}"
    );
    assert!(RedisStore::connect(&server.url()).await.is_err());
    server.start_again();
    until_available(&store, probe, 50).await;
    let keys = write_acknowledged(&store, "up", 3).await;
    all_there(&store, &keys, 0).await;
}

/// The writer side of the `kill -9` test, run in a child process: many
/// tasks write records to the redb file named by the environment, and
/// print each one once it is acknowledged. Ignored in normal runs.
#[test]
#[ignore = "the child process of redb_killed_mid_stream_keeps_every_acknowledged_write"]
fn redb_writer_child() {
    let Some(path) = std::env::var_os("COOKIETIN_REDB_CHILD_FILE") else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = Arc::new(RedbStore::open(path).unwrap());
        let counter = Arc::new(AtomicUsize::new(0));
        let far = system_clock() + 3600;
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (store, counter) = (store.clone(), counter.clone());
            tasks.push(tokio::spawn(async move {
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(60) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let k = key("kill9", n);
                    let pad = "x".repeat(512);
                    let entries = one("n", &format!("\"{n}{pad}\""));
                    assert_eq!(store.create(k, &entries, far).await, Ok(Created::Created));
                    let line = format!("ack create {n}\n");
                    std::io::stdout().lock().write_all(line.as_bytes()).unwrap();
                    let mut changes = Changes::new();
                    changes.set("second", format!("\"{n}\""));
                    assert_eq!(store.update(k, &changes, far).await, Ok(Updated::Updated));
                    let line = format!("ack update {n}\n");
                    std::io::stdout().lock().write_all(line.as_bytes()).unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redb_killed_mid_stream_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.redb");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["redb_writer_child", "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("COOKIETIN_REDB_CHILD_FILE", &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut created = Vec::new();
    let mut updated = Vec::new();
    let mut line = String::new();
    let started = Instant::now();
    let mut read =
        |stdout: &mut BufReader<_>, created: &mut Vec<usize>, updated: &mut Vec<usize>| {
            line.clear();
            let n = stdout.read_line(&mut line).unwrap();
            // A line cut by the kill has no newline: not an acknowledgement.
            if n > 0 && line.ends_with('\n') {
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.as_slice() {
                    ["ack", "create", n] => created.push(n.parse().unwrap()),
                    ["ack", "update", n] => updated.push(n.parse().unwrap()),
                    _ => {}
                }
            }
            n > 0
        };
    // Kill it mid-stream, once it has acknowledged a good number of writes.
    while created.len() + updated.len() < 600 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child is too slow"
        );
        assert!(
            read(&mut stdout, &mut created, &mut updated),
            "the child stopped"
        );
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status}");
    // What it printed before the kill was acknowledged too.
    while read(&mut stdout, &mut created, &mut updated) {}
    eprintln!(
        "acknowledged before kill -9: {} creates, {} updates",
        created.len(),
        updated.len()
    );

    let store = RedbStore::open(&path).unwrap();
    let pad = "x".repeat(512);
    for n in &created {
        let record = store
            .load(key("kill9", *n), None)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged create {n} lost"));
        assert_eq!(record.entries["n"], format!("\"{n}{pad}\""));
    }
    for n in &updated {
        let record = store.load(key("kill9", *n), None).await.unwrap().unwrap();
        assert_eq!(
            record.entries.get("second"),
            Some(&format!("\"{n}\"")),
            "acknowledged update {n} lost"
        );
    }
}
