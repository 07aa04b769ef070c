//! Golden cookies, kept forever: every cookie that an earlier format
//! version wrote must still load, to the very session it held.
//!
//! `tests/fixtures/wire_v1.json` was written by format version 1 (main at
//! `ced1237`, before format 2) with `write_fixtures` below, fixed keys and
//! a fixed clock; `wire_v2.json` by format version 2. Never regenerate a
//! file of an older version: it records what browsers out there hold.
//!
//! `wire_v2_zstd.json` holds format 2 cookies with compression id 2, zstd
//! (feature `zstd`, `EngineBuilder::zstd`), from the build that brought
//! it.
//!
//! Regenerate the current version's file on purpose only:
//! `FIXTURE_OUT=tests/fixtures/wire_vN.json cargo test --all-features
//! --test wire_fixtures -- --ignored write_fixtures` (a file name with
//! `zstd` in it gets the zstd kinds).
#![cfg(all(feature = "store", feature = "encrypt"))]

#[path = "../benches/support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;

use cookietin::store::MemoryStore;
use cookietin::{Engine, Group, Key, MasterKey, MasterRing, Session};
use serde::{Deserialize, Serialize};

/// The clock every fixture was written at, and is read at.
const NOW: u64 = 1_800_000_000;

fn now() -> u64 {
    NOW
}

fn signing() -> Key {
    Key::try_from_bytes(&[0x5a; 32]).unwrap()
}

fn masters() -> MasterRing {
    MasterRing::new(MasterKey::try_from_bytes(&[0xc3; 32]).unwrap())
}

/// The engine configurations the fixtures cover, by name.
const KINDS: [&str; 8] = [
    "signed",
    "signed_raw",
    "signed_small_chunks",
    "encrypted",
    "encrypted_deflate",
    "revocable_id",
    "revocable_id_encrypted",
    "groups",
];

/// The kinds of `wire_v2_zstd.json`: zstd engines (feature `zstd`).
const ZSTD_KINDS: [&str; 3] = ["signed_zstd", "encrypted_zstd", "revocable_id_zstd"];

/// The kinds a fixture file covers.
fn kinds_of(file: &str) -> &'static [&'static str] {
    match file.contains("zstd") {
        true => &ZSTD_KINDS,
        false => &KINDS,
    }
}

/// A client engine of kind `kind` (the kinds without a store).
fn client(kind: &str) -> Option<Engine> {
    let engine = match kind {
        "signed" => Engine::builder(signing()).clock(now).build(),
        "signed_raw" => Engine::builder(signing())
            .clock(now)
            .compress(false)
            .build(),
        "signed_small_chunks" => Engine::builder(signing())
            .clock(now)
            .max_cookie_bytes(400)
            .build(),
        "encrypted" => Engine::encrypted(masters()).clock(now).build(),
        "encrypted_deflate" => Engine::encrypted(masters())
            .clock(now)
            .compress(true)
            .build(),
        #[cfg(feature = "zstd")]
        "signed_zstd" => Engine::builder(signing()).clock(now).zstd(true).build(),
        #[cfg(feature = "zstd")]
        "encrypted_zstd" => Engine::encrypted(masters())
            .clock(now)
            .compress(true)
            .zstd(true)
            .build(),
        "groups" => Engine::builder(signing())
            .clock(now)
            .group(
                Group::new(Engine::builder(signing()).cookie_name("cart").clock(now))
                    .claims(["items", "cart"]),
            )
            .build(),
        _ => return None,
    };
    Some(engine.unwrap())
}

/// A store-backed engine of kind `kind`: the data in the cookie, with a
/// session id (flag `ID`) for the revocation check.
fn stored(kind: &str) -> cookietin::Engine<cookietin::Stored> {
    let builder = match kind {
        "revocable_id" => Engine::builder(signing()),
        "revocable_id_encrypted" => Engine::encrypted(masters()).compress(true),
        #[cfg(feature = "zstd")]
        "revocable_id_zstd" => Engine::builder(signing()).zstd(true),
        other => panic!("no kind {other}"),
    };
    builder
        .clock(now)
        .revocable(MemoryStore::new().clock(now))
        .build()
        .unwrap()
}

fn block_on<F: std::future::IntoFuture>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f.into_future())
}

fn load(kind: &str, header: &str) -> Session {
    match client(kind) {
        Some(engine) => engine.load([header], Some(corpus::CHROME)),
        None => block_on(stored(kind).load([header], Some(corpus::CHROME))),
    }
}

/// One golden cookie: what an engine of `kind` wrote for `session`.
#[derive(Debug, Serialize, Deserialize)]
struct Fixture {
    kind: String,
    session: String,
    /// The request's Cookie header: every chunk of every group.
    cookie_header: String,
    /// How many cookies the header holds.
    cookies: usize,
    /// The session, as compact JSON.
    json: String,
}

fn json_of(session: &Session) -> String {
    session.data().to_value().to_string()
}

/// The `name=value` pairs of a save's Set-Cookie lines, as a browser
/// would send them back.
fn header_of(lines: &[String]) -> (String, usize) {
    let pairs: Vec<&str> = lines
        .iter()
        .filter(|line| !line.contains("Max-Age=0") && !line.contains("1970"))
        .map(|line| line.split(';').next().unwrap())
        .collect();
    (pairs.join("; "), pairs.len())
}

fn sessions_for(kind: &str) -> Vec<(&'static str, corpus::Entries)> {
    let all = corpus::ordered();
    match kind {
        "signed" | "encrypted_deflate" | "signed_small_chunks" | "signed_zstd" => all,
        _ => all
            .into_iter()
            .filter(|(name, _)| ["tiny_login", "cart_20", "wizard_form"].contains(name))
            .collect(),
    }
}

fn fill(session: &mut Session, entries: &corpus::Entries) {
    for (k, v) in entries {
        session.data_mut().insert_raw(k, v.clone());
    }
}

#[test]
#[ignore = "writes the current format's fixtures; run on purpose only"]
fn write_fixtures() {
    let out = std::env::var("FIXTURE_OUT").expect("FIXTURE_OUT names the file to write");
    let mut fixtures = Vec::new();
    for &kind in kinds_of(&out) {
        for (name, entries) in sessions_for(kind) {
            let lines = match client(kind) {
                Some(engine) => {
                    let mut session = engine.load(Vec::<&str>::new(), Some(corpus::CHROME));
                    fill(&mut session, &entries);
                    engine.save(&mut session).unwrap().set_cookies
                }
                None => block_on(async {
                    let engine = stored(kind);
                    let mut session = engine.load(Vec::<&str>::new(), Some(corpus::CHROME)).await;
                    fill(&mut session, &entries);
                    engine.save(&mut session).await.unwrap().set_cookies
                }),
            };
            let (cookie_header, cookies) = header_of(&lines);
            let loaded = load(kind, &cookie_header);
            assert_eq!(loaded.empty_reason(), None, "{kind} {name}");
            fixtures.push(Fixture {
                kind: kind.into(),
                session: name.into(),
                cookie_header,
                cookies,
                json: json_of(&loaded),
            });
        }
    }
    std::fs::write(out, serde_json::to_string_pretty(&fixtures).unwrap() + "\n").unwrap();
}

fn fixtures(file: &str) -> Vec<Fixture> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The corpus session a fixture holds, as compact JSON (the fixture's own
/// record of it must agree).
fn corpus_json(name: &str) -> String {
    let entries: BTreeMap<String, _> = corpus::sessions().remove(name).unwrap();
    serde_json::to_value(&entries).unwrap().to_string()
}

fn check_file(file: &str, version: u8) {
    let fixtures = fixtures(file);
    let kinds = kinds_of(file);
    assert!(
        fixtures.len() >= 4 * kinds.len(),
        "{file}: {} fixtures",
        fixtures.len()
    );
    for kind in kinds {
        assert!(
            fixtures.iter().any(|f| f.kind == *kind),
            "{file} covers {kind}"
        );
    }
    assert!(
        fixtures.iter().any(|f| f.cookies > 1),
        "{file} has multi-chunk cookies"
    );
    for fixture in &fixtures {
        let what = format!("{file}: {} {}", fixture.kind, fixture.session);
        assert_eq!(fixture.json, corpus_json(&fixture.session), "{what}");
        assert_eq!(version_of(&fixture.cookie_header), version, "{what}");
        let session = load(&fixture.kind, &fixture.cookie_header);
        assert_eq!(session.empty_reason(), None, "{what}");
        assert_eq!(json_of(&session), fixture.json, "{what}");
        assert_eq!(session.issued_at(), Some(NOW), "{what}");
        // One byte changed anywhere in the value is refused, not misread.
        let mut forged = fixture.cookie_header.clone().into_bytes();
        let at = fixture.cookie_header.find('=').unwrap() + 12;
        forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
        let forged = String::from_utf8(forged).unwrap();
        // (With groups, the other group's cookie still loads its share.)
        let forged = load(&fixture.kind, &forged);
        assert_ne!(json_of(&forged), fixture.json, "{what}: forged");
        assert!(forged.len() < session.len(), "{what}: forged");
    }
}

/// The format version of the first cookie in a header: the high four bits
/// of its first byte, the first base64url character's high four of six.
fn version_of(header: &str) -> u8 {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let value = header.split_once('=').unwrap().1;
    let first = value.chars().next().unwrap();
    (ALPHABET.find(first).unwrap() >> 2) as u8
}

#[test]
fn format_1_cookies_still_load() {
    check_file("wire_v1.json", 1);
}

#[test]
fn format_2_cookies_load() {
    check_file("wire_v2.json", 2);
}

#[test]
#[cfg(feature = "zstd")]
fn format_2_zstd_cookies_load() {
    check_file("wire_v2_zstd.json", 2);
    // Compression id 2 where the session is big enough, deflate below.
    let fixtures = fixtures("wire_v2_zstd.json");
    for fixture in &fixtures {
        let value = fixture.cookie_header.split(['=', ';']).nth(1).unwrap();
        let view = cookietin::codec::inspect::EnvelopeView::decode([value]).unwrap();
        let what = format!("{} {}", fixture.kind, fixture.session);
        match fixture.session.as_str() {
            "tiny_login" => assert!(view.is_deflated(), "{what}"),
            _ => assert!(view.is_zstd(), "{what}"),
        }
    }
}

/// Loads `header` with an engine of `kind`, inserts a key when `change`,
/// and saves: the save's Set-Cookie lines.
fn load_and_save(kind: &str, header: &str, change: bool) -> Vec<String> {
    match client(kind) {
        Some(engine) => {
            let mut session = engine.load([header], Some(corpus::CHROME));
            if change {
                session.insert("changed", &true).unwrap();
            }
            engine.save(&mut session).unwrap().set_cookies
        }
        None => block_on(async {
            let engine = stored(kind);
            let mut session = engine.load([header], Some(corpus::CHROME)).await;
            if change {
                session.insert("changed", &true).unwrap();
            }
            engine.save(&mut session).await.unwrap().set_cookies
        }),
    }
}

/// A format 1 cookie is not rewritten for its version alone: a save with
/// nothing to write sends nothing. The next save that writes writes format
/// 2, which loads the changed session.
#[test]
fn format_1_is_rewritten_as_format_2_on_the_next_save_not_before() {
    for fixture in fixtures("wire_v1.json") {
        let what = format!("{} {}", fixture.kind, fixture.session);
        let untouched = load_and_save(&fixture.kind, &fixture.cookie_header, false);
        assert_eq!(untouched, Vec::<String>::new(), "{what}");
        let lines = load_and_save(&fixture.kind, &fixture.cookie_header, true);
        let (header, _) = header_of(&lines);
        assert_eq!(version_of(&header), 2, "{what}: {header}");
        // Every cookie the save wrote is format 2 (with groups, only the
        // changed group's cookie is rewritten).
        let rewritten = load(&fixture.kind, &header);
        assert_eq!(
            rewritten.get::<bool>("changed").unwrap(),
            Some(true),
            "{what}"
        );
        let mut expected: serde_json::Value = serde_json::from_str(&fixture.json).unwrap();
        expected["changed"] = true.into();
        if fixture.kind != "groups" {
            assert_eq!(rewritten.data().to_value(), expected, "{what}");
        }
    }
}
