//! A user with 10,000 sessions, counted by a store that counts its calls:
//! a request of one of them is still one store round trip, the index
//! holds 10,000 entries, and a login past them ends the least recently
//! seen session, whose next request loads revoked.
#![cfg(feature = "store")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use common::index_layouts::Layout;
use common::probe_store::ProbeStore;
use common::*;
use cookietin::store::MemoryStore;
use cookietin::{EmptyReason, Engine, Stored};

const SESSIONS: usize = 10_000;

/// A new device logs the user in, one second after the last.
async fn login(engine: &Engine<Stored>, user: &str) -> Jar {
    set_now(now() + 1);
    let mut jar = Jar::default();
    visit_saved(engine, &mut jar, |s| s.insert("user", &user).unwrap()).await;
    jar
}

// Seeding 10,000 logins reads a growing index each time (about 45 s in a
// release build, many minutes unoptimised): `.ci/run` runs it with
// `--release`, and a debug `cargo test` skips it.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "slow unoptimised: cargo test --release --features store --test index_bound"
)]
fn ten_thousand_sessions_of_one_user_keep_a_request_at_one_round_trip() {
    block_on(async {
        for layout in [Layout::Stored, Layout::Client] {
            // Room for every session's record, and the index's.
            let probe = Arc::new(ProbeStore {
                inner: MemoryStore::new().clock(now).max_records(4 * SESSIONS),
                ..ProbeStore::default()
            });
            let engine = layout.engine(probe.clone());
            let started = Instant::now();
            let oldest = login(&engine, "ada").await;
            let second = login(&engine, "ada").await;
            for _ in 2..SESSIONS - 1 {
                login(&engine, "ada").await;
            }
            let newest = login(&engine, "ada").await;
            let seeded = started.elapsed();
            assert_eq!(
                engine.devices(&"ada", None).await.unwrap().len(),
                SESSIONS,
                "{layout:?}"
            );

            // A request of the newest session (its sighting written by its
            // login): one store call, the record or the user record.
            let calls = || probe.calls.load(Ordering::SeqCst);
            let mut jar = newest.clone();
            let before = calls();
            let (session, _) = visit_saved(&engine, &mut jar, |s| {
                let _ = s.get::<String>("user");
            })
            .await;
            assert_eq!(
                session.get::<String>("user").unwrap().as_deref(),
                Some("ada")
            );
            assert_eq!(calls() - before, 1, "{layout:?}: one round trip");

            // The 10,001st login ends the least recently seen session.
            let before = calls();
            login(&engine, "ada").await;
            let login_calls = calls() - before;
            let devices = engine.devices(&"ada", None).await.unwrap();
            assert_eq!(devices.len(), SESSIONS, "{layout:?}");
            let ended = engine.load([oldest.header()], Some(CHROME)).await;
            assert_eq!(
                ended.empty_reason(),
                Some(&EmptyReason::Revoked),
                "{layout:?}"
            );
            let kept = engine.load([second.header()], Some(CHROME)).await;
            assert_eq!(kept.empty_reason(), None, "{layout:?}");
            eprintln!(
                "{layout:?}: {SESSIONS} logins in {seeded:?}; a request: 1 store call; \
                 the login past the cap: {login_calls} store calls"
            );
        }
    });
}
