//! Cookie limits of browsers, and the bundled database that holds them.
//!
//! A [`LimitsDb`] is a list of [`BrowserLimits`] entries, each naming the
//! browser family (and optionally the platform and lowest version) it applies
//! to. [`LimitsDb::lookup`] picks the most specific entry for an
//! [`Identity`](crate::browser::agent::Identity) produced by
//! [`crate::browser::agent::identify`], and falls back to the single
//! catch-all `"default"` entry, which holds the RFC 6265 minimums.
//!
//! One concept a file: the entry ([`BrowserLimits`], [`Counted`],
//! [`PartitionLimits`]), the
//! database ([`LimitsDb`]), the lookup, the validation ([`LimitsError`]),
//! and version numbers.

mod database;
mod entry;
mod lookup;
#[cfg(test)]
pub(crate) mod test_support;
mod validation;
mod version;

pub use database::LimitsDb;
pub use entry::{BrowserLimits, Counted, PartitionLimits};
pub use validation::LimitsError;
