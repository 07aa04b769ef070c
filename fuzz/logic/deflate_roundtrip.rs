//! `deflate_roundtrip`: arbitrary bytes through the engine's own deflate
//! encoders, then through flate2's inflate with dictionary 1, as a load
//! inflates them.
//!
//! Asserts: each encoder takes exactly the inputs up to its limit and
//! writes nothing for longer ones; its output fits the room
//! `compress::max_deflated` reserves; and it inflates, as one complete raw
//! deflate stream with nothing after it, to exactly the input.

use flate2::{Decompress, FlushDecompress, Status};

use super::own_deflate::{block_deflate, small_deflate, DICTIONARY};

pub fn run(data: &[u8]) {
    // The first byte picks the encoder; the rest is the input.
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let mut out = Vec::new();
    let (took, limit) = match pick % 2 {
        0 => (
            small_deflate::deflate(input, &mut out),
            small_deflate::MAX_INPUT,
        ),
        _ => (
            block_deflate::deflate(input, &mut out),
            block_deflate::MAX_INPUT,
        ),
    };
    assert_eq!(took, input.len() <= limit, "{} bytes", input.len());
    if !took {
        assert!(out.is_empty(), "wrote for an input over its limit");
        return;
    }
    let room = input.len() + input.len() / 1000 + 64;
    assert!(out.len() <= room, "{} bytes for {}", out.len(), input.len());
    assert_eq!(inflated(&out, input.len()), input);
}

fn inflated(packed: &[u8], len: usize) -> Vec<u8> {
    let mut z = Decompress::new(false);
    z.set_dictionary(DICTIONARY).unwrap();
    // Room for one byte more than the input, to see a stream that is longer.
    let mut out = Vec::with_capacity(len + 1);
    let status = z
        .decompress_vec(packed, &mut out, FlushDecompress::Finish)
        .expect("the encoder wrote valid deflate");
    assert_eq!(status, Status::StreamEnd, "the stream ends");
    assert_eq!(z.total_in() as usize, packed.len(), "bytes after the end");
    out
}
