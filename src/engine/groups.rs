//! Several cookie groups in one app, behind one session: field routing
//! and one budget for them all.
//!
//! A group is an engine of its own (cookie name, attributes, keys, expiry,
//! backend: client cookies, a store, overflow, revocation) that claims the
//! session keys it holds: an explicit list ([`Group::claims`]), or every key
//! no other group claims ([`Group::claims_rest`]; the engine's own group
//! by default). The app sees one [`Session`]; each key lives in exactly one
//! group, and only the groups that changed write `Set-Cookie`.
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
//! [`SaveReport::groups`]: crate::SaveReport::groups

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::fit::chunk::chunk_index;
use crate::{
    ConfigError, Engine, EngineBuilder, SaveAction, SaveError, SaveReport, Saved, Session,
    SessionData,
};

/// What keys a group holds.
#[derive(Debug, Clone)]
enum Claims {
    Keys(Vec<String>),
    Rest,
}

/// A cookie group: an engine configuration and the keys it claims. Added
/// with [`EngineBuilder::group`].
///
/// # Example
/// ```
/// use cookietin::{Engine, Group, Key};
///
/// let key = || Key::try_from_bytes(&[1; 32]);
/// let engine = Engine::builder(key()?) // the main group: every other key
///     .cookie_name("session")
///     .group(Group::new(Engine::builder(key()?).cookie_name("csrf").http_only(false)).claims(["csrf_token"]))
///     .build()?;
/// let mut session = engine.load(Vec::<&str>::new(), None);
/// session.insert("csrf_token", &"t0k3n")?;
/// session.insert("cart", &["pear"])?;
/// let saved = engine.save(&mut session)?;
/// let names: Vec<&str> = saved.set_cookies.iter().map(|l| l.split('=').next().unwrap()).collect();
/// assert_eq!(names, ["csrf", "session"]);
/// assert!(!saved.set_cookies[0].contains("HttpOnly"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Group {
    builder: EngineBuilder,
    claims: Option<Claims>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("builder", &self.builder)
            .field("claims", &self.claims)
            .finish()
    }
}

impl Group {
    /// A group configured by `builder` (its cookie name, attributes, keys,
    /// expiry and backend). It must claim keys before it is added.
    pub fn new(builder: EngineBuilder) -> Group {
        Group {
            builder,
            claims: None,
        }
    }

    /// The group holds exactly these keys.
    pub fn claims<K>(mut self, keys: K) -> Group
    where
        K: IntoIterator,
        K::Item: Into<String>,
    {
        self.claims = Some(Claims::Keys(keys.into_iter().map(Into::into).collect()));
        self
    }

    /// The group holds every key no other group claims.
    pub fn claims_rest(mut self) -> Group {
        self.claims = Some(Claims::Rest);
        self
    }
}

/// An engine's groups, in priority order: the added ones, then its own.
pub(crate) struct Groups {
    pub parts: Vec<Engine>,
    claimed: BTreeMap<String, usize>,
    rest: usize,
}

impl Groups {
    /// The group that holds `key`.
    pub(crate) fn route(&self, key: &str) -> usize {
        self.claimed.get(key).copied().unwrap_or(self.rest)
    }
}

/// What a grouped session keeps besides the whole data: one session per
/// group, holding that group's share as it was loaded or last saved.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parts {
    pub sessions: Vec<Session>,
    /// A key sat in a group that does not claim it.
    pub misplaced: bool,
}

/// Builds the groups of `main`, whose own claims are `main_claims`.
pub(crate) fn build_groups(
    main: Engine,
    main_claims: Option<Vec<String>>,
    groups: Vec<Group>,
) -> Result<Groups, ConfigError> {
    let mut parts = Vec::with_capacity(groups.len() + 1);
    let mut claims = Vec::with_capacity(groups.len() + 1);
    for group in groups {
        let name = group.builder.name().to_owned();
        let claim = group.claims.ok_or(ConfigError::GroupClaimsNothing(name))?;
        parts.push(group.builder.build()?);
        claims.push(claim);
    }
    parts.push(main);
    claims.push(main_claims.map_or(Claims::Rest, Claims::Keys));
    for (i, a) in parts.iter().enumerate() {
        for b in &parts[i + 1..] {
            let (a, b) = (a.cookie_name(), b.cookie_name());
            if a == b || chunk_index(a, b).is_some() || chunk_index(b, a).is_some() {
                return Err(ConfigError::CookieNamesCollide(a.to_owned(), b.to_owned()));
            }
        }
    }
    let mut claimed = BTreeMap::new();
    let mut rests = Vec::new();
    for (i, claim) in claims.into_iter().enumerate() {
        match claim {
            Claims::Rest => rests.push(i),
            Claims::Keys(keys) => {
                for key in keys {
                    // A group that lists a key twice still claims it once.
                    if claimed.insert(key.clone(), i).is_some_and(|j| j != i) {
                        return Err(ConfigError::KeyClaimedTwice(key));
                    }
                }
            }
        }
    }
    let rest = match rests[..] {
        [rest] => rest,
        [] => return Err(ConfigError::NoRestGroup),
        _ => {
            let names = rests
                .iter()
                .map(|&i| parts[i].cookie_name().to_owned())
                .collect();
            return Err(ConfigError::SeveralRestGroups(names));
        }
    };
    Ok(Groups {
        parts,
        claimed,
        rest,
    })
}

/// Where one key of a grouped session lives: see [`Engine::placement`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Placement {
    /// The session key.
    pub key: String,
    /// The cookie name of the group that holds it.
    pub group: String,
    /// Whether it sits in the group's overflow store rather than its
    /// cookies (as last loaded or saved).
    pub overflowed: bool,
}

/// How the groups' saves run: the engines' synchronous `save`, or (with
/// the feature `store`) `save_async`.
#[derive(Clone, Copy)]
enum Mode {
    Sync,
    #[cfg(feature = "store")]
    Async,
}

/// A waker for a future that never waits: the synchronous save runs the
/// same loop as the asynchronous one, whose parts then never await.
struct Never;

impl Wake for Never {
    fn wake(self: Arc<Self>) {}
}

impl Engine {
    pub(crate) fn groups(&self) -> Option<&Groups> {
        self.groups.as_deref()
    }

    /// A grouped session's groups, in priority order: each group's cookie
    /// name and its share of the session (its cookies as the request
    /// carried them, its `empty_reason`, its budget with
    /// [`Engine::budget`] of the group's engine...). Empty for an engine
    /// without groups.
    pub fn group_sessions<'s>(&self, session: &'s Session) -> Vec<(&Engine, &'s Session)> {
        match (self.groups(), &session.parts) {
            (Some(groups), Some(parts)) => groups.parts.iter().zip(&parts.sessions).collect(),
            _ => Vec::new(),
        }
    }

    /// Where each key of a grouped session lives. Empty for an engine
    /// without groups.
    pub fn placement(&self, session: &Session) -> Vec<Placement> {
        let (Some(groups), Some(parts)) = (self.groups(), &session.parts) else {
            return Vec::new();
        };
        session
            .data_for_merge()
            .keys()
            .map(|key| {
                let home = groups.route(key);
                Placement {
                    key: key.to_owned(),
                    group: groups.parts[home].cookie_name().to_owned(),
                    overflowed: parts.sessions[home].is_overflowed(key),
                }
            })
            .collect()
    }

    /// Loads every group's cookies from the same headers and puts their data
    /// together.
    pub(crate) fn load_grouped(
        &self,
        groups: &Groups,
        headers: &[&[u8]],
        user_agent: Option<&str>,
    ) -> Session {
        let sessions = groups
            .parts
            .iter()
            .map(|part| part.load(headers.iter().copied(), user_agent))
            .collect();
        let mut session = Session::default();
        session.parts = Some(Box::new(Parts {
            sessions,
            misplaced: false,
        }));
        self.merge(groups, &mut session);
        session
    }

    /// Reads the stores of every group of a grouped session.
    #[cfg(feature = "store")]
    pub(crate) async fn fetch_grouped(&self, groups: &Groups, session: &mut Session) {
        if let Some(parts) = &mut session.parts {
            for (engine, part) in groups.parts.iter().zip(&mut parts.sessions) {
                engine.fetch(part).await;
                engine.fetch_client_store(part).await;
            }
        }
        self.merge(groups, session);
    }

    /// The whole data from the groups' shares: a key from the group that
    /// claims it, or from any group while none that claims it holds it.
    fn merge(&self, groups: &Groups, session: &mut Session) {
        let Some(parts) = &mut session.parts else {
            return;
        };
        let mut data = SessionData::new();
        let mut misplaced = false;
        for home_pass in [false, true] {
            for (i, part) in parts.sessions.iter().enumerate() {
                for (key, raw) in part.data_for_merge().iter() {
                    let home = groups.route(key) == i;
                    misplaced |= !home;
                    if home == home_pass && (home || !data.contains_key(key)) {
                        data.insert_raw(key, raw.to_owned());
                    }
                }
            }
        }
        parts.misplaced = misplaced;
        let request = parts.sessions[groups.rest].request.clone();
        session.replace_merged(data, request);
    }

    /// [`Engine::save`] of a grouped session.
    pub(crate) fn save_grouped(
        &self,
        groups: &Groups,
        session: &mut Session,
    ) -> Result<Saved, SaveError> {
        let mut future = std::pin::pin!(self.save_groups(groups, session, Mode::Sync));
        let waker = Waker::from(Arc::new(Never));
        match future.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(saved) => saved,
            // A synchronous part never waits.
            Poll::Pending => Err(SaveError::StoreNeedsAsync),
        }
    }

    /// [`Engine::save_async`] of a grouped session.
    #[cfg(feature = "store")]
    pub(crate) async fn save_grouped_async(
        &self,
        groups: &Groups,
        session: &mut Session,
    ) -> Result<Saved, SaveError> {
        self.save_groups(groups, session, Mode::Async).await
    }

    async fn save_groups(
        &self,
        groups: &Groups,
        session: &mut Session,
        mode: Mode,
    ) -> Result<Saved, SaveError> {
        let mut parts = session.parts.take().expect("a grouped session");
        // Each group's share of the data, if anything may have moved.
        if session.is_modified() || parts.misplaced {
            let mut shares: Vec<SessionData> = vec![SessionData::new(); parts.sessions.len()];
            for (key, raw) in session.data().iter() {
                shares[groups.route(key)].insert_raw(key, raw.to_owned());
            }
            for (part, share) in parts.sessions.iter_mut().zip(shares) {
                part.take_share(share);
            }
        }
        // Each group fits into the room the ones before it left.
        let (mut bytes, mut cookies) = (0isize, 0isize);
        let mut saves = Vec::with_capacity(parts.sessions.len());
        let mut failed = None;
        for (engine, part) in groups.parts.iter().zip(&mut parts.sessions) {
            part.request.shift_others(bytes, cookies);
            let before = part.request.own_share();
            let saved = match mode {
                Mode::Sync => engine.save(part),
                #[cfg(feature = "store")]
                // Boxed: a group's engine has no groups, but the compiler
                // can't know the recursion ends.
                Mode::Async => Box::pin(engine.save_async(part)).await,
            };
            match saved {
                Ok(saved) => {
                    let after = share_after(&saved.report, before);
                    bytes += after.0 as isize - before.0 as isize;
                    cookies += after.1 as isize - before.1 as isize;
                    saves.push((engine.cookie_name().to_owned(), saved));
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        session.parts = Some(parts);
        self.merge(groups, session);
        session.mark_saved();
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(combine(saves))
    }
}

/// The Cookie header bytes (separators counted) and the cookies a group
/// takes after its save.
fn share_after(report: &SaveReport, before: (usize, usize)) -> (usize, usize) {
    match report.action {
        SaveAction::Written => (report.header_bytes + 2 * report.chunks, report.chunks),
        SaveAction::Unchanged => before,
        _ => (0, 0),
    }
}

/// One response's `Set-Cookie` values for all the groups, removals first,
/// and a report that sums theirs and keeps each.
fn combine(saves: Vec<(String, Saved)>) -> Saved {
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
