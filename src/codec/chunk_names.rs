//! The names of a session's cookies: `NAME`, `NAME.1`, ..., `NAME.{n-1}`.
//! They are part of the wire format, since the MAC binds the base name and
//! the chunk count.

use std::borrow::Cow;

/// The most cookies one session may span: the count is one byte.
pub const MAX_CHUNKS: usize = 255;
/// The cookie name of chunk `index`.
pub(crate) fn chunk_name(base: &str, index: usize) -> Cow<'_, str> {
    match index {
        0 => Cow::Borrowed(base),
        i => Cow::Owned(format!("{base}.{i}")),
    }
}

/// The length of chunk `index`'s cookie name, without building it.
pub(crate) fn chunk_name_len(base: &str, index: usize) -> usize {
    base.len()
        + match index {
            0 => 0,
            1..=9 => 2,
            10..=99 => 3,
            _ => 4,
        }
}

/// The first index after `index` whose name is longer: chunk names keep
/// their length within each of these runs.
pub(crate) fn same_length_until(index: usize) -> usize {
    match index {
        0 => 1,
        1..=9 => 10,
        10..=99 => 100,
        _ => MAX_CHUNKS,
    }
}

/// The chunk index a cookie name stands for, if it is one of ours.
pub(crate) fn chunk_index(base: &str, name: &str) -> Option<u8> {
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        return Some(0);
    }
    let digits = rest.strip_prefix('.')?;
    // Canonical decimals only, so that `NAME.01` is not a second `NAME.1`.
    if digits.is_empty() || digits.len() > 3 || digits.starts_with('0') {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: usize = digits.parse().ok()?;
    (index < MAX_CHUNKS).then_some(index as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip() {
        for i in 0..MAX_CHUNKS {
            let name = chunk_name("sid", i);
            assert_eq!(chunk_index("sid", &name), Some(i as u8));
        }
    }

    #[test]
    fn name_lengths_are_computed_and_constant_within_runs() {
        for i in 0..MAX_CHUNKS {
            assert_eq!(chunk_name_len("sid", i), chunk_name("sid", i).len(), "{i}");
            let end = same_length_until(i);
            assert!(end > i);
            assert!((i..end).all(|j| chunk_name_len("sid", j) == chunk_name_len("sid", i)));
        }
    }

    #[test]
    fn foreign_names_are_not_chunks() {
        for name in [
            "si", "sid.", "sid.0", "sid.01", "sid.255", "sid.1000", "sid.x", "sidx", "sid.1a",
            "sid.+1",
        ] {
            assert_eq!(chunk_index("sid", name), None, "{name}");
        }
    }
}
