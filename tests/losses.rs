//! Losses seen where people look: the engine's `on_loss` hooks in every
//! layout and both flavours, and, over real HTTP through axum and actix-web,
//! a handler that learns before it answers that a 10 KB value will not be
//! kept, and middleware inside and outside the session layer that gets the
//! save's outcome.
//!
//! Needs `--features axum,actix,store`.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use common::demo::request_to;
use common::{block_on, builder, random_text, Jar};
use cookietin::store::MemoryStore;
use cookietin::{
    Engine, EngineBuilder, Group, SaveAction, SaveOutcome, SaveReport, SessionHandle, Stored,
};

/// 10 KB of incompressible text: over the default budget of about 7 KB.
fn big() -> String {
    random_text(21, 10_240)
}

/// The JSON bytes of `"notes":"<10240 chars>"` and its separator.
const NOTES_BYTES: usize = 1 + 5 + 1 + 1 + 1 + 10_240 + 1 + 1;

/// The reports the hooks saw, shared with the test.
type Seen = Arc<Mutex<Vec<SaveReport>>>;

fn with_hook<F: cookietin::Flavour>(builder: EngineBuilder<F>) -> (EngineBuilder<F>, Seen) {
    let seen: Seen = Arc::default();
    let sink = seen.clone();
    let builder = builder.on_loss(move |report| sink.lock().unwrap().push(report.clone()));
    (builder, seen)
}

fn lost(report: &SaveReport) -> Vec<(String, usize)> {
    report.lost_keys().map(|(k, b)| (k.to_owned(), b)).collect()
}

/// One lossless save, one preview of a lossy session, one lossy save:
/// the hook sees only the last, once, with `notes` dropped.
async fn lossy_round(engine: &Engine<Stored>, seen: &Seen, cookies: &[&str]) -> SaveReport {
    let mut session = engine.load(cookies.iter().copied(), None).await;
    session.insert("user", &"ada").unwrap();
    let saved = engine.save(&mut session).await.unwrap();
    assert!(!saved.report.is_lossy());
    assert!(
        seen.lock().unwrap().is_empty(),
        "a lossless save calls no hook"
    );

    let handle = SessionHandle::new(engine, engine.load(cookies.iter().copied(), None).await);
    handle.insert("notes", &big()).unwrap();
    assert!(!handle.will_keep_whole());
    assert!(seen.lock().unwrap().is_empty(), "a preview calls no hook");

    let mut session = engine.load(cookies.iter().copied(), None).await;
    session.insert("notes", &big()).unwrap();
    let saved = engine.save(&mut session).await.unwrap();
    let hooked = seen.lock().unwrap().clone();
    assert_eq!(hooked.len(), 1, "one lossy save, one call");
    assert_eq!(hooked[0], saved.report);
    hooked[0].clone()
}

#[test]
fn the_hook_sees_every_lossy_save_in_every_layout_and_flavour() {
    // A client engine: the synchronous save.
    let (b, seen) = with_hook(builder(1));
    let engine = b.build().unwrap();
    let mut session = engine.load(Vec::<&str>::new(), None);
    session.insert("user", &"ada").unwrap();
    session.insert("notes", &big()).unwrap();
    let saved = engine.save(&mut session).unwrap();
    assert_eq!(lost(&saved.report), [("notes".to_owned(), NOTES_BYTES)]);
    assert_eq!(*seen.lock().unwrap(), std::slice::from_ref(&saved.report));
    assert!(session.contains_key("user") && !session.contains_key("notes"));

    // The same configuration, async.
    let (b, seen) = with_hook(builder(1));
    let engine = b.build().unwrap().into_stored();
    let report = block_on(lossy_round(&engine, &seen, &[]));
    assert_eq!(lost(&report), [("notes".to_owned(), NOTES_BYTES)]);

    // Revocable cookies.
    let (b, seen) = with_hook(builder(1).revocable(MemoryStore::new()));
    let report = block_on(lossy_round(&b.build().unwrap(), &seen, &[]));
    assert_eq!(lost(&report), [("notes".to_owned(), NOTES_BYTES)]);

    // An overflow that may not take `notes`: dropped.
    let (b, seen) = with_hook(
        builder(1)
            .overflow(MemoryStore::new())
            .overflow_keys(["cart"]),
    );
    let report = block_on(lossy_round(&b.build().unwrap(), &seen, &[]));
    assert_eq!(lost(&report), [("notes".to_owned(), NOTES_BYTES)]);

    // An overflow that may take it: moved whole, which is no loss.
    let (b, seen) = with_hook(builder(1).overflow(MemoryStore::new()));
    let engine = b.build().unwrap();
    block_on(async {
        let handle = SessionHandle::new(&engine, engine.load(Vec::<&str>::new(), None).await);
        handle.insert("notes", &big()).unwrap();
        assert!(handle.will_keep_whole(), "a move keeps the key whole");
        let mut session = engine.load(Vec::<&str>::new(), None).await;
        session.insert("notes", &big()).unwrap();
        let report = engine.save(&mut session).await.unwrap().report;
        assert_eq!(report.shrink.moved_keys().collect::<Vec<_>>(), ["notes"]);
        assert!(!report.is_lossy());
    });
    assert!(seen.lock().unwrap().is_empty());

    // Groups: the `notes` group's cookies can't hold it; one call with the
    // whole report, which says which group dropped it.
    let notes_group = Group::new(builder(1).cookie_name("n")).claims(["notes"]);
    // (A revocation store on the rest makes it async, to share the round.)
    let (b, seen) = with_hook(builder(1).group(notes_group).revocable(MemoryStore::new()));
    let report = block_on(lossy_round(&b.build().unwrap(), &seen, &[]));
    assert_eq!(lost(&report), [("notes".to_owned(), NOTES_BYTES)]);
    let (name, group) = &report.groups[0];
    assert_eq!(name, "n");
    assert_eq!(lost(group), [("notes".to_owned(), NOTES_BYTES)]);

    // A store-backed session whose request's other cookies leave no room
    // even for its id: every key is lost, and the hook hears it.
    let (b, seen) = with_hook(builder(1).server_side(MemoryStore::new()));
    let engine = b.build().unwrap();
    let crowd: String = (0..9)
        .map(|i| format!("other{i}={}", "x".repeat(800)))
        .collect::<Vec<_>>()
        .join("; ");
    block_on(async {
        let mut session = engine.load([crowd.as_str()], None).await;
        session.insert("user", &"ada").unwrap();
        let report = engine.save(&mut session).await.unwrap().report;
        assert_eq!(report.action, SaveAction::NoRoom);
        assert!(report.is_lossy());
        assert_eq!(lost(&report), [("user".to_owned(), 13)]);
    });
    assert_eq!(seen.lock().unwrap().len(), 1);
}

// ---- Over real HTTP ----------------------------------------------------

/// What middleware saw of a save, in a line.
fn describe(outcome: &SaveOutcome) -> String {
    match outcome {
        SaveOutcome::Saved(report) => {
            let lost: Vec<&str> = report.lost_keys().map(|(k, _)| k).collect();
            format!("saved {:?} lost {lost:?}", report.action)
        }
        SaveOutcome::Failed(e) => format!("failed {e}"),
        SaveOutcome::SkippedServerError => "skipped".to_owned(),
        _ => "other".to_owned(),
    }
}

/// What each placement of middleware saw, per app.
#[derive(Default)]
struct Witness {
    /// `on_saved`, registered by middleware inside the layer.
    inner_callback: Mutex<Vec<String>>,
    /// `saved()`, awaited by a task that middleware inside the layer spawned.
    inner_future: Mutex<Vec<String>>,
    /// The hook's calls.
    hooked: AtomicUsize,
}

impl Witness {
    /// Waits (up to 10 s) for the spawned task to report `n` outcomes.
    fn future_outcomes(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = self.inner_future.lock().unwrap().clone();
            if seen.len() >= n || Instant::now() > deadline {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The handler's answer: whether the 10 KB value will be kept, found out
/// before answering.
fn answer(session: &SessionHandle) -> String {
    session.insert("notes", &big()).unwrap();
    if session.will_keep_whole() {
        return "stored".to_owned();
    }
    let preview = session.preview().unwrap();
    let lost: Vec<String> = preview
        .report
        .lost_keys()
        .map(|(k, b)| format!("{k} ({b} bytes)"))
        .collect();
    format!("not kept: {}", lost.join(", "))
}

fn small(session: &SessionHandle) -> String {
    session.insert("user", &"ada").unwrap();
    format!("kept whole: {}", session.will_keep_whole())
}

mod axum_app {
    use super::*;
    use axum::extract::{Request, State};
    use axum::http::HeaderValue;
    use axum::middleware::{self, Next};
    use axum::response::Response;
    use axum::routing::post;
    use axum::Router;
    use cookietin::integrations::tower::SessionLayer;

    /// Middleware inside the session layer: it answers before the save.
    async fn inner(State(w): State<Arc<Witness>>, request: Request, next: Next) -> Response {
        let handle = request.extensions().get::<SessionHandle>().cloned();
        let handle = handle.expect("inside the session layer");
        let sink = w.clone();
        handle.on_saved(move |outcome| sink.inner_callback.lock().unwrap().push(describe(outcome)));
        let saved = handle.saved();
        let response = next.run(request).await;
        assert!(
            response.extensions().get::<SaveOutcome>().is_none(),
            "inside the layer, the response has no outcome yet"
        );
        assert!(!handle.is_saved(), "the layer saves after this returns");
        tokio::spawn(async move {
            let outcome = saved.await.expect("the layer saves");
            w.inner_future.lock().unwrap().push(describe(&outcome));
        });
        response
    }

    /// Middleware outside it: the outcome is in the response.
    async fn outer(mut response: Response) -> Response {
        let seen = response.extensions().get::<SaveOutcome>().map(describe);
        let seen = seen.unwrap_or_else(|| "none".to_owned());
        let value = HeaderValue::from_str(&seen).unwrap();
        response.headers_mut().insert("x-outcome", value);
        response
    }

    /// The routes, with middleware inside the session layer that the
    /// caller adds.
    fn routes(w: Arc<Witness>) -> Router {
        Router::new()
            .route("/big", post(|s: SessionHandle| async move { answer(&s) }))
            .route("/small", post(|s: SessionHandle| async move { small(&s) }))
            .layer(middleware::from_fn_with_state(w, inner))
    }

    /// A client engine's app and a stored one's, each with its witness.
    pub fn start() -> (SocketAddr, Arc<Witness>, SocketAddr, Arc<Witness>) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let client = Arc::new(Witness::default());
                let counter = client.clone();
                let engine = builder(3)
                    .on_loss(move |_| {
                        counter.hooked.fetch_add(1, Ordering::SeqCst);
                    })
                    .build()
                    .unwrap();
                let stored = Arc::new(Witness::default());
                let counter = stored.clone();
                let stored_engine = builder(3)
                    .revocable(MemoryStore::new())
                    .on_loss(move |_| {
                        counter.hooked.fetch_add(1, Ordering::SeqCst);
                    })
                    .build()
                    .unwrap();
                let mut addrs = Vec::new();
                let outside = || middleware::map_response(outer);
                for router in [
                    routes(client.clone())
                        .layer(SessionLayer::new(engine))
                        .layer(outside()),
                    routes(stored.clone())
                        .layer(SessionLayer::new(stored_engine))
                        .layer(outside()),
                ] {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    addrs.push(listener.local_addr().unwrap());
                    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
                }
                tx.send((addrs[0], client, addrs[1], stored)).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    }
}

mod actix_app {
    use super::*;
    use actix_web::dev::Service as _;
    use actix_web::http::header::{HeaderName, HeaderValue};
    use actix_web::{web, App, HttpMessage, HttpServer};
    use cookietin::integrations::actix::SessionMiddleware;

    pub fn start() -> (SocketAddr, Arc<Witness>) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let witness = Arc::new(Witness::default());
                let counter = witness.clone();
                let engine = builder(3)
                    .on_loss(move |_| {
                        counter.hooked.fetch_add(1, Ordering::SeqCst);
                    })
                    .build()
                    .unwrap();
                let w = witness.clone();
                let server = HttpServer::new(move || {
                    let w = w.clone();
                    App::new()
                        .route(
                            "/big",
                            web::post().to(|s: SessionHandle| async move { answer(&s) }),
                        )
                        .route(
                            "/small",
                            web::post().to(|s: SessionHandle| async move { small(&s) }),
                        )
                        // Inside the session middleware (actix runs the
                        // last `wrap` first).
                        .wrap_fn(move |request, service| {
                            let handle = request.extensions().get::<SessionHandle>().cloned();
                            let handle = handle.expect("inside the session middleware");
                            let sink = w.clone();
                            handle.on_saved(move |outcome| {
                                sink.inner_callback.lock().unwrap().push(describe(outcome))
                            });
                            let saved = handle.saved();
                            let w = w.clone();
                            let response = service.call(request);
                            async move {
                                let response = response.await?;
                                assert!(response
                                    .response()
                                    .extensions()
                                    .get::<SaveOutcome>()
                                    .is_none());
                                actix_web::rt::spawn(async move {
                                    let outcome = saved.await.expect("the middleware saves");
                                    w.inner_future.lock().unwrap().push(describe(&outcome));
                                });
                                Ok(response)
                            }
                        })
                        .wrap(SessionMiddleware::new(engine.clone()))
                        // Outside it.
                        .wrap_fn(|request, service| {
                            let response = service.call(request);
                            async move {
                                let mut response = response.await?;
                                let seen = response.response().extensions().get().map(describe);
                                let seen = seen.unwrap_or_else(|| "none".to_owned());
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
                tx.send((server.addrs()[0], witness)).unwrap();
                server.run().await.unwrap();
            });
        });
        rx.recv().unwrap()
    }
}

/// The same story through any of the apps.
fn check(name: &str, addr: SocketAddr, witness: &Witness) {
    let post =
        |jar: &mut Jar, path: &str| request_to(&addr.to_string(), &[], jar, "POST", path, "");
    let mut jar = Jar::default();

    let reply = post(&mut jar, "/small");
    assert_eq!(reply.body, "kept whole: true", "{name}");
    assert_eq!(
        reply.header("x-outcome"),
        Some("saved Written lost []"),
        "{name}"
    );

    // The handler learns, before it answers, that the value won't be kept.
    let reply = post(&mut jar, "/big");
    assert_eq!(reply.status, 200, "{name}");
    assert_eq!(
        reply.body,
        format!("not kept: notes ({NOTES_BYTES} bytes)"),
        "{name}"
    );
    let expected = ["saved Written lost []", "saved Written lost [\"notes\"]"];
    // Outside the layer, in the response.
    assert_eq!(reply.header("x-outcome"), Some(expected[1]), "{name}");
    // Inside it: the callback ran before the response went out...
    assert_eq!(*witness.inner_callback.lock().unwrap(), expected, "{name}");
    // ...and the spawned task's future resolved.
    assert_eq!(witness.future_outcomes(2), expected, "{name}");
    // The hook heard the one lossy save.
    assert_eq!(witness.hooked.load(Ordering::SeqCst), 1, "{name}");
    // What the browser holds is what the report said: `user` alone.
    assert!(jar.get("session").is_some(), "{name}");
}

#[test]
fn axum_handlers_and_middleware_inside_and_outside_see_the_loss() {
    let (client, client_witness, stored, stored_witness) = axum_app::start();
    check("axum, client engine", client, &client_witness);
    check("axum, stored engine", stored, &stored_witness);
}

#[test]
fn actix_handlers_and_middleware_inside_and_outside_see_the_loss() {
    let (addr, witness) = actix_app::start();
    check("actix", addr, &witness);
}
