//! The browser end-to-end suite: the demo server driven in real Chromium,
//! Firefox and WebKitGTK through WebDriver, and behind a default nginx.
//!
//! ```text
//! cargo test --all-features --test browsers
//! ```
//!
//! The suite is part of `cargo test`, one browser at a time. A browser (or
//! nginx) whose binaries are missing is skipped with the reason printed,
//! unless `CI` or `COOKIETIN_REQUIRE_BROWSERS=1` is set:
//! then it is a failure. A browser that is installed but does not start is
//! always a failure.
//!
//! Per browser, the same checks run against the limits entry the engine
//! picked for that browser's User-Agent (read from `/api/session/meta` in
//! the browser):
//!
//! - a. round trips at 10 %, 50 % and 95-100 % of the computed capacity;
//! - b. the entry's per-cookie size is kept (and one byte more dropped, for
//!   the browsers whose entry is exact), and its per-site count is kept;
//! - c. with unrelated cookies already set, a large session evicts none;
//! - d. shrinking from several chunks to one leaves no stale chunk;
//! - e. a chunk altered through WebDriver gives an empty session and a
//!   normal page;
//! - f. (with the `encrypt` feature) the demo with `--encrypt` round-trips
//!   a session over three or more chunks, a marker in it appears in no
//!   cookie value the browser holds, raw or base64-decoded, and the page
//!   shows that the cookie reveals nothing.
//!
//! In Chromium and Firefox (`partitioned::chromium_partitioned_iframe` and
//! `partitioned::firefox_partitioned_iframe`, in `browsers/partitioned.rs`):
//! h. the demo with `--partitioned` in an iframe from another loopback site
//! keeps a multi-chunk session within the partition's 10240 bytes, shrinks
//! one that would pass them, and the browser's own partition limits are
//! measured.
//!
//! Cookies do not care about ports, so the demo servers and the harness's
//! TestServer, all on 127.0.0.1, share one cookie jar; each check starts by
//! deleting every cookie.
//!
//! nginx is found at `$COOKIETIN_NGINX`, `/usr/sbin/nginx` or on `PATH`; the
//! browsers' paths are in `browsers/webdriver.rs`.
#![cfg(unix)]

mod common;
#[path = "browsers/webdriver.rs"]
mod webdriver;

use std::fs;
use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::demo::{self, request_to, Demo};
use common::{random_text, Jar, CHROME};
use serde_json::{json, Value};
use webdriver::{Browser, ChildProc, Result, Session, TempDir, TestServer};

/// The tests drive one browser at a time, even without `--test-threads=1`.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Upper bound on one browser's checks, launch included.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(12 * 60);

/// Fails the enclosing check (returns an error) unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!("{} [{}:{}]", format!($($msg)+), file!(), line!()).into());
        }
    };
}

// h. Partitioned cookies (CHIPS) in an iframe, in Chromium and Firefox.
#[path = "browsers/partitioned.rs"]
mod partitioned;

/// Whether a missing browser or nginx is a failure rather than a skip.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
        || std::env::var("COOKIETIN_REQUIRE_BROWSERS").is_ok_and(|v| v == "1")
}

/// Skips (prints why and returns false) or fails when something is missing.
fn present(what: &str, missing: &[&str]) -> bool {
    if missing.is_empty() {
        return true;
    }
    let message = format!("{what}: missing {}", missing.join(", "));
    assert!(
        !required(),
        "{message} (CI or COOKIETIN_REQUIRE_BROWSERS=1 is set)"
    );
    // Past the test harness's capture of `println!`, so that a skip shows
    // in a plain `cargo test`.
    let _ = writeln!(std::io::stderr(), "SKIP {message}");
    false
}

/// Runs `checks` in order, each to the end, then fails listing every check
/// that failed.
fn run_checks(label: &str, checks: Vec<(&str, Result<()>)>) {
    let failed: Vec<String> = checks
        .into_iter()
        .filter_map(|(name, result)| result.err().map(|e| format!("{label} {name}: {e}")))
        .collect();
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
}

async fn timed_out<T>(what: &str, limit: Duration, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: timed out after {limit:?}"))
}

// ---------------------------------------------------------------------------
// In-page requests
// ---------------------------------------------------------------------------

/// A `fetch()` made by the page.
#[derive(Debug)]
struct Fetched {
    status: u16,
    body: String,
    /// `x-cookietin-report`, parsed.
    report: Option<Value>,
}

impl Fetched {
    fn json(&self) -> Result<Value> {
        serde_json::from_str(&self.body)
            .map_err(|e| format!("{e}: {}", self.body.chars().take(300).collect::<String>()).into())
    }
}

/// `fetch(path)` in the current page (same origin), with an optional JSON
/// body.
async fn fetch(s: &Session, method: &str, path: &str, body: Option<&str>) -> Result<Fetched> {
    const JS: &str = r#"
        const [method, path, body, done] = arguments;
        const init = { method, cache: "no-store", credentials: "same-origin" };
        if (body !== null) {
            init.body = body;
            init.headers = { "content-type": "application/json" };
        }
        fetch(path, init)
            .then(async (r) => done({
                status: r.status,
                body: await r.text(),
                report: r.headers.get("x-cookietin-report"),
            }))
            .catch((e) => done({ error: String(e) }));
    "#;
    let args = vec![
        json!(method),
        json!(path),
        body.map_or(Value::Null, |b| json!(b)),
    ];
    let v = s.execute_async(JS, args).await?;
    if let Some(e) = v.get("error") {
        return Err(format!("fetch {method} {path} in the page: {e}").into());
    }
    let report = match v["report"].as_str() {
        Some(r) => Some(serde_json::from_str(r)?),
        None => None,
    };
    Ok(Fetched {
        status: v["status"].as_u64().unwrap_or(0) as u16,
        body: v["body"].as_str().unwrap_or_default().to_owned(),
        report,
    })
}

async fn get_json(s: &Session, path: &str) -> Result<Value> {
    let f = fetch(s, "GET", path, None).await?;
    ensure!(f.status == 200, "GET {path}: {} {}", f.status, f.body);
    f.json()
}

async fn patch(s: &Session, body: &Value) -> Result<Fetched> {
    fetch(s, "PATCH", "/api/session", Some(&body.to_string())).await
}

fn uint(v: &Value, what: &str) -> Result<usize> {
    v.as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| format!("{what} is not a number: {v}").into())
}

/// PATCHes `{"blob": <random base64>}` sized so that the encoded value
/// lands in `lo..=hi` base64 characters (the JSON is deflated, then
/// base64'd, so the blob's length is found by a few tries). Returns the
/// blob and the save report.
async fn fill(s: &Session, lo: usize, hi: usize, seed: u64) -> Result<(String, Value)> {
    let target = (lo + hi) / 2;
    let mut len = target.saturating_sub(150).max(16);
    let mut tries = Vec::new();
    for attempt in 0..10u64 {
        let blob = random_text(seed * 100 + attempt, len);
        let r = patch(s, &json!({ "blob": blob })).await?;
        ensure!(
            r.status == 200,
            "PATCH of {len} chars: {} {}",
            r.status,
            r.body
        );
        let report = r.report.clone().ok_or("no x-cookietin-report header")?;
        let value = uint(&report["value_bytes"], "value_bytes")?;
        let dropped = report["shrink"]["steps"]
            .as_array()
            .is_some_and(|steps| !steps.is_empty());
        tries.push(format!(
            "{len}->{value}{}",
            if dropped { " dropped" } else { "" }
        ));
        if !dropped && (lo..=hi).contains(&value) {
            ensure!(
                r.json()? == json!({ "blob": blob }),
                "the PATCH answer is not the session sent"
            );
            return Ok((blob, report));
        }
        len = if dropped {
            len * 9 / 10
        } else {
            (len as isize + target as isize - value as isize).max(16) as usize
        };
    }
    Err(format!("could not land the value in {lo}..={hi}: tries {tries:?}").into())
}

/// The cookies named `session`, `session.1`, ... in the jar, in chunk order.
async fn session_cookies(s: &Session) -> Result<Vec<webdriver::WdCookie>> {
    let mut ours: Vec<_> = s
        .cookies()
        .await?
        .into_iter()
        .filter(|c| c.name == "session" || c.name.starts_with("session."))
        .collect();
    ours.sort_by_key(|c| {
        c.name
            .strip_prefix("session.")
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(0)
    });
    Ok(ours)
}

fn names(cookies: &[webdriver::WdCookie]) -> Vec<&str> {
    cookies.iter().map(|c| c.name.as_str()).collect()
}

fn chunk_names(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            if i == 0 {
                "session".to_owned()
            } else {
                format!("session.{i}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// One browser
// ---------------------------------------------------------------------------

/// What this suite expects each browser to be matched to.
fn expected_entry(browser: Browser) -> &'static str {
    match browser {
        Browser::Chromium => "chromium",
        Browser::Firefox => "firefox",
        Browser::WebKit => "safari",
    }
}

/// Whether the entry is meant to be exact for this browser, not only safe:
/// then one byte or one cookie more must be dropped too.
fn entry_is_exact(browser: Browser) -> bool {
    browser != Browser::WebKit
}

/// The limits entry, as `/api/session/meta` gives it.
#[derive(Debug, Clone)]
struct Entry {
    id: String,
    max_cookie_bytes: usize,
    /// `"name+value"` or `"line"`.
    counts: String,
    per_site: usize,
    purge_to: usize,
}

impl Entry {
    fn of(meta: &Value) -> Result<Entry> {
        let l = &meta["limits"];
        Ok(Entry {
            id: l["id"].as_str().ok_or("no limits.id")?.to_owned(),
            max_cookie_bytes: uint(&l["max_cookie_bytes"], "max_cookie_bytes")?,
            counts: l["counts"].as_str().ok_or("no limits.counts")?.to_owned(),
            per_site: uint(&l["max_cookies_per_site"], "max_cookies_per_site")?,
            purge_to: uint(&l["purge_to"], "purge_to")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{} ({} bytes {}, {} per site)",
            self.id, self.max_cookie_bytes, self.counts, self.per_site
        )
    }
}

/// Everything one browser's checks share.
struct Cx {
    browser: Browser,
    s: Session,
    srv: TestServer,
    /// The demo with its default Cookie-header budget.
    demo: Demo,
    /// The demo with `--header-budget off`, where the cookie count binds.
    demo_off: Demo,
    /// The demo with `--encrypt --header-budget off` (feature `encrypt`).
    demo_encrypted: Option<Demo>,
    /// The demo with `--groups --store memory` (feature `store`).
    demo_groups: Option<Demo>,
    entry: Entry,
    /// Lines for the summary.
    notes: std::sync::Mutex<Vec<String>>,
}

impl Cx {
    fn note(&self, line: String) {
        println!("[{}] {line}", self.browser);
        self.notes.lock().unwrap().push(line);
    }

    /// Opens the demo's page (so that `fetch` goes to that demo) with an
    /// empty cookie jar.
    async fn open(&self, demo: &Demo) -> Result<()> {
        self.s.goto(&demo.url("/")).await?;
        self.s.delete_all_cookies().await?;
        ensure!(
            self.s.cookies().await?.is_empty(),
            "cookies left after delete all"
        );
        Ok(())
    }
}

async fn run_browser(browser: Browser) {
    let _serial = SERIAL.lock().await;
    if !present(&browser.to_string(), &browser.missing()) {
        return;
    }
    let started = Instant::now();
    timed_out(&browser.to_string(), BROWSER_TIMEOUT, async {
        let srv = TestServer::start().await.expect("test server");
        demo::build_demo();
        let demo = demo::start(&[]);
        let demo_off = demo::start(&["--header-budget", "off"]);
        let demo_encrypted = cfg!(feature = "encrypt")
            .then(|| demo::start(&["--encrypt", "--header-budget", "off"]));
        let demo_groups =
            cfg!(feature = "store").then(|| demo::start(&["--groups", "--store", "memory"]));
        let s = browser
            .launch()
            .await
            .unwrap_or_else(|e| panic!("{browser} is installed but did not start: {e}"));
        s.goto(&demo.url("/")).await.expect("open the demo");
        let meta = get_json(&s, "/api/session/meta").await.expect("meta");
        let ua = s
            .execute("return navigator.userAgent;", vec![])
            .await
            .expect("navigator.userAgent");
        let entry = Entry::of(&meta).expect("limits in meta");
        let cx = Cx {
            browser,
            s,
            srv,
            demo,
            demo_off,
            demo_encrypted,
            demo_groups,
            entry,
            notes: Default::default(),
        };
        cx.note(format!(
            "{} (driver: {}, started in {:.1?}, attempt {}); engine identified {} -> entry {}",
            browser.version().unwrap_or_default(),
            cx.s.reported_version(),
            cx.s.startup.total(),
            cx.s.attempts,
            meta["browser"],
            cx.entry.describe()
        ));
        cx.note(format!("User-Agent: {ua}"));
        let mut checks = vec![(
            "entry",
            check_entry_is_expected(&cx, expected_entry(browser)),
        )];
        checks.push(("a round trips", round_trips(&cx).await));
        checks.push(("b limits entry", entry_matches_browser(&cx).await));
        checks.push(("c no eviction", others_not_evicted(&cx).await));
        checks.push(("d no stale chunk", shrink_leaves_no_stale_chunk(&cx).await));
        checks.push((
            "e altered chunk",
            altered_chunk_gives_empty_session(&cx).await,
        ));
        checks.push(("f encrypted", encrypted_round_trip(&cx).await));
        checks.push(("g groups", groups_keep_40_kb(&cx).await));
        let Cx { s, notes, .. } = cx;
        let _ = s.close().await;
        println!("==== {browser} summary ({:?})", started.elapsed());
        for line in notes.into_inner().unwrap() {
            println!("RESULT {browser}: {line}");
        }
        run_checks(&browser.to_string(), checks);
    })
    .await;
}

fn check_entry_is_expected(cx: &Cx, expected: &str) -> Result<()> {
    ensure!(
        cx.entry.id == expected,
        "the engine picked entry {} for {}, expected {expected}",
        cx.entry.id,
        cx.browser
    );
    Ok(())
}

/// a. The session round-trips at 10 %, 50 % and 95-100 % of the capacity
/// the engine computed for this browser.
async fn round_trips(cx: &Cx) -> Result<()> {
    let s = &cx.s;
    cx.open(&cx.demo).await?;
    let budget = get_json(s, "/api/session/meta").await?["budget"].clone();
    let capacity = uint(&budget["capacity"], "capacity")?;
    let header_left = budget["header_bytes"].as_u64();
    ensure!(capacity > 1000, "capacity {capacity}");
    let mut seen = Vec::new();
    for (i, (label, lo, hi)) in [
        ("10%", 0.08, 0.12),
        ("50%", 0.48, 0.52),
        ("95-100%", 0.95, 1.0),
    ]
    .into_iter()
    .enumerate()
    {
        let (lo, hi) = (
            (capacity as f64 * lo).ceil() as usize,
            (capacity as f64 * hi).floor() as usize,
        );
        let (blob, report) = fill(s, lo, hi, 10 + i as u64).await?;
        let chunks = uint(&report["chunks"], "chunks")?;
        let value_bytes = uint(&report["value_bytes"], "value_bytes")?;
        let header_bytes = uint(&report["header_bytes"], "header_bytes")?;
        if let Some(left) = header_left {
            ensure!(
                header_bytes as u64 <= left,
                "{label}: {header_bytes} header bytes over the {left} left"
            );
        }
        let jar = session_cookies(s).await?;
        ensure!(
            names(&jar) == chunk_names(chunks),
            "{label}: the jar holds {:?}, the report says {chunks} chunk(s)",
            names(&jar)
        );
        for c in &jar {
            ensure!(
                c.name.len() + c.value.len() <= cx.entry.max_cookie_bytes,
                "{label}: {} is {} bytes",
                c.name,
                c.name.len() + c.value.len()
            );
        }
        let back = get_json(s, "/api/session").await?;
        ensure!(
            back == json!({ "blob": blob }),
            "{label}: the session read back differs ({} chars sent)",
            blob.len()
        );
        let meta = get_json(s, "/api/session/meta").await?;
        ensure!(
            meta["empty_reason"].is_null() && meta["chunks"] == json!(chunks),
            "{label}: meta after the round trip: {meta}"
        );
        seen.push(format!(
            "{label}: {value_bytes}/{capacity} in {chunks} cookie(s)"
        ));
    }
    cx.note(format!(
        "a. round trips ok, binding {}: {}",
        budget["binding"],
        seen.join(", ")
    ));
    Ok(())
}

/// Sets one cookie whose counted size is `size` (name and value, or the
/// whole Set-Cookie value for a line-counted entry) from the TestServer;
/// returns whether the browser kept it (in its jar and in the Cookie header
/// it sends).
async fn probe_size(cx: &Cx, size: usize) -> Result<bool> {
    let (s, srv) = (&cx.s, &cx.srv);
    s.delete_all_cookies().await?;
    let name = "probe";
    let tail = "; Path=/";
    let value_len = if cx.entry.counts == "line" {
        size - name.len() - 1 - tail.len()
    } else {
        size - name.len()
    };
    let value = random_text(size as u64, value_len).replace(['+', '/'], "_");
    let line = format!("{name}={value}{tail}");
    if cx.entry.counts == "line" {
        ensure!(line.len() == size, "line {} != {size}", line.len());
    }
    s.set_cookies_via_server(srv, vec![line]).await?;
    let in_jar = s
        .cookies()
        .await?
        .iter()
        .any(|c| c.name == name && c.value == value);
    let sent = s
        .cookie_header_sent(srv)
        .await?
        .is_some_and(|h| webdriver::parse_cookie_header(&h).contains(&(name.into(), value)));
    ensure!(
        in_jar == sent,
        "size {size}: in the jar {in_jar}, but sent {sent}"
    );
    Ok(sent)
}

/// Sets `n` small cookies, `batch` per response; returns how many the
/// browser kept (in its jar, and all of them sent).
async fn probe_count(cx: &Cx, n: usize, batch: usize) -> Result<usize> {
    let (s, srv) = (&cx.s, &cx.srv);
    s.delete_all_cookies().await?;
    let mut next = 0;
    while next < n {
        let end = (next + batch).min(n);
        let lines = (next..end)
            .map(|i| format!("c{i:04}=v{i}; Path=/"))
            .collect();
        s.set_cookies_via_server(srv, lines).await?;
        next = end;
    }
    let kept = s
        .cookies()
        .await?
        .iter()
        .filter(|c| c.name.starts_with('c'))
        .count();
    let sent =
        webdriver::parse_cookie_header(&s.cookie_header_sent(srv).await?.unwrap_or_default())
            .iter()
            .filter(|(n, _)| n.starts_with('c'))
            .count();
    ensure!(kept == sent, "{n} set: {kept} in the jar, {sent} sent");
    Ok(kept)
}

/// b. The entry's per-cookie size and per-site count are kept by the
/// browser; for an exact entry, one byte or one cookie more is not.
async fn entry_matches_browser(cx: &Cx) -> Result<()> {
    let e = &cx.entry;
    let exact = entry_is_exact(cx.browser);
    cx.s.goto(&cx.srv.url("/echo")).await?;

    let max = e.max_cookie_bytes;
    ensure!(
        probe_size(cx, max).await?,
        "a cookie of {max} bytes ({}) was dropped",
        e.counts
    );
    let over = probe_size(cx, max + 1).await?;
    if exact {
        ensure!(
            !over,
            "a cookie of {} bytes ({}) was kept",
            max + 1,
            e.counts
        );
    }
    let largest = if over {
        // For the record: the largest size kept, found by doubling, then
        // bisecting (lo kept, hi dropped).
        let (mut lo, mut hi) = (max + 1, 2 * max);
        while probe_size(cx, hi).await? {
            lo = hi;
            hi *= 2;
            ensure!(hi <= 1 << 21, "a cookie of {lo} bytes was kept");
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if probe_size(cx, mid).await? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    } else {
        max
    };
    cx.note(format!(
        "b. per cookie ({}): {max} kept, {} {}; largest kept {largest}",
        e.counts,
        max + 1,
        if over {
            "KEPT (entry is conservative)"
        } else {
            "dropped (entry exact)"
        }
    ));

    let n = e.per_site;
    let kept = probe_count(cx, n, 20).await?;
    ensure!(kept == n, "{n} cookies set, {kept} kept");
    let kept_over = probe_count(cx, n + 1, 20).await?;
    if exact {
        ensure!(
            kept_over == e.purge_to,
            "{} cookies set, {kept_over} kept, the entry purges to {}",
            n + 1,
            e.purge_to
        );
    }
    let mut line = format!("b. per site: {n} kept, {} set -> {kept_over} kept", n + 1);
    if kept_over > n {
        // For the record: how far past the entry the browser goes.
        let many = 1000;
        let kept_many = probe_count(cx, many, 100).await?;
        line.push_str(&format!(", {many} set -> {kept_many} kept"));
    }
    cx.note(line);
    cx.s.delete_all_cookies().await?;
    Ok(())
}

/// Sets `n` unrelated cookies `o000`... from the TestServer; returns them.
async fn set_others(cx: &Cx, n: usize) -> Result<Vec<(String, String)>> {
    cx.s.goto(&cx.srv.url("/echo")).await?;
    let others: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("o{i:03}"),
                format!("v{i}-{}", random_text(i as u64, 8).replace(['+', '/'], "_")),
            )
        })
        .collect();
    for batch in others.chunks(20) {
        let lines = batch
            .iter()
            .map(|(k, v)| format!("{k}={v}; Path=/"))
            .collect();
        cx.s.set_cookies_via_server(&cx.srv, lines).await?;
    }
    Ok(others)
}

async fn others_intact(cx: &Cx, others: &[(String, String)], when: &str) -> Result<usize> {
    let jar = cx.s.cookies().await?;
    for (k, v) in others {
        ensure!(
            jar.iter().any(|c| &c.name == k && &c.value == v),
            "{when}: {k} was evicted ({} cookies in the jar)",
            jar.len()
        );
    }
    Ok(jar.len())
}

/// c. With unrelated cookies already set, saving a large session (header
/// budget off, so the count binds) evicts none of them.
async fn others_not_evicted(cx: &Cx) -> Result<()> {
    let s = &cx.s;
    let per_site = cx.entry.per_site;
    cx.open(&cx.demo_off).await?;

    let mut notes = Vec::new();
    if per_site < 175 {
        // 170 unrelated cookies leave no room under this entry: the save
        // must be refused, and nothing evicted.
        let others = set_others(cx, 170).await?;
        s.goto(&cx.demo_off.url("/")).await?;
        let r = patch(s, &json!({ "blob": random_text(3, 2000) })).await?;
        ensure!(
            r.status == 413,
            "170 others, entry of {per_site} per site: PATCH answered {} {}",
            r.status,
            r.body
        );
        others_intact(cx, &others, "after the refused save").await?;
        ensure!(
            session_cookies(s).await?.is_empty(),
            "a session cookie was set"
        );
        notes.push("170 others: save refused (413), none evicted".to_owned());
        cx.open(&cx.demo_off).await?;
    }
    let n = if per_site >= 180 { 170 } else { per_site - 5 };
    let others = set_others(cx, n).await?;
    s.goto(&cx.demo_off.url("/")).await?;
    let budget = get_json(s, "/api/session/meta").await?["budget"].clone();
    ensure!(
        budget["other_cookies"] == json!(n)
            && budget["cookies"] == json!(per_site - n)
            && budget["binding"] == json!("cookie-count"),
        "budget with {n} others: {budget}"
    );
    let capacity = uint(&budget["capacity"], "capacity")?;
    let (blob, report) = fill(s, capacity * 95 / 100, capacity, 30).await?;
    let chunks = uint(&report["chunks"], "chunks")?;
    let total = others_intact(cx, &others, "after the save").await?;
    ensure!(
        total == n + chunks && total <= per_site,
        "{total} cookies in the jar: {n} others + {chunks} chunks, limit {per_site}"
    );
    let back = get_json(s, "/api/session").await?;
    ensure!(
        back == json!({ "blob": blob }),
        "the session read back differs"
    );
    // The browser sends them all.
    let sent = cx.s.cookie_header_sent(&cx.srv).await?.unwrap_or_default();
    let sent = webdriver::parse_cookie_header(&sent);
    ensure!(
        others.iter().all(|o| sent.contains(o)) && sent.len() == total,
        "{} cookies sent, {total} in the jar",
        sent.len()
    );
    notes.push(format!(
        "{n} others + {chunks} chunks = {total} <= {per_site}, none evicted, {} of {capacity} bytes round-tripped",
        report["value_bytes"]
    ));
    cx.note(format!("c. {}", notes.join("; ")));
    s.delete_all_cookies().await?;
    Ok(())
}

/// d. Shrinking from several chunks to one leaves no stale chunk.
async fn shrink_leaves_no_stale_chunk(cx: &Cx) -> Result<()> {
    let s = &cx.s;
    cx.open(&cx.demo_off).await?;
    let r = patch(s, &json!({ "blob": random_text(40, 11_000) })).await?;
    ensure!(r.status == 200, "big PATCH: {} {}", r.status, r.body);
    let chunks = uint(&r.report.as_ref().ok_or("no report")?["chunks"], "chunks")?;
    ensure!(chunks >= 3, "{chunks} chunk(s) for 11000 chars");
    let jar = session_cookies(s).await?;
    ensure!(
        names(&jar) == chunk_names(chunks),
        "after the big save: {:?}",
        names(&jar)
    );
    let r = patch(s, &json!({ "blob": null, "small": true })).await?;
    ensure!(r.status == 200, "small PATCH: {} {}", r.status, r.body);
    let report = r.report.ok_or("no report")?;
    let expired: Vec<String> = chunk_names(chunks).split_off(1);
    ensure!(
        report["chunks"] == json!(1) && report["expired"] == json!(expired),
        "small save report: {report}"
    );
    let jar = session_cookies(s).await?;
    ensure!(
        names(&jar) == ["session"],
        "after shrinking: {:?}",
        names(&jar)
    );
    ensure!(
        get_json(s, "/api/session").await? == json!({ "small": true }),
        "the small session did not read back"
    );
    cx.note(format!("d. {chunks} chunks -> 1, jar holds only `session`"));
    Ok(())
}

/// e. A chunk altered through WebDriver gives an empty session with a
/// reason, and a normal page.
async fn altered_chunk_gives_empty_session(cx: &Cx) -> Result<()> {
    let s = &cx.s;
    cx.open(&cx.demo).await?;
    let r = patch(s, &json!({ "blob": random_text(50, 5000) })).await?;
    ensure!(r.status == 200, "PATCH: {} {}", r.status, r.body);
    let jar = session_cookies(s).await?;
    ensure!(
        names(&jar) == ["session", "session.1"],
        "jar {:?}",
        names(&jar)
    );
    let original = &jar[1];
    let altered = match original.value.as_bytes()[0] {
        b'A' => format!("B{}", &original.value[1..]),
        _ => format!("A{}", &original.value[1..]),
    };
    s.add_cookie_json(json!({
        "name": "session.1",
        "value": altered,
        "path": "/",
        "httpOnly": true,
        "sameSite": "Lax",
    }))
    .await?;
    let jar = session_cookies(s).await?;
    ensure!(
        names(&jar) == ["session", "session.1"] && jar[1].value == altered,
        "the alteration did not replace the chunk: {:?}",
        names(&jar)
    );
    let meta = get_json(s, "/api/session/meta").await?;
    let reason = meta["empty_reason"].as_str().unwrap_or_default().to_owned();
    ensure!(!reason.is_empty(), "no empty_reason: {meta}");
    ensure!(
        get_json(s, "/api/session").await? == json!({}),
        "the session is not empty"
    );
    let page = fetch(s, "GET", "/", None).await?;
    ensure!(
        page.status == 200 && page.body.contains("<h1>cookietin demo</h1>"),
        "GET / answered {}",
        page.status
    );
    // The page itself renders, and shows the reason.
    s.goto(&cx.demo.url("/")).await?;
    let shown = wait_for_text(s, "empty-reason", |t| t != "-", Duration::from_secs(20)).await?;
    ensure!(
        shown == reason,
        "the page shows {shown:?}, meta says {reason:?}"
    );
    ensure!(
        s.body_text().await?.contains("cookietin demo"),
        "the page did not render"
    );
    cx.note(format!(
        "e. altered chunk -> empty session ({reason}), page 200"
    ));
    Ok(())
}

/// f. Encrypted sessions: a round trip over three or more chunks, nothing
/// of the session in any cookie value, and the page says so.
async fn encrypted_round_trip(cx: &Cx) -> Result<()> {
    const MARKER: &str = "MARKER-browser-2b9d-card-4111111111111111";
    let Some(demo) = &cx.demo_encrypted else {
        cx.note("f. skipped: built without the encrypt feature".to_owned());
        return Ok(());
    };
    let s = &cx.s;
    cx.open(demo).await?;
    let meta = get_json(s, "/api/session/meta").await?;
    ensure!(meta["encrypted"] == json!(true), "meta: {meta}");
    let session = json!({
        "card": MARKER,
        "notes": [MARKER, MARKER],
        "blob": random_text(60, 9000),
    });
    let r = patch(s, &session).await?;
    ensure!(r.status == 200, "PATCH: {} {}", r.status, r.body);
    let report = r.report.ok_or("no report")?;
    let chunks = uint(&report["chunks"], "chunks")?;
    ensure!(chunks >= 3, "{chunks} chunk(s): {report}");
    ensure!(report["deflated"] == json!(false), "compressed: {report}");
    let jar = session_cookies(s).await?;
    ensure!(
        names(&jar) == chunk_names(chunks),
        "the jar holds {:?}, the report says {chunks} chunk(s)",
        names(&jar)
    );
    let mut decoded = Vec::new();
    for c in &jar {
        ensure!(
            c.name.len() + c.value.len() <= cx.entry.max_cookie_bytes,
            "{} is {} bytes",
            c.name,
            c.name.len() + c.value.len()
        );
        ensure!(!c.value.contains(MARKER), "{} holds the marker", c.name);
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&c.value)
            .map_err(|e| format!("{}: not base64url: {e}", c.name))?;
        decoded.extend_from_slice(&bytes);
    }
    ensure!(
        !decoded
            .windows(MARKER.len())
            .any(|w| w == MARKER.as_bytes()),
        "the decoded cookies hold the marker"
    );
    ensure!(
        get_json(s, "/api/session").await? == session,
        "the session read back differs"
    );
    let meta = get_json(s, "/api/session/meta").await?;
    ensure!(
        meta["empty_reason"].is_null() && meta["chunks"] == json!(chunks),
        "meta after the round trip: {meta}"
    );
    ensure!(
        meta["cookie"]["encrypted"] == json!(true)
            && meta["cookie"]["readable_without_key"].is_null(),
        "meta's cookie view: {}",
        meta["cookie"]
    );
    // The page: "encrypted", and no marker in what it shows of the cookie.
    s.goto(&demo.url("/")).await?;
    let shown = wait_for_text(s, "cookie-view", |t| t != "-", Duration::from_secs(20)).await?;
    ensure!(
        shown.starts_with("encrypted, key id ") && !shown.contains(MARKER),
        "the page shows {shown:?}"
    );
    s.delete_all_cookies().await?;
    cx.note(format!(
        "f. encrypted: {chunks} chunks, {} bytes of value, the marker in no cookie (raw or decoded), read back whole",
        report["value_bytes"]
    ));
    Ok(())
}

/// g. Cookie groups (`--groups`): a 40 KB session kept whole under the
/// default header budget, the excess in the store, each group's cookies in
/// the browser within its limits, and the page shows where each key lives.
async fn groups_keep_40_kb(cx: &Cx) -> Result<()> {
    let Some(demo) = &cx.demo_groups else {
        cx.note("g. skipped: built without the store feature".to_owned());
        return Ok(());
    };
    let s = &cx.s;
    cx.open(demo).await?;
    let session = json!({
        "csrf_token": "t0k3n-2f9a",
        "user": "ada",
        "roles": ["admin"],
        "a": random_text(70, 20_000),
        "b": random_text(71, 20_000),
    });
    let r = patch(s, &session).await?;
    ensure!(r.status == 200, "PATCH: {} {}", r.status, r.body);
    let report = r.report.ok_or("no report")?;
    let moved: Vec<&str> = report["shrink"]["steps"]
        .as_array()
        .ok_or("no steps")?
        .iter()
        .filter(|step| step["action"] == "moved")
        .filter_map(|step| step["key"].as_str())
        .collect();
    ensure!(!moved.is_empty(), "nothing moved into the store: {report}");
    ensure!(
        get_json(s, "/api/session").await? == session,
        "the session read back differs"
    );
    // The browser's jar: every group's cookies, each within the limit, and
    // the Cookie header they make within the default budget.
    let jar = s.cookies().await?;
    let mut groups: Vec<&str> = jar.iter().map(|c| c.name.as_str()).collect();
    groups.sort_unstable();
    ensure!(
        groups == ["csrf", "session", "sid"],
        "the jar holds {groups:?}"
    );
    let header: usize = jar
        .iter()
        .map(|c| c.name.len() + 1 + c.value.len())
        .sum::<usize>()
        + 2 * (jar.len() - 1);
    ensure!(header <= 7168, "the Cookie header takes {header} bytes");
    for c in &jar {
        ensure!(
            c.name.len() + c.value.len() <= cx.entry.max_cookie_bytes,
            "{} is too large",
            c.name.as_str()
        );
    }
    let csrf = jar
        .iter()
        .find(|c| c.name == "csrf")
        .ok_or("no csrf cookie")?;
    ensure!(!csrf.http_only, "the csrf cookie is HttpOnly");
    let meta = get_json(s, "/api/session/meta").await?;
    let overflowed: Vec<&str> = meta["placement"]
        .as_array()
        .ok_or("no placement")?
        .iter()
        .filter(|p| p["overflowed"] == json!(true))
        .filter_map(|p| p["key"].as_str())
        .collect();
    ensure!(
        overflowed == moved,
        "placement {overflowed:?}, moved {moved:?}"
    );
    s.goto(&demo.url("/")).await?;
    let shown = wait_for_text(s, "groups", |t| t.contains("sid"), Duration::from_secs(20)).await?;
    ensure!(
        shown.contains("csrf") && shown.contains("session"),
        "the page shows {shown:?}"
    );
    s.delete_all_cookies().await?;
    cx.note(format!(
        "g. groups: 40 KB kept whole, {moved:?} moved into the store, a {header}-byte Cookie header over {} cookies",
        jar.len()
    ));
    Ok(())
}

/// Waits until the text of element `#id` passes `ok`; returns it.
async fn wait_for_text(
    s: &Session,
    id: &str,
    ok: impl Fn(&str) -> bool,
    limit: Duration,
) -> Result<String> {
    let deadline = Instant::now() + limit;
    loop {
        let v = s
            .execute(
                "const e = document.getElementById(arguments[0]); return e ? e.textContent : null;",
                vec![json!(id)],
            )
            .await?;
        let text = v.as_str().unwrap_or_default().trim().to_owned();
        if ok(&text) {
            return Ok(text);
        }
        ensure!(
            Instant::now() < deadline,
            "#{id} still shows {text:?} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium() {
    run_browser(Browser::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox() {
    run_browser(Browser::Firefox).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webkit() {
    run_browser(Browser::WebKit).await;
}

// ---------------------------------------------------------------------------
// The demo page, in headless Chromium
// ---------------------------------------------------------------------------

/// `target/`, where the screenshot goes.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is target/tmp")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_page_renders_the_numbers() {
    let _serial = SERIAL.lock().await;
    let browser = Browser::Chromium;
    if !present("chromium (demo page)", &browser.missing()) {
        return;
    }
    timed_out("demo page", Duration::from_secs(5 * 60), async {
        demo::build_demo();
        let demo = demo::start(&[]);
        let s = browser
            .launch()
            .await
            .unwrap_or_else(|e| panic!("{browser} is installed but did not start: {e}"));
        let result = demo_page(&s, &demo).await;
        let _ = s.close().await;
        run_checks("demo page", vec![("screenshot", result)]);
    })
    .await;
}

async fn demo_page(s: &Session, demo: &Demo) -> Result<()> {
    use fantoccini::Locator;
    s.goto(&demo.url("/")).await?;
    s.delete_all_cookies().await?;
    s.goto(&demo.url("/")).await?;
    // Through the page's own buttons: some history, then 4.5 KB of random
    // bytes (two cookies).
    for id in ["send", "history", "blob"] {
        let before = s
            .execute(
                "return document.getElementById('report').textContent;",
                vec![],
            )
            .await?;
        s.client.find(Locator::Id(id)).await?.click().await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = s
                .execute(
                    "return document.getElementById('report').textContent;",
                    vec![],
                )
                .await?;
            if now != before {
                break;
            }
            ensure!(Instant::now() < deadline, "clicking #{id} saved nothing");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    wait_for_text(
        s,
        "status",
        |t| t.contains("answered 200"),
        Duration::from_secs(20),
    )
    .await?;
    wait_for_text(
        s,
        "chunks",
        |t| t.parse::<u32>().is_ok_and(|n| n >= 2),
        Duration::from_secs(20),
    )
    .await?;
    let mut shown = Vec::new();
    for id in [
        "json-bytes",
        "chunks",
        "capacity",
        "binding",
        "limits-id",
        "limits-source",
    ] {
        let text = wait_for_text(
            s,
            id,
            |t| !t.is_empty() && t != "-",
            Duration::from_secs(20),
        )
        .await?;
        ensure!(
            text != "none" && text != "undefined",
            "#{id} shows {text:?}"
        );
        shown.push(format!(
            "#{id}={}",
            text.chars().take(40).collect::<String>()
        ));
    }
    let png = s.screenshot().await?;
    ensure!(
        png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG ({} bytes)",
        png.len()
    );
    let path = target_dir().join("demo-page.png");
    fs::write(&path, &png)?;
    let written = fs::metadata(&path)?.len();
    ensure!(written == png.len() as u64, "wrote {written} bytes");
    println!(
        "demo page: {} -> {} ({written} bytes)",
        shown.join(" "),
        path.display()
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// nginx in front, with its default buffers
// ---------------------------------------------------------------------------

/// An nginx proxying to one upstream, from a generated config in a temp
/// dir, killed on drop. Only the listen address, the upstream and the file
/// paths are set: every buffer size is nginx's default.
struct Nginx {
    // Dropped first: the process, then its directory.
    _proc: ChildProc,
    addr: String,
    tmp: TempDir,
}

fn nginx_binary() -> Option<PathBuf> {
    webdriver::find_bin(
        "COOKIETIN_NGINX",
        &["/usr/sbin/nginx", "/usr/local/nginx/sbin/nginx"],
        &["nginx"],
    )
}

/// nginx's version as (major, minor, patch), from `nginx -v`.
fn nginx_version(bin: &Path) -> Option<(u32, u32, u32)> {
    let out = Command::new(bin).arg("-v").output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = text.split("nginx/").nth(1)?.split_whitespace().next()?;
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

impl Nginx {
    /// `extra` goes into the `location` block; empty for nginx's defaults.
    async fn start(bin: &Path, upstream: &str, extra: &str) -> Result<Nginx> {
        let tmp = TempDir::new("nginx")?;
        let dir = tmp.path().display().to_string();
        let port = webdriver::free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let config = format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen {addr};
        location / {{ proxy_pass http://{upstream}; {extra} }}
    }}
}}
"
        );
        let conf = tmp.path().join("nginx.conf");
        fs::write(&conf, config)?;
        let mut cmd = Command::new(bin);
        cmd.arg("-p").arg(tmp.path()).arg("-c").arg(&conf);
        // -e (1.19.5+) keeps even startup errors out of /var/log/nginx.
        if nginx_version(bin).is_some_and(|v| v >= (1, 19, 5)) {
            cmd.arg("-e").arg(tmp.path().join("error.log"));
        }
        let mut proc = ChildProc::spawn("nginx", cmd, tmp.path().join("stderr.log"))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = proc.exited() {
                return Err(format!(
                    "nginx exited with {status}: {}{}",
                    proc.log_tail(2000),
                    fs::read_to_string(tmp.path().join("error.log")).unwrap_or_default()
                )
                .into());
            }
            if std::net::TcpStream::connect(&addr).is_ok() {
                break;
            }
            ensure!(
                Instant::now() < deadline,
                "nginx is not listening on {addr}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Nginx {
            _proc: proc,
            addr,
            tmp,
        })
    }

    fn error_log(&self) -> String {
        fs::read_to_string(self.tmp.path().join("error.log")).unwrap_or_default()
    }
}

/// Twelve cookies a real site carries besides the session (analytics,
/// consent, preferences), about 1 KB in the Cookie header.
fn site_cookies() -> Jar {
    let consent = "isGpcEnabled=0&datestamp=Sun+Nov+01+2026+10%3A00%3A00+GMT%2B0000&version=202409.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=3f1c6a5e-2b7d-4e8a-9c41-6d2f0b7a9e13&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0%2CC0005%3A0&AwaitingReconsent=false&geolocation=GB%3BENG";
    let hotjar = "eyJpZCI6IjdjNWQ5YzE2LTRhNzgtNWJkNi1hZTFlLTJmNmI0YzNkOGE5MCIsImNyZWF0ZWQiOjE3OTk5OTk5OTk5OTksImV4aXN0aW5nIjp0cnVlfQ==";
    Jar::with(&[
        ("_ga", "GA1.1.1834261977.1798761600"),
        ("_ga_8K3P4XJ2QZ", "GS1.1.1798761600.12.1.1798765200.0.0.0"),
        ("_gid", "GA1.1.902834719.1798761600"),
        ("_fbp", "fb.1.1798761600123.1290384756"),
        ("_gcl_au", "1.1.1758293046.1798761600"),
        ("OptanonConsent", consent),
        ("OptanonAlertBoxClosed", "2026-11-01T10:00:00.000Z"),
        ("_hjSessionUser_3456789", hotjar),
        ("theme", "dark"),
        ("lang", "en-GB"),
        ("tz", "Europe%2FLondon"),
        (
            "recently_viewed",
            "sku-10442%2Csku-20981%2Csku-33017%2Csku-40125%2Csku-51873%2Csku-62209%2Csku-70044%2Csku-71230%2Csku-72391%2Csku-80017%2Csku-81152%2Csku-84420%2Csku-90210%2Csku-91878%2Csku-93306%2Csku-95521%2Csku-99004",
        ),
    ])
}

/// PATCHes `{"blob": ...}` straight to `demo` (not through nginx) until the
/// encoded value is within 16 characters of `capacity`; returns the jar.
fn fill_direct(demo: &Demo, jar: &Jar, capacity: usize) -> (Jar, String, Value) {
    let ua = [("User-Agent", CHROME)];
    let mut len = capacity.saturating_sub(150);
    for attempt in 0..12u64 {
        let mut try_jar = jar.clone();
        let blob = random_text(700 + attempt, len);
        let r = request_to(
            &demo.addr,
            &ua,
            &mut try_jar,
            "PATCH",
            "/api/session",
            &json!({ "blob": blob }).to_string(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let report: Value = serde_json::from_str(r.header("x-cookietin-report").unwrap()).unwrap();
        let value = report["value_bytes"].as_u64().unwrap() as usize;
        let dropped = !report["shrink"]["steps"].as_array().unwrap().is_empty();
        if !dropped && value + 16 >= capacity && value <= capacity {
            return (try_jar, blob, report);
        }
        len = if dropped {
            len - 8
        } else {
            (len as isize + capacity as isize - 6 - value as isize) as usize
        };
    }
    panic!("could not fill to {capacity}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_in_front_of_the_demo() {
    let _serial = SERIAL.lock().await;
    let Some(bin) = nginx_binary() else {
        present("nginx", &["nginx"]);
        return;
    };
    timed_out("nginx", Duration::from_secs(5 * 60), nginx_checks(&bin)).await;
}

async fn nginx_checks(bin: &Path) {
    let ua = [("User-Agent", CHROME)];
    let others = site_cookies();
    let other_bytes = others.header().len();
    assert!((900..=1100).contains(&other_bytes), "{other_bytes}");

    // 1. The largest session under the default budget, with the site's
    //    other cookies: nginx lets the request through.
    demo::build_demo();
    let demo = demo::start(&[]);
    let nginx = Nginx::start(bin, &demo.addr, "")
        .await
        .expect("nginx starts");
    let mut jar = others.clone();
    let meta = request_to(&nginx.addr, &ua, &mut jar, "GET", "/api/session/meta", "");
    assert_eq!(meta.status, 200, "{}", meta.body);
    let meta = meta.json();
    let budget = &meta["budget"];
    assert_eq!(budget["other_cookies"], json!(12));
    assert_eq!(budget["binding"], json!("header-bytes"));
    let capacity = budget["capacity"].as_u64().unwrap() as usize;

    // Writing it through nginx: the response's Set-Cookie headers must fit
    // nginx's proxy_buffer_size (one page, 4 KB, by default).
    let mut through = others.clone();
    let big = random_text(600, capacity.saturating_sub(150));
    let r = request_to(
        &nginx.addr,
        &ua,
        &mut through,
        "PATCH",
        "/api/session",
        &json!({ "blob": big }).to_string(),
    );
    let too_big = nginx.error_log().contains("upstream sent too big header");
    println!(
        "nginx: PATCH of a {}-char blob through nginx answered {}{}",
        big.len(),
        r.status,
        if too_big {
            " (error log: upstream sent too big header)"
        } else {
            ""
        }
    );
    assert!(
        r.status == 200 || (r.status == 502 && too_big),
        "{} {}",
        r.status,
        r.body
    );
    // The largest session a default nginx lets the app write, for the record.
    let (mut lo, mut hi) = (0usize, capacity.saturating_sub(300));
    let mut largest = (0, 0);
    while hi - lo > 8 {
        let mid = (lo + hi) / 2;
        let mut try_jar = others.clone();
        let r = request_to(
            &nginx.addr,
            &ua,
            &mut try_jar,
            "PATCH",
            "/api/session",
            &json!({ "blob": random_text(mid as u64, mid) }).to_string(),
        );
        assert!(
            r.status == 200 || r.status == 502,
            "{} {}",
            r.status,
            r.body
        );
        if r.status == 200 {
            let report: Value =
                serde_json::from_str(r.header("x-cookietin-report").unwrap()).unwrap();
            assert_eq!(
                report["shrink"]["steps"],
                json!([]),
                "{mid} chars did not fit"
            );
            largest = (
                report["value_bytes"].as_u64().unwrap(),
                report["chunks"].as_u64().unwrap(),
            );
            lo = mid;
        } else {
            hi = mid;
        }
    }
    println!(
        "RESULT nginx: largest session the demo can write through a default nginx: {} base64 chars in {} cookie(s) (PATCH response head under 4 KB)",
        largest.0, largest.1
    );

    // With a Set-Cookie budget that fits nginx's 4 KB response buffer, the
    // same kind of write through nginx is shrunk to fit and answered 200.
    let fitted = demo::start(&["--set-cookie-budget", "3072"]);
    let fitted_nginx = Nginx::start(bin, &fitted.addr, "")
        .await
        .expect("nginx starts");
    let history: Vec<String> = (0..150).map(|i| random_text(900 + i, 40)).collect();
    let mut jar = others.clone();
    let r = request_to(
        &fitted_nginx.addr,
        &ua,
        &mut jar,
        "PATCH",
        "/api/session",
        &json!({ "history": history }).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let report: Value = serde_json::from_str(r.header("x-cookietin-report").unwrap()).unwrap();
    let lines = report["set_cookie_bytes"].as_u64().unwrap();
    assert!(lines <= 3072, "{lines} bytes of Set-Cookie");
    assert_eq!(report["budget"]["binding"], json!("response-bytes"));
    // The demo merges runs of one callback into a step with a count.
    let steps = report["shrink"]["steps"].as_array().unwrap();
    assert!(!steps.is_empty() && steps.iter().all(|s| s["action"] == json!("callback")));
    let runs: u64 = steps.iter().map(|s| s["runs"].as_u64().unwrap()).sum();
    let r = request_to(&fitted_nginx.addr, &ua, &mut jar, "GET", "/api/session", "");
    assert_eq!(r.status, 200);
    let kept: Vec<String> = serde_json::from_value(r.json()["history"].clone()).unwrap();
    assert_eq!(kept[..], history[history.len() - kept.len()..]);
    println!(
        "RESULT nginx: --set-cookie-budget 3072: a {}-entry history written through a default nginx -> 200, {} entries kept by the shrink callback ({runs} callback runs), {lines} bytes of Set-Cookie",
        history.len(),
        kept.len(),
    );
    drop(fitted_nginx);
    drop(fitted);

    // So the session is written straight to the app, then read through nginx.
    let (mut jar, blob, report) = fill_direct(&demo, &others, capacity);
    let header = jar.header();
    assert!(
        header.len() <= cookietin::DEFAULT_HEADER_BUDGET,
        "{}",
        header.len()
    );
    let r = request_to(&nginx.addr, &ua, &mut jar, "GET", "/api/session", "");
    assert_eq!(
        r.status,
        200,
        "nginx refused {} bytes of Cookie header: {}",
        header.len(),
        r.body
    );
    assert_eq!(r.json(), json!({ "blob": blob }));
    println!(
        "RESULT nginx: default budget: {} chunk(s), {} of {capacity} value bytes, Cookie header {} bytes (12 other cookies, {other_bytes} bytes) -> {}",
        report["chunks"], report["value_bytes"], header.len(), r.status
    );
    drop(nginx);

    // With the buffer for the upstream's response head raised (the README's
    // advice), the same largest session is written through nginx too.
    let advice = "proxy_buffer_size 16k; proxy_buffers 4 16k;";
    let nginx = Nginx::start(bin, &demo.addr, advice)
        .await
        .expect("nginx starts with the README's proxy buffers");
    let mut jar = others.clone();
    let r = request_to(
        &nginx.addr,
        &ua,
        &mut jar,
        "PATCH",
        "/api/session",
        &json!({ "blob": blob }).to_string(),
    );
    assert_eq!(r.status, 200, "{}: {}", advice, nginx.error_log());
    let written: Value = serde_json::from_str(r.header("x-cookietin-report").unwrap()).unwrap();
    assert_eq!(written["shrink"]["steps"], json!([]));
    let r = request_to(&nginx.addr, &ua, &mut jar, "GET", "/api/session", "");
    assert_eq!((r.status, r.json()), (200, json!({ "blob": blob })));
    println!(
        "RESULT nginx: with `{advice}`: PATCH writing {} chunk(s), {} value bytes -> 200, read back -> 200",
        written["chunks"], written["value_bytes"]
    );
    drop(nginx);

    // 2. No header budget: the session spreads over more cookies and the
    //    same request is refused by nginx.
    let demo_off = demo::start(&["--header-budget", "off"]);
    let nginx = Nginx::start(bin, &demo_off.addr, "")
        .await
        .expect("nginx starts");
    let mut jar = others.clone();
    let blob = random_text(800, 16_000);
    let r = request_to(
        &demo_off.addr,
        &ua,
        &mut jar,
        "PATCH",
        "/api/session",
        &json!({ "blob": blob }).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let chunks = jar
        .names()
        .iter()
        .filter(|n| n.starts_with("session"))
        .count();
    assert!(chunks >= 4, "{chunks}");
    let header = jar.header();
    let r = request_to(&nginx.addr, &ua, &mut jar, "GET", "/api/session", "");
    assert_eq!(
        r.status,
        400,
        "nginx accepted {} bytes of Cookie header",
        header.len()
    );
    assert!(
        r.body.contains("Request Header Or Cookie Too Large"),
        "{}",
        r.body
    );
    // The app itself reads it.
    let r = request_to(&demo_off.addr, &ua, &mut jar, "GET", "/api/session", "");
    assert_eq!((r.status, r.json()), (200, json!({ "blob": blob })));
    println!(
        "RESULT nginx: --header-budget off: {chunks} chunks, Cookie header {} bytes -> 400 Request Header Or Cookie Too Large",
        header.len()
    );
}
