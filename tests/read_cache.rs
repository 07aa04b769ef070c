//! The read cache: a request that carries the exact cookies of a session
//! verified lately gets the very session a miss gives, with its expiry
//! checked on every hit; a revoked session stays revoked on a hit; and a
//! ring with another key is another engine, whose cache knows nothing.

mod common;

#[path = "../benches/support/corpus.rs"]
mod corpus;

use common::*;
use cookietin::{EmptyReason, Engine, SaveReason, Session};

/// What a load gives, as far as a handler or a save can tell.
fn view(s: &Session) -> String {
    format!(
        "{} | {:?} | {:?} | {} | {:?} | {:?}",
        s.data().to_value(),
        s.empty_reason(),
        s.issued_at(),
        s.request_chunks(),
        s.len(),
        s.store_reason()
    )
}

/// A jar holding `entries`, saved by `engine`.
fn saved(engine: &Engine, entries: &corpus::Entries) -> Jar {
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    for (k, v) in entries {
        session.data_mut().insert_raw(k, v.clone());
    }
    let mut jar = Jar::default();
    jar.apply(&engine.save(&mut session).unwrap().set_cookies);
    jar
}

#[test]
fn a_hit_gives_the_same_session_as_a_miss() {
    set_now(1_800_000_000);
    let cached = builder(1).build().unwrap();
    let uncached = builder(1).read_cache_bytes(0).build().unwrap();
    for (name, entries) in corpus::ordered() {
        // Small cookies too, so that sessions span several chunks.
        for engine in [&cached, &builder(1).max_cookie_bytes(600).build().unwrap()] {
            let jar = saved(engine, &entries);
            let header = jar.header();
            let miss = engine.load([&header], Some(CHROME));
            assert_eq!(miss.empty_reason(), None, "{name}");
            let hit = engine.load([&header], Some(CHROME));
            let fresh = uncached.load([&header], Some(CHROME));
            assert_eq!(view(&hit), view(&miss), "{name}");
            assert_eq!(view(&hit), view(&fresh), "{name}");
            // The same cookies among others, in another order, and with
            // a byte changed: a changed byte is checked, and refused.
            let mut reversed: Vec<String> = jar
                .cookies
                .iter()
                .rev()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            reversed.insert(0, "theme=dark".into());
            let other = engine.load([reversed.join("; ")], Some(CHROME));
            assert_eq!(other.data().to_value(), miss.data().to_value(), "{name}");
            let at = header.len() - 3;
            let mut forged = header.clone().into_bytes();
            forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
            let forged = engine.load([forged], Some(CHROME));
            assert!(forged.is_empty(), "{name}");
            assert_eq!(forged.empty_reason(), Some(&EmptyReason::BadSignature));
        }
    }
}

/// The cache shares its data with the sessions loaded from it and with
/// the session whose save it keeps: a change to any of them, in every way
/// a handler can make one, is that session's alone.
#[test]
fn changes_to_a_session_never_reach_the_cache() {
    set_now(1_800_000_000);
    let engine = builder(1).build().unwrap();
    let uncached = builder(1).read_cache_bytes(0).build().unwrap();
    let edits: [fn(&mut Session); 5] = [
        |s| s.insert("csrf_token", &"changed").unwrap(),
        |s| assert!(s.remove("locale")),
        |s| s.clear(),
        |s| s.destroy(),
        |s| {
            s.data_mut().insert("added", &1).unwrap();
        },
    ];
    let entries = corpus::ordered().into_iter().next().unwrap().1;
    for (i, edit) in edits.iter().enumerate() {
        // The saved session is edited after its save, the loaded ones
        // after a miss and after a hit.
        let mut writer = engine.load(Vec::<&str>::new(), Some(CHROME));
        for (k, v) in &entries {
            writer.data_mut().insert_raw(k, v.clone());
        }
        let mut jar = Jar::default();
        jar.apply(&engine.save(&mut writer).unwrap().set_cookies);
        let header = jar.header();
        let expected = view(&uncached.load([&header], Some(CHROME)));
        edit(&mut writer);
        for _ in 0..2 {
            let mut loaded = engine.load([&header], Some(CHROME));
            assert_eq!(view(&loaded), expected, "edit {i}");
            edit(&mut loaded);
            assert_ne!(view(&loaded), expected, "edit {i} changed nothing");
        }
        assert_eq!(
            view(&engine.load([&header], Some(CHROME))),
            expected,
            "edit {i}"
        );
    }
}

/// What a save keeps in the cache (its own cookies) is what a load of
/// them gives, for sessions that shrinking changed or did not, with a
/// session id or not.
#[test]
fn the_cookies_a_save_keeps_load_as_a_miss_would() {
    set_now(1_800_000_000);
    let uncached = builder(1).read_cache_bytes(0).build().unwrap();
    let shrinking = builder(1)
        .max_cookie_bytes(300)
        .max_chunks(2)
        .on_shrink(["history"], history_callback)
        .build()
        .unwrap();
    for engine in [builder(1).build().unwrap(), shrinking] {
        for (name, entries) in corpus::ordered() {
            let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
            for (k, v) in &entries {
                session.data_mut().insert_raw(k, v.clone());
            }
            session.insert("history", &["/", "/a", "/b"]).unwrap();
            let Ok(saved) = engine.save(&mut session) else {
                continue;
            };
            let mut jar = Jar::default();
            jar.apply(&saved.set_cookies);
            let header = jar.header();
            let first = engine.load([&header], Some(CHROME));
            let fresh = uncached.load([&header], Some(CHROME));
            assert_eq!(view(&first), view(&fresh), "{name}");
        }
    }
}

#[test]
fn expiry_is_checked_on_every_hit() {
    set_now(1_800_000_000);
    let engine = builder(1)
        .max_age(std::time::Duration::from_secs(100))
        .build()
        .unwrap();
    let entries = corpus::sessions().remove("cart_20").unwrap();
    let header = saved(&engine, &entries).header();
    assert_eq!(engine.load([&header], None).empty_reason(), None);
    set_now(1_800_000_100);
    assert_eq!(engine.load([&header], None).empty_reason(), None);
    set_now(1_800_000_101);
    let late = engine.load([&header], None);
    assert!(late.is_empty());
    assert_eq!(late.empty_reason(), Some(&EmptyReason::Expired));
    // And a clock set back before the issue is refused too.
    set_now(1_800_000_000 - 61);
    assert_eq!(
        engine.load([&header], None).empty_reason(),
        Some(&EmptyReason::IssuedInFuture)
    );
}

#[test]
fn a_hit_under_an_old_key_is_reissued_and_another_ring_knows_nothing() {
    set_now(1_800_000_000);
    let old = builder(1).build().unwrap();
    let entries = corpus::sessions().remove("tiny_login").unwrap();
    let header = saved(&old, &entries).header();
    let rotated = Engine::builder(cookietin::KeyRing::new(key(2)).with_old_key(key(1)))
        .clock(now)
        .secure(false)
        .build()
        .unwrap();
    for _ in 0..2 {
        let mut s = rotated.load([&header], Some(CHROME));
        assert_eq!(s.empty_reason(), None);
        let saved = rotated.save(&mut s).unwrap();
        assert_eq!(saved.report.reason, Some(SaveReason::OldKey));
    }
    // The old key retired: the same bytes no longer load, though the
    // engines before verified them.
    let retired = builder(2).build().unwrap();
    assert_eq!(
        retired.load([&header], Some(CHROME)).empty_reason(),
        Some(&EmptyReason::BadSignature)
    );
}

#[cfg(feature = "store")]
#[test]
fn a_revoked_session_stays_revoked_on_a_hit() {
    use std::sync::Arc;
    block_on(async {
        set_now(1_800_000_000);
        let store = Arc::new(common::probe_store::ProbeStore::default());
        let engine = builder(1).revocable(store).build().unwrap();
        let mut jar = Jar::default();
        visit_saved(&engine, &mut jar, |s| s.insert("user", &"ada").unwrap()).await;
        let stolen = jar.header();
        for _ in 0..2 {
            let copy = engine.load([&stolen], None).await;
            assert_eq!(copy.get::<String>("user").unwrap().as_deref(), Some("ada"));
        }
        visit_saved(&engine, &mut jar, |s| s.destroy()).await;
        for _ in 0..2 {
            let copy = engine.load([&stolen], None).await;
            assert!(copy.is_empty());
            assert_eq!(copy.empty_reason(), Some(&EmptyReason::Revoked));
        }
    });
}
