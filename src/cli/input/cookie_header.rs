//! A `Cookie` request header: the pairs a browser sent.

use super::cookies::{Input, InputCookie};
use super::format::strip_prefix_ci;

/// Reads Cookie header lines (one header a line, `Cookie:` optional).
pub(super) fn read(text: &str, input: &mut Input) {
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let header = strip_prefix_ci(line, "cookie:").unwrap_or(line);
        input.cookies.extend(cookie_header(header));
    }
}

/// The pairs of one Cookie header value, in order: `;`-separated, white
/// space around each trimmed, a value in double quotes unquoted. A piece
/// without `=` is a nameless cookie (RFC 6265bis): name "".
pub(super) fn cookie_header(header: &str) -> Vec<InputCookie> {
    header
        .split(';')
        .map(|piece| piece.trim_matches([' ', '\t']))
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or(("", piece));
            InputCookie::pair(
                name.trim_matches([' ', '\t']),
                unquote(value.trim_matches([' ', '\t'])),
            )
        })
        .collect()
}

/// A value without the double quotes around it, if it has them.
pub(super) fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}
