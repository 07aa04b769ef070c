//! A browser's cookie jar for one site, as `Set-Cookie` lines fill it.

use super::cookie_header::unquote;
use super::cookies::{Input, InputCookie};
use super::format::strip_prefix_ci;

/// Reads `Set-Cookie` lines (the `Set-Cookie:` optional) into the jar they
/// leave, in order.
pub(super) fn read(text: &str, now: u64, input: &mut Input) {
    let mut jar = Jar::default();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let line = strip_prefix_ci(line, "set-cookie:").unwrap_or(line).trim();
        if let Err(why) = jar.set_cookie(line, now) {
            input.warn(format!("line {} skipped: {why}", number + 1));
        }
    }
    input.cookies = jar.cookies;
}

/// One site's cookie jar, by name.
#[derive(Debug, Default)]
pub(super) struct Jar {
    pub cookies: Vec<InputCookie>,
}

impl Jar {
    /// Applies one Set-Cookie value: sets, replaces, or (expired) removes.
    pub fn set_cookie(&mut self, line: &str, now: u64) -> Result<(), String> {
        let parsed = cookie::Cookie::parse(line).map_err(|e| format!("not a Set-Cookie: {e}"))?;
        let removal = parsed
            .max_age()
            .is_some_and(|a| a.is_zero() || a.is_negative())
            || parsed
                .expires_datetime()
                .is_some_and(|t| t.unix_timestamp() <= now as i64);
        let name = parsed.name().to_owned();
        let position = self.cookies.iter().position(|c| c.name == name);
        match (position, removal) {
            (Some(i), true) => {
                self.cookies.remove(i);
            }
            (_, true) => {}
            (position, false) => {
                let cookie = InputCookie {
                    name,
                    value: unquote(parsed.value()).to_owned(),
                    set_cookie: Some(line.to_owned()),
                };
                match position {
                    Some(i) => self.cookies[i] = cookie,
                    None => self.cookies.push(cookie),
                }
            }
        }
        Ok(())
    }
}
