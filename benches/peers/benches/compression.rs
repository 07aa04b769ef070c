//! Picks wire format 2's compression by measurement: bytes on the wire
//! and time to compress and decompress, per corpus session and over
//! generated sessions, every candidate against format 1's deflate in the
//! same run (interleaved rounds, median of per-round ratios).
//!
//! `cd benches/peers && cargo bench --bench compression [-- ROUNDS]`: in
//! the peers' package, so the main crate depends on none of zstd, ruzstd
//! or lz4_flex.
//!
//! Wire bytes are the base64url length of the signed envelope each
//! candidate gives: the 6-byte header, a 1-byte codec id when compressed
//! (format 2; format 1 has none), the payload and the 16-byte tag. A
//! payload is sent raw when compressing does not make it smaller, as both
//! formats do. The generated sessions come from
//! `data/dictionaries/train.py --dump` (another seed than the training
//! set), so the dictionary is measured on sessions it was not trained on,
//! and never on the corpus.
#[path = "../../support/corpus.rs"]
mod corpus;
#[path = "../../support/interleave.rs"]
mod interleave;
#[path = "../../support/own_deflate.rs"]
mod own_deflate;

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};
use zstd::zstd_safe::{self, CCtx, CDict, CParameter, DCtx, DDict, DParameter, FrameFormat};

const TRAINED: &[u8] = include_bytes!("../../../data/dictionaries/sessions-1.zdict");

/// The script that trains the dictionary and generates sessions.
const TRAIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/dictionaries/train.py"
);

/// One way to compress a payload.
trait Codec {
    fn name(&self) -> String;
    /// Bytes the envelope spends to name the codec: none, since format 2
    /// names it (and its dictionary) in the header's flag bits, as format 1
    /// names deflate.
    fn codec_byte(&self) -> usize {
        0
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>);
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>);
}

struct Deflate {
    level: u32,
    /// Format 1's rule: level 1 under 128 bytes of JSON.
    v1: bool,
    c: RefCell<Compress>,
    d: RefCell<Decompress>,
}

impl Deflate {
    fn new(level: u32, v1: bool) -> Deflate {
        Deflate {
            level,
            v1,
            c: RefCell::new(Compress::new(Compression::new(level), false)),
            d: RefCell::new(Decompress::new(false)),
        }
    }
}

impl Codec for Deflate {
    fn name(&self) -> String {
        match self.v1 {
            true => "deflate L6 (v1)".into(),
            false => format!("deflate L{}", self.level),
        }
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        let mut c = self.c.borrow_mut();
        c.reset();
        let level = if self.v1 && input.len() < 128 {
            1
        } else {
            self.level
        };
        c.set_level(Compression::new(level)).unwrap();
        c.set_dictionary(cookietin::codec::DICTIONARY).unwrap();
        out.reserve(input.len() + input.len() / 1000 + 64);
        c.compress_vec(input, out, FlushCompress::Finish).unwrap();
    }
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>) {
        let mut d = self.d.borrow_mut();
        d.reset(false);
        d.set_dictionary(cookietin::codec::DICTIONARY).unwrap();
        out.reserve(len);
        d.decompress_vec(input, out, FlushDecompress::Finish)
            .unwrap();
    }
}

/// Format 2's deflate now: the engine's own encoders up to 16 KB of JSON,
/// flate2 at level 6 above; the same raw deflate and dictionary as format 1,
/// so format 1's inflate reads it.
struct EngineDeflate(Deflate);

impl Codec for EngineDeflate {
    fn name(&self) -> String {
        "deflate, engine's own encoders (v2)".into()
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        if !(own_deflate::small_deflate::deflate(input, out)
            || own_deflate::block_deflate::deflate(input, out))
        {
            self.0.compress(input, out);
        }
    }
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>) {
        self.0.decompress(input, len, out);
    }
}

/// zstd through libzstd: magicless frames, no checksum (the tag covers
/// the payload), the content size kept (it sizes the output before
/// decompressing), no dictionary id (the codec byte names it).
struct Zstd {
    label: String,
    level: i32,
    cctx: RefCell<CCtx<'static>>,
    dctx: RefCell<DCtx<'static>>,
    cdict: Option<CDict<'static>>,
    ddict: Option<DDict<'static>>,
}

impl Zstd {
    fn new(label: &str, level: i32, dict: Option<&[u8]>) -> Zstd {
        let mut cctx = CCtx::create();
        for p in [
            CParameter::Format(FrameFormat::Magicless),
            CParameter::ChecksumFlag(false),
            CParameter::ContentSizeFlag(true),
            CParameter::DictIdFlag(false),
            CParameter::CompressionLevel(level),
        ] {
            cctx.set_parameter(p).unwrap();
        }
        let mut dctx = DCtx::create();
        dctx.set_parameter(DParameter::Format(FrameFormat::Magicless))
            .unwrap();
        Zstd {
            label: label.into(),
            level,
            cctx: RefCell::new(cctx),
            dctx: RefCell::new(dctx),
            cdict: dict.map(|d| CDict::create(d, level)),
            ddict: dict.map(DDict::create),
        }
    }
}

impl Codec for Zstd {
    fn name(&self) -> String {
        format!("zstd L{} {}", self.level, self.label)
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        let mut c = self.cctx.borrow_mut();
        if let Some(d) = &self.cdict {
            c.ref_cdict(d).unwrap();
        }
        out.reserve(zstd_safe::compress_bound(input.len()));
        c.compress2(out, input).unwrap();
    }
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>) {
        let mut d = self.dctx.borrow_mut();
        if let Some(dict) = &self.ddict {
            d.ref_ddict(dict).unwrap();
        }
        out.reserve(len);
        d.decompress(out, input).unwrap();
    }
}

/// The same frames as [`Zstd`] with the trained dictionary, decoded by
/// ruzstd (pure Rust): the magic number put back in front, the
/// dictionary forced since the frame names none.
struct Ruzstd {
    writer: Zstd,
    decoder: RefCell<ruzstd::decoding::FrameDecoder>,
    framed: RefCell<Vec<u8>>,
}

impl Codec for Ruzstd {
    fn name(&self) -> String {
        format!("{} (ruzstd decode)", self.writer.name())
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        self.writer.compress(input, out)
    }
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>) {
        let mut framed = self.framed.borrow_mut();
        framed.clear();
        framed.extend_from_slice(&0xFD2F_B528u32.to_le_bytes());
        framed.extend_from_slice(input);
        let mut d = self.decoder.borrow_mut();
        let mut src = &framed[..];
        d.reset(&mut src).unwrap();
        d.force_dict(1).unwrap();
        d.decode_blocks(
            &mut src,
            ruzstd::decoding::BlockDecodingStrategy::UptoBytes(len + 1),
        )
        .unwrap();
        out.resize(len, 0);
        let n = std::io::Read::read(&mut *d, &mut out[..]).unwrap();
        out.truncate(n);
    }
}

/// lz4 blocks (lz4_flex, pure Rust) with a dictionary as history.
struct Lz4 {
    label: String,
    dict: Vec<u8>,
}

impl Codec for Lz4 {
    fn name(&self) -> String {
        format!("lz4 {}", self.label)
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&lz4_flex::block::compress_with_dict(input, &self.dict));
    }
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(
            &lz4_flex::block::decompress_with_dict(input, len, &self.dict).unwrap(),
        );
    }
}

/// zstd from `min` bytes of JSON up, deflate L6 (format 1's) below.
struct Hybrid {
    zstd: Zstd,
    deflate: Deflate,
    min: usize,
}

impl Codec for Hybrid {
    fn name(&self) -> String {
        format!("{}, deflate under {}", self.zstd.name(), self.min)
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        match input.len() < self.min {
            true => self.deflate.compress(input, out),
            false => self.zstd.compress(input, out),
        }
    }
    fn decompress(&self, input: &[u8], len: usize, out: &mut Vec<u8>) {
        match len < self.min {
            true => self.deflate.decompress(input, len, out),
            false => self.zstd.decompress(input, len, out),
        }
    }
}

/// Never compresses.
struct Raw;

impl Codec for Raw {
    fn name(&self) -> String {
        "none".into()
    }
    fn codec_byte(&self) -> usize {
        0
    }
    fn compress(&self, input: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(input)
    }
    fn decompress(&self, input: &[u8], _: usize, out: &mut Vec<u8>) {
        out.extend_from_slice(input)
    }
}

/// The base64url characters of a signed envelope with this payload.
fn wire(codec: &dyn Codec, json: &[u8]) -> usize {
    let mut out = Vec::new();
    codec.compress(json, &mut out);
    let payload = if out.len() + codec.codec_byte() < json.len() {
        out.len() + codec.codec_byte()
    } else {
        json.len()
    };
    ((6 + payload + 16) * 4).div_ceil(3)
}

/// The raw content of the trained dictionary, for lz4 (its entropy
/// tables mean nothing to lz4).
fn trained_content() -> Vec<u8> {
    // A zstd dictionary: magic, id, entropy tables, then content. The
    // content is its last bytes; take the tail the size of format 1's
    // dictionary times four, which lies within the content.
    TRAINED[TRAINED.len() - 3000..].to_vec()
}

/// A dictionary of another size, trained by the same script.
fn other_size(size: usize) -> Option<Vec<u8>> {
    let path = std::env::temp_dir().join(format!("cookietin-dict-{size}.zdict"));
    let ok = std::process::Command::new("python3")
        .args([TRAIN, "--size", &size.to_string(), "--out"])
        .arg(&path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "train.py --size {size}");
    std::fs::read(path).ok()
}

fn generated() -> Vec<Vec<u8>> {
    let out = std::process::Command::new("python3")
        .args([TRAIN, "--dump", "/dev/stdout", "--samples", "300"])
        .output()
        .expect("python3 runs data/dictionaries/train.py");
    assert!(out.status.success());
    out.stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(11);
    let v1_dict = cookietin::codec::DICTIONARY;
    let candidates: Vec<Box<dyn Codec>> = vec![
        Box::new(Deflate::new(6, true)),
        Box::new(Deflate::new(1, false)),
        Box::new(Deflate::new(3, false)),
        Box::new(Deflate::new(4, false)),
        Box::new(Deflate::new(5, false)),
        Box::new(Deflate::new(6, false)),
        Box::new(Zstd::new("no dict", 1, None)),
        Box::new(Zstd::new("v1 dict raw", 1, Some(v1_dict))),
        Box::new(Zstd::new("v1 dict raw", 2, Some(v1_dict))),
        Box::new(Zstd::new("v1 dict raw", 3, Some(v1_dict))),
        Box::new(Hybrid {
            zstd: Zstd::new("v1 dict raw", 3, Some(v1_dict)),
            deflate: Deflate::new(6, true),
            min: 256,
        }),
        Box::new(Hybrid {
            zstd: Zstd::new("trained 4K", 3, Some(TRAINED)),
            deflate: Deflate::new(6, true),
            min: 256,
        }),
        Box::new(Zstd::new("trained 4K", -1, Some(TRAINED))),
        Box::new(Zstd::new("trained 4K", 1, Some(TRAINED))),
        Box::new(Zstd::new("trained 4K", 3, Some(TRAINED))),
        Box::new(Zstd::new("trained 2K", 1, other_size(2048).as_deref())),
        Box::new(Zstd::new("trained 8K", 1, other_size(8192).as_deref())),
        Box::new(Ruzstd {
            writer: Zstd::new("trained 4K", 1, Some(TRAINED)),
            decoder: RefCell::new({
                let mut d = ruzstd::decoding::FrameDecoder::new();
                d.add_dict(ruzstd::decoding::Dictionary::decode_dict(TRAINED).unwrap())
                    .unwrap();
                d
            }),
            framed: RefCell::new(Vec::new()),
        }),
        Box::new(Lz4 {
            label: "v1 dict".into(),
            dict: v1_dict.to_vec(),
        }),
        Box::new(Lz4 {
            label: "trained content".into(),
            dict: trained_content(),
        }),
        Box::new(Raw),
        Box::new(EngineDeflate(Deflate::new(6, false))),
    ];
    let mut sessions: Vec<(String, Vec<u8>)> = corpus::ordered()
        .into_iter()
        .map(|(name, entries)| (name.to_string(), serde_json::to_vec(&entries).unwrap()))
        .collect();
    let generated = generated();
    println!(
        "# compression candidates; {} generated sessions, {} to {} bytes of JSON, {} in all",
        generated.len(),
        generated.iter().map(Vec::len).min().unwrap(),
        generated.iter().map(Vec::len).max().unwrap(),
        generated.iter().map(Vec::len).sum::<usize>()
    );
    // Round trips must hold before anything is timed.
    for codec in &candidates {
        for json in sessions.iter().map(|(_, j)| j).chain(&generated) {
            let (mut packed, mut back) = (Vec::new(), Vec::new());
            codec.compress(json, &mut packed);
            codec.decompress(&packed, json.len(), &mut back);
            assert_eq!(&back, json, "{} round trip", codec.name());
        }
    }

    println!("\n## Wire bytes (base64url characters of the signed envelope)\n");
    let mut head = String::from("| candidate |");
    for (name, json) in &sessions {
        head += &format!(" {name} ({}) |", json.len());
    }
    head += " corpus total | generated total | worst vs v1 (corpus) |";
    println!("{head}");
    println!("|{}", "---|".repeat(sessions.len() + 4));
    let v1 = &candidates[0];
    let mut over_lines = Vec::new();
    let v1_sizes: Vec<usize> = sessions.iter().map(|(_, j)| wire(&**v1, j)).collect();
    let v1_generated: Vec<usize> = generated.iter().map(|j| wire(&**v1, j)).collect();
    for codec in &candidates {
        let sizes: Vec<usize> = sessions.iter().map(|(_, j)| wire(&**codec, j)).collect();
        let gen: Vec<usize> = generated.iter().map(|j| wire(&**codec, j)).collect();
        let mut row = format!("| {} |", codec.name());
        for s in &sizes {
            row += &format!(" {s} |");
        }
        let worst = sizes
            .iter()
            .zip(&v1_sizes)
            .map(|(a, b)| *a as i64 - *b as i64)
            .max()
            .unwrap();
        let corpus_over = sizes
            .iter()
            .zip(&v1_sizes)
            .filter(|(a, b)| **a > **b + (**b * 3 / 100).max(8))
            .count();
        let gen_over = gen
            .iter()
            .zip(&v1_generated)
            .filter(|(a, b)| **a > **b + (**b * 3 / 100).max(8))
            .count();
        row += &format!(
            " {} ({:.3}) | {} ({:.3}; {} over the limit) | {:+} ({} over the limit) |",
            sizes.iter().sum::<usize>(),
            sizes.iter().sum::<usize>() as f64 / v1_sizes.iter().sum::<usize>() as f64,
            gen.iter().sum::<usize>(),
            gen.iter().sum::<usize>() as f64 / v1_generated.iter().sum::<usize>() as f64,
            gen_over,
            worst,
            corpus_over
        );
        println!("{row}");
        // Which generated sessions are over, for the engine's own encoders.
        if codec.name().contains("engine") {
            for ((json, a), b) in generated.iter().zip(&gen).zip(&v1_generated) {
                if *a > *b + (*b * 3 / 100).max(8) {
                    over_lines.push(format!(
                        "{}: {} bytes of JSON, {a} against {b}",
                        codec.name(),
                        json.len()
                    ));
                }
            }
        }
    }
    for line in &over_lines {
        println!("- over the limit: {line}");
    }

    // Where compression stops paying: the smallest generated sessions,
    // raw against the trained zstd.
    println!(
        "\n## Small sessions: raw against zstd L1 trained 4K (JSON bytes: raw / zstd characters)\n"
    );
    let zstd1 = &candidates[11];
    let mut small: Vec<&Vec<u8>> = generated.iter().filter(|j| j.len() < 160).collect();
    small.sort_by_key(|j| j.len());
    small.dedup_by_key(|j| j.len() / 8);
    let line: Vec<String> = small
        .iter()
        .map(|j| format!("{}: {} / {}", j.len(), wire(&Raw, j), wire(&**zstd1, j)))
        .collect();
    println!("{}", line.join("; "));

    println!("\n## Time, interleaved with deflate L6 (v1), {rounds} rounds: µs and median ratio candidate / v1\n");
    sessions.push(("generated (all 300)".into(), Vec::new()));
    println!(
        "| candidate | session | compress µs | v1 µs | ratio | decompress µs | v1 µs | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for codec in &candidates[1..] {
        for (name, json) in &sessions {
            let inputs: Vec<&Vec<u8>> = if json.is_empty() {
                generated.iter().collect()
            } else {
                vec![json]
            };
            let packed = |c: &dyn Codec| -> Vec<Vec<u8>> {
                inputs
                    .iter()
                    .map(|j| {
                        let mut p = Vec::new();
                        c.compress(j, &mut p);
                        p
                    })
                    .collect()
            };
            let (p1, pc) = (packed(&**v1), packed(&**codec));
            let mut out = Vec::with_capacity(8192);
            let mut buf = Vec::with_capacity(8192);
            let mut comp_v1 = |n: usize| {
                interleave::batch(n, &mut || {
                    for j in &inputs {
                        out.clear();
                        v1.compress(j, &mut out);
                    }
                })
            };
            let mut comp_c = |n: usize| {
                interleave::batch(n, &mut || {
                    for j in &inputs {
                        buf.clear();
                        codec.compress(j, &mut buf);
                    }
                })
            };
            let (a, b, r) = interleave::paired_for(rounds, 2e6, &mut comp_v1, &mut comp_c);
            let mut out = Vec::with_capacity(65536);
            let mut buf = Vec::with_capacity(65536);
            let mut dec_v1 = |n: usize| {
                interleave::batch(n, &mut || {
                    for (p, j) in p1.iter().zip(&inputs) {
                        out.clear();
                        v1.decompress(p, j.len(), &mut out);
                    }
                })
            };
            let mut dec_c = |n: usize| {
                interleave::batch(n, &mut || {
                    for (p, j) in pc.iter().zip(&inputs) {
                        buf.clear();
                        codec.decompress(p, j.len(), &mut buf);
                    }
                })
            };
            let (da, db, dr) = interleave::paired_for(rounds, 2e6, &mut dec_v1, &mut dec_c);
            println!(
                "| {} | {name} | {} | {} | {r:.2} | {} | {} | {dr:.2} |",
                codec.name(),
                interleave::us(b),
                interleave::us(a),
                interleave::us(db),
                interleave::us(da),
            );
        }
    }
}
