//! Spreading one encoded value over numbered cookies, and gathering it back.
//!
//! # Naming
//!
//! A value spread over `n` cookies uses the names `NAME`, `NAME.1`, ...,
//! `NAME.{n-1}`, where `NAME` is the configured cookie name. The first cookie,
//! `NAME`, starts with the envelope header, whose second byte is the chunk
//! count `n` (see [`crate::codec`]). Every chunk but the last holds a
//! multiple of four base64 characters, so each decodes on its own.
//!
//! # Gathering
//!
//! Reassembly takes exactly the chunks that the first cookie's count names:
//! a chunk beyond the count (left from an earlier, larger session) is ignored
//! and expired on the next save. A missing chunk, or one altered, reordered
//! or taken from another save, fails the MAC, which covers the name and the
//! count. When a browser sends several cookies with one name (copies set with
//! different paths), the combinations are tried in the order sent, up to a
//! fixed number of MAC checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::codec::chunk_names::MAX_CHUNKS;
use crate::codec::{self, Header, Secrets, Verified};
use crate::EmptyReason;

/// Copies of one chunk name that are considered; more are ignored.
const MAX_COPIES: usize = 4;
/// Combinations of copies tried before giving up.
const MAX_ATTEMPTS: usize = 16;

/// A set of chunk indices, 0 to 254, without allocating.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexSet([u64; 4]);

impl IndexSet {
    pub(crate) fn insert(&mut self, i: u8) {
        self.0[usize::from(i / 64)] |= 1 << (i % 64);
    }
    pub(crate) fn contains(&self, i: u8) -> bool {
        self.0[usize::from(i / 64)] & (1 << (i % 64)) != 0
    }
    pub(crate) fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0 == [0; 4]
    }
    /// The indices at or above `from`, ascending.
    pub(crate) fn from(&self, from: usize) -> impl Iterator<Item = u8> + '_ {
        // Word by word, set bits only: most sets hold one or two indices.
        self.0.iter().enumerate().flat_map(move |(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if i >= from {
                        return Some(i as u8);
                    }
                }
                None
            })
        })
    }
}

/// The session cookies one request carried: `(index, value)` in the order
/// sent, at most [`MAX_COPIES`] per index.
#[derive(Debug)]
pub(crate) struct Gathered<'a> {
    pieces: Vec<(u8, &'a str)>,
    copies: [u8; MAX_CHUNKS],
    pub(crate) seen: IndexSet,
    pub(crate) total_len: usize,
}

impl Default for Gathered<'_> {
    fn default() -> Self {
        Gathered {
            pieces: Vec::new(),
            copies: [0; MAX_CHUNKS],
            seen: IndexSet::default(),
            total_len: 0,
        }
    }
}

/// The copies of one chunk, in the order sent.
type Copies<'p, 'a> = &'p [(u8, &'a str)];

impl<'a> Gathered<'a> {
    pub(crate) fn push(&mut self, index: u8, value: &'a str) {
        self.seen.insert(index);
        let copies = &mut self.copies[usize::from(index)];
        if usize::from(*copies) < MAX_COPIES {
            *copies += 1;
            self.total_len += value.len();
            self.pieces.push((index, value));
        }
    }

    /// Whether some chunk came in more than one copy.
    pub(crate) fn has_copies(&self) -> bool {
        self.pieces.len() != self.seen.len()
    }

    /// The chunks in index order (each index's copies in the order sent).
    pub(crate) fn sorted_pieces(&mut self) -> &[(u8, &'a str)] {
        // Stable, so each index's copies keep the order they were sent in.
        self.pieces.sort_by_key(|&(index, _)| index);
        &self.pieces
    }

    /// The latest issued-at time that a copy of the first chunk claims,
    /// unverified.
    pub(crate) fn claimed_issued_at(&self) -> Option<u32> {
        self.pieces
            .iter()
            .filter(|(index, _)| *index == 0)
            .filter_map(|(_, value)| codec::claimed_issued_at(value))
            .max()
    }

    /// Decodes and verifies (or decrypts) the value, trying copies in
    /// order. On success, `out` holds the envelope bytes, decrypted.
    pub(crate) fn assemble(
        &mut self,
        name: &str,
        keys: &Secrets,
        out: &mut Vec<u8>,
    ) -> Result<Verified, EmptyReason> {
        // Stable, so each index's copies keep the order they were sent in.
        self.pieces.sort_by_key(|&(index, _)| index);
        let pieces = &self.pieces[..];
        let copies_of = |index: usize| -> Copies<'_, 'a> {
            let start = pieces.partition_point(|&(i, _)| usize::from(i) < index);
            let len = pieces[start..].partition_point(|&(i, _)| usize::from(i) == index);
            &pieces[start..start + len]
        };
        let mut first_error = None;
        let mut attempts = 0;
        let firsts = copies_of(0);
        for which in 0..firsts.len() {
            let first = firsts[which].1;
            let header = match Header::peek(first) {
                Ok(h) => h,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let count = usize::from(header.chunks);
            if let Some(index) = (1..count).find(|&i| copies_of(i).is_empty()) {
                first_error.get_or_insert(EmptyReason::ChunkMissing { index: index as u8 });
                continue;
            }
            let options: Vec<Copies<'_, 'a>> = std::iter::once(&firsts[which..=which])
                .chain((1..count).map(copies_of))
                .collect();
            // An odometer over the copies of each chunk, first copies first.
            let mut choice = vec![0usize; count];
            let (options, choice) = (&options[..], &mut choice[..]);
            loop {
                if attempts == MAX_ATTEMPTS {
                    return Err(first_error.unwrap_or(EmptyReason::BadSignature));
                }
                attempts += 1;
                let chosen = choice.iter().zip(options).map(|(&c, o)| o[c].1);
                match decode_chunks(chosen, out).and_then(|()| codec::verify(out, name, keys)) {
                    Ok(verified) => return Ok(verified),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
                if !advance(choice, options) {
                    break;
                }
            }
        }
        Err(first_error.unwrap_or(EmptyReason::ChunkMissing { index: 0 }))
    }
}

fn advance(choice: &mut [usize], options: &[Copies<'_, '_>]) -> bool {
    for (c, o) in choice.iter_mut().zip(options).rev() {
        *c += 1;
        if *c < o.len() {
            return true;
        }
        *c = 0;
    }
    false
}

/// Decodes chunks straight into `out`. Every chunk but the last must be a
/// whole number of base64 quanta.
fn decode_chunks<'v>(
    chunks: impl Iterator<Item = &'v str>,
    out: &mut Vec<u8>,
) -> Result<(), EmptyReason> {
    out.clear();
    let mut chunks = chunks.peekable();
    if let Some(first) = chunks.peek() {
        out.reserve(first.len() * 3 / 4 + 2);
    }
    while let Some(chunk) = chunks.next() {
        if chunks.peek().is_some() && chunk.len() % 4 != 0 {
            return Err(EmptyReason::Malformed);
        }
        URL_SAFE_NO_PAD
            .decode_vec(chunk, out)
            .map_err(|_| EmptyReason::Malformed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_set_counts_and_iterates() {
        let mut s = IndexSet::default();
        assert!(s.is_empty());
        for i in [0, 3, 64, 200, 254] {
            s.insert(i);
        }
        assert_eq!(s.len(), 5);
        assert_eq!(s.from(3).collect::<Vec<_>>(), [3, 64, 200, 254]);
    }

    #[test]
    fn misaligned_middle_chunk_is_malformed() {
        let mut out = Vec::new();
        assert_eq!(
            decode_chunks(["abc", "d"].into_iter(), &mut out),
            Err(EmptyReason::Malformed)
        );
        assert_eq!(decode_chunks(["abcd", "efg"].into_iter(), &mut out), Ok(()));
    }
}
