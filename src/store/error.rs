//! The one error type every store returns.

use std::fmt;

/// Why a store call failed.
///
/// Messages are lowercase and never hold a record key, a session id or a
/// value: they are safe to log.
///
/// A call that fails with [`Unavailable`](StoreError::Unavailable) or
/// [`Timeout`](StoreError::Timeout) has an unknown outcome: the backend may
/// or may not have applied it. Every other error means nothing was written.
///
/// # Example
/// ```
/// use cookietin::store::StoreError;
///
/// let error = StoreError::TooLarge { size: 2_000_000, max: 1_048_576 };
/// assert_eq!(
///     error.to_string(),
///     "session record of 2000000 bytes is over the store's cap of 1048576 bytes",
/// );
/// assert!(!error.is_transient());
/// assert!(StoreError::Timeout.is_transient());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend can't be reached: connection refused, broken, or
    /// reconnecting. Holds the backend's own message.
    Unavailable(String),
    /// The call did not finish within its deadline.
    Timeout,
    /// A stored record does not decode.
    Corrupt(String),
    /// The write would make the record larger than the store's cap
    /// (the total bytes of its keys and values). Nothing was written.
    TooLarge {
        /// The record's size after the write, in bytes.
        size: usize,
        /// The store's cap, in bytes.
        max: usize,
    },
    /// The store already holds its maximum number of records.
    Full {
        /// The store's maximum number of records.
        max_records: usize,
    },
    /// Any other failure the backend reported.
    Backend(String),
}

impl StoreError {
    /// Whether trying again later may succeed: `Unavailable` and `Timeout`.
    ///
    /// # Example
    /// ```
    /// use cookietin::store::StoreError;
    ///
    /// assert!(StoreError::Unavailable("connection refused".into()).is_transient());
    /// assert!(!StoreError::Corrupt("bad length".into()).is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Timeout)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "store unavailable: {why}"),
            StoreError::Timeout => f.write_str("store call timed out"),
            StoreError::Corrupt(why) => write!(f, "stored record is corrupt: {why}"),
            StoreError::TooLarge { size, max } => write!(
                f,
                "session record of {size} bytes is over the store's cap of {max} bytes"
            ),
            StoreError::Full { max_records } => {
                write!(f, "store is full ({max_records} records)")
            }
            StoreError::Backend(why) => write!(f, "store error: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase() {
        let all = [
            StoreError::Unavailable("connection refused".into()),
            StoreError::Timeout,
            StoreError::Corrupt("truncated".into()),
            StoreError::TooLarge { size: 2, max: 1 },
            StoreError::Full { max_records: 3 },
            StoreError::Backend("oom".into()),
        ];
        for error in all {
            let message = error.to_string();
            let first = message.chars().next().unwrap();
            assert!(first.is_lowercase(), "{message}");
            assert!(!message.ends_with('.'), "{message}");
        }
    }
}
