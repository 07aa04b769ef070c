//! [`Sweeper`]: a thread that removes expired records from the file.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::store::redb::database::{Inner, RedbStore};
use crate::store::redb::tables::Tables;
use crate::store::redb::writer::Write;

impl RedbStore {
    /// Starts a thread that sweeps expired records every `interval`, until
    /// the returned [`Sweeper`] is dropped or the store is.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
    /// let sweeper = store.spawn_sweeper(Duration::from_secs(60));
    /// assert_eq!(sweeper.removed(), 0);
    /// drop(sweeper); // stops it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_sweeper(&self, interval: Duration) -> Sweeper {
        let store = Arc::downgrade(&self.inner);
        let removed = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&removed);
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("cookietin-redb-sweeper".into())
            .spawn(move || sweep_every(store, interval, &stopped, &counter))
            .ok();
        Sweeper {
            stop: Some(stop),
            thread,
            removed,
        }
    }
}

/// A background sweep of a [`RedbStore`], from
/// [`RedbStore::spawn_sweeper`]. Dropping it stops the sweeps.
///
/// # Example
/// ```
/// use std::time::Duration;
///
/// let dir = tempfile::tempdir()?;
/// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
/// let sweeper = store.spawn_sweeper(Duration::from_millis(100));
/// # drop(sweeper);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Sweeper {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    removed: Arc<AtomicU64>,
}

impl Sweeper {
    /// How many records the sweeps removed so far.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let store = cookietin::store::RedbStore::open(dir.path().join("sessions.redb"))?;
    /// assert_eq!(store.spawn_sweeper(Duration::from_secs(1)).removed(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn removed(&self) -> u64 {
        self.removed.load(Ordering::Relaxed)
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn sweep_every(
    store: Weak<Inner>,
    interval: Duration,
    stopped: &mpsc::Receiver<()>,
    removed: &AtomicU64,
) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
        let Some(inner) = store.upgrade() else {
            return;
        };
        let store = RedbStore { inner };
        let now = store.now();
        let (answer, answered) = oneshot::channel();
        let job = Box::new(Write {
            apply: Some(move |tables: &mut Tables<'_>| tables.sweep(now)),
            outcome: None,
            answer,
        });
        let queued = store
            .inner
            .jobs
            .as_ref()
            .is_some_and(|j| j.send(job).is_ok());
        // Dropping the last handle here lets the writer finish and stop.
        drop(store);
        if !queued {
            return;
        }
        if let Ok(Ok(n)) = answered.blocking_recv() {
            removed.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}
