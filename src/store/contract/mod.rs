//! The contract kit: checks that a [`Store`] keeps every rule of the
//! trait's contract. Run it in a backend's tests:
//!
//! ```
//! use cookietin::store::{contract, MemoryStore};
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
//! # rt.block_on(async {
//! contract::check(&MemoryStore::new()).await?;
//! contract::check_record_cap(&MemoryStore::new().max_record_bytes(4096), 4096).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The kit writes records under fresh random keys only, so it can run
//! against a store that holds other data, and several runs can share one
//! store. It tells time with the system clock: the store must too. It
//! waits for short expiries once (about two seconds, bounded), while its
//! other checks run; a whole run takes a few seconds.
//!
//! Concurrency is checked with many calls in flight at once from one task
//! (the store sees them interleaved); a backend's own tests should add
//! calls from many threads.

mod basics;
mod cap;
mod concurrency;
mod expiry;
mod kit;
mod lifecycle;
mod regenerate;
mod rules;
#[cfg(test)]
mod selftest;
mod updates;

pub use cap::check_record_cap;
pub use kit::ContractFailure;

use crate::store::Store;
use expiry::Expiring;

/// Checks every rule of the [`Store`] contract against `store`, and answers
/// the first one it breaks.
///
/// The rules: create is create-if-absent; load of an absent key is `None`;
/// keys (including ones that look like a backend's metadata, such as `m:v`
/// or `k:x`) and values round-trip byte for byte; an empty record exists;
/// updates write only the keys they name; an update of an absent or deleted
/// record answers `Missing` and writes nothing; delete; touch and load with
/// touch; regenerate moves the data, kills the old key and answers
/// `Missing` and `AlreadyExists` where it must; concurrent updates of
/// different keys all persist; concurrent updates of one key end with one
/// of the values; a delete is never undone by updates in flight; no update
/// acknowledged during a regenerate is lost; expired records are absent for
/// every operation, before any sweep; and sweep keeps live records.
///
/// # Example
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// # rt.block_on(async {
/// cookietin::store::contract::check(&cookietin::store::MemoryStore::new()).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn check<S: Store + ?Sized>(store: &S) -> Result<(), ContractFailure> {
    // The expiring records are written first; the other rules run while
    // they age.
    let expiring = Expiring::start(store).await?;
    basics::check(store).await?;
    updates::check(store).await?;
    lifecycle::check(store).await?;
    regenerate::check(store).await?;
    concurrency::check(store).await?;
    regenerate::races(store).await?;
    expiring.finish(store).await
}
