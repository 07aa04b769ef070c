//! The engine: configuration, and the load and save steps any HTTP framework
//! can call.

pub(crate) mod attributes;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::browser::limits::LimitsDb;
use crate::browser::{Browser, Browsers};
use crate::codec::{self, encoded_len, Envelope, OpenPolicy, MIN_ENVELOPE};
use crate::engine::attributes::Attributes;
use crate::fit::budget::{Budget, BudgetConfig, DEFAULT_HEADER_BUDGET};
use crate::fit::chunk::{chunk_index, chunk_name, Gathered, IndexSet};
use crate::fit::shrink::{Encoded, ShrinkFn, ShrinkReport, Shrinker};
use crate::{ConfigError, EmptyReason, KeyRing, SameSite, SaveError, Session, SessionData};

/// Trims the optional white space around a Cookie header piece: spaces
/// and tabs only (RFC 6265's OWS), so any other byte counts as cookie bytes.
fn trim_ows(piece: &[u8]) -> &[u8] {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = piece.iter().position(|b| !ows(b)).unwrap_or(piece.len());
    let end = piece.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    &piece[start..end]
}

/// Scratch buffers kept above this size are shrunk back after use.
const SCRATCH_KEEP: usize = 64 * 1024;

thread_local! {
    /// The decoded envelope and the inflated JSON of a load, reused so that a
    /// load allocates only the session it returns.
    static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const {
        std::cell::RefCell::new((Vec::new(), Vec::new()))
    };
}

fn with_scratch<T>(f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let (envelope, json) = &mut *scratch;
            let out = f(envelope, json);
            for buffer in [envelope, json] {
                buffer.clear();
                buffer.shrink_to(SCRATCH_KEEP);
            }
            out
        }
        Err(_) => f(&mut Vec::new(), &mut Vec::new()),
    })
}

fn set_cookie_bytes(lines: &[String]) -> usize {
    lines
        .iter()
        .map(|l| crate::fit::budget::SET_COOKIE_LINE + l.len())
        .sum()
}

/// Stands in for a value that is not even UTF-8: it fails base64 decoding
/// wherever it sits, so the session is rejected as malformed.
const NOT_BASE64: &str = "*";

/// What a request said about the session, kept in the [`Session`] so that
/// the save step needs nothing else.
#[derive(Debug, Default)]
pub(crate) struct RequestState {
    /// Our chunk indices present on the request.
    pub seen: IndexSet,
    /// The chunk count of the session that loaded; 0 if none did.
    pub loaded_chunks: u8,
    /// Which key verified it (0 is the signing key).
    pub key_index: usize,
    pub issued_at: Option<u64>,
    pub empty_reason: Option<EmptyReason>,
    pub other_cookies: usize,
    pub other_bytes: usize,
    /// The length of our cookies' values, all copies counted.
    pub value_bytes: usize,
    pub browser: Option<Arc<Browser>>,
}

impl RequestState {
    pub(crate) fn carried_cookies(&self) -> bool {
        !self.seen.is_empty()
    }

    pub(crate) fn chunk_names_seen(&self) -> usize {
        self.seen.len()
    }
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SaveAction {
    /// Nothing needed writing; at most stale chunks were expired.
    Unchanged,
    /// The session was written.
    Written,
    /// The session was empty, so every session cookie was expired.
    Cleared,
}

/// The report of one save: what was written, what was expired, the budget,
/// and what shrinking did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SaveReport {
    /// What the save did.
    pub action: SaveAction,
    /// How many cookies hold the session now (0 when none).
    pub chunks: usize,
    /// The encoded value's length, in base64 characters, over all chunks.
    pub value_bytes: usize,
    /// The Cookie header bytes the session's cookies will take on the next
    /// request, separators included.
    pub header_bytes: usize,
    /// The bytes of the response's `Set-Cookie` header lines this save
    /// produced, counting `Set-Cookie: ` and CRLF on each.
    pub set_cookie_bytes: usize,
    /// The session's JSON length.
    pub json_bytes: usize,
    /// Whether the payload was deflated.
    pub deflated: bool,
    /// The names of the cookies expired.
    pub expired: Vec<String>,
    /// The budget the session was fitted into, when it was written.
    pub budget: Option<Budget>,
    /// What shrinking did (empty when the session fitted).
    pub shrink: ShrinkReport,
}

/// The `Set-Cookie` values for the response, and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Saved {
    /// One value per `Set-Cookie` header, in order.
    pub set_cookies: Vec<String>,
    /// What the save did.
    pub report: SaveReport,
}

/// Configures an [`Engine`]. Made by [`Engine::builder`].
pub struct EngineBuilder {
    name: String,
    keys: KeyRing,
    attributes: Attributes,
    max_age: Duration,
    clock_skew: Duration,
    renew_after: Option<Duration>,
    max_json_bytes: usize,
    max_encoded_bytes: Option<usize>,
    compress: bool,
    header_budget: Option<usize>,
    set_cookie_budget: Option<usize>,
    max_cookie_bytes: Option<usize>,
    max_chunks: Option<usize>,
    reserved_cookies: usize,
    shrinker: Shrinker,
    browsers: Option<Arc<Browsers>>,
    clock: fn() -> u64,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn system_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl EngineBuilder {
    /// The base cookie name (default `session`). Chunks are `NAME.1`, `NAME.2`...
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The `Path` attribute (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.attributes.path = path.into();
        self
    }

    /// The `Domain` attribute (default none: host-only).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.attributes.domain = Some(domain.into());
        self
    }

    /// The `Secure` attribute (default on).
    pub fn secure(mut self, secure: bool) -> Self {
        self.attributes.secure = secure;
        self
    }

    /// The `HttpOnly` attribute (default on).
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.attributes.http_only = http_only;
        self
    }

    /// The `SameSite` attribute (default `Lax`).
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.attributes.same_site = same_site;
        self
    }

    /// Whether cookies persist across browser restarts, carrying `Max-Age`
    /// and `Expires` equal to the max age (default off: browser-session
    /// cookies). The signed max age is enforced either way.
    pub fn persistent(mut self, persistent: bool) -> Self {
        self.attributes.persistent_for = persistent.then_some(0);
        self
    }

    /// How long a session lives after it was issued (default 7 days),
    /// enforced from the signed issued-at time.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// How far in the future an issued-at time may be, for servers whose
    /// clocks disagree (default 60 seconds).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Re-issue a session that is read on a request once it is this old, so
    /// that active users are not logged out at the max age (default off).
    pub fn renew_after(mut self, age: Duration) -> Self {
        self.renew_after = Some(age);
        self
    }

    /// The largest JSON a session may inflate to (default 256 KiB).
    pub fn max_json_bytes(mut self, bytes: usize) -> Self {
        self.max_json_bytes = bytes;
        self
    }

    /// The largest encoded value, over all chunks and copies, that a load
    /// reads. The default is the header budget (at least 4096), since no
    /// session the engine writes is larger, or 1 MiB without one. It bounds the work a forged
    /// request can cause: at most 16 MAC checks of this size per key.
    pub fn max_encoded_bytes(mut self, bytes: usize) -> Self {
        self.max_encoded_bytes = Some(bytes);
        self
    }

    /// Whether payloads are deflated when that makes them smaller (default
    /// on). Turn it off when attacker-chosen data sits beside secrets in the
    /// session: compressed length can leak the secrets (see `SECURITY.md`).
    pub fn compress(mut self, compress: bool) -> Self {
        self.compress = compress;
        self
    }

    /// The budget for the whole Cookie header's value, in bytes, or `None`
    /// for no server limit (default [`DEFAULT_HEADER_BUDGET`]).
    pub fn header_budget(mut self, bytes: Option<usize>) -> Self {
        self.header_budget = bytes;
        self
    }

    /// A budget for the response's `Set-Cookie` header lines, counted as
    /// `Set-Cookie: ` + value + CRLF, or `None` for no limit (the default).
    ///
    /// Set it when a proxy limits the response head: a default nginx reads
    /// the upstream's response head into `proxy_buffer_size`, one 4 KB page,
    /// and answers 502 when it overflows. Leave room for the app's other
    /// headers: `Some(3072)` suits a default nginx. Raising the proxy's
    /// buffer (`proxy_buffer_size 16k; proxy_buffers 4 16k;`) is better:
    /// under 4 KB a session can't use more than one cookie.
    pub fn set_cookie_budget(mut self, bytes: Option<usize>) -> Self {
        self.set_cookie_budget = bytes;
        self
    }

    /// A cap on one cookie's counted bytes below the browser's own limit.
    pub fn max_cookie_bytes(mut self, bytes: usize) -> Self {
        self.max_cookie_bytes = Some(bytes);
        self
    }

    /// A cap on the cookies one session may use (at most 255).
    pub fn max_chunks(mut self, chunks: usize) -> Self {
        self.max_chunks = Some(chunks);
        self
    }

    /// Cookies of the site's per-site limit to leave free, for cookies set
    /// later by other code (default 0).
    pub fn reserved_cookies(mut self, cookies: usize) -> Self {
        self.reserved_cookies = cookies;
        self
    }

    /// Registers a shrink callback for `keys`; see [`shrink`](crate::fit::shrink).
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .on_shrink(["history"], |data, last| {
    ///         let mut history: Vec<String> = data.get("history").ok().flatten().unwrap_or_default();
    ///         if last { history.clear() } else if !history.is_empty() { history.remove(0); }
    ///         let _ = data.insert("history", &history);
    ///     })
    ///     .build()?;
    /// # Ok::<(), cookietin::ConfigError>(())
    /// ```
    pub fn on_shrink<K, F>(mut self, keys: K, callback: F) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
        F: Fn(&mut SessionData, bool) + Send + Sync + 'static,
    {
        let keys = keys.into_iter().map(Into::into).collect();
        self.shrinker
            .register(keys, Arc::new(callback) as Arc<ShrinkFn>);
        self
    }

    /// The browser limits and User-Agent cache to use, to share one among
    /// engines or to use a custom database (default [`Browsers::bundled`]).
    pub fn browsers(mut self, browsers: Arc<Browsers>) -> Self {
        self.browsers = Some(browsers);
        self
    }

    /// Uses `db` as the browser-limits database.
    pub fn limits(self, db: LimitsDb) -> Self {
        self.browsers(Arc::new(Browsers::new(db)))
    }

    /// The clock, in seconds since the Unix epoch (default the system clock).
    /// For tests.
    pub fn clock(mut self, clock: fn() -> u64) -> Self {
        self.clock = clock;
        self
    }

    /// Checks the configuration and builds the engine.
    pub fn build(self) -> Result<Engine, ConfigError> {
        let mut attributes = self.attributes;
        if attributes.persistent_for.is_some() {
            attributes.persistent_for = Some(self.max_age.as_secs());
        }
        attributes.validate(&self.name)?;
        if self.max_age.as_secs() == 0 {
            return Err(ConfigError::InvalidLimit(
                "max age must be at least one second",
            ));
        }
        // By default, no more than the engine could have written: the header
        // budget (but at least one cookie's worth), or 1 MiB without one.
        let max_encoded_bytes = self
            .max_encoded_bytes
            .unwrap_or(self.header_budget.map_or(1024 * 1024, |b| b.max(4096)));
        if self.max_json_bytes == 0 || max_encoded_bytes == 0 {
            return Err(ConfigError::InvalidLimit("size caps must be positive"));
        }
        if self.max_chunks == Some(0) {
            return Err(ConfigError::InvalidLimit("max chunks must be at least 1"));
        }
        let budget = BudgetConfig {
            header_budget: self.header_budget,
            max_cookie_bytes: self.max_cookie_bytes,
            max_chunks: self.max_chunks,
            reserved_cookies: self.reserved_cookies,
            response_budget: self.set_cookie_budget,
            line_overhead: attributes.line_overhead(),
            removal_overhead: attributes.removal("n").len() - "n=".len(),
        };
        Ok(Engine {
            name: self.name,
            keys: self.keys,
            attributes,
            max_age: self.max_age.as_secs(),
            clock_skew: self.clock_skew.as_secs(),
            renew_after: self.renew_after.map(|d| d.as_secs()),
            max_json_bytes: self.max_json_bytes,
            max_encoded_bytes,
            compress: self.compress,
            budget,
            shrinker: self.shrinker,
            browsers: self.browsers.unwrap_or_else(Browsers::bundled),
            clock: self.clock,
        })
    }
}

/// Loads and saves sessions for one cookie name.
///
/// Build one per app (it is `Send + Sync`; share it in an `Arc`), call
/// [`load`](Engine::load) with the request's Cookie headers and User-Agent,
/// and [`save`](Engine::save) before sending the response.
///
/// # Example
/// ```
/// use cookietin::{Engine, Key};
///
/// let engine = Engine::builder(Key::try_from_bytes(&[42; 32])?)
///     .cookie_name("sid")
///     .secure(false) // plain http in this example
///     .build()?;
///
/// // First request: no cookie yet.
/// let mut session = engine.load(Vec::<&str>::new(), None);
/// session.insert("user_id", &7)?;
/// let saved = engine.save(&mut session)?;
/// assert_eq!(saved.set_cookies.len(), 1);
///
/// // The browser sends the cookie back.
/// let pair = saved.set_cookies[0].split(';').next().unwrap();
/// let session = engine.load([pair], None);
/// assert_eq!(session.get::<u32>("user_id")?, Some(7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Engine {
    name: String,
    keys: KeyRing,
    attributes: Attributes,
    max_age: u64,
    clock_skew: u64,
    renew_after: Option<u64>,
    max_json_bytes: usize,
    max_encoded_bytes: usize,
    compress: bool,
    budget: BudgetConfig,
    shrinker: Shrinker,
    browsers: Arc<Browsers>,
    clock: fn() -> u64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("name", &self.name)
            .field("keys", &self.keys)
            .field("attributes", &self.attributes)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts configuring an engine that signs with `keys`.
    pub fn builder(keys: impl Into<KeyRing>) -> EngineBuilder {
        EngineBuilder {
            name: "session".to_owned(),
            keys: keys.into(),
            attributes: Attributes::default(),
            max_age: Duration::from_secs(7 * 24 * 3600),
            clock_skew: Duration::from_secs(60),
            renew_after: None,
            max_json_bytes: 256 * 1024,
            max_encoded_bytes: None,
            compress: true,
            header_budget: Some(DEFAULT_HEADER_BUDGET),
            set_cookie_budget: None,
            max_cookie_bytes: None,
            max_chunks: None,
            reserved_cookies: 0,
            shrinker: Shrinker::default(),
            browsers: None,
            clock: system_clock,
        }
    }

    /// The base cookie name.
    pub fn cookie_name(&self) -> &str {
        &self.name
    }

    /// The browsers (limits database and User-Agent cache) in use.
    pub fn browsers(&self) -> &Arc<Browsers> {
        &self.browsers
    }

    /// Reads the session from a request's Cookie header values.
    ///
    /// `cookie_headers` are the values of every `Cookie` header (HTTP/2 may
    /// send several), as strings or bytes. Bad cookies never fail: the
    /// session starts empty and [`Session::empty_reason`] says why.
    pub fn load<I>(&self, cookie_headers: I, user_agent: Option<&str>) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let headers: Vec<I::Item> = cookie_headers.into_iter().collect();
        let mut state = RequestState {
            browser: Some(match user_agent {
                Some(ua) => self.browsers.resolve(ua),
                None => self.browsers.unknown(),
            }),
            ..RequestState::default()
        };
        let mut gathered = Gathered::default();
        for header in &headers {
            let bytes = header.as_ref();
            // Splitting a str on a char searches with memchr; a header with
            // bytes that are not UTF-8 falls back to a byte-by-byte split.
            match std::str::from_utf8(bytes) {
                Ok(text) => text
                    .split(';')
                    .for_each(|piece| self.sort_piece(piece.as_bytes(), &mut gathered, &mut state)),
                Err(_) => bytes
                    .split(|&b| b == b';')
                    .for_each(|piece| self.sort_piece(piece, &mut gathered, &mut state)),
            }
        }
        state.seen = gathered.seen;
        state.value_bytes = gathered.total_len;
        if gathered.seen.is_empty() {
            return Session::loaded(SessionData::new(), state);
        }
        match self.open(&mut gathered) {
            Ok((data, header, key_index)) => {
                state.loaded_chunks = header.chunks;
                state.key_index = key_index;
                state.issued_at = Some(u64::from(header.issued_at));
                Session::loaded(data, state)
            }
            Err(reason) => {
                state.empty_reason = Some(reason);
                Session::loaded(SessionData::new(), state)
            }
        }
    }

    /// Files one `;`-separated piece of a Cookie header: ours is gathered,
    /// anyone else's is counted for the budget.
    fn sort_piece<'h>(
        &self,
        piece: &'h [u8],
        gathered: &mut Gathered<'h>,
        state: &mut RequestState,
    ) {
        let piece = trim_ows(piece);
        if piece.is_empty() {
            return;
        }
        match self.ours(piece) {
            Some((index, value)) => gathered.push(index, value),
            None => {
                let separator = if state.other_cookies == 0 { 0 } else { 2 };
                state.other_bytes += piece.len() + separator;
                state.other_cookies += 1;
            }
        }
    }

    /// The chunk index and value of a `name=value` piece, if it is ours.
    fn ours<'p>(&self, piece: &'p [u8]) -> Option<(u8, &'p str)> {
        // Most of a header is other cookies: skip them before any parsing.
        if !piece.starts_with(self.name.as_bytes()) {
            return None;
        }
        let Ok(piece) = std::str::from_utf8(piece) else {
            // Our values are ASCII, so a piece that is not UTF-8 is only
            // ours if its name is, and then its value is malformed.
            let name = trim_ows(piece.split(|&b| b == b'=').next()?);
            let index = chunk_index(&self.name, std::str::from_utf8(name).ok()?)?;
            return Some((index, NOT_BASE64));
        };
        let cookie = cookie::Cookie::parse(piece).ok()?;
        let index = chunk_index(&self.name, cookie.name_raw()?)?;
        let value = cookie.value_raw()?;
        // RFC 6265 allows a value in double quotes.
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((index, value))
    }

    fn open(
        &self,
        gathered: &mut Gathered,
    ) -> Result<(SessionData, codec::Header, usize), EmptyReason> {
        if gathered.total_len > self.max_encoded_bytes {
            return Err(EmptyReason::TooLarge);
        }
        let policy = OpenPolicy {
            now: (self.clock)(),
            max_age: self.max_age,
            clock_skew: self.clock_skew,
            max_json: self.max_json_bytes,
        };
        with_scratch(|envelope, json| {
            let (header, key_index) = gathered.assemble(&self.name, &self.keys, envelope)?;
            let data = codec::open(envelope, header, &policy, json)?;
            Ok((data, header, key_index))
        })
    }

    /// The budget this session has on its request.
    pub fn budget(&self, session: &Session) -> Budget {
        let state = &session.request;
        let unknown;
        let browser = match &state.browser {
            Some(b) => b,
            None => {
                unknown = self.browsers.unknown();
                &unknown
            }
        };
        Budget::new(
            &self.name,
            &browser.limits,
            &self.budget,
            state.other_cookies,
            state.other_bytes,
            &state.seen,
        )
    }

    /// Gives the `Set-Cookie` values that store `session`, fitting it into
    /// the request's budget and shrinking it when it does not fit.
    ///
    /// Writes only when needed: when the session changed, was renewed, was
    /// verified by an old key, or is due for renewal. Otherwise it only
    /// expires stale chunks. An empty session expires every session cookie
    /// the request carried.
    pub fn save(&self, session: &mut Session) -> Result<Saved, SaveError> {
        let now = (self.clock)();
        let state = &session.request;
        let loaded = state.loaded_chunks > 0;
        let renew_due = match (self.renew_after, state.issued_at) {
            (Some(after), Some(issued)) => now.saturating_sub(issued) >= after,
            _ => false,
        };
        let must_write = session.is_modified()
            || session.is_renew_requested()
            || (loaded && (state.key_index > 0 || renew_due));

        if session.is_empty() {
            // Cleared, or emptied: expire everything the request carried. A
            // request whose cookies were merely rejected keeps them, since
            // nothing better is there to replace them with.
            let expire_all = session.is_modified() || loaded;
            let expired = if expire_all {
                self.expire(session, 0)
            } else {
                Vec::new()
            };
            let action = if expired.is_empty() {
                SaveAction::Unchanged
            } else {
                SaveAction::Cleared
            };
            return Ok(self.finish(session, expired, None, action));
        }
        if !must_write {
            let from = if loaded {
                usize::from(state.loaded_chunks)
            } else {
                usize::MAX
            };
            let expired = self.expire(session, from);
            return Ok(self.finish(session, expired, None, SaveAction::Unchanged));
        }

        let budget = self.budget(session);
        let smallest = encoded_len(MIN_ENVELOPE);
        if budget.plan(&self.name, smallest).is_none() {
            return Err(SaveError::DoesNotFit {
                needed: smallest,
                capacity: budget.capacity,
            });
        }
        let mut envelope = Envelope::default();
        let capacity = budget.capacity;
        let compress = session.compression().unwrap_or(self.compress);
        let name = &self.name;
        let (max_json, max_encoded) = (self.max_json_bytes, self.max_encoded_bytes);
        let (shrink, _fits) = self
            .shrinker
            .fit(session.data_for_save(), capacity, &mut |data| {
                let len = envelope.fill(data, compress);
                // A load refuses JSON or a value over its caps, so such a
                // session does not fit, however well it deflates.
                let readable = envelope.json_len() <= max_json && len <= max_encoded;
                let fits = readable && budget.plan(name, len).is_some();
                Encoded { len, fits }
            });
        if session.is_empty() {
            // Shrinking dropped every key.
            let expired = self.expire(session, 0);
            let mut saved = self.finish(session, expired, Some(budget), SaveAction::Cleared);
            saved.report.shrink = shrink;
            return Ok(saved);
        }
        // Shrinking stops only once the budget can place the value, so this
        // holds; should it not, the cookies are left alone, not broken.
        let Some(lens) = budget.plan(&self.name, envelope.encoded_len()) else {
            return Err(SaveError::DoesNotFit {
                needed: envelope.encoded_len(),
                capacity: budget.capacity,
            });
        };
        let issued_at = u32::try_from(now).unwrap_or(u32::MAX);
        envelope.seal(&self.name, lens.len() as u8, issued_at, &self.keys);
        let expires = self.attributes.expires_suffix(now);
        let mut set_cookies: Vec<String> = envelope
            .chunks(&lens)
            .zip(&lens)
            .enumerate()
            .map(|(i, (bytes, &chars))| {
                let name = chunk_name(&self.name, i);
                self.attributes
                    .set_cookie_line(&name, chars, &expires, |line| {
                        codec::append_base64(bytes, line)
                    })
            })
            .collect();
        let expired = self.expire(session, lens.len());
        set_cookies.extend(expired.iter().map(|name| self.attributes.removal(name)));
        let report = SaveReport {
            action: SaveAction::Written,
            chunks: lens.len(),
            value_bytes: envelope.encoded_len(),
            header_bytes: budget.header_bytes_of(&self.name, &lens),
            set_cookie_bytes: set_cookie_bytes(&set_cookies),
            json_bytes: envelope.json_len(),
            deflated: envelope.deflated(),
            expired,
            budget: Some(budget),
            shrink,
        };
        let state = &mut session.request;
        state.seen = IndexSet::default();
        (0..lens.len()).for_each(|i| state.seen.insert(i as u8));
        state.loaded_chunks = lens.len() as u8;
        state.key_index = 0;
        state.issued_at = Some(u64::from(issued_at));
        session.mark_saved();
        Ok(Saved {
            set_cookies,
            report,
        })
    }

    /// Expires the chunks the request carried from index `from` on, and
    /// forgets them. Returns their names.
    fn expire(&self, session: &mut Session, from: usize) -> Vec<String> {
        let state = &mut session.request;
        let names: Vec<String> = state
            .seen
            .from(from)
            .map(|i| chunk_name(&self.name, usize::from(i)).into_owned())
            .collect();
        let mut kept = IndexSet::default();
        state
            .seen
            .from(0)
            .take_while(|&i| usize::from(i) < from)
            .for_each(|i| kept.insert(i));
        state.seen = kept;
        names
    }

    fn finish(
        &self,
        session: &mut Session,
        expired: Vec<String>,
        budget: Option<Budget>,
        action: SaveAction,
    ) -> Saved {
        if action == SaveAction::Cleared {
            session.request.loaded_chunks = 0;
            session.request.issued_at = None;
        }
        session.mark_saved();
        let set_cookies: Vec<String> = expired
            .iter()
            .map(|name| self.attributes.removal(name))
            .collect();
        Saved {
            report: SaveReport {
                action,
                chunks: 0,
                value_bytes: 0,
                header_bytes: 0,
                set_cookie_bytes: set_cookie_bytes(&set_cookies),
                json_bytes: 0,
                deflated: false,
                expired,
                budget,
                shrink: ShrinkReport::default(),
            },
            set_cookies,
        }
    }
}
