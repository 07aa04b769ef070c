//! Working out which cookie store a visiting client has, from its
//! `User-Agent` header.
//!
//! [`identify`] uses [woothee] to parse the header, then maps the result to
//! the browser family whose cookie code the client really runs, which is
//! what [`crate::browser::limits::LimitsDb::lookup`] needs:
//!
//! - every browser on iOS and iPadOS (Safari, Chrome `CriOS`, Firefox
//!   `FxiOS`, Edge `EdgiOS`, in-app web views) uses WebKit's cookie store,
//!   so they are all `"safari"` on platform `"ios"`. iPadOS 13 and later
//!   sends a desktop macOS Safari header by default, which cannot be told
//!   apart from a Mac; it is identified as `"safari"` on `"macos"`;
//! - anything carrying a `Chrome/` token (Chrome, Edge, Opera, Samsung
//!   Internet, Brave, Vivaldi, Yandex, Android WebView, Electron, ...) is
//!   `"chromium"`, versioned by that token rather than by the vendor's own
//!   version number;
//! - Firefox on desktop and Android is `"firefox"`;
//! - Internet Explorer, and the pre-Chromium EdgeHTML Edge (`Edge/12-18`),
//!   are `"ie"`, versioned by the rendering engine (so IE 11 in
//!   compatibility view, which claims `MSIE 7.0`, is still 11);
//! - the Android stock browser and WebView before Chromium (an Android
//!   WebKit header without `Chrome/`) is `"android-browser"`, versioned by
//!   the Android release;
//! - the default User-Agents of common HTTP clients, which woothee does
//!   not tell apart (it names curl an "HTTP Library" and knows none of the
//!   others), are matched first, by their leading product token: `curl/`
//!   (`"curl"`, versioned), `python-requests/` (`"python-requests"`),
//!   `python-httpx/` (`"python-httpx"`), `Go-http-client/`
//!   (`"go-net-http"`, unversioned: its number is the HTTP version),
//!   `okhttp/` (`"okhttp"`), and Node's fetch, which sends exactly `node`
//!   or, from the npm package, `undici` (`"undici"`);
//! - robots, other HTTP libraries, empty and unrecognised headers are
//!   `"default"`.
//!
//! [woothee]: https://crates.io/crates/woothee

use serde::Serialize;
use woothee::parser::{Parser, WootheeResult};

const CHROMIUM: &str = "chromium";
const FIREFOX: &str = "firefox";
const SAFARI: &str = "safari";
const IE: &str = "ie";
const ANDROID_BROWSER: &str = "android-browser";
const DEFAULT: &str = "default";

/// HTTP clients by the product token their default User-Agent starts
/// with (ASCII case ignored): the family, and whether the token's version
/// is the client's own.
const HTTP_CLIENTS: &[(&str, &str, bool)] = &[
    ("curl/", "curl", true),
    ("python-requests/", "python-requests", true),
    ("python-httpx/", "python-httpx", true),
    ("Go-http-client/", "go-net-http", false),
    ("okhttp/", "okhttp", true),
];
/// Node's fetch (undici) sends one of these words as its whole User-Agent.
const UNDICI_AGENTS: &[&str] = &["node", "undici"];
const UNDICI: &str = "undici";

/// Only this many leading bytes of a `User-Agent` are examined; real ones
/// are far shorter, and the cap bounds the parsing cost of hostile input.
const MAX_UA_BYTES: usize = 4096;

/// Lowercase fragments that only robots put in their `User-Agent`.
const ROBOT_MARKERS: &[&str] = &["+http", "bot/", "bot;", "bot)", "spider", "crawler"];

/// What a client is, as far as its cookie limits are concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Family key of the cookie implementation: `"chromium"`, `"firefox"`,
    /// `"safari"`, `"ie"`, `"android-browser"`, an HTTP client's (`"curl"`,
    /// `"python-requests"`, `"python-httpx"`, `"go-net-http"`, `"okhttp"`,
    /// `"undici"`) or `"default"`.
    pub browser: &'static str,
    /// Platform key (`"ios"`, `"android"`, `"windows"`, `"macos"`,
    /// `"linux"`, `"chromeos"`, ...), or `None` when unknown.
    pub platform: Option<&'static str>,
    /// Version that decides the limits, as dotted decimal numbers: the
    /// Chromium version for `"chromium"`, the iOS version for Safari on iOS,
    /// the engine version for `"ie"`, the Android version for
    /// `"android-browser"`, the client's own for an HTTP client. `None`
    /// when unknown or irrelevant.
    pub version: Option<String>,
    /// What woothee called the client (`"Chrome"`, `"Edge"`, `"Safari"`,
    /// `"Googlebot"`, `"UNKNOWN"`, ...), or an HTTP client's product token
    /// (`"curl"`, `"okhttp"`, ...), for display.
    pub name: String,
    /// What woothee called the operating system (`"Windows 10"`,
    /// `"iPhone"`, `"Mac OSX"`, `"UNKNOWN"`, ...), for display.
    pub os: String,
}

/// Identifies the cookie implementation behind a `User-Agent` header value.
///
/// Never panics; any input, including empty, garbage, non-ASCII or huge
/// strings, gives an [`Identity`] (browser `"default"` when nothing better
/// is known). Only the first 4 KiB of the header are examined.
///
/// ```
/// use cookietin::identify;
///
/// let ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
///           (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1";
/// let id = identify(ua);
/// assert_eq!((id.browser, id.platform), ("safari", Some("ios")));
/// assert_eq!(id.version.as_deref(), Some("17.4"));
/// assert_eq!(id.name, "Chrome");
///
/// let curl = identify("curl/8.5.0");
/// assert_eq!((curl.browser, curl.version.as_deref()), ("curl", Some("8.5.0")));
/// ```
pub fn identify(user_agent: &str) -> Identity {
    let ua = truncate(user_agent.trim(), MAX_UA_BYTES);
    if let Some(client) = http_client(ua) {
        return client;
    }
    let parsed = Parser::new().parse(ua);
    let (name, os) = match &parsed {
        Some(r) => (r.name.to_string(), r.os.to_string()),
        None => ("UNKNOWN".to_string(), "UNKNOWN".to_string()),
    };
    let platform = parsed.as_ref().and_then(|r| platform_of(r.os));
    let (browser, version) = classify(ua, parsed.as_ref());
    Identity {
        browser,
        platform,
        version,
        name,
        os,
    }
}

fn classify(ua: &str, r: Option<&WootheeResult<'_>>) -> (&'static str, Option<String>) {
    let lower = ua.to_ascii_lowercase();
    let empty = WootheeResult::new();
    let r = r.unwrap_or(&empty);

    if r.category == "crawler" || ROBOT_MARKERS.iter().any(|m| lower.contains(m)) {
        return (DEFAULT, None);
    }
    if matches!(r.os, "iPhone" | "iPad" | "iPod") {
        return (SAFARI, normalize_version(&r.os_version));
    }
    // EdgeHTML Edge also carries a Chrome/ token, so test before Chromium.
    let edge_html = r.name == "Edge" && ua.contains("Edge/");
    if r.name == "Internet Explorer" || edge_html {
        return (IE, ie_version(ua));
    }
    if let Some(v) = token_version(ua, "Chrome/").or_else(|| token_version(ua, "CrMo/")) {
        return (CHROMIUM, Some(v));
    }
    if ua.contains("Chrome/") {
        return (CHROMIUM, None);
    }
    if r.name == "Firefox" || ua.contains("Firefox/") {
        let v = token_version(ua, "Firefox/").or_else(|| token_version(ua, "rv:"));
        return (FIREFOX, v);
    }
    if r.os == "Android" && ua.contains("AppleWebKit/") {
        return (ANDROID_BROWSER, normalize_version(&r.os_version));
    }
    if r.name == "Safari" || (r.os == "Mac OSX" && ua.contains("AppleWebKit/")) {
        return (SAFARI, token_version(ua, "Version/"));
    }
    (DEFAULT, None)
}

/// The identity of a common HTTP client's default User-Agent, if `ua` is
/// one. Checked before woothee, which knows none of them but curl, and
/// that only as an "HTTP Library".
fn http_client(ua: &str) -> Option<Identity> {
    let client = |browser, name: &str, version| Identity {
        browser,
        platform: None,
        version,
        name: name.to_owned(),
        os: "UNKNOWN".to_owned(),
    };
    if let Some(word) = UNDICI_AGENTS.iter().find(|w| ua.eq_ignore_ascii_case(w)) {
        return Some(client(UNDICI, word, None));
    }
    HTTP_CLIENTS
        .iter()
        .find_map(|&(token, browser, versioned)| {
            let head = ua.get(..token.len())?;
            if !head.eq_ignore_ascii_case(token) {
                return None;
            }
            let version = versioned
                .then(|| normalize_version(&ua[token.len()..]))
                .flatten();
            Some(client(browser, &token[..token.len() - 1], version))
        })
}

/// Maps woothee's operating system name to a platform key.
fn platform_of(os: &str) -> Option<&'static str> {
    Some(match os {
        "iPhone" | "iPad" | "iPod" | "iOS" => "ios",
        "Android" => "android",
        "Mac OSX" | "Mac OS Classic" => "macos",
        "Linux" => "linux",
        "ChromeOS" => "chromeos",
        "BSD" => "bsd",
        "Windows Phone OS" => "windows-phone",
        _ if os.starts_with("Windows ") => "windows",
        _ => return None,
    })
}

/// The engine version of Internet Explorer or EdgeHTML: the highest of
/// `MSIE x`, `rv:x` (IE 11), `Trident/n` + 4 and `Edge/x`.
fn ie_version(ua: &str) -> Option<String> {
    let trident = token_version(ua, "Trident/")
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok())
        .map(|t| (t + 4).to_string());
    let candidates = [
        token_version(ua, "MSIE "),
        token_version(ua, "rv:").filter(|_| ua.contains("Trident/")),
        trident,
        token_version(ua, "Edge/"),
    ];
    candidates.into_iter().flatten().max_by(|a, b| {
        let parse = |s: &str| -> Vec<u64> { s.split('.').filter_map(|p| p.parse().ok()).collect() };
        parse(a).cmp(&parse(b))
    })
}

/// The normalized version right after the first `token` in `ua`.
fn token_version(ua: &str, token: &str) -> Option<String> {
    let start = ua.find(token)? + token.len();
    normalize_version(&ua[start..])
}

/// Reduces a version-ish string to dotted decimal numbers: the leading run
/// of digits and dots, at most four parts of at most nine digits each, no
/// empty parts. `"2.1-update1"` becomes `"2.1"`, `"NT 10.0"` gives `None`.
fn normalize_version(s: &str) -> Option<String> {
    let run: &str = &s[..s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len())];
    let mut parts = Vec::new();
    for part in run.split('.') {
        if part.is_empty() || part.len() > 9 || parts.len() == 4 {
            break;
        }
        parts.push(
            part.trim_start_matches('0')
                .parse::<u32>()
                .unwrap_or(0)
                .to_string(),
        );
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join("."))
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_version_keeps_dotted_numbers() {
        assert_eq!(
            normalize_version("124.0.6367.82 Safari"),
            Some("124.0.6367.82".into())
        );
        assert_eq!(normalize_version("2.1-update1"), Some("2.1".into()));
        assert_eq!(normalize_version("17.4.1"), Some("17.4.1".into()));
        assert_eq!(normalize_version("1.2.3.4.5"), Some("1.2.3.4".into()));
        assert_eq!(normalize_version("007.01"), Some("7.1".into()));
        assert_eq!(normalize_version("11."), Some("11".into()));
        assert_eq!(normalize_version("1..2"), Some("1".into()));
        assert_eq!(normalize_version("1234567890.1"), None);
        assert_eq!(normalize_version("1.1234567890"), Some("1".into()));
        for none in [
            "",
            ".",
            ".5",
            "NT 10.0",
            "UNKNOWN",
            "x86_64 14541.0.0",
            "١٢٣",
        ] {
            assert_eq!(normalize_version(none), None, "{none:?}");
        }
    }

    #[test]
    fn ie_version_uses_the_engine() {
        let v = |ua| ie_version(ua).unwrap();
        assert_eq!(
            v("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"),
            "11.0"
        );
        assert_eq!(
            v("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; Trident/7.0)"),
            "11"
        );
        assert_eq!(
            v("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"),
            "8.0"
        );
        assert_eq!(
            v("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"),
            "6.0"
        );
        assert_eq!(
            v("Mozilla/5.0 Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041"),
            "18.19041"
        );
        assert_eq!(ie_version("Mozilla/4.0 (compatible; MSIE"), None);
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("🍪🍪", 5), "🍪");
        assert_eq!(truncate("🍪", 3), "");
    }

    #[test]
    fn http_clients_are_matched_by_their_leading_token() {
        let id = |ua| {
            let id = identify(ua);
            (id.browser, id.version, id.name)
        };
        let v = |s: &str| Some(s.to_owned());
        assert_eq!(id("curl/8.5.0"), ("curl", v("8.5.0"), "curl".into()));
        assert_eq!(id("CURL/7.84"), ("curl", v("7.84"), "curl".into()));
        assert_eq!(id("curl/"), ("curl", None, "curl".into()));
        assert_eq!(
            id("python-requests/2.32.3"),
            ("python-requests", v("2.32.3"), "python-requests".into())
        );
        assert_eq!(
            id("python-httpx/0.27.0"),
            ("python-httpx", v("0.27.0"), "python-httpx".into())
        );
        assert_eq!(
            id("Go-http-client/2.0"),
            ("go-net-http", None, "Go-http-client".into())
        );
        assert_eq!(
            id("okhttp/4.12.0"),
            ("okhttp", v("4.12.0"), "okhttp".into())
        );
        assert_eq!(id("node"), ("undici", None, "node".into()));
        assert_eq!(id(" undici "), ("undici", None, "undici".into()));
        // Only the leading token counts, and only the whole word for undici.
        assert_eq!(id("nodejs").0, "default");
        assert_eq!(id("my-app curl/8.5.0").0, "default");
        assert_eq!(id("Mozilla/5.0 okhttp/4.12.0").0, "default");
        // A multi-byte character where a token would end does not panic.
        assert_eq!(id("curl\u{e9}8").0, "default");
        assert_eq!(id("okhtt\u{1f36a}").0, "default");
    }

    #[test]
    fn platform_keys() {
        assert_eq!(platform_of("Windows 10"), Some("windows"));
        assert_eq!(platform_of("Windows UNKNOWN Ver"), Some("windows"));
        assert_eq!(platform_of("Windows Phone OS"), Some("windows-phone"));
        assert_eq!(platform_of("iPad"), Some("ios"));
        assert_eq!(platform_of("Mac OSX"), Some("macos"));
        assert_eq!(platform_of("UNKNOWN"), None);
        assert_eq!(platform_of("PlayStation 4"), None);
    }
}
