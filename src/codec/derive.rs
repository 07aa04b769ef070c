//! Master secrets, and the keys derived from them (feature `encrypt`).

use std::fmt;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hkdf::Hkdf;
use sha2::Sha256;

use crate::codec::key::{Key, KeyRing};
use crate::codec::{KeyId, KEY_ID_LEN};
use crate::ConfigError;

/// The HKDF extract salt.
const SALT: &[u8] = b"cookietin v1 master";
/// The label of the signing key, followed by the cookie name.
const SIGN: &[u8] = b"cookietin v1 sign ";
/// The label of the encryption key, followed by the cookie name.
const ENCRYPT: &[u8] = b"cookietin v1 encrypt ";
/// The label of the key id.
const KEY_ID: &[u8] = b"cookietin v1 key id";

/// A master secret of at least 32 bytes, from which the engine derives its
/// signing and encryption keys (feature `encrypt`).
///
/// A deployment holds one secret, a [`MasterKey`], and every key the engine
/// uses is derived from it with HKDF-SHA256 (RFC 5869), one purpose label
/// each, so that a derived key that leaks gives none of the others:
///
/// | purpose | HKDF info | bytes |
/// |---|---|---|
/// | the HMAC key that signs cookie `NAME` | `cookietin v1 sign ` + `NAME` | 32 |
/// | the AES-256-GCM-SIV key that encrypts cookie `NAME` | `cookietin v1 encrypt ` + `NAME` | 32 |
/// | the key id written in encrypted envelopes | `cookietin v1 key id` | 2 |
///
/// The extract step uses the salt `cookietin v1 master`. A [`MasterRing`]
/// rotates master secrets as a [`KeyRing`] rotates signing keys: the first
/// encrypts (or signs), every one decrypts (or verifies).
///
/// Deployments hold secrets as text, so the ring loads from base64
/// ([`MasterKey::from_base64`]), from a comma-separated list of base64
/// secrets, newest first ([`MasterRing::from_base64_list`]), and from an
/// environment variable holding such a list ([`MasterRing::from_env`]).
/// No error message and no `Debug` output contains key material.
///
/// Only the HKDF state is kept, and `Debug` prints the public key id, never
/// the secret.
///
/// # Example
/// ```
/// use cookietin::MasterKey;
///
/// let master = MasterKey::from_base64("bG9hZCBtZSBmcm9tIGEgc2VjcmV0IHN0b3JlLCAzMisgYnl0ZXM")?;
/// let printed = format!("{master:?}");
/// assert!(printed.starts_with("MasterKey { id: "));
/// assert_eq!(master.key_id().to_string().len(), 4); // two bytes, in hex
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct MasterKey {
    hkdf: Hkdf<Sha256>,
    id: KeyId,
}

impl MasterKey {
    /// The shortest secret accepted, in bytes.
    pub const MIN_LEN: usize = 32;

    /// Makes a master key from secret bytes, refusing fewer than
    /// [`MasterKey::MIN_LEN`].
    ///
    /// # Example
    /// ```
    /// use cookietin::{ConfigError, MasterKey};
    ///
    /// assert!(MasterKey::try_from_bytes(&[1; 32]).is_ok());
    /// assert_eq!(
    ///     MasterKey::try_from_bytes(&[1; 16]).unwrap_err(),
    ///     ConfigError::KeyTooShort { len: 16 }
    /// );
    /// ```
    pub fn try_from_bytes(secret: &[u8]) -> Result<MasterKey, ConfigError> {
        if secret.len() < Self::MIN_LEN {
            return Err(ConfigError::KeyTooShort { len: secret.len() });
        }
        let hkdf = Hkdf::<Sha256>::new(Some(SALT), secret);
        let mut id = [0u8; KEY_ID_LEN];
        hkdf.expand(KEY_ID, &mut id)
            .expect("HKDF-SHA256 gives up to 8160 bytes");
        Ok(MasterKey {
            hkdf,
            id: KeyId(id),
        })
    }

    /// Makes a master key from base64 text (standard or URL-safe alphabet,
    /// padded or not; white space around it is ignored) of at least 32 bytes.
    ///
    /// # Example
    /// ```
    /// use cookietin::{ConfigError, MasterKey};
    ///
    /// // 32 bytes, as `cookietin keygen` or `openssl rand -base64 32` print them.
    /// assert!(MasterKey::from_base64("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=").is_ok());
    /// assert!(matches!(MasterKey::from_base64("not base64!"), Err(ConfigError::InvalidSecret { .. })));
    /// ```
    pub fn from_base64(text: &str) -> Result<MasterKey, ConfigError> {
        Self::from_base64_at(text, 0)
    }

    fn from_base64_at(text: &str, index: usize) -> Result<MasterKey, ConfigError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ConfigError::InvalidSecret {
                index,
                problem: "empty",
            });
        }
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .ok_or(ConfigError::InvalidSecret {
                index,
                problem: "not base64",
            })?;
        Self::try_from_bytes(&bytes)
    }

    /// The public id of this key, written in every envelope it encrypts so
    /// that a load tries only the key it names.
    ///
    /// # Example
    /// ```
    /// use cookietin::MasterKey;
    ///
    /// let a = MasterKey::try_from_bytes(&[1; 32])?;
    /// let b = MasterKey::try_from_bytes(&[2; 32])?;
    /// assert_ne!(a.key_id(), b.key_id());
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The HMAC signing key this master derives for cookie `name`, for an
    /// engine that signs (see [`MasterRing::signing_ring`]).
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, MasterKey};
    ///
    /// let master = MasterKey::try_from_bytes(&[3; 32])?;
    /// let engine = Engine::builder(master.signing_key("session")).build()?;
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn signing_key(&self, name: &str) -> Key {
        let mut okm = [0u8; 32];
        self.hkdf
            .expand_multi_info(&[SIGN, name.as_bytes()], &mut okm)
            .expect("HKDF-SHA256 gives up to 8160 bytes");
        Key::try_from_bytes(&okm).expect("32 bytes")
    }

    /// The AES-256-GCM-SIV key this master derives for cookie `name`.
    pub(crate) fn encryption_key(&self, name: &str) -> [u8; 32] {
        let mut okm = [0u8; 32];
        self.hkdf
            .expand_multi_info(&[ENCRYPT, name.as_bytes()], &mut okm)
            .expect("HKDF-SHA256 gives up to 8160 bytes");
        okm
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).finish()
    }
}

/// The master keys of an engine: the first encrypts, all decrypt
/// (feature `encrypt`).
///
/// To rotate, put the new secret first and keep the old one behind it for
/// the engine's max age: sessions an old key decrypts are re-issued under
/// the first on their next save.
///
/// # Example
/// ```
/// use cookietin::MasterRing;
///
/// // As a deployment holds it: base64 secrets, newest first.
/// let ring = MasterRing::from_base64_list(
///     "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=, AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
/// )?;
/// assert_eq!(ring.len(), 2);
/// # Ok::<(), cookietin::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MasterRing {
    keys: Vec<MasterKey>,
}

impl MasterRing {
    /// A ring whose only key is `current`.
    pub fn new(current: MasterKey) -> MasterRing {
        MasterRing {
            keys: vec![current],
        }
    }

    /// Adds a retired key that still decrypts but no longer encrypts. Older
    /// keys go last.
    ///
    /// # Example
    /// ```
    /// use cookietin::{MasterKey, MasterRing};
    ///
    /// let ring = MasterRing::new(MasterKey::try_from_bytes(&[2; 32])?)
    ///     .with_old_key(MasterKey::try_from_bytes(&[1; 32])?);
    /// assert_eq!(ring.len(), 2);
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn with_old_key(mut self, old: MasterKey) -> MasterRing {
        self.keys.push(old);
        self
    }

    /// A ring from a comma-separated list of base64 secrets, the current one
    /// first. White space around each is ignored. An error names the
    /// position of the bad secret (from 0), never its text.
    ///
    /// # Example
    /// ```
    /// use cookietin::{ConfigError, MasterRing};
    ///
    /// let err = MasterRing::from_base64_list("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=,,").unwrap_err();
    /// assert_eq!(err, ConfigError::InvalidSecret { index: 1, problem: "empty" });
    /// ```
    pub fn from_base64_list(list: &str) -> Result<MasterRing, ConfigError> {
        let mut keys = Vec::new();
        for (index, item) in list.split(',').enumerate() {
            keys.push(MasterKey::from_base64_at(item, index)?);
        }
        Ok(MasterRing { keys })
    }

    /// A ring from the environment variable `var`, which holds a
    /// comma-separated list of base64 secrets (see
    /// [`from_base64_list`](MasterRing::from_base64_list)).
    ///
    /// # Example
    /// ```
    /// use cookietin::{ConfigError, MasterRing};
    ///
    /// let err = MasterRing::from_env("COOKIETIN_EXAMPLE_UNSET_VARIABLE").unwrap_err();
    /// assert_eq!(err, ConfigError::MissingSecret("COOKIETIN_EXAMPLE_UNSET_VARIABLE".into()));
    /// ```
    pub fn from_env(var: &str) -> Result<MasterRing, ConfigError> {
        match std::env::var(var) {
            Ok(list) => Self::from_base64_list(&list),
            Err(std::env::VarError::NotPresent) => Err(ConfigError::MissingSecret(var.to_owned())),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::InvalidSecret {
                index: 0,
                problem: "not UTF-8",
            }),
        }
    }

    /// How many keys the ring holds (at least one).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a ring holds at least its current key.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The keys, the current one first.
    pub fn keys(&self) -> &[MasterKey] {
        &self.keys
    }

    /// The signing keys these masters derive for cookie `name`, in the same
    /// order: for a signing engine that shares its secrets with encrypted
    /// ones, or that will move to encryption later.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, MasterKey, MasterRing};
    ///
    /// let ring = MasterRing::new(MasterKey::try_from_bytes(&[4; 32])?);
    /// let engine = Engine::builder(ring.signing_ring("sid")).cookie_name("sid").build()?;
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn signing_ring(&self, name: &str) -> KeyRing {
        let mut keys = self.keys.iter().map(|k| k.signing_key(name));
        let mut ring = KeyRing::new(keys.next().expect("a ring holds a key"));
        for key in keys {
            ring = ring.with_old_key(key);
        }
        ring
    }
}

impl From<MasterKey> for MasterRing {
    fn from(current: MasterKey) -> MasterRing {
        MasterRing::new(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-secret";

    #[test]
    fn debug_never_shows_key_bytes() {
        let ring = MasterRing::new(MasterKey::try_from_bytes(SECRET).unwrap());
        let printed = format!("{ring:?} {ring:#?} {:?}", ring.keys()[0]);
        assert!(!printed.contains("0123456789"), "{printed}");
        assert!(!printed.contains("48, 49"), "{printed}"); // b"01" as numbers
        assert!(!printed.contains("[48"), "{printed}");
        assert!(printed.contains(&ring.keys()[0].key_id().to_string()));
        let b64 = URL_SAFE_NO_PAD.encode(SECRET);
        let errors = [
            MasterRing::from_base64_list(&format!("{b64},{}", &b64[..20])).unwrap_err(),
            MasterRing::from_base64_list(&format!("{b64},{b64}!")).unwrap_err(),
        ];
        for e in errors {
            let text = format!("{e} {e:?}");
            assert!(!text.contains(&b64[..20]), "{text}");
        }
    }

    #[test]
    fn base64_in_every_alphabet_gives_the_same_key() {
        let bytes: Vec<u8> = (0..48u8).map(|i| i.wrapping_mul(37) ^ 0xfb).collect();
        let ids: Vec<KeyId> = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .map(|e| {
                MasterKey::from_base64(&format!(" {}\n", e.encode(&bytes)))
                    .unwrap()
                    .key_id()
            })
            .collect();
        let raw = MasterKey::try_from_bytes(&bytes).unwrap().key_id();
        assert!(ids.iter().all(|&id| id == raw), "{ids:?}");
    }

    #[test]
    fn short_and_bad_secrets_are_refused() {
        let short = URL_SAFE_NO_PAD.encode([1u8; 31]);
        assert_eq!(
            MasterKey::from_base64(&short).unwrap_err(),
            ConfigError::KeyTooShort { len: 31 }
        );
        assert_eq!(
            MasterRing::from_base64_list("").unwrap_err(),
            ConfigError::InvalidSecret {
                index: 0,
                problem: "empty"
            }
        );
        let good = URL_SAFE_NO_PAD.encode([1u8; 32]);
        assert_eq!(
            MasterRing::from_base64_list(&format!("{good}, {good} ,%%")).unwrap_err(),
            ConfigError::InvalidSecret {
                index: 2,
                problem: "not base64"
            }
        );
        assert_eq!(
            MasterRing::from_base64_list(&format!("{good}, {good} "))
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn purposes_and_names_derive_different_keys() {
        let master = MasterKey::try_from_bytes(SECRET).unwrap();
        let a = master.encryption_key("session");
        let b = master.encryption_key("other");
        assert_ne!(a, b);
        // The signing key is not the encryption key: sign a message with
        // the derived signing key and with the encryption key's bytes.
        let sign = |k: &Key| {
            use hmac::Mac;
            k.mac().chain_update(b"x").finalize().into_bytes()
        };
        let as_signing = Key::try_from_bytes(&a).unwrap();
        assert_ne!(sign(&master.signing_key("session")), sign(&as_signing));
        assert_ne!(
            sign(&master.signing_key("session")),
            sign(&master.signing_key("other"))
        );
        // Deterministic: the same secret derives the same keys.
        let again = MasterKey::try_from_bytes(SECRET).unwrap();
        assert_eq!(again.encryption_key("session"), a);
        assert_eq!(again.key_id(), master.key_id());
    }

    #[test]
    fn derivation_matches_rfc_5869_hkdf_sha256() {
        // The key id is HKDF-SHA256(salt, ikm, info)[..2]: recompute it with
        // HMAC directly (RFC 5869, one block of output).
        use hmac::{Hmac, Mac};
        let mut extract = Hmac::<Sha256>::new_from_slice(SALT).unwrap();
        extract.update(SECRET);
        let prk = extract.finalize().into_bytes();
        let mut expand = Hmac::<Sha256>::new_from_slice(&prk).unwrap();
        expand.update(KEY_ID);
        expand.update(&[1]);
        let t1 = expand.finalize().into_bytes();
        let id = MasterKey::try_from_bytes(SECRET).unwrap().key_id();
        assert_eq!(id.as_bytes(), &t1[..2]);
    }
}
