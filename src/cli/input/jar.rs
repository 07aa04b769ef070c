//! A browser's cookie jar as `Set-Cookie` lines fill it, and what it sends
//! to a URL: RFC 6265's storage model, reduced to what decides whether a
//! cookie goes out (domain, host-only, path, Secure, expiry).

use super::cookie_header::unquote;
use super::cookies::{Input, InputCookie, LeftOut};
use super::format::strip_prefix_ci;

/// Reads `Set-Cookie` lines (the `Set-Cookie:` optional) into the jar they
/// leave, in order. No URL is known, so every cookie stays.
pub(super) fn read(text: &str, now: u64, input: &mut Input) {
    let mut jar = Jar::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let line = strip_prefix_ci(line, "set-cookie:").unwrap_or(line).trim();
        if let Err(why) = jar.set_cookie(line, None, now) {
            input.warn(format!("line {} skipped: {why}", number + 1));
        }
    }
    input.cookies = jar.into_cookies();
}

/// A request's URL, as far as cookies care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Url {
    /// `https`, or a loopback host, which browsers treat as secure too.
    pub secure: bool,
    /// Lowercase, without a trailing dot or the port.
    pub host: String,
    /// The path, `/` when empty.
    pub path: String,
    /// The URL as written.
    written: String,
}

impl Url {
    /// An absolute `http` or `https` URL; `None` for anything else.
    pub fn parse(text: &str) -> Option<Url> {
        let uri: http::Uri = text.parse().ok()?;
        let https = match uri.scheme_str()? {
            s if s.eq_ignore_ascii_case("https") => true,
            s if s.eq_ignore_ascii_case("http") => false,
            _ => return None,
        };
        let host = uri.host()?.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let path = match uri.path() {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        Some(Url {
            secure: https || is_loopback(&host),
            host,
            path,
            written: text.to_owned(),
        })
    }

    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.written
    }
}

/// `localhost` and the loopback addresses, which browsers treat as secure
/// contexts (Chromium accepts Secure cookies there).
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One stored cookie, with what decides where it is sent.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    pub cookie: InputCookie,
    /// Lowercase, no leading dot; `None` when set with no URL known and no
    /// Domain attribute (it then goes to any host).
    pub domain: Option<String>,
    /// Set without a Domain attribute: sent to that host only.
    pub host_only: bool,
    pub path: String,
    pub secure: bool,
}

impl Stored {
    /// Why the browser would not send this cookie to `to`, if it would not.
    fn excluded_from(&self, to: &Url) -> Option<String> {
        if let Some(domain) = &self.domain {
            let matches = match self.host_only {
                true => to.host == *domain,
                false => domain_match(&to.host, domain),
            };
            if !matches {
                let kind = if self.host_only {
                    "host-only cookie of"
                } else {
                    "domain cookie of"
                };
                return Some(format!("a {kind} {domain}, not sent to {}", to.host));
            }
        }
        if !path_match(&to.path, &self.path) {
            return Some(format!("its Path={} does not match {}", self.path, to.path));
        }
        if self.secure && !to.secure {
            return Some("Secure, and the request is plain http".to_owned());
        }
        None
    }
}

/// A browser's cookie jar: cookies told apart by name, domain and path.
#[derive(Debug, Default)]
pub(super) struct Jar {
    cookies: Vec<Stored>,
}

impl Jar {
    /// Applies one Set-Cookie value received from `from` (`None`: no URL
    /// known): sets, replaces, or (expired) removes, as RFC 6265 section
    /// 5.3 stores it. Rejects a Domain that is not the host or a parent of
    /// it, and a Secure cookie from plain http.
    pub fn set_cookie(&mut self, line: &str, from: Option<&Url>, now: u64) -> Result<(), String> {
        let parsed = cookie::Cookie::parse(line).map_err(|e| format!("not a Set-Cookie: {e}"))?;
        let name = parsed.name().to_owned();
        let removal = parsed
            .max_age()
            .is_some_and(|a| a.is_zero() || a.is_negative())
            || parsed
                .expires_datetime()
                .is_some_and(|t| t.unix_timestamp() <= now as i64);
        let attribute = parsed
            .domain()
            .map(|d| {
                d.trim_start_matches('.')
                    .trim_end_matches('.')
                    .to_ascii_lowercase()
            })
            .filter(|d| !d.is_empty());
        let (domain, host_only) = match (attribute, from) {
            (Some(d), Some(url)) if !domain_match(&url.host, &d) => {
                return Err(format!(
                    "cookie {name:?}: Domain={d} is not {} or a parent of it",
                    url.host
                ))
            }
            (Some(d), _) => (Some(d), false),
            (None, Some(url)) => (Some(url.host.clone()), true),
            (None, None) => (None, true),
        };
        let secure = parsed.secure().unwrap_or(false);
        if secure && from.is_some_and(|url| !url.secure) {
            return Err(format!("cookie {name:?}: Secure, from plain http"));
        }
        let path = match parsed.path() {
            Some(p) if p.starts_with('/') => p.to_owned(),
            _ => from.map_or_else(|| "/".to_owned(), |url| default_path(&url.path)),
        };
        let position = self
            .cookies
            .iter()
            .position(|c| c.cookie.name == name && c.domain == domain && c.path == path);
        if removal {
            if let Some(i) = position {
                self.cookies.remove(i);
            }
            return Ok(());
        }
        let stored = Stored {
            cookie: InputCookie {
                name,
                value: unquote(parsed.value()).to_owned(),
                set_cookie: Some(line.to_owned()),
            },
            domain,
            host_only,
            path,
            secure,
        };
        match position {
            Some(i) => self.cookies[i] = stored,
            None => self.cookies.push(stored),
        }
        Ok(())
    }

    /// Takes what a browser sent to `to` (`None`: no URL known) as the
    /// truth for that URL: the jar's cookies for it that the request lacks
    /// are gone, those it carries with another value take it, and those
    /// the jar does not know are added as the host's, for every path.
    pub fn observe(&mut self, to: Option<&Url>, sent: Vec<InputCookie>) {
        let for_url = |c: &Stored| to.is_none_or(|url| c.excluded_from(url).is_none());
        let mut kept: Vec<Stored> = Vec::new();
        let mut others: Vec<Stored> = Vec::new();
        for c in std::mem::take(&mut self.cookies) {
            match for_url(&c) {
                true => kept.push(c),
                false => others.push(c),
            }
        }
        let mut matched: Vec<Stored> = Vec::new();
        for pair in sent {
            match kept.iter().position(|c| c.cookie.name == pair.name) {
                Some(i) => {
                    let mut c = kept.remove(i);
                    if c.cookie.value != pair.value {
                        // The line no longer describes the value sent.
                        c.cookie = pair;
                    }
                    matched.push(c);
                }
                None => matched.push(Stored {
                    cookie: pair,
                    domain: to.map(|url| url.host.clone()),
                    host_only: true,
                    path: "/".to_owned(),
                    secure: false,
                }),
            }
        }
        others.extend(matched);
        self.cookies = others;
    }

    /// The cookies the browser sends to `to`, longest path first (RFC 6265
    /// section 5.4), and those it leaves out with why.
    pub fn send_to(&self, to: &Url) -> (Vec<InputCookie>, Vec<LeftOut>) {
        let mut sent: Vec<&Stored> = Vec::new();
        let mut left_out = Vec::new();
        for c in &self.cookies {
            match c.excluded_from(to) {
                None => sent.push(c),
                Some(why) => left_out.push(LeftOut {
                    name: c.cookie.name.clone(),
                    why,
                }),
            }
        }
        sent.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        (
            sent.into_iter().map(|c| c.cookie.clone()).collect(),
            left_out,
        )
    }

    /// Every cookie, in the order set.
    pub fn into_cookies(self) -> Vec<InputCookie> {
        self.cookies.into_iter().map(|c| c.cookie).collect()
    }
}

/// RFC 6265 section 5.1.3: `host` is `domain`, or ends with `.` + `domain`
/// and is not an IP address.
fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.ends_with('.'))
            && host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_err())
}

/// RFC 6265 section 5.1.4: the cookie's path is the request's, or a prefix
/// of it that ends at a `/`.
fn path_match(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// RFC 6265 section 5.1.4: the directory of the request's path, the
/// default of a cookie set without a Path.
fn default_path(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path[..i].to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn matching_as_rfc_6265_says() {
        assert!(domain_match("www.example.com", "example.com"));
        assert!(domain_match("example.com", "example.com"));
        assert!(!domain_match("notexample.com", "example.com"));
        assert!(!domain_match("example.com", "www.example.com"));
        assert!(!domain_match("1.2.3.4", "3.4"));
        assert!(path_match("/api/x", "/api"));
        assert!(path_match("/api/x", "/api/"));
        assert!(path_match("/api", "/api"));
        assert!(path_match("/anything", "/"));
        assert!(!path_match("/apix", "/api"));
        assert!(!path_match("/", "/api"));
        assert_eq!(default_path("/a/b/c"), "/a/b");
        assert_eq!(default_path("/a"), "/");
        assert_eq!(default_path(""), "/");
        assert!(url("http://127.0.0.1:8080/x").secure);
        assert!(url("http://[::1]/").secure);
        assert!(url("http://app.localhost/").secure);
        assert!(!url("http://example.com").secure);
        assert_eq!(url("https://WWW.Example.com./").host, "www.example.com");
        assert_eq!(url("https://example.com").path, "/");
        assert!(Url::parse("ftp://example.com/").is_none());
        assert!(Url::parse("/relative").is_none());
    }

    #[test]
    fn a_jar_sends_by_domain_path_and_secure_and_says_why_not() {
        const NOW: u64 = 1_800_000_000;
        let mut jar = Jar::default();
        let login = url("https://login.example.com/sso/start");
        for line in [
            "host=1",
            "dir=2",
            "site=3; Domain=.example.com; Path=/",
            "api=4; Domain=example.com; Path=/api",
            "tls=5; Domain=example.com; Path=/; Secure",
        ] {
            jar.set_cookie(line, Some(&login), NOW).unwrap();
        }
        assert!(jar
            .set_cookie("evil=6; Domain=example.org", Some(&login), NOW)
            .is_err());
        assert!(jar
            .set_cookie("x=7; Secure", Some(&url("http://example.com/")), NOW)
            .is_err());
        let names = |cookies: Vec<InputCookie>| -> Vec<String> {
            cookies.into_iter().map(|c| c.name).collect()
        };
        let (sent, out) = jar.send_to(&url("https://www.example.com/api/v1"));
        assert_eq!(names(sent), ["api", "site", "tls"]);
        let why: Vec<(&str, &str)> = out
            .iter()
            .map(|l| (l.name.as_str(), l.why.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                (
                    "host",
                    "a host-only cookie of login.example.com, not sent to www.example.com"
                ),
                (
                    "dir",
                    "a host-only cookie of login.example.com, not sent to www.example.com"
                ),
            ]
        );
        let (sent, out) = jar.send_to(&url("http://login.example.com/"));
        assert_eq!(names(sent), ["site"]);
        let why: Vec<&str> = out.iter().map(|l| l.why.as_str()).collect();
        assert_eq!(
            why,
            [
                "its Path=/sso does not match /",
                "its Path=/sso does not match /",
                "its Path=/api does not match /",
                "Secure, and the request is plain http"
            ]
        );
        // Removal needs the same name, domain and path.
        jar.set_cookie("api=; Max-Age=0; Domain=example.com", Some(&login), NOW)
            .unwrap();
        assert_eq!(jar.cookies.len(), 5);
        jar.set_cookie(
            "api=; Max-Age=0; Domain=example.com; Path=/api",
            Some(&login),
            NOW,
        )
        .unwrap();
        assert_eq!(jar.cookies.len(), 4);
    }
}
