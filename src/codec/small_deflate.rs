//! A raw deflate encoder for sessions of up to 160 bytes of JSON: one final
//! block of fixed Huffman codes, matches searched in dictionary 1 and the
//! input before them.
//!
//! Why not flate2: zlib-rs spends 4.3 to 4.5 µs resetting a stream, since it
//! clears a 128 KB hash table whatever the window size, and priming the
//! dictionary adds 1 to 1.8 µs; compressing an 83-byte login is 0.4 µs of
//! that (BENCHMARKS.md, "Small sessions"). miniz_oxide takes no preset
//! dictionary. At this size zlib picks fixed Huffman codes too, and this
//! encoder gives the same bytes or fewer on every small session measured.
//! Its output is plain raw deflate, inflated by flate2 like any other: the
//! wire format does not change.

use std::sync::LazyLock;

// `super`, not `crate::codec`: the benches' floor includes this file too
// (and the ones it uses), to write the engine's exact bytes.
use super::bit_writer::BitWriter;
use super::deflate_codes::{
    distance_code, length_code, Match, DISTANCE_BASE, DISTANCE_EXTRA, END_OF_BLOCK, LENGTH_BASE,
    LENGTH_EXTRA, MAX_MATCH, MIN_MATCH,
};
use super::dictionary_chains::{DictionaryChains, DICT_LEN, NONE};
use super::DICTIONARY;

/// The longest input this encoder takes. Above it, Huffman codes built for
/// the input start to pay for their table, and `block_deflate` takes over:
/// with 256 here, three of 300 generated sessions (186 to 231 bytes) came
/// out 9 to 16 characters over format 1's; with 160, none
/// (`benches/peers/benches/compression.rs`).
pub(crate) const MAX_INPUT: usize = 160;

/// Candidates tried per position, nearest first. The dictionary's most
/// frequent phrases are last, so the nearest are also the likeliest.
const MAX_CHAIN: usize = 16;
const HASH_BITS: u32 = 10;

static CHAINS: LazyLock<Box<DictionaryChains<{ 1 << HASH_BITS }>>> =
    LazyLock::new(|| DictionaryChains::build(hash, MIN_MATCH));

fn hash(bytes: &[u8]) -> usize {
    let v = u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16;
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// Appends the raw deflate of `input`, primed with dictionary 1, to `out`.
/// Returns false, writing nothing, for an input over [`MAX_INPUT`].
pub(crate) fn deflate(input: &[u8], out: &mut Vec<u8>) -> bool {
    if input.len() > MAX_INPUT {
        return false;
    }
    let mut window = [0u8; DICT_LEN + MAX_INPUT];
    window[..DICT_LEN].copy_from_slice(DICTIONARY);
    window[DICT_LEN..DICT_LEN + input.len()].copy_from_slice(input);
    let chains = &**CHAINS;
    let mut m = Matcher {
        window: &window[..DICT_LEN + input.len()],
        chains,
        head: chains.head,
        prev: [NONE; MAX_INPUT],
    };
    let mut bits = BitWriter::new(out);
    bits.put(1, 1); // the final block
    bits.put(1, 2); // of fixed Huffman codes

    let end = m.window.len();
    let mut at = DICT_LEN;
    let mut found = m.find_and_insert(at);
    while at < end {
        let Some(current) = found.filter(|&f| m.pays(f, at)) else {
            put_literal(&mut bits, m.window[at]);
            at += 1;
            found = m.find_and_insert(at);
            continue;
        };
        // One step of lazy matching: a longer match one byte on wins.
        let next = m.find_and_insert(at + 1);
        if let Some(next) = next.filter(|&n| n.len > current.len && m.pays(n, at + 1)) {
            put_literal(&mut bits, m.window[at]);
            at += 1;
            found = Some(next);
            continue;
        }
        put_copy(&mut bits, current);
        for pos in at + 2..at + current.len {
            m.insert(pos);
        }
        at += current.len;
        found = m.find_and_insert(at);
    }
    put_symbol(&mut bits, END_OF_BLOCK);
    bits.flush();
    true
}

/// The dictionary and the input as one window, with hash chains that run
/// from the input's positions on into the dictionary's.
struct Matcher<'a> {
    window: &'a [u8],
    chains: &'a DictionaryChains<{ 1 << HASH_BITS }>,
    head: [u16; 1 << HASH_BITS],
    /// The chain links of the input's positions.
    prev: [u16; MAX_INPUT],
}

impl Matcher<'_> {
    /// The longest match for the bytes at `at`, nearest first among equals;
    /// then `at` joins its chain.
    fn find_and_insert(&mut self, at: usize) -> Option<Match> {
        if at + MIN_MATCH > self.window.len() {
            return None;
        }
        let found = self.find(at);
        self.insert(at);
        found
    }

    fn find(&self, at: usize) -> Option<Match> {
        let w = self.window;
        let max = (w.len() - at).min(MAX_MATCH);
        let mut best = Match {
            len: MIN_MATCH - 1,
            distance: 0,
        };
        let mut candidate = self.head[hash(&w[at..])];
        for _ in 0..MAX_CHAIN {
            if candidate == NONE {
                break;
            }
            let from = usize::from(candidate);
            // Only a match longer than the best matters: check that byte first.
            if w[from + best.len] == w[at + best.len] {
                let len = w[from..from + max]
                    .iter()
                    .zip(&w[at..at + max])
                    .take_while(|(a, b)| a == b)
                    .count();
                if len > best.len {
                    best = Match {
                        len,
                        distance: at - from,
                    };
                    if len == max {
                        break;
                    }
                }
            }
            candidate = self.link(from);
        }
        (best.len >= MIN_MATCH).then_some(best)
    }

    fn link(&self, pos: usize) -> u16 {
        match pos.checked_sub(DICT_LEN) {
            Some(i) => self.prev[i],
            None => self.chains.prev[pos],
        }
    }

    fn insert(&mut self, pos: usize) {
        if pos + MIN_MATCH <= self.window.len() {
            let h = hash(&self.window[pos..]);
            self.prev[pos - DICT_LEN] = self.head[h];
            self.head[h] = pos as u16;
        }
    }

    /// Whether the match codes in fewer bits than its bytes as literals.
    fn pays(&self, m: Match, at: usize) -> bool {
        let literals: u32 = self.window[at..at + m.len]
            .iter()
            .map(|&b| literal_bits(u16::from(b)).1)
            .sum();
        copy_bits(m) < literals
    }
}

/// The fixed Huffman code of a literal/length symbol (RFC 1951, 3.2.6),
/// bit-reversed since deflate sends Huffman codes first bit first; and its
/// length in bits.
fn literal_bits(symbol: u16) -> (u32, u32) {
    let s = u32::from(symbol);
    let (code, len) = match symbol {
        0..=143 => (0x30 + s, 8),
        144..=255 => (0x190 + s - 144, 9),
        256..=279 => (s - 256, 7),
        _ => (0xc0 + s - 280, 8),
    };
    (reversed(code, len), len)
}

fn reversed(code: u32, len: u32) -> u32 {
    code.reverse_bits() >> (32 - len)
}

/// The length and distance codes of a match.
fn codes(m: Match) -> (usize, usize) {
    (length_code(m.len), distance_code(m.distance))
}

fn copy_bits(m: Match) -> u32 {
    let (length, distance) = codes(m);
    let symbol_bits = literal_bits(257 + length as u16).1;
    symbol_bits + u32::from(LENGTH_EXTRA[length]) + 5 + u32::from(DISTANCE_EXTRA[distance])
}

fn put_symbol(bits: &mut BitWriter, symbol: u16) {
    let (code, len) = literal_bits(symbol);
    bits.put(code, len);
}

fn put_literal(bits: &mut BitWriter, byte: u8) {
    put_symbol(bits, u16::from(byte));
}

fn put_copy(bits: &mut BitWriter, m: Match) {
    let (length, distance) = codes(m);
    put_symbol(bits, 257 + length as u16);
    bits.put(
        (m.len - usize::from(LENGTH_BASE[length])) as u32,
        u32::from(LENGTH_EXTRA[length]),
    );
    // Distance codes are 5 bits, fixed, sent first bit first too.
    bits.put(reversed(distance as u32, 5), 5);
    bits.put(
        (m.distance - usize::from(DISTANCE_BASE[distance])) as u32,
        u32::from(DISTANCE_EXTRA[distance]),
    );
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
    fn inflated(packed: &[u8]) -> Vec<u8> {
        let mut z = Decompress::new(false);
        z.set_dictionary(DICTIONARY).unwrap();
        let mut out = Vec::with_capacity(4 * MAX_INPUT);
        let status = z
            .decompress_vec(packed, &mut out, FlushDecompress::Finish)
            .unwrap();
        assert_eq!(status, Status::StreamEnd);
        assert_eq!(z.total_in() as usize, packed.len(), "bytes after the end");
        out
    }

    fn roundtrip(input: &[u8]) {
        assert_eq!(inflated(&packed(input)), input);
    }

    #[test]
    fn the_corpus_login_packs_to_51_bytes() {
        // zlib-rs at level 1 and at level 6 give 51 bytes too.
        let login = br#"{"csrf_token":"ecQSH8YIV9_-_HS5mcyF8ZCsRsi833KO","locale":"en-GB","user_id":597395}"#;
        assert_eq!(packed(login).len(), 51);
        roundtrip(login);
    }

    #[test]
    fn edge_inputs_roundtrip() {
        roundtrip(b"");
        roundtrip(b"{}");
        roundtrip(&[0xff; MAX_INPUT]);
        roundtrip(&[b'a'; MAX_INPUT]);
        // Matches that reach from the dictionary into the input, and the
        // dictionary's own last bytes.
        roundtrip(&DICTIONARY[DICT_LEN - MAX_INPUT..]);
        let all: Vec<u8> = (0..=255).take(MAX_INPUT).collect();
        roundtrip(&all);
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
        for _ in 0..20_000 {
            let len = (next() % (MAX_INPUT as u64 + 1)) as usize;
            let mode = next() % 3;
            let input: Vec<u8> = (0..len)
                .map(|_| match mode {
                    0 => next() as u8,
                    1 => DICTIONARY[next() as usize % DICT_LEN],
                    _ => b"ab"[(next() % 2) as usize],
                })
                .collect();
            let out = packed(&input);
            // Within the room `compress::max_deflated` reserves.
            assert!(out.len() <= input.len() + 64, "{} bytes", out.len());
            assert_eq!(inflated(&out), input);
        }
    }
}
