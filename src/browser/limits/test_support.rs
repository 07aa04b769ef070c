//! Entries and databases for the limits modules' unit tests.

use crate::browser::agent::Identity;

/// An entry's JSON with Chromium's figures and the given match.
pub(crate) fn entry(id: &str, browser: &str, platform: Option<&str>, min: Option<&str>) -> String {
    let opt = |o: Option<&str>| o.map_or("null".to_string(), |s| format!("{s:?}"));
    format!(
        r#"{{"id": {id:?}, "browser": {browser:?}, "platform": {}, "min_version": {},
            "max_cookie_bytes": 4096, "counts": "name+value", "max_attribute_bytes": 1024,
            "max_cookies_per_site": 180, "purge_to": 150, "max_cookies_total": 3000,
            "source": "test"}}"#,
        opt(platform),
        opt(min)
    )
}

pub(crate) fn db_json(entries: &[String]) -> String {
    format!(r#"{{"entries": [{}]}}"#, entries.join(","))
}

pub(crate) fn ident(
    browser: &'static str,
    platform: Option<&'static str>,
    version: Option<&str>,
) -> Identity {
    Identity {
        browser,
        platform,
        version: version.map(str::to_string),
        name: String::new(),
        os: String::new(),
    }
}

/// A database of test entries: the default, `x` by version and platform,
/// and `y` on Android only.
pub(crate) fn test_db_json() -> String {
    db_json(&[
        entry("default", "default", None, None),
        entry("x", "x", None, None),
        entry("x-10", "x", None, Some("10")),
        entry("x-20", "x", None, Some("20.1")),
        entry("x-ios", "x", Some("ios"), None),
        entry("x-ios-15", "x", Some("ios"), Some("15")),
        entry("y-android", "y", Some("android"), None),
    ])
}
