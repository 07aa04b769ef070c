//! `ua_lookup`: an arbitrary string as a User-Agent into
//! `cookietin::identify` and `Browsers::bundled().resolve`.
//!
//! Input: the bytes, as UTF-8 (invalid sequences replaced).
//!
//! Asserts: nothing panics; the identity's browser is one of the documented
//! families and its version dotted decimal numbers; the resolved limits are
//! an entry of the bundled database, the one `LimitsDb::lookup` picks for
//! the identity; and resolving agrees with `identify`, cached or not.

use cookietin::{identify, Browsers, LimitsDb};

const FAMILIES: [&str; 12] = [
    "chromium",
    "firefox",
    "safari",
    "ie",
    "android-browser",
    "curl",
    "python-requests",
    "python-httpx",
    "go-net-http",
    "okhttp",
    "undici",
    "default",
];

pub fn run(data: &[u8]) {
    let agent = String::from_utf8_lossy(data);
    let identity = identify(&agent);
    assert!(FAMILIES.contains(&identity.browser), "{identity:?}");
    if let Some(v) = &identity.version {
        assert!(
            !v.is_empty()
                && v.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
            "version {v:?} is not dotted decimal numbers"
        );
    }

    let browsers = Browsers::bundled();
    let db: &LimitsDb = browsers.db();
    let browser = browsers.resolve(&agent);
    let entry = db.get(&browser.limits.id);
    assert_eq!(
        entry,
        Some(&browser.limits),
        "resolved limits not in the database"
    );
    assert_eq!(db.lookup(&browser.identity), &browser.limits);
    assert_eq!(browser.identity, identity);
    // A second lookup comes from the cache and must agree.
    assert_eq!(browsers.resolve(&agent), browser);
}
