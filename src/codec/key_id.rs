//! The public id of a master key, as encrypted envelopes carry it.

/// Bytes of an encrypted envelope's key id.
pub(crate) const KEY_ID_LEN: usize = 2;

/// The public id of a master key, as encrypted envelopes carry it: two
/// bytes derived from the key (see the module `derive`, feature `encrypt`), shown
/// as four hex digits.
///
/// # Example
/// ```
/// use cookietin::codec::KeyId;
///
/// assert_eq!(KeyId::from_bytes([0x0a, 0xff]).to_string(), "0aff");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; KEY_ID_LEN]);

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl KeyId {
    /// The id from its two bytes.
    pub fn from_bytes(bytes: [u8; KEY_ID_LEN]) -> KeyId {
        KeyId(bytes)
    }

    /// The id's two bytes, as the envelope holds them.
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02x}{:02x}", self.0[0], self.0[1])
    }
}
