//! The exact wire size of every corpus session (`benches/sessions.json`),
//! saved with a desktop Chrome User-Agent and the default budget, against
//! cookieman's payload bytes from the corpus README.
//!
//! The exact figures are observed, not derived: a change of format, level or
//! dictionary shows up here. Update them only on purpose.
#[path = "../benches/support/corpus.rs"]
mod corpus;

use cookietin::{Engine, Key};

/// (session, cookie value bytes over all chunks) as format version 1 wrote
/// them: deflate level 6 with dictionary 1. Issue 19's baseline for the
/// bytes of format 2: 13,676 in all.
const FORMAT_1: [(&str, usize); 6] = [
    ("tiny_login", 98),
    ("cart_20", 492),
    ("cart_60", 1096),
    ("oidc_tokens", 1724),
    ("wizard_form", 4171),
    ("random_blob_6k", 6095),
];

/// The same as format version 2 writes them by default: still raw deflate
/// with dictionary 1, but from the engine's own encoder up to 16 KB of JSON
/// (`codec::block_deflate`), 13,652 in all.
const OBSERVED: [(&str, usize); 6] = [
    ("tiny_login", 98),
    ("cart_20", 495),
    ("cart_60", 1090),
    ("oidc_tokens", 1714),
    ("wizard_form", 4160),
    ("random_blob_6k", 6095),
];

/// Issue 19's rule for format 2's bytes: over the corpus, no more than
/// format 1's total, and no session more than 3% or 8 characters larger
/// than format 1 wrote it, whichever is more.
fn assert_within_the_rule(sizes: &[(&str, usize)]) {
    let total = |sizes: &[(&str, usize)]| sizes.iter().map(|(_, n)| n).sum::<usize>();
    assert!(
        total(sizes) <= total(&FORMAT_1),
        "{} > {}",
        total(sizes),
        total(&FORMAT_1)
    );
    for ((name, ours), (v1_name, v1)) in sizes.iter().zip(FORMAT_1) {
        assert_eq!(*name, v1_name);
        let allowed = (v1 * 3 / 100).max(8);
        assert!(*ours <= v1 + allowed, "{name}: {ours} against {v1}");
    }
}

/// The sum of the cookie values a first save writes for `entries`.
fn wire_bytes(entries: &corpus::Entries) -> usize {
    let engine = Engine::builder(Key::try_from_bytes(&[7; 32]).unwrap())
        .build()
        .unwrap();
    wire_bytes_with(&engine, entries)
}

fn wire_bytes_with(engine: &Engine, entries: &corpus::Entries) -> usize {
    let mut session = engine.load(Vec::<&str>::new(), Some(corpus::CHROME));
    for (k, v) in entries {
        session.data_mut().insert_raw(k, v.clone());
    }
    let saved = engine.save(&mut session).unwrap();
    assert!(
        saved.report.shrink.is_untouched(),
        "corpus sessions fit whole"
    );
    let total: usize = saved
        .set_cookies
        .iter()
        .map(|line| cookie::Cookie::parse(line.as_str()).unwrap().value().len())
        .sum();
    assert_eq!(total, saved.report.value_bytes);
    total
}

fn measured() -> Vec<(&'static str, usize)> {
    corpus::ordered()
        .into_iter()
        .map(|(name, entries)| (name, wire_bytes(&entries)))
        .collect()
}

#[test]
fn wire_bytes_are_exactly_the_observed_figures_and_within_the_rule() {
    let sizes = measured();
    assert_eq!(sizes, OBSERVED);
    assert_within_the_rule(&sizes);
}

#[test]
fn the_rule_catches_a_session_grown_too_much() {
    // Format 1's own figures pass; one session 9 characters (and 3%) over
    // does not, even with the total lower.
    assert_within_the_rule(&FORMAT_1);
    let mut grown = FORMAT_1;
    grown[0].1 += 9;
    grown[5].1 -= 100;
    let caught = std::panic::catch_unwind(|| assert_within_the_rule(&grown));
    assert!(caught.is_err());
}

/// With `EngineBuilder::zstd`: zstd level 3 with dictionary 1 from 256
/// bytes of JSON up, deflate below (libzstd 1.5.7).
#[cfg(feature = "zstd")]
const OBSERVED_ZSTD: [(&str, usize); 6] = [
    ("tiny_login", 98),
    ("cart_20", 487),
    ("cart_60", 1018),
    ("oidc_tokens", 1740),
    ("wizard_form", 4202),
    ("random_blob_6k", 6119),
];

#[test]
#[cfg(feature = "zstd")]
fn zstd_bytes_are_the_observed_figures_and_within_the_rule() {
    let engine = Engine::builder(Key::try_from_bytes(&[7; 32]).unwrap())
        .zstd(true)
        .build()
        .unwrap();
    let zstd: Vec<(&str, usize)> = corpus::ordered()
        .into_iter()
        .map(|(name, entries)| (name, wire_bytes_with(&engine, &entries)))
        .collect();
    assert_eq!(zstd, OBSERVED_ZSTD);
    assert_within_the_rule(&zstd);
}

#[test]
fn every_session_is_no_larger_than_cookiemans() {
    for ((name, ours), (cm_name, _, theirs, _, _)) in measured().into_iter().zip(corpus::COOKIEMAN)
    {
        assert_eq!(name, cm_name);
        assert!(ours <= theirs, "{name}: {ours} bytes, cookieman {theirs}");
    }
}

#[test]
#[ignore = "not met: format 2 writes 13652 bytes, 95.5% of cookieman's 14296 \
            (format 1: 13676, 95.7%); base85 values would make it about 89.7% \
            (see BENCHMARKS.md)"]
fn corpus_total_is_at_most_90_percent_of_cookiemans() {
    let total: usize = measured().iter().map(|(_, bytes)| bytes).sum();
    assert!(
        total * 10 <= corpus::COOKIEMAN_TOTAL * 9,
        "{total} bytes, cookieman {}, 90% is {}",
        corpus::COOKIEMAN_TOTAL,
        corpus::COOKIEMAN_TOTAL * 9 / 10
    );
}
