//! Reading an envelope: the tag verified (or the AEAD opened) before
//! anything else, then the time, then the capped inflate and the JSON.

use hmac::Mac;

use crate::codec::compress::{self, InflateError};
use crate::codec::secrets::mac_over;
use crate::codec::{
    Compression, Header, Secrets, FLAG_ENCRYPTED, FLAG_ID, HEADER_LEN, ID_LEN, MIN_ENVELOPE,
    TAG_LEN,
};
#[cfg(feature = "encrypt")]
use crate::codec::{MIN_SEALED, SEALED_PREFIX};
use crate::data::SessionData;
use crate::EmptyReason;

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

/// Decompresses (capped) and parses an authenticated payload.
pub(crate) fn parse_payload(
    payload: &[u8],
    compression: Compression,
    max_json: usize,
    scratch: &mut Vec<u8>,
) -> Result<SessionData, EmptyReason> {
    let inflated = |e| match e {
        InflateError::TooLarge => EmptyReason::InflateLimit,
        InflateError::Invalid => EmptyReason::Corrupt,
    };
    let json = match compression {
        Compression::None => {
            if payload.len() > max_json {
                return Err(EmptyReason::InflateLimit);
            }
            payload
        }
        Compression::Deflate => {
            scratch.clear();
            compress::inflate(payload, max_json, scratch).map_err(inflated)?;
            &scratch[..]
        }
        #[cfg(feature = "zstd")]
        Compression::Zstd => {
            scratch.clear();
            crate::codec::zstd::decompress(payload, max_json, scratch).map_err(inflated)?;
            &scratch[..]
        }
        // Only the inspector, which reads every header, gets here.
        #[cfg(not(feature = "zstd"))]
        Compression::Zstd => return Err(EmptyReason::UnsupportedFlags(Compression::Zstd.flags())),
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
    Ok((
        parse_payload(
            payload,
            verified.header.compression,
            policy.max_json,
            scratch,
        )?,
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
