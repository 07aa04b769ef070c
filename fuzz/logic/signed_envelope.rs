//! `signed_envelope`: arbitrary payloads behind a valid tag, so that the
//! fuzzer reaches what only a key holder can: the capped inflate and the
//! JSON parse of format versions 1 and 2.
//!
//! Input: the envelope's first byte (version and flags), then the payload.
//! The envelope is that byte, one chunk, issued now, the payload and the
//! HMAC under the engine's key, as `session=...`.
//!
//! Asserts: nothing panics; a version other than 1 and 2 is refused as
//! `UnsupportedVersion`, flag `0b1000` as `UnsupportedFlags` (but for
//! compression id 2, zstd, under version 2 with the `zstd` feature), then a
//! payload under 2 bytes as `Malformed`, and `ENCRYPTED` (to an engine
//! that does not decrypt) as `UnsupportedFlags` or, when short,
//! `Malformed`; the same flags and payload under version 1 and version 2
//! load the same session or fail for the same reason; a raw payload that
//! loads is a JSON object; and a session that loaded, changed and saved,
//! is written as version 2 and loads back as saved.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookietin::{EmptyReason, Engine, SaveAction};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::common::{key, now, raw_entries, Jar, NOW};

const NAME: &str = "session";
const KEY: u8 = 1;

pub fn engine() -> Engine {
    Engine::builder(key(KEY))
        .clock(now)
        .cookie_name(NAME)
        .build()
        .expect("valid engine")
}

/// The Cookie header of a signed envelope: `first`, one chunk, issued now,
/// then `payload`, under the engine's key.
pub fn header(first: u8, payload: &[u8]) -> String {
    let mut bytes = vec![first, 1];
    bytes.extend_from_slice(&(NOW as u32).to_be_bytes());
    bytes.extend_from_slice(payload);
    let mut mac = Hmac::<Sha256>::new_from_slice(&[KEY; 32]).expect("any key length");
    mac.update(&[NAME.len() as u8]);
    mac.update(NAME.as_bytes());
    mac.update(&bytes);
    bytes.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    format!("{NAME}={}", URL_SAFE_NO_PAD.encode(&bytes))
}

/// The input of this target.
pub fn input(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    out.extend_from_slice(payload);
    out
}

pub fn run(data: &[u8]) {
    let Some((&first, payload)) = data.split_first() else {
        return;
    };
    let engine = engine();
    let (version, flags) = (first >> 4, first & 0x0f);
    let session = engine.load([header(first, payload)], None);
    // The header's first checks, then the length, then what the flags ask.
    if !(1..=2).contains(&version) {
        assert_eq!(
            session.empty_reason(),
            Some(&EmptyReason::UnsupportedVersion(version))
        );
        return;
    }
    // Compression id 2: bit 3 alone of bits 0 and 3, from version 2 on.
    let zstd = cfg!(feature = "zstd") && version == 2 && flags & 0b1001 == 0b1000;
    if flags & 0b1000 != 0 && !zstd {
        assert_eq!(
            session.empty_reason(),
            Some(&EmptyReason::UnsupportedFlags(flags))
        );
        return;
    }
    if payload.len() < 2 || flags & 0b0100 != 0 {
        // Shorter than the smallest envelope (`{}`), or encrypted to an
        // engine that does not decrypt (refused with the header by a
        // build without `encrypt`, after the length by one with it).
        let reason = session.empty_reason();
        assert!(
            reason == Some(&EmptyReason::Malformed)
                || (flags & 0b0100 != 0 && reason == Some(&EmptyReason::UnsupportedFlags(flags))),
            "{reason:?}"
        );
        return;
    }
    // Version 1 and version 2 read the same flags and payload alike (but
    // zstd, which version 1 does not have).
    if !zstd {
        let other = engine.load([header((3 - version) << 4 | flags, payload)], None);
        assert_eq!(session.empty_reason(), other.empty_reason());
        assert_eq!(raw_entries(&session), raw_entries(&other));
    }
    if flags == 0 {
        // A raw payload that loaded was a JSON object.
        // (Read as the engine reads it: values unparsed, so a number
        // too large for an f64 is still JSON.)
        let object = serde_json::from_slice::<
            std::collections::BTreeMap<String, serde::de::IgnoredAny>,
        >(payload)
        .is_ok();
        assert!(object || session.empty_reason().is_some(), "{payload:?}");
    }
    if session.empty_reason().is_some() {
        assert!(session.is_empty());
        return;
    }
    let mut session = session;
    session
        .insert("fuzz", &"changed")
        .expect("a string serializes");
    let Ok(saved) = engine.save(&mut session) else {
        return;
    };
    if saved.report.action != SaveAction::Written {
        return;
    }
    let mut jar = Jar::default();
    jar.apply(&saved.set_cookies);
    let header = jar.header();
    let value = header.split_once('=').expect("name=value").1;
    // 'I' to 'L': a first byte of 0x20 to 0x2f, format version 2.
    assert!(matches!(value.as_bytes()[0], b'I'..=b'L'), "{header}");
    let next = engine.load([header.as_str()], None);
    assert_eq!(next.empty_reason(), None);
    assert_eq!(raw_entries(&next), raw_entries(&session));
}
