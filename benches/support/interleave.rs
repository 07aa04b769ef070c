//! Interleaved timing, as `benches/ratios.rs` does it: each round times a
//! batch of A then a batch of B (alternating which goes first), and the
//! ratio is the median over rounds of B/A, so that a slow patch of a
//! shared machine slows both sides of a ratio alike.
#![allow(dead_code)]

/// A timed side of a pair: runs a batch of `n` and returns ns per call.
pub type Side<'a> = &'a mut dyn FnMut(usize) -> f64;

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// (median ns of a, median ns of b, median of b/a per round), with batches
/// sized to about `batch_ns` of the slower side.
pub fn paired_for(rounds: usize, batch_ns: f64, a: Side, b: Side) -> (f64, f64, f64) {
    let probe = a(20).max(b(20)).max(1.0);
    let n = ((batch_ns / probe) as usize).clamp(5, 100_000);
    a(n);
    b(n);
    let (mut ta, mut tb, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = a(n);
            (x, b(n))
        } else {
            let y = b(n);
            (a(n), y)
        };
        ta.push(x);
        tb.push(y);
        r.push(y / x);
    }
    (median(&mut ta), median(&mut tb), median(&mut r))
}

/// [`paired_for`] with batches of about 2 ms, as `benches/ratios.rs`.
pub fn paired(rounds: usize, a: Side, b: Side) -> (f64, f64, f64) {
    paired_for(rounds, 2e6, a, b)
}
