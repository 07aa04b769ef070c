//! What reading an input gives: the cookies a browser would send next, and
//! what was skipped on the way.

use std::fmt;

use super::format::Format;

/// One cookie as the browser would send it next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputCookie {
    pub name: String,
    pub value: String,
    /// The whole Set-Cookie value that set it, when the input had one: what
    /// line-counting browsers measure.
    pub set_cookie: Option<String>,
}

impl InputCookie {
    /// A cookie read from a `name=value` pair, with no Set-Cookie line.
    pub fn pair(name: &str, value: &str) -> InputCookie {
        InputCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            set_cookie: None,
        }
    }
}

/// The cookies read from an input, and what was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub format: Format,
    /// The host the cookies were read for, when the input says or the
    /// caller chose one (curl jar and HAR only).
    pub host: Option<String>,
    /// The URL the cookies are the ones a browser sends to (HAR only: the
    /// host's last request), when known.
    pub url: Option<String>,
    pub cookies: Vec<InputCookie>,
    /// Cookies in the jar that a browser would not send to that URL, and
    /// why (HAR only).
    pub left_out: Vec<LeftOut>,
    /// Lines or entries that were skipped and why, and the hosts or
    /// domains left out.
    pub warnings: Vec<String>,
}

impl Input {
    /// An empty result for `format`.
    pub(super) fn new(format: Format) -> Input {
        Input {
            format,
            host: None,
            url: None,
            cookies: Vec::new(),
            left_out: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Adds a warning about one line or entry; past [`MAX_WARNINGS`], only
    /// that more were skipped.
    pub(super) fn warn(&mut self, message: String) {
        match self.warnings.len() {
            n if n < MAX_WARNINGS => self.warnings.push(message),
            n if n == MAX_WARNINGS => self.warnings.push("more lines skipped".to_owned()),
            _ => {}
        }
    }
}

/// The input could not be read as the format asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The largest input read, in bytes.
pub const MAX_INPUT: usize = 64 << 20;
/// Warnings kept; more are counted in the last one.
const MAX_WARNINGS: usize = 20;

/// The hosts or domains seen, in first-seen order, and how many items.
#[derive(Default)]
pub(super) struct Hosts {
    pub seen: Vec<String>,
    pub count: usize,
}

impl Hosts {
    /// The most named in a warning.
    const LISTED: usize = 5;

    pub fn add(&mut self, name: &str) {
        self.count += 1;
        if !self.seen.iter().any(|s| s == name) {
            self.seen.push(name.to_owned());
        }
    }

    pub fn list(&self) -> String {
        let mut out = self.seen[..self.seen.len().min(Hosts::LISTED)].join(", ");
        if self.seen.len() > Hosts::LISTED {
            out.push_str(&format!(" and {} more", self.seen.len() - Hosts::LISTED));
        }
        out
    }
}

/// A cookie the browser would not send, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub name: String,
    pub why: String,
}
