//! The six header bytes every envelope starts with.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::codec::{encoded_len, reads_version, Compression, HEADER_LEN, KNOWN_FLAGS};
use crate::EmptyReason;

/// The fields of an envelope's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub flags: u8,
    /// The compression id the flags name.
    pub compression: Compression,
    pub chunks: u8,
    pub issued_at: u32,
}

impl Header {
    /// The header as this build reads it: flags it has no feature for are
    /// refused.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Header, EmptyReason> {
        Header::parse_known(bytes, KNOWN_FLAGS)
    }

    /// The header, refusing any flag outside `known`.
    pub(crate) fn parse_known(bytes: &[u8], known: u8) -> Result<Header, EmptyReason> {
        if bytes.len() < HEADER_LEN {
            return Err(EmptyReason::Malformed);
        }
        let version = bytes[0] >> 4;
        if !reads_version(version) {
            return Err(EmptyReason::UnsupportedVersion(version));
        }
        let flags = bytes[0] & 0x0f;
        if flags & !known != 0 {
            return Err(EmptyReason::UnsupportedFlags(flags));
        }
        let compression = Compression::of(version, flags)?;
        let chunks = bytes[1];
        if chunks == 0 {
            return Err(EmptyReason::Malformed);
        }
        let issued_at = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        Ok(Header {
            flags,
            compression,
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
