//! What the jar did with each `Set-Cookie` line, the cookies it holds, and
//! its errors.

use std::fmt;

use crate::{Counted, SameSite};

/// What a [`TestJar`](super::TestJar) did with one `Set-Cookie` line, or
/// to a cookie it held because of one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// Kept: a new cookie, or one replacing the cookie of the same name,
    /// domain and path.
    Stored {
        /// The cookie's name.
        name: String,
    },
    /// The line had already expired (`Max-Age=0`, or an `Expires` in the
    /// past): a deletion, which removed the cookie of the same name, domain
    /// and path if there was one.
    Removed {
        /// The cookie's name.
        name: String,
        /// Whether there was a cookie to remove.
        existed: bool,
    },
    /// Dropped, as the browser would drop it.
    Rejected {
        /// The cookie's name (empty when the line had none).
        name: String,
        /// Why.
        reason: Rejection,
    },
    /// A cookie the jar held, evicted to keep the site (or the whole jar)
    /// within the browser's count.
    Evicted {
        /// The evicted cookie's name.
        name: String,
    },
}

/// Why a [`TestJar`](super::TestJar) dropped a `Set-Cookie` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Larger than the browser keeps: `bytes` counted as the limits entry
    /// counts them (name and value, or the whole line) against `limit`.
    TooLarge {
        /// The cookie's size as counted.
        bytes: usize,
        /// The entry's `max_cookie_bytes`.
        limit: usize,
        /// What was counted.
        counted: Counted,
    },
    /// Not a cookie: a control character in the line, or neither a name
    /// nor a value.
    Malformed,
    /// The `Domain` attribute does not cover the request's host, or is a
    /// public suffix (the jar treats any one-label domain as one).
    DomainMismatch,
    /// `Secure` from a URL that is not `https`.
    InsecureOrigin,
    /// The name's prefix (`__Secure-`, `__Host-`, and for Chromium and
    /// Firefox `__Http-` and `__Host-Http-`) demands attributes the line
    /// lacks.
    Prefix,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::TooLarge {
                bytes,
                limit,
                counted,
            } => {
                let what = match counted {
                    Counted::NameValue => "name and value",
                    Counted::Line => "line",
                };
                write!(f, "{what} of {bytes} bytes, over the {limit}-byte limit")
            }
            Rejection::Malformed => f.write_str("not a cookie"),
            Rejection::DomainMismatch => f.write_str("domain does not cover the request's host"),
            Rejection::InsecureOrigin => f.write_str("secure cookie from an insecure url"),
            Rejection::Prefix => f.write_str("name prefix demands attributes the cookie lacks"),
        }
    }
}

/// A cookie a [`TestJar`](super::TestJar) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JarCookie {
    /// The name (empty for a nameless cookie).
    pub name: String,
    /// The value.
    pub value: String,
    /// The host (host-only) or the `Domain` it was set for.
    pub domain: String,
    /// Whether it goes only to exactly `domain` (no `Domain` attribute).
    pub host_only: bool,
    /// The path it goes to, and below.
    pub path: String,
    /// Whether it goes only to `https` URLs.
    pub secure: bool,
    /// `HttpOnly` (the jar runs no scripts, so it changes nothing here).
    pub http_only: bool,
    /// `SameSite`, when the line said one the browser knows.
    pub same_site: Option<SameSite>,
    /// `Partitioned` (the jar keeps one partition: every request is first
    /// party).
    pub partitioned: bool,
    /// When it expires, as Unix time; `None` for a cookie that lasts until
    /// the browser closes ([`TestJar::close_browser`](super::TestJar::close_browser)).
    pub expires: Option<u64>,
}

/// The errors of a [`TestJar`](super::TestJar).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TestJarError {
    /// No entry of the limits database has this id.
    UnknownBrowser(String),
    /// The entry exists, but the jar knows no User-Agent that the database
    /// resolves to it: build the jar with
    /// [`TestJar::with_limits`](super::TestJar::with_limits) and
    /// [`with_user_agent`](super::TestJar::with_user_agent).
    NoUserAgent(String),
    /// Neither an absolute `http`/`https` URL nor a path.
    InvalidUrl(String),
}

impl fmt::Display for TestJarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestJarError::UnknownBrowser(id) => {
                write!(f, "no browser limits entry has the id {id:?}")
            }
            TestJarError::NoUserAgent(id) => write!(
                f,
                "no known user-agent resolves to the entry {id:?}; give the jar one"
            ),
            TestJarError::InvalidUrl(url) => {
                write!(f, "invalid url {url:?}: neither an http(s) url nor a path")
            }
        }
    }
}

impl std::error::Error for TestJarError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_rejections_display_in_lowercase() {
        let texts = [
            TestJarError::UnknownBrowser("x".into()).to_string(),
            TestJarError::NoUserAgent("x".into()).to_string(),
            TestJarError::InvalidUrl("x".into()).to_string(),
            Rejection::TooLarge {
                bytes: 4097,
                limit: 4096,
                counted: Counted::NameValue,
            }
            .to_string(),
            Rejection::Malformed.to_string(),
            Rejection::DomainMismatch.to_string(),
            Rejection::InsecureOrigin.to_string(),
            Rejection::Prefix.to_string(),
        ];
        for text in texts {
            assert!(text.starts_with(|c: char| c.is_ascii_lowercase()), "{text}");
        }
    }
}
