//! A seeded simulation of users behind a default nginx, each in one browser
//! modelled from its rules (`common::browser_model`: Chromium, Firefox,
//! Safari's entry, and RFC 6265's minimums for an unknown client), with
//! third-party scripts that add, grow, shrink and remove cookies between
//! requests, and two tabs whose requests overlap and whose responses land
//! in either order.
//!
//! On every step it asserts the four rules of issue 9:
//!
//! 1. **Whole generations**: after the responses are applied, in whichever
//!    order, the jar loads exactly as the session the last response that
//!    touched the session's cookies saved (or, when none did, as it loaded
//!    before), never empty by accident and never mixed.
//! 2. **No evictions**: applying a response never makes the browser purge
//!    a cookie, and the browser refuses none of the session's cookies.
//! 3. **Re-fit**: after every request the app saw, the request's other
//!    cookies and the session's cookies fit the header budget and the
//!    browser's per-site count, or the session has no cookies. The
//!    documented exceptions: rejected cookies that may be a write in
//!    flight (under a minute old), and other cookies past the hard limits
//!    alone.
//! 4. **No lockout inside the slack**: nginx refuses a request only when
//!    the other cookies alone are over its limit, or grew by more than the
//!    slack (the hard limit less the budget) since the last request the
//!    app saw — the design limit, counted but not a violation.
//!
//! `cargo test` runs 1,500 requests. `COOKIETIN_MODEL_REQUESTS=N` runs N
//! (in release for long runs: `cargo test --release --test model_browser
//! -- --nocapture`), and `COOKIETIN_MODEL_SEED=S` picks the seed.

mod common;

use std::collections::BTreeMap;

use common::browser_model::{ModelJar, Proxy, Rules, SetOutcome};
use common::*;
use cookietin::{Browsers, Engine, SaveAction, SaveReason, Saved, Session};

/// xorshift64*: deterministic for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
const CLIENTS: [Option<&str>; 4] = [Some(CHROME), Some(FIREFOX), Some(SAFARI), None];

/// An engine configuration and the budget it keeps.
struct Config {
    engine: Engine,
    soft: usize,
    hard: usize,
    reserved: usize,
}

fn configs() -> Vec<Config> {
    let base = || builder(1).on_shrink(["history"], history_callback);
    #[allow(unused_mut)]
    let mut configs = vec![
        Config {
            engine: base().build().unwrap(),
            soft: 7168,
            hard: 8182,
            reserved: 0,
        },
        Config {
            engine: base().header_budget(Some(6000)).build().unwrap(),
            soft: 6000,
            hard: 8182,
            reserved: 0,
        },
        Config {
            engine: base().reserved_cookies(5).build().unwrap(),
            soft: 7168,
            hard: 8182,
            reserved: 5,
        },
    ];
    // Saves that write zstd (compression id 2) keep the same rules.
    #[cfg(feature = "zstd")]
    configs.push(Config {
        engine: base().zstd(true).build().unwrap(),
        soft: 7168,
        hard: 8182,
        reserved: 0,
    });
    configs
}

#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    app_requests: usize,
    overlapping_pairs: usize,
    written: usize,
    refits: usize,
    no_room: usize,
    cleared: usize,
    rejected_expired: usize,
    unchanged: usize,
    shrunk: usize,
    script_evictions: usize,
    refused_others_alone: usize,
    refused_design_limit: usize,
    users: usize,
    violations: Vec<String>,
}

impl Tally {
    fn violate(&mut self, rule: &str, detail: String) {
        if self.violations.len() < 20 {
            self.violations.push(format!("{rule}: {detail}"));
        }
    }
}

/// The session's entries as raw JSON text.
fn entries(session: &Session) -> BTreeMap<String, String> {
    session
        .data()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.get().to_owned()))
        .collect()
}

/// One handler's work on a loaded session.
fn handle(rng: &mut Rng, session: &mut Session, seed: u64) {
    const KEYS: [&str; 6] = ["user", "theme", "cart", "note", "draft", "flags"];
    let key = KEYS[rng.below(KEYS.len())];
    match rng.below(100) {
        0..=44 => {
            let _ = session.get::<serde_json::Value>(key);
        }
        45..=59 => session.insert(key, &rng.below(1_000_000)).unwrap(),
        60..=69 => {
            let len = rng.range(200, 1500);
            session.insert(key, &random_text(seed, len)).unwrap()
        }
        70..=76 => {
            let len = rng.range(3000, 6000);
            session.insert(key, &random_text(seed, len)).unwrap()
        }
        77..=86 => {
            let mut h: Vec<String> = session.get("history").ok().flatten().unwrap_or_default();
            for i in 0..rng.range(3, 10) {
                h.push(random_text(seed ^ (i as u64) << 32, 40));
            }
            session.insert("history", &h).unwrap();
        }
        87..=94 => {
            session.remove(key);
        }
        95..=97 => session.clear(),
        _ => session.renew(),
    }
}

/// A third-party script between two requests.
fn script(rng: &mut Rng, jar: &mut ModelJar, tally: &mut Tally) {
    let max_value = 3000;
    let names: Vec<String> = jar
        .names()
        .into_iter()
        .filter(|n| !ModelJar::is_session_cookie("session", n))
        .map(str::to_owned)
        .collect();
    // Crowded sites get cleaned up now and then (consent expires, a cookie
    // is deleted), so that most users see ordinary room.
    if jar.others("session").1 > 5000 && rng.chance(30) && !names.is_empty() {
        jar.script_remove(&names[rng.below(names.len())]);
        return;
    }
    match rng.below(100) {
        // Nothing, most of the time.
        0..=49 => {}
        50..=64 => {
            let name = format!("tp{}", rng.below(400));
            let len = rng.range(10, 400);
            jar.script_set(&name, &"v".repeat(len));
        }
        65..=79 if !names.is_empty() => {
            // Grow one: mostly a little, now and then by more than the slack.
            let name = &names[rng.below(names.len())];
            let old = jar.get(name).map_or(0, str::len);
            let grow = if rng.chance(8) {
                rng.range(800, 2500)
            } else {
                rng.range(1, 400)
            };
            jar.script_set(name, &"g".repeat((old + grow).min(max_value)));
        }
        80..=91 if !names.is_empty() => {
            let name = &names[rng.below(names.len())];
            let old = jar.get(name).map_or(0, str::len);
            jar.script_set(name, &"s".repeat(old / 2 + 1));
        }
        92..=96 if !names.is_empty() => jar.script_remove(&names[rng.below(names.len())]),
        97 => {
            // A burst of small cookies, towards the per-site count.
            for _ in 0..rng.range(10, 80) {
                jar.script_set(&format!("b{}", rng.below(1000)), "1");
            }
        }
        _ => {}
    }
    tally.script_evictions += jar.take_evictions().len();
}

/// The bytes of the jar's other cookies: the user clears the largest
/// third-party cookies until a request passes the proxy again.
fn recover(jar: &mut ModelJar) {
    while !Proxy::NGINX.passes(&jar.header()) {
        let largest = jar
            .names()
            .into_iter()
            .filter(|n| !ModelJar::is_session_cookie("session", n))
            .max_by_key(|n| jar.get(n).map_or(0, str::len))
            .map(str::to_owned);
        match largest {
            Some(name) => jar.script_remove(&name),
            None => break,
        }
    }
}

/// Checks one save's report against its `Set-Cookie` values.
fn check_report(saved: &Saved, tally: &mut Tally) {
    let removal = |l: &String| l.contains("Max-Age=0");
    let first_write = saved.set_cookies.iter().position(|l| !removal(l));
    if let Some(first) = first_write {
        if saved.set_cookies[first..].iter().any(removal) {
            tally.violate("2 (removals first)", format!("{:?}", saved.set_cookies));
        }
    }
    let writes = saved.set_cookies.iter().filter(|l| !removal(l)).count();
    let report = &saved.report;
    let ok = match report.action {
        SaveAction::Written => writes == report.chunks && writes > 0,
        SaveAction::Unchanged => saved.set_cookies.is_empty(),
        _ => writes == 0 && saved.set_cookies.len() == report.expired.len(),
    };
    if !ok {
        tally.violate("report", format!("{report:?} / {:?}", saved.set_cookies));
    }
}

struct Tab {
    /// The session as the handler left it after the save.
    saved_entries: BTreeMap<String, String>,
    saved: Saved,
}

fn simulate(seed: u64, requests: usize) -> Tally {
    let configs = configs();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut tally = Tally::default();
    let mut now = 1_800_000_000u64;
    while tally.requests < requests {
        tally.users += 1;
        let ua = CLIENTS[rng.below(CLIENTS.len())];
        let config = &configs[rng.below(configs.len())];
        let engine = &config.engine;
        let limits = match ua {
            Some(ua) => Browsers::bundled().resolve(ua).limits.clone(),
            None => Browsers::bundled().unknown().limits.clone(),
        };
        let rules = Rules::of(&limits);
        let mut jar = ModelJar::new(rules);
        let mut last_seen_others = 0;
        for _ in 0..rng.range(50, 400) {
            if tally.requests >= requests {
                break;
            }
            now += rng.range(1, 90) as u64;
            set_now(now);
            script(&mut rng, &mut jar, &mut tally);
            let pair = rng.chance(25);
            tally.requests += if pair { 2 } else { 1 };
            let header = jar.send();
            let (other_cookies, other_bytes) = jar.others("session");
            if !Proxy::NGINX.passes(&header) {
                if other_bytes > config.hard {
                    tally.refused_others_alone += 1;
                } else if other_bytes > last_seen_others + (config.hard - config.soft) {
                    tally.refused_design_limit += 1;
                } else {
                    tally.violate(
                        "4 (no lockout inside the slack)",
                        format!(
                            "header {} with others {other_bytes} (last seen {last_seen_others})",
                            header.len()
                        ),
                    );
                }
                recover(&mut jar);
                continue;
            }
            tally.app_requests += 1;
            last_seen_others = other_bytes;
            let mut loaded = engine.load([&header], ua);
            let before = (entries(&loaded), loaded.empty_reason().cloned());
            let mut tabs = Vec::new();
            for t in 0..if pair { 2 } else { 1 } {
                let mut session = if t == 0 {
                    std::mem::take(&mut loaded)
                } else {
                    engine.load([&header], ua)
                };
                handle(&mut rng, &mut session, seed ^ now ^ t);
                let saved = match engine.save(&mut session) {
                    Ok(saved) => saved,
                    Err(e) => {
                        tally.violate("save", format!("{e}"));
                        continue;
                    }
                };
                check_report(&saved, &mut tally);
                match (saved.report.action, saved.report.reason) {
                    (SaveAction::Written, Some(SaveReason::RoomShrank)) => tally.refits += 1,
                    (SaveAction::Written, _) => tally.written += 1,
                    (SaveAction::NoRoom, _) => tally.no_room += 1,
                    (SaveAction::Cleared, Some(SaveReason::Rejected)) => {
                        tally.rejected_expired += 1
                    }
                    (SaveAction::Cleared, _) => tally.cleared += 1,
                    _ => tally.unchanged += 1,
                }
                if !saved.report.shrink.is_untouched() {
                    tally.shrunk += 1;
                }
                tabs.push(Tab {
                    saved_entries: entries(&session),
                    saved,
                });
            }
            if pair {
                tally.overlapping_pairs += 1;
                if rng.chance(50) {
                    tabs.reverse();
                }
            }
            // Apply the responses in the order they land.
            let mut last_touch: Option<&Tab> = None;
            for tab in &tabs {
                let outcomes = jar.apply(&tab.saved.set_cookies);
                if outcomes.contains(&SetOutcome::Refused) {
                    tally.violate(
                        "2 (a session cookie refused)",
                        format!("{:?}", tab.saved.report),
                    );
                }
                let evicted = jar.take_evictions();
                if !evicted.is_empty() {
                    tally.violate(
                        "2 (no evictions)",
                        format!("{} evicted: {evicted:?}", evicted.len()),
                    );
                }
                if !tab.saved.set_cookies.is_empty() {
                    last_touch = Some(tab);
                }
            }
            // Rule 1: the jar loads as the last touching response saved it.
            let after = engine.load([jar.header()], ua);
            match last_touch {
                Some(tab) => {
                    let written = tab.saved.report.action == SaveAction::Written;
                    if entries(&after) != tab.saved_entries
                        || (written && after.empty_reason().is_some())
                    {
                        tally.violate(
                            "1 (whole generations)",
                            format!(
                                "loaded {:?} ({:?}), saved {:?}",
                                entries(&after).keys(),
                                after.empty_reason(),
                                tab.saved_entries.keys()
                            ),
                        );
                    }
                }
                None => {
                    if (entries(&after), after.empty_reason().cloned()) != before {
                        tally.violate(
                            "1 (untouched)",
                            format!("{:?} became {:?}", before.1, after.empty_reason()),
                        );
                    }
                }
            }
            // Rules 3 and 4: the session's cookies fit beside the others.
            let ours = jar.session_cookies("session");
            let in_flight = last_touch.is_none() && before.1.is_some();
            let others_over = other_bytes > config.hard || other_cookies > rules.per_site;
            let fits = jar.header().len() <= config.soft
                && other_cookies + ours <= rules.per_site - config.reserved;
            if ours > 0 && !fits && !in_flight && !others_over {
                tally.violate(
                    "3 (re-fit)",
                    format!(
                        "header {} > {} or {} + {ours} cookies > {} after {:?}",
                        jar.header().len(),
                        config.soft,
                        other_cookies,
                        rules.per_site - config.reserved,
                        tabs.iter()
                            .map(|t| (t.saved.report.action, t.saved.report.reason))
                            .collect::<Vec<_>>()
                    ),
                );
            }
        }
    }
    tally
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn model_browsers_keep_the_four_rules() {
    let requests = env("COOKIETIN_MODEL_REQUESTS", 1_500) as usize;
    let seed = env("COOKIETIN_MODEL_SEED", 9);
    let start = std::time::Instant::now();
    let tally = simulate(seed, requests);
    eprintln!(
        "seed {seed}, {:.1} s: {tally:#?}",
        start.elapsed().as_secs_f64()
    );
    assert!(tally.violations.is_empty(), "{:#?}", tally.violations);
    // The simulation must exercise what it checks.
    assert!(tally.overlapping_pairs > requests / 20, "{tally:?}");
    assert!(tally.written > 0 && tally.shrunk > 0, "{tally:?}");
    if requests >= 1_500 {
        assert!(tally.refits > 0, "no re-fit happened: {tally:?}");
    }
}
