//! Whether a save must write a jar's cookies, and why.

use crate::engine::jar::Jar;
use crate::engine::report::{SaveReason, Saved};
use crate::session::request::RequestState;
use crate::{EmptyReason, Session};

/// Seconds after the issued-at time its first cookie claims during which a
/// rejected session's cookies are left alone rather than expired: a
/// mismatch that young may be a write still reaching the browser, or a
/// server that does not yet know a new key or format during a deploy.
pub(crate) const IN_FLIGHT_WINDOW: u64 = 60;

impl Jar {
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
}
