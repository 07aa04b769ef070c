//! `groups_header`: a grouped engine (the main group and up to three added
//! client groups, claims from the input) loads an arbitrary Cookie header
//! made of real chunks of two saved generations, forged chunks of every
//! group and raw pieces, mixed and duplicated; then a handler edits the
//! session and it is saved.
//!
//! Asserts: nothing panics; the build fails only with a layout error the
//! layout has (`GroupClaimsNothing`, `KeyClaimedTwice` for a key two
//! groups claim, `NoRestGroup`, `SeveralRestGroups`), and succeeds when it
//! has none; a group's share that loaded has no `empty_reason`, and the
//! session is the groups' shares merged (the claiming group's copy first,
//! else the first group's in priority order); the save is `Ok` or
//! `DoesNotFit` (needed over capacity); its report has one entry per group
//! in priority order; every Set-Cookie is a valid header value, names a
//! chunk of one group, and every removal comes before every write. When
//! the header is one a browser jar could hold (no name twice), the
//! response applied to that jar gives a next request whose Cookie header
//! fits the header budget when one is set and the other cookies (with those
//! of any group whose cookies were rejected: a save leaves those alone
//! while they may be a write in flight) fit it, and which loads exactly
//! the session as saved, each key in the group that claims it and in no
//! other (`Engine::placement` agrees).

use arbitrary::{Arbitrary, Unstructured};
use cookietin::{Engine, SaveError, Session};

use super::common::{assert_removals_first, raw_entries, Agent, Jar, Text};
use super::enc::Enc;
use super::layout::{check_merge, check_placement, fill, GEdit, GEntry, Layout, Model};

/// Pieces of the loaded header used from the input.
pub const MAX_PIECES: usize = 48;
/// Other cookies on the first request.
pub const MAX_OTHERS: usize = 8;

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Input {
    pub layout: Layout,
    pub header_budget: Option<u16>,
    pub agent: Agent,
    pub others: Vec<Text>,
    /// The first generation of the session, saved from an empty jar.
    pub first: Vec<GEntry>,
    /// The second: the first, edited and saved again.
    pub second: Vec<GEdit>,
    /// The Cookie header under test; none for the jar as it is.
    pub pieces: Vec<Piece>,
    /// Each piece in a Cookie header of its own (HTTP/2).
    pub split: bool,
    /// What the handler does before the save under test.
    pub edits: Vec<GEdit>,
}

/// One `;`-separated piece of the header under test.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Piece {
    /// The `index`-th cookie (modulo their count) of the jar after the
    /// first (`second: false`) or the second save: a real chunk of some
    /// group, or another cookie.
    Real { second: bool, index: u8 },
    /// A chunk name of group `group` (priority order, modulo the count):
    /// the first cookie for index 0, else `NAME.index`, with any value.
    Chunk { group: u8, index: u8, value: Text },
    /// Any text.
    Raw(Text),
}

pub const PIECES: usize = 3;

impl Piece {
    pub fn encode(&self, e: &mut Enc) {
        match self {
            Piece::Real { second, index } => {
                e.variant(0, PIECES).bool(*second).u8(*index);
            }
            Piece::Chunk {
                group,
                index,
                value,
            } => {
                e.variant(1, PIECES).u8(*group).u8(*index).text(&value.0);
            }
            Piece::Raw(t) => {
                e.variant(2, PIECES).text(&t.0);
            }
        }
    }
}

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(input) = Input::arbitrary(&mut u) {
        exec(&input);
    }
}

/// Saves `session`, checking what every grouped save must hold; applies
/// the response to `jar` and returns the save, if it succeeded.
pub fn save(
    engine: &Engine,
    model: &Model,
    session: &mut Session,
    jar: &mut Jar,
) -> Option<cookietin::Saved> {
    let saved = match engine.save(session) {
        Ok(saved) => saved,
        Err(SaveError::DoesNotFit { needed, capacity }) => {
            assert!(needed > capacity, "DoesNotFit with {needed} <= {capacity}");
            return None;
        }
        Err(e) => panic!("undocumented save error {e:?}"),
    };
    let names: Vec<&str> = saved
        .report
        .groups
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    if model.plain() {
        assert!(
            names.is_empty(),
            "group reports of an engine without groups"
        );
    } else {
        assert_eq!(
            names, model.names,
            "one report per group, in priority order"
        );
    }
    for line in &saved.set_cookies {
        assert!(
            http::HeaderValue::try_from(line.as_str()).is_ok(),
            "Set-Cookie is not a valid header value: {line:?}"
        );
        let name = line.split_once('=').map_or("", |(n, _)| n);
        assert!(
            model.owner(name).is_some(),
            "{name:?} is no group's cookie: {line}"
        );
    }
    assert_removals_first(&saved.set_cookies);
    jar.apply(&saved.set_cookies);
    Some(saved)
}

/// The pieces of Cookie header values as the engine splits them: on `;`,
/// without the spaces and tabs around, empty ones left out.
pub fn split_pieces<'a>(headers: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    headers
        .into_iter()
        .flat_map(|h| h.split(';'))
        .map(|p| p.trim_matches([' ', '\t']))
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A piece's cookie name, as the jar reads it.
fn name_of(piece: &str) -> &str {
    piece.split_once('=').map_or("", |(n, _)| n).trim()
}

pub fn exec(input: &Input) {
    let resolved = input.layout.resolve();
    let header_budget = input.header_budget.map(usize::from);
    let Some((engine, model)) = resolved.build(header_budget) else {
        return;
    };
    let agent = input.agent.header();

    // Two generations of the session, for real chunks.
    let mut jar = Jar::with_others(&input.others, MAX_OTHERS);
    let mut session = engine.load([jar.header()], agent);
    fill(&mut session, &input.first);
    save(&engine, &model, &mut session, &mut jar);
    let first = jar.clone();
    let mut session = engine.load([jar.header()], agent);
    input.second.iter().for_each(|e| e.apply(&mut session));
    save(&engine, &model, &mut session, &mut jar);
    let second = jar;

    // The header under test.
    let pieces: Vec<String> = if input.pieces.is_empty() {
        second.pieces.clone()
    } else {
        input
            .pieces
            .iter()
            .take(MAX_PIECES)
            .map(|p| match p {
                Piece::Real { second: s, index } => {
                    let jar = if *s { &second } else { &first };
                    if jar.pieces.is_empty() {
                        String::new()
                    } else {
                        jar.pieces[usize::from(*index) % jar.pieces.len()].clone()
                    }
                }
                Piece::Chunk {
                    group,
                    index,
                    value,
                } => {
                    let name = model.names[usize::from(*group) % model.names.len()];
                    match index {
                        0 => format!("{name}={}", value.0),
                        i => format!("{name}.{i}={}", value.0),
                    }
                }
                Piece::Raw(t) => t.0.clone(),
            })
            .collect()
    };
    let headers: Vec<String> = if input.split {
        pieces.clone()
    } else {
        vec![pieces.join("; ")]
    };

    let mut session = engine.load(&headers, agent);
    check_merge(&engine, &model, &session);
    // Groups whose cookies were rejected: a save may leave those alone (a
    // write that may be in flight), so they count as the request's others.
    let rejected: Vec<bool> = if model.plain() {
        vec![session.empty_reason().is_some()]
    } else {
        engine
            .groups(&session)
            .iter()
            .map(|(_, s)| s.empty_reason().is_some())
            .collect()
    };
    input.edits.iter().for_each(|e| e.apply(&mut session));

    // The browser's jar for this request, when one could have sent it.
    let sent = split_pieces(headers.iter().map(String::as_str));
    let mut names: Vec<&str> = sent.iter().map(|p| name_of(p)).collect();
    names.sort_unstable();
    let jar_like = names.windows(2).all(|w| w[0] != w[1]);
    let mut jar = Jar {
        pieces: sent.clone(),
    };
    let Some(_saved) = save(&engine, &model, &mut session, &mut jar) else {
        return;
    };
    if !jar_like {
        return;
    }

    // The next request.
    if let Some(limit) = header_budget {
        let others: Vec<&String> = sent
            .iter()
            .filter(|p| model.owner(name_of(p)).is_none_or(|g| rejected[g]))
            .collect();
        let others_len =
            others.iter().map(|p| p.len()).sum::<usize>() + 2 * others.len().saturating_sub(1);
        let total = jar.header().len();
        if others_len <= limit {
            assert!(
                total <= limit,
                "Cookie header {total} > {limit} (others {others_len}): {jar:?}"
            );
        }
    }
    let next = engine.load([jar.header()], agent);
    assert_eq!(raw_entries(&next), raw_entries(&session), "{jar:?}");
    check_merge(&engine, &model, &next);
    check_placement(&engine, &model, &next);
}

impl Input {
    /// The bytes that read back as this input.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        self.layout.encode(&mut e);
        e.option(self.header_budget, |e, n| {
            e.u16(n);
        })
        .agent(&self.agent)
        .vec(&self.others, |e, t| {
            e.text(&t.0);
        })
        .vec(&self.first, |e, x| x.encode(e))
        .vec(&self.second, |e, x| x.encode(e))
        .vec(&self.pieces, |e, p| p.encode(e))
        .bool(self.split)
        .vec(&self.edits, |e, x| x.encode(e));
        e.0
    }
}
