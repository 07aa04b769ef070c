//! [`PostgresStore`]: one row per session in PostgreSQL, through `sqlx`.

use std::time::Duration;

use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::store::sql::codec::{
    entries_json, from_sql, parse_entries, set_bytes, sets_json, to_sql, touched,
};
use crate::store::sql::error::error;
use crate::store::sql::regenerate::regenerate;
use crate::store::sql::statements::postgres as sql;
use crate::store::sql::sweeper::{self, BatchSweep, SqlSweeper};
use crate::store::sql::update::update;
use crate::store::{
    check_size, record_size, Changes, Created, Entries, Record, RecordKey, Regenerated, Store,
    StoreError, StoreFuture, Updated,
};

/// The advisory lock that keeps two processes from creating the table at
/// once (`CREATE TABLE IF NOT EXISTS` is not safe against itself).
const MIGRATION_LOCK: i64 = 0x636f_6f6b_6965_7469; // "cookieti"

/// Records in PostgreSQL (12 or later): one row per session in the table
/// `cookietin_sessions`, whose schema is [`PostgresStore::SCHEMA`].
///
/// Every call is one statement, so one round trip, and each is atomic:
///
/// - a create is an `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the old
///   row expired: it never overwrites a live session;
/// - an update writes only its keys (`entries - removed || set`) on a row
///   that exists and has not expired, and keeps the size for the cap in the
///   same statement; a save in flight can't bring back a destroyed session,
///   and concurrent saves of different keys all persist (an update that
///   wrote nothing takes a second statement to tell a missing row from one
///   over the cap);
/// - a regenerate changes the row's key in place: a save of the old key
///   waiting on the row finds it gone and answers [`Updated::Missing`];
/// - a load with touch is an `UPDATE ... RETURNING`.
///
/// Expired rows are absent for every call before any sweep;
/// [`Store::sweep`], [`sweep_batch`](PostgresStore::sweep_batch) or a
/// [`SqlSweeper`] deletes them in bounded batches.
///
/// Connections come from a `sqlx` pool that reconnects by itself: after the
/// server restarts, each pooled connection fails its next call with
/// [`StoreError::Unavailable`] and is replaced. The pool does not ping a
/// connection before each call (that would be a second round trip). A call
/// waits for a free connection up to the acquire timeout (5 s unless set),
/// so a burst of calls queues rather than fails; while the server is down,
/// a call fails with `Unavailable` after that timeout. Wrap the store in a
/// [`Deadline`](crate::store::Deadline) for a tighter bound on every call
/// ([`StoreError::Timeout`]).
///
/// The record key is the only thing that identifies a row, and it is the
/// SHA-256 of a verified id: ids from cookies never reach SQL.
///
/// # Example
/// ```no_run
/// use cookietin::store::{Deadline, PostgresStore};
///
/// # async fn run() -> Result<(), cookietin::store::StoreError> {
/// // Creates the table if it is missing.
/// let store = Deadline::new(PostgresStore::connect("postgres://app@127.0.0.1/app").await?);
/// # let _ = store;
/// # Ok(())
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
#[derive(Clone)]
pub struct PostgresStore {
    pub(super) pool: PgPool,
    pub(super) max_record_bytes: usize,
    pub(super) clock: fn() -> u64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("PostgresStore")
            .field("connections", &self.pool.size())
            .field("max_record_bytes", &self.max_record_bytes)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// The table and its index, as SQL (`data/sql/postgres.sql`), for
    /// applications that run their own migrations. It is what
    /// [`migrate`](PostgresStore::migrate) runs, and it is idempotent.
    ///
    /// # Example
    /// ```
    /// let schema = cookietin::store::PostgresStore::SCHEMA;
    /// assert!(schema.contains("CREATE TABLE IF NOT EXISTS cookietin_sessions"));
    /// ```
    pub const SCHEMA: &'static str = sql::SCHEMA;

    /// Creates the table and its index if they are missing
    /// ([`SCHEMA`](PostgresStore::SCHEMA)), under an advisory lock so that
    /// processes starting together don't race.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run() -> Result<(), cookietin::store::StoreError> {
    /// let store = cookietin::store::PostgresStore::builder().connect_lazy("postgres://app@127.0.0.1/app")?;
    /// store.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut txn = self.pool.begin().await.map_err(error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *txn)
            .await
            .map_err(error)?;
        sqlx::raw_sql(sql::SCHEMA)
            .execute(&mut *txn)
            .await
            .map_err(error)?;
        txn.commit().await.map_err(error)
    }

    /// Deletes at most `max_rows` rows that expired at or before `now`,
    /// oldest first, in one statement; answers how many. Rows another
    /// call holds are skipped, not waited for.
    ///
    /// # Example
    /// ```no_run
    /// # async fn run(store: cookietin::store::PostgresStore) -> Result<(), cookietin::store::StoreError> {
    /// let removed = store.sweep_batch(cookietin::store::system_clock(), 500).await?;
    /// # let _ = removed;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sweep_batch(&self, now: u64, max_rows: usize) -> Result<usize, StoreError> {
        let done = sqlx::query(sql::SWEEP)
            .bind(to_sql(now))
            .bind(to_sql(max_rows as u64))
            .execute(&self.pool)
            .await
            .map_err(error)?;
        Ok(done.rows_affected() as usize)
    }

    /// Starts a task on the current tokio runtime that deletes at most
    /// `rows_per_pass` expired rows every `interval`, until the returned
    /// [`SqlSweeper`] is dropped. Fails outside a tokio runtime.
    ///
    /// # Example
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # async fn run(store: cookietin::store::PostgresStore) -> Result<(), cookietin::store::StoreError> {
    /// let sweeper = store.spawn_sweeper(Duration::from_secs(60), 1000)?;
    /// # let _ = sweeper;
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn_sweeper(
        &self,
        interval: Duration,
        rows_per_pass: usize,
    ) -> Result<SqlSweeper, StoreError> {
        sweeper::spawn(self.clone(), interval, rows_per_pass)
    }

    fn now(&self) -> i64 {
        to_sql((self.clock)())
    }

    async fn do_create(
        &self,
        key: RecordKey,
        entries: &Entries,
        expires_at: u64,
    ) -> Result<Created, StoreError> {
        let size = record_size(entries);
        check_size(size, 0, self.max_record_bytes)?;
        refuse_nul(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let done = sqlx::query(sql::CREATE)
            .bind(key.as_bytes().as_slice())
            .bind(entries_json(entries))
            .bind(to_sql(size as u64))
            .bind(to_sql(expires_at))
            .bind(self.now())
            .execute(&self.pool)
            .await
            .map_err(error)?;
        Ok(if done.rows_affected() == 1 {
            Created::Created
        } else {
            Created::AlreadyExists
        })
    }

    async fn do_load(
        &self,
        key: RecordKey,
        touch: Option<u64>,
    ) -> Result<Option<Record>, StoreError> {
        let query = match touch {
            None => sqlx::query(sql::LOAD)
                .bind(key.as_bytes().as_slice())
                .bind(self.now()),
            Some(expires_at) => sqlx::query(sql::LOAD_TOUCH)
                .bind(key.as_bytes().as_slice())
                .bind(self.now())
                .bind(to_sql(expires_at)),
        };
        let Some(row) = query.fetch_optional(&self.pool).await.map_err(error)? else {
            return Ok(None);
        };
        let entries: String = row.try_get(0).map_err(error)?;
        let expires_at: i64 = row.try_get(1).map_err(error)?;
        Ok(Some(Record {
            entries: parse_entries(&entries)?,
            expires_at: from_sql(expires_at),
        }))
    }

    async fn do_update(
        &self,
        key: RecordKey,
        changes: &Changes,
        expires_at: u64,
    ) -> Result<Updated, StoreError> {
        refuse_nul(changes.sets())?;
        refuse_nul(changes.removals().map(|k| (k, "")))?;
        let removals: Vec<String> = changes.removals().map(str::to_owned).collect();
        let (sets, touched, set_bytes) = (sets_json(changes), touched(changes), set_bytes(changes));
        let key = key.as_bytes().as_slice();
        update(
            self.max_record_bytes,
            || async {
                let done = sqlx::query(sql::UPDATE)
                    .bind(key)
                    .bind(self.now())
                    .bind(&removals)
                    .bind(&sets)
                    .bind(set_bytes)
                    .bind(&touched)
                    .bind(to_sql(expires_at))
                    .bind(to_sql(self.max_record_bytes as u64))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            },
            || async {
                sqlx::query_as(sql::UPDATE_SIZES)
                    .bind(key)
                    .bind(self.now())
                    .bind(set_bytes)
                    .bind(&touched)
                    .fetch_optional(&self.pool)
                    .await
            },
        )
        .await
    }

    async fn do_delete(&self, key: RecordKey) -> Result<bool, StoreError> {
        let live: Option<bool> = sqlx::query_scalar(sql::DELETE)
            .bind(key.as_bytes().as_slice())
            .bind(self.now())
            .fetch_optional(&self.pool)
            .await
            .map_err(error)?;
        Ok(live == Some(true))
    }

    async fn do_touch(&self, key: RecordKey, expires_at: u64) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::TOUCH)
            .bind(key.as_bytes().as_slice())
            .bind(self.now())
            .bind(to_sql(expires_at))
            .execute(&self.pool)
            .await
            .map_err(error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn do_regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> Result<Regenerated, StoreError> {
        regenerate(
            || async move {
                let done = sqlx::query(sql::REGENERATE)
                    .bind(old.as_bytes().as_slice())
                    .bind(self.now())
                    .bind(new.as_bytes().as_slice())
                    .bind(to_sql(expires_at))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            },
            || async move {
                let done = sqlx::query(sql::DELETE_EXPIRED)
                    .bind(new.as_bytes().as_slice())
                    .bind(self.now())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            },
        )
        .await
    }
}

/// PostgreSQL text can't hold U+0000: refuse it before any SQL, so the
/// answer is typed and nothing is written.
fn refuse_nul<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<(), StoreError> {
    for (key, value) in pairs {
        if key.contains('\0') || value.contains('\0') {
            return Err(StoreError::Backend(
                "postgresql: a key or value holds a nul character".into(),
            ));
        }
    }
    Ok(())
}

impl BatchSweep for PostgresStore {
    fn sweep_batch(&self, now: u64, max_rows: usize) -> StoreFuture<'_, usize> {
        Box::pin(PostgresStore::sweep_batch(self, now, max_rows))
    }

    fn now(&self) -> u64 {
        (self.clock)()
    }
}

impl Store for PostgresStore {
    fn create<'a>(
        &'a self,
        key: RecordKey,
        entries: &'a Entries,
        expires_at: u64,
    ) -> StoreFuture<'a, Created> {
        Box::pin(self.do_create(key, entries, expires_at))
    }

    fn load(&self, key: RecordKey, touch: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        Box::pin(self.do_load(key, touch))
    }

    fn update<'a>(
        &'a self,
        key: RecordKey,
        changes: &'a Changes,
        expires_at: u64,
    ) -> StoreFuture<'a, Updated> {
        Box::pin(self.do_update(key, changes, expires_at))
    }

    fn delete(&self, key: RecordKey) -> StoreFuture<'_, bool> {
        Box::pin(self.do_delete(key))
    }

    fn touch(&self, key: RecordKey, expires_at: u64) -> StoreFuture<'_, bool> {
        Box::pin(self.do_touch(key, expires_at))
    }

    fn regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> StoreFuture<'_, Regenerated> {
        Box::pin(self.do_regenerate(old, new, expires_at))
    }

    /// Every expired row, in batches of [`DEFAULT_SWEEP_ROWS`](crate::store::DEFAULT_SWEEP_ROWS).
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        Box::pin(sweeper::sweep_all(self, now))
    }
}
