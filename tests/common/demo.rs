//! Starting the demo example, and plain HTTP/1.1 requests to it (or to a
//! proxy in front of it) with a [`Jar`](super::Jar).
//!
//! `cargo test` builds the examples first, so the demo binary sits next to
//! the test binaries; [`start`] runs it on a free loopback port and the
//! [`Demo`] stops it when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::leaks::Secrets;
use super::Jar;

/// The key every demo started here signs with.
pub const SECRET: &str = "a demo secret that is long enough!!";

/// A running demo server, killed on drop.
pub struct Demo {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Where its stderr goes.
    log: tempfile::NamedTempFile,
    /// Whether it runs with `RUST_LOG=trace` (feature `tracing`): its
    /// stderr is then checked for secrets when it stops.
    traced: bool,
}

impl Demo {
    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Kills the server with SIGKILL (`kill -9`) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.traced && !std::thread::panicking() {
            // Every value and cookie its requests carried or got back,
            // and the key: none may be in its TRACE-level output.
            let mut secrets = noted(&self.addr);
            secrets.text(SECRET);
            secrets.bytes.push(SECRET.as_bytes().to_vec());
            secrets.assert_absent_from(&self.stderr());
        }
    }
}

/// What the requests to each server carried and got back, for the check
/// of its traces.
static NOTED: std::sync::Mutex<Vec<(String, Secrets)>> = std::sync::Mutex::new(Vec::new());

/// Notes a request to `addr` with `body`, and its reply.
fn note(addr: &str, body: &str, reply: &Reply) {
    let mut noted = NOTED.lock().unwrap_or_else(|p| p.into_inner());
    let at = match noted.iter().position(|(a, _)| a == addr) {
        Some(at) => at,
        None => {
            noted.push((addr.to_owned(), Secrets::default()));
            noted.len() - 1
        }
    };
    let secrets = &mut noted[at].1;
    secrets.json_strings(body);
    secrets.replies(&[reply]);
}

/// What was noted for `addr`, taken.
fn noted(addr: &str) -> Secrets {
    let mut noted = NOTED.lock().unwrap_or_else(|p| p.into_inner());
    match noted.iter().position(|(a, _)| a == addr) {
        Some(at) => noted.swap_remove(at).1,
        None => Secrets::default(),
    }
}

/// The demo example's binary, built by `cargo test` next to the tests.
pub fn demo_binary() -> PathBuf {
    example_binary("demo")
}

/// Builds the demo example, once per run, with the features this test was
/// built with: `cargo test --test NAME` builds only that test, not the
/// examples, and a stale demo (or one another suite built with other
/// features) would test old code. Cargo does not hold its build lock while
/// tests run.
pub fn build_demo() {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let Some(cargo) = std::env::var_os("CARGO") else {
            println!("CARGO is not set (not run by cargo): using the demo binary as it is");
            return;
        };
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--example", "demo"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        // Every feature, so that the binary every suite shares is built
        // the way `cargo test` with these features builds it.
        let features: Vec<&str> = [
            ("encrypt", cfg!(feature = "encrypt")),
            ("store", cfg!(feature = "store")),
            ("redb", cfg!(feature = "redb")),
            ("redis", cfg!(feature = "redis")),
            ("postgres", cfg!(feature = "postgres")),
            ("sqlite", cfg!(feature = "sqlite")),
            ("tower", cfg!(feature = "tower")),
            ("axum", cfg!(feature = "axum")),
            ("actix", cfg!(feature = "actix")),
            ("tracing", cfg!(feature = "tracing")),
            ("test-util", cfg!(feature = "test-util")),
            ("cli", cfg!(feature = "cli")),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
        if !features.is_empty() {
            cmd.args(["--features", &features.join(",")]);
        }
        if demo_binary()
            .parent()
            .and_then(std::path::Path::parent)
            .is_some_and(|profile| profile.ends_with("release"))
        {
            cmd.arg("--release");
        }
        let out = cmd.output().expect("run cargo build --example demo");
        assert!(
            out.status.success(),
            "cargo build --example demo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// An example's binary, built by `cargo test` next to the tests (the axum
/// and actix examples only with their features).
pub fn example_binary(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The servers that serve the demo's HTTP contract in this build: the
/// hyper demo, and the axum and actix examples when their features are on.
pub fn contract_servers() -> Vec<&'static str> {
    let mut servers = vec!["demo"];
    if cfg!(feature = "axum") {
        servers.push("axum");
    }
    if cfg!(feature = "actix") {
        servers.push("actix");
    }
    servers
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the demo on a free port with these extra arguments, and waits
/// until it listens.
pub fn start(args: &[&str]) -> Demo {
    start_example("demo", args)
}

/// Starts one of the contract's servers (see [`contract_servers`]) on a
/// free port with these extra arguments, and waits until it listens.
pub fn start_example(name: &str, args: &[&str]) -> Demo {
    start_example_with_env(name, args, &[])
}

/// [`start_example`] with extra environment variables.
pub fn start_example_with_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> Demo {
    let addr = format!("127.0.0.1:{}", free_port());
    // Its stderr goes to a file, to show why it did not start.
    let log = tempfile::NamedTempFile::new().unwrap();
    // With the feature `tracing`, every run is traced at TRACE level, and
    // checked for secrets when it stops.
    let traced = cfg!(feature = "tracing") && !env.iter().any(|(k, _)| *k == "RUST_LOG");
    let trace_env = traced.then_some(("RUST_LOG", "trace"));
    let mut child = Command::new(example_binary(name))
        .args(["--listen", &addr])
        .args(args)
        .env("COOKIETIN_SECRET", SECRET)
        .envs(env.iter().copied())
        .envs(trace_env)
        .stdout(Stdio::piped())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("the {name} example is built by cargo test: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.trim() != format!("listening on http://{addr}") {
        let _ = child.wait();
        let stderr = std::fs::read_to_string(log.path()).unwrap_or_default();
        panic!("{name} {args:?} did not start ({line:?}):\n{stderr}");
    }
    Demo {
        child,
        addr,
        log,
        traced,
    }
}

/// A response.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to the demo with `Connection: close`, cookies from
/// the jar; the response's Set-Cookie headers are applied to the jar.
pub fn request(demo: &Demo, jar: &mut Jar, method: &str, path: &str, body: &str) -> Reply {
    request_to(&demo.addr, &[], jar, method, path, body)
}

/// `PATCH /api/session` with this JSON body.
pub fn patch(demo: &Demo, jar: &mut Jar, body: &Value) -> Reply {
    request(demo, jar, "PATCH", "/api/session", &body.to_string())
}

/// `GET /api/session`, which must answer 200: the session.
pub fn get(demo: &Demo, jar: &mut Jar) -> Value {
    let reply = request(demo, jar, "GET", "/api/session", "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// `GET /api/session/meta`.
pub fn meta(demo: &Demo, jar: &mut Jar) -> Value {
    request(demo, jar, "GET", "/api/session/meta", "").json()
}

/// One HTTP/1.1 request to `addr` (`host:port`) with extra headers, cookies
/// from the jar; the response's Set-Cookie headers are applied to the jar.
pub fn request_to(
    addr: &str,
    headers: &[(&str, &str)],
    jar: &mut Jar,
    method: &str,
    path: &str,
    body: &str,
) -> Reply {
    let cookie = jar.header();
    let mut all = headers.to_vec();
    if !jar.cookies.is_empty() {
        all.insert(0, ("Cookie", cookie.as_str()));
    }
    let reply = exchange(addr, &all, method, path, body);
    jar.apply(&reply.set_cookies());
    reply
}

/// One HTTP/1.1 request to `addr` (`host:port`) with these headers and
/// `Connection: close`, and its response.
pub fn exchange(
    addr: &str,
    headers: &[(&str, &str)],
    method: &str,
    path: &str,
    body: &str,
) -> Reply {
    let sent = body;
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    write!(
        stream,
        "{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_owned(), v.trim_start().to_owned())
        })
        .collect();
    let reply = Reply {
        status,
        headers,
        body: body.to_owned(),
    };
    note(addr, sent, &reply);
    reply
}
