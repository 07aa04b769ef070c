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

use common::index_layouts::{Layout, LAYOUTS};
use common::probe_store::ProbeStore;
use common::*;
use cookietin::store::{
    Changes, Created, Entries, MemoryStore, Record, RecordKey, Regenerated, Store, StoreError,
    StoreFuture, Updated,
};
use cookietin::{EmptyReason, Engine, SaveError, Session, Stored};

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new().clock(now))
}

/// A device logs `user` in: one request that puts the user (and a cart,
/// a CSRF token and roles, so that every group has data) in.
async fn login(engine: &Engine<Stored>, jar: &mut Jar, user: &str) -> Session {
    let (session, saved) = visit_async(engine, jar, |s| {
        s.insert("user", &user).unwrap();
        s.insert("cart", &["pear"]).unwrap();
        s.insert("csrf_token", &"t0k3n").unwrap();
        s.insert("roles", &["reader"]).unwrap();
    })
    .await;
    saved.unwrap();
    session
}

/// The session a jar's next request loads.
async fn next(engine: &Engine<Stored>, jar: &Jar) -> Session {
    engine.load([jar.header()], Some(CHROME)).await
}

#[test]
fn a_login_lists_the_device_with_a_new_id_and_anonymous_sessions_never_enter() {
    block_on(async {
        for layout in LAYOUTS {
            let engine = layout.engine(memory());
            let mut jar = Jar::default();
            // Anonymous: a cart, no user.
            visit_saved(&engine, &mut jar, |s| s.insert("cart", &["fig"]).unwrap()).await;
            assert!(engine.devices(&"ada", None).await.unwrap().is_empty());
            let planted = jar.clone();

            let session = login(&engine, &mut jar, "ada").await;
            let devices = engine.devices(&"ada", Some(&session)).await.unwrap();
            assert_eq!(devices.len(), 1, "{layout:?}");
            let device = &devices[0];
            assert!(device.current, "{layout:?}");
            assert_eq!(
                (device.browser.as_str(), device.os.as_str()),
                ("Chrome", "Linux")
            );
            assert_eq!((device.created, device.last_seen), (now(), now()));
            assert_eq!(
                engine.device_handle(&session).as_ref(),
                Some(&device.handle)
            );
            // The handle is no cookie value.
            assert!(!jar.header().contains(&device.handle), "{layout:?}");

            // Fixation: the id planted before the login no longer works.
            assert_ne!(planted.header(), jar.header(), "{layout:?}");
            let old = next(&engine, &planted).await;
            assert!(old.get::<String>("user").unwrap().is_none(), "{layout:?}");
            let mine = next(&engine, &jar).await;
            assert_eq!(mine.get::<String>("user").unwrap().as_deref(), Some("ada"));
            assert_eq!(
                mine.get::<Vec<String>>("cart").unwrap().unwrap(),
                ["pear"],
                "{layout:?}: the login kept the data"
            );
            assert!(engine.devices(&"bob", None).await.unwrap().is_empty());
        }
    });
}

#[test]
fn a_logout_takes_the_device_out_whether_destroyed_or_only_the_user_removed() {
    block_on(async {
        for layout in LAYOUTS {
            let engine = layout.engine(memory());
            let (mut laptop, mut phone) = (Jar::default(), Jar::default());
            login(&engine, &mut laptop, "ada").await;
            login(&engine, &mut phone, "ada").await;
            assert_eq!(engine.devices(&"ada", None).await.unwrap().len(), 2);
            visit_saved(&engine, &mut laptop, |s| s.destroy()).await;
            assert_eq!(engine.devices(&"ada", None).await.unwrap().len(), 1);
            visit_saved(&engine, &mut phone, |s| {
                s.remove("user");
            })
            .await;
            assert!(
                engine.devices(&"ada", None).await.unwrap().is_empty(),
                "{layout:?}"
            );
            // The phone's session goes on, anonymous.
            let phone_now = next(&engine, &phone).await;
            assert_eq!(phone_now.empty_reason(), None, "{layout:?}");
        }
    });
}

#[test]
fn one_device_or_all_others_end_and_load_revoked() {
    block_on(async {
        for layout in LAYOUTS {
            let engine = layout.engine(memory());
            let (mut laptop, mut phone, mut tablet, mut bob) = (
                Jar::default(),
                Jar::default(),
                Jar::default(),
                Jar::default(),
            );
            let me = login(&engine, &mut laptop, "ada").await;
            let on_phone = login(&engine, &mut phone, "ada").await;
            login(&engine, &mut tablet, "ada").await;
            login(&engine, &mut bob, "bob").await;
            let phone_handle = engine.device_handle(&on_phone).unwrap();
            // Another user's handle ends nothing.
            assert!(!engine.revoke_device(&"bob", &phone_handle).await.unwrap());
            assert!(engine.revoke_device(&"ada", &phone_handle).await.unwrap());
            let revoked = next(&engine, &phone).await;
            assert!(revoked.is_empty(), "{layout:?}");
            assert_eq!(
                revoked.empty_reason(),
                Some(&EmptyReason::Revoked),
                "{layout:?}"
            );

            assert_eq!(engine.revoke_other_devices(&me).await.unwrap(), 1);
            let revoked = next(&engine, &tablet).await;
            assert_eq!(
                revoked.empty_reason(),
                Some(&EmptyReason::Revoked),
                "{layout:?}"
            );
            let mine = next(&engine, &laptop).await;
            assert_eq!(mine.get::<String>("user").unwrap().as_deref(), Some("ada"));
            let devices = engine.devices(&"ada", Some(&mine)).await.unwrap();
            assert_eq!(devices.len(), 1);
            assert!(devices[0].current);
            let bobs = next(&engine, &bob).await;
            assert_eq!(bobs.get::<String>("user").unwrap().as_deref(), Some("bob"));
        }
    });
}

/// How a revocation in the race below ends the phone's session.
#[derive(Debug, Clone, Copy)]
enum Revoke {
    Device,
    Others,
    User,
}

#[test]
fn a_request_in_flight_during_a_revocation_does_not_bring_the_session_back() {
    block_on(async {
        for layout in LAYOUTS {
            for how in [Revoke::Device, Revoke::Others, Revoke::User] {
                let engine = layout.engine(memory());
                let (mut laptop, mut phone) = (Jar::default(), Jar::default());
                let me = login(&engine, &mut laptop, "ada").await;
                let on_phone = login(&engine, &mut phone, "ada").await;
                set_now(now() + 5);
                // A request of the phone loads...
                let mut in_flight = next(&engine, &phone).await;
                assert_eq!(in_flight.empty_reason(), None);
                // ...the phone is signed out...
                match how {
                    Revoke::Device => {
                        let handle = engine.device_handle(&on_phone).unwrap();
                        assert!(engine.revoke_device(&"ada", &handle).await.unwrap());
                    }
                    Revoke::Others => {
                        assert_eq!(engine.revoke_other_devices(&me).await.unwrap(), 1)
                    }
                    Revoke::User => engine.revoke_user(&"ada", None).await.unwrap(),
                }
                // ...and the request saves after, changing the session.
                set_now(now() + 5);
                in_flight.insert("cart", &["late"]).unwrap();
                in_flight.insert("roles", &["admin"]).unwrap();
                match engine.save(&mut in_flight).await {
                    Ok(saved) => {
                        assert!(!layout.keeps_data_in_store(), "{layout:?} {how:?}");
                        // A client-side session is re-issued, with a new
                        // issued-at time and its old login time.
                        assert!(!saved.set_cookies.is_empty());
                        phone.apply(&saved.set_cookies);
                    }
                    Err(e) => {
                        assert_eq!(e, SaveError::SessionGone, "{layout:?} {how:?}");
                    }
                }
                let after = next(&engine, &phone).await;
                assert!(after.is_empty(), "{layout:?} {how:?}");
                assert_eq!(
                    after.empty_reason(),
                    Some(&EmptyReason::Revoked),
                    "{layout:?} {how:?}"
                );
                if !matches!(how, Revoke::User) {
                    let mine = next(&engine, &laptop).await;
                    assert_eq!(mine.empty_reason(), None, "{layout:?} {how:?}");
                }
            }
        }
    });
}

#[test]
fn a_read_only_request_in_flight_during_a_revocation_leaves_it_revoked() {
    block_on(async {
        for layout in LAYOUTS {
            let engine = layout.engine(memory());
            let mut phone = Jar::default();
            let session = login(&engine, &mut phone, "ada").await;
            let mut in_flight = next(&engine, &phone).await;
            let handle = engine.device_handle(&session).unwrap();
            engine.revoke_device(&"ada", &handle).await.unwrap();
            let _ = in_flight.get::<String>("user");
            let saved = engine.save(&mut in_flight).await.unwrap();
            phone.apply(&saved.set_cookies);
            let after = next(&engine, &phone).await;
            assert_eq!(
                after.empty_reason(),
                Some(&EmptyReason::Revoked),
                "{layout:?}"
            );
            assert!(engine.devices(&"ada", None).await.unwrap().is_empty());
        }
    });
}

#[test]
fn log_out_everywhere_holds_against_a_regenerate_in_flight() {
    block_on(async {
        let engine = Layout::Client.engine(memory());
        let mut phone = Jar::default();
        login(&engine, &mut phone, "ada").await;
        set_now(now() + 5);
        let mut in_flight = next(&engine, &phone).await;
        engine.revoke_user(&"ada", None).await.unwrap();
        set_now(now() + 5);
        // A new id, kept logged in: it keeps the login time of the old one.
        in_flight.regenerate();
        let saved = engine.save(&mut in_flight).await.unwrap();
        let before = phone.header();
        phone.apply(&saved.set_cookies);
        assert_ne!(phone.header(), before, "a new id");
        let after = next(&engine, &phone).await;
        assert_eq!(after.empty_reason(), Some(&EmptyReason::Revoked));
    });
}

#[test]
fn an_out_of_band_change_is_seen_next_and_never_lost_to_a_request_in_flight() {
    block_on(async {
        for layout in LAYOUTS {
            let engine = layout.engine(memory());
            let (mut laptop, mut phone) = (Jar::default(), Jar::default());
            login(&engine, &mut laptop, "ada").await;
            let on_phone = login(&engine, &mut phone, "ada").await;
            let mut in_flight = next(&engine, &phone).await;
            in_flight.insert("cart", &["pear", "fig"]).unwrap();

            let mut changes = Changes::new();
            changes.set("roles", r#"["editor"]"#);
            let changed = engine.update_user_sessions(&"ada", &changes).await.unwrap();
            let handle = engine.device_handle(&on_phone).unwrap();
            let data = engine.device_data(&"ada", &handle).await.unwrap();
            if !layout.keeps_data_in_store() {
                // The data of a client-side session is in its cookies.
                assert_eq!(changed, 0, "{layout:?}");
                assert!(data.is_none());
                continue;
            }
            assert_eq!(changed, 2, "{layout:?}: both devices");
            let data = data.unwrap();
            assert_eq!(
                data.get::<Vec<String>>("roles").unwrap().unwrap(),
                ["editor"]
            );

            let saved = engine.save(&mut in_flight).await.unwrap();
            phone.apply(&saved.set_cookies);
            for jar in [&phone, &laptop] {
                let session = next(&engine, jar).await;
                assert_eq!(
                    session.get::<Vec<String>>("roles").unwrap().unwrap(),
                    ["editor"],
                    "{layout:?}"
                );
            }
            let session = next(&engine, &phone).await;
            assert_eq!(
                session.get::<Vec<String>>("cart").unwrap().unwrap(),
                ["pear", "fig"],
                "{layout:?}: the request in flight kept its own change"
            );
            // A key that lives in cookies can't change without a request.
            let mut changes = Changes::new();
            changes.set("theme", r#""dark""#);
            let changed = engine.update_user_sessions(&"ada", &changes).await.unwrap();
            let expected = if layout == Layout::Stored { 2 } else { 0 };
            assert_eq!(changed, expected, "{layout:?}");
        }
    });
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

#[test]
fn opting_out_of_regenerate_on_login_keeps_the_old_ids_valid() {
    block_on(async {
        for layout in [Layout::Client, Layout::Stored] {
            let engine = layout
                .builder(memory())
                .regenerate_on_login(false)
                .build()
                .unwrap();
            let mut jar = Jar::default();
            visit_saved(&engine, &mut jar, |s| s.insert("cart", &["fig"]).unwrap()).await;
            let before = jar.clone();
            let session = login(&engine, &mut jar, "ada").await;
            assert_eq!(
                engine.devices(&"ada", Some(&session)).await.unwrap().len(),
                1
            );
            let old = next(&engine, &before).await;
            match layout {
                // The same id: the old cookie is the session.
                Layout::Stored => {
                    assert_eq!(before.header(), jar.header());
                    assert_eq!(old.get::<String>("user").unwrap().as_deref(), Some("ada"));
                }
                // A new id (it carries the login time); the old copy is
                // still the anonymous session, not retired.
                _ => {
                    assert_ne!(before.header(), jar.header());
                    assert_eq!(old.empty_reason(), None);
                    assert!(old.get::<String>("user").unwrap().is_none());
                }
            }
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
