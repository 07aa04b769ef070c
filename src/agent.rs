//! TEMPORARY stub; replaced by the User-Agent module.
use serde::Serialize;
/// identity
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// family
    pub browser: &'static str,
    /// platform
    pub platform: Option<&'static str>,
    /// version
    pub version: Option<String>,
    /// name
    pub name: String,
    /// os
    pub os: String,
}
/// identify
pub fn identify(ua: &str) -> Identity {
    let chrome = ua.contains("Chrome/");
    Identity {
        browser: if chrome { "chromium" } else { "default" },
        platform: None,
        version: None,
        name: String::new(),
        os: String::new(),
    }
}
