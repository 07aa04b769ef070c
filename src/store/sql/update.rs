//! Update, as both SQL stores run it: one statement that writes only if
//! the row is live and the write fits the cap, and, only when it wrote
//! nothing, a second that tells why.

use std::future::Future;

use crate::store::sql::codec::from_sql;
use crate::store::sql::error::error;
use crate::store::{check_size, StoreError, Updated};

/// How many times an update runs again when it raced another write (the
/// row changed between the update and the question why it wrote nothing).
const MAX_ROUNDS: usize = 3;

/// Runs `write` (the update; it answers the rows written). When it wrote
/// nothing, `sizes` answers the live row's size and the size the update
/// would give it, or `None` for no live row: [`Updated::Missing`], or
/// [`StoreError::TooLarge`] over `max_record_bytes`. If the write would
/// fit after all, another write got in between: run it again.
pub(super) async fn update<W, WF, S, SF>(
    max_record_bytes: usize,
    write: W,
    sizes: S,
) -> Result<Updated, StoreError>
where
    W: Fn() -> WF,
    WF: Future<Output = Result<u64, sqlx::Error>>,
    S: Fn() -> SF,
    SF: Future<Output = Result<Option<(i64, i64)>, sqlx::Error>>,
{
    for _ in 0..MAX_ROUNDS {
        if write().await.map_err(error)? == 1 {
            return Ok(Updated::Updated);
        }
        let Some((before, after)) = sizes().await.map_err(error)? else {
            return Ok(Updated::Missing);
        };
        let (before, after) = (from_sql(before) as usize, from_sql(after) as usize);
        check_size(after, before, max_record_bytes)?;
    }
    Err(StoreError::Backend(
        "update gave up: the record kept changing".into(),
    ))
}
