//! Cookie limits of browsers, and the bundled database that holds them.
//!
//! A [`LimitsDb`] is a list of [`BrowserLimits`] entries, each naming the
//! browser family (and optionally the platform and lowest version) it applies
//! to. [`LimitsDb::lookup`] picks the most specific entry for an
//! [`Identity`] produced by [`crate::browser::agent::identify`], and falls back to the
//! single catch-all `"default"` entry, which holds the RFC 6265 minimums.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::browser::agent::Identity;

/// The browser family key of the catch-all entry.
const DEFAULT_BROWSER: &str = "default";

/// What [`BrowserLimits::max_cookie_bytes`] is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Counted {
    /// Only the cookie's name plus its value (`"name+value"` in JSON), as
    /// Chromium and Firefox count it. The `=` and the attributes are not
    /// included.
    #[serde(rename = "name+value")]
    NameValue,
    /// The whole `Set-Cookie` header value (`"line"` in JSON): `name=value`
    /// and every attribute with its separators.
    #[serde(rename = "line")]
    Line,
}

/// The cookie limits of one browser family, platform or version range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserLimits {
    /// Unique id of the entry, e.g. `"chromium"` or `"safari-ios"`.
    pub id: String,
    /// Browser family key this entry applies to: `"chromium"`, `"firefox"`,
    /// `"safari"`, `"ie"`, `"android-browser"` or `"default"`.
    pub browser: String,
    /// Platform the entry is limited to (`"ios"`, `"android"`, `"windows"`,
    /// `"macos"`, `"linux"`, ...), or `None` for any platform.
    #[serde(default)]
    pub platform: Option<String>,
    /// Lowest client version (dotted numbers, compared numerically) the entry
    /// applies to, or `None` for any version.
    #[serde(default)]
    pub min_version: Option<String>,
    /// Largest cookie the browser keeps, in bytes, measured as `counts` says.
    pub max_cookie_bytes: usize,
    /// What `max_cookie_bytes` is measured over.
    pub counts: Counted,
    /// Largest value of a single attribute (`Path`, `Domain`, ...) in bytes.
    pub max_attribute_bytes: usize,
    /// Most cookies the browser keeps for one site (domain or base domain).
    pub max_cookies_per_site: usize,
    /// Number of cookies the browser purges a site down to once
    /// `max_cookies_per_site` is exceeded.
    pub purge_to: usize,
    /// Most cookies the browser keeps in total, across all sites.
    pub max_cookies_total: usize,
    /// Where the figures come from: source file and constant, or the
    /// specification or documentation, and what was assumed.
    pub source: String,
}

impl BrowserLimits {
    fn is_catch_all(&self) -> bool {
        self.browser == DEFAULT_BROWSER && self.platform.is_none() && self.min_version.is_none()
    }

    /// Whether `self` and `other` would match exactly the same clients.
    fn same_match(&self, other: &BrowserLimits) -> bool {
        self.browser == other.browser
            && platform_eq(self.platform.as_deref(), other.platform.as_deref())
            && match (&self.min_version, &other.min_version) {
                (None, None) => true,
                (Some(a), Some(b)) => match (parse_version(a), parse_version(b)) {
                    (Some(a), Some(b)) => cmp_version(&a, &b) == Ordering::Equal,
                    _ => a == b,
                },
                _ => false,
            }
    }
}

/// Why a limits database was rejected by [`LimitsDb::from_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitsError {
    /// The text is not valid JSON of the expected shape; holds serde_json's
    /// message.
    Json(String),
    /// Two entries share this id.
    DuplicateId(String),
    /// There is no entry with browser `"default"` and neither platform nor
    /// minimum version.
    MissingDefault,
    /// More than one entry has browser `"default"` and neither platform nor
    /// minimum version.
    MultipleDefaults,
    /// The entry `id` has zero in the size or count named by `field`.
    Zero {
        /// Id of the offending entry.
        id: String,
        /// Name of the field that is zero.
        field: &'static str,
    },
    /// The entry's `purge_to` is above its `max_cookies_per_site`.
    PurgeAboveMax(String),
    /// The entry's `min_version` is not dotted decimal numbers.
    InvalidVersion {
        /// Id of the offending entry.
        id: String,
        /// The version as written.
        version: String,
    },
    /// Two entries match exactly the same clients (same browser, platform
    /// and minimum version), so lookups between them would be ambiguous.
    Ambiguous {
        /// Id of the first entry.
        first: String,
        /// Id of the second entry.
        second: String,
    },
}

impl fmt::Display for LimitsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LimitsError::Json(msg) => write!(f, "invalid browser limits json: {msg}"),
            LimitsError::DuplicateId(id) => write!(f, "duplicate entry id {id:?}"),
            LimitsError::MissingDefault => f.write_str(
                "no default entry (browser \"default\" with no platform and no min_version)",
            ),
            LimitsError::MultipleDefaults => f.write_str(
                "more than one default entry (browser \"default\" with no platform and no min_version)",
            ),
            LimitsError::Zero { id, field } => write!(f, "entry {id:?} has {field} of zero"),
            LimitsError::PurgeAboveMax(id) => {
                write!(f, "entry {id:?} has purge_to above max_cookies_per_site")
            }
            LimitsError::InvalidVersion { id, version } => write!(
                f,
                "entry {id:?} has min_version {version:?}, which is not dotted decimal numbers"
            ),
            LimitsError::Ambiguous { first, second } => write!(
                f,
                "entries {first:?} and {second:?} match the same browser, platform and min_version"
            ),
        }
    }
}

impl std::error::Error for LimitsError {}

/// A validated database of browser cookie limits.
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
/// assert_eq!(db.lookup(&identify("curl/8.5.0")).max_cookie_bytes, 4000);
/// # Ok::<(), cookietin::browser::limits::LimitsError>(())
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
            LimitsDb::from_json(include_str!("../../data/browser-limits.json"))
                .expect("bundled data/browser-limits.json is valid (checked by the test suite)")
        })
    }

    /// Parses and validates a database of the shape `{"entries": [...]}`.
    ///
    /// Rejects duplicate ids, a missing or repeated catch-all `"default"`
    /// entry, zero sizes or counts, `purge_to` above `max_cookies_per_site`,
    /// a `min_version` that is not dotted decimal numbers, and two entries
    /// that would match exactly the same clients.
    pub fn from_json(json: &str) -> Result<LimitsDb, LimitsError> {
        let raw: RawDb =
            serde_json::from_str(json).map_err(|e| LimitsError::Json(e.to_string()))?;
        let db = LimitsDb {
            entries: raw.entries,
        };
        db.validate()?;
        Ok(db)
    }

    fn validate(&self) -> Result<(), LimitsError> {
        match self.entries.iter().filter(|e| e.is_catch_all()).count() {
            0 => return Err(LimitsError::MissingDefault),
            1 => {}
            _ => return Err(LimitsError::MultipleDefaults),
        }
        for (i, e) in self.entries.iter().enumerate() {
            if self.entries[..i].iter().any(|o| o.id == e.id) {
                return Err(LimitsError::DuplicateId(e.id.clone()));
            }
            let sizes = [
                ("max_cookie_bytes", e.max_cookie_bytes),
                ("max_attribute_bytes", e.max_attribute_bytes),
                ("max_cookies_per_site", e.max_cookies_per_site),
                ("purge_to", e.purge_to),
                ("max_cookies_total", e.max_cookies_total),
            ];
            if let Some((field, _)) = sizes.iter().find(|(_, v)| *v == 0) {
                return Err(LimitsError::Zero {
                    id: e.id.clone(),
                    field,
                });
            }
            if e.purge_to > e.max_cookies_per_site {
                return Err(LimitsError::PurgeAboveMax(e.id.clone()));
            }
            if let Some(v) = &e.min_version {
                if parse_version(v).is_none() {
                    return Err(LimitsError::InvalidVersion {
                        id: e.id.clone(),
                        version: v.clone(),
                    });
                }
            }
            if let Some(o) = self.entries[..i].iter().find(|o| o.same_match(e)) {
                return Err(LimitsError::Ambiguous {
                    first: o.id.clone(),
                    second: e.id.clone(),
                });
            }
        }
        Ok(())
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

    /// The limits for a client: the most specific entry for its browser
    /// family, else the catch-all default.
    ///
    /// An entry is a candidate when its browser equals the identity's, its
    /// platform is `None` or equals the identity's platform (ASCII case
    /// ignored), and its `min_version` is `None` or not above the identity's
    /// version. Among candidates, one with a platform beats one without; then
    /// the highest `min_version` wins, and an entry without one comes last.
    /// So the order is browser+platform+version, browser+platform,
    /// browser+version, browser, then the default.
    pub fn lookup(&self, id: &Identity) -> &BrowserLimits {
        let version = id.version.as_deref().and_then(parse_version);
        let mut best: Option<(&BrowserLimits, bool, Option<Vec<u64>>)> = None;
        for e in &self.entries {
            if e.browser != id.browser {
                continue;
            }
            let platform_specific = match (&e.platform, id.platform) {
                (None, _) => false,
                (Some(p), Some(q)) if p.eq_ignore_ascii_case(q) => true,
                _ => continue,
            };
            let min = match &e.min_version {
                None => None,
                Some(m) => {
                    let (Some(m), Some(v)) = (parse_version(m), version.as_ref()) else {
                        continue;
                    };
                    if cmp_version(&m, v) == Ordering::Greater {
                        continue;
                    }
                    Some(m)
                }
            };
            let better = match &best {
                None => true,
                Some((_, best_platform, best_min)) => {
                    rank_cmp(
                        (platform_specific, min.as_deref()),
                        (*best_platform, best_min.as_deref()),
                    ) != Ordering::Less
                }
            };
            if better {
                best = Some((e, platform_specific, min));
            }
        }
        match best {
            Some((e, _, _)) => e,
            None => self.default_limits(),
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

/// Orders candidates by (platform-specific, min_version); no min_version
/// ranks below any.
fn rank_cmp(a: (bool, Option<&[u64]>), b: (bool, Option<&[u64]>)) -> Ordering {
    a.0.cmp(&b.0).then_with(|| match (a.1, b.1) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp_version(x, y),
    })
}

fn platform_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Parses `"124.0.6367"` into its numbers; `None` unless the whole string is
/// non-empty decimal numbers separated by single dots.
fn parse_version(s: &str) -> Option<Vec<u64>> {
    if s.is_empty() {
        return None;
    }
    s.split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                part.parse::<u64>().ok()
            }
        })
        .collect()
}

/// Compares versions numerically, missing trailing parts counting as zero,
/// so `4` equals `4.0`.
fn cmp_version(a: &[u64], b: &[u64]) -> Ordering {
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, browser: &str, platform: Option<&str>, min: Option<&str>) -> String {
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

    fn db_json(entries: &[String]) -> String {
        format!(r#"{{"entries": [{}]}}"#, entries.join(","))
    }

    fn ident(
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

    fn test_db() -> LimitsDb {
        LimitsDb::from_json(&db_json(&[
            entry("default", "default", None, None),
            entry("x", "x", None, None),
            entry("x-10", "x", None, Some("10")),
            entry("x-20", "x", None, Some("20.1")),
            entry("x-ios", "x", Some("ios"), None),
            entry("x-ios-15", "x", Some("ios"), Some("15")),
            entry("y-android", "y", Some("android"), None),
        ]))
        .unwrap()
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
    fn most_specific_match_wins() {
        let db = test_db();
        let id = |b, p, v| db.lookup(&ident(b, p, v)).id.as_str();
        // browser + platform + version
        assert_eq!(id("x", Some("ios"), Some("16.2")), "x-ios-15");
        assert_eq!(id("x", Some("ios"), Some("15")), "x-ios-15");
        assert_eq!(id("x", Some("IOS"), Some("15.0.0")), "x-ios-15");
        // browser + platform beats browser + version
        assert_eq!(id("x", Some("ios"), Some("14.9")), "x-ios");
        assert_eq!(id("x", Some("ios"), Some("25")), "x-ios-15");
        assert_eq!(id("x", Some("ios"), None), "x-ios");
        // browser + version: the highest min_version not above the client's
        assert_eq!(id("x", Some("windows"), Some("25")), "x-20");
        assert_eq!(id("x", None, Some("20.1")), "x-20");
        assert_eq!(id("x", None, Some("20.0.9")), "x-10");
        assert_eq!(id("x", None, Some("10")), "x-10");
        // versions compare numerically, not as text
        assert_eq!(id("x", None, Some("9.99")), "x");
        assert_eq!(id("x", None, Some("100")), "x-20");
        // browser only
        assert_eq!(id("x", None, None), "x");
        assert_eq!(id("x", None, Some("not-a-version")), "x");
        // the platform must match when the entry has one
        assert_eq!(id("y", Some("android"), None), "y-android");
        assert_eq!(id("y", Some("ios"), None), "default");
        assert_eq!(id("y", None, None), "default");
        // unknown family
        assert_eq!(id("zzz", Some("ios"), Some("1")), "default");
        assert_eq!(id("default", None, None), "default");
    }

    #[test]
    fn version_helpers() {
        assert_eq!(parse_version("124.0.6367.82"), Some(vec![124, 0, 6367, 82]));
        for bad in [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "1.a",
            "v1",
            "1 .2",
            "-1",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_version(bad), None, "{bad:?}");
        }
        assert_eq!(cmp_version(&[4], &[4, 0, 0]), Ordering::Equal);
        assert_eq!(cmp_version(&[4, 0, 1], &[4]), Ordering::Greater);
        assert_eq!(cmp_version(&[9], &[10]), Ordering::Less);
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
    fn errors_display_in_lowercase() {
        let errors = [
            LimitsError::Json("x".into()),
            LimitsError::DuplicateId("a".into()),
            LimitsError::MissingDefault,
            LimitsError::MultipleDefaults,
            LimitsError::Zero {
                id: "a".into(),
                field: "purge_to",
            },
            LimitsError::PurgeAboveMax("a".into()),
            LimitsError::InvalidVersion {
                id: "a".into(),
                version: "b".into(),
            },
            LimitsError::Ambiguous {
                first: "a".into(),
                second: "b".into(),
            },
        ];
        for e in errors {
            let msg = e.to_string();
            assert!(msg.starts_with(|c: char| c.is_ascii_lowercase()), "{msg}");
            let _: &dyn std::error::Error = &e;
        }
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
