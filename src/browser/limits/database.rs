//! The database itself: the bundled file, parsing and validating one,
//! overlaying one on another.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::browser::limits::entry::BrowserLimits;
use crate::browser::limits::validation::{validate, LimitsError};

/// A validated database of browser cookie limits: a list of
/// [`BrowserLimits`](crate::BrowserLimits) entries, each naming the browser
/// family (and optionally the platform and lowest version) it applies to.
/// [`LimitsDb::lookup`] picks the most specific entry for an
/// [`Identity`](crate::Identity) produced by [`identify`](crate::identify),
/// and falls back to the catch-all `"default"` entry, which holds the RFC
/// 6265 minimums.
///
/// It always holds exactly one catch-all entry (browser `"default"`, no
/// platform, no minimum version), so [`LimitsDb::lookup`] always has an
/// answer.
///
/// # Example
///
/// ```
/// use cookietin::identify;
/// use cookietin::{Counted, LimitsDb};
///
/// let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
///           (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
/// let limits = LimitsDb::bundled().lookup(&identify(ua));
/// assert_eq!(limits.id, "chromium");
/// assert_eq!(limits.max_cookie_bytes, 4096);
/// assert_eq!(limits.counts, Counted::NameValue);
///
/// // Overlay your own figures: same ids replace, new ids add.
/// let mut db = LimitsDb::bundled().clone();
/// db.extend(LimitsDb::from_json(r#"{"entries": [{
///     "id": "default", "browser": "default",
///     "max_cookie_bytes": 4000, "counts": "line", "max_attribute_bytes": 1024,
///     "max_cookies_per_site": 20, "purge_to": 20, "max_cookies_total": 300,
///     "source": "our own policy"
/// }]}"#)?);
/// assert_eq!(db.lookup(&identify("Wget/1.21.4")).max_cookie_bytes, 4000);
/// # Ok::<(), cookietin::LimitsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LimitsDb {
    entries: Vec<BrowserLimits>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDb {
    entries: Vec<BrowserLimits>,
}

impl LimitsDb {
    /// The database bundled with the crate (`data/browser-limits.json`),
    /// parsed and validated once on first use.
    pub fn bundled() -> &'static LimitsDb {
        static BUNDLED: OnceLock<LimitsDb> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            LimitsDb::from_json(include_str!("../../../data/browser-limits.json"))
                .expect("bundled data/browser-limits.json is valid (checked by the test suite)")
        })
    }

    /// Parses and validates a database of the shape `{"entries": [...]}`.
    ///
    /// Rejects duplicate ids, a missing or repeated catch-all `"default"`
    /// entry, zero sizes or counts (optional ones included when given), `purge_to` above `max_cookies_per_site`,
    /// a `min_version` that is not dotted decimal numbers, and two entries
    /// that would match exactly the same clients.
    pub fn from_json(json: &str) -> Result<LimitsDb, LimitsError> {
        let raw: RawDb =
            serde_json::from_str(json).map_err(|e| LimitsError::Json(e.to_string()))?;
        validate(&raw.entries)?;
        Ok(LimitsDb {
            entries: raw.entries,
        })
    }

    /// Merges `other` into this database.
    ///
    /// An entry of `other` replaces the entry with the same id, and also any
    /// entry that matches exactly the same clients (same browser, platform
    /// and minimum version); other entries of `other` are added. `other`'s
    /// catch-all default replaces this database's one, whatever its id.
    pub fn extend(&mut self, other: LimitsDb) {
        for entry in other.entries {
            self.entries
                .retain(|e| e.id == entry.id || !e.same_match(&entry));
            match self.entries.iter().position(|e| e.id == entry.id) {
                Some(pos) => self.entries[pos] = entry,
                None => self.entries.push(entry),
            }
        }
    }

    /// The catch-all entry (browser `"default"`, no platform, no version).
    pub fn default_limits(&self) -> &BrowserLimits {
        self.entries
            .iter()
            .find(|e| e.is_catch_all())
            .expect("a LimitsDb always holds exactly one catch-all default entry")
    }

    /// The entry with this id, if any.
    pub fn get(&self, id: &str) -> Option<&BrowserLimits> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// All entries, in file order (entries added by [`LimitsDb::extend`]
    /// come last).
    pub fn entries(&self) -> &[BrowserLimits] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::limits::entry::Counted;
    use crate::browser::limits::test_support::{db_json, entry, ident, test_db_json};

    fn test_db() -> LimitsDb {
        LimitsDb::from_json(&test_db_json()).unwrap()
    }

    #[test]
    fn from_json_rejects_invalid_databases() {
        let d = || entry("default", "default", None, None);
        let err = |entries: &[String]| LimitsDb::from_json(&db_json(entries)).unwrap_err();

        assert!(matches!(
            LimitsDb::from_json("not json"),
            Err(LimitsError::Json(_))
        ));
        assert!(matches!(
            LimitsDb::from_json("{}"),
            Err(LimitsError::Json(_))
        ));
        assert!(matches!(
            LimitsDb::from_json(r#"{"entries": [], "extra": 1}"#),
            Err(LimitsError::Json(_))
        ));
        // unknown field in an entry (e.g. a typo) is an error, not silently ignored
        let typo = d().replace("\"platform\"", "\"platfrom\"");
        assert!(matches!(err(&[typo]), LimitsError::Json(_)));
        // bad counts value
        let bad_counts = d().replace("name+value", "bytes");
        assert!(matches!(err(&[bad_counts]), LimitsError::Json(_)));

        assert_eq!(err(&[]), LimitsError::MissingDefault);
        assert_eq!(
            err(&[entry("default", "default", Some("ios"), None)]),
            LimitsError::MissingDefault
        );
        assert_eq!(
            err(&[entry("default", "default", None, Some("1"))]),
            LimitsError::MissingDefault
        );
        assert_eq!(
            err(&[d(), entry("other", "default", None, None)]),
            LimitsError::MultipleDefaults
        );
        assert_eq!(
            err(&[d(), entry("default", "x", None, None)]),
            LimitsError::DuplicateId("default".into())
        );
        for field in [
            "max_cookie_bytes",
            "max_attribute_bytes",
            "max_cookies_per_site",
            "purge_to",
            "max_cookies_total",
            "max_cookie_header_bytes",
        ] {
            let mut value: serde_json::Value =
                serde_json::from_str(&entry("x", "x", None, None)).unwrap();
            value[field] = 0.into();
            let zero = value.to_string();
            assert_eq!(
                err(&[d(), zero]),
                LimitsError::Zero {
                    id: "x".into(),
                    field
                },
                "{field}"
            );
        }
        for (field, partition) in [
            (
                "partition.max_bytes",
                r#"{"max_bytes": 0, "max_cookies": 180, "counts": "name+value"}"#,
            ),
            (
                "partition.max_cookies",
                r#"{"max_bytes": 10240, "max_cookies": 0, "counts": "name+value"}"#,
            ),
        ] {
            let mut value: serde_json::Value =
                serde_json::from_str(&entry("x", "x", None, None)).unwrap();
            value["partition"] = serde_json::from_str(partition).unwrap();
            assert_eq!(
                err(&[d(), value.to_string()]),
                LimitsError::Zero {
                    id: "x".into(),
                    field
                },
                "{field}"
            );
        }
        // A partition with an unknown field, or without its counts, is not read.
        for partition in [
            r#"{"max_bytes": 1, "max_cookies": 1, "counts": "name+value", "max": 1}"#,
            r#"{"max_bytes": 1, "max_cookies": 1}"#,
        ] {
            let mut value: serde_json::Value =
                serde_json::from_str(&entry("x", "x", None, None)).unwrap();
            value["partition"] = serde_json::from_str(partition).unwrap();
            assert!(matches!(
                err(&[d(), value.to_string()]),
                LimitsError::Json(_)
            ));
        }
        let purge = entry("x", "x", None, None).replace("\"purge_to\": 150", "\"purge_to\": 181");
        assert_eq!(err(&[d(), purge]), LimitsError::PurgeAboveMax("x".into()));
        assert_eq!(
            err(&[d(), entry("x", "x", None, Some("1.x"))]),
            LimitsError::InvalidVersion {
                id: "x".into(),
                version: "1.x".into()
            }
        );
        assert_eq!(
            err(&[
                d(),
                entry("a", "x", Some("ios"), Some("4")),
                entry("b", "x", Some("iOS"), Some("4.0"))
            ]),
            LimitsError::Ambiguous {
                first: "a".into(),
                second: "b".into()
            }
        );
        // equal purge_to and max is fine, as are missing platform/min_version keys
        let ok = r#"{"entries": [{"id": "d", "browser": "default", "max_cookie_bytes": 1,
            "counts": "line", "max_attribute_bytes": 1, "max_cookies_per_site": 1,
            "purge_to": 1, "max_cookies_total": 1, "source": ""}]}"#;
        assert_eq!(LimitsDb::from_json(ok).unwrap().default_limits().id, "d");
    }

    #[test]
    fn bundled_database_is_valid_and_has_the_documented_entries() {
        let db = LimitsDb::bundled();
        for id in [
            "default",
            "chromium",
            "chromium-legacy",
            "firefox",
            "safari",
            "safari-ios",
            "ie",
            "ie-legacy",
            "android-browser",
            "android-browser-4",
        ] {
            assert!(db.get(id).is_some(), "missing bundled entry {id}");
        }
        assert_eq!(db.default_limits().id, "default");
        assert!(db.entries().iter().all(|e| !e.source.is_empty()));
        let chromium = db.get("chromium").unwrap();
        assert_eq!(
            (
                chromium.max_cookie_bytes,
                chromium.counts,
                chromium.max_attribute_bytes
            ),
            (4096, Counted::NameValue, 1024)
        );
        assert_eq!(
            (
                chromium.max_cookies_per_site,
                chromium.purge_to,
                chromium.max_cookies_total
            ),
            (180, 150, 3300)
        );
        let firefox = db.get("firefox").unwrap();
        assert_eq!(
            (
                firefox.max_cookies_per_site,
                firefox.purge_to,
                firefox.max_cookies_total
            ),
            (180, 150, 3000)
        );
        // Partitioned cookies: Chromium's and Firefox's sources agree.
        for id in ["chromium", "firefox", "safari", "safari-ios"] {
            let p = db.get(id).unwrap().partition.unwrap();
            assert_eq!(
                (p.max_bytes, p.max_cookies, p.counts),
                (10240, 180, Counted::NameValue),
                "{id}"
            );
        }
        for id in [
            "chromium-legacy",
            "ie",
            "android-browser",
            "default",
            "curl",
        ] {
            assert_eq!(db.get(id).unwrap().partition, None, "{id}");
        }
        let default = db.default_limits();
        assert_eq!(
            (
                default.max_cookie_bytes,
                default.counts,
                default.max_cookies_per_site
            ),
            (4096, Counted::Line, 50)
        );
        // The bundled file round-trips through the public types.
        let json = serde_json::to_string(db).unwrap();
        assert_eq!(&LimitsDb::from_json(&json).unwrap(), db);
    }

    #[test]
    fn extend_replaces_same_ids_and_adds_new_ones() {
        let mut db = test_db();
        let overlay = LimitsDb::from_json(&db_json(&[
            entry("default", "default", None, None)
                .replace("\"max_cookies_total\": 3000", "\"max_cookies_total\": 42"),
            entry("x-ios", "x", Some("ios"), None).replace("4096", "1000"),
            entry("z", "z", None, None),
        ]))
        .unwrap();
        let before = db.entries().len();
        db.extend(overlay);
        assert_eq!(db.entries().len(), before + 1);
        assert_eq!(db.default_limits().max_cookies_total, 42);
        assert_eq!(db.get("x-ios").unwrap().max_cookie_bytes, 1000);
        assert_eq!(
            db.lookup(&ident("x", Some("ios"), None)).max_cookie_bytes,
            1000
        );
        assert_eq!(db.lookup(&ident("z", None, None)).id, "z");
        // untouched entries stay
        assert_eq!(db.lookup(&ident("x", None, Some("25"))).id, "x-20");
        // the result is still a valid database
        let json = serde_json::to_string(&db).unwrap();
        assert_eq!(LimitsDb::from_json(&json).unwrap(), db);
    }

    #[test]
    fn extend_replaces_the_default_and_same_match_entries_under_other_ids() {
        let mut db = test_db();
        let overlay = LimitsDb::from_json(&db_json(&[
            entry("fallback", "default", None, None),
            entry("my-x-10", "x", None, Some("10.0")),
        ]))
        .unwrap();
        db.extend(overlay);
        assert_eq!(db.default_limits().id, "fallback");
        assert!(db.get("default").is_none());
        assert!(db.get("x-10").is_none());
        assert_eq!(db.lookup(&ident("x", None, Some("12"))).id, "my-x-10");
        assert_eq!(db.lookup(&ident("nope", None, None)).id, "fallback");
        let json = serde_json::to_string(&db).unwrap();
        assert_eq!(LimitsDb::from_json(&json).unwrap(), db);
    }

    #[test]
    fn extend_by_id_can_change_what_an_entry_matches() {
        let mut db = test_db();
        // "x-10" now becomes a platform entry that collides with "x-ios";
        // the replaced entry wins and the shadowed one goes.
        db.extend(
            LimitsDb::from_json(&db_json(&[
                entry("default", "default", None, None),
                entry("x-10", "x", Some("ios"), None),
            ]))
            .unwrap(),
        );
        assert!(db.get("x-ios").is_none());
        assert_eq!(db.lookup(&ident("x", Some("ios"), Some("1"))).id, "x-10");
        let json = serde_json::to_string(&db).unwrap();
        assert_eq!(LimitsDb::from_json(&json).unwrap(), db);
    }
}
