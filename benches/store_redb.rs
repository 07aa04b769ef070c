//! Acknowledged durable writes per second on a `RedbStore` with 64
//! concurrent writers, with group commit and with one commit per write.
//!
//! `cargo bench --features redb --bench store_redb`. Each writer updates
//! its own session record in a loop, each update awaited (acknowledged only
//! once fsynced). The modes alternate for three rounds of 3 s each; the
//! medians and their ratio are printed. The file lives in a temporary
//! directory (set TMPDIR to measure another disk).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cookietin::store::{
    system_clock, Changes, Created, Entries, RecordKey, RedbStore, Store, Updated,
};

const WRITERS: usize = 64;
const ROUND: Duration = Duration::from_secs(3);

async fn round(group_commit: bool) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        RedbStore::builder()
            .group_commit(group_commit)
            .open(dir.path().join("bench.redb"))
            .unwrap(),
    );
    let far = system_clock() + 3600;
    let entries = Entries::from([("user".to_owned(), "\"ada\"".to_owned())]);
    let keys: Vec<RecordKey> = (0..WRITERS)
        .map(|i| {
            let mut bytes = [0; 32];
            bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
            RecordKey::from_bytes(bytes)
        })
        .collect();
    for key in &keys {
        assert_eq!(
            store.create(*key, &entries, far).await,
            Ok(Created::Created)
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for key in keys {
        let (store, stop, acknowledged) = (store.clone(), stop.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut changes = Changes::new();
                changes.set("n", n.to_string());
                assert_eq!(store.update(key, &changes, far).await, Ok(Updated::Updated));
                acknowledged.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(ROUND).await;
    let count = acknowledged.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    count as f64 / elapsed.as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (mut grouped, mut single) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        for r in 0..3 {
            let g = round(true).await;
            let s = round(false).await;
            println!(
                "round {r}: group commit {g:.0} writes/s, one commit per write {s:.0} writes/s"
            );
            grouped.push(g);
            single.push(s);
        }
    });
    let (g, s) = (median(grouped), median(single));
    println!("{WRITERS} writers, medians: group commit {g:.0} writes/s, one commit per write {s:.0} writes/s, ratio {:.1}x", g / s);
}
