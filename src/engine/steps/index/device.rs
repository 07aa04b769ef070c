//! One listed session, as the API shows it.

use serde::Serialize;

/// One session of a user, as the per-user index lists it (see
/// [`Engine::devices`](crate::Engine::devices)): never its id, only an
/// opaque handle, a hash of it in a domain of its own, which ends it
/// through [`Engine::revoke_device`](crate::Engine::revoke_device).
///
/// # Example
/// ```
/// use cookietin::store::MemoryStore;
/// use cookietin::{Engine, Key};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build()?.block_on(async {
/// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
///     .server_side(MemoryStore::new())
///     .user_key("user")
///     .build()?;
/// let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
/// let mut session = engine.load(Vec::<&str>::new(), Some(firefox)).await;
/// session.insert("user", &"ada")?;
/// engine.save(&mut session).await?;
///
/// let devices = engine.devices(&"ada", Some(&session)).await?;
/// assert_eq!(devices.len(), 1);
/// assert_eq!((devices[0].browser.as_str(), devices[0].os.as_str()), ("Firefox", "Linux"));
/// assert!(devices[0].current);
/// assert_eq!(devices[0].handle.len(), 16);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Device {
    /// The session's public handle: 16 hex digits.
    pub handle: String,
    /// When the session logged in, in seconds since the Unix epoch.
    pub created: u64,
    /// When a request of the session was last seen, in seconds since the
    /// Unix epoch: written at most once per
    /// [`last_seen_every`](crate::EngineBuilder::last_seen_every) per
    /// process, so up to that much behind.
    pub last_seen: u64,
    /// The browser its login came from, as the User-Agent names it
    /// (`"Chrome"`, `"Firefox"`, `"Safari"`, ...; empty when unknown).
    pub browser: String,
    /// Its operating system (`"Windows 10"`, `"Mac OSX"`, `"iPhone"`,
    /// `"Linux"`, ...; empty when unknown).
    pub os: String,
    /// Whether it is the session the list was asked for.
    pub current: bool,
}
