//! The wire format: a signed, or an encrypted, envelope around the
//! session's JSON.
//!
//! # Format, version 1
//!
//! The cookie value (all chunks joined, see [`chunk`](crate::fit::chunk)) is the
//! base64url encoding, without padding, of one of two envelopes. Both begin
//! with the same six header bytes, so chunk gathering, the chunk count check
//! and the first eight characters' header work the same for both.
//!
//! ## Signed (the default)
//!
//! | bytes | field |
//! |---|---|
//! | 0 | high 4 bits: format version, `1`; low 4 bits: flags |
//! | 1 | chunk count, 1 to 255: how many cookies the value is spread over |
//! | 2..6 | issued-at: seconds since the Unix epoch, u32 big-endian (good until 2106) |
//! | 6..n-16 | payload: the session as a compact JSON object, raw-deflated when flag `DEFLATE` is set; with flag `ID`, after the session id |
//! | n-16..n | tag: HMAC-SHA256 truncated to its first 16 bytes |
//!
//! 22 bytes besides the payload.
//!
//! ## Encrypted (flag `ENCRYPTED`, feature `encrypt`)
//!
//! | bytes | field |
//! |---|---|
//! | 0 | format version `1`, flags with `ENCRYPTED` set (and `DEFLATE` when compressed) |
//! | 1 | chunk count |
//! | 2..6 | issued-at |
//! | 6..8 | key id: the first 2 bytes of HKDF-SHA256 of the master secret, info `cookietin v1 key id` (module `derive`, feature `encrypt`) |
//! | 8..20 | nonce: 12 random bytes from the operating system |
//! | 20..n-16 | ciphertext: AES-256-GCM-SIV of the payload (the JSON, raw-deflated when `DEFLATE` is set; with flag `ID`, after the session id) |
//! | n-16..n | tag: the AEAD's 16-byte tag |
//!
//! 36 bytes besides the payload: 14 more than signed. The key is derived
//! from the master secret for this cookie name (HKDF info: `cookietin v1
//! encrypt `, then the name). The associated data is `len(name) as u8 || name || bytes[0..8]`:
//! the name, the version and flags, the chunk count, the issued-at time and
//! the key id, so a value can't be moved to another cookie name, re-chunked
//! or re-dated. A key id that names no key of the ring is rejected before
//! any decryption; otherwise one decryption per key bearing that id (one,
//! unless two keys of the ring share an id by chance, 1 in 65536) decides.
//!
//! ## Flags and the rest
//!
//! Flags: `0b0001` DEFLATE (RFC 1951 raw deflate, no zlib header, with the
//! preset dictionary of format version 1, [`DICTIONARY`],
//! 870 bytes of common session JSON); `0b0010` ID: the payload starts
//! with a 128-bit session id, 16 random bytes (a store-backed session
//! keeps its data in a store under a hash of it, its payload then being
//! `{}`; an overflowing or revocable one keeps its excess or its
//! tombstone there); the id is covered by the tag like every other byte,
//! so a forged or altered id is rejected before any store is asked;
//! `0b0100` ENCRYPTED (the layout above; a build without the `encrypt`
//! feature, or an engine that does not encrypt, rejects it as unsupported
//! flags); `0b1000` is reserved and a value that sets it is rejected.
//!
//! The six header bytes are exactly eight base64 characters, so the first
//! cookie's first eight characters give the version, flags and chunk count
//! without decoding the rest.
//!
//! The signed tag is computed over `len(name) as u8 || name || bytes[0..n-16]`,
//! where `name` is the base cookie name. Binding the name means a value can't
//! be moved to another cookie; binding the header binds the chunk count, so a
//! value can't be re-chunked or glued to a leftover chunk.
//!
//! The payload is deflated only when that makes it smaller. The tag is
//! truncated to 128 bits, as RFC 2104 section 5 permits: a forger must still
//! guess 2^128 values online, one request each, and the 16 bytes saved are
//! 21 base64 characters in every request's Cookie header.
//!
//! Decoding checks, in order: length, version, flags, the tag (in constant
//! time, against each key of the ring) or, for an encrypted envelope, the
//! key id and then the AEAD's tag (decryption authenticates; nothing is
//! released before the tag is checked), the issued-at time against the max
//! age and the allowed clock skew, and only then inflates, with a cap, and
//! parses the JSON.
//!
//! [`inspect`] reads either envelope without an engine, for tools.

#[cfg(feature = "encrypt")]
pub(crate) mod aead;
pub(crate) mod compress;
#[cfg(feature = "encrypt")]
pub mod derive;
pub mod inspect;
pub mod key;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;

use crate::session::SessionData;
use crate::{EmptyReason, SaveError};
use compress::InflateError;
use key::KeyRing;

/// The preset dictionary of format version 1: a vocabulary of session JSON
/// (common keys, JWT and date prefixes, punctuation), most frequent last
/// because deflate codes nearer matches in fewer bits. It is part of the
/// wire format: changing it needs a new format version.
///
/// Measured on the corpus in `benches/sessions.json`, it saves 30% on a tiny
/// login session, 15% on a 20-item cart and nothing on random data; much of
/// that is key names it knows: with every key renamed it saved 8 to 30
/// characters per session (BENCHMARKS.md).
pub const DICTIONARY: &[u8] = concat!(
    r#""scope":"openid profile email offline_access","token_type":"Bearer","#,
    r#""code_verifier":"","redirect_uri":"https://","return_to":"/","next":"/","#,
    r#""timezone":"UTC","Europe/","America/","currency":"USD","EUR","GBP","#,
    r#""created_at":"updated_at":"last_seen":"2026-01-01T00:00:00Z","expires_in":3600,"#,
    r#""permissions":[],"roles":["admin","user"],"groups":["#,
    r#""theme":"dark","light","lang":"en","locale":"en-US","en-GB","de-DE","fr-FR","#,
    r#""nonce":"state":"sid":"sub":"iss":"aud":"iat":"exp":"#,
    r#""id_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJ","access_token":"eyJ","refresh_token":""#,
    r#""expires_at":"issued_at":"#,
    r#""answers":{"step":1,"history":["/","/"],"#,
    r#""items":[],"cart":[{"id":"product_id":"sku":"name":"price":"price_cents":"quantity":"qty":1,"total":"#,
    r#""messages":[],"flash":null,"#,
    r#""user":{"id":"name":"email":"@example.com","username":"#,
    r#""csrf_token":"_csrf":"locale":"en","user_id":"#,
    r#"true,false,null,"},{""#,
)
.as_bytes();

/// The format version this build writes and reads.
pub(crate) const VERSION: u8 = 1;
/// The payload is raw deflate.
pub(crate) const FLAG_DEFLATE: u8 = 0b0001;
/// The envelope is encrypted (key id, nonce, ciphertext, tag).
pub(crate) const FLAG_ENCRYPTED: u8 = 0b0100;
/// The payload starts with a session id.
pub(crate) const FLAG_ID: u8 = 0b0010;
/// Bytes of a session id.
pub(crate) const ID_LEN: usize = 16;
#[cfg(not(feature = "encrypt"))]
const KNOWN_FLAGS: u8 = FLAG_DEFLATE | FLAG_ID;
#[cfg(feature = "encrypt")]
const KNOWN_FLAGS: u8 = FLAG_DEFLATE | FLAG_ID | FLAG_ENCRYPTED;
/// Bytes of the header shared by both envelopes.
pub(crate) const HEADER_LEN: usize = 6;
/// Bytes of the tag: the truncated HMAC-SHA256, or the AEAD's.
pub(crate) const TAG_LEN: usize = 16;
/// The smallest signed envelope: header, `{}`, tag.
pub(crate) const MIN_ENVELOPE: usize = HEADER_LEN + 2 + TAG_LEN;
/// Bytes of an encrypted envelope's key id.
pub(crate) const KEY_ID_LEN: usize = 2;
/// Bytes of an encrypted envelope's nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// Bytes of an encrypted envelope before its ciphertext.
pub(crate) const SEALED_PREFIX: usize = HEADER_LEN + KEY_ID_LEN + NONCE_LEN;
/// The smallest encrypted envelope: prefix, `{}`, tag.
pub(crate) const MIN_SEALED: usize = SEALED_PREFIX + 2 + TAG_LEN;

/// The public id of a master key, as encrypted envelopes carry it: two
/// bytes derived from the key (see the module `derive`, feature `encrypt`), shown
/// as four hex digits.
///
/// # Example
/// ```
/// use cookietin::codec::KeyId;
///
/// assert_eq!(KeyId::from_bytes([0x0a, 0xff]).to_string(), "0aff");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; KEY_ID_LEN]);

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl KeyId {
    /// The id from its two bytes.
    pub fn from_bytes(bytes: [u8; KEY_ID_LEN]) -> KeyId {
        KeyId(bytes)
    }

    /// The id's two bytes, as the envelope holds them.
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02x}{:02x}", self.0[0], self.0[1])
    }
}

/// What an engine signs, verifies, encrypts and decrypts with.
#[derive(Clone, Debug)]
pub(crate) struct Secrets {
    signing: KeyRing,
    #[cfg(feature = "encrypt")]
    sealer: Option<aead::Sealer>,
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
    fn signing_offset(&self) -> usize {
        #[cfg(feature = "encrypt")]
        if let Some(sealer) = &self.sealer {
            return sealer.len();
        }
        0
    }
}

/// The base64url length of `n` bytes, without padding.
pub(crate) const fn encoded_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// The fields of an envelope's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub flags: u8,
    pub chunks: u8,
    pub issued_at: u32,
}

impl Header {
    fn parse(bytes: &[u8]) -> Result<Header, EmptyReason> {
        if bytes.len() < HEADER_LEN {
            return Err(EmptyReason::Malformed);
        }
        let version = bytes[0] >> 4;
        if version != VERSION {
            return Err(EmptyReason::UnsupportedVersion(version));
        }
        let flags = bytes[0] & 0x0f;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(EmptyReason::UnsupportedFlags(flags));
        }
        let chunks = bytes[1];
        if chunks == 0 {
            return Err(EmptyReason::Malformed);
        }
        let issued_at = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        Ok(Header {
            flags,
            chunks,
            issued_at,
        })
    }

    /// Reads the header from the start of the first cookie's value.
    pub(crate) fn peek(first_value: &str) -> Result<Header, EmptyReason> {
        Header::parse(&raw_header(first_value).ok_or(EmptyReason::Malformed)?)
    }
}

/// The six header bytes at the start of the first cookie's value, whatever
/// their version and flags say. Unverified.
pub(crate) fn raw_header(first_value: &str) -> Option<[u8; HEADER_LEN]> {
    let prefix = first_value.get(..encoded_len(HEADER_LEN))?;
    let mut bytes = [0u8; HEADER_LEN];
    URL_SAFE_NO_PAD.decode_slice(prefix, &mut bytes).ok()?;
    Some(bytes)
}

/// The issued-at time a first cookie's header claims, unverified and
/// whatever its version: bytes 2 to 6 of every format version so far.
pub(crate) fn claimed_issued_at(first_value: &str) -> Option<u32> {
    let b = raw_header(first_value)?;
    Some(u32::from_be_bytes([b[2], b[3], b[4], b[5]]))
}

/// An envelope under construction: the header slot (and, encrypted, the
/// key id and nonce slots), then the payload.
///
/// Built in two steps so that the shrink loop can measure a payload without
/// sealing it, and the final save seals the very bytes that were measured:
/// the ciphertext is exactly as long as the payload.
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    json: Vec<u8>,
    bytes: Vec<u8>,
    flags: u8,
    /// Whether `bytes` ends with the tag.
    sealed: bool,
    /// Bytes before the payload: [`HEADER_LEN`] or [`SEALED_PREFIX`].
    prefix: usize,
}

impl Envelope {
    /// An empty envelope for the engine's mode.
    pub(crate) fn new(encrypted: bool) -> Envelope {
        Envelope {
            flags: if encrypted { FLAG_ENCRYPTED } else { 0 },
            prefix: if encrypted { SEALED_PREFIX } else { HEADER_LEN },
            ..Envelope::default()
        }
    }

    fn encrypted(&self) -> bool {
        self.prefix == SEALED_PREFIX
    }

    /// Serializes and (when it helps) deflates `data`, after the session id
    /// `id` if there is one, replacing any previous contents. Returns the
    /// base64url length the finished value will have.
    pub(crate) fn fill(
        &mut self,
        data: &SessionData,
        allow_deflate: bool,
        id: Option<&[u8; ID_LEN]>,
    ) -> usize {
        let prefix = self.prefix.max(HEADER_LEN);
        self.json.clear();
        self.json.reserve(data.json_len());
        data.write_json(&mut self.json);
        self.bytes.clear();
        // Room for deflate's worst case (see `compress::deflate`) and the tag.
        self.bytes
            .reserve(prefix + ID_LEN + compress::max_deflated(self.json.len()) + TAG_LEN);
        self.bytes.resize(prefix, 0);
        self.flags = if self.encrypted() { FLAG_ENCRYPTED } else { 0 };
        if let Some(id) = id {
            self.flags |= FLAG_ID;
            self.bytes.extend_from_slice(id);
        }
        let payload_start = self.bytes.len();
        self.sealed = false;
        if allow_deflate {
            compress::deflate(&self.json, &mut self.bytes);
            if self.bytes.len() - payload_start < self.json.len() {
                self.flags |= FLAG_DEFLATE;
            } else {
                self.bytes.truncate(payload_start);
            }
        }
        if !self.deflated() {
            self.bytes.extend_from_slice(&self.json);
        }
        self.encoded_len()
    }

    /// The base64url length of the finished value.
    pub(crate) fn encoded_len(&self) -> usize {
        let tag = if self.sealed { 0 } else { TAG_LEN };
        encoded_len(self.bytes.len() + tag)
    }

    /// The length of the JSON that was last filled in.
    pub(crate) fn json_len(&self) -> usize {
        self.json.len()
    }

    /// Whether the payload is deflated.
    pub(crate) fn deflated(&self) -> bool {
        self.flags & FLAG_DEFLATE != 0
    }

    /// Writes the header and appends the tag: the HMAC, or, for an
    /// encrypted envelope, the key id and a random nonce, then encrypts the
    /// payload in place and appends the AEAD's tag.
    ///
    /// # Errors
    /// [`SaveError::NoRandomness`] when the operating system gives no random
    /// bytes for the nonce; the envelope is then not sealed.
    pub(crate) fn seal(
        &mut self,
        name: &str,
        chunks: u8,
        issued_at: u32,
        secrets: &Secrets,
    ) -> Result<(), SaveError> {
        debug_assert!(!self.sealed, "fill before sealing again");
        debug_assert_eq!(self.encrypted(), secrets.encrypts());
        self.bytes[0] = VERSION << 4 | self.flags;
        self.bytes[1] = chunks;
        self.bytes[2..HEADER_LEN].copy_from_slice(&issued_at.to_be_bytes());
        #[cfg(feature = "encrypt")]
        if let (true, Some(sealer)) = (self.encrypted(), &secrets.sealer) {
            sealer
                .seal(name, &mut self.bytes)
                .map_err(|_| SaveError::NoRandomness)?;
            self.sealed = true;
            return Ok(());
        }
        let tag = mac_over(secrets.signing.signing(), name, &self.bytes)
            .finalize()
            .into_bytes();
        self.bytes.extend_from_slice(&tag[..TAG_LEN]);
        self.sealed = true;
        Ok(())
    }

    /// The sealed bytes each chunk carries, for chunks of `lens` base64
    /// characters. Every chunk but the last is a whole number of base64
    /// quanta, so each encodes on its own.
    pub(crate) fn chunks<'a>(&'a self, lens: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = &self.bytes[..];
        lens.iter().enumerate().map(move |(i, &chars)| {
            let take = if i + 1 == lens.len() {
                rest.len()
            } else {
                chars / 4 * 3
            };
            let (chunk, tail) = rest.split_at(take);
            rest = tail;
            chunk
        })
    }

    /// The whole sealed value as one base64url string.
    #[cfg(test)]
    pub(crate) fn value(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.bytes)
    }
}

/// Appends the base64url encoding of `bytes` to `out`.
pub(crate) fn append_base64(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// The MAC state over what the tag covers: `len(name) || name || signed`.
fn mac_over(key: &crate::Key, name: &str, signed: &[u8]) -> crate::codec::key::HmacSha256 {
    let mut mac = key.mac();
    // Cookie names are checked at build time to be under 256 bytes.
    mac.update(&[name.len() as u8]);
    mac.update(name.as_bytes());
    mac.update(signed);
    mac
}

/// What decoding needs besides the bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenPolicy {
    /// Seconds since the epoch, now.
    pub now: u64,
    /// Sessions issued longer ago than this are expired.
    pub max_age: u64,
    /// How far in the future an issued-at time may be.
    pub clock_skew: u64,
    /// The inflate cap, in bytes of JSON.
    pub max_json: usize,
}

/// An envelope whose tag checked: its header, the index of the key that
/// verified or decrypted it (0 is the key that writes), and where its
/// payload (decrypted, if it was encrypted) lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub header: Header,
    pub key_index: usize,
    pub payload: std::ops::Range<usize>,
}

/// Checks the tag of the decoded envelope: the HMAC under every signing key
/// of the ring, or, for an encrypted envelope, its key id and then the AEAD
/// (which decrypts the payload in place).
pub(crate) fn verify(
    envelope: &mut [u8],
    name: &str,
    secrets: &Secrets,
) -> Result<Verified, EmptyReason> {
    if envelope.len() < MIN_ENVELOPE {
        return Err(EmptyReason::Malformed);
    }
    let header = Header::parse(envelope)?;
    if header.flags & FLAG_ENCRYPTED != 0 {
        #[cfg(feature = "encrypt")]
        if let Some(sealer) = &secrets.sealer {
            if envelope.len() < MIN_SEALED {
                return Err(EmptyReason::Malformed);
            }
            let key_index = sealer.open(name, envelope)?;
            return Ok(Verified {
                header,
                key_index,
                payload: SEALED_PREFIX..envelope.len() - TAG_LEN,
            });
        }
        // This engine does not decrypt: a server that does may have
        // written it (see the in-flight rule of saves).
        return Err(EmptyReason::UnsupportedFlags(header.flags));
    }
    let (signed, tag_bytes) = envelope.split_at(envelope.len() - TAG_LEN);
    for (index, key) in secrets.signing.all().iter().enumerate() {
        // Constant-time comparison of the leftmost 16 bytes.
        if mac_over(key, name, signed)
            .verify_truncated_left(tag_bytes)
            .is_ok()
        {
            return Ok(Verified {
                header,
                key_index: secrets.signing_offset() + index,
                payload: HEADER_LEN..envelope.len() - TAG_LEN,
            });
        }
    }
    Err(EmptyReason::BadSignature)
}

/// Checks that the issued-at time is within the max age and the clock skew.
pub(crate) fn check_time(header: &Header, policy: &OpenPolicy) -> Result<(), EmptyReason> {
    let issued = u64::from(header.issued_at);
    if issued > policy.now.saturating_add(policy.clock_skew) {
        return Err(EmptyReason::IssuedInFuture);
    }
    if policy.now.saturating_sub(issued) > policy.max_age {
        return Err(EmptyReason::Expired);
    }
    Ok(())
}

/// Inflates (capped) and parses an authenticated payload.
pub(crate) fn parse_payload(
    payload: &[u8],
    deflated: bool,
    max_json: usize,
    scratch: &mut Vec<u8>,
) -> Result<SessionData, EmptyReason> {
    let json = if deflated {
        scratch.clear();
        compress::inflate(payload, max_json, scratch).map_err(|e| match e {
            InflateError::TooLarge => EmptyReason::InflateLimit,
            InflateError::Invalid => EmptyReason::Corrupt,
        })?;
        &scratch[..]
    } else {
        if payload.len() > max_json {
            return Err(EmptyReason::InflateLimit);
        }
        payload
    };
    SessionData::from_json(json).map_err(|_| EmptyReason::Corrupt)
}

/// Checks the time and opens the payload of an envelope that [`verify`]
/// accepted: the data, and the session id if the envelope carries one.
/// `scratch` is reused for the inflated JSON.
pub(crate) fn open(
    envelope: &[u8],
    verified: &Verified,
    policy: &OpenPolicy,
    scratch: &mut Vec<u8>,
) -> Result<(SessionData, Option<[u8; ID_LEN]>), EmptyReason> {
    check_time(&verified.header, policy)?;
    let (payload, id) = split_id(&envelope[verified.payload.clone()], verified.header.flags)?;
    let deflated = verified.header.flags & FLAG_DEFLATE != 0;
    Ok((
        parse_payload(payload, deflated, policy.max_json, scratch)?,
        id,
    ))
}

/// The session id a payload starts with under flag `ID`, and the rest.
pub(crate) fn split_id(
    payload: &[u8],
    flags: u8,
) -> Result<(&[u8], Option<[u8; ID_LEN]>), EmptyReason> {
    if flags & FLAG_ID == 0 {
        return Ok((payload, None));
    }
    // Only a holder of the key can produce an envelope too short for it.
    let (id, rest) = payload
        .split_at_checked(ID_LEN)
        .ok_or(EmptyReason::Corrupt)?;
    Ok((
        rest,
        Some(<[u8; ID_LEN]>::try_from(id).expect("split at ID_LEN")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    fn ring() -> Secrets {
        Secrets::signed(KeyRing::new(Key::try_from_bytes(&[9; 32]).unwrap()))
    }

    fn policy() -> OpenPolicy {
        OpenPolicy {
            now: 1_000_000,
            max_age: 100,
            clock_skew: 10,
            max_json: 1 << 20,
        }
    }

    fn sealed(data: &SessionData, deflate: bool) -> Vec<u8> {
        let mut env = Envelope::default();
        let len = env.fill(data, deflate, None);
        env.seal("sid", 1, 1_000_000, &ring()).unwrap();
        let value = env.value();
        assert_eq!(value.len(), len);
        assert_eq!(env.encoded_len(), len);
        URL_SAFE_NO_PAD.decode(value).unwrap()
    }

    fn sample() -> SessionData {
        let mut d = SessionData::new();
        d.insert("user", &"alice").unwrap();
        d.insert("cart", &vec!["apple"; 40]).unwrap();
        d
    }

    #[test]
    fn seal_then_open_roundtrips_with_and_without_deflate() {
        for deflate in [true, false] {
            let mut bytes = sealed(&sample(), deflate);
            assert_eq!(bytes[0] & FLAG_DEFLATE != 0, deflate);
            let verified = verify(&mut bytes, "sid", &ring()).unwrap();
            let header = verified.header;
            assert_eq!(
                (header.chunks, header.issued_at, verified.key_index),
                (1, 1_000_000, 0)
            );
            let (data, _) = open(&bytes, &verified, &policy(), &mut Vec::new()).unwrap();
            assert_eq!(
                data.get::<String>("user").unwrap().as_deref(),
                Some("alice")
            );
        }
    }

    #[test]
    fn incompressible_payload_is_stored_raw() {
        let mut d = SessionData::new();
        d.insert("k", &"x").unwrap();
        let bytes = sealed(&d, true);
        assert_eq!(bytes[0], VERSION << 4);
        assert_eq!(&bytes[HEADER_LEN..bytes.len() - TAG_LEN], br#"{"k":"x"}"#);
    }

    #[test]
    fn name_is_bound_into_the_tag() {
        let mut bytes = sealed(&sample(), true);
        assert_eq!(
            verify(&mut bytes, "other", &ring()).unwrap_err(),
            EmptyReason::BadSignature
        );
    }

    #[test]
    fn chunk_count_is_bound_into_the_tag() {
        let mut bytes = sealed(&sample(), true);
        bytes[1] = 2;
        assert_eq!(
            verify(&mut bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::BadSignature
        );
    }

    #[test]
    fn version_and_flags_are_checked() {
        let mut bytes = sealed(&sample(), true);
        bytes[0] = 2 << 4 | FLAG_DEFLATE;
        assert_eq!(
            verify(&mut bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedVersion(2)
        );
        bytes[0] = VERSION << 4 | 0b1000;
        assert_eq!(
            verify(&mut bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedFlags(0b1000)
        );
        // Encrypted, to an engine that does not decrypt (or a build
        // without the feature).
        bytes[0] = VERSION << 4 | FLAG_ENCRYPTED;
        assert_eq!(
            verify(&mut bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedFlags(FLAG_ENCRYPTED)
        );
    }

    #[test]
    fn time_is_checked_after_the_tag() {
        let mut bytes = sealed(&sample(), true);
        let header = verify(&mut bytes, "sid", &ring()).unwrap();
        let late = OpenPolicy {
            now: 1_000_101,
            ..policy()
        };
        assert_eq!(
            open(&bytes, &header, &late, &mut Vec::new()).unwrap_err(),
            EmptyReason::Expired
        );
        let early = OpenPolicy {
            now: 999_989,
            ..policy()
        };
        assert_eq!(
            open(&bytes, &header, &early, &mut Vec::new()).unwrap_err(),
            EmptyReason::IssuedInFuture
        );
        let edge = OpenPolicy {
            now: 1_000_100,
            ..policy()
        };
        assert!(open(&bytes, &header, &edge, &mut Vec::new()).is_ok());
    }

    #[test]
    fn chunks_encode_to_pieces_of_the_whole_value() {
        let mut env = Envelope::default();
        let len = env.fill(&sample(), false, None);
        env.seal("sid", 3, 77, &ring()).unwrap();
        let lens = [40, 40, len - 80];
        let pieces: Vec<String> = env
            .chunks(&lens)
            .map(|bytes| {
                let mut s = String::new();
                append_base64(bytes, &mut s);
                s
            })
            .collect();
        assert_eq!(pieces.iter().map(String::len).collect::<Vec<_>>(), lens);
        assert_eq!(pieces.concat(), env.value());
    }

    #[test]
    fn header_is_exactly_eight_characters() {
        let mut env = Envelope::default();
        env.fill(&sample(), true, None);
        env.seal("sid", 3, 77, &ring()).unwrap();
        let value = env.value();
        let header = Header::peek(&value).unwrap();
        assert_eq!((header.chunks, header.issued_at), (3, 77));
        assert_eq!(
            Header::peek(&value[..7]).unwrap_err(),
            EmptyReason::Malformed
        );
    }

    #[cfg(feature = "encrypt")]
    mod encrypted {
        use super::*;
        use crate::codec::derive::{MasterKey, MasterRing};

        fn secrets(master: u8) -> Secrets {
            let ring = MasterRing::new(MasterKey::try_from_bytes(&[master; 32]).unwrap());
            Secrets::encrypted(ring.signing_ring("sid"), aead::Sealer::new(&ring, "sid"))
        }

        fn sealed(data: &SessionData, deflate: bool, chunks: u8) -> Vec<u8> {
            let mut env = Envelope::new(true);
            let len = env.fill(data, deflate, None);
            env.seal("sid", chunks, 1_000_000, &secrets(3)).unwrap();
            let value = env.value();
            assert_eq!(value.len(), len, "the measured length is the real one");
            URL_SAFE_NO_PAD.decode(value).unwrap()
        }

        #[test]
        fn the_layout_is_header_key_id_nonce_ciphertext_tag() {
            let mut d = SessionData::new();
            d.insert("k", &"x").unwrap();
            let bytes = sealed(&d, false, 1);
            let json = br#"{"k":"x"}"#;
            assert_eq!(bytes.len(), 6 + 2 + 12 + json.len() + 16);
            assert_eq!(bytes[0], VERSION << 4 | FLAG_ENCRYPTED);
            assert_eq!(&bytes[1..6], &[1, 0, 0x0f, 0x42, 0x40]);
            let id = MasterKey::try_from_bytes(&[3; 32]).unwrap().key_id();
            assert_eq!(&bytes[6..8], id.as_bytes());
            assert!(!bytes.windows(3).any(|w| w == b"\"k\""));
        }

        #[test]
        fn seal_then_open_with_and_without_deflate() {
            for deflate in [true, false] {
                let mut bytes = sealed(&sample(), deflate, 2);
                assert_eq!(bytes[0] & FLAG_DEFLATE != 0, deflate);
                let verified = verify(&mut bytes, "sid", &secrets(3)).unwrap();
                assert_eq!(verified.key_index, 0);
                assert_eq!(verified.header.chunks, 2);
                let (data, _) = open(&bytes, &verified, &policy(), &mut Vec::new()).unwrap();
                assert_eq!(data.get::<Vec<String>>("cart").unwrap().unwrap().len(), 40);
            }
        }

        #[test]
        fn name_count_and_time_are_bound() {
            let good = sealed(&sample(), false, 1);
            let mut bytes = good.clone();
            assert_eq!(
                verify(&mut bytes, "other", &secrets(3)).unwrap_err(),
                EmptyReason::DecryptionFailed
            );
            for (at, value) in [(1, 2u8), (5, 0x41)] {
                let mut bytes = good.clone();
                bytes[at] = value;
                assert_eq!(
                    verify(&mut bytes, "sid", &secrets(3)).unwrap_err(),
                    EmptyReason::DecryptionFailed,
                    "byte {at}"
                );
            }
            let mut bytes = good.clone();
            assert_eq!(
                verify(&mut bytes, "sid", &secrets(4)).unwrap_err(),
                EmptyReason::UnknownKey
            );
            let mut short = good[..MIN_SEALED - 1].to_vec();
            assert_eq!(
                verify(&mut short, "sid", &secrets(3)).unwrap_err(),
                EmptyReason::Malformed
            );
        }

        #[test]
        fn an_encrypting_engine_still_verifies_signed_envelopes_as_old() {
            let ring = MasterRing::new(MasterKey::try_from_bytes(&[3; 32]).unwrap());
            let signing = KeyRing::new(Key::try_from_bytes(&[9; 32]).unwrap());
            let both = Secrets::encrypted(signing, aead::Sealer::new(&ring, "sid"));
            let mut bytes = super::sealed(&sample(), true);
            let verified = verify(&mut bytes, "sid", &both).unwrap();
            assert_eq!(verified.key_index, 1, "re-issued: counts as an old key");
        }
    }

    #[test]
    fn a_session_id_rides_at_the_start_of_the_payload_under_the_tag() {
        let id = [0xA5; ID_LEN];
        let mut env = Envelope::default();
        let len = env.fill(&SessionData::new(), true, Some(&id));
        env.seal("sid", 1, 1_000_000, &ring()).unwrap();
        assert_eq!(len, encoded_len(HEADER_LEN + ID_LEN + 2 + TAG_LEN));
        let mut bytes = URL_SAFE_NO_PAD.decode(env.value()).unwrap();
        assert_eq!(
            bytes[0] & 0x0f,
            FLAG_ID,
            "an empty object is not worth deflating"
        );
        assert_eq!(&bytes[HEADER_LEN..HEADER_LEN + ID_LEN], &id);
        let mut forged = bytes.clone();
        let verified = verify(&mut bytes, "sid", &ring()).unwrap();
        let (data, got) = open(&bytes, &verified, &policy(), &mut Vec::new()).unwrap();
        assert!(data.is_empty());
        assert_eq!(got, Some(id));
        // Any change to the id fails the tag.
        forged[HEADER_LEN] ^= 1;
        assert_eq!(
            verify(&mut forged, "sid", &ring()),
            Err(EmptyReason::BadSignature)
        );
    }
}
