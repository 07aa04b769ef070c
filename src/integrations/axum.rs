//! axum: the session as an extractor, and the crate's errors as responses
//! (feature `axum`).
//!
//! Install [`SessionLayer`](crate::integrations::tower::SessionLayer) on
//! the router, then take a [`SessionHandle`], a
//! [`TypedSession<T>`](crate::TypedSession) or the [`Flash`] in any
//! handler. The errors
//! implement [`IntoResponse`], so `?` works in handlers: a [`ValueError`]
//! (a stored value that is not of the type asked for) is a 500 and a
//! [`SaveError`] a 503, 409 or 500 (as the layer answers them), each with
//! a short plain-text body that names no value.
//!
//! # Example
//! ```
//! use axum::{routing::get, Router};
//! use cookietin::integrations::tower::SessionLayer;
//! use cookietin::{Engine, Key, SessionHandle, ValueError};
//!
//! async fn visits(session: SessionHandle) -> Result<String, ValueError> {
//!     let n: u64 = session.get("visits")?.unwrap_or(0) + 1;
//!     session.insert("visits", &n)?;
//!     Ok(format!("visit number {n}"))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
//! let app: Router = Router::new().route("/", get(visits)).layer(SessionLayer::new(engine));
//! # Ok(()) }
//! ```

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::{Flash, SaveError, SessionHandle, SessionValue, TypedSession, ValueError};

/// The rejection when a handler asks for a [`SessionHandle`] on a route
/// the session layer does not wrap: a 500, since it is a wiring mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionLayer;

impl std::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the cookietin session layer is not installed on this route")
    }
}

impl std::error::Error for MissingSessionLayer {}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionHandle {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SessionHandle>()
            .cloned()
            .ok_or(MissingSessionLayer)
    }
}

/// A [`TypedSession`] of the request's session (see [`SessionValue`]):
/// it never fails once the layer is installed. A stored value of another
/// shape gives the default, and [`TypedSession::loaded`] says so.
///
/// # Example
/// ```
/// use axum::{routing::get, Router};
/// use cookietin::integrations::tower::SessionLayer;
/// use cookietin::{Engine, Key, SessionValue, TypedSession, ValueError};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Default)]
/// struct Visits {
///     count: u64,
/// }
///
/// impl SessionValue for Visits {
///     const KEY: &'static str = "visits";
/// }
///
/// async fn visit(visits: TypedSession<Visits>) -> Result<String, ValueError> {
///     let n = visits.update(|v| {
///         v.count += 1;
///         v.count
///     })?;
///     Ok(format!("visit number {n}"))
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
///     let _app: Router = Router::new().route("/", get(visit)).layer(SessionLayer::new(engine));
///     Ok(())
/// }
/// ```
impl<S: Send + Sync, T: SessionValue> FromRequestParts<S> for TypedSession<T> {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let handle = SessionHandle::from_request_parts(parts, state).await?;
        Ok(TypedSession::new(handle))
    }
}

/// The request's [`Flash`]: begun by the first extraction in a request,
/// which takes the waiting messages out of the session; every later
/// extraction in the same request (another extractor, a middleware) gets
/// that same flash.
///
/// # Example
/// ```
/// use axum::response::Redirect;
/// use axum::routing::{get, post};
/// use axum::Router;
/// use cookietin::integrations::tower::SessionLayer;
/// use cookietin::{Engine, Flash, Key};
///
/// async fn save(flash: Flash) -> Redirect {
///     flash.success("profile saved");
///     Redirect::to("/profile")
/// }
///
/// async fn profile(flash: Flash) -> String {
///     let notes: Vec<String> = flash.take().into_iter().map(|m| m.text).collect();
///     format!("profile {notes:?}")
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
///     let _app: Router = Router::new()
///         .route("/profile", get(profile).post(save))
///         .layer(SessionLayer::new(engine));
///     Ok(())
/// }
/// ```
impl<S: Send + Sync> FromRequestParts<S> for Flash {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(flash) = parts.extensions.get::<Flash>() {
            return Ok(flash.clone());
        }
        let handle = SessionHandle::from_request_parts(parts, state).await?;
        let flash = Flash::begin(handle);
        parts.extensions.insert(flash.clone());
        Ok(flash)
    }
}

impl IntoResponse for ValueError {
    fn into_response(self) -> Response {
        let body = format!("session value {:?} has an unexpected type", self.key());
        (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
    }
}

impl IntoResponse for SaveError {
    fn into_response(self) -> Response {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the session could not be saved",
        )
            .into_response()
    }
}
