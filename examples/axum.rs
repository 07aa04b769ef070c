//! The demo's HTTP contract (see `demo/app.rs`) on axum, with cookietin's
//! tower layer and the `SessionHandle` extractor.
//!
//! ```text
//! cargo run --features axum --example axum -- [--listen 127.0.0.1:8080] [--header-budget BYTES|off]
//! ```

#[path = "demo/app.rs"]
mod app;
#[path = "demo/devices.rs"]
mod devices;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{delete, get, patch as patch_route, post};
use axum::{middleware, Json, Router};
use cookietin::integrations::tower::SessionLayer;
use cookietin::integrations::SaveOutcome;
use cookietin::{Engine, SaveAction, SessionHandle, Stored};
use serde_json::{json, Value};

async fn page() -> Html<&'static str> {
    Html(app::PAGE)
}

async fn session(session: SessionHandle) -> Json<Value> {
    Json(session.to_value())
}

async fn meta(
    State(engine): State<Engine<Stored>>,
    session: SessionHandle,
    headers: axum::http::HeaderMap,
) -> Json<Value> {
    let cookies: Vec<&[u8]> = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    let mut meta = session.with(|s| app::meta(&engine, s, &cookies));
    meta["store"] = app::store_meta().await;
    Json(meta)
}

async fn regenerate(session: SessionHandle) -> Json<Value> {
    session.regenerate();
    Json(session.to_value())
}

async fn destroy(session: SessionHandle) -> Json<Value> {
    session.destroy();
    Json(json!({}))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(app::error_body(message))).into_response()
}

async fn patch(session: SessionHandle, body: Bytes) -> Response {
    let patch = match app::parse_patch(&body) {
        Ok(patch) => patch,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Err(e) = session.with(|s| app::apply_patch(s, patch)) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    // Answer with the session exactly as the layer will save it.
    match session.preview() {
        Ok(p) if p.report.action == SaveAction::NoRoom => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the other cookies leave no room for the session",
        ),
        Ok(p) => Json(p.data.to_value()).into_response(),
        Err(e) => error(StatusCode::PAYLOAD_TOO_LARGE, e),
    }
}

/// A device endpoint's answer as a response.
fn answer(answer: devices::Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).expect("valid");
    match answer.body {
        Some(body) => (status, Json(body)).into_response(),
        None => status.into_response(),
    }
}

async fn list_devices(session: SessionHandle) -> Response {
    answer(devices::list(&session).await)
}

async fn revoke_device(session: SessionHandle, Path(handle): Path<String>) -> Response {
    answer(devices::revoke(&session, &handle).await)
}

async fn revoke_others(session: SessionHandle) -> Response {
    answer(devices::revoke_others(&session).await)
}

async fn patch_user(
    State(engine): State<Engine<Stored>>,
    Path(user): Path<String>,
    body: Bytes,
) -> Response {
    answer(devices::patch_user(&engine, &user, &body).await)
}

/// Puts the layer's save report in the demo's report header.
async fn report_header(mut response: Response) -> Response {
    if let Some(SaveOutcome::Saved(report)) = response.extensions().get::<SaveOutcome>() {
        if let Ok(value) = HeaderValue::from_bytes(&app::compact(report)) {
            response.headers_mut().insert(app::REPORT_HEADER, value);
        }
    }
    response
}

#[tokio::main]
async fn main() {
    let (options, engine) = app::setup();
    let router = Router::new()
        .route("/", get(page))
        .route("/api/session", get(session).patch(patch).delete(destroy))
        .route("/api/session/meta", get(meta))
        .route("/api/session/regenerate", post(regenerate))
        .route("/api/session/devices", get(list_devices))
        .route("/api/session/devices/revoke-others", post(revoke_others))
        .route("/api/session/devices/{handle}", delete(revoke_device))
        .route("/api/users/{user}/sessions", patch_route(patch_user))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not found") })
        .method_not_allowed_fallback(|| async {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        })
        .layer(DefaultBodyLimit::max(app::MAX_BODY))
        .layer(SessionLayer::new(engine.clone()))
        .layer(middleware::map_response(report_header))
        .with_state(engine);
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .unwrap_or_else(|e| {
            eprintln!("cannot listen on {}: {e}", options.listen);
            std::process::exit(1);
        });
    println!(
        "listening on http://{}",
        listener.local_addr().expect("bound")
    );
    axum::serve(listener, router)
        .await
        .expect("the server runs");
}
