//! Signing keys and the key ring that rotates them.
//!
//! The first key of a [`KeyRing`] signs; every key verifies. To rotate, put a
//! new key first and keep the old one behind it for as long as sessions signed
//! with it may still be alive (the engine's max age). A session that only an
//! old key verifies is re-issued under the current key on its next save.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ConfigError;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// One HMAC-SHA256 signing key of at least 32 bytes.
///
/// The key's bytes are kept only as a keyed MAC state, and `Debug` never
/// prints them.
///
/// # Example
/// ```
/// use cookietin::Key;
///
/// let key = Key::try_from_bytes(b"an example key of 32 bytes or more!")?;
/// assert_eq!(format!("{key:?}"), "Key(..)");
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Key {
    // Keyed once here so each use is a cheap clone instead of re-deriving the
    // inner and outer pads.
    mac: HmacSha256,
}

impl Key {
    /// The shortest key accepted, in bytes: the output size of SHA-256.
    pub const MIN_LEN: usize = crate::error::MIN_KEY_LEN;

    /// Makes a key from secret bytes, refusing fewer than [`Key::MIN_LEN`].
    ///
    /// Generate keys with a cryptographic random generator and keep them out
    /// of source control; see `SECURITY.md`.
    ///
    /// # Example
    /// ```
    /// use cookietin::{ConfigError, Key};
    ///
    /// assert!(Key::try_from_bytes(&[1; 32]).is_ok());
    /// assert_eq!(Key::try_from_bytes(&[1; 31]).unwrap_err(), ConfigError::KeyTooShort { len: 31 });
    /// ```
    pub fn try_from_bytes(secret: &[u8]) -> Result<Key, ConfigError> {
        if secret.len() < Self::MIN_LEN {
            return Err(ConfigError::KeyTooShort { len: secret.len() });
        }
        let mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
        Ok(Key { mac })
    }

    pub(crate) fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

/// The keys an engine signs and verifies with: the first signs, all verify.
///
/// To rotate, put a new key first and keep the old one behind it for as
/// long as sessions signed with it may still be alive (the engine's max
/// age). A session that only an old key verifies is re-issued under the
/// current key on its next save.
///
/// # Example
/// ```
/// use cookietin::{Key, KeyRing};
///
/// let current = Key::try_from_bytes(&[2; 32])?;
/// let previous = Key::try_from_bytes(&[1; 32])?;
/// let ring = KeyRing::new(current).with_old_key(previous);
/// assert_eq!(ring.len(), 2);
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<Key>,
}

impl KeyRing {
    /// A ring whose only key is `current`.
    pub fn new(current: Key) -> KeyRing {
        KeyRing {
            keys: vec![current],
        }
    }

    /// Adds a retired key that still verifies but no longer signs. Older keys
    /// go last; they are tried in order.
    pub fn with_old_key(mut self, old: Key) -> KeyRing {
        self.keys.push(old);
        self
    }

    /// How many keys the ring holds (at least one).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a ring holds at least its signing key.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub(crate) fn signing(&self) -> &Key {
        &self.keys[0]
    }

    pub(crate) fn all(&self) -> &[Key] {
        &self.keys
    }
}

impl From<Key> for KeyRing {
    fn from(current: Key) -> KeyRing {
        KeyRing::new(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_key_bytes() {
        let secret = b"0123456789abcdef0123456789abcdef-secret";
        let ring = KeyRing::new(Key::try_from_bytes(secret).unwrap());
        let printed = format!("{ring:?} {:?} {ring:#?}", ring.signing());
        assert!(!printed.contains("0123456789"), "{printed}");
        assert!(!printed.contains("48, 49"), "{printed}"); // b"01" as numbers
        assert!(printed.contains("Key(..)"));
    }

    #[test]
    fn short_keys_are_refused_at_the_boundary() {
        assert_eq!(
            Key::try_from_bytes(&[0; 31]).unwrap_err(),
            ConfigError::KeyTooShort { len: 31 }
        );
        assert!(Key::try_from_bytes(&[0; 32]).is_ok());
        assert_eq!(
            Key::try_from_bytes(b"").unwrap_err(),
            ConfigError::KeyTooShort { len: 0 }
        );
    }

    #[test]
    fn first_key_signs() {
        let a = Key::try_from_bytes(&[1; 32]).unwrap();
        let b = Key::try_from_bytes(&[2; 32]).unwrap();
        let ring = KeyRing::new(a.clone()).with_old_key(b);
        let sign = |k: &Key| k.mac().chain_update(b"x").finalize().into_bytes();
        assert_eq!(sign(ring.signing()), sign(&a));
        assert_eq!(ring.all().len(), 2);
    }
}
