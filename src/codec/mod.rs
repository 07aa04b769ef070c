//! The wire format: a signed envelope around the session's JSON.
//!
//! # Format, version 1
//!
//! The cookie value (all chunks joined, see [`chunk`](crate::fit::chunk)) is the
//! base64url encoding, without padding, of these bytes:
//!
//! | bytes | field |
//! |---|---|
//! | 0 | high 4 bits: format version, `1`; low 4 bits: flags |
//! | 1 | chunk count, 1 to 255: how many cookies the value is spread over |
//! | 2..6 | issued-at: seconds since the Unix epoch, u32 big-endian (good until 2106) |
//! | 6..22 | only with flag `ID`: the session id, 16 random bytes |
//! | 6..n-16 (22..n-16 with `ID`) | payload: the session as a compact JSON object, raw-deflated when flag `DEFLATE` is set |
//! | n-16..n | tag: HMAC-SHA256 truncated to its first 16 bytes |
//!
//! Flags: `0b0001` DEFLATE (RFC 1951 raw deflate, no zlib header, with the
//! preset dictionary of format version 1, [`DICTIONARY`],
//! 870 bytes of common session JSON); `0b0010` ID: a 128-bit session id
//! follows the header (a store-backed session keeps its data in a store
//! under a hash of it, and the payload is then `{}`). `0b0100` and `0b1000`
//! are reserved (`0b0100` for an encrypted mode) and a value that sets one
//! is rejected. The id is covered by the tag like every other byte, so a
//! forged or altered id is rejected before any store is asked.
//!
//! The six header bytes are exactly eight base64 characters, so the first
//! cookie's first eight characters give the version, flags and chunk count
//! without decoding the rest.
//!
//! The tag is computed over `len(name) as u8 || name || bytes[0..n-16]`,
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
//! time, against each key of the ring), the issued-at time against the max
//! age and the allowed clock skew, and only then inflates, with a cap, and
//! parses the JSON.

pub(crate) mod compress;
pub mod key;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;

use crate::session::SessionData;
use crate::EmptyReason;
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
/// A session id follows the header.
pub(crate) const FLAG_ID: u8 = 0b0010;
const KNOWN_FLAGS: u8 = FLAG_DEFLATE | FLAG_ID;
/// Bytes of a session id.
pub(crate) const ID_LEN: usize = 16;
/// Bytes before the payload.
pub(crate) const HEADER_LEN: usize = 6;
/// Bytes of the truncated HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 16;
/// The smallest envelope: header, `{}`, tag.
pub(crate) const MIN_ENVELOPE: usize = HEADER_LEN + 2 + TAG_LEN;

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
fn raw_header(first_value: &str) -> Option<[u8; HEADER_LEN]> {
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

/// An envelope under construction: the header slot, then the payload.
///
/// Built in two steps so that the shrink loop can measure a payload without
/// signing it, and the final save signs the very bytes that were measured.
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    json: Vec<u8>,
    bytes: Vec<u8>,
    flags: u8,
    /// Whether `bytes` ends with the tag.
    sealed: bool,
}

impl Envelope {
    /// Serializes and (when it helps) deflates `data`, after the session id
    /// `id` if there is one, replacing any previous contents. Returns the
    /// base64url length the finished value will have.
    pub(crate) fn fill(
        &mut self,
        data: &SessionData,
        allow_deflate: bool,
        id: Option<&[u8; ID_LEN]>,
    ) -> usize {
        self.json.clear();
        self.json.reserve(data.json_len());
        data.write_json(&mut self.json);
        self.bytes.clear();
        // Room for deflate's worst case (see `compress::deflate`) and the tag.
        self.bytes
            .reserve(HEADER_LEN + ID_LEN + compress::max_deflated(self.json.len()) + TAG_LEN);
        self.bytes.resize(HEADER_LEN, 0);
        self.flags = 0;
        if let Some(id) = id {
            self.flags = FLAG_ID;
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
        if self.flags & FLAG_DEFLATE == 0 {
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

    /// Writes the header and appends the tag.
    pub(crate) fn seal(&mut self, name: &str, chunks: u8, issued_at: u32, keys: &KeyRing) {
        debug_assert!(!self.sealed, "fill before sealing again");
        self.bytes[0] = VERSION << 4 | self.flags;
        self.bytes[1] = chunks;
        self.bytes[2..HEADER_LEN].copy_from_slice(&issued_at.to_be_bytes());
        let tag = mac_over(keys.signing(), name, &self.bytes)
            .finalize()
            .into_bytes();
        self.bytes.extend_from_slice(&tag[..TAG_LEN]);
        self.sealed = true;
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

/// Verifies the tag of the decoded envelope under every key of the ring.
/// Returns the header and the verifying key's index.
pub(crate) fn verify(
    envelope: &[u8],
    name: &str,
    keys: &KeyRing,
) -> Result<(Header, usize), EmptyReason> {
    if envelope.len() < MIN_ENVELOPE {
        return Err(EmptyReason::Malformed);
    }
    let header = Header::parse(envelope)?;
    let (signed, tag_bytes) = envelope.split_at(envelope.len() - TAG_LEN);
    for (index, key) in keys.all().iter().enumerate() {
        // Constant-time comparison of the leftmost 16 bytes.
        if mac_over(key, name, signed)
            .verify_truncated_left(tag_bytes)
            .is_ok()
        {
            return Ok((header, index));
        }
    }
    Err(EmptyReason::BadSignature)
}

/// Checks the time and opens the payload of an envelope that [`verify`]
/// accepted: the data, and the session id if the envelope carries one.
/// `scratch` is reused for the inflated JSON.
pub(crate) fn open(
    envelope: &[u8],
    header: Header,
    policy: &OpenPolicy,
    scratch: &mut Vec<u8>,
) -> Result<(SessionData, Option<[u8; ID_LEN]>), EmptyReason> {
    let issued = u64::from(header.issued_at);
    if issued > policy.now.saturating_add(policy.clock_skew) {
        return Err(EmptyReason::IssuedInFuture);
    }
    if policy.now.saturating_sub(issued) > policy.max_age {
        return Err(EmptyReason::Expired);
    }
    let mut payload = &envelope[HEADER_LEN..envelope.len() - TAG_LEN];
    let mut id = None;
    if header.flags & FLAG_ID != 0 {
        // Only a holder of the key can produce an envelope too short for it.
        let (bytes, rest) = payload
            .split_at_checked(ID_LEN)
            .ok_or(EmptyReason::Corrupt)?;
        id = Some(<[u8; ID_LEN]>::try_from(bytes).expect("split at ID_LEN"));
        payload = rest;
    }
    let json = if header.flags & FLAG_DEFLATE != 0 {
        scratch.clear();
        compress::inflate(payload, policy.max_json, scratch).map_err(|e| match e {
            InflateError::TooLarge => EmptyReason::InflateLimit,
            InflateError::Invalid => EmptyReason::Corrupt,
        })?;
        &scratch[..]
    } else {
        if payload.len() > policy.max_json {
            return Err(EmptyReason::InflateLimit);
        }
        payload
    };
    let data = SessionData::from_json(json).map_err(|_| EmptyReason::Corrupt)?;
    Ok((data, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    fn ring() -> KeyRing {
        KeyRing::new(Key::try_from_bytes(&[9; 32]).unwrap())
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
        env.seal("sid", 1, 1_000_000, &ring());
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
            let bytes = sealed(&sample(), deflate);
            assert_eq!(bytes[0] & FLAG_DEFLATE != 0, deflate);
            let (header, key) = verify(&bytes, "sid", &ring()).unwrap();
            assert_eq!((header.chunks, header.issued_at, key), (1, 1_000_000, 0));
            let (data, _) = open(&bytes, header, &policy(), &mut Vec::new()).unwrap();
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
        let bytes = sealed(&sample(), true);
        assert_eq!(
            verify(&bytes, "other", &ring()).unwrap_err(),
            EmptyReason::BadSignature
        );
    }

    #[test]
    fn chunk_count_is_bound_into_the_tag() {
        let mut bytes = sealed(&sample(), true);
        bytes[1] = 2;
        assert_eq!(
            verify(&bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::BadSignature
        );
    }

    #[test]
    fn version_and_flags_are_checked() {
        let mut bytes = sealed(&sample(), true);
        bytes[0] = 2 << 4 | FLAG_DEFLATE;
        assert_eq!(
            verify(&bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedVersion(2)
        );
        bytes[0] = VERSION << 4 | 0b0100;
        assert_eq!(
            verify(&bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedFlags(0b0100)
        );
    }

    #[test]
    fn time_is_checked_after_the_tag() {
        let bytes = sealed(&sample(), true);
        let (header, _) = verify(&bytes, "sid", &ring()).unwrap();
        let late = OpenPolicy {
            now: 1_000_101,
            ..policy()
        };
        assert_eq!(
            open(&bytes, header, &late, &mut Vec::new()).unwrap_err(),
            EmptyReason::Expired
        );
        let early = OpenPolicy {
            now: 999_989,
            ..policy()
        };
        assert_eq!(
            open(&bytes, header, &early, &mut Vec::new()).unwrap_err(),
            EmptyReason::IssuedInFuture
        );
        let edge = OpenPolicy {
            now: 1_000_100,
            ..policy()
        };
        assert!(open(&bytes, header, &edge, &mut Vec::new()).is_ok());
    }

    #[test]
    fn chunks_encode_to_pieces_of_the_whole_value() {
        let mut env = Envelope::default();
        let len = env.fill(&sample(), false, None);
        env.seal("sid", 3, 77, &ring());
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
        env.seal("sid", 3, 77, &ring());
        let value = env.value();
        let header = Header::peek(&value).unwrap();
        assert_eq!((header.chunks, header.issued_at), (3, 77));
        assert_eq!(
            Header::peek(&value[..7]).unwrap_err(),
            EmptyReason::Malformed
        );
    }

    #[test]
    fn a_session_id_rides_after_the_header_under_the_tag() {
        let id = [0xA5; ID_LEN];
        let mut env = Envelope::default();
        let len = env.fill(&SessionData::new(), true, Some(&id));
        env.seal("sid", 1, 1_000_000, &ring());
        assert_eq!(len, encoded_len(HEADER_LEN + ID_LEN + 2 + TAG_LEN));
        let bytes = env.bytes.clone();
        assert_eq!(
            bytes[0] & 0x0f,
            FLAG_ID,
            "an empty object is not worth deflating"
        );
        assert_eq!(&bytes[HEADER_LEN..HEADER_LEN + ID_LEN], &id);
        let (header, _) = verify(&bytes, "sid", &ring()).unwrap();
        let (data, got) = open(&bytes, header, &policy(), &mut Vec::new()).unwrap();
        assert!(data.is_empty());
        assert_eq!(got, Some(id));
        // Any change to the id fails the tag.
        let mut forged = bytes.clone();
        forged[HEADER_LEN] ^= 1;
        assert_eq!(
            verify(&forged, "sid", &ring()),
            Err(EmptyReason::BadSignature)
        );
    }
}
