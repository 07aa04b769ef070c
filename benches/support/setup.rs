//! Engines, requests and sessions for the benches.
#![allow(dead_code)]

use cookietin::{Engine, EngineBuilder, Key, Session};
use serde_json::value::RawValue;

use super::corpus::{Entries, CHROME, OTHER_COOKIES};

pub const SECRET: [u8; 32] = [7; 32];

/// A builder with the benches' key and every other setting the default.
pub fn builder() -> EngineBuilder {
    Engine::builder(Key::try_from_bytes(&SECRET).unwrap())
}

pub fn engine() -> Engine {
    builder().build().unwrap()
}

/// The default engine with its read cache off: every load a miss.
pub fn uncached_engine() -> Engine {
    builder().read_cache_bytes(0).build().unwrap()
}

/// The `name=value` pairs of a save's Set-Cookie lines, joined by "; ".
pub fn pairs(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .map(|line| line.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of one Set-Cookie line (its first `name=value` pair).
pub fn value_of(line: &str) -> &str {
    line.split(';').next().unwrap().split_once('=').unwrap().1
}

/// What the engine writes for `entries` on a first visit: the Set-Cookie
/// lines, and the chunk values joined (the whole encoded value).
pub fn first_save(engine: &Engine, entries: &Entries) -> (Vec<String>, String) {
    let mut session = engine.load([OTHER_COOKIES], Some(CHROME));
    fill(&mut session, entries);
    let saved = engine.save(&mut session).unwrap();
    let value: String = saved.set_cookies.iter().map(|l| value_of(l)).collect();
    (saved.set_cookies, value)
}

/// The Cookie header of a returning visitor: a few unrelated cookies and the
/// session's own.
pub fn request_header(engine: &Engine, entries: &Entries) -> String {
    let (lines, _) = first_save(engine, entries);
    format!("{OTHER_COOKIES}; {}", pairs(&lines))
}

/// Puts every entry in the session, marking it modified.
pub fn fill(session: &mut Session, entries: &Entries) {
    let data = session.data_mut();
    for (k, v) in entries {
        data.insert_raw(k, v.clone());
    }
}

/// A loaded session (the request's cookies and a desktop Chrome UA), then
/// modified by inserting `entries`: what a handler hands to `save`.
pub fn modified_session(engine: &Engine, header: &str, entries: &Entries) -> Session {
    let mut session = engine.load([header], Some(CHROME));
    fill(&mut session, entries);
    session
}

/// `len` characters of the base64url alphabet from a xorshift generator.
pub fn noise(seed: u32, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed.max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(ALPHABET[(x % 64) as usize])
        })
        .collect()
}

/// The shrink scenario's keys.
pub fn shrink_key(i: usize) -> String {
    format!("k{i:02}")
}

/// 100 keys of noise: `k00`..`k99`, each one string of `len` characters.
pub fn shrink_entries_strings(len: usize) -> Entries {
    (0..100)
        .map(|i| {
            let v = noise(i as u32 + 1, len);
            (shrink_key(i), serde_json::value::to_raw_value(&v).unwrap())
        })
        .collect()
}

/// 100 keys of noise: `k00`..`k99`, each an array of `items` strings of
/// `len` characters.
pub fn shrink_entries_arrays(items: usize, len: usize) -> Entries {
    (0..100)
        .map(|i| {
            let v: Vec<String> = (0..items)
                .map(|j| noise((i * 1000 + j) as u32 + 1, len))
                .collect();
            (shrink_key(i), serde_json::value::to_raw_value(&v).unwrap())
        })
        .collect()
}

/// An engine with one shrink callback per key that removes its own key.
pub fn shrink_engine_remove() -> Engine {
    let mut builder = Engine::builder(Key::try_from_bytes(&SECRET).unwrap());
    for i in 0..100 {
        let key = shrink_key(i);
        builder = builder.on_shrink([key.clone()], move |data, _last| {
            data.remove(&key);
        });
    }
    builder.build().unwrap()
}

/// An engine with one shrink callback per key that drops the first item of
/// its own array (the whole key on its last chance).
pub fn shrink_engine_trim() -> Engine {
    let mut builder = Engine::builder(Key::try_from_bytes(&SECRET).unwrap());
    for i in 0..100 {
        let key = shrink_key(i);
        builder = builder.on_shrink([key.clone()], move |data, last| {
            let mut items: Vec<Box<RawValue>> = data.get(&key).ok().flatten().unwrap_or_default();
            if last || items.len() <= 1 {
                data.remove(&key);
            } else {
                items.remove(0);
                let _ = data.insert(&key, &items);
            }
        });
    }
    builder.build().unwrap()
}

/// The shrink scenario for `engine` (one of the `shrink_engine_*`): 100 keys
/// made by `make(len)`, with `len` chosen so that the session encodes to
/// about four times the capacity of a desktop Chrome request carrying
/// [`OTHER_COOKIES`]. Returns the entries, how many times over the capacity
/// they are, and the entries a save keeps after shrinking them.
pub fn shrink_scenario(
    engine: &Engine,
    make: impl Fn(usize) -> Entries,
) -> (Entries, f64, Entries) {
    let capacity = engine
        .budget(&engine.load([OTHER_COOKIES], Some(CHROME)))
        .capacity;
    let mut floor = super::floor::FloorSave::engine_levels(&SECRET);
    let mut over = |len: usize| floor.save(&make(len), 1, 0).len() as f64 / capacity as f64;
    let len = (20..2000)
        .step_by(5)
        .map(|len| (len, over(len)))
        .take_while(|&(_, ratio)| ratio < 4.3)
        .min_by(|a, b| (a.1 - 4.0).abs().total_cmp(&(b.1 - 4.0).abs()))
        .unwrap()
        .0;
    let entries = make(len);
    let ratio = floor.save(&entries, 1, 0).len() as f64 / capacity as f64;
    let mut session = modified_session(engine, OTHER_COOKIES, &entries);
    engine.save(&mut session).unwrap();
    let kept = session
        .data()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (entries, ratio, kept)
}

/// The remove scenario's entries: strings of noise.
pub fn remove_entries(len: usize) -> Entries {
    shrink_entries_strings(len)
}

/// The trim scenario's entries: arrays of ten strings of noise.
pub fn trim_entries(len: usize) -> Entries {
    shrink_entries_arrays(10, len / 10)
}
