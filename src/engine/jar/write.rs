//! Writing a jar's cookies: fitting the session into its request's
//! budget, and the `Set-Cookie` values of a whole generation, or of the
//! removals that end one.
//!
//! # Consistency
//!
//! A save either sends no `Set-Cookie` for the session at all, or sends a
//! whole generation: the first cookie (whose header carries the chunk
//! count) and every chunk that count names, or the removal of every
//! session cookie the request carried and of the first cookie. Leftover
//! chunks are expired only by a response that also rewrites (or removes)
//! the first cookie. Applied in either order, two such responses leave the
//! browser with the generation of the one applied last: its first cookie
//! names only chunks it wrote itself, and chunks past its count are never
//! read. A response that only removed a leftover chunk would not be
//! whole: applied after a concurrent write that had reused that chunk
//! name, it would break that write.
//!
//! Within a response the removals come first, so the site never holds
//! more cookies mid-response than before or after it and the browser has
//! no reason to evict anyone's cookie.
//!
//! A session that is not changed is still written when its cookies no
//! longer fit the request's budget ([`SaveReason::RoomShrank`]), and when
//! the other cookies leave no room at all, its cookies are expired
//! ([`SaveAction::NoRoom`]) so that they never push the request over the
//! limit the budget protects.

use std::sync::Arc;

use crate::codec::chunk_names::chunk_name;
use crate::codec::{self, encoded_len, Compression, Envelope, Header, ID_LEN};
use crate::engine::jar::cache::Opened;
use crate::engine::jar::Jar;
use crate::engine::report::{SaveAction, SaveReason, SaveReport, Saved};
use crate::fit::budget::{Budget, SET_COOKIE_LINE};
use crate::fit::chunk::IndexSet;
use crate::fit::shrink::{drop_all, Encoded, Moving, ShrinkReport};
use crate::session::request::RequestState;
use crate::{SaveError, Session, SessionData};

/// What a session's cookies carry.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(crate) enum Carry<'a, 'o> {
    /// The session's data: a client-side session.
    Data,
    /// Only the id: a store-backed session.
    Id([u8; ID_LEN]),
    /// The data and an id, moving what doesn't fit into the overflow store
    /// when one is given.
    DataWithId([u8; ID_LEN], Option<&'a mut Moving<'o>>),
}

fn set_cookie_bytes(lines: &[String]) -> usize {
    lines.iter().map(|l| SET_COOKIE_LINE + l.len()).sum()
}

impl Jar {
    /// The save of a session whose data lives in these cookies and
    /// nowhere else: written when [`reason_to_write`](Jar::reason_to_write)
    /// says so, left alone or expired otherwise.
    pub(crate) fn save_cookies(&self, session: &mut Session, now: u64) -> Result<Saved, SaveError> {
        match self.reason_to_write(session, now) {
            Ok(reason) => self.write(session, reason, now, Carry::Data),
            Err(done) => Ok(*done),
        }
    }

    /// Writes a whole generation of the session's cookies, carrying what
    /// `carry` says.
    pub(crate) fn write(
        &self,
        session: &mut Session,
        reason: SaveReason,
        now: u64,
        carry: Carry<'_, '_>,
    ) -> Result<Saved, SaveError> {
        let (id, id_only, overflow) = match carry {
            Carry::Data => (None, false, None),
            Carry::Id(id) => (Some(id), true, None),
            Carry::DataWithId(id, overflow) => (Some(id), false, overflow),
        };
        let budget = self.budget(&session.request);
        let smallest = encoded_len(self.keys.min_envelope() + id.map_or(0, |_| ID_LEN));
        if !budget.fits(&self.name, smallest) {
            if !self.fits_alone(&session.request, smallest) {
                return Err(SaveError::DoesNotFit {
                    needed: smallest,
                    capacity: budget.capacity,
                });
            }
            return Ok(self.no_room(session, reason));
        }
        // A store-backed session's cookie carries no data to fit.
        let mut id_payload = SessionData::new();
        let mut envelope = Envelope::new(self.keys.encrypts());
        let capacity = budget.capacity;
        // A session may turn compression off, or back on: then with the
        // engine's codec, or deflate if the engine compresses nothing.
        let compress = match (session.compression(), self.compress) {
            (Some(false), _) => Compression::None,
            (Some(true), Compression::None) => Compression::Deflate,
            (_, engine) => engine,
        };
        let name = &self.name;
        let (max_json, max_encoded) = (self.max_json_bytes, self.max_encoded_bytes);
        let data = if id_only {
            &mut id_payload
        } else {
            session.data_write()
        };
        let mut encode = |data: &SessionData| {
            let len = envelope.fill(data, compress, id.as_ref());
            // A load refuses JSON or a value over its caps, so such a
            // session does not fit, however well it deflates.
            let readable = envelope.json_len() <= max_json && len <= max_encoded;
            let fits = readable && budget.fits(name, len);
            Encoded { len, fits }
        };
        let mut overflow = overflow;
        let (shrink, _fits) =
            self.shrinker
                .fit(data, capacity, &mut encode, overflow.as_deref_mut());
        let moved_any = overflow.is_some_and(|o| !o.moved.is_empty());
        if !id_only && !moved_any && session.is_empty() {
            // Shrinking dropped every key.
            return Ok(self.expire_all(session, reason, SaveAction::Cleared, Some(budget), shrink));
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
        envelope.seal(&self.name, lens.len() as u8, issued_at, &self.keys)?;
        // Removals first, then the first cookie, then the other chunks.
        let expired = self.forget_from(&mut session.request, lens.len());
        let expires = self.attributes.expires_suffix(now);
        let mut set_cookies: Vec<String> = Vec::with_capacity(expired.len() + lens.len());
        set_cookies.extend(expired.iter().map(|name| self.attributes.removal(name)));
        set_cookies.extend(envelope.chunks(&lens).zip(&lens).enumerate().map(
            |(i, (bytes, &chars))| {
                let name = chunk_name(&self.name, i);
                self.attributes
                    .set_cookie_line(&name, chars, &expires, |line| {
                        codec::append_base64(bytes, line)
                    })
            },
        ));
        if let Some(cache) = &self.read_cache {
            // These cookies come back on the next requests: the read cache
            // knows them from now. Only when the data is what was encoded
            // (nothing moved or dropped to fit).
            if shrink.is_untouched() {
                let data = match id_only {
                    true => Arc::default(),
                    false => session.shared_data(),
                };
                let header = Header {
                    flags: envelope.flags(),
                    compression: envelope.compression(),
                    chunks: lens.len() as u8,
                    issued_at,
                };
                let opened = Opened {
                    data,
                    header,
                    key_index: 0,
                    id,
                };
                let mut pieces =
                    set_cookies[expired.len()..]
                        .iter()
                        .enumerate()
                        .filter_map(|(i, line)| {
                            let (_, value) = line.split(';').next()?.split_once('=')?;
                            Some((i as u8, value))
                        });
                // Most sessions are one or two chunks: no vector for those.
                let mut inline = [(0, ""); 4];
                if lens.len() <= inline.len() {
                    let n = inline
                        .iter_mut()
                        .zip(&mut pieces)
                        .map(|(slot, piece)| *slot = piece)
                        .count();
                    cache.keep(&inline[..n], opened);
                } else {
                    cache.keep(&pieces.collect::<Vec<_>>(), opened);
                }
            }
        }
        let header_bytes = budget.header_bytes_of(&self.name, &lens);
        let state = &mut session.request;
        state.header_bytes = state.other_bytes + header_bytes;
        state.seen = IndexSet::default();
        (0..lens.len()).for_each(|i| state.seen.insert(i as u8));
        state.loaded_chunks = lens.len() as u8;
        state.key_index = 0;
        state.issued_at = Some(u64::from(issued_at));
        session.mark_saved();
        let report = SaveReport {
            action: SaveAction::Written,
            reason: Some(reason),
            chunks: lens.len(),
            value_bytes: envelope.encoded_len(),
            header_bytes,
            set_cookie_bytes: set_cookie_bytes(&set_cookies),
            json_bytes: envelope.json_len(),
            deflated: envelope.compression() != Compression::None,
            expired,
            budget: Some(budget),
            shrink,
            groups: Vec::new(),
        };
        Ok(Saved {
            set_cookies,
            report,
        })
    }

    /// A save the request's other cookies leave no room for: the session's
    /// keys are dropped and reported, and its cookies expired.
    pub(crate) fn no_room(&self, session: &mut Session, reason: SaveReason) -> Saved {
        let budget = self.budget(&session.request);
        let lost = drop_all(session.data_write());
        self.expire_all(session, reason, SaveAction::NoRoom, Some(budget), lost)
    }

    /// Forgets the chunks the request carried from index `from` on, and
    /// gives their names. From 0, the first cookie's name is always among
    /// them when any chunk was carried, so that the removals are a whole
    /// generation even when the browser had lost the first cookie.
    fn forget_from(&self, state: &mut RequestState, from: usize) -> Vec<String> {
        let mut doomed = IndexSet::default();
        state.seen.from(from).for_each(|i| doomed.insert(i));
        if from == 0 && !doomed.is_empty() {
            doomed.insert(0);
        }
        let mut kept = IndexSet::default();
        state
            .seen
            .from(0)
            .take_while(|&i| usize::from(i) < from)
            .for_each(|i| kept.insert(i));
        state.seen = kept;
        doomed
            .from(0)
            .map(|i| chunk_name(&self.name, usize::from(i)).into_owned())
            .collect()
    }

    /// A save that sends nothing.
    pub(crate) fn leave_alone(&self, session: &mut Session) -> Saved {
        session.mark_saved();
        Saved {
            set_cookies: Vec::new(),
            report: SaveReport::without_cookies(SaveAction::Unchanged, None, Vec::new(), None),
        }
    }

    /// A save with nothing to write: every session cookie the request
    /// carried expires ([`SaveAction::Cleared`]).
    pub(crate) fn clear_cookies(&self, session: &mut Session, reason: SaveReason) -> Saved {
        self.expire_all(
            session,
            reason,
            SaveAction::Cleared,
            None,
            ShrinkReport::default(),
        )
    }

    /// A save that expires every session cookie the request carried.
    pub(crate) fn expire_all(
        &self,
        session: &mut Session,
        reason: SaveReason,
        action: SaveAction,
        budget: Option<Budget>,
        shrink: ShrinkReport,
    ) -> Saved {
        let state = &mut session.request;
        let expired = self.forget_from(state, 0);
        state.loaded_chunks = 0;
        state.issued_at = None;
        state.header_bytes = state.other_bytes;
        session.mark_saved();
        let (action, reason) =
            if expired.is_empty() && action == SaveAction::Cleared && shrink.is_untouched() {
                (SaveAction::Unchanged, None)
            } else {
                (action, Some(reason))
            };
        let set_cookies: Vec<String> = expired
            .iter()
            .map(|name| self.attributes.removal(name))
            .collect();
        let mut report = SaveReport::without_cookies(action, reason, expired, budget);
        report.set_cookie_bytes = set_cookie_bytes(&set_cookies);
        report.shrink = shrink;
        Saved {
            set_cookies,
            report,
        }
    }
}
