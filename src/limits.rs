//! TEMPORARY stub; replaced by the limits database module.
use serde::{Deserialize, Serialize};

/// What a browser's per-cookie limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Counted {
    /// Name and value.
    #[serde(rename = "name+value")]
    NameValue,
    /// The whole Set-Cookie value.
    #[serde(rename = "line")]
    Line,
}

/// One browser's limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserLimits {
    /// id
    pub id: String,
    /// browser
    pub browser: String,
    /// platform
    pub platform: Option<String>,
    /// min version
    pub min_version: Option<String>,
    /// max bytes
    pub max_cookie_bytes: usize,
    /// counts
    pub counts: Counted,
    /// attr
    pub max_attribute_bytes: usize,
    /// per site
    pub max_cookies_per_site: usize,
    /// purge
    pub purge_to: usize,
    /// total
    pub max_cookies_total: usize,
    /// source
    pub source: String,
}

/// db
#[derive(Debug, Clone)]
pub struct LimitsDb {
    entries: Vec<BrowserLimits>,
}

/// err
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitsError {
    /// bad
    Json(String),
}
impl std::fmt::Display for LimitsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}
impl std::error::Error for LimitsError {}

impl LimitsDb {
    /// bundled
    pub fn bundled() -> &'static LimitsDb {
        static DB: std::sync::OnceLock<LimitsDb> = std::sync::OnceLock::new();
        DB.get_or_init(|| LimitsDb {
            entries: vec![
                BrowserLimits {
                    id: "chromium".into(),
                    browser: "chromium".into(),
                    platform: None,
                    min_version: None,
                    max_cookie_bytes: 4096,
                    counts: Counted::NameValue,
                    max_attribute_bytes: 1024,
                    max_cookies_per_site: 180,
                    purge_to: 150,
                    max_cookies_total: 3300,
                    source: "stub".into(),
                },
                BrowserLimits {
                    id: "default".into(),
                    browser: "default".into(),
                    platform: None,
                    min_version: None,
                    max_cookie_bytes: 4096,
                    counts: Counted::Line,
                    max_attribute_bytes: 1024,
                    max_cookies_per_site: 50,
                    purge_to: 50,
                    max_cookies_total: 3000,
                    source: "stub".into(),
                },
            ],
        })
    }
    /// from json
    pub fn from_json(_s: &str) -> Result<LimitsDb, LimitsError> {
        Err(LimitsError::Json("stub".into()))
    }
    /// lookup
    pub fn lookup(&self, id: &crate::agent::Identity) -> &BrowserLimits {
        self.entries
            .iter()
            .find(|e| e.browser == id.browser)
            .unwrap_or(&self.entries[1])
    }
}
