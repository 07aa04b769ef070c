//! Save and load of every corpus session against the floor (the same bytes
//! in one straight-line function) and the peer (actix-session's cookie
//! store: serde_json plus a `SignedJar`), User-Agent lookup, and shrinking.
//!
//! `cargo bench --bench engine`; `python3 benches/support/table.py` turns
//! the medians of that run into the ratios of BENCHMARKS.md.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/setup.rs"]
mod setup;

use std::hint::black_box;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cookietin::{Browsers, Engine, LimitsDb, Session};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use corpus::{Entries, CHROME, OTHER_COOKIES};
use floor::{FloorLoad, FloorSave};

/// Checks that the floor writes exactly the engine's bytes; returns the
/// chunk count and issued-at to write them with.
fn check_floor(engine: &Engine, entries: &Entries) -> (u8, u32) {
    let (lines, value) = setup::first_save(engine, entries);
    let mut header = [0u8; 6];
    URL_SAFE_NO_PAD
        .decode_slice(&value[..8], &mut header)
        .unwrap();
    let (chunks, issued_at) = (
        header[1],
        u32::from_be_bytes(header[2..6].try_into().unwrap()),
    );
    assert_eq!(usize::from(chunks), lines.len());
    let mut floor = FloorSave::engine_levels(&setup::SECRET);
    assert_eq!(
        floor.save(entries, chunks, issued_at),
        value,
        "floor bytes differ"
    );
    let mut load = FloorLoad::new(&setup::SECRET);
    let back = load.load(&value).expect("floor reads the engine's value");
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(entries).unwrap()
    );
    (chunks, issued_at)
}

fn sessions(c: &mut Criterion) {
    let engine = setup::engine();
    let peer_key = cookie::Key::from(&[7u8; 64]);
    // Warm the User-Agent cache: the save is timed with Chrome already in it.
    engine.browsers().resolve(CHROME);
    for (name, entries) in corpus::ordered() {
        let (chunks, issued_at) = check_floor(&engine, &entries);
        let header = setup::request_header(&engine, &entries);
        let (_, value) = setup::first_save(&engine, &entries);
        let mut group = c.benchmark_group(name);

        group.bench_function("save", |b| {
            b.iter_batched_ref(
                || setup::modified_session(&engine, &header, &entries),
                |session: &mut Session| engine.save(session).unwrap(),
                BatchSize::SmallInput,
            )
        });
        let mut floor_save = FloorSave::engine_levels(&setup::SECRET);
        group.bench_function("floor_save", |b| {
            b.iter(|| {
                floor_save
                    .save(black_box(&entries), chunks, issued_at)
                    .len()
            })
        });

        group.bench_function("load", |b| {
            b.iter(|| engine.load([black_box(header.as_str())], Some(black_box(CHROME))))
        });
        let mut floor_load = FloorLoad::new(&setup::SECRET);
        group.bench_function("floor_load", |b| {
            b.iter(|| floor_load.load(black_box(&value)).unwrap())
        });

        let state = floor::peer_state(&entries);
        group.bench_function("peer_save", |b| {
            b.iter(|| floor::peer_save(&peer_key, black_box(&state)))
        });
        let line = floor::peer_save(&peer_key, &state);
        let peer_header = format!("{OTHER_COOKIES}; {}", line.split(';').next().unwrap());
        assert_eq!(floor::peer_load(&peer_key, &peer_header).unwrap(), state);
        group.bench_function("peer_load", |b| {
            b.iter(|| floor::peer_load(&peer_key, black_box(&peer_header)).unwrap())
        });
        group.finish();
    }
}

fn ua_lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("ua_lookup");
    let uncached = Browsers::new(LimitsDb::bundled().clone()).with_cache_entries(0);
    group.bench_function("cold", |b| b.iter(|| uncached.resolve(black_box(CHROME))));
    group.bench_function("cold_identify_only", |b| {
        b.iter(|| cookietin::identify(black_box(CHROME)))
    });
    let bundled = Browsers::bundled();
    bundled.resolve(CHROME);
    group.bench_function("cached", |b| b.iter(|| bundled.resolve(black_box(CHROME))));
    group.finish();
}

fn shrink_case(c: &mut Criterion, id: &str, engine: &Engine, make: fn(usize) -> Entries) {
    let header = OTHER_COOKIES;
    let (entries, over, kept) = setup::shrink_scenario(engine, make);
    let mut session = setup::modified_session(engine, header, &entries);
    let saved = engine.save(&mut session).unwrap();
    let capacity = saved.report.budget.as_ref().unwrap().capacity;
    println!(
        "shrink/{id}: capacity {capacity} chars, start {over:.2}x over, {} keys -> {} kept, \
         {} steps, full_encodes = {}, final value {} chars",
        entries.len(),
        kept.len(),
        saved.report.shrink.steps.len(),
        saved.report.shrink.full_encodes,
        saved.report.value_bytes,
    );
    let mut group = c.benchmark_group("shrink");
    group.bench_function(id, |b| {
        b.iter_batched_ref(
            || setup::modified_session(engine, header, &entries),
            |session: &mut Session| engine.save(session).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function(format!("{id}_plain_save"), |b| {
        b.iter_batched_ref(
            || setup::modified_session(engine, header, &kept),
            |session: &mut Session| engine.save(session).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn shrink(c: &mut Criterion) {
    shrink_case(
        c,
        "remove",
        &setup::shrink_engine_remove(),
        setup::remove_entries,
    );
    shrink_case(c, "trim", &setup::shrink_engine_trim(), setup::trim_entries);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = sessions, ua_lookup, shrink
}
criterion_main!(benches);
