//! The save pipeline: a [`Session`] to the `Set-Cookie` values that store
//! it, and the store writes it needs.
//!
//! ```text
//! split   the data into the groups' shares                 [groups only]
//! per member, in priority order, each seeing the room the ones before left:
//!   store steps first (destroy, regenerate, the changed keys)  [stored only]
//!   jar::reason -> jar::write (budget, encode, shrink, chunk) or expiry
//!   overflow writes of the keys the fit moved                  [stored only]
//! combine the members' saves, removals first               [groups only]
//! index   a login, a logout, new ids, or a throttled sighting [index only]
//! ```
//!
//! With a per-user index, a save that puts a user into the session (a
//! login) first marks it for new ids (see `Session::mark_login`), so that
//! the members' store steps create them.
//!
//! A client engine runs the cookie steps alone ([`Core::save_cookies`]),
//! synchronously; a stored one runs them with its store steps
//! ([`Core::save`]).

use crate::engine::groups::{self, Room};
use crate::engine::layout::{Groups, Layout};
#[cfg(feature = "store")]
use crate::engine::load::client_store;
use crate::engine::report::{SaveReport, Saved};
use crate::engine::Core;
#[cfg(feature = "store")]
use crate::session::login::LoginState;
use crate::trace::Started;
use crate::{SaveError, Session, SessionData};

impl Core {
    /// The save of a client engine, in its span, with its losses reported.
    pub(crate) fn save_cookies(&self, session: &mut Session) -> Result<Saved, SaveError> {
        let (span, started) = (self.save_span(), Started::now());
        let result = span.in_scope(|| self.save_cookies_quietly(session));
        self.saved(&span, started, &result);
        result
    }

    /// The save of a stored engine, in its span, with its losses reported.
    pub(crate) async fn save(&self, session: &mut Session) -> Result<Saved, SaveError> {
        let (span, started) = (self.save_span(), Started::now());
        let result = span.run(self.save_quietly(session)).await;
        self.saved(&span, started, &result);
        result
    }

    /// The save of a client engine: every member's cookies, which is all
    /// there is to it (a client engine's layout has no store steps).
    fn save_cookies_quietly(&self, session: &mut Session) -> Result<Saved, SaveError> {
        let now = (self.clock)();
        match &self.layout {
            Layout::Groups(groups) => {
                let mut parts = groups::split(groups, session);
                let mut room = Room::default();
                let mut saves = Vec::with_capacity(parts.sessions.len());
                let mut failed = None;
                for (member, part) in groups.members.iter().zip(&mut parts.sessions) {
                    let before = room.before(part);
                    match member.jar().save_cookies(part, now) {
                        Ok(saved) => saves.push(account(&mut room, member, saved, before)),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                finish(groups, session, parts, saves, failed)
            }
            single => single.jar().save_cookies(session, now),
        }
    }

    /// The save of a stored engine: every member's store steps and
    /// cookies, then the per-user index's writes.
    async fn save_quietly(&self, session: &mut Session) -> Result<Saved, SaveError> {
        #[cfg(feature = "store")]
        if let Some(index) = &self.index {
            let before = session.login.take().unwrap_or_else(|| LoginState {
                user: None,
                ids: self.layout.member_ids(session),
                key: None,
            });
            let user = index.user_of(session.data_for_merge());
            if user.is_some() && user != before.user {
                session.mark_login(index.regenerate_on_login);
            }
            let saved = self.save_members(session).await;
            if saved.is_err() {
                session.login = Some(before);
                return saved;
            }
            let after = self.login_state(index, session, false);
            let now = (self.clock)();
            let written = index.save(&before, &after, session.browser(), now).await;
            if let Err(e) = written {
                session.login = Some(before);
                return Err(SaveError::Store(e));
            }
            session.login = Some(after);
            return saved;
        }
        self.save_members(session).await
    }

    /// Every member's store steps and cookies.
    async fn save_members(&self, session: &mut Session) -> Result<Saved, SaveError> {
        let now = (self.clock)();
        match &self.layout {
            Layout::Groups(groups) => {
                let mut parts = groups::split(groups, session);
                let mut room = Room::default();
                let mut saves = Vec::with_capacity(parts.sessions.len());
                let mut failed = None;
                for (member, part) in groups.members.iter().zip(&mut parts.sessions) {
                    let before = room.before(part);
                    match save_member(member, part, now).await {
                        Ok(saved) => saves.push(account(&mut room, member, saved, before)),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                finish(groups, session, parts, saves, failed)
            }
            single => save_member(single, session, now).await,
        }
    }
}

impl Core {
    /// What a save would do to the cookies, and the data as it would write
    /// it, without writing any store: see
    /// [`SessionHandle::preview`](crate::SessionHandle::preview).
    pub(crate) fn preview(
        &self,
        mut session: Session,
    ) -> Result<(SaveReport, SessionData), SaveError> {
        let now = (self.clock)();
        let saved = match &self.layout {
            Layout::Groups(groups) => {
                let mut parts = groups::split(groups, &mut session);
                let mut room = Room::default();
                let mut saves = Vec::with_capacity(parts.sessions.len());
                let mut failed = None;
                for (member, part) in groups.members.iter().zip(&mut parts.sessions) {
                    let before = room.before(part);
                    match preview_member(member, part, now) {
                        Ok(saved) => saves.push(account(&mut room, member, saved, before)),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                finish(groups, &mut session, parts, saves, failed)
            }
            single => preview_member(single, &mut session, now),
        }?;
        Ok((saved.report, session.data_for_merge().clone()))
    }
}

/// One member's cookie fit, with the store steps it would take left out:
/// an id cookie for a store-backed member, the keys an overflow would move
/// kept in the data.
fn preview_member(member: &Layout, session: &mut Session, now: u64) -> Result<Saved, SaveError> {
    let jar = member.jar();
    #[cfg(feature = "store")]
    {
        use crate::codec::ID_LEN;
        use crate::engine::jar::write::Carry;
        use crate::fit::shrink::Moving;
        let id = session
            .server
            .as_ref()
            .and_then(|s| s.id)
            .unwrap_or([0; ID_LEN]);
        let carry = match member {
            Layout::Stored { .. } if !session.is_empty() => Some(Carry::Id(id)),
            Layout::Cookies {
                revocation: Some(_),
                ..
            } => Some(Carry::DataWithId(id, None)),
            Layout::Overflow { overflow, .. } => {
                let reason = match jar.reason_to_write(session, now) {
                    Ok(reason) => reason,
                    Err(done) => return Ok(*done),
                };
                let movable = |key: &str| overflow.may_move(key);
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
                for (key, value) in moving.moved {
                    session.data_write().insert_json(&key, value);
                }
                return Ok(saved);
            }
            _ => None,
        };
        if let Some(carry) = carry {
            return match jar.reason_to_write(session, now) {
                Ok(reason) => jar.write(session, reason, now, carry),
                Err(done) => Ok(*done),
            };
        }
    }
    jar.save_cookies(session, now)
}

/// One member's save, store steps included.
async fn save_member(member: &Layout, session: &mut Session, now: u64) -> Result<Saved, SaveError> {
    match member {
        #[cfg(feature = "store")]
        Layout::Stored { jar, records } => records.save(jar, session, now).await,
        #[cfg(feature = "store")]
        Layout::Cookies { .. } | Layout::Overflow { .. } => {
            match client_store(member).filter(|steps| steps.is_some()) {
                Some(steps) => steps.save(session, now).await,
                None => member.jar().save_cookies(session, now),
            }
        }
        // A group is never groups again; without stores, cookies are all.
        _ => member.jar().save_cookies(session, now),
    }
}

/// Counts a member's save against the room, and names it for the report.
fn account(
    room: &mut Room,
    member: &Layout,
    saved: Saved,
    before: (usize, usize),
) -> (String, Saved) {
    room.after(&saved.report, before);
    (member.jar().name.clone(), saved)
}

/// Puts a grouped session back together after its members' saves.
fn finish(
    groups: &Groups,
    session: &mut Session,
    parts: Box<crate::session::parts::Parts>,
    saves: Vec<(String, Saved)>,
    failed: Option<SaveError>,
) -> Result<Saved, SaveError> {
    groups::rejoin(groups, session, parts);
    match failed {
        Some(e) => Err(e),
        None => Ok(groups::combine(saves)),
    }
}
