//! The cookietin demo server, on hyper 1.
//!
//! ```text
//! cargo run --example demo -- [--listen 127.0.0.1:8080] [--header-budget BYTES|off]
//!                              [--set-cookie-budget BYTES|off] [--encrypt]
//! RUST_LOG=cookietin=debug cargo run --features tracing --example demo
//! ```
//!
//! With `RUST_LOG` set and the `tracing` feature on, cookietin's traces go
//! to stderr: a `load` and a `save` span per request (layout, chunks,
//! bytes, the binding limit, shrink steps, why a session is empty), a WARN
//! for each key dropped or moved to fit (its name and size, never its
//! value), and every store call with its latency.
//!
//! The key comes from `COOKIETIN_SECRET` (its UTF-8 bytes, at least 32);
//! without it the demo makes a random one and says so on stderr. The HTTP
//! contract, which `examples/axum.rs` and `examples/actix.rs` serve too, is
//! in `app.rs`. This one calls the engine's framework-free `load` and
//! `save` itself, with the `http` adapters of `cookietin::integrations::http`.

mod app;
mod devices;

use cookietin::integrations::http::{apply_session, session_cookies, user_agent};
use cookietin::{Engine, SaveAction, SaveError, SaveReport, Session, SessionHandle, Stored};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::convert::Infallible;
use tokio::net::TcpListener;

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, "application/json".parse().expect("valid"));
    headers.insert(CACHE_CONTROL, "no-store".parse().expect("valid"));
    response
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response<Full<Bytes>> {
    json_response(status, &app::error_body(message))
}

/// Saves into the response. A session that can't fit is reported, not a 5xx:
/// it depends on the request's other cookies.
async fn save(
    engine: &Engine<Stored>,
    session: &mut Session,
    response: &mut Response<Full<Bytes>>,
) -> Result<SaveReport, SaveError> {
    let saved = engine.save(session).await?;
    // The Set-Cookie values, and the session header's new value if any.
    let report = apply_session(engine, response.headers_mut(), session, saved);
    if let Ok(value) = hyper::header::HeaderValue::from_bytes(&app::compact(&report)) {
        response.headers_mut().insert(app::REPORT_HEADER, value);
    }
    Ok(report)
}

async fn handle(
    engine: Engine<Stored>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let headers = request.headers();
    let input = session_cookies(&engine, headers);
    let mut session = engine.load(input, user_agent(headers)).await;
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    if devices::route(&path).is_some() {
        return Ok(device_endpoint(&engine, session, &method, &path, request).await);
    }
    let mut response = match (method, path.as_str()) {
        (Method::GET, "/") => {
            let mut r = Response::new(Full::new(Bytes::from_static(app::PAGE.as_bytes())));
            r.headers_mut().insert(
                CONTENT_TYPE,
                "text/html; charset=utf-8".parse().expect("valid"),
            );
            r
        }
        (Method::GET, "/api/session") => json_response(StatusCode::OK, &session.data().to_value()),
        (Method::GET, "/api/session/meta") => {
            let cookies: Vec<&[u8]> = request
                .headers()
                .get_all(hyper::header::COOKIE)
                .iter()
                .map(|v| v.as_bytes())
                .collect();
            let mut meta = app::meta(&engine, &session, &cookies);
            meta["store"] = app::store_meta().await;
            json_response(StatusCode::OK, &meta)
        }
        (Method::POST, "/api/session/regenerate") => {
            session.regenerate();
            json_response(StatusCode::OK, &session.data().to_value())
        }
        (Method::DELETE, "/api/session") => {
            session.destroy();
            json_response(StatusCode::OK, &json!({}))
        }
        (Method::PATCH, "/api/session") => {
            let body = match Limited::new(request.into_body(), app::MAX_BODY)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(e) => return Ok(error(StatusCode::BAD_REQUEST, format!("body: {e}"))),
            };
            let patch = match app::parse_patch(&body) {
                Ok(patch) => patch,
                Err(e) => return Ok(error(StatusCode::BAD_REQUEST, e)),
            };
            if let Err(e) = app::apply_patch(&mut session, patch) {
                return Ok(error(StatusCode::BAD_REQUEST, e));
            }
            let mut response = json_response(StatusCode::OK, &json!(null));
            return Ok(match save(&engine, &mut session, &mut response).await {
                Ok(report) if report.action == SaveAction::NoRoom => {
                    // The other cookies leave no room: the session's cookies
                    // are expired (the Set-Cookie stays), and the change is lost.
                    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                    let body =
                        json!({ "error": "the other cookies leave no room for the session" });
                    *response.body_mut() = Full::new(Bytes::from(body.to_string()));
                    response
                }
                Ok(_) => {
                    // The body is the session exactly as saved, after any shrinking.
                    *response.body_mut() =
                        Full::new(Bytes::from(session.data().to_value().to_string()));
                    response
                }
                Err(e) => {
                    let status = StatusCode::from_u16(app::save_error_status(&e)).expect("valid");
                    error(status, e)
                }
            });
        }
        (_, "/api/session" | "/api/session/meta" | "/api/session/regenerate" | "/") => {
            return Ok(error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"))
        }
        _ => return Ok(error(StatusCode::NOT_FOUND, "not found")),
    };
    if let Err(e) = save(&engine, &mut session, &mut response).await {
        // The handler's change (a destroy or a regenerate) was lost.
        eprintln!("session not saved: {e}");
        let status = StatusCode::from_u16(app::save_error_status(&e)).expect("valid");
        return Ok(error(status, e));
    }
    Ok(response)
}

/// The per-user index's endpoints (see `devices.rs`), then the save.
async fn device_endpoint(
    engine: &Engine<Stored>,
    session: Session,
    method: &Method,
    path: &str,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    use devices::Route;
    let handle = SessionHandle::new(engine, session);
    let answer = match (method, devices::route(path)) {
        (&Method::GET, Some(Route::List)) => devices::list(&handle).await,
        (&Method::DELETE, Some(Route::Revoke(id))) => devices::revoke(&handle, id).await,
        (&Method::POST, Some(Route::RevokeOthers)) => devices::revoke_others(&handle).await,
        (&Method::PATCH, Some(Route::PatchUser(user))) => {
            let body = match Limited::new(request.into_body(), app::MAX_BODY)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(e) => return error(StatusCode::BAD_REQUEST, format!("body: {e}")),
            };
            devices::patch_user(engine, user, &body).await
        }
        _ => return error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    };
    let status = StatusCode::from_u16(answer.status).expect("valid");
    let mut response = match &answer.body {
        Some(body) => json_response(status, body),
        None => {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = status;
            response
        }
    };
    let mut session = handle.with(std::mem::take);
    if let Err(e) = save(engine, &mut session, &mut response).await {
        let status = StatusCode::from_u16(app::save_error_status(&e)).expect("valid");
        return error(status, e);
    }
    response
}

#[tokio::main]
async fn main() {
    let (options, engine) = app::setup();
    let listener = TcpListener::bind(options.listen).await.unwrap_or_else(|e| {
        eprintln!("cannot listen on {}: {e}", options.listen);
        std::process::exit(1);
    });
    let addr = listener.local_addr().expect("bound");
    println!("listening on http://{addr}");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let engine = engine.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(engine.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
