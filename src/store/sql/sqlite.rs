//! [`SqliteStore`]: one row per session in a SQLite file, through `sqlx`.

use std::time::Duration;

use sqlx::sqlite::SqlitePool;
use sqlx::Row;

use crate::store::sql::codec::{
    entries_json, from_sql, merge_patch, parse_entries, set_bytes, to_sql, touched,
};
use crate::store::sql::error::error;
use crate::store::sql::regenerate::regenerate;
use crate::store::sql::statements::sqlite as sql;
use crate::store::sql::sweeper::{self, BatchSweep, SqlSweeper};
use crate::store::sql::update::update;
use crate::store::{
    check_size, record_size, Changes, Created, Entries, Record, RecordKey, Regenerated, Store,
    StoreError, StoreFuture, Updated,
};

/// Records in a SQLite file: one row per session in the table
/// `cookietin_sessions`, whose schema is [`SqliteStore::SCHEMA`].
///
/// Every call is one statement, and each is atomic:
///
/// - a create is an `INSERT ... ON CONFLICT DO UPDATE ... WHERE` the old
///   row expired: it never overwrites a live session;
/// - an update writes only its keys (`json_patch` with a merge patch) on a
///   row that exists and has not expired, and keeps the size for the cap in
///   the same statement; a save in flight can't bring back a destroyed
///   session, and concurrent saves of different keys all persist (an update
///   refused for size takes a second statement to say so);
/// - a regenerate changes the row's key in place;
/// - a load with touch is an `UPDATE ... RETURNING`.
///
/// The file is in WAL mode, and by default every commit is synced
/// (`synchronous = FULL`): a write is acknowledged once it is on disk, so
/// it survives `kill -9` and a power loss. Writes go through one
/// connection, in the order they come; loads without touch go through a
/// pool of readers (4 by default) and don't wait for writes.
///
/// Expired rows are absent for every call before any sweep;
/// [`Store::sweep`], [`sweep_batch`](SqliteStore::sweep_batch) or a
/// [`SqlSweeper`] deletes them in bounded batches.
///
/// # Example
/// ```
/// use cookietin::store::{Created, Entries, RecordKey, SqliteStore, Store};
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # rt.block_on(async {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("sessions.sqlite");
/// let key = RecordKey::from_bytes([1; 32]);
/// let far = cookietin::store::system_clock() + 3600;
/// {
///     let store = SqliteStore::open(&path).await?;
///     let entries = Entries::from([("user".to_owned(), r#""ada""#.to_owned())]);
///     assert_eq!(store.create(key, &entries, far).await?, Created::Created);
/// }
/// let reopened = SqliteStore::open(&path).await?;
/// assert!(reopened.load(key, None).await?.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
#[derive(Clone)]
pub struct SqliteStore {
    pub(super) writer: SqlitePool,
    pub(super) readers: SqlitePool,
    pub(super) max_record_bytes: usize,
    pub(super) clock: fn() -> u64,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("readers", &self.readers.size())
            .field("max_record_bytes", &self.max_record_bytes)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The table and its index, as SQL (`data/sql/sqlite.sql`), for
    /// applications that run their own migrations. It is what
    /// [`migrate`](SqliteStore::migrate) runs, and it is idempotent.
    ///
    /// # Example
    /// ```
    /// let schema = cookietin::store::SqliteStore::SCHEMA;
    /// assert!(schema.contains("CREATE TABLE IF NOT EXISTS cookietin_sessions"));
    /// ```
    pub const SCHEMA: &'static str = sql::SCHEMA;

    /// Creates the table and its index if they are missing
    /// ([`SCHEMA`](SqliteStore::SCHEMA)).
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::SqliteStore::builder()
    ///     .migrate(false)
    ///     .open(dir.path().join("sessions.sqlite"))
    ///     .await?;
    /// store.migrate().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::raw_sql(sql::SCHEMA)
            .execute(&self.writer)
            .await
            .map(drop)
            .map_err(error)
    }

    /// Deletes at most `max_rows` rows that expired at or before `now`,
    /// oldest first, in one statement; answers how many.
    ///
    /// # Example
    /// ```
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::SqliteStore::open(dir.path().join("sessions.sqlite")).await?;
    /// assert_eq!(store.sweep_batch(cookietin::store::system_clock(), 500).await?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn sweep_batch(&self, now: u64, max_rows: usize) -> Result<usize, StoreError> {
        let done = sqlx::query(sql::SWEEP)
            .bind(to_sql(now))
            .bind(to_sql(max_rows as u64))
            .execute(&self.writer)
            .await
            .map_err(error)?;
        Ok(done.rows_affected() as usize)
    }

    /// Starts a task on the current tokio runtime that deletes at most
    /// `rows_per_pass` expired rows every `interval`, until the returned
    /// [`SqlSweeper`] is dropped. Fails outside a tokio runtime.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # rt.block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::SqliteStore::open(dir.path().join("sessions.sqlite")).await?;
    /// let sweeper = store.spawn_sweeper(Duration::from_secs(60), 1000)?;
    /// assert_eq!(sweeper.removed(), 0);
    /// drop(sweeper); // stops it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
        let done = sqlx::query(sql::CREATE)
            .bind(key.as_bytes().as_slice())
            .bind(entries_json(entries))
            .bind(to_sql(size as u64))
            .bind(to_sql(expires_at))
            .bind(self.now())
            .execute(&self.writer)
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
        let found = match touch {
            None => {
                sqlx::query(sql::LOAD)
                    .bind(key.as_bytes().as_slice())
                    .bind(self.now())
                    .fetch_optional(&self.readers)
                    .await
            }
            Some(expires_at) => {
                sqlx::query(sql::LOAD_TOUCH)
                    .bind(key.as_bytes().as_slice())
                    .bind(self.now())
                    .bind(to_sql(expires_at))
                    .fetch_optional(&self.writer)
                    .await
            }
        };
        let Some(row) = found.map_err(error)? else {
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
        let patch = merge_patch(changes);
        let named = serde_json::to_string(&touched(changes)).unwrap_or_else(|_| "[]".into());
        let bytes = set_bytes(changes);
        let key = key.as_bytes().as_slice();
        update(
            self.max_record_bytes,
            || async {
                let done = sqlx::query(sql::UPDATE)
                    .bind(key)
                    .bind(self.now())
                    .bind(patch.as_str())
                    .bind(bytes)
                    .bind(named.as_str())
                    .bind(to_sql(expires_at))
                    .bind(to_sql(self.max_record_bytes as u64))
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected())
            },
            || async {
                sqlx::query_as(sql::UPDATE_SIZES)
                    .bind(key)
                    .bind(self.now())
                    .bind(bytes)
                    .bind(named.as_str())
                    .fetch_optional(&self.writer)
                    .await
            },
        )
        .await
    }

    async fn do_delete(&self, key: RecordKey) -> Result<bool, StoreError> {
        let live: Option<bool> = sqlx::query_scalar(sql::DELETE)
            .bind(key.as_bytes().as_slice())
            .bind(self.now())
            .fetch_optional(&self.writer)
            .await
            .map_err(error)?;
        Ok(live == Some(true))
    }

    async fn do_touch(&self, key: RecordKey, expires_at: u64) -> Result<bool, StoreError> {
        let done = sqlx::query(sql::TOUCH)
            .bind(key.as_bytes().as_slice())
            .bind(self.now())
            .bind(to_sql(expires_at))
            .execute(&self.writer)
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
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected())
            },
            || async move {
                let done = sqlx::query(sql::DELETE_EXPIRED)
                    .bind(new.as_bytes().as_slice())
                    .bind(self.now())
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected())
            },
        )
        .await
    }
}

impl BatchSweep for SqliteStore {
    fn sweep_batch(&self, now: u64, max_rows: usize) -> StoreFuture<'_, usize> {
        Box::pin(SqliteStore::sweep_batch(self, now, max_rows))
    }

    fn now(&self) -> u64 {
        (self.clock)()
    }
}

impl Store for SqliteStore {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The `size` column stays the bytes of the keys and values through
    /// creates, updates that replace, add and remove keys (multi-byte ones
    /// too), and a move.
    #[tokio::test]
    async fn the_size_column_follows_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("s.sqlite"))
            .await
            .unwrap();
        let far = crate::store::system_clock() + 600;
        let (key, moved) = (
            RecordKey::from_bytes([1; 32]),
            RecordKey::from_bytes([2; 32]),
        );
        let entries = Entries::from([("ключ".to_owned(), r#""🍪""#.to_owned())]);
        assert_eq!(store.create(key, &entries, far).await, Ok(Created::Created));
        let mut changes = Changes::new();
        changes
            .set("ключ", "1")
            .set("b", r#""\"quoted\"""#)
            .set("", "[]");
        assert_eq!(store.update(key, &changes, far).await, Ok(Updated::Updated));
        let mut changes = Changes::new();
        changes.remove("").remove("never").set("c", "{}");
        assert_eq!(store.update(key, &changes, far).await, Ok(Updated::Updated));
        assert_eq!(
            store.regenerate(key, moved, far).await,
            Ok(Regenerated::Regenerated)
        );
        let record = store.load(moved, None).await.unwrap().unwrap();
        let (size,): (i64,) = sqlx::query_as("SELECT size FROM cookietin_sessions")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(size as usize, record_size(&record.entries));
        assert_eq!(record.entries.len(), 3);
    }
}
