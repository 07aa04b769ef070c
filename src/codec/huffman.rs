//! Length-limited Huffman codes for deflate's dynamic blocks: code lengths
//! from symbol counts, and the canonical codes those lengths stand for
//! (RFC 1951, 3.2.2).
//!
//! The lengths come from Moffat and Katajainen's in-place algorithm over
//! the counts sorted; a code longer than the limit is shortened the way
//! miniz does it, which keeps the code complete.

/// The most symbols a deflate code has: 286 literal/length symbols, plus the
/// two that exist but are never sent.
pub(super) const MAX_SYMBOLS: usize = 288;

/// Writes into `lengths` the code length of each symbol of `counts`, none
/// longer than `limit` bits, and 0 for a symbol never used. Always gives at
/// least two symbols a code (symbols 0 and 1 when fewer were used), since
/// inflaters want a complete code.
pub(super) fn code_lengths(counts: &[u32], limit: usize, lengths: &mut [u8]) {
    debug_assert!(counts.len() <= MAX_SYMBOLS && lengths.len() == counts.len());
    lengths.fill(0);
    // Count above symbol, so one integer sort puts the rarest first.
    // Written whether used or not, and kept only if used: no branch to
    // mispredict on which symbols occur.
    let mut used = [0u64; MAX_SYMBOLS];
    let mut n = 0;
    for (symbol, &count) in counts.iter().enumerate() {
        used[n] = u64::from(count) << 16 | symbol as u64;
        n += usize::from(count > 0);
    }
    let symbol = |key: u64| (key & 0xffff) as usize;
    if n < 2 {
        // A one-symbol code is incomplete: pair the symbol with a dummy.
        let (one, other) = match (n, symbol(used[0])) {
            (1, 0) => (0, 1),
            (1, s) => (s, 0),
            _ => (0, 1),
        };
        lengths[one] = 1;
        lengths[other] = 1;
        return;
    }
    let used = &mut used[..n];
    used.sort_unstable();
    let mut depth = [0u32; MAX_SYMBOLS];
    for (d, &key) in depth.iter_mut().zip(used.iter()) {
        *d = (key >> 16) as u32;
    }
    minimum_redundancy(&mut depth[..n]);

    // How many codes have each length, the ones over the limit counted at it.
    let mut per_length = histogram(depth[..n].iter().map(|&d| (d as usize).min(limit)));
    enforce_limit(&mut per_length, limit);
    // The shortest codes to the commonest symbols.
    let mut next = n;
    for (len, &how_many) in per_length.iter().enumerate().skip(1) {
        for _ in 0..how_many {
            next -= 1;
            lengths[symbol(used[next])] = len as u8;
        }
    }
}

/// Moffat and Katajainen, "In-place calculation of minimum-redundancy
/// codes" (1995): `a` holds counts in ascending order and ends holding each
/// one's code length, the longest first. `a.len()` is at least 2.
fn minimum_redundancy(a: &mut [u32]) {
    let n = a.len();
    // First pass: parents' weights, then each internal node's parent index.
    a[0] += a[1];
    let (mut root, mut leaf) = (0, 2);
    for next in 1..n - 1 {
        if leaf >= n || a[root] < a[leaf] {
            a[next] = a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] = a[leaf];
            leaf += 1;
        }
        if leaf >= n || (root < next && a[root] < a[leaf]) {
            a[next] += a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] += a[leaf];
            leaf += 1;
        }
    }
    // Second pass: each internal node's depth.
    a[n - 2] = 0;
    for next in (0..n - 2).rev() {
        a[next] = a[a[next] as usize] + 1;
    }
    // Third pass: the leaves' depths.
    let (mut available, mut used, mut depth) = (1u32, 0u32, 0u32);
    let mut root = n as isize - 2;
    let mut next = n as isize - 1;
    while available > 0 {
        while root >= 0 && a[root as usize] == depth {
            used += 1;
            root -= 1;
        }
        while available > used {
            a[next as usize] = depth;
            next -= 1;
            available -= 1;
        }
        available = 2 * used;
        depth += 1;
        used = 0;
    }
}

/// Shortens the codes counted past `limit` (all counted at `limit`): each
/// step takes one code of the limit's length away and splits a shorter one,
/// until the lengths again fill the code space exactly (Kraft's sum is 1).
fn enforce_limit(per_length: &mut [u32; 16], limit: usize) {
    let mut total: u32 = (1..=limit)
        .map(|len| per_length[len] << (limit - len))
        .sum();
    while total > 1 << limit {
        per_length[limit] -= 1;
        if let Some(len) = (1..limit).rev().find(|&len| per_length[len] > 0) {
            per_length[len] -= 1;
            per_length[len + 1] += 2;
        }
        total -= 1;
    }
}

/// How many of `values` (each below 16) are each value. Four tallies
/// taken in turn and summed: runs of one value (the sorted lengths, the
/// unused symbols) would otherwise wait on the last increment each time.
fn histogram(values: impl Iterator<Item = usize>) -> [u32; 16] {
    let mut tallies = [[0u32; 16]; 4];
    for (i, value) in values.enumerate() {
        debug_assert!(value < 16);
        tallies[i % 4][value & 15] += 1;
    }
    let mut sum = [0u32; 16];
    for tally in &tallies {
        for (s, t) in sum.iter_mut().zip(tally) {
            *s += t;
        }
    }
    sum
}

/// The canonical code of each length in `lengths`, bit-reversed, since
/// deflate sends a Huffman code's first bit first.
pub(super) fn canonical_codes(lengths: &[u8], codes: &mut [u16]) {
    let mut per_length = histogram(lengths.iter().map(|&len| usize::from(len)));
    per_length[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    for len in 1..16 {
        // At most 288 codes: the sum fits.
        code = (code + per_length[len - 1] as u16) << 1;
        next[len] = code;
    }
    for (c, &len) in codes.iter_mut().zip(lengths) {
        if len > 0 {
            let l = usize::from(len);
            *c = next[l].reverse_bits() >> (16 - l);
            next[l] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(lengths: &[u8], limit: usize) -> u64 {
        lengths
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 1u64 << (limit - usize::from(l)))
            .sum()
    }

    #[test]
    fn lengths_are_complete_and_within_the_limit() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..3000 {
            let n = 2 + (next() % 287) as usize;
            let limit = if round % 2 == 0 { 15 } else { 7 };
            let n = if limit == 7 { n.min(19) } else { n };
            // Skewed counts (powers of two) force the limit to act.
            let counts: Vec<u32> = (0..n)
                .map(|_| match next() % 4 {
                    0 => 0,
                    1 => 1 << (next() % 24),
                    _ => (next() % 1000) as u32,
                })
                .collect();
            let mut lengths = vec![0u8; n];
            code_lengths(&counts, limit, &mut lengths);
            assert!(lengths.iter().all(|&l| usize::from(l) <= limit));
            for (&c, &l) in counts.iter().zip(&lengths) {
                assert!(c == 0 || l > 0, "a used symbol has no code");
            }
            assert!(lengths.iter().filter(|&&l| l > 0).count() >= 2);
            assert_eq!(kraft(&lengths, limit), 1 << limit, "{counts:?}");
        }
    }

    #[test]
    fn fibonacci_counts_are_cut_to_the_limit() {
        // Unlimited, these would need codes 24 bits long.
        let mut counts = vec![1u32, 1];
        while counts.len() < 25 {
            let k = counts.len();
            counts.push(counts[k - 1] + counts[k - 2]);
        }
        let mut lengths = vec![0u8; counts.len()];
        code_lengths(&counts, 15, &mut lengths);
        assert_eq!(*lengths.iter().max().unwrap(), 15);
        assert_eq!(kraft(&lengths, 15), 1 << 15);
        // The commonest symbol keeps the shortest code.
        assert_eq!(lengths[24], *lengths.iter().min().unwrap());
    }

    #[test]
    fn one_or_no_symbol_still_makes_a_complete_code() {
        let mut lengths = [0u8; 30];
        code_lengths(&[0; 30], 15, &mut lengths);
        assert_eq!((lengths[0], lengths[1]), (1, 1));
        let mut counts = [0u32; 30];
        counts[0] = 5;
        code_lengths(&counts, 15, &mut lengths);
        assert_eq!((lengths[0], lengths[1]), (1, 1));
        counts = [0; 30];
        counts[7] = 5;
        code_lengths(&counts, 15, &mut lengths);
        assert_eq!((lengths[0], lengths[7]), (1, 1));
        assert_eq!(lengths.iter().filter(|&&l| l > 0).count(), 2);
    }

    #[test]
    fn canonical_codes_match_rfc_1951s_example() {
        // RFC 1951, 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) give
        // 010, 011, 100, 101, 110, 00, 1110, 1111.
        let lengths = [3, 3, 3, 3, 3, 2, 4, 4];
        let mut codes = [0u16; 8];
        canonical_codes(&lengths, &mut codes);
        let expected = [0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111];
        for ((&c, &e), &l) in codes.iter().zip(&expected).zip(&lengths) {
            assert_eq!(c, (e as u16).reverse_bits() >> (16 - l));
        }
    }
}
