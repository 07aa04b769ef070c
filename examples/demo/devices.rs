//! The demo's per-user session index endpoints, shared by the three
//! servers (feature `store`; `--user-key`):
//!
//! - `GET /api/session/devices`: the sessions of the current session's
//!   user, `[{"id", "created", "last_seen", "browser", "os", "current"}]`,
//!   `[]` when it holds no user;
//! - `DELETE /api/session/devices/{HANDLE}`: 204 when that session of the
//!   user ended (its next request loads empty, revoked), 404 when the user
//!   has no such session;
//! - `POST /api/session/devices/revoke-others`: `{"revoked": N}`;
//! - `PATCH /api/users/{USER}/sessions` with a JSON object: a per-key patch
//!   (`null` removes a key) of every store-backed session of that user,
//!   with no request from their clients, `{"changed": N}` (an admin
//!   endpoint; the demo asks for no auth).
//!
//! Without `--user-key` each answers 404 with a JSON error.
#![allow(dead_code)]

use cookietin::{Engine, SessionHandle, Stored};
#[cfg(feature = "store")]
use serde_json::json;
use serde_json::Value;

/// An endpoint's answer: a status, and a JSON body unless it is a 204.
pub struct Answer {
    pub status: u16,
    pub body: Option<Value>,
}

impl Answer {
    fn ok(body: Value) -> Answer {
        Answer {
            status: 200,
            body: Some(body),
        }
    }

    fn error(status: u16, message: impl std::fmt::Display) -> Answer {
        Answer {
            status,
            body: Some(crate::app::error_body(message)),
        }
    }
}

/// The answer to a store error: 404 without an index (the engine says so
/// with `Backend`), 503 when the store did not answer.
#[cfg(feature = "store")]
fn failed(e: cookietin::store::StoreError) -> Answer {
    match e {
        cookietin::store::StoreError::Backend(message) => Answer::error(404, message),
        other => Answer::error(503, other),
    }
}

#[cfg(not(feature = "store"))]
fn no_store() -> Answer {
    Answer::error(404, "the session index needs the store feature")
}

/// `GET /api/session/devices`.
pub async fn list(session: &SessionHandle) -> Answer {
    #[cfg(feature = "store")]
    return match session.devices().await {
        Ok(devices) => Answer::ok(Value::Array(
            devices
                .into_iter()
                .map(|d| {
                    json!({
                        "id": d.handle,
                        "created": d.created,
                        "last_seen": d.last_seen,
                        "browser": d.browser,
                        "os": d.os,
                        "current": d.current,
                    })
                })
                .collect(),
        )),
        Err(e) => failed(e),
    };
    #[cfg(not(feature = "store"))]
    {
        let _ = session;
        no_store()
    }
}

/// `DELETE /api/session/devices/{HANDLE}`.
pub async fn revoke(session: &SessionHandle, handle: &str) -> Answer {
    #[cfg(feature = "store")]
    return match session.revoke_device(handle).await {
        Ok(true) => Answer {
            status: 204,
            body: None,
        },
        Ok(false) => Answer::error(404, "no such session of this user"),
        Err(e) => failed(e),
    };
    #[cfg(not(feature = "store"))]
    {
        let _ = (session, handle);
        no_store()
    }
}

/// `POST /api/session/devices/revoke-others`.
pub async fn revoke_others(session: &SessionHandle) -> Answer {
    #[cfg(feature = "store")]
    return match session.revoke_other_devices().await {
        Ok(n) => Answer::ok(json!({ "revoked": n })),
        Err(e) => failed(e),
    };
    #[cfg(not(feature = "store"))]
    {
        let _ = session;
        no_store()
    }
}

/// `PATCH /api/users/{USER}/sessions`.
pub async fn patch_user(engine: &Engine<Stored>, user: &str, body: &[u8]) -> Answer {
    let patch = match crate::app::parse_patch(body) {
        Ok(patch) => patch,
        Err(e) => return Answer::error(400, e),
    };
    #[cfg(feature = "store")]
    {
        let mut changes = cookietin::store::Changes::new();
        for (key, value) in patch {
            if value.is_null() {
                changes.remove(key);
            } else {
                changes.set(key, value.to_string());
            }
        }
        match engine.update_user_sessions(user, &changes).await {
            Ok(n) => Answer::ok(json!({ "changed": n })),
            Err(e) => failed(e),
        }
    }
    #[cfg(not(feature = "store"))]
    {
        let _ = (engine, user, patch);
        no_store()
    }
}

/// The device routes a path names: `Some((route, argument))`.
pub enum Route<'a> {
    List,
    Revoke(&'a str),
    RevokeOthers,
    PatchUser(&'a str),
}

/// Which device route `path` is, if any (for the hyper demo's own routing).
pub fn route(path: &str) -> Option<Route<'_>> {
    if path == "/api/session/devices" {
        return Some(Route::List);
    }
    if path == "/api/session/devices/revoke-others" {
        return Some(Route::RevokeOthers);
    }
    if let Some(handle) = path.strip_prefix("/api/session/devices/") {
        return (!handle.is_empty() && !handle.contains('/')).then_some(Route::Revoke(handle));
    }
    let user = path
        .strip_prefix("/api/users/")?
        .strip_suffix("/sessions")?;
    (!user.is_empty() && !user.contains('/')).then_some(Route::PatchUser(user))
}
