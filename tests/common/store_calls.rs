//! Store calls the fault tests share.

use std::time::Duration;

use cookietin::store::{RecordKey, Store, StoreError};

/// Calls `load` until it succeeds (at most `attempts` times, 100 ms
/// apart); every failure on the way must be transient. Returns the
/// failures seen.
pub async fn until_available(
    store: &impl Store,
    probe: RecordKey,
    attempts: usize,
) -> Vec<StoreError> {
    let mut failures = Vec::new();
    for _ in 0..attempts {
        match store.load(probe, None).await {
            Ok(_) => return failures,
            Err(e) => {
                assert!(e.is_transient(), "an untyped failure: {e}");
                failures.push(e);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the store did not come back: {failures:?}");
}
