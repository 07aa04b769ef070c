//! A `Set-Cookie` line as browsers parse it (RFC 6265bis section 5.6):
//! the name and value, then each attribute, the last of a kind winning,
//! with unreadable or oversized attribute values ignored rather than the
//! cookie.

use crate::testing::date::parse_cookie_date;
use crate::testing::outcome::Rejection;
use crate::SameSite;

/// What one `Set-Cookie` line says, before the jar's rules apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedCookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    /// `Max-Age`, in seconds (zero or less: expire now).
    pub max_age: Option<i64>,
    /// `Expires`, as Unix time.
    pub expires: Option<i64>,
    /// `Domain`, lowercase, without a leading dot; never empty.
    pub domain: Option<String>,
    /// `Path`, when it starts with `/` (otherwise the default path applies).
    pub path: Option<&'a str>,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<SameSite>,
    pub partitioned: bool,
}

/// Parses `line`; attribute values longer than `max_attribute_bytes` are
/// ignored.
///
/// # Errors
/// [`Rejection::Malformed`] for a line with a control character (other
/// than tab), or with neither a name nor a value.
pub(crate) fn parse_set_cookie(
    line: &str,
    max_attribute_bytes: usize,
) -> Result<ParsedCookie<'_>, Rejection> {
    if line.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(Rejection::Malformed);
    }
    let (pair, attributes) = line.split_once(';').unwrap_or((line, ""));
    // A pair without `=` is a value with an empty name.
    let (name, value) = pair.split_once('=').unwrap_or(("", pair));
    let (name, value) = (trim(name), trim(value));
    if name.is_empty() && value.is_empty() {
        return Err(Rejection::Malformed);
    }
    let mut cookie = ParsedCookie {
        name,
        value,
        max_age: None,
        expires: None,
        domain: None,
        path: None,
        secure: false,
        http_only: false,
        same_site: None,
        partitioned: false,
    };
    for av in attributes.split(';') {
        let (key, value) = av.split_once('=').unwrap_or((av, ""));
        let (key, value) = (trim(key), trim(value));
        if value.len() > max_attribute_bytes {
            continue;
        }
        cookie.attribute(key, value);
    }
    Ok(cookie)
}

impl<'a> ParsedCookie<'a> {
    fn attribute(&mut self, key: &str, value: &'a str) {
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        if is("expires") {
            if let Some(at) = parse_cookie_date(value) {
                self.expires = Some(at);
            }
        } else if is("max-age") {
            if let Some(seconds) = delta_seconds(value) {
                self.max_age = Some(seconds);
            }
        } else if is("domain") {
            let domain = value.strip_prefix('.').unwrap_or(value);
            if !domain.is_empty() {
                self.domain = Some(domain.to_ascii_lowercase());
            }
        } else if is("path") {
            self.path = value.starts_with('/').then_some(value);
        } else if is("secure") {
            self.secure = true;
        } else if is("httponly") {
            self.http_only = true;
        } else if is("samesite") {
            self.same_site = if value.eq_ignore_ascii_case("strict") {
                Some(SameSite::Strict)
            } else if value.eq_ignore_ascii_case("lax") {
                Some(SameSite::Lax)
            } else if value.eq_ignore_ascii_case("none") {
                Some(SameSite::None)
            } else {
                None
            };
        } else if is("partitioned") {
            self.partitioned = true;
        }
    }
}

/// Space and tab, the whitespace RFC 6265bis trims.
fn trim(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `-`? DIGIT+, saturating; anything else is ignored.
fn delta_seconds(value: &str) -> Option<i64> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |acc, b| {
        acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
    });
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_value_and_every_attribute() {
        let line = "sid = abc ; Path=/app; Domain=.Example.COM; Max-Age=60; \
                    Expires=Thu, 01 Jan 1970 00:00:10 GMT; Secure; HttpOnly; \
                    SameSite=strict; Partitioned; Unknown=1";
        let c = parse_set_cookie(line, 1024).unwrap();
        assert_eq!((c.name, c.value), ("sid", "abc"));
        assert_eq!(c.path, Some("/app"));
        assert_eq!(c.domain.as_deref(), Some("example.com"));
        assert_eq!((c.max_age, c.expires), (Some(60), Some(10)));
        assert!(c.secure && c.http_only && c.partitioned);
        assert_eq!(c.same_site, Some(SameSite::Strict));
    }

    #[test]
    fn the_last_attribute_wins_and_unreadable_ones_are_ignored() {
        let c = parse_set_cookie(
            "a=b; Max-Age=5; Max-Age=x; Max-Age=-3; Path=relative; Domain=; \
             Expires=soon; SameSite=sometimes",
            1024,
        )
        .unwrap();
        assert_eq!(c.max_age, Some(-3));
        assert_eq!(
            (c.path, c.domain, c.expires, c.same_site),
            (None, None, None, None)
        );
        let c = parse_set_cookie("a=b; Max-Age=99999999999999999999999; Max-Age=-", 1024).unwrap();
        assert_eq!(c.max_age, Some(i64::MAX));
    }

    #[test]
    fn oversized_attribute_values_are_ignored_not_the_cookie() {
        let long = format!("/{}", "p".repeat(1024));
        let line = format!("a=b; Path=/short; Path={long}");
        assert_eq!(parse_set_cookie(&line, 1024).unwrap().path, Some("/short"));
        assert_eq!(
            parse_set_cookie(&line, 2048).unwrap().path,
            Some(long.as_str())
        );
    }

    #[test]
    fn what_is_not_a_cookie() {
        assert_eq!(parse_set_cookie("", 1024), Err(Rejection::Malformed));
        assert_eq!(
            parse_set_cookie(" = ; Path=/", 1024),
            Err(Rejection::Malformed)
        );
        assert_eq!(parse_set_cookie("a=b\nc", 1024), Err(Rejection::Malformed));
        assert_eq!(parse_set_cookie("a=b\x7f", 1024), Err(Rejection::Malformed));
        // A pair without `=` is a nameless value; a tab is whitespace.
        let c = parse_set_cookie("\tlonely\t", 1024).unwrap();
        assert_eq!((c.name, c.value), ("", "lonely"));
        // Only the first `=` splits.
        let c = parse_set_cookie("a==b=", 1024).unwrap();
        assert_eq!((c.name, c.value), ("a", "=b="));
    }
}
