//! What a load and a save tell the world: the app's loss hooks (see
//! [`EngineBuilder::on_loss`](crate::EngineBuilder::on_loss)), and, with
//! the feature `tracing`, a span around each with the layout and the
//! outcome, and a WARN event for every key dropped or moved to fit.
//!
//! The levels and fields are listed in the crate docs (section "Tracing"),
//! which a change here must keep true.
//!
//! Never traced: a session value, a session id, a cookie value, a key.

use std::sync::Arc;

use crate::engine::report::{SaveReport, Saved};
use crate::engine::Core;
use crate::trace::{Span, Started};
use crate::{SaveError, Session};

/// A loss hook: see [`EngineBuilder::on_loss`](crate::EngineBuilder::on_loss).
pub(crate) type LossFn = dyn Fn(&SaveReport) + Send + Sync;

/// The hooks, in the order they were registered.
pub(crate) type LossHooks = Vec<Arc<LossFn>>;

impl Core {
    /// The span of one load, with the layout.
    pub(crate) fn load_span(&self) -> Span {
        Span {
            #[cfg(feature = "tracing")]
            inner: tracing::debug_span!(
                "load",
                layout = self.layout.kind(),
                cookie = self.layout.jar().name.as_str(),
                chunks = tracing::field::Empty,
                bytes = tracing::field::Empty,
                keys = tracing::field::Empty,
                empty_reason = tracing::field::Empty,
                store_reason = tracing::field::Empty,
                browser = tracing::field::Empty,
            ),
        }
    }

    /// A load ended with `session`: its outcome on the span, and an event.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn loaded(&self, span: &Span, session: &Session) {
        #[cfg(feature = "tracing")]
        if !span.inner.is_disabled() {
            let s = &span.inner;
            s.record("chunks", session.request_chunks());
            s.record("bytes", session.request_value_bytes());
            s.record("keys", session.len());
            if let Some(reason) = session.empty_reason() {
                s.record("empty_reason", tracing::field::display(reason));
            }
            if let Some(reason) = session.store_reason() {
                s.record("store_reason", tracing::field::display(reason));
            }
            if let Some(browser) = session.browser() {
                s.record("browser", browser.identity.browser);
            }
            span.in_scope(|| tracing::debug!("loaded"));
        }
    }

    /// The span of one save, with the layout.
    pub(crate) fn save_span(&self) -> Span {
        Span {
            #[cfg(feature = "tracing")]
            inner: tracing::debug_span!(
                "save",
                layout = self.layout.kind(),
                cookie = self.layout.jar().name.as_str(),
                action = tracing::field::Empty,
                reason = tracing::field::Empty,
                chunks = tracing::field::Empty,
                value_bytes = tracing::field::Empty,
                header_bytes = tracing::field::Empty,
                set_cookie_bytes = tracing::field::Empty,
                json_bytes = tracing::field::Empty,
                deflated = tracing::field::Empty,
                binding = tracing::field::Empty,
                capacity = tracing::field::Empty,
                shrink_steps = tracing::field::Empty,
                dropped = tracing::field::Empty,
                moved = tracing::field::Empty,
                full_encodes = tracing::field::Empty,
                expired = tracing::field::Empty,
                elapsed_us = tracing::field::Empty,
                error_kind = tracing::field::Empty,
                error = tracing::field::Empty,
            ),
        }
    }

    /// A save ended: its outcome on the span, its events, and the loss
    /// hooks when it lost something.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn saved(&self, span: &Span, started: Started, result: &Result<Saved, SaveError>) {
        #[cfg(feature = "tracing")]
        span.in_scope(|| events::saved(self, span, started, result));
        if let Ok(saved) = result {
            if saved.report.is_lossy() {
                for hook in &self.on_loss {
                    hook(&saved.report);
                }
            }
        }
    }
}

#[cfg(feature = "tracing")]
mod events {
    use super::*;
    use crate::ShrinkStep;

    /// A serde unit variant's name (`no-room`, `header-bytes`).
    fn name<T: serde::Serialize>(value: &T) -> String {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(name)) => name,
            _ => String::from("?"),
        }
    }

    pub(super) fn saved(
        core: &Core,
        span: &Span,
        started: Started,
        result: &Result<Saved, SaveError>,
    ) {
        let s = &span.inner;
        if !s.is_disabled() {
            s.record("elapsed_us", started.micros());
        }
        let report = match result {
            Ok(saved) => &saved.report,
            Err(e) => {
                let kind = match e {
                    SaveError::DoesNotFit { .. } => "does-not-fit",
                    #[cfg(feature = "store")]
                    SaveError::Store(e) => crate::trace::store_error_kind(e),
                    SaveError::SessionGone => "session-gone",
                    SaveError::NoRandomness => "no-randomness",
                };
                s.record("error_kind", kind);
                s.record("error", tracing::field::display(e));
                tracing::warn!(error_kind = kind, error = %e, "session not saved");
                return;
            }
        };
        // A span nobody listens to costs no names.
        if !s.is_disabled() {
            record(s, report);
        }
        if report.groups.is_empty() {
            steps(&core.layout.jar().name, report);
        } else {
            for (cookie, group) in &report.groups {
                tracing::trace!(
                    cookie = cookie.as_str(),
                    action = name(&group.action).as_str(),
                    chunks = group.chunks,
                    value_bytes = group.value_bytes,
                    binding = group.budget.as_ref().map(|b| name(&b.binding)).as_deref(),
                    dropped = group.shrink.dropped_keys().count(),
                    moved = group.shrink.moved_keys().count(),
                    "group saved"
                );
                steps(cookie, group);
            }
        }
        tracing::debug!("saved");
    }

    /// A save's outcome, on its span.
    fn record(s: &tracing::Span, report: &SaveReport) {
        s.record("action", name(&report.action).as_str());
        if let Some(reason) = &report.reason {
            s.record("reason", name(reason).as_str());
        }
        s.record("chunks", report.chunks);
        s.record("value_bytes", report.value_bytes);
        s.record("header_bytes", report.header_bytes);
        s.record("set_cookie_bytes", report.set_cookie_bytes);
        s.record("json_bytes", report.json_bytes);
        s.record("deflated", report.deflated);
        if let Some(budget) = &report.budget {
            s.record("binding", name(&budget.binding).as_str());
            s.record("capacity", budget.capacity);
        }
        s.record("shrink_steps", report.shrink.steps.len());
        s.record("dropped", report.shrink.dropped_keys().count());
        s.record("moved", report.shrink.moved_keys().count());
        s.record("full_encodes", report.shrink.full_encodes);
        s.record("expired", report.expired.len());
    }

    /// One cookie's shrink steps: a WARN for each key dropped or moved.
    fn steps(cookie: &str, report: &SaveReport) {
        if report.action == crate::SaveAction::NoRoom {
            tracing::warn!(
                cookie,
                dropped = report.shrink.dropped_keys().count(),
                "no room for the session: its cookies were expired and every key dropped"
            );
        }
        for step in &report.shrink.steps {
            match step {
                ShrinkStep::Dropped { key, json_bytes } => tracing::warn!(
                    cookie,
                    key = key.as_str(),
                    json_bytes,
                    "session key dropped to fit"
                ),
                ShrinkStep::Moved { key, json_bytes } => tracing::warn!(
                    cookie,
                    key = key.as_str(),
                    json_bytes,
                    "session key moved to the overflow store to fit"
                ),
                ShrinkStep::Callback {
                    keys,
                    last,
                    json_before,
                    json_after,
                } => tracing::debug!(
                    cookie,
                    keys = keys.join(",").as_str(),
                    last,
                    json_before,
                    json_after,
                    "shrink callback ran"
                ),
                ShrinkStep::StoreUnavailable => tracing::warn!(
                    cookie,
                    "overflow store unavailable while shrinking: keys are dropped, not moved"
                ),
            }
        }
    }
}
