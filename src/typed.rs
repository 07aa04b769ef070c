//! Typed sessions: one struct of the app's, kept under one session key,
//! with its defaults when the key is absent or holds something else.
//!
//! Framework-free: the axum and actix-web extractors (features `axum`,
//! `actix`) build a [`TypedSession`] from the request's [`SessionHandle`],
//! and so can any code that holds a handle.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{SessionHandle, ValueError};

/// A struct kept in the session under [`KEY`](SessionValue::KEY): what
/// [`TypedSession`] reads and writes.
///
/// # Example
/// ```
/// use cookietin::SessionValue;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Default)]
/// struct Prefs {
///     theme: String,
///     page_size: u32,
/// }
///
/// impl SessionValue for Prefs {
///     const KEY: &'static str = "prefs";
/// }
/// ```
pub trait SessionValue: Serialize + DeserializeOwned + Default {
    /// The session key the value lives under. Two types with one key would
    /// overwrite each other: give each its own.
    const KEY: &'static str;
}

/// What a [`TypedSession`] or a [`Flash`](crate::Flash) found under its
/// key when the request began.
#[derive(Debug)]
#[non_exhaustive]
pub enum Loaded {
    /// Nothing was stored: the value starts from its `Default`.
    Absent,
    /// A value of the right shape was stored.
    Present,
    /// Something was stored that does not deserialize as the type (an older
    /// version of the struct, say): the value starts from its `Default`,
    /// and the stored one stays until the handler writes a new one. The
    /// error names the key; its message may quote the stored value, so
    /// log it only where session contents may go.
    Mismatch(ValueError),
}

impl Loaded {
    /// Whether a value of the right shape was stored.
    pub fn is_present(&self) -> bool {
        matches!(self, Loaded::Present)
    }
}

/// A typed view of one session key: `get` gives the struct (or its
/// `Default`), `set` and `update` write it back, and the session is saved
/// at the end of the request only when the stored JSON changed.
///
/// With the `axum` or `actix` feature it is an extractor: take
/// `TypedSession<Prefs>` in a handler behind the session layer. Without a
/// framework, build it from a handle with [`TypedSession::new`].
///
/// Every method reads or writes the session itself, so clones of the
/// handle, other `TypedSession`s of the same type and plain
/// [`SessionHandle::get`] calls all see the same value.
///
/// # Example
/// ```
/// use cookietin::{Engine, Key, Loaded, SessionHandle, SessionValue, TypedSession};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
/// struct Prefs {
///     theme: String,
///     page_size: u32,
/// }
///
/// impl SessionValue for Prefs {
///     const KEY: &'static str = "prefs";
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
///     let handle = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None));
///     let prefs = TypedSession::<Prefs>::new(handle.clone());
///     assert!(matches!(prefs.loaded(), Loaded::Absent));
///     assert_eq!(prefs.get(), Prefs::default());
///
///     // Unchanged: nothing to save.
///     prefs.update(|_| ())?;
///     assert!(!handle.is_modified());
///
///     prefs.update(|p| p.page_size = 50)?;
///     assert!(handle.is_modified());
///     assert_eq!(handle.get::<Prefs>("prefs")?.map(|p| p.page_size), Some(50));
///     Ok(())
/// }
/// ```
pub struct TypedSession<T: SessionValue> {
    handle: SessionHandle,
    loaded: Loaded,
    // `fn() -> T`: the view holds no `T`, so it is `Send` and `Sync`
    // whatever `T` is.
    value: PhantomData<fn() -> T>,
}

impl<T: SessionValue> std::fmt::Debug for TypedSession<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedSession")
            .field("key", &T::KEY)
            .field("loaded", &self.loaded)
            .finish_non_exhaustive()
    }
}

impl<T: SessionValue> TypedSession<T> {
    /// A view of `T::KEY` in `handle`'s session. Records what was stored
    /// (see [`loaded`](Self::loaded)) and marks the session accessed.
    pub fn new(handle: SessionHandle) -> TypedSession<T> {
        let loaded = match handle.get::<T>(T::KEY) {
            Ok(Some(_)) => Loaded::Present,
            Ok(None) => Loaded::Absent,
            Err(e) => Loaded::Mismatch(e),
        };
        TypedSession {
            handle,
            loaded,
            value: PhantomData,
        }
    }

    /// What was stored when this view was made.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The value: the stored one, or `T::default()` when the key is absent
    /// or holds something that is not a `T`.
    pub fn get(&self) -> T {
        self.handle
            .get::<T>(T::KEY)
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Stores `value`. The session is saved only if its JSON differs from
    /// what is stored.
    ///
    /// # Errors
    /// [`ValueError`] when `value` does not serialize (a map with non-string
    /// keys, a `Serialize` impl that fails); the session is then unchanged.
    pub fn set(&self, value: &T) -> Result<(), ValueError> {
        self.handle.insert(T::KEY, value)
    }

    /// Runs `f` on the value (as [`get`](Self::get) gives it) and stores the
    /// result if `f` changed it; returns what `f` returns. An unchanged
    /// value writes nothing, so a default stays absent and a mismatched
    /// value stays as it was stored.
    ///
    /// The session is not locked while `f` runs, so `f` may use the
    /// session too (push a [`Flash`](crate::Flash) message, say); a change
    /// to this key made meanwhile through another handle is overwritten.
    ///
    /// # Errors
    /// [`ValueError`] when the value does not serialize; the session is
    /// then unchanged.
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> Result<R, ValueError> {
        let json = |value: &T| serde_json::to_value(value).map_err(|e| ValueError::new(T::KEY, e));
        let mut value = self.get();
        let before = json(&value)?;
        let out = f(&mut value);
        let after = json(&value)?;
        if after != before {
            self.handle.insert(T::KEY, &after)?;
        }
        Ok(out)
    }

    /// Removes the key, so the next [`get`](Self::get) gives the default;
    /// returns whether it was present.
    pub fn remove(&self) -> bool {
        self.handle.remove(T::KEY)
    }

    /// The session underneath.
    pub fn handle(&self) -> &SessionHandle {
        &self.handle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Key};
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    struct Cart {
        items: Vec<String>,
    }

    impl SessionValue for Cart {
        const KEY: &'static str = "cart";
    }

    /// Serializes to a map with non-string keys, which JSON can't hold.
    #[derive(Serialize, Deserialize, Default)]
    struct Unwritable(std::collections::BTreeMap<Vec<u8>, u8>);

    impl SessionValue for Unwritable {
        const KEY: &'static str = "bad";
    }

    fn handle_with(stored: &[(&str, serde_json::Value)]) -> SessionHandle {
        let engine = Engine::builder(Key::try_from_bytes(&[4; 32]).unwrap())
            .build()
            .unwrap();
        let handle = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None));
        for (k, v) in stored {
            handle.insert(k, v).unwrap();
        }
        handle.with(|s| s.mark_saved());
        handle
    }

    #[test]
    fn absent_gives_the_default_and_an_unchanged_update_writes_nothing() {
        let handle = handle_with(&[]);
        let cart = TypedSession::<Cart>::new(handle.clone());
        assert!(matches!(cart.loaded(), Loaded::Absent));
        assert_eq!(cart.get(), Cart::default());
        assert_eq!(cart.update(|c| c.items.len()).unwrap(), 0);
        assert!(!handle.is_modified() && !handle.contains_key("cart"));
        cart.update(|c| c.items.push("pear".into())).unwrap();
        assert!(handle.is_modified());
        assert_eq!(cart.get().items, ["pear"]);
    }

    #[test]
    fn a_mismatch_is_reported_kept_until_written_and_then_replaced() {
        let handle = handle_with(&[("cart", serde_json::json!({"items": 7}))]);
        let cart = TypedSession::<Cart>::new(handle.clone());
        match cart.loaded() {
            Loaded::Mismatch(e) => assert_eq!(e.key(), "cart"),
            other => panic!("{other:?}"),
        }
        assert_eq!(cart.get(), Cart::default());
        cart.update(|_| ()).unwrap();
        assert_eq!(
            handle.get_value("cart"),
            Some(serde_json::json!({"items": 7}))
        );
        assert!(!handle.is_modified());
        cart.set(&Cart {
            items: vec!["fig".into()],
        })
        .unwrap();
        assert_eq!(cart.get().items, ["fig"]);
        assert!(handle.is_modified());
    }

    #[test]
    fn setting_the_stored_value_again_is_not_a_change_and_remove_resets() {
        let handle = handle_with(&[("cart", serde_json::json!({"items": ["a"]}))]);
        let cart = TypedSession::<Cart>::new(handle.clone());
        assert!(cart.loaded().is_present());
        cart.set(&Cart {
            items: vec!["a".into()],
        })
        .unwrap();
        assert!(!handle.is_modified());
        assert!(cart.remove());
        assert!(handle.is_modified());
        assert_eq!(cart.get(), Cart::default());
    }

    #[test]
    fn update_may_use_the_session_itself() {
        let handle = handle_with(&[]);
        let cart = TypedSession::<Cart>::new(handle.clone());
        let flash = crate::Flash::begin(handle.clone());
        cart.update(|c| {
            c.items.push("pear".into());
            flash.success("added");
            handle.insert("seen", &true).unwrap();
        })
        .unwrap();
        assert_eq!(cart.get().items, ["pear"]);
        assert_eq!(flash.queued().len(), 1);
        assert!(handle.contains_key("seen"));
    }

    #[test]
    fn a_value_that_does_not_serialize_is_an_error_and_changes_nothing() {
        let handle = handle_with(&[]);
        let bad = TypedSession::<Unwritable>::new(handle.clone());
        let err = bad
            .update(|u| {
                u.0.insert(vec![1], 1);
            })
            .unwrap_err();
        assert_eq!(err.key(), "bad");
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![2], 2);
        assert!(bad.set(&Unwritable(map)).is_err());
        assert!(!handle.is_modified() && handle.is_empty());
    }
}
