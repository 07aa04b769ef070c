//! Several cookie groups in one app, behind one session: field routing
//! and one budget for them all.
//!
//! A group is a layout of its own (cookie name, attributes, keys, expiry,
//! and where its data lives: cookies, a store, overflow, revocation) that
//! claims the session keys it holds: an explicit list
//! ([`Group::claims`](crate::Group::claims)), or every key no other group
//! claims ([`Group::claims_rest`](crate::Group::claims_rest); the engine's
//! own group by default). The app sees one [`Session`]; each key lives in
//! exactly one group, and only the groups that changed write `Set-Cookie`.
//!
//! # Fitting
//!
//! The groups are saved in priority order: the added groups in the order
//! they were added, then the engine's own group. Each sees the room the
//! ones before it left: the request's other cookies, plus every group's
//! cookies as they will be (the groups already saved) or as they are (the
//! groups still to save), so all the client groups together fit the
//! browser's per-site count and the header budget. Each group's shrink
//! callbacks and report stay its own ([`SaveReport::groups`]). All the
//! removals of all the groups go out before any cookie is written.
//!
//! # Routing changes
//!
//! A key found in a group that no longer claims it (the app changed its
//! routing) is read as usual, and moved to the group that claims it on the
//! next save, so a change of layout logs nobody out.
//!
//! This file holds what the pipelines do around the groups' own loads and
//! saves: putting the shares together, splitting them again, and keeping
//! the room each group leaves the next.
//!
//! [`SaveReport::groups`]: crate::SaveReport::groups

use crate::engine::layout::Groups;
use crate::engine::report::{SaveAction, SaveReport, Saved};
use crate::session::parts::Parts;
use crate::{Session, SessionData};

/// A grouped session from each group's share, as loaded.
pub(crate) fn grouped(groups: &Groups, sessions: Vec<Session>) -> Session {
    let mut session = Session::default();
    session.parts = Some(Box::new(Parts {
        sessions,
        misplaced: false,
    }));
    merge(groups, &mut session);
    session
}

/// The whole data from the groups' shares: a key from the group that
/// claims it, or from any group while none that claims it holds it.
pub(crate) fn merge(groups: &Groups, session: &mut Session) {
    let Some(parts) = &mut session.parts else {
        return;
    };
    let mut data = SessionData::new();
    let mut misplaced = false;
    for home_pass in [false, true] {
        for (i, part) in parts.sessions.iter().enumerate() {
            for (key, json) in part.data_for_merge().entries() {
                let home = groups.route(key) == i;
                misplaced |= !home;
                if home == home_pass && (home || !data.contains_key(key)) {
                    data.insert_json(key, json.clone());
                }
            }
        }
    }
    parts.misplaced = misplaced;
    let request = parts.sessions[groups.rest].request.clone();
    session.replace_merged(data, request);
}

/// Gives each group its share of the data, if anything may have moved,
/// and takes the groups' sessions out of `session` for their saves.
pub(crate) fn split(groups: &Groups, session: &mut Session) -> Box<Parts> {
    let mut parts = session.parts.take().unwrap_or_default();
    if session.is_modified() || parts.misplaced {
        let mut shares: Vec<SessionData> = vec![SessionData::new(); parts.sessions.len()];
        for (key, json) in session.data_for_merge().entries() {
            shares[groups.route(key)].insert_json(key, json.clone());
        }
        for (part, share) in parts.sessions.iter_mut().zip(shares) {
            part.take_share(share);
        }
    }
    parts
}

/// Puts the groups' sessions back after their saves.
pub(crate) fn rejoin(groups: &Groups, session: &mut Session, parts: Box<Parts>) {
    session.parts = Some(parts);
    merge(groups, session);
    session.mark_saved();
}

/// The room the groups saved so far have taken or given back: the Cookie
/// header bytes and the cookies, against the request as it came.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Room {
    bytes: isize,
    cookies: isize,
}

impl Room {
    /// Shows the next group the room the ones before it left, and gives
    /// its share before its save.
    pub(crate) fn before(&self, part: &mut Session) -> (usize, usize) {
        part.request.shift_others(self.bytes, self.cookies);
        part.request.own_share()
    }

    /// Counts what a group's save did to its share.
    pub(crate) fn after(&mut self, report: &SaveReport, before: (usize, usize)) {
        let after = match report.action {
            SaveAction::Written => (report.header_bytes + 2 * report.chunks, report.chunks),
            SaveAction::Unchanged => before,
            _ => (0, 0),
        };
        self.bytes += after.0 as isize - before.0 as isize;
        self.cookies += after.1 as isize - before.1 as isize;
    }
}

/// One response's `Set-Cookie` values for all the groups, removals first,
/// and a report that sums theirs and keeps each.
pub(crate) fn combine(saves: Vec<(String, Saved)>) -> Saved {
    let removal = |line: &String| line.contains("Max-Age=0");
    let mut set_cookies: Vec<String> = Vec::new();
    for (_, saved) in &saves {
        set_cookies.extend(saved.set_cookies.iter().filter(|l| removal(l)).cloned());
    }
    for (_, saved) in &saves {
        set_cookies.extend(saved.set_cookies.iter().filter(|l| !removal(l)).cloned());
    }
    let mut report = SaveReport::without_cookies(SaveAction::Unchanged, None, Vec::new(), None);
    for (_, saved) in &saves {
        let r = &saved.report;
        report.chunks += r.chunks;
        report.value_bytes += r.value_bytes;
        report.header_bytes += r.header_bytes;
        report.set_cookie_bytes += r.set_cookie_bytes;
        report.json_bytes += r.json_bytes;
        report.deflated |= r.deflated;
        report.expired.extend(r.expired.iter().cloned());
        report.shrink.steps.extend(r.shrink.steps.iter().cloned());
        report.shrink.full_encodes += r.shrink.full_encodes;
        // The strongest action any group took, and its reason.
        let rank = |a: SaveAction| match a {
            SaveAction::Unchanged => 0,
            SaveAction::Cleared => 1,
            SaveAction::Written => 2,
            _ => 3,
        };
        if rank(r.action) > rank(report.action) {
            report.action = r.action;
            report.reason = r.reason;
        }
    }
    report.groups = saves
        .into_iter()
        .map(|(name, saved)| (name, saved.report))
        .collect();
    Saved {
        set_cookies,
        report,
    }
}
