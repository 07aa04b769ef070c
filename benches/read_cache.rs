//! The read cache's price and gain, per corpus session, in one run:
//! `Engine::load` with the cache off against the same load on a hit (the
//! same cookies again), on a miss at a first sighting (noted, not kept),
//! on a miss that is kept (a second sighting: inserted, and evicting an
//! older entry), and over the rps bench's mix, one write (load, change,
//! save) then nine loads of what it wrote.
//!
//! `cargo bench --bench read_cache [-- ROUNDS]`: median of per-round
//! ratios over interleaved rounds, in the thread's CPU time (Linux).
#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/interleave.rs"]
mod interleave;

use cookietin::{Engine, Key};

const NOW: u64 = 1_800_000_000;

fn now() -> u64 {
    NOW
}

fn engine(cache: usize) -> Engine {
    Engine::builder(Key::try_from_bytes(&[7; 32]).unwrap())
        .clock(now)
        .read_cache_bytes(cache)
        .build()
        .unwrap()
}

/// Nanoseconds of this thread's CPU time per call of `f` over `n` calls:
/// on a shared machine, time the thread spends descheduled is not counted.
fn cpu_batch(n: usize, f: &mut dyn FnMut()) -> f64 {
    let cpu = || {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid pointer to a timespec this function owns.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
        t.tv_sec as f64 * 1e9 + t.tv_nsec as f64
    };
    let start = cpu();
    for _ in 0..n {
        f();
    }
    (cpu() - start) / n as f64
}

/// The Cookie header of `entries` with one more key `n`, saved by `engine`.
fn header(engine: &Engine, entries: &corpus::Entries, n: usize) -> String {
    let mut session = engine.load(Vec::<&str>::new(), Some(corpus::CHROME));
    for (k, v) in entries {
        session.data_mut().insert_raw(k, v.clone());
    }
    session.insert("n", &n).unwrap();
    let saved = engine.save(&mut session).unwrap();
    saved
        .set_cookies
        .iter()
        .map(|l| l.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(11);
    // 64 KiB of cache. A first sighting: a cycle of 3 times as many
    // sessions as the table of first sightings has slots, so that almost
    // none is remembered when it comes back. Kept: a cycle of 512, which
    // the table remembers, over 64 KiB, so that each is kept and evicts.
    const CACHE: usize = 64 * 1024;
    const FIRST: usize = 3 * 4096;
    const KEPT: usize = 512;
    println!("# read cache: load with the cache off, on a hit, on a miss; {rounds} rounds\n");
    println!("| session | hit: off µs, on µs, on / off | miss, first sighting: off, on, on / off | miss, kept: off, on, on / off | 1 write + 9 reads: off, on, on / off |");
    println!("|---|---|---|---|---|");
    for (name, entries) in corpus::ordered() {
        let off = engine(0);
        let on = engine(CACHE);
        let headers: Vec<String> = (0..FIRST).map(|i| header(&off, &entries, i)).collect();
        let one = &headers[0];
        assert!(KEPT * (one.len() + corpus::json_len(&entries) + 256) > 2 * CACHE);
        let check = |e: &Engine, h: &str| assert_eq!(e.load([h], None).empty_reason(), None);
        check(&on, one);
        check(&on, one);
        check(&off, one);
        let time = |cycle: usize| {
            let (mut i, mut j) = (0, 0);
            let mut load_off = |n: usize| {
                cpu_batch(n, &mut || {
                    i = (i + 1) % FIRST;
                    std::hint::black_box(off.load([&headers[i]], Some(corpus::CHROME)));
                })
            };
            let mut load_on = |n: usize| {
                cpu_batch(n, &mut || {
                    j = (j + 1) % cycle;
                    std::hint::black_box(on.load([&headers[j]], Some(corpus::CHROME)));
                })
            };
            interleave::paired_for(rounds, 2e6, &mut load_off, &mut load_on)
        };
        let cell = |(off, on, ratio): (f64, f64, f64)| {
            format!(
                "{}, {}, {ratio:.3}",
                interleave::us(off),
                interleave::us(on)
            )
        };
        // The 9:1 mix of the rps bench, in process: a write (load, change,
        // save), then nine loads of what it wrote.
        let mix = |engine: &Engine, header: &mut String, n: &mut u64| {
            let mut session = engine.load([&*header], Some(corpus::CHROME));
            *n += 1;
            session.insert("n", n).unwrap();
            let saved = engine.save(&mut session).unwrap();
            *header = saved
                .set_cookies
                .iter()
                .map(|l| l.split(';').next().unwrap())
                .collect::<Vec<_>>()
                .join("; ");
            for _ in 0..9 {
                std::hint::black_box(engine.load([&*header], Some(corpus::CHROME)));
            }
        };
        let (mut h_off, mut h_on) = (one.clone(), one.clone());
        let (mut n_off, mut n_on) = (0, 0);
        let mut mix_off = |n: usize| cpu_batch(n, &mut || mix(&off, &mut h_off, &mut n_off));
        let mut mix_on = |n: usize| cpu_batch(n, &mut || mix(&on, &mut h_on, &mut n_on));
        let mixed = interleave::paired_for(rounds, 2e6, &mut mix_off, &mut mix_on);
        println!(
            "| {name} | {} | {} | {} | {} |",
            cell(time(1)),
            cell(time(FIRST)),
            cell(time(KEPT)),
            cell(mixed)
        );
    }
}
