//! A store-backed session to measure: its first save, and the Cookie
//! header its returning visitor sends. Shared by the store benches.
#![allow(dead_code)]

use std::future::Future;
use std::hint::black_box;
use std::time::Instant;

use cookietin::store::{system_clock, Changes, RecordKey, Store, Updated};
use cookietin::{Engine, Stored};

use super::corpus::{Entries, CHROME, OTHER_COOKIES};

/// Saves `entries` and `n` as a new session, and answers the Cookie header
/// of its next request: a few unrelated cookies and the signed id.
pub async fn returning_visitor(engine: &Engine<Stored>, entries: &Entries, n: u64) -> String {
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME)).await;
    {
        let data = session.data_mut();
        for (k, v) in entries {
            data.insert_raw(k, v.clone());
        }
    }
    session.insert("n", &n).unwrap();
    let saved = engine.save(&mut session).await.unwrap();
    let pairs = saved
        .set_cookies
        .iter()
        .map(|line| line.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ");
    format!("{OTHER_COOKIES}; {pairs}")
}

/// A store's own calls for one request: load `record`, then update its
/// key `n` with a new expiry `max_age` seconds on.
pub async fn load_and_update(store: &dyn Store, record: RecordKey, n: u64, max_age: u64) {
    let loaded = store.load(record, None).await.unwrap().unwrap();
    black_box(&loaded);
    let mut changes = Changes::new();
    changes.set("n", n.to_string());
    let updated = store
        .update(record, &changes, system_clock() + max_age)
        .await;
    assert_eq!(updated, Ok(Updated::Updated));
}

/// Nanoseconds per call of the async `f`, over `n` calls on `runtime`.
pub fn per_call<F: Future<Output = ()>>(
    runtime: &tokio::runtime::Runtime,
    n: usize,
    f: impl Fn() -> F,
) -> f64 {
    runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..n {
            f().await;
        }
        start.elapsed().as_nanos() as f64 / n as f64
    })
}
