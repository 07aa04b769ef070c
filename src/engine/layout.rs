//! Where a session's data lives: the [`Layout`], one value chosen when the
//! engine is built. The load and save pipelines
//! ([`load`](super::load), [`save`](super::save)) walk it; no other file
//! branches on it.

use std::collections::BTreeMap;

use crate::engine::jar::Jar;
#[cfg(feature = "store")]
use crate::engine::steps::index::controls::{Controller, Kind};
#[cfg(feature = "store")]
use crate::engine::steps::{overflow::Overflow, records::Records, revocation::Revocation};
#[cfg(feature = "store")]
use crate::session::server::RecordState;
#[cfg(feature = "store")]
use crate::Session;

/// Where a session's data lives.
// Built once per engine and shared: the variants' sizes don't matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Layout {
    /// In the cookies; with a revocation store, the envelope also carries
    /// an id that a destroy tombstones.
    Cookies {
        jar: Jar,
        #[cfg(feature = "store")]
        revocation: Option<Revocation>,
    },
    /// In a store; the cookie carries only a signed id.
    #[cfg(feature = "store")]
    Stored { jar: Jar, records: Records },
    /// In the cookies, and what they can't hold in a store, under the id
    /// the envelope carries.
    #[cfg(feature = "store")]
    Overflow {
        jar: Jar,
        overflow: Overflow,
        revocation: Option<Revocation>,
    },
    /// Groups of keys, each in a layout of its own (never groups again)
    /// with its own cookies.
    Groups(Groups),
}

impl Layout {
    /// The cookies of a layout that is not groups; for groups, the group
    /// that holds every key no other claims.
    pub(crate) fn jar(&self) -> &Jar {
        match self {
            Layout::Cookies { jar, .. } => jar,
            #[cfg(feature = "store")]
            Layout::Stored { jar, .. } | Layout::Overflow { jar, .. } => jar,
            Layout::Groups(groups) => groups.members[groups.rest].jar(),
        }
    }

    /// The groups, when the layout is groups.
    pub(crate) fn groups(&self) -> Option<&Groups> {
        match self {
            Layout::Groups(groups) => Some(groups),
            _ => None,
        }
    }

    /// The layouts whose cookies make up a session: the groups, or this
    /// one alone.
    #[cfg(feature = "store")]
    pub(crate) fn members(&self) -> &[Layout] {
        match self {
            Layout::Groups(groups) => &groups.members,
            single => std::slice::from_ref(single),
        }
    }

    /// The revocable members: each one's cookies and revocation store.
    #[cfg(feature = "store")]
    pub(crate) fn revocations(&self) -> impl Iterator<Item = (&Jar, &Revocation)> {
        self.members().iter().filter_map(Layout::revocation)
    }

    /// A client-side member's cookies and revocation store, if revocable.
    #[cfg(feature = "store")]
    fn revocation(&self) -> Option<(&Jar, &Revocation)> {
        match self {
            Layout::Cookies {
                jar,
                revocation: Some(revocation),
            }
            | Layout::Overflow {
                jar,
                revocation: Some(revocation),
                ..
            } => Some((jar, revocation)),
            _ => None,
        }
    }

    /// The member (its position; 0 without groups) that holds `key`.
    #[cfg(feature = "store")]
    pub(crate) fn route(&self, key: &str) -> usize {
        self.groups().map_or(0, |groups| groups.route(key))
    }

    /// What a revocation can end in each member, in order: its record
    /// (store-backed), its id's tombstone (revocable), or nothing.
    #[cfg(feature = "store")]
    pub(crate) fn controllers(&self) -> Vec<Option<Controller>> {
        let controller = |member: usize, jar: &Jar, kind, store: &std::sync::Arc<_>| {
            Some(Controller {
                name: jar.name.clone(),
                member,
                kind,
                store: std::sync::Arc::clone(store),
                max_age: jar.max_age,
            })
        };
        self.members()
            .iter()
            .enumerate()
            .map(|(member, layout)| match (layout, layout.revocation()) {
                (Layout::Stored { jar, records }, _) => {
                    controller(member, jar, Kind::Record, &records.store)
                }
                (_, Some((jar, revocation))) => {
                    let user_field = revocation.user_key.is_some();
                    controller(
                        member,
                        jar,
                        Kind::Tombstone { user_field },
                        &revocation.store,
                    )
                }
                _ => None,
            })
            .collect()
    }

    /// Makes every store-backed member leave a tombstone when the index
    /// revokes its record, and read it when a record is gone.
    #[cfg(feature = "store")]
    pub(crate) fn keep_tombstones(&mut self) {
        let members = match self {
            Layout::Groups(groups) => &mut groups.members[..],
            single => std::slice::from_mut(single),
        };
        for member in members {
            if let Layout::Stored { records, .. } = member {
                records.tombstones = true;
            }
        }
    }

    /// The cookie name of the first store-backed member: the cookie whose
    /// id a session header carries.
    #[cfg(feature = "store")]
    pub(crate) fn stored_name(&self) -> Option<&str> {
        self.members().iter().find_map(|member| match member {
            Layout::Stored { jar, .. } => Some(jar.name.as_str()),
            _ => None,
        })
    }

    /// The store key a member's records step derived from its id during
    /// this request, with that id, if any.
    #[cfg(feature = "store")]
    pub(crate) fn cached_key(
        &self,
        session: &Session,
        member: usize,
    ) -> Option<([u8; crate::codec::ID_LEN], crate::store::RecordKey)> {
        let part = match (self, &session.parts) {
            (Layout::Groups(_), Some(parts)) => parts.sessions.get(member)?,
            (Layout::Groups(_), None) => return None,
            _ => session,
        };
        part.server.as_ref()?.key
    }

    /// Each member's live session id, in order: none for a member without
    /// one, or whose record is gone.
    #[cfg(feature = "store")]
    pub(crate) fn member_ids(&self, session: &Session) -> Vec<Option<[u8; crate::codec::ID_LEN]>> {
        match (self, &session.parts) {
            (Layout::Groups(groups), Some(parts)) => groups
                .members
                .iter()
                .zip(&parts.sessions)
                .map(|(member, part)| member.live_id(part))
                .collect(),
            (Layout::Groups(groups), None) => vec![None; groups.members.len()],
            single => vec![single.0.live_id(session)],
        }
    }

    /// A member's live session id: a store-backed one's while its record
    /// is not gone; a client-side one's while it has one (its overflow
    /// record may well be absent).
    #[cfg(feature = "store")]
    fn live_id(&self, session: &Session) -> Option<[u8; crate::codec::ID_LEN]> {
        let server = session.server.as_ref()?;
        match self {
            Layout::Stored { .. } => server.id.filter(|_| server.record != RecordState::Gone),
            _ => server.id,
        }
    }

    /// The layout's name, for reports and traces.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Layout::Cookies { .. } => "cookies",
            #[cfg(feature = "store")]
            Layout::Stored { .. } => "stored",
            #[cfg(feature = "store")]
            Layout::Overflow { .. } => "overflow",
            Layout::Groups(_) => "groups",
        }
    }
}

/// Groups of keys, in priority order: the added groups, then the engine's
/// own. Each member is a layout with its own cookie name.
pub(crate) struct Groups {
    pub members: Vec<Layout>,
    /// The group of each key some group claims by name.
    pub claimed: BTreeMap<String, usize>,
    /// The group that holds every other key.
    pub rest: usize,
}

impl Groups {
    /// The group that holds `key`.
    pub(crate) fn route(&self, key: &str) -> usize {
        self.claimed.get(key).copied().unwrap_or(self.rest)
    }
}

/// Where one key of a grouped session lives: see
/// [`Engine::placement`](crate::Engine::placement).
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
