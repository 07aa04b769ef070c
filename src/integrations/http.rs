//! The `http` crate's types (hyper, axum and others) in and out of the
//! engine's [`load`](crate::Engine::load) and [`save`](crate::Engine::save):
//! [`cookies`] and [`user_agent`] read a request's headers, and [`apply`]
//! writes a save into the response's.
//!
//! # Example
//! ```
//! use cookietin::integrations::http::{apply, cookies, user_agent};
//! use cookietin::{Engine, Key};
//! use http::{header, Request, Response};
//!
//! let engine = Engine::builder(Key::try_from_bytes(&[5; 32])?).build()?;
//! let request = Request::get("/").header(header::COOKIE, "theme=dark").body(())?;
//!
//! let mut session = engine.load(cookies(request.headers()), user_agent(request.headers()));
//! session.insert("visits", &1)?;
//!
//! let mut response = Response::new(());
//! let saved = engine.save(&mut session)?;
//! apply(response.headers_mut(), &session, saved);
//! assert_eq!(response.headers().get_all(header::SET_COOKIE).iter().count(), 1);
//! assert_eq!(response.headers()[header::VARY], "Cookie");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use http::header::{GetAll, CACHE_CONTROL, COOKIE, SET_COOKIE, USER_AGENT, VARY};
use http::{HeaderMap, HeaderValue};

use crate::engine::flavour::Flavour;
use crate::integrations::response::{
    private_cache_control, varies_on, varies_on_cookie, HeaderOut,
};
use crate::{Engine, SaveReport, Saved, Session};

/// Every `Cookie` header of a request (HTTP/2 may send several), as the
/// engine's `load` takes them.
pub fn cookies(headers: &HeaderMap) -> GetAll<'_, HeaderValue> {
    headers.get_all(COOKIE)
}

/// What `engine`'s `load` takes from a request: when the engine reads the
/// session id from a header too
/// (`EngineBuilder::session_header`, feature `store`),
/// that header's value as one more cookie piece, first, then every
/// `Cookie` header. The header then gets exactly the cookie's checks.
/// Without a session header, the same as [`cookies`].
pub fn session_cookies<'h, F: Flavour>(
    engine: &Engine<F>,
    headers: &'h HeaderMap,
) -> Vec<Cow<'h, [u8]>> {
    let header = engine
        .session_header()
        .and_then(|name| headers.get(name))
        .map(HeaderValue::as_bytes);
    engine.request_input(
        header,
        headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes),
    )
}

/// [`apply`], and the session header when `engine` has one: its new value
/// when the save wrote a new id, empty when the session ended, and `Vary`
/// on it when the session was read or written.
pub fn apply_session<F: Flavour>(
    engine: &Engine<F>,
    headers: &mut HeaderMap,
    session: &Session,
    saved: Saved,
) -> SaveReport {
    let header = HeaderOut::of(engine, Some(&saved));
    let vary = session.is_accessed() || !saved.set_cookies.is_empty();
    apply_lines(headers, saved.set_cookies, vary);
    apply_header(headers, header.as_ref(), vary);
    saved.report
}

/// Sets the session header's new value, if any, and `Vary` on it.
pub(crate) fn apply_header(headers: &mut HeaderMap, header: Option<&HeaderOut>, vary: bool) {
    let Some(header) = header else {
        return;
    };
    let Ok(name) = http::HeaderName::from_bytes(header.name.as_bytes()) else {
        return;
    };
    if let Some(Ok(value)) = header.value.as_deref().map(HeaderValue::try_from) {
        headers.insert(name, value);
    }
    let values = headers.get_all(VARY).iter().map(HeaderValue::as_bytes);
    if vary && !varies_on(values, &header.name) {
        let value = HeaderValue::try_from(header.name.as_str()).expect("a header name");
        headers.append(VARY, value);
    }
}

/// The request's `User-Agent`, if it is text.
pub fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers.get(USER_AGENT).and_then(|v| v.to_str().ok())
}

/// Adds a save to a response's headers: one `Set-Cookie` per value, in
/// the engine's order (removals first); `Vary: Cookie` when the session
/// was read or written, so that shared caches don't serve one user's page
/// to another; and `Cache-Control: private` when session cookies are set
/// and nothing stricter is there. Gives the save's report.
pub fn apply(headers: &mut HeaderMap, session: &Session, saved: Saved) -> SaveReport {
    let vary = session.is_accessed() || !saved.set_cookies.is_empty();
    apply_lines(headers, saved.set_cookies, vary);
    saved.report
}

/// Adds `Set-Cookie` values, in order, and the caching headers (see
/// [`response`](crate::integrations::response)).
pub(crate) fn apply_lines(headers: &mut HeaderMap, set_cookies: Vec<String>, vary: bool) {
    let sets = !set_cookies.is_empty();
    for value in set_cookies {
        let value = HeaderValue::try_from(value).expect("Set-Cookie values are ASCII");
        headers.append(SET_COOKIE, value);
    }
    if vary && !varies_on_cookie(headers.get_all(VARY).iter().map(HeaderValue::as_bytes)) {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
    if sets {
        let existing = headers.get(CACHE_CONTROL).map(HeaderValue::as_bytes);
        if let Some(value) = private_cache_control(existing) {
            let value = HeaderValue::try_from(value).expect("directives from a header value");
            headers.insert(CACHE_CONTROL, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Key};

    fn engine() -> Engine {
        Engine::builder(Key::try_from_bytes(&[3; 32]).unwrap())
            .build()
            .unwrap()
    }

    fn load(engine: &Engine, headers: &HeaderMap) -> Session {
        engine.load(cookies(headers), user_agent(headers))
    }

    #[test]
    fn roundtrip_through_header_maps_and_vary_once() {
        let engine = engine();
        let mut session = load(&engine, &HeaderMap::new());
        session.insert("a", &1).unwrap();
        let mut out = HeaderMap::new();
        out.append(VARY, HeaderValue::from_static("Accept-Encoding, cookie"));
        let saved = engine.save(&mut session).unwrap();
        apply(&mut out, &session, saved);
        assert_eq!(out.get_all(VARY).iter().count(), 1);
        let mut request = HeaderMap::new();
        for set in out.get_all(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            request.append(COOKIE, HeaderValue::try_from(pair).unwrap());
        }
        let again = load(&engine, &request);
        assert_eq!(again.get::<u8>("a").unwrap(), Some(1));
        assert_eq!(again.request_chunks(), 1);
    }

    #[test]
    fn removals_go_out_before_the_cookies_written() {
        let engine = engine();
        let mut session = load(&engine, &HeaderMap::new());
        session.insert("a", &1).unwrap();
        let saved = engine.save(&mut session).unwrap();
        let pair = saved.set_cookies[0].split(';').next().unwrap();
        // The request also carries a leftover chunk from a larger session.
        let mut request = HeaderMap::new();
        let header = format!("{pair}; session.1=leftover; session.2=leftover");
        request.append(COOKIE, HeaderValue::try_from(header).unwrap());
        let mut session = load(&engine, &request);
        session.insert("b", &2).unwrap();
        let mut out = HeaderMap::new();
        let saved = engine.save(&mut session).unwrap();
        apply(&mut out, &session, saved);
        let lines: Vec<&str> = out
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("session.1=;"), "{lines:?}");
        assert!(lines[1].starts_with("session.2=;"), "{lines:?}");
        assert!(lines[2].starts_with("session=") && !lines[2].starts_with("session=;"));
    }

    #[test]
    fn untouched_session_adds_no_headers() {
        let engine = engine();
        let mut session = load(&engine, &HeaderMap::new());
        let mut out = HeaderMap::new();
        let saved = engine.save(&mut session).unwrap();
        apply(&mut out, &session, saved);
        assert!(out.is_empty());
    }
}
