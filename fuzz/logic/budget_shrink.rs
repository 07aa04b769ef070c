//! `budget_shrink`: arbitrary sessions under arbitrary limits (a custom
//! `LimitsDb` from arbitrary numbers, or the bundled one with builder caps),
//! other cookies on the request, and shrink callbacks that behave well or
//! badly (shrink an array, do nothing, grow the value, alternate...).
//!
//! Asserts: the save succeeds or is `SaveError::DoesNotFit`, with the
//! budget really too small for an empty session and the session untouched;
//! a session that fits is not touched and one that was touched did not fit
//! (measured by saving a copy with no limits); every key missing after the
//! save is reported in `report.shrink`, dropped or belonging to a callback
//! that ran; and the written cookies fit the budget and load back as the
//! session was left (the checks of `chunk_roundtrip`).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use cookietin::{LimitsDb, SaveAction, SaveError, Session, SessionData, ShrinkStep};
use serde_json::Value;

use super::common::{check_saved, insert, raw_entries, Agent, EngineCfg, Entry, Jar, Text};
use super::enc::Enc;

pub const MAX_ENTRIES: usize = 32;
pub const MAX_OTHERS: usize = 16;
pub const MAX_CALLBACKS: usize = 8;

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Input {
    pub cfg: EngineCfg,
    pub limits: Limits,
    pub caps: Caps,
    pub agent: Agent,
    pub others: Vec<Text>,
    pub callbacks: Vec<Callback>,
    pub entries: Vec<Entry>,
}

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Limits {
    Bundled,
    /// A database of a default entry and, optionally, a Chromium entry,
    /// from arbitrary numbers (an invalid one falls back to the bundled).
    Custom {
        default: Numbers,
        chromium: Option<Numbers>,
    },
}

pub const LIMITS: usize = 2;

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Numbers {
    pub max_cookie_bytes: u16,
    pub line: bool,
    pub max_cookies_per_site: u16,
    pub purge_to: u16,
}

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Caps {
    pub max_cookie_bytes: Option<u16>,
    pub max_chunks: Option<u8>,
    pub header_budget: Option<u16>,
    pub reserved_cookies: u8,
}

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Callback {
    pub keys: Vec<KeyRef>,
    pub kind: Kind,
}

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum KeyRef {
    /// The key of entry `n` (modulo the entry count).
    Entry(u8),
    Named(Text),
}

pub const KEY_REFS: usize = 2;

/// What a callback does to each of its keys that is present.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// Removes an array's first element, an object's first member or a
    /// string's first character; removes the key on its last chance.
    PopFront,
    Noop,
    /// Makes the value longer by this many characters plus one.
    Grow(u8),
    Remove,
    SetNull,
    /// Halves strings and arrays.
    Halve,
    /// Inserts a key of its own (its first key) instead of shrinking.
    AddKey,
    /// Nothing until its last chance, then removes its keys.
    RemoveOnLast,
    /// Grows on odd calls, pops on even ones.
    Flaky,
}

pub const KINDS: usize = 9;

fn limits_json(default: &Numbers, chromium: Option<&Numbers>) -> String {
    let entry = |id: &str, browser: &str, n: &Numbers| {
        format!(
            r#"{{"id":"{id}","browser":"{browser}","max_cookie_bytes":{},"counts":"{}","max_attribute_bytes":1024,"max_cookies_per_site":{},"purge_to":{},"max_cookies_total":3000,"source":"fuzz"}}"#,
            n.max_cookie_bytes,
            if n.line { "line" } else { "name+value" },
            n.max_cookies_per_site,
            n.purge_to
        )
    };
    let mut entries = vec![entry("default", "default", default)];
    if let Some(c) = chromium {
        entries.push(entry("chromium", "chromium", c));
    }
    format!(r#"{{"entries":[{}]}}"#, entries.join(","))
}

fn pop_front(v: Value) -> Value {
    match v {
        Value::Array(mut a) if !a.is_empty() => {
            a.remove(0);
            Value::Array(a)
        }
        Value::Object(mut o) if !o.is_empty() => {
            let first = o.keys().next().cloned().expect("non-empty");
            o.remove(&first);
            Value::Object(o)
        }
        Value::String(s) if !s.is_empty() => Value::String(s.chars().skip(1).collect()),
        v => v,
    }
}

fn grow(v: Value, n: usize) -> Value {
    match v {
        Value::String(mut s) => {
            s.push_str(&"g".repeat(n));
            Value::String(s)
        }
        Value::Array(mut a) => {
            a.push(Value::String("g".repeat(n)));
            Value::Array(a)
        }
        v => Value::Array(vec![v, Value::String("g".repeat(n))]),
    }
}

fn halve(v: Value) -> Value {
    match v {
        Value::String(s) => {
            let n = s.chars().count() / 2;
            Value::String(s.chars().take(n).collect())
        }
        Value::Array(mut a) => {
            a.truncate(a.len() / 2);
            Value::Array(a)
        }
        v => v,
    }
}

fn callback(keys: Vec<String>, kind: Kind) -> impl Fn(&mut SessionData, bool) + Send + Sync {
    let calls = Arc::new(AtomicUsize::new(0));
    move |data: &mut SessionData, last: bool| {
        let call = calls.fetch_add(1, Ordering::Relaxed);
        if kind == Kind::AddKey {
            if let Some(k) = keys.first() {
                let _ = data.insert(&format!("{k}+"), &call);
            }
            return;
        }
        for k in &keys {
            let Some(v) = data.get_value(k) else {
                continue;
            };
            let new = match kind {
                Kind::PopFront | Kind::RemoveOnLast | Kind::Remove if last => None,
                Kind::PopFront => Some(pop_front(v)),
                Kind::Noop | Kind::AddKey | Kind::RemoveOnLast => continue,
                Kind::Grow(n) => Some(grow(v, usize::from(n) + 1)),
                Kind::Remove => None,
                Kind::SetNull => Some(Value::Null),
                Kind::Halve => Some(halve(v)),
                Kind::Flaky if call.is_multiple_of(2) => Some(grow(v, 8)),
                Kind::Flaky => Some(pop_front(v)),
            };
            match new {
                Some(v) => {
                    // Refused only when grown too deep; the value stays.
                    let _ = data.insert(k, &v);
                }
                None => {
                    data.remove(k);
                }
            }
        }
    }
}

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(input) = Input::arbitrary(&mut u) {
        exec(&input);
    }
}

pub fn exec(input: &Input) {
    let entries: Vec<&Entry> = input.entries.iter().take(MAX_ENTRIES).collect();
    let mut builder = input.cfg.builder();
    if let Limits::Custom { default, chromium } = &input.limits {
        let json = limits_json(default, chromium.as_ref());
        if let Ok(db) = LimitsDb::from_json(&json) {
            builder = builder.browsers(std::sync::Arc::new(cookietin::Browsers::new(db)));
        }
    }
    let caps = &input.caps;
    if let Some(n) = caps.max_cookie_bytes {
        builder = builder.max_cookie_bytes(usize::from(n));
    }
    if let Some(n) = caps.max_chunks {
        builder = builder.max_chunks(usize::from(n));
    }
    let header_budget = caps.header_budget.map(usize::from);
    builder = builder
        .header_budget(header_budget)
        .reserved_cookies(usize::from(caps.reserved_cookies));
    let mut registered: Vec<Vec<String>> = Vec::new();
    for cb in input.callbacks.iter().take(MAX_CALLBACKS) {
        let keys: Vec<String> = cb
            .keys
            .iter()
            .map(|k| match k {
                KeyRef::Entry(i) if entries.is_empty() => format!("missing{i}"),
                KeyRef::Entry(i) => entries[usize::from(*i) % entries.len()].key.0.clone(),
                KeyRef::Named(t) => t.0.clone(),
            })
            .collect();
        registered.push(keys.clone());
        builder = builder.on_shrink(keys.clone(), callback(keys, cb.kind));
    }
    let engine = match builder.build() {
        Ok(engine) => engine,
        // Only `max_chunks(0)` is refused here; that is documented.
        Err(e) => {
            assert_eq!(caps.max_chunks, Some(0), "{e}");
            return;
        }
    };

    let agent = input.agent.header();
    let mut jar = Jar::with_others(&input.others, MAX_OTHERS);
    let mut session = engine.load([jar.header()], agent);
    if let Some(c) = input.cfg.session_compress {
        session.set_compression(c);
    }
    for e in &entries {
        insert(&mut session, e);
    }
    let original = raw_entries(&session);
    let unlimited = unlimited_len(input, &session);

    match engine.save(&mut session) {
        Ok(saved) => {
            let report = &saved.report;
            let after = raw_entries(&session);
            let written = report.action == SaveAction::Written;
            if report.shrink.is_untouched() {
                assert_eq!(after, original, "untouched, yet changed");
                if let (true, Some(len), Some(budget)) = (written, unlimited, &report.budget) {
                    assert!(len <= budget.capacity, "{len} > {budget:?}");
                }
            } else if let (Some(len), Some(budget)) = (unlimited, &report.budget) {
                assert!(
                    len > budget.capacity,
                    "shrunk a session of {len} that fits {budget:?}: {:?}",
                    report.shrink
                );
            }
            // Every key that went is accounted for.
            let mut accounted: BTreeSet<&str> = BTreeSet::new();
            for step in &report.shrink.steps {
                match step {
                    ShrinkStep::Dropped { key, .. } => {
                        accounted.insert(key);
                    }
                    ShrinkStep::Callback { keys, .. } => {
                        assert!(registered.contains(keys), "{keys:?}");
                        accounted.extend(keys.iter().map(String::as_str));
                    }
                    _ => {}
                }
            }
            for k in original.keys() {
                if !after.contains_key(k) {
                    assert!(
                        accounted.contains(k.as_str()),
                        "key {k:?} went unreported: {:?}",
                        report.shrink
                    );
                }
            }
            check_saved(&engine, &session, &saved, &mut jar, agent, header_budget);
        }
        Err(SaveError::DoesNotFit { needed, capacity }) => {
            assert!(needed > capacity, "DoesNotFit with {needed} <= {capacity}");
            assert_eq!(capacity, engine.budget(&session).capacity);
            assert_eq!(
                raw_entries(&session),
                original,
                "DoesNotFit changed the session"
            );
        }
        Err(e) => panic!("undocumented save error {e:?}"),
    }
}

/// The encoded length of the session with no limits (Chromium's 180
/// cookies of 4096 bytes, no header budget), or `None` if even that shrank
/// it.
fn unlimited_len(input: &Input, session: &Session) -> Option<usize> {
    let engine = input
        .cfg
        .builder()
        .header_budget(None)
        .build()
        .expect("valid engine");
    let chrome = Agent::Chrome;
    let mut copy = engine.load(Vec::<&str>::new(), chrome.header());
    if let Some(c) = input.cfg.session_compress {
        copy.set_compression(c);
    }
    for (k, v) in session.data().iter() {
        copy.data_mut().insert_raw(k, v.to_owned());
    }
    let saved = engine.save(&mut copy).ok()?;
    (saved.report.shrink.is_untouched() && saved.report.action == SaveAction::Written)
        .then_some(saved.report.value_bytes)
}

impl Input {
    /// The bytes that read back as this input.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.cfg(&self.cfg);
        match &self.limits {
            Limits::Bundled => {
                e.variant(0, LIMITS);
            }
            Limits::Custom { default, chromium } => {
                let numbers = |e: &mut Enc, n: &Numbers| {
                    e.u16(n.max_cookie_bytes)
                        .bool(n.line)
                        .u16(n.max_cookies_per_site)
                        .u16(n.purge_to);
                };
                e.variant(1, LIMITS);
                numbers(&mut e, default);
                e.option(chromium.as_ref(), numbers);
            }
        }
        let c = &self.caps;
        e.option(c.max_cookie_bytes, |e, n| {
            e.u16(n);
        })
        .option(c.max_chunks, |e, n| {
            e.u8(n);
        })
        .option(c.header_budget, |e, n| {
            e.u16(n);
        })
        .u8(c.reserved_cookies)
        .agent(&self.agent)
        .vec(&self.others, |e, t| {
            e.text(&t.0);
        })
        .vec(&self.callbacks, |e, cb| {
            e.vec(&cb.keys, |e, k| match k {
                KeyRef::Entry(i) => {
                    e.variant(0, KEY_REFS).u8(*i);
                }
                KeyRef::Named(t) => {
                    e.variant(1, KEY_REFS).text(&t.0);
                }
            });
            let index = match cb.kind {
                Kind::PopFront => 0,
                Kind::Noop => 1,
                Kind::Grow(_) => 2,
                Kind::Remove => 3,
                Kind::SetNull => 4,
                Kind::Halve => 5,
                Kind::AddKey => 6,
                Kind::RemoveOnLast => 7,
                Kind::Flaky => 8,
            };
            e.variant(index, KINDS);
            if let Kind::Grow(n) = cb.kind {
                e.u8(n);
            }
        })
        .entries(&self.entries);
        e.0
    }
}
