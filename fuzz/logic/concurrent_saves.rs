//! `concurrent_saves`: two tabs load one session from the same Cookie
//! header, edit it differently and save; their responses reach a
//! browser-like jar in either order.
//!
//! Asserts: in both orders the jar afterwards loads exactly as the session
//! that the last response touching the session's cookies saved, with no
//! reason to be empty when that response wrote it; when neither response
//! touched them, it loads as it did before. Also that within each response
//! every removal comes before the first cookie written.

use arbitrary::{Arbitrary, Unstructured};
use cookietin::{SaveAction, SaveError, Saved};

use super::chunk_roundtrip::{max_cookie_bytes, Edit, MAX_ENTRIES, MAX_OTHERS};
use super::common::{
    assert_removals_first, insert, raw_entries, Agent, EngineCfg, Entry, Jar, Text,
};
use super::enc::Enc;

#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Input {
    pub cfg: EngineCfg,
    /// `64 + n % 8129`: 64 to 8192.
    pub max_cookie_bytes: u16,
    pub header_budget: Option<u16>,
    pub agent: Agent,
    pub others: Vec<Text>,
    /// The session the first visit writes.
    pub entries: Vec<Entry>,
    /// Leave a stale chunk past the session's count, as an earlier, larger
    /// session would have.
    pub leftover: bool,
    /// What the two overlapping tabs do.
    pub a: Vec<Edit>,
    pub b: Vec<Edit>,
}

pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if let Ok(input) = Input::arbitrary(&mut u) {
        exec(&input);
    }
}

/// One tab's save: the response, and the session as it was saved.
struct Tab {
    set_cookies: Vec<String>,
    action: Option<SaveAction>,
    entries: std::collections::BTreeMap<String, String>,
}

pub fn exec(input: &Input) {
    let engine = input
        .cfg
        .builder()
        .max_cookie_bytes(max_cookie_bytes(input.max_cookie_bytes))
        .header_budget(input.header_budget.map(usize::from))
        .build()
        .expect("valid engine");
    let agent = input.agent.header();
    let base = engine.cookie_name();
    let mut jar = Jar::with_others(&input.others, MAX_OTHERS);

    // The first visit writes the session.
    let mut first = engine.load([jar.header()], agent);
    input
        .entries
        .iter()
        .take(MAX_ENTRIES)
        .for_each(|e| insert(&mut first, e));
    if let Ok(saved) = engine.save(&mut first) {
        jar.apply(&saved.set_cookies);
        if input.leftover && saved.report.chunks > 0 && saved.report.chunks < 254 {
            jar.apply(&[format!("{base}.{}=AAAAstale; Path=/", saved.report.chunks)]);
        }
    }

    // Two tabs from the same jar.
    let header = jar.header();
    let before = engine.load([&header], agent);
    let tab = |edits: &[Edit]| {
        let mut session = engine.load([&header], agent);
        edits.iter().for_each(|edit| edit.apply(&mut session));
        let (set_cookies, action) = match engine.save(&mut session) {
            Ok(Saved {
                set_cookies,
                report,
                ..
            }) => (set_cookies, Some(report.action)),
            Err(SaveError::DoesNotFit { .. }) => (Vec::new(), None),
            Err(e) => panic!("undocumented save error {e:?}"),
        };
        assert_removals_first(&set_cookies);
        Tab {
            set_cookies,
            action,
            entries: raw_entries(&session),
        }
    };
    let (a, b) = (tab(&input.a), tab(&input.b));
    for order in [[&a, &b], [&b, &a]] {
        let mut after = jar.clone();
        for t in order {
            after.apply(&t.set_cookies);
        }
        let loaded = engine.load([after.header()], agent);
        match order.iter().rev().find(|t| !t.set_cookies.is_empty()) {
            Some(last) => {
                assert_eq!(raw_entries(&loaded), last.entries, "jar {:?}", after.pieces);
                if last.action == Some(SaveAction::Written) {
                    assert_eq!(loaded.empty_reason(), None, "jar {:?}", after.pieces);
                }
            }
            None => {
                assert_eq!(raw_entries(&loaded), raw_entries(&before));
                assert_eq!(loaded.empty_reason(), before.empty_reason());
            }
        }
    }
}

impl Input {
    /// The bytes that read back as this input.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.cfg(&self.cfg)
            .u16(self.max_cookie_bytes)
            .option(self.header_budget, |e, n| {
                e.u16(n);
            })
            .agent(&self.agent)
            .vec(&self.others, |e, t| {
                e.text(&t.0);
            })
            .entries(&self.entries)
            .bool(self.leftover)
            .vec(&self.a, |e, edit| edit.encode(e))
            .vec(&self.b, |e, edit| edit.encode(e));
        e.0
    }
}
