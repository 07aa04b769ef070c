//! What the targets share: a fixed clock and keys, forward-read strings and
//! JSON values, a browser-like cookie jar, and the checks on a save.

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Result, Unstructured};
use cookietin::{Budget, Counted, Engine, EngineBuilder, Key, KeyRing, Saved, Session};
use serde_json::Value;

/// The clock every engine here runs on.
pub const NOW: u64 = 1_800_000_000;

pub fn now() -> u64 {
    NOW
}

pub fn key(byte: u8) -> Key {
    Key::try_from_bytes(&[byte; 32]).expect("32-byte key")
}

/// The cookie names the engines use: plain, short, prefixed, one character.
pub const NAMES: [&str; 4] = ["session", "sid", "__Host-s", "a"];

/// A string read forward: a length byte, then that many bytes (lossy UTF-8).
///
/// `String`'s own `Arbitrary` takes its length from the end of the input,
/// which makes seeds hard to write by hand; this reads strictly forward so
/// [`Enc`](super::enc::Enc) can produce the bytes for a given value.
#[derive(Clone, Debug, PartialEq)]
pub struct Text(pub String);

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let len = usize::from(u8::arbitrary(u)?).min(u.len());
        let bytes = u.bytes(len)?;
        Ok(Text(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// Containers nest at most this deep (serde_json parses 128 levels).
pub const MAX_DEPTH: usize = 160;
/// Elements per container.
pub const MAX_ELEMENTS: usize = 64;
/// Characters of a generated `Repeat` or `Noise` string.
pub const MAX_GENERATED: usize = 4096;

/// A JSON-ish value, read forward with a depth cap.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Arr(Vec<Json>),
    Obj(Vec<(Text, Json)>),
    /// A string repeated to `n` characters: large and compressible.
    Repeat(Text, u16),
    /// `n` pseudo-random base64 characters: large and incompressible.
    Noise(u32, u16),
}

/// Tags of [`Json`] in the input, in this order (the tag byte modulo 9).
pub const JSON_TAGS: u8 = 9;

impl Json {
    fn read(u: &mut Unstructured<'_>, depth: usize) -> Result<Json> {
        let tag = u8::arbitrary(u)? % JSON_TAGS;
        Ok(match tag {
            0 => Json::Null,
            1 => Json::Bool(bool::arbitrary(u)?),
            2 => Json::Int(i64::arbitrary(u)?),
            3 => Json::Float(f64::arbitrary(u)?),
            4 => Json::Str(Text::arbitrary(u)?),
            5 | 6 if depth >= MAX_DEPTH => Json::Null,
            5 => {
                let mut items = Vec::new();
                while items.len() < MAX_ELEMENTS && bool::arbitrary(u)? {
                    items.push(Json::read(u, depth + 1)?);
                }
                Json::Arr(items)
            }
            6 => {
                let mut members = Vec::new();
                while members.len() < MAX_ELEMENTS && bool::arbitrary(u)? {
                    members.push((Text::arbitrary(u)?, Json::read(u, depth + 1)?));
                }
                Json::Obj(members)
            }
            7 => Json::Repeat(Text::arbitrary(u)?, u16::arbitrary(u)?),
            _ => Json::Noise(u32::arbitrary(u)?, u16::arbitrary(u)?),
        })
    }

    pub fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::from(*i),
            Json::Float(f) => Value::from(*f),
            Json::Str(t) => Value::String(t.0.clone()),
            Json::Arr(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.0.clone(), v.to_value()))
                    .collect(),
            ),
            Json::Repeat(t, n) => {
                let n = usize::from(*n) % (MAX_GENERATED + 1);
                let unit = if t.0.is_empty() { "x" } else { t.0.as_str() };
                Value::String(unit.chars().cycle().take(n).collect())
            }
            Json::Noise(seed, n) => {
                Value::String(noise(*seed, usize::from(*n) % (MAX_GENERATED + 1)))
            }
        }
    }
}

impl<'a> Arbitrary<'a> for Json {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Json::read(u, 0)
    }
}

/// Deterministic base64-alphabet characters (xorshift32).
pub fn noise(seed: u32, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(ALPHABET[(x % 64) as usize])
        })
        .collect()
}

/// One session entry.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Text,
    pub value: Json,
}

/// The User-Agent of the request.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Agent {
    None,
    Chrome,
    Firefox,
    SafariIos,
    /// Old IE: counts the whole Set-Cookie line.
    Ie8,
    /// An HTTP library: the RFC 6265 default entry, also line-counting.
    Curl,
    Custom(Text),
}

pub const AGENTS: usize = 7;

impl Agent {
    pub fn header(&self) -> Option<&str> {
        Some(match self {
            Agent::None => return None,
            Agent::Chrome => "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            Agent::Firefox => "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            Agent::SafariIos => "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            Agent::Ie8 => "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)",
            Agent::Curl => "curl/8.5.0",
            Agent::Custom(t) => &t.0,
        })
    }
}

/// Engine settings the structured targets vary.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct EngineCfg {
    /// Index into [`NAMES`], modulo its length.
    pub name: u8,
    pub compress: bool,
    pub persistent: bool,
    /// The session's own compression override.
    pub session_compress: Option<bool>,
}

impl EngineCfg {
    pub fn name(&self) -> &'static str {
        NAMES[usize::from(self.name) % NAMES.len()]
    }

    pub fn builder(&self) -> EngineBuilder {
        Engine::builder(KeyRing::new(key(1)))
            .clock(now)
            .cookie_name(self.name())
            .compress(self.compress)
            .persistent(self.persistent)
    }
}

/// The chunk index a cookie name stands for under `base` (the rule of
/// `cookietin::fit::chunk`, restated).
pub fn chunk_index(base: &str, name: &str) -> Option<usize> {
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        return Some(0);
    }
    let digits = rest.strip_prefix('.')?;
    if digits.is_empty() || digits.len() > 3 || digits.starts_with('0') {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: usize = digits.parse().ok()?;
    (index < 255).then_some(index)
}

/// A browser's jar for one host and path: raw `name=value` pieces in the
/// order they were first set.
#[derive(Clone, Debug, Default)]
pub struct Jar {
    pub pieces: Vec<String>,
}

/// A piece's cookie name, as a browser matches it: exactly, but for the
/// blanks around it (RFC 6265bis trims only spaces and tabs). A name with
/// other white space, such as a form feed, is another cookie; the engine
/// counts it among the others too.
///
/// A piece without `=` is a nameless cookie (RFC 6265bis section 5.6), a
/// different cookie from one named like its value.
fn piece_name(piece: &str) -> &str {
    piece
        .split_once('=')
        .map_or("", |(n, _)| n)
        .trim_matches([' ', '\t'])
}

impl Jar {
    /// Other cookies the request carries: each text made a valid piece (no
    /// `;`, no surrounding blanks, not empty), one per name as in a real jar
    /// for one host and path, at most `max`.
    pub fn with_others(others: &[Text], max: usize) -> Jar {
        let mut jar = Jar::default();
        for t in others {
            let piece = t.0.replace(';', "").trim_matches([' ', '\t']).to_owned();
            let name = piece_name(&piece);
            if piece.is_empty() || jar.pieces.iter().any(|p| piece_name(p) == name) {
                continue;
            }
            jar.pieces.push(piece);
            if jar.pieces.len() == max {
                break;
            }
        }
        jar
    }

    /// Applies Set-Cookie values as a browser would.
    pub fn apply(&mut self, set_cookies: &[String]) {
        for line in set_cookies {
            let c =
                cookie::Cookie::parse(line.as_str()).expect("the engine writes valid Set-Cookie");
            let removal = is_removal(line);
            let pos = self.pieces.iter().position(|p| piece_name(p) == c.name());
            let piece = format!("{}={}", c.name(), c.value());
            match (pos, removal) {
                (Some(i), true) => {
                    self.pieces.remove(i);
                }
                (Some(i), false) => self.pieces[i] = piece,
                (None, true) => {}
                (None, false) => self.pieces.push(piece),
            }
        }
    }

    /// The Cookie header value.
    pub fn header(&self) -> String {
        self.pieces.join("; ")
    }

    /// Our chunks in the jar: `(index, value)` in jar order.
    pub fn ours(&self, base: &str) -> Vec<(usize, String)> {
        self.pieces
            .iter()
            .filter_map(|p| {
                let (_, value) = p.split_once('=')?;
                let index = chunk_index(base, piece_name(p))?;
                Some((index, value.to_owned()))
            })
            .collect()
    }
}

/// Whether a Set-Cookie line deletes its cookie.
/// Within one response, every removal comes before the first cookie
/// written (issue 9: the site never holds more cookies mid-response).
pub fn assert_removals_first(set_cookies: &[String]) {
    if let Some(first_write) = set_cookies.iter().position(|l| !is_removal(l)) {
        assert!(
            set_cookies[first_write..].iter().all(|l| !is_removal(l)),
            "a removal after a write: {set_cookies:?}"
        );
    }
}

pub fn is_removal(line: &str) -> bool {
    let c = cookie::Cookie::parse(line).expect("the engine writes valid Set-Cookie");
    c.max_age().is_some_and(|a| a.is_zero() || a.is_negative())
}

/// How deep arrays and objects nest in `v`.
pub fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Inserts an entry as a handler would. `insert` refuses only values nested
/// too deep for serde_json to parse back (128 levels).
pub fn insert(session: &mut Session, entry: &Entry) {
    let value = entry.value.to_value();
    let raw = |s: &Session| s.data().get_raw(&entry.key.0).map(|r| r.get().to_owned());
    let before = raw(session);
    if let Err(e) = session.insert(&entry.key.0, &value) {
        assert!(depth(&value) >= 128, "insert refused {entry:?}: {e}");
        assert_eq!(raw(session), before, "a refused insert changed the entry");
    }
}

/// The session's entries as raw JSON text, for exact comparison.
pub fn raw_entries(session: &Session) -> BTreeMap<String, String> {
    session
        .data()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.get().to_owned()))
        .collect()
}

/// Checks a successful save against its budget, applies it to `jar`, and
/// checks that the next request loads exactly the session as saved.
///
/// `header_budget` is the engine's configured Cookie header budget.
/// The base64 characters of the smallest value these targets' engines
/// (which sign) write: the 6-byte header, `{}`, and the 16-byte tag.
pub const SMALLEST_SIGNED_VALUE: usize = (6 + 2 + 16) * 4 / 3;

pub fn check_saved(
    engine: &Engine,
    session: &Session,
    saved: &Saved,
    jar: &mut Jar,
    agent: Option<&str>,
    header_budget: Option<usize>,
) {
    let base = engine.cookie_name();
    let report = &saved.report;
    for line in &saved.set_cookies {
        assert!(
            http::HeaderValue::try_from(line.as_str()).is_ok(),
            "Set-Cookie is not a valid header value: {line:?}"
        );
    }
    let written: Vec<&String> = saved
        .set_cookies
        .iter()
        .filter(|l| !is_removal(l))
        .collect();
    jar.apply(&saved.set_cookies);
    let ours = jar.ours(base);
    match report.action {
        cookietin::SaveAction::Written => {
            let budget: &Budget = report.budget.as_ref().expect("a write reports its budget");
            assert_eq!(written.len(), report.chunks, "{report:?}");
            assert!(report.chunks >= 1);
            assert!(
                report.chunks <= budget.cookies,
                "{} chunks, budget {budget:?}",
                report.chunks
            );
            assert!(report.value_bytes <= budget.capacity, "{report:?}");
            // Exactly chunks 0..n are ours in the jar, nothing stale.
            let mut indices: Vec<usize> = ours.iter().map(|(i, _)| *i).collect();
            indices.sort_unstable();
            assert_eq!(indices, (0..report.chunks).collect::<Vec<_>>(), "{jar:?}");
            for line in &written {
                let (pair, _) = line.split_once(';').unwrap_or((line, ""));
                let (name, value) = pair.split_once('=').expect("name=value");
                let counted = match budget.counts {
                    Counted::NameValue => name.len() + value.len(),
                    Counted::Line => line.len(),
                };
                assert!(
                    counted <= budget.max_cookie_bytes,
                    "cookie {name} counts {counted} bytes, over {}: {line}",
                    budget.max_cookie_bytes
                );
                assert!(
                    name.len() + value.len() + budget.per_cookie_overhead
                        <= budget.max_cookie_bytes,
                    "{line} / {budget:?}"
                );
            }
            // The Cookie header of the next request.
            let total = jar.header().len();
            let ours_bytes = total - budget.other_bytes;
            assert_eq!(ours_bytes, report.header_bytes, "{report:?} {jar:?}");
            if let Some(left) = budget.header_bytes {
                assert!(ours_bytes <= left, "{ours_bytes} > {left}: {budget:?}");
            }
            if let Some(limit) = header_budget {
                assert!(total <= limit, "Cookie header {total} > {limit}");
            }
        }
        cookietin::SaveAction::Cleared => {
            assert!(written.is_empty());
            assert!(session.is_empty());
            assert!(ours.is_empty(), "{jar:?}");
        }
        cookietin::SaveAction::NoRoom => {
            assert!(written.is_empty());
            assert!(session.is_empty());
            assert!(ours.is_empty(), "{jar:?}");
            // No room for even the smallest value (not none at all: a
            // header budget can leave a few characters, too few for any).
            let budget = report.budget.as_ref().expect("no room reports its budget");
            assert!(budget.capacity < SMALLEST_SIGNED_VALUE, "{budget:?}");
        }
        cookietin::SaveAction::Unchanged => assert!(saved.set_cookies.is_empty()),
        _ => {}
    }
    assert_removals_first(&saved.set_cookies);
    // The next request sees exactly what was saved.
    let next = engine.load([jar.header()], agent);
    if report.action != cookietin::SaveAction::Unchanged {
        assert_eq!(next.empty_reason(), None, "{jar:?}");
        assert_eq!(raw_entries(&next), raw_entries(session));
        // A handler reading the values back as JSON.
        for (k, _) in next.data().iter() {
            assert_eq!(next.get_value(k), session.get_value(k));
        }
    }
}
