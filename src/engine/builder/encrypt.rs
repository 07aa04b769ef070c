//! Encrypted sessions (feature `encrypt`): the builder's switch and its
//! constructor. Everything else, chunking, budgets, shrinking, rotation
//! and the consistency rules, is the same as for signed sessions; only the
//! envelope differs (see [`codec`](crate::codec)).

use crate::codec::aead::Sealer;
use crate::codec::key::KeyRing;
use crate::codec::Secrets;
use crate::engine::builder::EngineBuilder;
use crate::engine::flavour::Flavour;
use crate::{Engine, MasterRing};

/// What `EngineBuilder::encrypt` recorded.
#[derive(Clone)]
pub(crate) struct Encrypt {
    ring: MasterRing,
    /// Verify signed sessions with signing keys derived from `ring` for the
    /// final cookie name, rather than with the builder's key ring.
    derive_signing: bool,
}

impl Encrypt {
    /// The engine's secrets for cookie `name`.
    pub(crate) fn secrets(self, signing: KeyRing, name: &str) -> Secrets {
        let signing = if self.derive_signing {
            self.ring.signing_ring(name)
        } else {
            signing
        };
        Secrets::encrypted(signing, Sealer::new(&self.ring, name))
    }
}

impl<F: Flavour> EngineBuilder<F> {
    /// Encrypts sessions (feature `encrypt`) with AES-256-GCM-SIV under
    /// keys that the ring's master secrets derive for the cookie name: the
    /// first key encrypts, every key decrypts, and a session an old key
    /// decrypted is re-issued under the first on its next save.
    ///
    /// Compression is then off by default, since compressed length can
    /// reveal what is inside (see `SECURITY.md`);
    /// [`compress(true)`](EngineBuilder::compress) turns it back on.
    /// Signed sessions that the builder's key ring verifies still load, and
    /// are re-issued encrypted, so that a site can move to encryption
    /// without logging anyone out.
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, Key, MasterRing};
    ///
    /// // The signing key of the sessions written so far, and the new secrets.
    /// let signing = Key::try_from_bytes(b"the key the site has signed with so far")?;
    /// let masters = MasterRing::from_base64_list("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=")?;
    /// let engine = Engine::builder(signing).encrypt(masters).build()?;
    /// assert!(engine.is_encrypted());
    ///
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("ssn", &"078-05-1120")?;
    /// let saved = engine.save(&mut session)?;
    /// assert!(!saved.set_cookies[0].contains("078-05-1120"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encrypt(mut self, ring: impl Into<MasterRing>) -> Self {
        self.settings.encrypt = Some(Encrypt {
            ring: ring.into(),
            derive_signing: false,
        });
        self
    }
}

impl Engine {
    /// Starts configuring an engine that encrypts with `ring` (feature
    /// `encrypt`), as [`EngineBuilder::encrypt`] does, and that reads signed
    /// sessions only if the same master secrets' signing keys for the
    /// cookie name verify them ([`MasterRing::signing_ring`]).
    ///
    /// # Example
    /// ```
    /// use cookietin::{Engine, MasterRing};
    ///
    /// std::env::set_var("EXAMPLE_SESSION_SECRETS", "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=");
    /// let engine = Engine::encrypted(MasterRing::from_env("EXAMPLE_SESSION_SECRETS")?)
    ///     .cookie_name("__Host-session")
    ///     .build()?;
    ///
    /// let mut session = engine.load(Vec::<&str>::new(), None);
    /// session.insert("cart", &["apple", "pear"])?;
    /// let saved = engine.save(&mut session)?;
    /// let pair = saved.set_cookies[0].split(';').next().unwrap();
    /// assert!(!pair.contains("apple"));
    /// let back = engine.load([pair], None);
    /// assert_eq!(back.get::<Vec<String>>("cart")?, Some(vec!["apple".into(), "pear".into()]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encrypted(ring: impl Into<MasterRing>) -> EngineBuilder {
        let ring = ring.into();
        let mut builder = Engine::builder(ring.signing_ring("session"));
        builder.settings.encrypt = Some(Encrypt {
            ring,
            derive_signing: true,
        });
        builder
    }
}
