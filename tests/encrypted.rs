//! Encrypted sessions (feature `encrypt`) through the public API: round
//! trips over several chunks, tampering with every character of every
//! chunk, wrong keys, rotation, key ids that name no key, values replayed
//! under another cookie name, confidentiality of what the session holds,
//! compression, budgets, and the move from signed to encrypted sessions.

mod common;
#[path = "../benches/support/corpus.rs"]
mod corpus;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookietin::codec::inspect::EnvelopeView;
use cookietin::{
    ConfigError, EmptyReason, Engine, EngineBuilder, MasterKey, MasterRing, SaveAction, SaveReason,
    Session,
};
use serde_json::json;

use common::{key, now, random_text, set_now, Jar, CHROME};

fn master(byte: u8) -> MasterKey {
    MasterKey::try_from_bytes(&[byte; 32]).unwrap()
}

fn encrypted(ring: impl Into<MasterRing>) -> EngineBuilder {
    Engine::encrypted(ring).clock(now).secure(false)
}

/// Saves `session` and applies the Set-Cookie values to `jar`.
fn save_into(engine: &Engine, session: &mut Session, jar: &mut Jar) -> cookietin::SaveReport {
    let saved = engine.save(session).expect("saves");
    jar.apply(&saved.set_cookies);
    saved.report
}

/// The session cookies' values in chunk order.
fn chunk_values(jar: &Jar, name: &str) -> Vec<String> {
    let mut ours: Vec<(usize, String)> = jar
        .cookies
        .iter()
        .filter_map(|(n, v)| {
            let index = if n == name {
                0
            } else {
                n.strip_prefix(name)?.strip_prefix('.')?.parse().ok()?
            };
            Some((index, v.clone()))
        })
        .collect();
    ours.sort();
    ours.into_iter().map(|(_, v)| v).collect()
}

/// A jar holding the session `{"user": "ada", "blob": blob}`, and its save report.
fn multi_chunk(engine: &Engine, blob: &str) -> (Jar, cookietin::SaveReport) {
    let mut jar = Jar::default();
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    session.insert("user", &"ada").unwrap();
    session.insert("blob", blob).unwrap();
    let report = save_into(engine, &mut session, &mut jar);
    (jar, report)
}

#[test]
fn round_trips_over_several_chunks_and_counts_the_real_length() {
    let engine = encrypted(master(1)).max_cookie_bytes(400).build().unwrap();
    let blob = random_text(1, 1500);
    let (jar, report) = multi_chunk(&engine, &blob);
    assert_eq!(report.action, SaveAction::Written);
    assert!(report.chunks >= 4, "{} chunks", report.chunks);
    assert!(!report.deflated, "compression is off by default");
    let values = chunk_values(&jar, "session");
    assert_eq!(values.len(), report.chunks);
    // What the budget measured is what was written, and each cookie fits.
    assert_eq!(
        values.iter().map(String::len).sum::<usize>(),
        report.value_bytes
    );
    for (name, value) in &jar.cookies {
        assert!(name.len() + value.len() <= 400, "{name}");
    }
    // 36 bytes besides the JSON: header 6, key id 2, nonce 12, tag 16.
    assert_eq!(
        report.value_bytes,
        (4 * (36 + report.json_bytes)).div_ceil(3)
    );
    let back = engine.load([jar.header()], Some(CHROME));
    assert_eq!(back.empty_reason(), None);
    assert_eq!(back.get::<String>("blob").unwrap().as_deref(), Some(&*blob));
    assert_eq!(back.request_chunks(), report.chunks);
    // And the second request, unchanged, writes nothing.
    let mut back = back;
    assert!(engine.save(&mut back).unwrap().set_cookies.is_empty());
}

#[test]
fn a_marker_appears_in_no_cookie_raw_or_base64_decoded() {
    const MARKER: &str = "MARKER-7f3a9c-ssn-078-05-1120";
    for (label, builder) in [
        ("default", encrypted(master(2))),
        ("several chunks", encrypted(master(2)).max_cookie_bytes(300)),
        ("compressed", encrypted(master(2)).compress(true)),
    ] {
        let engine = builder.build().unwrap();
        let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
        session.insert("secret", MARKER).unwrap();
        session.insert("notes", &vec![MARKER; 12]).unwrap();
        session.insert(MARKER, &random_text(2, 600)).unwrap();
        let saved = engine.save(&mut session).unwrap();
        assert!(!saved.set_cookies.is_empty());
        let mut joined = Vec::new();
        for line in &saved.set_cookies {
            assert!(!line.contains(MARKER), "{label}: {line}");
            let value = common::value_of(line);
            let bytes = URL_SAFE_NO_PAD.decode(value).expect("each chunk decodes");
            assert!(
                !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
                "{label}"
            );
            joined.extend_from_slice(&bytes);
        }
        assert!(!joined.windows(6).any(|w| w == b"MARKER"), "{label}");
        // The signed mode, for contrast, shows it.
        let signed = common::builder(1).compress(false).build().unwrap();
        let mut session = signed.load(Vec::<&str>::new(), None);
        session.insert("secret", MARKER).unwrap();
        let line = &signed.save(&mut session).unwrap().set_cookies[0];
        let value = common::value_of(line);
        let bytes = URL_SAFE_NO_PAD.decode(value).unwrap();
        assert!(bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()));
    }
}

#[test]
fn altering_any_character_of_any_chunk_gives_an_empty_session() {
    let engine = encrypted(master(3)).max_cookie_bytes(200).build().unwrap();
    let (jar, report) = multi_chunk(&engine, &random_text(3, 300));
    assert!(report.chunks >= 3);
    let values = chunk_values(&jar, "session");
    let mut reasons = std::collections::BTreeMap::new();
    let mut tried = 0;
    for (chunk, value) in values.iter().enumerate() {
        for at in 0..value.len() {
            let original = value.as_bytes()[at];
            // Two replacements per character: its neighbour in the
            // alphabet, and the character that flips its high bit.
            for replacement in [if original == b'A' { b'B' } else { b'A' }, flip(original)] {
                let mut altered = values.clone();
                let mut bytes = altered[chunk].clone().into_bytes();
                bytes[at] = replacement;
                altered[chunk] = String::from_utf8(bytes).unwrap();
                let header: Vec<String> = altered
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match i {
                        0 => format!("session={v}"),
                        i => format!("session.{i}={v}"),
                    })
                    .collect();
                let session = engine.load([header.join("; ")], Some(CHROME));
                tried += 1;
                assert!(session.is_empty(), "chunk {chunk} char {at} loaded");
                let reason = session.empty_reason().expect("a reason").clone();
                *reasons.entry(format!("{reason:?}")).or_insert(0) += 1;
            }
        }
    }
    assert!(tried > 500, "{tried}");
    // Most alterations fail the AEAD; the header's and key id's characters
    // give their own reasons.
    assert!(reasons["DecryptionFailed"] > tried / 2, "{reasons:?}");
    assert!(reasons.contains_key("UnknownKey"), "{reasons:?}");
    assert!(
        reasons.keys().all(|r| [
            "DecryptionFailed",
            "UnknownKey",
            "BadSignature",
            "Malformed",
            "UnsupportedVersion",
            "UnsupportedFlags",
            "ChunkMissing",
        ]
        .iter()
        .any(|known| r.starts_with(known))),
        "{reasons:?}"
    );
}

/// A base64url character whose 6-bit value differs in its top bit.
fn flip(c: u8) -> u8 {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let i = ALPHABET.iter().position(|&a| a == c).unwrap();
    ALPHABET[i ^ 32]
}

#[test]
fn a_wrong_key_or_an_unknown_key_id_is_refused_at_once() {
    let writer = encrypted(master(4)).build().unwrap();
    let (jar, _) = multi_chunk(&writer, "x");
    let other = encrypted(master(5)).build().unwrap();
    let session = other.load([jar.header()], Some(CHROME));
    assert!(session.is_empty());
    assert_eq!(session.empty_reason(), Some(&EmptyReason::UnknownKey));
    // A key id edited to name the reader's key: one decryption, which fails.
    let mut bytes = URL_SAFE_NO_PAD.decode(jar.get("session").unwrap()).unwrap();
    bytes[6..8].copy_from_slice(master(5).key_id().as_bytes());
    let forged = format!("session={}", URL_SAFE_NO_PAD.encode(&bytes));
    let session = other.load([forged.as_str()], Some(CHROME));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::DecryptionFailed));
    assert_eq!(
        writer.load([forged.as_str()], None).empty_reason(),
        Some(&EmptyReason::UnknownKey)
    );
}

#[test]
fn rotation_old_keys_decrypt_and_the_new_key_re_issues() {
    let (old, new) = (master(6), master(7));
    let before = encrypted(old.clone()).build().unwrap();
    let (mut jar, _) = multi_chunk(&before, "kept");
    let after = encrypted(MasterRing::new(new.clone()).with_old_key(old.clone()))
        .build()
        .unwrap();
    let mut session = after.load([jar.header()], Some(CHROME));
    assert_eq!(session.empty_reason(), None);
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("kept")
    );
    let report = save_into(&after, &mut session, &mut jar);
    assert_eq!(report.action, SaveAction::Written);
    assert_eq!(report.reason, Some(SaveReason::OldKey));
    let view = EnvelopeView::decode([jar.get("session").unwrap()]).unwrap();
    assert_eq!(view.key_id(), Some(new.key_id()));
    // Re-issued: a server that dropped the old key reads it.
    let only_new = encrypted(new).build().unwrap();
    let session = only_new.load([jar.header()], Some(CHROME));
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("kept")
    );
    // And the old generation no longer loads there.
    let (stale, _) = multi_chunk(&before, "stale");
    assert_eq!(
        only_new.load([stale.header()], None).empty_reason(),
        Some(&EmptyReason::UnknownKey)
    );
}

#[test]
fn a_value_encrypted_for_one_name_is_refused_under_another() {
    let ring = MasterRing::new(master(8));
    let a = encrypted(ring.clone()).cookie_name("a").build().unwrap();
    let b = encrypted(ring).cookie_name("b").build().unwrap();
    let mut session = a.load(Vec::<&str>::new(), None);
    session.insert("role", &"admin").unwrap();
    let line = a.save(&mut session).unwrap().set_cookies.remove(0);
    let value = line.split(';').next().unwrap().strip_prefix("a=").unwrap();
    assert!(a
        .load([format!("a={value}")], None)
        .empty_reason()
        .is_none());
    let moved = b.load([format!("b={value}")], None);
    assert!(moved.is_empty());
    assert_eq!(moved.empty_reason(), Some(&EmptyReason::DecryptionFailed));
}

#[test]
fn re_chunking_and_mixing_generations_are_refused() {
    let engine = encrypted(master(9)).max_cookie_bytes(200).build().unwrap();
    let (first, _) = multi_chunk(&engine, &random_text(9, 400));
    let (second, _) = multi_chunk(&engine, &random_text(10, 400));
    let (a, b) = (
        chunk_values(&first, "session"),
        chunk_values(&second, "session"),
    );
    assert_eq!(a.len(), b.len());
    let mixed = format!("session={}; session.1={}", a[0], b[1]);
    let rest: Vec<String> = (2..a.len())
        .map(|i| format!("session.{i}={}", a[i]))
        .collect();
    let session = engine.load([format!("{mixed}; {}", rest.join("; "))], None);
    assert_eq!(session.empty_reason(), Some(&EmptyReason::DecryptionFailed));
    // The same bytes spread over a different number of chunks: the count
    // is in the associated data.
    let mut bytes = Vec::new();
    for v in &a {
        URL_SAFE_NO_PAD.decode_vec(v, &mut bytes).unwrap();
    }
    bytes[1] = 1;
    let one = format!("session={}", URL_SAFE_NO_PAD.encode(&bytes));
    assert_eq!(
        engine.load([one.as_str()], None).empty_reason(),
        Some(&EmptyReason::DecryptionFailed)
    );
}

#[test]
fn time_is_checked_after_decryption() {
    set_now(1_800_000_000);
    let engine = encrypted(master(10))
        .max_age(std::time::Duration::from_secs(100))
        .build()
        .unwrap();
    let (jar, _) = multi_chunk(&engine, "x");
    set_now(1_800_000_101);
    let late = engine.load([jar.header()], None);
    assert_eq!(late.empty_reason(), Some(&EmptyReason::Expired));
    set_now(1_800_000_000);
}

#[test]
fn compression_is_off_by_default_and_can_be_turned_on() {
    let cart = json!({"cart": vec!["apple"; 200]});
    let measure = |engine: &Engine, per_session: Option<bool>| {
        let mut session = engine.load(Vec::<&str>::new(), None);
        if let Some(c) = per_session {
            session.set_compression(c);
        }
        session.insert("cart", &cart["cart"]).unwrap();
        engine.save(&mut session).unwrap().report
    };
    let off = measure(&encrypted(master(11)).build().unwrap(), None);
    let on = measure(&encrypted(master(11)).compress(true).build().unwrap(), None);
    let per_session = measure(&encrypted(master(11)).build().unwrap(), Some(true));
    assert!(!off.deflated);
    assert!(on.deflated && per_session.deflated);
    assert_eq!(on.value_bytes, per_session.value_bytes);
    assert!(on.value_bytes * 5 < off.value_bytes, "{on:?} {off:?}");
    // Signing keeps compressing by default.
    let signed = measure(&common::builder(1).build().unwrap(), None);
    assert!(signed.deflated);
}

#[test]
fn shrinking_counts_the_encrypted_length() {
    // One 300-byte cookie: the callback must run until the encrypted
    // envelope, 14 bytes more than a signed one, fits.
    let build = |encrypt: bool| {
        let b = if encrypt {
            encrypted(master(12))
        } else {
            common::builder(12)
        };
        b.compress(false)
            .max_cookie_bytes(300)
            .max_chunks(1)
            .on_shrink(["items"], |data, last| {
                let mut items: Vec<String> = data.get("items").ok().flatten().unwrap_or_default();
                if last || items.len() <= 1 {
                    data.remove("items");
                } else {
                    items.pop();
                    let _ = data.insert("items", &items);
                }
            })
            .build()
            .unwrap()
    };
    let items: Vec<String> = (0..40).map(|i| format!("item{i:02}")).collect();
    let mut kept = Vec::new();
    for encrypt in [false, true] {
        let engine = build(encrypt);
        let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
        session.insert("items", &items).unwrap();
        let saved = engine.save(&mut session).unwrap();
        let line = &saved.set_cookies[0];
        let pair = line.split(';').next().unwrap();
        assert!(pair.len() - 1 <= 300, "{} bytes", pair.len() - 1);
        assert_eq!(saved.report.value_bytes, pair.len() - "session=".len());
        assert!(saved.report.value_bytes + 19 > 300 - "session".len());
        let back = engine.load([pair], Some(CHROME));
        kept.push(back.get::<Vec<String>>("items").unwrap().unwrap().len());
    }
    // 14 more bytes of envelope are 19 base64 characters: two fewer items.
    assert!(kept[1] < kept[0], "{kept:?}");
}

#[test]
fn a_site_moves_from_signed_to_encrypted_without_logging_anyone_out() {
    let signed = common::builder(13).build().unwrap();
    let mut jar = Jar::default();
    let mut session = signed.load(Vec::<&str>::new(), None);
    session.insert("user", &"ada").unwrap();
    save_into(&signed, &mut session, &mut jar);
    let engine = Engine::builder(key(13))
        .clock(now)
        .secure(false)
        .encrypt(master(14))
        .build()
        .unwrap();
    let mut session = engine.load([jar.header()], None);
    assert_eq!(
        session.get::<String>("user").unwrap().as_deref(),
        Some("ada")
    );
    let report = save_into(&engine, &mut session, &mut jar);
    assert_eq!(report.reason, Some(SaveReason::OldKey));
    let view = EnvelopeView::decode([jar.get("session").unwrap()]).unwrap();
    assert!(view.is_encrypted());
    // Engine::encrypted reads only signed sessions whose signing key the
    // same masters derive.
    let ring = MasterRing::new(master(14));
    let derived = Engine::builder(ring.signing_ring("session"))
        .clock(now)
        .build()
        .unwrap();
    let mut s = derived.load(Vec::<&str>::new(), None);
    s.insert("user", &"bob").unwrap();
    let line = derived.save(&mut s).unwrap().set_cookies.remove(0);
    let pair = line.split(';').next().unwrap().to_owned();
    let strict = encrypted(ring).build().unwrap();
    assert_eq!(
        strict
            .load([pair.as_str()], None)
            .get::<String>("user")
            .unwrap()
            .as_deref(),
        Some("bob")
    );
    let raw_signed = common::builder(13).build().unwrap();
    let mut s = raw_signed.load(Vec::<&str>::new(), None);
    s.insert("user", &"eve").unwrap();
    let line = raw_signed.save(&mut s).unwrap().set_cookies.remove(0);
    let pair = line.split(';').next().unwrap().to_owned();
    assert_eq!(
        strict.load([pair.as_str()], None).empty_reason(),
        Some(&EmptyReason::BadSignature)
    );
}

#[test]
fn a_signing_engine_leaves_young_encrypted_cookies_alone_then_expires_them() {
    set_now(1_800_000_000);
    let writer = encrypted(master(15)).build().unwrap();
    let (jar, _) = multi_chunk(&writer, "x");
    let signer = common::builder(15).build().unwrap();
    let mut session = signer.load([jar.header()], None);
    assert_eq!(
        session.empty_reason(),
        Some(&EmptyReason::UnsupportedFlags(0b0100))
    );
    assert!(signer.save(&mut session).unwrap().set_cookies.is_empty());
    set_now(1_800_000_061);
    let mut session = signer.load([jar.header()], None);
    let saved = signer.save(&mut session).unwrap();
    assert_eq!(saved.report.reason, Some(SaveReason::Rejected));
    assert_eq!(saved.report.expired, vec!["session".to_owned()]);
    // The same holds for a key id that the reader does not know yet.
    set_now(1_800_000_000);
    let (jar, _) = multi_chunk(&writer, "y");
    let other = encrypted(master(16)).build().unwrap();
    let mut session = other.load([jar.header()], None);
    assert_eq!(session.empty_reason(), Some(&EmptyReason::UnknownKey));
    assert!(other.save(&mut session).unwrap().set_cookies.is_empty());
}

#[test]
fn nothing_prints_key_material() {
    let secret = b"0123456789abcdef0123456789abcdef-secret".to_vec();
    let engine = Engine::builder(cookietin::Key::try_from_bytes(&secret).unwrap())
        .encrypt(MasterKey::try_from_bytes(&secret).unwrap())
        .build()
        .unwrap();
    let printed = format!("{engine:?} {engine:#?}");
    assert!(!printed.contains("0123456789"), "{printed}");
    assert!(!printed.contains("48, 49"), "{printed}");
    assert!(printed.contains("encrypted: true"), "{printed}");
    let b64 = URL_SAFE_NO_PAD.encode(&secret);
    let err = MasterRing::from_base64_list(&format!("{b64},{}x", &b64[..30])).unwrap_err();
    assert!(matches!(err, ConfigError::InvalidSecret { index: 1, .. }));
    assert!(!err.to_string().contains(&b64[..30]), "{err}");
}

/// The exact cookie value bytes of every corpus session, encrypted with
/// compression off (the default) and on, beside the signed figures of
/// `tests/wire_bytes.rs`.
#[test]
fn corpus_wire_bytes_are_exactly_these() {
    const SIGNED: [usize; 6] = [98, 495, 1090, 1714, 4160, 6095];
    // Compressed: deflate by the engine's own encoders (format 1's
    // encoder gave 511, 1115, 1743 and 4190 for the middle four).
    const ENCRYPTED: [(&str, usize, usize); 6] = [
        ("tiny_login", 159, 116),
        ("cart_20", 1943, 514),
        ("cart_60", 5451, 1108),
        ("oidc_tokens", 3452, 1732),
        ("wizard_form", 7088, 4179),
        ("random_blob_6k", 8063, 6114),
    ];
    let mut measured = Vec::new();
    for (i, (name, entries)) in corpus::ordered().into_iter().enumerate() {
        let mut sizes = Vec::new();
        for compress in [false, true] {
            let engine = Engine::encrypted(master(17))
                .compress(compress)
                .header_budget(None)
                .build()
                .unwrap();
            let mut session = engine.load(Vec::<&str>::new(), Some(corpus::CHROME));
            for (k, v) in &entries {
                session.data_mut().insert_raw(k, v.clone());
            }
            let saved = engine.save(&mut session).unwrap();
            assert!(saved.report.shrink.is_untouched(), "{name}");
            let total: usize = saved
                .set_cookies
                .iter()
                .map(|l| common::value_of(l).len())
                .sum();
            assert_eq!(total, saved.report.value_bytes);
            if !compress {
                let json = corpus::json_len(&entries);
                assert_eq!(total, (4 * (json + 36)).div_ceil(3));
            }
            sizes.push(total);
        }
        println!(
            "{name}: signed {}, encrypted {} (compressed {})",
            SIGNED[i], sizes[0], sizes[1]
        );
        measured.push((name, sizes[0], sizes[1]));
    }
    assert_eq!(measured, ENCRYPTED);
}
