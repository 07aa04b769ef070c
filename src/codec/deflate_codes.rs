//! Deflate's length and distance codes (RFC 1951, 3.2.5), shared by the
//! two encoders of our own.

pub(super) const MIN_MATCH: usize = 3;
pub(super) const MAX_MATCH: usize = 258;
/// The farthest a match may reach back.
pub(super) const MAX_DISTANCE: usize = 32_768;
pub(super) const END_OF_BLOCK: u16 = 256;
/// The first length symbol: symbol 257 + a length code.
pub(super) const FIRST_LENGTH: u16 = 257;

/// A copy of `len` bytes from `distance` bytes back.
#[derive(Clone, Copy)]
pub(super) struct Match {
    pub(super) len: usize,
    pub(super) distance: usize,
}

pub(super) const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
pub(super) const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
pub(super) const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
pub(super) const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The length code of each match length, indexed by length - 3.
static LENGTH_CODE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut code = 0;
    let mut len = MIN_MATCH;
    while len <= MAX_MATCH {
        while code + 1 < LENGTH_BASE.len() && LENGTH_BASE[code + 1] as usize <= len {
            code += 1;
        }
        table[len - MIN_MATCH] = code as u8;
        len += 1;
    }
    table
};

/// zlib's split table: the distance code of distances 1 to 256 directly,
/// then of farther ones by (distance - 1) / 128.
static DISTANCE_CODE: [u8; 512] = {
    let mut table = [0u8; 512];
    let mut i = 0;
    while i < 512 {
        let distance = if i < 256 { i + 1 } else { ((i - 256) << 7) + 1 };
        let mut code = 0;
        while code + 1 < DISTANCE_BASE.len() && DISTANCE_BASE[code + 1] as usize <= distance {
            code += 1;
        }
        table[i] = code as u8;
        i += 1;
    }
    table
};

/// The length code (0 to 28) of a match of `len` bytes, 3 to 258.
pub(super) fn length_code(len: usize) -> usize {
    usize::from(LENGTH_CODE[len - MIN_MATCH])
}

/// The distance code (0 to 29) of `distance`, 1 to 32768.
pub(super) fn distance_code(distance: usize) -> usize {
    let d = distance - 1;
    usize::from(match d < 256 {
        true => DISTANCE_CODE[d],
        false => DISTANCE_CODE[256 + (d >> 7)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_the_bases() {
        for len in MIN_MATCH..=MAX_MATCH {
            let code = length_code(len);
            let base = usize::from(LENGTH_BASE[code]);
            assert!(base <= len && len - base < 1 << LENGTH_EXTRA[code], "{len}");
            assert!(code == 28 || len < 258, "258 has its own code");
        }
        for distance in 1..=MAX_DISTANCE {
            let code = distance_code(distance);
            let base = usize::from(DISTANCE_BASE[code]);
            assert!(base <= distance && distance - base < 1 << DISTANCE_EXTRA[code]);
        }
    }
}
