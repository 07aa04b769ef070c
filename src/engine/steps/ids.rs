//! Session ids and the store keys derived from them.

use sha2::{Digest, Sha256};

use crate::codec::ID_LEN;
use crate::store::{RecordKey, StoreError};
use crate::SaveError;

/// The store's key for one `purpose` of a session id (its record, its
/// overflow, its revocation), each in its own hash domain: a hash, so that
/// a dump of the store holds no id a cookie could carry. The cookie name
/// keeps two engines' records apart in one store.
pub(crate) fn record_key_for(purpose: &str, name: &str, id: &[u8]) -> RecordKey {
    let mut hash = Sha256::new();
    hash.update(b"cookietin ");
    hash.update(purpose.as_bytes());
    hash.update(b" v1\0");
    hash.update([name.len() as u8]);
    hash.update(name.as_bytes());
    hash.update(id);
    RecordKey::from_bytes(hash.finalize().into())
}

/// A new session id from the operating system's generator.
pub(crate) fn fresh_id() -> Result<[u8; ID_LEN], SaveError> {
    let mut id = [0u8; ID_LEN];
    getrandom::fill(&mut id)
        .map_err(|e| SaveError::Store(StoreError::Backend(format!("no random session id: {e}"))))?;
    Ok(id)
}
