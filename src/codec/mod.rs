//! The wire format: a signed, or an encrypted, envelope around the
//! session's JSON.
//!
//! # Format, version 2 (read: versions 1 and 2)
//!
//! The cookie value (all chunks joined: `NAME`, `NAME.1`, ...) is the
//! base64url encoding, without padding, of one of two envelopes. Both begin
//! with the same six header bytes, so chunk gathering, the chunk count check
//! and the first eight characters' header work the same for both.
//!
//! Version 2 is version 1 with the version nibble `2` and flag bits 0 and
//! 3 read as one field, the compression id, which names the algorithm and
//! its dictionary: `0` none, `1` raw deflate with dictionary 1
//! ([`DICTIONARY`], the same bits as version 1's `DEFLATE` flag); `2`
//! (bit 3 alone) a zstd frame with dictionary 1 as raw content, magicless,
//! with its content size and no checksum or dictionary id (feature `zstd`;
//! a build without it refuses id 2 as unsupported flags); `3` is reserved
//! and refused. The id costs no byte: a byte more per session would have
//! made the corpus bigger than version 1 (BENCHMARKS.md, "Wire format
//! 2"). Deflate is the default; zstd is written only by an engine built
//! with `EngineBuilder::zstd(true)`, and only for 256 bytes of JSON and
//! more. Every version 1 cookie still loads; a save writes version 2, and
//! a load never rewrites a cookie for its version alone.
//!
//! ## Signed (the default)
//!
//! | bytes | field |
//! |---|---|
//! | 0 | high 4 bits: format version, `2` (`1` read too); low 4 bits: flags |
//! | 1 | chunk count, 1 to 255: how many cookies the value is spread over |
//! | 2..6 | issued-at: seconds since the Unix epoch, u32 big-endian (good until 2106) |
//! | 6..n-16 | payload: the session as a compact JSON object, compressed as the compression id says; with flag `ID`, after the session id |
//! | n-16..n | tag: HMAC-SHA256 truncated to its first 16 bytes |
//!
//! 22 bytes besides the payload.
//!
//! ## Encrypted (flag `ENCRYPTED`, feature `encrypt`)
//!
//! | bytes | field |
//! |---|---|
//! | 0 | format version `2` (or `1`), flags with `ENCRYPTED` set (and `DEFLATE` when compressed) |
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
//! Flags: `0b0001` DEFLATE (compression id 1: RFC 1951 raw deflate, no
//! zlib header, with the preset dictionary 1, [`DICTIONARY`], 870 bytes of
//! common session JSON); `0b0010` ID: the payload starts with a 128-bit
//! session id of 16 bytes (new ids: a 4-byte creation time, then 12 random
//! bytes; older ones: 16 random bytes; a store-backed session keeps its
//! data in a store under a hash of it, its payload then being
//! `{}`; an overflowing or revocable one keeps its excess or its
//! tombstone there); the id is covered by the tag like every other byte,
//! so a forged or altered id is rejected before any store is asked;
//! `0b0100` ENCRYPTED (the layout above; a build without the `encrypt`
//! feature, or an engine that does not encrypt, rejects it as unsupported
//! flags); `0b1000` is reserved in version 1 (a value that sets it is
//! rejected) and is compression id 2, zstd, in version 2.
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
//! The most chunks a value may span is [`MAX_CHUNKS`].
//!
//! [`inspect`] reads either envelope without an engine, for tools.

#[cfg(feature = "encrypt")]
pub(crate) mod aead;
mod bit_writer;
mod block_deflate;
pub(crate) mod chunk_names;
pub(crate) mod compress;
mod deflate_codes;
#[cfg(feature = "encrypt")]
pub(crate) mod derive;
mod dictionary;
mod dictionary_chains;
mod envelope;
mod header;
mod huffman;
mod huffman_block;
pub mod inspect;
pub(crate) mod key;
mod key_id;
mod open;
mod secrets;
mod small_deflate;
#[cfg(test)]
mod tests;
#[cfg(feature = "zstd")]
pub(crate) mod zstd;

pub use chunk_names::MAX_CHUNKS;
pub use dictionary::DICTIONARY;
pub(crate) use envelope::{append_base64, Envelope};
pub(crate) use header::{claimed_issued_at, raw_header, Header};
pub use key_id::KeyId;
pub(crate) use key_id::KEY_ID_LEN;
pub(crate) use open::{check_time, open, parse_payload, split_id, verify, OpenPolicy, Verified};
pub(crate) use secrets::Secrets;

use crate::EmptyReason;

/// The format version this build writes.
pub(crate) const VERSION: u8 = 2;
/// The oldest format version this build reads: every cookie a browser may
/// still hold (tests/wire_fixtures.rs).
pub(crate) const OLDEST_VERSION: u8 = 1;
/// Whether this build reads format version `version`.
pub(crate) const fn reads_version(version: u8) -> bool {
    version >= OLDEST_VERSION && version <= VERSION
}
/// The payload is raw deflate with dictionary 1: compression id 1.
pub(crate) const FLAG_DEFLATE: u8 = 0b0001;
/// The envelope is encrypted (key id, nonce, ciphertext, tag).
pub(crate) const FLAG_ENCRYPTED: u8 = 0b0100;
/// The payload starts with a session id.
pub(crate) const FLAG_ID: u8 = 0b0010;
/// Bytes of a session id.
pub(crate) const ID_LEN: usize = 16;
/// The payload is zstd with dictionary 1: compression id 2, version 2 on.
pub(crate) const FLAG_ZSTD: u8 = 0b1000;
/// The flags this build reads: the codecs it has, and encryption with the
/// `encrypt` feature.
pub(crate) const KNOWN_FLAGS: u8 = FLAG_DEFLATE
    | FLAG_ID
    | if cfg!(feature = "encrypt") {
        FLAG_ENCRYPTED
    } else {
        0
    }
    | if cfg!(feature = "zstd") { FLAG_ZSTD } else { 0 };

/// A payload's compression: its compression id (flag bits 0 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// Id 0: the JSON as it is.
    None,
    /// Id 1: raw deflate with dictionary 1.
    Deflate,
    /// Id 2: a magicless zstd frame with dictionary 1 (feature `zstd`).
    Zstd,
}

impl Compression {
    /// The compression id of a header of format `version` with `flags`.
    /// Id 3, and bit 3 in version 1 (where it was reserved), are refused.
    pub(crate) fn of(version: u8, flags: u8) -> Result<Compression, EmptyReason> {
        match (flags & FLAG_DEFLATE != 0, flags & FLAG_ZSTD != 0) {
            (false, false) => Ok(Compression::None),
            (true, false) => Ok(Compression::Deflate),
            (false, true) if version >= 2 => Ok(Compression::Zstd),
            _ => Err(EmptyReason::UnsupportedFlags(flags)),
        }
    }

    /// The flag bits that name it.
    pub(crate) const fn flags(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Deflate => FLAG_DEFLATE,
            Compression::Zstd => FLAG_ZSTD,
        }
    }
}
/// Bytes of the header shared by both envelopes.
pub(crate) const HEADER_LEN: usize = 6;
/// Bytes of the tag: the truncated HMAC-SHA256, or the AEAD's.
pub(crate) const TAG_LEN: usize = 16;
/// The smallest signed envelope: header, `{}`, tag.
pub(crate) const MIN_ENVELOPE: usize = HEADER_LEN + 2 + TAG_LEN;
/// Bytes of an encrypted envelope's nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// Bytes of an encrypted envelope before its ciphertext.
pub(crate) const SEALED_PREFIX: usize = HEADER_LEN + key_id::KEY_ID_LEN + NONCE_LEN;
/// The smallest encrypted envelope: prefix, `{}`, tag.
pub(crate) const MIN_SEALED: usize = SEALED_PREFIX + 2 + TAG_LEN;

/// The base64url length of `n` bytes, without padding.
pub(crate) const fn encoded_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}
