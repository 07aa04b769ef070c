//! Making a session fit: the app's shrink callbacks first, then drops.
//!
//! When a session does not fit its [`Budget`](crate::Budget), the save runs,
//! in this order and stopping as soon as it fits:
//!
//! 1. the registered callbacks, in registration order, in rounds repeated
//!    while a round makes the session smaller (`last = false`); with an
//!    overflow store (feature `store`), one round, then the keys the app
//!    lets move go into the store, largest first, whole (each move a
//!    [`ShrinkStep::Moved`]), and then the rounds go on;
//! 2. dropping the keys that no callback covers, largest first;
//! 3. each callback once more with `last = true`, its final chance;
//! 4. dropping every remaining key, largest first.
//!
//! A session that fits is never touched, and every callback run and key
//! dropped is reported in a [`ShrinkReport`]. A callback runs only while one
//! of its keys is present.
//!
//! Fitting is checked by a full encode (serialize and deflate) only when a
//! cheap estimate says the session may fit, or when the JSON has shrunk
//! enough since the last full encode that the estimate needs refreshing.
//! The estimate scales the JSON length, which the session knows without
//! serializing, by the encoded-to-JSON ratio of the last full encode.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::data::Json;
use crate::SessionData;

/// A shrink callback: it makes the data smaller, more drastically when
/// `last` is true (its final chance before every key is dropped).
pub type ShrinkFn = dyn Fn(&mut SessionData, bool) + Send + Sync;

#[derive(Clone)]
pub(crate) struct Callback {
    keys: Vec<String>,
    run: Arc<ShrinkFn>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("keys", &self.keys)
            .finish()
    }
}

/// One thing the shrink step did to the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ShrinkStep {
    /// A callback ran.
    Callback {
        /// The keys the callback was registered for.
        keys: Vec<String>,
        /// Whether this was its last chance.
        last: bool,
        /// The session's JSON bytes before and after.
        json_before: usize,
        /// See `json_before`.
        json_after: usize,
    },
    /// A key was dropped.
    Dropped {
        /// The key.
        key: String,
        /// The JSON bytes its entry took.
        json_bytes: usize,
    },
    /// A key was moved out of the cookies into the overflow store, whole.
    Moved {
        /// The key.
        key: String,
        /// The JSON bytes its entry took.
        json_bytes: usize,
    },
    /// The overflow store could not be reached, so nothing could move into
    /// it: the session was shrunk and dropped as without a store.
    StoreUnavailable,
}

/// Everything the shrink step did on one save, in order.
///
/// # Example
/// ```
/// use cookietin::{Engine, Key, ShrinkStep};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
///     .max_cookie_bytes(200)
///     .max_chunks(1)
///     .build()?;
/// let mut session = cookietin::Session::new();
/// session.insert("user", &1)?;
/// // 1000 letters from a xorshift generator: they don't compress below 200.
/// let mut x = 1u32;
/// let notes: String = (0..1000)
///     .map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; char::from(b'a' + (x % 26) as u8) })
///     .collect();
/// session.insert("notes", &notes)?;
/// let saved = engine.save(&mut session)?;
/// assert_eq!(saved.report.shrink.dropped_keys().collect::<Vec<_>>(), ["notes"]);
/// assert!(session.contains_key("user"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShrinkReport {
    /// The steps, in the order they ran.
    pub steps: Vec<ShrinkStep>,
    /// How many full encodes (serialize and deflate) the save did.
    pub full_encodes: usize,
}

impl ShrinkReport {
    /// Whether the session was left untouched.
    pub fn is_untouched(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether a key was dropped or a callback made the data smaller: what
    /// the handler put in the session is not all kept. A key moved whole
    /// into the overflow store is kept.
    pub fn is_lossy(&self) -> bool {
        self.steps.iter().any(|step| match step {
            ShrinkStep::Dropped { .. } => true,
            ShrinkStep::Callback {
                json_before,
                json_after,
                ..
            } => json_after < json_before,
            ShrinkStep::Moved { .. } | ShrinkStep::StoreUnavailable => false,
        })
    }

    /// The keys dropped, in order.
    pub fn dropped_keys(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| match s {
            ShrinkStep::Dropped { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// The keys moved into the overflow store, in order.
    pub fn moved_keys(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| match s {
            ShrinkStep::Moved { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }
}

/// Re-encode once the JSON is this fraction of what was last encoded.
const REFRESH_BELOW: f64 = 0.5;
/// Re-encode once the estimate is within this factor of the capacity, until
/// such a near-fit encode misses; from then on, once it is within capacity.
const NEAR_FIT: f64 = 1.05;

/// The result of one full encode.
pub(crate) struct Encoded {
    /// The encoded length, in base64 characters.
    pub len: usize,
    /// Whether the budget can place it. The caller decides, so that
    /// shrinking stops exactly when the value can really be chunked.
    pub fits: bool,
}

/// Decides when a full encode is worth doing.
struct Fitter<'e> {
    capacity: usize,
    encode: &'e mut dyn FnMut(&SessionData) -> Encoded,
    last_json: usize,
    ratio: f64,
    encodes: usize,
    slack: f64,
}

impl Fitter<'_> {
    fn full(&mut self, data: &SessionData) -> bool {
        let encoded = (self.encode)(data);
        self.encodes += 1;
        self.last_json = data.json_len();
        self.ratio = encoded.len as f64 / self.last_json as f64;
        encoded.fits
    }

    fn fits(&mut self, data: &SessionData) -> bool {
        let json = data.json_len();
        let estimate = json as f64 * self.ratio;
        let near = estimate <= self.capacity as f64 * self.slack;
        let stale = (json as f64) <= self.last_json as f64 * REFRESH_BELOW;
        if !(near || stale) {
            return false;
        }
        let fits = self.full(data);
        if near && !fits {
            // The ratio was just refreshed next to the capacity: trust it.
            self.slack = 1.0;
        }
        fits
    }
}

/// The registered callbacks and the shrink procedure.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shrinker {
    callbacks: Vec<Callback>,
}

impl Shrinker {
    pub(crate) fn register(&mut self, keys: Vec<String>, run: Arc<ShrinkFn>) {
        self.callbacks.push(Callback { keys, run });
    }

    fn covered(&self, key: &str) -> bool {
        self.callbacks
            .iter()
            .any(|c| c.keys.iter().any(|k| k == key))
    }

    /// Shrinks `data` until `encode` (a full encode) says it fits; `capacity`
    /// guides the estimates. The last call of `encode` is always on the
    /// data as it is returned. With an `overflow`, keys move out into it
    /// after the callbacks' rounds and before any drop. Returns the report
    /// and whether it fits.
    pub(crate) fn fit(
        &self,
        data: &mut SessionData,
        capacity: usize,
        encode: &mut dyn FnMut(&SessionData) -> Encoded,
        overflow: Option<&mut Moving<'_>>,
    ) -> (ShrinkReport, bool) {
        let mut fitter = Fitter {
            capacity,
            encode,
            last_json: 0,
            ratio: 1.0,
            encodes: 0,
            slack: NEAR_FIT,
        };
        let mut steps = Vec::new();
        // `fits` only ever turns true right after a full encode of the data
        // as it is, so the caller can sign what was encoded last.
        let fits = fitter.full(data) || self.shrink(data, &mut fitter, &mut steps, overflow);
        let report = ShrinkReport {
            steps,
            full_encodes: fitter.encodes,
        };
        (report, fits)
    }

    fn shrink(
        &self,
        data: &mut SessionData,
        fitter: &mut Fitter,
        steps: &mut Vec<ShrinkStep>,
        overflow: Option<&mut Moving<'_>>,
    ) -> bool {
        // 1. Callbacks, in rounds, while a round makes the data smaller;
        // one round only when a store can take whole keys instead.
        let rounds = if overflow.is_some() { 1 } else { usize::MAX };
        if self.rounds(rounds, data, fitter, steps) {
            return true;
        }
        // 1b. Into the overflow store, whole, rather than shrunk or dropped.
        if let Some(overflow) = overflow {
            let movable = largest_first(data, |k| (overflow.may_move)(k));
            for (key, json_bytes) in movable {
                let value = data.take(&key).expect("listed from the data");
                overflow.moved.push((key.clone(), value));
                steps.push(ShrinkStep::Moved { key, json_bytes });
                if fitter.fits(data) {
                    return true;
                }
            }
            if self.rounds(usize::MAX, data, fitter, steps) {
                return true;
            }
        }
        // 2. Keys no callback covers, largest first.
        let uncovered = largest_first(data, |k| !self.covered(k));
        if drop_until_fit(uncovered, data, fitter, steps) {
            return true;
        }
        // 3. Each callback's last chance.
        for callback in &self.callbacks {
            if self.run(callback, true, data, steps) && fitter.fits(data) {
                return true;
            }
        }
        // 4. Everything left, largest first.
        let rest = largest_first(data, |_| true);
        drop_until_fit(rest, data, fitter, steps) || fitter.full(data)
    }

    /// Runs the callbacks in up to `max` rounds, while a round makes the data
    /// smaller; returns whether the data fits.
    fn rounds(
        &self,
        max: usize,
        data: &mut SessionData,
        fitter: &mut Fitter,
        steps: &mut Vec<ShrinkStep>,
    ) -> bool {
        for _ in 0..max {
            let round_start = data.json_len();
            for callback in &self.callbacks {
                if self.run(callback, false, data, steps) && fitter.fits(data) {
                    return true;
                }
            }
            if data.json_len() >= round_start {
                break;
            }
        }
        false
    }

    /// Runs one callback if any of its keys is present; returns whether it ran.
    fn run(
        &self,
        callback: &Callback,
        last: bool,
        data: &mut SessionData,
        steps: &mut Vec<ShrinkStep>,
    ) -> bool {
        if !callback.keys.iter().any(|k| data.contains_key(k)) {
            return false;
        }
        let json_before = data.json_len();
        (callback.run)(data, last);
        steps.push(ShrinkStep::Callback {
            keys: callback.keys.clone(),
            last,
            json_before,
            json_after: data.json_len(),
        });
        true
    }
}

fn largest_first(data: &SessionData, keep: impl Fn(&str) -> bool) -> Vec<(String, usize)> {
    let mut keys: Vec<(String, usize)> = data
        .keys()
        .filter(|k| keep(k))
        .map(|k| (k.to_owned(), data.entry_json_len(k)))
        .collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    keys
}

fn drop_until_fit(
    keys: Vec<(String, usize)>,
    data: &mut SessionData,
    fitter: &mut Fitter,
    steps: &mut Vec<ShrinkStep>,
) -> bool {
    for (key, json_bytes) in keys {
        data.remove(&key);
        steps.push(ShrinkStep::Dropped { key, json_bytes });
        if fitter.fits(data) {
            return true;
        }
    }
    false
}

/// Where keys go that the cookies can't hold: the overflow store.
pub(crate) struct Moving<'a> {
    /// Whether the app lets this key move into the store.
    pub may_move: &'a (dyn Fn(&str) -> bool + Sync),
    /// The keys moved, with their values, in order.
    pub moved: Vec<(String, Json)>,
}

/// Drops every key, largest first, for a session that has no room at all;
/// the report lists each one.
pub(crate) fn drop_all(data: &mut SessionData) -> ShrinkReport {
    let steps = largest_first(data, |_| true)
        .into_iter()
        .map(|(key, json_bytes)| ShrinkStep::Dropped { key, json_bytes })
        .collect();
    data.clear();
    ShrinkReport {
        steps,
        full_encodes: 0,
    }
}
