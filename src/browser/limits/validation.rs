//! What makes a limits database valid, and the errors that say why one is
//! not.

use std::fmt;

use crate::browser::limits::entry::BrowserLimits;
use crate::browser::limits::version::parse_version;

/// Why a limits database was rejected by
/// [`LimitsDb::from_json`](crate::browser::limits::LimitsDb::from_json).
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
    /// The entry `id` has zero in the size or count named by `field`
    /// (an optional one such as `max_cookie_header_bytes` when given).
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

/// Checks a database's entries: exactly one catch-all default, unique ids,
/// no zero size or count (optional ones included when given), `purge_to` within `max_cookies_per_site`, dotted
/// decimal `min_version`s, and no two entries matching the same clients.
pub(crate) fn validate(entries: &[BrowserLimits]) -> Result<(), LimitsError> {
    match entries.iter().filter(|e| e.is_catch_all()).count() {
        0 => return Err(LimitsError::MissingDefault),
        1 => {}
        _ => return Err(LimitsError::MultipleDefaults),
    }
    for (i, e) in entries.iter().enumerate() {
        if entries[..i].iter().any(|o| o.id == e.id) {
            return Err(LimitsError::DuplicateId(e.id.clone()));
        }
        let sizes = [
            ("max_cookie_bytes", e.max_cookie_bytes),
            ("max_attribute_bytes", e.max_attribute_bytes),
            ("max_cookies_per_site", e.max_cookies_per_site),
            ("purge_to", e.purge_to),
            ("max_cookies_total", e.max_cookies_total),
            (
                "max_cookie_header_bytes",
                e.max_cookie_header_bytes.unwrap_or(1),
            ),
            (
                "partition.max_bytes",
                e.partition.map_or(1, |p| p.max_bytes),
            ),
            (
                "partition.max_cookies",
                e.partition.map_or(1, |p| p.max_cookies),
            ),
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
        if let Some(o) = entries[..i].iter().find(|o| o.same_match(e)) {
            return Err(LimitsError::Ambiguous {
                first: o.id.clone(),
                second: e.id.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
