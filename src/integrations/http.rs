//! Adapters over the `http` crate's types, for hyper, axum and others.
//!
//! # Example
//! ```
//! use cookietin::{Engine, Key};
//! use http::{header, Request, Response};
//!
//! let engine = Engine::builder(Key::try_from_bytes(&[5; 32])?).build()?;
//! let request = Request::get("/").header(header::COOKIE, "theme=dark").body(())?;
//!
//! let mut session = engine.load_request(&request);
//! session.insert("visits", &1)?;
//!
//! let mut response = Response::new(());
//! engine.save_response(&mut session, &mut response)?;
//! assert_eq!(response.headers().get_all(header::SET_COOKIE).iter().count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE, USER_AGENT, VARY};
use http::{HeaderMap, HeaderValue, Request, Response};

use crate::integrations::response::{private_cache_control, varies_on_cookie};
use crate::{Engine, SaveError, SaveReport, Session};

/// Adds a save's `Set-Cookie` values, in order, and the caching headers
/// (see [`response`](crate::integrations::response)).
pub(crate) fn apply(headers: &mut HeaderMap, set_cookies: Vec<String>, vary: bool) {
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

impl Engine {
    /// [`Engine::load`] from a request's headers: every `Cookie` header and
    /// the `User-Agent`.
    pub fn load_headers(&self, headers: &HeaderMap) -> Session {
        let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
        self.load(headers.get_all(COOKIE), user_agent)
    }

    /// [`Engine::load`] from a request.
    pub fn load_request<B>(&self, request: &Request<B>) -> Session {
        self.load_headers(request.headers())
    }

    /// [`Engine::load_async`] from a request's headers (feature `store`).
    #[cfg(feature = "store")]
    pub async fn load_headers_async(&self, headers: &HeaderMap) -> Session {
        let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
        self.load_async(headers.get_all(COOKIE), user_agent).await
    }

    /// [`Engine::save_async`] into response headers, as
    /// [`save_headers`](Engine::save_headers) does (feature `store`).
    ///
    /// # Errors
    /// [`SaveError`] as [`Engine::save_async`] returns it; the headers are
    /// then left as they were.
    #[cfg(feature = "store")]
    pub async fn save_headers_async(
        &self,
        session: &mut Session,
        headers: &mut HeaderMap,
    ) -> Result<SaveReport, SaveError> {
        let personal = session.is_accessed() || session.is_modified();
        let saved = self.save_async(session).await?;
        let vary = personal || !saved.set_cookies.is_empty();
        apply(headers, saved.set_cookies, vary);
        Ok(saved.report)
    }

    /// [`Engine::save`] into response headers: appends one `Set-Cookie` per
    /// cookie (removals first), `Vary: Cookie` when the session was read or
    /// written, so that shared caches don't serve one user's page to
    /// another, and `Cache-Control: private` when session cookies are set
    /// and nothing stricter is there.
    ///
    /// # Errors
    /// [`SaveError`] as [`Engine::save`] returns it; the headers are then
    /// left as they were.
    pub fn save_headers(
        &self,
        session: &mut Session,
        headers: &mut HeaderMap,
    ) -> Result<SaveReport, SaveError> {
        let personal = session.is_accessed() || session.is_modified();
        let saved = self.save(session)?;
        let vary = personal || !saved.set_cookies.is_empty();
        apply(headers, saved.set_cookies, vary);
        Ok(saved.report)
    }

    /// [`Engine::save`] into a response.
    pub fn save_response<B>(
        &self,
        session: &mut Session,
        response: &mut Response<B>,
    ) -> Result<SaveReport, SaveError> {
        self.save_headers(session, response.headers_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Key;

    #[test]
    fn roundtrip_through_header_maps_and_vary_once() {
        let engine = Engine::builder(Key::try_from_bytes(&[3; 32]).unwrap())
            .build()
            .unwrap();
        let mut session = engine.load_headers(&HeaderMap::new());
        session.insert("a", &1).unwrap();
        let mut out = HeaderMap::new();
        out.append(VARY, HeaderValue::from_static("Accept-Encoding, cookie"));
        engine.save_headers(&mut session, &mut out).unwrap();
        assert_eq!(out.get_all(VARY).iter().count(), 1);
        let mut request = HeaderMap::new();
        for set in out.get_all(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            request.append(COOKIE, HeaderValue::try_from(pair).unwrap());
        }
        let again = engine.load_headers(&request);
        assert_eq!(again.get::<u8>("a").unwrap(), Some(1));
        assert_eq!(again.request_chunks(), 1);
    }

    #[test]
    fn removals_go_out_before_the_cookies_written() {
        let engine = Engine::builder(Key::try_from_bytes(&[3; 32]).unwrap())
            .build()
            .unwrap();
        let mut session = engine.load_headers(&HeaderMap::new());
        session.insert("a", &1).unwrap();
        let saved = engine.save(&mut session).unwrap();
        let pair = saved.set_cookies[0].split(';').next().unwrap();
        // The request also carries a leftover chunk from a larger session.
        let mut request = HeaderMap::new();
        let header = format!("{pair}; session.1=leftover; session.2=leftover");
        request.append(COOKIE, HeaderValue::try_from(header).unwrap());
        let mut session = engine.load_headers(&request);
        session.insert("b", &2).unwrap();
        let mut out = HeaderMap::new();
        engine.save_headers(&mut session, &mut out).unwrap();
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
        let engine = Engine::builder(Key::try_from_bytes(&[3; 32]).unwrap())
            .build()
            .unwrap();
        let mut session = engine.load_headers(&HeaderMap::new());
        let mut out = HeaderMap::new();
        engine.save_headers(&mut session, &mut out).unwrap();
        assert!(out.is_empty());
    }
}
