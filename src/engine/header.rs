//! The session id in a request header, for clients that keep no cookies
//! (API and mobile clients): see
//! [`EngineBuilder::session_header`](crate::EngineBuilder::session_header).
//!
//! The header's value is the id cookie's value, and a load reads it as one
//! more `NAME=value` piece of the request's cookies, placed before them: the
//! very code that reads the cookie checks it (signature, expiry, the
//! store's record, revocation), and a forged value never reaches the store.
//! A response sets the header when the save wrote a new id (a login, a
//! regenerate, a new session), and sets it empty when the session ended.

use crate::Saved;

/// The most bytes of a header value read as an id: a store-backed id's
/// envelope is under 80 characters, and this leaves room for an encrypted
/// one with any key id.
const MAX_VALUE: usize = 1024;

/// Stands in for a value that is not an id's: it fails base64 decoding, so
/// the session is rejected as malformed, as a cookie of garbage would be.
const NOT_AN_ID: &[u8] = b"*";

/// A configured session header.
#[derive(Debug, Clone)]
pub(crate) struct SessionHeader {
    /// The header's name, lowercase.
    pub name: String,
    /// `Authorization`: the value is `Bearer ID`.
    pub bearer: bool,
    /// The cookie name whose value the header carries.
    pub cookie: String,
}

impl SessionHeader {
    /// The `NAME=value` piece a request's header value stands for; `None`
    /// when the value carries no session (empty, or another scheme of
    /// `Authorization`).
    pub(crate) fn piece(&self, value: &[u8]) -> Option<Vec<u8>> {
        let value = value.trim_ascii();
        let value = if self.bearer {
            let (scheme, rest) = value.split_at(value.len().min(7));
            if !scheme.eq_ignore_ascii_case(b"bearer ") {
                return None;
            }
            rest.trim_ascii()
        } else {
            value
        };
        if value.is_empty() {
            return None;
        }
        let is_id = value.len() <= MAX_VALUE
            && value
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let mut piece = Vec::with_capacity(self.cookie.len() + 1 + value.len());
        piece.extend_from_slice(self.cookie.as_bytes());
        piece.push(b'=');
        piece.extend_from_slice(if is_id { value } else { NOT_AN_ID });
        Some(piece)
    }

    /// The value the response's header takes after `saved`: the new id
    /// (for `Authorization`, `Bearer ID`), or empty when the session ended;
    /// `None` when the save left the id as it was.
    pub(crate) fn response_value(&self, saved: &Saved) -> Option<String> {
        saved.set_cookies.iter().find_map(|line| {
            let pair = line.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            if name != self.cookie {
                return None;
            }
            Some(match (value.is_empty(), self.bearer) {
                (true, _) => String::new(),
                (false, true) => format!("Bearer {value}"),
                (false, false) => value.to_owned(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::{SaveAction, SaveReport};

    fn header(bearer: bool) -> SessionHeader {
        SessionHeader {
            name: if bearer {
                "authorization"
            } else {
                "x-session-id"
            }
            .to_owned(),
            bearer,
            cookie: "sid".to_owned(),
        }
    }

    #[test]
    fn a_value_is_one_more_cookie_piece_and_garbage_a_malformed_one() {
        let plain = header(false);
        assert_eq!(plain.piece(b" EQFr_-9 ").unwrap(), b"sid=EQFr_-9");
        assert_eq!(plain.piece(b"").as_deref(), None);
        // No second cookie rides in on a separator.
        assert_eq!(plain.piece(b"abc; session=x").unwrap(), b"sid=*");
        assert_eq!(plain.piece(&[b'A'; 2000]).unwrap(), b"sid=*");
        let bearer = header(true);
        assert_eq!(bearer.piece(b"Bearer abc").unwrap(), b"sid=abc");
        assert_eq!(bearer.piece(b"bearer  abc").unwrap(), b"sid=abc");
        assert_eq!(bearer.piece(b"Basic abc").as_deref(), None);
    }

    #[test]
    fn the_response_carries_a_new_id_or_says_the_session_ended() {
        let saved = |lines: &[&str]| Saved {
            set_cookies: lines.iter().map(|l| (*l).to_owned()).collect(),
            report: SaveReport::without_cookies(SaveAction::Unchanged, None, Vec::new(), None),
        };
        let plain = header(false);
        let written = saved(&["csrf=x; Path=/", "sid=NEW; Path=/; HttpOnly"]);
        assert_eq!(plain.response_value(&written).as_deref(), Some("NEW"));
        assert_eq!(
            header(true).response_value(&written).as_deref(),
            Some("Bearer NEW")
        );
        let ended = saved(&["sid=; Path=/; Max-Age=0"]);
        assert_eq!(plain.response_value(&ended).as_deref(), Some(""));
        assert_eq!(plain.response_value(&saved(&["sid.1=x"])), None);
        assert_eq!(plain.response_value(&saved(&[])), None);
    }
}
