//! The inspector's inputs: a Cookie header, Set-Cookie lines, a curl
//! cookie jar (Netscape format) or a HAR file, each read into the cookies a
//! browser would send next. Pure functions of text, shared with the fuzz
//! target `inspect_input` (which includes `src/cli/mod.rs` with `#[path]`),
//! so they must never panic, whatever the input.
//!
//! One site at a time: a curl jar or a HAR usually holds cookies of many
//! hosts, and a session's chunks only make sense together with the other
//! cookies that one host receives. So a host is chosen (`--host`, see
//! [`parse`]):
//! - a curl jar keeps the lines whose domain matches the host (RFC 6265's
//!   domain match, with the line's include-subdomains flag);
//! - a HAR is replayed in entry order into one jar, as a browser keeps it
//!   (RFC 6265: cookies told apart by name, domain and path; a Domain that
//!   is not the host or a parent of it, and a Secure cookie from plain
//!   http, rejected). The host's requests say what the browser really sent
//!   to their URL; other hosts' entries count for their Set-Cookie headers
//!   only. What is read is what the jar sends to the host's last URL: the
//!   cookies whose domain (host-only or domain cookie), path and Secure
//!   flag match it; the others are listed with why. Without a host, the
//!   first entry's (the page a browser's developer tools recorded first).
//!
//! Set-Cookie lines alone name no URL, so every cookie they set is read.
//!
//! One reader a file: [`format`] (telling the formats apart), the Cookie
//! header, Set-Cookie lines (the jar), the curl jar and the HAR; what they
//! give is in `cookies`.

mod cookie_header;
mod cookies;
mod curl_jar;
mod format;
mod har;
mod jar;
#[cfg(test)]
mod tests;

pub use cookies::{Input, InputError, MAX_INPUT};
pub use format::{detect, Format};

/// Reads `text` as `format` (or the detected one), for `host` (a curl jar
/// or HAR only; see the [module](self); any case, no port). `now` (seconds
/// since the epoch) decides which cookies have expired.
///
/// Without a host, a curl jar is read whole, with a warning when its lines
/// are of several domains, and a HAR is read for its first entry's host,
/// with a warning naming the hosts it skipped.
pub fn parse(
    text: &str,
    format: Option<Format>,
    host: Option<&str>,
    now: u64,
) -> Result<Input, InputError> {
    if text.len() > MAX_INPUT {
        return Err(InputError(format!(
            "the input is {} bytes, more than the {MAX_INPUT} read",
            text.len()
        )));
    }
    let format = format.unwrap_or_else(|| detect(text));
    let host = host.map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase());
    let mut input = Input::new(format);
    match format {
        Format::CookieHeader => cookie_header::read(text, &mut input),
        Format::SetCookie => jar::read(text, now, &mut input),
        Format::CurlJar => curl_jar::read(text, now, host, &mut input),
        Format::Har => har::read(text, now, host, &mut input)?,
    }
    Ok(input)
}
