//! The demo's per-user index endpoints and session header, over real HTTP,
//! on each server of the demo's contract (the hyper demo, and the axum and
//! actix examples when their features are on), with `--server-side` and
//! with `--groups`, on a memory store and a redb file:
//!
//! - `--user-key [KEY]`: `GET /api/session/devices` lists the user's
//!   sessions (`[]` without a user), `DELETE /api/session/devices/{ID}`
//!   answers 204 and that session's next request is empty with a revoked
//!   `empty_reason` in meta, `POST /api/session/devices/revoke-others`
//!   answers `{"revoked": N}`, and `PATCH /api/users/{USER}/sessions`
//!   changes a key in every session of the user (`{"changed": N}`);
//! - `--session-header NAME`: a client that keeps no cookies.
#![cfg(feature = "redb")]

mod common;

use common::demo::{contract_servers, request_to, start_example, Demo, Reply};
use common::{Jar, CHROME, FIREFOX};
use serde_json::{json, Value};

const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

fn call(demo: &Demo, jar: &mut Jar, agent: &str, method: &str, path: &str, body: &str) -> Reply {
    request_to(
        &demo.addr,
        &[("User-Agent", agent)],
        jar,
        method,
        path,
        body,
    )
}

fn devices(demo: &Demo, jar: &mut Jar) -> Vec<Value> {
    let reply = call(demo, jar, CHROME, "GET", "/api/session/devices", "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json().as_array().unwrap().clone()
}

fn login(demo: &Demo, agent: &str, user: &str) -> Jar {
    let mut jar = Jar::default();
    let body = json!({ "user": user, "roles": ["reader"], "cart": ["pear"] }).to_string();
    let reply = call(demo, &mut jar, agent, "PATCH", "/api/session", &body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    jar
}

fn empty_reason(demo: &Demo, jar: &mut Jar) -> Value {
    call(demo, jar, CHROME, "GET", "/api/session/meta", "").json()["empty_reason"].clone()
}

fn check(server: &str, layout: &str, store: &str, user_key: &[&str]) {
    let mut args = vec![layout, "--store", store];
    args.extend_from_slice(user_key);
    let demo = start_example(server, &args);
    let at = format!("{server} {layout} {store}");

    // No user: an empty list, and anonymous sessions are never listed.
    let mut anonymous = Jar::default();
    call(
        &demo,
        &mut anonymous,
        CHROME,
        "PATCH",
        "/api/session",
        r#"{"cart":["fig"]}"#,
    );
    assert_eq!(devices(&demo, &mut anonymous), Vec::<Value>::new(), "{at}");

    let mut laptop = login(&demo, CHROME, "ada");
    let mut phone = login(&demo, FIREFOX, "ada");
    let mut bob = login(&demo, CHROME, "bob");
    let listed = devices(&demo, &mut laptop);
    assert_eq!(listed.len(), 2, "{at}: {listed:?}");
    let mine: Vec<&Value> = listed
        .iter()
        .filter(|d| d["current"] == json!(true))
        .collect();
    assert_eq!(mine.len(), 1, "{at}");
    assert_eq!(
        (mine[0]["browser"].as_str(), mine[0]["os"].as_str()),
        (Some("Chrome"), Some("Linux"))
    );
    let other = listed
        .iter()
        .find(|d| d["current"] == json!(false))
        .unwrap();
    assert_eq!(other["browser"], json!("Firefox"), "{at}");
    for device in &listed {
        let id = device["id"].as_str().unwrap();
        assert!(!id.is_empty() && !laptop.header().contains(id) && !phone.header().contains(id));
        assert!(device["created"].as_u64().unwrap() > 1_700_000_000, "{at}");
        assert!(
            device["last_seen"].as_u64() >= device["created"].as_u64(),
            "{at}"
        );
    }

    // An admin changes ada's role in every session, with no request of theirs.
    let reply = call(
        &demo,
        &mut Jar::default(),
        CHROME,
        "PATCH",
        "/api/users/ada/sessions",
        r#"{"roles":["editor"]}"#,
    );
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({ "changed": 2 })),
        "{at}"
    );
    for jar in [&mut laptop, &mut phone] {
        let session = call(&demo, jar, CHROME, "GET", "/api/session", "").json();
        assert_eq!(session["roles"], json!(["editor"]), "{at}");
        assert_eq!(session["cart"], json!(["pear"]), "{at}");
    }
    let session = call(&demo, &mut bob, CHROME, "GET", "/api/session", "").json();
    assert_eq!(session["roles"], json!(["reader"]), "{at}: bob's are his");

    // Sign the phone out from the laptop.
    let handle = other["id"].as_str().unwrap();
    let reply = call(
        &demo,
        &mut laptop,
        CHROME,
        "DELETE",
        &format!("/api/session/devices/{handle}"),
        "",
    );
    assert_eq!((reply.status, reply.body.as_str()), (204, ""), "{at}");
    let reason = empty_reason(&demo, &mut phone);
    assert!(
        reason.as_str().unwrap_or_default().contains("revoked"),
        "{at}: {reason}"
    );
    assert_eq!(
        call(&demo, &mut phone, CHROME, "GET", "/api/session", "").json(),
        json!({}),
        "{at}"
    );
    // Bob can't end ada's sessions, nor can a handle that is no one's.
    let reply = call(
        &demo,
        &mut bob,
        CHROME,
        "DELETE",
        &format!("/api/session/devices/{}", mine[0]["id"].as_str().unwrap()),
        "",
    );
    assert_eq!(reply.status, 404, "{at}");

    // Sign out every other device.
    let mut tablet = login(&demo, SAFARI, "ada");
    let mut desktop = login(&demo, FIREFOX, "ada");
    let reply = call(
        &demo,
        &mut laptop,
        CHROME,
        "POST",
        "/api/session/devices/revoke-others",
        "",
    );
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({ "revoked": 2 })),
        "{at}"
    );
    for jar in [&mut tablet, &mut desktop] {
        let reason = empty_reason(&demo, jar);
        assert!(
            reason.as_str().unwrap_or_default().contains("revoked"),
            "{at}: {reason}"
        );
    }
    let listed = devices(&demo, &mut laptop);
    assert_eq!(listed.len(), 1, "{at}");
    assert_eq!(listed[0]["current"], json!(true), "{at}");
    assert_eq!(empty_reason(&demo, &mut laptop), Value::Null, "{at}");
    assert_eq!(devices(&demo, &mut bob).len(), 1, "{at}");
}

#[test]
fn the_demo_lists_and_ends_a_users_sessions_and_patches_them_out_of_band() {
    let dir = tempfile::tempdir().unwrap();
    for server in contract_servers() {
        let redb = format!(
            "redb:{}",
            dir.path().join(format!("{server}.redb")).display()
        );
        check(server, "--server-side", "memory", &["--user-key"]);
        check(server, "--groups", &redb, &["--user-key", "user"]);
    }
}

#[test]
fn without_a_user_key_the_device_endpoints_say_so() {
    let demo = start_example("demo", &["--server-side", "--store", "memory"]);
    let reply = call(
        &demo,
        &mut Jar::default(),
        CHROME,
        "GET",
        "/api/session/devices",
        "",
    );
    assert_eq!(reply.status, 404);
    assert!(
        reply.json()["error"].as_str().unwrap().contains("user_key"),
        "{}",
        reply.body
    );
}

#[test]
fn a_client_without_cookies_carries_the_id_in_the_session_header() {
    for server in contract_servers() {
        let demo = start_example(
            server,
            &[
                "--server-side",
                "--store",
                "memory",
                "--user-key",
                "--session-header",
                "x-session-id",
            ],
        );
        let send = |id: Option<&str>, method: &str, path: &str, body: &str| {
            let mut headers = vec![("User-Agent", CHROME)];
            headers.extend(id.map(|id| ("x-session-id", id)));
            // A fresh jar each time: the client keeps no cookie.
            request_to(
                &demo.addr,
                &headers,
                &mut Jar::default(),
                method,
                path,
                body,
            )
        };
        let reply = send(None, "PATCH", "/api/session", r#"{"user":"ada","n":1}"#);
        assert_eq!(reply.status, 200, "{server}: {}", reply.body);
        let id = reply.header("x-session-id").expect("the id").to_owned();
        let reply = send(Some(&id), "GET", "/api/session", "");
        assert_eq!(reply.json(), json!({ "user": "ada", "n": 1 }), "{server}");
        assert_eq!(reply.header("x-session-id"), None, "{server}: unchanged");
        let listed = send(Some(&id), "GET", "/api/session/devices", "").json();
        assert_eq!(listed[0]["current"], json!(true), "{server}");
        // A forged id is a new, empty session.
        let reply = send(
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "GET",
            "/api/session",
            "",
        );
        assert_eq!((reply.status, reply.json()), (200, json!({})), "{server}");
        // A logout empties the header, and the id stops working.
        let reply = send(Some(&id), "DELETE", "/api/session", "");
        assert_eq!(reply.header("x-session-id"), Some(""), "{server}");
        let reply = send(Some(&id), "GET", "/api/session", "");
        assert_eq!(reply.json(), json!({}), "{server}");
    }
}
