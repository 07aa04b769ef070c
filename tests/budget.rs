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

/// What curl 8.2 and later send of a Cookie header (lib/http.c
/// Curl_http_cookies): cookies in order while `Cookie: `, the value so far
/// and the next `name=value` stay under MAX_COOKIE_HEADER_LEN (8190); the
/// first that would not, and every one after it, are left out.
fn curl_sends(jar: &Jar) -> Vec<(String, String)> {
    let mut clen = "Cookie: ".len();
    let mut sent = Vec::new();
    for (name, value) in &jar.cookies {
        let add = name.len() + value.len() + 1;
        if clen + add >= 8190 {
            break;
        }
        clen += add + if sent.is_empty() { 0 } else { 2 };
        sent.push((name.clone(), value.clone()));
    }
    sent
}

#[test]
fn a_session_for_curl_fits_curls_own_cap_behind_a_raised_header_limit() {
    // The real bug: fitted to a proxy raised to 16374 bytes, a session of
    // three chunks broke for curl, which left the last ones out, and the
    // next request loaded with "session chunk N is missing".
    let curl = "curl/8.5.0";
    let engine = builder(1).header_limit(Some(16374)).build().unwrap();
    let mut jar = jar_with_others(3);
    let others = jar.header().len();
    let budget = engine.budget(&engine.load([jar.header()], Some(curl)));
    assert_eq!(budget.binding, Binding::ClientHeaderBytes);
    assert_eq!(budget.header_limit, Some(16374));
    assert_eq!(budget.header_bytes, Some(15360 - others));
    assert_eq!(budget.client_header_bytes, Some(8181 - others));
    // 10,000 characters fit the raised budget (a browser keeps them, in a
    // header over 8190 bytes) but not curl's cap: dropped, loudly.
    let mut browser = jar_with_others(3);
    let kept = save_blob(&engine, &mut browser, CHROME, &random_text(11, 10_000));
    assert!(kept.report.shrink.is_untouched());
    assert!(browser.header().len() > 8190, "{}", browser.header().len());
    assert!(curl_sends(&browser).len() < browser.cookies.len());
    let saved = save_blob(&engine, &mut jar, curl, &random_text(11, 10_000));
    assert_eq!(saved.report.action, SaveAction::Cleared);
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["blob"]
    );
    let fits = save_blob(&engine, &mut jar, curl, &random_text(12, 7000));
    assert!(fits.report.shrink.is_untouched());
    assert!(fits.report.chunks >= 2, "{:?}", fits.report);
    let header = jar.header();
    assert!(header.len() <= 8181, "{} bytes", header.len());
    assert_eq!(header.len(), others + fits.report.header_bytes);
    // curl sends every cookie, and the session loads back whole from it.
    let sent = curl_sends(&jar);
    assert_eq!(sent, jar.cookies);
    let back = engine.load([Jar { cookies: sent }.header()], Some(curl));
    assert_eq!(
        back.get::<String>("blob").unwrap(),
        Some(random_text(12, 7000))
    );
    // A browser on the same engine gets the raised budget.
    let chrome = engine.budget(&engine.load([jar_with_others(3).header()], Some(CHROME)));
    assert_eq!(chrome.binding, Binding::HeaderBytes);
    assert_eq!(chrome.client_header_bytes, None);
}

#[test]
fn curl_before_8_2_gets_the_smaller_cap_that_allows_for_its_request_head() {
    let engine = builder(1).header_limit(Some(16374)).build().unwrap();
    let mut jar = Jar::default();
    let saved = save_blob(&engine, &mut jar, "curl/7.88.1", &random_text(13, 12_000));
    let budget = saved.report.budget.unwrap();
    assert_eq!(
        (budget.client_header_bytes, budget.binding),
        (Some(7165), Binding::ClientHeaderBytes)
    );
    assert!(budget.capacity < 7165, "{}", budget.capacity);
    let saved = save_blob(&engine, &mut jar, "curl/7.88.1", &random_text(14, 5000));
    assert!(saved.report.shrink.is_untouched());
    assert!(saved.report.chunks >= 2);
    assert!(jar.header().len() <= 7165, "{}", jar.header().len());
}
