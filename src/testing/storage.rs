//! How a browser stores one parsed `Set-Cookie` line (RFC 6265bis
//! section 5.7, with a limits entry's figures), and what it evicts past
//! its counts.

use crate::testing::outcome::{Applied, JarCookie, Rejection};
use crate::testing::parse::ParsedCookie;
use crate::testing::url::{domain_match, is_ip, site_of, RequestUrl};
use crate::{BrowserLimits, Counted};

/// The longest lifetime a browser gives a cookie: 400 days (RFC 6265bis).
const MAX_AGE: i64 = 400 * 24 * 3600;

/// A cookie in the jar, with what the browser keeps about it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub cookie: JarCookie,
    /// Unix time; `None` until the browser closes.
    pub expires: Option<i64>,
    /// When it was first set, on the jar's logical clock.
    pub created: u64,
    /// When it was last set or sent, on the jar's logical clock.
    pub used: u64,
}

impl Entry {
    pub(crate) fn expired(&self, now: i64) -> bool {
        self.expires.is_some_and(|t| t <= now)
    }
}

/// One browser's rules at one moment.
pub(crate) struct Rules<'a> {
    pub limits: &'a BrowserLimits,
    /// Unix time.
    pub now: i64,
}

impl Rules<'_> {
    /// The cookie a parsed line makes for `url`, or why the browser drops
    /// the line.
    pub(crate) fn admit(
        &self,
        url: &RequestUrl,
        line: &str,
        parsed: &ParsedCookie<'_>,
    ) -> Result<Entry, Rejection> {
        let bytes = match self.limits.counts {
            Counted::NameValue => parsed.name.len() + parsed.value.len(),
            Counted::Line => line.len(),
        };
        if bytes > self.limits.max_cookie_bytes {
            return Err(Rejection::TooLarge {
                bytes,
                limit: self.limits.max_cookie_bytes,
                counted: self.limits.counts,
            });
        }
        if parsed.secure && !url.secure {
            return Err(Rejection::InsecureOrigin);
        }
        let (domain, host_only) = match &parsed.domain {
            // A public suffix (here: one label) only as the host itself,
            // and then host-only.
            Some(d) if !d.contains('.') && !is_ip(d) => {
                if *d != url.host {
                    return Err(Rejection::DomainMismatch);
                }
                (url.host.clone(), true)
            }
            Some(d) if domain_match(&url.host, d) => (d.clone(), false),
            Some(_) => return Err(Rejection::DomainMismatch),
            None => (url.host.clone(), true),
        };
        let path = parsed.path.unwrap_or_else(|| url.default_path());
        self.check_prefix(parsed, host_only)?;
        let expires = match (parsed.max_age, parsed.expires) {
            (Some(age), _) if age <= 0 => Some(i64::MIN),
            (Some(age), _) => Some(self.now.saturating_add(age.min(MAX_AGE))),
            (None, Some(at)) => Some(at.min(self.now.saturating_add(MAX_AGE))),
            (None, None) => None,
        };
        Ok(Entry {
            cookie: JarCookie {
                name: parsed.name.to_owned(),
                value: parsed.value.to_owned(),
                domain,
                host_only,
                path: path.to_owned(),
                secure: parsed.secure,
                http_only: parsed.http_only,
                same_site: parsed.same_site,
                partitioned: parsed.partitioned,
                expires: expires.map(|t| u64::try_from(t).unwrap_or(0)),
            },
            expires,
            created: 0,
            used: 0,
        })
    }

    /// The rules of the name prefixes (RFC 6265bis section 4.1.3, and
    /// draft-ietf-httpbis-layered-cookies for `__Http-`).
    fn check_prefix(&self, parsed: &ParsedCookie<'_>, host_only: bool) -> Result<(), Rejection> {
        let lower = parsed.name.to_ascii_lowercase();
        let starts = |p: &str| lower.starts_with(p);
        let host = starts("__host-");
        let layered = matches!(self.limits.browser.as_str(), "chromium" | "firefox")
            && (starts("__http-") || starts("__host-http-"));
        let fails = ((host || starts("__secure-") || layered) && !parsed.secure)
            || (host && (!host_only || parsed.path != Some("/")))
            || (layered && !parsed.http_only);
        // A nameless cookie may not pose as a prefixed one.
        let value = parsed.value.to_ascii_lowercase();
        let posing = parsed.name.is_empty()
            && (value.starts_with("__secure-") || value.starts_with("__host-"));
        if fails || posing {
            return Err(Rejection::Prefix);
        }
        Ok(())
    }

    /// Evicts past the count of one site (`Some`) or of the whole jar
    /// (`None`): down to the entry's purge level for a site, to the
    /// maximum for the jar; least recently used first.
    pub(crate) fn purge(&self, cookies: &mut Vec<Entry>, site: Option<&str>) -> Vec<Applied> {
        let in_scope = |e: &Entry| site.is_none_or(|s| site_of(&e.cookie.domain) == s);
        let count = cookies.iter().filter(|e| in_scope(e)).count();
        let (max, keep) = match site {
            Some(_) => (self.limits.max_cookies_per_site, self.limits.purge_to),
            None => (self.limits.max_cookies_total, self.limits.max_cookies_total),
        };
        if count <= max {
            return Vec::new();
        }
        let mut order: Vec<(u64, u64)> = cookies
            .iter()
            .filter(|e| in_scope(e))
            .map(|e| (e.used, e.created))
            .collect();
        order.sort_unstable();
        let Some(&last_evicted) = order.get(count - keep.min(max) - 1) else {
            return Vec::new();
        };
        let mut evicted = Vec::new();
        cookies.retain(|e| {
            let go = in_scope(e) && (e.used, e.created) <= last_evicted;
            if go {
                evicted.push(Applied::Evicted {
                    name: e.cookie.name.clone(),
                });
            }
            !go
        });
        evicted
    }
}
