//! The budget: per-cookie bytes, cookies per site and Cookie-header bytes,
//! each binding in turn with other cookies on the request.

mod common;

use common::*;
use cookietin::{Binding, Counted, Engine, SaveAction};

fn others(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| (format!("other{i}"), format!("v{i}")))
        .collect()
}

fn jar_with_others(n: usize) -> Jar {
    Jar { cookies: others(n) }
}

/// Saves `blob` and checks what the browser and server would see.
fn save_blob(engine: &Engine, jar: &mut Jar, ua: &str, blob: &str) -> cookietin::Saved {
    let mut session = engine.load([jar.header()], Some(ua));
    session.insert("blob", blob).unwrap();
    let saved = engine.save(&mut session).unwrap();
    jar.apply(&saved.set_cookies);
    saved
}

#[test]
fn header_bytes_bind_under_the_default_budget() {
    let engine = builder(1).build().unwrap();
    let mut jar = jar_with_others(10);
    let before = jar.header().len();
    let session = engine.load([jar.header()], Some(CHROME));
    let budget = engine.budget(&session);
    assert_eq!(budget.binding, Binding::HeaderBytes);
    assert_eq!(budget.other_cookies, 10);
    assert_eq!(budget.other_bytes, before);
    assert_eq!(
        budget.header_bytes,
        Some(cookietin::DEFAULT_HEADER_BUDGET - before)
    );
    // Incompressible text over two cookies: the header the browser sends
    // next is the other cookies plus exactly what the report says.
    let saved = save_blob(&engine, &mut jar, CHROME, &random_text(1, 5000));
    let report = saved.report;
    assert_eq!(report.action, SaveAction::Written);
    assert!(jar.header().len() <= cookietin::DEFAULT_HEADER_BUDGET);
    assert_eq!(jar.header().len(), before + report.header_bytes);
}

#[test]
fn cookie_count_binds_without_a_header_budget() {
    let engine = builder(1).header_budget(None).build().unwrap();
    let mut jar = jar_with_others(176);
    let session = engine.load([jar.header()], Some(CHROME));
    let budget = engine.budget(&session);
    assert_eq!((budget.cookies, budget.binding), (4, Binding::CookieCount));
    assert_eq!(budget.header_bytes, None);
    // Four Chromium cookies of 4096 name+value bytes: `session` holds 4089
    // characters rounded down to whole base64 quanta, `session.1` and
    // `session.2` 4087 rounded down, and the last, `session.3`, all 4087.
    assert_eq!(budget.capacity, 4088 + 4084 + 4084 + 4087);
    let saved = save_blob(&engine, &mut jar, CHROME, &random_text(2, 15_000));
    assert_eq!(saved.report.chunks, 4);
    assert_eq!(
        jar.cookies.len(),
        180,
        "the site stays within Chromium's 180"
    );
    for (name, value) in jar.cookies.iter().filter(|(n, _)| n.starts_with("session")) {
        assert!(name.len() + value.len() <= 4096);
    }
    // One more cookie's worth does not fit and is shrunk (dropped) instead.
    let mut jar = jar_with_others(176);
    let saved = save_blob(&engine, &mut jar, CHROME, &random_text(3, 17_000));
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["blob"]
    );
    assert_eq!(jar.cookies.len(), 176);
}

#[test]
fn per_cookie_bytes_bind_with_one_cookie_left() {
    let engine = builder(1).header_budget(None).build().unwrap();
    let mut jar = jar_with_others(179);
    let session = engine.load([jar.header()], Some(CHROME));
    let budget = engine.budget(&session);
    assert_eq!((budget.cookies, budget.binding), (1, Binding::PerCookie));
    assert_eq!(budget.capacity, 4096 - "session".len());
    // The largest value that fits lands exactly on Chromium's 4096.
    let saved = save_blob(&engine, &mut jar, CHROME, &random_text(4, 3000));
    assert_eq!(saved.report.chunks, 1);
    let value = jar.get("session").unwrap();
    assert!("session".len() + value.len() <= 4096);
}

#[test]
fn line_counting_browsers_are_charged_for_attributes() {
    // Safari's entry counts the whole Set-Cookie line against 4093 bytes.
    let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
    let engine = builder(1).header_budget(None).build().unwrap();
    let mut jar = Jar::default();
    let session = engine.load([jar.header()], Some(safari));
    let budget = engine.budget(&session);
    assert_eq!(
        (budget.max_cookie_bytes, budget.counts),
        (4093, Counted::Line)
    );
    let saved = save_blob(&engine, &mut jar, safari, &random_text(5, 9000));
    for line in &saved.set_cookies {
        assert!(line.len() <= 4093, "{} bytes", line.len());
    }
    assert_eq!(saved.report.chunks, 3);
}

#[test]
fn other_cookies_never_get_evicted_by_a_save() {
    // With 170 other cookies, Chromium's 180 leaves 10 for the session.
    let engine = builder(1).header_budget(None).build().unwrap();
    let mut jar = jar_with_others(170);
    let saved = save_blob(&engine, &mut jar, CHROME, &random_text(6, 60_000));
    assert!(saved.report.chunks <= 10);
    assert!(jar.cookies.len() <= 180);
    assert_eq!(
        jar.cookies
            .iter()
            .filter(|(n, _)| n.starts_with("other"))
            .count(),
        170
    );
}

#[test]
fn cookieman_regression_3_5_kb_random_is_spread_over_two_cookies() {
    // 3.5 KB of random bytes, base64-encoded into 4,668 characters: one
    // cookie can't hold it, and cookieman 0.0.3 purges it. cookietin keeps it.
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(random_bytes(7, 3500));
    assert_eq!(text.len(), 4668);
    let engine = Engine::builder(key(1)).clock(now).build().unwrap();
    let mut jar = Jar::default();
    let saved = save_blob(&engine, &mut jar, CHROME, &text);
    assert_eq!(saved.report.chunks, 2);
    assert!(saved.report.shrink.is_untouched());
    let session = engine.load([jar.header()], Some(CHROME));
    assert_eq!(session.get::<String>("blob").unwrap(), Some(text));
}

#[test]
fn other_cookies_that_leave_no_room_lose_the_session_loudly() {
    let engine = builder(1).build().unwrap();
    // Other cookies fill the whole default header budget.
    let big = "x".repeat(cookietin::DEFAULT_HEADER_BUDGET);
    let mut session = engine.load([format!("big={big}")], Some(CHROME));
    session.insert("a", &1).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, cookietin::SaveAction::NoRoom);
    assert_eq!(saved.report.budget.unwrap().capacity, 0);
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["a"]
    );
    // Nothing to expire on this request, and nothing written.
    assert!(saved.set_cookies.is_empty());
    assert!(session.is_empty());
}

#[test]
fn a_configuration_too_small_for_an_empty_session_is_an_error_and_touches_nothing() {
    let engine = builder(1)
        .max_cookie_bytes(30)
        .max_chunks(1)
        .build()
        .unwrap();
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    session.insert("a", &1).unwrap();
    let err = engine.save(&mut session).unwrap_err();
    assert!(
        matches!(err, cookietin::SaveError::DoesNotFit { .. }),
        "{err}"
    );
    assert_eq!(session.get::<u8>("a").unwrap(), Some(1));
}

#[test]
fn set_cookie_budget_binds_the_response_lines_removals_included() {
    // A default nginx proxy holds the response head in 4 KB.
    let engine = builder(1)
        .header_budget(None)
        .max_cookie_bytes(2000)
        .build()
        .unwrap();
    let mut jar = Jar::default();
    save_blob(&engine, &mut jar, CHROME, &random_text(8, 5000));
    assert_eq!(jar.names(), ["session", "session.1", "session.2"]);

    let limited = builder(1)
        .header_budget(None)
        .max_cookie_bytes(2000)
        .set_cookie_budget(Some(3072))
        .build()
        .unwrap();
    let session = limited.load([jar.header()], Some(CHROME));
    let budget = limited.budget(&session);
    assert_eq!(budget.binding, Binding::ResponseBytes);
    let saved = save_blob(&limited, &mut jar, CHROME, &random_text(9, 4000));
    let lines: usize = saved
        .set_cookies
        .iter()
        .map(|l| "Set-Cookie: \r\n".len() + l.len())
        .sum();
    assert_eq!(saved.report.set_cookie_bytes, lines);
    assert!(lines <= 3072, "{lines} bytes of Set-Cookie");
    // The 4000 characters do not fit in 3 KB of lines with the removals.
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["blob"]
    );
    assert!(jar.cookies.is_empty());

    // A session that fits is written whole, within the budget.
    let saved = save_blob(&limited, &mut jar, CHROME, &random_text(10, 2000));
    assert!(saved.report.shrink.is_untouched());
    assert!(saved.report.set_cookie_bytes <= 3072);
    assert_eq!(saved.report.chunks, 2);
}
