//! Revocation of client-side sessions: a destroy logs out every copy of
//! the cookie, a regenerate retires the old id, a user can be logged out
//! everywhere, and a store outage logs nobody out (the check fails open
//! and says so). One store lookup per load, counted.
#![cfg(feature = "store")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::probe_store::ProbeStore;
use common::*;
use cookietin::{EmptyReason, Engine, SaveAction};

fn engine(store: Arc<ProbeStore>) -> Engine<cookietin::Stored> {
    builder(1)
        .revocable(store)
        .revoke_by_user("user")
        .build()
        .unwrap()
}

#[test]
fn destroy_revokes_every_copy_with_or_without_a_user() {
    block_on(async {
        let store = Arc::new(ProbeStore::default());
        let engine = engine(store.clone());
        for user in [false, true] {
            let mut jar = Jar::default();
            visit_saved(&engine, &mut jar, |s| {
                s.insert("cart", &["pear"]).unwrap();
                if user {
                    s.insert("user", &"ada").unwrap();
                }
            })
            .await;
            let stolen = jar.header();
            let before = store.loads.load(Ordering::SeqCst);
            let copy = engine.load([&stolen], None).await;
            assert_eq!(copy.get::<Vec<String>>("cart").unwrap().unwrap(), ["pear"]);
            assert_eq!(
                store.loads.load(Ordering::SeqCst) - before,
                1,
                "one lookup per load"
            );

            visit_saved(&engine, &mut jar, |s| s.destroy()).await;
            assert!(jar.cookies.is_empty());
            let mut copy = engine.load([&stolen], None).await;
            assert!(copy.is_empty(), "user: {user}");
            assert_eq!(copy.empty_reason(), Some(&EmptyReason::Revoked));
            // Its next response expires it.
            let saved = engine.save(&mut copy).await.unwrap();
            assert_eq!(saved.report.action, SaveAction::Cleared);
        }
    });
}

#[test]
fn a_copy_taken_before_login_is_revoked_by_a_logout_after_it() {
    block_on(async {
        let engine = engine(Arc::new(ProbeStore::default()));
        let mut jar = Jar::default();
        visit_saved(&engine, &mut jar, |s| s.insert("cart", &["pear"]).unwrap()).await;
        let anonymous = jar.header();
        visit_saved(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap()).await;
        visit_saved(&engine, &mut jar, |s| s.destroy()).await;
        let copy = engine.load([&anonymous], None).await;
        assert_eq!(copy.empty_reason(), Some(&EmptyReason::Revoked));
    });
}

#[test]
fn regenerate_retires_the_old_id() {
    block_on(async {
        let engine = engine(Arc::new(ProbeStore::default()));
        let mut jar = Jar::default();
        visit_saved(&engine, &mut jar, |s| s.insert("cart", &["pear"]).unwrap()).await;
        let old = jar.header();
        visit_saved(&engine, &mut jar, |s| {
            s.regenerate();
            s.insert("user", &"ada").unwrap();
        })
        .await;
        assert_ne!(jar.header(), old);
        let fresh = engine.load([jar.header()], None).await;
        assert_eq!(fresh.get::<Vec<String>>("cart").unwrap().unwrap(), ["pear"]);
        assert_eq!(
            engine.load([&old], None).await.empty_reason(),
            Some(&EmptyReason::Revoked)
        );
    });
}

/// A logout that removes every key, then regenerates: the app asked for
/// the old id to end, so a copy of the old cookie loads revoked, not with
/// its data (found by the `id_envelope` fuzz target).
#[test]
fn regenerate_of_an_emptied_session_revokes_the_old_copy() {
    block_on(async {
        let engine = engine(Arc::new(ProbeStore::default()));
        let mut jar = Jar::default();
        visit_saved(&engine, &mut jar, |s| s.insert("cart", &["pear"]).unwrap()).await;
        let old = jar.header();
        visit_saved(&engine, &mut jar, |s| {
            s.remove("cart");
            s.regenerate();
        })
        .await;
        assert!(jar.cookies.is_empty());
        let copy = engine.load([&old], None).await;
        assert!(copy.is_empty());
        assert_eq!(copy.empty_reason(), Some(&EmptyReason::Revoked));
    });
}

#[test]
fn log_out_everywhere_revokes_a_users_sessions_issued_before_it() {
    block_on(async {
        let engine = engine(Arc::new(ProbeStore::default()));
        let (mut phone, mut laptop, mut other) = (Jar::default(), Jar::default(), Jar::default());
        visit_saved(&engine, &mut phone, |s| s.insert("user", &"ada").unwrap()).await;
        visit_saved(&engine, &mut laptop, |s| s.insert("user", &"ada").unwrap()).await;
        visit_saved(&engine, &mut other, |s| s.insert("user", &"bob").unwrap()).await;
        set_now(now() + 10);
        engine.revoke_user(&"ada", None).await.unwrap();
        for jar in [&phone, &laptop] {
            let s = engine.load([jar.header()], None).await;
            assert_eq!(s.empty_reason(), Some(&EmptyReason::Revoked));
        }
        let bob = engine.load([other.header()], None).await;
        assert_eq!(bob.get::<String>("user").unwrap().as_deref(), Some("bob"));
        // Logging in again afterwards works.
        set_now(now() + 10);
        let mut again = Jar::default();
        visit_saved(&engine, &mut again, |s| s.insert("user", &"ada").unwrap()).await;
        let s = engine.load([again.header()], None).await;
        assert_eq!(s.get::<String>("user").unwrap().as_deref(), Some("ada"));
    });
}

#[test]
fn a_store_outage_logs_nobody_out_and_says_the_check_was_skipped() {
    block_on(async {
        let store = Arc::new(ProbeStore::default());
        let engine = engine(store.clone());
        let mut jar = Jar::default();
        visit_saved(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap()).await;
        store.down.store(true, Ordering::SeqCst);
        let mut session = engine.load([jar.header()], None).await;
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
        assert!(matches!(
            session.store_reason(),
            Some(EmptyReason::StoreUnavailable(_))
        ));
        // A read leaves the cookies alone.
        assert!(engine
            .save(&mut session)
            .await
            .unwrap()
            .set_cookies
            .is_empty());
    });
}
