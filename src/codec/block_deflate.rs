//! A raw deflate encoder for sessions of 161 bytes to 16 KB of JSON: one
//! final block with Huffman codes built for the input (or fixed codes, or
//! stored, whichever is smallest), matches searched in dictionary 1 and the
//! input before them, with zlib's lazy matching.
//!
//! Why not flate2: zlib-rs clears a 128 KB hash table on every reset
//! (4.3 to 4.5 µs), primes the dictionary again (1 to 1.8 µs), and its
//! level 6 was 61% of a 2.5 KB OIDC session's save. Here the dictionary's
//! hash chains are built once and copied per call (18 KB); a match needs
//! four bytes, which saved bytes on the corpus too; and runs with no match
//! are stepped through faster. On the corpus it takes 0.41 to 0.50 of
//! zlib-rs's time (0.18 on random data) for fewer bytes in all
//! (BENCHMARKS.md, "Deflate of our own"). The output is plain raw deflate,
//! inflated by flate2 like any other: the wire format does not change. zlib
//! too writes one block for up to 16 K symbols, so one block per session
//! loses little.

use std::cell::RefCell;
use std::sync::LazyLock;

// `super`, not `crate::codec`: the benches' floor includes this file too.
use super::deflate_codes::{
    distance_code, length_code, Match, DISTANCE_EXTRA, END_OF_BLOCK, FIRST_LENGTH, LENGTH_EXTRA,
    MAX_DISTANCE, MAX_MATCH,
};
use super::dictionary_chains::{DictionaryChains, DICT_LEN, NONE};
use super::huffman_block::{write_block, Counts, DISTANCE_CODES, LITERAL_LENGTH_CODES};
use super::DICTIONARY;

/// The longest input this encoder takes; flate2 takes longer ones.
pub(crate) const MAX_INPUT: usize = 16 * 1024;

const HASH_BITS: u32 = 13;

// zlib's level 6 search: candidates per position, a quarter of them once a
// match is good, no look one byte on past a long match, and no search past
// a nice one.
const MAX_CHAIN: usize = 128;
const GOOD_MATCH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_MATCH: usize = 128;
/// The shortest match taken. A 3-byte match codes in about the bits of its
/// three literals under codes built for the input. With the search
/// otherwise the same, the corpus deflated to 27 bytes fewer than zlib-rs
/// level 6 this way, and to 93 more under zlib's rule (3-byte matches up
/// to 4 KB back).
const MIN_LEN: usize = 4;
/// The positions inside a match longer than this join no chain, as in
/// zlib's faster levels: a cart of 60 items, all long matches, took 0.75
/// of the time for 6 bytes (0.8%) more.
const MAX_INSERT: usize = 16;
/// In a run without matches (a token, an id), the step grows by one every
/// 2^SKIP_SHIFT positions searched in vain, and a match found after a skip
/// is extended backwards over the literals it covers, as LZ4 and zstd's
/// fast levels do.
const SKIP_SHIFT: u32 = 6;

const _: () = assert!(DICT_LEN + MAX_INPUT <= MAX_DISTANCE && DICT_LEN + MAX_INPUT < NONE as usize);

/// Copied into each call's tables.
static CHAINS: LazyLock<Box<DictionaryChains<{ 1 << HASH_BITS }>>> =
    LazyLock::new(|| DictionaryChains::build(hash, MIN_LEN));

/// A hash of the [`MIN_LEN`] bytes at the start of `bytes`.
fn hash(bytes: &[u8]) -> usize {
    (first_four(bytes, 0).wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Per-thread buffers, kept between calls: a session's encode allocates
/// nothing once they have grown (to about 115 KB at most, for 16 KB).
struct Scratch {
    /// The dictionary, then the input.
    window: Vec<u8>,
    head: Vec<u16>,
    /// For each window position, the one before it with the same hash.
    prev: Vec<u16>,
    /// The parse, in order: a run of literals (distance 0: how many), or a
    /// match (distance << 16 | length).
    symbols: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            window: Vec::new(),
            head: Vec::new(),
            prev: Vec::new(),
            symbols: Vec::new(),
        })
    };
}

/// Appends the raw deflate of `input`, primed with dictionary 1, to `out`.
/// Returns false, writing nothing, for an input over [`MAX_INPUT`].
pub(crate) fn deflate(input: &[u8], out: &mut Vec<u8>) -> bool {
    if input.len() > MAX_INPUT {
        return false;
    }
    SCRATCH.with(|cell| {
        let mut scratch = cell.borrow_mut();
        let Scratch {
            window,
            head,
            prev,
            symbols,
        } = &mut *scratch;
        let chains = &**CHAINS;
        window.clear();
        window.extend_from_slice(DICTIONARY);
        window.extend_from_slice(input);
        head.clear();
        head.extend_from_slice(&chains.head);
        prev.clear();
        prev.extend_from_slice(&chains.prev);
        prev.resize(window.len(), NONE);
        symbols.clear();
        let mut m = Matcher {
            window,
            head,
            prev,
            searched: DICT_LEN,
        };
        let counts = parse(&mut m, symbols);
        write_block(&counts, symbols, input, out);
    });
    true
}

/// zlib's lazy matching: a match is taken only if the match one byte on is
/// no longer.
fn parse(m: &mut Matcher, symbols: &mut Vec<u32>) -> Counts {
    let mut counts = Counts {
        literal_length: [0; LITERAL_LENGTH_CODES],
        distance: [0; DISTANCE_CODES],
        extra_bits: 0,
    };
    let end = m.window.len();
    let mut at = DICT_LEN;
    let mut found = m.find_and_insert(at, MAX_CHAIN);
    // Positions searched in a row without a match.
    let mut misses = 0usize;
    while at < end {
        let Some(mut current) = found else {
            let step = (1 + (misses >> SKIP_SHIFT)).min(end - at);
            for &byte in &m.window[at..at + step] {
                counts.literal_length[usize::from(byte)] += 1;
            }
            push_literals(symbols, step);
            at += step;
            misses += 1;
            found = m.probe_and_insert(at);
            continue;
        };
        misses = 0;
        // A match may start before where it was found: take back the
        // literals (since the last match) it also covers.
        while ends_with_literals(symbols)
            && current.len < MAX_MATCH
            && at > current.distance
            && m.window[at - 1] == m.window[at - 1 - current.distance]
        {
            take_back_literal(symbols);
            counts.literal_length[usize::from(m.window[at - 1])] -= 1;
            at -= 1;
            current.len += 1;
        }
        // The byte after may start a longer match (unless a backward
        // extension has already passed it).
        if current.len < MAX_LAZY && m.searched == at + 1 {
            let chain = match current.len >= GOOD_MATCH {
                true => MAX_CHAIN / 4,
                false => MAX_CHAIN,
            };
            if let Some(next) = m
                .find_and_insert(at + 1, chain)
                .filter(|n| n.len > current.len)
            {
                push_literals(symbols, 1);
                counts.literal_length[usize::from(m.window[at])] += 1;
                at += 1;
                found = Some(next);
                continue;
            }
        }
        let (length, distance) = (length_code(current.len), distance_code(current.distance));
        symbols.push((current.distance as u32) << 16 | current.len as u32);
        counts.literal_length[usize::from(FIRST_LENGTH) + length] += 1;
        counts.distance[distance] += 1;
        counts.extra_bits += u64::from(LENGTH_EXTRA[length] + DISTANCE_EXTRA[distance]);
        at += current.len;
        if current.len > MAX_INSERT {
            // Only the last few, so that what follows can match them.
            m.searched = m.searched.max(at - MIN_LEN + 1);
        }
        for pos in m.searched..at {
            let _ = m.insert(pos);
        }
        found = m.find_and_insert(at, MAX_CHAIN);
    }
    counts.literal_length[usize::from(END_OF_BLOCK)] += 1;
    counts
}

/// Adds `n` literals to the parse: to the run it ends with, or as a new
/// one. A run is shorter than 2^16, since the input is.
fn push_literals(symbols: &mut Vec<u32>, n: usize) {
    match symbols.last_mut() {
        Some(run) if *run >> 16 == 0 => *run += n as u32,
        _ => symbols.push(n as u32),
    }
}

/// Whether the parse ends with a run of literals (the ones since the last
/// match), not a match.
fn ends_with_literals(symbols: &[u32]) -> bool {
    symbols.last().is_some_and(|&s| s >> 16 == 0)
}

/// Takes the last literal of the parse's last run back out of it.
fn take_back_literal(symbols: &mut Vec<u32>) {
    if let Some(run) = symbols.last_mut() {
        *run -= 1;
        if *run == 0 {
            symbols.pop();
        }
    }
}

/// The dictionary and the input as one window, with hash chains that run
/// from the input's positions on into the dictionary's.
struct Matcher<'a> {
    window: &'a [u8],
    head: &'a mut [u16],
    prev: &'a mut [u16],
    /// The first position not yet inserted or passed over: each position
    /// joins a chain once at most, or its chain would loop.
    searched: usize,
}

impl Matcher<'_> {
    /// The longest match for the bytes at `at`, trying up to `chain`
    /// candidates, nearest first among equals; `at` joins its chain.
    fn find_and_insert(&mut self, at: usize, chain: usize) -> Option<Match> {
        let candidate = self.insert(at)?;
        self.find(at, candidate, chain)
    }

    /// Like [`Self::find_and_insert`], but searches only if the newest
    /// candidate starts with the same four bytes: in a run of literals
    /// (tokens, ids) most positions have no match, and a chain walk each
    /// would cost more than the rare match it finds.
    #[inline(always)]
    fn probe_and_insert(&mut self, at: usize) -> Option<Match> {
        let candidate = self.insert(at)?;
        let w = self.window;
        match candidate != NONE && first_four(w, usize::from(candidate)) == first_four(w, at) {
            true => self.find(at, candidate, MAX_CHAIN),
            false => None,
        }
    }

    fn find(&self, at: usize, mut candidate: u16, chain: usize) -> Option<Match> {
        let w = self.window;
        let max = (w.len() - at).min(MAX_MATCH);
        let here = first_four(w, at);
        let mut best = Match {
            len: MIN_LEN - 1,
            distance: 0,
        };
        let mut tries = chain;
        while candidate != NONE && tries > 0 {
            let from = usize::from(candidate);
            // The four bytes every match needs (the hash may collide), and
            // the one byte that makes it longer than the best so far.
            if first_four(w, from) == here && w[from + best.len] == w[at + best.len] {
                let len = MIN_LEN
                    + common_prefix(&w[from + MIN_LEN..], &w[at + MIN_LEN..], max - MIN_LEN);
                if len > best.len {
                    best = Match {
                        len,
                        distance: at - from,
                    };
                    if len >= max.min(NICE_MATCH) {
                        break;
                    }
                }
            }
            candidate = self.prev[from];
            tries -= 1;
        }
        (best.len >= MIN_LEN).then_some(best)
    }

    /// Puts `pos` at the head of its hash chain and returns the chain's
    /// head before it (maybe [`NONE`]); `None` when fewer than [`MIN_LEN`]
    /// bytes are left, too few to hash or match. Always inlined: it runs
    /// once a position, and the compiler had left it a call.
    #[inline(always)]
    fn insert(&mut self, pos: usize) -> Option<u16> {
        debug_assert!(pos >= self.searched);
        self.searched = pos + 1;
        if pos + MIN_LEN > self.window.len() {
            return None;
        }
        let h = hash(&self.window[pos..]);
        let candidate = self.head[h];
        self.prev[pos] = candidate;
        self.head[h] = pos as u16;
        Some(candidate)
    }
}

/// One load and one bounds check: indexing the four bytes one by one
/// made four of each.
#[inline(always)]
fn first_four(w: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(w[at..at + 4].try_into().unwrap())
}

/// How many leading bytes of `a` and `b` agree, up to `max` (both are at
/// least `max` long), eight at a time.
fn common_prefix(a: &[u8], b: &[u8], max: usize) -> usize {
    let mut n = 0;
    while n + 8 <= max {
        let x = u64::from_le_bytes(a[n..n + 8].try_into().unwrap());
        let y = u64::from_le_bytes(b[n..n + 8].try_into().unwrap());
        if x != y {
            return n + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && a[n] == b[n] {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use flate2::{Decompress, FlushDecompress, Status};

    use super::*;

    fn packed(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(deflate(input, &mut out));
        out
    }

    /// flate2's inflate, primed with the dictionary, of the whole of `packed`.
    fn inflated(packed: &[u8], len: usize) -> Vec<u8> {
        let mut z = Decompress::new(false);
        z.set_dictionary(DICTIONARY).unwrap();
        let mut out = Vec::with_capacity(len + 1);
        let status = z
            .decompress_vec(packed, &mut out, FlushDecompress::Finish)
            .unwrap();
        assert_eq!(status, Status::StreamEnd);
        assert_eq!(z.total_in() as usize, packed.len(), "bytes after the end");
        out
    }

    fn roundtrip(input: &[u8]) -> usize {
        let out = packed(input);
        assert_eq!(inflated(&out, input.len()), input);
        out.len()
    }

    #[test]
    fn edge_inputs_roundtrip() {
        roundtrip(b"");
        roundtrip(b"{}");
        roundtrip(&[0xff; MAX_INPUT]);
        roundtrip(&[b'a'; MAX_INPUT]);
        roundtrip(&DICTIONARY[DICT_LEN - 200..]);
        let all: Vec<u8> = (0..=255).cycle().take(MAX_INPUT).collect();
        roundtrip(&all);
    }

    #[test]
    fn incompressible_input_is_stored() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..4000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        // A stored block: 1 byte of header, LEN and NLEN, the bytes.
        assert_eq!(roundtrip(&noise), 4000 + 5);
    }

    #[test]
    fn an_input_over_the_limit_is_left_to_flate2() {
        let mut out = Vec::new();
        assert!(!deflate(&[b'x'; MAX_INPUT + 1], &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn random_inputs_roundtrip_and_never_exceed_deflates_bound() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..3_000 {
            let len = match round % 10 {
                0 => (next() % (MAX_INPUT as u64 + 1)) as usize,
                _ => (next() % 3000) as usize,
            };
            const BASE64: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let mode = next() % 5;
            let mut input: Vec<u8> = (0..len)
                .map(|_| match mode {
                    0 => next() as u8,
                    1 => DICTIONARY[next() as usize % DICT_LEN],
                    2 => b"ab"[(next() % 2) as usize],
                    // Base64 text, as in tokens.
                    _ => BASE64[(next() % 64) as usize],
                })
                .collect();
            if mode == 4 && len > 0 {
                // Tokens, then pieces of them again: long runs without a
                // match (skipped through), then matches that start inside
                // the skipped stretch and must be extended backwards.
                for _ in 0..(next() % 8) {
                    let from = (next() % len as u64) as usize;
                    let to = (from + 1 + (next() % 300) as usize).min(len);
                    let piece = input[from..to].to_vec();
                    input.extend((0..next() % 200).map(|_| BASE64[(next() % 64) as usize]));
                    input.extend(piece);
                }
                input.truncate(MAX_INPUT);
            }
            let size = roundtrip(&input);
            // Within the room `compress::max_deflated` reserves.
            assert!(
                size <= input.len() + input.len() / 1000 + 64,
                "{size} bytes"
            );
        }
    }
}
