//! The response future the tower layer and the actix-web middleware share:
//! the inner service's response, with the session saved into it.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use pin_project_lite::pin_project;

use crate::integrations::response::{finish_now, SaveOutcome};
use crate::SessionHandle;

/// What a save adds to a response. Public, like [`SessionResponse`], only
/// to be named there; no other crate can reach it.
pub struct Finish {
    pub(crate) set_cookies: Vec<String>,
    /// Whether the response must vary on `Cookie`.
    pub(crate) vary: bool,
    /// A status to answer instead of the handler's, when the handler's
    /// changes could not be saved.
    pub(crate) status: Option<u16>,
    pub(crate) outcome: SaveOutcome,
}

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
    /// The future the session layers return (`tower::SessionService`,
    /// `actix::SessionService`): the inner service's response, with the
    /// session saved into it. `F` is the inner service's future, `B` the
    /// boxed future an engine with stores uses instead.
    pub struct ResponseFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProjection]
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    enum Kind<F, B> {
        // An engine without stores: loaded before the inner call, saved
        // when it answers.
        Direct {
            #[pin]
            future: F,
            session: Option<SessionHandle>,
        },
        // An engine with stores: the asynchronous load, call and save.
        Boxed {
            future: B,
        },
    }
}

impl<F, B> ResponseFuture<F, B> {
    /// The inner service's future, for a session already loaded; the save
    /// runs when it answers.
    pub(crate) fn direct(future: F, session: SessionHandle) -> Self {
        ResponseFuture {
            kind: Kind::Direct {
                future,
                session: Some(session),
            },
        }
    }

    /// A future that does the load, the call and the save itself.
    #[cfg(feature = "store")]
    pub(crate) fn boxed(future: B) -> Self {
        ResponseFuture {
            kind: Kind::Boxed { future },
        }
    }
}

impl<F, B, R, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<R, E>>,
    R: SessionResponse,
    B: Future<Output = Result<R::Finished, E>> + Unpin,
{
    type Output = Result<R::Finished, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProjection::Direct { future, session } => {
                let response = ready!(future.poll(cx))?;
                let session = session
                    .take()
                    .expect("ResponseFuture polled after it completed");
                let done = finish_now(&session, response.is_server_error());
                Poll::Ready(Ok(response.finish(done)))
            }
            KindProjection::Boxed { future } => Pin::new(future).poll(cx),
        }
    }
}
