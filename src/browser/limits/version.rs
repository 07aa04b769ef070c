//! Client versions as the database writes and compares them: dotted
//! decimal numbers, compared numerically.

use std::cmp::Ordering;

/// Parses `"124.0.6367"` into its numbers; `None` unless the whole string is
/// non-empty decimal numbers separated by single dots.
pub(crate) fn parse_version(s: &str) -> Option<Vec<u64>> {
    if s.is_empty() {
        return None;
    }
    s.split('.')
        .map(|part| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                part.parse::<u64>().ok()
            }
        })
        .collect()
}

/// Compares versions numerically, missing trailing parts counting as zero,
/// so `4` equals `4.0`.
pub(crate) fn cmp_version(a: &[u64], b: &[u64]) -> Ordering {
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_helpers() {
        assert_eq!(parse_version("124.0.6367.82"), Some(vec![124, 0, 6367, 82]));
        for bad in [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "1.a",
            "v1",
            "1 .2",
            "-1",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_version(bad), None, "{bad:?}");
        }
        assert_eq!(cmp_version(&[4], &[4, 0, 0]), Ordering::Equal);
        assert_eq!(cmp_version(&[4, 0, 1], &[4]), Ordering::Greater);
        assert_eq!(cmp_version(&[9], &[10]), Ordering::Less);
    }
}
