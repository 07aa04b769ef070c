//! `id_envelope` (feature `store`): envelopes carrying a session id (flag
//! `ID`), read by the engines that read one, each on a `MemoryStore`
//! behind a [`Counting`] store that records every call: a store-backed
//! engine (`server_side`), an overflowing one (`overflow`), a revocable one
//! (`revocable`, optionally `revoke_by_user`), and one both overflowing and
//! revocable into one store (the demo's main group).
//!
//! Input: a mode byte, then the rest.
//!
//! - mode 0 (`HEADERS`): a settings byte, then newline-separated Cookie
//!   header values (raw bytes). Settings: bits 0-1 the engine ([`Kind`]);
//!   bits 2-3 the cookie name ([`NAMES`]); bit 4 a Chrome User-Agent; bit
//!   5 `revoke_by_user("user")` for a revocable engine, an idle timeout for
//!   a store-backed one; bit 6 small cookies (300 bytes, at most 2, so
//!   that an overflowing engine moves keys); bit 7 insert a key before the
//!   save.
//! - mode 1 (`ROUNDTRIP`): a structured [`Trip`] (read forward, see
//!   `logic/enc.rs`).
//!
//! Asserts, on every load of any header: `Engine::load` never calls the
//! store; `Engine::load_async` never writes to it, and reads it only for a
//! cookie whose id envelope verified (the cookie's own reason, from
//! `Engine::load`: `NotFetched` as the `empty_reason` of a store-backed
//! session, or as the `store_reason` of a client-side one; any other
//! reason, `BadSignature`, `Malformed`, `ChunkMissing`, `Expired`... means
//! zero calls, and the async load then gives the same empty session with
//! the same reason), and then exactly once per store it has to ask (twice
//! for the overflowing revocable engine, unless the session is revoked);
//! a session that loaded has no reason. The save is `Ok`, `DoesNotFit`, or
//! a store's `TooLarge` for a record over the memory store's 1 MiB; every
//! removal comes before every write, and what it writes loads back as
//! saved.
//!
//! `ROUNDTRIP` saves the trip's entries with `save_async` (cookie cap,
//! compression, the keys that may move, other cookies and User-Agent from
//! the input), applies the response to a browser-like jar and loads it
//! back with an awaited load: exactly what was saved (the handler's view,
//! keys moved into the store included), with no reason when cookies were
//! written; the cookies alone (`Loading::cookies`) hold all of it but the
//! moved keys. Then a tampered copy of the jar (bytes replaced, chunks cut,
//! dropped, copied, swapped, renamed, pieces added): the store is asked
//! only if its id envelope verifies, and then it loads exactly what was
//! saved. Then a second request edits it (insert, remove, destroy, renew,
//! regenerate) and saves: it loads back as saved; after a
//! destroy or a regenerate of a session with an id, the first request's
//! cookies load empty with `RecordGone` (store-backed) or `Revoked`
//! (revocable), or without the moved keys and with the `store_reason`
//! `RecordGone` (overflowing only).

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use cookietin::store::{
    Changes, Created, Entries, MemoryStore, Record, RecordKey, Regenerated, Store, StoreError,
    StoreFuture, Updated,
};
use cookietin::{
    EmptyReason, Engine, EngineBuilder, KeyRing, SaveAction, SaveError, Saved, Session, Stored,
};

use super::common::{
    assert_removals_first, chunk_index, insert, key, now, raw_entries, Agent, Entry, Jar, Text,
    NAMES,
};
use super::enc::Enc;

pub const HEADERS: u8 = 0;
pub const ROUNDTRIP: u8 = 1;

pub const UA: u8 = 1 << 4;
pub const BY_USER: u8 = 1 << 5;
pub const SMALL: u8 = 1 << 6;
pub const INSERT: u8 = 1 << 7;

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Entries of a trip used; more are ignored.
pub const MAX_ENTRIES: usize = 24;
/// Other cookies on a trip's requests.
pub const MAX_OTHERS: usize = 8;
/// Tamperings of a trip used.
pub const MAX_TAMPER: usize = 8;

/// The engines that read ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `server_side`: the cookie holds only the id.
    ServerSide,
    /// `overflow`: the cookie holds the data and the id; what doesn't fit
    /// moves into the store.
    Overflow,
    /// `revocable`: the id has tombstones in the store.
    Revocable,
    /// `overflow` and `revocable`, into the same store.
    Both,
}

impl Kind {
    pub fn of(bits: u8) -> Kind {
        [
            Kind::ServerSide,
            Kind::Overflow,
            Kind::Revocable,
            Kind::Both,
        ][usize::from(bits & 3)]
    }

    fn overflows(self) -> bool {
        matches!(self, Kind::Overflow | Kind::Both)
    }

    fn revocable(self) -> bool {
        matches!(self, Kind::Revocable | Kind::Both)
    }
}

/// A memory store (on the fixed clock) that counts the calls made to it.
pub struct Counting {
    inner: MemoryStore,
    loads: AtomicUsize,
    writes: AtomicUsize,
}

impl Counting {
    pub fn new() -> Counting {
        Counting {
            inner: MemoryStore::new().clock(now),
            loads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }
    }

    /// `(loads, writes)` so far.
    pub fn calls(&self) -> (usize, usize) {
        (
            self.loads.load(Ordering::SeqCst),
            self.writes.load(Ordering::SeqCst),
        )
    }

    fn write(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
}

impl Default for Counting {
    fn default() -> Self {
        Counting::new()
    }
}

impl Store for Counting {
    fn create<'a>(&'a self, k: RecordKey, e: &'a Entries, x: u64) -> StoreFuture<'a, Created> {
        self.write();
        self.inner.create(k, e, x)
    }
    fn load(&self, k: RecordKey, t: Option<u64>) -> StoreFuture<'_, Option<Record>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(k, t)
    }
    fn update<'a>(&'a self, k: RecordKey, c: &'a Changes, x: u64) -> StoreFuture<'a, Updated> {
        self.write();
        self.inner.update(k, c, x)
    }
    fn delete(&self, k: RecordKey) -> StoreFuture<'_, bool> {
        self.write();
        self.inner.delete(k)
    }
    fn touch(&self, k: RecordKey, x: u64) -> StoreFuture<'_, bool> {
        self.write();
        self.inner.touch(k, x)
    }
    fn regenerate(&self, o: RecordKey, n: RecordKey, x: u64) -> StoreFuture<'_, Regenerated> {
        self.write();
        self.inner.regenerate(o, n, x)
    }
    fn sweep(&self, now: u64) -> StoreFuture<'_, usize> {
        self.inner.sweep(now)
    }
}

thread_local! {
    /// One current-thread runtime per thread, built once.
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime");
}

pub fn block_on<F: IntoFuture>(f: F) -> F::Output {
    RUNTIME.with(|rt| rt.block_on(f.into_future()))
}

/// How an engine is configured.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub name: &'static str,
    pub by_user: bool,
    pub idle: bool,
    pub compress: bool,
    pub max_cookie_bytes: Option<usize>,
    pub max_chunks: Option<usize>,
    pub header_budget: Option<Option<usize>>,
    pub movable: Option<Vec<String>>,
}

/// The engine of `kind`, on a new counting store.
pub fn engine(kind: Kind, cfg: &Config) -> (Engine<Stored>, Arc<Counting>) {
    let store = Arc::new(Counting::new());
    let mut b = Engine::builder(KeyRing::new(key(1)))
        .clock(now)
        .cookie_name(cfg.name)
        .compress(cfg.compress);
    if let Some(cap) = cfg.max_cookie_bytes {
        b = b.max_cookie_bytes(cap);
    }
    if let Some(n) = cfg.max_chunks {
        b = b.max_chunks(n);
    }
    if let Some(budget) = cfg.header_budget {
        b = b.header_budget(budget);
    }
    let mut b: EngineBuilder<Stored> = match kind {
        Kind::ServerSide => {
            let b = b.server_side(store.clone());
            if cfg.idle {
                b.idle_timeout(Duration::from_secs(3600))
            } else {
                b
            }
        }
        Kind::Overflow => b.overflow(store.clone()),
        Kind::Revocable => b.revocable(store.clone()),
        Kind::Both => b.overflow(store.clone()).revocable(store.clone()),
    };
    if kind.overflows() {
        if let Some(keys) = &cfg.movable {
            b = b.overflow_keys(keys.clone());
        }
    }
    if kind.revocable() && cfg.by_user {
        b = b.revoke_by_user("user");
    }
    (b.build().expect("valid engine"), store)
}

/// The settings of `HEADERS` mode as an engine configuration.
pub fn headers_config(settings: u8) -> (Kind, Config) {
    let kind = Kind::of(settings);
    let cfg = Config {
        name: NAMES[usize::from(settings >> 2 & 3)],
        by_user: settings & BY_USER != 0,
        idle: settings & BY_USER != 0,
        compress: true,
        max_cookie_bytes: (settings & SMALL != 0).then_some(300),
        max_chunks: (settings & SMALL != 0).then_some(2),
        header_budget: None,
        movable: None,
    };
    (kind, cfg)
}

/// Builds the input bytes of `HEADERS` mode.
pub fn headers_input(settings: u8, headers: &[&str]) -> Vec<u8> {
    let mut out = vec![HEADERS, settings];
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(h.as_bytes());
    }
    out
}

pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == HEADERS {
        let Some((&settings, rest)) = rest.split_first() else {
            return;
        };
        headers(settings, rest);
    } else {
        let mut u = Unstructured::new(rest);
        if let Ok(trip) = Trip::arbitrary(&mut u) {
            trip.exec();
        }
    }
}

/// What a load of `headers` gave, checked against the store's calls.
struct Loaded {
    session: Session,
    /// The cookie carried an id envelope that verified.
    verified: bool,
}

/// Loads `headers`, checking that reading the cookies asks no store, that
/// the store is asked only for a verified id, and how often.
fn load<H: AsRef<[u8]>>(
    engine: &Engine<Stored>,
    kind: Kind,
    store: &Counting,
    headers: &[H],
    agent: Option<&str>,
) -> Loaded {
    let before = store.calls();
    let loading = engine.load(headers, agent);
    assert_eq!(store.calls(), before, "reading the cookies asked the store");
    let sync = loading.cookies().clone();
    let verified = match kind {
        Kind::ServerSide => sync.empty_reason() == Some(&EmptyReason::NotFetched),
        _ => sync.store_reason() == Some(&EmptyReason::NotFetched),
    };
    if let Some(reason) = sync.empty_reason() {
        if !verified {
            assert!(sync.is_empty(), "a session with a reason {reason:?}");
        }
    }
    if verified && kind != Kind::ServerSide {
        assert_eq!(sync.empty_reason(), None);
    }
    let session = block_on(loading);
    let (loads, writes) = store.calls();
    assert_eq!(writes, before.1, "a load wrote to the store");
    let asked = loads - before.0;
    if !verified {
        assert_eq!(
            asked, 0,
            "the store was asked for an id that did not verify"
        );
        assert_eq!(session.empty_reason(), sync.empty_reason());
        assert_eq!(raw_entries(&session), raw_entries(&sync));
    } else {
        let expected = match kind {
            Kind::ServerSide | Kind::Overflow | Kind::Revocable => 1,
            Kind::Both if session.empty_reason() == Some(&EmptyReason::Revoked) => 1,
            Kind::Both => 2,
        };
        assert_eq!(asked, expected, "store lookups for one load of {kind:?}");
    }
    if !session.is_empty() {
        assert_eq!(session.empty_reason(), None);
    }
    Loaded { session, verified }
}

/// Saves; `None` for `DoesNotFit`.
fn save(engine: &Engine<Stored>, session: &mut Session) -> Option<Saved> {
    let saved = match block_on(engine.save(session)) {
        Ok(saved) => saved,
        Err(SaveError::DoesNotFit { needed, capacity }) => {
            assert!(needed > capacity, "DoesNotFit with {needed} <= {capacity}");
            return None;
        }
        // A record over the memory store's cap (1 MiB).
        Err(SaveError::Store(StoreError::TooLarge { size, max })) => {
            assert!(size > max);
            return None;
        }
        Err(e) => panic!("undocumented save error {e:?}"),
    };
    for line in &saved.set_cookies {
        assert!(
            http::HeaderValue::try_from(line.as_str()).is_ok(),
            "Set-Cookie is not a valid header value: {line:?}"
        );
    }
    assert_removals_first(&saved.set_cookies);
    Some(saved)
}

fn headers(settings: u8, rest: &[u8]) {
    let (kind, cfg) = headers_config(settings);
    let (engine, store) = engine(kind, &cfg);
    let agent = (settings & UA != 0).then_some(CHROME);
    let headers: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
    let Loaded { mut session, .. } = load(&engine, kind, &store, &headers, agent);
    if settings & INSERT != 0 {
        session.insert("fuzz", &"inserted").expect("serializes");
    }
    let Some(saved) = save(&engine, &mut session) else {
        return;
    };
    if saved.report.action == SaveAction::Written {
        let mut jar = Jar::default();
        jar.apply(&saved.set_cookies);
        let next = load(&engine, kind, &store, &[jar.header()], agent);
        assert!(next.verified, "{jar:?}");
        assert_eq!(next.session.empty_reason(), None, "{jar:?}");
        assert_eq!(raw_entries(&next.session), raw_entries(&session));
    }
}

/// A structured round trip.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Trip {
    /// The engine ([`Kind::of`]).
    pub kind: u8,
    /// Index into [`NAMES`], modulo its length.
    pub name: u8,
    /// `revoke_by_user("user")` (revocable), an idle timeout (store-backed).
    pub by_user: bool,
    pub compress: bool,
    /// 0 for the browser's limit, else `64 + n % 4033`: 64 to 4096.
    pub max_cookie_bytes: u16,
    /// 0 for no cap.
    pub max_chunks: u8,
    /// The engine's Cookie header budget: the default (7168), or this one.
    pub header_budget: Option<Option<u16>>,
    /// The keys that may move into the overflow store (all by default).
    pub movable: Option<Vec<Text>>,
    pub agent: Agent,
    pub others: Vec<Text>,
    pub entries: Vec<Entry>,
    /// What a tampered copy of the first request's cookies has changed.
    pub tamper: Vec<Tamper>,
    /// What the second request does.
    pub edits: Vec<IdEdit>,
}

/// A change to the session's cookies in a copy of the jar. `chunk` picks
/// one of them (modulo their count); the others are pieces of the jar.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Tamper {
    /// The byte at `pos` (modulo the piece's length) becomes `byte`.
    Byte { chunk: u8, pos: u16, byte: u8 },
    /// The piece cut to `len` bytes (modulo its length).
    Truncate { chunk: u8, len: u16 },
    /// The piece goes.
    Drop(u8),
    /// Another copy of the chunk's name with this value, before or after.
    Copy {
        chunk: u8,
        value: Text,
        before: bool,
    },
    /// Two chunks trade values.
    Swap(u8, u8),
    /// The chunk takes the name of index `to` (0 for the first cookie).
    Rename { chunk: u8, to: u8 },
    /// Another piece, at the end.
    Append(Text),
}

pub const TAMPERS: usize = 7;

/// What the second request does.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum IdEdit {
    Insert(Entry),
    /// Removes the key at this index (modulo the key count).
    Remove(u8),
    /// Destroys the session (`destroy`).
    Destroy,
    Renew,
    Regenerate,
}

pub const ID_EDITS: usize = 5;

impl IdEdit {
    pub fn apply(&self, session: &mut Session) {
        match self {
            IdEdit::Insert(e) => insert(session, e),
            IdEdit::Remove(i) => {
                let keys: Vec<String> = session.data().keys().map(str::to_owned).collect();
                if !keys.is_empty() {
                    session.remove(&keys[usize::from(*i) % keys.len()]);
                }
            }
            IdEdit::Destroy => session.destroy(),
            IdEdit::Renew => session.renew(),
            IdEdit::Regenerate => session.regenerate(),
        }
    }

    pub fn encode(&self, e: &mut Enc) {
        match self {
            IdEdit::Insert(entry) => {
                e.variant(0, ID_EDITS).entry(entry);
            }
            IdEdit::Remove(i) => {
                e.variant(1, ID_EDITS).u8(*i);
            }
            IdEdit::Destroy => {
                e.variant(2, ID_EDITS);
            }
            IdEdit::Renew => {
                e.variant(3, ID_EDITS);
            }
            IdEdit::Regenerate => {
                e.variant(4, ID_EDITS);
            }
        }
    }
}

impl Tamper {
    /// Applies the change to `pieces`, whose session cookies are those
    /// `ours` picks out.
    fn apply(&self, pieces: &mut Vec<Vec<u8>>, ours: impl Fn(&[u8]) -> bool) {
        let mine: Vec<usize> = (0..pieces.len()).filter(|&i| ours(&pieces[i])).collect();
        let pick = |c: u8| (!mine.is_empty()).then(|| mine[usize::from(c) % mine.len()]);
        match self {
            Tamper::Byte { chunk, pos, byte } => {
                if let Some(i) = pick(*chunk) {
                    let p = &mut pieces[i];
                    let at = usize::from(*pos) % p.len();
                    p[at] = *byte;
                }
            }
            Tamper::Truncate { chunk, len } => {
                if let Some(i) = pick(*chunk) {
                    let p = &mut pieces[i];
                    let len = usize::from(*len) % p.len();
                    p.truncate(len);
                }
            }
            Tamper::Drop(chunk) => {
                if let Some(i) = pick(*chunk) {
                    pieces.remove(i);
                }
            }
            Tamper::Copy {
                chunk,
                value,
                before,
            } => {
                if let Some(i) = pick(*chunk) {
                    let name = pieces[i].split(|&b| b == b'=').next().unwrap_or_default();
                    let mut copy = name.to_vec();
                    copy.push(b'=');
                    copy.extend_from_slice(value.0.as_bytes());
                    pieces.insert(if *before { i } else { i + 1 }, copy);
                }
            }
            Tamper::Swap(x, y) => {
                if let (Some(i), Some(j)) = (pick(*x), pick(*y)) {
                    let value = |p: &[u8]| {
                        let at = p.iter().position(|&b| b == b'=').map_or(p.len(), |n| n + 1);
                        (p[..at].to_vec(), p[at..].to_vec())
                    };
                    let ((ni, vi), (nj, vj)) = (value(&pieces[i]), value(&pieces[j]));
                    pieces[i] = [ni, vj].concat();
                    pieces[j] = [nj, vi].concat();
                }
            }
            Tamper::Rename { chunk, to } => {
                if let Some(i) = pick(*chunk) {
                    let p = &pieces[i];
                    let at = p.iter().position(|&b| b == b'=').unwrap_or(p.len());
                    let name = std::str::from_utf8(&p[..at]).unwrap_or_default();
                    let base = match name.rsplit_once('.') {
                        Some((base, digits)) if digits.bytes().all(|b| b.is_ascii_digit()) => base,
                        _ => name,
                    };
                    let mut renamed = match to % 8 {
                        0 => base.as_bytes().to_vec(),
                        n => format!("{base}.{n}").into_bytes(),
                    };
                    renamed.extend_from_slice(&p[at..]);
                    pieces[i] = renamed;
                }
            }
            Tamper::Append(t) => pieces.push(t.0.as_bytes().to_vec()),
        }
    }

    pub fn encode(&self, e: &mut Enc) {
        match self {
            Tamper::Byte { chunk, pos, byte } => {
                e.variant(0, TAMPERS).u8(*chunk).u16(*pos).u8(*byte);
            }
            Tamper::Truncate { chunk, len } => {
                e.variant(1, TAMPERS).u8(*chunk).u16(*len);
            }
            Tamper::Drop(c) => {
                e.variant(2, TAMPERS).u8(*c);
            }
            Tamper::Copy {
                chunk,
                value,
                before,
            } => {
                e.variant(3, TAMPERS)
                    .u8(*chunk)
                    .text(&value.0)
                    .bool(*before);
            }
            Tamper::Swap(x, y) => {
                e.variant(4, TAMPERS).u8(*x).u8(*y);
            }
            Tamper::Rename { chunk, to } => {
                e.variant(5, TAMPERS).u8(*chunk).u8(*to);
            }
            Tamper::Append(t) => {
                e.variant(6, TAMPERS).text(&t.0);
            }
        }
    }
}

impl Trip {
    pub fn config(&self) -> (Kind, Config) {
        let cfg = Config {
            name: NAMES[usize::from(self.name) % NAMES.len()],
            by_user: self.by_user,
            idle: self.by_user,
            compress: self.compress,
            max_cookie_bytes: (self.max_cookie_bytes > 0)
                .then(|| 64 + usize::from(self.max_cookie_bytes) % 4033),
            max_chunks: (self.max_chunks > 0).then_some(usize::from(self.max_chunks)),
            header_budget: self.header_budget.map(|b| b.map(usize::from)),
            movable: self
                .movable
                .as_ref()
                .map(|keys| keys.iter().map(|t| t.0.clone()).collect()),
        };
        (Kind::of(self.kind), cfg)
    }

    pub fn exec(&self) {
        let (kind, cfg) = self.config();
        let (engine, store) = engine(kind, &cfg);
        let agent = self.agent.header();
        let name = engine.cookie_name().to_owned();
        let ours = |piece: &[u8]| {
            let at = piece.iter().position(|&b| b == b'=').unwrap_or(piece.len());
            std::str::from_utf8(&piece[..at])
                .ok()
                .and_then(|n| chunk_index(&name, n.trim()))
                .is_some()
        };

        // First request: the session is written.
        let mut jar = Jar::with_others(&self.others, MAX_OTHERS);
        let Loaded {
            session: mut first, ..
        } = load(&engine, kind, &store, &[jar.header()], agent);
        for e in self.entries.iter().take(MAX_ENTRIES) {
            insert(&mut first, e);
        }
        let Some(saved) = save(&engine, &mut first) else {
            return;
        };
        let written = saved.report.action == SaveAction::Written;
        let moved: Vec<String> = saved
            .report
            .shrink
            .moved_keys()
            .map(str::to_owned)
            .collect();
        assert!(moved.is_empty() || kind.overflows(), "{:?}", saved.report);
        let expected = raw_entries(&first);
        for k in &moved {
            assert!(expected.contains_key(k), "the handler's view lost {k:?}");
        }
        jar.apply(&saved.set_cookies);

        // It loads back exactly, the moved keys from the store.
        let back = load(&engine, kind, &store, &[jar.header()], agent);
        assert_eq!(raw_entries(&back.session), expected, "{jar:?}");
        if written {
            assert!(back.verified, "{jar:?}");
            assert_eq!(back.session.empty_reason(), None);
            if !moved.is_empty() {
                assert_eq!(back.session.store_reason(), None);
            }
        }
        if written && kind != Kind::ServerSide {
            let loading = engine.load([jar.header()], agent);
            let cookies_only = loading.cookies();
            let mut in_cookies: BTreeMap<String, String> = expected.clone();
            in_cookies.retain(|k, _| !moved.contains(k));
            assert_eq!(raw_entries(cookies_only), in_cookies, "{jar:?}");
        }

        // A tampered copy reaches the store only if it still verifies.
        if !self.tamper.is_empty() {
            let mut pieces: Vec<Vec<u8>> =
                jar.pieces.iter().map(|p| p.as_bytes().to_vec()).collect();
            for t in self.tamper.iter().take(MAX_TAMPER) {
                t.apply(&mut pieces, ours);
            }
            let header = pieces.join(&b"; "[..]);
            let tampered = load(&engine, kind, &store, &[header], agent);
            if tampered.verified {
                assert_eq!(raw_entries(&tampered.session), expected);
            }
        }

        // Second request: edits, then a save.
        let copy = jar.clone();
        let mut second = back.session;
        self.edits.iter().for_each(|e| e.apply(&mut second));
        let Some(saved) = save(&engine, &mut second) else {
            return;
        };
        jar.apply(&saved.set_cookies);
        let next = load(&engine, kind, &store, &[jar.header()], agent);
        assert_eq!(raw_entries(&next.session), raw_entries(&second), "{jar:?}");
        if saved.report.action == SaveAction::Written {
            assert!(next.verified);
            assert_eq!(next.session.empty_reason(), None);
        }

        // The first request's cookies after a destroy or a regenerate.
        let ended = self
            .edits
            .iter()
            .any(|e| matches!(e, IdEdit::Destroy | IdEdit::Regenerate));
        if written && ended {
            let old = load(&engine, kind, &store, &[copy.header()], agent);
            assert!(old.verified);
            match kind {
                Kind::ServerSide => {
                    assert!(old.session.is_empty());
                    assert_eq!(old.session.empty_reason(), Some(&EmptyReason::RecordGone));
                }
                Kind::Revocable | Kind::Both => {
                    assert!(old.session.is_empty());
                    assert_eq!(old.session.empty_reason(), Some(&EmptyReason::Revoked));
                }
                Kind::Overflow => {
                    if !moved.is_empty() {
                        assert_eq!(old.session.store_reason(), Some(&EmptyReason::RecordGone));
                    }
                    for k in &moved {
                        assert!(!old.session.data().contains_key(k), "{k:?} came back");
                    }
                }
            }
        }
    }

    /// The bytes after the mode byte that read back as this trip.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.u8(self.kind)
            .u8(self.name)
            .bool(self.by_user)
            .bool(self.compress)
            .u16(self.max_cookie_bytes)
            .u8(self.max_chunks)
            .option(self.header_budget, |e, b| {
                e.option(b, |e, n| {
                    e.u16(n);
                });
            })
            .option(self.movable.as_ref(), |e, keys| {
                e.vec(keys, |e, t| {
                    e.text(&t.0);
                });
            })
            .agent(&self.agent)
            .vec(&self.others, |e, t| {
                e.text(&t.0);
            })
            .entries(&self.entries)
            .vec(&self.tamper, |e, t| t.encode(e))
            .vec(&self.edits, |e, x| x.encode(e));
        e.0
    }

    /// The whole input of `ROUNDTRIP` mode.
    pub fn input(&self) -> Vec<u8> {
        let mut out = vec![ROUNDTRIP];
        out.extend(self.encode());
        out
    }
}
