//! The floor: the same bytes as the engine writes and reads, in one
//! straight-line function each way, with every buffer and the deflate state
//! reused and the HMAC key pre-initialized. No cookies, no budget, no report.
//!
//! And the peer: what actix-session's cookie store does, serde_json plus the
//! `cookie` crate's `SignedJar`.
#![allow(dead_code)]

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::corpus::Entries;

type HmacSha256 = Hmac<Sha256>;

const HEADER_LEN: usize = 6;
const TAG_LEN: usize = 16;
const NAME: &str = "session";

/// Format version 1's preset deflate dictionary, the engine's own: the
/// benches check that the floor writes the engine's exact bytes.
pub use cookietin::codec::DICTIONARY;

#[path = "own_deflate.rs"]
mod own_deflate;
use own_deflate::{block_deflate, small_deflate};

/// Reused state for the floor's save.
pub struct FloorSave {
    json: Vec<u8>,
    bytes: Vec<u8>,
    pub out: String,
    z: Compress,
    /// Whether JSON of up to 16 KB takes the engine's own encoders.
    own_encoders: bool,
    mac: HmacSha256,
    dictionary: Option<&'static [u8]>,
    /// The format version written: 2, or 1 to make the cookies format 1
    /// wrote (the same bytes but for the version: format 2's compression
    /// id 1 has format 1's deflate bit).
    pub version: u8,
}

impl FloorSave {
    pub fn new(secret: &[u8], level: u32) -> FloorSave {
        FloorSave {
            json: Vec::new(),
            bytes: Vec::new(),
            out: String::new(),
            z: Compress::new(Compression::new(level), false),
            own_encoders: false,
            mac: HmacSha256::new_from_slice(secret).unwrap(),
            dictionary: Some(DICTIONARY),
            version: 2,
        }
    }

    /// The engine's encoders (`src/codec/compress.rs`): its own for JSON of
    /// up to 16 KB, flate2 at level 6 above.
    pub fn engine_levels(secret: &[u8]) -> FloorSave {
        let mut floor = FloorSave::new(secret, 6);
        floor.own_encoders = true;
        floor
    }

    /// Deflates with `dictionary` instead of the format's.
    pub fn with_dictionary(mut self, dictionary: Option<&'static [u8]>) -> FloorSave {
        // The engine's own encoders know only the format's dictionary.
        self.own_encoders &= dictionary == Some(DICTIONARY);
        self.dictionary = dictionary;
        self
    }

    fn deflate(&mut self) {
        let z = &mut self.z;
        z.reset();
        if let Some(dictionary) = self.dictionary {
            z.set_dictionary(dictionary).unwrap();
        }
        self.bytes.reserve(self.json.len() + 64);
        loop {
            let consumed = z.total_in() as usize;
            let status = z
                .compress_vec(
                    &self.json[consumed..],
                    &mut self.bytes,
                    FlushCompress::Finish,
                )
                .unwrap();
            match status {
                Status::StreamEnd => break,
                _ => self.bytes.reserve(256),
            }
        }
    }

    /// JSON, raw deflate when smaller, header, truncated HMAC, base64url.
    pub fn save(&mut self, entries: &Entries, chunks: u8, issued_at: u32) -> &str {
        self.json.clear();
        serde_json::to_writer(&mut self.json, entries).unwrap();
        self.bytes.clear();
        self.bytes.resize(HEADER_LEN, 0);
        let own = self.own_encoders
            && (small_deflate::deflate(&self.json, &mut self.bytes)
                || block_deflate::deflate(&self.json, &mut self.bytes));
        if !own {
            self.deflate();
        }
        let flags = if self.bytes.len() - HEADER_LEN < self.json.len() {
            1
        } else {
            self.bytes.truncate(HEADER_LEN);
            self.bytes.extend_from_slice(&self.json);
            0
        };
        self.bytes[0] = self.version << 4 | flags;
        self.bytes[1] = chunks;
        self.bytes[2..HEADER_LEN].copy_from_slice(&issued_at.to_be_bytes());
        let mut mac = self.mac.clone();
        mac.update(&[NAME.len() as u8]);
        mac.update(NAME.as_bytes());
        mac.update(&self.bytes);
        let tag = mac.finalize().into_bytes();
        self.bytes.extend_from_slice(&tag[..TAG_LEN]);
        self.out.clear();
        URL_SAFE_NO_PAD.encode_string(&self.bytes, &mut self.out);
        &self.out
    }
}

/// Reused state for the floor's load.
pub struct FloorLoad {
    bytes: Vec<u8>,
    json: Vec<u8>,
    z: Decompress,
    mac: HmacSha256,
}

impl FloorLoad {
    pub fn new(secret: &[u8]) -> FloorLoad {
        FloorLoad {
            bytes: Vec::new(),
            json: Vec::new(),
            z: Decompress::new(false),
            mac: HmacSha256::new_from_slice(secret).unwrap(),
        }
    }

    /// base64url, HMAC verify, inflate when flagged, JSON into a map.
    pub fn load(&mut self, value: &str) -> Option<Entries> {
        self.bytes.clear();
        URL_SAFE_NO_PAD.decode_vec(value, &mut self.bytes).ok()?;
        if self.bytes.len() < HEADER_LEN + TAG_LEN {
            return None;
        }
        let (signed, tag) = self.bytes.split_at(self.bytes.len() - TAG_LEN);
        let mut mac = self.mac.clone();
        mac.update(&[NAME.len() as u8]);
        mac.update(NAME.as_bytes());
        mac.update(signed);
        mac.verify_truncated_left(tag).ok()?;
        let payload = &signed[HEADER_LEN..];
        let json = if signed[0] & 1 != 0 {
            self.z.reset(false);
            self.z.set_dictionary(DICTIONARY).unwrap();
            self.json.clear();
            // At least 512 bytes free, as the engine gives: zlib-rs's fast
            // inflate loop runs only with 258 bytes of room.
            self.json.reserve((payload.len() * 4 + 64).max(512));
            loop {
                let consumed = self.z.total_in() as usize;
                let status = self
                    .z
                    .decompress_vec(
                        &payload[consumed..],
                        &mut self.json,
                        FlushDecompress::Finish,
                    )
                    .ok()?;
                match status {
                    Status::StreamEnd => break,
                    _ => self.json.reserve(self.json.len()),
                }
            }
            &self.json[..]
        } else {
            payload
        };
        serde_json::from_slice(json).ok()
    }
}

/// actix-session's state: key to the value's JSON text.
pub type PeerState = HashMap<String, String>;

pub fn peer_state(entries: &Entries) -> PeerState {
    entries
        .iter()
        .map(|(k, v)| (k.clone(), v.get().to_owned()))
        .collect()
}

/// actix-session's cookie store on save: the state as a JSON object, in a
/// signed cookie of a fresh jar, written as a Set-Cookie value.
pub fn peer_save(key: &cookie::Key, state: &PeerState) -> String {
    let json = serde_json::to_string(state).unwrap();
    let mut jar = cookie::CookieJar::new();
    let cookie = cookie::Cookie::build(("id", json))
        .path("/")
        .secure(true)
        .http_only(true)
        .same_site(cookie::SameSite::Lax);
    jar.signed_mut(key).add(cookie);
    let line = jar.delta().next().unwrap().to_string();
    line
}

/// actix-session's cookie store on load: every cookie of the header into a
/// jar, the signed one verified, its JSON parsed.
pub fn peer_load(key: &cookie::Key, header: &str) -> Option<PeerState> {
    let mut jar = cookie::CookieJar::new();
    for c in cookie::Cookie::split_parse(header) {
        jar.add_original(c.ok()?.into_owned());
    }
    let signed = jar.signed(key).get("id")?;
    serde_json::from_str(signed.value()).ok()
}
