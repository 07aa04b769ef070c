//! Store-backed sessions through the engine's framework-free async API, on
//! the in-process `MemoryStore` (the real backends run the same flows over
//! HTTP in `tests/server_side_http.rs`): the id cookie, per-key writes,
//! destroy and regenerate with requests in flight, idle expiry, a forged
//! cookie that never reaches the store, and a store that is down.
#![cfg(feature = "store")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::probe_store::ProbeStore;
use common::*;
use cookietin::store::{MemoryStore, Store, StoreError};
use cookietin::{EmptyReason, Engine, SaveAction, SaveError};

fn engine(store: impl Store + 'static) -> Engine<cookietin::Stored> {
    builder(1).server_side(store).build().unwrap()
}

/// The `name=value` pairs a response's Set-Cookie values leave in a jar.
#[test]
fn a_twenty_kilobyte_session_rides_under_a_cookie_of_under_200_bytes() {
    block_on(async {
        let store = Arc::new(MemoryStore::new().clock(now));
        let engine = engine(store.clone());
        let mut jar = Jar::default();
        // Anonymous traffic creates no record and no cookie.
        let (_, saved) = visit_async(&engine, &mut jar, |s| {
            let _ = s.get::<String>("user");
        })
        .await;
        assert!(saved.unwrap().set_cookies.is_empty());
        assert_eq!(store.len(), 0);

        let blob = random_text(1, 20_000);
        let (_, saved) = visit_async(&engine, &mut jar, |s| s.insert("blob", &blob).unwrap()).await;
        let saved = saved.unwrap();
        assert_eq!(saved.report.action, SaveAction::Written);
        assert_eq!(saved.set_cookies.len(), 1);
        let pair = saved.set_cookies[0].split(';').next().unwrap();
        assert!(pair.len() < 200, "{pair}");
        assert_eq!(store.len(), 1);

        let (session, _) = visit_async(&engine, &mut jar, |_| {}).await;
        assert_eq!(session.empty_reason(), None);
        assert_eq!(session.get::<String>("blob").unwrap(), Some(blob));
    });
}

#[test]
fn concurrent_changes_of_different_keys_both_persist_and_one_key_ends_with_one_value() {
    block_on(async {
        let engine = engine(MemoryStore::new().clock(now));
        let mut jar = Jar::default();
        visit_async(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap())
            .await
            .1
            .unwrap();
        let header = jar.header();
        // Two requests load the same state, then save in turn.
        let mut a = engine.load([&header], Some(CHROME)).await;
        let mut b = engine.load([&header], Some(CHROME)).await;
        a.insert("cart", &["pear"]).unwrap();
        a.insert("theme", &"dark").unwrap();
        b.insert("flash", &"saved").unwrap();
        b.insert("theme", &"light").unwrap();
        b.remove("user");
        engine.save(&mut a).await.unwrap();
        engine.save(&mut b).await.unwrap();
        let (after, _) = visit_async(&engine, &mut jar, |_| {}).await;
        assert_eq!(
            after.get::<Vec<String>>("cart").unwrap(),
            Some(vec!["pear".to_owned()])
        );
        assert_eq!(
            after.get::<String>("flash").unwrap().as_deref(),
            Some("saved")
        );
        assert_eq!(
            after.get::<String>("theme").unwrap().as_deref(),
            Some("light")
        );
        assert!(!after.contains_key("user"));
    });
}

#[test]
fn destroy_kills_every_copy_and_a_save_in_flight_never_brings_it_back() {
    block_on(async {
        let store = Arc::new(MemoryStore::new().clock(now));
        let engine = engine(store.clone());
        let mut jar = Jar::default();
        visit_async(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap())
            .await
            .1
            .unwrap();
        let stolen = jar.header();
        let mut in_flight = engine.load([&stolen], Some(CHROME)).await;

        let (_, saved) = visit_async(&engine, &mut jar, |s| s.destroy()).await;
        let saved = saved.unwrap();
        assert_eq!(saved.report.action, SaveAction::Cleared);
        assert!(saved.set_cookies[0].contains("Max-Age=0"));
        assert_eq!(store.len(), 0);

        in_flight.insert("cart", &["pear"]).unwrap();
        assert_eq!(
            engine.save(&mut in_flight).await.unwrap_err(),
            SaveError::SessionGone
        );
        assert_eq!(store.len(), 0);

        let replayed = engine.load([&stolen], Some(CHROME)).await;
        assert!(replayed.is_empty());
        assert_eq!(replayed.empty_reason(), Some(&EmptyReason::RecordGone));
        // The copy's next save expires it.
        let mut replayed = replayed;
        let saved = engine.save(&mut replayed).await.unwrap();
        assert_eq!(saved.report.action, SaveAction::Cleared);
        // A new session on that request gets a new id, not the old one.
        let mut fresh = engine.load([&stolen], Some(CHROME)).await;
        fresh.insert("cart", &["fig"]).unwrap();
        let saved = engine.save(&mut fresh).await.unwrap();
        let pair = saved
            .set_cookies
            .iter()
            .find(|l| !l.contains("Max-Age=0"))
            .unwrap();
        assert_ne!(pair.split(';').next().unwrap(), stolen);
        assert_eq!(
            engine.load([&stolen], None).await.empty_reason(),
            Some(&EmptyReason::RecordGone)
        );
    });
}

#[test]
fn regenerate_moves_the_data_to_a_new_id_and_the_old_one_stops_working() {
    block_on(async {
        let engine = engine(MemoryStore::new().clock(now));
        let mut jar = Jar::default();
        visit_async(&engine, &mut jar, |s| s.insert("cart", &["pear"]).unwrap())
            .await
            .1
            .unwrap();
        let old = jar.header();
        let mut in_flight = engine.load([&old], Some(CHROME)).await;

        // Login: a new id, the same data, plus the user.
        let (_, saved) = visit_async(&engine, &mut jar, |s| {
            s.regenerate();
            s.insert("user", &"ada").unwrap();
        })
        .await;
        assert_eq!(saved.unwrap().report.action, SaveAction::Written);
        let new = jar.header();
        assert_ne!(new, old);
        let session = engine.load([&new], None).await;
        assert_eq!(
            session.get::<Vec<String>>("cart").unwrap(),
            Some(vec!["pear".to_owned()])
        );
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
        assert_eq!(
            engine.load([&old], None).await.empty_reason(),
            Some(&EmptyReason::RecordGone)
        );
        // A request that loaded the old id can't write under it any more.
        in_flight.insert("theme", &"dark").unwrap();
        assert_eq!(
            engine.save(&mut in_flight).await.unwrap_err(),
            SaveError::SessionGone
        );
    });
}

#[test]
fn an_idle_timeout_expires_unused_sessions_and_a_read_extends_it() {
    block_on(async {
        let store = MemoryStore::new().clock(now);
        let engine = builder(1)
            .server_side(store)
            .idle_timeout(Duration::from_secs(600))
            .build()
            .unwrap();
        let mut jar = Jar::default();
        visit_async(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap())
            .await
            .1
            .unwrap();
        // Reads every 500 s keep it alive well past 600 s.
        for _ in 0..4 {
            set_now(now() + 500);
            let (session, _) = visit_async(&engine, &mut jar, |s| {
                let _ = s.get::<String>("user");
            })
            .await;
            assert_eq!(
                session.get::<String>("user").unwrap().as_deref(),
                Some("ada")
            );
        }
        set_now(now() + 601);
        let (session, _) = visit_async(&engine, &mut jar, |_| {}).await;
        assert_eq!(session.empty_reason(), Some(&EmptyReason::RecordGone));
    });
}

#[test]
fn a_forged_or_unsigned_id_never_reaches_the_store() {
    block_on(async {
        let probe = Arc::new(ProbeStore::default());
        let engine = engine(probe.clone());
        let other = builder(2).server_side(MemoryStore::new()).build().unwrap();
        let mut jar = Jar::default();
        visit_async(&other, &mut jar, |s| s.insert("user", &"mallory").unwrap())
            .await
            .1
            .unwrap();
        for header in [
            jar.header(),
            "session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
            "session=EQFrSdIAq4Z5".to_owned(),
        ] {
            let session = engine.load([&header], None).await;
            assert!(session.is_empty());
            assert!(session.empty_reason().is_some(), "{header}");
        }
        assert_eq!(probe.calls.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn a_store_that_is_down_fails_saves_loudly_and_reads_quietly_and_nothing_is_lost() {
    block_on(async {
        let probe = Arc::new(ProbeStore::default());
        let engine = engine(probe.clone());
        let mut jar = Jar::default();
        visit_async(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap())
            .await
            .1
            .unwrap();
        let before = jar.clone();

        probe.down.store(true, Ordering::SeqCst);
        let (session, saved) = visit_async(&engine, &mut jar, |s| {
            let _ = s.get::<String>("user");
        })
        .await;
        assert!(matches!(
            session.empty_reason(),
            Some(EmptyReason::StoreUnavailable(_))
        ));
        assert!(
            saved.unwrap().set_cookies.is_empty(),
            "a read leaves the cookie alone"
        );
        let (_, saved) =
            visit_async(&engine, &mut jar, |s| s.insert("cart", &["pear"]).unwrap()).await;
        assert!(matches!(
            saved,
            Err(SaveError::Store(StoreError::Unavailable(_)))
        ));
        assert_eq!(
            jar.header(),
            before.header(),
            "the cookie is left as it was"
        );

        probe.down.store(false, Ordering::SeqCst);
        let (session, _) = visit_async(&engine, &mut jar, |_| {}).await;
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
    });
}

#[test]
fn a_client_side_cookie_moves_into_the_store_on_its_next_save() {
    block_on(async {
        let client = builder(1).build().unwrap();
        let store = Arc::new(MemoryStore::new().clock(now));
        let server = engine(store.clone());
        let mut jar = Jar::default();
        let mut session = client.load([jar.header()], None);
        session.insert("cart", &["pear"]).unwrap();
        jar.apply(&client.save(&mut session).unwrap().set_cookies);

        let (session, saved) =
            visit_async(&server, &mut jar, |s| s.insert("theme", &"dark").unwrap()).await;
        assert_eq!(
            session.get::<Vec<String>>("cart").unwrap().unwrap(),
            ["pear"]
        );
        assert_eq!(saved.unwrap().report.action, SaveAction::Written);
        assert_eq!(store.len(), 1);
        let (session, _) = visit_async(&server, &mut jar, |_| {}).await;
        assert_eq!(
            session.get::<Vec<String>>("cart").unwrap().unwrap(),
            ["pear"]
        );
        assert_eq!(
            session.get::<String>("theme").unwrap().as_deref(),
            Some("dark")
        );
    });
}

/// Values a store returns are parsed where they are read, not at load: a
/// value that is not JSON (written by another program) is an error for
/// its key alone, the rest of the session loads, and a save writes back
/// only what changed, so the store's text is left as it was.
#[test]
fn a_store_value_that_is_not_json_spoils_its_key_alone() {
    block_on(async {
        let store = Arc::new(ProbeStore::default());
        let engine = engine(store.clone());
        let mut jar = Jar::default();
        visit_async(&engine, &mut jar, |s| {
            s.insert("user", &"ada").unwrap();
            s.insert("cart", &["pear"]).unwrap();
        })
        .await
        .1
        .unwrap();
        let key = store.created.lock().unwrap().expect("a record was created");
        let expires = now() + 3600;
        let mut changes = cookietin::store::Changes::new();
        changes.set("bad", "{not json").set("padded", " [1] ");
        assert_eq!(
            store.inner.update(key, &changes, expires).await,
            Ok(cookietin::store::Updated::Updated)
        );

        let (session, saved) = visit_async(&engine, &mut jar, |s| {
            s.insert("theme", &"dark").unwrap();
        })
        .await;
        saved.unwrap();
        assert_eq!(session.empty_reason(), None);
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
        assert!(session.get::<serde_json::Value>("bad").is_err());
        assert_eq!(session.get::<Vec<u8>>("padded").unwrap(), Some(vec![1]));
        assert!(session.contains_key("bad"));
        let raw = session.data();
        assert!(raw.get_raw("bad").is_none());
        assert_eq!(raw.get_raw("padded").map(|r| r.get()), Some("[1]"));
        let listed: Vec<&str> = raw.iter().map(|(k, _)| k).collect();
        assert_eq!(listed, ["cart", "padded", "theme", "user"]);

        let record = store.inner.load(key, None).await.unwrap().unwrap();
        assert_eq!(record.entries["bad"], "{not json", "left as it was");
        assert_eq!(record.entries["theme"], r#""dark""#);
        assert_eq!(record.entries["user"], r#""ada""#);
    });
}
