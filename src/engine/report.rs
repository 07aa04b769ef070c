//! What a save did, and why: the [`SaveReport`].

use serde::Serialize;

use crate::fit::budget::Budget;
use crate::fit::shrink::ShrinkReport;

/// What a save did to the session's cookies.
///
/// Every save either leaves the session's cookies alone or writes a whole
/// generation: the first cookie (with the chunk count) and every chunk it
/// names, after expiring the leftovers. So whatever order two concurrent
/// responses reach the browser in, the cookies load as one of the two
/// sessions saved, never a mix (see the README's section on races).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SaveAction {
    /// Nothing needed writing, so no `Set-Cookie` was sent. Leftover
    /// chunks from an earlier, larger session stay until the next write:
    /// a response that only removed them could break a concurrent one.
    Unchanged,
    /// The session was written.
    Written,
    /// The session was empty, or its cookies were rejected, so every
    /// session cookie was expired.
    Cleared,
    /// The request's other cookies leave no room under the header budget
    /// (or the browser's cookie count) for even an empty session. The
    /// session's cookies were expired, so that they never push the request
    /// over the limit that the budget protects, and the session is lost:
    /// [`SaveReport::shrink`] lists every key as dropped.
    NoRoom,
}

/// Why a save wrote or expired the session's cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SaveReason {
    /// The handler changed the session, or cleared it.
    Modified,
    /// The handler called [`Session::renew`](crate::Session::renew).
    RenewRequested,
    /// An older key of the ring verified the session: it is re-signed with
    /// the current key.
    OldKey,
    /// The session is older than the engine's `renew_after`.
    RenewDue,
    /// The session's cookies, as the request carried them, no longer fit
    /// the budget: other cookies grew, or leftover chunks take room. The
    /// unchanged session is re-fitted (and shrunk if need be).
    RoomShrank,
    /// The request's session cookies were rejected (see
    /// [`Session::empty_reason`](crate::Session::empty_reason)), so they are
    /// expired rather than sent again on every request.
    Rejected,
    /// The session verified but holds no keys: its cookies are expired.
    Empty,
}

/// The report of one save: what was written, what was expired, the budget,
/// and what shrinking did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SaveReport {
    /// What the save did.
    pub action: SaveAction,
    /// Why it wrote or expired cookies; `None` when it did neither.
    pub reason: Option<SaveReason>,
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
    /// Whether the payload was compressed: deflated, or, with
    /// `EngineBuilder::zstd` (feature `zstd`), zstd.
    pub deflated: bool,
    /// The names of the cookies expired.
    pub expired: Vec<String>,
    /// The budget the session was fitted into, when it was written.
    pub budget: Option<Budget>,
    /// What shrinking did (empty when the session fitted). For an engine
    /// with groups, every group's steps, in the order the groups were saved.
    pub shrink: ShrinkReport,
    /// For an engine with groups: each group's cookie name and its own
    /// report, in priority order (this report then sums them).
    pub groups: Vec<(String, SaveReport)>,
}

/// The `Set-Cookie` values for the response, and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Saved {
    /// One value per `Set-Cookie` header. Send them in this order: the
    /// removals come first, so that the site never holds more cookies
    /// mid-response than before or after it, and the browser never evicts
    /// another cookie to make room.
    pub set_cookies: Vec<String>,
    /// What the save did.
    pub report: SaveReport,
}

impl SaveReport {
    /// Whether this save lost anything the handler had put in the session:
    /// a key dropped to fit (which includes every key of a
    /// [`SaveAction::NoRoom`] save), or a shrink callback that made the
    /// data smaller. A key moved whole into the overflow store is not a
    /// loss. The engine's [`on_loss`](crate::EngineBuilder::on_loss) hooks
    /// see every save for which this is true.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key};
    ///
    /// let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    ///     .max_cookie_bytes(200)
    ///     .max_chunks(1)
    ///     .build()?;
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("user", &7)?;
    /// assert!(!engine.save(&mut session)?.report.is_lossy());
    /// // 1000 letters from a xorshift generator: they don't compress below 200.
    /// let mut x = 1u32;
    /// let notes: String = (0..1000)
    ///     .map(|_| { x ^= x << 13; x ^= x >> 17; x ^= x << 5; char::from(b'a' + (x % 26) as u8) })
    ///     .collect();
    /// session.insert("notes", &notes)?;
    /// let report = engine.save(&mut session)?.report;
    /// assert!(report.is_lossy());
    /// // `"notes":`, the quoted 1000 letters, and a separator.
    /// assert_eq!(report.lost_keys().collect::<Vec<_>>(), [("notes", 1011)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_lossy(&self) -> bool {
        self.action == SaveAction::NoRoom || self.shrink.is_lossy()
    }

    /// The keys this save dropped, each with the JSON bytes its entry took
    /// (`"key":value` and a separator), in the order they were dropped.
    pub fn lost_keys(&self) -> impl Iterator<Item = (&str, usize)> {
        self.shrink.steps.iter().filter_map(|step| match step {
            crate::ShrinkStep::Dropped { key, json_bytes } => Some((key.as_str(), *json_bytes)),
            _ => None,
        })
    }

    /// The report of a save that wrote no session cookie.
    pub(crate) fn without_cookies(
        action: SaveAction,
        reason: Option<SaveReason>,
        expired: Vec<String>,
        budget: Option<Budget>,
    ) -> SaveReport {
        SaveReport {
            action,
            reason,
            chunks: 0,
            value_bytes: 0,
            header_bytes: 0,
            set_cookie_bytes: 0,
            json_bytes: 0,
            deflated: false,
            expired,
            budget,
            shrink: ShrinkReport::default(),
            groups: Vec::new(),
        }
    }
}
