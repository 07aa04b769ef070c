//! The parts of a request's URL that cookies care about, and the matching
//! rules of RFC 6265bis section 5.1.3 and 5.1.4: domain match, default
//! path and path match.

use std::net::Ipv4Addr;

use http::Uri;

use crate::testing::outcome::TestJarError;

/// Where a request goes, as cookies see it: the port plays no part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestUrl {
    /// `https` (or `wss`).
    pub secure: bool,
    /// Lowercase, without the port.
    pub host: String,
    /// Never empty.
    pub path: String,
}

impl RequestUrl {
    /// The URL the jar uses for a path alone, until told otherwise.
    pub(crate) fn default_origin() -> RequestUrl {
        RequestUrl {
            secure: true,
            host: "example.com".to_owned(),
            path: "/".to_owned(),
        }
    }

    /// `text` as an absolute `http`/`https` URL, or as a path on
    /// `origin`'s scheme and host.
    pub(crate) fn parse(text: &str, origin: &RequestUrl) -> Result<RequestUrl, TestJarError> {
        let invalid = || TestJarError::InvalidUrl(text.to_owned());
        let uri: Uri = text.parse().map_err(|_| invalid())?;
        match uri.scheme_str() {
            None if uri.host().is_none() && text.starts_with('/') => {
                Ok(RequestUrl::from_uri(&uri, origin))
            }
            Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
                Ok(RequestUrl::from_uri(&uri, origin))
            }
            _ => Err(invalid()),
        }
    }

    /// A request's URI: a path alone takes `origin`'s scheme and host; a
    /// scheme other than `https` or `wss` is not secure.
    pub(crate) fn from_uri(uri: &Uri, origin: &RequestUrl) -> RequestUrl {
        RequestUrl::from_parts(uri.scheme_str(), uri.host(), uri.path(), origin)
    }

    /// [`from_uri`](Self::from_uri) from the parts of any `http` version's
    /// URI.
    pub(crate) fn from_parts(
        scheme: Option<&str>,
        host: Option<&str>,
        path: &str,
        origin: &RequestUrl,
    ) -> RequestUrl {
        let path = match path {
            "" => "/".to_owned(),
            p => p.to_owned(),
        };
        match host {
            Some(host) => RequestUrl {
                secure: scheme.is_some_and(|s| {
                    s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("wss")
                }),
                host: host.to_ascii_lowercase(),
                path,
            },
            None => RequestUrl {
                path,
                ..origin.clone()
            },
        }
    }

    /// The path a cookie without a `Path` attribute gets: the request's
    /// path up to its last `/`, or `/`.
    pub(crate) fn default_path(&self) -> &str {
        match self.path.rfind('/') {
            Some(0) | None => "/",
            Some(i) => &self.path[..i],
        }
    }
}

/// Whether `host` is an IP address (IPv6 in brackets, as URLs write it).
pub(crate) fn is_ip(host: &str) -> bool {
    host.starts_with('[') || host.parse::<Ipv4Addr>().is_ok()
}

/// Whether `host` is `domain` or below it (never for IP addresses).
pub(crate) fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (!is_ip(host)
            && host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// Whether a cookie for `cookie_path` goes to `request_path`.
pub(crate) fn path_match(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

/// The site a cookie's domain counts against: the domain's last two labels
/// (the jar has no public suffix list), or the whole of an IP address or a
/// one-label host.
pub(crate) fn site_of(domain: &str) -> &str {
    if is_ip(domain) {
        return domain;
    }
    match domain.rmatch_indices('.').nth(1) {
        Some((i, _)) => &domain[i + 1..],
        None => domain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> RequestUrl {
        RequestUrl::parse(text, &RequestUrl::default_origin()).unwrap()
    }

    #[test]
    fn urls_and_paths() {
        let u = url("HTTPS://WWW.Example.com:8443/a/b?q=1#f");
        assert_eq!(
            (u.secure, u.host.as_str(), u.path.as_str()),
            (true, "www.example.com", "/a/b")
        );
        assert_eq!(u.default_path(), "/a");
        let u = url("http://127.0.0.1:3000");
        assert_eq!(
            (u.secure, u.host.as_str(), u.path.as_str()),
            (false, "127.0.0.1", "/")
        );
        let u = url("/login?next=/");
        assert_eq!(
            (u.secure, u.host.as_str(), u.path.as_str()),
            (true, "example.com", "/login")
        );
        assert_eq!(u.default_path(), "/");
        for bad in [
            "",
            "login",
            "ftp://example.com/",
            "http://",
            "https://exa mple.com/",
        ] {
            assert_eq!(
                RequestUrl::parse(bad, &RequestUrl::default_origin()),
                Err(TestJarError::InvalidUrl(bad.into())),
                "{bad:?}"
            );
        }
        let ws: Uri = "wss://example.com/socket".parse().unwrap();
        assert!(RequestUrl::from_uri(&ws, &RequestUrl::default_origin()).secure);
    }

    #[test]
    fn domain_and_path_matching() {
        assert!(domain_match("example.com", "example.com"));
        assert!(domain_match("a.b.example.com", "example.com"));
        assert!(!domain_match("badexample.com", "example.com"));
        assert!(!domain_match("example.com", "a.example.com"));
        assert!(!domain_match("1.2.3.4", "2.3.4"));
        assert!(path_match("/", "/"));
        assert!(path_match("/app/x", "/app"));
        assert!(path_match("/app/x", "/app/"));
        assert!(!path_match("/apple", "/app"));
        assert!(!path_match("/", "/app"));
    }

    #[test]
    fn sites_are_the_last_two_labels() {
        assert_eq!(site_of("a.b.example.com"), "example.com");
        assert_eq!(site_of("example.com"), "example.com");
        assert_eq!(site_of("localhost"), "localhost");
        assert_eq!(site_of("10.0.0.1"), "10.0.0.1");
        assert_eq!(site_of("[::1]"), "[::1]");
    }
}
