//! h. Partitioned cookies (CHIPS) in real Chromium: the demo with
//! `--partitioned --max-age 3600 --header-budget off` in an iframe from
//! another site.
//!
//! The top page is served by a TestServer as `http://localhost:PORT/top`
//! (the site `http://localhost`); its iframe is the demo on
//! `http://127.0.0.1:PORT` (another site). Chromium keeps the iframe's
//! cookies in the partition keyed by `http://localhost`, accepts `Secure`
//! ones on loopback over plain http, and needs `SameSite=None` for them in
//! a cross-site frame (a `Lax` one is neither stored nor sent there).
//!
//! - h1. a multi-chunk session at 97-100 % of the partition's capacity
//!   loads back whole, with `partition-bytes` binding, and the partition
//!   holds exactly its chunks;
//! - h2. a session over the partition's 10240 bytes is shrunk by the budget
//!   (the demo's `history` callback), and the next request loads it;
//! - h3. the session is partitioned: the same demo as a top-level page (no
//!   iframe) sees none of it, and the iframe still does;
//! - h4. for the record, what Chromium does with raw `document.cookie`
//!   cookies past the partition's bytes and count, and to a session at the
//!   limit when a script adds a cookie beside it.
//!
//! WebDriver's Delete All Cookies does not reach partitioned cookies, and
//! its Get All Cookies does not say which partition a cookie is in, so the
//! check reads and clears the jar through chromedriver's DevTools bridge
//! (`goog/cdp/execute`: `Storage.getCookies`, `Storage.clearCookies`).

use super::*;

/// The top-level site the iframe's cookies are keyed by.
const TOP_SITE: &str = "http://localhost";
/// Chromium's `kPerPartitionDomainMaxCookieBytes` and
/// `kPerPartitionDomainMaxCookies` (net/cookies/cookie_monster.cc).
const PARTITION_BYTES: usize = 10240;
const PARTITION_COOKIES: usize = 180;

/// A cookie of the iframe's site in the `http://localhost` partition.
#[derive(Debug)]
struct PartCookie {
    name: String,
    /// Name + value bytes, as Chromium counts them.
    bytes: usize,
    secure: bool,
    same_site: String,
    /// Seconds from now until it expires.
    expires_in: f64,
}

/// A chromedriver DevTools command.
async fn cdp(s: &Session, cmd: &str, params: Value) -> Result<Value> {
    s.raw(
        http::Method::POST,
        "goog/cdp/execute",
        Some(json!({ "cmd": cmd, "params": params })),
        cmd,
    )
    .await
}

/// The `127.0.0.1` cookies in the `http://localhost` partition, by name;
/// fails on any other cookie in the jar (none should exist).
async fn partition(s: &Session) -> Result<Vec<PartCookie>> {
    let all = cdp(s, "Storage.getCookies", json!({})).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64();
    let mut ours = Vec::new();
    for c in all["cookies"].as_array().ok_or("no cookies array")? {
        let name = c["name"].as_str().unwrap_or_default().to_owned();
        let key = c["partitionKey"]["topLevelSite"].as_str();
        ensure!(
            key == Some(TOP_SITE) && c["domain"] == json!("127.0.0.1"),
            "cookie {name} outside the partition: domain {}, key {}",
            c["domain"],
            c["partitionKey"]
        );
        ours.push(PartCookie {
            bytes: name.len() + c["value"].as_str().unwrap_or_default().len(),
            name,
            secure: c["secure"] == json!(true),
            same_site: c["sameSite"].as_str().unwrap_or_default().to_owned(),
            expires_in: c["expires"].as_f64().unwrap_or(-1.0) - now,
        });
    }
    ours.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ours)
}

fn total(cookies: &[PartCookie]) -> usize {
    cookies.iter().map(|c| c.bytes).sum()
}

/// The session's chunks in the partition, in chunk order.
fn session_chunks(cookies: &[PartCookie]) -> Vec<&PartCookie> {
    let mut chunks: Vec<&PartCookie> = cookies
        .iter()
        .filter(|c| c.name == "session" || c.name.starts_with("session."))
        .collect();
    chunks.sort_by_key(|c| {
        c.name
            .strip_prefix("session.")
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(0)
    });
    chunks
}

struct Chips {
    s: Session,
    demo: Demo,
    /// `http://localhost:PORT/top`, the page that embeds the demo.
    top: String,
    _srv: TestServer,
}

impl Chips {
    /// Clears every cookie (partitioned ones too), opens the top page and
    /// enters its iframe, so that `fetch` goes to the demo from there.
    async fn open_fresh(&self) -> Result<()> {
        cdp(&self.s, "Storage.clearCookies", json!({})).await?;
        ensure!(
            partition(&self.s).await?.is_empty(),
            "cookies left after Storage.clearCookies"
        );
        self.open().await
    }

    /// Opens the top page and enters its iframe.
    async fn open(&self) -> Result<()> {
        self.s.goto(&self.top).await?;
        webdriver::timed(
            "enter the iframe",
            Duration::from_secs(30),
            self.s.client.enter_frame(0),
        )
        .await?;
        let at = self.s.execute("return location.href;", vec![]).await?;
        ensure!(
            at.as_str()
                .is_some_and(|u| u.starts_with(&self.demo.url("/"))),
            "the iframe is at {at}"
        );
        Ok(())
    }

    /// Sets cookies through `document.cookie` in the iframe: partitioned,
    /// Secure, SameSite=None, an hour long.
    async fn script_cookies(&self, pairs: &[(String, String)]) -> Result<()> {
        const JS: &str = r#"
            for (const [n, v] of arguments[0]) {
                document.cookie = n + "=" + v +
                    "; Secure; SameSite=None; Partitioned; Path=/; Max-Age=3600";
            }
            return document.cookie.length;
        "#;
        self.s.execute(JS, vec![json!(pairs)]).await?;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_partitioned_iframe() {
    let _serial = SERIAL.lock().await;
    let browser = Browser::Chromium;
    if !present("chromium (partitioned iframe)", &browser.missing()) {
        return;
    }
    timed_out("partitioned iframe", Duration::from_secs(5 * 60), async {
        build_demo();
        let demo = demo::start(&[
            "--partitioned",
            "--max-age",
            "3600",
            "--header-budget",
            "off",
        ]);
        let frame = demo.url("/api/session/meta");
        let srv = TestServer::start_with(move |req| match req.path() {
            "/top" => webdriver::Response {
                content_type: "text/html; charset=utf-8".into(),
                ..webdriver::Response::text(format!(
                    "<!doctype html><title>top</title><h1>another site</h1>\
                     <iframe src=\"{frame}\" width=\"600\" height=\"300\"></iframe>"
                ))
            },
            _ => webdriver::Response::not_found(),
        })
        .await
        .expect("test server");
        // The same server, as the site `http://localhost`.
        let top = srv.url("/top").replacen("127.0.0.1", "localhost", 1);
        let s = browser
            .launch()
            .await
            .unwrap_or_else(|e| panic!("{browser} is installed but did not start: {e}"));
        let cx = Chips {
            s,
            demo,
            top,
            _srv: srv,
        };
        let mut notes = Vec::new();
        let checks = vec![
            ("h1 whole", whole_at_capacity(&cx, &mut notes).await),
            (
                "h2 over the partition",
                shrunk_not_dropped(&cx, &mut notes).await,
            ),
            ("h3 partitioned", not_first_party(&cx, &mut notes).await),
            ("h4 raw limits", raw_limits(&cx, &mut notes).await),
        ];
        let Chips { s, .. } = cx;
        let _ = s.close().await;
        for line in notes {
            println!("RESULT chromium partitioned: {line}");
        }
        run_checks("chromium partitioned", checks);
    })
    .await;
}

/// The report's budget says the partition's bytes bind a partitioned
/// session; returns the capacity.
fn partition_budget(report: &Value) -> Result<usize> {
    let budget = &report["budget"];
    ensure!(
        budget["partitioned"] == json!(true)
            && budget["partition_bytes"] == json!(PARTITION_BYTES)
            && budget["binding"] == json!("partition-bytes"),
        "budget: {budget}"
    );
    uint(&budget["capacity"], "capacity")
}

/// Checks the partition holds exactly the session's `chunks`, partitioned,
/// Secure, SameSite=None, with the demo's hour of Max-Age, and that they
/// are `value_bytes` of value; returns the partition's total bytes.
async fn partition_holds(cx: &Chips, chunks: usize, value_bytes: usize) -> Result<usize> {
    let part = partition(&cx.s).await?;
    let ours = session_chunks(&part);
    let names: Vec<&str> = ours.iter().map(|c| c.name.as_str()).collect();
    ensure!(
        names == chunk_names(chunks) && ours.len() == part.len(),
        "the partition holds {:?}, the report says {chunks} chunk(s)",
        part.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    for c in &ours {
        ensure!(
            c.secure && c.same_site == "None" && (3500.0..=3601.0).contains(&c.expires_in),
            "{c:?}"
        );
    }
    let names_len: usize = names.iter().map(|n| n.len()).sum();
    let total = total(&part);
    ensure!(
        total == names_len + value_bytes && total <= PARTITION_BYTES,
        "the partition holds {total} bytes: {value_bytes} of value and {names_len} of names expected"
    );
    Ok(total)
}

/// h1. A session at 97-100 % of the partition's capacity spreads over
/// several chunks and loads back whole.
async fn whole_at_capacity(cx: &Chips, notes: &mut Vec<String>) -> Result<()> {
    let s = &cx.s;
    cx.open_fresh().await?;
    let meta = get_json(s, "/api/session/meta").await?;
    let capacity = partition_budget(&meta)?;
    let (blob, report) = fill(s, capacity * 97 / 100, capacity, 90).await?;
    ensure!(partition_budget(&report)? == capacity, "{report}");
    let chunks = uint(&report["chunks"], "chunks")?;
    let value_bytes = uint(&report["value_bytes"], "value_bytes")?;
    ensure!(chunks >= 3, "{chunks} chunk(s): {report}");
    let total = partition_holds(cx, chunks, value_bytes).await?;
    ensure!(
        get_json(s, "/api/session").await? == json!({ "blob": blob }),
        "the session read back differs"
    );
    let meta = get_json(s, "/api/session/meta").await?;
    ensure!(
        meta["empty_reason"].is_null()
            && meta["chunks"] == json!(chunks)
            && meta["value_bytes"] == json!(value_bytes),
        "meta after the round trip: {meta}"
    );
    notes.push(format!(
        "h1. {value_bytes} of {capacity} value bytes in {chunks} partitioned chunks, {total} of {PARTITION_BYTES} partition bytes (name+value), binding partition-bytes, read back whole"
    ));
    Ok(())
}

/// h2. A session whose value would pass the partition's bytes is shrunk to
/// fit (the demo's callback drops the oldest `history` entries), and the
/// next request loads what was kept: nothing is evicted by the browser.
async fn shrunk_not_dropped(cx: &Chips, notes: &mut Vec<String>) -> Result<()> {
    let s = &cx.s;
    cx.open_fresh().await?;
    let history: Vec<String> = (0..40).map(|i| random_text(200 + i, 400)).collect();
    let sent = json!({ "user": "ada", "history": history });
    let r = patch(s, &sent).await?;
    ensure!(r.status == 200, "PATCH: {} {}", r.status, r.body);
    let report = r.report.clone().ok_or("no report")?;
    let capacity = partition_budget(&report)?;
    let steps = report["shrink"]["steps"].as_array().ok_or("no steps")?;
    ensure!(
        !steps.is_empty()
            && steps
                .iter()
                .all(|st| st["action"] == json!("callback") && st["keys"] == json!(["history"])),
        "not shrunk by the history callback: {report}"
    );
    let runs: u64 = steps.iter().filter_map(|st| st["runs"].as_u64()).sum();
    let saved = r.json()?;
    let kept: Vec<String> = serde_json::from_value(saved["history"].clone())?;
    ensure!(
        saved["user"] == json!("ada")
            && !kept.is_empty()
            && kept.len() < history.len()
            && kept[..] == history[history.len() - kept.len()..],
        "saved: {} entries of {}",
        kept.len(),
        history.len()
    );
    let json_before = steps[0]["json_before"].as_u64().unwrap_or(0);
    let chunks = uint(&report["chunks"], "chunks")?;
    let value_bytes = uint(&report["value_bytes"], "value_bytes")?;
    ensure!(
        value_bytes <= capacity && chunks >= 2,
        "{value_bytes} bytes in {chunks} chunk(s), capacity {capacity}"
    );
    let total = partition_holds(cx, chunks, value_bytes).await?;
    // The next request carries every chunk and loads it.
    let back = get_json(s, "/api/session").await?;
    ensure!(
        back == saved && back != json!({}),
        "the next request loaded {} key(s), not the {} saved",
        back.as_object().map_or(0, |o| o.len()),
        saved.as_object().map_or(0, |o| o.len())
    );
    let meta = get_json(s, "/api/session/meta").await?;
    ensure!(
        meta["empty_reason"].is_null() && meta["chunks"] == json!(chunks),
        "meta: {meta}"
    );
    notes.push(format!(
        "h2. {json_before} bytes of JSON (user + {} history entries) over the partition: shrunk by the history callback ({runs} runs) to {} entries, {value_bytes} value bytes in {chunks} chunks, {total} of {PARTITION_BYTES} partition bytes; the next request loaded it whole",
        history.len(),
        kept.len()
    ));
    Ok(())
}

/// h3. The session lives in the `http://localhost` partition only: the
/// demo as a top-level page gets none of it, the iframe still does.
async fn not_first_party(cx: &Chips, notes: &mut Vec<String>) -> Result<()> {
    let s = &cx.s;
    // h2 left a session in the partition.
    cx.open().await?;
    let framed = get_json(s, "/api/session").await?;
    ensure!(
        framed != json!({}),
        "no session in the iframe to start from"
    );
    s.goto(&cx.demo.url("/api/session/meta")).await?;
    let first_party = get_json(s, "/api/session/meta").await?;
    ensure!(
        first_party["chunks"] == json!(0) && get_json(s, "/api/session").await? == json!({}),
        "the top-level demo saw: {first_party}"
    );
    cx.open().await?;
    ensure!(
        get_json(s, "/api/session").await? == framed,
        "the iframe lost its session after a first-party visit"
    );
    notes.push(
        "h3. the demo as a top-level page carries no session cookie (0 chunks); back in the iframe on http://localhost the session loads whole"
            .to_owned(),
    );
    Ok(())
}

/// h4. Chromium's own partition limits, with cookies set by a script: the
/// bytes cap is exact (10240 kept, one byte more evicts the oldest cookie),
/// the count evicts the oldest past 180, and a session at the limit loses a
/// chunk when a script adds a cookie beside it.
async fn raw_limits(cx: &Chips, notes: &mut Vec<String>) -> Result<()> {
    // Ten cookies of 1024 bytes (name + value) each, the last one `extra`
    // bytes longer.
    let ten = |extra: usize| -> Vec<(String, String)> {
        (0..10)
            .map(|i| {
                let len = 1024 - 3 + if i == 9 { extra } else { 0 };
                (format!("r{i:02}"), "v".repeat(len))
            })
            .collect()
    };
    let mut seen = Vec::new();
    for extra in [0, 1] {
        cx.open_fresh().await?;
        cx.script_cookies(&ten(extra)).await?;
        let part = partition(&cx.s).await?;
        let kept = 10 - usize::from(extra == 1);
        ensure!(
            part.len() == kept
                && total(&part) <= PARTITION_BYTES
                && part.iter().any(|c| c.name == "r09"),
            "{} bytes set: the partition keeps {:?}",
            PARTITION_BYTES + extra,
            part.iter().map(|c| &c.name).collect::<Vec<_>>()
        );
        let evicted: Vec<String> = (0..10)
            .map(|i| format!("r{i:02}"))
            .filter(|n| part.iter().all(|c| &c.name != n))
            .collect();
        seen.push(format!(
            "{} bytes in 10 cookies -> {} kept ({} bytes, evicted {evicted:?})",
            PARTITION_BYTES + extra,
            part.len(),
            total(&part)
        ));
    }
    for n in [PARTITION_COOKIES, PARTITION_COOKIES + 1] {
        cx.open_fresh().await?;
        let tiny: Vec<(String, String)> =
            (0..n).map(|i| (format!("c{i:03}"), "v".into())).collect();
        cx.script_cookies(&tiny).await?;
        let part = partition(&cx.s).await?;
        let newest = format!("c{:03}", n - 1);
        ensure!(
            part.len() == PARTITION_COOKIES && part.iter().any(|c| c.name == newest),
            "{n} cookies set: {} kept",
            part.len()
        );
        let evicted: Vec<String> = (0..n)
            .map(|i| format!("c{i:03}"))
            .filter(|n| part.iter().all(|c| &c.name != n))
            .collect();
        seen.push(format!(
            "{n} cookies -> {} kept (evicted {evicted:?})",
            part.len()
        ));
    }
    notes.push(format!(
        "h4. Chromium, cookies set by a script in the iframe: {}",
        seen.join("; ")
    ));

    // A session fitted to the partition, then a script's cookie beside it.
    cx.open_fresh().await?;
    let capacity = partition_budget(&get_json(&cx.s, "/api/session/meta").await?)?;
    let (_, report) = fill(&cx.s, capacity * 97 / 100, capacity, 91).await?;
    let before = total(&partition(&cx.s).await?);
    cx.script_cookies(&[("theme".into(), "x".repeat(995))])
        .await?;
    let part = partition(&cx.s).await?;
    let after = total(&part);
    ensure!(
        after <= PARTITION_BYTES,
        "{after} bytes kept in the partition"
    );
    let meta = get_json(&cx.s, "/api/session/meta").await?;
    let outcome = match meta["empty_reason"].as_str() {
        Some(reason) => format!("the next load is empty ({reason})"),
        None => format!("the next load has {} chunk(s)", meta["chunks"]),
    };
    notes.push(format!(
        "h4. a session of {} chunks ({before} partition bytes), then a 1000-byte cookie set by a script: Chromium keeps {:?} ({after} bytes); {outcome}",
        report["chunks"],
        part.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
    ));
    Ok(())
}
