//! Every way a request's session cookies can be wrong, one test each: the
//! exact outcome of the load (the intact session, or an empty one with its
//! [`EmptyReason`]) and what a save does afterwards.
//!
//! Envelopes with another version, flags or payload but a valid MAC are built
//! here by hand, following the format described in `src/codec/mod.rs`.

mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::*;
use cookietin::{EmptyReason, Engine, KeyRing, SaveAction, SaveReason, Saved, Session};
use hmac::{Hmac, Mac};
use sha2::Sha256;

// ---------------------------------------------------------------------------
// Helpers

/// Saves, applies the Set-Cookies to the jar, and returns what the save did.
fn cycle(engine: &Engine, jar: &mut Jar, edit: impl FnOnce(&mut Session)) -> Saved {
    let mut session = engine.load([jar.header()], Some(CHROME));
    edit(&mut session);
    let saved = engine.save(&mut session).unwrap();
    jar.apply(&saved.set_cookies);
    saved
}

/// An engine whose sessions spread over several 2000-byte cookies.
fn chunky() -> Engine {
    builder(1)
        .max_cookie_bytes(2000)
        .header_budget(None)
        .build()
        .unwrap()
}

/// A session of `chunks` cookies holding one incompressible `blob`: the
/// cookies, in order, and the blob.
fn session_of(engine: &Engine, seed: u64, chunks: usize) -> (Vec<(String, String)>, String) {
    // Random base64 text deflates to about 3/4 of its length, which base64
    // takes back to about its length; a cookie holds about 1,990 characters.
    let blob = random_text(seed, (chunks - 1) * 1990 + 1000);
    let mut jar = Jar::default();
    cycle(engine, &mut jar, |s| s.insert("blob", &blob).unwrap());
    let names: Vec<String> = (0..chunks)
        .map(|i| match i {
            0 => "session".to_owned(),
            i => format!("session.{i}"),
        })
        .collect();
    assert_eq!(jar.names(), names, "setup: expected {chunks} chunks");
    (jar.cookies, blob)
}

fn three_chunks(engine: &Engine, seed: u64) -> (Vec<(String, String)>, String) {
    session_of(engine, seed, 3)
}

/// A one-cookie session holding `{"a": 1}` under the default engine.
fn one_chunk(engine: &Engine) -> String {
    let mut jar = Jar::default();
    cycle(engine, &mut jar, |s| s.insert("a", &1).unwrap());
    jar.get("session").unwrap().to_owned()
}

/// `name=value; name=value...` in the order given, duplicates allowed.
fn header(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn as_refs(cookies: &[(String, String)]) -> Vec<(&str, &str)> {
    cookies
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// Replaces the base64 character at `at` with another valid one.
fn flip(value: &str, at: usize) -> String {
    let mut bytes = value.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn load<H: AsRef<[u8]>>(engine: &Engine, headers: &[H]) -> Session {
    engine.load(headers.iter().map(|h| h.as_ref()), Some(CHROME))
}

/// The distinct names of the session's chunks in `headers`, in index order.
fn carried_names<H: AsRef<[u8]>>(headers: &[H]) -> Vec<String> {
    let mut indices: Vec<usize> = headers
        .iter()
        .flat_map(|h| {
            String::from_utf8_lossy(h.as_ref())
                .split(';')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|piece| {
            let name = piece.split('=').next()?.trim().to_owned();
            match name.strip_prefix("session")? {
                "" => Some(0),
                rest => {
                    let digits = rest.strip_prefix('.')?;
                    (!digits.starts_with('0') && digits.len() <= 3)
                        .then(|| digits.parse::<usize>().ok())
                        .flatten()
                        .filter(|&i| i < 255)
                }
            }
        })
        .collect();
    indices.sort_unstable();
    indices.dedup();
    if !indices.is_empty() && indices[0] != 0 {
        indices.insert(0, 0);
    }
    indices
        .into_iter()
        .map(|i| {
            if i == 0 {
                "session".to_owned()
            } else {
                format!("session.{i}")
            }
        })
        .collect()
}

/// Whether a rejection may be a write still in flight: the engine leaves
/// such cookies alone while their first cookie claims to be under a
/// minute old.
fn transient(reason: &EmptyReason) -> bool {
    matches!(
        reason,
        EmptyReason::BadSignature
            | EmptyReason::UnsupportedVersion(_)
            | EmptyReason::UnsupportedFlags(_)
    ) || matches!(reason, EmptyReason::ChunkMissing { index } if *index > 0)
}

/// Asserts that `saved` expired exactly `names` (the first cookie
/// included) and wrote nothing.
fn expired_all(saved: &Saved, names: &[String]) {
    assert_eq!(
        saved.report.action,
        SaveAction::Cleared,
        "{:?}",
        saved.report
    );
    assert_eq!(saved.report.reason, Some(SaveReason::Rejected));
    assert_eq!(saved.report.expired, names);
    assert_eq!(saved.set_cookies.len(), names.len());
    for (line, name) in saved.set_cookies.iter().zip(names) {
        assert!(line.starts_with(&format!("{name}=;")), "{line}");
        assert!(line.contains("Max-Age=0"), "{line}");
    }
}

/// Loads `headers` and asserts the session is empty for `reason`; then
/// that a save of the untouched session expires every rejected cookie (and
/// the first cookie's name), except for a transient rejection of cookies
/// that claim to be fresh, which is left alone until it is a minute old and
/// then expired. Returns the session as loaded, unsaved.
fn rejected<H: AsRef<[u8]>>(engine: &Engine, headers: &[H], reason: EmptyReason) -> Session {
    let load_rejected = || {
        let session = load(engine, headers);
        assert!(session.is_empty(), "{:?}", session.data());
        assert_eq!(session.empty_reason(), Some(&reason));
        assert_eq!(session.issued_at(), None);
        session
    };
    let names = carried_names(headers);
    let saved = engine.save(&mut load_rejected()).unwrap();
    if saved.report.action == SaveAction::Unchanged {
        assert!(
            transient(&reason),
            "{reason:?} left alone: {:?}",
            saved.report
        );
        assert!(saved.set_cookies.is_empty(), "{:?}", saved.set_cookies);
        let start = now();
        set_now(start + 61);
        let later = engine.save(&mut load_rejected()).unwrap();
        set_now(start);
        expired_all(&later, &names);
    } else {
        expired_all(&saved, &names);
    }
    load_rejected()
}

/// Writes a new value into a rejected session: the other chunk names the
/// request carried are expired first, then one cookie is written, and it
/// loads.
fn rewrite(engine: &Engine, mut session: Session, expired: &[&str]) {
    session.insert("fresh", &true).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Written);
    assert_eq!(saved.report.chunks, 1);
    assert_eq!(saved.report.expired, expired);
    assert_eq!(saved.set_cookies.len(), 1 + expired.len());
    for (line, name) in saved.set_cookies.iter().zip(expired) {
        assert!(
            line.starts_with(&format!("{name}=;")),
            "removals first: {line}"
        );
    }
    let pair = saved.set_cookies[expired.len()].split(';').next().unwrap();
    assert!(pair.starts_with("session="), "{pair}");
    let again = load(engine, &[pair]);
    assert_eq!(again.get::<bool>("fresh").unwrap(), Some(true));
}

/// Loads `headers` and asserts the session survived with `blob`; that an
/// untouched save sends nothing (leftovers stay: removing them alone could
/// break a concurrent write); and that the next write expires `expired`
/// before writing.
fn survives<H: AsRef<[u8]>>(engine: &Engine, headers: &[H], blob: &str, expired: &[&str]) {
    let mut session = load(engine, headers);
    assert_eq!(session.empty_reason(), None);
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some(blob)
    );
    assert!(session.issued_at().is_some());
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Unchanged);
    assert!(saved.set_cookies.is_empty(), "{:?}", saved.set_cookies);
    assert!(saved.report.expired.is_empty());
    session.insert("touched", &true).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Written);
    assert_eq!(saved.report.expired, expired);
    for (line, name) in saved.set_cookies.iter().zip(expired) {
        assert!(line.starts_with(&format!("{name}=;")), "{line}");
        assert!(line.contains("Max-Age=0"), "{line}");
    }
}

// The envelope, by hand (see the format table in src/codec/mod.rs).

const V1: u8 = 1 << 4;
const DEFLATE: u8 = 0b0001;

/// Signs `first_byte || chunks || issued_at || payload` for the base cookie
/// `name` with the test key `[key_byte; 32]`, and base64url-encodes it.
fn envelope(
    key_byte: u8,
    name: &str,
    first_byte: u8,
    chunks: u8,
    issued_at: u32,
    payload: &[u8],
) -> String {
    let mut bytes = vec![first_byte, chunks];
    bytes.extend_from_slice(&issued_at.to_be_bytes());
    bytes.extend_from_slice(payload);
    let mut mac = Hmac::<Sha256>::new_from_slice(&[key_byte; 32]).unwrap();
    mac.update(&[name.len() as u8]);
    mac.update(name.as_bytes());
    mac.update(&bytes);
    bytes.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A version-1 envelope for `session` under key 1, issued now.
fn signed(flags: u8, chunks: u8, payload: &[u8]) -> String {
    envelope(1, "session", V1 | flags, chunks, now() as u32, payload)
}

/// Raw deflate without the format's preset dictionary: a stream that never
/// refers back into the dictionary inflates the same with it, so this is a
/// valid version-1 payload.
fn raw_deflate(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

/// Splits `value` into `n` pieces, every one but the last a whole number of
/// base64 quanta, named as chunks of `session`.
fn chunked(value: &str, n: usize) -> Vec<(String, String)> {
    let per = value.len() / n / 4 * 4;
    (0..n)
        .map(|i| {
            let name = match i {
                0 => "session".to_owned(),
                i => format!("session.{i}"),
            };
            let end = if i + 1 == n {
                value.len()
            } else {
                (i + 1) * per
            };
            (name, value[i * per..end].to_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Altered chunks

#[test]
fn hand_built_envelope_loads_as_a_control() {
    // The hand-built envelope is right, so the rejections below are for the
    // reason each test changes, not for a mistake in the builder.
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"x"}"#);
    survives(&engine, &[format!("session={value}")], "x", &[]);
    let packed = raw_deflate(br#"{"blob":"y"}"#);
    let value = signed(DEFLATE, 2, &packed);
    let pairs = chunked(&value, 2);
    survives(&engine, &[header(&as_refs(&pairs))], "y", &["session.1"]);
}

#[test]
fn flipped_byte_in_the_first_chunk_fails_the_mac() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 1);
    c[0].1 = flip(&c[0].1, c[0].1.len() / 2);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn flipped_byte_in_the_middle_chunk_fails_the_mac() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 2);
    c[1].1 = flip(&c[1].1, c[1].1.len() / 2);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn flipped_byte_in_the_last_chunk_fails_the_mac() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 3);
    c[2].1 = flip(&c[2].1, c[2].1.len() / 2);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn flipped_bit_in_the_tag_fails_the_mac() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    // The tag's last 16 bytes end the value; change a character well inside it.
    let tampered = flip(&value, value.len() - 10);
    rejected(
        &engine,
        &[format!("session={tampered}")],
        EmptyReason::BadSignature,
    );
}

#[test]
fn chunk_count_rewritten_in_the_header_fails_the_mac() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 4);
    let mut head = [0u8; 6];
    URL_SAFE_NO_PAD
        .decode_slice(&c[0].1[..8], &mut head)
        .unwrap();
    assert_eq!(head[1], 3);
    head[1] = 2;
    c[0].1 = format!("{}{}", URL_SAFE_NO_PAD.encode(head), &c[0].1[8..]);
    // Two chunks are now gathered; the count is signed, so the MAC fails.
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn first_chunk_truncated_by_one_character_is_malformed() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 5);
    c[0].1.pop();
    // A chunk before the last must be whole base64 quanta.
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::Malformed);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn first_chunk_truncated_by_a_whole_quantum_fails_the_mac() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 6);
    let len = c[0].1.len();
    c[0].1.truncate(len - 4);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn first_chunk_shorter_than_the_header_is_malformed() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 7);
    c[0].1.truncate(7);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::Malformed);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn last_chunk_truncated_by_a_whole_quantum_fails_the_mac() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 8);
    // Cut to whole quanta, so what is left decodes.
    let keep = (c[2].1.len() - 1) / 4 * 4;
    c[2].1.truncate(keep);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn last_chunk_cut_to_an_impossible_base64_length_is_malformed() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 9);
    // n % 4 == 1 characters can't be base64 at all.
    let len = c[2].1.len();
    let keep = (len - 4) / 4 * 4 + 1;
    c[2].1.truncate(keep);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::Malformed);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn missing_first_chunk_is_reported_as_chunk_zero() {
    let engine = chunky();
    let (c, _) = three_chunks(&engine, 10);
    let s = rejected(
        &engine,
        &[header(&as_refs(&c[1..]))],
        EmptyReason::ChunkMissing { index: 0 },
    );
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn missing_middle_chunk_is_reported_by_index() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 11);
    c.remove(1);
    let s = rejected(
        &engine,
        &[header(&as_refs(&c))],
        EmptyReason::ChunkMissing { index: 1 },
    );
    rewrite(&engine, s, &["session.2"]);
}

#[test]
fn missing_last_chunk_is_reported_by_index() {
    let engine = chunky();
    let (mut c, _) = three_chunks(&engine, 12);
    c.pop();
    let s = rejected(
        &engine,
        &[header(&as_refs(&c))],
        EmptyReason::ChunkMissing { index: 2 },
    );
    rewrite(&engine, s, &["session.1"]);
}

#[test]
fn extra_chunk_beyond_the_count_is_ignored_then_expired() {
    let engine = chunky();
    let (mut c, blob) = three_chunks(&engine, 13);
    c.push(("session.3".into(), random_text(99, 1000)));
    c.push(("session.200".into(), "AAAA".into()));
    survives(
        &engine,
        &[header(&as_refs(&c))],
        &blob,
        &["session.3", "session.200"],
    );
}

#[test]
fn duplicated_middle_chunk_with_the_bad_copy_first_survives() {
    // Copies are tried in the order sent: (bad .1, .2) fails the MAC, then
    // (good .1, .2) verifies.
    let engine = chunky();
    let (c, blob) = three_chunks(&engine, 14);
    let bad = flip(&c[1].1, 100);
    let pairs = [
        (c[0].0.as_str(), c[0].1.as_str()),
        ("session.1", bad.as_str()),
        (c[1].0.as_str(), c[1].1.as_str()),
        (c[2].0.as_str(), c[2].1.as_str()),
    ];
    survives(&engine, &[header(&pairs)], &blob, &[]);
}

#[test]
fn duplicated_middle_chunk_with_the_bad_copy_second_survives() {
    let engine = chunky();
    let (c, blob) = three_chunks(&engine, 15);
    let pairs = [
        (c[0].0.as_str(), c[0].1.as_str()),
        (c[1].0.as_str(), c[1].1.as_str()),
        ("session.1", "garbage-that-is-not-even-base64!"),
        (c[2].0.as_str(), c[2].1.as_str()),
    ];
    survives(&engine, &[header(&pairs)], &blob, &[]);
}

#[test]
fn swapped_chunks_fail_the_mac() {
    let engine = chunky();
    let (mut c, _) = session_of(&engine, 16, 4);
    // .1 and .2 are both full-length, so each still decodes in its new place.
    assert_eq!(c[1].1.len(), c[2].1.len());
    let one = std::mem::take(&mut c[1].1);
    c[1].1 = std::mem::replace(&mut c[2].1, one);
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2", "session.3"]);
}

#[test]
fn chunks_mixed_from_two_saves_fail_the_mac() {
    let engine = chunky();
    let (a, _) = three_chunks(&engine, 17);
    let (mut b, _) = three_chunks(&engine, 18);
    assert_eq!(a[1].1.len(), b[1].1.len());
    b[1].1.clone_from(&a[1].1);
    let s = rejected(&engine, &[header(&as_refs(&b))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn chunks_mixed_from_two_saves_one_second_apart_fail_the_mac() {
    // The same data saved twice differs only in the issued-at time, which
    // lives in the first chunk: the last chunk of one can't finish the other.
    let engine = chunky();
    let (a, _) = three_chunks(&engine, 19);
    set_now(now() + 1);
    let (mut b, _) = three_chunks(&engine, 19);
    assert_ne!(a[0].1, b[0].1);
    b[2].1.clone_from(&a[2].1);
    b[1].1.clone_from(&a[1].1);
    let s = rejected(&engine, &[header(&as_refs(&b))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

// ---------------------------------------------------------------------------
// Names and keys

#[test]
fn value_moved_to_another_cookie_name_fails_the_mac() {
    let engine = builder(1).build().unwrap();
    let other = builder(1).cookie_name("other").build().unwrap();
    let value = one_chunk(&engine);
    let moved = format!("other={value}");
    let mut session = other.load([moved.as_str()], Some(CHROME));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::BadSignature));
    let saved = other.save(&mut session).unwrap();
    assert!(saved.set_cookies.is_empty());
    // And the original name still takes it.
    let session = engine.load([format!("session={value}")], Some(CHROME));
    assert_eq!(session.get::<u8>("a").unwrap(), Some(1));
}

#[test]
fn one_chunk_value_moved_to_a_chunk_name_is_chunk_zero_missing() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    let s = rejected(
        &engine,
        &[format!("session.1={value}")],
        EmptyReason::ChunkMissing { index: 0 },
    );
    rewrite(&engine, s, &["session.1"]);
}

#[test]
fn names_that_only_resemble_chunk_names_are_not_ours() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    // Cookie names are case-sensitive, and chunk indices canonical.
    for name in [
        "SESSION",
        "Session",
        "session.0",
        "session.01",
        "session.255",
    ] {
        let mut session = load(&engine, &[format!("{name}={value}")]);
        assert!(session.is_empty(), "{name}");
        assert_eq!(session.empty_reason(), None, "{name}");
        assert_eq!(session.request_chunks(), 0, "{name}");
        assert_eq!(engine.budget(&session).other_cookies, 1, "{name}");
        assert!(engine.save(&mut session).unwrap().set_cookies.is_empty());
    }
}

#[test]
fn wrong_key_fails_the_mac() {
    let engine = chunky();
    let (c, _) = three_chunks(
        &builder(7)
            .max_cookie_bytes(2000)
            .header_budget(None)
            .build()
            .unwrap(),
        20,
    );
    let s = rejected(&engine, &[header(&as_refs(&c))], EmptyReason::BadSignature);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn old_key_in_the_ring_loads_and_save_reissues_under_the_new_key() {
    let old = chunky();
    let (c, blob) = three_chunks(&old, 21);
    let rotated = Engine::builder(KeyRing::new(key(2)).with_old_key(key(1)))
        .clock(now)
        .secure(false)
        .max_cookie_bytes(2000)
        .header_budget(None)
        .build()
        .unwrap();
    let mut session = load(&rotated, &[header(&as_refs(&c))]);
    assert_eq!(session.empty_reason(), None);
    assert_eq!(session.get::<String>("blob").unwrap(), Some(blob.clone()));
    assert!(!session.is_modified());
    set_now(now() + 5);
    let saved = rotated.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Written);
    assert_eq!(saved.report.chunks, 3);
    assert!(saved.report.expired.is_empty());
    let mut jar = Jar { cookies: c };
    jar.apply(&saved.set_cookies);

    // A ring holding only the new key reads the re-issued session.
    let new_only = builder(2)
        .max_cookie_bytes(2000)
        .header_budget(None)
        .build()
        .unwrap();
    let session = load(&new_only, &[jar.header()]);
    assert_eq!(session.empty_reason(), None);
    assert_eq!(session.get::<String>("blob").unwrap(), Some(blob));
    assert_eq!(session.issued_at(), Some(now()));
    // The re-issued session, read again by the rotated engine, is not
    // rewritten a second time.
    let mut again = load(&rotated, &[jar.header()]);
    let saved = rotated.save(&mut again).unwrap();
    assert_eq!(saved.report.action, SaveAction::Unchanged);
    assert!(saved.set_cookies.is_empty());
    // The old key alone no longer verifies it.
    rejected(&old, &[jar.header()], EmptyReason::BadSignature);
}

// ---------------------------------------------------------------------------
// Time

#[test]
fn expired_session_is_rejected_and_left_alone() {
    let engine = builder(1)
        .max_age(Duration::from_secs(600))
        .build()
        .unwrap();
    let value = one_chunk(&engine);
    set_now(now() + 601);
    let s = rejected(&engine, &[format!("session={value}")], EmptyReason::Expired);
    rewrite(&engine, s, &[]);
}

#[test]
fn issued_at_zero_is_expired() {
    let engine = builder(1).build().unwrap();
    let value = envelope(1, "session", V1, 1, 0, br#"{"a":1}"#);
    rejected(&engine, &[format!("session={value}")], EmptyReason::Expired);
}

#[test]
fn future_issued_at_beyond_the_skew_is_rejected() {
    let engine = builder(1)
        .clock_skew(Duration::from_secs(60))
        .build()
        .unwrap();
    let value = envelope(1, "session", V1, 1, now() as u32 + 61, br#"{"a":1}"#);
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::IssuedInFuture,
    );
    // Within the skew it loads.
    let value = envelope(1, "session", V1, 1, now() as u32 + 60, br#"{"blob":"z"}"#);
    survives(&engine, &[format!("session={value}")], "z", &[]);
}

#[test]
fn issued_at_at_the_end_of_u32_is_in_the_future() {
    let engine = builder(1).build().unwrap();
    let value = envelope(1, "session", V1, 1, u32::MAX, br#"{"a":1}"#);
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::IssuedInFuture,
    );
}

// ---------------------------------------------------------------------------
// Version, flags and header fields, with a valid MAC

#[test]
fn unknown_format_versions_are_rejected() {
    let engine = builder(1).build().unwrap();
    for version in [0u8, 3, 15] {
        let value = envelope(1, "session", version << 4, 1, now() as u32, br#"{"a":1}"#);
        rejected(
            &engine,
            &[format!("session={value}")],
            EmptyReason::UnsupportedVersion(version),
        );
    }
    // Versions 1 and 2 are both read.
    for version in [1u8, 2] {
        let value = envelope(1, "session", version << 4, 1, now() as u32, br#"{"a":1}"#);
        let session = engine.load([format!("session={value}")], None);
        assert_eq!(session.empty_reason(), None, "version {version}");
        assert_eq!(session.get::<u32>("a").unwrap(), Some(1));
    }
}

#[test]
fn reserved_encrypted_flag_is_rejected() {
    let engine = builder(1).build().unwrap();
    let value = signed(0b0100, 1, br#"{"a":1}"#);
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::UnsupportedFlags(0b0100),
    );
}

#[test]
fn every_reserved_flag_is_rejected_and_reported_with_all_flags() {
    let engine = builder(1).build().unwrap();
    let packed = raw_deflate(br#"{"a":1}"#);
    for reserved in [0b0100u8, 0b1000] {
        let value = signed(DEFLATE | reserved, 1, &packed);
        rejected(
            &engine,
            &[format!("session={value}")],
            EmptyReason::UnsupportedFlags(DEFLATE | reserved),
        );
    }
}

#[test]
fn flag_id_needs_its_sixteen_bytes_and_a_client_engine_reads_past_them() {
    let engine = builder(1).build().unwrap();
    // Signed, but too short to hold the id: only a key holder makes this.
    let value = signed(0b0010, 1, b"short");
    rejected(&engine, &[format!("session={value}")], EmptyReason::Corrupt);
    // A whole id, then the payload: the data loads.
    let mut payload = vec![7u8; 16];
    payload.extend_from_slice(br#"{"blob":"z"}"#);
    let value = signed(0b0010, 1, &payload);
    survives(&engine, &[format!("session={value}")], "z", &[]);
}

#[test]
fn zero_chunk_count_is_malformed() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 0, br#"{"a":1}"#);
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::Malformed,
    );
}

#[test]
fn chunk_count_larger_than_the_chunks_present_is_chunk_missing() {
    let engine = builder(1).build().unwrap();
    for count in [2u8, 3, 255] {
        let value = signed(0, count, br#"{"a":1}"#);
        rejected(
            &engine,
            &[format!("session={value}")],
            EmptyReason::ChunkMissing { index: 1 },
        );
    }
    // With chunk 1 present, the first gap is named.
    let value = signed(0, 4, br#"{"a":1}"#);
    let pairs = chunked(&value, 2);
    let s = rejected(
        &engine,
        &[header(&as_refs(&pairs))],
        EmptyReason::ChunkMissing { index: 2 },
    );
    rewrite(&engine, s, &["session.1"]);
}

#[test]
fn envelope_shorter_than_the_smallest_session_is_malformed() {
    let engine = builder(1).build().unwrap();
    // Header and a valid tag over it, but no payload: not even `{}`.
    let value = signed(0, 1, b"");
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::Malformed,
    );
    let value = signed(0, 1, b"{");
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::Malformed,
    );
}

// ---------------------------------------------------------------------------
// Payloads under a valid MAC

#[test]
fn signed_deflate_bomb_stops_at_the_inflate_cap() {
    // max_json_bytes: 256 KiB; the bomb itself is under the encoded cap.
    let engine = builder(1).max_encoded_bytes(64 << 10).build().unwrap();
    let mut json = br#"{"a":""#.to_vec();
    json.resize(json.len() + (8 << 20), b'A');
    json.extend_from_slice(br#""}"#);
    let packed = raw_deflate(&json);
    assert!(packed.len() < 16 << 10, "bomb is {} bytes", packed.len());
    let value = signed(DEFLATE, 1, &packed);
    let s = rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::InflateLimit,
    );
    rewrite(&engine, s, &[]);
}

#[test]
fn inflate_cap_is_exact() {
    let engine = builder(1).max_json_bytes(1000).build().unwrap();
    let json_of = |len: usize| {
        let mut json = br#"{"blob":""#.to_vec();
        json.resize(len - 2, b'q');
        json.extend_from_slice(br#""}"#);
        json
    };
    let at_cap = signed(DEFLATE, 1, &raw_deflate(&json_of(1000)));
    survives(
        &engine,
        &[format!("session={at_cap}")],
        &"q".repeat(989),
        &[],
    );
    let over = signed(DEFLATE, 1, &raw_deflate(&json_of(1001)));
    rejected(
        &engine,
        &[format!("session={over}")],
        EmptyReason::InflateLimit,
    );
}

#[test]
fn uncompressed_payload_over_the_cap_is_rejected() {
    let engine = builder(1).max_json_bytes(1000).build().unwrap();
    let mut json = br#"{"a":""#.to_vec();
    json.resize(2000, b'x');
    json.extend_from_slice(br#""}"#);
    let value = signed(0, 1, &json);
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::InflateLimit,
    );
}

#[test]
fn signed_payloads_that_are_not_a_json_object_are_corrupt() {
    let engine = builder(1).build().unwrap();
    for payload in [
        &b"not json at all"[..],
        b"[1,2,3]",
        br#""a string""#,
        b"42",
        b"null",
        br#"{"a":1}trailing"#,
        br#"{"a":1"#,
        b"{\"a\":\"\xff\xfe\"}",
        br#"{"a":nan}"#,
        br#"{1:2}"#,
    ] {
        let value = signed(0, 1, payload);
        rejected(&engine, &[format!("session={value}")], EmptyReason::Corrupt);
        // The same, deflated.
        let value = signed(DEFLATE, 1, &raw_deflate(payload));
        rejected(&engine, &[format!("session={value}")], EmptyReason::Corrupt);
    }
}

#[test]
fn signed_payload_that_does_not_inflate_is_corrupt() {
    let engine = builder(1).build().unwrap();
    let mut packed = raw_deflate(br#"{"a":"some text to deflate, some text"}"#);
    // Invalid deflate, a truncated stream, and bytes after its end.
    for payload in [vec![0xff; 40], packed[..packed.len() - 2].to_vec(), {
        packed.extend_from_slice(b"xx");
        packed.clone()
    }] {
        let value = signed(DEFLATE, 1, &payload);
        rejected(&engine, &[format!("session={value}")], EmptyReason::Corrupt);
    }
}

#[test]
fn signed_values_serde_json_cannot_represent_load_and_read_without_panicking() {
    // Values are kept as raw JSON text, which serde_json checks without a
    // depth limit and without range-checking numbers; turning them into a
    // `Value` fails (nesting past 128, a number past f64). The session
    // loads, typed reads fail, `get_value` answers `None`, and a save writes
    // the text back as it came.
    let engine = builder(1).build().unwrap();
    let depth = 100_000;
    let mut json = br#"{"deep":"#.to_vec();
    json.extend(std::iter::repeat_n(b'[', depth));
    json.extend(std::iter::repeat_n(b']', depth));
    json.extend_from_slice(br#","huge":1e400,"blob":"ok"}"#);
    let value = signed(DEFLATE, 1, &raw_deflate(&json));
    let mut session = load(&engine, &[format!("session={value}")]);
    assert_eq!(session.empty_reason(), None);
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("ok")
    );
    for key in ["deep", "huge"] {
        assert!(session.get::<serde_json::Value>(key).is_err(), "{key}");
        assert_eq!(session.get_value(key), None, "{key}");
        assert!(session.data().get_raw(key).is_some(), "{key}");
    }
    assert_eq!(session.get::<f64>("huge").unwrap_err().key(), "huge");
    assert_eq!(session.data().to_value(), serde_json::json!({"blob": "ok"}));
    session.renew();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Written);
    assert_eq!(saved.report.json_bytes, json.len());
}

#[test]
fn signed_json_with_a_duplicate_key_keeps_the_last_value() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"first","blob":"second"}"#);
    survives(&engine, &[format!("session={value}")], "second", &[]);
}

// ---------------------------------------------------------------------------
// Values and bytes

#[test]
fn empty_value_is_malformed() {
    let engine = builder(1).build().unwrap();
    let s = rejected(&engine, &["session="], EmptyReason::Malformed);
    rewrite(&engine, s, &[]);
    rejected(&engine, &["session=\"\""], EmptyReason::Malformed);
    rejected(&engine, &["session=   ;"], EmptyReason::Malformed);
}

#[test]
fn quoted_value_is_unquoted() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"quoted"}"#);
    survives(&engine, &[format!("session=\"{value}\"")], "quoted", &[]);
}

#[test]
fn unbalanced_quotes_are_malformed() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    rejected(
        &engine,
        &[format!("session=\"{value}")],
        EmptyReason::Malformed,
    );
    rejected(
        &engine,
        &[format!("session={value}\"")],
        EmptyReason::Malformed,
    );
    rejected(
        &engine,
        &[format!("session=\"\"{value}\"\"")],
        EmptyReason::Malformed,
    );
}

#[test]
fn value_without_equals_sign_is_not_a_session_cookie() {
    let engine = builder(1).build().unwrap();
    for h in ["session", "session; theme=dark", "=session", "=; ="] {
        let mut session = load(&engine, &[h]);
        assert!(session.is_empty(), "{h}");
        assert_eq!(session.empty_reason(), None, "{h}");
        assert_eq!(session.request_chunks(), 0, "{h}");
        let saved = engine.save(&mut session).unwrap();
        assert!(saved.set_cookies.is_empty(), "{h}");
    }
}

#[test]
fn padded_base64_is_malformed() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    let padding = "=".repeat((4 - value.len() % 4) % 4);
    let padded = format!("session={value}{padding}");
    let padded = if padding.is_empty() {
        format!("{padded}====")
    } else {
        padded
    };
    rejected(&engine, &[padded], EmptyReason::Malformed);
}

#[test]
fn standard_alphabet_base64_is_malformed() {
    let engine = builder(1).build().unwrap();
    let bytes = URL_SAFE_NO_PAD
        .decode(signed(0, 1, br#"{"a":"~~~~~~~~>>>>>>>>????????"}"#))
        .unwrap();
    let standard = STANDARD_NO_PAD.encode(&bytes);
    assert!(standard.contains(['+', '/']), "{standard}");
    rejected(
        &engine,
        &[format!("session={standard}")],
        EmptyReason::Malformed,
    );
}

#[test]
fn non_ascii_bytes_in_the_session_value_are_malformed() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    for extra in [
        &b"\xff"[..],
        b"\xc3\xa9",
        b"\xe2\x80\x8b",
        b"\xf0\x9f\x8d\xaa",
    ] {
        let mut raw = b"session=".to_vec();
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(extra);
        rejected(&engine, &[raw], EmptyReason::Malformed);
    }
}

#[test]
fn control_bytes_in_the_session_value_are_malformed() {
    let engine = builder(1).build().unwrap();
    let value = one_chunk(&engine);
    for ctl in [b'\0', 0x01, 0x1b, 0x7f] {
        let mut raw = b"session=".to_vec();
        raw.extend_from_slice(&value.as_bytes()[..20]);
        raw.push(ctl);
        raw.extend_from_slice(&value.as_bytes()[20..]);
        rejected(&engine, &[raw], EmptyReason::Malformed);
    }
    // Whitespace inside the value, too.
    let spaced = format!("session={} {}", &value[..20], &value[20..]);
    rejected(&engine, &[spaced], EmptyReason::Malformed);
}

#[test]
fn non_ascii_and_control_bytes_in_other_cookies_do_not_disturb_the_session() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"ok"}"#);
    let mut raw = b"a=\xff\xfe\x00\x01; caf\xc3\xa9=cr\xc3\xa8me; \x7f\x1b=\x1b[31m; ".to_vec();
    raw.extend_from_slice(format!("session={value}; z=\u{200b}").as_bytes());
    survives(&engine, &[raw], "ok", &[]);
}

#[test]
fn whitespace_around_names_and_values_is_tolerated() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"ws"}"#);
    for h in [
        format!("session = {value}"),
        format!("\tsession={value}\t"),
        format!("a=1;session={value};b=2"),
        format!(";;  ; session={value} ;;"),
        format!("session={value}\r\n"),
    ] {
        survives(&engine, &[h], "ws", &[]);
    }
}

#[test]
fn a_name_ending_in_other_white_space_is_another_cookie() {
    // Browsers trim only spaces and tabs around a name (RFC 6265bis, 5.6),
    // so `session\x0b` is a cookie beside ours, which no save of ours
    // replaces: the budget counts it among the others (found by the
    // `chunk_roundtrip` fuzz target: the budget was 5 bytes short).
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"vt"}"#);
    for h in [
        format!("session\u{b}=; session={value}"),
        format!("session={value}; session\u{c}=x"),
    ] {
        let session = load(&engine, &[&h]);
        assert_eq!(
            session.get::<String>("blob").unwrap().as_deref(),
            Some("vt"),
            "{h:?}"
        );
        let budget = engine.budget(&session);
        assert_eq!(budget.other_cookies, 1, "{h:?}");
        assert_eq!(budget.other_bytes, 9 + h.ends_with('x') as usize);
    }
}

// ---------------------------------------------------------------------------
// Volume

#[test]
fn one_megabyte_foreign_cookie_leaves_the_session_intact() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"big"}"#);
    let h = format!("junk={}; session={value}", "x".repeat(1 << 20));
    let start = Instant::now();
    let mut session = load(&engine, &[&h]);
    // A generous bound against pathological behaviour; tests/bounded.rs
    // checks that the work is linear.
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("big")
    );
    assert_eq!(engine.budget(&session).other_bytes, 5 + (1 << 20));
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(saved.report.action, SaveAction::Unchanged);
    // No room is left in the header budget to write anything: the change
    // is reported lost, and the session's cookie expired.
    session.insert("more", &1).unwrap();
    no_room(&engine, &mut session, &["blob", "more"]);
}

/// Saves a session the request leaves no room for: it is lost, every key
/// is reported dropped, and its cookie is expired.
fn no_room(engine: &Engine, session: &mut Session, keys: &[&str]) {
    let saved = engine.save(session).unwrap();
    assert_eq!(saved.report.action, SaveAction::NoRoom);
    assert_eq!(saved.report.reason, Some(SaveReason::Modified));
    assert_eq!(saved.report.budget.as_ref().unwrap().capacity, 0);
    let mut dropped: Vec<&str> = saved.report.shrink.dropped_keys().collect();
    dropped.sort_unstable();
    assert_eq!(dropped, keys);
    assert!(session.is_empty());
    assert_eq!(saved.report.expired, ["session"]);
    assert_eq!(saved.set_cookies.len(), 1);
    assert!(saved.set_cookies[0].starts_with("session=;"));
}

#[test]
fn one_megabyte_session_value_under_the_cap_fails_the_mac() {
    let engine = builder(1).max_encoded_bytes(2 << 20).build().unwrap();
    // A plausible header (so decoding goes all the way), then noise.
    let head = &signed(0, 1, b"{}")[..8];
    let value = format!(
        "{head}{}",
        random_text(22, 1_000_000 / 4 * 4)
            .replace('+', "-")
            .replace('/', "_")
    );
    let start = Instant::now();
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::BadSignature,
    );
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn session_value_over_the_encoded_cap_is_too_large() {
    let engine = builder(1).max_encoded_bytes(1 << 20).build().unwrap();
    let value = "A".repeat((1 << 20) + 1);
    rejected(
        &engine,
        &[format!("session={value}")],
        EmptyReason::TooLarge,
    );
    // Spread over chunks, the total counts.
    let half = "A".repeat(1 << 19);
    let h = header(&[
        ("session", &half),
        ("session.1", &half),
        ("session.2", "AAAA"),
    ]);
    let s = rejected(&engine, &[h], EmptyReason::TooLarge);
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn ten_thousand_foreign_cookies_leave_the_session_intact() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"many"}"#);
    let mut pairs: Vec<String> = (0..9_999).map(|i| format!("c{i}=v{i}")).collect();
    pairs.insert(5_000, format!("session={value}"));
    let h = pairs.join("; ");
    let start = Instant::now();
    let mut session = load(&engine, &[&h]);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("many")
    );
    assert_eq!(engine.budget(&session).other_cookies, 9_999);
    assert_eq!(
        engine.save(&mut session).unwrap().report.action,
        SaveAction::Unchanged
    );
    // Far past any browser's per-site cookie count: nothing can be written.
    session.insert("more", &1).unwrap();
    no_room(&engine, &mut session, &["blob", "more"]);
}

#[test]
fn ten_thousand_copies_of_the_session_name_are_capped() {
    // Only the first four copies of a name are considered: a valid value
    // sent after four bad ones is not found.
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"copies"}"#);
    let mut pairs: Vec<String> = (0..10_000).map(|i| format!("session=AAAA{i}")).collect();
    pairs.push(format!("session={value}"));
    let start = Instant::now();
    rejected(&engine, &[pairs.join("; ")], EmptyReason::Malformed);
    assert!(start.elapsed() < Duration::from_secs(20));
    // Sent first, it is found, and the copies cost nothing.
    pairs.rotate_right(1);
    survives(&engine, &[pairs.join("; ")], "copies", &[]);
}

#[test]
fn ten_thousand_cookies_over_every_chunk_name_are_bounded() {
    // A first cookie claiming 255 chunks, then every chunk name many times:
    // the MAC attempts are capped, not the 4^254 combinations.
    let engine = builder(1).build().unwrap();
    let mut head = [0u8; 6];
    head[0] = V1;
    head[1] = 255;
    let first = format!("{}{}", URL_SAFE_NO_PAD.encode(head), "A".repeat(40));
    let mut pairs = vec![format!("session={first}")];
    for i in 0..10_000 {
        pairs.push(format!("session.{}=AAAA", 1 + i % 254));
    }
    let start = Instant::now();
    let s = rejected(&engine, &[pairs.join("; ")], EmptyReason::BadSignature);
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(s.request_chunks(), 255);
}

#[test]
fn huge_user_agent_is_harmless() {
    let engine = builder(1).build().unwrap();
    let value = signed(0, 1, br#"{"blob":"ua"}"#);
    let ua = format!("Mozilla/5.0 {}", "(X11; Linux) ".repeat(80_000));
    let session = engine.load([format!("session={value}")], Some(ua.as_str()));
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("ua")
    );
    let junk_ua = "\u{0}\u{ffff}\u{7f}".repeat(10_000);
    let session = engine.load([format!("session={value}")], Some(junk_ua.as_str()));
    assert_eq!(
        session.get::<String>("blob").unwrap().as_deref(),
        Some("ua")
    );
}

// ---------------------------------------------------------------------------
// Copies from other paths, several headers

#[test]
fn path_scoped_copies_sent_first_still_find_the_valid_session() {
    // Browsers send the more specific path's cookies first.
    let engine = chunky();
    let (valid, blob) = three_chunks(&engine, 23);
    let stale_engine = builder(9)
        .max_cookie_bytes(2000)
        .header_budget(None)
        .build()
        .unwrap();
    let (stale, _) = three_chunks(&stale_engine, 24);
    let mut pairs = as_refs(&stale);
    pairs.extend(as_refs(&valid));
    survives(&engine, &[header(&pairs)], &blob, &[]);
    // Interleaved: each name's stale copy first.
    let pairs: Vec<(&str, &str)> = stale
        .iter()
        .zip(&valid)
        .flat_map(|(s, v)| [(s.0.as_str(), s.1.as_str()), (v.0.as_str(), v.1.as_str())])
        .collect();
    survives(&engine, &[header(&pairs)], &blob, &[]);
}

#[test]
fn too_many_path_copies_exhaust_the_mac_attempts() {
    // Three stale copies of each of three chunks before the valid ones make
    // 4 x 4 x 4 combinations; the engine stops after 16 MAC checks.
    let engine = chunky();
    let (valid, _) = three_chunks(&engine, 25);
    let mut pairs = Vec::new();
    for seed in 26..29 {
        let other = builder(seed as u8)
            .max_cookie_bytes(2000)
            .header_budget(None)
            .build()
            .unwrap();
        pairs.extend(three_chunks(&other, seed).0);
    }
    pairs.extend(valid);
    let s = rejected(
        &engine,
        &[header(&as_refs(&pairs))],
        EmptyReason::BadSignature,
    );
    rewrite(&engine, s, &["session.1", "session.2"]);
}

#[test]
fn chunks_split_across_several_cookie_headers_are_joined() {
    // HTTP/2 may send one Cookie header per cookie.
    let engine = chunky();
    let (c, blob) = three_chunks(&engine, 30);
    let headers: Vec<String> = c.iter().rev().map(|(n, v)| format!("{n}={v}")).collect();
    survives(&engine, &headers, &blob, &[]);
}
