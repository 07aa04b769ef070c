//! Cookie groups: a [`Group`] is a builder's settings and the keys it
//! claims; the engine's layout becomes the groups (see
//! [`groups`](crate::engine::groups) for how they share a request).

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::browser::Browsers;
use crate::codec::chunk_names::chunk_index;
use crate::engine::builder::{EngineBuilder, Settings};
use crate::engine::flavour::{Client, Flavour};
use crate::engine::layout::Groups;
use crate::ConfigError;

/// What keys a group holds.
#[derive(Debug, Clone)]
pub(crate) enum Claims {
    Keys(Vec<String>),
    Rest,
}

/// A group as the builder keeps it.
#[derive(Clone)]
pub(crate) struct Member {
    settings: Settings,
    claims: Option<Claims>,
}

/// A cookie group: a configuration of its own (cookie name, attributes,
/// keys, expiry, and where its data lives) and the keys it claims. Added
/// with [`EngineBuilder::group`]; a group with a store makes the engine
/// [`Stored`](crate::Stored).
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
pub struct Group<F: Flavour = Client> {
    member: Member,
    flavour: PhantomData<fn() -> F>,
}

impl<F: Flavour> Clone for Group<F> {
    fn clone(&self) -> Self {
        Group {
            member: self.member.clone(),
            flavour: PhantomData,
        }
    }
}

impl<F: Flavour> std::fmt::Debug for Group<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("name", &self.member.settings.name)
            .field("claims", &self.member.claims)
            .finish()
    }
}

impl<F: Flavour> Group<F> {
    /// A group configured by `builder`. It must claim keys before it is
    /// added.
    pub fn new(builder: EngineBuilder<F>) -> Group<F> {
        Group {
            member: Member {
                settings: builder.settings,
                claims: None,
            },
            flavour: PhantomData,
        }
    }

    /// The group holds exactly these keys.
    pub fn claims<K>(mut self, keys: K) -> Group<F>
    where
        K: IntoIterator,
        K::Item: Into<String>,
    {
        let keys = keys.into_iter().map(Into::into).collect();
        self.member.claims = Some(Claims::Keys(keys));
        self
    }

    /// The group holds every key no other group claims.
    pub fn claims_rest(mut self) -> Group<F> {
        self.member.claims = Some(Claims::Rest);
        self
    }
}

impl<F: Flavour> EngineBuilder<F> {
    /// Adds a cookie group (see [`Group`]): its own cookies and backend,
    /// holding the keys it claims. The engine's own group holds the rest,
    /// unless it [`claims`](EngineBuilder::claims) a list.
    pub fn group<G: Flavour>(mut self, group: Group<G>) -> EngineBuilder<F::With<G>> {
        self.settings.groups.push(group.member);
        self.retype()
    }

    /// The keys this engine's own group holds, when it has groups; by
    /// default, every key no group claims.
    pub fn claims<K>(mut self, keys: K) -> Self
    where
        K: IntoIterator,
        K::Item: Into<String>,
    {
        self.settings.main_claims = Some(keys.into_iter().map(Into::into).collect());
        self
    }
}

/// The groups of an engine whose own settings are `main`: the added
/// groups in order, then its own.
pub(crate) fn build_groups(
    main: Settings,
    members: Vec<Member>,
    browsers: &Arc<Browsers>,
) -> Result<Groups, ConfigError> {
    let mut layouts = Vec::with_capacity(members.len() + 1);
    let mut claims = Vec::with_capacity(members.len() + 1);
    for member in members {
        let name = member.settings.name.clone();
        let claim = member.claims.ok_or(ConfigError::GroupClaimsNothing(name))?;
        if !member.settings.groups.is_empty() {
            return Err(ConfigError::InvalidLimit(
                "a group can't have groups of its own",
            ));
        }
        #[cfg(feature = "store")]
        if member.settings.stores.user_key.is_some()
            || member.settings.stores.session_header.is_some()
        {
            return Err(ConfigError::InvalidLimit(
                "the user key and the session header are the engine's: name them on its own builder, not a group's",
            ));
        }
        layouts.push(member.settings.build_member(browsers)?);
        claims.push(claim);
    }
    let main_claims = main.main_claims.clone();
    layouts.push(main.build_member(browsers)?);
    claims.push(main_claims.map_or(Claims::Rest, Claims::Keys));
    let names: Vec<&str> = layouts.iter().map(|l| l.jar().name.as_str()).collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            if a == b || chunk_index(a, b).is_some() || chunk_index(b, a).is_some() {
                return Err(ConfigError::CookieNamesCollide(
                    (*a).to_owned(),
                    (*b).to_owned(),
                ));
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
            let names = rests.iter().map(|&i| names[i].to_owned()).collect();
            return Err(ConfigError::SeveralRestGroups(names));
        }
    };
    Ok(Groups {
        members: layouts,
        claimed,
        rest,
    })
}
