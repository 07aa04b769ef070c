//! What `groups_header` and `routing` share: cookie-group layouts read from
//! the input, the routing model they are checked against, keys from a small
//! pool (so that claims and entries meet), and the edits a handler makes.
//!
//! A layout is the engine's own group (the main one) and up to
//! [`MAX_GROUPS`] added groups, every one a client-side engine with key 1
//! on the fixed clock. Names come from [`GROUP_NAMES`], no two of which
//! collide (none is another's chunk name), taken distinct in the order the
//! groups are resolved: so a layout never fails with `CookieNamesCollide`,
//! and the documented layout errors are the only ones it can have.

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use cookietin::{ConfigError, Engine, EngineBuilder, Group, KeyRing, Session};

use super::common::{chunk_index, insert, key, now, Entry, Json, Text};
use super::enc::Enc;

/// Cookie names of groups: plain, one character, a name with a dot (not a
/// chunk name of `session`: `.x` is not an index), a prefixed one, and one
/// that starts like another's chunk names without being one.
pub const GROUP_NAMES: [&str; 7] = ["session", "s", "session.x", "sid", "__Host-s", "a", "a.1x"];

/// Added groups used from the input; more are ignored.
pub const MAX_GROUPS: usize = 3;

/// Session keys claims and entries usually name.
pub const KEY_POOL: [&str; 8] = [
    "user",
    "csrf_token",
    "theme",
    "cart",
    "lang",
    "",
    "x",
    "history",
];

/// A session key: one of [`KEY_POOL`] (modulo its length), or any text.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum KeyRef {
    Pool(u8),
    Named(Text),
}

pub const KEY_REFS: usize = 2;

impl KeyRef {
    pub fn key(&self) -> String {
        match self {
            KeyRef::Pool(i) => KEY_POOL[usize::from(*i) % KEY_POOL.len()].to_owned(),
            KeyRef::Named(t) => t.0.clone(),
        }
    }

    pub fn encode(&self, e: &mut Enc) {
        match self {
            KeyRef::Pool(i) => {
                e.variant(0, KEY_REFS).u8(*i);
            }
            KeyRef::Named(t) => {
                e.variant(1, KEY_REFS).text(&t.0);
            }
        }
    }
}

/// What a group claims.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum Claim {
    /// No claims at all: `GroupClaimsNothing` for an added group; the
    /// default (every other key) for the main group.
    Nothing,
    /// Every key no other group claims (`claims_rest`).
    Rest,
    /// Exactly these keys (`claims`).
    Keys(Vec<KeyRef>),
}

pub const CLAIMS: usize = 3;

/// Keys of one claim list used from the input.
pub const MAX_CLAIMED: usize = 8;

impl Claim {
    pub fn encode(&self, e: &mut Enc) {
        match self {
            Claim::Nothing => {
                e.variant(0, CLAIMS);
            }
            Claim::Rest => {
                e.variant(1, CLAIMS);
            }
            Claim::Keys(keys) => {
                e.variant(2, CLAIMS).vec(keys, |e, k| k.encode(e));
            }
        }
    }

    fn keys(&self) -> Option<Vec<String>> {
        match self {
            Claim::Keys(keys) => Some(keys.iter().take(MAX_CLAIMED).map(KeyRef::key).collect()),
            _ => None,
        }
    }
}

/// One group as the input gives it.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct GroupSpec {
    /// Index into [`GROUP_NAMES`]; the next free name when it is taken.
    pub name: u8,
    pub claim: Claim,
    pub compress: bool,
    pub persistent: bool,
    /// 0 for the browser's own limit, else `64 + n % 4033`: 64 to 4096.
    pub max_cookie_bytes: u16,
}

impl GroupSpec {
    pub fn encode(&self, e: &mut Enc) {
        e.u8(self.name);
        self.claim.encode(e);
        e.bool(self.compress)
            .bool(self.persistent)
            .u16(self.max_cookie_bytes);
    }
}

/// A layout as the input gives it: the main group and the added ones.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct Layout {
    pub main: GroupSpec,
    pub groups: Vec<GroupSpec>,
}

impl Layout {
    pub fn encode(&self, e: &mut Enc) {
        self.main.encode(e);
        e.vec(&self.groups, |e, g| g.encode(e));
    }

    pub fn resolve(&self) -> Resolved {
        let mut resolved = Resolved {
            main: Part::new(&self.main, &[]),
            groups: Vec::new(),
        };
        for spec in self.groups.iter().take(MAX_GROUPS) {
            let part = Part::new(spec, &resolved.names());
            resolved.groups.push(part);
        }
        resolved
    }
}

/// One group with its name resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub name: &'static str,
    pub claim: Claim,
    pub compress: bool,
    pub persistent: bool,
    pub max_cookie_bytes: u16,
}

impl Part {
    /// The group of `spec`, named by its index or the next name not in `taken`.
    pub fn new(spec: &GroupSpec, taken: &[&str]) -> Part {
        let start = usize::from(spec.name);
        let name = (0..GROUP_NAMES.len())
            .map(|i| GROUP_NAMES[(start + i) % GROUP_NAMES.len()])
            .find(|n| !taken.contains(n))
            .expect("fewer groups than names");
        Part {
            name,
            claim: spec.claim.clone(),
            compress: spec.compress,
            persistent: spec.persistent,
            max_cookie_bytes: spec.max_cookie_bytes,
        }
    }

    fn builder(&self, header_budget: Option<usize>) -> EngineBuilder {
        let mut b = Engine::builder(KeyRing::new(key(1)))
            .clock(now)
            .cookie_name(self.name)
            .compress(self.compress)
            .persistent(self.persistent)
            .header_budget(header_budget);
        if self.max_cookie_bytes > 0 {
            b = b.max_cookie_bytes(64 + usize::from(self.max_cookie_bytes) % 4033);
        }
        b
    }

    /// Whether a cookie of this name is one of this group's chunks.
    pub fn owns(&self, cookie: &str) -> bool {
        chunk_index(self.name, cookie).is_some()
    }
}

/// A layout with its names resolved: what is built, and the model of its
/// routing.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    pub main: Part,
    pub groups: Vec<Part>,
}

/// What a layout routes where, by the documented rules.
#[derive(Clone, Debug)]
pub struct Model {
    /// Cookie names in priority order: the added groups, then the main one.
    pub names: Vec<&'static str>,
    pub claimed: BTreeMap<String, usize>,
    /// The group holding every key no group claims.
    pub rest: Option<usize>,
    /// Every layout error this layout has (a build must fail with one of
    /// them, and must succeed when there is none).
    pub errors: Vec<ConfigError>,
}

impl Model {
    /// A layout of only the main group builds an engine without groups:
    /// no group sessions, reports or placement.
    pub fn plain(&self) -> bool {
        self.names.len() == 1
    }

    /// The index (priority order) of the group that holds `key`.
    pub fn route(&self, key: &str) -> usize {
        self.claimed
            .get(key)
            .copied()
            .or(self.rest)
            .expect("a valid layout has a rest group")
    }

    pub fn home(&self, key: &str) -> &'static str {
        self.names[self.route(key)]
    }

    /// The group (priority index) whose chunk `cookie` is.
    pub fn owner(&self, cookie: &str) -> Option<usize> {
        self.names
            .iter()
            .position(|n| chunk_index(n, cookie).is_some())
    }
}

impl Resolved {
    /// Cookie names in priority order.
    pub fn names(&self) -> Vec<&'static str> {
        self.in_order().map(|p| p.name).collect()
    }

    /// The groups in priority order: the added ones, then the main one.
    pub fn in_order(&self) -> impl Iterator<Item = &Part> {
        self.groups.iter().chain(std::iter::once(&self.main))
    }

    pub fn model(&self) -> Model {
        let names = self.names();
        let mut errors = Vec::new();
        for part in &self.groups {
            if part.claim == Claim::Nothing {
                errors.push(ConfigError::GroupClaimsNothing(part.name.to_owned()));
            }
        }
        // A key is claimed twice when two different groups list it; one
        // group listing it twice still claims it once.
        let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
        let mut rests = Vec::new();
        for (i, part) in self.in_order().enumerate() {
            let is_main = i == names.len() - 1;
            match part.claim.keys() {
                Some(keys) => {
                    for k in keys {
                        match claimed.get(&k) {
                            Some(&j) if j != i => errors.push(ConfigError::KeyClaimedTwice(k)),
                            Some(_) => {}
                            None => {
                                claimed.insert(k, i);
                            }
                        }
                    }
                }
                None if part.claim == Claim::Rest || is_main => rests.push(i),
                None => {}
            }
        }
        let rest = match rests[..] {
            [rest] => Some(rest),
            [] => {
                errors.push(ConfigError::NoRestGroup);
                None
            }
            _ => {
                errors.push(ConfigError::SeveralRestGroups(
                    rests.iter().map(|&i| names[i].to_owned()).collect(),
                ));
                None
            }
        };
        Model {
            names,
            claimed,
            rest,
            errors,
        }
    }

    /// Builds the layout and checks the result against the model: `None`
    /// (after checking the error is one the layout has) when it fails.
    pub fn build(&self, header_budget: Option<usize>) -> Option<(Engine, Model)> {
        let model = self.model();
        let mut builder = self.main.builder(header_budget);
        if let Some(keys) = self.main.claim.keys() {
            builder = builder.claims(keys);
        }
        for part in &self.groups {
            let group = Group::new(part.builder(header_budget));
            let group = match &part.claim {
                Claim::Nothing => group,
                Claim::Rest => group.claims_rest(),
                Claim::Keys(_) => group.claims(part.claim.keys().expect("keys")),
            };
            builder = builder.group(group);
        }
        match builder.build() {
            Ok(engine) => {
                assert!(
                    model.errors.is_empty(),
                    "built a layout with errors {:?}: {self:?}",
                    model.errors
                );
                Some((engine, model))
            }
            Err(e) => {
                assert!(
                    model.errors.contains(&e),
                    "build error {e:?}, the layout's errors {:?}: {self:?}",
                    model.errors
                );
                None
            }
        }
    }
}

/// A session entry under a key of the pool or any key.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub struct GEntry {
    pub key: KeyRef,
    pub value: Json,
}

impl GEntry {
    pub fn entry(&self) -> Entry {
        Entry {
            key: Text(self.key.key()),
            value: self.value.clone(),
        }
    }

    pub fn encode(&self, e: &mut Enc) {
        self.key.encode(e);
        e.json(&self.value);
    }
}

/// Entries used from the input; more are ignored.
pub const MAX_ENTRIES: usize = 24;

/// What a handler does to a grouped session.
#[derive(Arbitrary, Clone, Debug, PartialEq)]
pub enum GEdit {
    Insert(GEntry),
    Remove(KeyRef),
    Clear,
    Renew,
}

pub const GEDITS: usize = 4;

impl GEdit {
    pub fn apply(&self, session: &mut Session) {
        match self {
            GEdit::Insert(e) => insert(session, &e.entry()),
            GEdit::Remove(k) => {
                session.remove(&k.key());
            }
            GEdit::Clear => session.clear(),
            GEdit::Renew => session.renew(),
        }
    }

    /// Whether the edit may change `key`'s value.
    pub fn touches(&self, key: &str) -> bool {
        match self {
            GEdit::Insert(e) => e.key.key() == key,
            GEdit::Remove(k) => k.key() == key,
            GEdit::Clear => true,
            GEdit::Renew => false,
        }
    }

    pub fn encode(&self, e: &mut Enc) {
        match self {
            GEdit::Insert(entry) => {
                e.variant(0, GEDITS);
                entry.encode(e);
            }
            GEdit::Remove(k) => {
                e.variant(1, GEDITS);
                k.encode(e);
            }
            GEdit::Clear => {
                e.variant(2, GEDITS);
            }
            GEdit::Renew => {
                e.variant(3, GEDITS);
            }
        }
    }
}

/// Inserts the entries (at most [`MAX_ENTRIES`]).
pub fn fill(session: &mut Session, entries: &[GEntry]) {
    for e in entries.iter().take(MAX_ENTRIES) {
        insert(session, &e.entry());
    }
}

/// Checks a grouped session against the merge rule: its data is the union
/// of the groups' shares, each key with the value of the group that claims
/// it when that group holds it, else of the first group (priority order)
/// that holds it.
pub fn check_merge(engine: &Engine, model: &Model, session: &Session) {
    let groups = engine.groups(session);
    if model.plain() {
        assert!(groups.is_empty());
        if !session.is_empty() {
            assert_eq!(session.empty_reason(), None);
        }
        return;
    }
    assert_eq!(groups.len(), model.names.len());
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    // Keys away from home: the first group in priority order that holds one.
    for (i, (group, share)) in groups.iter().enumerate() {
        assert_eq!(*group, model.names[i]);
        if !share.is_empty() {
            assert_eq!(
                share.empty_reason(),
                None,
                "group {} loaded",
                model.names[i]
            );
        }
        for (k, v) in share.data().iter() {
            if model.route(k) != i && !expected.contains_key(k) {
                expected.insert(k.to_owned(), v.get().to_owned());
            }
        }
    }
    // The home group's copy wins.
    for (i, (_, share)) in groups.iter().enumerate() {
        for (k, v) in share.data().iter() {
            if model.route(k) == i {
                expected.insert(k.to_owned(), v.get().to_owned());
            }
        }
    }
    assert_eq!(super::common::raw_entries(session), expected);
}

/// Checks that every key of `session` (just loaded after a save) sits in
/// the group that claims it, and in no other, and that
/// [`Engine::placement`] says so.
pub fn check_placement(engine: &Engine, model: &Model, session: &Session) {
    if model.plain() {
        assert!(engine.placement(session).is_empty());
        return;
    }
    let groups = engine.groups(session);
    for (k, v) in session.data().iter() {
        let home = model.route(k);
        for (i, (_, share)) in groups.iter().enumerate() {
            let held = share.data().get_raw(k).map(|r| r.get().to_owned());
            if i == home {
                assert_eq!(
                    held.as_deref(),
                    Some(v.get()),
                    "{k:?} is not in its group {}",
                    model.names[i]
                );
            } else {
                assert_eq!(held, None, "{k:?} is also in group {}", model.names[i]);
            }
        }
    }
    let placement = engine.placement(session);
    assert_eq!(placement.len(), session.len());
    for p in placement {
        assert_eq!(p.group, model.home(&p.key), "{p:?}");
        assert!(!p.overflowed);
    }
}
