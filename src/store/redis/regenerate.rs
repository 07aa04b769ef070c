//! Regenerate across hash slots, in steps each atomic on one key: the
//! [algorithm](crate::store#the-regenerate-algorithm) of the store's docs.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::store::redis::client::RedisStore;
use crate::store::redis::codec::Snapshot;
use crate::store::redis::scripts::SCRIPTS;
use crate::store::{RecordKey, Regenerated, StoreError};

/// How many times a regenerate takes a new snapshot of a record that keeps
/// changing before it gives up.
const MAX_MOVE_ATTEMPTS: usize = 32;

/// How many rounds a regenerate tries without freezing the old record.
const OPTIMISTIC_ROUNDS: usize = 3;

/// How long a regenerate's freeze of the old record lasts at most, if the
/// move stops midway (a timeout, a crash), in milliseconds.
const FREEZE_LEASE_MS: u64 = 2000;

impl RedisStore {
    /// The [regenerate algorithm](crate::store#the-regenerate-algorithm).
    pub(super) async fn do_regenerate(
        &self,
        old: RecordKey,
        new: RecordKey,
        expires_at: u64,
    ) -> Result<Regenerated, StoreError> {
        let (old_name, new_name) = (self.key_name(&old), self.key_name(&new));
        let token = move_token(&old, &new);
        let Some(mut snapshot) = Snapshot::parse(self.hgetall(&old_name).await?)? else {
            return Ok(Regenerated::Missing);
        };
        let mut frozen = false;
        for attempt in 1..=MAX_MOVE_ATTEMPTS {
            if !self
                .write_new(&new_name, &snapshot.entries, expires_at, &token)
                .await?
            {
                if frozen {
                    self.thaw(&old_name, &token).await?;
                }
                return Ok(Regenerated::AlreadyExists);
            }
            let retired: i64 = self
                .run(&SCRIPTS.retire, &old_name, &[snapshot.version.as_slice()])
                .await?;
            match retired {
                1 => return Ok(Regenerated::Regenerated),
                2 => {}
                _ => return self.drop_copy(&new_name, &token).await,
            }
            // The record changed since the snapshot: take a new one; after
            // a few rounds, freeze the record so that the move ends.
            let next = if attempt < OPTIMISTIC_ROUNDS {
                Snapshot::parse(self.hgetall(&old_name).await?)?
            } else {
                frozen = true;
                let lease = FREEZE_LEASE_MS.to_string();
                let reply: Vec<Vec<u8>> = self
                    .run(
                        &SCRIPTS.freeze,
                        &old_name,
                        &[token.as_bytes(), lease.as_bytes()],
                    )
                    .await?;
                if reply.len() == 1 {
                    // Another move holds the record: it is moving away.
                    return self.drop_copy(&new_name, &token).await;
                }
                let hash = reply
                    .chunks_exact(2)
                    .map(|pair| (pair[0].clone(), pair[1].clone()))
                    .collect();
                Snapshot::parse(hash)?
            };
            match next {
                Some(next) => snapshot = next,
                None => return self.drop_copy(&new_name, &token).await,
            }
        }
        self.thaw(&old_name, &token).await?;
        Err(StoreError::Backend(
            "regenerate gave up: the record kept changing".into(),
        ))
    }

    /// The old record vanished during a move: remove this move's copy.
    async fn drop_copy(&self, new_name: &str, token: &str) -> Result<Regenerated, StoreError> {
        let _: i64 = self
            .run(&SCRIPTS.drop_copy, new_name, &[token.as_bytes()])
            .await?;
        Ok(Regenerated::Missing)
    }

    /// Lifts this move's freeze of the old record, when the move ends
    /// without moving it.
    async fn thaw(&self, old_name: &str, token: &str) -> Result<(), StoreError> {
        let _: i64 = self
            .run(&SCRIPTS.thaw, old_name, &[token.as_bytes()])
            .await?;
        Ok(())
    }
}

/// A token unique to one move.
fn move_token(old: &RecordKey, new: &RecordKey) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hash = Sha256::new();
    hash.update(old.as_bytes());
    hash.update(new.as_bytes());
    hash.update(std::process::id().to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hash.update(nanos.to_le_bytes());
    RecordKey::from_bytes(hash.finalize().into()).to_hex()[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn move_tokens_differ() {
        let (a, b) = (
            RecordKey::from_bytes([1; 32]),
            RecordKey::from_bytes([2; 32]),
        );
        assert_ne!(move_token(&a, &b), move_token(&a, &b));
        assert_eq!(move_token(&a, &b).len(), 32);
    }
}
