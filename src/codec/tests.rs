//! The envelope, written and read back.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::*;
use crate::{EmptyReason, Key, KeyRing, SessionData};

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

/// Deflate, or no compression.
fn codec(deflate: bool) -> Compression {
    match deflate {
        true => Compression::Deflate,
        false => Compression::None,
    }
}

fn sealed(data: &SessionData, deflate: bool) -> Vec<u8> {
    sealed_with(data, codec(deflate))
}

fn sealed_with(data: &SessionData, compression: Compression) -> Vec<u8> {
    let mut env = Envelope::default();
    let len = env.fill(data, compression, None);
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

/// `bytes` re-signed as format version `version`.
fn resigned(mut bytes: Vec<u8>, version: u8) -> Vec<u8> {
    use hmac::Mac as _;
    bytes[0] = version << 4 | (bytes[0] & 0x0f);
    bytes.truncate(bytes.len() - TAG_LEN);
    let tag = secrets::mac_over(ring().signing.signing(), "sid", &bytes)
        .finalize()
        .into_bytes();
    bytes.extend_from_slice(&tag[..TAG_LEN]);
    bytes
}

#[test]
fn writes_version_2_and_reads_version_1() {
    for deflate in [true, false] {
        let v2 = sealed(&sample(), deflate);
        assert_eq!(v2[0] >> 4, 2);
        // The same envelope under version 1: the payload and the dictionary
        // are the same, and the tag binds the version.
        let mut v1 = resigned(v2.clone(), 1);
        let verified = verify(&mut v1, "sid", &ring()).unwrap();
        let (data, _) = open(&v1, &verified, &policy(), &mut Vec::new()).unwrap();
        assert_eq!(data.to_value(), sample().to_value());
        // A version changed without the key is refused.
        let mut moved = v2.clone();
        moved[0] = 1 << 4 | (moved[0] & 0x0f);
        assert_eq!(
            verify(&mut moved, "sid", &ring()).unwrap_err(),
            EmptyReason::BadSignature
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
    for version in [0, 3, 15] {
        bytes[0] = version << 4 | FLAG_DEFLATE;
        assert_eq!(
            verify(&mut bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedVersion(version)
        );
    }
    // Compression id 2 (zstd) in a build without the feature; id 3, and
    // bit 3 in version 1, where it was reserved, in every build.
    let refused: &[(u8, u8)] = if cfg!(feature = "zstd") {
        &[(VERSION, 0b1001), (1, 0b1000)]
    } else {
        &[(VERSION, 0b1000), (VERSION, 0b1001), (1, 0b1000)]
    };
    for &(version, flags) in refused {
        bytes[0] = version << 4 | flags;
        assert_eq!(
            verify(&mut bytes, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedFlags(flags),
            "version {version}, flags {flags:#06b}"
        );
    }
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
    let len = env.fill(&sample(), Compression::None, None);
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
    env.fill(&sample(), Compression::Deflate, None);
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
        let len = env.fill(data, codec(deflate), None);
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
    let len = env.fill(&SessionData::new(), Compression::Deflate, Some(&id));
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

#[cfg(feature = "zstd")]
mod zstd {
    use super::*;

    /// A session of `n` short keys: about `n * 12` bytes of JSON.
    fn keys(n: usize) -> SessionData {
        let mut d = SessionData::new();
        for i in 0..n {
            d.insert(&format!("key{i}"), &i).unwrap();
        }
        d
    }

    #[test]
    fn zstd_from_256_bytes_of_json_up_and_deflate_below() {
        for (data, flag) in [(sample(), FLAG_ZSTD), (keys(4), FLAG_DEFLATE)] {
            let json_len = data.json_len();
            assert_eq!(
                json_len >= crate::codec::zstd::MIN_INPUT,
                flag == FLAG_ZSTD,
                "{json_len}"
            );
            let mut bytes = sealed_with(&data, Compression::Zstd);
            assert_eq!(bytes[0], VERSION << 4 | flag);
            let verified = verify(&mut bytes, "sid", &ring()).unwrap();
            assert_eq!(
                verified.header.compression,
                Compression::of(VERSION, flag).unwrap()
            );
            let (opened, _) = open(&bytes, &verified, &policy(), &mut Vec::new()).unwrap();
            assert_eq!(opened.to_value(), data.to_value());
        }
    }

    #[test]
    fn zstd_under_a_version_1_header_is_refused_though_signed() {
        let v2 = sealed_with(&sample(), Compression::Zstd);
        assert_eq!(v2[0] & 0x0f, FLAG_ZSTD);
        let mut v1 = resigned(v2, 1);
        assert_eq!(
            verify(&mut v1, "sid", &ring()).unwrap_err(),
            EmptyReason::UnsupportedFlags(FLAG_ZSTD)
        );
    }

    #[test]
    fn a_zstd_payload_is_capped_and_checked_after_the_tag() {
        let mut bytes = sealed_with(&sample(), Compression::Zstd);
        let verified = verify(&mut bytes, "sid", &ring()).unwrap();
        let json_len = sample().json_len();
        let tight = OpenPolicy {
            max_json: json_len - 1,
            ..policy()
        };
        assert_eq!(
            open(&bytes, &verified, &tight, &mut Vec::new()).unwrap_err(),
            EmptyReason::InflateLimit
        );
        let exact = OpenPolicy {
            max_json: json_len,
            ..policy()
        };
        assert!(open(&bytes, &verified, &exact, &mut Vec::new()).is_ok());
        // A frame that is not zstd, under a good tag (only a key holder
        // can write one), is corrupt, not a panic.
        let mut garbled = bytes.clone();
        let payload = verified.payload.clone();
        garbled[payload.start..payload.end].fill(0xEE);
        assert_eq!(
            open(&garbled, &verified, &policy(), &mut Vec::new()).unwrap_err(),
            EmptyReason::Corrupt
        );
    }
}
