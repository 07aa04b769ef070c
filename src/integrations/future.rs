//! The response future the tower layer and the actix-web middleware share
//! for a client engine: the inner service's response, with the session
//! saved into it when it answers. A stored engine's layers box their own
//! future, since its load and save await stores.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::integrations::finish::{finish_client, Finish};
use crate::{Client, Engine, SessionHandle};

/// A framework's response, as a layer finishes it once the session is
/// saved; implemented for `http::Response` (tower) and actix-web's
/// `ServiceResponse`. Public only so that [`ResponseFuture`] can name it
/// in its `Future` impl; its module is private, so no other crate can
/// implement or call it (sealed).
pub trait SessionResponse: Sized {
    /// The response the layer answers with.
    type Finished;

    /// Whether the handler answered with a server error (5xx), so that
    /// nothing is saved.
    fn is_server_error(&self) -> bool;

    /// The response with what the save added: the layer's own answer when
    /// the handler's changes were lost, the session's headers, and the
    /// [`SaveOutcome`](crate::integrations::SaveOutcome) in the extensions.
    fn finish(self, done: Finish) -> Self::Finished;
}

pin_project! {
    /// The future the session layers return for a client engine
    /// (`tower::SessionService`, `actix::SessionService`): the inner
    /// service's response, with the session saved into it. The session was
    /// loaded before the inner call; nothing here is boxed.
    pub struct ResponseFuture<F> {
        #[pin]
        future: F,
        session: Option<(SessionHandle, Engine<Client>)>,
    }
}

impl<F> ResponseFuture<F> {
    /// The inner service's future, for a session already loaded; the save
    /// runs when it answers.
    pub(crate) fn new(future: F, session: SessionHandle, engine: Engine<Client>) -> Self {
        ResponseFuture {
            future,
            session: Some((session, engine)),
        }
    }
}

impl<F, R, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: SessionResponse,
{
    type Output = Result<R::Finished, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.future.poll(cx))?;
        let (session, engine) = this
            .session
            .take()
            .expect("ResponseFuture polled after it completed");
        let done = finish_client(&engine, &session, response.is_server_error());
        Poll::Ready(Ok(response.finish(done)))
    }
}
