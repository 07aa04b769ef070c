//! Saving: fitting the session into its request's budget, and the
//! `Set-Cookie` values that store it.
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

use crate::codec::{self, encoded_len, Envelope, ID_LEN};
use crate::engine::request::RequestState;
use crate::fit::budget::{Budget, SET_COOKIE_LINE};
use crate::fit::chunk::{chunk_name, IndexSet};
use crate::fit::shrink::{drop_all, Encoded, Overflow, ShrinkReport};
use crate::{
    EmptyReason, Engine, SaveAction, SaveError, SaveReason, SaveReport, Saved, Session, SessionData,
};

/// What a session's cookies carry.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(crate) enum Carry<'a, 'o> {
    /// The session's data: a client-side session.
    Data,
    /// Only the id: a store-backed session.
    Id([u8; ID_LEN]),
    /// The data and an id, moving what doesn't fit into the overflow store
    /// when one is given.
    DataWithId([u8; ID_LEN], Option<&'a mut Overflow<'o>>),
}

/// Seconds after the issued-at time its first cookie claims during which a
/// rejected session's cookies are left alone rather than expired: a
/// mismatch that young may be a write still reaching the browser, or a
/// server that does not yet know a new key or format during a deploy.
pub(crate) const IN_FLIGHT_WINDOW: u64 = 60;

fn set_cookie_bytes(lines: &[String]) -> usize {
    lines.iter().map(|l| SET_COOKIE_LINE + l.len()).sum()
}

impl Engine {
    /// Gives the `Set-Cookie` values that store `session`, fitting it into
    /// the request's budget and shrinking it when it does not fit.
    ///
    /// Writes only when needed, and then a whole generation of cookies (see
    /// [`SaveReason`] for when): otherwise it sends nothing, not even the
    /// removal of a leftover chunk. An empty session, or one whose cookies
    /// were rejected, expires every session cookie the request carried;
    /// rejected cookies that claim to be under a minute old are left alone,
    /// since they may be a write still in flight.
    ///
    /// When the request's other cookies leave no room for the session, its
    /// cookies are expired and the report says [`SaveAction::NoRoom`]; the
    /// session's keys are gone from `session` and listed as dropped.
    ///
    /// # Errors
    /// [`SaveError::DoesNotFit`] when the configuration leaves no room for
    /// even an empty session on a request without other cookies; the
    /// session and its cookies are then left alone.
    pub fn save(&self, session: &mut Session) -> Result<Saved, SaveError> {
        if let Some(groups) = self.groups() {
            return self.save_grouped(groups, session);
        }
        #[cfg(feature = "store")]
        if self.is_server_side() {
            return self.save_server_side_sync(session);
        }
        let now = (self.clock)();
        #[cfg(feature = "store")]
        if self.has_client_store() {
            // Any write may move keys into the store, or out of it.
            return match self.write_reason(session, now) {
                None => Ok(self.leave_alone(session)),
                Some(_) => Err(SaveError::StoreNeedsAsync),
            };
        }
        match self.reason_to_write(session, now) {
            Ok(reason) => self.write(session, reason, now, Carry::Data),
            Err(done) => Ok(*done),
        }
    }

    /// Why the session's cookies must be written; or, when they need no
    /// write, the save already done: nothing sent, or (an empty session)
    /// every cookie expired.
    pub(crate) fn reason_to_write(
        &self,
        session: &mut Session,
        now: u64,
    ) -> Result<SaveReason, Box<Saved>> {
        let Some(reason) = self.write_reason(session, now) else {
            return Err(Box::new(self.leave_alone(session)));
        };
        if session.is_empty() {
            return Err(Box::new(self.clear_cookies(session, reason)));
        }
        Ok(reason)
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
        let budget = self.budget(session);
        let smallest = encoded_len(self.keys.min_envelope() + id.map_or(0, |_| ID_LEN));
        if budget.plan(&self.name, smallest).is_none() {
            if !self.fits_alone(session, smallest) {
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
        let compress = session.compression().unwrap_or(self.compress);
        let name = &self.name;
        let (max_json, max_encoded) = (self.max_json_bytes, self.max_encoded_bytes);
        let data = if id_only {
            &mut id_payload
        } else {
            session.data_for_save()
        };
        let mut encode = |data: &SessionData| {
            let len = envelope.fill(data, compress, id.as_ref());
            // A load refuses JSON or a value over its caps, so such a
            // session does not fit, however well it deflates.
            let readable = envelope.json_len() <= max_json && len <= max_encoded;
            let fits = readable && budget.plan(name, len).is_some();
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
            deflated: envelope.deflated(),
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
        let budget = self.budget(session);
        let lost = drop_all(session.data_for_save());
        self.expire_all(session, reason, SaveAction::NoRoom, Some(budget), lost)
    }

    /// Why this save must write or expire the session's cookies; `None`
    /// when it leaves them alone.
    pub(crate) fn write_reason(&self, session: &Session, now: u64) -> Option<SaveReason> {
        let state = &session.request;
        let loaded = state.loaded_chunks > 0;
        if session.is_modified() {
            return Some(SaveReason::Modified);
        }
        if session.is_empty() {
            return if !state.carried_cookies() {
                None
            } else if loaded {
                Some(SaveReason::Empty)
            } else if self.may_be_in_flight(state, now) {
                None
            } else {
                Some(SaveReason::Rejected)
            };
        }
        if session.is_renew_requested() {
            return Some(SaveReason::RenewRequested);
        }
        if !loaded {
            return None;
        }
        self.upkeep_reason(state, now)
    }

    /// Why cookies that loaded must be re-issued though nothing changed:
    /// an old key verified them, they are due for renewal, or they no
    /// longer fit the request's room.
    pub(crate) fn upkeep_reason(&self, state: &RequestState, now: u64) -> Option<SaveReason> {
        if state.key_index > 0 {
            return Some(SaveReason::OldKey);
        }
        let renew_due = match (self.renew_after, state.issued_at) {
            (Some(after), Some(issued)) => now.saturating_sub(issued) >= after,
            _ => false,
        };
        if renew_due {
            return Some(SaveReason::RenewDue);
        }
        let limits = &state.browser.as_ref()?.limits;
        let other = (state.other_cookies, state.other_bytes);
        self.budget
            .needs_refit(limits, state.header_bytes, other, state.chunk_names_seen())
            .then_some(SaveReason::RoomShrank)
    }

    /// Whether rejected cookies may be a generation still being written, or
    /// one from a server with a newer key or format: a mismatch (a tag that
    /// does not verify or decrypt), a missing later chunk, an unknown
    /// version or flags, or an unknown key id, whose first cookie
    /// claims to have been issued within [`IN_FLIGHT_WINDOW`].
    pub(crate) fn may_be_in_flight(&self, state: &RequestState, now: u64) -> bool {
        let transient = matches!(
            state.empty_reason,
            Some(
                EmptyReason::BadSignature
                    | EmptyReason::UnsupportedVersion(_)
                    | EmptyReason::UnsupportedFlags(_)
                    | EmptyReason::UnknownKey
                    | EmptyReason::DecryptionFailed
            )
        ) || matches!(state.empty_reason, Some(EmptyReason::ChunkMissing { index }) if index > 0);
        transient
            && state.claimed_issued_at.is_some_and(|t| {
                let t = u64::from(t);
                t <= now.saturating_add(self.clock_skew)
                    && now.saturating_sub(t) <= IN_FLIGHT_WINDOW
            })
    }

    /// Whether the smallest envelope would fit on a request with no other
    /// cookies: if not, the configuration, not the request, leaves no room.
    fn fits_alone(&self, session: &Session, smallest: usize) -> bool {
        let limits = match &session.request.browser {
            Some(b) => b.limits.clone(),
            None => self.browsers.unknown().limits.clone(),
        };
        Budget::new(
            &self.name,
            &limits,
            &self.budget,
            0,
            0,
            &IndexSet::default(),
        )
        .plan(&self.name, smallest)
        .is_some()
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
