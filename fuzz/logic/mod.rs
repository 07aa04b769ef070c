//! The fuzz targets' logic, shared by the cargo-fuzz binaries
//! (`fuzz/fuzz_targets/*.rs`) and the stable regression test
//! (`tests/fuzz_regressions.rs`), which include this module with `#[path]`.
//! Each target module has a `run(&[u8])` that is the whole target.
#![allow(dead_code)]

pub mod budget_shrink;
pub mod chunk_roundtrip;
pub mod common;
pub mod concurrent_saves;
pub mod decode;
#[cfg(feature = "encrypt")]
pub mod decrypt;
pub mod deflate_roundtrip;
pub mod enc;
pub mod groups_header;
#[cfg(feature = "store")]
pub mod id_envelope;
#[cfg(feature = "cli")]
pub mod inspect_input;
pub mod layout;
#[path = "../../benches/support/own_deflate.rs"]
pub mod own_deflate;
pub mod routing;
pub mod signed_envelope;
pub mod ua_lookup;

/// A target's whole logic.
pub type Target = fn(&[u8]);

/// The targets, by name, as `fuzz/seeds/<name>/` and
/// `fuzz/regressions/<name>/` name them. `decrypt` needs the `encrypt`
/// feature, `inspect_input` the `cli` feature and `id_envelope` the `store`
/// feature (of the fuzz package, where all are on by default, or of the
/// root package's tests).
pub const TARGETS: &[(&str, Target)] = &[
    ("decode", decode::run),
    ("chunk_roundtrip", chunk_roundtrip::run),
    ("ua_lookup", ua_lookup::run),
    ("budget_shrink", budget_shrink::run),
    ("concurrent_saves", concurrent_saves::run),
    #[cfg(feature = "encrypt")]
    ("decrypt", decrypt::run),
    #[cfg(feature = "cli")]
    ("inspect_input", inspect_input::run),
    #[cfg(feature = "store")]
    ("id_envelope", id_envelope::run),
    ("groups_header", groups_header::run),
    ("routing", routing::run),
    ("signed_envelope", signed_envelope::run),
    ("deflate_roundtrip", deflate_roundtrip::run),
];
