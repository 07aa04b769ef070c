//! Store-backed sessions end to end: the demo's servers started with
//! `--server-side` over each real backend (a redb file in a temporary
//! directory, a `redis-server` started here on 127.0.0.1, and the memory
//! store), driven over real HTTP with real concurrent requests.
//!
//! - a 20 KB session behind one cookie of under 200 bytes, on all three
//!   servers (hyper, axum, actix-web);
//! - concurrent requests of one session: different keys all persist, one
//!   key ends with one of the values;
//! - a destroy is never undone by a request in flight, and every copy of
//!   the cookie then loads empty with a reason;
//! - a regenerate loses no data that a request was told was saved;
//! - faults: Redis paused (reads answer 200, writes 503, nothing lost),
//!   Redis restarted with its append-only file, and the server killed with
//!   `kill -9` and restarted on the same redb file.
//!
//! Needs `--all-features`. Without `redis-server` the Redis cases skip with
//! a message, and fail under `CI` or `COOKIETIN_REQUIRE_REDIS=1`.
#![cfg(all(
    feature = "redb",
    feature = "redis",
    feature = "axum",
    feature = "actix"
))]

mod common;

use std::thread;

use common::demo::{get, meta, patch, request, start_example, start_example_with_env, Demo, Reply};
use common::redis_server::{Options, RedisServer};
use common::{random_text, Jar};
use serde_json::{json, Value};

/// The stores each case runs on: `--store` values, with the Redis server
/// that must outlive the case.
struct Backends {
    dir: tempfile::TempDir,
    redis: Option<RedisServer>,
}

impl Backends {
    fn start(test: &str) -> Backends {
        Backends {
            dir: tempfile::tempdir().unwrap(),
            redis: RedisServer::start(test, Options::default()),
        }
    }

    fn specs(&self) -> Vec<String> {
        let mut specs = vec![
            "memory".to_owned(),
            format!("redb:{}", self.dir.path().join("sessions.redb").display()),
        ];
        specs.extend(self.redis.as_ref().map(RedisServer::url));
        specs
    }
}

fn server_side(server: &str, store: &str) -> Demo {
    start_example(server, &["--server-side", "--store", store])
}

#[test]
fn a_20_kb_session_behind_one_small_cookie_and_destroy_for_every_copy() {
    let backends = Backends::start("server_side_http::small_cookie");
    let blob = random_text(1, 20_000);
    for store in backends.specs() {
        for server in ["demo", "axum", "actix"] {
            let demo = server_side(server, &store);
            let mut jar = Jar::default();
            let reply = patch(&demo, &mut jar, &json!({ "blob": blob }));
            assert_eq!(reply.status, 200, "{server} on {store}: {}", reply.body);
            assert_eq!(jar.names(), ["session"], "{server} on {store}");
            let cookie = jar.header();
            assert!(cookie.len() < 200, "{server} on {store}: {cookie}");
            assert_eq!(
                get(&demo, &mut jar)["blob"],
                json!(blob),
                "{server} on {store}"
            );
            let m = meta(&demo, &mut jar);
            assert_eq!(m["store"]["reachable"], json!(true), "{m}");

            let mut copy = jar.clone();
            let reply = request(&demo, &mut jar, "DELETE", "/api/session", "");
            assert_eq!(reply.status, 200);
            assert!(
                jar.cookies.is_empty(),
                "{server} on {store}: the cookie is expired"
            );
            let m = meta(&demo, &mut copy);
            assert!(m["empty_reason"].is_string(), "{server} on {store}: {m}");
            assert_eq!(
                get(
                    &demo,
                    &mut Jar::with(&[("session", cookie.trim_start_matches("session="))])
                ),
                json!({})
            );
        }
    }
}

/// `n` requests at once, each from its own thread with its own copy of
/// the jar, each PATCHing `body(i)`.
fn at_once(
    demo: &Demo,
    jar: &Jar,
    n: usize,
    body: impl Fn(usize) -> Value + Sync,
) -> Vec<(Reply, Jar)> {
    thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let mut jar = jar.clone();
                let body = &body;
                scope.spawn(move || (patch(demo, &mut jar, &body(i)), jar))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_requests_of_one_session_keep_every_key_and_one_value_per_key() {
    let backends = Backends::start("server_side_http::concurrent");
    for store in backends.specs() {
        let demo = server_side("axum", &store);
        let mut jar = Jar::default();
        patch(&demo, &mut jar, &json!({ "user": "ada" }));
        let replies = at_once(&demo, &jar, 16, |i| json!({ format!("k{i}"): i }));
        assert!(replies.iter().all(|(r, _)| r.status == 200), "{store}");
        let session = get(&demo, &mut jar);
        for i in 0..16 {
            assert_eq!(session[format!("k{i}")], json!(i), "{store}: {session}");
        }
        assert_eq!(session["user"], json!("ada"));

        let replies = at_once(
            &demo,
            &jar,
            8,
            |i| json!({ "same": { "by": i, "pad": "x".repeat(i * 100) } }),
        );
        assert!(replies.iter().all(|(r, _)| r.status == 200), "{store}");
        let same = &get(&demo, &mut jar)["same"];
        let by = same["by"].as_u64().unwrap() as usize;
        assert!(by < 8, "{store}: {same}");
        assert_eq!(
            same["pad"],
            json!("x".repeat(by * 100)),
            "{store}: never a mix"
        );
    }
}

#[test]
fn a_destroy_is_never_undone_by_a_request_in_flight() {
    let backends = Backends::start("server_side_http::destroy");
    for store in backends.specs() {
        let demo = server_side("axum", &store);
        let mut jar = Jar::default();
        patch(&demo, &mut jar, &json!({ "user": "ada" }));
        let old = jar.clone();
        let replies = thread::scope(|scope| {
            let writers: Vec<_> = (0..8)
                .map(|i| {
                    let mut jar = old.clone();
                    let demo = &demo;
                    scope.spawn(move || patch(demo, &mut jar, &json!({ format!("w{i}"): i })))
                })
                .collect();
            let mut logout = old.clone();
            let deleted = request(&demo, &mut logout, "DELETE", "/api/session", "");
            assert_eq!(deleted.status, 200);
            writers
                .into_iter()
                .map(|w| w.join().unwrap())
                .collect::<Vec<_>>()
        });
        for reply in &replies {
            // Saved before the destroy, refused after it (409), or a new
            // session under a new id for a request that loaded after it.
            assert!(
                matches!(reply.status, 200 | 409),
                "{store}: {} {}",
                reply.status,
                reply.body
            );
        }
        let mut copy = old.clone();
        assert_eq!(
            get(&demo, &mut copy),
            json!({}),
            "{store}: the old cookie's session came back"
        );
        assert!(meta(&demo, &mut old.clone())["empty_reason"].is_string());
    }
}

#[test]
fn a_regenerate_keeps_every_change_a_request_was_told_it_saved() {
    let backends = Backends::start("server_side_http::regenerate");
    for store in backends.specs() {
        let demo = server_side("axum", &store);
        let mut jar = Jar::default();
        patch(&demo, &mut jar, &json!({ "cart": ["pear"] }));
        let old = jar.clone();
        let (writes, mut regenerated) = thread::scope(|scope| {
            let writers: Vec<_> = (0..8)
                .map(|i| {
                    let mut jar = old.clone();
                    let demo = &demo;
                    scope.spawn(move || {
                        let reply = patch(demo, &mut jar, &json!({ format!("w{i}"): i }));
                        (i, reply, jar)
                    })
                })
                .collect();
            let mut login = old.clone();
            let reply = request(&demo, &mut login, "POST", "/api/session/regenerate", "");
            assert_eq!(reply.status, 200);
            (
                writers
                    .into_iter()
                    .map(|w| w.join().unwrap())
                    .collect::<Vec<_>>(),
                login,
            )
        });
        assert_ne!(regenerated.header(), old.header(), "{store}: a new id");
        let session = get(&demo, &mut regenerated);
        assert_eq!(session["cart"], json!(["pear"]), "{store}: {session}");
        for (i, reply, jar) in writes {
            // A write into the old record (its cookie unchanged) that was
            // acknowledged must have moved with it.
            if reply.status == 200 && jar.header() == old.header() {
                assert_eq!(
                    session[format!("w{i}")],
                    json!(i),
                    "{store}: write {i} lost: {session}"
                );
            }
        }
        assert_eq!(
            get(&demo, &mut old.clone()),
            json!({}),
            "{store}: the old id still works"
        );
    }
}

#[test]
fn redis_paused_answers_reads_and_refuses_writes_and_loses_nothing() {
    let Some(redis) = RedisServer::start(
        "server_side_http::paused",
        Options {
            durable: true,
            cluster: false,
        },
    ) else {
        return;
    };
    let demo = server_side("axum", &redis.url());
    let mut jar = Jar::default();
    patch(&demo, &mut jar, &json!({ "user": "ada" }));
    redis.pause();
    let reply = request(&demo, &mut jar, "GET", "/api/session/meta", "");
    assert_eq!(reply.status, 200);
    let m = reply.json();
    assert_eq!(m["store"]["reachable"], json!(false), "{m}");
    assert!(
        m["empty_reason"].as_str().unwrap().contains("unavailable"),
        "{m}"
    );
    assert_eq!(request(&demo, &mut jar, "GET", "/", "").status, 200);
    let reply = patch(&demo, &mut jar, &json!({ "cart": ["pear"] }));
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.header("retry-after"), Some("1"));
    redis.resume();
    assert_eq!(get(&demo, &mut jar)["user"], json!("ada"));
    assert_eq!(
        patch(&demo, &mut jar, &json!({ "cart": ["pear"] })).status,
        200
    );
    assert_eq!(get(&demo, &mut jar)["cart"], json!(["pear"]));
}

#[test]
fn redis_restarted_with_its_append_only_file_keeps_every_session() {
    let Some(mut redis) = RedisServer::start(
        "server_side_http::restart",
        Options {
            durable: true,
            cluster: false,
        },
    ) else {
        return;
    };
    let demo = server_side("axum", &redis.url());
    let mut jars: Vec<Jar> = (0..5)
        .map(|i| {
            let mut jar = Jar::default();
            assert_eq!(patch(&demo, &mut jar, &json!({ "n": i })).status, 200);
            jar
        })
        .collect();
    redis.restart();
    for (i, jar) in jars.iter_mut().enumerate() {
        // The first request after the restart may find the connection
        // broken; the manager reconnects.
        let mut session = get(&demo, jar);
        for _ in 0..20 {
            if session["n"] == json!(i) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            session = get(&demo, jar);
        }
        assert_eq!(session["n"], json!(i), "session {i} after the restart");
    }
}

#[test]
fn a_server_killed_with_kill_9_keeps_every_session_in_its_redb_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("redb:{}", dir.path().join("sessions.redb").display());
    let mut demo = server_side("demo", &store);
    let mut jars: Vec<Jar> = (0..10)
        .map(|i| {
            let mut jar = Jar::default();
            assert_eq!(
                patch(
                    &demo,
                    &mut jar,
                    &json!({ "n": i, "blob": random_text(i, 3000) })
                )
                .status,
                200
            );
            jar
        })
        .collect();
    demo.kill();
    let demo = server_side("demo", &store);
    for (i, jar) in jars.iter_mut().enumerate() {
        let session = get(&demo, jar);
        assert_eq!(session["n"], json!(i), "session {i} after kill -9");
        assert_eq!(session["blob"], json!(random_text(i as u64, 3000)));
    }
}

/// The demo's default store (no `--store`) is a redb file in the system's
/// temporary directory: a session outlives a restart of the server on it.
#[test]
fn the_default_store_keeps_a_session_across_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let tmpdir = tmp.path().to_str().unwrap();
    let start = || start_example_with_env("demo", &["--server-side"], &[("TMPDIR", tmpdir)]);
    let mut demo = start();
    let mut jar = Jar::default();
    let blob = random_text(7, 20_000);
    let body = json!({ "blob": blob, "n": 3 });
    assert_eq!(patch(&demo, &mut jar, &body).status, 200);
    assert!(
        tmp.path().join("cookietin-demo/sessions.redb").is_file(),
        "the default store is a redb file under TMPDIR"
    );
    demo.kill();
    let demo = start();
    let session = get(&demo, &mut jar);
    assert_eq!(session["n"], json!(3), "after the restart: {session}");
    assert_eq!(session["blob"], json!(blob));
}

#[test]
fn groups_keep_40_kb_and_a_delete_ends_every_earlier_cookie_set() {
    let backends = Backends::start("server_side_http::groups");
    for store in backends.specs() {
        for server in ["demo", "axum", "actix"] {
            let demo = start_example(server, &["--groups", "--store", &store]);
            let mut jar = Jar::default();
            let body = json!({
                "csrf_token": "t0k3n",
                "user": "ada",
                "roles": ["admin"],
                "a": random_text(1, 20_000),
                "b": random_text(2, 20_000),
            });
            let reply = patch(&demo, &mut jar, &body);
            assert_eq!(reply.status, 200, "{server} on {store}: {}", reply.body);
            assert!(
                jar.header().len() <= 7168,
                "{server} on {store}: {}",
                jar.header().len()
            );
            let mut names = jar.names();
            names.sort_unstable();
            assert_eq!(names, ["csrf", "session", "sid"], "{server} on {store}");
            assert_eq!(get(&demo, &mut jar), body, "{server} on {store}");
            let m = meta(&demo, &mut jar);
            let moved = m["placement"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["overflowed"] == json!(true))
                .count();
            assert!(moved > 0, "{server} on {store}: {m}");

            let earlier = jar.clone();
            assert_eq!(
                request(&demo, &mut jar, "DELETE", "/api/session", "").status,
                200
            );
            assert!(
                jar.cookies.is_empty(),
                "{server} on {store}: {:?}",
                jar.names()
            );
            let m = meta(&demo, &mut earlier.clone());
            assert_eq!(m["keys"], json!(0), "{server} on {store}: {m}");
            for group in m["groups"].as_array().unwrap() {
                assert!(
                    group["empty_reason"].is_string(),
                    "{server} on {store}: {group}"
                );
            }
        }
    }
}
