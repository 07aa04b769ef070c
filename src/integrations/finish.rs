//! What a layer adds to a response once the handler has answered: the
//! save's `Set-Cookie` values, whether the response varies on `Cookie`,
//! and the [`SaveOutcome`], for either flavour of engine. The outcome also
//! goes to the handle's `on_saved` callbacks, for middleware inside the
//! layer.

use crate::engine::flavour::Flavour;
use crate::integrations::response::{failed_status, HeaderOut, SaveOutcome};
use crate::{Client, Engine, SaveError, Saved, SessionHandle};

/// What a save adds to a response. Public, like
/// [`SessionResponse`](crate::integrations::future::SessionResponse), only
/// to be named there; no other crate can reach it.
pub struct Finish {
    pub(crate) set_cookies: Vec<String>,
    /// Whether the response must vary on `Cookie`.
    pub(crate) vary: bool,
    /// A status to answer instead of the handler's, when the handler's
    /// changes could not be saved.
    pub(crate) status: Option<u16>,
    pub(crate) outcome: SaveOutcome,
    /// The session header, when the engine has one.
    pub(crate) header: Option<HeaderOut>,
}

/// Whether the request read or wrote the session.
fn personal(session: &SessionHandle) -> bool {
    session.is_accessed() || session.is_modified()
}

/// The finish of a request that answered with a server error (5xx): its
/// changes are not saved, since a half-done change must not persist.
fn skipped<F: Flavour>(engine: &Engine<F>, personal: bool) -> Finish {
    Finish {
        set_cookies: Vec::new(),
        vary: personal,
        status: None,
        outcome: SaveOutcome::SkippedServerError,
        header: HeaderOut::of(engine, None),
    }
}

/// Saves a client engine's session, unless the handler answered with a
/// server error.
pub(crate) fn finish_client(
    engine: &Engine<Client>,
    session: &SessionHandle,
    server_error: bool,
) -> Finish {
    let personal = personal(session);
    let done = if server_error {
        skipped(engine, personal)
    } else {
        let saved = engine.save(&mut session.session());
        finished(engine, personal, saved)
    };
    session.resolve_saved(&done.outcome);
    done
}

/// Saves a stored engine's session, unless the handler answered with a
/// server error.
#[cfg(feature = "store")]
pub(crate) async fn finish_stored(
    engine: &Engine<crate::Stored>,
    session: &SessionHandle,
    server_error: bool,
) -> Finish {
    let personal = personal(session);
    let done = if server_error {
        skipped(engine, personal)
    } else {
        // The session leaves the lock while the store is awaited, so that
        // no guard is held across an `.await`.
        let mut taken = std::mem::take(&mut *session.session());
        let saved = engine.save(&mut taken).await;
        *session.session() = taken;
        finished(engine, personal, saved)
    };
    session.resolve_saved(&done.outcome);
    done
}

/// What to add to the response after a save; `personal` when the request
/// read or wrote the session.
fn finished<F: Flavour>(
    engine: &Engine<F>,
    personal: bool,
    saved: Result<Saved, SaveError>,
) -> Finish {
    match saved {
        Ok(saved) => Finish {
            header: HeaderOut::of(engine, Some(&saved)),
            vary: personal || !saved.set_cookies.is_empty(),
            set_cookies: saved.set_cookies,
            status: None,
            outcome: SaveOutcome::Saved(Box::new(saved.report)),
        },
        Err(e) => Finish {
            set_cookies: Vec::new(),
            vary: personal,
            status: failed_status(&e),
            outcome: SaveOutcome::Failed(e),
            header: HeaderOut::of(engine, None),
        },
    }
}
