//! The per-user session index in every layout (revocable client-side,
//! overflowing and revocable, store-backed, and the demo's groups), on
//! `MemoryStore`: a login lists the device and gives the session a new id,
//! anonymous sessions never enter, one device or all but the current one
//! end, a revocation stays in force against a request that loaded before
//! it and saves after it, an out-of-band change is seen by the next
//! request and never lost to one in flight, and a request that is seen
//! again writes the index once per interval. The same flows run on redb,
//! Redis, Redis Cluster, PostgreSQL and SQLite in `tests/index_stores.rs`,
//! and the 10,000-session bound in `tests/index_bound.rs`.
#![cfg(feature = "store")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::index_flows::{self as flows, login};
use common::index_layouts::Layout;
use common::probe_store::ProbeStore;
use common::*;
use cookietin::store::{
    Changes, Created, Entries, MemoryStore, Record, RecordKey, Regenerated, Store, StoreError,
    StoreFuture, Updated,
};
use cookietin::SaveError;

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new().clock(now))
}

#[test]
fn a_login_lists_the_device_with_a_new_id_and_anonymous_sessions_never_enter() {
    block_on(
        flows::a_login_lists_the_device_with_a_new_id_and_anonymous_sessions_never_enter(&memory),
    );
}

#[test]
fn a_logout_takes_the_device_out_whether_destroyed_or_only_the_user_removed() {
    block_on(
        flows::a_logout_takes_the_device_out_whether_destroyed_or_only_the_user_removed(&memory),
    );
}

#[test]
fn one_device_or_all_others_end_and_load_revoked() {
    block_on(flows::one_device_or_all_others_end_and_load_revoked(
        &memory,
    ));
}

#[test]
fn a_request_in_flight_during_a_revocation_does_not_bring_the_session_back() {
    block_on(
        flows::a_request_in_flight_during_a_revocation_does_not_bring_the_session_back(&memory),
    );
}

#[test]
fn a_read_only_request_in_flight_during_a_revocation_leaves_it_revoked() {
    block_on(flows::a_read_only_request_in_flight_during_a_revocation_leaves_it_revoked(&memory));
}

#[test]
fn log_out_everywhere_holds_against_a_regenerate_in_flight() {
    block_on(flows::log_out_everywhere_holds_against_a_regenerate_in_flight(&memory));
}

#[test]
fn an_out_of_band_change_is_seen_next_and_never_lost_to_a_request_in_flight() {
    block_on(
        flows::an_out_of_band_change_is_seen_next_and_never_lost_to_a_request_in_flight(&memory),
    );
}

#[test]
fn opting_out_of_regenerate_on_login_keeps_the_old_ids_valid() {
    block_on(flows::opting_out_of_regenerate_on_login_keeps_the_old_ids_valid(&memory));
}

#[test]
fn a_login_past_the_cap_ends_the_least_recently_seen_session() {
    block_on(flows::a_login_past_the_cap_ends_the_least_recently_seen_session(&memory));
}

#[test]
fn a_request_seen_again_is_one_round_trip_and_writes_last_seen_once_per_interval() {
    block_on(async {
        for layout in [Layout::Client, Layout::Stored] {
            let probe = Arc::new(ProbeStore::default());
            let engine = layout
                .builder(probe.clone())
                .last_seen_every(std::time::Duration::from_secs(300))
                .build()
                .unwrap();
            let mut jar = Jar::default();
            let login_at = now();
            login(&engine, &mut jar, "ada").await;
            let calls = || probe.calls.load(Ordering::SeqCst);
            for step in [10, 100, 189] {
                set_now(now() + step);
                let before = calls();
                let (session, _) = visit_saved(&engine, &mut jar, |s| {
                    let _ = s.get::<String>("user");
                })
                .await;
                assert_eq!(session.empty_reason(), None);
                assert_eq!(calls() - before, 1, "{layout:?}: one store call");
            }
            let listed = engine.devices(&"ada", None).await.unwrap();
            assert_eq!(listed[0].last_seen, login_at, "not yet written");
            // 300 s after the login's write: written again, once.
            set_now(login_at + 300);
            let before = calls();
            visit_saved(&engine, &mut jar, |_| {}).await;
            assert_eq!(
                calls() - before,
                3,
                "{layout:?}: the load, last_seen, the expiry"
            );
            let before = calls();
            visit_saved(&engine, &mut jar, |_| {}).await;
            assert_eq!(calls() - before, 1, "{layout:?}");
            let listed = engine.devices(&"ada", None).await.unwrap();
            assert_eq!(listed[0].last_seen, login_at + 300, "{layout:?}");
        }
    });
}

/// A memory store whose loads fail while `down`: its writes go through.
#[derive(Default)]
struct LoadsDown {
    inner: MemoryStore,
    down: std::sync::atomic::AtomicBool,
}

impl Store for LoadsDown {
    fn create<'a>(&'a self, k: RecordKey, e: &'a Entries, x: u64) -> StoreFuture<'a, Created> {
        self.inner.create(k, e, x)
    }
    fn load(&self, k: RecordKey, t: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        if self.down.load(Ordering::SeqCst) {
            return Box::pin(async { Err(StoreError::Unavailable("refused".into())) });
        }
        self.inner.load(k, t)
    }
    fn update<'a>(&'a self, k: RecordKey, c: &'a Changes, x: u64) -> StoreFuture<'a, Updated> {
        self.inner.update(k, c, x)
    }
    fn delete(&self, k: RecordKey) -> StoreFuture<'_, bool> {
        self.inner.delete(k)
    }
    fn touch(&self, k: RecordKey, x: u64) -> StoreFuture<'_, bool> {
        self.inner.touch(k, x)
    }
    fn regenerate(&self, o: RecordKey, n: RecordKey, x: u64) -> StoreFuture<'_, Regenerated> {
        self.inner.regenerate(o, n, x)
    }
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.inner.sweep(now)
    }
}

#[test]
fn a_login_whose_index_write_fails_sends_no_cookie() {
    block_on(async {
        let store = Arc::new(LoadsDown::default());
        let engine = Layout::Stored.engine(store.clone());
        // The record is created, but the index can't be read: the save
        // fails, and no cookie names a session no list would show.
        store.down.store(true, Ordering::SeqCst);
        let mut jar = Jar::default();
        let (_, saved) =
            visit_async(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap()).await;
        assert!(matches!(
            saved,
            Err(SaveError::Store(StoreError::Unavailable(_)))
        ));
        assert!(jar.cookies.is_empty());
        store.down.store(false, Ordering::SeqCst);
        assert!(engine.devices(&"ada", None).await.unwrap().is_empty());
        let session = login(&engine, &mut jar, "ada").await;
        let devices = engine.devices(&"ada", Some(&session)).await.unwrap();
        assert_eq!(devices.len(), 1);
        assert!(devices[0].current);
    });
}

#[test]
fn the_index_needs_a_store_where_the_user_lives() {
    let err = builder(1)
        .overflow(memory())
        .user_key("user")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("index"), "{err}");
    let err = builder(1)
        .revocable(memory())
        .revoke_by_user("uid")
        .user_key("user")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("different"), "{err}");
    // Without an index, the API says so.
    block_on(async {
        let engine = builder(1).server_side(memory()).build().unwrap();
        assert!(engine.devices(&"ada", None).await.is_err());
    });
}

/// Every future of the index's API is `Send`, so that a multi-threaded
/// server (axum, `tokio::spawn`) can await it.
#[test]
fn the_index_api_futures_are_send() {
    fn send<T: Send>(_: T) {}
    let engine = Layout::Stored.engine(memory());
    let session = cookietin::SessionHandle::new(&engine, cookietin::Session::default());
    let plain = cookietin::Session::default();
    let changes = Changes::new();
    send(engine.devices(&"ada", Some(&plain)));
    send(engine.revoke_device(&"ada", "0011"));
    send(engine.revoke_other_devices(&plain));
    send(engine.device_data(&"ada", "0011"));
    send(engine.update_user_sessions(&"ada", &changes));
    send(engine.update_device(&"ada", "0011", &changes));
    send(engine.revoke_user(&"ada", None));
    send(session.devices());
    send(session.revoke_device("0011"));
    send(session.revoke_other_devices());
}
