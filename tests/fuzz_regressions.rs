//! Replays the fuzz targets' committed inputs on stable: every file under
//! `fuzz/regressions/<target>/` (inputs that once failed) and
//! `fuzz/seeds/<target>/`, through the very logic the cargo-fuzz targets
//! run (`fuzz/logic`, included here). Also makes the seed corpora:
//! `cargo test --test fuzz_regressions -- --ignored write_seeds`.

#[path = "../fuzz/logic/mod.rs"]
mod logic;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use arbitrary::{Arbitrary, Unstructured};
use cookietin::Engine;
use serde_json::json;

use logic::budget_shrink::{self as shrink, Callback, Caps, KeyRef, Kind, Limits, Numbers};
use logic::chunk_roundtrip::{self as chunk, Edit};
use logic::common::{key, noise, now, Agent, EngineCfg, Json, Text, NAMES};
use logic::concurrent_saves as concurrent;
use logic::decode::{self, CLEAR, INSERT, NO_COMPRESS, ROTATED, SMALL, UA};
use logic::enc::{arr, entry, obj, s};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Runs every file under `fuzz/<kind>/<target>/` through its target and
/// lists the ones that panicked. Returns how many files ran.
fn replay(kind: &str) -> usize {
    let mut ran = 0;
    let mut failed = Vec::new();
    for (target, run) in logic::TARGETS {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(listing) = fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = listing
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = fs::read(&file).expect("readable input");
            ran += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "inputs that fail: {failed:#?}");
    ran
}

#[test]
fn regressions_replay_clean() {
    replay("regressions");
}

#[test]
fn seeds_replay_clean() {
    assert!(replay("seeds") > 0, "no seeds found under fuzz/seeds");
}

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/// The `name=value` pairs a fresh save of `data` writes.
fn cookies(engine: &Engine, data: &serde_json::Value) -> Vec<String> {
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    for (k, v) in data.as_object().expect("an object") {
        session.insert(k, v).expect("serializes");
    }
    engine
        .save(&mut session)
        .expect("fits")
        .set_cookies
        .iter()
        .map(|l| l.split(';').next().expect("a pair").to_owned())
        .collect()
}

fn seed_engine(name: &str) -> cookietin::EngineBuilder {
    Engine::builder(key(1)).clock(now).cookie_name(name)
}

fn decode_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let user = json!({
        "user": {"id": 7, "name": "Ada", "roles": ["admin", "dev"]},
        "cart": ["apple", "pear"],
        "csrf": "q7f3Xk9LmZ0aB2cD",
    });
    let big = json!({"user": 7, "blob": noise(7, 700)});
    let plain = seed_engine("session").build().unwrap();
    let one = cookies(&plain, &user).join("; ");
    let chunks = cookies(
        &seed_engine("session")
            .max_cookie_bytes(200)
            .build()
            .unwrap(),
        &big,
    );
    let raw = cookies(
        &seed_engine("session").compress(false).build().unwrap(),
        &user,
    )
    .join("; ");
    let other = cookies(&plain, &json!({"user": 8})).join("; ");
    let named = |i: usize| cookies(&seed_engine(NAMES[i]).build().unwrap(), &user).join("; ");
    let quoted = one.replacen('=', "=\"", 1) + "\"";
    let u = UA;
    vec![
        ("chrome_one_cookie", decode::input(u, CHROME, &[&one])),
        (
            "between_other_cookies",
            decode::input(u, FIREFOX, &[&format!("theme=dark; {one}; _ga=GA1.2.3.4")]),
        ),
        (
            "chunked_one_header",
            decode::input(u, CHROME, &[&chunks.join("; ")]),
        ),
        (
            "chunked_one_header_each",
            decode::input(
                u,
                SAFARI_IOS,
                &chunks.iter().map(String::as_str).collect::<Vec<_>>(),
            ),
        ),
        (
            "chunked_reversed",
            decode::input(
                u,
                CHROME,
                &[&chunks.iter().rev().cloned().collect::<Vec<_>>().join("; ")],
            ),
        ),
        (
            "not_deflated",
            decode::input(u | NO_COMPRESS, CHROME, &[&raw]),
        ),
        (
            "two_copies",
            decode::input(u, CHROME, &[&format!("{other}; {one}")]),
        ),
        (
            "stale_chunk",
            decode::input(u, CHROME, &[&format!("{one}; {}", chunks[1])]),
        ),
        (
            "missing_chunk",
            decode::input(u, CHROME, &[&format!("{}; {}", chunks[0], chunks[2])]),
        ),
        ("quoted", decode::input(u, CHROME, &[&quoted])),
        ("old_key", decode::input(u | ROTATED, CHROME, &[&one])),
        ("name_sid", decode::input(u | 1, CHROME, &[&named(1)])),
        ("name_host", decode::input(u | 2, CHROME, &[&named(2)])),
        ("name_a", decode::input(u | 3, CHROME, &[&named(3)])),
        ("insert", decode::input(u | INSERT, CHROME, &[&one])),
        (
            "clear_chunked",
            decode::input(u | CLEAR, CHROME, &[&chunks.join("; ")]),
        ),
        (
            "small_caps",
            decode::input(u | SMALL | INSERT, CHROME, &[&chunks.join("; ")]),
        ),
        ("no_agent", decode::input(0, "", &[&one])),
        ("curl", decode::input(u, "curl/8.5.0", &[&one])),
        (
            "forged",
            decode::input(u, CHROME, &["session=forged; session.1=AAAA"]),
        ),
    ]
}

fn cfg(name: u8) -> EngineCfg {
    EngineCfg {
        name,
        compress: true,
        persistent: false,
        session_compress: None,
    }
}

fn text(s: &str) -> Text {
    Text(s.to_owned())
}

fn realistic() -> Vec<logic::common::Entry> {
    vec![
        entry(
            "user",
            obj(vec![
                ("id", Json::Int(7)),
                ("name", s("Ada")),
                ("admin", Json::Bool(true)),
            ]),
        ),
        entry("cart", arr(vec![s("apple"), s("pear"), s("plum")])),
        entry("csrf", s("q7f3Xk9LmZ0aB2cD")),
        entry("score", Json::Float(0.75)),
    ]
}

fn chunk_seeds() -> Vec<(&'static str, chunk::Input)> {
    let base = chunk::Input {
        cfg: cfg(0),
        max_cookie_bytes: 4096 - 64,
        max_chunks: 0,
        header_budget: Some(7168),
        agent: Agent::Chrome,
        others: vec![text("theme=dark")],
        entries: realistic(),
        edits: vec![],
    };
    let mut big = realistic();
    big.push(entry("blob", Json::Noise(3, 3000)));
    big.push(entry("log", Json::Repeat(text("GET /a "), 2000)));
    vec![
        ("small_chrome", base.clone()),
        (
            "multi_chunk",
            chunk::Input {
                max_cookie_bytes: 1000 - 64,
                entries: big.clone(),
                edits: vec![Edit::Remove(0), Edit::Insert(entry("n", Json::Int(1)))],
                ..base.clone()
            },
        ),
        (
            "line_counting_persistent",
            chunk::Input {
                cfg: EngineCfg {
                    persistent: true,
                    ..cfg(1)
                },
                agent: Agent::Ie8,
                header_budget: None,
                max_cookie_bytes: 600 - 64,
                entries: big.clone(),
                edits: vec![Edit::Renew],
                ..base.clone()
            },
        ),
        (
            "shrink_to_one_chunk",
            chunk::Input {
                cfg: EngineCfg {
                    session_compress: Some(false),
                    ..cfg(2)
                },
                max_cookie_bytes: 700 - 64,
                max_chunks: 6,
                entries: big.clone(),
                edits: vec![Edit::Remove(0), Edit::Remove(0), Edit::Remove(0)],
                ..base.clone()
            },
        ),
        (
            "tight_header",
            chunk::Input {
                header_budget: Some(300),
                others: vec![text("a=1"), text("consent=yes"), text("_ga=GA1.2.3.4")],
                edits: vec![Edit::Clear],
                ..base.clone()
            },
        ),
        (
            "curl_nested",
            chunk::Input {
                cfg: cfg(3),
                agent: Agent::Curl,
                entries: vec![
                    entry(
                        "prefs",
                        obj(vec![(
                            "ui",
                            obj(vec![
                                ("theme", s("dark")),
                                ("langs", arr(vec![s("en"), s("fr")])),
                            ]),
                        )]),
                    ),
                    entry("üñï \"key\"\n", s("välue")),
                    entry("", Json::Null),
                ],
                edits: vec![Edit::Insert(entry("big", Json::Noise(9, 4000)))],
                ..base.clone()
            },
        ),
    ]
}

fn shrink_seeds() -> Vec<(&'static str, shrink::Input)> {
    let history = entry(
        "history",
        arr((0..60).map(|i| s(&format!("/page/{i}"))).collect()),
    );
    let mut entries = realistic();
    entries.push(history);
    entries.push(entry("notes", Json::Noise(5, 1500)));
    let base = shrink::Input {
        cfg: cfg(0),
        limits: Limits::Bundled,
        caps: Caps {
            max_cookie_bytes: Some(300),
            max_chunks: Some(1),
            header_budget: Some(7168),
            reserved_cookies: 0,
        },
        agent: Agent::Chrome,
        others: vec![text("theme=dark")],
        callbacks: vec![Callback {
            keys: vec![KeyRef::Named(text("history"))],
            kind: Kind::PopFront,
        }],
        entries,
    };
    vec![
        ("history_pop_front", base.clone()),
        (
            "custom_limits_grow_noop",
            shrink::Input {
                limits: Limits::Custom {
                    default: Numbers {
                        max_cookie_bytes: 500,
                        line: true,
                        max_cookies_per_site: 6,
                        purge_to: 6,
                    },
                    chromium: Some(Numbers {
                        max_cookie_bytes: 800,
                        line: false,
                        max_cookies_per_site: 4,
                        purge_to: 3,
                    }),
                },
                caps: Caps {
                    max_cookie_bytes: None,
                    max_chunks: None,
                    header_budget: None,
                    reserved_cookies: 1,
                },
                callbacks: vec![
                    Callback {
                        keys: vec![KeyRef::Entry(4)],
                        kind: Kind::Grow(10),
                    },
                    Callback {
                        keys: vec![KeyRef::Entry(0), KeyRef::Entry(1)],
                        kind: Kind::Noop,
                    },
                ],
                others: vec![text("a=1"), text("b=2"), text("session.3=stale")],
                ..base.clone()
            },
        ),
        (
            "flaky_addkey_header",
            shrink::Input {
                cfg: EngineCfg {
                    compress: false,
                    ..cfg(1)
                },
                agent: Agent::Firefox,
                caps: Caps {
                    max_cookie_bytes: None,
                    max_chunks: None,
                    header_budget: Some(900),
                    reserved_cookies: 0,
                },
                callbacks: vec![
                    Callback {
                        keys: vec![KeyRef::Named(text("history"))],
                        kind: Kind::Flaky,
                    },
                    Callback {
                        keys: vec![KeyRef::Named(text("notes"))],
                        kind: Kind::AddKey,
                    },
                    Callback {
                        keys: vec![KeyRef::Named(text("cart")), KeyRef::Named(text("user"))],
                        kind: Kind::RemoveOnLast,
                    },
                    Callback {
                        keys: vec![KeyRef::Named(text("notes"))],
                        kind: Kind::Halve,
                    },
                ],
                ..base.clone()
            },
        ),
        (
            "drops_only_line_counting",
            shrink::Input {
                agent: Agent::Curl,
                callbacks: vec![],
                caps: Caps {
                    max_cookie_bytes: Some(2000),
                    max_chunks: Some(2),
                    header_budget: None,
                    reserved_cookies: 45,
                },
                ..base.clone()
            },
        ),
        (
            "too_small",
            shrink::Input {
                caps: Caps {
                    max_cookie_bytes: Some(40),
                    max_chunks: Some(1),
                    header_budget: Some(100),
                    reserved_cookies: 0,
                },
                callbacks: vec![Callback {
                    keys: vec![KeyRef::Named(text("csrf"))],
                    kind: Kind::SetNull,
                }],
                ..base.clone()
            },
        ),
        (
            "remove_on_ios",
            shrink::Input {
                agent: Agent::SafariIos,
                callbacks: vec![Callback {
                    keys: vec![KeyRef::Entry(5), KeyRef::Entry(200)],
                    kind: Kind::Remove,
                }],
                ..base.clone()
            },
        ),
    ]
}

fn ua_seeds() -> Vec<(&'static str, Vec<u8>)> {
    [
        ("chrome", CHROME),
        ("firefox", FIREFOX),
        ("safari_ios", SAFARI_IOS),
        (
            "safari_macos",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        ),
        (
            "edge_html",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19041",
        ),
        ("ie11", "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko"),
        ("ie8", "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"),
        (
            "android_stock",
            "Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
        ),
        (
            "android_chrome",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
        ),
        (
            "googlebot",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ),
        ("curl", "curl/8.5.0"),
        ("empty", ""),
    ]
    .into_iter()
    .map(|(n, ua)| (n, ua.as_bytes().to_vec()))
    .chain([(
        // Past the 4 KiB that `identify` reads, cut inside a character.
        "long_multibyte",
        format!("{CHROME} {}", "é".repeat(2100)).into_bytes(),
    )])
    .collect()
}

/// Every seed, as `(target, name, bytes)`.
fn all_seeds() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (n, b) in decode_seeds() {
        seeds.push(("decode", n, b));
    }
    for (n, input) in chunk_seeds() {
        seeds.push(("chunk_roundtrip", n, input.encode()));
    }
    for (n, b) in ua_seeds() {
        seeds.push(("ua_lookup", n, b));
    }
    for (n, input) in shrink_seeds() {
        seeds.push(("budget_shrink", n, input.encode()));
    }
    for (n, input) in concurrent_seeds() {
        seeds.push(("concurrent_saves", n, input.encode()));
    }
    #[cfg(feature = "encrypt")]
    for (n, b) in encrypted::decrypt_seeds() {
        seeds.push(("decrypt", n, b));
    }
    #[cfg(feature = "cli")]
    for (n, b) in encrypted::inspect_seeds() {
        seeds.push(("inspect_input", n, b));
    }
    #[cfg(feature = "store")]
    for (n, b) in ids::header_seeds() {
        seeds.push(("id_envelope", n, b));
    }
    #[cfg(feature = "store")]
    for (n, trip) in ids::trips() {
        seeds.push(("id_envelope", n, trip.input()));
    }
    for (n, input) in groups::header_seeds() {
        seeds.push(("groups_header", n, input.encode()));
    }
    for (n, input) in groups::routing_seeds() {
        seeds.push(("routing", n, input.encode()));
    }
    for (n, b) in envelope_seeds() {
        seeds.push(("signed_envelope", n, b));
    }
    for (n, b) in deflate_seeds() {
        seeds.push(("deflate_roundtrip", n, b));
    }
    seeds
}

/// Seeds of `deflate_roundtrip`: a first byte that picks the encoder (even:
/// `small_deflate`, odd: `block_deflate`), then session-like JSON: a login,
/// a cart of 60 items, tokens, and the edges (nothing, one repeated byte).
fn deflate_seeds() -> Vec<(&'static str, Vec<u8>)> {
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let login =
        br#"{"csrf_token":"ecQSH8YIV9_-_HS5mcyF8ZCsRsi833KO","locale":"en-GB","user_id":597395}"#;
    let items: Vec<String> = (0..60)
        .map(|i| {
            format!(
                r#"{{"name":"Item {i}","price_cents":{},"qty":{},"sku":"SKU-{}"}}"#,
                1000 + i * 37,
                i % 5 + 1,
                100_000 + i * 7919
            )
        })
        .collect();
    let cart = format!(r#"{{"cart":[{}]}}"#, items.join(","));
    let token: String = (0..2000u32)
        .map(|i| char::from(BASE64[(i.wrapping_mul(2_654_435_761) >> 26) as usize]))
        .collect();
    let oidc = format!(
        r#"{{"access_token":"{}","id_token":"{token}","scope":"openid profile email offline_access"}}"#,
        &token[..900]
    );
    let with = |pick: u8, bytes: &[u8]| [&[pick][..], bytes].concat();
    vec![
        ("login_small", with(0, login)),
        ("login_block", with(1, login)),
        ("cart_block", with(1, cart.as_bytes())),
        ("oidc_block", with(1, oidc.as_bytes())),
        ("empty_block", with(1, b"")),
        ("zeros_block", with(1, &[0; 3000])),
    ]
}

/// Seeds of `signed_envelope`: format versions 1 and 2, raw and deflated
/// with dictionary 1, a payload that is not JSON, and a version to come.
fn envelope_seeds() -> Vec<(&'static str, Vec<u8>)> {
    use flate2::{Compress, Compression, FlushCompress};
    use logic::signed_envelope::input;
    let json = br#"{"user":{"id":7,"name":"Ada"},"cart":["apple","pear"],"csrf_token":"q7f3Xk9LmZ0aB2cD"}"#;
    let mut z = Compress::new(Compression::new(6), false);
    z.set_dictionary(cookietin::codec::DICTIONARY).unwrap();
    let mut deflated = Vec::with_capacity(256);
    z.compress_vec(json, &mut deflated, FlushCompress::Finish)
        .unwrap();
    vec![
        ("v2_raw", input(0x20, json)),
        ("v1_raw", input(0x10, json)),
        ("v2_deflate", input(0x21, &deflated)),
        ("v1_deflate", input(0x11, &deflated)),
        ("v2_not_json", input(0x20, b"{\"a\":")),
        ("v3", input(0x31, &deflated)),
    ]
}

#[test]
#[ignore = "writes fuzz/seeds/signed_envelope; run on purpose only"]
fn write_envelope_seeds() {
    let dir = fuzz_dir().join("seeds").join("signed_envelope");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in envelope_seeds() {
        fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn envelope_seeds_load_in_both_versions() {
    let engine = logic::signed_envelope::engine();
    for (name, bytes) in envelope_seeds() {
        let header = logic::signed_envelope::header(bytes[0], &bytes[1..]);
        let session = engine.load([header.as_str()], None);
        let loads = name.ends_with("_raw") || name.ends_with("_deflate");
        assert_eq!(
            session.empty_reason().is_none(),
            loads,
            "{name}: {:?}",
            session.empty_reason()
        );
        if loads {
            assert_eq!(
                session.data().get::<Vec<String>>("cart").unwrap().unwrap(),
                ["apple", "pear"]
            );
        }
    }
}

/// Seeds of the targets of encrypted sessions and of the inspector.
#[cfg(feature = "encrypt")]
mod encrypted {
    use super::*;
    use logic::decrypt::{self, master, COMPRESS, ENVELOPE, HEADERS, ROUNDTRIP};

    /// The `name=value` pairs an encrypting engine under `ring` writes.
    fn pairs(engine: &Engine, data: &serde_json::Value) -> String {
        cookies(engine, data).join("; ")
    }

    fn under(key: u8, settings: u8, cap: Option<usize>) -> Engine {
        decrypt::engine(settings, cookietin::MasterRing::new(master(key)), cap)
    }

    pub fn decrypt_seeds() -> Vec<(&'static str, Vec<u8>)> {
        let user = json!({"user": {"id": 7, "name": "Ada"}, "csrf": "q7f3Xk9LmZ0aB2cD"});
        let big = json!({"user": 7, "blob": noise(11, 900)});
        let one = pairs(&under(2, 0, None), &user);
        let old = pairs(&under(1, 0, None), &user);
        let chunked = pairs(&under(2, 0, Some(300)), &big);
        let compressed = pairs(&under(2, COMPRESS, None), &big);
        let named = pairs(&under(2, 1, None), &user);
        let h = |settings: u8, header: &str| decrypt::input(HEADERS, settings, header.as_bytes());
        let body: Vec<u8> = (0..80u8).map(|i| i.wrapping_mul(151)).collect();
        vec![
            ("headers_one", h(0, &one)),
            ("headers_old_key", h(decrypt::UA, &old)),
            ("headers_chunked", h(0, &chunked)),
            ("headers_compressed", h(COMPRESS, &compressed)),
            ("headers_name_sid", h(1, &named)),
            ("headers_others", h(0, &format!("theme=dark; {one}; _ga=1"))),
            ("headers_forged", h(0, "session=FAEAAAAA; session.1=AAAA")),
            ("envelope_empty", decrypt::input(ENVELOPE, 0, b"")),
            ("envelope_body", decrypt::input(ENVELOPE, 1, &body)),
            (
                "roundtrip_small",
                decrypt::input(ROUNDTRIP, 0x30, b"\x05hello, encrypted world"),
            ),
            (
                "roundtrip_chunked",
                decrypt::input(ROUNDTRIP, 0x20 | decrypt::UA, noise(3, 1500).as_bytes()),
            ),
            (
                "roundtrip_compressed",
                decrypt::input(ROUNDTRIP, 0xf0 | COMPRESS, "abc".repeat(400).as_bytes()),
            ),
        ]
    }

    #[test]
    fn decrypt_seeds_carry_valid_sessions() {
        for (name, bytes) in decrypt_seeds() {
            if bytes[0] != HEADERS {
                continue;
            }
            let engine = decrypt::engine(bytes[1], decrypt::ring(), None);
            let session = engine.load(bytes[2..].split(|&b| b == b'\n'), None);
            assert_eq!(session.is_empty(), name == "headers_forged", "{name}");
        }
    }

    /// What the demo's engines write, for the inspector's seeds.
    #[cfg(feature = "cli")]
    pub fn inspect_seeds() -> Vec<(&'static str, Vec<u8>)> {
        use logic::inspect_input::input;
        const SECRET: &[u8] = b"a demo secret that is long enough!!";
        let data = json!({"user": "ada", "history": ["/", "/cart"], "blob": noise(5, 300)});
        let save = |engine: Engine| {
            let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
            for (k, v) in data.as_object().unwrap() {
                session.insert(k, v).unwrap();
            }
            engine.save(&mut session).unwrap().set_cookies
        };
        let signed = save(
            Engine::builder(cookietin::Key::try_from_bytes(SECRET).unwrap())
                .clock(now)
                .max_cookie_bytes(300)
                .build()
                .unwrap(),
        );
        let sealed = save(
            Engine::encrypted(cookietin::MasterKey::try_from_bytes(SECRET).unwrap())
                .clock(now)
                .max_cookie_bytes(300)
                .build()
                .unwrap(),
        );
        let header = |lines: &[String]| {
            lines
                .iter()
                .map(|l| l.split(';').next().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let set_cookie = |lines: &[String]| {
            lines
                .iter()
                .map(|l| format!("Set-Cookie: {l}\n"))
                .collect::<String>()
        };
        let jar = |lines: &[String]| {
            let mut out = "# Netscape HTTP Cookie File\n".to_owned();
            for l in lines {
                let (n, v) = l.split(';').next().unwrap().split_once('=').unwrap();
                out.push_str(&format!(
                    "#HttpOnly_localhost\tFALSE\t/\tFALSE\t0\t{n}\t{v}\n"
                ));
            }
            out
        };
        let har = |lines: &[String]| {
            let headers: Vec<serde_json::Value> = lines
                .iter()
                .map(|l| json!({"name": "set-cookie", "value": l}))
                .collect();
            json!({"log": {"entries": [
                {"request": {"headers": [{"name": "cookie", "value": "theme=dark"}]},
                 "response": {"headers": headers}}
            ]}})
            .to_string()
        };
        vec![
            (
                "signed_cookie_header",
                input(0, &format!("Cookie: theme=dark; {}", header(&signed))),
            ),
            ("sealed_cookie_header", input(1, &header(&sealed))),
            ("signed_set_cookie", input(0, &set_cookie(&signed))),
            ("sealed_set_cookie", input(2, &set_cookie(&sealed))),
            ("signed_curl_jar", input(0, &jar(&signed))),
            ("sealed_curl_jar", input(3, &jar(&sealed))),
            ("signed_har", input(0, &har(&signed))),
            ("sealed_har", input(4, &har(&sealed))),
            ("garbage", input(0, "session=!!; session.1; =; \"q\"")),
            // Read for a host (format byte / 5): the jar's example.com
            // lines, and the HAR's www.example.com entries.
            (
                "signed_curl_jar_for_a_host",
                input(
                    3 + 5 * 2,
                    &format!(
                        "{}.example.com\tTRUE\t/\tTRUE\t0\tsession\tEQF.foreign\n",
                        jar(&signed)
                    ),
                ),
            ),
            (
                "signed_har_for_a_host",
                input(4 + 5 * 3, &{
                    let mut har: serde_json::Value = serde_json::from_str(&har(&signed)).unwrap();
                    let entries = har["log"]["entries"].as_array_mut().unwrap();
                    entries[0]["request"]["url"] = json!("https://www.example.com/");
                    entries.push(json!({
                        "request": {"url": "https://cdn.example.net/a.js",
                                    "headers": [{"name": "Cookie", "value": "session=EQF.cdn"}]},
                        "response": {"headers": []}
                    }));
                    har.to_string()
                }),
            ),
        ]
    }
}

/// Two tabs over one session: the races of issue 9.
fn concurrent_seeds() -> Vec<(&'static str, concurrent::Input)> {
    let mut big = realistic();
    big.push(entry("blob", Json::Noise(5, 4000)));
    let base = concurrent::Input {
        cfg: cfg(0),
        max_cookie_bytes: 4096 - 64,
        header_budget: Some(7168),
        agent: Agent::Chrome,
        others: vec![text("theme=dark")],
        entries: realistic(),
        leftover: true,
        a: vec![Edit::Insert(entry("big", Json::Noise(6, 4000)))],
        b: vec![],
    };
    vec![
        // A reader and a writer over a leftover chunk (story 1).
        ("reader_and_writer_over_a_leftover", base.clone()),
        (
            "two_writers_different_sizes",
            concurrent::Input {
                b: vec![Edit::Insert(entry("theme", s("light")))],
                leftover: false,
                ..base.clone()
            },
        ),
        (
            "shrink_to_one_against_a_clear",
            concurrent::Input {
                entries: big,
                a: vec![Edit::Remove(0), Edit::Remove(0)],
                b: vec![Edit::Clear],
                ..base.clone()
            },
        ),
        (
            "renew_against_a_write_small_cookies",
            concurrent::Input {
                max_cookie_bytes: 700 - 64,
                a: vec![Edit::Renew],
                b: vec![Edit::Insert(entry("blob", Json::Noise(7, 2500)))],
                ..base
            },
        ),
    ]
}

#[test]
fn structured_seeds_read_back_as_written() {
    for (name, input) in chunk_seeds() {
        let bytes = input.encode();
        let read = chunk::Input::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert_eq!(read, input, "chunk_roundtrip seed {name}");
    }
    for (name, input) in shrink_seeds() {
        let bytes = input.encode();
        let read = shrink::Input::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert_eq!(read, input, "budget_shrink seed {name}");
    }
    for (name, input) in concurrent_seeds() {
        let bytes = input.encode();
        let read = concurrent::Input::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert_eq!(read, input, "concurrent_saves seed {name}");
    }
    for (name, input) in groups::header_seeds() {
        let bytes = input.encode();
        let read = logic::groups_header::Input::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert_eq!(read, input, "groups_header seed {name}");
    }
    for (name, input) in groups::routing_seeds() {
        let bytes = input.encode();
        let read = logic::routing::Input::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert_eq!(read, input, "routing seed {name}");
    }
    #[cfg(feature = "store")]
    for (name, trip) in ids::trips() {
        let bytes = trip.encode();
        let read = logic::id_envelope::Trip::arbitrary(&mut Unstructured::new(&bytes)).unwrap();
        assert_eq!(read, trip, "id_envelope seed {name}");
    }
}

#[test]
fn generated_seeds_pass_their_targets() {
    for (target, name, bytes) in all_seeds() {
        let run = logic::TARGETS
            .iter()
            .find(|(t, _)| *t == target)
            .expect("a target")
            .1;
        if catch_unwind(AssertUnwindSafe(|| run(&bytes))).is_err() {
            panic!("seed {target}/{name} fails");
        }
    }
}

/// Writes `fuzz/seeds/<target>/<name>`, replacing what is there.
#[test]
#[ignore = "writes the seed corpora; run by hand"]
fn write_seeds() {
    let seeds = all_seeds();
    for (target, _) in logic::TARGETS {
        let dir = fuzz_dir().join("seeds").join(target);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
    }
    for (target, name, bytes) in seeds {
        fs::write(fuzz_dir().join("seeds").join(target).join(name), bytes).unwrap();
    }
}

#[test]
fn decode_seeds_carry_valid_sessions() {
    let invalid = ["forged", "missing_chunk"];
    for (name, bytes) in decode_seeds() {
        let flags = bytes[0];
        let text = String::from_utf8(bytes[1..].to_vec()).unwrap();
        let mut fields = text.split('\n');
        let agent = fields.next().filter(|_| flags & UA != 0);
        let session = decode::engine(flags).load(fields, agent);
        assert_eq!(
            session.is_empty(),
            invalid.contains(&name),
            "{name}: {:?}",
            session.empty_reason()
        );
    }
}

/// Found by `chunk_roundtrip` (`regressions/chunk_roundtrip/does-not-fit-with-room-to-spare`):
/// persistent line-counting cookies under a 104-byte cap leave the first
/// chunk fewer than the 8 characters of the envelope header, yet the budget
/// counted 4 characters in each of 50 chunks, so `save` failed with
/// `DoesNotFit { needed: 32, capacity: 200 }`.
#[test]
fn a_first_chunk_too_small_for_the_header_leaves_no_capacity() {
    let engine = seed_engine("a")
        .persistent(true)
        .max_cookie_bytes(104)
        .header_budget(None)
        .build()
        .unwrap();
    let mut session = engine.load(Vec::<&str>::new(), None);
    session.insert("", &()).unwrap();
    let budget = engine.budget(&session);
    assert!(budget.cookies > 1);
    assert!(budget.max_cookie_bytes - budget.per_cookie_overhead - "a".len() < 8);
    assert_eq!(budget.capacity, 0);
    assert_eq!(
        engine.save(&mut session).unwrap_err(),
        cookietin::SaveError::DoesNotFit {
            needed: 32,
            capacity: 0
        }
    );
}

/// Found by `chunk_roundtrip` (`regressions/chunk_roundtrip/nested-deeper-than-128`):
/// a value nested deeper than serde_json parses (128 levels) was accepted by
/// `insert`, saved and loaded, and then `get_value` panicked with "raw values
/// hold valid JSON". Such a value is now refused by `insert`.
#[test]
fn values_nested_too_deep_to_read_back_are_refused() {
    let nested = |depth: usize| {
        let mut v = json!(true);
        for _ in 0..depth {
            v = json!([v]);
        }
        v
    };
    let mut session = cookietin::Session::new();
    let err = session.insert("deep", &nested(140)).unwrap_err();
    assert_eq!(err.key(), "deep");
    assert!(!session.contains_key("deep"));
    assert!(!session.is_modified());
    // Deep but readable values, and strings full of brackets, still go in.
    session.insert("ok", &nested(100)).unwrap();
    assert_eq!(session.get_value("ok"), Some(nested(100)));
    session.insert("brackets", &"[{".repeat(200)).unwrap();
    let engine = seed_engine("session").build().unwrap();
    let saved = engine.save(&mut session).unwrap();
    let header: Vec<&str> = saved
        .set_cookies
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    let loaded = engine.load([header.join("; ")], None);
    assert_eq!(loaded.get_value("ok"), Some(nested(100)));
}

/// Found by `chunk_roundtrip` (`regressions/chunk_roundtrip/json-over-the-load-cap`):
/// JSON over `max_json_bytes` that deflates well fitted the cookies, so
/// `save` wrote it, and the next `load` refused it (`InflateLimit`): the
/// session was lost. Such a session now doesn't fit and is shrunk.
#[test]
fn a_session_over_the_json_cap_is_shrunk_not_written() {
    let engine = seed_engine("session").max_json_bytes(1000).build().unwrap();
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    session.insert("user", &7).unwrap();
    session.insert("log", &"\u{7}".repeat(400)).unwrap(); // 2400 bytes of JSON
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["log"]
    );
    assert!(saved.report.json_bytes <= 1000);
    let header: Vec<&str> = saved
        .set_cookies
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    let loaded = engine.load([header.join("; ")], Some(CHROME));
    assert_eq!(loaded.empty_reason(), None);
    assert_eq!(loaded.get::<u32>("user").unwrap(), Some(7));
}

/// Found while fixing the case above: a value longer than
/// `max_encoded_bytes` that the budget had room for was written, and the
/// next `load` refused it (`TooLarge`).
#[test]
fn a_session_over_the_encoded_cap_is_shrunk_not_written() {
    let engine = seed_engine("session")
        .header_budget(None)
        .max_encoded_bytes(1000)
        .build()
        .unwrap();
    let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
    session.insert("user", &7).unwrap();
    session.insert("noise", &noise(11, 3000)).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(
        saved.report.shrink.dropped_keys().collect::<Vec<_>>(),
        ["noise"]
    );
    assert!(saved.report.value_bytes <= 1000);
    let header: Vec<&str> = saved
        .set_cookies
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    let loaded = engine.load([header.join("; ")], Some(CHROME));
    assert_eq!(loaded.empty_reason(), None);
    assert_eq!(loaded.get::<u32>("user").unwrap(), Some(7));
}

/// Found by `chunk_roundtrip` and `budget_shrink` on the final code
/// (`regressions/*/zero-header-budget-builds`): a header budget of 0 made
/// the derived `max_encoded_bytes` 0 and the build failed. The derived cap
/// is now at least 4096; only an explicit 0 is refused.
#[test]
fn a_zero_header_budget_still_builds() {
    let key = cookietin::Key::try_from_bytes(&[1; 32]).unwrap();
    let engine = cookietin::Engine::builder(key.clone())
        .header_budget(Some(0))
        .build()
        .unwrap();
    let mut session = engine.load(["a=1"], None);
    session.insert("k", &1).unwrap();
    assert!(matches!(
        engine.save(&mut session),
        Err(cookietin::SaveError::DoesNotFit { capacity: 0, .. })
    ));
    let err = cookietin::Engine::builder(key)
        .max_encoded_bytes(0)
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        cookietin::ConfigError::InvalidLimit("size caps must be positive")
    );
}

/// Found by `chunk_roundtrip` and `budget_shrink` on the final code
/// (`regressions/*/newline-piece-is-a-cookie`): the load trimmed every ASCII
/// white space byte around a Cookie header piece, so a piece holding only a
/// newline vanished from the budget's count of other cookies. Only spaces
/// and tabs are optional white space (RFC 6265); anything else is a cookie.
#[test]
fn only_spaces_and_tabs_are_trimmed_around_cookie_pieces() {
    let key = cookietin::Key::try_from_bytes(&[1; 32]).unwrap();
    let engine = cookietin::Engine::builder(key).build().unwrap();
    let session = engine.load(["a=1; \n; \t b=2 \t"], None);
    let budget = engine.budget(&session);
    assert_eq!(budget.other_cookies, 3);
    assert_eq!(budget.other_bytes, "a=1; \n; b=2".len());
}

/// Seeds of the cookie-group targets (issue 12): layouts like the demo's,
/// every documented layout error, headers mixing the groups' chunks, and
/// routing changes.
mod groups {
    use super::*;
    use logic::groups_header::{self as header, Piece};
    use logic::layout::{Claim, GEdit, GEntry, GroupSpec, KeyRef, Layout};
    use logic::routing::{self, Change};

    /// Pool keys: user, csrf_token, theme, cart, lang, "", x, history.
    fn k(i: u8) -> KeyRef {
        KeyRef::Pool(i)
    }

    fn ge(i: u8, value: Json) -> GEntry {
        GEntry { key: k(i), value }
    }

    fn spec(name: u8, claim: Claim) -> GroupSpec {
        GroupSpec {
            name,
            claim,
            compress: true,
            persistent: false,
            max_cookie_bytes: 0,
        }
    }

    fn keys(ks: &[u8]) -> Claim {
        Claim::Keys(ks.iter().map(|&i| k(i)).collect())
    }

    /// The demo's client groups: `session` (the rest), `csrf` claims the
    /// token, `sid` the user, `a` the theme and language.
    pub fn demo() -> Layout {
        Layout {
            main: spec(0, Claim::Nothing),
            groups: vec![
                spec(3, keys(&[1])),
                GroupSpec {
                    persistent: true,
                    ..spec(1, keys(&[0]))
                },
                spec(5, keys(&[2, 4])),
            ],
        }
    }

    pub fn entries() -> Vec<GEntry> {
        vec![
            ge(0, obj(vec![("id", Json::Int(7)), ("name", s("Ada"))])),
            ge(1, s("q7f3Xk9LmZ0aB2cD")),
            ge(2, s("dark")),
            ge(3, arr(vec![s("apple"), s("pear")])),
            ge(4, s("en")),
            ge(7, arr((0..20).map(|i| s(&format!("/page/{i}"))).collect())),
            GEntry {
                key: KeyRef::Named(text("blob")),
                value: Json::Noise(5, 900),
            },
        ]
    }

    pub fn header_seeds() -> Vec<(&'static str, header::Input)> {
        let base = header::Input {
            layout: demo(),
            header_budget: Some(7168),
            agent: Agent::Chrome,
            others: vec![text("theme=dark"), text("_ga=GA1.2.3.4")],
            first: entries(),
            second: vec![
                GEdit::Insert(ge(2, s("light"))),
                GEdit::Remove(k(3)),
                GEdit::Insert(ge(6, Json::Noise(9, 600))),
            ],
            pieces: vec![],
            split: false,
            edits: vec![],
        };
        let small = |mut layout: Layout| {
            layout.main.max_cookie_bytes = 300 - 64;
            for g in &mut layout.groups {
                g.max_cookie_bytes = 200 - 64;
            }
            layout
        };
        let real = |second: bool, index: u8| Piece::Real { second, index };
        vec![
            ("demo_as_the_jar_holds_it", base.clone()),
            (
                "demo_edits",
                header::Input {
                    edits: vec![
                        GEdit::Insert(ge(0, s("grace"))),
                        GEdit::Remove(k(2)),
                        GEdit::Insert(ge(4, Json::Repeat(text("fr"), 300))),
                    ],
                    ..base.clone()
                },
            ),
            (
                "small_chunks_mixed_generations",
                header::Input {
                    layout: small(demo()),
                    pieces: (0..12).map(|i| real(i % 3 != 0, i * 5)).collect(),
                    edits: vec![GEdit::Renew],
                    ..base.clone()
                },
            ),
            (
                "duplicates_and_forged_chunks",
                header::Input {
                    layout: small(demo()),
                    pieces: vec![
                        real(true, 0),
                        real(true, 0),
                        Piece::Chunk {
                            group: 0,
                            index: 0,
                            value: text("AAAAAAAAforged"),
                        },
                        real(false, 3),
                        Piece::Chunk {
                            group: 3,
                            index: 1,
                            value: text("stale"),
                        },
                        real(true, 2),
                        real(true, 4),
                        Piece::Raw(text("session.x=1; s.2=\"q\"; =; a")),
                        real(true, 6),
                    ],
                    split: true,
                    edits: vec![GEdit::Insert(ge(1, s("new")))],
                    ..base.clone()
                },
            ),
            (
                "tight_budget_clear",
                header::Input {
                    header_budget: Some(900),
                    others: vec![
                        text("consent=yes"),
                        text(&format!("big={}", "b".repeat(200))),
                    ],
                    edits: vec![GEdit::Clear, GEdit::Insert(ge(1, s("t")))],
                    ..base.clone()
                },
            ),
            (
                "main_claims_a_list_rest_elsewhere",
                header::Input {
                    layout: Layout {
                        main: spec(0, keys(&[3, 7])),
                        groups: vec![spec(2, Claim::Rest), spec(4, keys(&[1]))],
                    },
                    agent: Agent::Ie8,
                    header_budget: None,
                    ..base.clone()
                },
            ),
            (
                "error_key_claimed_twice",
                header::Input {
                    layout: Layout {
                        main: spec(0, Claim::Nothing),
                        groups: vec![spec(1, keys(&[0, 2])), spec(2, keys(&[2]))],
                    },
                    ..base.clone()
                },
            ),
            (
                "error_no_rest_group",
                header::Input {
                    layout: Layout {
                        main: spec(0, keys(&[3])),
                        groups: vec![spec(1, keys(&[0]))],
                    },
                    ..base.clone()
                },
            ),
            (
                "error_several_rest_groups",
                header::Input {
                    layout: Layout {
                        main: spec(0, Claim::Nothing),
                        groups: vec![spec(6, Claim::Rest)],
                    },
                    ..base.clone()
                },
            ),
            (
                "error_group_claims_nothing",
                header::Input {
                    layout: Layout {
                        main: spec(0, Claim::Nothing),
                        groups: vec![spec(3, Claim::Nothing)],
                    },
                    ..base
                },
            ),
        ]
    }

    pub fn routing_seeds() -> Vec<(&'static str, routing::Input)> {
        let everything_in_session = Layout {
            main: spec(0, Claim::Nothing),
            groups: vec![],
        };
        let base = routing::Input {
            a: everything_in_session.clone(),
            changes: vec![Change::Add(spec(5, keys(&[2, 4])))],
            header_budget: Some(7168),
            agent: Agent::Chrome,
            others: vec![text("theme=dark")],
            entries: entries(),
            edits: vec![],
        };
        vec![
            // tests/groups.rs's story: `theme` moves to a new group.
            ("a_group_added_read_only", base.clone()),
            (
                "a_group_removed_then_edited",
                routing::Input {
                    a: demo(),
                    changes: vec![Change::Remove(2)],
                    edits: vec![GEdit::Insert(ge(2, s("light")))],
                    ..base.clone()
                },
            ),
            (
                "main_swapped_with_a_group",
                routing::Input {
                    a: demo(),
                    changes: vec![Change::SwapMain(0)],
                    ..base.clone()
                },
            ),
            (
                "the_rest_moves",
                routing::Input {
                    a: demo(),
                    changes: vec![Change::MoveRest(1), Change::Reorder(0, 2)],
                    edits: vec![GEdit::Remove(k(7))],
                    ..base.clone()
                },
            ),
            (
                "claims_change_and_caps_shrink",
                routing::Input {
                    a: demo(),
                    changes: vec![
                        Change::Claims {
                            which: 2,
                            claim: keys(&[2, 3, 7]),
                        },
                        Change::Claims {
                            which: 0,
                            claim: keys(&[]),
                        },
                        Change::Caps {
                            which: 2,
                            max_cookie_bytes: 300 - 64,
                            compress: false,
                        },
                    ],
                    edits: vec![GEdit::Renew],
                    ..base.clone()
                },
            ),
            (
                "back_to_one_group",
                routing::Input {
                    a: demo(),
                    changes: vec![Change::Remove(0), Change::Remove(0), Change::Remove(0)],
                    agent: Agent::Firefox,
                    ..base
                },
            ),
        ]
    }

    #[test]
    fn group_seeds_build_as_named() {
        for (name, input) in header_seeds() {
            let built = input.layout.resolve().build(None).is_some();
            assert_eq!(built, !name.starts_with("error_"), "{name}");
        }
        for (name, input) in routing_seeds() {
            assert!(input.a.resolve().build(None).is_some(), "{name}");
        }
    }
}

/// Seeds of `id_envelope`: real cookies of every engine that reads ids,
/// forged ones, and round trips.
#[cfg(feature = "store")]
mod ids {
    use super::*;
    use logic::common::Entry;
    use logic::id_envelope::{
        self as id, block_on, headers_config, headers_input, IdEdit, Kind, Tamper, Trip, BY_USER,
        INSERT, SMALL, UA,
    };

    /// The `name=value` pairs the engine of `settings` writes for `data`.
    fn pairs(settings: u8, data: &serde_json::Value) -> Vec<String> {
        let (kind, cfg) = headers_config(settings);
        let (engine, _) = id::engine(kind, &cfg);
        let mut session = block_on(engine.load(Vec::<&str>::new(), Some(CHROME)));
        for (k, v) in data.as_object().expect("an object") {
            session.insert(k, v).expect("serializes");
        }
        block_on(engine.save(&mut session))
            .expect("saves")
            .set_cookies
            .iter()
            .map(|l| l.split(';').next().expect("a pair").to_owned())
            .collect()
    }

    const SERVER: u8 = 0;
    const OVERFLOW: u8 = 1;
    const REVOCABLE: u8 = 2;
    const BOTH: u8 = 3;

    pub fn header_seeds() -> Vec<(&'static str, Vec<u8>)> {
        let user = json!({"user": "ada", "cart": ["apple", "pear"], "csrf": "q7f3Xk9LmZ0aB2cD"});
        let big = json!({"user": "ada", "blob": noise(3, 2000), "notes": noise(4, 900)});
        let bigger = json!({"user": "ada", "blob": noise(3, 6000), "notes": noise(4, 3000)});
        let server = pairs(SERVER | UA, &user).join("; ");
        let overflow = pairs(OVERFLOW | SMALL | UA, &big);
        let revocable = pairs(REVOCABLE | BY_USER | UA, &user).join("; ");
        let both = pairs(BOTH | UA, &bigger).join("; ");
        let plain = cookies(&seed_engine("session").build().unwrap(), &user).join("; ");
        let reversed: Vec<String> = overflow.iter().rev().cloned().collect();
        // Version 1, flags ID, one chunk, issued now, then junk.
        let mut forged = vec![0x12, 1];
        forged.extend_from_slice(&(logic::common::NOW as u32).to_be_bytes());
        forged.extend((0..40u8).map(|i| i.wrapping_mul(37)));
        let forged = format!(
            "session={}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &forged)
        );
        let h = headers_input;
        vec![
            ("server_side", h(SERVER | UA, &[&server])),
            (
                "server_side_idle_insert",
                h(
                    SERVER | BY_USER | INSERT,
                    &[&format!("theme=dark; {server}")],
                ),
            ),
            (
                "overflow_chunked",
                h(OVERFLOW | SMALL | UA, &[&overflow.join("; ")]),
            ),
            (
                "overflow_reversed_one_header_each",
                h(
                    OVERFLOW | SMALL,
                    &reversed.iter().map(String::as_str).collect::<Vec<_>>(),
                ),
            ),
            (
                "revocable_by_user",
                h(REVOCABLE | BY_USER | UA, &[&revocable]),
            ),
            ("both", h(BOTH | UA | INSERT, &[&both])),
            ("client_side_moves_in", h(SERVER | UA | INSERT, &[&plain])),
            (
                "overflow_cookie_to_a_store_backed_engine",
                h(SERVER, &[&overflow.join("; ")]),
            ),
            (
                "server_cookie_to_a_revocable_engine",
                h(REVOCABLE, &[&server]),
            ),
            ("forged_id", h(BOTH, &[&forged])),
            (
                "two_copies_one_forged",
                h(SERVER | UA, &[&format!("{}; {server}", forged)]),
            ),
            (
                "garbage",
                h(
                    OVERFLOW,
                    &["session=!!; session.1; =; \"q\"", "session.2=AAAA"],
                ),
            ),
        ]
    }

    fn realistic_entries() -> Vec<Entry> {
        super::realistic()
    }

    pub fn trips() -> Vec<(&'static str, Trip)> {
        let mut big = realistic_entries();
        big.push(entry("user", s("ada")));
        big.push(entry("blob", Json::Noise(3, 3000)));
        big.push(entry("log", Json::Repeat(text("GET /a "), 2000)));
        big.push(entry("notes", Json::Noise(4, 1500)));
        let base = Trip {
            kind: 0,
            name: 0,
            by_user: false,
            compress: true,
            max_cookie_bytes: 0,
            max_chunks: 0,
            header_budget: None,
            movable: None,
            agent: Agent::Chrome,
            others: vec![text("theme=dark")],
            entries: realistic_entries(),
            tamper: vec![],
            edits: vec![],
        };
        vec![
            ("server_side", base.clone()),
            (
                "server_side_idle_tamper_edits",
                Trip {
                    by_user: true,
                    tamper: vec![Tamper::Byte {
                        chunk: 0,
                        pos: 20,
                        byte: b'A',
                    }],
                    edits: vec![
                        IdEdit::Insert(entry("theme", s("light"))),
                        IdEdit::Remove(0),
                        IdEdit::Renew,
                    ],
                    ..base.clone()
                },
            ),
            (
                "server_side_regenerate",
                Trip {
                    tamper: vec![Tamper::Copy {
                        chunk: 0,
                        value: text("AAAAAAAAforged"),
                        before: true,
                    }],
                    edits: vec![IdEdit::Regenerate],
                    ..base.clone()
                },
            ),
            (
                "overflow_moves_then_destroy",
                Trip {
                    kind: 1,
                    max_cookie_bytes: 600 - 64,
                    max_chunks: 3,
                    entries: big.clone(),
                    tamper: vec![Tamper::Swap(0, 1)],
                    edits: vec![IdEdit::Destroy],
                    ..base.clone()
                },
            ),
            (
                "overflow_only_some_keys_move",
                Trip {
                    kind: 1,
                    name: 1,
                    max_cookie_bytes: 1000 - 64,
                    header_budget: Some(Some(2500)),
                    movable: Some(vec![text("blob")]),
                    entries: big.clone(),
                    tamper: vec![Tamper::Rename { chunk: 1, to: 3 }, Tamper::Drop(0)],
                    edits: vec![IdEdit::Remove(1), IdEdit::Insert(entry("n", Json::Int(1)))],
                    ..base.clone()
                },
            ),
            (
                "revocable_by_user_destroy",
                Trip {
                    kind: 2,
                    by_user: true,
                    entries: vec![entry("user", s("ada")), entry("cart", arr(vec![s("pear")]))],
                    tamper: vec![Tamper::Truncate { chunk: 0, len: 30 }],
                    edits: vec![IdEdit::Destroy],
                    ..base.clone()
                },
            ),
            (
                "revocable_regenerate_line_counting",
                Trip {
                    kind: 2,
                    name: 2,
                    agent: Agent::Ie8,
                    edits: vec![
                        IdEdit::Regenerate,
                        IdEdit::Insert(entry("user", s("grace"))),
                    ],
                    ..base.clone()
                },
            ),
            (
                "both_moves_and_regenerates",
                Trip {
                    kind: 3,
                    name: 3,
                    by_user: true,
                    max_cookie_bytes: 800 - 64,
                    max_chunks: 2,
                    entries: big,
                    tamper: vec![
                        Tamper::Append(text("a=AAAA")),
                        Tamper::Byte {
                            chunk: 1,
                            pos: 3,
                            byte: b'=',
                        },
                    ],
                    edits: vec![IdEdit::Regenerate, IdEdit::Remove(2)],
                    ..base
                },
            ),
        ]
    }

    #[test]
    fn id_envelope_header_seeds_carry_verified_ids() {
        let invalid = ["forged_id", "garbage", "client_side_moves_in"];
        for (name, bytes) in header_seeds() {
            let (kind, cfg) = headers_config(bytes[1]);
            let (engine, _) = id::engine(kind, &cfg);
            let loading = engine.load(bytes[2..].split(|&b| b == b'\n'), None);
            let session = loading.cookies();
            let verified = match kind {
                Kind::ServerSide => {
                    session.empty_reason() == Some(&cookietin::EmptyReason::NotFetched)
                }
                _ => session.store_reason() == Some(&cookietin::EmptyReason::NotFetched),
            };
            assert_eq!(
                verified,
                !invalid.contains(&name),
                "{name}: {:?}",
                session.empty_reason()
            );
        }
    }
}

/// Found by `groups_header` (`regressions/groups_header/one-group-lists-a-key-twice`):
/// a group whose claims listed a key twice failed to build with
/// `KeyClaimedTwice` ("claimed by two groups") though only one group
/// claimed it. A list with repeats claims each key once; two groups
/// claiming a key still fail.
#[test]
fn a_group_listing_a_key_twice_claims_it_once() {
    let b = |name: &str| seed_engine(name);
    let engine = b("session")
        .claims(["cart", "cart"])
        .group(cookietin::Group::new(b("s")).claims(["user", "user"]))
        .group(cookietin::Group::new(b("a")).claims_rest())
        .build()
        .unwrap();
    let mut session = engine.load(Vec::<&str>::new(), None);
    session.insert("user", &"ada").unwrap();
    session.insert("cart", &["pear"]).unwrap();
    engine.save(&mut session).unwrap();
    let group_of = |k: &str| {
        engine
            .placement(&session)
            .into_iter()
            .find(|p| p.key == k)
            .unwrap()
            .group
    };
    assert_eq!(
        (group_of("user"), group_of("cart")),
        ("s".into(), "session".into())
    );
    let err = b("session")
        .group(cookietin::Group::new(b("s")).claims(["user", "user"]))
        .group(cookietin::Group::new(b("a")).claims(["x", "user"]))
        .build()
        .unwrap_err();
    assert_eq!(err, cookietin::ConfigError::KeyClaimedTwice("user".into()));
}

/// Found by `id_envelope` (`regressions/id_envelope/keys-set-after-a-destroy`):
/// a store-backed session destroyed and then given keys in the same request
/// (`clear`, then `insert`) was saved as a plain destroy: the record was
/// deleted, the cookie expired, the save said `Cleared`, and the new keys
/// were silently lost. They now start a new record under a new id, as a
/// client-side session would write them into new cookies.
#[cfg(feature = "store")]
#[test]
fn keys_set_after_a_destroy_start_a_new_store_backed_session() {
    use logic::id_envelope::{block_on, Counting};
    use std::sync::Arc;

    let store = Arc::new(Counting::new());
    let engine = seed_engine("sid")
        .server_side(store.clone())
        .build()
        .unwrap();
    let pair =
        |saved: &cookietin::Saved| saved.set_cookies[0].split(';').next().unwrap().to_owned();
    let mut session = block_on(engine.load(Vec::<&str>::new(), None));
    session.insert("user", &"ada").unwrap();
    let old = pair(&block_on(engine.save(&mut session)).unwrap());

    let mut session = block_on(engine.load([&old], None));
    session.destroy();
    session.insert("flash", &"logged out").unwrap();
    let saved = block_on(engine.save(&mut session)).unwrap();
    assert_eq!(saved.report.action, cookietin::SaveAction::Written);
    let new = pair(&saved);
    assert_ne!(new, old);
    let again = block_on(engine.load([&new], None));
    assert_eq!(again.empty_reason(), None);
    assert_eq!(again.len(), 1);
    assert_eq!(
        again.get::<String>("flash").unwrap().as_deref(),
        Some("logged out")
    );
    // The old id is still dead.
    let replayed = block_on(engine.load([&old], None));
    assert!(replayed.is_empty());
    assert_eq!(
        replayed.empty_reason(),
        Some(&cookietin::EmptyReason::RecordGone)
    );
}
