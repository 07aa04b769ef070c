//! What the side-by-side benches share: the corpus sessions, the apps
//! (one handler logic, each session library's wiring), servers on
//! 127.0.0.1 with random ports, and a bounded HTTP/1.1 load generator.
//!
//! Every app serves the same three routes:
//!
//! - `GET /login` puts a corpus session (every key, and `n` = 0) in a new
//!   session;
//! - `GET /` reads the session's `read_key`: `hit` or `miss`;
//! - `GET /write` reads `read_key` too, then `n`, and writes `n + 1`;
//!   answers `n + 1`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{HeaderValue, COOKIE, HOST, SET_COOKIE, USER_AGENT};
use serde_json::{Map, Value};

/// Real `redis-server` processes (the main crate's test helper).
#[allow(dead_code)]
#[path = "../../../tests/common/redis_server.rs"]
pub mod redis_server;

/// The shared corpus (the main crate's `benches/sessions.json`).
const SESSIONS_JSON: &str = include_str!("../../sessions.json");

/// A desktop Chrome User-Agent (the corpus benches' own).
pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/// Cookies a site typically carries besides the session (the corpus
/// benches' own).
pub const OTHER_COOKIES: &str =
    "theme=dark; _ga=GA1.1.1234567890.1700000000; cookie_consent=essential%2Canalytics; lang=en-GB";

/// The engine key, and actix-session's.
pub const SECRET: [u8; 64] = [7; 64];

/// One corpus session and the key the handlers read.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub name: &'static str,
    pub read_key: &'static str,
    pub entries: Vec<(String, Value)>,
}

impl Corpus {
    /// A corpus session by name.
    pub fn get(name: &'static str, read_key: &'static str) -> Arc<Corpus> {
        let all: Map<String, Value> = serde_json::from_str(SESSIONS_JSON).expect("corpus parses");
        let Some(Value::Object(map)) = all.get(name) else {
            panic!("{name} is not in the corpus");
        };
        Arc::new(Corpus {
            name,
            read_key,
            entries: map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        })
    }

    /// The session's JSON size.
    pub fn json_len(&self) -> usize {
        let map: Map<String, Value> = self.entries.iter().cloned().collect();
        serde_json::to_vec(&map).unwrap().len()
    }
}

/// The sessions measured: the corpus's smallest, a cart, and its middle by
/// size; every one of them fits actix-session's cookie (it drops sessions
/// over 4 KB, so cart_60, wizard_form and random_blob_6k are left out).
pub fn corpus() -> Vec<Arc<Corpus>> {
    vec![
        Corpus::get("tiny_login", "user_id"),
        Corpus::get("cart_20", "user_id"),
        Corpus::get("oidc_tokens", "user"),
    ]
}

/// A cookietin engine as the apps use it (plain http on loopback).
pub fn engine_builder() -> cookietin::EngineBuilder {
    cookietin::Engine::builder(cookietin::Key::try_from_bytes(&SECRET).unwrap()).secure(false)
}

/// A running server; stopped by [`Server::stop`] (or on drop).
pub struct Server {
    pub name: &'static str,
    pub addr: SocketAddr,
    stop: Option<Box<dyn FnOnce() + Send>>,
}

impl Server {
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

/// Serves `router` on 127.0.0.1 (a random port) from a tokio runtime with
/// two worker threads of its own.
pub fn serve_axum(name: &'static str, router: axum::Router) -> Server {
    serve_axum_with(name, move || async move { router })
}

/// Serves the router `make` builds inside the server's runtime (for
/// clients whose connection tasks must live there).
pub fn serve_axum_with<F, Fut>(name: &'static str, make: F) -> Server
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = axum::Router>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let router = make().await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
        // Connections still open are dropped with the runtime.
        runtime.shutdown_timeout(Duration::from_secs(1));
    });
    let addr = rx.recv().unwrap();
    Server {
        name,
        addr,
        stop: Some(Box::new(move || {
            let _ = stop_tx.send(());
            thread.join().unwrap();
        })),
    }
}

/// Serves the actix-web app `factory` makes on 127.0.0.1 (a random port)
/// with two workers. A macro: `HttpServer::new`'s bounds are long.
macro_rules! serve_actix {
    ($name:expr, $factory:expr) => {{
        let (tx, rx) = std::sync::mpsc::channel();
        let factory = $factory;
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = actix_web::HttpServer::new(factory)
                    .workers(2)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .bind(("127.0.0.1", 0))
                    .unwrap();
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).unwrap();
                server.await.unwrap();
            });
        });
        let (addr, handle) = rx.recv().unwrap();
        Server {
            name: $name,
            addr,
            stop: Some(Box::new(move || {
                // The command is sent at once; the future only waits for it.
                drop(handle.stop(false));
                thread.join().unwrap();
            })),
        }
    }};
}

/// The axum apps.
pub mod axum_apps {
    use super::*;
    use axum::extract::State;
    use axum::routing::get;
    use axum::Router;
    use cookietin::integrations::tower::SessionLayer;

    /// No session at all: the framework's own cost.
    pub fn bare() -> Router {
        static N: AtomicU64 = AtomicU64::new(0);
        Router::new()
            .route("/login", get(|| async { "ok" }))
            .route("/", get(|| async { "hit" }))
            .route(
                "/write",
                get(|| async { (N.fetch_add(1, Ordering::Relaxed) + 1).to_string() }),
            )
    }

    /// No session, but a cookie of `len` bytes set at login and again on
    /// every write, as a session's would be: what carrying the cookie costs
    /// the framework, the kernel and the client, with no session work.
    pub fn bare_carrying(len: usize) -> Router {
        static N: AtomicU64 = AtomicU64::new(0);
        let line: &'static str = Box::leak(
            format!(
                "session={}; Path=/; HttpOnly; Secure; SameSite=Lax",
                "x".repeat(len.saturating_sub("session=".len()))
            )
            .into_boxed_str(),
        );
        Router::new()
            .route(
                "/login",
                get(move || async move { ([("set-cookie", line)], "ok") }),
            )
            .route("/", get(|| async { "hit" }))
            .route(
                "/write",
                get(move || async move {
                    let n = N.fetch_add(1, Ordering::Relaxed) + 1;
                    ([("set-cookie", line)], n.to_string())
                }),
            )
    }

    /// cookietin's tower layer and extractor, over a client or a stored
    /// engine.
    pub fn cookietin<F>(engine: cookietin::Engine<F>, corpus: Arc<Corpus>) -> Router
    where
        F: cookietin::Flavour,
        SessionLayer<F>: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        <SessionLayer<F> as tower::Layer<axum::routing::Route>>::Service: tower::Service<
                axum::extract::Request,
                Response = axum::response::Response,
                Error = std::convert::Infallible,
            > + Clone
            + Send
            + Sync
            + 'static,
        <<SessionLayer<F> as tower::Layer<axum::routing::Route>>::Service as tower::Service<
            axum::extract::Request,
        >>::Future: Send + 'static,
    {
        use cookietin::SessionHandle;
        async fn login(State(c): State<Arc<Corpus>>, s: SessionHandle) -> &'static str {
            for (k, v) in &c.entries {
                s.insert(k, v).unwrap();
            }
            s.insert("n", &0u64).unwrap();
            "ok"
        }
        async fn read(State(c): State<Arc<Corpus>>, s: SessionHandle) -> &'static str {
            if s.get_value(c.read_key).is_some() {
                "hit"
            } else {
                "miss"
            }
        }
        async fn write(State(c): State<Arc<Corpus>>, s: SessionHandle) -> String {
            let _ = s.get_value(c.read_key);
            let n: u64 = s.get("n").unwrap().unwrap_or(0) + 1;
            s.insert("n", &n).unwrap();
            n.to_string()
        }
        Router::new()
            .route("/login", get(login))
            .route("/", get(read))
            .route("/write", get(write))
            .with_state(corpus)
            .layer(SessionLayer::new(engine))
    }

    /// tower-sessions' layer and extractor over any of its stores.
    pub fn tower_sessions<S: tower_sessions::SessionStore + Clone>(
        store: S,
        corpus: Arc<Corpus>,
    ) -> Router {
        use tower_sessions::{Session, SessionManagerLayer};
        async fn login(State(c): State<Arc<Corpus>>, s: Session) -> &'static str {
            for (k, v) in &c.entries {
                s.insert(k, v).await.unwrap();
            }
            s.insert("n", 0u64).await.unwrap();
            "ok"
        }
        async fn read(State(c): State<Arc<Corpus>>, s: Session) -> &'static str {
            if s.get_value(c.read_key).await.unwrap().is_some() {
                "hit"
            } else {
                "miss"
            }
        }
        async fn write(State(c): State<Arc<Corpus>>, s: Session) -> String {
            let _ = s.get_value(c.read_key).await.unwrap();
            let n: u64 = s.get("n").await.unwrap().unwrap_or(0) + 1;
            s.insert("n", n).await.unwrap();
            n.to_string()
        }
        Router::new()
            .route("/login", get(login))
            .route("/", get(read))
            .route("/write", get(write))
            .with_state(corpus)
            .layer(SessionManagerLayer::new(store).with_secure(false))
    }
}

/// The actix-web apps, each served on its own.
pub mod actix_apps {
    use super::*;
    use actix_web::{web, App, HttpResponse};

    /// No session at all: the framework's own cost.
    pub fn bare(name: &'static str) -> Server {
        static N: AtomicU64 = AtomicU64::new(0);
        serve_actix!(name, || {
            App::new()
                .route("/login", web::get().to(|| async { "ok" }))
                .route("/", web::get().to(|| async { "hit" }))
                .route(
                    "/write",
                    web::get().to(|| async { (N.fetch_add(1, Ordering::Relaxed) + 1).to_string() }),
                )
        })
    }

    mod ct {
        use super::*;
        use cookietin::SessionHandle;
        pub async fn login(c: web::Data<Corpus>, s: SessionHandle) -> HttpResponse {
            for (k, v) in &c.entries {
                s.insert(k, v).unwrap();
            }
            s.insert("n", &0u64).unwrap();
            HttpResponse::Ok().body("ok")
        }
        pub async fn read(c: web::Data<Corpus>, s: SessionHandle) -> HttpResponse {
            let hit = s.get_value(c.read_key).is_some();
            HttpResponse::Ok().body(if hit { "hit" } else { "miss" })
        }
        pub async fn write(c: web::Data<Corpus>, s: SessionHandle) -> HttpResponse {
            let _ = s.get_value(c.read_key);
            let n: u64 = s.get("n").unwrap().unwrap_or(0) + 1;
            s.insert("n", &n).unwrap();
            HttpResponse::Ok().body(n.to_string())
        }
    }

    /// cookietin's middleware and extractor, one engine for all workers.
    pub fn cookietin(name: &'static str, engine: cookietin::Engine, corpus: Arc<Corpus>) -> Server {
        use cookietin::integrations::actix::SessionMiddleware;
        let corpus = web::Data::from(corpus);
        serve_actix!(name, move || {
            App::new()
                .app_data(corpus.clone())
                .wrap(SessionMiddleware::new(engine.clone()))
                .route("/login", web::get().to(ct::login))
                .route("/", web::get().to(ct::read))
                .route("/write", web::get().to(ct::write))
        })
    }

    mod peer {
        use super::*;
        use actix_session::Session;
        pub async fn login(c: web::Data<Corpus>, s: Session) -> HttpResponse {
            for (k, v) in &c.entries {
                s.insert(k, v).unwrap();
            }
            s.insert("n", 0u64).unwrap();
            HttpResponse::Ok().body("ok")
        }
        pub async fn read(c: web::Data<Corpus>, s: Session) -> HttpResponse {
            let hit = s.get::<Value>(c.read_key).unwrap().is_some();
            HttpResponse::Ok().body(if hit { "hit" } else { "miss" })
        }
        pub async fn write(c: web::Data<Corpus>, s: Session) -> HttpResponse {
            let _ = s.get::<Value>(c.read_key).unwrap();
            let n: u64 = s.get("n").unwrap().unwrap_or(0) + 1;
            s.insert("n", n).unwrap();
            HttpResponse::Ok().body(n.to_string())
        }
    }

    /// actix-session's middleware on its `CookieSessionStore`, signed (as
    /// cookietin's cookies are) rather than its default, encrypted.
    pub fn actix_session(name: &'static str, corpus: Arc<Corpus>) -> Server {
        use actix_session::config::CookieContentSecurity;
        use actix_session::storage::CookieSessionStore;
        use actix_session::SessionMiddleware;
        let key = actix_web::cookie::Key::from(&SECRET);
        let corpus = web::Data::from(corpus);
        serve_actix!(name, move || {
            App::new()
                .app_data(corpus.clone())
                .wrap(
                    SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                        .cookie_secure(false)
                        .cookie_content_security(CookieContentSecurity::Signed)
                        .build(),
                )
                .route("/login", web::get().to(peer::login))
                .route("/", web::get().to(peer::read))
                .route("/write", web::get().to(peer::write))
        })
    }
}

/// One client's cookies, as a browser keeps them (name to value; an empty
/// value or `Max-Age=0` removes one), and its Cookie header.
struct Jar {
    cookies: Vec<(String, String)>,
    header: HeaderValue,
}

impl Jar {
    fn new() -> Jar {
        let cookies = OTHER_COOKIES
            .split("; ")
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect();
        let mut jar = Jar {
            cookies,
            header: HeaderValue::from_static(""),
        };
        jar.rebuild();
        jar
    }

    fn rebuild(&mut self) {
        let header = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        self.header = HeaderValue::try_from(header).unwrap();
    }

    fn take<'a>(&mut self, set_cookies: impl Iterator<Item = &'a HeaderValue>) {
        let mut changed = false;
        for line in set_cookies {
            let line = line.to_str().unwrap();
            let mut parts = line.split(';');
            let (name, value) = parts.next().unwrap().split_once('=').unwrap();
            let (name, value) = (name.trim(), value.trim());
            let expired = parts.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.starts_with("max-age=-")
            });
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() && !expired {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
            changed = true;
        }
        if changed {
            self.rebuild();
        }
    }
}

/// One keep-alive HTTP/1.1 connection with its cookie jar.
struct Client {
    sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    jar: Jar,
    host: HeaderValue,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        Client {
            sender,
            jar: Jar::new(),
            host: HeaderValue::try_from(addr.to_string()).unwrap(),
        }
    }

    /// GETs `path`: (status, body).
    async fn get(&mut self, path: &'static str) -> (u16, Bytes) {
        self.sender.ready().await.unwrap();
        let request = hyper::Request::get(path)
            .header(HOST, self.host.clone())
            .header(COOKIE, self.jar.header.clone())
            .header(USER_AGENT, HeaderValue::from_static(CHROME))
            .body(Empty::new())
            .unwrap();
        let response = self.sender.send_request(request).await.unwrap();
        self.jar.take(response.headers().get_all(SET_COOKIE).iter());
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body)
    }
}

/// Checks an app: a login, two writes and a read carry the session from
/// one request to the next (for an app with no session, only that each
/// answers 200). Returns the size of the session's cookies the client then
/// holds (its Cookie header beyond the other cookies).
pub async fn probe(addr: SocketAddr, sessions: bool) -> usize {
    let mut client = Client::connect(addr).await;
    let answers = [
        client.get("/login").await,
        client.get("/write").await,
        client.get("/write").await,
        client.get("/").await,
    ];
    for (status, _) in &answers {
        assert_eq!(*status, 200);
    }
    if sessions {
        let bodies: Vec<&[u8]> = answers.iter().map(|(_, b)| b.as_ref()).collect();
        assert_eq!(
            bodies,
            [&b"ok"[..], b"1", b"2", b"hit"],
            "the session carried n"
        );
    }
    client
        .jar
        .header
        .len()
        .saturating_sub(OTHER_COOKIES.len() + 2)
}

/// What one load run did.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub requests: u64,
    pub failed: u64,
    pub elapsed: Duration,
}

impl Run {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Load on `addr` from `connections` keep-alive connections, each a client
/// of its own that logs in first (untimed), then sends `GET /` with a
/// `GET /write` every `write_every`th request (10: the 9:1 mix; 1: every
/// request writes), until `duration` has passed or `max_requests` have been
/// answered, whichever comes first.
pub async fn load(
    addr: SocketAddr,
    connections: usize,
    duration: Duration,
    max_requests: u64,
    write_every: u64,
) -> Run {
    let mut clients = Vec::new();
    for _ in 0..connections {
        let mut client = Client::connect(addr).await;
        assert_eq!(client.get("/login").await.0, 200);
        clients.push(client);
    }
    let budget = Arc::new(AtomicU64::new(max_requests));
    let failed = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for (c, mut client) in clients.into_iter().enumerate() {
        let (budget, failed, done) = (budget.clone(), failed.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            // Spread the writes over the connections.
            let mut i = c as u64;
            while Instant::now() < deadline
                && budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                    .is_ok()
            {
                i += 1;
                let path = if i.is_multiple_of(write_every) {
                    "/write"
                } else {
                    "/"
                };
                let (status, _) = client.get(path).await;
                if status != 200 {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    Run {
        requests: done.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    }
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The machine's load average (1, 5, 15 minutes).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Settings for a run, from the command line: `ROUNDS SECONDS MAX_REQUESTS
/// CONNECTIONS` (any prefix; `cargo bench` passes `--bench`, skipped).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub rounds: usize,
    pub duration: Duration,
    pub max_requests: u64,
    pub connections: usize,
    /// One request in this many writes (10 unless a bench sets it).
    pub write_every: u64,
}

impl Settings {
    pub fn from_args(default: Settings) -> Settings {
        let numbers: Vec<f64> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        let mut s = default;
        if let Some(&r) = numbers.first() {
            s.rounds = r as usize;
        }
        if let Some(&d) = numbers.get(1) {
            s.duration = Duration::from_secs_f64(d);
        }
        if let Some(&m) = numbers.get(2) {
            s.max_requests = m as u64;
        }
        if let Some(&c) = numbers.get(3) {
            s.connections = c as usize;
        }
        s
    }
}

/// Runs `servers` in rounds, each round every server once (the order
/// rotated each round), and returns each server's runs.
pub fn rounds(
    runtime: &tokio::runtime::Runtime,
    servers: &[Server],
    settings: Settings,
) -> Vec<Vec<Run>> {
    let mut runs = vec![Vec::new(); servers.len()];
    // A short untimed warm-up of each.
    for server in servers {
        runtime.block_on(load(
            server.addr,
            settings.connections,
            Duration::from_millis(300),
            20_000,
            settings.write_every,
        ));
    }
    for round in 0..settings.rounds {
        for k in 0..servers.len() {
            let i = (round + k) % servers.len();
            let run = runtime.block_on(load(
                servers[i].addr,
                settings.connections,
                settings.duration,
                settings.max_requests,
                settings.write_every,
            ));
            assert_eq!(run.failed, 0, "{}: failed requests", servers[i].name);
            runs[i].push(run);
        }
    }
    runs
}

/// The median requests/s of each server's runs, and the median over rounds
/// of `a`'s rate over `b`'s.
pub fn ratio(runs: &[Vec<Run>], a: usize, b: usize) -> f64 {
    let mut r: Vec<f64> = runs[a]
        .iter()
        .zip(&runs[b])
        .map(|(x, y)| x.rps() / y.rps())
        .collect();
    median(&mut r)
}

/// The session cookie bytes each server sets after a login (0 for the
/// bare servers).
pub fn session_cookie_bytes(runtime: &tokio::runtime::Runtime, servers: &[Server]) -> Vec<usize> {
    servers
        .iter()
        .map(|s| runtime.block_on(probe(s.addr, !s.name.contains("no session"))))
        .collect()
}

/// One session's table: each server's median requests/s over the rounds,
/// their range, and its session cookie bytes.
pub fn print_table(servers: &[Server], runs: &[Vec<Run>], cookie_bytes: &[usize]) {
    println!("| server | requests/s (median) | min–max | session cookie bytes |");
    println!("|---|---|---|---|");
    for ((server, runs), bytes) in servers.iter().zip(runs).zip(cookie_bytes) {
        let rps: Vec<f64> = runs.iter().map(Run::rps).collect();
        let (lo, hi) = rps
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        println!(
            "| {} | {:.0} | {:.0}–{:.0} | {bytes} |",
            server.name,
            median_rps(runs),
            lo,
            hi
        );
    }
}

pub fn median_rps(runs: &[Run]) -> f64 {
    let mut v: Vec<f64> = runs.iter().map(Run::rps).collect();
    median(&mut v)
}
