//! The `cookietin` command (feature `cli`), run as a process on cookies the
//! demo server really set, signed and encrypted: `inspect` on a Cookie
//! header, Set-Cookie lines, a curl jar and a HAR file, with and without
//! the key; `sign` making cookies the demo accepts; `keygen`; `budget`;
//! and the documented exit codes on bad input. A HAR is read as a browser
//! sends (domain, path, Secure), and a header over a server's limit is
//! flagged by the server's name.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;
use cookietin::{Engine, Key, MasterKey};
use serde_json::{json, Value};

use common::demo::{self, request, Demo, SECRET};
use common::{random_text, Jar, CHROME};

const MARKER: &str = "MARKER-cli-5e1f-not-for-your-eyes";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs the binary with `args`, `stdin`, and `COOKIETIN_SECRET` only when
/// given.
fn run_with(args: &[&str], stdin: &[u8], secret_env: Option<&str>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cookietin"));
    cmd.args(args)
        .env_remove("COOKIETIN_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(s) = secret_env {
        cmd.env("COOKIETIN_SECRET", s);
    }
    let mut child = cmd.spawn().expect("the cookietin binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn run(args: &[&str], stdin: &str) -> Run {
    run_with(args, stdin.as_bytes(), None)
}

/// What the demo really set for a session of two or more cookies.
struct Real {
    session: Value,
    set_cookies: Vec<String>,
    jar: Jar,
    chunks: usize,
}

fn real_session(demo: &Demo) -> Real {
    let mut jar = Jar::with(&[("theme", "dark"), ("_ga", "GA1.2.3.4")]);
    let session = json!({"user": "ada", "secret": MARKER, "blob": random_text(7, 5200)});
    let reply = request(
        demo,
        &mut jar,
        "PATCH",
        "/api/session",
        &session.to_string(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), session);
    let meta = request(demo, &mut jar, "GET", "/api/session/meta", "").json();
    let chunks = meta["chunks"].as_u64().unwrap() as usize;
    assert!(chunks >= 2, "{meta}");
    Real {
        session,
        set_cookies: reply.set_cookies(),
        jar,
        chunks,
    }
}

fn curl_jar(jar: &Jar) -> String {
    let mut out = "# Netscape HTTP Cookie File\n# written by the test\n\n".to_owned();
    for (name, value) in &jar.cookies {
        let prefix = if name.starts_with("session") {
            "#HttpOnly_"
        } else {
            ""
        };
        out.push_str(&format!(
            "{prefix}127.0.0.1\tFALSE\t/\tFALSE\t0\t{name}\t{value}\n"
        ));
    }
    out
}

fn har(real: &Real) -> String {
    let set_cookies: Vec<Value> = real
        .set_cookies
        .iter()
        .map(|v| json!({"name": "Set-Cookie", "value": v}))
        .collect();
    json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "PATCH", "headers": [{"name": "Cookie", "value": "theme=dark; _ga=GA1.2.3.4"}], "cookies": []},
         "response": {"status": 200, "headers": set_cookies, "cookies": []}},
    ]}})
    .to_string()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn inspect_a_signed_demo_session_with_and_without_the_key() {
    let demo = demo::start(&[]);
    let real = real_session(&demo);
    let header = real.jar.header();
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        ("cookie-header", format!("Cookie: {header}")),
        (
            "set-cookie",
            real.set_cookies
                .iter()
                .map(|l| format!("Set-Cookie: {l}\n"))
                .collect(),
        ),
        ("curl-jar", curl_jar(&real.jar)),
        ("har", har(&real)),
    ];
    for (format, text) in &inputs {
        // Without a key: shown, marked unverified; from stdin.
        let r = run(&["inspect", "--json"], text);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        let report = r.json();
        assert_eq!(report["input"]["format"], json!(format));
        assert_eq!(report["status"], json!("unverified"), "{format}");
        assert_eq!(report["verified"], json!(false));
        assert_eq!(report["payload"], real.session, "{format}");
        assert_eq!(report["chunks"].as_array().unwrap().len(), real.chunks);
        assert_eq!(report["envelope"]["chunks"], json!(real.chunks));
        assert_eq!(report["envelope"]["flags"], json!(["deflate"]));
        assert_eq!(report["envelope"]["expired"], json!(false));
        // With the key, from a file: verified.
        let file = write_temp(&dir, &format!("{format}.txt"), text);
        let r = run(&["inspect", "--json", "--key", SECRET, &file], "");
        assert_eq!(r.code, 0, "{format}: {}", r.stdout);
        let report = r.json();
        assert_eq!(report["status"], json!("verified"), "{format}");
        assert_eq!(report["payload"], real.session);
        assert_eq!(report["key"], json!("key 1, its bytes, as the HMAC key"));
    }
    // COOKIETIN_SECRET is the default key; text output.
    let r = run_with(&["inspect", &header], b"", Some(SECRET));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("payload: verified"), "{}", r.stdout);
    assert!(r.stdout.contains(MARKER));
    let r = run(&["inspect", &header], "");
    assert!(r.stdout.contains("UNVERIFIED"), "{}", r.stdout);
    assert!(r.stdout.contains(MARKER), "a signed session is readable");
    // A wrong key: rejected, exit 1, the payload still shown for debugging.
    let r = run(
        &[
            "inspect",
            "--json",
            "--key",
            "a different secret of 32 bytes or more",
            &header,
        ],
        "",
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["status"], json!("signature does not verify"));
    assert_eq!(
        r.json()["error"],
        json!("session signature does not verify")
    );
}

#[test]
fn inspect_reads_one_sites_cookies_from_a_jar_or_a_har_of_several() {
    let demo = demo::start(&[]);
    let real = real_session(&demo);
    // Another site's cookie of the same name, as real jars and HARs hold.
    let foreign = "session=EQFforeign.not-a-cookietin-session";
    let mut jar = curl_jar(&real.jar);
    jar.push_str(
        ".cdn.example.net\tTRUE\t/\tTRUE\t0\tsession\tEQFforeign.not-a-cookietin-session\n",
    );
    let r = run(
        &["inspect", "--json", "--key", SECRET, "--host", "127.0.0.1"],
        &jar,
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report = r.json();
    assert_eq!(report["status"], json!("verified"));
    assert_eq!(report["payload"], real.session);
    assert_eq!(report["input"]["host"], json!("127.0.0.1"));
    assert_eq!(
        report["input"]["warnings"],
        json!(["skipped 1 cookie(s) of other domains (cdn.example.net)"])
    );
    // Read whole, the jar mixes two sites, and says so.
    let r = run(&["inspect", "--json", "--key", SECRET], &jar);
    let warnings = r.json()["input"]["warnings"].to_string();
    assert!(
        warnings.contains("of 2 domains (127.0.0.1, cdn.example.net)"),
        "{warnings}"
    );
    assert!(warnings.contains("--host"), "{warnings}");

    // A page load in a browser's developer tools: the page first, then a
    // script from a CDN with a cookie of the same name, recorded last.
    let set_cookies: Vec<Value> = real
        .set_cookies
        .iter()
        .map(|v| json!({"name": "Set-Cookie", "value": v}))
        .collect();
    let har = json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "PATCH", "url": demo.url("/api/session"),
                     "headers": [{"name": "Cookie", "value": "theme=dark; _ga=GA1.2.3.4"}]},
         "response": {"status": 200, "headers": set_cookies}},
        {"request": {"method": "GET", "url": "https://cdn.example.net/app.js",
                     "headers": [{"name": "Cookie", "value": foreign}]},
         "response": {"status": 200, "headers": []}},
    ]}})
    .to_string();
    let r = run(&["inspect", "--json", "--key", SECRET], &har);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report = r.json();
    assert_eq!(report["status"], json!("verified"));
    assert_eq!(report["payload"], real.session);
    assert_eq!(report["input"]["host"], json!("127.0.0.1"));
    assert_eq!(report["chunks"].as_array().unwrap().len(), real.chunks);
    let r = run(&["inspect", "--key", SECRET], &har);
    assert!(r.stdout.contains("for 127.0.0.1"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("warning: 1 entries of other hosts than 127.0.0.1 (cdn.example.net): only their Set-Cookie headers were read"),
        "{}",
        r.stdout
    );
    // The CDN's own cookie, when asked for: not a cookietin session.
    let r = run(
        &[
            "inspect",
            "--json",
            "--key",
            SECRET,
            "--host",
            "cdn.example.net",
        ],
        &har,
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.json()["input"]["cookies"], json!(1));
}

#[test]
fn inspect_an_encrypted_demo_session_shows_its_json_only_with_the_key() {
    let demo = demo::start(&["--encrypt"]);
    let real = real_session(&demo);
    let header = real.jar.header();
    let meta = request(&demo, &mut real.jar.clone(), "GET", "/api/session/meta", "").json();
    assert_eq!(meta["encrypted"], json!(true));
    assert_eq!(meta["cookie"]["readable_without_key"], Value::Null);
    assert!(!header.contains(MARKER));
    let id = MasterKey::try_from_bytes(SECRET.as_bytes())
        .unwrap()
        .key_id()
        .to_string();
    for text in [
        format!("Cookie: {header}"),
        real.set_cookies.join("\n"),
        curl_jar(&real.jar),
        har(&real),
    ] {
        let r = run(&["inspect", "--json"], &text);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let report = r.json();
        assert_eq!(report["status"], json!("encrypted, no key given"));
        assert_eq!(report["payload"], Value::Null);
        assert_eq!(report["envelope"]["flags"], json!(["encrypted"]));
        assert_eq!(report["envelope"]["key_id"], json!(id));
        assert_eq!(report["envelope"]["chunks"], json!(real.chunks));
        assert!(!r.stdout.contains(MARKER) && !r.stdout.contains("\"ada\""));

        let r = run_with(&["inspect", "--json"], text.as_bytes(), Some(SECRET));
        assert_eq!(r.code, 0, "{}", r.stdout);
        let report = r.json();
        assert_eq!(report["status"], json!("decrypted"));
        assert_eq!(report["payload"], real.session);
        assert_eq!(report["key"], json!("key 1, its bytes, as a master secret"));
    }
    // Text output, without the key: the envelope, no JSON.
    let r = run(&["inspect", &header], "");
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(&format!("key id {id}")), "{}", r.stdout);
    assert!(r.stdout.contains("payload: encrypted, no key given"));
    assert!(!r.stdout.contains(MARKER));
    // Another key: its id names no key; exit 1, and the ids are listed.
    let other = "another secret that is long enough!!";
    let r = run(&["inspect", "--json", "--key", other, &header], "");
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["error"], json!("session key id names no key"));
    let other_id = MasterKey::try_from_bytes(other.as_bytes())
        .unwrap()
        .key_id();
    assert_eq!(
        r.json()["key_ids_given"],
        json!([format!("{other_id} (key 1, its bytes, as a master secret)")])
    );
}

#[test]
fn inspect_measures_chunks_against_the_browser_and_reports_problems() {
    let demo = demo::start(&[]);
    let real = real_session(&demo);
    let header = real.jar.header();
    let r = run(&["inspect", "--json", "--user-agent", CHROME, &header], "");
    let report = r.json();
    assert_eq!(report["limits"]["id"], json!("chromium"));
    assert_eq!(report["other_cookies"], json!({"count": 2, "bytes": 25}));
    assert_eq!(report["site"]["cookie_header_bytes"], json!(header.len()));
    for (i, c) in report["chunks"].as_array().unwrap().iter().enumerate() {
        let name = if i == 0 {
            "session".to_owned()
        } else {
            format!("session.{i}")
        };
        let value = real.jar.get(&name).unwrap();
        assert_eq!(c["name"], json!(name));
        assert_eq!(c["counted_bytes"], json!(name.len() + value.len()));
        assert_eq!(c["max_cookie_bytes"], json!(4096));
        assert_eq!(c["fits"], json!(true));
    }
    // A chunk missing: rejected, exit 1.
    let mut missing = real.jar.clone();
    missing.cookies.retain(|(n, _)| n != "session.1");
    let r = run(&["inspect", "--json", &missing.header()], "");
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["error"], json!("session chunk 1 is missing"));
    // A leftover chunk beyond the count is marked stale and ignored.
    let mut stale = real.jar.clone();
    stale.set(&format!("session.{}", real.chunks), "AAAA");
    let r = run(&["inspect", "--json", "--key", SECRET, &stale.header()], "");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let chunks = r.json()["chunks"].as_array().unwrap().clone();
    assert_eq!(chunks.last().unwrap()["stale"], json!(true));
    // Another cookie name.
    let r = run(&["inspect", "--name", "sid", &header], "");
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("no cookie named \"sid\""), "{}", r.stdout);
    // Expired, against the max age given: the session was issued at most a
    // second ago, so after two seconds a max age of one has passed.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let late = run(
        &[
            "inspect",
            "--json",
            "--key",
            SECRET,
            "--max-age",
            "1",
            &header,
        ],
        "",
    );
    assert_eq!(late.code, 1, "{}", late.stdout);
    assert_eq!(late.json()["envelope"]["expired"], json!(true));
    assert_eq!(late.json()["error"], json!("session has expired"));
}

#[test]
fn bad_input_gives_a_message_and_an_exit_code_never_a_panic() {
    // Not UTF-8.
    let r = run_with(&["inspect"], &[0xff, 0xfe, 0x00, 0x80], None);
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("not UTF-8"), "{}", r.stderr);
    // Not a HAR.
    let r = run(&["inspect", "--format", "har"], "{\"log\": 3}");
    assert_eq!(r.code, 3);
    assert!(r.stderr.contains("not a HAR file"), "{}", r.stderr);
    // Garbage under the session's name.
    for garbage in [
        "session=",
        "session=!!!!",
        "session=AAAAAAAA",
        "session=EAIAAAAA",
        "session=IAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let r = run(&["inspect", "--json", garbage], "");
        assert_eq!(r.code, 1, "{garbage}: {}", r.stdout);
        assert!(r.json()["error"].is_string(), "{garbage}");
    }
    // Usage errors: exit 2.
    assert_eq!(run(&["inspect", "--format", "xml", "a=b"], "").code, 2);
    assert_eq!(run(&["frobnicate"], "").code, 2);
    assert_eq!(run(&["keygen", "--bytes", "16"], "").code, 2);
    let r = run(&["sign", "--key", "short", "{}"], "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at least 32"), "{}", r.stderr);
    assert!(!r.stderr.contains("short"), "no key material: {}", r.stderr);
    let r = run(&["sign", "{}"], "");
    assert_eq!(r.code, 2, "no key");
    assert_eq!(run(&["sign", "--key", SECRET, "[1, 2]"], "").code, 3);
    assert_eq!(run(&["sign", "--key", SECRET, "{not json"], "").code, 3);
    assert_eq!(
        run(
            &["budget", "--user-agent", "x", "--other-cookies", "a/b"],
            ""
        )
        .code,
        2
    );
}

#[test]
fn sign_makes_cookies_the_demo_accepts() {
    let session = json!({"user": "grace", "roles": ["admin"], "blob": random_text(3, 4500)});
    for (args, demo_args) in [(vec![], vec![]), (vec!["--encrypt"], vec!["--encrypt"])] {
        let demo = demo::start(&demo_args);
        let mut sign = vec!["sign", "--json", "--insecure", "--key", SECRET];
        sign.extend(&args);
        let body = session.to_string();
        sign.push(&body);
        let r = run(&sign, "");
        assert_eq!(r.code, 0, "{}", r.stderr);
        let out = r.json();
        assert_eq!(out["encrypted"], json!(!args.is_empty()));
        assert!(out["report"]["chunks"].as_u64().unwrap() >= 2);
        let mut jar = Jar::default();
        jar.apply(
            &out["set_cookies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        );
        assert_eq!(jar.header(), out["cookie_header"].as_str().unwrap());
        let back = request(&demo, &mut jar, "GET", "/api/session", "");
        assert_eq!(back.json(), session, "{args:?}");
        // And the text output is Set-Cookie lines that inspect reads back.
        sign.retain(|a| *a != "--json");
        let lines = run(&sign, "").stdout;
        assert!(lines.lines().all(|l| l.starts_with("Set-Cookie: session")));
        let r = run(&["inspect", "--json", "--key", SECRET], &lines);
        assert_eq!(r.code, 0);
        assert_eq!(r.json()["payload"], session);
    }
    // Derived signing: what Engine::builder(master.signing_ring(name)) reads.
    let r = run(
        &[
            "sign",
            "--json",
            "--derived",
            "--name",
            "sid",
            "--key",
            SECRET,
            "{\"a\":1}",
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = r.json()["cookie_header"].as_str().unwrap().to_owned();
    let master = MasterKey::try_from_bytes(SECRET.as_bytes()).unwrap();
    let engine = Engine::builder(master.signing_key("sid"))
        .cookie_name("sid")
        .build()
        .unwrap();
    assert_eq!(
        engine
            .load([header.as_str()], None)
            .get::<u32>("a")
            .unwrap(),
        Some(1)
    );
    let r = run(
        &[
            "inspect", "--json", "--name", "sid", "--key", SECRET, &header,
        ],
        "",
    );
    assert_eq!(
        r.json()["key"],
        json!("key 1, its bytes, as a master secret (its derived signing key)")
    );
}

#[test]
fn keygen_prints_fresh_base64_secrets() {
    let a = run(&["keygen"], "");
    let b = run(&["keygen"], "");
    assert_eq!((a.code, b.code), (0, 0));
    let a = a.stdout.trim().to_owned();
    assert_ne!(a, b.stdout.trim());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&a)
        .unwrap();
    assert_eq!(bytes.len(), 32);
    let j = run(&["keygen", "--json", "--bytes", "48"], "").json();
    let secret = j["secret"].as_str().unwrap();
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(secret)
            .unwrap()
            .len(),
        48
    );
    let id = MasterKey::from_base64(secret).unwrap().key_id().to_string();
    assert_eq!(j["key_id"], json!(id));
    // A generated secret works as a ring, as a deployment would load it.
    assert!(cookietin::MasterRing::from_base64_list(&format!("{secret},{a}")).is_ok());
}

#[test]
fn budget_gives_the_entry_and_the_room_the_engine_computes() {
    let r = run(
        &[
            "budget",
            "--json",
            "--user-agent",
            CHROME,
            "--other-cookies",
            "12/1000",
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json();
    assert_eq!(out["limits"]["id"], json!("chromium"));
    assert_eq!(out["budget"]["other_cookies"], json!(12));
    assert_eq!(out["budget"]["other_bytes"], json!(1000));
    // The same request, built here.
    let engine = Engine::builder(Key::try_from_bytes(&[1; 32]).unwrap())
        .build()
        .unwrap();
    // 12 names of 4 bytes, 11 separators of 2, and 930 bytes of values.
    let header: Vec<String> = (0..12)
        .map(|i| format!("o{i:02}={}", "v".repeat(77 + usize::from(i < 6))))
        .collect();
    let header = header.join("; ");
    assert_eq!(header.len(), 1000);
    let budget = engine.budget(&engine.load([header.as_str()], Some(CHROME)));
    assert_eq!(out["budget"]["capacity"], json!(budget.capacity));
    assert_eq!(out["budget"]["header_bytes"], json!(budget.header_bytes));
    let off = run(
        &[
            "budget",
            "--json",
            "--user-agent",
            CHROME,
            "--header-budget",
            "off",
        ],
        "",
    )
    .json();
    assert_eq!(off["budget"]["header_bytes"], Value::Null);
    assert_eq!(off["budget"]["binding"], json!("cookie-count"));
    let text = run(&["budget", "--user-agent", CHROME], "").stdout;
    assert!(text.contains("entry chromium"), "{text}");
}

#[test]
fn inspect_reads_a_har_as_the_browser_sends_by_domain_path_and_secure() {
    let demo = demo::start(&[]);
    let real = real_session(&demo);
    // Beside the real chunks, the jar holds a session of the same name for
    // another path, which a reader by name alone took for chunk 0; another
    // domain's cookie, which the browser refuses; and a Secure cookie set
    // over https on a host the request does not go to.
    let mut set_cookies: Vec<Value> = real
        .set_cookies
        .iter()
        .map(|v| json!({"name": "Set-Cookie", "value": v}))
        .collect();
    for extra in [
        "session=EQFother.path; Path=/admin",
        "theme=light; Path=/admin",
        "evil=1; Domain=example.com",
    ] {
        set_cookies.push(json!({"name": "Set-Cookie", "value": extra}));
    }
    let har = json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "PATCH", "url": demo.url("/api/session"),
                     "headers": [{"name": "Cookie", "value": "theme=dark; _ga=GA1.2.3.4"}]},
         "response": {"status": 200, "headers": set_cookies}},
        {"request": {"method": "GET", "url": "https://login.example.net/sso", "headers": []},
         "response": {"status": 200, "headers": [
             {"name": "Set-Cookie", "value": "sso=1; Domain=example.net; Secure"}]}},
        {"request": {"method": "GET", "url": demo.url("/api/session/meta"), "headers": []},
         "response": {"status": 200, "headers": []}},
    ]}})
    .to_string();
    let r = run(&["inspect", "--json", "--key", SECRET], &har);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report = r.json();
    assert_eq!(report["status"], json!("verified"));
    assert_eq!(report["payload"], real.session);
    assert_eq!(report["chunks"].as_array().unwrap().len(), real.chunks);
    assert_eq!(report["duplicates"], json!([]));
    assert_eq!(report["input"]["url"], json!(demo.url("/api/session/meta")));
    assert_eq!(report["input"]["cookies"], json!(real.chunks + 2));
    assert_eq!(
        report["input"]["left_out"],
        json!([
            {"name": "session", "why": "its Path=/admin does not match /api/session/meta"},
            {"name": "theme", "why": "its Path=/admin does not match /api/session/meta"},
            {"name": "sso", "why": "a domain cookie of example.net, not sent to 127.0.0.1"},
        ])
    );
    let warnings = report["input"]["warnings"].to_string();
    assert!(
        warnings
            .contains("cookie \\\"evil\\\": Domain=example.com is not 127.0.0.1 or a parent of it"),
        "{warnings}"
    );
    let text = run(&["inspect", "--key", SECRET], &har).stdout;
    assert!(
        text.contains("left out: session (its Path=/admin does not match /api/session/meta)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "the cookies a browser sends to {}",
            demo.url("/api/session/meta")
        )),
        "{text}"
    );
}

#[test]
fn inspect_flags_a_cookie_header_over_a_named_servers_limit() {
    let demo = demo::start(&[]);
    let real = real_session(&demo);
    let header = real.jar.header();
    // Within every default limit: nothing flagged.
    let r = run(&["inspect", "--json", &header], "");
    let report = r.json();
    let limits = report["site"]["server_limits"].as_array().unwrap();
    assert_eq!(limits.len(), 7);
    assert!(
        limits.iter().all(|l| l["over"] == json!(false)),
        "{limits:?}"
    );
    assert!(!r.stdout.contains("OVER"));
    // Other cookies push the header to 8183 bytes: one past nginx's 8182.
    let pad = 8183 - header.len() - "; pad=".len();
    let big = format!("{header}; pad={}", "x".repeat(pad));
    assert_eq!(big.len(), 8183);
    let r = run(&["inspect", "--json", "--key", SECRET, &big], "");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report = r.json();
    assert_eq!(report["site"]["cookie_header_bytes"], json!(8183));
    let over: Vec<(&str, u64)> = report["site"]["server_limits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["over"] == json!(true))
        .map(|l| {
            (
                l["server"].as_str().unwrap(),
                l["counted_bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        over,
        [
            ("nginx", 8183),
            ("Apache httpd", 8191),
            ("Gunicorn", 8191),
            ("Tomcat", 8193)
        ]
    );
    let text = run(&["inspect", "--key", SECRET, &big], "").stdout;
    assert!(
        text.contains(
            "OVER nginx's limit (large_client_header_buffers 4 8k): the Cookie value of 8182 \
             bytes is 8183; it answers 400 Request Header Or Cookie Too Large"
        ),
        "{text}"
    );
    // curl leaves cookies out past 8181 bytes; a browser sends them all.
    let r = run(
        &["inspect", "--json", "--user-agent", "curl/8.5.0", &big],
        "",
    );
    assert_eq!(r.json()["site"]["client_header_limit"], json!(8181));
    assert_eq!(r.json()["site"]["over_client_limit"], json!(true));
    let text = run(&["inspect", "--user-agent", "curl/8.5.0", &big], "").stdout;
    assert!(
        text.contains("OVER the client's own limit: it sends 8181 bytes"),
        "{text}"
    );
    let r = run(&["inspect", "--json", "--user-agent", CHROME, &big], "");
    assert_eq!(r.json()["site"]["over_client_limit"], json!(false));
}

#[test]
fn budget_spells_the_binding_as_the_json_and_the_demo_do() {
    let text = run(&["budget", "--user-agent", CHROME], "").stdout;
    assert!(text.contains("binding: header-bytes"), "{text}");
    assert!(!text.contains("HeaderBytes"), "{text}");
    // For curl behind a raised budget, curl's own cap binds.
    let args = [
        "budget",
        "--user-agent",
        "curl/8.5.0",
        "--header-budget",
        "15360",
    ];
    let text = run(&args, "").stdout;
    assert!(text.contains("binding: client-header-bytes"), "{text}");
    assert!(
        text.contains("the client sends 8181 bytes of Cookie header whole, at most: 8181 left"),
        "{text}"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = run(&json_args, "").json();
    assert_eq!(out["budget"]["binding"], json!("client-header-bytes"));
    assert_eq!(out["budget"]["client_header_bytes"], json!(8181));
    assert_eq!(out["limits"]["id"], json!("curl"));
}
