//! Raw deflate through flate2, with compressor state reused across calls.
//!
//! Creating a deflate stream allocates and zeroes about 256 KB of window and
//! hash tables, which costs more than compressing a session, so each thread
//! keeps one compressor and one decompressor and resets them per call. Even
//! the reset costs more than a small session's whole save, so sessions of
//! up to 160 bytes are deflated by [`small_deflate`] instead, and up to
//! 16 KB by [`block_deflate`].

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::codec::{block_deflate, small_deflate, DICTIONARY};

/// The deflate level, chosen by measurement (see BENCHMARKS.md): level 1
/// loses 30% or more on larger sessions, level 9 gains nothing over 6.
const LEVEL: u32 = 6;

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(LEVEL), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// An upper bound on the raw deflate of `len` bytes: deflate's worst case
/// is a few bytes per 16 KB stored block over the input.
pub(crate) const fn max_deflated(len: usize) -> usize {
    len + len / 1000 + 64
}

/// Appends the raw deflate of `input` to `out`: inputs of up to 16 KB
/// through encoders of our own, which skip zlib-rs's fixed cost per stream.
pub(crate) fn deflate(input: &[u8], out: &mut Vec<u8>) {
    if small_deflate::deflate(input, out) || block_deflate::deflate(input, out) {
        return;
    }
    DEFLATE.with(|cell| {
        let z = &mut *cell.borrow_mut();
        z.reset();
        z.set_dictionary(DICTIONARY)
            .expect("a fresh raw deflate stream accepts a dictionary");
        out.reserve(max_deflated(input.len()));
        loop {
            let consumed = z.total_in() as usize;
            let status = z
                .compress_vec(&input[consumed..], out, FlushCompress::Finish)
                .expect("deflate of in-memory bytes cannot fail");
            match status {
                Status::StreamEnd => break,
                Status::Ok | Status::BufError => out.reserve(256),
            }
        }
    })
}

/// The payload inflated past the cap, or is not valid deflate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InflateError {
    TooLarge,
    Invalid,
}

/// Output room below which zlib-rs leaves its fast loop for the slow one,
/// a symbol at a time: the fast loop needs 258 bytes (one longest match)
/// free. A 51-byte login given only 4x its size (204 bytes) spent 1.4x the
/// time in inflate (perf samples over 1.5M loads each way).
const FAST_OUTPUT: usize = 512;

/// Appends the inflate of `input` to `out`, refusing to produce more than
/// `cap` bytes. The buffer never grows past `cap + 1` bytes of output: one
/// byte more than the cap is enough to know the payload is too large.
pub(crate) fn inflate(input: &[u8], cap: usize, out: &mut Vec<u8>) -> Result<(), InflateError> {
    INFLATE.with(|cell| {
        let mut z = cell.borrow_mut();
        z.reset(false);
        z.set_dictionary(DICTIONARY)
            .expect("a fresh raw inflate stream accepts a dictionary");
        let start = out.len();
        // A first guess from the input (JSON sessions rarely deflate past
        // 4:1), and never less than inflate's fast loop needs to run at all.
        out.reserve_exact((input.len() * 4).max(FAST_OUTPUT).min(cap + 1));
        loop {
            let (in_before, out_before) = (z.total_in(), out.len());
            let status = z
                .decompress_vec(&input[in_before as usize..], out, FlushDecompress::Finish)
                .map_err(|_| InflateError::Invalid)?;
            let produced = out.len() - start;
            if produced > cap {
                return Err(InflateError::TooLarge);
            }
            if status == Status::StreamEnd {
                // Bytes after the end of the deflate stream were not ours.
                return match z.total_in() as usize == input.len() {
                    true => Ok(()),
                    false => Err(InflateError::Invalid),
                };
            }
            if out.len() == out.capacity() {
                out.reserve_exact(produced.max(64).min(cap + 1 - produced));
            } else if z.total_in() == in_before && out.len() == out_before {
                // Room to write, yet no progress: the input ended early.
                return Err(InflateError::Invalid);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(input: &[u8]) -> Vec<u8> {
        let mut packed = Vec::new();
        deflate(input, &mut packed);
        let mut out = Vec::new();
        inflate(&packed, input.len(), &mut out).unwrap();
        out
    }

    #[test]
    fn roundtrips_small_and_large() {
        assert_eq!(roundtrip(b""), b"");
        assert_eq!(roundtrip(b"{}"), b"{}");
        let big: Vec<u8> = (0..200_000u32)
            .map(|i| (i % 251) as u8 ^ (i / 7) as u8)
            .collect();
        assert_eq!(roundtrip(&big), big);
    }

    #[test]
    fn cap_is_exact() {
        let input = vec![b'a'; 10_000];
        let mut packed = Vec::new();
        deflate(&input, &mut packed);
        let mut out = Vec::new();
        assert_eq!(inflate(&packed, 10_000, &mut out), Ok(()));
        out.clear();
        assert_eq!(
            inflate(&packed, 9_999, &mut out),
            Err(InflateError::TooLarge)
        );
        assert!(out.capacity() <= 10_000 + 64, "grew to {}", out.capacity());
    }

    #[test]
    fn truncated_and_trailing_input_is_invalid() {
        let mut packed = Vec::new();
        deflate(&[b'x'; 1000], &mut packed);
        let mut out = Vec::new();
        assert_eq!(
            inflate(&packed[..packed.len() - 1], 5000, &mut out),
            Err(InflateError::Invalid)
        );
        packed.push(0);
        out.clear();
        assert_eq!(inflate(&packed, 5000, &mut out), Err(InflateError::Invalid));
        out.clear();
        assert_eq!(
            inflate(&[0xff, 0xff, 0xff], 5000, &mut out),
            Err(InflateError::Invalid)
        );
    }
}
