//! The core rules through the public API: round trips, chunking, stale
//! chunks, keys, expiry, change tracking and cookie attributes.

mod common;

use common::*;
use cookietin::{EmptyReason, Engine, KeyRing, SameSite, SaveAction};
use serde_json::json;

/// Saves, applies the Set-Cookies to the jar, and loads again.
fn cycle(
    engine: &Engine,
    jar: &mut Jar,
    ua: &str,
    edit: impl FnOnce(&mut cookietin::Session),
) -> cookietin::Saved {
    let mut session = engine.load([jar.header()], Some(ua));
    edit(&mut session);
    let saved = engine.save(&mut session).unwrap();
    jar.apply(&saved.set_cookies);
    saved
}

#[test]
fn round_trip_in_one_cookie() {
    let engine = builder(1).build().unwrap();
    let mut jar = Jar::default();
    let saved = cycle(&engine, &mut jar, CHROME, |s| {
        s.insert("user", &json!({"id": 7, "name": "Ada"})).unwrap();
    });
    assert_eq!(saved.report.action, SaveAction::Written);
    assert_eq!(jar.names(), ["session"]);
    let session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.empty_reason(), None);
    assert_eq!(
        session.get_value("user"),
        Some(json!({"id": 7, "name": "Ada"}))
    );
    assert_eq!(session.request_chunks(), 1);
}

#[test]
fn large_incompressible_value_spreads_over_chunks_within_the_limit() {
    // The acceptance case: 4.5 KB of random bytes as 6,000 base64 characters.
    let engine = builder(1).max_cookie_bytes(4096).build().unwrap();
    let mut jar = Jar::default();
    let blob = random_text(1, 6000);
    let saved = cycle(&engine, &mut jar, CHROME, |s| {
        s.insert("blob", &blob).unwrap()
    });
    assert!(saved.report.chunks >= 2, "{:?}", saved.report);
    assert_eq!(jar.names(), ["session", "session.1"]);
    for (name, value) in &jar.cookies {
        assert!(
            name.len() + value.len() <= 4096,
            "{name} is {} bytes",
            name.len() + value.len()
        );
    }
    let session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.get::<String>("blob").unwrap(), Some(blob));
}

#[test]
fn shrinking_from_three_chunks_to_one_expires_two_in_the_same_response() {
    let engine = builder(1)
        .max_cookie_bytes(2000)
        .header_budget(None)
        .build()
        .unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| {
        s.insert("blob", &random_text(2, 4500)).unwrap()
    });
    assert_eq!(jar.names(), ["session", "session.1", "session.2"]);
    let saved = cycle(&engine, &mut jar, CHROME, |s| {
        s.remove("blob");
        s.insert("small", &1).unwrap();
    });
    assert_eq!(saved.report.chunks, 1);
    assert_eq!(saved.report.expired, ["session.1", "session.2"]);
    assert_eq!(saved.set_cookies.len(), 3);
    // Removals first, then the new first cookie.
    for (line, name) in saved.set_cookies.iter().zip(["session.1", "session.2"]) {
        assert!(line.starts_with(&format!("{name}=;")) && line.contains("Max-Age=0"));
    }
    assert!(
        saved.set_cookies[2].starts_with("session=") && !saved.set_cookies[2].contains("Max-Age=0")
    );
    assert_eq!(jar.names(), ["session"]);
    let session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.get::<u8>("small").unwrap(), Some(1));
}

#[test]
fn stray_chunk_beyond_the_count_is_ignored_and_expired_by_the_next_write() {
    let engine = builder(1).build().unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    jar.set("session.1", "leftover-from-an-earlier-larger-session");
    let mut session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.empty_reason(), None);
    assert_eq!(session.get::<u8>("a").unwrap(), Some(1));
    // A read sends nothing: a lone removal could break a concurrent write
    // that reused the name `session.1`.
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Unchanged);
    assert!(saved.set_cookies.is_empty());
    // The next write removes it, before it writes the first cookie.
    session.insert("b", &2).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.expired, ["session.1"]);
    assert!(saved.set_cookies[0].starts_with("session.1=;"));
    jar.apply(&saved.set_cookies);
    assert_eq!(jar.names(), ["session"]);
}

fn three_chunk_jar(engine: &Engine, seed: u64) -> Jar {
    let mut jar = Jar::default();
    cycle(engine, &mut jar, CHROME, |s| {
        s.insert("blob", &random_text(seed, 4500)).unwrap()
    });
    assert_eq!(jar.names().len(), 3);
    jar
}

fn chunky() -> Engine {
    builder(1)
        .max_cookie_bytes(2000)
        .header_budget(None)
        .build()
        .unwrap()
}

#[test]
fn missing_chunk_gives_an_empty_session_naming_it() {
    let engine = chunky();
    let mut jar = three_chunk_jar(&engine, 3);
    jar.cookies.retain(|(n, _)| n != "session.1");
    let session = engine.load([jar.header()], Some(CHROME));
    assert!(session.is_empty());
    assert_eq!(
        session.empty_reason(),
        Some(&EmptyReason::ChunkMissing { index: 1 })
    );
}

#[test]
fn altered_chunk_fails_the_mac() {
    let engine = chunky();
    let mut jar = three_chunk_jar(&engine, 4);
    let value = jar.get("session.2").unwrap().to_owned();
    let flipped = if value.starts_with('A') { "B" } else { "A" };
    jar.set("session.2", &format!("{flipped}{}", &value[1..]));
    let session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::BadSignature));
}

#[test]
fn reordered_chunks_fail_the_mac() {
    let engine = chunky();
    let mut jar = three_chunk_jar(&engine, 5);
    let one = jar.get("session.1").unwrap().to_owned();
    let two = jar.get("session.2").unwrap().to_owned();
    // Swap the values of the two full-length chunks' positions.
    jar.set("session.1", &two[..two.len() / 4 * 4]);
    jar.set("session.2", &one);
    let session = engine.load([jar.header()], Some(CHROME));
    assert!(session.is_empty());
    assert!(session.empty_reason().is_some());
}

#[test]
fn chunks_mixed_from_two_saves_fail_the_mac() {
    let engine = chunky();
    let a = three_chunk_jar(&engine, 6);
    let mut b = three_chunk_jar(&engine, 7);
    b.set("session.1", a.get("session.1").unwrap());
    let session = engine.load([b.header()], Some(CHROME));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::BadSignature));
}

#[test]
fn rejected_cookies_are_left_alone_unless_the_app_writes() {
    let engine = chunky();
    let mut jar = three_chunk_jar(&engine, 8);
    jar.set("session.1", "AAAA");
    let mut session = engine.load([jar.header()], Some(CHROME));
    assert!(session.empty_reason().is_some());
    let saved = engine.save(&mut session).unwrap();
    assert!(saved.set_cookies.is_empty());
    // Writing a new session replaces them and expires the extra chunks.
    session.insert("fresh", &true).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.expired, ["session.1", "session.2"]);
}

#[test]
fn value_moved_to_another_cookie_name_fails() {
    let engine = builder(1).build().unwrap();
    let other = builder(1).cookie_name("other").build().unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    let moved = format!("other={}", jar.get("session").unwrap());
    let session = other.load([moved], Some(CHROME));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::BadSignature));
}

#[test]
fn rotation_old_key_verifies_and_the_session_is_reissued_under_the_new_key() {
    let old = builder(1).build().unwrap();
    let mut jar = Jar::default();
    cycle(&old, &mut jar, CHROME, |s| {
        s.insert("user", &"ada").unwrap()
    });

    let rotated = builder(2)
        .build()
        .map(|_| ())
        .and_then(|()| {
            cookietin::Engine::builder(KeyRing::new(key(2)).with_old_key(key(1)))
                .clock(now)
                .secure(false)
                .build()
        })
        .unwrap();
    let mut session = rotated.load([jar.header()], Some(CHROME));
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("ada")
    );
    assert!(!session.is_modified());
    let saved = rotated.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Written);
    jar.apply(&saved.set_cookies);

    // Only the new key now: the re-issued session still loads.
    let new_only = builder(2).build().unwrap();
    let session = new_only.load([jar.header()], Some(CHROME));
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("ada")
    );
    // And the old key alone no longer verifies it.
    assert_eq!(
        old.load([jar.header()], Some(CHROME)).empty_reason(),
        Some(&EmptyReason::BadSignature)
    );
}

#[test]
fn current_key_session_is_not_rewritten() {
    let engine = builder(1).build().unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    let mut session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.get::<u8>("a").unwrap(), Some(1));
    let saved = engine.save(&mut session).unwrap();
    assert!(saved.set_cookies.is_empty());
    assert_eq!(saved.report.action, SaveAction::Unchanged);
}

#[test]
fn renew_forces_a_rewrite_with_a_new_issued_at() {
    let engine = builder(1).build().unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    set_now(now() + 100);
    let mut session = engine.load([jar.header()], Some(CHROME));
    let before = session.issued_at().unwrap();
    session.renew();
    let saved = engine.save(&mut session).unwrap();
    jar.apply(&saved.set_cookies);
    let after = engine
        .load([jar.header()], Some(CHROME))
        .issued_at()
        .unwrap();
    assert_eq!(after, before + 100);
}

#[test]
fn max_age_is_enforced_from_the_signed_issued_at() {
    let engine = builder(1)
        .max_age(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    set_now(now() + 3600);
    assert_eq!(
        engine.load([jar.header()], Some(CHROME)).empty_reason(),
        None
    );
    set_now(now() + 1);
    let session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::Expired));
    assert!(session.is_empty());
}

#[test]
fn future_issued_at_beyond_the_skew_is_rejected() {
    let engine = builder(1)
        .clock_skew(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    set_now(now() - 30);
    assert_eq!(
        engine.load([jar.header()], Some(CHROME)).empty_reason(),
        None
    );
    set_now(now() - 1);
    assert_eq!(
        engine.load([jar.header()], Some(CHROME)).empty_reason(),
        Some(&EmptyReason::IssuedInFuture)
    );
}

#[test]
fn renew_after_reissues_old_sessions_on_read() {
    let engine = builder(1)
        .renew_after(std::time::Duration::from_secs(600))
        .build()
        .unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    set_now(now() + 599);
    let saved = cycle(&engine, &mut jar, CHROME, |_| {});
    assert_eq!(saved.report.action, SaveAction::Unchanged);
    set_now(now() + 1);
    let saved = cycle(&engine, &mut jar, CHROME, |_| {});
    assert_eq!(saved.report.action, SaveAction::Written);
}

#[test]
fn clearing_expires_every_chunk_the_request_carried() {
    let engine = chunky();
    let mut jar = three_chunk_jar(&engine, 9);
    jar.set("session.7", "stray");
    let saved = cycle(&engine, &mut jar, CHROME, |s| s.clear());
    assert_eq!(saved.report.action, SaveAction::Cleared);
    assert_eq!(
        saved.report.expired,
        ["session", "session.1", "session.2", "session.7"]
    );
    assert!(jar.cookies.is_empty());
}

#[test]
fn untouched_new_session_writes_nothing() {
    let engine = builder(1).build().unwrap();
    let mut session = engine.load(["other=1"], Some(CHROME));
    let _ = session.get::<u8>("x");
    let saved = engine.save(&mut session).unwrap();
    assert!(saved.set_cookies.is_empty());
}

#[test]
fn other_cookies_and_multiple_headers_are_counted_not_confused() {
    let engine = builder(1).build().unwrap();
    let mut jar = Jar::with(&[("theme", "dark"), ("sessionx", "1"), ("session.01", "x")]);
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    let ours = format!("session={}", jar.get("session").unwrap());
    // HTTP/2 may split the Cookie header; quoted values are allowed.
    let quoted = format!("session=\"{}\"", jar.get("session").unwrap());
    for headers in [
        vec!["theme=dark; sessionx=1".to_owned(), ours.clone()],
        vec![format!("theme=dark;{quoted};  lang=en")],
    ] {
        let session = engine.load(&headers, Some(CHROME));
        assert_eq!(session.get::<u8>("a").unwrap(), Some(1), "{headers:?}");
        assert_eq!(engine.budget(&session).other_cookies, 2);
    }
}

#[test]
fn duplicate_names_from_other_paths_still_find_the_valid_session() {
    let engine = builder(1).build().unwrap();
    let mut jar = Jar::default();
    cycle(&engine, &mut jar, CHROME, |s| s.insert("a", &1).unwrap());
    let valid = jar.get("session").unwrap().to_owned();
    let mut other = Jar::default();
    cycle(&builder(9).build().unwrap(), &mut other, CHROME, |s| {
        s.insert("b", &2).unwrap()
    });
    let stale = other.get("session").unwrap();
    // The more specific path's cookie comes first, as browsers order them.
    let header = format!("session={stale}; session={valid}");
    let session = engine.load([header], Some(CHROME));
    assert_eq!(session.get::<u8>("a").unwrap(), Some(1));
}

#[test]
fn set_cookie_attributes_follow_the_configuration() {
    let engine = cookietin::Engine::builder(key(1))
        .cookie_name("__Host-sid")
        .same_site(SameSite::Strict)
        .persistent(true)
        .max_age(std::time::Duration::from_secs(3600))
        .clock(now)
        .build()
        .unwrap();
    let mut session = engine.load(Vec::<String>::new(), Some(CHROME));
    session.insert("a", &1).unwrap();
    let saved = engine.save(&mut session).unwrap();
    let line = &saved.set_cookies[0];
    for part in [
        "__Host-sid=",
        "; HttpOnly",
        "; SameSite=Strict",
        "; Secure",
        "; Path=/",
        "; Max-Age=3600",
        "; Expires=",
    ] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
    assert!(!line.contains("Domain"));
}

#[test]
fn browser_session_cookie_has_no_expiry_attributes() {
    let engine = builder(1).build().unwrap();
    let mut session = engine.load(Vec::<String>::new(), Some(CHROME));
    session.insert("a", &1).unwrap();
    let line = &engine.save(&mut session).unwrap().set_cookies[0];
    assert!(
        !line.contains("Max-Age") && !line.contains("Expires"),
        "{line}"
    );
}

#[test]
fn prefix_misconfiguration_is_a_build_error() {
    use cookietin::ConfigError;
    let err = builder(1).cookie_name("__Secure-sid").build().unwrap_err();
    assert_eq!(
        err,
        ConfigError::PrefixRequiresSecure("__Secure-sid".into())
    );
    let err = cookietin::Engine::builder(key(1))
        .cookie_name("__Host-sid")
        .domain("example.com")
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        ConfigError::HostPrefixForbidsDomain("__Host-sid".into())
    );
}

#[test]
fn compression_only_when_smaller_and_can_be_turned_off() {
    let on = builder(1).build().unwrap();
    let off = builder(1).compress(false).build().unwrap();
    let cart = json!({"cart": vec![json!({"sku": "SKU-1", "qty": 1}); 50]});
    for (engine, deflated) in [(&on, true), (&off, false)] {
        let mut session = engine.load(Vec::<String>::new(), Some(CHROME));
        session.insert("cart", &cart).unwrap();
        let saved = engine.save(&mut session).unwrap();
        assert_eq!(saved.report.deflated, deflated);
    }
    let mut tiny = on.load(Vec::<String>::new(), Some(CHROME));
    tiny.insert("a", &1).unwrap();
    assert!(!on.save(&mut tiny).unwrap().report.deflated);
}
