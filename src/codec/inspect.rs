//! Reading an envelope without an engine: what its header says, and its
//! payload once a key verifies or decrypts it. For tools (the `cookietin`
//! command), logs and support, not for loading sessions: a view checks no
//! time and no budget, and leaves those judgements to its caller.
//!
//! # Example
//! ```
//! use cookietin::codec::inspect::EnvelopeView;
//! use cookietin::{Engine, Key, KeyRing};
//!
//! let key = Key::try_from_bytes(&[5; 32])?;
//! let engine = Engine::builder(key.clone()).build()?;
//! let mut session = engine.load(Vec::<&str>::new(), None);
//! session.insert("user", &"ada")?;
//! let line = engine.save(&mut session)?.set_cookies.remove(0);
//! let value = line.split(';').next().unwrap().strip_prefix("session=").unwrap();
//!
//! let view = EnvelopeView::decode([value])?;
//! assert_eq!((view.version(), view.chunks(), view.is_encrypted()), (2, 1, false));
//! // Anyone can read a signed session; only the key tells whether it is genuine.
//! assert_eq!(view.unverified_data(1 << 20)?.get::<String>("user")?.as_deref(), Some("ada"));
//! let opened = view.verify("session", &KeyRing::new(key), 1 << 20)?;
//! assert_eq!(opened.key_index, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::codec::key::KeyRing;
use crate::codec::{
    self, Compression, Header, KeyId, Secrets, FLAG_DEFLATE, FLAG_ENCRYPTED, FLAG_ID, FLAG_ZSTD,
    HEADER_LEN, KEY_ID_LEN, MIN_ENVELOPE, MIN_SEALED, NONCE_LEN, SEALED_PREFIX, TAG_LEN,
};
use crate::{EmptyReason, SessionData};

/// The chunk index that cookie `name` stands for among the chunks of the
/// session cookie `base` (`base` is 0, `base.1` is 1, ...), if it is one.
///
/// # Example
/// ```
/// use cookietin::codec::inspect::chunk_index;
///
/// assert_eq!(chunk_index("session", "session"), Some(0));
/// assert_eq!(chunk_index("session", "session.2"), Some(2));
/// assert_eq!(chunk_index("session", "session.02"), None);
/// assert_eq!(chunk_index("session", "theme"), None);
/// ```
pub fn chunk_index(base: &str, name: &str) -> Option<u8> {
    crate::codec::chunk_names::chunk_index(base, name)
}

/// The values of the session cookie `base`'s chunks among `cookies`
/// (`(name, value)` pairs in the order sent), in chunk order: the first
/// copy of each chunk name, as many chunks as the first one's header says.
///
/// # Errors
/// [`EmptyReason::ChunkMissing`] when a chunk is missing (index 0: no
/// session cookie at all); the first chunk's header errors as
/// [`EnvelopeView::decode`] gives them.
///
/// # Example
/// ```
/// use cookietin::codec::inspect::session_chunks;
/// use cookietin::EmptyReason;
///
/// // "EAIAAAAA" is a header of version 1 that names 2 chunks.
/// let cookies = [("theme", "dark"), ("session.1", "BBBB"), ("session", "EAIAAAAA")];
/// assert_eq!(session_chunks("session", cookies)?, ["EAIAAAAA", "BBBB"]);
/// assert_eq!(
///     session_chunks("session", [("session", "EAIAAAAA")]).unwrap_err(),
///     EmptyReason::ChunkMissing { index: 1 }
/// );
/// # Ok::<(), EmptyReason>(())
/// ```
pub fn session_chunks<'a, I>(base: &str, cookies: I) -> Result<Vec<&'a str>, EmptyReason>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut firsts: Vec<Option<&'a str>> = vec![None; crate::codec::MAX_CHUNKS];
    for (name, value) in cookies {
        if let Some(index) = chunk_index(base, name) {
            firsts[usize::from(index)].get_or_insert(value);
        }
    }
    let first = firsts[0].ok_or(EmptyReason::ChunkMissing { index: 0 })?;
    let count = usize::from(header_of(first)?.chunks);
    (0..count)
        .map(|i| firsts[i].ok_or(EmptyReason::ChunkMissing { index: i as u8 }))
        .collect()
}

/// An envelope decoded from its chunks, its header read but nothing
/// verified.
///
/// # Example
/// ```
/// use cookietin::codec::inspect::EnvelopeView;
/// use cookietin::EmptyReason;
///
/// assert_eq!(EnvelopeView::decode(["not an envelope"]).unwrap_err(), EmptyReason::Malformed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeView {
    bytes: Vec<u8>,
    header: Header,
}

/// A payload that a key verified or decrypted.
///
/// # Example
/// ```
/// use cookietin::codec::inspect::Opened;
///
/// fn user(opened: &Opened) -> Option<String> {
///     opened.data.get("user").ok().flatten()
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Opened {
    /// The index, in the ring given, of the key that verified or decrypted it.
    pub key_index: usize,
    /// The session.
    pub data: SessionData,
}

/// The header at the start of a first chunk, read as this module reads
/// envelopes: whatever the build's features, an encrypted one too.
fn header_of(first: &str) -> Result<Header, EmptyReason> {
    let bytes = codec::raw_header(first).ok_or(EmptyReason::Malformed)?;
    check_header(&bytes)
}

fn check_header(bytes: &[u8]) -> Result<Header, EmptyReason> {
    Header::parse_known(bytes, FLAG_DEFLATE | FLAG_ID | FLAG_ENCRYPTED | FLAG_ZSTD)
}

impl EnvelopeView {
    /// Decodes the chunks' values, in chunk order (`NAME`, `NAME.1`, ...),
    /// and reads the header. Checks the format version, the flags and the
    /// length, and that every chunk but the last is a whole number of base64
    /// quanta, as a load does.
    ///
    /// # Example
    /// ```
    /// use cookietin::codec::inspect::EnvelopeView;
    /// use cookietin::EmptyReason;
    ///
    /// // Version 3 is not one this build reads.
    /// assert_eq!(
    ///     EnvelopeView::decode(["MQEAAAAAe30AAAAAAAAAAAAAAAAAAAAA"]).unwrap_err(),
    ///     EmptyReason::UnsupportedVersion(3)
    /// );
    /// ```
    pub fn decode<'v, I>(chunks: I) -> Result<EnvelopeView, EmptyReason>
    where
        I: IntoIterator<Item = &'v str>,
    {
        let mut bytes = Vec::new();
        let mut chunks = chunks.into_iter().peekable();
        while let Some(chunk) = chunks.next() {
            if chunks.peek().is_some() && chunk.len() % 4 != 0 {
                return Err(EmptyReason::Malformed);
            }
            URL_SAFE_NO_PAD
                .decode_vec(chunk, &mut bytes)
                .map_err(|_| EmptyReason::Malformed)?;
        }
        if bytes.len() < HEADER_LEN {
            return Err(EmptyReason::Malformed);
        }
        let header = check_header(&bytes)?;
        let min = if header.flags & FLAG_ENCRYPTED != 0 {
            MIN_SEALED
        } else {
            MIN_ENVELOPE
        };
        if bytes.len() < min {
            return Err(EmptyReason::Malformed);
        }
        Ok(EnvelopeView { bytes, header })
    }

    /// The format version: 2, or 1 for a cookie written before format 2.
    pub fn version(&self) -> u8 {
        self.bytes[0] >> 4
    }

    /// The flags, the low four bits of the first byte.
    pub fn flags(&self) -> u8 {
        self.header.flags
    }

    /// Whether the payload is deflated (compression id 1).
    pub fn is_deflated(&self) -> bool {
        self.header.compression == Compression::Deflate
    }

    /// Whether the payload is a zstd frame (compression id 2, written with
    /// the `zstd` feature). A build without the feature reads its header
    /// but not its data.
    pub fn is_zstd(&self) -> bool {
        self.header.compression == Compression::Zstd
    }

    /// Whether the envelope is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.header.flags & FLAG_ENCRYPTED != 0
    }

    /// How many chunks the header says the value is spread over.
    pub fn chunks(&self) -> u8 {
        self.header.chunks
    }

    /// When the envelope says it was issued, in seconds since the Unix
    /// epoch. Unverified until a key verified or decrypted it.
    pub fn issued_at(&self) -> u32 {
        self.header.issued_at
    }

    /// The id of the master key an encrypted envelope names.
    pub fn key_id(&self) -> Option<KeyId> {
        self.is_encrypted()
            .then(|| KeyId([self.bytes[HEADER_LEN], self.bytes[HEADER_LEN + 1]]))
    }

    /// The encrypted envelope's nonce.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.is_encrypted()
            .then(|| &self.bytes[HEADER_LEN + KEY_ID_LEN..HEADER_LEN + KEY_ID_LEN + NONCE_LEN])
    }

    /// The envelope's length in bytes, decoded.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: an envelope holds at least its header and tag.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bytes of the payload (deflated or not; encrypted or not), without
    /// the header, key id, nonce and tag.
    pub fn payload_len(&self) -> usize {
        self.payload_range().len()
    }

    fn payload_range(&self) -> std::ops::Range<usize> {
        let start = if self.is_encrypted() {
            SEALED_PREFIX
        } else {
            HEADER_LEN
        };
        start..self.bytes.len() - TAG_LEN
    }

    /// The session a signed envelope carries, read without checking its
    /// tag: anyone holding the cookie can do this, which is why signed
    /// sessions must hold nothing the user may not see. Inflates at most
    /// `max_json` bytes.
    ///
    /// # Errors
    /// [`EmptyReason::UnsupportedFlags`] for an encrypted envelope, whose
    /// payload only a key opens; [`EmptyReason::InflateLimit`] and
    /// [`EmptyReason::Corrupt`] as a load gives them.
    pub fn unverified_data(&self, max_json: usize) -> Result<SessionData, EmptyReason> {
        if self.is_encrypted() {
            return Err(EmptyReason::UnsupportedFlags(self.header.flags));
        }
        self.open_payload(&self.bytes[self.payload_range()], max_json)
    }

    /// The data of an authenticated (or unverified) payload: after the
    /// session id under flag `ID`, inflated at most to `max_json` bytes.
    fn open_payload(&self, payload: &[u8], max_json: usize) -> Result<SessionData, EmptyReason> {
        let (payload, _id) = codec::split_id(payload, self.header.flags)?;
        codec::parse_payload(payload, self.header.compression, max_json, &mut Vec::new())
    }

    /// Checks a signed envelope's tag for cookie `name` under each key of
    /// `keys`, then opens it (inflating at most `max_json` bytes). The time
    /// is not checked: compare [`issued_at`](EnvelopeView::issued_at) with
    /// your max age.
    ///
    /// # Errors
    /// [`EmptyReason::BadSignature`] when no key verifies it;
    /// [`EmptyReason::UnsupportedFlags`] for an encrypted envelope.
    pub fn verify(
        &self,
        name: &str,
        keys: &KeyRing,
        max_json: usize,
    ) -> Result<Opened, EmptyReason> {
        let mut bytes = self.bytes.clone();
        let verified = codec::verify(&mut bytes, name, &Secrets::signed(keys.clone()))?;
        let data = self.open_payload(&bytes[verified.payload], max_json)?;
        Ok(Opened {
            key_index: verified.key_index,
            data,
        })
    }

    /// Decrypts an encrypted envelope for cookie `name` with the ring's key
    /// that its key id names (feature `encrypt`), then opens it (inflating
    /// at most `max_json` bytes). The time is not checked.
    ///
    /// # Errors
    /// [`EmptyReason::UnknownKey`] when no key of the ring has the
    /// envelope's key id; [`EmptyReason::DecryptionFailed`] when it does
    /// not decrypt (altered, another cookie name, another key with the same
    /// id); [`EmptyReason::UnsupportedFlags`] for a signed envelope.
    ///
    /// # Example
    /// ```
    /// use cookietin::codec::inspect::EnvelopeView;
    /// use cookietin::{Engine, Key, MasterKey, MasterRing};
    ///
    /// let ring = MasterRing::new(MasterKey::try_from_bytes(&[6; 32])?);
    /// let engine = Engine::encrypted(ring.clone()).build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("user", &"ada")?;
    /// let line = engine.save(&mut session)?.set_cookies.remove(0);
    /// let value = line.split(';').next().unwrap().strip_prefix("session=").unwrap();
    ///
    /// let view = EnvelopeView::decode([value])?;
    /// assert_eq!(view.key_id(), Some(ring.keys()[0].key_id()));
    /// assert!(view.unverified_data(1 << 20).is_err()); // nothing to read without the key
    /// let opened = view.decrypt("session", &ring, 1 << 20)?;
    /// assert_eq!(opened.data.get::<String>("user")?.as_deref(), Some("ada"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "encrypt")]
    pub fn decrypt(
        &self,
        name: &str,
        ring: &crate::MasterRing,
        max_json: usize,
    ) -> Result<Opened, EmptyReason> {
        if !self.is_encrypted() {
            return Err(EmptyReason::UnsupportedFlags(self.header.flags));
        }
        let mut bytes = self.bytes.clone();
        let sealer = codec::aead::Sealer::new(ring, name);
        let secrets = Secrets::encrypted(ring.signing_ring(name), sealer);
        let verified = codec::verify(&mut bytes, name, &secrets)?;
        let data = self.open_payload(&bytes[verified.payload], max_json)?;
        Ok(Opened {
            key_index: verified.key_index,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::VERSION;

    #[test]
    fn short_zero_count_and_unknown_flags_are_refused() {
        let mut bytes = vec![VERSION << 4, 1, 0, 0, 0, 0];
        bytes.extend_from_slice(b"{}");
        bytes.extend_from_slice(&[0; TAG_LEN]);
        let encode = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        assert!(EnvelopeView::decode([encode(&bytes).as_str()]).is_ok());
        let short = encode(&bytes[..bytes.len() - 1]);
        assert_eq!(
            EnvelopeView::decode([short.as_str()]).unwrap_err(),
            EmptyReason::Malformed
        );
        let mut zero = bytes.clone();
        zero[1] = 0;
        assert_eq!(
            EnvelopeView::decode([encode(&zero).as_str()]).unwrap_err(),
            EmptyReason::Malformed
        );
        // Compression id 3 is reserved; bit 3 was reserved in version 1.
        let mut flags = bytes.clone();
        flags[0] |= 0b1001;
        assert_eq!(
            EnvelopeView::decode([encode(&flags).as_str()]).unwrap_err(),
            EmptyReason::UnsupportedFlags(0b1001)
        );
        flags[0] = 1 << 4 | 0b1000;
        assert_eq!(
            EnvelopeView::decode([encode(&flags).as_str()]).unwrap_err(),
            EmptyReason::UnsupportedFlags(0b1000)
        );
        // Compression id 2 (zstd) and a session id: read in every build.
        flags[0] = 2 << 4 | 0b1000 | FLAG_ID;
        let view = EnvelopeView::decode([encode(&flags).as_str()]).unwrap();
        assert!(view.is_zstd() && !view.is_deflated());
        // An encrypted envelope must hold a key id and a nonce.
        let mut sealed = bytes.clone();
        sealed[0] |= FLAG_ENCRYPTED;
        assert_eq!(
            EnvelopeView::decode([encode(&sealed).as_str()]).unwrap_err(),
            EmptyReason::Malformed
        );
        sealed.resize(MIN_SEALED, 7);
        let view = EnvelopeView::decode([encode(&sealed).as_str()]).unwrap();
        assert_eq!(view.key_id(), Some(KeyId([b'{', b'}'])));
        assert_eq!(view.nonce().unwrap().len(), NONCE_LEN);
        assert_eq!(view.payload_len(), 2);
    }

    #[test]
    fn misaligned_middle_chunk_is_malformed() {
        assert_eq!(
            EnvelopeView::decode(["EAEAAAAAe3", "0AAAAAAAAAAAAAAAAAAAAA"]).unwrap_err(),
            EmptyReason::Malformed
        );
    }
}
