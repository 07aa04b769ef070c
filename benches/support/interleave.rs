//! Interleaved timing, for a machine shared with other work: each round
//! times a batch of operation A and a batch of operation B back to back
//! (alternating which goes first), and the figure is the median over
//! rounds of B/A, so a slow patch of the machine slows both sides alike.
//! Shared by `benches/ratios.rs` and `benches/encrypted.rs`.
#![allow(dead_code)]

use std::time::Instant;

/// Nanoseconds per call of `f` over a batch of `n`.
pub fn batch(n: usize, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// A timed side of a pair: runs a batch of `n` and returns ns per call.
pub type Side<'a> = &'a mut dyn FnMut(usize) -> f64;

/// Times plain calls of `f`.
pub fn plain(f: &mut dyn FnMut()) -> impl FnMut(usize) -> f64 + '_ {
    move |n| batch(n, f)
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

/// Microseconds with two decimals.
pub fn us(ns: f64) -> String {
    format!("{:.2}", ns / 1000.0)
}

/// [`paired_for`] with batches of about 2 ms.
pub fn paired(rounds: usize, a: Side, b: Side) -> (f64, f64, f64) {
    paired_for(rounds, 2e6, a, b)
}
