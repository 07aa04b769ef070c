//! The typed errors and reasons of the crate.
//!
//! Each step has its own small enum: building an [`Engine`](crate::Engine)
//! ([`ConfigError`]), reading cookies ([`EmptyReason`], which never fails a
//! request but says why the session started empty), saving ([`SaveError`])
//! and converting values ([`ValueError`]).

use std::fmt;

/// The fewest bytes a signing key may have ([`Key::MIN_LEN`](crate::Key::MIN_LEN)).
pub(crate) const MIN_KEY_LEN: usize = 32;

/// Why an [`Engine`](crate::Engine) or a [`Key`](crate::Key) could not be built.
///
/// A misconfiguration is refused when the engine is built, not discovered
/// later as a cookie the browser silently drops.
///
/// # Example
/// ```
/// use cookietin::{ConfigError, Key};
///
/// let err = Key::try_from_bytes(b"too short").unwrap_err();
/// assert_eq!(err, ConfigError::KeyTooShort { len: 9 });
/// assert_eq!(err.to_string(), "key is 9 bytes, at least 32 are required");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A signing key shorter than [`Key::MIN_LEN`](crate::Key::MIN_LEN) bytes.
    KeyTooShort {
        /// The length that was given.
        len: usize,
    },
    /// The cookie name is empty, too long, or has a character that is not an
    /// RFC 6265 token character.
    InvalidCookieName(String),
    /// A `__Secure-` or `__Host-` cookie without the `Secure` attribute.
    PrefixRequiresSecure(String),
    /// A `__Host-` cookie with a `Domain` attribute.
    HostPrefixForbidsDomain(String),
    /// A `__Host-` cookie whose `Path` is not `/`.
    HostPrefixRequiresRootPath(String),
    /// `SameSite=None` without `Secure`: browsers reject such cookies.
    SameSiteNoneRequiresSecure,
    /// A `Path` or `Domain` value that browsers would ignore or reject.
    InvalidAttribute {
        /// The attribute's name.
        attribute: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A limit that must be positive was zero, or limits contradict each other.
    InvalidLimit(&'static str),
    /// The browser-limits database could not be read.
    Limits(String),
    /// Two groups claim this session key.
    KeyClaimedTwice(String),
    /// Every group claims a list of keys: none holds the keys no list
    /// names.
    NoRestGroup,
    /// More than one group claims every other key (their cookie names).
    SeveralRestGroups(Vec<String>),
    /// An added group claims no keys (its cookie name).
    GroupClaimsNothing(String),
    /// Two groups' cookie names are equal, or one is a chunk name of the
    /// other (`session` and `session.1`).
    CookieNamesCollide(String, String),
    /// A secret given as text could not be read: `index` is its position
    /// in a comma-separated list (0 for a single secret). The message never
    /// holds the secret.
    InvalidSecret {
        /// The position of the secret in its list, from 0.
        index: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The environment variable that should hold the secrets is not set.
    MissingSecret(String),
    /// A `__Http-` or `__Host-Http-` cookie without `HttpOnly`
    /// (draft-ietf-httpbis-layered-cookies; Chrome 140 and Firefox 143
    /// drop it).
    PrefixRequiresHttpOnly(String),
    /// A `Partitioned` cookie without `Secure`: browsers reject it (CHIPS).
    PartitionedRequiresSecure,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::KeyTooShort { len } => write!(
                f,
                "key is {len} bytes, at least {} are required",
                MIN_KEY_LEN
            ),
            ConfigError::InvalidCookieName(name) => write!(f, "invalid cookie name {name:?}"),
            ConfigError::PrefixRequiresSecure(name) => {
                write!(f, "cookie {name:?} has a prefix that requires Secure")
            }
            ConfigError::PrefixRequiresHttpOnly(name) => {
                write!(f, "cookie {name:?} has a prefix that requires HttpOnly")
            }
            ConfigError::PartitionedRequiresSecure => {
                f.write_str("a Partitioned cookie requires Secure")
            }
            ConfigError::HostPrefixForbidsDomain(name) => {
                write!(
                    f,
                    "cookie {name:?} has the __Host- prefix, which forbids Domain"
                )
            }
            ConfigError::HostPrefixRequiresRootPath(name) => {
                write!(
                    f,
                    "cookie {name:?} has the __Host- prefix, which requires Path=/"
                )
            }
            ConfigError::SameSiteNoneRequiresSecure => {
                f.write_str("SameSite=None requires the Secure attribute")
            }
            ConfigError::InvalidAttribute { attribute, problem } => {
                write!(f, "invalid {attribute} attribute: {problem}")
            }
            ConfigError::InvalidLimit(what) => write!(f, "invalid limit: {what}"),
            ConfigError::Limits(why) => write!(f, "invalid browser-limits database: {why}"),
            ConfigError::KeyClaimedTwice(key) => {
                write!(f, "session key {key:?} is claimed by two groups")
            }
            ConfigError::NoRestGroup => {
                f.write_str("no group holds the keys no group claims (give one claims_rest)")
            }
            ConfigError::SeveralRestGroups(names) => {
                write!(f, "more than one group claims every other key: {names:?}")
            }
            ConfigError::GroupClaimsNothing(name) => write!(f, "group {name:?} claims no keys"),
            ConfigError::CookieNamesCollide(a, b) => {
                write!(f, "the cookie names of groups {a:?} and {b:?} collide")
            }
            ConfigError::InvalidSecret { index, problem } => {
                write!(f, "secret {index} of the list is invalid: {problem}")
            }
            ConfigError::MissingSecret(var) => {
                write!(f, "environment variable {var} is not set")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// Why a request's session cookies were rejected, so the session started empty.
///
/// Loading never fails a request: bad cookies give an empty
/// [`Session`](crate::Session) and one of these reasons, which the app may log.
/// A request that carries no session cookie at all has no reason: it is simply
/// a new session.
///
/// # Example
/// ```
/// use cookietin::{Engine, EmptyReason, Key};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[7; 32])?).build()?;
/// let session = engine.load(["session=forged"], None);
/// assert!(session.is_empty());
/// assert_eq!(session.empty_reason(), Some(&EmptyReason::Malformed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmptyReason {
    /// The value is not base64url, or too short to hold an envelope.
    Malformed,
    /// The first cookie names more chunks than the request carries.
    ChunkMissing {
        /// The index of the first missing chunk (`NAME.index`).
        index: u8,
    },
    /// The encoded value is larger than the engine accepts.
    TooLarge,
    /// No key in the ring verifies the MAC: the value was altered, moved from
    /// another cookie name, re-chunked, mixed from two saves, or signed with a
    /// key the ring no longer holds.
    BadSignature,
    /// The envelope's format version is not one this build reads.
    UnsupportedVersion(u8),
    /// The envelope sets flags this build does not know (such as a future
    /// encrypted mode).
    UnsupportedFlags(u8),
    /// The signed issued-at time is older than the engine's max age.
    Expired,
    /// The signed issued-at time lies further in the future than the allowed
    /// clock skew.
    IssuedInFuture,
    /// The payload inflates past the engine's cap.
    InflateLimit,
    /// The payload does not inflate, or is not a JSON object. Only a holder
    /// of the key can produce this.
    Corrupt,
    /// The cookie verified, but the store holds no record for its session
    /// id: the session was destroyed (a copy of a logged-out cookie), moved
    /// by a regenerate (an old id), or expired.
    RecordGone,
    /// The store did not answer (down, or slower than the deadline), so the
    /// session's data could not be read. A read-only request still answers;
    /// a save that changes the session fails with [`SaveError::Store`].
    #[cfg(feature = "store")]
    StoreUnavailable(crate::store::error::StoreError),
    /// The session was revoked: destroyed (a copy of a logged-out cookie),
    /// or issued before its user's "log out everywhere".
    Revoked,
    /// The engine keeps sessions in a store, and this session was loaded
    /// without asking it: [`Engine::load`](crate::Engine::load) instead of
    /// `Engine::load_async`.
    NotFetched,
    /// The encrypted envelope names a key id that no key of the ring has:
    /// rejected before any decryption. A key removed from the ring, or one
    /// that this server does not know yet during a deploy.
    UnknownKey,
    /// The encrypted envelope does not decrypt under the key its id names:
    /// it was altered, moved from another cookie name, re-chunked, mixed
    /// from two saves, or encrypted with another key that has the same id.
    DecryptionFailed,
}

impl fmt::Display for EmptyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmptyReason::Malformed => f.write_str("malformed session cookie"),
            EmptyReason::ChunkMissing { index } => write!(f, "session chunk {index} is missing"),
            EmptyReason::TooLarge => f.write_str("session cookies are too large"),
            EmptyReason::BadSignature => f.write_str("session signature does not verify"),
            EmptyReason::UnsupportedVersion(v) => write!(f, "unsupported format version {v}"),
            EmptyReason::UnsupportedFlags(b) => write!(f, "unsupported format flags {b:#06b}"),
            EmptyReason::Expired => f.write_str("session has expired"),
            EmptyReason::IssuedInFuture => f.write_str("session was issued in the future"),
            EmptyReason::InflateLimit => f.write_str("session inflates past the size cap"),
            EmptyReason::Corrupt => f.write_str("session payload is corrupt"),
            EmptyReason::RecordGone => f.write_str(
                "the session's record is gone from the store (destroyed, moved or expired)",
            ),
            #[cfg(feature = "store")]
            EmptyReason::StoreUnavailable(e) => write!(f, "the session store is unavailable: {e}"),
            EmptyReason::NotFetched => f.write_str("the session was loaded without its store"),
            EmptyReason::Revoked => f.write_str("the session was revoked"),
            EmptyReason::UnknownKey => f.write_str("session key id names no key"),
            EmptyReason::DecryptionFailed => f.write_str("session does not decrypt"),
        }
    }
}

impl std::error::Error for EmptyReason {}

/// Why a session could not be saved.
///
/// # Example
/// ```
/// use cookietin::{Engine, Key, SaveError};
///
/// // One 30-byte cookie can't hold even an empty session's envelope.
/// let engine = Engine::builder(Key::try_from_bytes(&[7; 32])?)
///     .max_cookie_bytes(30)
///     .max_chunks(1)
///     .build()?;
/// let mut session = cookietin::Session::new();
/// session.insert("user", &"someone with a long name")?;
/// let err = engine.save(&mut session).unwrap_err();
/// assert!(matches!(err, SaveError::DoesNotFit { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveError {
    /// The budget is too small for even an empty session's envelope, so no
    /// amount of shrinking could help. The session and the cookies the request
    /// carried are left alone.
    DoesNotFit {
        /// The encoded bytes of an empty session.
        needed: usize,
        /// The encoded bytes the budget allows.
        capacity: usize,
    },
    /// The store failed, so the session's changes were not saved; the
    /// request's cookies are left as they were. The layers answer 503.
    #[cfg(feature = "store")]
    Store(crate::store::error::StoreError),
    /// Another request destroyed the session, or regenerated its id, after
    /// this one loaded it: its changes were not saved, so a logout is never
    /// undone by a request still in flight. The layers answer 409.
    SessionGone,
    /// The operating system gave no random bytes for an encrypted
    /// session's nonce, so nothing was encrypted. The session and the
    /// cookies the request carried are left alone.
    NoRandomness,
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::DoesNotFit { needed, capacity } => write!(
                f,
                "session needs {needed} encoded bytes but the budget allows {capacity}"
            ),
            #[cfg(feature = "store")]
            SaveError::Store(e) => write!(f, "the session was not saved: {e}"),
            SaveError::SessionGone => f.write_str(
                "the session was destroyed or regenerated by another request: its changes were not saved",
            ),
            SaveError::NoRandomness => {
                f.write_str("no random bytes from the operating system for a nonce")
            }
        }
    }
}

impl std::error::Error for SaveError {}

/// A session value could not be converted to or from its Rust type.
///
/// # Example
/// ```
/// let mut session = cookietin::Session::new();
/// session.insert("count", &3)?;
/// let err = session.get::<String>("count").unwrap_err();
/// assert_eq!(err.key(), "count");
/// # Ok::<(), cookietin::ValueError>(())
/// ```
#[derive(Debug)]
pub struct ValueError {
    key: String,
    source: serde_json::Error,
}

impl ValueError {
    pub(crate) fn new(key: &str, source: serde_json::Error) -> Self {
        ValueError {
            key: key.to_owned(),
            source,
        }
    }

    /// The session key whose value failed to convert.
    pub fn key(&self) -> &str {
        &self.key
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session value {:?}: {}", self.key, self.source)
    }
}

impl std::error::Error for ValueError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
