//! Candidate optimizations for `src/`, measured on the corpus without
//! changing `src/`: each line times what the engine does now against a
//! replacement, interleaved (see `benches/ratios.rs`), and prints the median
//! per-call times and the median ratio new/now.
//!
//! `cargo bench --bench candidates [-- ROUNDS]`

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/setup.rs"]
mod setup;

use std::hint::black_box;
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

fn batch(n: usize, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn paired(rounds: usize, label: &str, now: &mut dyn FnMut(), new: &mut dyn FnMut()) {
    let probe = batch(50, now).max(batch(50, new)).max(1.0);
    let n = ((1e6 / probe) as usize).clamp(10, 200_000);
    let (mut ta, mut tb, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = batch(n, now);
            (x, batch(n, new))
        } else {
            let y = batch(n, new);
            (batch(n, now), y)
        };
        ta.push(x);
        tb.push(y);
        r.push(y / x);
    }
    println!(
        "| {label} | {:.0} | {:.0} | {:.2} |",
        median(&mut ta),
        median(&mut tb),
        median(&mut r)
    );
}

/// The engine's `ours`: the cookie crate's parser on every piece.
fn ours_now<'p>(name: &str, piece: &'p str) -> Option<(&'p str, &'p str)> {
    let cookie = cookie::Cookie::parse(piece).ok()?;
    let n = cookie.name_raw()?;
    let v = cookie.value_raw()?;
    (n.starts_with(name)).then_some((n, v))
}

/// A replacement: split at the first '=', trim as RFC 6265 allows.
fn ours_new<'p>(name: &str, piece: &'p str) -> Option<(&'p str, &'p str)> {
    let (n, v) = piece.split_once('=')?;
    let n = n.trim_matches([' ', '\t']);
    let v = v.trim_matches([' ', '\t']);
    (n.starts_with(name)).then_some((n, v))
}

/// The default attributes, as `Attributes::set_cookie_with` appends them.
const ATTRS: &str = "; HttpOnly; SameSite=Lax; Secure; Path=/";

/// What `Attributes::set_cookie_with` does (main since 66ff9dd).
fn set_cookie_now(name: &str, value: &str) -> String {
    let mut line = String::with_capacity(name.len() + 1 + value.len() + ATTRS.len());
    line.push_str(name);
    line.push('=');
    line.push_str(value);
    line.push_str(ATTRS);
    line
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(21);
    let engine = setup::engine();
    println!("Interleaved medians over {rounds} rounds: ns per call now, ns with the candidate, ratio candidate/now\n");
    println!("| candidate, session | now ns | candidate ns | ratio |");
    println!("|---|---|---|---|");
    for (name, entries) in corpus::ordered() {
        let header = setup::request_header(&engine, &entries);
        // 2. Recognizing our cookies among the pieces.
        paired(
            rounds,
            &format!("pieces: Cookie::parse -> split_once('='), {name}"),
            &mut || {
                for piece in header.split(';') {
                    black_box(ours_now("session", piece.trim_matches([' ', '\t'])));
                }
            },
            &mut || {
                for piece in header.split(';') {
                    black_box(ours_new("session", piece.trim_matches([' ', '\t'])));
                }
            },
        );
        // 3. The JSON buffer: a fresh Vec per save, vs sized from json_len.
        let json_len = corpus::json_len(&entries);
        paired(
            rounds,
            &format!("JSON into Vec::new() -> Vec::with_capacity(json_len), {name}"),
            &mut || {
                let mut v = Vec::new();
                serde_json::to_writer(&mut v, black_box(&entries)).unwrap();
                black_box(v);
            },
            &mut || {
                let mut v = Vec::with_capacity(json_len);
                serde_json::to_writer(&mut v, black_box(&entries)).unwrap();
                black_box(v);
            },
        );
        // 4. Set-Cookie values: base64 of the whole value into a String, split,
        //    each piece copied into its line; vs base64 written straight into
        //    each line (chunks are whole base64 quanta).
        let (lines, value) = setup::first_save(&engine, &entries);
        let envelope = URL_SAFE_NO_PAD.decode(&value).unwrap();
        let lens: Vec<usize> = lines.iter().map(|l| setup::value_of(l).len()).collect();
        let names: Vec<String> = (0..lens.len())
            .map(|i| {
                if i == 0 {
                    "session".into()
                } else {
                    format!("session.{i}")
                }
            })
            .collect();
        paired(
            rounds,
            &format!("Set-Cookie lines: encode whole value, copy pieces -> encode into each line, {name}"),
            &mut || {
                let value = URL_SAFE_NO_PAD.encode(black_box(&envelope));
                let mut at = 0;
                let out: Vec<String> = lens
                    .iter()
                    .zip(&names)
                    .map(|(&len, n)| {
                        let piece = &value[at..at + len];
                        at += len;
                        set_cookie_now(n, piece)
                    })
                    .collect();
                black_box(out);
            },
            &mut || {
                let mut at = 0;
                let out: Vec<String> = lens
                    .iter()
                    .zip(&names)
                    .map(|(&len, n)| {
                        // Every chunk but the last is a multiple of 4 chars, 3 bytes.
                        let take = (len * 3 / 4).min(envelope.len() - at);
                        let mut line = String::with_capacity(n.len() + 1 + len + ATTRS.len());
                        line.push_str(n);
                        line.push('=');
                        URL_SAFE_NO_PAD.encode_string(&envelope[at..at + take], &mut line);
                        at += take;
                        line.push_str(ATTRS);
                        line
                    })
                    .collect();
                black_box(out);
            },
        );
    }
    // The engine's lines end with the attributes the candidates append.
    let entries = corpus::sessions().remove("wizard_form").unwrap();
    let (lines, _) = setup::first_save(&engine, &entries);
    assert!(lines
        .iter()
        .all(|l| l.ends_with("; HttpOnly; SameSite=Lax; Secure; Path=/")));
}
