//! `decode`: arbitrary Cookie header values and User-Agent into
//! `Engine::load`, then `Engine::save` of what loaded.
//!
//! Input: one flags byte, then newline-separated fields: the User-Agent,
//! then each Cookie header value (raw bytes, not necessarily UTF-8). Plain
//! text, so seeds are readable and libFuzzer's mutations stay meaningful.
//!
//! Flags: bits 0-1 the cookie name ([`NAMES`]); bit 2 send the User-Agent
//! (else none); bit 3 sign with a new key and keep key 1 as the old one;
//! bit 4 compression off; bit 5 insert a key before saving; bit 6 clear the
//! session before saving; bit 7 small caps (one 300-byte cookie). With the
//! `zstd` feature, the odd names' engines write zstd (`EngineBuilder::zstd`).
//!
//! Asserts: nothing panics; a session that loaded non-empty has no
//! `empty_reason`; the save succeeds or is `DoesNotFit`; Set-Cookie values
//! are valid header values; and what a save writes loads back as saved.

use cookietin::{Engine, KeyRing, SaveAction, SaveError};

use super::common::{key, now, raw_entries, Jar, NAMES};

pub const UA: u8 = 1 << 2;
pub const ROTATED: u8 = 1 << 3;
pub const NO_COMPRESS: u8 = 1 << 4;
pub const INSERT: u8 = 1 << 5;
pub const CLEAR: u8 = 1 << 6;
pub const SMALL: u8 = 1 << 7;

pub fn engine(flags: u8) -> Engine {
    let ring = if flags & ROTATED != 0 {
        KeyRing::new(key(2)).with_old_key(key(1))
    } else {
        KeyRing::new(key(1))
    };
    let mut builder = Engine::builder(ring)
        .clock(now)
        .cookie_name(NAMES[usize::from(flags & 3)])
        .compress(flags & NO_COMPRESS == 0);
    if flags & SMALL != 0 {
        builder = builder.max_cookie_bytes(300).max_chunks(1);
    }
    #[cfg(feature = "zstd")]
    if flags & 1 != 0 {
        builder = builder.zstd(true);
    }
    builder.build().expect("valid engine")
}

/// Builds the input bytes of this target.
pub fn input(flags: u8, agent: &str, headers: &[&str]) -> Vec<u8> {
    let mut out = vec![flags];
    out.extend_from_slice(agent.as_bytes());
    for h in headers {
        out.push(b'\n');
        out.extend_from_slice(h.as_bytes());
    }
    out
}

pub fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.split(|&b| b == b'\n');
    let agent_bytes = fields.next().unwrap_or_default();
    let headers: Vec<&[u8]> = fields.collect();
    let agent_text = String::from_utf8_lossy(agent_bytes);
    let agent = (flags & UA != 0).then_some(&*agent_text);
    let engine = engine(flags);

    let mut session = engine.load(headers.iter().copied(), agent);
    if !session.is_empty() {
        assert_eq!(session.empty_reason(), None, "a session loaded");
        assert!(session.request_chunks() >= 1);
        assert!(session.issued_at().is_some());
    }
    let budget = engine.budget(&session);
    assert!(budget.cookies <= 255);

    if flags & INSERT != 0 {
        session
            .insert("fuzz", &"inserted")
            .expect("a string serializes");
    }
    if flags & CLEAR != 0 {
        session.clear();
    }
    let before = raw_entries(&session);
    match engine.save(&mut session) {
        Ok(saved) => {
            for line in &saved.set_cookies {
                assert!(
                    http::HeaderValue::try_from(line.as_str()).is_ok(),
                    "{line:?}"
                );
            }
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
        Err(SaveError::DoesNotFit { needed, capacity }) => {
            assert!(needed > capacity, "DoesNotFit with {needed} <= {capacity}");
            assert_eq!(raw_entries(&session), before);
        }
        Err(e) => panic!("undocumented save error {e:?}"),
    }
}
