//! The engine's own deflate encoders (`src/codec/small_deflate.rs` and
//! `src/codec/block_deflate.rs`), the same source with what it uses. They
//! are private to the crate; the benches' floor, the compression bench and
//! the fuzz target `deflate_roundtrip` call them through this module.
// Their unit tests' imports go unused in a bench, where no test harness
// runs them.
#![allow(dead_code, unused_imports)]

pub use cookietin::codec::DICTIONARY;

#[path = "../../src/codec/bit_writer.rs"]
mod bit_writer;
#[path = "../../src/codec/block_deflate.rs"]
pub mod block_deflate;
#[path = "../../src/codec/deflate_codes.rs"]
mod deflate_codes;
#[path = "../../src/codec/dictionary_chains.rs"]
mod dictionary_chains;
#[path = "../../src/codec/huffman.rs"]
mod huffman;
#[path = "../../src/codec/huffman_block.rs"]
mod huffman_block;
#[path = "../../src/codec/small_deflate.rs"]
pub mod small_deflate;
