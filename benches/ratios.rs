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
use floor::{FloorLoad, FloorSave};
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
    println!("| session | save | floor_save | save/floor | load | floor_load | load/floor | cookieman enc/save | cookieman dec/load |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for ((name, entries), (_, _, _, enc, dec)) in corpus::ordered().into_iter().zip(COOKIEMAN) {
        let header = setup::request_header(&engine, &entries);
        let (lines, value) = setup::first_save(&engine, &entries);
        let chunks = lines.len() as u8;
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
        let (tfl, tl, rl) = paired(
            rounds,
            &mut plain(&mut || {
                black_box(floor_load.load(black_box(&value)));
            }),
            &mut plain(&mut || {
                black_box(engine.load([black_box(header.as_str())], Some(CHROME)));
            }),
        );
        println!(
            "| {name} | {} | {} | {rs:.2} | {} | {} | {rl:.2} | {:.0}x | {:.1}x |",
            us(ts),
            us(tfs),
            us(tl),
            us(tfl),
            enc * 1000.0 / ts,
            dec * 1000.0 / tl,
        );
    }

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
