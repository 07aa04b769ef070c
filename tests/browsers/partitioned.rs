//! h. Partitioned cookies (CHIPS) in real Chromium and Firefox: the demo
//! with `--partitioned --max-age 3600 --header-budget off` in an iframe
//! from another site.
//!
//! The top page is served by a TestServer as `http://localhost:PORT/top`
//! (the site `http://localhost`); its iframe is the demo on
//! `http://127.0.0.1:PORT` (another site). Both browsers keep the iframe's
//! cookies in the partition keyed by `http://localhost`, accept `Secure`
//! ones on loopback over plain http, and Chromium needs `SameSite=None` for
//! them in a cross-site frame (a `Lax` one is neither stored nor sent
//! there).
//!
//! - h1. a multi-chunk session at 97-100 % of the partition's capacity
//!   loads back whole, with `partition-bytes` binding, and the partition
//!   holds exactly its chunks;
//! - h2. a session over the partition's 10240 bytes is shrunk by the budget
//!   (the demo's `history` callback), and the next request loads it;
//! - h3. the session is partitioned: the same demo as a top-level page (no
//!   iframe) sees none of it, and the iframe still does;
//! - h4. the browser's own partition limits, with cookies set by a script
//!   (Chromium evicts past 10240 bytes and 180 cookies; Firefox keeps up to
//!   12288 bytes, then purges to 10240, and purges 181 cookies to 150), and
//!   what becomes of a session at the limit when a script adds a cookie
//!   beside it: with the header budget off, Chromium evicts its first
//!   chunk; with the default budget (the demo on another port, same
//!   site), the browser evicts nothing and the next request carries the
//!   whole session (which the engine then re-fits to the header budget).
//!
//! WebDriver's Delete All Cookies reaches no partitioned cookie in either
//! browser. In Chromium the check reads and clears the jar through
//! chromedriver's DevTools bridge (`goog/cdp/execute`: `Storage.getCookies`,
//! which names each cookie's partition, and `Storage.clearCookies`); in
//! Firefox, WebDriver's Get All Cookies in the iframe lists the partition,
//! and the check clears it with the demo's `DELETE /api/session` (the
//! HttpOnly chunks) and `document.cookie` (the script's cookies).

use super::*;

/// The top-level site the iframe's cookies are keyed by.
const TOP_SITE: &str = "http://localhost";
/// The bytes (name + value) and cookies a partition keeps for a site, in
/// both browsers' sources (and the limits database): Chromium's
/// `kPerPartitionDomainMaxCookieBytes` and `kPerPartitionDomainMaxCookies`
/// (net/cookies/cookie_monster.cc), Firefox's
/// `network.cookie.chips.partitionLimitByteCapacity` and
/// `kMaxCookiesPerHost`.
const PARTITION_BYTES: usize = 10240;
const PARTITION_COOKIES: usize = 180;

/// How a browser enforces the partition's limits, as measured by h4.
struct Enforced {
    /// The most bytes kept before the browser evicts (Firefox's hard limit
    /// is 1.2 times the soft one: `kChipsHardLimitFactor`).
    hard_bytes: usize,
    /// The cookies left when one more than [`PARTITION_COOKIES`] is set.
    count_purged_to: usize,
}

fn enforced(browser: Browser) -> Enforced {
    match browser {
        Browser::Firefox => Enforced {
            hard_bytes: PARTITION_BYTES * 12 / 10,
            count_purged_to: 150,
        },
        _ => Enforced {
            hard_bytes: PARTITION_BYTES,
            count_purged_to: PARTITION_COOKIES,
        },
    }
}

/// A cookie of the iframe's site in the `http://localhost` partition.
#[derive(Debug)]
struct PartCookie {
    name: String,
    /// Name + value bytes, as both browsers count them.
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

/// The `127.0.0.1` cookies in the `http://localhost` partition, by name.
/// In Chromium, fails on any other cookie in the jar (none should exist);
/// in Firefox, must be called in the iframe.
async fn partition(cx: &Chips) -> Result<Vec<PartCookie>> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64();
    let mut ours = Vec::new();
    if cx.browser == Browser::Firefox {
        for c in cx.s.cookies().await? {
            ensure!(
                c.domain.as_deref() == Some("127.0.0.1"),
                "cookie {} of {:?}",
                c.name,
                c.domain
            );
            ours.push(PartCookie {
                bytes: c.name.len() + c.value.len(),
                name: c.name,
                secure: c.secure,
                same_site: c.same_site.unwrap_or_default(),
                expires_in: c.expiry.map_or(-1.0, |e| e as f64 - now),
            });
        }
    } else {
        let all = cdp(&cx.s, "Storage.getCookies", json!({})).await?;
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
    browser: Browser,
    s: Session,
    /// The demo with `--header-budget off`, where the partition binds.
    demo: Demo,
    /// The demo with the default header budget.
    demo_budget: Demo,
    /// `http://localhost:PORT/top?DEMO_PORT`, the page that embeds the
    /// demo on that port, without the query.
    top: String,
    _srv: TestServer,
}

impl Chips {
    /// Clears every cookie of the partition, opens the top page and enters
    /// its iframe, so that `fetch` goes to the demo from there.
    async fn open_fresh(&self) -> Result<()> {
        if self.browser == Browser::Firefox {
            self.open().await?;
            // The session's HttpOnly chunks, then the script's cookies.
            let r = fetch(&self.s, "DELETE", "/api/session", None).await?;
            ensure!(r.status == 200, "DELETE: {} {}", r.status, r.body);
            let names: Vec<String> = partition(self).await?.into_iter().map(|c| c.name).collect();
            const JS: &str = r#"
                for (const n of arguments[0]) {
                    document.cookie = n + "=; Max-Age=0; Secure; SameSite=None; Partitioned; Path=/";
                }
            "#;
            self.s.execute(JS, vec![json!(names)]).await?;
        } else {
            cdp(&self.s, "Storage.clearCookies", json!({})).await?;
            self.open().await?;
        }
        let left = partition(self).await?;
        ensure!(
            left.is_empty(),
            "cookies left in the partition after clearing: {:?}",
            left.iter().map(|c| &c.name).collect::<Vec<_>>()
        );
        Ok(())
    }

    /// Opens the top page and enters its iframe.
    async fn open(&self) -> Result<()> {
        self.open_at(&self.demo).await
    }

    /// Opens the top page that embeds `demo`, and enters its iframe.
    async fn open_at(&self, demo: &Demo) -> Result<()> {
        self.s
            .goto(&format!("{}?{}", self.top, demo.port()))
            .await?;
        webdriver::timed(
            "enter the iframe",
            Duration::from_secs(30),
            self.s.client.enter_frame(0),
        )
        .await?;
        let at = self.s.execute("return location.href;", vec![]).await?;
        ensure!(
            at.as_str().is_some_and(|u| u.starts_with(&demo.url("/"))),
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
    run_partitioned(Browser::Chromium).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firefox_partitioned_iframe() {
    run_partitioned(Browser::Firefox).await;
}

async fn run_partitioned(browser: Browser) {
    let _serial = SERIAL.lock().await;
    if !present(
        &format!("{browser} (partitioned iframe)"),
        &browser.missing(),
    ) {
        return;
    }
    timed_out("partitioned iframe", Duration::from_secs(5 * 60), async {
        demo::build_demo();
        let demo = demo::start(&[
            "--partitioned",
            "--max-age",
            "3600",
            "--header-budget",
            "off",
        ]);
        let demo_budget = demo::start(&["--partitioned", "--max-age", "3600"]);
        // `/top?PORT` embeds the demo on 127.0.0.1:PORT.
        let srv = TestServer::start_with(move |req| match req.target.split_once('?') {
            Some(("/top", port)) => webdriver::Response {
                content_type: "text/html; charset=utf-8".into(),
                ..webdriver::Response::text(format!(
                    "<!doctype html><title>top</title><h1>another site</h1>\
                     <iframe src=\"http://127.0.0.1:{port}/api/session/meta\" \
                     width=\"600\" height=\"300\"></iframe>"
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
            browser,
            s,
            demo,
            demo_budget,
            top,
            _srv: srv,
        };
        let mut notes = vec![format!(
            "{} ({})",
            browser.version().unwrap_or_default(),
            cx.s.reported_version()
        )];
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
            println!("RESULT {browser} partitioned: {line}");
        }
        run_checks(&format!("{browser} partitioned"), checks);
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
    let part = partition(cx).await?;
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
    // The demo's page, not its JSON: Firefox shows JSON in a viewer
    // that can't fetch.
    s.goto(&cx.demo.url("/")).await?;
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

/// h4. The browser's own partition limits, with cookies set by a script:
/// up to the hard limit in bytes all are kept, one byte more makes the
/// browser evict the oldest until the partition is within 10240; 180
/// cookies are kept, one more purges the oldest. Then a session at the
/// limit, and a script's cookie beside it.
async fn raw_limits(cx: &Chips, notes: &mut Vec<String>) -> Result<()> {
    let limits = enforced(cx.browser);
    // Cookies of 1024 bytes (name + value) making `total` bytes, the last
    // one longer by the remainder.
    let cookies = |total: usize| -> Vec<(String, String)> {
        let n = total / 1024;
        (0..n)
            .map(|i| {
                let extra = if i == n - 1 { total % 1024 } else { 0 };
                (format!("r{i:02}"), "v".repeat(1024 - 3 + extra))
            })
            .collect()
    };
    let mut seen = Vec::new();
    for total_set in [limits.hard_bytes, limits.hard_bytes + 1] {
        cx.open_fresh().await?;
        let set = cookies(total_set);
        cx.script_cookies(&set).await?;
        let part = partition(cx).await?;
        let newest = &set.last().ok_or("no cookies")?.0;
        let ok = if total_set <= limits.hard_bytes {
            part.len() == set.len()
        } else {
            total(&part) <= PARTITION_BYTES && part.iter().any(|c| &c.name == newest)
        };
        ensure!(
            ok,
            "{total_set} bytes set in {} cookies: the partition keeps {:?} ({} bytes)",
            set.len(),
            part.iter().map(|c| &c.name).collect::<Vec<_>>(),
            total(&part)
        );
        let evicted: Vec<&str> = set
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| part.iter().all(|c| c.name != *n))
            .collect();
        seen.push(format!(
            "{total_set} bytes in {} cookies -> {} kept ({} bytes, evicted {evicted:?})",
            set.len(),
            part.len(),
            total(&part)
        ));
    }
    for n in [PARTITION_COOKIES, PARTITION_COOKIES + 1] {
        cx.open_fresh().await?;
        let tiny: Vec<(String, String)> =
            (0..n).map(|i| (format!("c{i:03}"), "v".into())).collect();
        cx.script_cookies(&tiny).await?;
        let part = partition(cx).await?;
        let newest = format!("c{:03}", n - 1);
        let expected = if n == PARTITION_COOKIES {
            n
        } else {
            limits.count_purged_to
        };
        ensure!(
            part.len() == expected && part.iter().any(|c| c.name == newest),
            "{n} cookies set: {} kept, {expected} expected",
            part.len()
        );
        let evicted = n - part.len();
        seen.push(format!(
            "{n} cookies -> {} kept ({evicted} evicted)",
            part.len()
        ));
    }
    notes.push(format!(
        "h4. cookies set by a script in the iframe: {}",
        seen.join("; ")
    ));

    // A session fitted to the partition, then a script's cookie beside it.
    cx.open_fresh().await?;
    let capacity = partition_budget(&get_json(&cx.s, "/api/session/meta").await?)?;
    let (_, report) = fill(&cx.s, capacity * 97 / 100, capacity, 91).await?;
    let before = total(&partition(cx).await?);
    cx.script_cookies(&[("theme".into(), "x".repeat(995))])
        .await?;
    let part = partition(cx).await?;
    let after = total(&part);
    ensure!(
        after <= limits.hard_bytes,
        "{after} bytes kept in the partition"
    );
    let meta = get_json(&cx.s, "/api/session/meta").await?;
    let outcome = match meta["empty_reason"].as_str() {
        Some(reason) => format!("the next load is empty ({reason})"),
        None => format!("the next load has {} chunk(s)", meta["chunks"]),
    };
    notes.push(format!(
        "h4. a session of {} chunks ({before} partition bytes, header budget off), then a 1000-byte cookie set by a script: the partition keeps {:?} ({after} bytes); {outcome}",
        report["chunks"],
        part.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()
    ));

    // The same with the default header budget: the session leaves room in
    // the partition, so the script's cookie evicts nothing and the next
    // request carries the session whole. (That request then passes the
    // header budget, so the engine re-fits the session itself, and
    // reports it.)
    cx.open_fresh().await?;
    cx.open_at(&cx.demo_budget).await?;
    let budget = get_json(&cx.s, "/api/session/meta").await?["budget"].clone();
    ensure!(
        budget["binding"] == json!("header-bytes") && budget["partitioned"] == json!(true),
        "default budget: {budget}"
    );
    let capacity = uint(&budget["capacity"], "capacity")?;
    let (_, report) = fill(&cx.s, capacity * 97 / 100, capacity, 92).await?;
    let chunks = uint(&report["chunks"], "chunks")?;
    let before = partition(cx).await?;
    cx.script_cookies(&[("theme".into(), "x".repeat(995))])
        .await?;
    let after = partition(cx).await?;
    ensure!(
        total(&after) == total(&before) + 1000 && after.len() == before.len() + 1,
        "the partition went from {} to {} bytes",
        total(&before),
        total(&after)
    );
    let next = fetch(&cx.s, "GET", "/api/session/meta", None).await?;
    let meta = next.json()?;
    ensure!(
        meta["empty_reason"].is_null() && meta["chunks"] == json!(chunks),
        "with the default budget, after the script's cookie: {} chunk(s), empty reason {}",
        meta["chunks"],
        meta["empty_reason"]
    );
    let refit = next.report.unwrap_or_default();
    let steps: Vec<String> = refit["shrink"]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|st| format!("{} {}", st["action"], st["key"]))
                .collect()
        })
        .unwrap_or_default();
    notes.push(format!(
        "h4. with the default header budget: a session of {chunks} chunks ({} partition bytes, binding header-bytes), then the same cookie: {} bytes in the partition, nothing evicted, the next request carried all {chunks} chunks; its save re-fitted the session to the header budget ({}, {steps:?})",
        total(&before),
        total(&after),
        refit["action"]
    ));
    Ok(())
}
