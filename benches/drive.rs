//! A plain loop over one operation, for profilers (perf, callgrind, dhat):
//!
//! ```sh
//! cargo bench --bench drive --no-run
//! perf record -g target/release/deps/drive-* save cart_60 200000
//! valgrind --tool=callgrind target/release/deps/drive-* load cart_60 2000
//! ```
//!
//! OP is save, load, load_miss (the read cache off), floor_save, floor_load, ua_cold, ua_cached,
//! shrink_remove, shrink_trim (each with a fresh session, built in the loop:
//! subtract shrink_remove_setup / shrink_trim_setup) or shrink_remove_plain /
//! shrink_trim_plain (a plain save of what the shrink keeps); SESSION a
//! corpus session (ignored by the shrink ops); the count defaults to 100000. Saves build their session
//! before the loop and re-mark it modified each time, so nearly all the time
//! is the save itself.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/setup.rs"]
mod setup;

use std::hint::black_box;

use cookietin::{Browsers, LimitsDb};

use corpus::CHROME;
use floor::{FloorLoad, FloorSave};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let op = args.first().map_or("save", String::as_str);
    let name = args.get(1).map_or("cart_60", String::as_str);
    let n: usize = args.get(2).map_or(100_000, |s| s.parse().unwrap());
    let mut all = corpus::sessions();
    let entries = match all.remove(name) {
        Some(entries) => entries,
        None if op.starts_with("ua_") || op.starts_with("shrink_") => {
            all.remove("cart_60").unwrap()
        }
        None => panic!("{name} is not a corpus session"),
    };
    let engine = setup::engine();
    engine.browsers().resolve(CHROME);
    let header = setup::request_header(&engine, &entries);
    let (lines, value) = setup::first_save(&engine, &entries);
    match op {
        "save" => {
            let mut session = setup::modified_session(&engine, &header, &entries);
            for _ in 0..n {
                // `data_mut` marks the session modified without changing it.
                session.data_mut();
                black_box(engine.save(&mut session).unwrap());
            }
        }
        "load" => {
            for _ in 0..n {
                black_box(engine.load([header.as_str()], Some(CHROME)));
            }
        }
        "load_miss" => {
            let engine = setup::uncached_engine();
            for _ in 0..n {
                black_box(engine.load([header.as_str()], Some(CHROME)));
            }
        }
        "floor_save" => {
            let mut floor = FloorSave::engine_levels(&setup::SECRET);
            for _ in 0..n {
                black_box(floor.save(&entries, lines.len() as u8, 0).len());
            }
        }
        "floor_load" => {
            let mut floor = FloorLoad::new(&setup::SECRET);
            for _ in 0..n {
                black_box(floor.load(&value));
            }
        }
        "ua_cold" => {
            let browsers = Browsers::new(LimitsDb::bundled().clone()).with_cache_entries(0);
            for _ in 0..n {
                black_box(browsers.resolve(black_box(CHROME)));
            }
        }
        "ua_cached" => {
            let browsers = Browsers::bundled();
            for _ in 0..n {
                black_box(browsers.resolve(black_box(CHROME)));
            }
        }
        "shrink_remove" | "shrink_trim" | "shrink_remove_setup" | "shrink_trim_setup" => {
            let (engine, make): (_, fn(usize) -> corpus::Entries) = if op.contains("remove") {
                (setup::shrink_engine_remove(), setup::remove_entries)
            } else {
                (setup::shrink_engine_trim(), setup::trim_entries)
            };
            let (entries, _, _) = setup::shrink_scenario(&engine, make);
            for _ in 0..n {
                let mut session = setup::modified_session(&engine, corpus::OTHER_COOKIES, &entries);
                if !op.ends_with("_setup") {
                    black_box(engine.save(&mut session).unwrap());
                }
                black_box(session);
            }
        }
        "shrink_remove_plain" | "shrink_trim_plain" => {
            let (engine, make): (_, fn(usize) -> corpus::Entries) = if op.contains("remove") {
                (setup::shrink_engine_remove(), setup::remove_entries)
            } else {
                (setup::shrink_engine_trim(), setup::trim_entries)
            };
            let (_, _, kept) = setup::shrink_scenario(&engine, make);
            let mut session = setup::modified_session(&engine, corpus::OTHER_COOKIES, &kept);
            for _ in 0..n {
                session.data_mut();
                black_box(engine.save(&mut session).unwrap());
            }
        }
        other => panic!("unknown op {other}"),
    }
}
