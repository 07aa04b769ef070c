//! Hash chains over dictionary 1, built once per encoder of our own: each
//! encoder's search starts from them and runs from the input into the
//! dictionary.

use super::DICTIONARY;

pub(super) const DICT_LEN: usize = DICTIONARY.len();
/// The end of a hash chain.
pub(super) const NONE: u16 = u16::MAX;

/// The last position of each hash, and for each position the one before
/// it with the same hash. `BUCKETS` is the number of hashes.
pub(super) struct DictionaryChains<const BUCKETS: usize> {
    pub(super) head: [u16; BUCKETS],
    pub(super) prev: [u16; DICT_LEN],
}

impl<const BUCKETS: usize> DictionaryChains<BUCKETS> {
    /// Chains of every dictionary position with `hash_len` bytes after it,
    /// under `hash`.
    pub(super) fn build(hash: fn(&[u8]) -> usize, hash_len: usize) -> Box<Self> {
        let mut chains = Box::new(DictionaryChains {
            head: [NONE; BUCKETS],
            prev: [NONE; DICT_LEN],
        });
        for pos in 0..=DICT_LEN - hash_len {
            let h = hash(&DICTIONARY[pos..]);
            chains.prev[pos] = chains.head[h];
            chains.head[h] = pos as u16;
        }
        chains
    }
}
