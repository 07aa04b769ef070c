//! What the layer did with the session once the handler answered, and the
//! slot through which code that holds the [`SessionHandle`](crate::SessionHandle)
//! learns it: a middleware inside the layer (which answers before the save)
//! as well as one outside it (which finds the outcome in the response).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::{SaveError, SaveReport};

/// What a layer did with the session as the response went out. The tower
/// and actix-web layers leave it in the response's extensions, so that
/// outer middleware can log it, and hand it to every
/// [`SessionHandle::on_saved`](crate::SessionHandle::on_saved) callback and
/// [`SessionHandle::saved`](crate::SessionHandle::saved) future, so that
/// inner middleware and handlers can too.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveOutcome {
    /// The session was saved; the report says whether anything was written.
    Saved(Box<SaveReport>),
    /// The save failed (see [`SaveError`]): the response went out without
    /// session cookies, and the request's cookies are as they were. When
    /// the handler's changes were lost, the layer answered instead of the
    /// handler, with an empty body: 503 (`Retry-After: 1`) when the store
    /// was unreachable, 409 when another request had destroyed or
    /// regenerated the session.
    Failed(SaveError),
    /// The handler answered with a server error (5xx), so its changes were
    /// not saved: a half-done change is not persisted.
    SkippedServerError,
}

/// A callback waiting for the outcome.
type Callback = Box<dyn FnOnce(&SaveOutcome) + Send>;

/// The outcome of one handle's save, or the callbacks waiting for it.
#[derive(Default)]
pub(crate) struct Slot {
    state: Mutex<State>,
}

enum State {
    Waiting(Vec<Callback>),
    /// The layer saved. The outcome itself is not kept: the common request
    /// has no callback, and should not pay for a copy.
    Done,
}

impl Default for State {
    fn default() -> Self {
        State::Waiting(Vec::new())
    }
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `callback` with the outcome when the layer saves. Dropped
    /// uncalled if the save already happened, or if the handle goes without
    /// one.
    pub(crate) fn on_saved(&self, callback: Callback) {
        if let State::Waiting(callbacks) = &mut *self.lock() {
            callbacks.push(callback);
        }
    }

    /// The layer saved: run the waiting callbacks, outside the lock (a
    /// callback may use the handle).
    pub(crate) fn resolve(&self, outcome: &SaveOutcome) {
        let previous = std::mem::replace(&mut *self.lock(), State::Done);
        if let State::Waiting(callbacks) = previous {
            for callback in callbacks {
                callback(outcome);
            }
        }
    }

    /// Whether the layer saved.
    pub(crate) fn is_done(&self) -> bool {
        matches!(*self.lock(), State::Done)
    }
}

/// The future [`SessionHandle::saved`](crate::SessionHandle::saved)
/// returns: the layer's [`SaveOutcome`] once it saved, or `None` when it
/// was made after the save, or the session was dropped without one (no
/// layer saved it, or the inner service failed with an error instead of a
/// response).
#[must_use = "a future does nothing unless awaited"]
pub struct WhenSaved {
    shared: Arc<Mutex<Waiter>>,
}

impl std::fmt::Debug for WhenSaved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhenSaved").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Waiter {
    /// `Some` once resolved: the outcome, or `None` for no save.
    done: Option<Option<SaveOutcome>>,
    waker: Option<Waker>,
}

/// The sending side, held by the slot's callback: dropping it uncalled
/// resolves the future with `None`.
struct Notify(Arc<Mutex<Waiter>>);

impl Notify {
    fn send(&self, outcome: Option<SaveOutcome>) {
        let mut waiter = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if waiter.done.is_none() {
            waiter.done = Some(outcome);
        }
        if let Some(waker) = waiter.waker.take() {
            waker.wake();
        }
    }
}

impl Drop for Notify {
    fn drop(&mut self) {
        self.send(None);
    }
}

impl WhenSaved {
    /// A future resolved through `slot`.
    pub(crate) fn new(slot: &Slot) -> WhenSaved {
        let shared = Arc::new(Mutex::new(Waiter::default()));
        let notify = Notify(shared.clone());
        slot.on_saved(Box::new(move |outcome| notify.send(Some(outcome.clone()))));
        WhenSaved { shared }
    }
}

impl Future for WhenSaved {
    type Output = Option<SaveOutcome>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut waiter = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        match waiter.done.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                waiter.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> SaveOutcome {
        SaveOutcome::SkippedServerError
    }

    #[test]
    fn callbacks_run_once_resolved_and_late_ones_never() {
        let slot = Slot::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let early = seen.clone();
        slot.on_saved(Box::new(move |o| {
            early.lock().unwrap().push(("early", o.clone()))
        }));
        assert!(seen.lock().unwrap().is_empty());
        assert!(!slot.is_done());
        slot.resolve(&outcome());
        assert!(slot.is_done());
        let late = seen.clone();
        slot.on_saved(Box::new(move |o| {
            late.lock().unwrap().push(("late", o.clone()))
        }));
        assert_eq!(*seen.lock().unwrap(), [("early", outcome())]);
    }

    #[test]
    fn the_future_gives_the_outcome_or_none_when_the_slot_goes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let slot = Slot::default();
        let saved = WhenSaved::new(&slot);
        slot.resolve(&outcome());
        assert_eq!(rt.block_on(saved), Some(outcome()));

        let slot = Slot::default();
        let never = WhenSaved::new(&slot);
        drop(slot);
        assert_eq!(rt.block_on(never), None);

        let slot = Slot::default();
        slot.resolve(&outcome());
        assert_eq!(rt.block_on(WhenSaved::new(&slot)), None, "made too late");
    }
}
