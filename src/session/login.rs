//! What a load notes for an engine's per-user session index: the user the
//! session held and each group's session id, so that the save can tell a
//! login, a logout or a new id from a request that changed none of them.

use crate::codec::ID_LEN;

/// The session's user and ids as loaded (or as last saved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LoginState {
    /// The user's JSON text, when the session held one.
    pub user: Option<String>,
    /// Each member's live session id, in the layout's order (one for a
    /// layout without groups); `None` where there is none.
    pub ids: Vec<Option<[u8; ID_LEN]>>,
    /// The index key those ids give, when the session held a user.
    pub key: Option<crate::store::RecordKey>,
}
