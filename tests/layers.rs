//! The tower/axum layer and the actix-web middleware over real HTTP, each
//! in an in-process server on a loopback port: what is saved after a 4xx
//! and a 5xx, `?` with the crate's errors, the save outcome in the
//! response's extensions, the caching headers, and a missing layer.
//!
//! Needs `--features axum,actix` (the README's `cargo test --all-features`).
#![cfg(all(feature = "axum", feature = "actix"))]

mod common;

use std::net::SocketAddr;
use std::sync::mpsc;

use common::demo::request_to;
use common::Jar;
use cookietin::integrations::SaveOutcome;
use cookietin::{Engine, Key, SessionHandle, ValueError};

fn engine() -> Engine {
    Engine::builder(Key::try_from_bytes(&[9; 32]).unwrap())
        .secure(false)
        .build()
        .unwrap()
}

/// What an outer middleware saw in the response's extensions, as a header.
fn outcome_header(outcome: Option<&SaveOutcome>) -> String {
    match outcome {
        Some(SaveOutcome::Saved(report)) => {
            format!("saved {:?} {:?}", report.action, report.reason)
        }
        Some(SaveOutcome::Failed(e)) => format!("failed {e}"),
        Some(SaveOutcome::SkippedServerError) => "skipped".to_owned(),
        Some(_) => "other".to_owned(),
        None => "none".to_owned(),
    }
}

mod axum_app {
    use super::*;
    use axum::http::{header, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;
    use axum::{middleware, Router};
    use cookietin::integrations::tower::SessionLayer;

    async fn count(session: SessionHandle) -> Result<String, ValueError> {
        let n: u64 = session.get("n")?.unwrap_or(0) + 1;
        session.insert("n", &n)?;
        Ok(n.to_string())
    }

    async fn wrong_type(session: SessionHandle) -> Result<String, ValueError> {
        session.insert("touched", &true)?;
        // `n` is a number: reading it as text fails, and `?` answers 500.
        let text: Option<String> = session.get("n")?;
        Ok(text.unwrap_or_default())
    }

    async fn fail(session: SessionHandle) -> StatusCode {
        session.insert("half-done", &true).unwrap();
        StatusCode::INTERNAL_SERVER_ERROR
    }

    async fn invalid(session: SessionHandle) -> StatusCode {
        session.insert("flash", &"fix the form").unwrap();
        StatusCode::BAD_REQUEST
    }

    async fn public(session: SessionHandle) -> Response {
        session.insert("p", &1).unwrap();
        ([(header::CACHE_CONTROL, "public, max-age=60")], "cached?").into_response()
    }

    async fn expose(mut response: Response) -> Response {
        let seen = outcome_header(response.extensions().get::<SaveOutcome>());
        response
            .headers_mut()
            .insert("x-outcome", HeaderValue::from_str(&seen).unwrap());
        response
    }

    pub fn start() -> SocketAddr {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = Router::new()
                    .route("/count", get(count))
                    .route("/wrong-type", get(wrong_type))
                    .route("/fail", get(fail))
                    .route("/invalid", get(invalid))
                    .route("/public", get(public))
                    .layer(SessionLayer::new(engine()))
                    .layer(middleware::map_response(expose))
                    // A route outside the session layer.
                    .route("/bare", get(|_s: SessionHandle| async { "unreachable" }));
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        rx.recv().unwrap()
    }
}

mod actix_app {
    use super::*;
    use actix_web::dev::Service as _;
    use actix_web::http::header::{HeaderName, HeaderValue, CACHE_CONTROL};
    use actix_web::{web, App, HttpResponse, HttpServer};
    use cookietin::integrations::actix::SessionMiddleware;

    async fn count(session: SessionHandle) -> Result<HttpResponse, ValueError> {
        let n: u64 = session.get("n")?.unwrap_or(0) + 1;
        session.insert("n", &n)?;
        Ok(HttpResponse::Ok().body(n.to_string()))
    }

    async fn wrong_type(session: SessionHandle) -> Result<HttpResponse, ValueError> {
        session.insert("touched", &true)?;
        let text: Option<String> = session.get("n")?;
        Ok(HttpResponse::Ok().body(text.unwrap_or_default()))
    }

    async fn fail(session: SessionHandle) -> HttpResponse {
        session.insert("half-done", &true).unwrap();
        HttpResponse::InternalServerError().finish()
    }

    async fn invalid(session: SessionHandle) -> HttpResponse {
        session.insert("flash", &"fix the form").unwrap();
        HttpResponse::BadRequest().finish()
    }

    async fn public(session: SessionHandle) -> HttpResponse {
        session.insert("p", &1).unwrap();
        HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "public, max-age=60"))
            .body("cached?")
    }

    pub fn start() -> SocketAddr {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let engine = engine();
                let server = HttpServer::new(move || {
                    let sessions = web::scope("")
                        .wrap(SessionMiddleware::new(engine.clone()))
                        .route("/count", web::get().to(count))
                        .route("/wrong-type", web::get().to(wrong_type))
                        .route("/fail", web::get().to(fail))
                        .route("/invalid", web::get().to(invalid))
                        .route("/public", web::get().to(public));
                    App::new()
                        .route(
                            "/bare",
                            web::get().to(|_s: SessionHandle| async { "unreachable" }),
                        )
                        .service(sessions)
                        .wrap_fn(|request, service| {
                            let response = service.call(request);
                            async move {
                                let mut response = response.await?;
                                let seen = outcome_header(response.response().extensions().get());
                                response.headers_mut().insert(
                                    HeaderName::from_static("x-outcome"),
                                    HeaderValue::from_str(&seen).unwrap(),
                                );
                                Ok(response)
                            }
                        })
                })
                .workers(1)
                .bind("127.0.0.1:0")
                .unwrap();
                tx.send(server.addrs()[0]).unwrap();
                server.run().await.unwrap();
            });
        });
        rx.recv().unwrap()
    }
}

fn get(addr: SocketAddr, jar: &mut Jar, path: &str) -> common::demo::Reply {
    request_to(&addr.to_string(), &[], jar, "GET", path, "")
}

/// The same behaviour from both frameworks.
fn check(framework: &str, addr: SocketAddr) {
    let mut jar = Jar::default();
    // A counter kept across requests; the outcome reaches outer middleware.
    for n in 1..=3 {
        let reply = get(addr, &mut jar, "/count");
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, n.to_string().as_str()),
            "{framework}"
        );
        assert_eq!(
            reply.header("x-outcome"),
            Some("saved Written Some(Modified)"),
            "{framework}"
        );
        assert_eq!(
            reply.header("cache-control"),
            Some("private"),
            "{framework}"
        );
        assert_eq!(reply.header("vary"), Some("Cookie"), "{framework}");
    }

    // `?` on a ValueError answers 500, and a 5xx saves nothing.
    let reply = get(addr, &mut jar, "/wrong-type");
    assert_eq!(reply.status, 500, "{framework}");
    assert!(reply.body.contains("\"n\""), "{framework}: {}", reply.body);
    assert!(reply.set_cookies().is_empty(), "{framework}");
    assert_eq!(reply.header("x-outcome"), Some("skipped"), "{framework}");
    let reply = get(addr, &mut jar, "/fail");
    assert_eq!(reply.status, 500);
    assert!(
        reply.set_cookies().is_empty(),
        "{framework}: a 5xx saved {:?}",
        reply.set_cookies()
    );
    // The half-done changes were not kept.
    assert_eq!(get(addr, &mut jar, "/count").body, "4", "{framework}");

    // A 4xx is saved as usual (a flash message for the form, say).
    let reply = get(addr, &mut jar, "/invalid");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.set_cookies().len(), 1, "{framework}");

    // A response the app marked public becomes private once it sets cookies.
    let reply = get(addr, &mut jar, "/public");
    assert_eq!(
        reply.header("cache-control"),
        Some("private, max-age=60"),
        "{framework}"
    );

    // A handler outside the layer gets a 500 that says why.
    let reply = get(addr, &mut Jar::default(), "/bare");
    assert_eq!(reply.status, 500, "{framework}");
}

#[test]
fn axum_layer_over_real_http() {
    check("axum", axum_app::start());
}

#[test]
fn actix_middleware_over_real_http() {
    check("actix", actix_app::start());
}
