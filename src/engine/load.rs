//! The load pipeline: the request's Cookie headers and User-Agent to a
//! [`Session`], never failing.
//!
//! ```text
//! read   browser (once per request) -> per member: jar::read (gather,
//!        verify or decrypt, inflate, parse) -> the store steps' begin
//! fetch  per member: its store steps, one call per store   [stored only]
//! merge  the groups' shares into one session               [groups only]
//! index  what the per-user index notes: user and ids        [index only]
//! ```
//!
//! A client engine runs `read` alone; a stored one `read`, then `fetch`.

use crate::engine::groups;
use crate::engine::layout::Layout;
#[cfg(feature = "store")]
use crate::engine::steps::{client_store::ClientStore, records::Records};
use crate::engine::Core;
use crate::Session;

impl Core {
    /// [`read`](Self::read) for the Cookie headers an iterator gives,
    /// collected only when there are two or more: an HTTP/1.1 request
    /// sends one, so most loads allocate no list of headers.
    pub(crate) fn read_headers<I>(&self, headers: I, user_agent: Option<&str>) -> Session
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut headers = headers.into_iter();
        match (headers.next(), headers.next()) {
            (None, _) => self.read::<I::Item>(&[], user_agent),
            (Some(only), None) => self.read(std::slice::from_ref(&only), user_agent),
            (Some(first), Some(second)) => {
                let mut all = Vec::with_capacity(2 + headers.size_hint().0);
                all.extend([first, second]);
                all.extend(headers);
                self.read(&all, user_agent)
            }
        }
    }

    /// Reads every member's cookies, with what each store step notes
    /// before its store is asked.
    pub(crate) fn read<H: AsRef<[u8]>>(&self, headers: &[H], user_agent: Option<&str>) -> Session {
        let browser = match user_agent {
            Some(ua) => self.browsers.resolve(ua),
            None => self.browsers.unknown(),
        };
        let now = (self.clock)();
        let read = |member: &Layout| {
            let mut session = member.jar().read(headers, browser.clone(), now);
            begin(member, &mut session);
            session
        };
        match &self.layout {
            Layout::Groups(groups) => {
                let sessions = groups.members.iter().map(read).collect();
                groups::grouped(groups, sessions)
            }
            single => read(single),
        }
    }

    /// Asks each member's stores for what the cookies only point to.
    #[cfg(feature = "store")]
    pub(crate) async fn fetch(&self, session: &mut Session) {
        let now = (self.clock)();
        match &self.layout {
            Layout::Groups(groups) => {
                if let Some(parts) = &mut session.parts {
                    for (member, part) in groups.members.iter().zip(&mut parts.sessions) {
                        fetch(member, part, now).await;
                    }
                }
                groups::merge(groups, session);
            }
            single => fetch(single, session, now).await,
        }
        if let Some(index) = &self.index {
            // No store call: the user and ids as loaded, for the save.
            session.login = Some(self.login_state(index, session, true));
        }
    }

    /// Without stores there is nothing to fetch.
    #[cfg(not(feature = "store"))]
    pub(crate) async fn fetch(&self, _session: &mut Session) {}
}

/// What a member's store steps note once its cookies are read.
#[cfg_attr(not(feature = "store"), allow(unused_variables))]
fn begin(member: &Layout, session: &mut Session) {
    match member {
        #[cfg(feature = "store")]
        Layout::Stored { .. } => Records::begin(session),
        #[cfg(feature = "store")]
        Layout::Cookies { .. } | Layout::Overflow { .. } => {
            let steps = client_store(member);
            if let Some(steps) = steps.filter(ClientStore::is_some) {
                steps.begin(session);
            }
        }
        _ => {}
    }
}

/// A member's store reads.
#[cfg(feature = "store")]
async fn fetch(member: &Layout, session: &mut Session, now: u64) {
    match member {
        Layout::Stored { jar, records } => records.fetch(jar, session, now).await,
        Layout::Cookies { .. } | Layout::Overflow { .. } => {
            if let Some(steps) = client_store(member).filter(ClientStore::is_some) {
                steps.fetch(session).await;
            }
        }
        Layout::Groups(_) => {}
    }
}

/// The store steps of a client-side member, if it is one.
#[cfg(feature = "store")]
pub(crate) fn client_store(member: &Layout) -> Option<ClientStore<'_>> {
    match member {
        Layout::Cookies { jar, revocation } => Some(ClientStore {
            jar,
            overflow: None,
            revocation: revocation.as_ref(),
        }),
        Layout::Overflow {
            jar,
            overflow,
            revocation,
        } => Some(ClientStore {
            jar,
            overflow: Some(overflow),
            revocation: revocation.as_ref(),
        }),
        _ => None,
    }
}
