//! One final deflate block from a parse's symbols, written the cheapest of
//! three ways: Huffman codes built for the symbols (a dynamic block, RFC
//! 1951, 3.2.7), the fixed codes (3.2.6), or stored (3.2.4). Each way's
//! size is counted exactly before anything is written.

use std::sync::LazyLock;

// `super`, not `crate::codec`: the benches' floor includes this file too.
use super::bit_writer::BitWriter;
use super::deflate_codes::{
    distance_code, length_code, DISTANCE_BASE, DISTANCE_EXTRA, END_OF_BLOCK, FIRST_LENGTH,
    LENGTH_BASE, LENGTH_EXTRA,
};
use super::huffman::{canonical_codes, code_lengths, MAX_SYMBOLS};

pub(super) const LITERAL_LENGTH_CODES: usize = 286;
pub(super) const DISTANCE_CODES: usize = 30;
const CODE_LENGTH_CODES: usize = 19;
/// The order code length code lengths are sent in (RFC 1951, 3.2.7).
const CODE_LENGTH_ORDER: [usize; CODE_LENGTH_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Symbol counts of one block, and the extra bits its lengths and
/// distances carry.
pub(super) struct Counts {
    pub(super) literal_length: [u32; LITERAL_LENGTH_CODES],
    pub(super) distance: [u32; DISTANCE_CODES],
    pub(super) extra_bits: u64,
}

/// The fixed Huffman codes (RFC 1951, 3.2.6), as code lengths.
static FIXED: LazyLock<Codes> = LazyLock::new(|| {
    let mut literal_lengths = [0u8; MAX_SYMBOLS];
    for (symbol, len) in literal_lengths.iter_mut().enumerate() {
        *len = match symbol {
            0..=143 => 8,
            144..=255 => 9,
            256..=279 => 7,
            _ => 8,
        };
    }
    Codes::new(&literal_lengths, &[5; DISTANCE_CODES])
});

/// A literal/length code and a distance code: each symbol's length in bits
/// and its code, bit-reversed.
struct Codes {
    /// All 288 symbols: the fixed code's canonical codes count the two
    /// that are never sent.
    literal_length: [u8; MAX_SYMBOLS],
    literal_length_code: [u16; MAX_SYMBOLS],
    distance: [u8; DISTANCE_CODES],
    distance_code: [u16; DISTANCE_CODES],
}

impl Codes {
    fn new(literal_length: &[u8], distance: &[u8]) -> Codes {
        let mut codes = Codes {
            literal_length: [0; MAX_SYMBOLS],
            literal_length_code: [0; MAX_SYMBOLS],
            distance: [0; DISTANCE_CODES],
            distance_code: [0; DISTANCE_CODES],
        };
        codes.literal_length[..literal_length.len()].copy_from_slice(literal_length);
        codes.distance.copy_from_slice(distance);
        canonical_codes(&codes.literal_length, &mut codes.literal_length_code);
        canonical_codes(&codes.distance, &mut codes.distance_code);
        codes
    }

    /// Sends literal/length symbol `s` in its code.
    fn put_literal_length(&self, bits: &mut BitWriter, s: usize) {
        bits.put(
            u32::from(self.literal_length_code[s]),
            u32::from(self.literal_length[s]),
        );
    }

    /// Sends the block's symbols (see [`write_block`]) and the end of
    /// block. A length's code and extra bits go in one put (20 bits at
    /// most), and a distance's (28).
    fn write_symbols(&self, symbols: &[u32], input: &[u8], bits: &mut BitWriter) {
        let mut at = 0;
        for &symbol in symbols {
            let distance = (symbol >> 16) as usize;
            let len = (symbol & 0xffff) as usize;
            if distance == 0 {
                // Two literals a put (30 bits at most): the writer's state
                // is a chain from put to put, and this halves it.
                let mut pairs = input[at..at + len].chunks_exact(2);
                for pair in &mut pairs {
                    let (a, b) = (usize::from(pair[0]), usize::from(pair[1]));
                    let a_len = u32::from(self.literal_length[a]);
                    bits.put(
                        u32::from(self.literal_length_code[a])
                            | u32::from(self.literal_length_code[b]) << a_len,
                        a_len + u32::from(self.literal_length[b]),
                    );
                }
                for &byte in pairs.remainder() {
                    self.put_literal_length(bits, usize::from(byte));
                }
                at += len;
                continue;
            }
            at += len;
            let (l, d) = (length_code(len), distance_code(distance));
            let s = usize::from(FIRST_LENGTH) + l;
            let code_len = u32::from(self.literal_length[s]);
            bits.put(
                u32::from(self.literal_length_code[s])
                    | ((len - usize::from(LENGTH_BASE[l])) as u32) << code_len,
                code_len + u32::from(LENGTH_EXTRA[l]),
            );
            let code_len = u32::from(self.distance[d]);
            bits.put(
                u32::from(self.distance_code[d])
                    | ((distance - usize::from(DISTANCE_BASE[d])) as u32) << code_len,
                code_len + u32::from(DISTANCE_EXTRA[d]),
            );
        }
        self.put_literal_length(bits, usize::from(END_OF_BLOCK));
    }

    /// The bits of the block's symbols under this code, extra bits aside.
    fn cost(&self, counts: &Counts) -> u64 {
        let literal_length: u64 = (counts.literal_length.iter())
            .zip(&self.literal_length)
            .map(|(&c, &l)| u64::from(c) * u64::from(l))
            .sum();
        let distance: u64 = (counts.distance.iter())
            .zip(&self.distance)
            .map(|(&c, &l)| u64::from(c) * u64::from(l))
            .sum();
        literal_length + distance
    }
}

/// The code lengths of a dynamic block, run-length coded as RFC 1951,
/// 3.2.7 says, with the code that codes them.
struct Header {
    literal_lengths: usize,
    distances: usize,
    /// Code length symbols 0 to 18, each with its repeat count's extra bits.
    runs: Runs,
    lengths: [u8; CODE_LENGTH_CODES],
    codes: [u16; CODE_LENGTH_CODES],
    sent_lengths: usize,
    bits: u64,
}

impl Header {
    fn new(codes: &Codes) -> Header {
        let last_used = |lengths: &[u8]| lengths.iter().rposition(|&l| l > 0).map_or(0, |i| i + 1);
        let literal_lengths = last_used(&codes.literal_length).max(257);
        let distances = last_used(&codes.distance).max(1);
        let mut all = [0u8; LITERAL_LENGTH_CODES + DISTANCE_CODES];
        all[..literal_lengths].copy_from_slice(&codes.literal_length[..literal_lengths]);
        all[literal_lengths..literal_lengths + distances]
            .copy_from_slice(&codes.distance[..distances]);
        let runs = run_lengths(&all[..literal_lengths + distances]);

        let mut counts = [0u32; CODE_LENGTH_CODES];
        for &(symbol, _) in runs.as_slice() {
            counts[usize::from(symbol)] += 1;
        }
        let mut lengths = [0u8; CODE_LENGTH_CODES];
        code_lengths(&counts, 7, &mut lengths);
        let mut codes = [0u16; CODE_LENGTH_CODES];
        canonical_codes(&lengths, &mut codes);
        let sent_lengths = CODE_LENGTH_ORDER
            .iter()
            .rposition(|&s| lengths[s] > 0)
            .map_or(0, |i| i + 1)
            .max(4);
        let runs_bits: u64 = (runs.as_slice().iter())
            .map(|&(s, _)| u64::from(lengths[usize::from(s)]) + repeat_bits(s))
            .sum();
        Header {
            literal_lengths,
            distances,
            runs,
            lengths,
            codes,
            sent_lengths,
            bits: 5 + 5 + 4 + 3 * sent_lengths as u64 + runs_bits,
        }
    }

    fn write(&self, bits: &mut BitWriter) {
        bits.put((self.literal_lengths - 257) as u32, 5);
        bits.put((self.distances - 1) as u32, 5);
        bits.put((self.sent_lengths - 4) as u32, 4);
        for &symbol in &CODE_LENGTH_ORDER[..self.sent_lengths] {
            bits.put(u32::from(self.lengths[symbol]), 3);
        }
        for &(symbol, repeat) in self.runs.as_slice() {
            let s = usize::from(symbol);
            bits.put(u32::from(self.codes[s]), u32::from(self.lengths[s]));
            bits.put(u32::from(repeat), repeat_bits(symbol) as u32);
        }
    }
}

/// The extra bits after code length symbols 16, 17 and 18.
fn repeat_bits(symbol: u8) -> u64 {
    match symbol {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    }
}

/// Code length symbols, at most one per code length.
struct Runs {
    symbols: [(u8, u8); LITERAL_LENGTH_CODES + DISTANCE_CODES],
    len: usize,
}

impl Runs {
    fn push(&mut self, symbol: u8, repeat: usize) {
        self.symbols[self.len] = (symbol, repeat as u8);
        self.len += 1;
    }

    fn as_slice(&self) -> &[(u8, u8)] {
        &self.symbols[..self.len]
    }
}

/// Code lengths as code length symbols: 16 repeats the last length 3 to 6
/// times, 17 and 18 give 3 to 10 and 11 to 138 zeros.
fn run_lengths(lengths: &[u8]) -> Runs {
    let mut runs = Runs {
        symbols: [(0, 0); LITERAL_LENGTH_CODES + DISTANCE_CODES],
        len: 0,
    };
    let mut i = 0;
    while i < lengths.len() {
        let len = lengths[i];
        let run = lengths[i..].iter().take_while(|&&l| l == len).count();
        let mut left = run;
        if len == 0 {
            while left >= 11 {
                let n = left.min(138);
                runs.push(18, n - 11);
                left -= n;
            }
            if left >= 3 {
                runs.push(17, left - 3);
                left = 0;
            }
        } else {
            runs.push(len, 0);
            left -= 1;
            while left >= 3 {
                let n = left.min(6);
                runs.push(16, n - 3);
                left -= n;
            }
        }
        for _ in 0..left {
            runs.push(len, 0);
        }
        i += run;
    }
    runs
}

/// Writes the block the cheapest of three ways: dynamic codes, fixed
/// codes, or stored. Each of `symbols` is a run of literals (distance 0:
/// how many, the next bytes of `input`) or a match, distance << 16 |
/// length; `counts` counts them, and `input` is what they decode to.
pub(super) fn write_block(counts: &Counts, symbols: &[u32], input: &[u8], out: &mut Vec<u8>) {
    let mut literal_length = [0u8; LITERAL_LENGTH_CODES];
    code_lengths(&counts.literal_length, 15, &mut literal_length);
    let mut distance = [0u8; DISTANCE_CODES];
    code_lengths(&counts.distance, 15, &mut distance);
    let dynamic = Codes::new(&literal_length, &distance);
    let header = Header::new(&dynamic);

    // Each with the block header's 3 bits.
    let dynamic_bits = 3 + header.bits + dynamic.cost(counts) + counts.extra_bits;
    let fixed_bits = 3 + FIXED.cost(counts) + counts.extra_bits;
    // The 3 bits padded to a byte, LEN and NLEN, the bytes.
    let stored_bits = 8 * (1 + 4 + input.len() as u64);

    let mut bits = BitWriter::new(out);
    bits.put(1, 1); // the final block
    if stored_bits < dynamic_bits.min(fixed_bits) {
        bits.put(0, 2);
        let out = bits.align();
        let len = input.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(input);
        return;
    }
    let codes = match dynamic_bits <= fixed_bits {
        true => {
            bits.put(2, 2);
            header.write(&mut bits);
            &dynamic
        }
        false => {
            bits.put(1, 2);
            &*FIXED
        }
    };
    codes.write_symbols(symbols, input, &mut bits);
    bits.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_lengths_use_the_repeat_symbols() {
        let mut lengths = vec![8u8; 10];
        lengths.extend([0; 150]);
        lengths.extend([0; 4]);
        lengths.push(5);
        let runs = run_lengths(&lengths);
        // 8, then 9 repeats as 6 + 3; 154 zeros as 138 + 16.
        assert_eq!(
            runs.as_slice(),
            [(8, 0), (16, 3), (16, 0), (18, 127), (18, 5), (5, 0)]
        );
    }
}
