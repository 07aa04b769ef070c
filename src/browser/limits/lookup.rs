//! Which entry applies to a client: the most specific match for its
//! identity, else the catch-all default.

use std::cmp::Ordering;

use crate::browser::agent::Identity;
use crate::browser::limits::database::LimitsDb;
use crate::browser::limits::entry::BrowserLimits;
use crate::browser::limits::version::{cmp_version, parse_version};

impl LimitsDb {
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
        for e in self.entries() {
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

#[cfg(test)]
mod tests {
    use crate::browser::limits::database::LimitsDb;
    use crate::browser::limits::test_support::{ident, test_db_json};

    #[test]
    fn most_specific_match_wins() {
        let db = LimitsDb::from_json(&test_db_json()).unwrap();
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
}
