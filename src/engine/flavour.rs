//! Whether an engine's `load` and `save` are synchronous or `async`,
//! decided by its type when it is built.
//!
//! An engine whose every part lives in cookies is an `Engine<Client>`: its
//! `load` and `save` are plain functions that never wait. Configuring a
//! store anywhere (server-side sessions, overflow, revocation, or a group
//! with any of them) makes the builder an `EngineBuilder<Stored>`, and the
//! engine it builds an `Engine<Stored>`, whose `load` and `save` are
//! `async`. A stored configuration therefore can't be saved synchronously:
//! that does not compile (see [`Stored`]).

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Client {}
    impl Sealed for super::Stored {}
}

/// The type-level flavour of an [`Engine`](crate::Engine): [`Client`] or
/// [`Stored`]. Sealed: no other crate can add one.
pub trait Flavour: sealed::Sealed + Send + Sync + 'static {
    /// The flavour of an engine that also holds a group of flavour `G`:
    /// stored if either is.
    type With<G: Flavour>: Flavour;
}

/// Every part of the session lives in cookies: `load` and `save` are
/// synchronous and never touch a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {}

/// Some part of the session may touch a store: `load` and `save` are
/// `async`. [`Engine::into_stored`](crate::Engine::into_stored) turns a
/// client engine into one, for code that serves both.
#[cfg_attr(
    feature = "store",
    doc = r#"
# Example
```
use cookietin::store::MemoryStore;
use cookietin::{Engine, Key};

# tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    .server_side(MemoryStore::new())
    .build()?;
let mut session = engine.load(Vec::<&str>::new(), None).await;
session.insert("user", &"ada")?;
let saved = engine.save(&mut session).await?;
assert_eq!(saved.set_cookies.len(), 1);
# Ok::<(), Box<dyn std::error::Error>>(())
# })?;
# Ok::<(), Box<dyn std::error::Error>>(())
```

A stored configuration can't be saved synchronously: its `save` is
`async`, so using it as a result does not compile.

```compile_fail,E0308
use cookietin::store::MemoryStore;
use cookietin::{Engine, Key, SaveError, Saved, Session};

let engine = Engine::builder(Key::try_from_bytes(&[1; 32]).unwrap())
    .server_side(MemoryStore::new())
    .build()
    .unwrap();
let mut session = Session::new();
let saved: Result<Saved, SaveError> = engine.save(&mut session);
```
"#
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {}

impl Flavour for Client {
    type With<G: Flavour> = G;
}

impl Flavour for Stored {
    type With<G: Flavour> = Stored;
}
