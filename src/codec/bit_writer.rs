//! Deflate's bit order (RFC 1951, 3.1.1), for the two encoders of our own.

/// Deflate's bit order: values first bit first into each byte's low bits.
/// Whole 32-bit words go out at once.
pub(super) struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    len: u32,
}

impl<'a> BitWriter<'a> {
    pub(super) fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            len: 0,
        }
    }

    /// Appends the low `len` bits of `value`; `len` is at most 32.
    pub(super) fn put(&mut self, value: u32, len: u32) {
        self.acc |= u64::from(value) << self.len;
        self.len += len;
        if self.len >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.len -= 32;
        }
    }

    /// Pads to a byte boundary and writes out what is held; the output,
    /// for bytes to follow (a stored block's).
    pub(super) fn align(&mut self) -> &mut Vec<u8> {
        let bytes = self.len.div_ceil(8) as usize;
        self.out.extend_from_slice(&self.acc.to_le_bytes()[..bytes]);
        self.acc = 0;
        self.len = 0;
        self.out
    }

    /// Writes out the last bits, padded to a byte.
    pub(super) fn flush(mut self) {
        self.align();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_go_first_bit_first_and_words_whole() {
        let mut out = Vec::new();
        let mut bits = BitWriter::new(&mut out);
        bits.put(1, 1);
        bits.put(0b10, 2);
        bits.put(0x1f, 5);
        // 32 bits: one word goes out whole, and align has nothing to pad.
        bits.put(0xabcd, 16);
        bits.put(0x12, 8);
        assert_eq!(bits.align().len(), 4);
        bits.put(0b101, 3);
        bits.flush();
        assert_eq!(out, [0b1111_1101, 0xcd, 0xab, 0x12, 0b101]);
    }
}
