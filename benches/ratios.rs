//! Interleaved ratios (`support/interleave.rs`), for a machine shared with
//! other work: each round times a batch of operation A and a batch of
//! operation B back to back, and the report is the median over rounds of
//! B/A.
//! Complements the criterion bench (`benches/engine.rs`), whose separate
//! medians can be taken minutes apart.
//!
//! `cargo bench --bench ratios [-- ROUNDS] [room]`

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/interleave.rs"]
mod interleave;
#[path = "support/setup.rs"]
mod setup;

use std::hint::black_box;
use std::time::Instant;

use cookietin::{Browsers, Engine, LimitsDb, Session};

use corpus::{Entries, CHROME, COOKIEMAN, OTHER_COOKIES};
use floor::{peer_load, peer_save, peer_state, FloorLoad, FloorSave};
use interleave::{paired, plain, us};

/// A save of a modified session, re-marked modified each call (the same
/// work as saving a freshly loaded and modified one, with no setup).
fn saver<'e>(engine: &'e Engine, mut session: Session) -> impl FnMut() + 'e {
    move || {
        session.data_mut();
        black_box(engine.save(&mut session).unwrap());
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(31);
    // `-- profile SESSION save|hit|miss SECONDS`: one operation in a loop,
    // for `perf record`.
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "profile") {
        profile(&args[at + 1..]);
        return;
    }
    // `-- room`: only the save cost against the room.
    if std::env::args().any(|a| a == "room") {
        room(rounds);
        return;
    }
    let engine = setup::engine();
    engine.browsers().resolve(CHROME);
    println!(
        "Interleaved medians over {rounds} rounds (µs; ratios are medians of per-round ratios)\n"
    );
    let uncached = setup::uncached_engine();
    uncached.browsers().resolve(CHROME);
    println!("| session | save | floor_save | save/floor | load (cache hit) | floor_load | load/floor | load (miss) | miss/floor | cookieman enc/save | cookieman dec/load |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut versions = Vec::new();
    for ((name, entries), (_, _, _, enc, dec)) in corpus::ordered().into_iter().zip(COOKIEMAN) {
        let header = setup::request_header(&engine, &entries);
        let (lines, value) = setup::first_save(&engine, &entries);
        let chunks = lines.len() as u8;
        versions.push((name, entries.clone(), lines.clone()));
        let mut floor_save = FloorSave::engine_levels(&setup::SECRET);
        let mut save = saver(&engine, setup::modified_session(&engine, &header, &entries));
        let (tfs, ts, rs) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(floor_save.save(black_box(&entries), chunks, 1).len());
            }),
            &mut plain(&mut save),
        );
        let mut floor_load = FloorLoad::new(&setup::SECRET);
        let mut floor_load = || {
            black_box(floor_load.load(black_box(&value)));
        };
        let (tfl, tl, rl) = paired(
            rounds,
            &mut plain(&mut floor_load),
            &mut plain(&mut || {
                black_box(engine.load([black_box(header.as_str())], Some(CHROME)));
            }),
        );
        let (_, tm, rm) = paired(
            rounds,
            &mut plain(&mut floor_load),
            &mut plain(&mut || {
                black_box(uncached.load([black_box(header.as_str())], Some(CHROME)));
            }),
        );
        println!(
            "| {name} | {} | {} | {rs:.2} | {} | {} | {rl:.2} | {} | {rm:.2} | {:.0}x | {:.1}x |",
            us(ts),
            us(tfs),
            us(tl),
            us(tfl),
            us(tm),
            enc * 1000.0 / ts,
            dec * 1000.0 / tl,
        );
    }

    #[cfg(feature = "zstd")]
    zstd_against_deflate(rounds, &versions);

    versions_and_peer(rounds, versions);

    room(rounds);

    println!("\n| UA lookup | ns |\n|---|---|");
    let uncached = Browsers::new(LimitsDb::bundled().clone()).with_cache_entries(0);
    let bundled = Browsers::bundled();
    bundled.resolve(CHROME);
    let (cached, cold, _) = paired(
        rounds,
        &mut plain(&mut || {
            black_box(bundled.resolve(black_box(CHROME)));
        }),
        &mut plain(&mut || {
            black_box(uncached.resolve(black_box(CHROME)));
        }),
    );
    println!("| cold (woothee + DB lookup) | {cold:.0} |\n| cached hit | {cached:.1} |");

    println!("\n| shrink case | encodes | shrink save µs | plain save µs | ratio |\n|---|---|---|---|---|");
    shrink_case(
        rounds,
        "remove",
        &setup::shrink_engine_remove(),
        setup::remove_entries,
    );
    shrink_case(
        rounds,
        "trim",
        &setup::shrink_engine_trim(),
        setup::trim_entries,
    );
}

/// One corpus session's save, cache-hit load or miss, over and over for
/// some seconds: what `perf record` needs to see one operation alone.
fn profile(args: &[String]) {
    let (name, op) = (args[0].as_str(), args[1].as_str());
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let entries = corpus::ordered()
        .into_iter()
        .find(|(n, _)| *n == name)
        .expect("a corpus session")
        .1;
    let engine = if op == "miss" {
        setup::uncached_engine()
    } else {
        setup::engine()
    };
    engine.browsers().resolve(CHROME);
    let header = setup::request_header(&engine, &entries);
    let mut save = saver(&engine, setup::modified_session(&engine, &header, &entries));
    let end = Instant::now() + std::time::Duration::from_secs(seconds);
    let mut calls = 0u64;
    while Instant::now() < end {
        for _ in 0..1000 {
            match op {
                "save" => save(),
                _ => {
                    black_box(engine.load([black_box(header.as_str())], Some(CHROME)));
                }
            }
        }
        calls += 1000;
    }
    println!("{name} {op}: {calls} calls");
}

/// Format 2 against format 1 against actix-session's cookie store (serde_json
/// and the `cookie` crate's `SignedJar`), per corpus session: loads with the
/// read cache off (every load a miss) and on (a hit), and saves.
fn versions_and_peer(rounds: usize, sessions: Vec<(&'static str, Entries, Vec<String>)>) {
    let uncached = setup::uncached_engine();
    let cached = setup::engine();
    uncached.browsers().resolve(CHROME);
    cached.browsers().resolve(CHROME);
    let peer_key = cookie::Key::from(&[7u8; 64]);
    println!("\n| session | v2 load µs (miss) | v1 load / v2 load | v2 load µs (hit) | peer load µs | v2 miss / peer | v2 hit / peer | v2 save µs | peer save µs | v2 save / peer | v2 bytes | peer bytes |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, entries, lines) in sessions {
        let header = format!("{OTHER_COOKIES}; {}", setup::pairs(&lines));
        // Format 1's cookie of the same session: the floor's bytes with
        // version 1, cut at the engine's own piece lengths (equal, since the
        // two formats differ only in the version), issued now.
        let issued = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as u32;
        let mut v1 = FloorSave::engine_levels(&setup::SECRET);
        v1.version = 1;
        let v1_value = v1.save(&entries, lines.len() as u8, issued).to_owned();
        let mut rest = v1_value.as_str();
        let mut v1_pairs = Vec::new();
        for line in &lines {
            let (cookie_name, v2_piece) = line.split(';').next().unwrap().split_once('=').unwrap();
            let (piece, tail) = rest.split_at(v2_piece.len());
            v1_pairs.push(format!("{cookie_name}={piece}"));
            rest = tail;
        }
        assert!(rest.is_empty(), "{name}: v1 and v2 lengths differ");
        let v1_header = format!("{OTHER_COOKIES}; {}", v1_pairs.join("; "));
        let v1_loaded = uncached.load([v1_header.as_str()], Some(CHROME));
        assert_eq!(v1_loaded.empty_reason(), None, "{name}: v1 cookie refused");
        assert_eq!(v1_loaded.len(), entries.len(), "{name}: v1 data");

        let (t2, t1, r12) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(uncached.load([black_box(header.as_str())], Some(CHROME)));
            }),
            &mut plain(&mut || {
                black_box(uncached.load([black_box(v1_header.as_str())], Some(CHROME)));
            }),
        );
        let _ = t1;
        let state = peer_state(&entries);
        let peer_line = peer_save(&peer_key, &state);
        let peer_header = format!("{OTHER_COOKIES}; {}", peer_line.split(';').next().unwrap());
        assert_eq!(peer_load(&peer_key, &peer_header).as_ref(), Some(&state));
        let (tp, _, rmiss) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(peer_load(&peer_key, black_box(&peer_header)));
            }),
            &mut plain(&mut || {
                black_box(uncached.load([black_box(header.as_str())], Some(CHROME)));
            }),
        );
        let (_, th, rhit) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(peer_load(&peer_key, black_box(&peer_header)));
            }),
            &mut plain(&mut || {
                black_box(cached.load([black_box(header.as_str())], Some(CHROME)));
            }),
        );
        let mut save = saver(
            &uncached,
            setup::modified_session(&uncached, &header, &entries),
        );
        let (tps, ts, rsave) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(peer_save(&peer_key, black_box(&state)).len());
            }),
            &mut plain(&mut save),
        );
        let v2_bytes: usize = lines
            .iter()
            .map(|l| l.split(';').next().unwrap().len())
            .sum();
        let peer_bytes = peer_line.split(';').next().unwrap().len();
        println!(
            "| {name} | {} | {r12:.2} | {} | {} | {rmiss:.2} | {rhit:.2} | {} | {} | {rsave:.2} | {v2_bytes} | {peer_bytes} |",
            us(t2),
            us(th),
            us(tp),
            us(ts),
            us(tps),
        );
    }
}

/// With the `zstd` feature: an engine writing zstd (`EngineBuilder::zstd`)
/// against the default one (deflate), per corpus session: saves, loads
/// that miss the read cache, and cookie bytes; and the zstd save against
/// format 2's deflate floor.
#[cfg(feature = "zstd")]
fn zstd_against_deflate(rounds: usize, sessions: &[(&'static str, Entries, Vec<String>)]) {
    let deflate = setup::uncached_engine();
    let zstd = setup::builder()
        .read_cache_bytes(0)
        .zstd(true)
        .build()
        .unwrap();
    for engine in [&deflate, &zstd] {
        engine.browsers().resolve(CHROME);
    }
    println!("\n| session | deflate save µs | zstd save µs | zstd / deflate save | zstd save / floor | deflate load µs (miss) | zstd load µs (miss) | zstd / deflate load | deflate bytes | zstd bytes |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, entries, lines) in sessions {
        let deflate_header = format!("{OTHER_COOKIES}; {}", setup::pairs(lines));
        let (zstd_lines, _) = setup::first_save(&zstd, entries);
        let zstd_header = format!("{OTHER_COOKIES}; {}", setup::pairs(&zstd_lines));
        let loaded = zstd.load([zstd_header.as_str()], Some(CHROME));
        assert_eq!(loaded.empty_reason(), None, "{name}: zstd cookie refused");
        assert_eq!(loaded.len(), entries.len(), "{name}: zstd data");
        let mut deflate_save = saver(
            &deflate,
            setup::modified_session(&deflate, &deflate_header, entries),
        );
        let mut zstd_save = saver(&zstd, setup::modified_session(&zstd, &zstd_header, entries));
        let (td, tz, rsave) = paired(
            rounds,
            &mut plain(&mut deflate_save),
            &mut plain(&mut zstd_save),
        );
        let mut floor_save = FloorSave::engine_levels(&setup::SECRET);
        let chunks = lines.len() as u8;
        let (_, _, rfloor) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(floor_save.save(black_box(entries), chunks, 1).len());
            }),
            &mut plain(&mut zstd_save),
        );
        let (tdl, tzl, rload) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(deflate.load([black_box(deflate_header.as_str())], Some(CHROME)));
            }),
            &mut plain(&mut || {
                black_box(zstd.load([black_box(zstd_header.as_str())], Some(CHROME)));
            }),
        );
        let bytes = |lines: &[String]| -> usize {
            lines
                .iter()
                .map(|l| {
                    l.split(';')
                        .next()
                        .unwrap()
                        .split_once('=')
                        .unwrap()
                        .1
                        .len()
                })
                .sum()
        };
        println!(
            "| {name} | {} | {} | {rsave:.2} | {rfloor:.2} | {} | {} | {rload:.2} | {} | {} |",
            us(td),
            us(tz),
            us(tdl),
            us(tzl),
            bytes(lines),
            bytes(&zstd_lines),
        );
    }
}

fn shrink_case(rounds: usize, id: &str, engine: &Engine, make: fn(usize) -> Entries) {
    let header = OTHER_COOKIES;
    let (entries, _, kept) = setup::shrink_scenario(engine, make);
    let saved = engine
        .save(&mut setup::modified_session(engine, header, &entries))
        .unwrap();
    // Each shrink save needs a full session: build the batch untimed.
    let mut plain_save = saver(engine, setup::modified_session(engine, header, &kept));
    let (tp, ts, r) = paired(rounds, &mut plain(&mut plain_save), &mut |n| {
        let mut sessions: Vec<Session> = (0..n)
            .map(|_| setup::modified_session(engine, header, &entries))
            .collect();
        let start = Instant::now();
        for s in &mut sessions {
            black_box(engine.save(s).unwrap());
        }
        start.elapsed().as_nanos() as f64 / n as f64
    });
    println!(
        "| {id} | {} | {} | {} | {r:.1} |",
        saved.report.shrink.full_encodes,
        us(ts),
        us(tp)
    );
}

/// Save cost against the room: the tiny session saved under the default
/// header budget, a 64 KB one, none, and for a browser allowed only 50
/// cookies per site, each against the floor in the same rounds.
fn room(rounds: usize) {
    let entries = corpus::ordered().into_iter().next().expect("a corpus").1;
    let key = || cookietin::Key::try_from_bytes(&setup::SECRET).unwrap();
    let configs: [(&str, Engine, Option<&str>); 4] = [
        ("default (7168)", setup::engine(), Some(CHROME)),
        (
            "64 KB",
            Engine::builder(key())
                .header_budget(Some(65536))
                .build()
                .unwrap(),
            Some(CHROME),
        ),
        (
            "off",
            Engine::builder(key()).header_budget(None).build().unwrap(),
            Some(CHROME),
        ),
        (
            "off, unknown client (50 per site)",
            Engine::builder(key()).header_budget(None).build().unwrap(),
            None,
        ),
    ];
    println!(
        "\n| tiny_login save, header budget | save µs | floor µs | save/floor | save / default-budget save |\n|---|---|---|---|---|"
    );
    // The default engine's save, paired with each configuration's.
    let default = &configs[0].1;
    let default_header = setup::request_header(default, &entries);
    let mut default_session = default.load([default_header.as_str()], Some(CHROME));
    setup::fill(&mut default_session, &entries);
    let mut default_save = saver(default, default_session);
    for (label, engine, ua) in &configs {
        let header = setup::request_header(engine, &entries);
        let mut session = engine.load([header.as_str()], *ua);
        setup::fill(&mut session, &entries);
        let mut save = saver(engine, session);
        let mut floor_save = FloorSave::engine_levels(&setup::SECRET);
        let (tf, ts, r) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(floor_save.save(black_box(&entries), 1, 1).len());
            }),
            &mut plain(&mut save),
        );
        let (_, _, rd) = paired(rounds, &mut plain(&mut default_save), &mut plain(&mut save));
        println!("| {label} | {} | {} | {r:.2} | {rd:.2} |", us(ts), us(tf));
    }
}
