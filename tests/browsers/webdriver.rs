//! Real-browser harness for end-to-end tests: starts a WebDriver server for
//! Chromium, Firefox or WebKitGTK as a child process, opens a fantoccini
//! session that stays off the network, and serves a tiny local HTTP server
//! on 127.0.0.1 whose responses set cookies.
//!
//! Self-contained: needs only these dev-dependencies
//!   fantoccini = { version = "0.22", default-features = false }
//!   hyper-util = { version = "0.1", features = ["client-legacy", "http1", "tokio"] }
//!   tokio      = { version = "1", features = ["rt-multi-thread", "macros", "net", "time", "io-util"] }
//!   serde_json = "1"
//!   libc       = "0.2"
//!   http       = "1"      (same versions fantoccini 0.22 uses)
//!   url        = "2"
//!
//! Every wait is bounded; every process is started in its own process group
//! and the whole group is SIGKILLed on Drop; every temp dir is removed on
//! Drop. Works as root (Chromium gets `--no-sandbox`, WebKitGTK gets
//! `WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1`).
//!
//! Paths can be overridden with env vars: COOKIETIN_CHROMIUM,
//! COOKIETIN_CHROMEDRIVER, COOKIETIN_FIREFOX, COOKIETIN_GECKODRIVER,
//! COOKIETIN_MINIBROWSER, COOKIETIN_WEBKITWEBDRIVER, COOKIETIN_XVFB.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream as StdTcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// How long a WebDriver server may take to accept TCP connections.
pub const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long creating a session (i.e. launching the browser) may take.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(60);
/// How long any single WebDriver command may take (above the 30 s pageLoad
/// timeout given to the browser, so its own error usually wins).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(45);
/// How long Xvfb may take to create its socket.
pub const XVFB_TIMEOUT: Duration = Duration::from_secs(10);
/// A TestServer stops accepting after this long, even if never dropped.
pub const SERVER_MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);

fn err(msg: impl Into<String>) -> Error {
    msg.into().into()
}

/// Run `fut` with a deadline; a timeout becomes an error naming `what`.
pub async fn timed<T, E: Into<Error>>(
    what: &str,
    limit: Duration,
    fut: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(err(format!("{what}: {}", e.into()))),
        Err(_) => Err(err(format!("{what}: timed out after {limit:?}"))),
    }
}

// ---------------------------------------------------------------------------
// Browsers and where their binaries are
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Browser {
    Chromium,
    Firefox,
    WebKit,
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The binaries one browser needs, as resolved on this machine.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub browser: Option<PathBuf>,
    pub driver: Option<PathBuf>,
    /// Xvfb, for WebKitGTK only.
    pub xvfb: Option<PathBuf>,
}

impl Browser {
    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
            Browser::WebKit => "webkit",
        }
    }

    pub fn binaries(self) -> Binaries {
        match self {
            Browser::Chromium => Binaries {
                // The real ELF, not Debian's /usr/bin/chromium shell wrapper
                // (which sources /etc/chromium.d and prints a shell warning).
                browser: find_bin(
                    "COOKIETIN_CHROMIUM",
                    &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
                    &["chromium", "chromium-browser"],
                ),
                driver: find_bin(
                    "COOKIETIN_CHROMEDRIVER",
                    &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
                    &["chromedriver"],
                ),
                xvfb: None,
            },
            Browser::Firefox => {
                let mut cargo_bins = Vec::new();
                if let Some(h) = std::env::var_os("CARGO_HOME") {
                    cargo_bins.push(PathBuf::from(h).join("bin/geckodriver"));
                }
                if let Some(h) = std::env::var_os("HOME") {
                    cargo_bins.push(PathBuf::from(h).join(".cargo/bin/geckodriver"));
                }
                let cargo_bins: Vec<&str> = cargo_bins.iter().filter_map(|p| p.to_str()).collect();
                Binaries {
                    browser: find_bin(
                        "COOKIETIN_FIREFOX",
                        &[
                            "/usr/lib/firefox-esr/firefox-esr",
                            "/usr/bin/firefox-esr",
                            "/usr/bin/firefox",
                        ],
                        &["firefox-esr", "firefox"],
                    ),
                    driver: find_bin("COOKIETIN_GECKODRIVER", &cargo_bins, &["geckodriver"]),
                    xvfb: None,
                }
            }
            Browser::WebKit => Binaries {
                browser: std::env::var_os("COOKIETIN_MINIBROWSER")
                    .map(PathBuf::from)
                    .filter(|p| is_executable(p))
                    .or_else(find_minibrowser),
                driver: find_bin(
                    "COOKIETIN_WEBKITWEBDRIVER",
                    &["/usr/bin/WebKitWebDriver"],
                    &["WebKitWebDriver"],
                ),
                xvfb: find_bin("COOKIETIN_XVFB", &["/usr/bin/Xvfb"], &["Xvfb"]),
            },
        }
    }

    /// Names of the binaries that are missing (empty when all are present).
    pub fn missing(self) -> Vec<&'static str> {
        let b = self.binaries();
        let mut m = Vec::new();
        let (bn, dn) = match self {
            Browser::Chromium => ("chromium", "chromedriver"),
            Browser::Firefox => ("firefox-esr", "geckodriver"),
            Browser::WebKit => ("MiniBrowser (libwebkit2gtk)", "WebKitWebDriver"),
        };
        if b.browser.is_none() {
            m.push(bn);
        }
        if b.driver.is_none() {
            m.push(dn);
        }
        if self == Browser::WebKit && b.xvfb.is_none() {
            m.push("Xvfb");
        }
        m
    }

    /// Version string of the installed browser (runs `--version` or dpkg-query).
    pub fn version(self) -> Option<String> {
        let out = match self {
            Browser::Chromium | Browser::Firefox => {
                let bin = self.binaries().browser?;
                run_quiet(
                    Command::new(bin)
                        .arg("--version")
                        .env("HOME", std::env::temp_dir()),
                )
            }
            Browser::WebKit => run_quiet(Command::new("dpkg-query").args([
                "-W",
                "-f",
                "${Version}",
                "libwebkit2gtk-4.1-0",
            ]))
            .map(|v| format!("WebKitGTK {v}")),
        }?;
        Some(out.trim().to_string())
    }

    /// Start the WebDriver server and open a session.  Tries twice.
    pub async fn launch(self) -> Result<Session> {
        let mut last = None;
        for attempt in 1..=2 {
            match Session::start(self).await {
                Ok(mut s) => {
                    s.attempts = attempt;
                    return Ok(s);
                }
                Err(e) => {
                    eprintln!("[webdriver] {self}: launch attempt {attempt} failed: {e}");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap())
    }
}

fn run_quiet(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_executable(p: &Path) -> bool {
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// `$env` if set (and executable), else the first executable candidate path,
/// else the first of `names` found on PATH.
pub fn find_bin(env: &str, candidates: &[&str], names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return is_executable(&p).then_some(p);
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| is_executable(p))
        .or_else(|| names.iter().find_map(|n| which(n)))
}

/// Debian ships MiniBrowser in libwebkit2gtk-4.1-0 at
/// /usr/lib/<triplet>/webkit2gtk-4.1/MiniBrowser (4.0 and 6.0 flavours too).
fn find_minibrowser() -> Option<PathBuf> {
    let mut roots = vec![PathBuf::from("/usr/lib"), PathBuf::from("/usr/libexec")];
    if let Ok(rd) = fs::read_dir("/usr/lib") {
        let mut triplets: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with("-linux-gnu"))
            })
            .collect();
        triplets.sort();
        roots.extend(triplets);
    }
    for root in roots {
        for flavour in ["webkit2gtk-4.1", "webkit2gtk-4.0", "webkitgtk-6.0"] {
            let p = root.join(flavour).join("MiniBrowser");
            if is_executable(&p) {
                return Some(p);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Temp dirs and child processes
// ---------------------------------------------------------------------------

/// A fresh directory under the system temp dir, removed on Drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(prefix: &str) -> Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "cookietin-{prefix}-{}-{n}-{nanos:x}",
            std::process::id()
        ));
        fs::create_dir(&path)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700))?;
        Ok(TempDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Create (and return) a sub-directory with mode 0700.
    pub fn subdir(&self, name: &str) -> Result<PathBuf> {
        let p = self.path.join(name);
        fs::create_dir_all(&p)?;
        fs::set_permissions(&p, fs::Permissions::from_mode(0o700))?;
        Ok(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A just-killed browser may still be unlinking files: retry briefly.
        for _ in 0..5 {
            if fs::remove_dir_all(&self.path).is_ok() || !self.path.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("[webdriver] could not remove {}", self.path.display());
    }
}

/// A child process in its own process group; the whole group is SIGKILLed
/// on Drop (so browsers spawned by a driver die with it).
pub struct ChildProc {
    child: Child,
    log: PathBuf,
    killed: bool,
}

impl ChildProc {
    /// Spawn `cmd` with stdin closed and stdout+stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: PathBuf) -> Result<ChildProc> {
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let err_out = out.try_clone()?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err_out)
            .process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| err(format!("spawning {name} ({cmd:?}): {e}")))?;
        Ok(ChildProc {
            child,
            log,
            killed: false,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last `max` bytes of the process's output.
    pub fn log_tail(&self, max: u64) -> String {
        let mut s = String::new();
        if let Ok(mut f) = fs::File::open(&self.log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
            let mut buf = Vec::new();
            let _ = f.read_to_end(&mut buf);
            s = String::from_utf8_lossy(&buf).into_owned();
        }
        s
    }

    /// SIGKILL the whole process group and wait (bounded) for it to go.
    /// Idempotent, so a recycled pid is never signalled.
    fn kill_group(&mut self) {
        if std::mem::replace(&mut self.killed, true) {
            return;
        }
        let pgid = self.child.id() as libc::pid_t;
        // SAFETY: plain syscalls on the process group we created.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        // Wait (bounded) until no member of the group is left.
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            let alive = unsafe { libc::kill(-pgid, 0) } == 0;
            if !alive {
                return;
            }
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// A free TCP port on 127.0.0.1 (bound then released, so a tiny race remains;
/// `Browser::launch` retries once).
pub fn free_port() -> Result<u16> {
    Ok(StdTcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A headless X server on a free display, killed on Drop.
pub struct Xvfb {
    proc: ChildProc,
    display: u32,
}

impl Xvfb {
    pub fn start(xvfb: &Path, log_dir: &Path) -> Result<Xvfb> {
        let base = 100 + (std::process::id() % 400);
        let mut last_err = String::from("no display tried");
        for i in 0..40u32 {
            let n = base + i * 7;
            if Path::new(&format!("/tmp/.X{n}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            {
                continue;
            }
            let mut cmd = Command::new(xvfb);
            cmd.arg(format!(":{n}")).args([
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ]);
            let mut proc = ChildProc::spawn("Xvfb", cmd, log_dir.join(format!("xvfb-{n}.log")))?;
            let deadline = Instant::now() + XVFB_TIMEOUT;
            let sock = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            loop {
                if let Some(st) = proc.exited() {
                    last_err = format!("Xvfb :{n} exited with {st}: {}", proc.log_tail(2000));
                    break;
                }
                if sock.exists() {
                    return Ok(Xvfb { proc, display: n });
                }
                if Instant::now() > deadline {
                    last_err = format!(
                        "Xvfb :{n} did not create {} in {XVFB_TIMEOUT:?}",
                        sock.display()
                    );
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        Err(err(last_err))
    }

    /// The value for DISPLAY, e.g. ":123".
    pub fn display(&self) -> String {
        format!(":{}", self.display)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM first so Xvfb removes its lock file and socket itself.
        let pid = self.proc.pid() as libc::pid_t;
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.proc.exited().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.proc.kill_group();
        // If it had to be SIGKILLed, remove what it left (it was ours).
        let _ = fs::remove_file(format!("/tmp/.X{}-lock", self.display));
        let _ = fs::remove_file(format!("/tmp/.X11-unix/X{}", self.display));
    }
}

// ---------------------------------------------------------------------------
// WebDriver server
// ---------------------------------------------------------------------------

/// A running WebDriver server (and for WebKit its Xvfb). Fields drop in
/// order: driver group killed, then Xvfb, then the temp dir removed.
pub struct Driver {
    proc: ChildProc,
    /// Kept alive, not read: the display the browser draws on.
    _xvfb: Option<Xvfb>,
    pub browser: Browser,
    pub port: u16,
    pub bins: Binaries,
    pub tmp: TempDir,
}

impl Driver {
    pub async fn start(browser: Browser) -> Result<Driver> {
        let missing = browser.missing();
        if !missing.is_empty() {
            return Err(err(format!("{browser}: missing {}", missing.join(", "))));
        }
        let bins = browser.binaries();
        let tmp = TempDir::new(browser.name())?;
        let home = tmp.subdir("home")?;
        let run = tmp.subdir("run")?;
        let port = free_port()?;
        let driver_bin = bins.driver.clone().unwrap();

        let xvfb = match browser {
            Browser::WebKit => Some(Xvfb::start(bins.xvfb.as_ref().unwrap(), tmp.path())?),
            _ => None,
        };

        let mut cmd = Command::new(&driver_bin);
        // Isolate everything the browser might write into our temp dir.
        cmd.env("HOME", &home)
            .env("TMPDIR", tmp.path())
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_RUNTIME_DIR", &run)
            .env("NO_AT_BRIDGE", "1")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("all_proxy")
            .env_remove("ALL_PROXY");
        match browser {
            Browser::Chromium => {
                cmd.env_remove("DISPLAY").arg(format!("--port={port}"));
            }
            Browser::Firefox => {
                let ws = free_port()?;
                cmd.env_remove("DISPLAY")
                    .env("MOZ_HEADLESS", "1")
                    .env("MOZ_CRASHREPORTER_DISABLE", "1")
                    .arg("--host")
                    .arg("127.0.0.1")
                    .arg("--port")
                    .arg(port.to_string())
                    .arg("--websocket-port")
                    .arg(ws.to_string())
                    .arg("--profile-root")
                    .arg(tmp.path())
                    .arg("--binary")
                    .arg(bins.browser.as_ref().unwrap())
                    .args(["--log", "warn"]);
            }
            Browser::WebKit => {
                cmd.env("DISPLAY", xvfb.as_ref().unwrap().display())
                    // bubblewrap sandbox does not work as root in a container
                    .env("WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS", "1")
                    .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
                    .env("LIBGL_ALWAYS_SOFTWARE", "1")
                    .env("GTK_A11Y", "none")
                    .arg(format!("--port={port}"))
                    .arg("--host=127.0.0.1");
            }
        }
        let mut proc = ChildProc::spawn(browser.name(), cmd, tmp.path().join("driver.log"))?;

        // Wait for the port to accept connections, or the driver to die.
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        loop {
            if let Some(st) = proc.exited() {
                return Err(err(format!(
                    "{} exited with {st} before listening: {}",
                    driver_bin.display(),
                    proc.log_tail(4000)
                )));
            }
            if StdTcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                return Err(err(format!(
                    "{} not listening on {port} after {DRIVER_START_TIMEOUT:?}: {}",
                    driver_bin.display(),
                    proc.log_tail(4000)
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Driver {
            proc,
            _xvfb: xvfb,
            browser,
            port,
            bins,
            tmp,
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_tail(&self, max: u64) -> String {
        self.proc.log_tail(max)
    }

    /// W3C capabilities that keep the browser headless and off the network.
    pub fn capabilities(&self) -> Result<serde_json::Map<String, Value>> {
        let browser_bin = self.bins.browser.clone().unwrap();
        let mut caps = json!({
            "pageLoadStrategy": "normal",
            "timeouts": { "pageLoad": 30000, "script": 30000, "implicit": 0 },
        });
        let extra = match self.browser {
            Browser::Chromium => {
                let profile = self.tmp.subdir("chromium-profile")?;
                json!({
                    "goog:chromeOptions": {
                        "binary": browser_bin,
                        "args": [
                            "--headless",
                            "--no-sandbox", // required as root
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--disable-quic",
                            "--disable-extensions",
                            "--disable-default-apps",
                            "--disable-domain-reliability",
                            "--disable-client-side-phishing-detection",
                            "--disable-breakpad",
                            "--no-first-run",
                            "--no-default-browser-check",
                            "--no-pings",
                            "--metrics-recording-only",
                            "--password-store=basic",
                            "--use-mock-keychain",
                            "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions",
                            "--window-size=1280,900",
                            format!("--user-data-dir={}", profile.display()),
                        ],
                    }
                })
            }
            Browser::Firefox => json!({
                "moz:firefoxOptions": {
                    "binary": browser_bin,
                    "args": ["-headless"],
                    "prefs": {
                        "app.update.disabledForTesting": true,
                        "app.update.auto": false,
                        "app.update.enabled": false,
                        "app.normandy.enabled": false,
                        "app.shield.optoutstudies.enabled": false,
                        "browser.aboutHomeSnippets.updateUrl": "",
                        "browser.newtabpage.enabled": false,
                        "browser.startup.homepage": "about:blank",
                        "browser.startup.page": 0,
                        "browser.shell.checkDefaultBrowser": false,
                        "browser.safebrowsing.malware.enabled": false,
                        "browser.safebrowsing.phishing.enabled": false,
                        "browser.safebrowsing.downloads.enabled": false,
                        "browser.safebrowsing.blockedURIs.enabled": false,
                        "browser.search.update": false,
                        "browser.ping-centre.telemetry": false,
                        "datareporting.healthreport.uploadEnabled": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        "toolkit.telemetry.enabled": false,
                        "toolkit.telemetry.unified": false,
                        "toolkit.telemetry.archive.enabled": false,
                        "toolkit.telemetry.server": "",
                        "extensions.update.enabled": false,
                        "extensions.blocklist.enabled": false,
                        "extensions.getAddons.cache.enabled": false,
                        "network.captive-portal-service.enabled": false,
                        "network.connectivity-service.enabled": false,
                        "network.prefetch-next": false,
                        "network.dns.disablePrefetch": true,
                        "network.http.speculative-parallel-limit": 0,
                        "network.predictor.enabled": false,
                        "network.trr.mode": 5,
                        "services.settings.server": "",
                        "security.OCSP.enabled": 0,
                        "messaging-system.rsexperimentloader.enabled": false,
                    },
                    "log": { "level": "warn" },
                }
            }),
            Browser::WebKit => json!({
                "webkitgtk:browserOptions": {
                    "binary": browser_bin,
                    "args": ["--automation"],
                }
            }),
        };
        let (Value::Object(mut c), Value::Object(e)) = (caps.take(), extra) else {
            unreachable!()
        };
        c.extend(e);
        Ok(c)
    }
}

// ---------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------

/// Startup timings of one launch.
#[derive(Clone, Copy, Debug, Default)]
pub struct Startup {
    /// Spawning the driver (and Xvfb) until its port accepted a connection.
    pub driver: Duration,
    /// The New Session command (the browser starts here).
    pub session: Duration,
}

impl Startup {
    pub fn total(&self) -> Duration {
        self.driver + self.session
    }
}

/// A WebDriver session. Dropping it kills the driver and browser; `close`
/// ends the session politely first.
pub struct Session {
    pub client: Client,
    pub startup: Startup,
    /// How many launch attempts were needed (1 or 2).
    pub attempts: u32,
    // Dropped last: kills the processes, removes the temp dir.
    pub driver: Driver,
}

impl Session {
    async fn start(browser: Browser) -> Result<Session> {
        let t0 = Instant::now();
        let driver = Driver::start(browser).await?;
        let t1 = Instant::now();
        let caps = driver.capabilities()?;
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let res = tokio::time::timeout(
            SESSION_TIMEOUT,
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&driver.url()),
        )
        .await;
        let client = match res {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                return Err(err(format!("{browser}: new session failed: {e}\n--- driver log ---\n{}", driver.log_tail(4000))))
            }
            Err(_) => {
                return Err(err(format!(
                    "{browser}: new session timed out after {SESSION_TIMEOUT:?}\n--- driver log ---\n{}",
                    driver.log_tail(4000)
                )))
            }
        };
        let startup = Startup {
            driver: t1 - t0,
            session: t1.elapsed(),
        };
        Ok(Session {
            client,
            startup,
            attempts: 1,
            driver,
        })
    }

    /// `browserName browserVersion` as reported by the driver.
    pub fn reported_version(&self) -> String {
        let caps = self.client.capabilities();
        let get = |k: &str| {
            caps.and_then(|c| c.get(k))
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string()
        };
        format!("{} {}", get("browserName"), get("browserVersion"))
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        timed(
            &format!("goto {url}"),
            COMMAND_TIMEOUT,
            self.client.goto(url),
        )
        .await
    }

    /// `document.body.innerText` of the current page ("" if no body).
    pub async fn body_text(&self) -> Result<String> {
        let v = timed(
            "body text",
            COMMAND_TIMEOUT,
            self.client.execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            ),
        )
        .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Run `script` in the page (W3C "Execute Script"), bounded.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        timed(
            "execute script",
            COMMAND_TIMEOUT,
            self.client.execute(script, args),
        )
        .await
    }

    /// Run `script` in the page (W3C "Execute Async Script"): the script's
    /// last argument is the callback that returns its value. Bounded by the
    /// session's 30 s script timeout and COMMAND_TIMEOUT.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        timed(
            "execute async script",
            COMMAND_TIMEOUT,
            self.client.execute_async(script, args),
        )
        .await
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        timed("screenshot", COMMAND_TIMEOUT, self.client.screenshot()).await
    }

    /// All cookies WebDriver reports for the current document (raw W3C
    /// "Get All Cookies", parsed leniently).
    pub async fn cookies(&self) -> Result<Vec<WdCookie>> {
        let v = self
            .raw(http::Method::GET, "cookie", None, "get all cookies")
            .await?;
        let arr = v
            .as_array()
            .ok_or_else(|| err(format!("get all cookies: not an array: {v}")))?;
        Ok(arr.iter().map(WdCookie::from_json).collect())
    }

    /// Raw W3C "Add Cookie"; `cookie` is the JSON cookie object. Absent
    /// fields are omitted (fantoccini 0.22's own add_cookie sends
    /// `"domain": null` and `"sameSite": "None"`, which Chromium, WebKit and
    /// Firefox all reject).
    pub async fn add_cookie_json(&self, cookie: Value) -> Result<()> {
        self.raw(
            http::Method::POST,
            "cookie",
            Some(json!({ "cookie": cookie })),
            "add cookie",
        )
        .await
        .map(|_| ())
    }

    /// Delete all cookies visible to the current document.
    pub async fn delete_all_cookies(&self) -> Result<()> {
        self.raw(http::Method::DELETE, "cookie", None, "delete all cookies")
            .await
            .map(|_| ())
    }

    /// Send a raw W3C command `METHOD /session/{id}/{path}` (bounded).
    pub async fn raw(
        &self,
        method: http::Method,
        path: &str,
        body: Option<Value>,
        what: &str,
    ) -> Result<Value> {
        let cmd = RawCmd {
            method,
            path: path.to_string(),
            body,
        };
        timed(what, COMMAND_TIMEOUT, self.client.issue_cmd(cmd)).await
    }

    /// Navigate to a server URL whose response carries these Set-Cookie
    /// header values (e.g. `"a=1; Path=/"`).
    pub async fn set_cookies_via_server(
        &self,
        server: &TestServer,
        set_cookie: Vec<String>,
    ) -> Result<()> {
        let url = server.set_cookies_url(set_cookie);
        self.goto(&url).await
    }

    /// Navigate to the server's /echo and return the Cookie header that the
    /// browser sent with that request (None if it sent none).
    pub async fn cookie_header_sent(&self, server: &TestServer) -> Result<Option<String>> {
        let (url, tag) = server.echo_url();
        self.goto(&url).await?;
        server
            .request_tagged(&tag)
            .map(|r| r.cookie_header())
            .ok_or_else(|| err(format!("server saw no request for {url}")))
    }

    /// End the session (bounded), then kill the driver and browser.
    pub async fn close(self) -> Result<()> {
        let Session { client, driver, .. } = self;
        let r = timed("close session", Duration::from_secs(15), client.close()).await;
        drop(driver);
        r
    }
}

/// A cookie as WebDriver reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WdCookie {
    pub name: String,
    pub value: String,
    pub domain: Option<String>,
    pub path: Option<String>,
    pub secure: bool,
    pub http_only: bool,
    pub expiry: Option<u64>,
    pub same_site: Option<String>,
}

impl WdCookie {
    fn from_json(v: &Value) -> WdCookie {
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let b = |k: &str| v.get(k).and_then(|x| x.as_bool()).unwrap_or(false);
        WdCookie {
            name: s("name").unwrap_or_default(),
            value: s("value").unwrap_or_default(),
            domain: s("domain"),
            path: s("path"),
            secure: b("secure"),
            http_only: b("httpOnly"),
            expiry: v.get("expiry").and_then(|x| x.as_f64()).map(|f| f as u64),
            same_site: s("sameSite"),
        }
    }
}

#[derive(Debug)]
struct RawCmd {
    method: http::Method,
    path: String,
    body: Option<Value>,
}

impl fantoccini::wd::WebDriverCompatibleCommand for RawCmd {
    fn endpoint(
        &self,
        base: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(|b| b.to_string()),
        )
    }
}

// ---------------------------------------------------------------------------
// Tiny HTTP/1.1 server on 127.0.0.1
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Request {
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The Cookie header (several are joined with "; ").
    pub fn cookie_header(&self) -> Option<String> {
        let v: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .map(|(_, v)| v.as_str())
            .collect();
        (!v.is_empty()).then(|| v.join("; "))
    }
}

pub fn parse_cookie_header(h: &str) -> Vec<(String, String)> {
    h.split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (String::new(), p.to_string()),
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl Response {
    pub fn text(body: impl Into<String>) -> Response {
        Response {
            status: 200,
            content_type: "text/plain; charset=utf-8".into(),
            set_cookie: vec![],
            body: body.into(),
        }
    }

    pub fn not_found() -> Response {
        Response {
            status: 404,
            ..Response::text("not found")
        }
    }
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

#[derive(Default)]
struct ServerState {
    requests: Vec<Request>,
    plans: HashMap<u64, Vec<String>>,
    next_id: u64,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (Connection: close, GET only).
/// Built-in routes: `/set/<id>` answers with the Set-Cookie headers
/// registered by `set_cookies_url`; `/echo?...` answers with the Cookie
/// header it got. Anything else goes to the custom handler (404 by default).
/// Stops on Drop, after SERVER_MAX_LIFETIME, or after 100 000 connections.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<Mutex<ServerState>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start() -> Result<TestServer> {
        Self::start_with(|_| Response::not_found()).await
    }

    pub async fn start_with(
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> Result<TestServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(ServerState::default()));
        let handler: Handler = Arc::new(handler);
        let st = state.clone();
        let task = tokio::spawn(async move {
            let deadline = tokio::time::Instant::now() + SERVER_MAX_LIFETIME;
            for _ in 0..100_000u32 {
                let accepted = tokio::time::timeout_at(deadline, listener.accept()).await;
                let Ok(Ok((sock, _))) = accepted else { break };
                let (st, h) = (st.clone(), handler.clone());
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(10), serve_conn(sock, st, h))
                        .await;
                });
            }
        });
        Ok(TestServer { addr, state, task })
    }

    /// `http://127.0.0.1:<port><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Register a response carrying these Set-Cookie values; returns its URL.
    pub fn set_cookies_url(&self, set_cookie: Vec<String>) -> String {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        s.plans.insert(id, set_cookie);
        self.url(&format!("/set/{id}"))
    }

    /// A fresh /echo URL and the tag that identifies its request.
    pub fn echo_url(&self) -> (String, String) {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let tag = format!("t{}", s.next_id);
        (self.url(&format!("/echo?{tag}")), tag)
    }

    fn request_tagged(&self, tag: &str) -> Option<Request> {
        let want = format!("/echo?{tag}");
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .rev()
            .find(|r| r.target == want)
            .cloned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_conn(
    mut sock: tokio::net::TcpStream,
    state: Arc<Mutex<ServerState>>,
    handler: Handler,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const MAX_HEAD: usize = 4 << 20;
    let mut buf = Vec::with_capacity(8192);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return;
        }
        let mut chunk = [0u8; 8192];
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return, // e.g. a speculative preconnect that never sent anything
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let _method = first.next();
    let target = first.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let req = Request { target, headers };

    let resp = {
        let mut s = state.lock().unwrap();
        s.requests.push(req.clone());
        let path = req.path();
        if let Some(id) = path
            .strip_prefix("/set/")
            .and_then(|i| i.parse::<u64>().ok())
        {
            match s.plans.get(&id) {
                Some(sc) => Response {
                    set_cookie: sc.clone(),
                    ..Response::text(format!("set {} cookies", sc.len()))
                },
                None => Response::not_found(),
            }
        } else if path == "/echo" {
            Response::text(format!(
                "cookie: {}",
                req.cookie_header().unwrap_or_default()
            ))
        } else {
            drop(s);
            handler(&req)
        }
    };

    let reason = match resp.status {
        200 => "OK",
        404 => "Not Found",
        _ => "Status",
    };
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        resp.status,
        resp.content_type,
        resp.body.len()
    );
    for sc in &resp.set_cookie {
        out.push_str("Set-Cookie: ");
        out.push_str(sc);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&resp.body);
    let _ = sock.write_all(out.as_bytes()).await;
    let _ = sock.shutdown().await;
}
