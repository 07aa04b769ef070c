//! Real `redis-server` processes for the store tests: one node, or a
//! three-node cluster, on 127.0.0.1 with random free ports and temporary
//! directories, killed when dropped (also when a test panics).
//!
//! When `redis-server` or `redis-cli` is missing, [`RedisServer::start`]
//! and [`RedisCluster::start`] print why and return `None`, so the test
//! skips; with `CI` or `COOKIETIN_REQUIRE_REDIS=1` set, they panic instead.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Whether a missing Redis must fail the test instead of skipping it.
pub fn required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var("COOKIETIN_REQUIRE_REDIS").is_ok_and(|v| v == "1")
}

fn find(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

/// `redis-server` and `redis-cli`, or `None` after saying why the test
/// skips (or a panic, when Redis is required).
fn binaries(test: &str) -> Option<(PathBuf, PathBuf)> {
    match (find("redis-server"), find("redis-cli")) {
        (Some(server), Some(cli)) => Some((server, cli)),
        _ => {
            let why =
                "redis-server or redis-cli is not on PATH (Debian: apt-get install redis-server)";
            if required() {
                panic!("{test}: {why}; CI or COOKIETIN_REQUIRE_REDIS=1 requires Redis");
            }
            // Past the test harness's capture of `eprintln!`, so that a
            // skip shows in a plain `cargo test`.
            let _ = writeln!(std::io::stderr(), "skipping {test}: {why}");
            None
        }
    }
}

/// A port on 127.0.0.1 that is free, and whose cluster bus port (+10000)
/// is free too.
fn free_port() -> u16 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = u64::from(std::process::id())
        .wrapping_mul(7919)
        .wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed) * 104_729)
        .wrapping_add(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
                .into(),
        );
    for i in 0..2000u64 {
        let port = 20_000 + ((seed.wrapping_add(i * 7_741)) % 20_000) as u16;
        let free = |p: u16| TcpListener::bind(("127.0.0.1", p)).is_ok();
        if free(port) && free(port + 10_000) {
            return port;
        }
    }
    panic!("no free port pair on 127.0.0.1");
}

/// How a node runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `appendonly yes` with `appendfsync always`: every acknowledged write
    /// survives a kill.
    pub durable: bool,
    /// `cluster-enabled yes`.
    pub cluster: bool,
}

/// One `redis-server`, killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    server: PathBuf,
    cli: PathBuf,
    dir: tempfile::TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
    options: Options,
}

impl RedisServer {
    /// Starts a node, or `None` when Redis is missing and not required.
    pub fn start(test: &str, options: Options) -> Option<RedisServer> {
        let (server, cli) = binaries(test)?;
        let mut last_log = String::new();
        for _ in 0..5 {
            let mut node = RedisServer {
                child: None,
                server: server.clone(),
                cli: cli.clone(),
                dir: tempfile::tempdir().unwrap(),
                port: free_port(),
                options,
            };
            match node.spawn() {
                Ok(()) => return Some(node),
                Err(log) => last_log = log,
            }
        }
        panic!("{test}: redis-server did not start:\n{last_log}");
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Its data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn spawn(&mut self) -> Result<(), String> {
        let mut command = Command::new(&self.server);
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--logfile", "redis.log", "--save", "", "--daemonize", "no"])
            .args(["--protected-mode", "no"]);
        if self.options.durable {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        if self.options.cluster {
            command.args([
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "5000",
            ]);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("exited with {status}\n{}", self.log()));
                }
            }
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err(format!("no PONG within 10 s\n{}", self.log()))
    }

    /// Whether the node answers PING with PONG (not LOADING).
    pub fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut reply = [0; 7];
        matches!(stream.read(&mut reply), Ok(n) if reply[..n].starts_with(b"+PONG"))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    fn pid(&self) -> String {
        self.child.as_ref().expect("running").id().to_string()
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.pid()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Stops the process (SIGSTOP): connections stay open, nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Resumes a paused process (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    /// Kills the process with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the process with SIGKILL and starts it again on the same port
    /// and directory (with `durable`, it reloads its append-only file).
    pub fn restart(&mut self) {
        self.kill();
        self.start_again();
    }

    /// Starts a killed node again on the same port and directory.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "still running");
        let mut last = String::new();
        for _ in 0..20 {
            match self.spawn() {
                Ok(()) => return,
                // The port may take a moment to be free again.
                Err(log) => last = log,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server did not restart:\n{last}");
    }

    /// Runs `redis-cli -p PORT ARGS...` and returns its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(&self.cli)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three cluster-enabled nodes, all primaries, with every slot assigned.
pub struct RedisCluster {
    /// The nodes.
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts the nodes and creates the cluster, or `None` when Redis is
    /// missing and not required.
    pub fn start(test: &str) -> Option<RedisCluster> {
        let options = Options {
            cluster: true,
            ..Options::default()
        };
        let mut nodes = Vec::new();
        for _ in 0..3 {
            nodes.push(RedisServer::start(test, options)?);
        }
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let mut args = vec!["--cluster", "create"];
        args.extend(addresses.iter().map(String::as_str));
        args.extend(["--cluster-replicas", "0", "--cluster-yes"]);
        let created = nodes[0].cli(&args);
        assert!(
            created.contains("[OK] All 16384 slots covered"),
            "{test}: redis-cli --cluster create failed:\n{created}"
        );
        let cluster = RedisCluster { nodes };
        let started = Instant::now();
        while !cluster.ready() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{test}: the cluster is not ok after 30 s:\n{}",
                cluster.nodes[0].cli(&["cluster", "info"])
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(cluster)
    }

    fn ready(&self) -> bool {
        self.nodes.iter().all(|node| {
            let info = node.cli(&["cluster", "info"]);
            info.contains("cluster_state:ok")
                && info.contains("cluster_slots_ok:16384")
                && info.contains("cluster_known_nodes:3")
        })
    }

    /// `redis://127.0.0.1:PORT/` for each node.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }
}
