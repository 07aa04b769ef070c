//! A web session kept on the client: signed (or encrypted), compressed, and
//! spread over as many numbered cookies as the visiting browser will really
//! keep and the server in front will really accept.
//!
//! An [`Engine`] holds one layout, chosen when it is built: the data in
//! the cookies; in a store, with a signed id in the cookie; in the cookies
//! with what they can't hold overflowing into a store; or groups of these,
//! each with its own cookies. Its flavour says, by type, whether `load` and
//! `save` are synchronous ([`Client`]: every part in cookies) or `async`
//! ([`Stored`]: some part may touch a store).
//!
//! Each request takes the same two walks:
//!
//! ```text
//! load:  Cookie header(s) + User-Agent
//!          -> browser (woothee -> identity, cached) -> limits
//!          -> chunks  (gather NAME, NAME.1, ...; check the count)
//!          -> codec   (base64url -> verify MAC or decrypt -> inflate, capped -> JSON)
//!          -> stores  (a stored engine: only for a verified id, one call each)
//!          -> Session (+ why it is empty, if it is)
//! save:  Session (which remembers its request)
//!          -> stores  (a stored engine: only the keys this request changed)
//!          -> budget  (per-cookie bytes, cookies left for the site, header bytes left)
//!          -> codec   (JSON -> deflate if smaller -> envelope -> MAC or AEAD -> base64url)
//!          -> shrink  (callbacks, then moves into an overflow store, then drops, until it fits)
//!          -> chunks  (split; removals first; expire stale ones)
//!          -> Set-Cookie values
//! ```
//!
//! `ARCHITECTURE.md` names the files of each step. The wire format is
//! described in [`codec`]; frameworks' adapters are in [`integrations`];
//! the stores (feature `store`) in `store`.
//!
//! By default the session is signed, not encrypted: the client can read its
//! contents. With the `encrypt` feature, `Engine::encrypted` (or
//! `EngineBuilder::encrypt`) encrypts it with AES-256-GCM-SIV under keys
//! derived from master secrets (`MasterKey`, `MasterRing`), and the cookies
//! then reveal nothing but their size, the issued-at time and the key id.
//!
//! # Example
//! ```
//! use cookietin::{Engine, Key};
//!
//! let engine = Engine::builder(Key::try_from_bytes(b"a secret of at least thirty-two bytes")?)
//!     .build()?;
//! let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
//!
//! let mut session = engine.load(["theme=dark"], Some(chrome));
//! session.insert("cart", &vec!["apple", "pear"])?;
//! let saved = engine.save(&mut session)?;
//! for set_cookie in &saved.set_cookies {
//!     // response.headers_mut().append("set-cookie", set_cookie.parse()?);
//!     assert!(set_cookie.starts_with("session="));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None is on by default: the client-side session needs none of them, and
//! a build without features pulls in none of their dependencies. The core
//! needs Rust 1.88 (`rust-version`); a feature that needs more says so.
//!
//! - `tower`: `integrations::tower::SessionLayer`, a tower `Layer` over
//!   `http::Request`/`http::Response` (pulls in `tower` and
//!   `pin-project-lite`, which tower uses itself);
//! - `axum`: `tower`, plus [`SessionHandle`], [`TypedSession`] and
//!   [`Flash`] as axum extractors and the errors as axum responses (pulls
//!   in `axum`);
//! - `actix`: actix-web 4 middleware, the same extractors and
//!   `ResponseError`s (pulls in `actix-web`, which needs Rust 1.89, and
//!   `pin-project-lite`; names `actix-http`, which actix-web pulls in);
//! - `store`: server-side stores: the `store::Store` trait and its
//!   contract kit, `store::MemoryStore` and the `store::Deadline` wrapper
//!   (adds `tokio` with its `time` and `sync` features);
//! - `redb` (implies `store`): `store::RedbStore`, an embedded, persistent
//!   store with group commit, on the `redb` crate (which needs Rust 1.90);
//! - `redis` (implies `store`): `store::RedisStore`, for Redis 6.2+ and
//!   Redis Cluster, on the `redis` crate with its connection manager (which
//!   needs Rust 1.88);
//! - `postgres` (implies `store`): `store::PostgresStore`, for PostgreSQL
//!   12+, on `sqlx` 0.8 (no default features, no TLS);
//! - `sqlite` (implies `store`): `store::SqliteStore`, a SQLite file, on
//!   `sqlx` 0.8 with SQLite bundled;
//! - `encrypt`: encrypted sessions: `Engine::encrypted`,
//!   `EngineBuilder::encrypt`, `MasterKey`, `MasterRing` and
//!   `EnvelopeView::decrypt` (pulls in `aes-gcm-siv`, `hkdf` and
//!   `getrandom`);
//! - `zstd`: reads sessions compressed with zstd (compression id 2), and
//!   writes them once `EngineBuilder::zstd(true)` is set: sessions of 256
//!   bytes of JSON and more then compress in 0.2 to 0.7 of deflate's time
//!   for about the same bytes (pulls in `zstd-safe`, which builds libzstd
//!   from its C sources: a C compiler is needed, and for wasm32 a C
//!   toolchain for wasm);
//! - `cli` (implies `encrypt`): the `cookietin` command, which inspects,
//!   signs and budgets sessions (pulls in `clap`);
//! - `tracing`: spans and events through the `tracing` crate (see
//!   [Tracing](#tracing-feature-tracing) below; pulls in `tracing`, without
//!   its default features);
//! - `test-util`: `testing::TestJar`, a cookie jar that behaves like a
//!   named browser of the limits database, for handler tests; with `tower`
//!   it drives any tower service (`TestJar::send`), with `actix` an
//!   `actix_web::test` service (`TestJar::send_actix`). Pulls in nothing.
//!
//! Typed sessions ([`TypedSession`], [`SessionValue`]) and flash messages
//! ([`Flash`]) need no feature: they work on any [`SessionHandle`], and
//! the `axum` and `actix` features make them extractors.
//!
//! # Seeing what a session lost
//!
//! A session that does not fit its budget is shrunk, and a key may be
//! dropped. Every save's [`SaveReport`] lists what went
//! ([`SaveReport::is_lossy`], [`SaveReport::lost_keys`]), and it reaches
//! you wherever you look:
//!
//! - a handler, before it answers: [`SessionHandle::will_keep_whole`], or
//!   [`SessionHandle::preview`] for the details;
//! - the app, on every save that lost something: [`EngineBuilder::on_loss`];
//! - middleware inside the session layer: [`SessionHandle::on_saved`] and
//!   [`SessionHandle::saved`]; outside it, the [`SaveOutcome`] in the
//!   response's extensions;
//! - the logs, with the feature `tracing`: a WARN for each key dropped or
//!   moved to fit.
//!
//! # Tracing (feature `tracing`)
//!
//! Targets start with `cookietin`, so `RUST_LOG=cookietin=debug` (with
//! `tracing-subscriber`'s `EnvFilter`) shows them all.
//!
//! | level | span or event | fields |
//! |---|---|---|
//! | DEBUG | span `load`, event `loaded` | `layout`, `cookie`; `chunks`, `bytes`, `keys`, `empty_reason`, `store_reason`, `browser` |
//! | DEBUG | span `save`, event `saved` | `layout`, `cookie`; `action`, `reason`, `chunks`, `value_bytes`, `header_bytes`, `set_cookie_bytes`, `json_bytes`, `deflated`, `binding`, `capacity`, `shrink_steps`, `dropped`, `moved`, `full_encodes`, `expired`, `elapsed_us`; or `error_kind`, `error` |
//! | DEBUG | event `store call` | `op` (`load`, `create`, `update`, ...), `elapsed_us` |
//! | DEBUG | event `shrink callback ran` | `cookie`, `keys` (the names it was registered for), `last`, `json_before`, `json_after` |
//! | WARN | event `session key dropped to fit` | `cookie`, `key`, `json_bytes` |
//! | WARN | event `session key moved to the overflow store to fit` | `cookie`, `key`, `json_bytes` |
//! | WARN | event `no room for the session` | `cookie`, `dropped` |
//! | WARN | event `overflow store unavailable while shrinking` | `cookie` |
//! | WARN | event `store call failed` | `op`, `elapsed_us`, `error_kind`, `error` |
//! | WARN | event `session not saved` | `error_kind`, `error` |
//! | TRACE | event `group saved` (groups only) | `cookie`, `action`, `chunks`, `value_bytes`, `binding`, `dropped`, `moved` |
//!
//! Never traced: a session value, a session id or record key, a cookie
//! value, a signing or encryption key. Session key names and cookie names
//! are. Tests capture every span and event at TRACE level over every
//! layout, and every demo run of the test suite at TRACE level, and fail
//! if one of those appears.
//! Without the feature, nothing is traced and no dependency is pulled in.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// docs.rs builds with every feature and `--cfg docsrs`: each item then
// shows the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod browser;
pub mod codec;
mod data;
mod engine;
mod error;
mod fit;
mod flash;
mod handle;
pub mod integrations;
mod outcome;
mod session;
#[cfg(feature = "store")]
pub mod store;
#[cfg(feature = "test-util")]
pub mod testing;
mod trace;
mod typed;

pub use browser::agent::{identify, Identity};
pub use browser::limits::{BrowserLimits, Counted, LimitsDb, LimitsError, PartitionLimits};
pub use browser::{Browser, Browsers};
#[cfg(feature = "encrypt")]
pub use codec::derive::{MasterKey, MasterRing};
pub use codec::key::{Key, KeyRing};
pub use data::SessionData;
pub use engine::builder::group::Group;
pub use engine::builder::EngineBuilder;
pub use engine::flavour::{Client, Flavour, Stored};
pub use engine::jar::attributes::SameSite;
pub use engine::layout::Placement;
pub use engine::report::{SaveAction, SaveReason, SaveReport, Saved};
#[cfg(feature = "store")]
pub use engine::steps::index::device::Device;
pub use engine::{Engine, Loading};
pub use error::{ConfigError, EmptyReason, SaveError, ValueError};
pub use fit::budget::{Binding, Budget, DEFAULT_HEADER_BUDGET, DEFAULT_HEADER_LIMIT};
pub use fit::shrink::{ShrinkFn, ShrinkReport, ShrinkStep};
pub use flash::{Flash, FlashLevel, FlashMessage};
pub use handle::{SavePreview, SessionHandle};
pub use outcome::{SaveOutcome, WhenSaved};
pub use session::Session;
pub use typed::{Loaded, SessionValue, TypedSession};

/// The README's examples, compiled and run as doctests (they use the axum
/// and actix layers, so with the README's `cargo test --all-features`).
#[doc = include_str!("../README.md")]
#[cfg(all(
    doctest,
    feature = "axum",
    feature = "actix",
    feature = "redb",
    feature = "test-util"
))]
pub struct ReadmeDoctests;
