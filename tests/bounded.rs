//! A load's work and memory are bounded by the Cookie header it is given:
//! time grows at most linearly with the header's length, and the bytes
//! allocated during a load stay under a fixed multiple of it plus a constant.
//!
//! Time is checked as a ratio within one run (1 MB against 100 KB headers,
//! medians of several interleaved repetitions, in the thread's CPU time on
//! Linux), never against absolute figures, so a slow or busy machine does
//! not fail it. Memory is counted by
//! a `#[global_allocator]` wrapper around the system allocator that counts
//! per thread, so tests running in parallel don't see each other's
//! allocations.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use cookietin::{EmptyReason, Engine, Session};
use hmac::{Hmac, Mac};
use sha2::Sha256;

// ---------------------------------------------------------------------------
// The counting allocator

struct Counting;

thread_local! {
    // Const-initialized and without destructors, so using them from inside
    // the allocator never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let live = LIVE.get() + size as isize;
            LIVE.set(live);
            PEAK.set(PEAK.get().max(live));
            TOTAL.set(TOTAL.get() + size);
        }
    });
}

fn note_free(size: usize) {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            LIVE.set(LIVE.get() - size as isize);
        }
    });
}

// SAFETY: every call is forwarded unchanged to `System`; the wrapper only
// updates thread-local counters, which neither allocate nor unwind.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        note_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as a new block alive beside the old one, as when the
            // block moves: the peak is never understated.
            note_alloc(new_size);
            note_free(layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Debug, Clone, Copy)]
struct Allocated {
    /// The most bytes alive at once during the call, above those alive at
    /// its start.
    peak: usize,
    /// All bytes allocated during the call.
    total: usize,
}

/// Runs `f` on this thread, counting what it allocates.
fn counted<R>(f: impl FnOnce() -> R) -> (R, Allocated) {
    LIVE.set(0);
    PEAK.set(0);
    TOTAL.set(0);
    COUNTING.set(true);
    let r = f();
    COUNTING.set(false);
    let allocated = Allocated {
        peak: PEAK.get().max(0) as usize,
        total: TOTAL.get(),
    };
    (r, allocated)
}

/// The tests measure time and memory; running them one at a time keeps the
/// timing quieter.
static SERIAL: Mutex<()> = Mutex::new(());

// ---------------------------------------------------------------------------
// Headers an attacker can send, of about `size` bytes

/// Base64url noise of `len` characters (a multiple of four).
fn noise(seed: u64, len: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(seed, len / 4 * 3))
}

/// The first eight characters of a version-1 session value that claims
/// `chunks` chunks.
fn plausible_head(chunks: u8) -> String {
    URL_SAFE_NO_PAD.encode([1 << 4, chunks, 0x6b, 0x49, 0xd2, 0x00])
}

/// Fills a header with `piece(i)` cookies until it reaches `size` bytes.
fn filled(size: usize, mut piece: impl FnMut(usize) -> String) -> Vec<u8> {
    let mut h = Vec::with_capacity(size + 64);
    let mut i = 0;
    while h.len() < size {
        if i > 0 {
            h.extend_from_slice(b"; ");
        }
        h.extend_from_slice(piece(i).as_bytes());
        i += 1;
    }
    h
}

/// The header shapes, each a function of the target size.
type Shape = (&'static str, fn(usize) -> Vec<u8>);

const SHAPES: &[Shape] = &[
    ("one huge foreign cookie", |size| {
        format!("junk={}", "x".repeat(size)).into_bytes()
    }),
    ("many small foreign cookies", |size| {
        filled(size, |i| format!("c{i}=v{i}"))
    }),
    ("one huge session value", |size| {
        format!("session={}{}", plausible_head(1), noise(1, size)).into_bytes()
    }),
    ("every chunk name, four copies each", |size| {
        // 254 chunk names x 4 copies, each about size / 1,100 characters;
        // every MAC attempt decodes all of them.
        let each = (size / 1100 / 4 * 4).max(4);
        let first = format!("session={}{}", plausible_head(255), noise(2, each));
        filled(size, |i| match i {
            0 => first.clone(),
            i => format!("session.{}={}", 1 + (i - 1) % 254, noise(i as u64, each)),
        })
    }),
    ("the session name flooded", |size| {
        filled(size, |i| format!("session=AAAAAAAA{i}"))
    }),
    (
        "a stray invalid byte every 16 in a foreign cookie",
        |size| {
            let mut h = b"junk=".to_vec();
            h.extend((0..size - 5).map(|i| if i % 16 == 15 { 0xff } else { b'x' }));
            h
        },
    ),
    ("invalid UTF-8 in a foreign cookie", |size| {
        let mut h = b"junk=".to_vec();
        h.resize(size, 0xff);
        h
    }),
    ("invalid UTF-8 in the session value", |size| {
        let mut h = format!("session={}", plausible_head(1)).into_bytes();
        h.resize(size, 0xc3);
        h
    }),
];

fn engine() -> Engine {
    builder(1).build().unwrap()
}

/// Loads once on this thread so that per-thread state (the inflate stream,
/// the User-Agent cache entry) is not counted against the first header.
fn warm_up(engine: &Engine) {
    let mut session = engine.load(Vec::<&[u8]>::new(), Some(CHROME));
    session.insert("warm", &"x".repeat(1000)).unwrap();
    let saved = engine.save(&mut session).unwrap();
    let pair = saved.set_cookies[0].split(';').next().unwrap().to_owned();
    let session = engine.load([pair], Some(CHROME));
    assert!(session.contains_key("warm"));
}

fn load(engine: &Engine, header: &[u8]) -> Session {
    engine.load([header], Some(CHROME))
}

// ---------------------------------------------------------------------------
// Time

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// The CPU time this thread has used. Unlike the wall clock, it doesn't
/// count time spent waiting while other processes run, which on a busy
/// machine stretches long measurements more than short ones.
#[cfg(target_os = "linux")]
fn thread_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Elsewhere, the wall clock.
#[cfg(not(target_os = "linux"))]
fn thread_time() -> Duration {
    use std::time::Instant;
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Median times of a load and of the UTF-8 conversion of the same bytes, on
/// the small and the large header: all four measured in each repetition, so
/// that drift in the machine's load hits them alike.
fn medians(engine: &Engine, small: &[u8], large: &[u8]) -> [(Duration, Duration); 2] {
    const REPS: usize = 9;
    let mut times = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
    let time = |f: &dyn Fn()| {
        let start = thread_time();
        f();
        thread_time() - start
    };
    for _ in 0..REPS {
        for (size, header) in [small, large].into_iter().enumerate() {
            times[0][size].push(time(&|| {
                black_box(load(engine, black_box(header)));
            }));
            times[1][size].push(time(&|| {
                black_box(String::from_utf8_lossy(black_box(header)));
            }));
        }
    }
    times.map(|[small, large]| (median(small), median(large)))
}

/// How many times longer the large header took. Work too small to time
/// reliably counts as a tenth of a millisecond.
fn ratio((small, large): (Duration, Duration)) -> f64 {
    large.as_secs_f64().max(1e-4) / small.as_secs_f64().max(1e-4)
}

#[test]
fn load_time_grows_at_most_linearly_with_the_header() {
    // Ten times the header may take up to 15 times as long: linear work plus
    // room for noise. Quadratic work would take about 100 times as long.
    //
    // A header of invalid UTF-8 is first converted by the standard library
    // (`String::from_utf8_lossy`, three bytes out per byte in), and on a
    // small machine that alone can take 20 times as long for ten times the
    // bytes, as its output spills out of the CPU caches. So a load may also
    // take up to 1.5 times the growth of that conversion of the same bytes.
    //
    // A shared machine can stall any one measurement; a shape fails only if
    // three measurements in a row find it growing faster.
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let engine = engine();
    warm_up(&engine);
    let mut report = Vec::new();
    for (name, shape) in SHAPES {
        let small = shape(100_000);
        let large = shape(1_000_000);
        let mut linear = false;
        for _attempt in 0..3 {
            let [load, lossy] = medians(&engine, &small, &large);
            let (growth, lossy_growth) = (ratio(load), ratio(lossy));
            report.push(format!(
                "{name}: {:?} -> {:?} (x{growth:.1}; the UTF-8 conversion alone x{lossy_growth:.1})",
                load.0, load.1
            ));
            linear = growth < 15.0 || growth < 1.5 * lossy_growth;
            if linear {
                break;
            }
        }
        assert!(
            linear,
            "{name} grows faster than linearly:\n{}",
            report.join("\n")
        );
    }
    println!("{}", report.join("\n"));
}

// ---------------------------------------------------------------------------
// Memory

/// Peak bytes alive during a load: at most this many times the header's
/// length, plus `CONSTANT`.
const PEAK_PER_BYTE: usize = 8;
/// All bytes allocated during a load.
const TOTAL_PER_BYTE: usize = 12;
/// Per-load bookkeeping that does not grow with the header.
const CONSTANT: usize = 64 << 10;

#[test]
fn load_allocates_at_most_a_fixed_multiple_of_the_header() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let engine = engine();
    warm_up(&engine);
    let mut report = Vec::new();
    for (name, shape) in SHAPES {
        for size in [10_000, 100_000, 1_000_000] {
            let header = shape(size);
            let len = header.len();
            let (session, a) = counted(|| load(&engine, &header));
            assert!(session.is_empty(), "{name}");
            drop(session);
            report.push(format!(
                "{name} {len} B: peak {} B ({:.2}/B), total {} B ({:.2}/B)",
                a.peak,
                a.peak as f64 / len as f64,
                a.total,
                a.total as f64 / len as f64,
            ));
            assert!(
                a.peak <= PEAK_PER_BYTE * len + CONSTANT,
                "{}",
                report.join("\n")
            );
            assert!(
                a.total <= TOTAL_PER_BYTE * len + CONSTANT,
                "{}",
                report.join("\n")
            );
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn valid_sessions_allocate_at_most_a_fixed_multiple_of_the_header() {
    // The key holder's own data: what a valid session costs to open is
    // bounded by its header length too, compressed or not.
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let engine = builder(1).header_budget(None).build().unwrap();
    warm_up(&engine);
    let mut report = Vec::new();
    for (seed, len) in [(1, 1_000), (2, 20_000), (3, 200_000)] {
        for compress in [true, false] {
            let mut session = engine.load(Vec::<&str>::new(), Some(CHROME));
            session.set_compression(compress);
            session.insert("blob", &random_text(seed, len / 2)).unwrap();
            session.insert("text", &"abc ".repeat(len / 8)).unwrap();
            let saved = engine.save(&mut session).unwrap();
            let header = saved
                .set_cookies
                .iter()
                .map(|line| line.split(';').next().unwrap())
                .collect::<Vec<_>>()
                .join("; ");
            let (loaded, a) = counted(|| load(&engine, header.as_bytes()));
            assert_eq!(loaded.empty_reason(), None);
            assert!(loaded.contains_key("text"));
            drop(loaded);
            let hl = header.len();
            report.push(format!(
                "valid {} B, deflate {compress}: peak {} B ({:.2}/B), total {} B ({:.2}/B)",
                hl,
                a.peak,
                a.peak as f64 / hl as f64,
                a.total,
                a.total as f64 / hl as f64
            ));
            // These sessions deflate to about half; a session that deflates
            // far better is bounded by max_json_bytes instead (see the bomb).
            assert!(
                a.peak <= PEAK_PER_BYTE * hl + CONSTANT,
                "{}",
                report.join("\n")
            );
            assert!(
                a.total <= TOTAL_PER_BYTE * hl + CONSTANT,
                "{}",
                report.join("\n")
            );
        }
    }
    println!("{}", report.join("\n"));
}

#[test]
fn signed_deflate_bomb_allocates_no_more_than_the_inflate_cap() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let cap = 256 << 10;
    let engine = builder(1)
        .max_json_bytes(cap)
        .max_encoded_bytes(64 << 10)
        .build()
        .unwrap();
    warm_up(&engine);
    let mut json = br#"{"a":""#.to_vec();
    json.resize(json.len() + (16 << 20), b'A');
    json.extend_from_slice(br#""}"#);
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &json).unwrap();
    let packed = z.finish().unwrap();
    drop(json);

    let mut bytes = vec![1 << 4 | 1, 1];
    bytes.extend_from_slice(&(now() as u32).to_be_bytes());
    bytes.extend_from_slice(&packed);
    let mut mac = Hmac::<Sha256>::new_from_slice(&[1; 32]).unwrap();
    mac.update(&[7]);
    mac.update(b"session");
    mac.update(&bytes);
    bytes.extend_from_slice(&mac.finalize().into_bytes()[..16]);
    let header = format!("session={}", URL_SAFE_NO_PAD.encode(&bytes));

    let (session, a) = counted(|| load(&engine, header.as_bytes()));
    assert_eq!(session.empty_reason(), Some(&EmptyReason::InflateLimit));
    // 16 MiB of JSON behind a header of a few dozen KB: the output buffer
    // stops one byte past the cap, whatever growth steps it took.
    assert!(
        a.peak <= 2 * cap + PEAK_PER_BYTE * header.len() + CONSTANT,
        "header {} B, peak {} B, total {} B",
        header.len(),
        a.peak,
        a.total
    );
    println!("bomb: header {} B, {a:?}", header.len());
}
