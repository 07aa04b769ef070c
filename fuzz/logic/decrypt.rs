//! `decrypt`: encrypted sessions (feature `encrypt`). Arbitrary bytes as
//! encrypted cookies must never panic nor load, and a valid
//! encrypt-chunk-load round trip must give back what was saved.
//!
//! Input: a mode byte, a settings byte, then the rest.
//!
//! - mode 0 (`HEADERS`): the rest is newline-separated Cookie header values
//!   into an encrypting engine (master keys 2 then 1: the seeds' sessions
//!   are under key 1, an old key), then a save of what loaded, whose
//!   cookies must load back as saved;
//! - mode 1 (`ENVELOPE`): the rest is the body of an encrypted envelope
//!   behind a valid header (version 1, or 2 with settings bit 4,
//!   ENCRYPTED, one chunk, issued now)
//!   and a key id of the ring (settings bit 0 picks which): base64url'd
//!   into `NAME=...`, it reaches the AEAD, which must refuse it
//!   (`DecryptionFailed`, or `Malformed` when too short). Also through
//!   `EnvelopeView::decrypt`, which must refuse it the same way;
//! - mode 2 (`ROUNDTRIP`): the rest is the session's value (lossy UTF-8)
//!   under key `v`, saved with `max_cookie_bytes` from the settings (64 to
//!   1024 by steps of 64) and compression from settings bit 4; the jar's
//!   cookies must load back exactly, and then a byte picked by the input,
//!   altered in one chunk, must give an empty session with a reason.
//!
//! Settings: bits 0-1 the cookie name ([`NAMES`]); bit 2 send a Chrome
//! User-Agent; bit 3 compression on; bits 4-7 the cookie cap (mode 2);
//! bit 4 format version 2 (mode 1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookietin::codec::inspect::EnvelopeView;
use cookietin::{EmptyReason, Engine, MasterKey, MasterRing, SaveAction, SaveError};

use super::common::{now, raw_entries, Jar, NAMES, NOW};

pub const HEADERS: u8 = 0;
pub const ENVELOPE: u8 = 1;
pub const ROUNDTRIP: u8 = 2;

pub const UA: u8 = 1 << 2;
pub const COMPRESS: u8 = 1 << 3;

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

pub fn master(byte: u8) -> MasterKey {
    MasterKey::try_from_bytes(&[byte; 32]).expect("32 bytes")
}

/// The ring every engine here decrypts with: key 2 writes, key 1 is old.
pub fn ring() -> MasterRing {
    MasterRing::new(master(2)).with_old_key(master(1))
}

/// The engine of these settings, under `ring`.
pub fn engine(settings: u8, ring: MasterRing, max_cookie_bytes: Option<usize>) -> Engine {
    let mut builder = Engine::encrypted(ring)
        .clock(now)
        .cookie_name(NAMES[usize::from(settings & 3)])
        .compress(settings & COMPRESS != 0);
    if let Some(cap) = max_cookie_bytes {
        builder = builder.max_cookie_bytes(cap);
    }
    builder.build().expect("valid engine")
}

/// Builds the input bytes of this target.
pub fn input(mode: u8, settings: u8, rest: &[u8]) -> Vec<u8> {
    let mut out = vec![mode, settings];
    out.extend_from_slice(rest);
    out
}

pub fn run(data: &[u8]) {
    let [mode, settings, rest @ ..] = data else {
        return;
    };
    let agent = (settings & UA != 0).then_some(CHROME);
    match mode % 3 {
        HEADERS => headers(*settings, rest, agent),
        ENVELOPE => envelope(*settings, rest, agent),
        _ => roundtrip(*settings, rest, agent),
    }
}

fn headers(settings: u8, rest: &[u8], agent: Option<&str>) {
    let engine = engine(settings, ring(), None);
    let mut session = engine.load(rest.split(|&b| b == b'\n'), agent);
    if !session.is_empty() {
        assert_eq!(session.empty_reason(), None);
        assert!(session.issued_at().is_some());
    }
    let before = raw_entries(&session);
    match engine.save(&mut session) {
        Ok(saved) => {
            if saved.report.shrink.is_untouched() {
                assert_eq!(raw_entries(&session), before);
            }
            if saved.report.action == SaveAction::Written {
                let mut jar = Jar::default();
                jar.apply(&saved.set_cookies);
                let next = engine.load([jar.header()], agent);
                assert_eq!(next.empty_reason(), None, "{jar:?}");
                assert_eq!(raw_entries(&next), raw_entries(&session));
            }
        }
        Err(SaveError::DoesNotFit { needed, capacity }) => assert!(needed > capacity),
        Err(e) => panic!("undocumented save error {e:?}"),
    }
}

fn envelope(settings: u8, rest: &[u8], agent: Option<&str>) {
    let key = if settings & 1 == 0 {
        master(2)
    } else {
        master(1)
    };
    // Settings bit 4: format version 2 (else 1); both read alike.
    let first = if settings & 0x10 != 0 { 0x24 } else { 0x14 };
    let mut bytes = vec![first, 1];
    bytes.extend_from_slice(&(NOW as u32).to_be_bytes());
    bytes.extend_from_slice(key.key_id().as_bytes());
    bytes.extend_from_slice(rest);
    let value = URL_SAFE_NO_PAD.encode(&bytes);
    let engine = engine(settings, ring(), None);
    let name = engine.cookie_name().to_owned();
    let session = engine.load([format!("{name}={value}")], agent);
    assert!(session.is_empty(), "a forged envelope loaded");
    let expected = if value.len() > 7168 {
        // Over the default cap on what a load reads: not even decoded.
        EmptyReason::TooLarge
    } else if bytes.len() < 6 + 2 + 12 + 2 + 16 {
        EmptyReason::Malformed
    } else {
        EmptyReason::DecryptionFailed
    };
    assert_eq!(session.empty_reason(), Some(&expected));
    match EnvelopeView::decode([value.as_str()]) {
        Ok(view) => {
            assert!(view.is_encrypted());
            assert_eq!(view.key_id(), Some(key.key_id()));
            assert_eq!(
                view.decrypt(&name, &ring(), 1 << 20).unwrap_err(),
                EmptyReason::DecryptionFailed
            );
        }
        Err(e) => assert_eq!(e, EmptyReason::Malformed),
    }
}

fn roundtrip(settings: u8, rest: &[u8], agent: Option<&str>) {
    let Some((&pick, value)) = rest.split_first() else {
        return;
    };
    let cap = 64 * (1 + usize::from(settings >> 4));
    let engine = engine(settings, ring(), Some(cap));
    let text = String::from_utf8_lossy(value);
    let mut session = engine.load(Vec::<&str>::new(), agent);
    session.insert("v", &*text).expect("a string serializes");
    let saved = match engine.save(&mut session) {
        Ok(saved) => saved,
        Err(SaveError::DoesNotFit { needed, capacity }) => {
            assert!(needed > capacity);
            return;
        }
        Err(e) => panic!("undocumented save error {e:?}"),
    };
    if saved.report.action != SaveAction::Written {
        return;
    }
    let mut jar = Jar::default();
    jar.apply(&saved.set_cookies);
    let name = engine.cookie_name();
    let chunks = jar.ours(name);
    assert_eq!(chunks.len(), saved.report.chunks);
    let values: usize = chunks.iter().map(|(_, v)| v.len()).sum();
    assert_eq!(values, saved.report.value_bytes, "the measured length");
    let back = engine.load([jar.header()], agent);
    assert_eq!(back.empty_reason(), None);
    assert_eq!(raw_entries(&back), raw_entries(&session));
    if let Some(expected) = session.get::<String>("v").ok().flatten() {
        assert_eq!(
            back.get::<String>("v").ok().flatten().as_ref(),
            Some(&expected)
        );
        // Encrypted: the value does not appear in the cookies (when it is
        // long enough not to appear by chance).
        if expected.len() >= 12 && expected.is_ascii() {
            assert!(chunks.iter().all(|(_, v)| !v.contains(&expected)));
        }
    }
    // One character altered in one chunk: never loads.
    let (index, chunk) = &chunks[usize::from(pick) % chunks.len()];
    let at = usize::from(pick) * 7 % chunk.len().max(1);
    let mut altered = chunk.clone().into_bytes();
    if altered.is_empty() {
        return;
    }
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("ASCII");
    let pieces: Vec<String> = chunks
        .iter()
        .map(|(i, v)| {
            let v = if i == index { &altered } else { v };
            match i {
                0 => format!("{name}={v}"),
                i => format!("{name}.{i}={v}"),
            }
        })
        .collect();
    let tampered = engine.load([pieces.join("; ")], agent);
    assert!(tampered.is_empty(), "an altered chunk loaded");
    assert!(tampered.empty_reason().is_some());
}
