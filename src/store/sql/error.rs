//! How `sqlx` errors become store errors. Messages carry the database's
//! message and code, never a parameter: no key or value reaches a log.

use sqlx::Error;

use crate::store::StoreError;

/// Sorts a `sqlx` error into the store's kinds: a connection that can't be
/// had or broke is [`StoreError::Unavailable`]; a row that doesn't decode
/// is [`StoreError::Corrupt`]; the rest is [`StoreError::Backend`].
pub(super) fn error(e: Error) -> StoreError {
    match e {
        Error::PoolTimedOut => {
            StoreError::Unavailable("sql: no connection within the acquire timeout".into())
        }
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolClosed
        | Error::WorkerCrashed => StoreError::Unavailable(format!("sql: {e}")),
        Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let message = format!("sql: {} ({code})", db.message());
            if unavailable_code(&code) {
                StoreError::Unavailable(message)
            } else {
                StoreError::Backend(message)
            }
        }
        Error::ColumnDecode { .. }
        | Error::Decode(_)
        | Error::ColumnNotFound(_)
        | Error::ColumnIndexOutOfBounds { .. }
        | Error::RowNotFound => StoreError::Corrupt(format!("sql row: {e}")),
        other => StoreError::Backend(format!("sql: {other}")),
    }
}

/// Whether a database error code says the server can't serve now.
fn unavailable_code(code: &str) -> bool {
    // PostgreSQL: class 08 (connection exception); shutting down, crashed,
    // starting up; too many connections.
    let postgres = code.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&code);
    // SQLite (extended result codes): the BUSY and LOCKED families, when
    // another process holds the file past the busy timeout.
    let sqlite = code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6));
    postgres || sqlite
}

/// Whether `e` is a unique violation (PostgreSQL 23505, SQLite's
/// constraint codes for a primary key or unique index).
pub(super) fn is_unique_violation(e: &Error) -> bool {
    matches!(e, Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_problems_are_unavailable() {
        assert!(matches!(
            error(Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            error(Error::Io(refused)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(error(Error::RowNotFound), StoreError::Corrupt(_)));
        for code in ["08006", "57P01", "53300", "5", "517", "6"] {
            assert!(unavailable_code(code), "{code}");
        }
        for code in ["23505", "1555", "22P02", "19", ""] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
