//! A model of a browser's cookie jar for one site and path, and of the
//! proxy in front of the app, written from the browsers' rules rather than
//! from the engine's:
//!
//! - a cookie over the per-cookie limit is refused (name and value, or the
//!   whole `Set-Cookie` line, as the limits entry says);
//! - a site keeps at most `per_site` cookies: setting one more purges the
//!   least recently used down to `purge_to` (Chromium and Firefox: 180 to
//!   150; RFC 6265's minimum for unknown clients: 50);
//! - `Max-Age=0` (or a negative one) removes a cookie;
//! - an overwrite keeps the cookie's place (its creation time), so the
//!   Cookie header lists cookies in the order they were first set;
//! - the proxy refuses a request whose Cookie header is over its limit
//!   (nginx's 8182 bytes by default).

use cookie::Cookie;
use cookietin::{BrowserLimits, Counted};

/// The rules of one browser's jar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub max_cookie_bytes: usize,
    pub counts: Counted,
    pub per_site: usize,
    pub purge_to: usize,
}

impl Rules {
    pub fn of(limits: &BrowserLimits) -> Rules {
        Rules {
            max_cookie_bytes: limits.max_cookie_bytes,
            counts: limits.counts,
            per_site: limits.max_cookies_per_site,
            purge_to: limits.purge_to,
        }
    }

    /// Chromium's and Firefox's: 4096 bytes of name and value, 180 per
    /// site, purged to 150.
    pub const CHROMIUM: Rules = Rules {
        max_cookie_bytes: 4096,
        counts: Counted::NameValue,
        per_site: 180,
        purge_to: 150,
    };
}

#[derive(Debug, Clone)]
struct Stored {
    name: String,
    value: String,
    last_access: u64,
}

/// What setting one cookie did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetOutcome {
    Stored,
    Removed,
    /// Over the per-cookie limit: the browser dropped it.
    Refused,
}

/// A browser's jar for one site and path.
#[derive(Debug, Clone)]
pub struct ModelJar {
    pub rules: Rules,
    cookies: Vec<Stored>,
    clock: u64,
    /// Cookies purged to make room, in order, since the last [`take_evictions`](ModelJar::take_evictions).
    evicted: Vec<String>,
}

impl ModelJar {
    pub fn new(rules: Rules) -> ModelJar {
        ModelJar {
            rules,
            cookies: Vec::new(),
            clock: 0,
            evicted: Vec::new(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Applies one `Set-Cookie` value as the browser would.
    pub fn set(&mut self, line: &str) -> SetOutcome {
        let c = Cookie::parse(line).expect("a valid Set-Cookie value");
        let removal = c.max_age().is_some_and(|a| a.is_zero() || a.is_negative());
        let pos = self.cookies.iter().position(|s| s.name == c.name());
        if removal {
            if let Some(i) = pos {
                self.cookies.remove(i);
            }
            return SetOutcome::Removed;
        }
        let counted = match self.rules.counts {
            Counted::NameValue => c.name().len() + c.value().len(),
            Counted::Line => line.len(),
        };
        if counted > self.rules.max_cookie_bytes {
            return SetOutcome::Refused;
        }
        let now = self.tick();
        match pos {
            Some(i) => {
                self.cookies[i].value = c.value().to_owned();
                self.cookies[i].last_access = now;
            }
            None => {
                self.cookies.push(Stored {
                    name: c.name().to_owned(),
                    value: c.value().to_owned(),
                    last_access: now,
                });
                if self.cookies.len() > self.rules.per_site {
                    self.purge();
                }
            }
        }
        SetOutcome::Stored
    }

    /// Purges the least recently used cookies down to `purge_to` (at least
    /// one, so the jar is within the limit again).
    fn purge(&mut self) {
        let target = self.rules.purge_to.min(self.rules.per_site);
        while self.cookies.len() > target {
            let lru = (0..self.cookies.len())
                .min_by_key(|&i| (self.cookies[i].last_access, i))
                .expect("not empty");
            let gone = self.cookies.remove(lru);
            self.evicted.push(gone.name);
        }
    }

    /// Applies a response's `Set-Cookie` values in order; returns what
    /// each did.
    pub fn apply(&mut self, lines: &[String]) -> Vec<SetOutcome> {
        lines.iter().map(|l| self.set(l)).collect()
    }

    /// Sets a cookie as a script would (`document.cookie`).
    pub fn script_set(&mut self, name: &str, value: &str) -> SetOutcome {
        self.set(&format!("{name}={value}; Path=/"))
    }

    pub fn script_remove(&mut self, name: &str) {
        self.set(&format!("{name}=; Path=/; Max-Age=0"));
    }

    /// The cookies purged since the last call.
    pub fn take_evictions(&mut self) -> Vec<String> {
        std::mem::take(&mut self.evicted)
    }

    /// The Cookie header of the next request, without sending it.
    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The Cookie header of a request now: every cookie is accessed.
    pub fn send(&mut self) -> String {
        let now = self.tick();
        self.cookies.iter_mut().for_each(|c| c.last_access = now);
        self.header()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    }

    pub fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|c| c.name.as_str()).collect()
    }

    pub fn len(&self) -> usize {
        self.cookies.len()
    }

    /// Whether `name` is the session's: `base` or `base.N`.
    pub fn is_session_cookie(base: &str, name: &str) -> bool {
        match name.strip_prefix(base) {
            Some("") => true,
            Some(rest) => rest
                .strip_prefix('.')
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())),
            None => false,
        }
    }

    /// The session's cookies in the jar.
    pub fn session_cookies(&self, base: &str) -> usize {
        self.cookies
            .iter()
            .filter(|c| Self::is_session_cookie(base, &c.name))
            .count()
    }

    /// The other cookies: how many, and the bytes they take in the Cookie
    /// header, `; ` separators between them included.
    pub fn others(&self, base: &str) -> (usize, usize) {
        let pieces: Vec<usize> = self
            .cookies
            .iter()
            .filter(|c| !Self::is_session_cookie(base, &c.name))
            .map(|c| c.name.len() + 1 + c.value.len())
            .collect();
        let bytes = pieces.iter().sum::<usize>() + 2 * pieces.len().saturating_sub(1);
        (pieces.len(), bytes)
    }
}

/// The proxy in front of the app: a default nginx refuses a Cookie header
/// value over 8182 bytes (`Cookie: ` + value + CRLF in an 8 KB buffer).
#[derive(Debug, Clone, Copy)]
pub struct Proxy {
    pub max_cookie_header: usize,
}

impl Proxy {
    pub const NGINX: Proxy = Proxy {
        max_cookie_header: 8182,
    };

    pub fn passes(&self, cookie_header: &str) -> bool {
        cookie_header.len() <= self.max_cookie_header
    }
}
