//! The [`Store`] operations of [`RedisStore`]: each is one script or
//! one command on one key, except regenerate (see `regenerate.rs`).

use crate::store::redis::client::RedisStore;
use crate::store::redis::codec::{field, Snapshot};
use crate::store::redis::connection::{error, unexpected};
use crate::store::redis::scripts::SCRIPTS;
use crate::store::{
    check_size, record_size, Changes, Created, Entries, Record, RecordKey, Regenerated, Store,
    StoreError, StoreFuture, Updated,
};

impl RedisStore {
    async fn do_create(
        &self,
        key: RecordKey,
        entries: &Entries,
        expires_at: u64,
    ) -> Result<Created, StoreError> {
        check_size(record_size(entries), 0, self.max_record_bytes)?;
        let wrote = self
            .write_new(&self.key_name(&key), entries, expires_at, "")
            .await?;
        Ok(if wrote {
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
        let name = self.key_name(&key);
        let hash = match touch {
            None => self.hgetall(&name).await?,
            Some(expires_at) => {
                let expires_at = expires_at.to_string();
                self.run(&SCRIPTS.load_touch, &name, &[expires_at.as_bytes()])
                    .await?
            }
        };
        let Some(snapshot) = Snapshot::parse(hash)? else {
            return Ok(None);
        };
        Ok(Some(Record {
            entries: snapshot.entries,
            expires_at: touch.unwrap_or(snapshot.expires_at),
        }))
    }

    async fn do_update(
        &self,
        key: RecordKey,
        changes: &Changes,
        expires_at: u64,
    ) -> Result<Updated, StoreError> {
        let expires_at = expires_at.to_string();
        let max = self.max_record_bytes.to_string();
        let sets = changes.sets().len().to_string();
        let fields: Vec<(String, &str)> = changes.sets().map(|(k, v)| (field(k), v)).collect();
        let removals: Vec<String> = changes.removals().map(field).collect();
        let mut args: Vec<&[u8]> = vec![expires_at.as_bytes(), max.as_bytes(), sets.as_bytes()];
        for (field, value) in &fields {
            args.push(field.as_bytes());
            args.push(value.as_bytes());
        }
        args.extend(removals.iter().map(|f| f.as_bytes()));
        let reply: Vec<i64> = self
            .run(&SCRIPTS.update, &self.key_name(&key), &args)
            .await?;
        match reply.as_slice() {
            [1] => Ok(Updated::Updated),
            [0] => Ok(Updated::Missing),
            [2, size] => Err(StoreError::TooLarge {
                size: usize::try_from(*size).unwrap_or(usize::MAX),
                max: self.max_record_bytes,
            }),
            _ => Err(unexpected("update")),
        }
    }

    async fn do_delete(&self, key: RecordKey) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let removed: i64 = redis::cmd("DEL")
            .arg(self.key_name(&key))
            .query_async(&mut connection)
            .await
            .map_err(error)?;
        Ok(removed == 1)
    }

    async fn do_touch(&self, key: RecordKey, expires_at: u64) -> Result<bool, StoreError> {
        let expires_at = expires_at.to_string();
        let touched: i64 = self
            .run(
                &SCRIPTS.touch,
                &self.key_name(&key),
                &[expires_at.as_bytes()],
            )
            .await?;
        Ok(touched == 1)
    }
}

impl Store for RedisStore {
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

    /// Redis expires keys itself: nothing to sweep.
    fn sweep(&self, _now: u64) -> StoreFuture<'_, usize> {
        Box::pin(std::future::ready(Ok(0)))
    }
}
