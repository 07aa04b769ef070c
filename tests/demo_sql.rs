//! The demo's servers on the SQL stores, over real HTTP: `--store
//! postgres://USER@127.0.0.1:PORT/DB` on a real PostgreSQL started here, and
//! `--store sqlite:PATH` on a real SQLite file, each with `--server-side`
//! and with `--groups`.
//!
//! - `--server-side`: a 20 KB session behind one small cookie, its row in
//!   the store, concurrent requests that change different keys all kept,
//!   and a destroy that empties every copy of the cookie;
//! - `--groups`: a 40 KB session kept whole under the default header
//!   budget, the excess in the store, and a delete that ends every group;
//! - a demo killed with `kill -9` and restarted on the same store keeps
//!   every acknowledged session;
//! - a PostgreSQL URL that nothing answers stops the demo at start with a
//!   message, not at the first request.
//!
//! Without PostgreSQL the PostgreSQL cases skip with a message, and fail
//! under `CI` or `COOKIETIN_REQUIRE_POSTGRES=1`.
#![cfg(all(feature = "postgres", feature = "sqlite"))]

mod common;

use std::thread;

use common::demo::{contract_servers, get, meta, patch, request, start_example, Reply};
use common::postgres_server::PostgresServer;
use common::{random_text, Jar};
use serde_json::json;

/// A SQL store for the demo: its `--store` value and its kind in meta.
struct Sql {
    spec: String,
    kind: &'static str,
}

/// PostgreSQL's rows in the store's table.
fn pg_rows(server: &PostgresServer) -> usize {
    server
        .psql("cookietin", "SELECT count(*) FROM cookietin_sessions")
        .trim()
        .parse()
        .unwrap()
}

/// `--server-side` on one store, on every server of the contract.
fn server_side_on(store: &Sql, rows: &dyn Fn() -> Option<usize>) {
    let blob = random_text(1, 20_000);
    for server in contract_servers() {
        let at = format!("{server} on {}", store.kind);
        let demo = start_example(server, &["--server-side", "--store", &store.spec]);
        let mut jar = Jar::default();
        let before = rows();
        let reply = patch(&demo, &mut jar, &json!({ "user": "ada", "blob": blob }));
        assert_eq!(reply.status, 200, "{at}: {}", reply.body);
        assert_eq!(jar.names(), ["session"], "{at}");
        let cookie = jar.header();
        assert!(cookie.len() < 200, "{at}: {cookie}");
        if let (Some(before), Some(after)) = (before, rows()) {
            assert_eq!(after, before + 1, "{at}: one row for the new session");
        }
        let m = meta(&demo, &mut jar);
        assert_eq!(
            m["store"],
            json!({ "kind": store.kind, "reachable": true }),
            "{at}"
        );

        // 16 requests at once, each setting its own key: all kept.
        let replies: Vec<Reply> = thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|i| {
                    let (demo, mut jar) = (&demo, jar.clone());
                    scope.spawn(move || patch(demo, &mut jar, &json!({ format!("k{i}"): i })))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(replies.iter().all(|r| r.status == 200), "{at}");
        let session = get(&demo, &mut jar);
        assert_eq!(session["blob"], json!(blob), "{at}");
        assert_eq!(session["user"], json!("ada"), "{at}");
        for i in 0..16 {
            assert_eq!(session[format!("k{i}")], json!(i), "{at}: {session}");
        }

        // A destroy empties every copy of the cookie.
        let mut copy = jar.clone();
        let reply = request(&demo, &mut jar, "DELETE", "/api/session", "");
        assert_eq!(reply.status, 200, "{at}");
        assert!(jar.cookies.is_empty(), "{at}: the cookie is expired");
        assert!(
            meta(&demo, &mut copy.clone())["empty_reason"].is_string(),
            "{at}"
        );
        assert_eq!(get(&demo, &mut copy), json!({}), "{at}");
        if let (Some(before), Some(after)) = (before, rows()) {
            assert_eq!(after, before, "{at}: the destroyed session's row is gone");
        }
    }
}

/// `--groups` on one store, on every server of the contract.
fn groups_on(store: &Sql) {
    for server in contract_servers() {
        let at = format!("{server} on {}", store.kind);
        let demo = start_example(server, &["--groups", "--store", &store.spec]);
        let mut jar = Jar::default();
        let body = json!({
            "csrf_token": "t0k3n",
            "user": "ada",
            "roles": ["admin"],
            "a": random_text(1, 20_000),
            "b": random_text(2, 20_000),
        });
        let reply = patch(&demo, &mut jar, &body);
        assert_eq!(reply.status, 200, "{at}: {}", reply.body);
        assert!(jar.header().len() <= 7168, "{at}: {}", jar.header().len());
        let mut names = jar.names();
        names.sort_unstable();
        assert_eq!(names, ["csrf", "session", "sid"], "{at}");
        assert_eq!(get(&demo, &mut jar), body, "{at}");
        let m = meta(&demo, &mut jar);
        assert_eq!(m["store"]["kind"], json!(store.kind), "{at}");
        let moved = m["placement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["overflowed"] == json!(true))
            .count();
        assert!(moved > 0, "{at}: {m}");

        let earlier = jar.clone();
        let reply = request(&demo, &mut jar, "DELETE", "/api/session", "");
        assert_eq!(reply.status, 200, "{at}");
        assert!(jar.cookies.is_empty(), "{at}: {:?}", jar.names());
        let m = meta(&demo, &mut earlier.clone());
        assert_eq!(m["keys"], json!(0), "{at}: {m}");
        for group in m["groups"].as_array().unwrap() {
            assert!(group["empty_reason"].is_string(), "{at}: {group}");
        }
    }
}

/// Ten sessions written, the demo killed with `kill -9`, restarted on the
/// same store: all ten load.
fn survives_kill_9(store: &Sql) {
    let start = || start_example("demo", &["--server-side", "--store", &store.spec]);
    let mut demo = start();
    let mut jars: Vec<Jar> = (0..10)
        .map(|i| {
            let mut jar = Jar::default();
            let body = json!({ "n": i, "blob": random_text(100 + i, 3000) });
            assert_eq!(patch(&demo, &mut jar, &body).status, 200);
            jar
        })
        .collect();
    demo.kill();
    let demo = start();
    for (i, jar) in jars.iter_mut().enumerate() {
        let session = get(&demo, jar);
        assert_eq!(session["n"], json!(i), "{}: session {i}", store.kind);
        assert_eq!(session["blob"], json!(random_text(100 + i as u64, 3000)));
    }
}

#[test]
fn the_demo_on_postgres_with_server_side_and_groups() {
    let Some(server) = PostgresServer::start("demo_sql::postgres") else {
        return;
    };
    let store = Sql {
        spec: server.url(),
        kind: "postgres",
    };
    server_side_on(&store, &|| Some(pg_rows(&server)));
    groups_on(&store);
    survives_kill_9(&store);
}

#[test]
fn the_demo_on_a_sqlite_file_with_server_side_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sessions.sqlite");
    let store = Sql {
        spec: format!("sqlite:{}", file.display()),
        kind: "sqlite",
    };
    server_side_on(&store, &|| None);
    assert!(file.is_file(), "the SQLite file was created");
    groups_on(&store);
    survives_kill_9(&store);
}

#[test]
fn a_postgres_url_nothing_answers_stops_the_demo_at_start() {
    let port = common::demo::free_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/cookietin");
    let out = std::process::Command::new(common::demo::demo_binary())
        .args(["--listen", "127.0.0.1:0", "--server-side", "--store", &url])
        .env("COOKIETIN_SECRET", common::demo::SECRET)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "it never listened");
    assert!(
        stderr.contains(&format!("--store {url}")),
        "the message names the store: {stderr}"
    );
}
