//! The two tables, and every write as it runs inside the writer's
//! transaction.

use redb::{ReadableTable, Table, TableDefinition};

use crate::store::redb::codec::{decode, encode, expiry_of};
use crate::store::{
    check_size, record_size, Changes, Created, Entries, Record, RecordKey, Regenerated, StoreError,
    Updated,
};

/// Records by key: the encoded record (`codec.rs`).
pub(super) const RECORDS: TableDefinition<&[u8; 32], &[u8]> =
    TableDefinition::new("cookietin_records_v1");
/// The expiry index, `(expires_at, key)`, so a sweep reads only what
/// expired.
pub(super) const EXPIRY: TableDefinition<(u64, &[u8; 32]), ()> =
    TableDefinition::new("cookietin_expiry_v1");

/// The outcome of one write inside a transaction: a storage failure (the
/// outer error) aborts the whole batch; the inner result is this write's
/// own answer.
pub(super) type Step<T> = Result<Result<T, StoreError>, redb::Error>;

/// The two tables inside a write transaction, and the rules every write
/// shares.
pub(super) struct Tables<'t> {
    pub(super) records: Table<'t, &'static [u8; 32], &'static [u8]>,
    pub(super) expiry: Table<'t, (u64, &'static [u8; 32]), ()>,
    pub(super) now: u64,
    pub(super) max_record_bytes: usize,
    pub(super) dirty: bool,
}

impl Tables<'_> {
    /// The record under `key`, expired or not.
    pub(super) fn get(&self, key: &RecordKey) -> Step<Option<Record>> {
        Ok(match self.records.get(key.as_bytes())? {
            None => Ok(None),
            Some(bytes) => decode(bytes.value()).map(Some),
        })
    }

    /// The live record under `key`.
    pub(super) fn live(&self, key: &RecordKey) -> Step<Option<Record>> {
        Ok(self
            .get(key)?
            .map(|found| found.filter(|r| r.expires_at > self.now)))
    }

    /// Writes `record` under `key`, replacing a record that expired at
    /// `replaced` in the index.
    pub(super) fn put(
        &mut self,
        key: &RecordKey,
        record: &Record,
        replaced: Option<u64>,
    ) -> Result<(), redb::Error> {
        if let Some(old) = replaced {
            self.expiry.remove((old, key.as_bytes()))?;
        }
        self.records
            .insert(key.as_bytes(), encode(record).as_slice())?;
        self.expiry
            .insert((record.expires_at, key.as_bytes()), ())?;
        self.dirty = true;
        Ok(())
    }

    /// Removes the record under `key`; answers whether one was there and
    /// whether it was live. A record that doesn't decode is removed too.
    pub(super) fn remove(&mut self, key: &RecordKey) -> Result<(bool, bool), redb::Error> {
        let Some(bytes) = self.records.remove(key.as_bytes())? else {
            return Ok((false, false));
        };
        self.dirty = true;
        let expires_at = expiry_of(bytes.value());
        drop(bytes);
        if let Some(expires_at) = expires_at {
            self.expiry.remove((expires_at, key.as_bytes()))?;
        }
        Ok((true, expires_at.is_some_and(|e| e > self.now)))
    }

    pub(super) fn create(
        &mut self,
        key: &RecordKey,
        entries: Entries,
        expires_at: u64,
    ) -> Step<Created> {
        let existing = match self.get(key)? {
            Ok(existing) => existing,
            Err(corrupt) => return Ok(Err(corrupt)),
        };
        if existing.as_ref().is_some_and(|r| r.expires_at > self.now) {
            return Ok(Ok(Created::AlreadyExists));
        }
        if let Err(too_large) = check_size(record_size(&entries), 0, self.max_record_bytes) {
            return Ok(Err(too_large));
        }
        let record = Record {
            entries,
            expires_at,
        };
        self.put(key, &record, existing.map(|r| r.expires_at))?;
        Ok(Ok(Created::Created))
    }

    pub(super) fn load_touch(&mut self, key: &RecordKey, expires_at: u64) -> Step<Option<Record>> {
        let mut record = match self.live(key)? {
            Ok(Some(record)) => record,
            other => return Ok(other),
        };
        let old = record.expires_at;
        record.expires_at = expires_at;
        self.put(key, &record, Some(old))?;
        Ok(Ok(Some(record)))
    }

    pub(super) fn update(
        &mut self,
        key: &RecordKey,
        changes: &Changes,
        expires_at: u64,
    ) -> Step<Updated> {
        let mut record = match self.live(key)? {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(Ok(Updated::Missing)),
            Err(corrupt) => return Ok(Err(corrupt)),
        };
        if let Err(too_large) = changes.apply(&mut record.entries, self.max_record_bytes) {
            return Ok(Err(too_large));
        }
        let old = record.expires_at;
        record.expires_at = expires_at;
        self.put(key, &record, Some(old))?;
        Ok(Ok(Updated::Updated))
    }

    pub(super) fn regenerate(
        &mut self,
        old: &RecordKey,
        new: &RecordKey,
        expires_at: u64,
    ) -> Step<Regenerated> {
        let mut record = match self.live(old)? {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(Ok(Regenerated::Missing)),
            Err(corrupt) => return Ok(Err(corrupt)),
        };
        let replaced = match self.get(new)? {
            Ok(Some(taken)) if taken.expires_at > self.now => {
                return Ok(Ok(Regenerated::AlreadyExists));
            }
            Ok(found) => found.map(|r| r.expires_at),
            // A new key holding garbage is free to take.
            Err(_) => {
                self.remove(new)?;
                None
            }
        };
        self.remove(old)?;
        record.expires_at = expires_at;
        self.put(new, &record, replaced)?;
        Ok(Ok(Regenerated::Regenerated))
    }

    pub(super) fn sweep(&mut self, now: u64) -> Step<usize> {
        let mut expired = Vec::new();
        for entry in self.expiry.range((0, &[0; 32])..=(now, &[0xff; 32]))? {
            let (index, ()) = (entry?.0, ());
            let (at, key) = index.value();
            expired.push((at, *key));
        }
        let mut removed = 0;
        for (at, key) in expired {
            self.expiry.remove((at, &key))?;
            self.dirty = true;
            let key = RecordKey::from_bytes(key);
            // The index may lag the record (never ahead of it): check the
            // record's own expiry before removing it.
            let current = self
                .records
                .get(key.as_bytes())?
                .map(|b| expiry_of(b.value()));
            if current.is_some_and(|e| e.is_none_or(|e| e <= now)) {
                self.records.remove(key.as_bytes())?;
                removed += 1;
            }
        }
        Ok(Ok(removed))
    }
}
