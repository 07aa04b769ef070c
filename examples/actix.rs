//! The demo's HTTP contract (see `demo/app.rs`) on actix-web 4, with
//! cookietin's `SessionMiddleware` and the `SessionHandle` extractor.
//!
//! ```text
//! cargo run --features actix --example actix -- [--listen 127.0.0.1:8080] [--header-budget BYTES|off]
//! ```

#[path = "demo/app.rs"]
mod app;
#[path = "demo/devices.rs"]
mod devices;

use actix_web::dev::Service as _;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpResponse, HttpServer};
use cookietin::integrations::actix::SessionMiddleware;
use cookietin::integrations::SaveOutcome;
use cookietin::{Engine, SaveAction, SessionHandle, Stored};
use serde_json::json;

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(app::PAGE)
}

async fn session(session: SessionHandle) -> HttpResponse {
    HttpResponse::Ok().json(session.to_value())
}

async fn meta(
    engine: web::Data<Engine<Stored>>,
    session: SessionHandle,
    request: actix_web::HttpRequest,
) -> HttpResponse {
    let cookies: Vec<&[u8]> = request
        .headers()
        .get_all(actix_web::http::header::COOKIE)
        .map(|v| v.as_bytes())
        .collect();
    let mut meta = session.with(|s| app::meta(&engine, s, &cookies));
    meta["store"] = app::store_meta().await;
    HttpResponse::Ok().json(meta)
}

async fn regenerate(session: SessionHandle) -> HttpResponse {
    session.regenerate();
    HttpResponse::Ok().json(session.to_value())
}

async fn destroy(session: SessionHandle) -> HttpResponse {
    session.destroy();
    HttpResponse::Ok().json(json!({}))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> HttpResponse {
    HttpResponse::build(status).json(app::error_body(message))
}

async fn patch(session: SessionHandle, body: web::Bytes) -> HttpResponse {
    let patch = match app::parse_patch(&body) {
        Ok(patch) => patch,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    if let Err(e) = session.with(|s| app::apply_patch(s, patch)) {
        return error(StatusCode::BAD_REQUEST, e);
    }
    // Answer with the session exactly as the middleware will save it.
    match session.preview() {
        Ok(p) if p.report.action == SaveAction::NoRoom => error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the other cookies leave no room for the session",
        ),
        Ok(p) => HttpResponse::Ok().json(p.data.to_value()),
        Err(e) => error(StatusCode::PAYLOAD_TOO_LARGE, e),
    }
}

/// A device endpoint's answer as a response.
fn answer(answer: devices::Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).expect("valid");
    match answer.body {
        Some(body) => HttpResponse::build(status).json(body),
        None => HttpResponse::build(status).finish(),
    }
}

async fn list_devices(session: SessionHandle) -> HttpResponse {
    answer(devices::list(&session).await)
}

async fn revoke_device(session: SessionHandle, handle: web::Path<String>) -> HttpResponse {
    answer(devices::revoke(&session, &handle).await)
}

async fn revoke_others(session: SessionHandle) -> HttpResponse {
    answer(devices::revoke_others(&session).await)
}

async fn patch_user(
    engine: web::Data<Engine<Stored>>,
    user: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    answer(devices::patch_user(&engine, &user, &body).await)
}

fn main() -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        // Inside the runtime: a Redis store's connection runs on it.
        let (options, engine) = app::setup();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::PayloadConfig::new(app::MAX_BODY))
                .app_data(web::Data::new(engine.clone()))
                .wrap(SessionMiddleware::new(engine.clone()))
                // Outside the session middleware: the report header.
                .wrap_fn(|request, service| {
                    let response = service.call(request);
                    async move {
                        let mut response = response.await?;
                        let report = match response.response().extensions().get::<SaveOutcome>() {
                            Some(SaveOutcome::Saved(report)) => Some(app::compact(report)),
                            _ => None,
                        };
                        if let Some(Ok(value)) = report.map(HeaderValue::try_from) {
                            let name = HeaderName::from_static(app::REPORT_HEADER);
                            response.headers_mut().insert(name, value);
                        }
                        Ok(response)
                    }
                })
                .route("/", web::get().to(page))
                .service(
                    web::resource("/api/session")
                        .get(session)
                        .patch(patch)
                        .delete(destroy)
                        .default_service(web::to(|| async {
                            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                        })),
                )
                .route("/api/session/meta", web::get().to(meta))
                .route("/api/session/regenerate", web::post().to(regenerate))
                .route("/api/session/devices", web::get().to(list_devices))
                .route(
                    "/api/session/devices/revoke-others",
                    web::post().to(revoke_others),
                )
                .route(
                    "/api/session/devices/{handle}",
                    web::delete().to(revoke_device),
                )
                .route("/api/users/{user}/sessions", web::patch().to(patch_user))
                .default_service(web::to(|| async {
                    error(StatusCode::NOT_FOUND, "not found")
                }))
        })
        .workers(2)
        .bind(options.listen)?;
        println!("listening on http://{}", server.addrs()[0]);
        server.run().await
    })
}
