//! The session id in a request header (`EngineBuilder::session_header`),
//! for clients that keep no cookies: the id comes back in the response
//! header when it changes, and the header gets the cookie's checks. The
//! adversarial cases the cookie id passes, over the header: forged values
//! never reach the store, another key's id, an expired one, a revoked one,
//! and fixation (a login, a regenerate and a destroy each retire the id
//! the header carried). Real HTTP through the axum layer and the actix-web
//! middleware, with `x-session-id` and `Authorization: Bearer`, is at the
//! end.
#![cfg(feature = "store")]

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::probe_store::ProbeStore;
use common::*;
use cookietin::store::{MemoryStore, Store};
use cookietin::{EmptyReason, Engine, Saved, Session, Stored};

fn header_engine(key_byte: u8, store: Arc<dyn Store>, header: &str) -> Engine<Stored> {
    builder(key_byte)
        .server_side(store)
        .user_key("user")
        .max_age(Duration::from_secs(3600))
        .session_header(header)
        .build()
        .unwrap()
}

fn memory() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new().clock(now))
}

/// An API client: it keeps the header's value, never a cookie.
#[derive(Clone, Default)]
struct Client {
    value: Option<String>,
}

impl Client {
    async fn load(&self, engine: &Engine<Stored>) -> Session {
        let piece = self
            .value
            .as_deref()
            .and_then(|v| engine.session_header_cookie(v.as_bytes()));
        engine.load(piece, Some(CHROME)).await
    }

    /// What the response's header says after `saved`.
    fn apply(&mut self, engine: &Engine<Stored>, saved: &Saved) -> Option<String> {
        let value = engine.session_header_value(saved);
        match value.as_deref() {
            Some("") => self.value = None,
            Some(v) => self.value = Some(v.to_owned()),
            None => {}
        }
        value
    }

    async fn visit(
        &mut self,
        engine: &Engine<Stored>,
        edit: impl FnOnce(&mut Session),
    ) -> (Session, Option<String>) {
        let mut session = self.load(engine).await;
        edit(&mut session);
        let saved = engine.save(&mut session).await.unwrap();
        let header = self.apply(engine, &saved);
        (session, header)
    }
}

#[test]
fn the_id_rides_in_the_header_and_comes_back_only_when_it_changes() {
    block_on(async {
        for header in ["x-session-id", "authorization"] {
            let engine = header_engine(1, memory(), header);
            assert_eq!(engine.session_header(), Some(header));
            let mut client = Client::default();
            let (_, sent) = client.visit(&engine, |s| s.insert("n", &1).unwrap()).await;
            let sent = sent.expect("a new session's id");
            assert_eq!(sent.starts_with("Bearer "), header == "authorization");
            let (session, again) = client.visit(&engine, |s| s.insert("n", &2).unwrap()).await;
            assert_eq!(session.empty_reason(), None, "{header}");
            assert_eq!(again, None, "{header}: the id did not change");
            let session = client.load(&engine).await;
            assert_eq!(session.get::<u32>("n").unwrap(), Some(2), "{header}");
            // Another scheme of Authorization carries no session.
            if header == "authorization" {
                assert_eq!(engine.session_header_cookie(b"Basic YWxhZGRpbg=="), None);
            }
        }
    });
}

#[test]
fn forged_or_foreign_ids_in_the_header_never_reach_the_store() {
    block_on(async {
        let probe = Arc::new(ProbeStore::default());
        let engine = header_engine(1, probe.clone(), "x-session-id");
        // An id another key signed, from a client of another app.
        let other = header_engine(2, memory(), "x-session-id");
        let mut foreign = Client::default();
        foreign
            .visit(&other, |s| s.insert("user", &"mallory").unwrap())
            .await;
        let foreign = foreign.value.unwrap();
        let cases: [(&str, EmptyReason); 4] = [
            (&foreign, EmptyReason::BadSignature),
            (
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                EmptyReason::UnsupportedVersion(0),
            ),
            ("EQFrSdIAq4Z5", EmptyReason::Malformed),
            // No second cookie rides in on a separator.
            ("abc; session=x", EmptyReason::Malformed),
        ];
        for (value, reason) in cases {
            let client = Client {
                value: Some(value.to_owned()),
            };
            let session = client.load(&engine).await;
            assert!(session.is_empty(), "{value}");
            assert_eq!(session.empty_reason(), Some(&reason), "{value}");
        }
        let huge = Client {
            value: Some("A".repeat(5000)),
        };
        assert_eq!(
            huge.load(&engine).await.empty_reason(),
            Some(&EmptyReason::Malformed)
        );
        assert_eq!(probe.calls.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn an_expired_id_in_the_header_loads_expired() {
    block_on(async {
        let engine = header_engine(1, memory(), "x-session-id");
        let mut client = Client::default();
        client.visit(&engine, |s| s.insert("n", &1).unwrap()).await;
        set_now(now() + 3601);
        let session = client.load(&engine).await;
        assert!(session.is_empty());
        assert_eq!(session.empty_reason(), Some(&EmptyReason::Expired));
        set_now(now() - 3601);
    });
}

#[test]
fn a_revoked_id_in_the_header_stays_revoked_even_with_a_request_in_flight() {
    block_on(async {
        let engine = header_engine(1, memory(), "x-session-id");
        let (mut laptop, mut phone) = (Client::default(), Client::default());
        let (me, _) = laptop
            .visit(&engine, |s| s.insert("user", &"ada").unwrap())
            .await;
        let (on_phone, _) = phone
            .visit(&engine, |s| s.insert("user", &"ada").unwrap())
            .await;
        let mut in_flight = phone.load(&engine).await;
        let handle = engine.device_handle(&on_phone).unwrap();
        assert!(engine.revoke_device(&"ada", &handle).await.unwrap());
        in_flight.insert("late", &true).unwrap();
        assert!(engine.save(&mut in_flight).await.is_err());
        let session = phone.load(&engine).await;
        assert_eq!(session.empty_reason(), Some(&EmptyReason::Revoked));

        // Log out everywhere reaches the laptop's header id too, though it
        // logged in this very second.
        engine.revoke_user(&"ada", None).await.unwrap();
        let session = laptop.load(&engine).await;
        assert_eq!(session.empty_reason(), Some(&EmptyReason::Revoked));
        let _ = me;
    });
}

#[test]
fn a_login_a_regenerate_and_a_destroy_retire_the_id_the_header_carried() {
    block_on(async {
        let engine = header_engine(1, memory(), "x-session-id");
        // Fixation: an attacker makes an anonymous session and hands its
        // id to the victim, who logs in with it.
        let mut attacker = Client::default();
        attacker
            .visit(&engine, |s| s.insert("cart", &["fig"]).unwrap())
            .await;
        let mut victim = attacker.clone();
        let (_, sent) = victim
            .visit(&engine, |s| s.insert("user", &"ada").unwrap())
            .await;
        let sent = sent.expect("a login sends a new id");
        assert_ne!(Some(sent), attacker.value);
        let planted = attacker.load(&engine).await;
        assert!(planted.get::<String>("user").unwrap().is_none());
        assert!(planted.is_empty(), "the planted id is retired");
        let mine = victim.load(&engine).await;
        assert_eq!(mine.get::<String>("user").unwrap().as_deref(), Some("ada"));

        // A regenerate sends a new id and retires the old one.
        let before = victim.clone();
        let (_, sent) = victim.visit(&engine, |s| s.regenerate()).await;
        assert!(sent.is_some_and(|v| Some(v) != before.value));
        assert!(before.load(&engine).await.is_empty());
        assert_eq!(
            victim
                .load(&engine)
                .await
                .get::<String>("user")
                .unwrap()
                .as_deref(),
            Some("ada")
        );

        // A destroy empties the header, and the id is gone for every copy.
        let before = victim.clone();
        let (_, sent) = victim.visit(&engine, |s| s.destroy()).await;
        assert_eq!(sent.as_deref(), Some(""));
        assert_eq!(victim.value, None);
        assert!(before.load(&engine).await.is_empty());
    });
}

#[test]
fn the_header_and_cookies_both_work_and_the_header_is_read_first() {
    block_on(async {
        let engine = header_engine(1, memory(), "x-session-id");
        let (mut by_cookie, mut by_header) = (Jar::default(), Client::default());
        visit_saved(&engine, &mut by_cookie, |s| {
            s.insert("who", &"cookie").unwrap()
        })
        .await;
        by_header
            .visit(&engine, |s| s.insert("who", &"header").unwrap())
            .await;
        let piece = engine
            .session_header_cookie(by_header.value.as_deref().unwrap().as_bytes())
            .unwrap();
        let both = engine
            .load([piece, by_cookie.header().into_bytes()], None)
            .await;
        assert_eq!(
            both.get::<String>("who").unwrap().as_deref(),
            Some("header")
        );
        let cookie = engine.load([by_cookie.header()], None).await;
        assert_eq!(
            cookie.get::<String>("who").unwrap().as_deref(),
            Some("cookie")
        );
    });
}

#[test]
fn a_session_header_needs_a_store_backed_session_and_a_header_name() {
    let err = builder(1)
        .revocable(memory())
        .session_header("x-session-id")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("store-backed"), "{err}");
    for bad in ["cookie", "set-cookie", "not a name"] {
        assert!(
            builder(1)
                .server_side(memory())
                .session_header(bad)
                .build()
                .is_err(),
            "{bad}"
        );
    }
}

/// The layers over real HTTP: a client that sends no cookies, with the id
/// in `x-session-id` or `Authorization: Bearer`.
#[cfg(all(feature = "axum", feature = "actix"))]
mod over_http {
    use std::net::SocketAddr;
    use std::sync::mpsc;

    use super::*;
    use common::demo::{exchange, Reply};
    use cookietin::SessionHandle;

    fn server_engine(header: &str) -> Engine<Stored> {
        Engine::builder(cookietin::Key::try_from_bytes(&[7; 32]).unwrap())
            .secure(false)
            .server_side(MemoryStore::new())
            .user_key("user")
            .session_header(header)
            .build()
            .unwrap()
    }

    async fn count(session: SessionHandle) -> String {
        let n: u64 = session.get("n").unwrap().unwrap_or(0) + 1;
        session.insert("n", &n).unwrap();
        n.to_string()
    }

    async fn login(session: SessionHandle) -> String {
        session.insert("user", &"ada").unwrap();
        "in".to_owned()
    }

    async fn others(session: SessionHandle) -> String {
        session.revoke_other_devices().await.unwrap().to_string()
    }

    async fn logout(session: SessionHandle) -> String {
        session.destroy();
        "out".to_owned()
    }

    fn axum_start(header: &'static str) -> SocketAddr {
        use axum::routing::{get, post};
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let app = axum::Router::new()
                    .route("/count", get(count))
                    .route("/login", post(login))
                    .route("/others", post(others))
                    .route("/logout", post(logout))
                    .layer(cookietin::integrations::tower::SessionLayer::new(
                        server_engine(header),
                    ));
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        rx.recv().unwrap()
    }

    fn actix_start(header: &'static str) -> SocketAddr {
        use actix_web::{web, App, HttpServer};
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let engine = server_engine(header);
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(cookietin::integrations::actix::SessionMiddleware::new(
                            engine.clone(),
                        ))
                        .route("/count", web::get().to(count))
                        .route("/login", web::post().to(login))
                        .route("/others", web::post().to(others))
                        .route("/logout", web::post().to(logout))
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

    /// One request with the header's value, if any, and no cookie.
    fn send(
        addr: SocketAddr,
        header: &str,
        value: Option<&str>,
        method: &str,
        path: &str,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = value.map(|v| (header, v)).into_iter().collect();
        let reply = exchange(&addr.to_string(), &headers, method, path, "");
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body);
        reply
    }

    fn check(framework: &str, addr: SocketAddr, header: &str) {
        let at = format!("{framework} {header}");
        let first = send(addr, header, None, "GET", "/count");
        assert_eq!(first.body, "1");
        let id = first.header(header).expect("the new id").to_owned();
        assert_eq!(id.starts_with("Bearer "), header == "authorization", "{at}");
        let vary: Vec<String> = first
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
            .map(|(_, v)| v.to_ascii_lowercase())
            .collect();
        let vary = vary.join(", ");
        assert!(vary.contains(header), "{at}: Vary {vary}");
        let second = send(addr, header, Some(&id), "GET", "/count");
        assert_eq!(second.body, "2", "{at}");
        assert_eq!(second.header(header), None, "{at}: the id did not change");

        // Forged, or another scheme: a new session, never an error.
        for forged in [
            "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "EQFrSdIAq4Z5",
            "x; n=1",
        ] {
            let reply = send(addr, header, Some(forged), "GET", "/count");
            assert_eq!(reply.body, "1", "{at}: {forged}");
        }

        // Fixation: a login answers with a new id; the old one is retired.
        let login = send(addr, header, Some(&id), "POST", "/login");
        let phone = login.header(header).expect("a login's new id").to_owned();
        assert_ne!(phone, id, "{at}");
        assert_eq!(
            send(addr, header, Some(&id), "GET", "/count").body,
            "1",
            "{at}"
        );
        assert_eq!(
            send(addr, header, Some(&phone), "GET", "/count").body,
            "3",
            "{at}"
        );

        // A second device of ada signs the first out.
        let laptop = send(addr, header, None, "POST", "/login");
        let laptop = laptop.header(header).unwrap().to_owned();
        let others = send(addr, header, Some(&laptop), "POST", "/others");
        assert_eq!(others.body, "1", "{at}");
        assert_eq!(
            send(addr, header, Some(&phone), "GET", "/count").body,
            "1",
            "{at}"
        );

        // A logout empties the header, and the id is gone.
        let out = send(addr, header, Some(&laptop), "POST", "/logout");
        assert_eq!(out.header(header), Some(""), "{at}");
        let after = send(addr, header, Some(&laptop), "GET", "/count");
        assert_eq!(after.body, "1", "{at}");
    }

    #[test]
    fn the_axum_layer_reads_and_writes_the_header() {
        for header in ["x-session-id", "authorization"] {
            check("axum", axum_start(header), header);
        }
    }

    #[test]
    fn the_actix_middleware_reads_and_writes_the_header() {
        for header in ["x-session-id", "authorization"] {
            check("actix", actix_start(header), header);
        }
    }
}
