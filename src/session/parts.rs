//! What a grouped session keeps besides the whole data: one session per
//! group, holding that group's share as it was loaded or last saved.

use crate::Session;

/// Each group's share of a grouped session, in the groups' priority order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    pub sessions: Vec<Session>,
    /// A key sat in a group that does not claim it.
    pub misplaced: bool,
}
