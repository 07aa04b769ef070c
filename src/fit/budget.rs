//! The room a session has on one request: per cookie, in cookies, and in
//! the Cookie header the server in front will accept.
//!
//! All three are counted exactly. The per-cookie room subtracts what this
//! browser counts besides the value (the name, and for browsers that count
//! the whole line, the attributes as they are really written). The cookie
//! count subtracts the cookies the request carries that are not ours, so a
//! save never pushes the site over the browser's limit and makes it evict a
//! cookie. The header room subtracts the other cookies' bytes and the `; `
//! separators.

use serde::Serialize;

use crate::browser::limits::{BrowserLimits, Counted};
use crate::codec::chunk_names::{chunk_name_len, same_length_until, MAX_CHUNKS};
use crate::codec::{encoded_len, HEADER_LEN};
use crate::fit::chunk::IndexSet;

/// The default hard limit on the Cookie header's value, in bytes: what
/// the server in front refuses.
///
/// A default nginx holds a header line in an 8 KB buffer
/// (`large_client_header_buffers 4 8k`), so the longest Cookie value it
/// accepts is 8182 bytes (`Cookie: ` + value + CRLF); Apache and Gunicorn
/// refuse a field over 8190.
pub const DEFAULT_HEADER_LIMIT: usize = 8182;

/// The default soft budget for the Cookie header's value, in bytes: what
/// the session is fitted into, counting the request's other cookies.
///
/// It stays 1014 bytes under [`DEFAULT_HEADER_LIMIT`]. That slack is for
/// cookies that other code sets or grows between two requests (consent
/// banners, analytics): a request that nginx refuses never reaches the app
/// that could shrink the session. When the other cookies grow by more than
/// the slack in one gap between two requests, no budget can help: raise
/// the proxy's limit or lower the budget (see the README).
pub const DEFAULT_HEADER_BUDGET: usize = 7168;

/// Which limit caps the room for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Binding {
    /// One cookie's size is the limit: only one cookie is available, or the
    /// first cookie can't hold even the envelope's header.
    PerCookie,
    /// The cookies left for the site (or the configured chunk cap) are the limit.
    CookieCount,
    /// The server's Cookie header budget is the limit.
    HeaderBytes,
    /// The budget for the response's `Set-Cookie` lines is the limit.
    ResponseBytes,
}

/// What the budget is computed from, besides the browser's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BudgetConfig {
    pub header_budget: Option<usize>,
    /// The hard limit the header budget protects, for the report.
    pub header_limit: Option<usize>,
    pub max_cookie_bytes: Option<usize>,
    pub max_chunks: Option<usize>,
    pub reserved_cookies: usize,
    /// The budget for the response's `Set-Cookie` header lines.
    pub response_budget: Option<usize>,
    /// Bytes of a Set-Cookie value besides `name=value`.
    pub line_overhead: usize,
    /// Bytes of a removal Set-Cookie value besides `name=`.
    pub removal_overhead: usize,
}

impl BudgetConfig {
    /// Whether the cookies a request carried call for a re-fit: they no
    /// longer fit, although the request's other cookies alone are within the
    /// hard limits, so that a smaller session (or none) would help.
    ///
    /// They fit when the whole Cookie header (`header_bytes`) is within the
    /// header budget, and the site's cookies (`other_cookies` and the
    /// session's `chunks`) within the browser's per-site count less the
    /// reserved cookies, and the chunks within the chunk cap. Other cookies
    /// past the hard header limit or the per-site count mean that nothing
    /// in front of the app enforces them (the request got here), so
    /// expelling the session would help nothing.
    pub(crate) fn needs_refit(
        &self,
        limits: &BrowserLimits,
        header_bytes: usize,
        other: (usize, usize),
        chunks: usize,
    ) -> bool {
        let (other_cookies, other_bytes) = other;
        let site = limits.max_cookies_per_site;
        let header = self.header_budget.is_none_or(|b| header_bytes <= b);
        let count = other_cookies + chunks <= site.saturating_sub(self.reserved_cookies);
        let cap = chunks <= self.max_chunks.unwrap_or(MAX_CHUNKS).min(MAX_CHUNKS);
        let others_within =
            self.header_limit.is_none_or(|l| other_bytes <= l) && other_cookies <= site;
        !(header && count && cap) && others_within
    }
}

/// Bytes of a response header line besides the `Set-Cookie` value:
/// `Set-Cookie: ` and CRLF.
pub(crate) const SET_COOKIE_LINE: usize = "Set-Cookie: \r\n".len();

/// The room for the session on one request, and which limit binds.
///
/// The room a session has on one request: per cookie, in cookies, and in
/// the Cookie header the server in front will accept.
///
/// All three are counted exactly. The per-cookie room subtracts what this
/// browser counts besides the value (the name, and for browsers that count
/// the whole line, the attributes as they are really written). The cookie
/// count subtracts the cookies the request carries that are not ours, so a
/// save never pushes the site over the browser's limit and makes it evict a
/// cookie. The header room subtracts the other cookies' bytes and the `; `
/// separators.
///
/// # Example
/// ```
/// use cookietin::{Binding, Engine, Key};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
/// let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
/// let session = engine.load(["theme=dark"], Some(chrome));
/// let budget = engine.budget(&session);
/// assert_eq!(budget.other_cookies, 1);
/// assert_eq!(budget.binding, Binding::HeaderBytes);
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Budget {
    /// The most bytes the browser keeps in one cookie.
    pub max_cookie_bytes: usize,
    /// What [`max_cookie_bytes`](Budget::max_cookie_bytes) counts.
    pub counts: Counted,
    /// Bytes counted per cookie besides its name and value (`=` and the
    /// attributes, for browsers that count the whole line).
    pub per_cookie_overhead: usize,
    /// How many cookies the session may use.
    pub cookies: usize,
    /// Cookie header bytes left for the session under the soft budget, or
    /// `None` with no server limit.
    pub header_bytes: Option<usize>,
    /// The hard limit on the whole Cookie header that the soft budget
    /// protects (see [`DEFAULT_HEADER_LIMIT`]), or `None` with no server limit.
    pub header_limit: Option<usize>,
    /// Bytes of `Set-Cookie` header lines left for the session's chunks
    /// (after expiring the request's other chunks), or `None` with no limit.
    pub response_bytes: Option<usize>,
    /// Cookies on the request that are not the session's.
    pub other_cookies: usize,
    /// Bytes those cookies take in the Cookie header, separators included.
    pub other_bytes: usize,
    /// The most base64 characters of session value that fit.
    pub capacity: usize,
    /// Which limit caps [`capacity`](Budget::capacity).
    pub binding: Binding,
    #[serde(skip)]
    line_overhead: usize,
}

impl Budget {
    pub(crate) fn new(
        name: &str,
        limits: &BrowserLimits,
        config: &BudgetConfig,
        other_cookies: usize,
        other_bytes: usize,
        seen: &IndexSet,
    ) -> Budget {
        let max_cookie_bytes = config
            .max_cookie_bytes
            .map_or(limits.max_cookie_bytes, |cap| {
                cap.min(limits.max_cookie_bytes)
            });
        let per_cookie_overhead = match limits.counts {
            Counted::NameValue => 0,
            Counted::Line => 1 + config.line_overhead,
        };
        let cookies = limits
            .max_cookies_per_site
            .saturating_sub(other_cookies)
            .saturating_sub(config.reserved_cookies)
            .min(config.max_chunks.unwrap_or(MAX_CHUNKS))
            .min(MAX_CHUNKS);
        let header_bytes = config.header_budget.map(|b| b.saturating_sub(other_bytes));
        // Room for expiring every chunk past the first that the request
        // carried; the first is always overwritten.
        let removals: usize = seen
            .from(1)
            .map(|i| {
                SET_COOKIE_LINE + chunk_name_len(name, usize::from(i)) + 1 + config.removal_overhead
            })
            .sum();
        let response_bytes = config.response_budget.map(|b| b.saturating_sub(removals));
        let mut budget = Budget {
            max_cookie_bytes,
            counts: limits.counts,
            per_cookie_overhead,
            cookies,
            header_bytes,
            header_limit: config.header_limit,
            response_bytes,
            line_overhead: config.line_overhead,
            other_cookies,
            other_bytes,
            capacity: 0,
            binding: Binding::CookieCount,
        };
        (budget.capacity, budget.binding) = budget.measure(name);
        budget
    }

    /// Value characters chunk `index` can hold, before rounding.
    fn chunk_room(&self, name: &str, index: usize) -> usize {
        self.max_cookie_bytes
            .saturating_sub(self.per_cookie_overhead)
            .saturating_sub(chunk_name_len(name, index))
    }

    /// Header bytes chunk `index` costs besides its value: name, `=`, and the
    /// `; ` before it unless it is the header's first cookie.
    fn header_cost(&self, name: &str, index: usize) -> usize {
        let separator = if index == 0 && self.other_bytes == 0 {
            0
        } else {
            2
        };
        chunk_name_len(name, index) + 1 + separator
    }

    /// Set-Cookie line bytes chunk `index` costs besides its value.
    fn response_cost(&self, name: &str, index: usize) -> usize {
        SET_COOKIE_LINE + chunk_name_len(name, index) + 1 + self.line_overhead
    }

    fn measure(&self, name: &str) -> (usize, Binding) {
        let one_cookie = if self.cookies == 1 {
            Binding::PerCookie
        } else {
            Binding::CookieCount
        };
        // The first chunk must carry the whole envelope header (see `plan`):
        // when it can't, the other chunks' room is of no use.
        if self.cookies > 0 && self.chunk_room(name, 0) < encoded_len(HEADER_LEN) {
            return (0, Binding::PerCookie);
        }
        // The request's Cookie header and the response's Set-Cookie lines
        // each pay a fixed cost per chunk plus the chunk's value.
        let mut lanes = [
            (
                self.header_bytes.unwrap_or(usize::MAX),
                Binding::HeaderBytes,
            ),
            (
                self.response_bytes.unwrap_or(usize::MAX),
                Binding::ResponseBytes,
            ),
        ];
        let mut total = 0;
        let mut index = 0;
        while index < self.cookies {
            let room = self.chunk_room(name, index);
            let fixed = [
                self.header_cost(name, index),
                self.response_cost(name, index),
            ];
            let full = room - room % 4;
            // Chunks cost the same while their names keep their length:
            // skip over the run of them that no lane can stop, so that the
            // cost does not grow with the cookies allowed (without a header
            // budget, up to 180).
            let run_end = same_length_until(index).min(self.cookies - 1);
            let clear = lanes
                .iter()
                .zip(fixed)
                .map(|((left, _), cost)| {
                    // Chunks `j` with `left - j * (cost + full) - cost >= room`.
                    match left.checked_sub(cost + room) {
                        None => 0,
                        Some(spare) => (spare / (cost + full).max(1)).saturating_add(1),
                    }
                })
                .min()
                .unwrap_or(usize::MAX);
            let skip = clear.min(run_end.saturating_sub(index));
            if skip > 0 {
                total += skip * full;
                for ((left, _), cost) in lanes.iter_mut().zip(fixed) {
                    *left = left.saturating_sub(skip * (cost + full));
                }
                index += skip;
                continue;
            }
            let (mut limit, mut binding) = (room, one_cookie);
            for ((left, lane), cost) in lanes.iter().zip(fixed) {
                if left.saturating_sub(cost) < limit {
                    (limit, binding) = (left.saturating_sub(cost), *lane);
                }
            }
            if limit < room {
                return (total + limit, binding);
            }
            if index + 1 == self.cookies {
                return (total + room, one_cookie);
            }
            total += full;
            for ((left, _), cost) in lanes.iter_mut().zip(fixed) {
                *left = left.saturating_sub(cost + full);
            }
            index += 1;
        }
        (total, one_cookie)
    }

    /// The chunk lengths for a value of `len` base64 characters, or `None`
    /// when it does not fit.
    pub(crate) fn plan(&self, name: &str, len: usize) -> Option<Vec<usize>> {
        if len > self.capacity {
            return None;
        }
        let mut lens = Vec::with_capacity(len / self.chunk_room(name, 0).max(1) + 1);
        let mut left = len;
        let mut index = 0;
        while left > 0 {
            let room = self.chunk_room(name, index);
            let take = if left <= room { left } else { room - room % 4 };
            // The first chunk must carry the whole header.
            let too_small = take == 0 || (index == 0 && take < encoded_len(HEADER_LEN).min(len));
            if too_small || index == self.cookies {
                return None;
            }
            lens.push(take);
            left -= take;
            index += 1;
        }
        Some(lens)
    }

    /// The Cookie header bytes that chunks of these lengths take.
    pub(crate) fn header_bytes_of(&self, name: &str, lens: &[usize]) -> usize {
        lens.iter()
            .enumerate()
            .map(|(i, len)| self.header_cost(name, i) + len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chromium() -> BrowserLimits {
        BrowserLimits {
            id: "chromium".into(),
            browser: "chromium".into(),
            platform: None,
            min_version: None,
            max_cookie_bytes: 4096,
            counts: Counted::NameValue,
            max_attribute_bytes: 1024,
            max_cookies_per_site: 180,
            purge_to: 150,
            max_cookies_total: 3300,
            source: "test".into(),
        }
    }

    fn config(header: Option<usize>) -> BudgetConfig {
        BudgetConfig {
            header_budget: header,
            header_limit: header,
            max_cookie_bytes: None,
            max_chunks: None,
            reserved_cookies: 0,
            response_budget: None,
            line_overhead: 40,
            removal_overhead: 80,
        }
    }

    #[test]
    fn header_budget_binds_and_plans_fit_it_exactly() {
        let b = Budget::new(
            "sid",
            &chromium(),
            &config(Some(8182)),
            3,
            100,
            &IndexSet::default(),
        );
        assert_eq!(b.binding, Binding::HeaderBytes);
        let lens = b.plan("sid", b.capacity).unwrap();
        assert_eq!(b.header_bytes_of("sid", &lens) + 100, 8182);
        assert!(b.plan("sid", b.capacity + 1).is_none());
    }

    #[test]
    fn count_binds_without_a_header_budget() {
        let b = Budget::new(
            "sid",
            &chromium(),
            &config(None),
            175,
            100,
            &IndexSet::default(),
        );
        assert_eq!((b.cookies, b.binding), (5, Binding::CookieCount));
        let lens = b.plan("sid", b.capacity).unwrap();
        assert_eq!(lens.len(), 5);
        assert_eq!(lens[0], 4092);
        assert_eq!(lens[1], 4096 - "sid.1".len() - 3);
        assert!(lens
            .iter()
            .enumerate()
            .all(|(i, l)| l + chunk_name_len("sid", i) <= 4096));
    }

    #[test]
    fn one_cookie_left_binds_per_cookie() {
        let b = Budget::new(
            "sid",
            &chromium(),
            &config(None),
            179,
            100,
            &IndexSet::default(),
        );
        assert_eq!(
            (b.cookies, b.binding, b.capacity),
            (1, Binding::PerCookie, 4093)
        );
    }

    #[test]
    fn line_counting_browsers_pay_for_attributes() {
        let mut limits = chromium();
        limits.counts = Counted::Line;
        let b = Budget::new("sid", &limits, &config(None), 0, 0, &IndexSet::default());
        assert_eq!(b.plan("sid", 5000).unwrap()[0], (4096 - 41 - 3) / 4 * 4);
    }

    #[test]
    fn response_budget_binds_and_reserves_removals() {
        let mut seen = IndexSet::default();
        (0..3).for_each(|i| seen.insert(i));
        let config = BudgetConfig {
            response_budget: Some(3000),
            ..config(None)
        };
        let b = Budget::new("sid", &chromium(), &config, 0, 0, &seen);
        let removals = 2 * (SET_COOKIE_LINE + "sid.1".len() + 1 + 80);
        assert_eq!(b.response_bytes, Some(3000 - removals));
        assert_eq!(b.binding, Binding::ResponseBytes);
        let first_line = SET_COOKIE_LINE + "sid".len() + 1 + 40;
        assert_eq!(b.capacity, 3000 - removals - first_line);
    }

    /// The capacity by walking every chunk, as the budget once did.
    fn capacity_by_walking(b: &Budget, name: &str) -> usize {
        let mut left = [
            b.header_bytes.unwrap_or(usize::MAX),
            b.response_bytes.unwrap_or(usize::MAX),
        ];
        let mut total = 0;
        for index in 0..b.cookies {
            let room = b.chunk_room(name, index);
            let fixed = [b.header_cost(name, index), b.response_cost(name, index)];
            let limit = left
                .iter()
                .zip(fixed)
                .map(|(l, c)| l.saturating_sub(c))
                .fold(room, usize::min);
            if limit < room || index + 1 == b.cookies {
                return total + limit;
            }
            let full = room - room % 4;
            total += full;
            for (l, c) in left.iter_mut().zip(fixed) {
                *l = l.saturating_sub(c + full);
            }
        }
        total
    }

    #[test]
    fn skipping_runs_of_chunks_measures_what_walking_every_chunk_does() {
        let mut seen = IndexSet::default();
        (0..12).for_each(|i| seen.insert(i));
        for per_site in [1, 2, 9, 10, 11, 50, 100, 101, 180, 255] {
            for header in [
                None,
                Some(0),
                Some(40),
                Some(4000),
                Some(7168),
                Some(40_000),
                Some(65536),
                Some(1 << 20),
            ] {
                for response in [None, Some(3000), Some(100_000)] {
                    for others in [0, 1, 3] {
                        let mut limits = chromium();
                        limits.max_cookies_per_site = per_site;
                        let config = BudgetConfig {
                            response_budget: response,
                            ..config(header)
                        };
                        let b = Budget::new("sid", &limits, &config, others, others * 20, &seen);
                        if b.cookies > 0 && b.chunk_room("sid", 0) < encoded_len(HEADER_LEN) {
                            continue;
                        }
                        assert_eq!(
                            b.capacity,
                            capacity_by_walking(&b, "sid"),
                            "{per_site} per site, header {header:?}, response {response:?}, {others} others"
                        );
                        if b.capacity > 0 {
                            assert!(b.plan("sid", b.capacity).is_some(), "{b:?}");
                        }
                        assert!(b.plan("sid", b.capacity + 1).is_none());
                    }
                }
            }
        }
    }

    #[test]
    fn no_room_means_no_plan() {
        let b = Budget::new(
            "sid",
            &chromium(),
            &config(Some(50)),
            0,
            0,
            &IndexSet::default(),
        );
        assert_eq!(b.capacity, 50 - 4);
        assert!(b.plan("sid", 47).is_none());
        let full = Budget::new(
            "sid",
            &chromium(),
            &config(None),
            180,
            0,
            &IndexSet::default(),
        );
        assert_eq!(full.capacity, 0);
    }
}
