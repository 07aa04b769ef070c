//! `TypedSession<T>` and `Flash` over real HTTP, through axum and
//! actix-web servers on loopback ports, with a `TestJar` as the browser: a
//! typed struct's round trip (absent, written, unchanged, mismatched), and
//! flash messages after a POST-redirect-GET, shown exactly once, not
//! consumed by requests that don't take them, nor by the request that
//! pushed them, kept across a 5xx and by `keep`, and shared by two
//! extractions in one request.
#![cfg(all(feature = "axum", feature = "actix", feature = "test-util"))]

mod common;

use std::net::SocketAddr;
use std::sync::mpsc;

use common::test_jar::send;
use cookietin::testing::TestJar;
use cookietin::{
    Engine, Flash, FlashLevel, Key, Loaded, SessionHandle, SessionValue, TypedSession,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct Prefs {
    theme: String,
    visits: u32,
}

impl SessionValue for Prefs {
    const KEY: &'static str = "prefs";
}

fn engine() -> Engine {
    Engine::builder(Key::try_from_bytes(&[11; 32]).unwrap())
        .secure(false)
        .build()
        .unwrap()
}

/// What both frameworks' handlers answer, written once.
mod logic {
    use super::*;

    pub fn prefs(prefs: &TypedSession<Prefs>) -> String {
        let loaded = match prefs.loaded() {
            Loaded::Absent => "absent",
            Loaded::Present => "present",
            Loaded::Mismatch(_) => "mismatch",
            _ => "other",
        };
        json!({"loaded": loaded, "prefs": prefs.get()}).to_string()
    }

    pub fn visit(prefs: &TypedSession<Prefs>) -> String {
        prefs
            .update(|p| {
                p.visits += 1;
                p.visits
            })
            .unwrap()
            .to_string()
    }

    pub fn theme(prefs: &TypedSession<Prefs>, theme: String) {
        prefs.update(|p| p.theme = theme).unwrap();
    }

    pub fn unchanged(prefs: &TypedSession<Prefs>) {
        prefs.update(|p| p.visits).unwrap();
    }

    pub fn corrupt(session: &SessionHandle) {
        session.insert("prefs", "not a struct").unwrap();
    }

    pub fn form(flash: &Flash) {
        flash.success("saved");
        flash.push(FlashLevel::Warning, "check your email");
    }

    pub fn list(messages: Vec<cookietin::FlashMessage>) -> String {
        let texts: Vec<String> = messages
            .into_iter()
            .map(|m| format!("{}:{}", m.level.as_str(), m.text))
            .collect();
        json!(texts).to_string()
    }

    /// Pushes, then takes in the same request: the push is not seen.
    pub fn form_and_read(flash: &Flash) -> String {
        flash.info("later");
        list(flash.take())
    }

    /// Two extractions in one request share one flash.
    pub fn twice(first: &Flash, second: &Flash) -> String {
        json!([list(first.peek()), list(second.take()), list(first.take())]).to_string()
    }
}

mod axum_app {
    use super::*;
    use axum::extract::Path;
    use axum::http::StatusCode;
    use axum::response::Redirect;
    use axum::routing::{get, post};
    use axum::Router;
    use cookietin::integrations::tower::SessionLayer;

    pub fn start() -> SocketAddr {
        let app = Router::new()
            .route(
                "/prefs",
                get(|p: TypedSession<Prefs>| async move { logic::prefs(&p) }),
            )
            .route(
                "/prefs/visit",
                post(|p: TypedSession<Prefs>| async move { logic::visit(&p) }),
            )
            .route(
                "/prefs/theme/{theme}",
                post(|p: TypedSession<Prefs>, Path(t): Path<String>| async move {
                    logic::theme(&p, t);
                    StatusCode::NO_CONTENT
                }),
            )
            .route(
                "/prefs/unchanged",
                post(|p: TypedSession<Prefs>| async move { logic::unchanged(&p) }),
            )
            .route(
                "/corrupt",
                post(|s: SessionHandle| async move { logic::corrupt(&s) }),
            )
            .route(
                "/form",
                post(|f: Flash| async move {
                    logic::form(&f);
                    Redirect::to("/done")
                }),
            )
            .route(
                "/done",
                get(|f: Flash| async move { logic::list(f.take()) }),
            )
            .route(
                "/done-fails",
                get(|f: Flash| async move {
                    let _ = f.take();
                    StatusCode::INTERNAL_SERVER_ERROR
                }),
            )
            .route(
                "/keep",
                get(|f: Flash| async move {
                    f.keep();
                    Redirect::to("/done")
                }),
            )
            .route(
                "/form-and-read",
                post(|f: Flash| async move { logic::form_and_read(&f) }),
            )
            .route(
                "/twice",
                get(|a: Flash, b: Flash| async move { logic::twice(&a, &b) }),
            )
            .route("/asset", get(|| async { "asset" }))
            .layer(SessionLayer::new(engine()));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
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
    use actix_web::http::header::LOCATION;
    use actix_web::{web, App, HttpResponse, HttpServer};
    use cookietin::integrations::actix::SessionMiddleware;

    fn see_other(to: &str) -> HttpResponse {
        HttpResponse::SeeOther()
            .insert_header((LOCATION, to))
            .finish()
    }

    async fn prefs(p: TypedSession<Prefs>) -> String {
        logic::prefs(&p)
    }

    async fn visit(p: TypedSession<Prefs>) -> String {
        logic::visit(&p)
    }

    async fn theme(p: TypedSession<Prefs>, t: web::Path<String>) -> HttpResponse {
        logic::theme(&p, t.into_inner());
        HttpResponse::NoContent().finish()
    }

    async fn unchanged(p: TypedSession<Prefs>) -> HttpResponse {
        logic::unchanged(&p);
        HttpResponse::Ok().finish()
    }

    async fn corrupt(s: SessionHandle) -> HttpResponse {
        logic::corrupt(&s);
        HttpResponse::Ok().finish()
    }

    async fn form(f: Flash) -> HttpResponse {
        logic::form(&f);
        see_other("/done")
    }

    async fn done(f: Flash) -> String {
        logic::list(f.take())
    }

    async fn done_fails(f: Flash) -> HttpResponse {
        let _ = f.take();
        HttpResponse::InternalServerError().finish()
    }

    async fn keep(f: Flash) -> HttpResponse {
        f.keep();
        see_other("/done")
    }

    async fn form_and_read(f: Flash) -> String {
        logic::form_and_read(&f)
    }

    async fn twice(a: Flash, b: Flash) -> String {
        logic::twice(&a, &b)
    }

    pub fn start() -> SocketAddr {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let engine = engine();
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(SessionMiddleware::new(engine.clone()))
                        .route("/prefs", web::get().to(prefs))
                        .route("/prefs/visit", web::post().to(visit))
                        .route("/prefs/theme/{theme}", web::post().to(theme))
                        .route("/prefs/unchanged", web::post().to(unchanged))
                        .route("/corrupt", web::post().to(corrupt))
                        .route("/form", web::post().to(form))
                        .route("/done", web::get().to(done))
                        .route("/done-fails", web::get().to(done_fails))
                        .route("/keep", web::get().to(keep))
                        .route("/form-and-read", web::post().to(form_and_read))
                        .route("/twice", web::get().to(twice))
                        .route("/asset", web::get().to(|| async { "asset" }))
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

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn typed_round_trip(framework: &str, addr: &str) {
    let mut jar = TestJar::new("chromium").unwrap();
    let get = |jar: &mut TestJar| {
        let reply = send(addr, jar, "GET", "/prefs");
        assert!(
            reply.set_cookies().is_empty(),
            "{framework}: a read writes nothing"
        );
        json_of(&reply.body)
    };
    assert_eq!(
        get(&mut jar),
        json!({"loaded": "absent", "prefs": {"theme": "", "visits": 0}}),
        "{framework}"
    );
    // An update that changes nothing leaves an absent value absent.
    let reply = send(addr, &mut jar, "POST", "/prefs/unchanged");
    assert!(
        reply.set_cookies().is_empty(),
        "{framework}: default written"
    );
    assert!(jar.is_empty(), "{framework}");
    let reply = send(addr, &mut jar, "POST", "/prefs/theme/dark");
    assert_eq!(
        (reply.status, reply.set_cookies().len()),
        (204, 1),
        "{framework}"
    );
    for n in 1..=2 {
        assert_eq!(
            send(addr, &mut jar, "POST", "/prefs/visit").body,
            n.to_string()
        );
    }
    assert_eq!(
        get(&mut jar),
        json!({"loaded": "present", "prefs": {"theme": "dark", "visits": 2}}),
        "{framework}"
    );
    // An update that changes nothing saves nothing.
    let reply = send(addr, &mut jar, "POST", "/prefs/unchanged");
    assert!(reply.set_cookies().is_empty(), "{framework}");

    // A stored value of another shape: defaults, said, never a failure.
    send(addr, &mut jar, "POST", "/corrupt");
    assert_eq!(
        get(&mut jar),
        json!({"loaded": "mismatch", "prefs": {"theme": "", "visits": 0}}),
        "{framework}"
    );
    // ...and it stays as stored until the handler changes the value.
    let reply = send(addr, &mut jar, "POST", "/prefs/unchanged");
    assert!(
        reply.set_cookies().is_empty(),
        "{framework}: mismatch rewritten"
    );
    assert_eq!(send(addr, &mut jar, "POST", "/prefs/visit").body, "1");
    assert_eq!(
        get(&mut jar),
        json!({"loaded": "present", "prefs": {"theme": "", "visits": 1}}),
        "{framework}"
    );
}

fn flash_rules(framework: &str, addr: &str) {
    let mut jar = TestJar::new("firefox").unwrap();
    let shown = |jar: &mut TestJar, path: &str| json_of(&send(addr, jar, "GET", path).body);
    let both = json!(["success:saved", "warning:check your email"]);

    // POST, redirect, GET: shown once; an asset in between takes nothing.
    let reply = send(addr, &mut jar, "POST", "/form");
    assert_eq!(
        (reply.status, reply.header("location")),
        (303, Some("/done")),
        "{framework}"
    );
    assert_eq!(send(addr, &mut jar, "GET", "/asset").body, "asset");
    assert_eq!(shown(&mut jar, "/done"), both, "{framework}");
    assert_eq!(shown(&mut jar, "/done"), json!([]), "{framework}: a reload");

    // The request that pushes doesn't see its own message; the next does.
    let reply = send(addr, &mut jar, "POST", "/form-and-read");
    assert_eq!(json_of(&reply.body), json!([]), "{framework}");
    assert_eq!(
        shown(&mut jar, "/done"),
        json!(["info:later"]),
        "{framework}"
    );

    // A 5xx saves nothing, so the message is shown by the next request.
    send(addr, &mut jar, "POST", "/form");
    assert_eq!(send(addr, &mut jar, "GET", "/done-fails").status, 500);
    assert_eq!(shown(&mut jar, "/done"), both, "{framework}: after a 5xx");

    // keep() passes it through one more redirect.
    send(addr, &mut jar, "POST", "/form");
    assert_eq!(send(addr, &mut jar, "GET", "/keep").status, 303);
    assert_eq!(shown(&mut jar, "/done"), both, "{framework}: kept");
    assert_eq!(shown(&mut jar, "/done"), json!([]), "{framework}");

    // Two extractors in one request see one flash: what the first peeks
    // the second takes, and then it is gone for both.
    send(addr, &mut jar, "POST", "/form");
    let twice = both.to_string();
    assert_eq!(
        shown(&mut jar, "/twice"),
        json!([twice, twice, "[]"]),
        "{framework}"
    );
    assert_eq!(shown(&mut jar, "/done"), json!([]), "{framework}");
}

#[test]
fn typed_sessions_over_axum() {
    typed_round_trip("axum", &axum_app::start().to_string());
}

#[test]
fn typed_sessions_over_actix() {
    typed_round_trip("actix", &actix_app::start().to_string());
}

#[test]
fn flash_messages_over_axum() {
    flash_rules("axum", &axum_app::start().to_string());
}

#[test]
fn flash_messages_over_actix() {
    flash_rules("actix", &actix_app::start().to_string());
}
