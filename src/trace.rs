//! The crate's one door to the `tracing` crate (feature `tracing`): a span
//! type that is nothing without the feature, and the event of a store
//! call. Without the feature every function here is empty and no
//! dependency is pulled in, so the pipelines call them unconditionally.
//!
//! What may be traced: layouts, cookie names, session key names, counts,
//! byte sizes, durations, reasons and error messages. What never is: a
//! session value, a session id or a record key, a cookie value, a signing
//! or encryption key. The callers pass only the former, as numbers or
//! `&'static str`s where they can.

#[cfg(feature = "store")]
use crate::store::error::StoreError;

/// A span of the `tracing` crate, or nothing without the feature.
#[derive(Clone, Debug)]
pub(crate) struct Span {
    #[cfg(feature = "tracing")]
    pub(crate) inner: tracing::Span,
}

impl Span {
    /// Runs `f` inside the span. A span no subscriber wants is not
    /// entered: entering it would cost more than the rest of the tracing
    /// (with tracing's `log` feature, which actix-web turns on, each enter
    /// and exit is offered to the `log` crate).
    pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        if !self.inner.is_disabled() {
            return self.inner.in_scope(f);
        }
        f()
    }

    /// Awaits `future` inside the span: each poll enters it (unless no
    /// subscriber wants it, as for [`in_scope`](Span::in_scope)).
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) async fn run<F: std::future::Future>(&self, future: F) -> F::Output {
        #[cfg(feature = "tracing")]
        if !self.inner.is_disabled() {
            use tracing::Instrument;
            return future.instrument(self.inner.clone()).await;
        }
        future.await
    }
}

/// A clock for latencies, read only with the feature.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Started {
    #[cfg(feature = "tracing")]
    at: std::time::Instant,
}

impl Started {
    pub(crate) fn now() -> Started {
        Started {
            #[cfg(feature = "tracing")]
            at: std::time::Instant::now(),
        }
    }

    /// Microseconds since [`Started::now`] (0 without the feature).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn micros(self) -> u64 {
        #[cfg(feature = "tracing")]
        return u64::try_from(self.at.elapsed().as_micros()).unwrap_or(u64::MAX);
        #[cfg(not(feature = "tracing"))]
        0
    }
}

/// The kind of a store error, as a trace field: its variant, never its
/// message's details.
#[cfg(feature = "store")]
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn store_error_kind(error: &StoreError) -> &'static str {
    match error {
        StoreError::Unavailable(_) => "unavailable",
        StoreError::Timeout => "timeout",
        StoreError::Corrupt(_) => "corrupt",
        StoreError::TooLarge { .. } => "too-large",
        StoreError::Full { .. } => "full",
        StoreError::Backend(_) => "backend",
    }
}

/// One store call ended: DEBUG with its latency, WARN when it failed.
/// The record key is never passed, only the operation's name.
#[cfg(feature = "store")]
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn store_call(op: &'static str, started: Started, error: Option<&StoreError>) {
    #[cfg(feature = "tracing")]
    match error {
        None => tracing::debug!(op, elapsed_us = started.micros(), "store call"),
        Some(e) => tracing::warn!(
            op,
            elapsed_us = started.micros(),
            error_kind = store_error_kind(e),
            error = %e,
            "store call failed"
        ),
    }
}
