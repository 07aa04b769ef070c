//! The session corpus (`benches/sessions.json`, a copy of the shared
//! corpus), shared by the benches and `tests/wire_bytes.rs`.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value;

/// The corpus file, pretty-printed; values are compacted on load.
pub const SESSIONS_JSON: &str = include_str!("../sessions.json");

/// A desktop Chrome User-Agent.
pub const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

/// Cookies a site typically carries besides the session.
pub const OTHER_COOKIES: &str =
    "theme=dark; _ga=GA1.1.1234567890.1700000000; cookie_consent=essential%2Canalytics; lang=en-GB";

/// The corpus order used in reports: smallest first.
pub const ORDER: [&str; 6] = [
    "tiny_login",
    "cart_20",
    "cart_60",
    "oidc_tokens",
    "wizard_form",
    "random_blob_6k",
];

/// cookieman 0.0.3's figures from the corpus README:
/// (name, JSON bytes, payload bytes, encode µs, decode µs).
pub const COOKIEMAN: [(&str, usize, usize, f64, f64); 6] = [
    ("tiny_login", 83, 156, 104.0, 8.0),
    ("cart_20", 1421, 608, 563.0, 44.0),
    ("cart_60", 4052, 1208, 780.0, 67.0),
    ("oidc_tokens", 2553, 1812, 1220.0, 54.0),
    ("wizard_form", 5280, 4372, 3581.0, 57.0),
    ("random_blob_6k", 6011, 6140, 9410.0, 66.0),
];

/// cookieman's payload bytes over the whole corpus.
pub const COOKIEMAN_TOTAL: usize = 14296;

/// One session: key to compact raw JSON, in key order.
pub type Entries = BTreeMap<String, Box<RawValue>>;

/// Every corpus session, by name, with compact values.
pub fn sessions() -> BTreeMap<String, Entries> {
    let parsed: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_str(SESSIONS_JSON).expect("corpus parses");
    parsed
        .into_iter()
        .map(|(name, map)| {
            let entries = map
                .into_iter()
                .map(|(k, v)| (k, serde_json::value::to_raw_value(&v).unwrap()))
                .collect();
            (name, entries)
        })
        .collect()
}

/// One corpus session by name, in the report order.
pub fn ordered() -> Vec<(&'static str, Entries)> {
    let mut all = sessions();
    ORDER
        .iter()
        .map(|&name| (name, all.remove(name).expect("session in corpus")))
        .collect()
}

/// The compact JSON of a session, as serde_json writes it.
pub fn json_len(entries: &Entries) -> usize {
    serde_json::to_vec(entries).unwrap().len()
}
