//! Wire-size experiments on the corpus, outside `src/`: what each deflate
//! level, preset dictionary and value encoding would make of every session.
//! Prints tables; times nothing.
//!
//! `cargo bench --bench wire_experiments`

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/setup.rs"]
mod setup;

use std::collections::BTreeMap;

use serde_json::Value;

use corpus::{Entries, COOKIEMAN, COOKIEMAN_TOTAL};
use floor::{FloorSave, DICTIONARY};

/// Envelope bytes (header + payload + tag) the format would carry.
fn envelope_bytes(entries: &Entries, level: u32, dictionary: Option<&'static [u8]>) -> usize {
    let mut floor = FloorSave::new(&setup::SECRET, level).with_dictionary(dictionary);
    let b64 = floor.save(entries, 1, 0).len();
    // Invert base64url without padding: 4 characters per 3 bytes.
    b64 * 3 / 4
}

fn base64_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

/// A base85 encoding (4 bytes to 5 characters; a partial group of k bytes
/// to k + 1), with an alphabet drawn from RFC 6265's cookie-octets.
fn base85_len(bytes: usize) -> usize {
    bytes / 4 * 5
        + if bytes.is_multiple_of(4) {
            0
        } else {
            bytes % 4 + 1
        }
}

/// The same session with every object key upper-cased: same lengths and
/// shape, but no key name that a dictionary built from the corpus knows.
fn renamed(entries: &Entries) -> Entries {
    fn upper(v: Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k.to_uppercase(), upper(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(upper).collect()),
            other => other,
        }
    }
    entries
        .iter()
        .map(|(k, v)| {
            let value: Value = serde_json::from_str(v.get()).unwrap();
            (
                k.to_uppercase(),
                serde_json::value::to_raw_value(&upper(value)).unwrap(),
            )
        })
        .collect()
}

fn main() {
    let sessions = corpus::ordered();
    type Variant = (&'static str, u32, Option<&'static [u8]>);
    let variants: [Variant; 6] = [
        ("L1", 1, None),
        ("L6", 6, None),
        ("L9", 9, None),
        ("L1+dict", 1, Some(DICTIONARY)),
        ("L6+dict (v1)", 6, Some(DICTIONARY)),
        ("L9+dict", 9, Some(DICTIONARY)),
    ];
    let mut totals: BTreeMap<&str, (usize, usize)> = BTreeMap::new();

    println!("Wire bytes (cookie value characters over all chunks), base64url / base85:\n");
    print!("| session | cookieman |");
    for (name, _, _) in &variants {
        print!(" {name} |");
    }
    println!();
    println!("|---|---|{}", "---|".repeat(variants.len()));
    for ((name, entries), (_, _, cm, _, _)) in sessions.iter().zip(COOKIEMAN) {
        print!("| {name} | {cm} |");
        for (variant, level, dictionary) in &variants {
            let bytes = envelope_bytes(entries, *level, *dictionary);
            let (b64, b85) = (base64_len(bytes), base85_len(bytes));
            let t = totals.entry(variant).or_default();
            t.0 += b64;
            t.1 += b85;
            print!(" {b64} / {b85} |");
        }
        println!();
    }
    print!("| total | {COOKIEMAN_TOTAL} |");
    for (variant, _, _) in &variants {
        let (b64, b85) = totals[variant];
        print!(" {b64} / {b85} |");
    }
    println!();
    print!("| total / cookieman | 100% |");
    for (variant, _, _) in &variants {
        let (b64, b85) = totals[variant];
        print!(
            " {:.1}% / {:.1}% |",
            100.0 * b64 as f64 / COOKIEMAN_TOTAL as f64,
            100.0 * b85 as f64 / COOKIEMAN_TOTAL as f64
        );
    }
    println!();

    println!("\nKeys upper-cased (held out from the dictionary), base64url, level 6:\n");
    println!("| session | no dict | dict v1 |");
    println!("|---|---|---|");
    for (name, entries) in &sessions {
        let entries = renamed(entries);
        println!(
            "| {name} | {} | {} |",
            base64_len(envelope_bytes(&entries, 6, None)),
            base64_len(envelope_bytes(&entries, 6, Some(DICTIONARY)))
        );
    }

    println!("\nEntropy bound of random_blob_6k (6 bits per base64url character):");
    let blob = &sessions
        .iter()
        .find(|(n, _)| *n == "random_blob_6k")
        .unwrap()
        .1;
    let json = corpus::json_len(blob);
    let bound = (json - 11) * 6 / 8 + 11 + 22;
    println!(
        "  JSON {json} bytes -> at least ~{bound} envelope bytes -> {} base64url characters",
        base64_len(bound)
    );
}
