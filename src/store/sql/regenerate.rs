//! Regenerate, as both SQL stores run it: the row's key changes in place,
//! in one `UPDATE`.

use std::future::Future;

use crate::store::sql::error::{error, is_unique_violation};
use crate::store::{Regenerated, StoreError};

/// Runs `move_row` (the `UPDATE` of the key; it answers the rows it
/// moved). If a row already holds the new key, the move fails with a unique
/// violation and changes nothing: `clear_new` then deletes that row if it
/// expired, and the move runs once more; a live one answers
/// [`Regenerated::AlreadyExists`].
pub(super) async fn regenerate<M, MF, C, CF>(
    move_row: M,
    clear_new: C,
) -> Result<Regenerated, StoreError>
where
    M: Fn() -> MF,
    MF: Future<Output = Result<u64, sqlx::Error>>,
    C: Fn() -> CF,
    CF: Future<Output = Result<u64, sqlx::Error>>,
{
    for _ in 0..2 {
        match move_row().await {
            Ok(1) => return Ok(Regenerated::Regenerated),
            Ok(_) => return Ok(Regenerated::Missing),
            Err(e) if is_unique_violation(&e) => {
                if clear_new().await.map_err(error)? == 0 {
                    return Ok(Regenerated::AlreadyExists);
                }
            }
            Err(e) => return Err(error(e)),
        }
    }
    Ok(Regenerated::AlreadyExists)
}
