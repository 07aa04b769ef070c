//! actix-web 4: [`SessionMiddleware`], the session as an extractor (a
//! [`SessionHandle`], a [`TypedSession<T>`](crate::TypedSession) or the
//! [`Flash`]), and the crate's errors as [`ResponseError`]s (feature
//! `actix`).
//!
//! The middleware does what the tower layer does (see
//! [`tower`](crate::integrations::tower) for the rules), over actix-web's
//! own types (its `http` 0.2 headers): it loads the session with the
//! `User-Agent` (and with a store, its record), gives handlers a
//! [`SessionHandle`], and on the way out saves it (not after a 5xx, nor
//! when the inner service returned an error), appends the `Set-Cookie`
//! values removals first, adds `Vary: Cookie` and `Cache-Control:
//! private`, answers 503 or 409 instead of the handler when its changes to
//! store data were lost, and leaves a [`SaveOutcome`] in the response's
//! extensions.
//!
//! # Example
//! ```
//! use actix_web::{web, App, HttpResponse};
//! use cookietin::integrations::actix::SessionMiddleware;
//! use cookietin::{Engine, Key, SessionHandle, ValueError};
//!
//! async fn visits(session: SessionHandle) -> Result<HttpResponse, ValueError> {
//!     let n: u64 = session.get("visits")?.unwrap_or(0) + 1;
//!     session.insert("visits", &n)?;
//!     Ok(HttpResponse::Ok().body(format!("visit number {n}")))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
//! // Each worker builds its app in the factory; they share the engine.
//! let factory = move || {
//!     App::new()
//!         .wrap(SessionMiddleware::new(engine.clone()))
//!         .route("/", web::get().to(visits))
//! };
//! let _server = actix_web::HttpServer::new(factory);
//! # Ok(()) }
//! ```
#![cfg_attr(
    feature = "store",
    doc = r#"
# Signing out other devices

With a per-user session index
([`EngineBuilder::user_key`](crate::EngineBuilder::user_key)), the
handle lists the user's sessions and ends one, or all but the current
one (feature `store`):

```
use actix_web::{web, App, HttpResponse};
use cookietin::integrations::actix::SessionMiddleware;
use cookietin::store::MemoryStore;
use cookietin::{Engine, Key, SessionHandle};

async fn devices(session: SessionHandle) -> HttpResponse {
    match session.devices().await {
        Ok(devices) => HttpResponse::Ok().json(devices),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

async fn sign_out(session: SessionHandle, handle: web::Path<String>) -> HttpResponse {
    match session.revoke_device(&handle).await {
        Ok(true) => HttpResponse::NoContent().finish(),
        Ok(false) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

async fn sign_out_others(session: SessionHandle) -> HttpResponse {
    match session.revoke_other_devices().await {
        Ok(ended) => HttpResponse::Ok().json(ended),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

# fn main() -> Result<(), Box<dyn std::error::Error>> {
let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?)
    .server_side(MemoryStore::new())
    .user_key("user")
    .build()?;
let factory = move || {
    App::new()
        .wrap(SessionMiddleware::new(engine.clone()))
        .route("/devices", web::get().to(devices))
        .route("/devices/others", web::post().to(sign_out_others))
        .route("/devices/{handle}", web::delete().to(sign_out))
};
let _server = actix_web::HttpServer::new(factory);
# Ok(()) }
```
"#
)]

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{
    HeaderMap, HeaderValue, CACHE_CONTROL, COOKIE, RETRY_AFTER, SET_COOKIE, USER_AGENT, VARY,
};
use actix_web::http::StatusCode;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use crate::engine::flavour::Flavour;
use crate::integrations::finish::Finish;
use crate::integrations::future::SessionResponse;
use crate::integrations::response::{
    private_cache_control, varies_on, varies_on_cookie, HeaderOut,
};
use crate::integrations::{ResponseFuture, SaveOutcome};
use crate::{Client, Engine, Flash, SaveError, Session, SessionHandle, TypedSession, ValueError};

/// Loads and saves sessions around the app's services. Cheap to clone, as
/// its engine is: build it inside `HttpServer::new`'s factory from a clone
/// of one engine, and every worker shares that engine's configuration.
#[derive(Debug, Clone)]
pub struct SessionMiddleware<F: Flavour = Client> {
    engine: Engine<F>,
}

impl<F: Flavour> SessionMiddleware<F> {
    /// Middleware over `engine`.
    pub fn new(engine: Engine<F>) -> SessionMiddleware<F> {
        SessionMiddleware { engine }
    }
}

impl<S, B, F> Transform<S, ServiceRequest> for SessionMiddleware<F>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: 'static,
    F: Flavour,
    SessionService<S, F>:
        Service<ServiceRequest, Response = ServiceResponse<EitherBody<B>>, Error = Error>,
{
    // The right body replaces the handler's when its changes were lost.
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = SessionService<S, F>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionService {
            service: Rc::new(service),
            engine: self.engine.clone(),
        }))
    }
}

/// The service [`SessionMiddleware`] makes.
#[derive(Debug)]
pub struct SessionService<S, F: Flavour = Client> {
    service: Rc<S>,
    engine: Engine<F>,
}

/// The request's cookies and User-Agent, as the engine's `load` takes them.
fn cookies_and_agent(headers: &HeaderMap) -> (impl Iterator<Item = &[u8]>, Option<&str>) {
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    (
        headers.get_all(COOKIE).map(HeaderValue::as_bytes),
        user_agent,
    )
}

impl<S, B> Service<ServiceRequest> for SessionService<S, Client>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<S::Future>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        // A client engine loads now and saves when the inner service
        // answers, with no future of its own to box.
        let (cookies, user_agent) = cookies_and_agent(request.headers());
        let loaded: Session = self.engine.load(cookies, user_agent);
        let session = SessionHandle::new(&self.engine, loaded);
        request.extensions_mut().insert(session.clone());
        ResponseFuture::new(self.service.call(request), session, self.engine.clone())
    }
}

#[cfg(feature = "store")]
impl<S, B> Service<ServiceRequest> for SessionService<S, crate::Stored>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    S::Future: 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = BoxedResponse<B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let engine = self.engine.clone();
        let (cookies, user_agent) = cookies_and_agent(request.headers());
        let header = engine
            .session_header()
            .and_then(|name| request.headers().get(name))
            .map(HeaderValue::as_bytes);
        let input = engine.request_input(header, cookies);
        let loading = engine.load(input, user_agent);
        Box::pin(async move {
            let session = SessionHandle::new(&engine, loading.await);
            request.extensions_mut().insert(session.clone());
            let response = service.call(request).await?;
            let done = crate::integrations::finish::finish_stored(
                &engine,
                &session,
                response.is_server_error(),
            )
            .await;
            Ok(response.finish(done))
        })
    }
}

impl<B> SessionResponse for ServiceResponse<B> {
    type Finished = ServiceResponse<EitherBody<B>>;

    fn is_server_error(&self) -> bool {
        self.status().is_server_error()
    }

    fn finish(self, done: Finish) -> ServiceResponse<EitherBody<B>> {
        let mut response = match done.status {
            None => self.map_into_left_body(),
            Some(status) => {
                let status = StatusCode::from_u16(status).expect("503 or 409");
                let mut lost = HttpResponse::new(status);
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    lost.headers_mut()
                        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
                }
                let (request, _) = self.into_parts();
                ServiceResponse::new(request, lost).map_into_right_body()
            }
        };
        apply(response.headers_mut(), done.set_cookies, done.vary);
        apply_header(response.headers_mut(), done.header.as_ref(), done.vary);
        response
            .response_mut()
            .extensions_mut()
            .insert::<SaveOutcome>(done.outcome);
        response
    }
}

/// A stored engine's response future: the load, the call and the save.
pub type BoxedResponse<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>>>>;

/// The rules of [`response`](crate::integrations::response), over
/// actix-web's header map.
fn apply(headers: &mut HeaderMap, set_cookies: Vec<String>, vary: bool) {
    let sets = !set_cookies.is_empty();
    for value in set_cookies {
        let value = HeaderValue::try_from(value).expect("Set-Cookie values are ASCII");
        headers.append(SET_COOKIE, value);
    }
    if vary && !varies_on_cookie(headers.get_all(VARY).map(HeaderValue::as_bytes)) {
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

/// Sets the session header's new value, if any, and `Vary` on it.
fn apply_header(headers: &mut HeaderMap, header: Option<&HeaderOut>, vary: bool) {
    let Some(header) = header else {
        return;
    };
    let Ok(name) = actix_web::http::header::HeaderName::from_bytes(header.name.as_bytes()) else {
        return;
    };
    if let Some(Ok(value)) = header.value.as_deref().map(HeaderValue::try_from) {
        headers.insert(name, value);
    }
    if vary
        && !varies_on(
            headers.get_all(VARY).map(HeaderValue::as_bytes),
            &header.name,
        )
    {
        let value = HeaderValue::try_from(header.name.as_str()).expect("a header name");
        headers.append(VARY, value);
    }
}

/// The error when a handler asks for a [`SessionHandle`] in an app that
/// [`SessionMiddleware`] does not wrap: a 500, since it is a wiring mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionMiddleware;

impl std::fmt::Display for MissingSessionMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the cookietin session middleware is not installed on this app")
    }
}

impl std::error::Error for MissingSessionMiddleware {}

impl ResponseError for MissingSessionMiddleware {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl FromRequest for SessionHandle {
    type Error = Error;
    type Future = Ready<Result<SessionHandle, Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let found = request.extensions().get::<SessionHandle>().cloned();
        ready(found.ok_or_else(|| MissingSessionMiddleware.into()))
    }
}

/// A [`TypedSession`] of the request's session (see
/// [`SessionValue`](crate::SessionValue)): it never fails once the
/// middleware is installed. A stored value of another shape gives the
/// default, and [`TypedSession::loaded`] says so.
///
/// # Example
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use cookietin::integrations::actix::SessionMiddleware;
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
/// async fn visit(visits: TypedSession<Visits>) -> Result<HttpResponse, ValueError> {
///     let n = visits.update(|v| {
///         v.count += 1;
///         v.count
///     })?;
///     Ok(HttpResponse::Ok().body(format!("visit number {n}")))
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
///     let _server = actix_web::HttpServer::new(move || {
///         App::new()
///             .wrap(SessionMiddleware::new(engine.clone()))
///             .route("/", web::get().to(visit))
///     });
///     Ok(())
/// }
/// ```
impl<T: crate::SessionValue> FromRequest for TypedSession<T> {
    type Error = Error;
    type Future = Ready<Result<TypedSession<T>, Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let found = request.extensions().get::<SessionHandle>().cloned();
        ready(
            found
                .map(TypedSession::new)
                .ok_or_else(|| MissingSessionMiddleware.into()),
        )
    }
}

/// The request's [`Flash`]: begun by the first extraction in a request,
/// which takes the waiting messages out of the session; every later
/// extraction in the same request gets that same flash.
///
/// # Example
/// ```
/// use actix_web::http::header::LOCATION;
/// use actix_web::{web, App, HttpResponse};
/// use cookietin::integrations::actix::SessionMiddleware;
/// use cookietin::{Engine, Flash, Key};
///
/// async fn save(flash: Flash) -> HttpResponse {
///     flash.success("profile saved");
///     HttpResponse::SeeOther().insert_header((LOCATION, "/profile")).finish()
/// }
///
/// async fn profile(flash: Flash) -> HttpResponse {
///     let notes: Vec<String> = flash.take().into_iter().map(|m| m.text).collect();
///     HttpResponse::Ok().body(format!("profile {notes:?}"))
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
///     let _server = actix_web::HttpServer::new(move || {
///         App::new()
///             .wrap(SessionMiddleware::new(engine.clone()))
///             .route("/profile", web::get().to(profile))
///             .route("/profile", web::post().to(save))
///     });
///     Ok(())
/// }
/// ```
impl FromRequest for Flash {
    type Error = Error;
    type Future = Ready<Result<Flash, Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        if let Some(flash) = request.extensions().get::<Flash>() {
            return ready(Ok(flash.clone()));
        }
        let Some(handle) = request.extensions().get::<SessionHandle>().cloned() else {
            return ready(Err(MissingSessionMiddleware.into()));
        };
        let flash = Flash::begin(handle);
        request.extensions_mut().insert(flash.clone());
        ready(Ok(flash))
    }
}

impl ResponseError for ValueError {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError().body(format!(
            "session value {:?} has an unexpected type",
            self.key()
        ))
    }
}

impl ResponseError for SaveError {
    /// 503 when the store was unreachable, 409 when another request
    /// destroyed or regenerated the session first, 500 otherwise.
    fn status_code(&self) -> StatusCode {
        crate::integrations::response::failed_status(self)
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError().body("the session could not be saved")
    }
}
