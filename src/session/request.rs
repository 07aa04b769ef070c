//! What a request said about the session, kept in the
//! [`Session`](crate::Session) so that the save step needs nothing else.

use std::sync::Arc;

use crate::browser::Browser;
use crate::fit::chunk::IndexSet;
use crate::EmptyReason;

/// What a request said about the session.
#[derive(Debug, Default, Clone)]
pub(crate) struct RequestState {
    /// Our chunk indices present on the request.
    pub seen: IndexSet,
    /// The chunk count of the session that loaded; 0 if none did.
    pub loaded_chunks: u8,
    /// Which key verified it (0 is the signing key).
    pub key_index: usize,
    pub issued_at: Option<u64>,
    /// The session id the verified envelope carried, if any.
    pub session_id: Option<[u8; crate::codec::ID_LEN]>,
    pub empty_reason: Option<EmptyReason>,
    /// Why a client-side session's store (its overflow, its revocations)
    /// could not be read, if it could not.
    pub store_reason: Option<EmptyReason>,
    pub other_cookies: usize,
    pub other_bytes: usize,
    /// The Cookie header bytes of our own cookies (one copy of each chunk),
    /// a `; ` separator counted with each.
    pub own_bytes: usize,
    /// The Cookie header as the browser sends it: every piece, ours
    /// included, joined by `; `.
    pub header_bytes: usize,
    /// The issued-at time the first chunk's header claims, unverified (the
    /// latest over its copies). Set only when the cookies were rejected: it
    /// tells a write still in flight from garbage.
    pub claimed_issued_at: Option<u32>,
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

    /// The header bytes and cookies the session takes on the request.
    pub(crate) fn own_share(&self) -> (usize, usize) {
        (self.own_bytes, self.seen.len())
    }

    /// Moves the other cookies' room by what other groups' saves changed.
    pub(crate) fn shift_others(&mut self, bytes: isize, cookies: isize) {
        let shift = |n: usize, by: isize| n.saturating_add_signed(by);
        self.other_bytes = shift(self.other_bytes, bytes);
        self.header_bytes = shift(self.header_bytes, bytes);
        self.other_cookies = shift(self.other_cookies, cookies);
    }
}
