//! The demo's HTTP contract end to end over real HTTP, against every server
//! that serves it: the hyper demo (`examples/demo`), and with their
//! features the axum and actix-web examples (`cargo test --all-features`).
//!
//! `cargo test` builds the examples first, so their binaries sit next to
//! this test's; each case starts a server on a free loopback port and
//! stops it when done.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::demo::{contract_servers, request, start_example, Demo};
use common::{random_bytes, Jar};
use serde_json::{json, Value};

/// Runs `case` against every server of the contract.
fn each_server(args: &[&str], case: impl Fn(&Demo)) {
    for server in contract_servers() {
        // Names the server in the output of a failing case.
        eprintln!("contract case on the {server} server");
        let demo = start_example(server, args);
        case(&demo);
    }
}

fn blob_6000() -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(random_bytes(42, 4500));
    assert_eq!(text.len(), 6000);
    text
}

#[test]
fn patch_then_get_round_trips_4_5_kb_over_two_cookies_within_4096() {
    each_server(&[], |demo| {
        let mut jar = Jar::default();
        let blob = blob_6000();
        let reply = request(
            demo,
            &mut jar,
            "PATCH",
            "/api/session",
            &json!({ "blob": blob }).to_string(),
        );
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json(), json!({ "blob": blob }));
        assert!(jar.cookies.len() >= 2, "{:?}", jar.names());
        for (name, value) in &jar.cookies {
            assert!(name.len() + value.len() <= 4096);
        }
        let reply = request(demo, &mut jar, "GET", "/api/session", "");
        assert_eq!(reply.json(), json!({ "blob": blob }));
        let meta = request(demo, &mut jar, "GET", "/api/session/meta", "").json();
        assert_eq!(meta["chunks"], json!(jar.cookies.len()));
        assert_eq!(meta["empty_reason"], Value::Null);
    });
}

#[test]
fn null_removes_a_key_and_delete_clears() {
    each_server(&[], |demo| {
        let mut jar = Jar::default();
        request(demo, &mut jar, "PATCH", "/api/session", r#"{"a":1,"b":2}"#);
        let reply = request(demo, &mut jar, "PATCH", "/api/session", r#"{"a":null}"#);
        assert_eq!(reply.json(), json!({"b": 2}));
        let reply = request(demo, &mut jar, "DELETE", "/api/session", "");
        assert_eq!(reply.status, 200);
        assert!(jar.cookies.is_empty());
        assert_eq!(
            request(demo, &mut jar, "GET", "/api/session", "").json(),
            json!({})
        );
    });
}

#[test]
fn tampered_missing_reordered_and_mixed_chunks_give_an_empty_session_not_an_error() {
    each_server(&["--header-budget", "off"], |demo| {
        let blob = blob_6000();
        let body = json!({ "blob": blob }).to_string();
        let mut good = Jar::default();
        request(demo, &mut good, "PATCH", "/api/session", &body);
        let mut other = Jar::default();
        request(
            demo,
            &mut other,
            "PATCH",
            "/api/session",
            &json!({ "blob": blob_6000().replace('A', "B") }).to_string(),
        );
        assert_eq!(good.names(), ["session", "session.1"]);

        let mut tampered = good.clone();
        let v = tampered.get("session.1").unwrap().to_owned();
        tampered.set(
            "session.1",
            &format!("{}{}", if v.starts_with('x') { "y" } else { "x" }, &v[1..]),
        );
        let mut missing = good.clone();
        missing.cookies.retain(|(n, _)| n != "session.1");
        let mut reordered = good.clone();
        reordered.cookies.reverse();
        let (a, b) = (
            good.get("session").unwrap().to_owned(),
            good.get("session.1").unwrap().to_owned(),
        );
        reordered.set("session", &b);
        reordered.set("session.1", &a);
        let mut mixed = good.clone();
        mixed.set("session.1", other.get("session.1").unwrap());

        for (case, mut jar) in [
            ("tampered", tampered),
            ("missing", missing),
            ("reordered", reordered),
            ("mixed", mixed),
        ] {
            let meta = request(demo, &mut jar, "GET", "/api/session/meta", "");
            assert_eq!(meta.status, 200, "{case}");
            assert!(
                meta.json()["empty_reason"].is_string(),
                "{case}: {}",
                meta.body
            );
            let page = request(demo, &mut jar, "GET", "/api/session", "");
            assert_eq!((page.status, page.json()), (200, json!({})), "{case}");
            assert_eq!(
                request(demo, &mut jar, "GET", "/", "").status,
                200,
                "{case}"
            );
        }
        // The untouched jar still loads.
        let meta = request(demo, &mut good, "GET", "/api/session/meta", "").json();
        assert_eq!(meta["empty_reason"], Value::Null);
    });
}

#[test]
fn shrinking_from_three_chunks_to_one_expires_the_two_stale_ones_at_once() {
    each_server(&["--header-budget", "off"], |demo| {
        let mut jar = Jar::default();
        use base64::Engine as _;
        let big = base64::engine::general_purpose::STANDARD.encode(random_bytes(7, 7000));
        request(
            demo,
            &mut jar,
            "PATCH",
            "/api/session",
            &json!({ "blob": big }).to_string(),
        );
        assert_eq!(jar.names(), ["session", "session.1", "session.2"]);
        let reply = request(
            demo,
            &mut jar,
            "PATCH",
            "/api/session",
            r#"{"blob":null,"small":true}"#,
        );
        let expired: Vec<String> = reply
            .set_cookies()
            .into_iter()
            .filter(|c| c.contains("Max-Age=0"))
            .map(|c| c.split('=').next().unwrap().to_owned())
            .collect();
        assert_eq!(expired, ["session.1", "session.2"]);
        assert_eq!(jar.names(), ["session"]);
        assert_eq!(
            request(demo, &mut jar, "GET", "/api/session", "").json(),
            json!({"small": true})
        );
    });
}

#[test]
fn malformed_bodies_get_400_with_a_json_error() {
    each_server(&[], |demo| {
        let mut jar = Jar::default();
        for body in ["{", "[1,2]", "\"text\"", ""] {
            let reply = request(demo, &mut jar, "PATCH", "/api/session", body);
            assert_eq!(reply.status, 400, "{body:?}");
            assert!(reply.json()["error"].is_string());
        }
    });
}

#[test]
fn garbage_cookies_never_cause_a_5xx() {
    each_server(&[], |demo| {
        let garbage = [
            "session=",
            "session=\"\"",
            "session",
            "session=%%%%; session.1=zz",
            "session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "session.254=x; session.1=y",
        ];
        for cookie in garbage {
            let mut stream = TcpStream::connect(&demo.addr).unwrap();
            write!(stream, "GET /api/session/meta HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n").unwrap();
            let mut reply = String::new();
            stream.read_to_string(&mut reply).unwrap();
            let status: u16 = reply.split(' ').nth(1).unwrap().parse().unwrap();
            assert_eq!(status, 200, "{cookie}: {reply}");
        }
    });
}

/// Rewrites the issued-at time that the first cookie's header claims (its
/// bytes 2 to 6): the MAC no longer verifies, as for any tampering.
fn claim_issued_at(first: &str, issued_at: u32) -> String {
    let mut header = URL_SAFE_NO_PAD.decode(&first[..8]).unwrap();
    header[2..6].copy_from_slice(&issued_at.to_be_bytes());
    format!("{}{}", URL_SAFE_NO_PAD.encode(header), &first[8..])
}

fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32
}

#[test]
fn rejected_cookies_are_expired_by_the_next_response_unless_they_may_be_in_flight() {
    each_server(&["--header-budget", "off"], |demo| {
        let mut good = Jar::default();
        let body = json!({ "blob": blob_6000() }).to_string();
        request(demo, &mut good, "PATCH", "/api/session", &body);
        assert_eq!(good.names(), ["session", "session.1"]);

        // Tampered, and claiming to be an hour old: garbage, expired at once.
        let mut stale = good.clone();
        let first = stale.get("session").unwrap().to_owned();
        stale.set("session", &claim_issued_at(&first, unix_now() - 3600));
        let reply = request(demo, &mut stale, "GET", "/api/session/meta", "");
        assert_eq!(reply.status, 200);
        assert!(reply.json()["empty_reason"].is_string());
        let mut expired: Vec<String> = reply
            .set_cookies()
            .iter()
            .filter(|c| c.contains("Max-Age=0"))
            .map(|c| c.split('=').next().unwrap().to_owned())
            .collect();
        expired.sort();
        assert_eq!(
            expired,
            ["session", "session.1"],
            "{:?}",
            reply.set_cookies()
        );
        assert!(stale.cookies.is_empty());

        // A mismatch whose first cookie was issued moments ago may be a
        // write still in flight: left alone.
        let mut young = good.clone();
        let v = young.get("session.1").unwrap().to_owned();
        young.set(
            "session.1",
            &format!("{}{}", if v.starts_with('x') { "y" } else { "x" }, &v[1..]),
        );
        let reply = request(demo, &mut young, "GET", "/api/session/meta", "");
        assert_eq!(
            reply.json()["empty_reason"],
            json!("session signature does not verify")
        );
        assert!(reply.set_cookies().is_empty(), "{:?}", reply.set_cookies());
        assert_eq!(young.names(), ["session", "session.1"]);
    });
}

#[test]
fn responses_that_set_session_cookies_are_private_and_vary_on_cookie() {
    each_server(&[], |demo| {
        let mut jar = Jar::default();
        for (method, path, body) in [
            ("PATCH", "/api/session", r#"{"a":1}"#),
            ("DELETE", "/api/session", ""),
        ] {
            let reply = request(demo, &mut jar, method, path, body);
            assert!(!reply.set_cookies().is_empty(), "{method}");
            let cache = reply
                .header("cache-control")
                .unwrap_or_default()
                .to_ascii_lowercase();
            assert!(
                cache.contains("private") || cache.contains("no-store"),
                "{method}: {cache:?}"
            );
            let vary = reply
                .header("vary")
                .unwrap_or_default()
                .to_ascii_lowercase();
            assert!(vary.contains("cookie"), "{method}: {vary:?}");
        }
        // A page that never touches the session sets nothing.
        let reply = request(demo, &mut jar, "GET", "/", "");
        assert!(reply.set_cookies().is_empty());
    });
}

#[test]
fn max_age_is_clamped_to_400_days_and_partitioned_adds_secure_on_every_cookie() {
    each_server(&["--max-age", "50000000", "--partitioned"], |demo| {
        let mut jar = Jar::default();
        // Three cookies' worth, so that chunk cookies carry the attributes too.
        let blob = base64::engine::general_purpose::STANDARD.encode(random_bytes(7, 4000));
        let reply = request(
            demo,
            &mut jar,
            "PATCH",
            "/api/session",
            &json!({ "blob": blob }).to_string(),
        );
        let lines = reply.set_cookies();
        assert!(lines.len() >= 2, "{lines:?}");
        for line in &lines {
            let max_age: u64 = line
                .split("; ")
                .find_map(|a| a.strip_prefix("Max-Age="))
                .expect("a persistent cookie")
                .parse()
                .unwrap();
            assert!(max_age <= 34_560_000, "{line}");
            assert_eq!(max_age, 34_560_000, "{line}");
            assert!(
                line.contains("; Partitioned") && line.contains("; Secure"),
                "{line}"
            );
        }
        // The session's lifetime is still the one asked for.
        let meta = request(demo, &mut jar, "GET", "/api/session/meta", "").json();
        assert!(meta["issued_at"].as_u64().is_some(), "{meta}");
    });
}
