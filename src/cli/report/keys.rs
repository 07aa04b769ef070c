//! The keys a list of secrets can stand for, tried in turn by `inspect`.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use cookietin::{Key, KeyRing, MasterKey, MasterRing};

/// The keys a list of secrets can stand for: each secret's bytes as given
/// and, when it is base64 (or a comma-separated list of base64), decoded;
/// each as an HMAC key, as a master secret, and as a master secret's
/// derived signing key.
pub(super) struct Candidates {
    pub signing: Vec<(Key, String)>,
    pub masters: Vec<(MasterKey, String)>,
}

fn decodings(text: &[u8]) -> Vec<(Vec<u8>, &'static str)> {
    let mut out = vec![(text.to_vec(), "its bytes")];
    let Ok(text) = std::str::from_utf8(text) else {
        return out;
    };
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    for item in &items {
        if items.len() > 1 && !item.is_empty() {
            out.push((item.as_bytes().to_vec(), "a list item's bytes"));
        }
        if let Some(bytes) = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(item).ok())
        {
            let how = if items.len() > 1 {
                "a list item, base64-decoded"
            } else {
                "base64-decoded"
            };
            out.push((bytes, how));
        }
    }
    out
}

pub(super) fn candidates(secrets: &[Vec<u8>], name: &str) -> Candidates {
    let mut c = Candidates {
        signing: Vec::new(),
        masters: Vec::new(),
    };
    for (i, secret) in secrets.iter().enumerate() {
        for (bytes, how) in decodings(secret) {
            if let Ok(key) = Key::try_from_bytes(&bytes) {
                c.signing
                    .push((key, format!("key {}, {how}, as the HMAC key", i + 1)));
            }
            if let Ok(master) = MasterKey::try_from_bytes(&bytes) {
                c.signing.push((
                    master.signing_key(name),
                    format!(
                        "key {}, {how}, as a master secret (its derived signing key)",
                        i + 1
                    ),
                ));
                c.masters
                    .push((master, format!("key {}, {how}, as a master secret", i + 1)));
            }
        }
    }
    c
}

pub(super) fn ring_of(keys: &[(Key, String)]) -> Option<KeyRing> {
    let mut keys = keys.iter().map(|(k, _)| k.clone());
    let mut ring = KeyRing::new(keys.next()?);
    for key in keys {
        ring = ring.with_old_key(key);
    }
    Some(ring)
}

pub(super) fn master_ring_of(keys: &[(MasterKey, String)]) -> Option<MasterRing> {
    let mut keys = keys.iter().map(|(k, _)| k.clone());
    let mut ring = MasterRing::new(keys.next()?);
    for key in keys {
        ring = ring.with_old_key(key);
    }
    Some(ring)
}
