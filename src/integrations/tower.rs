//! A tower [`Layer`] that loads the session on the way in and saves it on
//! the way out (feature `tower`).
//!
//! The layer reads every `Cookie` header and the `User-Agent`, puts a
//! [`SessionHandle`] in the request's extensions, and once the inner
//! service has answered:
//!
//! - saves the session, appending its `Set-Cookie` values in the engine's
//!   order (removals first), only when something needs writing;
//! - adds `Vary: Cookie` when the session was read or written, and
//!   `Cache-Control: private` when session cookies are set and the response
//!   says neither `private` nor `no-store`;
//! - saves nothing when the handler answered with a server error (5xx): a
//!   change half made before the failure is not persisted (4xx responses
//!   are saved as usual);
//! - with a session header (`EngineBuilder::session_header`), reads the
//!   id from it too, with the cookie's checks, and sets it in the
//!   response when the id changed (empty when the session ended), with
//!   `Vary` on it;
//! - for an [`Engine<Stored>`](crate::Stored), awaits the stores before
//!   the handler and writes the changed keys after it; when that write
//!   fails, it
//!   answers with an empty body instead of the handler's: 503 (with
//!   `Retry-After: 1`) when the store was unreachable, 409 when another
//!   request destroyed or regenerated the session first. Read-only
//!   requests answer normally while the store is down;
//! - leaves a [`SaveOutcome`] in the response's extensions, for logging.
//!
//! A save that fails never fails the request: the response goes out without
//! session cookies and the outcome says why.
//!
//! # Example
//! ```
//! use std::convert::Infallible;
//! use cookietin::integrations::tower::SessionLayer;
//! use cookietin::{Engine, Key, SessionHandle};
//! use http::{Request, Response};
//! use tower::{service_fn, Layer, Service};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::builder(Key::try_from_bytes(&[1; 32])?).build()?;
//! let mut service = SessionLayer::new(engine).layer(service_fn(|request: Request<()>| async move {
//!     let session = request.extensions().get::<SessionHandle>().expect("the layer is installed");
//!     session.insert("visits", &1)?;
//!     Ok::<_, cookietin::ValueError>(Response::new(()))
//! }));
//! let response = service.call(Request::new(())).await?;
//! assert!(response.headers().contains_key("set-cookie"));
//! assert_eq!(response.headers()["cache-control"], "private");
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(run()).unwrap();
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::{Layer, Service};

use crate::engine::flavour::Flavour;
use crate::integrations::finish::Finish;
use crate::integrations::future::SessionResponse;
use crate::integrations::http::{apply_header, apply_lines, cookies, user_agent};
use crate::integrations::response::SaveOutcome;
use crate::integrations::ResponseFuture;
use crate::{Client, Engine, SessionHandle};

/// Loads and saves sessions around an inner service; see the
/// [module](self) for what it does.
#[derive(Debug, Clone)]
pub struct SessionLayer<F: Flavour = Client> {
    engine: Engine<F>,
}

impl<F: Flavour> SessionLayer<F> {
    /// A layer over `engine` (a clone of it: every clone shares one
    /// configuration).
    pub fn new(engine: Engine<F>) -> SessionLayer<F> {
        SessionLayer { engine }
    }
}

impl<S, F: Flavour> Layer<S> for SessionLayer<F> {
    type Service = SessionService<S, F>;

    fn layer(&self, inner: S) -> SessionService<S, F> {
        SessionService {
            inner,
            engine: self.engine.clone(),
        }
    }
}

/// The service [`SessionLayer`] makes.
#[derive(Debug, Clone)]
pub struct SessionService<S, F: Flavour = Client> {
    inner: S,
    engine: Engine<F>,
}

impl<S: Clone, F: Flavour> SessionService<S, F> {
    /// The clone that was driven to readiness serves this request; a fresh
    /// clone waits for the next one (tower's advice).
    fn ready_inner(&mut self) -> S {
        let clone = self.inner.clone();
        std::mem::replace(&mut self.inner, clone)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S, Client>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    // An empty body replaces the handler's when its changes are lost.
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let mut inner = self.ready_inner();
        // A client engine loads now and saves when the inner service
        // answers, with no future of its own to box.
        let headers = request.headers();
        let loaded = self.engine.load(cookies(headers), user_agent(headers));
        let session = SessionHandle::new(&self.engine, loaded);
        request.extensions_mut().insert(session.clone());
        ResponseFuture::new(inner.call(request), session, self.engine.clone())
    }
}

#[cfg(feature = "store")]
impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S, crate::Stored>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxedResponse<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let mut inner = self.ready_inner();
        let engine = self.engine.clone();
        let headers = request.headers();
        let input = crate::integrations::http::session_cookies(&engine, headers);
        let loading = engine.load(input, user_agent(headers));
        Box::pin(async move {
            let session = SessionHandle::new(&engine, loading.await);
            request.extensions_mut().insert(session.clone());
            let response = inner.call(request).await?;
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

impl<B: Default> SessionResponse for Response<B> {
    type Finished = Response<B>;

    fn is_server_error(&self) -> bool {
        self.status().is_server_error()
    }

    fn finish(mut self, done: Finish) -> Response<B> {
        if let Some(status) = done.status {
            self = lost_changes(status);
        }
        apply_lines(self.headers_mut(), done.set_cookies, done.vary);
        apply_header(self.headers_mut(), done.header.as_ref(), done.vary);
        self.extensions_mut().insert::<SaveOutcome>(done.outcome);
        self
    }
}

/// A stored engine's response future: the load, the call and the save.
pub type BoxedResponse<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

/// The answer instead of the handler's when its changes were lost.
fn lost_changes<B: Default>(status: u16) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = http::StatusCode::from_u16(status).expect("503 or 409");
    if status == 503 {
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("1"),
        );
    }
    response
}
