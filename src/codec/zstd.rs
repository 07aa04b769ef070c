//! zstd with dictionary 1 as raw content: compression id 2 (feature
//! `zstd`).
//!
//! Frames are magicless, carry no checksum (the tag covers the payload) and
//! no dictionary id (the compression id names the dictionary), and always
//! carry their content size: a load reads it from the frame header and
//! refuses a frame over the cap before allocating anything. Each thread
//! keeps one compression and one decompression context, and the
//! dictionary is digested once per process for each.

use std::cell::RefCell;
use std::sync::LazyLock;

use zstd_safe::zstd_sys::ZSTD_EndDirective;
use zstd_safe::{
    CCtx, CDict, CParameter, DCtx, DDict, DParameter, FrameFormat, InBuffer, OutBuffer,
    ResetDirective,
};

use crate::codec::compress::InflateError;
use crate::codec::DICTIONARY;

/// The level, chosen by measurement (BENCHMARKS.md, "Wire format 2"):
/// level 3 with dictionary 1 ties deflate's bytes over the corpus, where
/// level 1 is 0.2% bigger.
const LEVEL: i32 = 3;

/// Below this many bytes of JSON a save deflates instead: zstd's frame
/// header costs more than it saves on a small session (the corpus's
/// 83-byte login: 98 characters deflated, 110 with zstd).
pub(crate) const MIN_INPUT: usize = 256;

/// The zstd frame magic number, which magicless frames leave out.
const MAGIC: [u8; 4] = 0xFD2F_B528u32.to_le_bytes();
/// The longest frame header after the magic number.
const MAX_HEADER: usize = 14;

static COMPRESSION_DICTIONARY: LazyLock<CDict<'static>> =
    LazyLock::new(|| CDict::create(DICTIONARY, LEVEL));
static DECOMPRESSION_DICTIONARY: LazyLock<DDict<'static>> =
    LazyLock::new(|| DDict::create(DICTIONARY));

thread_local! {
    static COMPRESSOR: RefCell<CCtx<'static>> = RefCell::new(compressor());
    static DECOMPRESSOR: RefCell<DCtx<'static>> = RefCell::new(decompressor());
}

fn compressor() -> CCtx<'static> {
    let mut cctx = CCtx::create();
    for parameter in [
        CParameter::Format(FrameFormat::Magicless),
        CParameter::ChecksumFlag(false),
        CParameter::ContentSizeFlag(true),
        CParameter::DictIdFlag(false),
        CParameter::CompressionLevel(LEVEL),
    ] {
        cctx.set_parameter(parameter)
            .expect("libzstd accepts these frame parameters");
    }
    // A referenced dictionary stays for every later frame of the context.
    cctx.ref_cdict(&COMPRESSION_DICTIONARY)
        .expect("libzstd accepts a digested dictionary");
    cctx
}

fn decompressor() -> DCtx<'static> {
    let mut dctx = DCtx::create();
    dctx.set_parameter(DParameter::Format(FrameFormat::Magicless))
        .expect("libzstd accepts magicless frames");
    dctx.ref_ddict(&DECOMPRESSION_DICTIONARY)
        .expect("libzstd accepts a digested dictionary");
    dctx
}

/// Appends the zstd frame of `input` to `out`.
pub(crate) fn compress(input: &[u8], out: &mut Vec<u8>) {
    COMPRESSOR.with(|cell| {
        let mut cctx = cell.borrow_mut();
        cctx.reset(ResetDirective::SessionOnly)
            .expect("a session reset cannot fail");
        // With room for the worst case, one call writes the whole frame,
        // its content size included, straight into `out`.
        out.reserve(zstd_safe::compress_bound(input.len()));
        let start = out.len();
        let mut dst = OutBuffer::around_pos(out, start);
        let mut src = InBuffer::around(input);
        let left = cctx
            .compress_stream2(&mut dst, &mut src, ZSTD_EndDirective::ZSTD_e_end)
            .expect("zstd of in-memory bytes into a large enough buffer cannot fail");
        assert_eq!(left, 0, "zstd ends a frame within its compress bound");
    })
}

/// The content size a magicless frame's header declares, or `None` when
/// the header is cut short, malformed, or declares none (this module always
/// writes one).
fn content_size(frame: &[u8]) -> Option<u64> {
    let mut framed = [0u8; MAGIC.len() + MAX_HEADER];
    let header = frame.len().min(MAX_HEADER);
    framed[..MAGIC.len()].copy_from_slice(&MAGIC);
    framed[MAGIC.len()..MAGIC.len() + header].copy_from_slice(&frame[..header]);
    zstd_safe::get_frame_content_size(&framed[..MAGIC.len() + header])
        .ok()
        .flatten()
}

/// Appends the decompression of one zstd frame, `input`, to `out`, refusing
/// a frame that declares more than `cap` bytes before allocating for it.
/// Bytes after the frame, or a frame whose content differs from its
/// declared size, are invalid.
pub(crate) fn decompress(input: &[u8], cap: usize, out: &mut Vec<u8>) -> Result<(), InflateError> {
    let size = content_size(input).ok_or(InflateError::Invalid)?;
    let size = match usize::try_from(size) {
        Ok(size) if size <= cap => size,
        _ => return Err(InflateError::TooLarge),
    };
    DECOMPRESSOR.with(|cell| {
        let mut dctx = cell.borrow_mut();
        // An earlier frame that failed midway leaves the context mid-frame.
        dctx.reset(ResetDirective::SessionOnly)
            .map_err(|_| InflateError::Invalid)?;
        let start = out.len();
        out.reserve_exact(size);
        let mut dst = OutBuffer::around_pos(out, start);
        let mut src = InBuffer::around(input);
        // With room for the declared size, libzstd decodes the frame in one
        // pass straight into `out` and checks it against that size.
        let left = dctx
            .decompress_stream(&mut dst, &mut src)
            .map_err(|_| InflateError::Invalid)?;
        let (read, written) = (src.pos(), dst.pos() - start);
        if left != 0 || read != input.len() || written != size {
            out.truncate(start);
            return Err(InflateError::Invalid);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compressed(input: &[u8]) -> Vec<u8> {
        let mut packed = Vec::new();
        compress(input, &mut packed);
        packed
    }

    #[test]
    fn roundtrips_small_and_large_after_a_prefix() {
        for input in [
            &b""[..],
            b"{}",
            br#"{"user":"ada","cart":[1,2,3],"csrf":"0123456789abcdef"}"#,
            &(0..200_000u32)
                .map(|i| (i % 251) as u8 ^ (i / 7) as u8)
                .collect::<Vec<_>>(),
        ] {
            let mut packed = b"prefix".to_vec();
            compress(input, &mut packed);
            assert_eq!(&packed[..6], b"prefix", "compress appends");
            let mut out = b"kept".to_vec();
            decompress(&packed[6..], input.len(), &mut out).unwrap();
            assert_eq!(&out[..4], b"kept", "decompress appends");
            assert_eq!(&out[4..], input);
        }
    }

    #[test]
    fn frames_are_magicless_and_declare_their_size() {
        let input = br#"{"user":"ada","roles":["admin","editor"],"theme":"dark"}"#;
        let packed = compressed(input);
        assert_ne!(&packed[..4], &MAGIC, "no magic number");
        assert_eq!(content_size(&packed), Some(input.len() as u64));
    }

    #[test]
    fn the_dictionary_is_used() {
        // Dictionary 1 holds common session keys: a session made of them
        // compresses far better with it than without.
        let input = br#"{"user_id":"u-1","csrf_token":"x","expires_at":1,"roles":["admin"]}"#;
        let with = compressed(input).len();
        let without = zstd_safe::compress(&mut Vec::with_capacity(256), input, LEVEL).unwrap();
        assert!(
            with < without,
            "{with} with the dictionary, {without} without"
        );
    }

    #[test]
    fn cap_is_checked_before_decoding() {
        let input = vec![b'a'; 10_000];
        let packed = compressed(&input);
        let mut out = Vec::new();
        assert_eq!(decompress(&packed, 10_000, &mut out), Ok(()));
        out = Vec::new();
        assert_eq!(
            decompress(&packed, 9_999, &mut out),
            Err(InflateError::TooLarge)
        );
        assert_eq!(
            out.capacity(),
            0,
            "nothing allocated for a frame over the cap"
        );
    }

    #[test]
    fn truncated_trailing_and_garbled_frames_are_invalid() {
        let input: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 61) as u8).collect();
        let packed = compressed(&input);
        let mut out = Vec::new();
        for cut in [0, 1, 3, packed.len() / 2, packed.len() - 1] {
            assert_eq!(
                decompress(&packed[..cut], 10_000, &mut out),
                Err(InflateError::Invalid),
                "cut at {cut}"
            );
            assert!(out.is_empty());
        }
        let mut trailing = packed.clone();
        trailing.push(0);
        assert_eq!(
            decompress(&trailing, 10_000, &mut out),
            Err(InflateError::Invalid)
        );
        // Two frames back to back: only one is a payload.
        let mut twice = packed.clone();
        twice.extend_from_slice(&compressed(b""));
        assert_eq!(
            decompress(&twice, 10_000, &mut out),
            Err(InflateError::Invalid)
        );
        // After a failure midway, the thread's context decodes again.
        assert_eq!(decompress(&packed, 10_000, &mut out), Ok(()));
        assert_eq!(out, input);
    }

    #[test]
    fn a_declared_size_that_lies_is_invalid() {
        let input = vec![b'z'; 300];
        let mut packed = compressed(&input);
        // The header: descriptor, then (single segment, size under 65,792)
        // the content size as two bytes, less 256.
        let descriptor = packed[0];
        assert_eq!(descriptor >> 6, 1, "a 2-byte content size");
        assert_ne!(descriptor & 0x20, 0, "single segment");
        packed[1] = packed[1].wrapping_add(1);
        let mut out = Vec::new();
        assert_eq!(
            decompress(&packed, 10_000, &mut out),
            Err(InflateError::Invalid)
        );
    }
}
