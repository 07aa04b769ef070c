//! A session handle that frameworks can carry: `Clone + Send + Sync`,
//! cheap to clone, with `&self` methods.
//!
//! The layers ([`integrations`](crate::integrations)) load the session with
//! the engine's `load` on the way in, put a handle in the request, and save
//! it with the engine's `save` on the way out. Every method locks the
//! session only for its own duration, so no guard is ever held across an
//! `.await` in a handler.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::engine::flavour::Flavour;
use crate::engine::report::SaveReport;
use crate::engine::Core;
use crate::outcome::{SaveOutcome, Slot, WhenSaved};
use crate::{EmptyReason, Engine, SaveError, Session, SessionData, ValueError};

/// A shareable session: what a handler receives from the tower, axum or
/// actix-web layers.
///
/// Clones share one session. It keeps the [`Session`]'s tracking: reads
/// mark it accessed (so the response gets `Vary: Cookie`), changes mark it
/// modified (so the response writes it).
///
/// # Example
/// ```
/// use cookietin::{Engine, Key, SessionHandle};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
/// let session = SessionHandle::new(&engine, engine.load(["theme=dark"], None));
/// let shared = session.clone();
/// std::thread::spawn(move || shared.insert("visits", &1)).join().unwrap()?;
/// assert_eq!(session.get::<u32>("visits")?, Some(1));
/// assert!(session.is_modified());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionHandle {
    inner: Arc<Inner>,
}

struct Inner {
    /// The configuration of the engine that loaded the session, for
    /// previews.
    core: Arc<Core>,
    session: Mutex<Session>,
    /// The layer's save outcome, or the callbacks waiting for it.
    saved: Slot,
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle")
            .field("session", &*self.lock())
            .finish_non_exhaustive()
    }
}

/// What saving the session now would do, without doing it: see
/// [`SessionHandle::preview`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SavePreview {
    /// The report the save would give: chunks, budget, and every shrink
    /// callback run and key dropped.
    pub report: SaveReport,
    /// The data as the save would write it, after any shrinking.
    pub data: SessionData,
}

impl SessionHandle {
    /// A handle over a session that `engine` loaded (and will save).
    pub fn new<F: Flavour>(engine: &Engine<F>, session: Session) -> SessionHandle {
        SessionHandle {
            inner: Arc::new(Inner {
                core: engine.core().clone(),
                session: Mutex::new(session),
                saved: Slot::default(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        // A panic in another holder leaves the session as consistent as any
        // single method call made it: keep using it.
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value at `key`, converted to `T`. Marks the session accessed.
    ///
    /// # Errors
    /// [`ValueError`] when the stored JSON is not a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, ValueError> {
        self.lock().get(key)
    }

    /// The value at `key` as a [`serde_json::Value`]. Marks the session accessed.
    pub fn get_value(&self, key: &str) -> Option<Value> {
        self.lock().get_value(key)
    }

    /// Sets `key` to `value`, marking the session modified when the stored
    /// JSON changed.
    ///
    /// # Errors
    /// [`ValueError`] when `value` does not serialize.
    pub fn insert<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), ValueError> {
        self.lock().insert(key, value)
    }

    /// Removes `key`, returning whether it was present.
    pub fn remove(&self, key: &str) -> bool {
        self.lock().remove(key)
    }

    /// Whether `key` is present. Marks the session accessed.
    pub fn contains_key(&self, key: &str) -> bool {
        self.lock().contains_key(key)
    }

    /// How many keys the session holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the session holds no keys.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Empties the session and keeps it: see [`Session::clear`].
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Re-issues the cookies on save even though nothing changed: see
    /// [`Session::renew`].
    pub fn renew(&self) {
        self.lock().renew();
    }

    /// Logout, for every copy of the cookie the layout can reach: see
    /// [`Session::destroy`].
    pub fn destroy(&self) {
        self.lock().destroy();
    }

    /// A new id with the same data, for login: see [`Session::regenerate`].
    pub fn regenerate(&self) {
        self.lock().regenerate();
    }

    /// Why the request's session cookies were rejected, if they were.
    pub fn empty_reason(&self) -> Option<EmptyReason> {
        self.lock().empty_reason().cloned()
    }

    /// Whether any value was read.
    pub fn is_accessed(&self) -> bool {
        self.lock().is_accessed()
    }

    /// Whether any value changed since the session was loaded or saved.
    pub fn is_modified(&self) -> bool {
        self.lock().is_modified()
    }

    /// The whole session as a JSON object. Marks the session accessed.
    pub fn to_value(&self) -> Value {
        self.lock().data().to_value()
    }

    /// Runs `f` on the session under one lock, for several reads or changes
    /// that belong together. `f` must not use this handle (or a clone): the
    /// lock is not reentrant.
    pub fn with<R>(&self, f: impl FnOnce(&mut Session) -> R) -> R {
        f(&mut self.lock())
    }

    /// What saving the session now would do, without changing it: which
    /// keys shrinking would change or drop, the chunks and the budget, and
    /// the data as it would be written. A handler can tell its user the
    /// truth before answering (a cart of 7 items that only 4 survive).
    ///
    /// No store is written: for a layout with stores, the preview is the
    /// cookies' fit (keys an overflow would move stay in the data, as the
    /// save keeps them). The save at the end of the request may still
    /// differ if the session changes in between.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key, SessionHandle};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .max_cookie_bytes(200)
    ///     .max_chunks(1)
    ///     .on_shrink(["cart"], |data, _last| {
    ///         let mut cart: Vec<String> = data.get("cart").ok().flatten().unwrap_or_default();
    ///         cart.pop();
    ///         let _ = data.insert("cart", &cart);
    ///     })
    ///     .build()?;
    /// let session = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None));
    /// // Seven SKUs that don't compress much.
    /// let cart: Vec<String> = (1..=7u64)
    ///     .map(|i| format!("{:016x}", i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
    ///     .collect();
    /// session.insert("cart", &cart)?;
    /// let preview = session.preview()?;
    /// let kept: Vec<String> = preview.data.get("cart")?.unwrap_or_default();
    /// assert!(kept.len() < 7);
    /// assert!(!preview.report.shrink.is_untouched());
    /// // The session itself is unchanged until the real save.
    /// assert_eq!(session.get::<Vec<String>>("cart")?.unwrap().len(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SaveError`] as [`Engine::save`] would return it for the cookies;
    /// no store is asked.
    pub fn preview(&self) -> Result<SavePreview, SaveError> {
        let session = self.lock().clone();
        let (report, data) = self.inner.core.preview(session)?;
        Ok(SavePreview { report, data })
    }

    /// Whether saving the session as it stands keeps everything the
    /// handler put in it: no key dropped and no shrink callback trimming
    /// anything (see [`SaveReport::is_lossy`]). A handler asks before it
    /// answers "saved", and tells its user the truth otherwise;
    /// [`preview`](SessionHandle::preview) says what would go.
    ///
    /// It runs the save's fit (a full encode of the session) without
    /// writing anything: call it after a change that may not fit, not on
    /// every request. A key that an overflow store would take whole counts
    /// as kept. `false` too when the configuration leaves no room for any
    /// session ([`SaveError::DoesNotFit`]).
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key, SessionHandle};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    /// let session = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None));
    /// session.insert("user", &"ada")?;
    /// assert!(session.will_keep_whole());
    ///
    /// // 10 KB that don't compress (xorshift letters): more than the
    /// // default budget of about 7 KB of cookies.
    /// let mut x = 1u32;
    /// let notes: String = (0..10_240)
    ///     .map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; char::from(b'a' + (x % 26) as u8) })
    ///     .collect();
    /// session.insert("notes", &notes)?;
    /// assert!(!session.will_keep_whole());
    /// let preview = session.preview()?;
    /// assert_eq!(preview.report.lost_keys().map(|(key, _)| key).collect::<Vec<_>>(), ["notes"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn will_keep_whole(&self) -> bool {
        self.preview().is_ok_and(|p| !p.report.is_lossy())
    }

    /// Calls `callback` with what the layer did with the session once it
    /// saved it, after the handler answered: the [`SaveReport`] (what was
    /// written, and every key dropped), the save's error, or that a server
    /// error skipped it. The tower, axum and actix-web layers call it before
    /// the response goes out. For middleware inside the layer, which
    /// answers before the save and so finds no outcome in the response;
    /// middleware outside the layer finds it in the response's extensions.
    ///
    /// Register it before the handler's response is done: a callback
    /// registered after the save (see [`is_saved`](SessionHandle::is_saved)),
    /// or when no layer saves the session (no layer, or the inner service
    /// failed with an error), is dropped uncalled. It must not hold a clone
    /// of this handle, or the two keep each other alive. The outcome is
    /// copied only for the callbacks there are: a request without any pays
    /// nothing for it.
    ///
    /// # Example
    /// (with the feature `tower`)
    #[cfg_attr(feature = "tower", doc = "```")]
    #[cfg_attr(not(feature = "tower"), doc = "```ignore")]
    /// use std::sync::{Arc, Mutex};
    /// use cookietin::integrations::tower::SessionLayer;
    /// use cookietin::{Engine, Key, SaveOutcome, SessionHandle};
    /// use http::{Request, Response};
    /// use tower::{service_fn, Layer, Service, ServiceExt};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    /// let chunks = Arc::new(Mutex::new(None));
    /// let seen = chunks.clone();
    /// // A handler (or a middleware inside the layer) that wants the outcome.
    /// let handler = service_fn(move |request: Request<()>| {
    ///     let seen = seen.clone();
    ///     async move {
    ///         let session = request.extensions().get::<SessionHandle>().expect("the layer");
    ///         session.insert("user", &"ada")?;
    ///         session.on_saved(move |outcome| {
    ///             if let SaveOutcome::Saved(report) = outcome {
    ///                 *seen.lock().unwrap() = Some(report.chunks);
    ///             }
    ///         });
    ///         Ok::<_, cookietin::ValueError>(Response::new(()))
    ///     }
    /// });
    /// SessionLayer::new(engine).layer(handler).oneshot(Request::new(())).await?;
    /// assert_eq!(*chunks.lock().unwrap(), Some(1));
    /// # Ok(()) }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
    /// ```
    pub fn on_saved(&self, callback: impl FnOnce(&SaveOutcome) + Send + 'static) {
        self.inner.saved.on_saved(Box::new(callback));
    }

    /// A future of what the layer did with the session: see
    /// [`on_saved`](SessionHandle::on_saved). It resolves once the layer
    /// saved (`Some`), or with `None` when the session goes without a save
    /// or the future was made after it.
    /// The layer saves only after the inner service answered, so a
    /// middleware inside the layer must not await it before it answers:
    /// spawn a task that awaits it, for logging or metrics.
    ///
    /// # Example
    /// (with the feature `axum`)
    #[cfg_attr(feature = "axum", doc = "```")]
    #[cfg_attr(not(feature = "axum"), doc = "```ignore")]
    /// use axum::{extract::Request, middleware::{self, Next}, response::Response, routing::get, Router};
    /// use cookietin::integrations::tower::SessionLayer;
    /// use cookietin::{Engine, Key, SaveOutcome, SessionHandle};
    ///
    /// // Inside the session layer: the outcome comes after the response.
    /// async fn log_losses(request: Request, next: Next) -> Response {
    ///     let saved = request.extensions().get::<SessionHandle>().map(SessionHandle::saved);
    ///     let response = next.run(request).await;
    ///     if let Some(saved) = saved {
    ///         tokio::spawn(async move {
    ///             if let Some(SaveOutcome::Saved(report)) = saved.await {
    ///                 for (key, bytes) in report.lost_keys() {
    ///                     eprintln!("session key {key} ({bytes} bytes) dropped");
    ///                 }
    ///             }
    ///         });
    ///     }
    ///     response
    /// }
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    /// let app: Router = Router::new()
    ///     .route("/", get(|| async { "hello" }))
    ///     .layer(middleware::from_fn(log_losses))
    ///     .layer(SessionLayer::new(engine));
    /// # Ok(()) }
    /// ```
    pub fn saved(&self) -> WhenSaved {
        WhenSaved::new(&self.inner.saved)
    }

    /// Whether a layer saved the session (or skipped it after a server
    /// error): from then on, [`on_saved`](SessionHandle::on_saved) is too
    /// late.
    pub fn is_saved(&self) -> bool {
        self.inner.saved.is_done()
    }

    /// The layers' save is done: hand its outcome to whoever waits.
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) fn resolve_saved(&self, outcome: &SaveOutcome) {
        self.inner.saved.resolve(outcome);
    }

    /// The user this session holds and its index key, marking the session
    /// accessed (the answer depends on it).
    #[cfg(feature = "store")]
    fn whose(&self) -> (Option<String>, Option<crate::store::RecordKey>) {
        let session = self.lock();
        let _ = session.data();
        self.inner.core.whose(&session)
    }

    /// This session's public handle in its user's index (see
    /// [`Engine::device_handle`]); `None` without an index, or for a
    /// session without an id yet.
    #[cfg(feature = "store")]
    pub fn device_handle(&self) -> Option<String> {
        let session = self.lock();
        let key = self.inner.core.index_key_of(&session)?;
        Some(crate::engine::steps::index::entry::handle_of(&key))
    }

    /// The sessions of this session's user, this one first (marked
    /// `current`), then the most recently seen: see [`Engine::devices`].
    /// Empty when the session holds no user.
    ///
    /// # Errors
    /// The store's error; `StoreError::Backend` without an index.
    #[cfg(feature = "store")]
    pub async fn devices(&self) -> Result<Vec<crate::Device>, crate::store::StoreError> {
        let (user, key) = self.whose();
        match user {
            Some(user) => self.inner.core.devices(&user, key).await,
            None => self.inner.core.index().map(|_| Vec::new()),
        }
    }

    /// Ends the session `handle` of this session's user (see
    /// [`Engine::revoke_device`]); a handle of another user's session ends
    /// nothing. Answers whether it was listed.
    ///
    /// # Errors
    /// The store's error; `StoreError::Backend` without an index.
    #[cfg(feature = "store")]
    pub async fn revoke_device(&self, handle: &str) -> Result<bool, crate::store::StoreError> {
        let (user, _) = self.whose();
        match user {
            Some(user) => self.inner.core.revoke_device(&user, handle).await,
            None => self.inner.core.index().map(|_| false),
        }
    }

    /// "Sign out other devices": ends every session of this session's
    /// user but this one (see [`Engine::revoke_other_devices`]). Answers
    /// how many ended.
    ///
    /// # Errors
    /// The store's error; `StoreError::Backend` without an index.
    #[cfg(feature = "store")]
    pub async fn revoke_other_devices(&self) -> Result<usize, crate::store::StoreError> {
        let (user, key) = self.whose();
        match user {
            Some(user) => self.inner.core.revoke_others(&user, key).await,
            None => self.inner.core.index().map(|_| 0),
        }
    }

    /// The session itself, locked: for the layers' save.
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) fn session(&self) -> MutexGuard<'_, Session> {
        self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    fn engine() -> Engine {
        Engine::builder(Key::try_from_bytes(&[2; 32]).unwrap())
            .build()
            .unwrap()
    }

    fn handle() -> SessionHandle {
        let engine = engine();
        SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None))
    }

    #[test]
    fn is_send_sync_and_clones_share_one_session() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<SessionHandle>();
        let a = handle();
        let b = a.clone();
        b.insert("k", &1).unwrap();
        assert_eq!(a.get::<u8>("k").unwrap(), Some(1));
        assert!(a.is_modified() && a.is_accessed());
    }

    #[test]
    fn the_engine_saves_what_the_handle_holds() {
        let engine = engine();
        let h = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None));
        h.insert("k", &"v").unwrap();
        let saved = engine.save(&mut h.session()).unwrap();
        assert_eq!(saved.report.chunks, 1);
        assert!(!h.is_modified());
        assert!(engine
            .save(&mut h.session())
            .unwrap()
            .set_cookies
            .is_empty());
    }

    #[test]
    fn preview_leaves_the_session_as_it_was() {
        let h = handle();
        h.insert("k", &"v").unwrap();
        let preview = h.preview().unwrap();
        assert_eq!(preview.report.chunks, 1);
        assert!(h.is_modified(), "a preview is not a save");
        assert_eq!(
            preview.data.get::<String>("k").unwrap().as_deref(),
            Some("v")
        );
    }
}
