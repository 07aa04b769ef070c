//! Shrink callbacks: the four phases in order, a fitting session untouched,
//! every loss reported, and the number of full encodes.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use cookietin::{Engine, EngineBuilder, SessionData, ShrinkStep};

/// An engine with room for about `capacity` base64 characters in one cookie.
fn tight(capacity: usize) -> EngineBuilder {
    builder(1)
        .header_budget(None)
        .max_chunks(1)
        .max_cookie_bytes(capacity + "session".len())
}

type Log = Arc<Mutex<Vec<String>>>;

/// A callback that removes the first element of array `key` (or the key, on
/// its last call) and logs each call.
fn trim(log: &Log, key: &'static str) -> impl Fn(&mut SessionData, bool) + Send + Sync + 'static {
    let log = log.clone();
    move |data, last| {
        log.lock().unwrap().push(format!("{key}:{last}"));
        let mut items: Vec<String> = data.get(key).unwrap().unwrap_or_default();
        if last || items.len() <= 1 {
            data.remove(key);
        } else {
            items.remove(0);
            data.insert(key, &items).unwrap();
        }
    }
}

fn save(
    engine: &Engine,
    edit: impl FnOnce(&mut cookietin::Session),
) -> (cookietin::Saved, cookietin::Session) {
    let mut session = engine.load(Vec::<String>::new(), Some(CHROME));
    edit(&mut session);
    let saved = engine.save(&mut session).unwrap();
    (saved, session)
}

#[test]
fn a_fitting_session_is_never_touched() {
    let log: Log = Arc::default();
    let engine = tight(2000)
        .on_shrink(["history"], trim(&log, "history"))
        .build()
        .unwrap();
    let history: Vec<String> = (0..5).map(|i| random_text(i, 20)).collect();
    let (saved, session) = save(&engine, |s| s.insert("history", &history).unwrap());
    assert!(saved.report.shrink.is_untouched());
    assert_eq!(saved.report.shrink.full_encodes, 1);
    assert!(log.lock().unwrap().is_empty());
    assert_eq!(
        session.get::<Vec<String>>("history").unwrap(),
        Some(history)
    );
}

#[test]
fn phase_one_repeats_callbacks_while_they_shrink_and_stops_once_it_fits() {
    let log: Log = Arc::default();
    let engine = tight(600)
        .on_shrink(["history"], trim(&log, "history"))
        .build()
        .unwrap();
    let history: Vec<String> = (0..20).map(|i| random_text(i, 40)).collect();
    let (saved, session) = save(&engine, |s| {
        s.insert("user", &"ada").unwrap();
        s.insert("history", &history).unwrap();
    });
    let kept: Vec<String> = session.get("history").unwrap().unwrap();
    // The oldest entries went, the newest stayed, nothing else was touched.
    assert!(!kept.is_empty() && kept.len() < 20);
    assert_eq!(kept[..], history[20 - kept.len()..]);
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("ada")
    );
    assert_eq!(saved.report.shrink.steps.len(), 20 - kept.len());
    assert!(log.lock().unwrap().iter().all(|l| l == "history:false"));
    assert!(saved.report.value_bytes <= 600);
}

#[test]
fn phases_run_in_order_callbacks_drops_last_chance_then_everything() {
    let log: Log = Arc::default();
    // A callback that never helps in phase 1, so every phase is reached.
    let stubborn = {
        let log = log.clone();
        move |data: &mut SessionData, last: bool| {
            log.lock().unwrap().push(format!("notes:{last}"));
            if last {
                data.remove("notes");
            }
        }
    };
    let engine = tight(120).on_shrink(["notes"], stubborn).build().unwrap();
    let (saved, session) = save(&engine, |s| {
        s.insert("notes", &random_text(1, 400)).unwrap();
        s.insert("big", &random_text(2, 300)).unwrap();
        s.insert("small", &random_text(3, 100)).unwrap();
    });
    let steps: Vec<String> = saved
        .report
        .shrink
        .steps
        .iter()
        .map(|s| match s {
            ShrinkStep::Callback { keys, last, .. } => format!("callback {}:{last}", keys[0]),
            ShrinkStep::Dropped { key, .. } => format!("drop {key}"),
            other => format!("{other:?}"),
        })
        .collect();
    // Phase 1 (one round, no progress), phase 2 (uncovered keys, largest
    // first), phase 3 (last chance), phase 4 would drop the rest: here the
    // last chance makes it fit.
    assert_eq!(
        steps,
        [
            "callback notes:false",
            "drop big",
            "drop small",
            "callback notes:true"
        ]
    );
    assert!(session.is_empty());
    assert_eq!(saved.report.action, cookietin::SaveAction::Cleared);
}

#[test]
fn phase_four_drops_what_callbacks_could_not_save() {
    let log: Log = Arc::default();
    let noop = {
        let log = log.clone();
        move |_: &mut SessionData, last: bool| log.lock().unwrap().push(format!("noop:{last}"))
    };
    let engine = tight(200).on_shrink(["a", "b"], noop).build().unwrap();
    let (saved, session) = save(&engine, |s| {
        s.insert("a", &random_text(1, 300)).unwrap();
        s.insert("b", &random_text(2, 50)).unwrap();
    });
    assert_eq!(*log.lock().unwrap(), ["noop:false", "noop:true"]);
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["a"]
    );
    assert!(session.contains_key("b"));
}

#[test]
fn every_lost_key_is_reported() {
    let engine = tight(300).build().unwrap();
    let (saved, session) = save(&engine, |s| {
        for i in 0..10 {
            s.insert(&format!("k{i}"), &random_text(i, 60)).unwrap();
        }
    });
    let dropped: Vec<&str> = saved.report.shrink.dropped_keys().collect();
    assert!(!dropped.is_empty());
    for i in 0..10 {
        let key = format!("k{i}");
        assert!(
            session.contains_key(&key) ^ dropped.contains(&key.as_str()),
            "{key}"
        );
    }
}

#[test]
fn four_times_over_with_100_callback_keys_needs_few_full_encodes() {
    let log: Log = Arc::default();
    let mut builder = tight(3000);
    for i in 0..100 {
        let key: &'static str = Box::leak(format!("key{i:03}").into_boxed_str());
        builder = builder.on_shrink([key], trim(&log, key));
    }
    let engine = builder.build().unwrap();
    let (saved, session) = save(&engine, |s| {
        for i in 0..100u64 {
            // About 120 characters of incompressible JSON per key: 4x over.
            let items: Vec<String> = (0..3).map(|j| random_text(i * 10 + j, 36)).collect();
            s.insert(&format!("key{i:03}"), &items).unwrap();
        }
    });
    let json = session.data().json_len();
    assert!(saved.report.value_bytes <= 3000);
    assert!(
        saved.report.shrink.full_encodes <= 12,
        "{} full encodes",
        saved.report.shrink.full_encodes
    );
    assert!(json > 1500, "shrank too far: {json} bytes of JSON left");
    println!(
        "4x over, 100 callback keys: {} full encodes, {} callback runs",
        saved.report.shrink.full_encodes,
        saved.report.shrink.steps.len()
    );
}
