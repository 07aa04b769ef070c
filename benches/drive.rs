//! A plain loop over one operation, for profilers (perf, callgrind, dhat):
//!
//! ```sh
//! cargo bench --bench drive --no-run
//! perf record -g target/release/deps/drive-* save cart_60 200000
//! valgrind --tool=callgrind target/release/deps/drive-* load cart_60 2000
//! ```
//!
//! OP is save, load, floor_save, floor_load, ua_cold or ua_cached; SESSION a
//! corpus session; the count defaults to 100000. Saves build their session
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
    let entries = corpus::sessions().remove(name).expect("a corpus session");
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
        "floor_save" => {
            let mut floor = FloorSave::new(&setup::SECRET, 6);
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
        other => panic!("unknown op {other}"),
    }
}
