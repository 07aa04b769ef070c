//! Flash messages: text a handler leaves for the next request that shows
//! the flash, typically the page a form's POST redirects to.
//!
//! Framework-free: the axum and actix-web extractors (features `axum`,
//! `actix`) begin a [`Flash`] once per request from its [`SessionHandle`],
//! and so can any code that holds a handle.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::typed::Loaded;
use crate::SessionHandle;

/// How a flash message should be shown.
///
/// # Example
/// ```
/// use cookietin::FlashLevel;
///
/// assert_eq!(FlashLevel::Warning.as_str(), "warning");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashLevel {
    /// For developers.
    Debug,
    /// Neutral news.
    Info,
    /// Something the user asked for was done.
    Success,
    /// Done, but with something to look at.
    Warning,
    /// Not done.
    Error,
}

impl FlashLevel {
    /// The level's name in lowercase (`"info"`, ...), as it is stored and
    /// as a CSS class would use it.
    pub fn as_str(self) -> &'static str {
        match self {
            FlashLevel::Debug => "debug",
            FlashLevel::Info => "info",
            FlashLevel::Success => "success",
            FlashLevel::Warning => "warning",
            FlashLevel::Error => "error",
        }
    }
}

/// One flash message.
///
/// # Example
/// ```
/// use cookietin::{FlashLevel, FlashMessage};
///
/// let message = FlashMessage::new(FlashLevel::Success, "saved");
/// assert_eq!((message.level, message.text.as_str()), (FlashLevel::Success, "saved"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlashMessage {
    /// How to show it.
    pub level: FlashLevel,
    /// What to show.
    pub text: String,
}

impl FlashMessage {
    /// A message of `level` saying `text`.
    pub fn new(level: FlashLevel, text: impl Into<String>) -> FlashMessage {
        FlashMessage {
            level,
            text: text.into(),
        }
    }
}

/// The flash of one request: the messages the previous flash-showing
/// request left ([`take`](Flash::take)), and the ones this request leaves
/// for the next ([`push`](Flash::push)).
///
/// The rule, exactly:
///
/// - a message pushed while handling request N is stored in the session
///   (under [`Flash::KEY`]) and saved with it;
/// - the first later request that takes a `Flash` (the extractor, or
///   [`Flash::begin`]) receives it and removes it from the session: it is
///   that request's to show, and no request after it sees it, whether or not
///   the handler called `take`. Requests in between that take no `Flash`
///   (assets, API calls) leave it where it is;
/// - what a request pushes is never what it takes: `take` gives only what
///   arrived, and taking or reading doesn't touch what waits for the next
///   request. [`keep`](Flash::keep) sends what arrived on once more;
/// - a request that answers with a server error (5xx) saves nothing, so
///   what it received is received again by the next one.
///
/// So after a POST that pushes a message and redirects, the GET it
/// redirects to shows the message once, and a reload doesn't.
///
/// Clones share one flash. The extractors begin it once per request and
/// hand every later extraction in that request the same one; code without
/// a framework calls [`Flash::begin`] once per request.
///
/// # Example
/// ```
/// use cookietin::{Engine, Flash, FlashLevel, FlashMessage, Key, SessionHandle};
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).secure(false).build()?;
///
///     // Request 1 (a form's POST) leaves a message.
///     let first = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None));
///     let flash = Flash::begin(first.clone());
///     flash.push(FlashLevel::Success, "profile saved");
///     assert!(flash.take().is_empty(), "not for this request");
///     let saved = first.with(|session| engine.save(session))?;
///     let cookies: Vec<&str> = saved.set_cookies.iter().map(|l| l.split(';').next().unwrap()).collect();
///
///     // Request 2 (the redirect's GET) shows it.
///     let second = SessionHandle::new(&engine, engine.load(cookies.clone(), None));
///     let flash = Flash::begin(second.clone());
///     assert_eq!(flash.take(), [FlashMessage::new(FlashLevel::Success, "profile saved")]);
///     assert!(second.is_modified(), "the message leaves the session with this save");
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Flash {
    handle: SessionHandle,
    shared: Arc<Shared>,
}

struct Shared {
    /// What arrived and has not been taken.
    arrived: Mutex<Vec<FlashMessage>>,
    loaded: Loaded,
}

impl std::fmt::Debug for Flash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flash")
            .field("arrived", &self.arrived().len())
            .field("loaded", &self.shared.loaded)
            .finish_non_exhaustive()
    }
}

impl Flash {
    /// The session key that holds the messages waiting for the next
    /// request. Don't use it for anything else.
    pub const KEY: &'static str = "_flash";

    /// Begins the request's flash: takes the waiting messages out of the
    /// session (which then saves without them) to show during this request.
    /// Call it once per request; the extractors do.
    pub fn begin(handle: SessionHandle) -> Flash {
        let (arrived, loaded) = handle.with(|session| {
            let found = session.get::<Vec<FlashMessage>>(Flash::KEY);
            // Received, or unreadable: either way it leaves the session.
            session.remove(Flash::KEY);
            match found {
                Ok(Some(messages)) => (messages, Loaded::Present),
                Ok(None) => (Vec::new(), Loaded::Absent),
                Err(e) => (Vec::new(), Loaded::Mismatch(e)),
            }
        });
        Flash {
            handle,
            shared: Arc::new(Shared {
                arrived: Mutex::new(arrived),
                loaded,
            }),
        }
    }

    fn arrived(&self) -> MutexGuard<'_, Vec<FlashMessage>> {
        // A panic elsewhere can't leave a Vec half-changed: keep using it.
        self.shared
            .arrived
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// What the session held when the flash began: [`Loaded::Mismatch`]
    /// when it was not a list of messages (it is then dropped).
    pub fn loaded(&self) -> &Loaded {
        &self.shared.loaded
    }

    /// The messages that arrived, in the order they were pushed; a second
    /// call gives none.
    pub fn take(&self) -> Vec<FlashMessage> {
        std::mem::take(&mut *self.arrived())
    }

    /// The messages that arrived and were not taken, leaving them.
    pub fn peek(&self) -> Vec<FlashMessage> {
        self.arrived().clone()
    }

    /// Leaves `text` for the next request that takes the flash.
    pub fn push(&self, level: FlashLevel, text: impl Into<String>) {
        self.queue(vec![FlashMessage::new(level, text)], false);
    }

    /// [`push`](Self::push) at [`FlashLevel::Info`].
    pub fn info(&self, text: impl Into<String>) {
        self.push(FlashLevel::Info, text);
    }

    /// [`push`](Self::push) at [`FlashLevel::Success`].
    pub fn success(&self, text: impl Into<String>) {
        self.push(FlashLevel::Success, text);
    }

    /// [`push`](Self::push) at [`FlashLevel::Warning`].
    pub fn warning(&self, text: impl Into<String>) {
        self.push(FlashLevel::Warning, text);
    }

    /// [`push`](Self::push) at [`FlashLevel::Error`].
    pub fn error(&self, text: impl Into<String>) {
        self.push(FlashLevel::Error, text);
    }

    /// Sends the messages that arrived and were not taken on to the next
    /// request as well, ahead of any pushed now: for a handler that
    /// redirects again before anything is shown.
    pub fn keep(&self) {
        let kept = self.take();
        if !kept.is_empty() {
            self.queue(kept, true);
        }
    }

    /// The messages waiting for the next request, pushed by this one.
    pub fn queued(&self) -> Vec<FlashMessage> {
        self.handle
            .with(|session| session.get(Flash::KEY))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn queue(&self, messages: Vec<FlashMessage>, front: bool) {
        self.handle.with(|session| {
            // Anything unreadable under the key is replaced.
            let mut queued: Vec<FlashMessage> =
                session.get(Flash::KEY).ok().flatten().unwrap_or_default();
            if front {
                queued.splice(0..0, messages);
            } else {
                queued.extend(messages);
            }
            // A list of plain messages always serializes.
            let _ = session.insert(Flash::KEY, &queued);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Key};

    fn handle() -> SessionHandle {
        let engine = Engine::builder(Key::try_from_bytes(&[6; 32]).unwrap())
            .build()
            .unwrap();
        SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None))
    }

    fn info(text: &str) -> FlashMessage {
        FlashMessage::new(FlashLevel::Info, text)
    }

    #[test]
    fn what_a_request_pushes_waits_for_the_next_flash() {
        let h = handle();
        let flash = Flash::begin(h.clone());
        assert!(matches!(flash.loaded(), Loaded::Absent));
        assert!(!h.is_modified(), "an empty flash changes nothing");
        flash.info("one");
        flash.error("two");
        assert!(flash.take().is_empty());
        assert_eq!(
            flash.queued(),
            [info("one"), FlashMessage::new(FlashLevel::Error, "two")]
        );
        // The next request (same session data, saved and loaded).
        h.with(|s| s.mark_saved());
        let next = Flash::begin(h.clone());
        assert!(next.loaded().is_present());
        assert!(h.is_modified() && !h.contains_key(Flash::KEY));
        assert_eq!(next.peek().len(), 2);
        assert_eq!(next.take().len(), 2);
        assert!(next.take().is_empty() && next.peek().is_empty());
        // And the one after sees nothing.
        assert!(Flash::begin(h).take().is_empty());
    }

    #[test]
    fn keep_sends_the_untaken_ones_on_ahead_of_new_ones() {
        let h = handle();
        h.insert(Flash::KEY, &[info("old")]).unwrap();
        let flash = Flash::begin(h.clone());
        flash.success("new");
        flash.keep();
        assert!(flash.peek().is_empty());
        assert_eq!(
            flash.queued(),
            [info("old"), FlashMessage::new(FlashLevel::Success, "new")]
        );
    }

    #[test]
    fn an_unreadable_flash_is_reported_and_dropped() {
        let h = handle();
        h.insert(Flash::KEY, &serde_json::json!({"not": "a list"}))
            .unwrap();
        let flash = Flash::begin(h.clone());
        assert!(matches!(flash.loaded(), Loaded::Mismatch(e) if e.key() == Flash::KEY));
        assert!(flash.take().is_empty() && !h.contains_key(Flash::KEY));
        // Junk written under the key later is replaced by a push.
        h.insert(Flash::KEY, &7).unwrap();
        flash.warning("w");
        assert_eq!(
            flash.queued(),
            [FlashMessage::new(FlashLevel::Warning, "w")]
        );
    }

    #[test]
    fn levels_are_stored_in_lowercase() {
        let h = handle();
        Flash::begin(h.clone()).push(FlashLevel::Debug, "d");
        assert_eq!(
            h.get_value(Flash::KEY),
            Some(serde_json::json!([{"level": "debug", "text": "d"}]))
        );
        for level in [
            FlashLevel::Debug,
            FlashLevel::Info,
            FlashLevel::Success,
            FlashLevel::Warning,
            FlashLevel::Error,
        ] {
            let json = serde_json::to_value(level).unwrap();
            assert_eq!(json, serde_json::json!(level.as_str()));
        }
    }
}
