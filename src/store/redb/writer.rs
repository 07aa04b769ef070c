//! The writer thread and its queue: group commit (see the
//! [store docs](crate::store#group-commit-redb)).

use std::sync::{mpsc, Arc};

use redb::{Database, Durability};
use tokio::sync::oneshot;

use crate::store::redb::tables::{Step, Tables, EXPIRY, RECORDS};
use crate::store::StoreError;

/// A queued write, type-erased for the queue.
pub(super) trait Job: Send {
    /// Applies the write inside the batch's transaction.
    fn apply(&mut self, tables: &mut Tables<'_>) -> Result<(), redb::Error>;
    /// Answers the caller, once the batch committed (or failed).
    fn answer(self: Box<Self>, committed: Result<(), StoreError>);
}

pub(super) struct Write<T, F> {
    pub(super) apply: Option<F>,
    pub(super) outcome: Option<Result<T, StoreError>>,
    pub(super) answer: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Write<T, F>
where
    T: Send,
    F: FnOnce(&mut Tables<'_>) -> Step<T> + Send,
{
    fn apply(&mut self, tables: &mut Tables<'_>) -> Result<(), redb::Error> {
        if let Some(apply) = self.apply.take() {
            self.outcome = Some(apply(tables)?);
        }
        Ok(())
    }

    fn answer(self: Box<Self>, committed: Result<(), StoreError>) {
        let Write {
            outcome, answer, ..
        } = *self;
        let outcome = committed.and_then(|()| {
            outcome.unwrap_or_else(|| Err(StoreError::Backend("the write was not applied".into())))
        });
        let _ = answer.send(outcome);
    }
}

/// The writer thread.
pub(super) struct Writer {
    pub(super) db: Arc<Database>,
    pub(super) queue: mpsc::Receiver<Box<dyn Job>>,
    pub(super) max_batch: usize,
    pub(super) max_record_bytes: usize,
    pub(super) clock: fn() -> u64,
}

impl Writer {
    pub(super) fn run(self) {
        while let Ok(first) = self.queue.recv() {
            let mut batch = vec![first];
            while batch.len() < self.max_batch {
                match self.queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let committed = self.commit(&mut batch).map_err(backend);
            for job in batch {
                job.answer(committed.clone());
            }
        }
    }

    /// Applies every job of `batch` in one transaction and commits it with
    /// immediate durability (or aborts it if no job wrote anything).
    fn commit(&self, batch: &mut [Box<dyn Job>]) -> Result<(), redb::Error> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(Durability::Immediate)?;
        let dirty = {
            let mut tables = Tables {
                records: txn.open_table(RECORDS)?,
                expiry: txn.open_table(EXPIRY)?,
                now: (self.clock)(),
                max_record_bytes: self.max_record_bytes,
                dirty: false,
            };
            for job in batch.iter_mut() {
                job.apply(&mut tables)?;
            }
            tables.dirty
        };
        if dirty {
            txn.commit()?;
        } else {
            txn.abort()?;
        }
        Ok(())
    }
}

pub(super) fn stopped() -> StoreError {
    StoreError::Unavailable("the redb writer stopped".into())
}

pub(super) fn backend(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Backend(format!("redb: {}", e.into()))
}
