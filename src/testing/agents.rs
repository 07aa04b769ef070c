//! A real User-Agent for each bundled limits entry, so that a jar named
//! after an entry makes the server resolve that same entry.

/// `(entry id, User-Agent)`; `None` for the entry of clients that send
/// none.
const AGENTS: &[(&str, Option<&str>)] = &[
    ("default", None),
    (
        "chromium",
        Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    ),
    (
        "chromium-legacy",
        Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.212 Safari/537.36"),
    ),
    (
        "firefox",
        Some("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    ),
    (
        "safari",
        Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"),
    ),
    (
        "safari-ios",
        Some("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1"),
    ),
    (
        "ie",
        Some("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"),
    ),
    (
        "ie-legacy",
        Some("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)"),
    ),
    (
        "android-browser",
        Some("Mozilla/5.0 (Linux; U; Android 2.3.6; en-us; Nexus S Build/GRK39F) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1"),
    ),
    (
        "android-browser-4",
        Some("Mozilla/5.0 (Linux; U; Android 4.0.4; en-us; Galaxy Nexus Build/IMM76B) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30"),
    ),
    // HTTP clients that are not browsers, as their defaults send themselves.
    ("curl", Some("curl/8.5.0")),
    ("curl-legacy", Some("curl/7.88.1")),
    ("python-requests", Some("python-requests/2.32.3")),
    ("python-httpx", Some("python-httpx/0.27.0")),
    ("go-net-http", Some("Go-http-client/1.1")),
    ("okhttp", Some("okhttp/4.12.0")),
    ("undici", Some("node")),
];

/// The User-Agent the jar sends as the entry `id`: `None` when the jar
/// knows none, `Some(None)` for the entry of clients that send none.
pub(crate) fn user_agent_for(id: &str) -> Option<Option<&'static str>> {
    AGENTS.iter().find(|(i, _)| *i == id).map(|(_, ua)| *ua)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Browsers, LimitsDb};

    #[test]
    fn each_agent_resolves_to_its_entry_and_every_bundled_entry_has_one() {
        let browsers = Browsers::bundled();
        for (id, ua) in AGENTS {
            let resolved = match ua {
                Some(ua) => browsers.resolve(ua),
                None => browsers.unknown(),
            };
            assert_eq!(resolved.limits.id, *id, "{ua:?}");
        }
        for entry in LimitsDb::bundled().entries() {
            assert!(
                user_agent_for(&entry.id).is_some(),
                "no user-agent for the bundled entry {:?}",
                entry.id
            );
        }
    }
}
