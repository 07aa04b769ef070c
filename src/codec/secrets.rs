//! The keys an engine signs, verifies, encrypts and decrypts with.

use hmac::Mac;

#[cfg(feature = "encrypt")]
use crate::codec::aead;
use crate::codec::key::KeyRing;
use crate::codec::{MIN_ENVELOPE, MIN_SEALED};

/// What an engine signs, verifies, encrypts and decrypts with.
#[derive(Clone, Debug)]
pub(crate) struct Secrets {
    pub(crate) signing: KeyRing,
    #[cfg(feature = "encrypt")]
    pub(crate) sealer: Option<aead::Sealer>,
}

impl Secrets {
    /// Signs with the first key of `ring`, verifies with all.
    pub(crate) fn signed(signing: KeyRing) -> Secrets {
        Secrets {
            signing,
            #[cfg(feature = "encrypt")]
            sealer: None,
        }
    }

    /// Encrypts with the first key of `sealer`, decrypts with all, and still
    /// verifies signed envelopes with `signing` (their sessions are
    /// re-issued encrypted).
    #[cfg(feature = "encrypt")]
    pub(crate) fn encrypted(signing: KeyRing, sealer: aead::Sealer) -> Secrets {
        Secrets {
            signing,
            sealer: Some(sealer),
        }
    }

    /// Whether envelopes are written encrypted.
    pub(crate) fn encrypts(&self) -> bool {
        #[cfg(feature = "encrypt")]
        {
            self.sealer.is_some()
        }
        #[cfg(not(feature = "encrypt"))]
        false
    }

    /// The bytes of the smallest envelope this writes.
    pub(crate) fn min_envelope(&self) -> usize {
        if self.encrypts() {
            MIN_SEALED
        } else {
            MIN_ENVELOPE
        }
    }

    /// How many key indices come before the signing ring's: the encryption
    /// keys, so that a signed session read by an encrypting engine counts as
    /// under an old key and is re-issued.
    pub(crate) fn signing_offset(&self) -> usize {
        #[cfg(feature = "encrypt")]
        if let Some(sealer) = &self.sealer {
            return sealer.len();
        }
        0
    }
}

/// The MAC state over what the tag covers: `len(name) || name || signed`.
pub(crate) fn mac_over(
    key: &crate::Key,
    name: &str,
    signed: &[u8],
) -> crate::codec::key::HmacSha256 {
    let mut mac = key.mac();
    // Cookie names are checked at build time to be under 256 bytes.
    mac.update(&[name.len() as u8]);
    mac.update(name.as_bytes());
    mac.update(signed);
    mac
}
