//! The inspector's inputs: a Cookie header, Set-Cookie lines, a curl
//! cookie jar (Netscape format) or a HAR file, each read into the cookies a
//! browser would send next. Pure functions of text, shared with the fuzz
//! target `inspect_input` (which includes this file with `#[path]`), so
//! they must never panic, whatever the input.
//!
//! One site at a time: a curl jar or a HAR usually holds cookies of many
//! hosts, and a session's chunks only make sense together with the other
//! cookies that one host receives. So a host is chosen (`--host`, see
//! [`parse`]):
//! - a curl jar keeps the lines whose domain matches the host (RFC 6265's
//!   domain match, with the line's include-subdomains flag);
//! - a HAR replays only the entries whose request URL has that host, in
//!   entry order: each request's cookies replace the jar, then each
//!   response's Set-Cookie headers are applied to it. Without a host, the
//!   first entry's (the page a browser's developer tools recorded first).
//!
//! Simplifications, by design: within that host, cookies are told apart by
//! name alone (not by path), and a Set-Cookie's Domain and Path are not
//! checked.

use std::fmt;

/// What kind of text the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Cookie: a=1; b=2` (one header a line; the `Cookie:` is optional).
    CookieHeader,
    /// `Set-Cookie: a=1; Path=/` lines (the `Set-Cookie:` is optional).
    SetCookie,
    /// A curl cookie jar (Netscape format, `curl -c FILE`).
    CurlJar,
    /// A HAR file (HTTP Archive, JSON), as browsers' developer tools save it.
    Har,
}

impl Format {
    /// The name used on the command line and in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Format::CookieHeader => "cookie-header",
            Format::SetCookie => "set-cookie",
            Format::CurlJar => "curl-jar",
            Format::Har => "har",
        }
    }

    /// The format named `name` (see [`Format::name`]).
    pub fn from_name(name: &str) -> Option<Format> {
        [
            Format::CookieHeader,
            Format::SetCookie,
            Format::CurlJar,
            Format::Har,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// One cookie as the browser would send it next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputCookie {
    pub name: String,
    pub value: String,
    /// The whole Set-Cookie value that set it, when the input had one: what
    /// line-counting browsers measure.
    pub set_cookie: Option<String>,
}

/// The cookies read from an input, and what was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub format: Format,
    /// The host the cookies were read for, when the input says or the
    /// caller chose one (curl jar and HAR only).
    pub host: Option<String>,
    pub cookies: Vec<InputCookie>,
    /// Lines or entries that were skipped and why, and the hosts or
    /// domains left out.
    pub warnings: Vec<String>,
}

/// The input could not be read as the format asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The largest input read, in bytes.
pub const MAX_INPUT: usize = 64 << 20;
/// Warnings kept; more are counted in the last one.
const MAX_WARNINGS: usize = 20;

/// Guesses the format: JSON is a HAR; tab-separated lines of seven fields
/// (or the Netscape header) a curl jar; `Set-Cookie:` lines, or lines with
/// cookie attributes, Set-Cookie lines; anything else a Cookie header.
pub fn detect(text: &str) -> Format {
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if trimmed.starts_with('{') {
        return Format::Har;
    }
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    if text.contains("# Netscape HTTP Cookie File")
        || text.contains("# HTTP Cookie File")
        || lines().any(|l| !l.starts_with('#') && l.split('\t').count() == 7)
        || lines().any(|l| l.starts_with("#HttpOnly_"))
    {
        return Format::CurlJar;
    }
    const ATTRIBUTES: [&str; 8] = [
        "path=",
        "domain=",
        "expires=",
        "max-age=",
        "httponly",
        "secure",
        "samesite=",
        "partitioned",
    ];
    let is_attribute = |piece: &str| {
        let piece = piece.trim().to_ascii_lowercase();
        ATTRIBUTES.iter().any(|a| match a.ends_with('=') {
            true => piece.starts_with(a),
            false => piece == *a,
        })
    };
    let set_cookie_line = |l: &str| {
        strip_prefix_ci(l, "set-cookie:").is_some() || l.split(';').skip(1).any(is_attribute)
    };
    if lines().any(set_cookie_line) {
        return Format::SetCookie;
    }
    Format::CookieHeader
}

/// Reads `text` as `format` (or the detected one), for `host` (a curl jar
/// or HAR only; see the [module](self); any case, no port). `now` (seconds
/// since the epoch) decides which cookies have expired.
///
/// Without a host, a curl jar is read whole, with a warning when its lines
/// are of several domains, and a HAR is read for its first entry's host,
/// with a warning naming the hosts it skipped.
pub fn parse(
    text: &str,
    format: Option<Format>,
    host: Option<&str>,
    now: u64,
) -> Result<Input, InputError> {
    if text.len() > MAX_INPUT {
        return Err(InputError(format!(
            "the input is {} bytes, more than the {MAX_INPUT} read",
            text.len()
        )));
    }
    let format = format.unwrap_or_else(|| detect(text));
    let host = host.map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase());
    let mut input = Input {
        format,
        host: None,
        cookies: Vec::new(),
        warnings: Vec::new(),
    };
    match format {
        Format::CookieHeader => {
            for line in text.lines() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let header = strip_prefix_ci(line, "cookie:").unwrap_or(line);
                input.cookies.extend(cookie_header(header));
            }
        }
        Format::SetCookie => {
            let mut jar = Jar::default();
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let line = strip_prefix_ci(line, "set-cookie:").unwrap_or(line).trim();
                if let Err(why) = jar.set_cookie(line, now) {
                    warn(
                        &mut input.warnings,
                        format!("line {} skipped: {why}", number + 1),
                    );
                }
            }
            input.cookies = jar.cookies;
        }
        Format::CurlJar => {
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
                    JarLine::Expired(name) => warn(
                        &mut input.warnings,
                        format!("line {} skipped: cookie {name:?} has expired", number + 1),
                    ),
                    JarLine::Bad(why) => warn(
                        &mut input.warnings,
                        format!("line {} skipped: {why}", number + 1),
                    ),
                }
            }
            // Summaries bypass the cap on line warnings: they say what
            // the whole result is.
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
        Format::Har => har(text, now, host, &mut input)?,
    }
    Ok(input)
}

fn warn(warnings: &mut Vec<String>, message: String) {
    match warnings.len() {
        n if n < MAX_WARNINGS => warnings.push(message),
        n if n == MAX_WARNINGS => warnings.push("more lines skipped".to_owned()),
        _ => {}
    }
}

fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text[prefix.len()..].trim_start())
}

/// The pairs of one Cookie header value, in order: `;`-separated, white
/// space around each trimmed, a value in double quotes unquoted. A piece
/// without `=` is a nameless cookie (RFC 6265bis): name "".
pub fn cookie_header(header: &str) -> Vec<InputCookie> {
    header
        .split(';')
        .map(|piece| piece.trim_matches([' ', '\t']))
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or(("", piece));
            InputCookie {
                name: name.trim_matches([' ', '\t']).to_owned(),
                value: unquote(value.trim_matches([' ', '\t'])).to_owned(),
                set_cookie: None,
            }
        })
        .collect()
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// One site's cookie jar, by name.
#[derive(Debug, Default)]
struct Jar {
    cookies: Vec<InputCookie>,
}

impl Jar {
    /// Applies one Set-Cookie value: sets, replaces, or (expired) removes.
    fn set_cookie(&mut self, line: &str, now: u64) -> Result<(), String> {
        let parsed = cookie::Cookie::parse(line).map_err(|e| format!("not a Set-Cookie: {e}"))?;
        let removal = parsed
            .max_age()
            .is_some_and(|a| a.is_zero() || a.is_negative())
            || parsed
                .expires_datetime()
                .is_some_and(|t| t.unix_timestamp() <= now as i64);
        let name = parsed.name().to_owned();
        let position = self.cookies.iter().position(|c| c.name == name);
        match (position, removal) {
            (Some(i), true) => {
                self.cookies.remove(i);
            }
            (_, true) => {}
            (position, false) => {
                let cookie = InputCookie {
                    name,
                    value: unquote(parsed.value()).to_owned(),
                    set_cookie: Some(line.to_owned()),
                };
                match position {
                    Some(i) => self.cookies[i] = cookie,
                    None => self.cookies.push(cookie),
                }
            }
        }
        Ok(())
    }
}

/// The hosts or domains seen, in first-seen order, and how many items.
#[derive(Default)]
struct Hosts {
    seen: Vec<String>,
    count: usize,
}

impl Hosts {
    /// The most named in a warning.
    const LISTED: usize = 5;

    fn add(&mut self, name: &str) {
        self.count += 1;
        if !self.seen.iter().any(|s| s == name) {
            self.seen.push(name.to_owned());
        }
    }

    fn list(&self) -> String {
        let mut out = self.seen[..self.seen.len().min(Hosts::LISTED)].join(", ");
        if self.seen.len() > Hosts::LISTED {
            out.push_str(&format!(" and {} more", self.seen.len() - Hosts::LISTED));
        }
        out
    }
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
        InputCookie {
            name: fields[5].to_owned(),
            value: fields[6].to_owned(),
            set_cookie: None,
        },
        JarDomain {
            name: domain.trim_start_matches('.').to_ascii_lowercase(),
            // curl writes TRUE for a Domain cookie (and a leading dot).
            subdomains: fields[1].trim().eq_ignore_ascii_case("TRUE") || domain.starts_with('.'),
        },
    )
}

/// Replays a HAR's entries for one host (`host`, or the first entry's):
/// each request's cookies (its Cookie headers, or else its `cookies` list)
/// replace the jar, then each response's Set-Cookie headers (or else its
/// `cookies` list) are applied to it. An entry without a readable URL is
/// replayed whatever the host.
fn har(text: &str, now: u64, host: Option<String>, input: &mut Input) -> Result<(), InputError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| InputError(format!("not a HAR file: {e}")))?;
    let entries = value
        .get("log")
        .and_then(|log| log.get("entries"))
        .and_then(|e| e.as_array())
        .ok_or_else(|| InputError("not a HAR file: no log.entries".to_owned()))?;
    let host = host.or_else(|| entries.iter().find_map(|e| url_host(&e["request"])));
    let mut elsewhere = Hosts::default();
    let mut jar = Jar::default();
    for (number, entry) in entries.iter().enumerate() {
        let request = &entry["request"];
        if let (Some(host), Some(entry_host)) = (&host, url_host(request)) {
            if *host != entry_host {
                elsewhere.add(&entry_host);
                continue;
            }
        }
        let cookie_headers: Vec<&str> = headers_named(request, "cookie").collect();
        if !cookie_headers.is_empty() {
            jar.cookies = cookie_headers.into_iter().flat_map(cookie_header).collect();
        } else if let Some(list) = request["cookies"].as_array() {
            if !list.is_empty() {
                jar.cookies = list
                    .iter()
                    .filter_map(|c| {
                        Some(InputCookie {
                            name: c["name"].as_str()?.to_owned(),
                            value: c["value"].as_str()?.to_owned(),
                            set_cookie: None,
                        })
                    })
                    .collect();
            }
        }
        let response = &entry["response"];
        let set_cookies: Vec<&str> = headers_named(response, "set-cookie")
            // Some tools join several Set-Cookie headers with newlines.
            .flat_map(str::lines)
            .collect();
        if !set_cookies.is_empty() {
            for line in set_cookies {
                if let Err(why) = jar.set_cookie(line.trim(), now) {
                    warn(
                        &mut input.warnings,
                        format!("entry {number}: a Set-Cookie skipped: {why}"),
                    );
                }
            }
        } else if let Some(list) = response["cookies"].as_array() {
            for c in list {
                let (Some(name), Some(value)) = (c["name"].as_str(), c["value"].as_str()) else {
                    warn(
                        &mut input.warnings,
                        format!("entry {number}: a response cookie without name or value skipped"),
                    );
                    continue;
                };
                let line = format!("{name}={value}");
                if let Err(why) = jar.set_cookie(&line, now) {
                    warn(
                        &mut input.warnings,
                        format!("entry {number}: a Set-Cookie skipped: {why}"),
                    );
                }
            }
        }
    }
    if !elsewhere.seen.is_empty() {
        let chosen = host.as_deref().unwrap_or_default();
        input.warnings.push(format!(
            "skipped {} entries of other hosts than {chosen} ({}); choose another with --host",
            elsewhere.count,
            elsewhere.list()
        ));
    }
    input.cookies = jar.cookies;
    input.host = host;
    Ok(())
}

/// The lowercase host of a HAR request's URL (no port), if it has one.
fn url_host(request: &serde_json::Value) -> Option<String> {
    let uri: http::Uri = request["url"].as_str()?.parse().ok()?;
    let host = uri.host()?.trim_end_matches('.');
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The values of a HAR request's or response's headers named `name`.
fn headers_named<'v>(
    message: &'v serde_json::Value,
    name: &'v str,
) -> impl Iterator<Item = &'v str> + 'v {
    message["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .filter_map(|h| h["value"].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn names(input: &Input) -> Vec<(&str, &str)> {
        input
            .cookies
            .iter()
            .map(|c| (c.name.as_str(), c.value.as_str()))
            .collect()
    }

    #[test]
    fn cookie_headers_with_and_without_the_name() {
        let input = parse("Cookie: a=1; session=\"x=y\"\n b = 2 ;;", None, None, NOW).unwrap();
        assert_eq!(input.format, Format::CookieHeader);
        assert_eq!(names(&input), [("a", "1"), ("session", "x=y"), ("b", "2")]);
    }

    #[test]
    fn set_cookie_lines_set_replace_and_remove() {
        let text = "Set-Cookie: session=AAAA; Path=/; HttpOnly\n\
                    session.1=BBBB; Path=/\n\
                    session.2=CCCC; Max-Age=0\n\
                    session=DDDD; Path=/\n\
                    session.1=; Max-Age=0; Path=/\n\
                    garbage without equals\n";
        let input = parse(text, None, None, NOW).unwrap();
        assert_eq!(input.format, Format::SetCookie);
        assert_eq!(names(&input), [("session", "DDDD")]);
        assert_eq!(
            input.cookies[0].set_cookie.as_deref(),
            Some("session=DDDD; Path=/")
        );
        assert_eq!(input.warnings.len(), 1, "{:?}", input.warnings);
    }

    #[test]
    fn curl_jars_with_http_only_and_expired_lines() {
        let text = "# Netscape HTTP Cookie File\n\
                    # https://curl.se/docs/http-cookies.html\n\
                    \n\
                    #HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tAAAA\n\
                    127.0.0.1\tFALSE\t/\tFALSE\t1900000000\ttheme\tdark\n\
                    127.0.0.1\tFALSE\t/\tFALSE\t1000\told\tgone\n\
                    broken\tline\n";
        let input = parse(text, None, None, NOW).unwrap();
        assert_eq!(input.format, Format::CurlJar);
        assert_eq!(names(&input), [("session", "AAAA"), ("theme", "dark")]);
        assert_eq!(input.warnings.len(), 2, "{:?}", input.warnings);
    }

    #[test]
    fn har_entries_replay_in_order() {
        let har = r#"{"log": {"entries": [
            {"request": {"headers": [{"name": "Cookie", "value": "theme=dark"}], "cookies": []},
             "response": {"headers": [{"name": "set-cookie", "value": "session=AAAA; Path=/\nsession.1=BBBB; Path=/"}]}},
            {"request": {"headers": [], "cookies": [{"name": "session", "value": "CCCC"}, {"name": "session.1", "value": "DDDD"}]},
             "response": {"headers": [], "cookies": [{"name": "theme", "value": "light"}]}},
            {"request": {"headers": []}, "response": {"headers": [{"name": "Set-Cookie", "value": "session.1=; Max-Age=0"}]}}
        ]}}"#;
        let input = parse(har, None, None, NOW).unwrap();
        assert_eq!(input.format, Format::Har);
        assert_eq!(names(&input), [("session", "CCCC"), ("theme", "light")]);
        assert!(parse("{}", None, None, NOW).is_err());
        assert!(parse("{not json", Some(Format::Har), None, NOW).is_err());
    }

    #[test]
    fn a_curl_jar_is_read_for_one_host_by_domain_match() {
        let text = "#HttpOnly_www.example.com\tFALSE\t/\tFALSE\t0\tsession\tAAAA\n\
                    .example.com\tTRUE\t/\tFALSE\t0\ttheme\tdark\n\
                    api.example.com\tFALSE\t/\tFALSE\t0\tsession\tBBBB\n\
                    notexample.com\tTRUE\t/\tFALSE\t0\tsession\tCCCC\n";
        let www = parse(text, None, Some("WWW.Example.com."), NOW).unwrap();
        assert_eq!(names(&www), [("session", "AAAA"), ("theme", "dark")]);
        assert_eq!(www.host.as_deref(), Some("www.example.com"));
        assert_eq!(
            www.warnings,
            ["skipped 2 cookie(s) of other domains (api.example.com, notexample.com)"]
        );
        // The domain cookie reaches the parent domain itself, a host-only
        // cookie only its own host.
        let parent = parse(text, None, Some("example.com"), NOW).unwrap();
        assert_eq!(names(&parent), [("theme", "dark")]);
        let whole = parse(text, None, None, NOW).unwrap();
        assert_eq!(whole.cookies.len(), 4);
        assert_eq!(whole.host, None);
        assert_eq!(whole.warnings.len(), 1, "{:?}", whole.warnings);
        assert!(
            whole.warnings[0].contains("of 4 domains"),
            "{:?}",
            whole.warnings
        );
    }

    #[test]
    fn a_har_is_replayed_for_its_first_hosts_entries_or_the_one_chosen() {
        let har = r#"{"log": {"entries": [
            {"request": {"url": "https://www.example.com/", "headers": [{"name": "Cookie", "value": "theme=dark"}]},
             "response": {"headers": [{"name": "Set-Cookie", "value": "session=AAAA; Path=/"}]}},
            {"request": {"url": "https://cdn.example.net:8443/app.js", "headers": [{"name": "Cookie", "value": "session=CDN"}]},
             "response": {"headers": [{"name": "Set-Cookie", "value": "tracker=1"}]}},
            {"request": {"url": "https://WWW.example.com/api", "headers": [{"name": "Cookie", "value": "theme=dark; session=AAAA"}]},
             "response": {"headers": []}},
            {"request": {"url": "https://ads.example.org/p", "headers": [{"name": "Cookie", "value": "session=ADS"}]},
             "response": {"headers": []}}
        ]}}"#;
        let first = parse(har, None, None, NOW).unwrap();
        assert_eq!(names(&first), [("theme", "dark"), ("session", "AAAA")]);
        assert_eq!(first.host.as_deref(), Some("www.example.com"));
        assert_eq!(
            first.warnings,
            ["skipped 2 entries of other hosts than www.example.com \
              (cdn.example.net, ads.example.org); choose another with --host"]
        );
        let cdn = parse(har, None, Some("cdn.example.net"), NOW).unwrap();
        assert_eq!(names(&cdn), [("session", "CDN"), ("tracker", "1")]);
        let none = parse(har, None, Some("elsewhere.test"), NOW).unwrap();
        assert!(none.cookies.is_empty());
        assert_eq!(none.warnings.len(), 1, "{:?}", none.warnings);
    }

    #[test]
    fn formats_are_detected() {
        assert_eq!(detect("a=b; c=d"), Format::CookieHeader);
        assert_eq!(detect("a=b; securetoken=1"), Format::CookieHeader);
        assert_eq!(detect("a=b; Path=/"), Format::SetCookie);
        assert_eq!(detect("a=b; HttpOnly"), Format::SetCookie);
        assert_eq!(detect("set-cookie: a=b"), Format::SetCookie);
        assert_eq!(detect("  {\"log\":{}}"), Format::Har);
        assert_eq!(detect("h\tFALSE\t/\tFALSE\t0\tn\tv"), Format::CurlJar);
        for f in [
            Format::CookieHeader,
            Format::SetCookie,
            Format::CurlJar,
            Format::Har,
        ] {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
    }
}
