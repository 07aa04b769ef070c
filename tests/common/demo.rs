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

use super::Jar;

/// The key every demo started here signs with.
pub const SECRET: &str = "a demo secret that is long enough!!";

/// A running demo server, killed on drop.
pub struct Demo {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Demo {
    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.rsplit(':').next().unwrap().parse().unwrap()
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
    }
}

/// The demo example's binary, built by `cargo test` next to the tests.
pub fn demo_binary() -> PathBuf {
    example_binary("demo")
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
    let mut child = Command::new(example_binary(name))
        .args(["--listen", &addr])
        .args(args)
        .env("COOKIETIN_SECRET", SECRET)
        .envs(env.iter().copied())
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
    Demo { child, addr }
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
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}
