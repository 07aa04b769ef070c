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
//! - with a store (feature `store`), loads the record before the handler
//!   and writes the changed keys after it; when that write fails, it
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
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::{Layer, Service};

use crate::integrations::future::{Finish, SessionResponse};
use crate::integrations::http::apply;
#[cfg(feature = "store")]
use crate::integrations::response::finish;
use crate::integrations::response::SaveOutcome;
use crate::integrations::ResponseFuture;
use crate::{Engine, SessionHandle};

/// Loads and saves sessions around an inner service; see the
/// [module](self) for what it does.
#[derive(Debug, Clone)]
pub struct SessionLayer {
    engine: Arc<Engine>,
}

impl SessionLayer {
    /// A layer over `engine`.
    pub fn new(engine: Engine) -> SessionLayer {
        SessionLayer::shared(Arc::new(engine))
    }

    /// A layer over an engine shared with other code.
    pub fn shared(engine: Arc<Engine>) -> SessionLayer {
        SessionLayer { engine }
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> SessionService<S> {
        SessionService {
            inner,
            engine: self.engine.clone(),
        }
    }
}

/// The service [`SessionLayer`] makes.
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    engine: Arc<Engine>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    // An empty body replaces the handler's when its changes are lost.
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, BoxedResponse<ResBody, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let engine = self.engine.clone();
        // The clone that was driven to readiness serves this request; a
        // fresh clone waits for the next one (tower's advice).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        // Only an engine with a store needs the asynchronous load and save.
        #[cfg(feature = "store")]
        if engine.uses_stores() {
            let future = Box::pin(async move {
                let loaded = engine.load_headers_async(request.headers()).await;
                let session = SessionHandle::new(engine, loaded);
                request.extensions_mut().insert(session.clone());
                let response = inner.call(request).await?;
                let done = finish(&session, response.is_server_error()).await;
                Ok(response.finish(done))
            });
            return ResponseFuture::boxed(future);
        }
        // Without a store, everything but the inner call is synchronous:
        // load now, save when it answers, with no future of our own to box.
        let loaded = engine.load_headers(request.headers());
        let session = SessionHandle::new(engine, loaded);
        request.extensions_mut().insert(session.clone());
        ResponseFuture::direct(inner.call(request), session)
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
        apply(self.headers_mut(), done.set_cookies, done.vary);
        self.extensions_mut().insert::<SaveOutcome>(done.outcome);
        self
    }
}

/// A boxed response future, for engines with stores.
type BoxedResponse<B, E> = Pin<Box<dyn Future<Output = Result<Response<B>, E>> + Send>>;

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
