//! Cookie attributes, the rules of the name prefixes, and `Set-Cookie` values.

use cookie::time::{Duration as CookieDuration, OffsetDateTime};
use cookie::{Cookie, SameSite as CookieSameSite};

use crate::ConfigError;

/// The `SameSite` attribute.
///
/// # Example
/// ```
/// use cookietin::{Engine, Key, SameSite};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
///     .same_site(SameSite::Strict)
///     .build()?;
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SameSite {
    /// Sent on same-site requests and top-level cross-site navigations.
    #[default]
    Lax,
    /// Sent on same-site requests only.
    Strict,
    /// Sent on every request; requires `Secure`.
    None,
}

/// The attributes every session cookie carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attributes {
    pub path: String,
    pub domain: Option<String>,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: SameSite,
    /// `Some(seconds)`: a persistent cookie with Max-Age and Expires;
    /// `None`: a browser-session cookie.
    pub persistent_for: Option<u64>,
    /// The `Partitioned` attribute (CHIPS): the cookie is kept per top-level
    /// site.
    pub partitioned: bool,
    /// Everything after `name=value` but Expires, rendered by the `cookie`
    /// crate on first use. Set the fields above before the first use.
    suffix: std::sync::OnceLock<String>,
}

impl Default for Attributes {
    fn default() -> Self {
        Attributes {
            path: "/".to_owned(),
            domain: None,
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            persistent_for: None,
            partitioned: false,
            suffix: std::sync::OnceLock::new(),
        }
    }
}

/// The longest attribute value browsers accept (Chromium's
/// `kMaxCookieAttributeValueSize`, Firefox's 1024-byte limit).
const MAX_ATTRIBUTE_VALUE: usize = 1024;
/// Room left in a one-byte name length for the `.254` chunk suffix.
const MAX_NAME: usize = 250;
/// The longest Max-Age or Expires a cookie may say: 400 days (RFC 6265bis
/// section 5.6.1 and 5.6.2; Chromium's `canonical_cookie.cc` clamps to it).
pub(crate) const MAX_COOKIE_AGE: u64 = 400 * 24 * 3600;

impl Attributes {
    /// Checks the name and attributes as a browser would, so that a cookie
    /// is never built that the browser would drop.
    pub(crate) fn validate(&self, name: &str) -> Result<(), ConfigError> {
        let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
        if name.is_empty() || name.len() > MAX_NAME || !name.bytes().all(token) {
            return Err(ConfigError::InvalidCookieName(name.to_owned()));
        }
        // Prefixes match case-insensitively (RFC 6265bis section 5.4).
        let lower = name.to_ascii_lowercase();
        let host = lower.starts_with("__host-");
        // `__Http-` and `__Host-Http-` (draft-ietf-httpbis-layered-cookies).
        let http = lower.starts_with("__http-") || lower.starts_with("__host-http-");
        if (host || http || lower.starts_with("__secure-")) && !self.secure {
            return Err(ConfigError::PrefixRequiresSecure(name.to_owned()));
        }
        if http && !self.http_only {
            return Err(ConfigError::PrefixRequiresHttpOnly(name.to_owned()));
        }
        if self.partitioned && !self.secure {
            return Err(ConfigError::PartitionedRequiresSecure);
        }
        if host && self.domain.is_some() {
            return Err(ConfigError::HostPrefixForbidsDomain(name.to_owned()));
        }
        if host && self.path != "/" {
            return Err(ConfigError::HostPrefixRequiresRootPath(name.to_owned()));
        }
        if self.same_site == SameSite::None && !self.secure {
            return Err(ConfigError::SameSiteNoneRequiresSecure);
        }
        let clean = |s: &str| s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';');
        if !self.path.starts_with('/') || !clean(&self.path) {
            return Err(ConfigError::InvalidAttribute {
                attribute: "Path",
                problem: "must start with '/' and hold no ';' or control characters",
            });
        }
        if self.path.len() > MAX_ATTRIBUTE_VALUE {
            return Err(ConfigError::InvalidAttribute {
                attribute: "Path",
                problem: "longer than the 1024 bytes browsers accept",
            });
        }
        if let Some(domain) = &self.domain {
            let domain = domain.strip_prefix('.').unwrap_or(domain);
            if domain.is_empty() || !clean(domain) || domain.contains(' ') {
                return Err(ConfigError::InvalidAttribute {
                    attribute: "Domain",
                    problem: "must be a non-empty host name",
                });
            }
            if domain.len() > MAX_ATTRIBUTE_VALUE {
                return Err(ConfigError::InvalidAttribute {
                    attribute: "Domain",
                    problem: "longer than the 1024 bytes browsers accept",
                });
            }
        }
        Ok(())
    }

    fn apply<'c>(&self, mut cookie: Cookie<'c>) -> Cookie<'c> {
        cookie.set_path(self.path.clone());
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie.set_secure(self.secure);
        cookie.set_http_only(self.http_only);
        if self.partitioned {
            cookie.set_partitioned(true);
        }
        cookie.set_same_site(match self.same_site {
            SameSite::Lax => CookieSameSite::Lax,
            SameSite::Strict => CookieSameSite::Strict,
            SameSite::None => CookieSameSite::None,
        });
        cookie
    }

    /// The cookie `name=value` with every attribute, as the `cookie` crate
    /// writes it; `now` gives Expires for persistent cookies.
    fn render(&self, name: &str, value: &str, now: Option<u64>) -> String {
        let mut cookie = self.apply(Cookie::new(name.to_owned(), value.to_owned()));
        if let Some(seconds) = self.persistent_for {
            // No Set-Cookie says more than browsers keep (RFC 6265bis).
            let seconds = i64::try_from(seconds.min(MAX_COOKIE_AGE)).unwrap_or(i64::MAX);
            cookie.set_max_age(CookieDuration::seconds(seconds));
            if let Some(now) = now {
                let expires = unix_time(now).saturating_add(CookieDuration::seconds(seconds));
                cookie.set_expires(expires);
            }
        }
        cookie.to_string()
    }

    /// The `; Expires=...` part for a cookie written at `now`, or nothing
    /// for a browser-session cookie. Computed once per save, not per chunk.
    pub(crate) fn expires_suffix(&self, now: u64) -> String {
        match self.persistent_for {
            None => String::new(),
            Some(_) => {
                let without = self.render("n", "v", None).len();
                self.render("n", "v", Some(now))[without..].to_owned()
            }
        }
    }

    /// The `Set-Cookie` value that stores `name=` and a value of
    /// `value_len` bytes that `write_value` appends. The attributes are
    /// rendered by the `cookie` crate once, then appended to each chunk, so
    /// the line is built in one allocation.
    pub(crate) fn set_cookie_line(
        &self,
        name: &str,
        value_len: usize,
        expires: &str,
        write_value: impl FnOnce(&mut String),
    ) -> String {
        let suffix = self
            .suffix
            .get_or_init(|| self.render("n", "v", None)["n=v".len()..].to_owned());
        let mut line =
            String::with_capacity(name.len() + 1 + value_len + suffix.len() + expires.len());
        line.push_str(name);
        line.push('=');
        write_value(&mut line);
        line.push_str(suffix);
        line.push_str(expires);
        line
    }

    /// The `Set-Cookie` value that stores `name=value`, written at `now`.
    pub(crate) fn set_cookie(&self, name: &str, value: &str, now: u64) -> String {
        let expires = self.expires_suffix(now);
        self.set_cookie_line(name, value.len(), &expires, |line| line.push_str(value))
    }

    /// The `Set-Cookie` value that deletes the cookie `name`.
    pub(crate) fn removal(&self, name: &str) -> String {
        let mut cookie = self.apply(Cookie::new(name.to_owned(), ""));
        cookie.make_removal();
        cookie.to_string()
    }

    /// The bytes a `Set-Cookie` line has besides `name=value`: what browsers
    /// that count the whole line (see [`Counted::Line`](crate::Counted))
    /// charge on top of the name and value.
    pub(crate) fn line_overhead(&self) -> usize {
        self.set_cookie("n", "v", 0).len() - "n=v".len()
    }
}

fn unix_time(seconds: u64) -> OffsetDateTime {
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_secure_httponly_lax_root() {
        let line = Attributes::default().set_cookie("sid", "abc", 0);
        assert_eq!(line, "sid=abc; HttpOnly; SameSite=Lax; Secure; Path=/");
    }

    #[test]
    fn persistent_cookie_has_max_age_and_expires() {
        let attrs = Attributes {
            persistent_for: Some(3600),
            ..Attributes::default()
        };
        let line = attrs.set_cookie("sid", "abc", 1_700_000_000);
        assert!(line.contains("; Max-Age=3600"), "{line}");
        assert!(
            line.contains("; Expires=Tue, 14 Nov 2023 23:13:20 GMT"),
            "{line}"
        );
        // Expires has a fixed width, so the overhead does not depend on time.
        assert_eq!(attrs.line_overhead(), line.len() - "sid=abc".len());
    }

    #[test]
    fn prepared_suffix_matches_the_cookie_crate() {
        for persistent_for in [None, Some(60)] {
            let attrs = Attributes {
                persistent_for,
                domain: Some("example.com".into()),
                same_site: SameSite::Strict,
                ..Attributes::default()
            };
            let fast = attrs.set_cookie("sid.1", "v4lue", 1_700_000_000);
            assert_eq!(fast, attrs.render("sid.1", "v4lue", Some(1_700_000_000)));
        }
    }

    #[test]
    fn max_age_and_expires_are_clamped_to_400_days() {
        let attrs = Attributes {
            persistent_for: Some(50_000_000),
            ..Attributes::default()
        };
        let now = 1_700_000_000;
        let line = attrs.set_cookie("sid", "abc", now);
        assert!(line.contains("; Max-Age=34560000"), "{line}");
        // 1_700_000_000 + 34_560_000 s is Wed, 18 Dec 2024 22:13:20 GMT.
        assert!(
            line.contains("; Expires=Wed, 18 Dec 2024 22:13:20 GMT"),
            "{line}"
        );
        let short = Attributes {
            persistent_for: Some(3600),
            ..Attributes::default()
        };
        assert!(short
            .set_cookie("sid", "abc", now)
            .contains("; Max-Age=3600"));
    }

    #[test]
    fn partitioned_needs_secure_and_goes_on_every_line() {
        let attrs = Attributes {
            partitioned: true,
            ..Attributes::default()
        };
        assert!(attrs.validate("sid").is_ok());
        let line = attrs.set_cookie("sid", "abc", 0);
        assert!(
            line.contains("; Partitioned") && line.contains("; Secure"),
            "{line}"
        );
        // A removal must name the same partition, or it deletes nothing.
        assert!(attrs.removal("sid.1").contains("; Partitioned"));
        let insecure = Attributes {
            partitioned: true,
            secure: false,
            ..Attributes::default()
        };
        assert_eq!(
            insecure.validate("sid"),
            Err(ConfigError::PartitionedRequiresSecure)
        );
    }

    #[test]
    fn http_prefixes_need_secure_and_http_only() {
        for name in ["__Http-sid", "__Host-Http-sid", "__http-sid"] {
            assert!(Attributes::default().validate(name).is_ok(), "{name}");
            let readable = Attributes {
                http_only: false,
                ..Attributes::default()
            };
            assert_eq!(
                readable.validate(name),
                Err(ConfigError::PrefixRequiresHttpOnly(name.into()))
            );
            let insecure = Attributes {
                secure: false,
                ..Attributes::default()
            };
            assert_eq!(
                insecure.validate(name),
                Err(ConfigError::PrefixRequiresSecure(name.into()))
            );
        }
        // The Host variant also needs Path=/ and no Domain.
        let with_domain = Attributes {
            domain: Some("example.com".into()),
            ..Attributes::default()
        };
        assert_eq!(
            with_domain.validate("__Host-Http-sid"),
            Err(ConfigError::HostPrefixForbidsDomain(
                "__Host-Http-sid".into()
            ))
        );
        assert!(with_domain.validate("__Http-sid").is_ok());
        let sub_path = Attributes {
            path: "/app".into(),
            ..Attributes::default()
        };
        assert_eq!(
            sub_path.validate("__Host-Http-sid"),
            Err(ConfigError::HostPrefixRequiresRootPath(
                "__Host-Http-sid".into()
            ))
        );
    }

    #[test]
    fn removal_expires_in_the_past() {
        let line = Attributes::default().removal("sid.2");
        assert!(line.starts_with("sid.2=; "), "{line}");
        assert!(line.contains("Max-Age=0"), "{line}");
        assert!(line.contains("Path=/"), "{line}");
    }

    #[test]
    fn prefixes_are_enforced() {
        let insecure = Attributes {
            secure: false,
            ..Attributes::default()
        };
        assert_eq!(
            insecure.validate("__Host-sid"),
            Err(ConfigError::PrefixRequiresSecure("__Host-sid".into()))
        );
        assert_eq!(
            insecure.validate("__Secure-sid"),
            Err(ConfigError::PrefixRequiresSecure("__Secure-sid".into()))
        );
        let with_domain = Attributes {
            domain: Some("example.com".into()),
            ..Attributes::default()
        };
        assert_eq!(
            with_domain.validate("__Host-sid"),
            Err(ConfigError::HostPrefixForbidsDomain("__Host-sid".into()))
        );
        assert!(with_domain.validate("__Secure-sid").is_ok());
        let sub_path = Attributes {
            path: "/app".into(),
            ..Attributes::default()
        };
        assert_eq!(
            sub_path.validate("__Host-sid"),
            Err(ConfigError::HostPrefixRequiresRootPath("__Host-sid".into()))
        );
        assert!(Attributes::default().validate("__Host-sid").is_ok());
    }

    #[test]
    fn names_and_attributes_are_checked() {
        let a = Attributes::default();
        for bad in ["", "a b", "a;b", "a=b", "é", "a\"b"] {
            assert!(a.validate(bad).is_err(), "{bad:?}");
        }
        let long_path = Attributes {
            path: format!("/{}", "p".repeat(1024)),
            ..Attributes::default()
        };
        assert!(long_path.validate("sid").is_err());
        let none_insecure = Attributes {
            same_site: SameSite::None,
            secure: false,
            ..Attributes::default()
        };
        assert_eq!(
            none_insecure.validate("sid"),
            Err(ConfigError::SameSiteNoneRequiresSecure)
        );
    }
}
