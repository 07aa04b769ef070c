//! A client-side session with a store (an overflow, revocations, or both):
//! its envelope always carries an id, which a load checks and follows
//! into the store, and which a destroy or regenerate retires.
//!
//! - **destroy** tombstones the id (every copy of the cookie then loads
//!   empty, revoked), deletes the overflow record, and expires the cookies;
//! - **clear** empties the data: the cookies, with nothing to hold, are
//!   expired, and the overflow record goes with them, but the id is not
//!   tombstoned;
//! - **regenerate** tombstones the old id and moves the overflow record to
//!   a new one, keeping the data; the new id keeps the old one's login time
//!   (a regenerate of an emptied session tombstones the old id too);
//! - **login** (with a per-user index: a user put into the session) gives
//!   a new id created now, so that the id carries the login time, and
//!   retires the old one as a regenerate does (without the tombstone, when
//!   the app opted out of regenerating on login);
//! - **renew** re-issues the cookies under the same id.

use crate::codec::ID_LEN;
use crate::engine::jar::write::Carry;
use crate::engine::jar::Jar;
use crate::engine::report::Saved;
use crate::engine::steps::ids::{fresh_id, login_time};
use crate::engine::steps::overflow::Overflow;
use crate::engine::steps::revocation::Revocation;
use crate::fit::shrink::{Moving, ShrinkStep};
use crate::session::server::{RecordState, ServerState};
use crate::{EmptyReason, SaveError, Session};

/// The store steps of one client-side layout.
#[derive(Clone, Copy)]
pub(crate) struct ClientStore<'a> {
    pub jar: &'a Jar,
    pub overflow: Option<&'a Overflow>,
    pub revocation: Option<&'a Revocation>,
}

impl ClientStore<'_> {
    /// Whether there is any store to ask.
    pub(crate) fn is_some(&self) -> bool {
        self.overflow.is_some() || self.revocation.is_some()
    }

    /// What a load records before the store is asked: the id, its user
    /// (for tombstones), and that the store is still to be read.
    pub(crate) fn begin(&self, session: &mut Session) {
        let id = session.request.session_id;
        let user = self
            .revocation
            .and_then(|r| r.user_of(session.data_for_merge()));
        session.server = Some(ServerState {
            id,
            record: if id.is_some() && self.overflow.is_some() {
                RecordState::NotFetched
            } else {
                RecordState::New
            },
            user,
            ..ServerState::default()
        });
        if id.is_some() && session.request.empty_reason.is_none() {
            session.request.store_reason = Some(EmptyReason::NotFetched);
        }
    }

    /// Reads the store: the revocations, then the moved keys.
    pub(crate) async fn fetch(&self, session: &mut Session) {
        if session.request.session_id.is_none() {
            return;
        }
        session.request.store_reason = None;
        if let Some(revocation) = self.revocation {
            revocation.check(self.jar, session).await;
        }
        if let (Some(overflow), None) = (self.overflow, &session.request.empty_reason) {
            overflow.fetch(self.jar, session).await;
        }
    }

    /// The save: the id retired first when the session was destroyed or
    /// regenerated, then the cookies, with what they can't hold moved into
    /// the overflow store.
    pub(crate) async fn save(&self, session: &mut Session, now: u64) -> Result<Saved, SaveError> {
        let jar = self.jar;
        let mut server = session
            .server
            .get_or_insert_with(ServerState::default)
            .clone();
        let emptied = session.is_empty() && session.is_modified();
        if server.destroy || emptied {
            if let Some(old) = server.id {
                // A clear retires the id quietly: no tombstone. But a
                // regenerate asked for the old id to end, emptied or not
                // (a logout that removes the user, then regenerates).
                let tombstone = server.destroy || server.regenerate;
                self.retire(&server, old, None, tombstone, now).await?;
            }
            server = ServerState::default();
            session.server = Some(server.clone());
        } else if server.regenerate || server.login {
            if let Some(old) = server.id {
                // A login's id is created now, so that it carries the login
                // time; a regenerate keeps the login time it had.
                let issued = session.request.issued_at.unwrap_or(now);
                let created = if server.login {
                    now
                } else {
                    login_time(&old, issued, jar.clock_skew)
                };
                let new = fresh_id(created)?;
                self.retire(&server, old, Some(new), server.regenerate, now)
                    .await?;
                // The overflow record moved with the id.
                server.id = Some(new);
            }
        }
        let reason = match jar.reason_to_write(session, now) {
            Ok(reason) => reason,
            Err(done) => return Ok(*done),
        };
        let id = match server.id {
            Some(id) => id,
            None => fresh_id(now)?,
        };
        let Some(overflow) = self.overflow else {
            let saved = jar.write(session, reason, now, Carry::DataWithId(id, None))?;
            if let Some(state) = &mut session.server {
                state.id = Some(id);
                state.regenerate = false;
                state.login = false;
            }
            return Ok(saved);
        };
        let movable = |key: &str| overflow.may_move(key);
        if server.record != RecordState::Unavailable {
            // To write again from the same request should the store fail.
            let before = session.clone();
            let mut moving = Moving {
                may_move: &movable,
                moved: Vec::new(),
            };
            let saved = jar.write(
                session,
                reason,
                now,
                Carry::DataWithId(id, Some(&mut moving)),
            )?;
            // The handler's view keeps the moved keys.
            for (key, value) in &moving.moved {
                session.data_write().insert_json(key, value.clone());
            }
            match overflow.store_moved(jar, &server, id, &moving, now).await {
                Ok(()) => {
                    if let Some(state) = &mut session.server {
                        state.id = Some(id);
                        state.regenerate = false;
                        state.login = false;
                        state.record = RecordState::Loaded;
                        state.in_store = moving.moved.iter().map(|(k, _)| k.clone()).collect();
                        state.changed.clear();
                        state.rewrite_all = false;
                    }
                    return Ok(saved);
                }
                Err(SaveError::Store(_)) => {
                    // Write again, keeping in the cookies what they can hold.
                    *session = before;
                }
                Err(e) => return Err(e),
            }
        }
        let mut saved = jar.write(session, reason, now, Carry::DataWithId(id, None))?;
        saved
            .report
            .shrink
            .steps
            .insert(0, ShrinkStep::StoreUnavailable);
        Ok(saved)
    }

    /// Ends the old id of a destroyed, cleared or regenerated session: its
    /// overflow record goes (or moves to the `new` id), and, when `revoke`,
    /// its tombstones are written.
    async fn retire(
        &self,
        server: &ServerState,
        old: [u8; ID_LEN],
        new: Option<[u8; ID_LEN]>,
        revoke: bool,
        now: u64,
    ) -> Result<(), SaveError> {
        if let (Some(overflow), true) = (self.overflow, server.may_have_record()) {
            overflow
                .retire(self.jar, &old, new.as_ref(), now)
                .await
                .map_err(SaveError::Store)?;
        }
        match (self.revocation, revoke) {
            (Some(revocation), true) => revocation
                .write_tombstones(self.jar, &old, server.user.as_deref(), now)
                .await
                .map_err(SaveError::Store),
            _ => Ok(()),
        }
    }
}
