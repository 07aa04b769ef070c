//! The checks made when an engine is built, and the layout they build.

use std::sync::Arc;

use crate::browser::Browsers;
use crate::codec::{Compression, Secrets};
use crate::engine::builder::group::build_groups;
use crate::engine::builder::{EngineBuilder, Settings};
use crate::engine::flavour::Flavour;
use crate::engine::jar::attributes::SameSite;
use crate::engine::jar::cache::ReadCache;
use crate::engine::jar::Jar;
use crate::engine::layout::Layout;
use crate::engine::Core;
use crate::fit::budget::{BudgetConfig, DEFAULT_HEADER_BUDGET, DEFAULT_HEADER_LIMIT};
use crate::{ConfigError, Engine};

impl<F: Flavour> EngineBuilder<F> {
    /// Checks the configuration and builds the engine.
    ///
    /// # Errors
    /// [`ConfigError`] for a setting browsers would reject or a limit that
    /// leaves no room, before any cookie is written.
    pub fn build(self) -> Result<Engine<F>, ConfigError> {
        let mut settings = self.settings;
        let browsers = settings.browsers.clone().unwrap_or_else(Browsers::bundled);
        let clock = settings.clock;
        let on_loss = std::mem::take(&mut settings.on_loss);
        #[cfg(feature = "store")]
        let stores = settings.stores.clone();
        let members = std::mem::take(&mut settings.groups);
        #[cfg_attr(not(feature = "store"), allow(unused_mut))]
        let mut layout = if members.is_empty() {
            if settings.main_claims.is_some() {
                return Err(ConfigError::NoRestGroup);
            }
            settings.build_member(&browsers)?
        } else {
            Layout::Groups(build_groups(settings, members, &browsers)?)
        };
        #[cfg(feature = "store")]
        let (index, header) = (
            super::index::build_index(&stores, &mut layout)?,
            super::index::build_header(&stores, &layout)?,
        );
        Ok(Engine::from_core(Core {
            layout,
            browsers,
            clock,
            on_loss,
            #[cfg(feature = "store")]
            index,
            #[cfg(feature = "store")]
            header,
        }))
    }
}

impl Settings {
    /// The layout of one member: cookies, a store, or cookies that
    /// overflow into a store, with revocation where it was asked for.
    pub(crate) fn build_member(self, browsers: &Arc<Browsers>) -> Result<Layout, ConfigError> {
        #[cfg(feature = "store")]
        let stores = self.stores.clone();
        let jar = self.build_jar(browsers)?;
        #[cfg(feature = "store")]
        {
            use crate::engine::steps::{
                overflow::Overflow, records::Records, revocation::Revocation,
            };
            use crate::store::Deadline;
            let deadline = |store| -> Arc<dyn crate::store::Store> {
                Arc::new(Deadline::with_limit(store, stores.deadline))
            };
            let revocation = match (stores.revocations, stores.revoke_by_user) {
                (Some(store), user_key) => Some(Revocation {
                    store: deadline(store),
                    user_key,
                }),
                (None, Some(_)) => {
                    return Err(ConfigError::InvalidLimit(
                        "revoke_by_user needs a revocable engine",
                    ))
                }
                (None, None) => None,
            };
            return match (stores.server_side, stores.overflow) {
                (Some(store), overflow) => {
                    if overflow.is_some() || revocation.is_some() {
                        return Err(ConfigError::InvalidLimit(
                            "a store-backed session keeps everything in its store: no overflow or revocation store",
                        ));
                    }
                    if stores.idle_timeout.is_some_and(|d| d.as_secs() == 0) {
                        return Err(ConfigError::InvalidLimit(
                            "idle timeout must be at least one second",
                        ));
                    }
                    let records = Records {
                        store: deadline(store),
                        idle: stores.idle_timeout.map(|d| d.as_secs()),
                        // On when the engine keeps a per-user index.
                        tombstones: false,
                    };
                    Ok(Layout::Stored { jar, records })
                }
                (None, Some(store)) => Ok(Layout::Overflow {
                    jar,
                    overflow: Overflow {
                        store: deadline(store),
                        movable: stores.overflow_keys,
                    },
                    revocation,
                }),
                (None, None) => Ok(Layout::Cookies { jar, revocation }),
            };
        }
        #[cfg(not(feature = "store"))]
        Ok(Layout::Cookies { jar })
    }

    /// The cookies' settings, checked.
    fn build_jar(self, browsers: &Arc<Browsers>) -> Result<Jar, ConfigError> {
        let mut attributes = self.attributes;
        if attributes.partitioned && !self.same_site_chosen {
            attributes.same_site = SameSite::None;
        }
        if attributes.persistent_for.is_some() {
            attributes.persistent_for = Some(self.max_age.as_secs());
        }
        attributes.validate(&self.name)?;
        if self.max_age.as_secs() == 0 {
            return Err(ConfigError::InvalidLimit(
                "max age must be at least one second",
            ));
        }
        let (header_budget, header_limit) =
            header_budget_and_limit(self.header_budget, self.header_limit)?;
        // By default, no more than the engine could have written: the header
        // budget (but at least one cookie's worth), or 1 MiB without one.
        let max_encoded_bytes = self
            .max_encoded_bytes
            .unwrap_or(header_budget.map_or(1024 * 1024, |b| b.max(4096)));
        if self.max_json_bytes == 0 || max_encoded_bytes == 0 {
            return Err(ConfigError::InvalidLimit("size caps must be positive"));
        }
        if self.max_chunks == Some(0) {
            return Err(ConfigError::InvalidLimit("max chunks must be at least 1"));
        }
        let budget = BudgetConfig {
            header_budget,
            header_limit,
            max_cookie_bytes: self.max_cookie_bytes,
            max_chunks: self.max_chunks,
            reserved_cookies: self.reserved_cookies,
            response_budget: self.set_cookie_budget,
            line_overhead: attributes.line_overhead(),
            removal_overhead: attributes.removal("n").len() - "n=".len(),
            partitioned: attributes.partitioned,
        };
        #[cfg(feature = "encrypt")]
        let keys = match self.encrypt {
            Some(encrypt) => encrypt.secrets(self.keys, &self.name),
            None => Secrets::signed(self.keys),
        };
        #[cfg(not(feature = "encrypt"))]
        let keys = Secrets::signed(self.keys);
        let compress = match (self.compress.unwrap_or(!keys.encrypts()), self.zstd) {
            (false, _) => Compression::None,
            (true, false) => Compression::Deflate,
            (true, true) => Compression::Zstd,
        };
        Ok(Jar {
            name: self.name,
            keys,
            attributes,
            max_age: self.max_age.as_secs(),
            clock_skew: self.clock_skew.as_secs(),
            renew_after: self.renew_after.map(|d| d.as_secs()),
            max_json_bytes: self.max_json_bytes,
            max_encoded_bytes,
            compress,
            budget,
            shrinker: self.shrinker,
            unknown: browsers.unknown(),
            read_cache: (self.read_cache_bytes > 0).then(|| ReadCache::new(self.read_cache_bytes)),
        })
    }
}

/// The slack between the default header budget and the default limit.
const HEADER_SLACK: usize = DEFAULT_HEADER_LIMIT - DEFAULT_HEADER_BUDGET;

/// The soft header budget and the hard limit from what was set: each
/// defaults from the other, and the budget may not exceed the limit.
fn header_budget_and_limit(
    budget: Option<Option<usize>>,
    limit: Option<Option<usize>>,
) -> Result<(Option<usize>, Option<usize>), ConfigError> {
    let (budget, limit) = match (budget, limit) {
        (None, None) => (Some(DEFAULT_HEADER_BUDGET), Some(DEFAULT_HEADER_LIMIT)),
        (Some(budget), None) => (budget, budget.map(|b| b.max(DEFAULT_HEADER_LIMIT))),
        (None, Some(limit)) => (limit.map(|l| l.saturating_sub(HEADER_SLACK)), limit),
        (Some(budget), Some(limit)) => (budget, limit),
    };
    match (budget, limit) {
        (Some(b), Some(l)) if b > l => Err(ConfigError::InvalidLimit(
            "the header budget exceeds the header limit",
        )),
        (None, Some(_)) => Err(ConfigError::InvalidLimit(
            "a header limit needs a header budget under it",
        )),
        _ => Ok((budget, limit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_budget_and_limit_default_from_each_other() {
        let f = header_budget_and_limit;
        assert_eq!(f(None, None), Ok((Some(7168), Some(8182))));
        assert_eq!(f(Some(Some(6000)), None), Ok((Some(6000), Some(8182))));
        assert_eq!(f(Some(Some(20000)), None), Ok((Some(20000), Some(20000))));
        assert_eq!(f(Some(None), None), Ok((None, None)));
        assert_eq!(f(None, Some(Some(16374))), Ok((Some(15360), Some(16374))));
        assert_eq!(f(None, Some(None)), Ok((None, None)));
        assert!(f(Some(Some(9000)), Some(Some(8182))).is_err());
        assert!(f(Some(None), Some(Some(8182))).is_err());
        assert_eq!(f(Some(Some(100)), Some(None)), Ok((Some(100), None)));
    }
}
