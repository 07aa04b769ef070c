//! Helpers shared by the integration tests: a cookie jar that behaves like a
//! browser's for one host and path, deterministic data, (in [`demo`])
//! the demo server and plain HTTP requests to it, (in [`redis_server`])
//! real Redis nodes and clusters for the store tests, (in
//! [`postgres_server`]) a real PostgreSQL server for the SQL stores, (in
//! [`probe_store`]) a memory store that counts its calls, (in
//! [`store_calls`]) store calls the fault tests share, (in [`test_jar`],
//! feature `test-util`) real HTTP requests through a `TestJar`, and a
//! current-thread runtime for the async API.
#![allow(dead_code)]

pub mod browser_model;
pub mod demo;
pub mod postgres_server;
#[cfg(feature = "store")]
pub mod probe_store;
pub mod redis_server;
#[cfg(feature = "store")]
pub mod store_calls;
#[cfg(feature = "test-util")]
pub mod test_jar;

use std::cell::Cell;

use cookie::Cookie;
use cookietin::{Engine, EngineBuilder, Key};

pub const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

pub fn key(byte: u8) -> Key {
    Key::try_from_bytes(&[byte; 32]).unwrap()
}

thread_local! {
    /// Each test runs on its own thread, so each has its own clock.
    pub static NOW: Cell<u64> = const { Cell::new(1_800_000_000) };
}

pub fn now() -> u64 {
    NOW.with(Cell::get)
}

pub fn set_now(t: u64) {
    NOW.with(|c| c.set(t));
}

/// Runs `f` to completion on a current-thread runtime (with timers).
pub fn block_on<F: std::future::IntoFuture>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f.into_future())
}

/// One request through the async API: load what `jar` holds (with a
/// Chrome User-Agent), `edit`, save, and apply what the save wrote.
#[cfg(feature = "store")]
pub async fn visit_async(
    engine: &Engine<cookietin::Stored>,
    jar: &mut Jar,
    edit: impl FnOnce(&mut cookietin::Session),
) -> (
    cookietin::Session,
    Result<cookietin::Saved, cookietin::SaveError>,
) {
    let mut session = engine.load([jar.header()], Some(CHROME)).await;
    edit(&mut session);
    let saved = engine.save(&mut session).await;
    if let Ok(saved) = &saved {
        jar.apply(&saved.set_cookies);
    }
    (session, saved)
}

/// [`visit_async`] whose save must succeed.
#[cfg(feature = "store")]
pub async fn visit_saved(
    engine: &Engine<cookietin::Stored>,
    jar: &mut Jar,
    edit: impl FnOnce(&mut cookietin::Session),
) -> (cookietin::Session, cookietin::Saved) {
    let (session, saved) = visit_async(engine, jar, edit).await;
    (session, saved.unwrap())
}

/// The demo's shrink callback for `history` (a list of strings): drop the
/// oldest entry, or the key on the last chance.
pub fn history_callback(data: &mut cookietin::SessionData, last: bool) {
    let mut h: Vec<String> = data.get("history").ok().flatten().unwrap_or_default();
    if last || h.len() <= 1 {
        data.remove("history");
    } else {
        h.remove(0);
        let _ = data.insert("history", &h);
    }
}

/// The value of one Set-Cookie line (its first `name=value` pair).
pub fn value_of(line: &str) -> &str {
    line.split(';').next().unwrap().split_once('=').unwrap().1
}

pub fn builder(key_byte: u8) -> EngineBuilder {
    Engine::builder(key(key_byte)).clock(now).secure(false)
}

/// A browser's cookie jar for one host and path, in insertion order.
#[derive(Debug, Default, Clone)]
pub struct Jar {
    pub cookies: Vec<(String, String)>,
}

impl Jar {
    pub fn with(pairs: &[(&str, &str)]) -> Jar {
        Jar {
            cookies: pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Applies Set-Cookie values as a browser would.
    pub fn apply(&mut self, set_cookies: &[String]) {
        for line in set_cookies {
            let c = Cookie::parse(line.as_str()).expect("engine writes valid Set-Cookie");
            let removal = c.max_age().is_some_and(|a| a.is_zero() || a.is_negative());
            let pos = self.cookies.iter().position(|(n, _)| n == c.name());
            match (pos, removal) {
                (Some(i), true) => {
                    self.cookies.remove(i);
                }
                (Some(i), false) => self.cookies[i].1 = c.value().to_owned(),
                (None, true) => {}
                (None, false) => self
                    .cookies
                    .push((c.name().to_owned(), c.value().to_owned())),
            }
        }
    }

    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.apply(&[format!("{name}={value}")]);
    }

    pub fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Deterministic pseudo-random bytes (xorshift64*), for incompressible data.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

/// Incompressible base64 text of `len` characters.
pub fn random_text(seed: u64, len: usize) -> String {
    use base64::Engine as _;
    let mut s =
        base64::engine::general_purpose::STANDARD.encode(random_bytes(seed, len * 3 / 4 + 3));
    s.truncate(len);
    s
}
