//! Overflow into a store: a client-side session too big for its cookies
//! keeps the excess in a store instead of dropping it (on `MemoryStore`;
//! the demo's `--groups` mode runs it on redb and Redis over HTTP).
#![cfg(feature = "store")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::probe_store::ProbeStore;
use common::*;
use cookietin::store::MemoryStore;
use cookietin::{EmptyReason, SaveAction, ShrinkStep};

#[test]
fn a_40_kb_session_stays_whole_with_the_excess_in_the_store() {
    block_on(async {
        let store = Arc::new(MemoryStore::new().clock(now));
        let engine = builder(1)
            .overflow(store.clone())
            .on_shrink(["history"], history_callback)
            .build()
            .unwrap();
        let mut jar = Jar::with(&[("theme", "dark")]);
        let history: Vec<String> = (0..20).map(|i| random_text(100 + i, 40)).collect();
        let (a, b) = (random_text(1, 20_000), random_text(2, 20_000));
        let (session, saved) = visit_saved(&engine, &mut jar, |s| {
            s.insert("user", &"ada").unwrap();
            s.insert("history", &history).unwrap();
            s.insert("a", &a).unwrap();
            s.insert("b", &b).unwrap();
        })
        .await;
        let report = &saved.report;
        assert_eq!(report.action, SaveAction::Written);
        let mut moved: Vec<&str> = report.shrink.moved_keys().collect();
        moved.sort_unstable();
        assert_eq!(moved, ["a", "b"], "{:?}", report.shrink);
        // The callback ran first, but nothing was dropped.
        assert!(matches!(
            report.shrink.steps[0],
            ShrinkStep::Callback { .. }
        ));
        assert_eq!(report.shrink.dropped_keys().count(), 0);
        assert!(jar.header().len() <= 7168, "{}", jar.header().len());
        // The handler's view holds everything.
        assert_eq!(
            session.get::<String>("a").unwrap().as_deref(),
            Some(a.as_str())
        );
        assert_eq!(store.len(), 1);

        let (session, _) = visit_saved(&engine, &mut jar, |_| {}).await;
        assert_eq!(session.store_reason(), None);
        assert_eq!(
            session.get::<String>("a").unwrap().as_deref(),
            Some(a.as_str())
        );
        assert_eq!(
            session.get::<String>("b").unwrap().as_deref(),
            Some(b.as_str())
        );
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
        assert!(session.get::<Vec<String>>("history").unwrap().is_some());

        // Once a key fits again it comes back into the cookies, and leaves the store.
        let (_, saved) = visit_saved(&engine, &mut jar, |s| {
            s.remove("b");
        })
        .await;
        assert!(
            saved.report.shrink.moved_keys().eq(["a"]),
            "{:?}",
            saved.report.shrink
        );
        let (_, saved) = visit_saved(&engine, &mut jar, |s| {
            s.remove("a");
        })
        .await;
        assert_eq!(saved.report.shrink.moved_keys().count(), 0);
        let (session, _) = visit_saved(&engine, &mut jar, |_| {}).await;
        assert!(!session.contains_key("a") && !session.contains_key("b"));
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
    });
}

#[test]
fn only_the_keys_the_app_lets_move_move_the_rest_is_dropped_as_before() {
    block_on(async {
        let engine = builder(1)
            .overflow(MemoryStore::new().clock(now))
            .overflow_keys(["drafts"])
            .build()
            .unwrap();
        let mut jar = Jar::default();
        let (session, saved) = visit_saved(&engine, &mut jar, |s| {
            s.insert("drafts", &random_text(3, 9000)).unwrap();
            s.insert("secret_scratch", &random_text(4, 9000)).unwrap();
        })
        .await;
        assert!(saved.report.shrink.moved_keys().eq(["drafts"]));
        assert!(saved.report.shrink.dropped_keys().eq(["secret_scratch"]));
        assert!(session.contains_key("drafts") && !session.contains_key("secret_scratch"));
    });
}

#[test]
fn destroy_removes_both_parts() {
    block_on(async {
        let store = Arc::new(MemoryStore::new().clock(now));
        let engine = builder(1).overflow(store.clone()).build().unwrap();
        let mut jar = Jar::default();
        visit_saved(&engine, &mut jar, |s| {
            s.insert("blob", &random_text(5, 12_000)).unwrap()
        })
        .await;
        assert_eq!(store.len(), 1);
        let copy = jar.clone();
        let (_, saved) = visit_saved(&engine, &mut jar, |s| s.destroy()).await;
        assert_eq!(saved.report.action, SaveAction::Cleared);
        assert!(jar.cookies.is_empty());
        assert_eq!(store.len(), 0);
        // A copy of the old cookies still verifies (it is client-side) but
        // its overflow is gone, and it says so.
        let session = engine.load([copy.header()], None).await;
        assert_eq!(session.store_reason(), Some(&EmptyReason::RecordGone));
        assert!(!session.contains_key("blob"));
    });
}

#[test]
fn with_the_store_down_a_save_shrinks_and_drops_as_before_and_says_so() {
    block_on(async {
        let down = ProbeStore::default();
        down.down.store(true, Ordering::SeqCst);
        let engine = builder(1)
            .overflow(down)
            .on_shrink(["history"], history_callback)
            .build()
            .unwrap();
        let mut jar = Jar::default();
        let (session, saved) = visit_saved(&engine, &mut jar, |s| {
            s.insert("user", &"ada").unwrap();
            s.insert("blob", &random_text(6, 12_000)).unwrap();
        })
        .await;
        let steps = &saved.report.shrink.steps;
        assert_eq!(steps[0], ShrinkStep::StoreUnavailable, "{steps:?}");
        assert_eq!(saved.report.shrink.moved_keys().count(), 0);
        assert!(saved.report.shrink.dropped_keys().eq(["blob"]));
        assert!(!session.contains_key("blob"));
        assert_eq!(saved.report.action, SaveAction::Written);
        // The next load can't read the (unreachable) store, and says why.
        let session = engine.load([jar.header()], None).await;
        assert!(matches!(
            session.store_reason(),
            Some(EmptyReason::StoreUnavailable(_))
        ));
        assert_eq!(
            session.get::<String>("user").unwrap().as_deref(),
            Some("ada")
        );
    });
}
