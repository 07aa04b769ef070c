//! One cookie name's cookies: the settings that read and write them, and
//! the steps every layout shares. A client-side session keeps its data in
//! them; a store-backed one only its id.
//!
//! One file per step: [`read`] (the request's cookies to a verified
//! envelope), [`reason`] (whether a save must write), [`write`] (a whole
//! generation of cookies, or their expiry), [`cache`] (envelopes verified
//! lately, by their exact cookies), and [`attributes`] (cookie
//! attributes and `Set-Cookie` values).

pub(crate) mod attributes;
pub(crate) mod cache;
pub(crate) mod read;
pub(crate) mod reason;
pub(crate) mod write;

use std::sync::Arc;

use crate::browser::Browser;
use crate::codec::{Compression, Secrets};
use crate::engine::jar::attributes::Attributes;
use crate::engine::jar::cache::ReadCache;
use crate::fit::budget::{Budget, BudgetConfig};
use crate::fit::chunk::IndexSet;
use crate::fit::shrink::Shrinker;
use crate::session::request::RequestState;

/// The settings of one cookie name's cookies.
pub(crate) struct Jar {
    pub name: String,
    pub keys: Secrets,
    pub attributes: Attributes,
    /// Seconds a session lives after it was issued.
    pub max_age: u64,
    pub clock_skew: u64,
    pub renew_after: Option<u64>,
    pub max_json_bytes: usize,
    pub max_encoded_bytes: usize,
    /// How saves compress: not at all, deflate, or zstd from
    /// [`MIN_INPUT`](crate::codec::zstd::MIN_INPUT) bytes of JSON up and
    /// deflate below.
    pub compress: Compression,
    pub budget: BudgetConfig,
    pub shrinker: Shrinker,
    /// The limits of a request that named no browser.
    pub unknown: Arc<Browser>,
    /// Envelopes verified lately, by their exact cookies (`cache.rs`).
    pub read_cache: Option<ReadCache>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jar")
            .field("name", &self.name)
            .field("keys", &self.keys)
            .field("encrypted", &self.keys.encrypts())
            .field("attributes", &self.attributes)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl Jar {
    /// The browser a request named, or the unknown one.
    fn browser<'s>(&'s self, state: &'s RequestState) -> &'s Browser {
        state.browser.as_deref().unwrap_or(&self.unknown)
    }

    /// The budget the session has on its request.
    pub(crate) fn budget(&self, state: &RequestState) -> Budget {
        let browser = self.browser(state);
        Budget::new(
            &self.name,
            &browser.limits,
            &self.budget,
            state.other_cookies,
            state.other_bytes,
            &state.seen,
        )
    }

    /// Whether an envelope of `smallest` bytes would fit on a request with
    /// no other cookies: if not, the configuration, not the request, leaves
    /// no room.
    pub(crate) fn fits_alone(&self, state: &RequestState, smallest: usize) -> bool {
        let browser = self.browser(state);
        Budget::new(
            &self.name,
            &browser.limits,
            &self.budget,
            0,
            0,
            &IndexSet::default(),
        )
        .fits(&self.name, smallest)
    }
}
