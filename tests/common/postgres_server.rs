//! A real PostgreSQL server for the store tests, as Debian ships it
//! (`/usr/lib/postgresql/VERSION/bin`): `initdb` into a temporary
//! directory, listening on 127.0.0.1 on a random free port with its unix
//! socket in that directory, and one database, `cookietin`. Stopped when
//! dropped (also when a test panics).
//!
//! `initdb` refuses to run as root: as root, `initdb`, `postgres` and
//! `psql` run as the `postgres` user (the data directory is made theirs).
//! The server is spawned directly under that user's id, with no wrapper
//! process, so a signal to it reaches the postmaster.
//!
//! When PostgreSQL is missing, [`PostgresServer::start`] prints why and
//! returns `None`, so the test skips; with `CI` or
//! `COOKIETIN_REQUIRE_POSTGRES=1` set, it panics instead.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a missing PostgreSQL must fail the test instead of skipping it.
pub fn required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var("COOKIETIN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The newest `/usr/lib/postgresql/*/bin` that has `initdb`, `postgres`
/// and `psql`.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            ["initdb", "postgres", "psql"]
                .iter()
                .all(|b| bin.join(b).is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// The uid and gid of the `postgres` user, from `/etc/passwd`.
fn postgres_user() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields.as_slice() {
            ["postgres", _, uid, gid, ..] => Some((uid.parse().ok()?, gid.parse().ok()?)),
            _ => None,
        }
    })
}

fn running_as_root() -> bool {
    // `/proc/self` belongs to this process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
}

/// The server's binaries and the user to run them as, or `None` after
/// saying why the test skips (or a panic, when PostgreSQL is required).
fn setup(test: &str) -> Option<(PathBuf, Option<(u32, u32)>)> {
    let why = match (bin_dir(), running_as_root()) {
        (None, _) => "PostgreSQL is not installed (Debian: apt-get install postgresql)",
        (Some(bin), false) => return Some((bin, None)),
        (Some(bin), true) => match postgres_user() {
            Some(user) => return Some((bin, Some(user))),
            None => "running as root and there is no postgres user to run initdb as",
        },
    };
    if required() {
        panic!("{test}: {why}; CI or COOKIETIN_REQUIRE_POSTGRES=1 requires PostgreSQL");
    }
    // Past the test harness's capture of `eprintln!`, so that a skip shows
    // in a plain `cargo test`.
    let _ = writeln!(std::io::stderr(), "skipping {test}: {why}");
    None
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// One PostgreSQL server, stopped on drop.
pub struct PostgresServer {
    child: Option<Child>,
    bin: PathBuf,
    user: Option<(u32, u32)>,
    dir: tempfile::TempDir,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl PostgresServer {
    /// Initializes a cluster, starts it and creates the database, or
    /// `None` when PostgreSQL is missing and not required.
    pub fn start(test: &str) -> Option<PostgresServer> {
        let (bin, user) = setup(test)?;
        let dir = tempfile::tempdir().unwrap();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let mut server = PostgresServer {
            child: None,
            bin,
            user,
            dir,
            port: 0,
        };
        let initdb = server
            .command("initdb")
            .arg("-D")
            .arg(server.data())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync")
            .output()
            .expect("initdb runs");
        assert!(
            initdb.status.success(),
            "{test}: initdb failed:\n{}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let mut last = String::new();
        for _ in 0..5 {
            server.port = free_port();
            match server.spawn() {
                Ok(()) => {
                    server.psql("postgres", "CREATE DATABASE cookietin");
                    return Some(server);
                }
                Err(log) => last = log,
            }
        }
        panic!("{test}: postgres did not start:\n{last}");
    }

    /// `postgres://postgres@127.0.0.1:PORT/cookietin`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/cookietin", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// A command for one of the server's binaries, as the postgres user
    /// when running as root.
    fn command(&self, binary: &str) -> Command {
        let mut command = Command::new(self.bin.join(binary));
        if let Some((uid, gid)) = self.user {
            command.uid(uid).gid(gid);
        }
        command.stdin(Stdio::null()).current_dir(self.dir.path());
        command
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.log_path()).map_err(|e| e.to_string())?;
        if let Some((uid, gid)) = self.user {
            std::os::unix::fs::chown(self.log_path(), Some(uid), Some(gid)).unwrap();
        }
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(self.data())
            .args(["-p", &self.port.to_string()])
            .arg("-k")
            .arg(self.dir.path())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "max_connections=60"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!("exited with {status}\n{}", self.log()));
                }
            }
            if self.ready() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        Err(format!("not ready within 20 s\n{}", self.log()))
    }

    /// Whether the server accepts connections and queries.
    fn ready(&self) -> bool {
        if TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            return false;
        }
        self.command("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-Atc", "SELECT 1"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Runs `sql` with `psql` in `database` and returns its output
    /// (unaligned, tuples only); panics if it fails.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let output = self
            .command("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1"])
            .args(["-Atc", sql])
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn signal(&mut self, signal: &str) {
        if let Some(child) = self.child.as_mut() {
            let _ = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status();
        }
    }

    /// Stops the server with a fast shutdown (SIGINT: open connections are
    /// closed, what was committed is on disk) and waits for it.
    pub fn stop(&mut self) {
        self.signal("-INT");
        self.wait(Duration::from_secs(20));
    }

    /// Starts a stopped server again on the same port and data directory.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "still running");
        let mut last = String::new();
        for _ in 0..20 {
            match self.spawn() {
                Ok(()) => return,
                // The port may take a moment to be free again.
                Err(log) => last = log,
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("postgres did not restart:\n{last}");
    }

    /// Waits up to `limit` for the server to exit, then kills it.
    fn wait(&mut self, limit: Duration) {
        let started = Instant::now();
        while let Some(child) = self.child.as_mut() {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => self.child = None,
                Ok(None) if started.elapsed() > limit => self.kill(),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// Kills the postmaster with SIGKILL and waits for it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Its directory (data, socket and log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // An immediate shutdown (SIGQUIT) stops the postmaster and its
        // backends at once; the directory goes with the TempDir.
        self.signal("-QUIT");
        self.wait(Duration::from_secs(10));
    }
}
