//! `routing`: a session saved under layout A, then loaded, edited (or not)
//! and saved under layout B, then loaded under B. B is A changed by the
//! input: claims changed, groups added or removed, the main group swapped
//! with an added one, the rest group moved, priorities swapped, caps and
//! compression changed. Every group of both is a client group with the
//! same key, so a group of B reads the cookies of the group of A of the
//! same cookie name.
//!
//! "A key's group in A" is the group of A that claims it (after A's save,
//! checked by `groups_header`'s checks, each key sits there and nowhere
//! else). Asserts, besides what `groups_header` asserts of every layout
//! build and save:
//!
//! 1. the load under B holds exactly the keys saved under A whose group in
//!    A has a group of the same cookie name in B, each with its value as
//!    saved; a key whose group is gone from B is gone (its cookies are
//!    someone else's to B), and nothing else appears;
//! 2. after B's save (when it is `Ok`), the next load under B is exactly
//!    the session as saved, each key in the group of B that claims it and
//!    in no other: a routing change moves keys on the next save, even one
//!    with no edit;
//! 3. so every key of 1 that no edit touched (inserted, removed, cleared)
//!    and that B's save did not drop (a `Dropped` shrink step of any
//!    group, which includes `NoRoom`) is still there with its value as
//!    saved under A.

use std::collections::BTreeMap;

use arbitrary::{Arbitrary, Unstructured};

use super::common::{raw_entries, Agent, Jar, Text};
use super::enc::Enc;
use super::groups_header::save;
use super::layout::{
    check_merge, check_placement, fill, Claim, GEdit, GEntry, GroupSpec, Layout, Part, Resolved,
    MAX_GROUPS,
};

/// Changes from A to B used from the input.
pub const MAX_CHANGES: usize = 8;

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Input {
    pub a: Layout,
    /// How B differs from A.
    pub changes: Vec<Change>,
    pub header_budget: Option<u16>,
    pub agent: Agent,
    pub others: Vec<Text>,
    /// The session saved under A.
    pub entries: Vec<GEntry>,
    /// What the request under B does before its save.
    pub edits: Vec<GEdit>,
}

/// One change of layout. `which` picks a group in priority order (the
/// added ones, then the main one), modulo their count.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Change {
    /// The group claims something else.
    Claims { which: u8, claim: Claim },
    /// A new group, named by its spec or the next free name (if there is
    /// room for one more).
    Add(GroupSpec),
    /// An added group goes.
    Remove(u8),
    /// The main group and an added one trade places (names, claims, caps;
    /// the main group's default claim becomes `claims_rest`).
    SwapMain(u8),
    /// This group holds the rest; every other one that did holds nothing
    /// more (an empty list of keys).
    MoveRest(u8),
    /// Two added groups trade priorities.
    Reorder(u8, u8),
    /// New caps and compression for a group.
    Caps {
        which: u8,
        max_cookie_bytes: u16,
        compress: bool,
    },
}

pub const CHANGES: usize = 7;

impl Change {
    pub fn apply(&self, layout: &mut Resolved) {
        let n = layout.groups.len() + 1;
        let pick = |which: &u8| usize::from(*which) % n;
        match self {
            Change::Claims { which, claim } => part(layout, pick(which)).claim = claim.clone(),
            Change::Add(spec) => {
                if layout.groups.len() < MAX_GROUPS {
                    let part = Part::new(spec, &layout.names());
                    layout.groups.push(part);
                }
            }
            Change::Remove(which) => {
                if !layout.groups.is_empty() {
                    let i = usize::from(*which) % layout.groups.len();
                    layout.groups.remove(i);
                }
            }
            Change::SwapMain(which) => {
                if !layout.groups.is_empty() {
                    let i = usize::from(*which) % layout.groups.len();
                    std::mem::swap(&mut layout.groups[i], &mut layout.main);
                    // The main group's default claim (every other key)
                    // said explicitly, now that it is an added group.
                    if layout.groups[i].claim == Claim::Nothing {
                        layout.groups[i].claim = Claim::Rest;
                    }
                }
            }
            Change::MoveRest(which) => {
                let to = pick(which);
                for i in 0..n {
                    let p = part(layout, i);
                    if i == to {
                        p.claim = Claim::Rest;
                    } else if i == n - 1 {
                        // The main group holds the rest unless it claims a list.
                        if p.claim.keys_or_none().is_none() {
                            p.claim = Claim::Keys(Vec::new());
                        }
                    } else if p.claim == Claim::Rest {
                        p.claim = Claim::Keys(Vec::new());
                    }
                }
            }
            Change::Reorder(x, y) => {
                if !layout.groups.is_empty() {
                    let len = layout.groups.len();
                    layout
                        .groups
                        .swap(usize::from(*x) % len, usize::from(*y) % len);
                }
            }
            Change::Caps {
                which,
                max_cookie_bytes,
                compress,
            } => {
                let p = part(layout, pick(which));
                p.max_cookie_bytes = *max_cookie_bytes;
                p.compress = *compress;
            }
        }
    }

    pub fn encode(&self, e: &mut Enc) {
        match self {
            Change::Claims { which, claim } => {
                e.variant(0, CHANGES).u8(*which);
                claim.encode(e);
            }
            Change::Add(spec) => {
                e.variant(1, CHANGES);
                spec.encode(e);
            }
            Change::Remove(i) => {
                e.variant(2, CHANGES).u8(*i);
            }
            Change::SwapMain(i) => {
                e.variant(3, CHANGES).u8(*i);
            }
            Change::MoveRest(i) => {
                e.variant(4, CHANGES).u8(*i);
            }
            Change::Reorder(x, y) => {
                e.variant(5, CHANGES).u8(*x).u8(*y);
            }
            Change::Caps {
                which,
                max_cookie_bytes,
                compress,
            } => {
                e.variant(6, CHANGES)
                    .u8(*which)
                    .u16(*max_cookie_bytes)
                    .bool(*compress);
            }
        }
    }
}

/// The group at priority index `i`: an added one, or the main one last.
fn part(layout: &mut Resolved, i: usize) -> &mut Part {
    if i < layout.groups.len() {
        &mut layout.groups[i]
    } else {
        &mut layout.main
    }
}

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(input) = Input::arbitrary(&mut u) {
        exec(&input);
    }
}

pub fn exec(input: &Input) {
    let header_budget = input.header_budget.map(usize::from);
    let a = input.a.resolve();
    let mut b = a.clone();
    for change in input.changes.iter().take(MAX_CHANGES) {
        change.apply(&mut b);
    }
    let Some((engine_a, model_a)) = a.build(header_budget) else {
        return;
    };
    let Some((engine_b, model_b)) = b.build(header_budget) else {
        return;
    };
    let agent = input.agent.header();

    // Under A.
    let mut jar = Jar::with_others(&input.others, super::groups_header::MAX_OTHERS);
    let mut session = engine_a.load([jar.header()], agent);
    fill(&mut session, &input.entries);
    if save(&engine_a, &model_a, &mut session, &mut jar).is_none() {
        return;
    }
    let saved_a = raw_entries(&session);
    let loaded_a = engine_a.load([jar.header()], agent);
    assert_eq!(raw_entries(&loaded_a), saved_a, "{jar:?}");
    check_placement(&engine_a, &model_a, &loaded_a);

    // 1. Under B, as loaded.
    let kept: BTreeMap<String, String> = saved_a
        .iter()
        .filter(|(k, _)| model_b.names.contains(&model_a.home(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut session = engine_b.load([jar.header()], agent);
    check_merge(&engine_b, &model_b, &session);
    assert_eq!(
        raw_entries(&session),
        kept,
        "A {:?} B {:?} jar {jar:?}",
        model_a.names,
        model_b.names
    );

    // 2. Edited (or not) and saved under B.
    input.edits.iter().for_each(|e| e.apply(&mut session));
    let Some(saved) = save(&engine_b, &model_b, &mut session, &mut jar) else {
        return;
    };
    let next = engine_b.load([jar.header()], agent);
    assert_eq!(raw_entries(&next), raw_entries(&session), "{jar:?}");
    check_merge(&engine_b, &model_b, &next);
    check_placement(&engine_b, &model_b, &next);

    // 3. What no edit touched and no shrink dropped is still there.
    let dropped: Vec<&str> = saved.report.shrink.dropped_keys().collect();
    let now = raw_entries(&next);
    for (k, v) in &kept {
        if input.edits.iter().any(|e| e.touches(k)) || dropped.contains(&k.as_str()) {
            continue;
        }
        assert_eq!(now.get(k), Some(v), "{k:?} was lost moving to B: {jar:?}");
    }
}

impl Claim {
    /// The list of keys, if the claim is one.
    fn keys_or_none(&self) -> Option<&Vec<super::layout::KeyRef>> {
        match self {
            Claim::Keys(keys) => Some(keys),
            _ => None,
        }
    }
}

impl Input {
    /// The bytes that read back as this input.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        self.a.encode(&mut e);
        e.vec(&self.changes, |e, c| c.encode(e))
            .option(self.header_budget, |e, n| {
                e.u16(n);
            })
            .agent(&self.agent)
            .vec(&self.others, |e, t| {
                e.text(&t.0);
            })
            .vec(&self.entries, |e, x| x.encode(e))
            .vec(&self.edits, |e, x| x.encode(e));
        e.0
    }
}
