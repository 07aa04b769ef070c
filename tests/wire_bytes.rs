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
/// them, deflate level 6 with dictionary 1; format version 2 writes the
/// same bytes (its compression id costs none), so the total over the corpus
/// is format 1's, as issue 19 requires.
const OBSERVED: [(&str, usize); 6] = [
    ("tiny_login", 98),
    ("cart_20", 492),
    ("cart_60", 1096),
    ("oidc_tokens", 1724),
    ("wizard_form", 4171),
    ("random_blob_6k", 6095),
];

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
fn wire_bytes_are_exactly_the_observed_figures() {
    assert_eq!(measured(), OBSERVED);
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

/// Issue 19's rule for a new codec: over the corpus, no more than deflate's
/// total, and no session more than 3% or 8 characters larger, whichever
/// is more.
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
    let total = |sizes: &[(&str, usize)]| sizes.iter().map(|(_, n)| n).sum::<usize>();
    assert!(
        total(&zstd) <= total(&OBSERVED),
        "{} > {}",
        total(&zstd),
        total(&OBSERVED)
    );
    for ((name, ours), (_, deflate)) in zstd.iter().zip(OBSERVED) {
        let allowed = (deflate * 3 / 100).max(8);
        assert!(
            *ours <= deflate + allowed,
            "{name}: {ours} against {deflate}"
        );
    }
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
#[ignore = "not met by format v1: 13676 bytes is 95.7% of cookieman's 14296; \
            base85 values would make it 89.7% (see BENCHMARKS.md)"]
fn corpus_total_is_at_most_90_percent_of_cookiemans() {
    let total: usize = measured().iter().map(|(_, bytes)| bytes).sum();
    assert!(
        total * 10 <= corpus::COOKIEMAN_TOTAL * 9,
        "{total} bytes, cookieman {}, 90% is {}",
        corpus::COOKIEMAN_TOTAL,
        corpus::COOKIEMAN_TOTAL * 9 / 10
    );
}
