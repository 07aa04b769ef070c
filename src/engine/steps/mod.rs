//! The steps of the pipelines that reach a store (feature `store`): a
//! store-backed session's record ([`records`]), a client-side session's
//! overflow ([`overflow`]) and its revocations ([`revocation`]), the
//! per-user session index ([`index`]), and the ids and store keys they
//! share ([`ids`]).
//!
//! Each step is a value the [`Layout`](super::layout::Layout) holds where
//! it applies; the pipelines call it, and it knows only its store, the
//! jar's settings and the session.

pub(crate) mod client_store;
pub(crate) mod ids;
pub(crate) mod index;
pub(crate) mod overflow;
pub(crate) mod records;
pub(crate) mod revocation;
