//! What a trace must never show, and the check that it doesn't: session
//! values, cookie values (and the bytes they decode to, which hold ids),
//! keys. [`Secrets`] looks for each, whole and by 16-character windows, and
//! for the decoded bytes in hex and base64.
//!
//! With the feature `tracing`, every demo a test starts runs with
//! `RUST_LOG=trace`, what the test's requests carried and received is
//! noted here, and the demo's stderr is checked when it stops (see
//! [`super::demo`]).

use std::collections::HashSet;

use base64::Engine as _;

use super::demo::Reply;
use super::value_of;

/// Secrets to look for, and the capture's windows to look in.
#[derive(Default)]
pub struct Secrets {
    /// Session values, cookie values, the key's text: looked for whole
    /// (when short) and by every 16-character window.
    pub texts: Vec<String>,
    /// Bytes an id or a key may be made of (decoded cookie values, the
    /// key): every 16-byte window, in hex and base64, is looked for.
    pub bytes: Vec<Vec<u8>>,
}

impl Secrets {
    pub fn text(&mut self, s: impl Into<String>) {
        self.texts.push(s.into());
    }

    /// A cookie's value, and the bytes it decodes to.
    pub fn cookie_value(&mut self, value: &str) {
        if value.is_empty() {
            return;
        }
        self.text(value);
        if let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value) {
            self.bytes.push(bytes);
        }
    }

    /// The string values of a JSON request body (a PATCH of session
    /// values), those of 12 characters or more: shorter ones may be
    /// words a trace says for its own reasons.
    pub fn json_strings(&mut self, body: &str) {
        fn walk(value: &serde_json::Value, out: &mut Secrets) {
            match value {
                serde_json::Value::String(s) if s.len() >= 12 => out.text(s.clone()),
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
                serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
                _ => {}
            }
        }
        if let Ok(value) = serde_json::from_str(body) {
            walk(&value, self);
        }
    }

    pub fn replies(&mut self, replies: &[&Reply]) {
        for reply in replies {
            for line in reply.set_cookies() {
                self.cookie_value(value_of(&line));
            }
        }
    }

    pub fn set_cookies(&mut self, lines: &[String]) {
        for line in lines {
            self.cookie_value(value_of(line));
        }
    }

    /// Panics, naming the first secret found in `text`.
    pub fn assert_absent_from(&self, text: &str) {
        let windows = |n: usize| -> HashSet<&[u8]> { text.as_bytes().windows(n).collect() };
        let (w16, w22, w32) = (windows(16), windows(22), windows(32));
        for secret in &self.texts {
            if secret.len() <= 16 {
                assert!(!text.contains(secret.as_str()), "{secret:?} was traced");
            }
            for w in secret.as_bytes().windows(16) {
                assert!(
                    !w16.contains(w),
                    "{:?} (from {:.40}...) was traced",
                    String::from_utf8_lossy(w),
                    secret
                );
            }
        }
        let b64 = |w: &[u8]| {
            [
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(w),
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(w),
            ]
        };
        for bytes in &self.bytes {
            for w in bytes.windows(16) {
                let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
                assert!(
                    !w32.contains(hex.as_bytes()),
                    "bytes {hex} were traced in hex"
                );
                let upper = hex.to_uppercase();
                assert!(
                    !w32.contains(upper.as_bytes()),
                    "bytes {hex} were traced in hex"
                );
                for encoded in b64(w) {
                    assert!(
                        !w22.contains(&encoded.as_bytes()[..22]),
                        "bytes {hex} were traced in base64 ({encoded})"
                    );
                }
            }
        }
    }
}
