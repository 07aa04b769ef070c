//! [`TestJar`]: a cookie jar that keeps and sends cookies the way one
//! browser of the limits database does.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::testing::agents::user_agent_for;
use crate::testing::outcome::{Applied, JarCookie, Rejection, TestJarError};
use crate::testing::parse::parse_set_cookie;
use crate::testing::storage::{Entry, Rules};
use crate::testing::url::{domain_match, path_match, site_of, RequestUrl};
use crate::{BrowserLimits, Browsers, LimitsDb};

/// A cookie jar that behaves like one browser of the limits database: it
/// keeps what that browser keeps of each `Set-Cookie` line, and sends what
/// it would send in the next request's `Cookie` header.
///
/// What it applies, per line, in the order browsers do (RFC 6265bis
/// section 5.6 and 5.7, with the entry's figures):
///
/// - the size limit as the entry counts it: name and value
///   ([`Counted::NameValue`](crate::Counted::NameValue), Chromium and
///   Firefox: a 4097-byte cookie is dropped) or the whole line
///   ([`Counted::Line`](crate::Counted::Line)); attribute values over the
///   entry's `max_attribute_bytes` are ignored, not the cookie;
/// - expiry against the jar's own clock ([`set_now`](Self::set_now),
///   [`advance`](Self::advance)): `Max-Age` before `Expires`, both capped
///   at 400 days; a line already expired deletes the cookie of the same
///   name, domain and path;
/// - `Domain` (a domain cookie, sent to the domain and below) or none (a
///   host-only cookie); a domain that does not cover the host, or a
///   one-label domain other than the host itself, drops the line. `Path`,
///   or the default path of the URL that set it;
/// - `Secure`: only set from, and only sent to, `https` URLs (real browsers
///   also treat `localhost` as secure; the jar does not);
/// - the prefixes `__Secure-` and `__Host-`, and for Chromium and Firefox
///   entries `__Http-` and `__Host-Http-`;
/// - the per-site count: past the entry's `max_cookies_per_site`, the site
///   is purged to `purge_to` (Chromium: the 181st cookie leaves 150), least
///   recently used (set or sent) first; then the total count likewise.
///
/// What it leaves out: public suffixes (a site is a domain's last two
/// labels), `SameSite` (every request is same-site and top-level),
/// partitions (one partition), and `HttpOnly` (no scripts run).
///
/// The jar's clock starts at the system time when it is made and moves
/// only when told. Bare paths (`/login`) go to the jar's origin,
/// `https://example.com` unless [`with_origin`](Self::with_origin) says
/// otherwise.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use cookietin::testing::{Applied, Rejection, TestJar};
///
/// fn main() -> Result<(), cookietin::testing::TestJarError> {
///     let mut jar = TestJar::new("chromium")?;
///     let applied = jar.apply("/", [
///         "theme=dark; Max-Age=60; Path=/".to_owned(),
///         format!("big={}", "x".repeat(4094)), // 4097 bytes of name and value
///     ])?;
///     assert!(matches!(&applied[1], Applied::Rejected { reason: Rejection::TooLarge { .. }, .. }));
///     assert_eq!(jar.cookie_header("/settings")?.as_deref(), Some("theme=dark"));
///
///     jar.advance(Duration::from_secs(61));
///     assert_eq!(jar.cookie_header("/settings")?, None);
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct TestJar {
    limits: BrowserLimits,
    user_agent: Option<String>,
    origin: RequestUrl,
    /// Unix time.
    now: i64,
    cookies: Vec<Entry>,
    /// Orders sets and sends: a logical clock, so that cookies set in the
    /// same second still have an order.
    tick: u64,
    last_applied: Vec<Applied>,
}

impl TestJar {
    /// A jar like the bundled database's entry `browser` (`"chromium"`,
    /// `"firefox"`, `"safari"`, `"safari-ios"`, ...), sending a User-Agent
    /// that the database resolves to that entry (none for `"default"`).
    ///
    /// # Errors
    /// [`TestJarError::UnknownBrowser`] when no entry has that id;
    /// [`TestJarError::NoUserAgent`] when the jar knows no User-Agent for it.
    pub fn new(browser: &str) -> Result<TestJar, TestJarError> {
        let limits = LimitsDb::bundled()
            .get(browser)
            .ok_or_else(|| TestJarError::UnknownBrowser(browser.to_owned()))?;
        let user_agent =
            user_agent_for(browser).ok_or_else(|| TestJarError::NoUserAgent(browser.to_owned()))?;
        let mut jar = TestJar::with_limits(limits.clone());
        jar.user_agent = user_agent.map(str::to_owned);
        Ok(jar)
    }

    /// A jar like the browser that sends `user_agent`, resolved in the
    /// bundled database as the engine resolves it, and sending it.
    pub fn from_user_agent(user_agent: &str) -> TestJar {
        let limits = Browsers::bundled().resolve(user_agent).limits.clone();
        TestJar::with_limits(limits).with_user_agent(user_agent)
    }

    /// A jar with these limits (a custom entry, say), sending no
    /// User-Agent until [`with_user_agent`](Self::with_user_agent).
    pub fn with_limits(limits: BrowserLimits) -> TestJar {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        TestJar {
            limits,
            user_agent: None,
            origin: RequestUrl::default_origin(),
            now,
            cookies: Vec::new(),
            tick: 0,
            last_applied: Vec::new(),
        }
    }

    /// Sends `user_agent` with the framework helpers' requests.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> TestJar {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Where bare paths go: `origin`'s scheme and host
    /// (`https://example.com` by default).
    ///
    /// # Errors
    /// [`TestJarError::InvalidUrl`] unless `origin` is an absolute `http` or
    /// `https` URL.
    pub fn with_origin(mut self, origin: &str) -> Result<TestJar, TestJarError> {
        if !origin.contains("://") {
            return Err(TestJarError::InvalidUrl(origin.to_owned()));
        }
        self.origin = RequestUrl::parse(origin, &self.origin)?;
        Ok(self)
    }

    /// The limits the jar applies.
    pub fn limits(&self) -> &BrowserLimits {
        &self.limits
    }

    /// The User-Agent the framework helpers send, if any.
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// The jar's clock, as Unix time.
    pub fn now(&self) -> u64 {
        u64::try_from(self.now).unwrap_or(0)
    }

    /// Sets the jar's clock to `unix_time`.
    pub fn set_now(&mut self, unix_time: u64) {
        self.now = i64::try_from(unix_time).unwrap_or(i64::MAX);
    }

    /// Moves the jar's clock forward.
    pub fn advance(&mut self, by: Duration) {
        let by = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.now = self.now.saturating_add(by);
    }

    /// Applies a response's `Set-Cookie` values, in order, as the response
    /// to a request for `url` (an absolute URL, or a path on the origin).
    /// Gives what happened to each line, and to cookies evicted on its
    /// account; [`last_applied`](Self::last_applied) keeps it too.
    ///
    /// # Errors
    /// [`TestJarError::InvalidUrl`]; the jar is then unchanged.
    pub fn apply<I>(&mut self, url: &str, set_cookies: I) -> Result<Vec<Applied>, TestJarError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let url = RequestUrl::parse(url, &self.origin)?;
        self.apply_at(&url, set_cookies);
        Ok(self.last_applied.clone())
    }

    /// The `Cookie` header the browser would send to `url`, or `None` when
    /// no cookie goes there. Counts as a use of each cookie sent, for the
    /// purge order.
    ///
    /// # Errors
    /// [`TestJarError::InvalidUrl`].
    pub fn cookie_header(&mut self, url: &str) -> Result<Option<String>, TestJarError> {
        let url = RequestUrl::parse(url, &self.origin)?;
        Ok(self.header_for(&url))
    }

    /// What the last [`apply`](Self::apply), or the last response a
    /// framework helper received, did.
    pub fn last_applied(&self) -> &[Applied] {
        &self.last_applied
    }

    /// The value of a live cookie named `name` (the first set, if several
    /// paths or domains hold one).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookie(name).map(|c| c.value.as_str())
    }

    /// A live cookie named `name` (the first set, if several paths or
    /// domains hold one).
    pub fn cookie(&self, name: &str) -> Option<&JarCookie> {
        self.cookies().find(|c| c.name == name)
    }

    /// The live cookies, oldest first.
    pub fn cookies(&self) -> impl Iterator<Item = &JarCookie> {
        self.live().map(|e| &e.cookie)
    }

    /// The names of the live cookies, oldest first.
    pub fn names(&self) -> Vec<&str> {
        self.cookies().map(|c| c.name.as_str()).collect()
    }

    /// How many live cookies the jar holds.
    pub fn len(&self) -> usize {
        self.live().count()
    }

    /// Whether the jar holds no live cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every cookie.
    pub fn clear(&mut self) {
        self.cookies.clear();
    }

    /// Ends the browser session: forgets the cookies without an expiry.
    pub fn close_browser(&mut self) {
        self.cookies.retain(|e| e.expires.is_some());
    }

    fn live(&self) -> impl Iterator<Item = &Entry> {
        let mut live: Vec<&Entry> = self
            .cookies
            .iter()
            .filter(|e| !e.expired(self.now))
            .collect();
        live.sort_by_key(|e| e.created);
        live.into_iter()
    }

    /// Where bare paths go, for the framework helpers.
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) fn origin(&self) -> &RequestUrl {
        &self.origin
    }

    /// [`apply`](Self::apply) for a parsed URL.
    pub(crate) fn apply_at<I>(&mut self, url: &RequestUrl, set_cookies: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.last_applied.clear();
        self.cookies.retain(|e| !e.expired(self.now));
        for line in set_cookies {
            let applied = self.store(url, line.as_ref());
            self.last_applied.extend(applied);
        }
    }

    /// What the framework helpers add to a request for `url`: the `Cookie`
    /// header, and the `User-Agent` unless the request `has_agent` already.
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) fn request_headers(
        &mut self,
        url: &RequestUrl,
        has_agent: bool,
    ) -> (Option<String>, Option<String>) {
        let cookie = self.header_for(url);
        let agent = self.user_agent.clone().filter(|_| !has_agent);
        (cookie, agent)
    }

    /// [`cookie_header`](Self::cookie_header) for a parsed URL.
    pub(crate) fn header_for(&mut self, url: &RequestUrl) -> Option<String> {
        self.cookies.retain(|e| !e.expired(self.now));
        self.tick += 1;
        let mut sent: Vec<&mut Entry> = self
            .cookies
            .iter_mut()
            .filter(|e| {
                let c = &e.cookie;
                let host = if c.host_only {
                    url.host == c.domain
                } else {
                    domain_match(&url.host, &c.domain)
                };
                host && path_match(&url.path, &c.path) && (url.secure || !c.secure)
            })
            .collect();
        if sent.is_empty() {
            return None;
        }
        // Longer paths first, then older cookies first.
        sent.sort_by(|a, b| {
            (b.cookie.path.len(), a.created).cmp(&(a.cookie.path.len(), b.created))
        });
        let mut header = String::new();
        for entry in sent {
            entry.used = self.tick;
            if !header.is_empty() {
                header.push_str("; ");
            }
            if !entry.cookie.name.is_empty() {
                header.push_str(&entry.cookie.name);
                header.push('=');
            }
            header.push_str(&entry.cookie.value);
        }
        Some(header)
    }

    /// One line, from a response to `url`.
    fn store(&mut self, url: &RequestUrl, line: &str) -> Vec<Applied> {
        let parsed = match parse_set_cookie(line, self.limits.max_attribute_bytes) {
            Ok(parsed) => parsed,
            Err(reason) => {
                let name = line.split([';', '=']).next().unwrap_or("").trim();
                return vec![rejected(name, reason)];
            }
        };
        let rules = Rules {
            limits: &self.limits,
            now: self.now,
        };
        let entry = match rules.admit(url, line, &parsed) {
            Ok(entry) => entry,
            Err(reason) => return vec![rejected(parsed.name, reason)],
        };
        let name = entry.cookie.name.clone();
        let same = self.cookies.iter().position(|e| {
            let (a, b) = (&e.cookie, &entry.cookie);
            a.name == b.name
                && a.domain == b.domain
                && a.host_only == b.host_only
                && a.path == b.path
        });
        if entry.expired(self.now) {
            if let Some(i) = same {
                self.cookies.remove(i);
            }
            return vec![Applied::Removed {
                name,
                existed: same.is_some(),
            }];
        }
        self.tick += 1;
        let site = site_of(&entry.cookie.domain).to_owned();
        match same {
            Some(i) => {
                let created = self.cookies[i].created;
                self.cookies[i] = Entry {
                    created,
                    used: self.tick,
                    ..entry
                };
            }
            None => self.cookies.push(Entry {
                created: self.tick,
                used: self.tick,
                ..entry
            }),
        }
        let rules = Rules {
            limits: &self.limits,
            now: self.now,
        };
        let mut applied = vec![Applied::Stored { name }];
        applied.extend(rules.purge(&mut self.cookies, Some(&site)));
        applied.extend(rules.purge(&mut self.cookies, None));
        applied
    }
}

fn rejected(name: &str, reason: Rejection) -> Applied {
    Applied::Rejected {
        name: name.to_owned(),
        reason,
    }
}
