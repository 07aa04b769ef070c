//! One entry of the limits database: what a browser family (or platform,
//! or version range) keeps, and what it counts.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::browser::limits::version::{cmp_version, parse_version};

/// The browser family key of the catch-all entry.
pub(crate) const DEFAULT_BROWSER: &str = "default";

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
    /// `"safari"`, `"ie"`, `"android-browser"`, an HTTP client's key
    /// (`"curl"`, `"python-requests"`, ...; see
    /// [`identify`](crate::browser::agent::identify)) or `"default"`.
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
    /// Longest `Cookie` header value the client sends whole, in bytes, or
    /// `None` when it sends any length (every browser: for them the server
    /// in front is the limit). HTTP clients such as curl leave cookies out
    /// past their cap, so a session fitted to a larger header loses its
    /// last chunks on the way back; the budget treats the cap as a hard
    /// limit on the whole header, the request's other cookies included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cookie_header_bytes: Option<usize>,
    /// What the browser keeps of one site's partitioned cookies (CHIPS, the
    /// `Partitioned` attribute) in one partition, or `None` when it does
    /// not partition them or the limits are not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionLimits>,
    /// Where the figures come from: source file and constant, or the
    /// specification or documentation, and what was assumed.
    pub source: String,
}

/// What a browser keeps in one partition (one top-level site) of one
/// embedded site's partitioned cookies; past either limit it evicts them.
///
/// # Example
/// ```
/// use cookietin::PartitionLimits;
/// use cookietin::{Counted, LimitsDb};
///
/// let chromium = LimitsDb::bundled().get("chromium").unwrap();
/// let partition: PartitionLimits = chromium.partition.unwrap();
/// assert_eq!((partition.max_bytes, partition.max_cookies), (10240, 180));
/// assert_eq!(partition.counts, Counted::NameValue);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionLimits {
    /// Most bytes of all the site's cookies in the partition together,
    /// each measured as `counts` says.
    pub max_bytes: usize,
    /// Most cookies of the site in the partition.
    pub max_cookies: usize,
    /// What `max_bytes` sums over each cookie (Chromium and Firefox: name
    /// plus value).
    pub counts: Counted,
}

impl BrowserLimits {
    pub(crate) fn is_catch_all(&self) -> bool {
        self.browser == DEFAULT_BROWSER && self.platform.is_none() && self.min_version.is_none()
    }

    /// Whether `self` and `other` would match exactly the same clients.
    pub(crate) fn same_match(&self, other: &BrowserLimits) -> bool {
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

fn platform_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}
