//! The room a session has on one request: per cookie, in cookies, and in
//! the Cookie header the server in front will accept.
//!
//! All three are counted exactly. The per-cookie room subtracts what this
//! browser counts besides the value (the name, and for browsers that count
//! the whole line, the attributes as they are really written). The cookie
//! count subtracts the cookies the request carries that are not ours, so a
//! save never pushes the site over the browser's limit and makes it evict a
//! cookie. The header room subtracts the other cookies' bytes and the `; `
//! separators, under the server's budget and under the client's own cap on
//! what it sends (curl's), whichever is smaller.
//!
//! A partitioned session (CHIPS) also fits the browser's per-partition
//! limits: the bytes of all the site's cookies in the partition, as the
//! browser counts them (name + value), and their number. The request's
//! other cookies are counted against both, as they are against the site's
//! count: conservatively, since some of them may live outside the
//! partition.

use serde::Serialize;

use crate::browser::limits::{BrowserLimits, Counted, PartitionLimits};
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
    /// The client's own cap on the Cookie header it sends
    /// ([`BrowserLimits::max_cookie_header_bytes`]: curl's) is the limit.
    ClientHeaderBytes,
    /// The bytes a browser keeps of the site's cookies in one partition
    /// ([`PartitionLimits::max_bytes`]) are the limit.
    PartitionBytes,
    /// The cookies a browser keeps of the site in one partition
    /// ([`PartitionLimits::max_cookies`]) are the limit.
    PartitionCookies,
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
    /// The cookies are `Partitioned` (CHIPS): the browser's per-partition
    /// limits, when known, cap the session too.
    pub partitioned: bool,
}

impl BudgetConfig {
    /// Whether the cookies a request carried call for a re-fit: they no
    /// longer fit, although the request's other cookies alone are within the
    /// hard limits, so that a smaller session (or none) would help.
    ///
    /// They fit when the whole Cookie header (`header_bytes`) is within the
    /// header budget and the client's own cap, and the site's cookies (`other_cookies` and the
    /// session's `chunks`) within the browser's per-site count less the
    /// reserved cookies, and the chunks within the chunk cap. Other cookies
    /// past the hard header limit or the per-site count mean that nothing
    /// in front of the app enforces them (the request got here), so
    /// expelling the session would help nothing.
    ///
    /// For partitioned cookies, the request's cookies must also be within
    /// the browser's per-partition bytes and count (less the reserved
    /// cookies).
    pub(crate) fn needs_refit(
        &self,
        limits: &BrowserLimits,
        header_bytes: usize,
        other: (usize, usize),
        chunks: usize,
    ) -> bool {
        let (other_cookies, other_bytes) = other;
        let partition = limits.partition.filter(|_| self.partitioned);
        let in_partition = partition.is_none_or(|p| {
            let cookies = other_cookies + chunks;
            pair_bytes(header_bytes, cookies) <= p.max_bytes
                && cookies <= p.max_cookies.saturating_sub(self.reserved_cookies)
        });
        let others_in_partition = partition.is_none_or(|p| {
            pair_bytes(other_bytes, other_cookies) <= p.max_bytes && other_cookies <= p.max_cookies
        });
        let site = limits.max_cookies_per_site;
        let client_cap = limits.max_cookie_header_bytes;
        let header = self.header_budget.is_none_or(|b| header_bytes <= b)
            && client_cap.is_none_or(|c| header_bytes <= c);
        let count = other_cookies + chunks <= site.saturating_sub(self.reserved_cookies);
        let cap = chunks <= self.max_chunks.unwrap_or(MAX_CHUNKS).min(MAX_CHUNKS);
        let others_within =
            self.header_limit.is_none_or(|l| other_bytes <= l) && other_cookies <= site;
        !(header && count && cap && in_partition) && others_within && others_in_partition
    }
}

/// The bytes of `cookies` pairs that take `header_bytes` of a Cookie
/// header: less their `; ` separators. Each pair's `=` stays counted, so
/// this is at most one byte a cookie over their name + value.
fn pair_bytes(header_bytes: usize, cookies: usize) -> usize {
    header_bytes.saturating_sub(2 * cookies.saturating_sub(1))
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
    /// Cookie header bytes left for the session under the client's own cap
    /// on what it sends ([`BrowserLimits::max_cookie_header_bytes`]), or
    /// `None` when the client has none (every browser). A hard limit: the
    /// session is fitted within it whatever the server's budget says.
    pub client_header_bytes: Option<usize>,
    /// Bytes of `Set-Cookie` header lines left for the session's chunks
    /// (after expiring the request's other chunks), or `None` with no limit.
    pub response_bytes: Option<usize>,
    /// Whether the budget is for partitioned cookies (CHIPS), counted
    /// against the browser's per-partition limits.
    pub partitioned: bool,
    /// Bytes of cookies (name + value, as the browser counts them) left for
    /// the session in the browser's partition, or `None` when the session
    /// is not partitioned or the browser's partition limits are not known.
    pub partition_bytes: Option<usize>,
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
    /// What the partition's bytes count per cookie.
    #[serde(skip)]
    partition_counts: Counted,
    /// Which count limits `cookies`: the site's or the partition's.
    #[serde(skip)]
    count_binding: Binding,
}

impl Budget {
    /// The budget of a session on a request whose other cookies are
    /// `other_cookies` taking `other_bytes`, and which carried the session's
    /// chunks `seen`. For partitioned cookies (`config.partitioned`), the
    /// browser's per-partition limits, when known, cap it too.
    pub(crate) fn new(
        name: &str,
        limits: &BrowserLimits,
        config: &BudgetConfig,
        other_cookies: usize,
        other_bytes: usize,
        seen: &IndexSet,
    ) -> Budget {
        let partitioned = config.partitioned;
        let max_cookie_bytes = config
            .max_cookie_bytes
            .map_or(limits.max_cookie_bytes, |cap| {
                cap.min(limits.max_cookie_bytes)
            });
        let per_cookie_overhead = match limits.counts {
            Counted::NameValue => 0,
            Counted::Line => 1 + config.line_overhead,
        };
        let site_cookies = limits
            .max_cookies_per_site
            .saturating_sub(other_cookies)
            .saturating_sub(config.reserved_cookies)
            .min(config.max_chunks.unwrap_or(MAX_CHUNKS))
            .min(MAX_CHUNKS);
        let partition: Option<PartitionLimits> = limits.partition.filter(|_| partitioned);
        let partition_cookies = partition.map(|p| {
            p.max_cookies
                .saturating_sub(other_cookies)
                .saturating_sub(config.reserved_cookies)
        });
        let (cookies, count_binding) = match partition_cookies {
            Some(p) if p < site_cookies => (p, Binding::PartitionCookies),
            _ => (site_cookies, Binding::CookieCount),
        };
        let partition_bytes = partition.map(|p| {
            p.max_bytes
                .saturating_sub(pair_bytes(other_bytes, other_cookies))
        });
        let header_bytes = config.header_budget.map(|b| b.saturating_sub(other_bytes));
        let client_header_bytes = limits
            .max_cookie_header_bytes
            .map(|cap| cap.saturating_sub(other_bytes));
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
            client_header_bytes,
            response_bytes,
            line_overhead: config.line_overhead,
            partitioned,
            partition_bytes,
            partition_counts: partition.map_or(Counted::NameValue, |p| p.counts),
            count_binding,
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

    /// Partition bytes chunk `index` costs besides its value: its name, and
    /// for a browser that counts whole lines, `=` and the attributes.
    fn partition_cost(&self, name: &str, index: usize) -> usize {
        let line = match self.partition_counts {
            Counted::NameValue => 0,
            Counted::Line => 1 + self.line_overhead,
        };
        chunk_name_len(name, index) + line
    }

    fn measure(&self, name: &str) -> (usize, Binding) {
        let one_cookie = if self.cookies == 1 {
            Binding::PerCookie
        } else {
            self.count_binding
        };
        // The first chunk must carry the whole envelope header (see `plan`):
        // when it can't, the other chunks' room is of no use.
        if self.cookies > 0 && self.chunk_room(name, 0) < encoded_len(HEADER_LEN) {
            return (0, Binding::PerCookie);
        }
        // The request's Cookie header, the response's Set-Cookie lines and
        // the browser's partition each pay a fixed cost per chunk plus the
        // chunk's value. The header has two limits of the same cost; the
        // smaller binds.
        let mut lanes = [
            self.header_lane(),
            (
                self.response_bytes.unwrap_or(usize::MAX),
                Binding::ResponseBytes,
            ),
            (
                self.partition_bytes.unwrap_or(usize::MAX),
                Binding::PartitionBytes,
            ),
        ];
        let mut total = 0;
        let mut index = 0;
        while index < self.cookies {
            let room = self.chunk_room(name, index);
            let fixed = [
                self.header_cost(name, index),
                self.response_cost(name, index),
                self.partition_cost(name, index),
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

    /// The Cookie header bytes left, and the limit that leaves them: the
    /// server's budget or the client's cap, whichever is smaller (the
    /// server's on a tie).
    fn header_lane(&self) -> (usize, Binding) {
        match (self.header_bytes, self.client_header_bytes) {
            (Some(budget), Some(cap)) if cap < budget => (cap, Binding::ClientHeaderBytes),
            (None, Some(cap)) => (cap, Binding::ClientHeaderBytes),
            (budget, _) => (budget.unwrap_or(usize::MAX), Binding::HeaderBytes),
        }
    }

    /// The chunk lengths for a value of `len` base64 characters, or `None`
    /// when it does not fit.
    pub(crate) fn plan(&self, name: &str, len: usize) -> Option<Vec<usize>> {
        if len > self.capacity {
            return None;
        }
        let mut lens = Vec::with_capacity(len / self.chunk_room(name, 0).max(1) + 1);
        self.split(name, len, |take| lens.push(take))
            .then_some(lens)
    }

    /// Whether a value of `len` base64 characters fits: [`plan`](Self::plan)
    /// without the lengths, so the shrink loop's every try allocates nothing.
    pub(crate) fn fits(&self, name: &str, len: usize) -> bool {
        len <= self.capacity && self.split(name, len, |_| {})
    }

    /// Walks the chunks a value of `len` characters splits into, giving
    /// each one's length to `chunk`; false when they do not fit.
    fn split(&self, name: &str, len: usize, mut chunk: impl FnMut(usize)) -> bool {
        let mut left = len;
        let mut index = 0;
        while left > 0 {
            let room = self.chunk_room(name, index);
            let take = if left <= room { left } else { room - room % 4 };
            // The first chunk must carry the whole header.
            let too_small = take == 0 || (index == 0 && take < encoded_len(HEADER_LEN).min(len));
            if too_small || index == self.cookies {
                return false;
            }
            chunk(take);
            left -= take;
            index += 1;
        }
        true
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
mod tests;
