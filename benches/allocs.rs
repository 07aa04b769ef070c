//! Heap allocations per save and per load, counted by a global allocator,
//! for the engine, the floor and the peer. Prints a table; times nothing.
//!
//! `cargo bench --bench allocs`

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/setup.rs"]
mod setup;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use corpus::{CHROME, OTHER_COOKIES};
use floor::{FloorLoad, FloorSave};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations incl. reallocs, bytes requested) by `f`, warmed once.
fn count<T>(mut f: impl FnMut() -> T) -> (usize, usize) {
    drop(black_box(f()));
    let (a, b) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    let out = black_box(f());
    let counted = (ALLOCS.load(Relaxed) - a, BYTES.load(Relaxed) - b);
    drop(out);
    counted
}

fn main() {
    let engine = setup::engine();
    let peer_key = cookie::Key::from(&[7u8; 64]);
    engine.browsers().resolve(CHROME);
    println!("Allocations (count, incl. reallocs / bytes requested) per call:\n");
    println!("| session | save | floor_save | peer_save | load | floor_load | peer_load |");
    println!("|---|---|---|---|---|---|---|");
    for (name, entries) in corpus::ordered() {
        let header = setup::request_header(&engine, &entries);
        let (lines, value) = setup::first_save(&engine, &entries);
        // Save: only the save is counted; the session is built beforehand.
        let mut session = setup::modified_session(&engine, &header, &entries);
        engine.save(&mut session).unwrap();
        let save = {
            let mut s = setup::modified_session(&engine, &header, &entries);
            let (a, b) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
            let saved = black_box(engine.save(&mut s).unwrap());
            let counted = (ALLOCS.load(Relaxed) - a, BYTES.load(Relaxed) - b);
            drop(saved);
            counted
        };
        let mut floor_save = FloorSave::engine_levels(&setup::SECRET);
        let floor_save = count(|| floor_save.save(&entries, lines.len() as u8, 0).len());
        let state = floor::peer_state(&entries);
        let peer_save = count(|| floor::peer_save(&peer_key, &state));
        let load = count(|| engine.load([header.as_str()], Some(CHROME)));
        let mut floor_load = FloorLoad::new(&setup::SECRET);
        let floor_load = count(|| floor_load.load(&value).unwrap());
        let line = floor::peer_save(&peer_key, &state);
        let peer_header = format!("{OTHER_COOKIES}; {}", line.split(';').next().unwrap());
        let peer_load = count(|| floor::peer_load(&peer_key, &peer_header).unwrap());
        let cell = |(a, b): (usize, usize)| format!("{a} / {b}");
        println!(
            "| {name} ({} keys, {} chunks) | {} | {} | {} | {} | {} | {} |",
            entries.len(),
            lines.len(),
            cell(save),
            cell(floor_save),
            cell(peer_save),
            cell(load),
            cell(floor_load),
            cell(peer_load)
        );
    }
}
