//! The four ways a session was lost or a user locked out, found by a model
//! of a real browser (issue 9), each replayed step by step through the
//! model jar of `common::browser_model` and a default nginx in front.
//!
//! These tests use only the API that existed before the fix, so that they
//! can be run against the old engine to show that they failed there.

mod common;

use common::browser_model::{ModelJar, Proxy, Rules, SetOutcome};
use common::*;
use cookietin::{Engine, Session};

/// One request: the jar's Cookie header through the proxy to the engine,
/// the handler's `edit`, and the save's `Set-Cookie` values (not yet
/// applied). `None` when the proxy refused the request.
fn request(
    engine: &Engine,
    jar: &mut ModelJar,
    ua: Option<&str>,
    edit: impl FnOnce(&mut Session),
) -> Option<(Session, Vec<String>)> {
    let header = jar.send();
    if !Proxy::NGINX.passes(&header) {
        return None;
    }
    let mut session = engine.load([header], ua);
    edit(&mut session);
    // The old engine answered some of these saves with an error; whatever
    // it left in place stays in the jar.
    let set_cookies = engine
        .save(&mut session)
        .map(|saved| saved.set_cookies)
        .unwrap_or_default();
    Some((session, set_cookies))
}

/// A request whose response is applied at once.
fn visit(
    engine: &Engine,
    jar: &mut ModelJar,
    ua: Option<&str>,
    edit: impl FnOnce(&mut Session),
) -> Option<Session> {
    let (session, set_cookies) = request(engine, jar, ua, edit)?;
    let outcomes = jar.apply(&set_cookies);
    assert!(!outcomes.contains(&SetOutcome::Refused), "{set_cookies:?}");
    Some(session)
}

fn load(engine: &Engine, jar: &ModelJar, ua: Option<&str>) -> Session {
    engine.load([jar.header()], ua)
}

#[test]
fn story_1_two_overlapping_tabs_never_lose_the_session() {
    let engine = builder(1).build().unwrap();
    let mut jar = ModelJar::new(Rules::CHROMIUM);
    let ua = Some(CHROME);
    // The first visit writes `session`, one chunk.
    visit(&engine, &mut jar, ua, |s| s.insert("user", &"ada").unwrap()).unwrap();
    assert_eq!(jar.names(), ["session"]);

    // Tabs A and B overlap: A adds 4,000 incompressible characters (two
    // chunks), B a small key (one chunk). A's response lands first.
    let (_, a) = request(&engine, &mut jar, ua, |s| {
        s.insert("big", &random_text(1, 4000)).unwrap()
    })
    .unwrap();
    let (b_session, b) = request(&engine, &mut jar, ua, |s| {
        s.insert("theme", &"dark").unwrap()
    })
    .unwrap();
    jar.apply(&a);
    jar.apply(&b);
    let loaded = load(&engine, &jar, ua);
    assert_eq!(loaded.empty_reason(), None);
    assert_eq!(loaded.data().to_value(), b_session.data().to_value());

    // Tabs C and D overlap: C only reads; D adds a large value. D's response
    // lands first, then C's.
    let (_, c) = request(&engine, &mut jar, ua, |s| {
        let _ = s.get::<String>("user");
    })
    .unwrap();
    let (d_session, d) = request(&engine, &mut jar, ua, |s| {
        s.insert("big", &random_text(2, 4000)).unwrap()
    })
    .unwrap();
    jar.apply(&d);
    jar.apply(&c);
    let loaded = load(&engine, &jar, ua);
    assert_eq!(loaded.empty_reason(), None, "jar: {:?}", jar.names());
    assert_eq!(loaded.data().to_value(), d_session.data().to_value());
}

/// A site at its browser's cookie limit whose purge took `session` but
/// left `session.1`: `others` other cookies and that leftover.
fn full_site_with_a_leftover(
    engine: &Engine,
    rules: Rules,
    ua: Option<&str>,
    others: usize,
) -> ModelJar {
    // A two-chunk session, to have a real leftover `session.1`.
    let mut two = ModelJar::new(rules);
    visit(engine, &mut two, ua, |s| {
        s.insert("big", &random_text(3, 4500)).unwrap()
    })
    .unwrap();
    assert_eq!(two.names(), ["session", "session.1"]);
    let mut jar = ModelJar::new(rules);
    for i in 0..others {
        jar.script_set(&format!("o{i}"), "v");
    }
    jar.script_set("session.1", two.get("session.1").unwrap());
    assert_eq!(jar.len(), rules.per_site);
    assert!(jar.take_evictions().is_empty());
    jar
}

fn assert_no_eviction_on_save(rules: Rules, ua: Option<&str>) {
    let engine = builder(1).build().unwrap();
    let others = rules.per_site - 1;
    // A write (a login) and a plain read: neither may evict anyone.
    for write in [true, false] {
        let mut jar = full_site_with_a_leftover(&engine, rules, ua, others);
        visit(&engine, &mut jar, ua, |s| {
            if write {
                s.insert("user", &"ada").unwrap();
            }
        })
        .unwrap();
        assert_eq!(jar.take_evictions(), Vec::<String>::new(), "write: {write}");
        let kept = jar.names().iter().filter(|n| n.starts_with('o')).count();
        assert_eq!(kept, others, "write: {write}");
        if write {
            assert_eq!(
                load(&engine, &jar, ua)
                    .get::<String>("user")
                    .unwrap()
                    .as_deref(),
                Some("ada")
            );
        }
    }
}

#[test]
fn story_2_a_save_at_the_site_limit_evicts_no_other_cookie_chromium() {
    assert_no_eviction_on_save(Rules::CHROMIUM, Some(CHROME));
}

#[test]
fn story_2_a_save_at_the_site_limit_evicts_no_other_cookie_unknown_client() {
    // RFC 6265's minimum, which the engine assumes for an unknown client.
    let rules = Rules {
        max_cookie_bytes: 4096,
        counts: cookietin::Counted::Line,
        per_site: 50,
        purge_to: 50,
    };
    assert_eq!(
        Rules::of(&cookietin::Browsers::bundled().unknown().limits),
        rules
    );
    assert_no_eviction_on_save(rules, None);
}

/// The demo's history callback: drop the oldest entry.
fn history_engine() -> Engine {
    builder(1)
        .on_shrink(["history"], history_callback)
        .build()
        .unwrap()
}

fn history(seed: u64, entries: usize) -> Vec<String> {
    (0..entries)
        .map(|i| random_text(seed * 1000 + i as u64, 40))
        .collect()
}

#[test]
fn story_3_an_unchanged_session_is_refitted_when_the_room_shrinks() {
    let engine = history_engine();
    let ua = Some(CHROME);
    let mut jar = ModelJar::new(Rules::CHROMIUM);
    jar.script_set("consent", &"c".repeat(1100 - "consent=".len()));
    // A session that fills the budget: its history is shrunk to fit.
    visit(&engine, &mut jar, ua, |s| {
        s.insert("history", &history(1, 200)).unwrap()
    })
    .unwrap();
    let full = jar.header().len();
    assert!((7100..=7168).contains(&full), "{full}");
    let kept = load(&engine, &jar, ua)
        .get::<Vec<String>>("history")
        .unwrap()
        .unwrap()
        .len();

    // The consent grows by 900 bytes: 8,061 bytes still pass nginx, and
    // the read-only request must re-fit the session.
    jar.script_set("consent", &"c".repeat(2000 - "consent=".len()));
    assert!(Proxy::NGINX.passes(&jar.header()));
    visit(&engine, &mut jar, ua, |s| {
        let _ = s.get::<Vec<String>>("history");
    })
    .unwrap();
    assert!(jar.header().len() <= 7168, "{}", jar.header().len());

    // An analytics id of 300 bytes later, the user is not locked out.
    jar.script_set("_ga", &"a".repeat(300 - "_ga=".len()));
    let session =
        visit(&engine, &mut jar, ua, |_| {}).expect("nginx refused the request: locked out");
    let now_kept = session
        .get::<Vec<String>>("history")
        .unwrap()
        .unwrap()
        .len();
    assert!(now_kept < kept && now_kept > 0, "{now_kept} of {kept}");
}

fn story_4(edit: bool) {
    let engine = builder(1).build().unwrap();
    let ua = Some(CHROME);
    let mut jar = ModelJar::new(Rules::CHROMIUM);
    visit(&engine, &mut jar, ua, |s| {
        s.insert("user", &"ada lovelace").unwrap();
        s.insert("cart", &["apple", "pear", "plum", "fig"]).unwrap();
    })
    .unwrap();
    let session_piece = jar.header().len();
    assert!((90..=130).contains(&session_piece), "{session_piece}");
    // Two third-party cookies leave no room under the budget.
    jar.script_set("tp1", &"x".repeat(3610));
    jar.script_set("tp2", &"y".repeat(3609));
    assert_eq!(jar.others("session").1, 7229);
    visit(&engine, &mut jar, ua, |s| {
        if edit {
            s.insert("seen", &1).unwrap();
        } else {
            let _ = s.get::<String>("user");
        }
    })
    .expect("7,347 bytes pass nginx");
    // A 900-byte consent string: the other cookies alone make 8,131 bytes,
    // which pass; the session's own cookies must not push them over.
    jar.script_set("consent", &"c".repeat(900 - "consent=".len()));
    assert_eq!(jar.others("session").1, 8131);
    assert!(
        visit(&engine, &mut jar, ua, |_| {}).is_some(),
        "nginx refused {} bytes: locked out by the session's own cookie",
        jar.header().len()
    );
}

#[test]
fn story_4_no_lockout_when_nothing_fits_after_a_write() {
    story_4(true);
}

#[test]
fn story_4_no_lockout_when_nothing_fits_after_a_read() {
    story_4(false);
}
