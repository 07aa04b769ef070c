//! The four formats the inspector reads, and telling them apart.

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

/// `text` after `prefix` (ASCII case ignored) and the white space after it.
pub(super) fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text[prefix.len()..].trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;

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
