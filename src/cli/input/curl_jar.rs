//! A curl cookie jar (Netscape format, `curl -c FILE`), read for one host.

use super::cookies::{Hosts, Input, InputCookie};

/// Reads a jar's lines; for `host`, only those whose domain matches it
/// (RFC 6265's domain match, with the line's include-subdomains flag).
/// Without a host, the jar is read whole, with a warning when its lines are
/// of several domains.
pub(super) fn read(text: &str, now: u64, host: Option<String>, input: &mut Input) {
    let mut domains = Hosts::default();
    let mut elsewhere = Hosts::default();
    for (number, line) in text.lines().enumerate() {
        match jar_line(line, now) {
            JarLine::Cookie(c, domain) => match &host {
                Some(host) if !domain.matches(host) => elsewhere.add(&domain.name),
                _ => {
                    domains.add(&domain.name);
                    input.cookies.push(c)
                }
            },
            JarLine::Skip => {}
            JarLine::Expired(name) => input.warn(format!(
                "line {} skipped: cookie {name:?} has expired",
                number + 1
            )),
            JarLine::Bad(why) => input.warn(format!("line {} skipped: {why}", number + 1)),
        }
    }
    // Summaries bypass the cap on line warnings: they say what the whole
    // result is.
    if host.is_none() && domains.seen.len() > 1 {
        input.warnings.push(format!(
            "the jar's cookies are of {} domains ({}), read here as one site's; \
             choose one with --host",
            domains.seen.len(),
            domains.list()
        ));
    }
    if !elsewhere.seen.is_empty() {
        input.warnings.push(format!(
            "skipped {} cookie(s) of other domains ({})",
            elsewhere.count,
            elsewhere.list()
        ));
    }
    input.host = host;
}

/// A curl jar line's domain: its name (lowercase, no leading dot) and
/// whether subdomains receive the cookie too.
struct JarDomain {
    name: String,
    subdomains: bool,
}

impl JarDomain {
    /// RFC 6265's domain match, as the browser (and curl) decide what to send.
    fn matches(&self, host: &str) -> bool {
        host == self.name
            || (self.subdomains
                && host
                    .strip_suffix(self.name.as_str())
                    .is_some_and(|rest| rest.ends_with('.')))
    }
}

enum JarLine {
    Cookie(InputCookie, JarDomain),
    Skip,
    Expired(String),
    Bad(String),
}

/// One line of a Netscape cookie file: domain, include-subdomains, path,
/// secure, expiry (seconds since the epoch, 0 for a session cookie), name,
/// value, separated by tabs. curl writes HttpOnly cookies with the prefix
/// `#HttpOnly_` on the domain; other lines starting with `#` are comments.
fn jar_line(line: &str, now: u64) -> JarLine {
    let line = line.trim_end_matches(['\r', '\n']);
    let line = line.strip_prefix("#HttpOnly_").unwrap_or(line);
    if line.trim().is_empty() || line.starts_with('#') {
        return JarLine::Skip;
    }
    let fields: Vec<&str> = line.split('\t').collect();
    if fields.len() != 7 {
        return JarLine::Bad(format!(
            "{} tab-separated fields, a cookie line has 7",
            fields.len()
        ));
    }
    let Ok(expiry) = fields[4].trim().parse::<u64>() else {
        return JarLine::Bad(format!("expiry {:?} is not a number", fields[4]));
    };
    if expiry != 0 && expiry <= now {
        return JarLine::Expired(fields[5].to_owned());
    }
    let domain = fields[0].trim();
    JarLine::Cookie(
        InputCookie::pair(fields[5], fields[6]),
        JarDomain {
            name: domain.trim_start_matches('.').to_ascii_lowercase(),
            // curl writes TRUE for a Domain cookie (and a leading dot).
            subdomains: fields[1].trim().eq_ignore_ascii_case("TRUE") || domain.starts_with('.'),
        },
    )
}
