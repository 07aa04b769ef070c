//! The hooks a save calls when it lost something, so that an app can count
//! or alert on losses without logging every report itself.

use std::sync::Arc;

use crate::engine::builder::EngineBuilder;
use crate::engine::flavour::Flavour;
use crate::engine::observe::LossFn;
use crate::SaveReport;

impl<F: Flavour> EngineBuilder<F> {
    /// Registers `hook`, called with the report of every save that lost
    /// something the handler had put in the session
    /// ([`SaveReport::is_lossy`]): a key dropped to fit, every key of a
    /// save with no room at all ([`SaveAction::NoRoom`](crate::SaveAction::NoRoom)),
    /// or a shrink callback that made the data smaller. A key moved whole
    /// into the overflow store is not a loss.
    ///
    /// It runs for every save of the engine, whatever its layout and
    /// flavour: a client engine's `save` and a stored engine's `async`
    /// one, the tower, axum and actix-web layers, and the test helpers, once
    /// per save, with the whole report (for groups, every group's steps;
    /// [`SaveReport::groups`] says which). A
    /// [`SessionHandle::preview`](crate::SessionHandle::preview) saves
    /// nothing, so it calls no hook. Hooks run in the order they were
    /// registered, on the request's task, after the save and before the
    /// response goes out: keep them short (count, or send the report to a
    /// channel). Only the engine's own builder's hooks run, not those of a
    /// [`Group`](crate::Group)'s builder.
    ///
    /// The report names keys and sizes, never values. With the feature
    /// `tracing`, each key dropped or moved is also a WARN event.
    ///
    /// # Example
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use cookietin::{Engine, Key};
    ///
    /// let lossy_saves = Arc::new(AtomicUsize::new(0));
    /// let counter = lossy_saves.clone();
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .max_cookie_bytes(200)
    ///     .max_chunks(1)
    ///     .on_loss(move |report| {
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///         for (key, bytes) in report.lost_keys() {
    ///             eprintln!("session key {key} ({bytes} bytes) was dropped to fit");
    ///         }
    ///     })
    ///     .build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("user", &7)?;
    /// engine.save(&mut session)?;
    /// assert_eq!(lossy_saves.load(Ordering::Relaxed), 0);
    ///
    /// // 1000 letters from a xorshift generator: they don't compress below 200.
    /// let mut x = 1u32;
    /// let notes: String = (0..1000)
    ///     .map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; char::from(b'a' + (x % 26) as u8) })
    ///     .collect();
    /// session.insert("notes", &notes)?;
    /// engine.save(&mut session)?;
    /// assert_eq!(lossy_saves.load(Ordering::Relaxed), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_loss<H>(mut self, hook: H) -> Self
    where
        H: Fn(&SaveReport) + Send + Sync + 'static,
    {
        self.settings.on_loss.push(Arc::new(hook) as Arc<LossFn>);
        self
    }
}
