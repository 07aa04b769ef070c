//! Server-side stores: the [`Store`] trait and its consistency contract,
//! the backends, the [`Deadline`] wrapper and the [`contract`] kit.
//!
//! A store knows records, not cookies: a [`Record`] is a session's entries
//! (each key with its value as JSON text) and the instant it expires, kept
//! under an opaque 32-byte [`RecordKey`]. The engine derives that key from
//! the session id with SHA-256, so neither the store nor a dump of it ever
//! holds an id a cookie could carry.
//!
//! | backend | feature | for |
//! |---|---|---|
//! | [`MemoryStore`] | `store` | tests and development: bounded, in this process |
//! | `RedbStore` | `redb` | the embedded default: a file, durable, group commit |
//! | `RedisStore` | `redis` | Redis 6.2+ and Redis Cluster |
//! | `PostgresStore` | `postgres` | PostgreSQL 12+: the database many apps already run; one row per session |
//! | `SqliteStore` | `sqlite` | a SQLite file: embedded, durable, readable with any SQLite tool |
//!
//! Anyone can implement [`Store`] for another backend and run
//! [`contract::check`] in its tests.
//!
//! # Data model
//!
//! - A record exists from a [`Store::create`] until it is deleted, moved
//!   by [`Store::regenerate`], or expires. Expiry is absolute, in seconds
//!   since the Unix epoch: a record whose `expires_at` is at or before the
//!   store's clock is treated as absent by every operation, before any
//!   sweep, and a write never brings it back.
//! - Writes are per key ([`Changes`]): an update writes only the keys it
//!   sets or removes, with the new expiry, in one atomic step.
//! - A record's size is the bytes of its keys and values
//!   ([`record_size`]); every backend has a cap
//!   ([`DEFAULT_MAX_RECORD_BYTES`] unless configured) and answers
//!   [`StoreError::TooLarge`] for a write that would grow a record past it.
//! - Every call may take a deadline: wrap a store in [`Deadline`]
//!   ([`StoreExt::with_deadline`]); the default is 500 ms.
//!
//! # Redis key layout
//!
//! One Redis key per session, `PREFIX` + the record key in lowercase hex
//! (the prefix defaults to `cookietin:`). It is a hash whose fields are:
//!
//! | field | holds |
//! |---|---|
//! | `k:NAME` | the session key `NAME`'s JSON text |
//! | `m:v` | a version, incremented by every write of entries |
//! | `m:e` | `expires_at`, also set as the key's `EXPIREAT` |
//! | `m:s` | the record's size, kept by the scripts for the cap |
//! | `m:t` | on a record written by a regenerate, that move's token |
//! | `m:f`, `m:fu` | on a record a regenerate is moving away: the move's token and the end of its freeze (ms) |
//!
//! Session keys always get the `k:` prefix, so no session key can collide
//! with the `m:` metadata. One key per session means every script touches
//! one key, which works unchanged on Redis Cluster.
//!
//! # The regenerate algorithm
//!
//! On Redis Cluster the old and new keys are in different hash slots, so no
//! single script can move a record. `RedisStore` moves it in steps that are
//! each atomic on one key:
//!
//! 1. snapshot the old record (its entries and its version `m:v`); if it is
//!    absent, answer [`Regenerated::Missing`];
//! 2. copy the snapshot to the new key if that key is absent, tagged with a
//!    token unique to this move (`m:t`); if another record holds the new
//!    key, answer [`Regenerated::AlreadyExists`];
//! 3. on the old key, delete it only if its version is still the
//!    snapshot's. If an update came in between (the version moved),
//!    take a new snapshot and overwrite the copy (only while it still
//!    carries this move's token), then try again. If the old record is
//!    gone (a concurrent delete or regenerate), delete the copy and answer
//!    `Missing`.
//! 4. Under a stream of updates, step 3 could go on failing: from the third
//!    round on, the new snapshot is taken by a script that also freezes the
//!    old record (`m:f`, the move's token, and `m:fu`, a lease of 2 s).
//!    While frozen, an update of it answers [`Updated::Missing`] and writes
//!    nothing, as it would once the move is done; so the next round
//!    succeeds. A move that stops midway leaves the freeze to lapse with
//!    its lease; a move that finds the new key taken lifts it.
//!
//! Every update of the old key either happened before step 3's delete (and
//! before any freeze), so its version is in the snapshot that was copied,
//! or after, so it answered [`Updated::Missing`] having written nothing. No
//! acknowledged update is lost and none resurrects the old key. If a call
//! fails midway (a timeout, a dropped connection), the old record is intact
//! unless the move completed: after an error, the data is under the old key
//! if that loads, and under the new one otherwise. A copy left behind
//! expires with its TTL.
//!
//! [`MemoryStore`] and `RedbStore` move a record in one critical section or
//! one write transaction. `PostgresStore` and `SqliteStore` change the
//! row's key in place, in one `UPDATE`.
//!
//! # Group commit (redb)
//!
//! `RedbStore` has one writer thread. A write is queued to it with a
//! oneshot channel for its answer. The thread takes every write queued at
//! that moment (up to a batch cap), applies them in order in one write
//! transaction with [`redb`'s immediate durability](https://docs.rs/redb),
//! commits once (one fsync), and only then answers each of them. A write is
//! therefore acknowledged only once it is on disk, and concurrent writers
//! share the fsync. Reads don't queue: they run in their own read
//! transactions, concurrently with the writer.
//!
//! # SQL stores (PostgreSQL, SQLite)
//!
//! One table, `cookietin_sessions`: the 32-byte record key (primary key),
//! `entries` (a JSON object of each key's JSON text, as a string, so values
//! come back byte for byte), `size` (for the cap) and `expires_at`, with an
//! index on `expires_at` for the sweep. The schema ships as
//! `data/sql/postgres.sql` and `data/sql/sqlite.sql`, and as
//! `PostgresStore::SCHEMA` and `SqliteStore::SCHEMA`; the stores create it
//! at start-up unless told not to.
//!
//! Every call is one statement (one round trip), atomic on its own, with
//! no transaction:
//!
//! | call | statement |
//! |---|---|
//! | create | `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the row expired |
//! | load | `SELECT ... WHERE expires_at > now` |
//! | load with touch, touch | `UPDATE ... SET expires_at WHERE` live (`RETURNING` the row) |
//! | update | `UPDATE ... SET entries = entries - removed \|\| set` (PostgreSQL) or `json_patch` (SQLite), the size and the expiry, `WHERE` live and within the cap; only when it wrote nothing, a `SELECT` tells a missing row from one over the cap |
//! | delete | `DELETE ... RETURNING expires_at > now` |
//! | regenerate | `UPDATE ... SET record_key = new WHERE record_key = old` and live |
//! | sweep | `DELETE ... WHERE key IN (SELECT ... expires_at <= now ORDER BY expires_at LIMIT n)` |
//!
//! An update of the old key that waits on a regenerate's row lock finds no
//! row with that key once the move commits, and answers
//! [`Updated::Missing`]. Two updates of one row serialize on its lock, and
//! each applies its keys to the row as the other left it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub mod contract;
mod deadline;
pub(crate) mod error;
mod memory;
mod record;
#[cfg(feature = "redb")]
mod redb;
#[cfg(feature = "redis")]
mod redis;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod sql;

pub use deadline::{Deadline, StoreExt, DEFAULT_DEADLINE};
pub use error::StoreError;
pub use memory::{MemoryStore, DEFAULT_MAX_RECORDS};
pub use record::{
    record_size, Changes, Created, Entries, Record, RecordKey, Regenerated, Updated,
    DEFAULT_MAX_RECORD_BYTES,
};
#[cfg(feature = "redb")]
pub use redb::{RedbStore, RedbStoreBuilder, Sweeper};
#[cfg(feature = "redis")]
pub use redis::{RedisStore, DEFAULT_PREFIX};
#[cfg(feature = "postgres")]
pub use sql::{PostgresStore, PostgresStoreBuilder};
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use sql::{SqlSweeper, DEFAULT_SWEEP_ROWS};
#[cfg(feature = "sqlite")]
pub use sql::{SqliteStore, SqliteStoreBuilder};

pub(crate) use record::check_size;

/// The future every [`Store`] method returns: boxed, `Send`, borrowing the
/// store and the arguments for `'a`.
///
/// # Example
/// ```
/// use cookietin::store::{StoreError, StoreFuture};
///
/// fn answer(n: usize) -> StoreFuture<'static, usize> {
///     Box::pin(async move { Ok::<_, StoreError>(n) })
/// }
/// let _future = answer(1);
/// ```
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The current time in seconds since the Unix epoch, from the system clock:
/// the clock stores use unless told otherwise.
///
/// # Example
/// ```
/// assert!(cookietin::store::system_clock() > 1_700_000_000);
/// ```
pub fn system_clock() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A session store: records under opaque keys, with per-key writes.
///
/// The trait is object-safe (`Box<dyn Store>`, `Arc<dyn Store>`) and needs
/// no `async-trait`: each method returns a boxed [`StoreFuture`].
///
/// # The contract
///
/// Every implementation keeps these rules; [`contract::check`] tests them.
///
/// - **Expiry is absolute and always honoured.** `expires_at` is in seconds
///   since the Unix epoch. A record whose `expires_at` is at or before the
///   store's clock is absent for every operation (load, update, touch,
///   regenerate, create), even before a [`sweep`](Store::sweep) removed it.
///   A write with an `expires_at` already past makes the record absent.
/// - **Each call is atomic** on the records it names: a concurrent caller
///   sees it whole or not at all.
/// - **No write silently does nothing.** Every write reports whether it
///   found its record; a write that reports success is visible to every
///   later load (until expiry or delete).
/// - **Errors.** A call that fails with [`StoreError::Unavailable`] or
///   [`StoreError::Timeout`] may or may not have been applied; any other
///   error means nothing was written.
///
/// # Example
/// ```
/// use cookietin::store::{Changes, Created, Entries, MemoryStore, RecordKey, Store, Updated};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// # rt.block_on(async {
/// let store: Box<dyn Store> = Box::new(MemoryStore::new());
/// let key = RecordKey::from_bytes([1; 32]);
/// let expires_at = cookietin::store::system_clock() + 3600;
///
/// let entries = Entries::from([("user".to_owned(), r#""ada""#.to_owned())]);
/// assert_eq!(store.create(key, &entries, expires_at).await?, Created::Created);
///
/// let mut changes = Changes::new();
/// changes.set("cart", "[3]");
/// assert_eq!(store.update(key, &changes, expires_at).await?, Updated::Updated);
///
/// let record = store.load(key, None).await?.expect("just written");
/// assert_eq!(record.entries.len(), 2);
///
/// assert!(store.delete(key).await?);
/// assert_eq!(store.update(key, &changes, expires_at).await?, Updated::Missing);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Store: Send + Sync {
    /// Writes a new record, if no live record has `key` (create-if-absent):
    /// two creates of one key never both succeed, so a session id collision
    /// is never silent. Answers [`Created::AlreadyExists`] and writes
    /// nothing otherwise. An expired record under `key` counts as absent.
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created>;

    /// The live record under `key`, or `None`. An expired record is never
    /// returned.
    ///
    /// With `touch: Some(expires_at)`, a live record's expiry is set to
    /// `expires_at` in the same atomic step (for idle timeouts: a read
    /// extends the session); the returned record carries the new expiry.
    /// A touch never brings back an absent or expired record.
    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>>;

    /// Writes `changes` into the live record under `key` and sets its
    /// expiry to `expires_at`, all in one atomic step.
    ///
    /// Only the keys `changes` names are written: two concurrent updates of
    /// different keys both persist, and two of the same key end with one of
    /// the two values, never a mix. If no live record has `key` (never
    /// created, deleted, expired, or moved by a regenerate), it writes
    /// nothing and answers [`Updated::Missing`]: a save still in flight
    /// can't bring back a destroyed session.
    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated>;

    /// Deletes the record under `key`. Answers whether a live record was
    /// there. Afterwards, every update of `key` answers
    /// [`Updated::Missing`] until a new create.
    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool>;

    /// Sets the expiry of the live record under `key` to `expires_at`,
    /// without touching its entries. Answers whether a live record was
    /// there; an absent record is not created.
    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool>;

    /// Moves the live record under `old` to `new`, with its entries and the
    /// expiry `expires_at`: afterwards `old` is absent (an update of it
    /// answers [`Updated::Missing`]) and `new` holds the data.
    ///
    /// No update of `old` acknowledged before or during the move is lost:
    /// each is either in the moved record or answered `Missing`. Answers
    /// [`Regenerated::Missing`] if no live record has `old`, and
    /// [`Regenerated::AlreadyExists`] if a live record has `new` (then both
    /// are left as they were).
    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated>;

    /// Removes the records that expired at or before `now` (seconds since
    /// the Unix epoch) and answers how many it removed. Live records are
    /// never removed. A backend whose expiry is native (Redis) may answer 0.
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize>;
}

/// Forwards every [`Store`] method through a pointer type.
macro_rules! forward_store {
    ($($pointer:ty),*) => {$(
        impl<S: Store + ?Sized> Store for $pointer {
            fn create<'a>(&'a self, key: RecordKey, entries: &'a Entries, expires_at: u64) -> StoreFuture<'a, Created> {
                (**self).create(key, entries, expires_at)
            }
            fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
                (**self).load(key, touch)
            }
            fn update<'a>(&'a self, key: RecordKey, changes: &'a Changes, expires_at: u64) -> StoreFuture<'a, Updated> {
                (**self).update(key, changes, expires_at)
            }
            fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
                (**self).delete(key)
            }
            fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
                (**self).touch(key, expires_at)
            }
            fn regenerate(&self, old: RecordKey, new: RecordKey, expires_at: u64) -> StoreFuture<'_, Regenerated> {
                (**self).regenerate(old, new, expires_at)
            }
            fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
                (**self).sweep(now)
            }
        }
    )*};
}

forward_store!(&S, Box<S>, Arc<S>);
