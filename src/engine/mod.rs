//! The engine: configuration ([`EngineBuilder`]), and the load and save
//! steps any HTTP framework can call.
//!
//! One file per concept: [`builder`] (configuration), [`request`] (what a
//! request said about the session), [`load`], [`save`] and [`report`] (what
//! a save did and why), [`attributes`] (cookie attributes and
//! `Set-Cookie` values), and, with the feature `store`, `server_side`
//! (sessions whose data lives in a store).

pub(crate) mod attributes;
mod builder;
#[cfg(feature = "encrypt")]
mod encrypted;
pub(crate) mod groups;
mod load;
#[cfg(feature = "store")]
mod overflow;
mod report;
pub(crate) mod request;
#[cfg(feature = "store")]
mod revocation;
pub(crate) mod save;
#[cfg(feature = "store")]
mod server_side;

use std::sync::Arc;

pub use builder::EngineBuilder;
pub use groups::{Group, Placement};
pub use report::{SaveAction, SaveReason, SaveReport, Saved};

use crate::browser::Browsers;
use crate::codec::Secrets;
use crate::engine::attributes::Attributes;
use crate::fit::budget::{Budget, BudgetConfig};
use crate::fit::shrink::Shrinker;
use crate::Session;

/// Loads and saves sessions for one cookie name.
///
/// Build one per app (it is `Send + Sync`; share it in an `Arc`), call
/// [`load`](Engine::load) with the request's Cookie headers and User-Agent,
/// and [`save`](Engine::save) before sending the response.
///
/// # Example
/// ```
/// use cookietin::{Engine, Key};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[42; 32])?)
///     .cookie_name("sid")
///     .secure(false) // plain http in this example
///     .build()?;
///
/// // First request: no cookie yet.
/// let mut session = engine.load(Vec::<&str>::new(), None);
/// session.insert("user_id", &7)?;
/// let saved = engine.save(&mut session)?;
/// assert_eq!(saved.set_cookies.len(), 1);
///
/// // The browser sends the cookie back.
/// let pair = saved.set_cookies[0].split(';').next().unwrap();
/// let session = engine.load([pair], None);
/// assert_eq!(session.get::<u32>("user_id")?, Some(7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Engine {
    name: String,
    keys: Secrets,
    attributes: Attributes,
    max_age: u64,
    clock_skew: u64,
    renew_after: Option<u64>,
    max_json_bytes: usize,
    max_encoded_bytes: usize,
    compress: bool,
    budget: BudgetConfig,
    shrinker: Shrinker,
    browsers: Arc<Browsers>,
    clock: fn() -> u64,
    #[cfg(feature = "store")]
    server_side: Option<server_side::ServerSide>,
    #[cfg(feature = "store")]
    overflow: Option<overflow::OverflowStore>,
    #[cfg(feature = "store")]
    revocations: Option<revocation::Revocations>,
    /// The groups, when the engine has more than its own.
    groups: Option<Box<groups::Groups>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("name", &self.name)
            .field("keys", &self.keys)
            .field("encrypted", &self.keys.encrypts())
            .field("attributes", &self.attributes)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// The base cookie name.
    pub fn cookie_name(&self) -> &str {
        &self.name
    }

    /// Whether sessions are written encrypted (`EngineBuilder::encrypt`,
    /// feature `encrypt`) rather than signed.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
    /// assert!(!engine.is_encrypted());
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn is_encrypted(&self) -> bool {
        self.keys.encrypts()
    }

    /// The browsers (limits database and User-Agent cache) in use.
    pub fn browsers(&self) -> &Arc<Browsers> {
        &self.browsers
    }

    /// The budget this session has on its request.
    pub fn budget(&self, session: &Session) -> Budget {
        let state = &session.request;
        let unknown;
        let browser = match &state.browser {
            Some(b) => b,
            None => {
                unknown = self.browsers.unknown();
                &unknown
            }
        };
        Budget::new(
            &self.name,
            &browser.limits,
            &self.budget,
            state.other_cookies,
            state.other_bytes,
            &state.seen,
        )
    }
}
