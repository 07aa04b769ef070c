//! `chunk_roundtrip`: an arbitrary session saved under arbitrary caps, the
//! Set-Cookie values applied to a browser-like jar, then loaded again; then
//! a second request that edits it and saves again.
//!
//! Asserts: the save succeeds or is `DoesNotFit` with the budget really too
//! small; a save that reports no shrink steps left the session as it was;
//! every cookie is within the per-cookie limit the budget reports (name and
//! value, or the whole line for line-counting browsers), the cookies within
//! `budget.cookies`, and the next request's Cookie header within
//! `budget.header_bytes` and the configured header budget; no stale chunk
//! is left; and the next request loads exactly the session as saved.

use arbitrary::{Arbitrary, Unstructured};
use cookietin::{Engine, SaveError, Session};

use super::common::{check_saved, insert, raw_entries, Agent, EngineCfg, Entry, Jar, Text};
use super::enc::Enc;

/// Entries used from the input; more are ignored.
pub const MAX_ENTRIES: usize = 32;
/// Other cookies on the request.
pub const MAX_OTHERS: usize = 16;

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Input {
    pub cfg: EngineCfg,
    /// `64 + n % 8129`: 64 to 8192.
    pub max_cookie_bytes: u16,
    /// 0 for no cap.
    pub max_chunks: u8,
    pub header_budget: Option<u16>,
    pub agent: Agent,
    pub others: Vec<Text>,
    pub entries: Vec<Entry>,
    /// What the second request does.
    pub edits: Vec<Edit>,
}

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Edit {
    Insert(Entry),
    /// Removes the key at this index (modulo the key count).
    Remove(u8),
    Clear,
    Renew,
}

pub const EDITS: usize = 4;

pub fn max_cookie_bytes(n: u16) -> usize {
    64 + usize::from(n) % 8129
}

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(input) = Input::arbitrary(&mut u) {
        exec(&input);
    }
}

pub fn exec(input: &Input) {
    let header_budget = input.header_budget.map(usize::from);
    let mut builder = input
        .cfg
        .builder()
        .max_cookie_bytes(max_cookie_bytes(input.max_cookie_bytes))
        .header_budget(header_budget);
    if input.max_chunks > 0 {
        builder = builder.max_chunks(usize::from(input.max_chunks));
    }
    let engine = builder.build().expect("valid engine");
    let agent = input.agent.header();
    let mut jar = Jar::with_others(&input.others, MAX_OTHERS);

    // First request: write the session.
    let mut session = load(&engine, &jar, agent, input);
    for e in input.entries.iter().take(MAX_ENTRIES) {
        insert(&mut session, e);
    }
    if !save(&engine, &mut session, &mut jar, agent, header_budget) {
        return;
    }

    // Second request: edit and write again over the first one's cookies.
    let mut session = load(&engine, &jar, agent, input);
    input.edits.iter().for_each(|edit| edit.apply(&mut session));
    save(&engine, &mut session, &mut jar, agent, header_budget);
}

impl Edit {
    /// Does the edit as a handler would.
    pub fn apply(&self, session: &mut Session) {
        match self {
            Edit::Insert(e) => insert(session, e),
            Edit::Remove(i) => {
                let keys: Vec<String> = session.data().keys().map(str::to_owned).collect();
                if !keys.is_empty() {
                    session.remove(&keys[usize::from(*i) % keys.len()]);
                }
            }
            Edit::Clear => session.clear(),
            Edit::Renew => session.renew(),
        }
    }

    /// Writes the bytes that read back as this edit.
    pub fn encode(&self, e: &mut Enc) {
        match self {
            Edit::Insert(entry) => {
                e.variant(0, EDITS).entry(entry);
            }
            Edit::Remove(i) => {
                e.variant(1, EDITS).u8(*i);
            }
            Edit::Clear => {
                e.variant(2, EDITS);
            }
            Edit::Renew => {
                e.variant(3, EDITS);
            }
        }
    }
}

fn load(engine: &Engine, jar: &Jar, agent: Option<&str>, input: &Input) -> Session {
    let mut session = engine.load([jar.header()], agent);
    if let Some(c) = input.cfg.session_compress {
        session.set_compression(c);
    }
    session
}

/// Saves and checks; returns whether the save succeeded.
fn save(
    engine: &Engine,
    session: &mut Session,
    jar: &mut Jar,
    agent: Option<&str>,
    header_budget: Option<usize>,
) -> bool {
    let before = raw_entries(session);
    match engine.save(session) {
        Ok(saved) => {
            if saved.report.shrink.is_untouched() {
                assert_eq!(raw_entries(session), before, "untouched, yet changed");
            }
            check_saved(engine, session, &saved, jar, agent, header_budget);
            true
        }
        Err(SaveError::DoesNotFit { needed, capacity }) => {
            assert!(needed > capacity, "DoesNotFit with {needed} <= {capacity}");
            assert_eq!(capacity, engine.budget(session).capacity);
            assert_eq!(raw_entries(session), before);
            false
        }
        Err(e) => panic!("undocumented save error {e:?}"),
    }
}

impl Input {
    /// The bytes that read back as this input.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.cfg(&self.cfg)
            .u16(self.max_cookie_bytes)
            .u8(self.max_chunks)
            .option(self.header_budget, |e, n| {
                e.u16(n);
            })
            .agent(&self.agent)
            .vec(&self.others, |e, t| {
                e.text(&t.0);
            })
            .entries(&self.entries)
            .vec(&self.edits, |e, edit| edit.encode(e));
        e.0
    }
}
