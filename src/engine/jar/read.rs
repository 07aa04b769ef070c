//! Reading a jar's cookies from the request's Cookie headers, never
//! failing: bad cookies give an empty session and a reason.

use std::sync::Arc;

use crate::browser::Browser;
use crate::codec::chunk_names::chunk_index;
use crate::codec::{self, OpenPolicy};
use crate::engine::jar::cache::Opened;
use crate::engine::jar::Jar;
use crate::fit::chunk::Gathered;
use crate::session::request::RequestState;
use crate::{EmptyReason, Session};

/// RFC 6265's optional white space: spaces and tabs only, so any other
/// byte counts as cookie bytes.
const OWS: [char; 2] = [' ', '\t'];

/// Counts a trimmed piece of `len` bytes for the budget, and gathers it
/// when it is one of our chunks.
fn file<'h>(
    len: usize,
    ours: Option<(u8, &'h str)>,
    gathered: &mut Gathered<'h>,
    state: &mut RequestState,
) {
    if len == 0 {
        return;
    }
    let separator = if state.header_bytes == 0 { 0 } else { 2 };
    match ours {
        Some((index, value)) => {
            // A second copy of a chunk is another path's cookie, which no
            // save of ours can remove: the budget leaves it out.
            if !gathered.seen.contains(index) {
                state.header_bytes += len + separator;
                state.own_bytes += len + 2;
            }
            gathered.push(index, value);
        }
        None => {
            state.header_bytes += len + separator;
            let separator = if state.other_cookies == 0 { 0 } else { 2 };
            state.other_bytes += len + separator;
            state.other_cookies += 1;
        }
    }
}

/// Trims the optional white space ([`OWS`]) around a piece that is not
/// UTF-8.
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

/// Stands in for a value that is not even UTF-8: it fails base64 decoding
/// wherever it sits, so the session is rejected as malformed.
const NOT_BASE64: &str = "*";

impl Jar {
    /// The session as the request's cookies hold it, for the browser the
    /// request named, at `now`.
    pub(crate) fn read<H: AsRef<[u8]>>(
        &self,
        headers: &[H],
        browser: Arc<Browser>,
        now: u64,
    ) -> Session {
        let mut state = RequestState {
            browser: Some(browser),
            ..RequestState::default()
        };
        let mut gathered = Gathered::default();
        for header in headers {
            let bytes = header.as_ref();
            // Splitting a str on a char searches with memchr; a header with
            // bytes that are not UTF-8 falls back to a byte-by-byte split.
            match std::str::from_utf8(bytes) {
                Ok(text) => text
                    .split(';')
                    .for_each(|piece| self.sort_piece(piece, &mut gathered, &mut state)),
                Err(_) => bytes.split(|&b| b == b';').for_each(|piece| {
                    // Only the pieces that are not UTF-8 are read as such.
                    match std::str::from_utf8(piece) {
                        Ok(piece) => self.sort_piece(piece, &mut gathered, &mut state),
                        Err(_) => self.sort_not_utf8(piece, &mut gathered, &mut state),
                    }
                }),
            }
        }
        state.seen = gathered.seen;
        state.value_bytes = gathered.total_len;
        if gathered.seen.is_empty() {
            return Session::loaded(Arc::default(), state);
        }
        match self.open(&mut gathered, now) {
            Ok(Opened {
                data,
                header,
                key_index,
                id,
            }) => {
                state.session_id = id;
                state.loaded_chunks = header.chunks;
                state.key_index = key_index;
                state.issued_at = Some(u64::from(header.issued_at));
                Session::loaded(data, state)
            }
            Err(reason) => {
                state.claimed_issued_at = gathered.claimed_issued_at();
                state.empty_reason = Some(reason);
                Session::loaded(Arc::default(), state)
            }
        }
    }

    /// Files one `;`-separated piece of a Cookie header: ours is gathered,
    /// anyone else's is counted for the budget.
    fn sort_piece<'h>(
        &self,
        piece: &'h str,
        gathered: &mut Gathered<'h>,
        state: &mut RequestState,
    ) {
        let piece = piece.trim_matches(OWS);
        // Most of a header is other cookies: skip them before any parsing.
        let ours = match piece.starts_with(self.name.as_str()) {
            true => self.ours(piece),
            false => None,
        };
        file(piece.len(), ours, gathered, state);
    }

    /// Files a piece that is not UTF-8: if its name is ours, its value is
    /// malformed (our values are ASCII), and the session is refused.
    fn sort_not_utf8<'h>(
        &self,
        piece: &'h [u8],
        gathered: &mut Gathered<'h>,
        state: &mut RequestState,
    ) {
        let piece = trim_ows(piece);
        let ours = || {
            let name = trim_ows(piece.split(|&b| b == b'=').next()?);
            let index = chunk_index(&self.name, std::str::from_utf8(name).ok()?)?;
            Some((index, NOT_BASE64))
        };
        file(piece.len(), ours(), gathered, state);
    }

    /// The chunk index and value of a `name=value` piece, if it is ours:
    /// the name up to the first `=`, the value after it (RFC 6265's
    /// cookie-pair).
    /// (Not `cookie::Cookie::parse`: on a load that hits the read cache,
    /// that parse and the UTF-8 check it needed took a third of the load's
    /// instructions, for a split at one byte.)
    fn ours<'p>(&self, piece: &'p str) -> Option<(u8, &'p str)> {
        let (name, value) = piece.split_once('=')?;
        // The name trimmed of spaces and tabs only, as browsers trim it
        // (RFC 6265bis, 5.6): `session\x0b` is another cookie, which a
        // browser keeps beside ours and a save of ours never replaces, so
        // the budget counts it among the others.
        let index = chunk_index(&self.name, name.trim_matches(OWS))?;
        // The value trimmed as the `cookie` crate trims it (any white
        // space, a trailing CR LF too), as loads always have.
        let value = value.trim();
        // RFC 6265 allows a value in double quotes.
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((index, value))
    }

    fn open(&self, gathered: &mut Gathered, now: u64) -> Result<Opened, EmptyReason> {
        if gathered.total_len > self.max_encoded_bytes {
            return Err(EmptyReason::TooLarge);
        }
        let policy = OpenPolicy {
            now,
            max_age: self.max_age,
            clock_skew: self.clock_skew,
            max_json: self.max_json_bytes,
        };
        // A hit on the read cache: these exact chunks verified lately.
        // Only the time is checked again; the store steps follow as on a
        // miss (see `cache.rs`).
        let cache = self.read_cache.as_ref().filter(|_| !gathered.has_copies());
        let mut hash = None;
        if let Some(cache) = cache {
            let (h, hit) = cache.get(gathered.sorted_pieces());
            if let Some(hit) = hit {
                codec::check_time(&hit.header, &policy)?;
                return Ok(hit);
            }
            hash = Some(h);
        }
        let opened = with_scratch(|envelope, json| {
            let verified = gathered.assemble(&self.name, &self.keys, envelope)?;
            let (data, id) = codec::open(envelope, &verified, &policy, json)?;
            Ok::<_, EmptyReason>(Opened {
                data: Arc::new(data),
                header: verified.header,
                key_index: verified.key_index,
                id,
            })
        })?;
        if let (Some(cache), Some(hash)) = (cache, hash) {
            cache.offer(hash, gathered.sorted_pieces(), &opened);
        }
        Ok(opened)
    }
}
