//! `inspect_input`: the `cookietin` command's input parsers (Cookie
//! header, Set-Cookie lines, curl jar, HAR; `src/cli/input.rs`) and its
//! report (`src/cli/report.rs`), on any text.
//!
//! Input: a format byte (modulo 5, 0: detect; 1 to 4: cookie-header,
//! set-cookie, curl-jar, har; divided by 5, the `--host` given: none,
//! 127.0.0.1, example.com, www.example.com), then the text (lossy UTF-8).
//!
//! Asserts: nothing panics; the input keeps its format; a curl jar read for
//! a host keeps a subset of the cookies of the whole jar, in order, and
//! says which host; a Cookie header's
//! pairs, joined again, read back the same; every Set-Cookie input cookie
//! carries its line; and the report of the cookies (under the cookie name
//! `session`, with a key and without) renders, and is a rejection, no
//! session, or valid only if the report says verified, decrypted or
//! unverified.

#[path = "../../src/cli/mod.rs"]
mod cli;

use cli::input::{self, Format};
use cli::report::{self, Verdict};

use super::common::NOW;

const HOSTS: [Option<&str>; 4] = [
    None,
    Some("127.0.0.1"),
    Some("example.com"),
    Some("www.example.com"),
];

const FORMATS: [Option<Format>; 5] = [
    None,
    Some(Format::CookieHeader),
    Some(Format::SetCookie),
    Some(Format::CurlJar),
    Some(Format::Har),
];

/// Builds the input bytes of this target.
pub fn input(format: u8, text: &str) -> Vec<u8> {
    let mut out = vec![format];
    out.extend_from_slice(text.as_bytes());
    out
}

pub fn run(data: &[u8]) {
    let Some((&format, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let host = HOSTS[usize::from(format) / FORMATS.len() % HOSTS.len()];
    let format = FORMATS[usize::from(format) % FORMATS.len()];
    let Ok(parsed) = input::parse(&text, format, host, NOW) else {
        assert!(matches!(format, None | Some(Format::Har)));
        return;
    };
    if let Some(f) = format {
        assert_eq!(parsed.format, f);
    }
    if let (Some(host), Format::CurlJar) = (host, parsed.format) {
        assert_eq!(parsed.host.as_deref(), Some(host));
        let whole = input::parse(&text, Some(Format::CurlJar), None, NOW).expect("a jar reads");
        let mut rest = whole.cookies.iter();
        for c in &parsed.cookies {
            assert!(
                rest.any(|w| w == c),
                "{c:?} is not in the whole jar, in order"
            );
        }
    }
    match parsed.format {
        Format::CookieHeader => {
            let joined = parsed
                .cookies
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join("; ");
            let again =
                input::parse(&joined, Some(Format::CookieHeader), None, NOW).expect("reads");
            // Quotes are taken off once, so a value that is still quoted
            // after that reads back without them: compare unquoted.
            let unquote = |v: &str| v.trim_matches('"').to_owned();
            let pairs = |i: &input::Input| -> Vec<(String, String)> {
                i.cookies
                    .iter()
                    .map(|c| (c.name.clone(), unquote(&c.value)))
                    .collect()
            };
            if !joined.contains('\n') && !joined.contains('\r') {
                assert_eq!(pairs(&again).len(), pairs(&parsed).len(), "{joined:?}");
            }
        }
        Format::SetCookie => {
            assert!(parsed.cookies.iter().all(|c| c.set_cookie.is_some()));
        }
        Format::CurlJar | Format::Har => {}
    }
    let secrets = [b"a demo secret that is long enough!!".to_vec()];
    for secrets in [&secrets[..], &[]] {
        let options = report::Options {
            name: "session",
            user_agent: Some(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            ),
            secrets,
            now: NOW,
            max_age: 7 * 24 * 3600,
            clock_skew: 60,
            max_json: 1 << 16,
        };
        let (value, verdict) = report::inspect(&parsed, &options);
        let _ = report::render(&value);
        match verdict {
            Verdict::Valid => {
                let status = value["status"].as_str().expect("a status");
                assert!(
                    [
                        "verified",
                        "decrypted",
                        "unverified",
                        "encrypted, no key given"
                    ]
                    .contains(&status),
                    "{status}"
                );
                if !secrets.is_empty() {
                    assert_eq!(value["verified"], serde_json::json!(true));
                }
            }
            Verdict::Rejected(why) => assert!(!why.is_empty()),
            Verdict::NoSession => assert!(value["error"].is_string()),
        }
    }
}
