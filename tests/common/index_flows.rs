//! The per-user index flows, run on any store: `tests/index.rs` runs them
//! on `MemoryStore`, `tests/index_stores.rs` on a real redb file, a real
//! redis-server (one node and a cluster), a real PostgreSQL and a real
//! SQLite file. Each flow makes its engines over `fresh()`, a namespace of
//! its own on the store ([`Salted`]), so that flows and layouts sharing one
//! server never see each other's users.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cookietin::store::{
    Changes, Created, Entries, Record, RecordKey, Regenerated, Store, StoreFuture, Updated,
};
use cookietin::{EmptyReason, Engine, SaveError, Session, Stored};
use sha2::{Digest, Sha256};

use super::index_layouts::{Layout, LAYOUTS};
use super::*;

/// Makes a store for one engine: a fresh namespace.
pub type Fresh = dyn Fn() -> Arc<dyn Store>;

/// A store seen through a namespace: every key is hashed with a salt of
/// its own, so that one real server holds many tests' records apart.
pub struct Salted {
    inner: Arc<dyn Store>,
    salt: [u8; 16],
}

impl Salted {
    pub fn over(inner: Arc<dyn Store>) -> Arc<dyn Store> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut salt = [0u8; 16];
        salt[..8].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        salt[8..].copy_from_slice(&(nanos ^ u64::from(std::process::id())).to_le_bytes());
        Arc::new(Salted { inner, salt })
    }

    fn key(&self, key: RecordKey) -> RecordKey {
        let mut hash = Sha256::new();
        hash.update(self.salt);
        hash.update(key.as_bytes());
        RecordKey::from_bytes(hash.finalize().into())
    }
}

impl Store for Salted {
    fn create<'a>(&'a self, k: RecordKey, e: &'a Entries, x: u64) -> StoreFuture<'a, Created> {
        self.inner.create(self.key(k), e, x)
    }
    fn load(&self, k: RecordKey, t: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        self.inner.load(self.key(k), t)
    }
    fn update<'a>(&'a self, k: RecordKey, c: &'a Changes, x: u64) -> StoreFuture<'a, Updated> {
        self.inner.update(self.key(k), c, x)
    }
    fn delete(&self, k: RecordKey) -> StoreFuture<'_, bool> {
        self.inner.delete(self.key(k))
    }
    fn touch(&self, k: RecordKey, x: u64) -> StoreFuture<'_, bool> {
        self.inner.touch(self.key(k), x)
    }
    fn regenerate(&self, o: RecordKey, n: RecordKey, x: u64) -> StoreFuture<'_, Regenerated> {
        self.inner.regenerate(self.key(o), self.key(n), x)
    }
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.inner.sweep(now)
    }
}

/// Every flow below, in order, each with engines over `fresh()`.
pub async fn all(fresh: &Fresh) {
    a_login_lists_the_device_with_a_new_id_and_anonymous_sessions_never_enter(fresh).await;
    a_logout_takes_the_device_out_whether_destroyed_or_only_the_user_removed(fresh).await;
    one_device_or_all_others_end_and_load_revoked(fresh).await;
    a_request_in_flight_during_a_revocation_does_not_bring_the_session_back(fresh).await;
    a_read_only_request_in_flight_during_a_revocation_leaves_it_revoked(fresh).await;
    log_out_everywhere_holds_against_a_regenerate_in_flight(fresh).await;
    an_out_of_band_change_is_seen_next_and_never_lost_to_a_request_in_flight(fresh).await;
    opting_out_of_regenerate_on_login_keeps_the_old_ids_valid(fresh).await;
    a_login_past_the_cap_ends_the_least_recently_seen_session(fresh).await;
}

/// A device logs `user` in: one request that puts the user (and a cart,
/// a CSRF token and roles, so that every group has data) in.
pub async fn login(engine: &Engine<Stored>, jar: &mut Jar, user: &str) -> Session {
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
pub async fn next(engine: &Engine<Stored>, jar: &Jar) -> Session {
    engine.load([jar.header()], Some(CHROME)).await
}

/// A user capped at 3 sessions: the 4th login ends the least recently
/// seen one (not the oldest login), whose next request loads revoked.
pub async fn a_login_past_the_cap_ends_the_least_recently_seen_session(fresh: &Fresh) {
    for layout in LAYOUTS {
        let engine = layout
            .builder(fresh())
            .max_sessions_per_user(3)
            .last_seen_every(std::time::Duration::from_secs(1))
            .build()
            .unwrap();
        let mut jars = vec![Jar::default(), Jar::default(), Jar::default()];
        for jar in &mut jars {
            set_now(now() + 10);
            login(&engine, jar, "ada").await;
        }
        // The first device is seen again: the second is now the least
        // recently seen.
        set_now(now() + 10);
        visit_saved(&engine, &mut jars[0], |s| {
            let _ = s.get::<String>("user");
        })
        .await;
        set_now(now() + 10);
        let mut fourth = Jar::default();
        login(&engine, &mut fourth, "ada").await;
        let devices = engine.devices(&"ada", None).await.unwrap();
        assert_eq!(devices.len(), 3, "{layout:?}");
        let ended = next(&engine, &jars[1]).await;
        assert_eq!(
            ended.empty_reason(),
            Some(&EmptyReason::Revoked),
            "{layout:?}"
        );
        for jar in [&jars[0], &jars[2], &fourth] {
            let kept = next(&engine, jar).await;
            assert_eq!(
                kept.get::<String>("user").unwrap().as_deref(),
                Some("ada"),
                "{layout:?}"
            );
        }
    }
}

/// How a revocation in the race below ends the phone's session.
#[derive(Debug, Clone, Copy)]
enum Revoke {
    Device,
    Others,
    User,
}

pub async fn a_login_lists_the_device_with_a_new_id_and_anonymous_sessions_never_enter(
    fresh: &Fresh,
) {
    for layout in LAYOUTS {
        let engine = layout.engine(fresh());
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
}

pub async fn a_logout_takes_the_device_out_whether_destroyed_or_only_the_user_removed(
    fresh: &Fresh,
) {
    for layout in LAYOUTS {
        let engine = layout.engine(fresh());
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
}

pub async fn one_device_or_all_others_end_and_load_revoked(fresh: &Fresh) {
    for layout in LAYOUTS {
        let engine = layout.engine(fresh());
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
}

pub async fn a_request_in_flight_during_a_revocation_does_not_bring_the_session_back(
    fresh: &Fresh,
) {
    for layout in LAYOUTS {
        for how in [Revoke::Device, Revoke::Others, Revoke::User] {
            let engine = layout.engine(fresh());
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
}

pub async fn a_read_only_request_in_flight_during_a_revocation_leaves_it_revoked(fresh: &Fresh) {
    for layout in LAYOUTS {
        let engine = layout.engine(fresh());
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
}

pub async fn log_out_everywhere_holds_against_a_regenerate_in_flight(fresh: &Fresh) {
    let engine = Layout::Client.engine(fresh());
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
}

pub async fn an_out_of_band_change_is_seen_next_and_never_lost_to_a_request_in_flight(
    fresh: &Fresh,
) {
    for layout in LAYOUTS {
        let engine = layout.engine(fresh());
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

        // One device alone: the phone's roles change, the laptop's don't.
        let mut changes = Changes::new();
        changes.set("roles", r#"["admin"]"#);
        assert!(engine
            .update_device(&"ada", &handle, &changes)
            .await
            .unwrap());
        assert!(!engine
            .update_device(&"bob", &handle, &changes)
            .await
            .unwrap());
        let roles = |session: Session| session.get::<Vec<String>>("roles").unwrap().unwrap();
        assert_eq!(roles(next(&engine, &phone).await), ["admin"], "{layout:?}");
        assert_eq!(
            roles(next(&engine, &laptop).await),
            ["editor"],
            "{layout:?}"
        );
    }
}

pub async fn opting_out_of_regenerate_on_login_keeps_the_old_ids_valid(fresh: &Fresh) {
    for layout in [Layout::Client, Layout::Stored] {
        let engine = layout
            .builder(fresh())
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
}
