//! `testing::TestJar` (feature `test-util`) against the rules browsers
//! apply, with the limits database's figures: sizes as each entry counts
//! them, the per-site purge, expiry against the jar's clock, paths,
//! domains, `Secure` and the name prefixes; then the engine's own cookies
//! through a jar of every bundled entry, and a jar catching an engine
//! fitted to the wrong browser.
#![cfg(feature = "test-util")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use cookietin::testing::{Applied, Rejection, TestJar, TestJarError};
use cookietin::{Browsers, Counted, LimitsDb};
use proptest::prelude::*;

fn jar(id: &str) -> TestJar {
    TestJar::new(id).unwrap()
}

fn stored(name: &str) -> Applied {
    Applied::Stored {
        name: name.to_owned(),
    }
}

fn rejected(name: &str, reason: Rejection) -> Applied {
    Applied::Rejected {
        name: name.to_owned(),
        reason,
    }
}

fn header(jar: &mut TestJar, url: &str) -> Option<String> {
    jar.cookie_header(url).unwrap()
}

#[test]
fn chromium_keeps_4096_bytes_of_name_and_value_and_drops_4097() {
    let mut jar = jar("chromium");
    // The attributes don't count: a long Path still fits.
    let fits = format!("a={}; Path=/; SameSite=Lax; Secure", "x".repeat(4095));
    let over = format!("b={}", "x".repeat(4096));
    let applied = jar.apply("/", [fits, over]).unwrap();
    assert_eq!(
        applied,
        [
            stored("a"),
            rejected(
                "b",
                Rejection::TooLarge {
                    bytes: 4097,
                    limit: 4096,
                    counted: Counted::NameValue
                }
            )
        ]
    );
    assert_eq!(jar.names(), ["a"]);
}

#[test]
fn safari_counts_the_whole_line() {
    let mut jar = jar("safari");
    assert_eq!(jar.limits().counts, Counted::Line);
    // 4000 bytes of name and value, over 4093 with its attributes.
    let line = format!(
        "a={}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=86400; \
         Expires=Wed, 21 Oct 2037 07:28:00 GMT; Domain=example.com",
        "x".repeat(3998)
    );
    assert!(line.len() > 4093);
    let applied = jar.apply("/", [line.as_str()]).unwrap();
    assert!(
        matches!(
            &applied[0],
            Applied::Rejected {
                reason: Rejection::TooLarge {
                    counted: Counted::Line,
                    limit: 4093,
                    ..
                },
                ..
            }
        ),
        "{applied:?}"
    );
    // Chromium keeps the same line.
    assert_eq!(
        self::jar("chromium").apply("/", [line.as_str()]).unwrap(),
        [stored("a")]
    );
}

#[test]
fn the_181st_cookie_purges_chromium_to_150_least_recently_used_first() {
    let mut jar = jar("chromium");
    let lines: Vec<String> = (0..180).map(|i| format!("c{i}=v")).collect();
    jar.apply("/", &lines).unwrap();
    assert_eq!(jar.len(), 180, "180 are kept");
    let applied = jar.apply("/", ["c180=v"]).unwrap();
    assert_eq!(applied[0], stored("c180"));
    assert_eq!(applied.len(), 1 + 31, "{applied:?}");
    assert_eq!(jar.len(), 150, "the 181st purges to 150");

    // Used, not created: ten domain cookies set first, then sent to
    // another host of the site, outlive 170 host-only ones set after them.
    let mut jar = self::jar("chromium");
    let www = "https://www.example.com/";
    let wide: Vec<String> = (0..10)
        .map(|i| format!("d{i}=v; Domain=example.com"))
        .collect();
    jar.apply(www, &wide).unwrap();
    jar.apply(www, &lines[..170]).unwrap();
    assert_eq!(
        header(&mut jar, "https://api.example.com/").map(|h| h.matches('=').count()),
        Some(10)
    );
    let applied = jar.apply(www, ["new=1"]).unwrap();
    let evicted: Vec<&str> = applied
        .iter()
        .filter_map(|a| match a {
            Applied::Evicted { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let oldest: Vec<String> = (0..31).map(|i| format!("c{i}")).collect();
    assert_eq!(evicted, oldest);
    for kept in ["d0", "d9", "c31", "c169", "new"] {
        assert!(jar.get(kept).is_some(), "{kept} was evicted");
    }
}

#[test]
fn entries_without_a_purge_level_drop_only_the_excess() {
    // The default entry (RFC 6265's minimums): 50 per site, purged to 50.
    let mut jar = jar("default");
    let lines: Vec<String> = (0..51).map(|i| format!("c{i}=v")).collect();
    let applied = jar.apply("/", &lines).unwrap();
    assert_eq!(
        applied.last(),
        Some(&Applied::Evicted { name: "c0".into() })
    );
    assert_eq!(jar.len(), 50);
    // Another site counts on its own.
    jar.apply("https://other.test/", ["o=1"]).unwrap();
    assert_eq!(jar.len(), 51);
}

#[test]
fn expiry_and_deletion_follow_the_jar_clock() {
    let mut jar = jar("firefox");
    jar.set_now(1_800_000_000);
    jar.apply(
        "/",
        [
            "short=1; Max-Age=60",
            // Max-Age wins over Expires, whichever comes first.
            "both=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=120",
            "session=1",
            "long=1; Max-Age=50000000",
        ],
    )
    .unwrap();
    assert_eq!(jar.names(), ["short", "both", "session", "long"]);
    assert_eq!(
        jar.cookie("long").unwrap().expires,
        Some(1_800_000_000 + 34_560_000),
        "capped at 400 days"
    );
    assert_eq!(jar.cookie("session").unwrap().expires, None);
    jar.advance(Duration::from_secs(60));
    assert_eq!(
        jar.names(),
        ["both", "session", "long"],
        "expired at its second"
    );
    // A deletion, as the engine writes one.
    let applied = jar
        .apply(
            "/",
            [
                "both=; Max-Age=0; Path=/",
                "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                "never-set=; Max-Age=0",
            ],
        )
        .unwrap();
    assert_eq!(
        applied,
        [
            Applied::Removed {
                name: "both".into(),
                existed: true
            },
            Applied::Removed {
                name: "session".into(),
                existed: true
            },
            Applied::Removed {
                name: "never-set".into(),
                existed: false
            },
        ]
    );
    jar.apply("/", ["session=2"]).unwrap();
    jar.close_browser();
    assert_eq!(jar.names(), ["long"]);
    jar.advance(Duration::from_secs(34_560_000));
    assert!(jar.is_empty());
    assert_eq!(header(&mut jar, "/"), None);
}

#[test]
fn paths_scope_what_is_sent() {
    let mut jar = jar("chromium");
    jar.apply("/", ["root=1", "app=1; Path=/app"]).unwrap();
    // Without Path, the default is the URL's directory.
    jar.apply("/admin/login", ["admin=1"]).unwrap();
    assert_eq!(jar.cookie("admin").unwrap().path, "/admin");
    assert_eq!(header(&mut jar, "/other").as_deref(), Some("root=1"));
    assert_eq!(header(&mut jar, "/apple").as_deref(), Some("root=1"));
    // Longer paths first.
    assert_eq!(
        header(&mut jar, "/app/settings").as_deref(),
        Some("app=1; root=1")
    );
    assert_eq!(
        header(&mut jar, "/admin").as_deref(),
        Some("admin=1; root=1")
    );
    // The same name on two paths: two cookies, both sent where both match.
    jar.apply("/", ["root=2; Path=/app"]).unwrap();
    assert_eq!(
        header(&mut jar, "/app").as_deref(),
        Some("app=1; root=2; root=1")
    );
}

#[test]
fn domains_host_only_and_secure() {
    let mut jar = jar("chromium");
    let www = "https://www.example.com/";
    jar.apply(
        www,
        [
            "host=1",
            "wide=1; Domain=.Example.com",
            "bad=1; Domain=other.com",
            "suffix=1; Domain=com",
        ],
    )
    .unwrap();
    assert_eq!(
        jar.last_applied()[2..],
        [
            rejected("bad", Rejection::DomainMismatch),
            rejected("suffix", Rejection::DomainMismatch)
        ]
    );
    assert!(jar.cookie("host").unwrap().host_only);
    assert_eq!(header(&mut jar, www).as_deref(), Some("host=1; wide=1"));
    assert_eq!(
        header(&mut jar, "https://api.example.com/").as_deref(),
        Some("wide=1")
    );
    assert_eq!(header(&mut jar, "https://example.org/"), None);

    // Secure: not set from http, not sent to http.
    let applied = jar
        .apply("http://www.example.com/", ["s=1; Secure"])
        .unwrap();
    assert_eq!(applied, [rejected("s", Rejection::InsecureOrigin)]);
    jar.apply(www, ["s=1; Secure"]).unwrap();
    assert_eq!(
        header(&mut jar, "http://www.example.com/").as_deref(),
        Some("host=1; wide=1")
    );
    // An IP address matches only itself.
    let applied = jar
        .apply("http://127.0.0.1:8080/", ["ip=1; Domain=0.0.1"])
        .unwrap();
    assert_eq!(applied, [rejected("ip", Rejection::DomainMismatch)]);
    jar.apply("http://127.0.0.1:8080/", ["ip=1"]).unwrap();
    assert_eq!(
        header(&mut jar, "http://127.0.0.1:9090/x").as_deref(),
        Some("ip=1"),
        "ports don't separate cookies"
    );
}

#[test]
fn name_prefixes() {
    let mut jar = jar("chromium");
    let applied = jar
        .apply(
            "/",
            [
                "__Secure-a=1; Secure",
                "__Secure-b=1",
                "__Host-c=1; Secure; Path=/",
                "__Host-d=1; Secure; Path=/; Domain=example.com",
                "__Host-e=1; Secure; Path=/app",
                "__host-f=1; Secure",
                "__Http-g=1; Secure; HttpOnly",
                "__Http-h=1; Secure",
                "__Host-Http-i=1; Secure; HttpOnly; Path=/",
                "=__Host-j",
            ],
        )
        .unwrap();
    let kept: Vec<&str> = applied
        .iter()
        .filter_map(|a| match a {
            Applied::Stored { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        kept,
        ["__Secure-a", "__Host-c", "__Http-g", "__Host-Http-i"]
    );
    // Safari treats __Http- as a plain name.
    let mut safari = self::jar("safari");
    assert_eq!(
        safari.apply("/", ["__Http-h=1; Secure"]).unwrap(),
        [stored("__Http-h")]
    );
}

#[test]
fn jars_by_name_by_user_agent_and_errors() {
    assert_eq!(
        TestJar::new("netscape").unwrap_err(),
        TestJarError::UnknownBrowser("netscape".into())
    );
    assert_eq!(jar("default").user_agent(), None);
    let ios = jar("safari-ios");
    let again = TestJar::from_user_agent(ios.user_agent().unwrap());
    assert_eq!(again.limits().id, "safari-ios");
    assert_eq!(TestJar::from_user_agent("curl/8.5.0").limits().id, "curl");
    assert_eq!(TestJar::from_user_agent("Wget/1.21").limits().id, "default");
    let mut jar = jar("firefox");
    for bad in ["", "example.com/x", "ftp://example.com/", "mailto:a@b"] {
        assert_eq!(
            jar.apply(bad, ["a=1"]),
            Err(TestJarError::InvalidUrl(bad.into()))
        );
        assert!(jar.cookie_header(bad).is_err());
    }
    assert!(jar.is_empty());
    let jar = TestJar::new("firefox")
        .unwrap()
        .with_origin("http://127.0.0.1:3000")
        .unwrap();
    assert!(jar.clone().with_origin("/relative").is_err());
}

/// The engine fits each browser; a jar of that browser keeps every cookie
/// and sends back a session that loads whole.
#[test]
fn the_engine_cookies_survive_a_jar_of_every_bundled_entry() {
    let engine = common::builder(1).build().unwrap();
    for entry in LimitsDb::bundled().entries() {
        let mut jar = jar(&entry.id);
        let ua = jar.user_agent().map(str::to_owned);
        let mut session = engine.load(Vec::<&str>::new(), ua.as_deref());
        let big = common::random_text(7, 5500);
        session.insert("big", &big).unwrap();
        let saved = engine.save(&mut session).unwrap();
        assert!(saved.report.chunks >= 2, "{}", entry.id);
        let url = "http://example.com/";
        let applied = jar.apply(url, &saved.set_cookies).unwrap();
        assert!(
            applied.iter().all(|a| matches!(a, Applied::Stored { .. })),
            "{}: {applied:?}",
            entry.id
        );
        let cookie = header(&mut jar, url).unwrap();
        let back = engine.load([cookie.as_str()], ua.as_deref());
        assert_eq!(back.empty_reason(), None, "{}", entry.id);
        assert_eq!(
            back.get::<String>("big").unwrap(),
            Some(big),
            "{}",
            entry.id
        );
    }
}

/// An engine that believes a browser keeps more than it does writes a chunk
/// the jar drops, and the next request finds no session.
#[test]
fn a_jar_catches_an_engine_fitted_to_the_wrong_limits() {
    let mut db = LimitsDb::bundled().clone();
    let generous = serde_json::json!({"entries": [
        {"id": "default", "browser": "default", "max_cookie_bytes": 4096, "counts": "line",
         "max_attribute_bytes": 1024, "max_cookies_per_site": 50, "purge_to": 50,
         "max_cookies_total": 3000, "source": "test"},
        {"id": "chromium", "browser": "chromium", "min_version": "101", "max_cookie_bytes": 8000,
         "counts": "name+value", "max_attribute_bytes": 1024, "max_cookies_per_site": 180,
         "purge_to": 150, "max_cookies_total": 3300, "source": "wrong on purpose"}
    ]});
    db.extend(LimitsDb::from_json(&generous.to_string()).unwrap());
    let engine = common::builder(2)
        .browsers(Arc::new(Browsers::new(db)))
        .header_budget(None)
        .header_limit(None)
        .build()
        .unwrap();
    let mut jar = jar("chromium");
    let ua = jar.user_agent().map(str::to_owned);
    let mut session = engine.load(Vec::<&str>::new(), ua.as_deref());
    session
        .insert("big", &common::random_text(8, 12_000))
        .unwrap();
    let saved = engine.save(&mut session).unwrap();
    let applied = jar
        .apply("http://example.com/", &saved.set_cookies)
        .unwrap();
    assert!(
        applied.iter().any(|a| matches!(
            a,
            Applied::Rejected {
                reason: Rejection::TooLarge { limit: 4096, .. },
                ..
            }
        )),
        "{applied:?}"
    );
    let cookie = header(&mut jar, "http://example.com/").unwrap_or_default();
    let back = engine.load([cookie.as_str()], ua.as_deref());
    assert!(back.is_empty(), "{:?}", back.empty_reason());
    // The same session through a correctly fitted engine loads back whole.
    let engine = common::builder(2).build().unwrap();
    let mut jar = self::jar("chromium");
    let mut session = engine.load(Vec::<&str>::new(), ua.as_deref());
    session
        .insert("big", &common::random_text(8, 5000))
        .unwrap();
    let saved = engine.save(&mut session).unwrap();
    jar.apply("http://example.com/", &saved.set_cookies)
        .unwrap();
    let cookie = header(&mut jar, "http://example.com/").unwrap();
    assert!(engine
        .load([cookie.as_str()], ua.as_deref())
        .contains_key("big"));
}

proptest! {
    /// Any line, from any URL, leaves the jar working: no panic, and every
    /// header it builds could go on the wire.
    #[test]
    fn any_input_is_applied_or_refused_without_panicking(
        lines in proptest::collection::vec(".{0,80}", 0..8),
        url in prop_oneof![Just("/".to_owned()), Just("https://a.example.com/x/y".to_owned()), ".{0,30}"],
        advance in 0u64..100_000,
    ) {
        let mut jar = TestJar::new("chromium").unwrap();
        let _ = jar.apply(&url, &lines);
        jar.advance(Duration::from_secs(advance));
        for target in [url.as_str(), "/", "http://a.example.com/x/"] {
            if let Ok(Some(header)) = jar.cookie_header(target) {
                prop_assert!(header.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f)));
            }
        }
    }
}
