//! Writing an envelope: the session's JSON, compressed when that helps,
//! sealed with a MAC or an AEAD, as base64url chunks.

use std::cell::Cell;
use std::mem::take;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;

use crate::codec::secrets::mac_over;
use crate::codec::{
    compress, encoded_len, Compression, Secrets, FLAG_ENCRYPTED, FLAG_ID, HEADER_LEN, ID_LEN,
    SEALED_PREFIX, TAG_LEN, VERSION,
};
use crate::data::SessionData;
use crate::SaveError;

/// An envelope under construction: the header slot (and, encrypted, the
/// key id and nonce slots), then the payload.
///
/// Built in two steps so that the shrink loop can measure a payload without
/// sealing it, and the final save seals the very bytes that were measured:
/// the ciphertext is exactly as long as the payload.
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    json: Vec<u8>,
    bytes: Vec<u8>,
    flags: u8,
    /// Whether `bytes` ends with the tag.
    sealed: bool,
    /// Bytes before the payload: [`HEADER_LEN`] or [`SEALED_PREFIX`].
    prefix: usize,
}

impl Envelope {
    /// An empty envelope for the engine's mode, on the buffers the
    /// thread's last envelope left (see [`Drop`]): a save then allocates
    /// neither its JSON nor its bytes.
    pub(crate) fn new(encrypted: bool) -> Envelope {
        let (json, bytes) = SPARE.try_with(Cell::take).unwrap_or_default();
        Envelope {
            json,
            bytes,
            flags: if encrypted { FLAG_ENCRYPTED } else { 0 },
            sealed: false,
            prefix: if encrypted { SEALED_PREFIX } else { HEADER_LEN },
        }
    }

    fn encrypted(&self) -> bool {
        self.prefix == SEALED_PREFIX
    }

    /// Serializes and (when it helps) compresses `data` as `compression`
    /// asks, after the session id `id` if there is one, replacing any
    /// previous contents. [`Compression::Zstd`] means zstd from
    /// [`MIN_INPUT`](crate::codec::zstd::MIN_INPUT) bytes of JSON up, and
    /// deflate below. Returns the base64url length the finished value will
    /// have.
    pub(crate) fn fill(
        &mut self,
        data: &SessionData,
        compression: Compression,
        id: Option<&[u8; ID_LEN]>,
    ) -> usize {
        let prefix = self.prefix.max(HEADER_LEN);
        self.json.clear();
        self.json.reserve(data.json_len());
        data.write_json(&mut self.json);
        self.bytes.clear();
        // Room for deflate's worst case (see `compress::deflate`) and the tag.
        self.bytes
            .reserve(prefix + ID_LEN + compress::max_deflated(self.json.len()) + TAG_LEN);
        self.bytes.resize(prefix, 0);
        self.flags = if self.encrypted() { FLAG_ENCRYPTED } else { 0 };
        if let Some(id) = id {
            self.flags |= FLAG_ID;
            self.bytes.extend_from_slice(id);
        }
        let payload_start = self.bytes.len();
        self.sealed = false;
        let codec = match compression {
            Compression::None => Compression::None,
            #[cfg(feature = "zstd")]
            Compression::Zstd if self.json.len() >= crate::codec::zstd::MIN_INPUT => {
                crate::codec::zstd::compress(&self.json, &mut self.bytes);
                Compression::Zstd
            }
            _ => {
                compress::deflate(&self.json, &mut self.bytes);
                Compression::Deflate
            }
        };
        // Sent as it is when compressing does not make it smaller.
        if codec != Compression::None && self.bytes.len() - payload_start < self.json.len() {
            self.flags |= codec.flags();
        } else {
            self.bytes.truncate(payload_start);
            self.bytes.extend_from_slice(&self.json);
        }
        self.encoded_len()
    }

    /// The base64url length of the finished value.
    pub(crate) fn encoded_len(&self) -> usize {
        let tag = if self.sealed { 0 } else { TAG_LEN };
        encoded_len(self.bytes.len() + tag)
    }

    /// The length of the JSON that was last filled in.
    pub(crate) fn json_len(&self) -> usize {
        self.json.len()
    }

    /// The flags the header gets.
    pub(crate) fn flags(&self) -> u8 {
        self.flags
    }

    /// How the payload is compressed.
    pub(crate) fn compression(&self) -> Compression {
        Compression::of(VERSION, self.flags).expect("fill sets one codec's flag")
    }

    /// Writes the header and appends the tag: the HMAC, or, for an
    /// encrypted envelope, the key id and a random nonce, then encrypts the
    /// payload in place and appends the AEAD's tag.
    ///
    /// # Errors
    /// [`SaveError::NoRandomness`] when the operating system gives no random
    /// bytes for the nonce; the envelope is then not sealed.
    pub(crate) fn seal(
        &mut self,
        name: &str,
        chunks: u8,
        issued_at: u32,
        secrets: &Secrets,
    ) -> Result<(), SaveError> {
        debug_assert!(!self.sealed, "fill before sealing again");
        debug_assert_eq!(self.encrypted(), secrets.encrypts());
        self.bytes[0] = VERSION << 4 | self.flags;
        self.bytes[1] = chunks;
        self.bytes[2..HEADER_LEN].copy_from_slice(&issued_at.to_be_bytes());
        #[cfg(feature = "encrypt")]
        if let (true, Some(sealer)) = (self.encrypted(), &secrets.sealer) {
            sealer
                .seal(name, &mut self.bytes)
                .map_err(|_| SaveError::NoRandomness)?;
            self.sealed = true;
            return Ok(());
        }
        let tag = mac_over(secrets.signing.signing(), name, &self.bytes)
            .finalize()
            .into_bytes();
        self.bytes.extend_from_slice(&tag[..TAG_LEN]);
        self.sealed = true;
        Ok(())
    }

    /// The sealed bytes each chunk carries, for chunks of `lens` base64
    /// characters. Every chunk but the last is a whole number of base64
    /// quanta, so each encodes on its own.
    pub(crate) fn chunks<'a>(&'a self, lens: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = &self.bytes[..];
        lens.iter().enumerate().map(move |(i, &chars)| {
            let take = if i + 1 == lens.len() {
                rest.len()
            } else {
                chars / 4 * 3
            };
            let (chunk, tail) = rest.split_at(take);
            rest = tail;
            chunk
        })
    }

    /// The whole sealed value as one base64url string.
    #[cfg(test)]
    pub(crate) fn value(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.bytes)
    }
}

/// Buffers above this size are freed rather than kept for the next save.
const SPARE_KEEP: usize = 64 * 1024;

thread_local! {
    /// The JSON and bytes buffers of the thread's last envelope, emptied.
    static SPARE: Cell<(Vec<u8>, Vec<u8>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

impl Drop for Envelope {
    /// Leaves the buffers, emptied, for the thread's next envelope. What
    /// they held stays in memory only as a freed allocation's would, and
    /// the next fill writes before it reads.
    fn drop(&mut self) {
        let (mut json, mut bytes) = (take(&mut self.json), take(&mut self.bytes));
        if json.capacity() > SPARE_KEEP || bytes.capacity() > SPARE_KEEP {
            return;
        }
        json.clear();
        bytes.clear();
        let _ = SPARE.try_with(|spare| spare.set((json, bytes)));
    }
}

/// Appends the base64url encoding of `bytes` to `out`.
pub(crate) fn append_base64(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}
