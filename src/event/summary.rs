//! An event's summary, held in compressed blocks.
//!
//! Summaries were the largest part of a flapping storm's memory: 1.18 M
//! distinct strings of about 85 bytes, 113 MB with malloc's rounding, more
//! than the events themselves (issue 16). They are written once, at
//! ingest, and read only where an output or a check shows them, mostly in
//! the order they were written. So each source packs its summaries into
//! 16 KiB blocks, compressed with zstd once full (a storm's compress about
//! 10 to 1: its summaries repeat the rule's words, the service and host
//! names); an event holds its block and where its summary is in it.
//! Reading one decompresses its block into a per-thread cache that keeps
//! each source's last block: outputs read a source's summaries in the
//! order they were written, interleaved with other sources', so each block
//! is decompressed about once however many sources take turns.
//!
//! A summary built elsewhere (a rate, a redacted line, an events file, a
//! test) is held as it is.
//!
//! A summary also carries its line (`super::Text`) when the command keeps
//! lines: a plain file's line place, or a held line (from a gzip file, an
//! events file), is packed in the block just before the summary. An event
//! had a boxed field of its own for it, 8 bytes on every event whether
//! kept or not, and a 32-byte allocation on every line `rfo timeline`
//! shows (issue 16).

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{Text, TextView};

/// Raw bytes a block holds before it is compressed: small, as a read that
/// misses the cache decompresses a whole block; a storm's summaries
/// compress nearly as well in 16 KiB as in 64 KiB.
const BLOCK: usize = 16 << 10;

/// Longer summaries are held on their own (a whole line kept as one).
const PACKED_MAX: usize = 4 << 10;
const _: () = assert!(
    2 * PACKED_MAX + PLACE < BLOCK,
    "a summary packed with its line fits an empty block"
);

/// Bytes of a line's packed place (`Text::parts`) before a summary.
const PLACE: usize = 8;

/// A packed summary's `len`: the summary's length in its low bits, a held
/// line's packed before it in the next ones, and which of the two kinds of
/// line (if any) comes first in the top two.
const LEN_BITS: u32 = 13;
const LEN_MASK: u32 = (1 << LEN_BITS) - 1;
const WITH_PLACE: u32 = 1 << 31;
const WITH_LINE: u32 = 1 << 30;
const _: () = assert!(PACKED_MAX <= LEN_MASK as usize && 2 * LEN_BITS < 30);

/// Sources each thread keeps a decompressed block of (a source's last
/// block read): 16 MiB at most. A cache of the last eight blocks whatever
/// their source made a timeline of ten interleaved files ten times slower.
/// Past this many sources read in turns, every read decompresses a block.
const CACHED: usize = 1024;

/// What an event says happened, in a line.
#[derive(Clone)]
pub struct Summary(Repr);

/// Sixteen bytes either way, so that `TimedEvent` stays at 40.
#[derive(Clone)]
enum Repr {
    Held(Box<Held>),
    /// `len` holds the summary's length, and whether the line's place
    /// (`PLACE` bytes) or a held line (its length in `len`) is at `start`,
    /// the summary following it.
    Packed {
        block: Arc<Block>,
        start: u32,
        len: u32,
    },
}

#[derive(Clone)]
struct Held {
    summary: Box<str>,
    text: Option<Text>,
}

/// A block of summaries: open (raw, still filling) or sealed (compressed).
struct Block {
    /// Tells blocks apart in the read cache: an address can be reused once
    /// a block is freed, an id cannot.
    id: u64,
    /// The packer (the source) that filled it: the cache keeps one block
    /// per packer.
    packer: u64,
    bytes: Mutex<Bytes>,
}

enum Bytes {
    Open(Vec<u8>),
    Sealed(Box<[u8]>),
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Block {
    fn new(packer: u64) -> Arc<Block> {
        Arc::new(Block {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            packer,
            bytes: Mutex::new(Bytes::Open(Vec::with_capacity(BLOCK))),
        })
    }

    fn bytes(&self) -> std::sync::MutexGuard<'_, Bytes> {
        // The lock guards plain bytes: a panic elsewhere cannot leave them
        // half written.
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn seal(&self, level: i32) {
        let mut b = self.bytes();
        if let Bytes::Open(raw) = &*b {
            // A block that cannot be compressed (no memory for the
            // compressor) stays open: read by copy, never lost.
            if let Some(z) = compress(raw, level) {
                *b = Bytes::Sealed(z);
            }
        }
    }
}

/// A thread's decompressed blocks, one per packer.
#[derive(Default)]
struct Cache {
    /// Packer → (block id, raw bytes, last use).
    blocks: rustc_hash::FxHashMap<u64, (u64, Rc<[u8]>, u64)>,
    tick: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

impl Summary {
    pub fn held(s: &str) -> Summary {
        Summary::held_with(s, None)
    }

    /// `s` held with the event's line.
    pub fn held_with(s: &str, text: Option<Text>) -> Summary {
        Summary(Repr::Held(Box::new(Held {
            summary: s.into(),
            text,
        })))
    }

    /// The text.
    pub fn get(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Held(h) => Cow::Borrowed(&h.summary),
            Repr::Packed { .. } => Cow::Owned(self.with(str::to_string)),
        }
    }

    /// `f` of the text, lent from its block without a copy.
    pub fn with<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match &self.0 {
            Repr::Held(h) => f(&h.summary),
            Repr::Packed { block, start, len } => {
                let (lead, summary) = lengths(*len);
                read(block, *start as usize + lead, summary, |b| {
                    // Packed from a `&str`, it is UTF-8; a lossy decode
                    // keeps a corrupted block from being a panic.
                    f(&String::from_utf8_lossy(b))
                })
            }
        }
    }

    /// The event's line as written or where it is, when the command kept
    /// it.
    pub fn text(&self) -> Option<TextView<'_>> {
        match &self.0 {
            Repr::Held(h) => h.text.as_ref().map(Text::view),
            Repr::Packed { block, start, len } if len & WITH_PLACE != 0 => {
                let word = read(block, *start as usize, PLACE, |b| {
                    <[u8; PLACE]>::try_from(b).map(u64::from_le_bytes)
                });
                // A corrupted block reads as no line, as its summary reads
                // lossily.
                word.ok().map(Text::unpack)
            }
            Repr::Packed { block, start, len } if len & WITH_LINE != 0 => {
                let line = read(block, *start as usize, lengths(*len).0, |b| {
                    String::from_utf8_lossy(b).into_owned()
                });
                Some(TextView::Held(Cow::Owned(line)))
            }
            Repr::Packed { .. } => None,
        }
    }

    /// This summary with `text` as its line instead.
    pub fn with_text(&self, text: Option<Text>) -> Summary {
        if text.is_none() && !self.has_text() {
            return self.clone();
        }
        Summary::held_with(&self.get(), text)
    }

    /// Whether a line is kept, without reading it.
    fn has_text(&self) -> bool {
        match &self.0 {
            Repr::Held(h) => h.text.is_some(),
            Repr::Packed { len, .. } => len & (WITH_PLACE | WITH_LINE) != 0,
        }
    }
}

impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with(|text| s.serialize_str(text))
    }
}

/// A packed summary's `len` taken apart: the bytes of the line before
/// the summary, and the summary's.
fn lengths(len: u32) -> (usize, usize) {
    let lead = if len & WITH_PLACE != 0 {
        PLACE
    } else if len & WITH_LINE != 0 {
        ((len >> LEN_BITS) & LEN_MASK) as usize
    } else {
        0
    };
    (lead, (len & LEN_MASK) as usize)
}

/// `f` of the bytes at `start..start + len` of `block`.
fn read<R>(block: &Block, start: usize, len: usize, f: impl FnOnce(&[u8]) -> R) -> R {
    // The cached bytes are shared, not borrowed, while `f` runs: `f` may
    // read another summary.
    let cached = CACHE.with(|c| {
        let mut c = c.borrow_mut();
        c.tick += 1;
        let tick = c.tick;
        match c.blocks.get_mut(&block.packer) {
            Some((id, raw, used)) if *id == block.id => {
                *used = tick;
                Some(raw.clone())
            }
            _ => None,
        }
    });
    let raw: Rc<[u8]> = match cached {
        Some(raw) => raw,
        None => {
            let guard = block.bytes();
            let raw: Rc<[u8]> = match &*guard {
                // Still filling (read during ingest): a copy, so that no
                // lock is held while `f` runs.
                Bytes::Open(raw) => {
                    let copy = slice(raw, start, len).to_vec();
                    drop(guard);
                    return f(&copy);
                }
                Bytes::Sealed(z) => decompress(z).into(),
            };
            drop(guard);
            CACHE.with(|c| c.borrow_mut().keep(block, raw.clone()));
            raw
        }
    };
    f(slice(&raw, start, len))
}

/// zstd's level for a block of summaries alone: a storm's take 6.5 bytes
/// each where LZ4 took 12.3, for about 40 % more time to compress and to
/// read back (docs/performance.md, "Session 13"). They are held through
/// the window engine, where memory peaks.
const SMALL: i32 = 1;

/// zstd's level for a block that also holds lines (their places, or held
/// lines): only commands that show lines keep them, and those pack every
/// line's summary and read each back once. Without entropy-coded literals
/// (a negative level) the bench bundle's `timeline --format jsonl` takes
/// 4 % longer than with LZ4 instead of 9 %, in 77 MB instead of 73 (LZ4:
/// 80).
const FAST: i32 = -1;

thread_local! {
    /// A thread's zstd contexts, made once: making one costs more than
    /// compressing a block.
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// `f` of the thread's context in `key`, made by `make` the first time.
/// A packer dropped while its thread's locals are torn down (one held in a
/// thread-local) seals its last block after the context is gone: `f` then
/// gets a context of its own, not an abort.
fn with_context<C: 'static, R>(
    key: &'static std::thread::LocalKey<RefCell<Option<C>>>,
    make: impl Fn() -> Option<C>,
    f: impl Fn(&mut C) -> Option<R>,
) -> Option<R> {
    key.try_with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = make();
        }
        c.as_mut().and_then(&f)
    })
    .unwrap_or_else(|_| f(&mut make()?))
}

/// A block's raw bytes compressed, after their length (4 bytes, little
/// endian: a block is at most `BLOCK` bytes).
fn compress(raw: &[u8], level: i32) -> Option<Box<[u8]>> {
    let len = u32::try_from(raw.len()).ok()?;
    let z = with_context(
        &COMPRESSOR,
        || zstd::bulk::Compressor::new(level).ok(),
        |c| {
            c.set_compression_level(level).ok()?;
            c.compress(raw).ok()
        },
    )?;
    let mut out = Vec::with_capacity(4 + z.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&z);
    Some(out.into_boxed_slice())
}

/// What `compress` made, back to raw bytes; none from bytes it did not
/// make (a corrupted block reads as empty summaries, not a panic). The
/// length is checked against `BLOCK` before it sizes anything.
fn decompress(z: &[u8]) -> Vec<u8> {
    let Some((len, frame)) = z.split_first_chunk::<4>() else {
        return Vec::new();
    };
    let len = u32::from_le_bytes(*len) as usize;
    if len > BLOCK {
        return Vec::new();
    }
    with_context(
        &DECOMPRESSOR,
        || zstd::bulk::Decompressor::new().ok(),
        |d| d.decompress(frame, len).ok(),
    )
    .unwrap_or_default()
}

/// The bytes at `start..start + len` of a block's raw bytes (none past
/// its end: a corrupted block is not a panic).
fn slice(raw: &[u8], start: usize, len: usize) -> &[u8] {
    raw.get(start..start + len).unwrap_or_default()
}

impl Cache {
    /// Keep `raw` as `block`'s packer's block, making room by the packer
    /// read longest ago.
    fn keep(&mut self, block: &Block, raw: Rc<[u8]>) {
        if self.blocks.len() >= CACHED && !self.blocks.contains_key(&block.packer) {
            if let Some(&oldest) = self.blocks.iter().min_by_key(|(_, v)| v.2).map(|(k, _)| k) {
                self.blocks.remove(&oldest);
            }
        }
        self.blocks.insert(block.packer, (block.id, raw, self.tick));
    }
}

impl PartialEq for Summary {
    fn eq(&self, other: &Summary) -> bool {
        self.get() == other.get() && self.text() == other.text()
    }
}

impl Eq for Summary {}

impl std::fmt::Debug for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)?;
        match self.text() {
            Some(t) => write!(f, " (line {t:?})"),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.get())
    }
}

impl From<&str> for Summary {
    fn from(s: &str) -> Summary {
        Summary::held(s)
    }
}

impl From<String> for Summary {
    fn from(s: String) -> Summary {
        Summary::held(&s)
    }
}

/// What is packed before a summary.
enum Lead<'a> {
    None,
    /// A plain file's line place (`Text::parts`).
    Place(u64),
    /// A held line.
    Line(&'a str),
}

/// One source's summaries as they are read, into blocks. Each block is
/// sealed when the next one starts, and the last when the packer is
/// dropped: whatever path a source's parse takes, its blocks end sealed.
pub struct Packer {
    id: u64,
    open: Option<Arc<Block>>,
    /// The open block holds a line (its place or the line): sealed `FAST`.
    lines: bool,
}

static NEXT_PACKER: AtomicU64 = AtomicU64::new(0);

impl Default for Packer {
    fn default() -> Packer {
        Packer {
            id: NEXT_PACKER.fetch_add(1, Ordering::Relaxed),
            open: None,
            lines: false,
        }
    }
}

impl Packer {
    pub fn pack(&mut self, s: &str) -> Summary {
        self.pack_with(s, None)
    }

    /// `s` with the event's line: a line's place, or a held line of at
    /// most `PACKED_MAX` bytes, is packed before it; a longer one is held
    /// with it.
    pub fn pack_with(&mut self, s: &str, text: Option<Text>) -> Summary {
        let lead = match text.as_ref().map(Text::parts) {
            None => Lead::None,
            Some(Ok(word)) => Lead::Place(word),
            Some(Err(line)) if line.len() <= PACKED_MAX => Lead::Line(line),
            Some(Err(_)) => return Summary::held_with(s, text),
        };
        if s.len() > PACKED_MAX {
            return Summary::held_with(s, text);
        }
        if let Some(packed) = self.write(&lead, s) {
            return packed;
        }
        // Full: sealed, and the summary goes to a new block (where it fits,
        // `2 * PACKED_MAX + PLACE` being below `BLOCK`).
        self.seal();
        self.open = Some(Block::new(self.id));
        match self.write(&lead, s) {
            Some(packed) => packed,
            None => Summary::held_with(s, text),
        }
    }

    /// `lead` and `s` appended to the open block, if they fit in it.
    fn write(&mut self, lead: &Lead<'_>, s: &str) -> Option<Summary> {
        let block = self.open.as_ref()?;
        let Bytes::Open(raw) = &mut *block.bytes() else {
            return None;
        };
        let place;
        let (bytes, flag): (&[u8], u32) = match lead {
            Lead::None => (&[], 0),
            Lead::Place(word) => {
                place = word.to_le_bytes();
                (&place, WITH_PLACE)
            }
            Lead::Line(line) => (line.as_bytes(), WITH_LINE | (line.len() as u32) << LEN_BITS),
        };
        if raw.len() + bytes.len() + s.len() > BLOCK {
            return None;
        }
        let start = raw.len();
        raw.extend_from_slice(bytes);
        raw.extend_from_slice(s.as_bytes());
        self.lines |= flag != 0;
        Some(Summary(Repr::Packed {
            block: block.clone(),
            start: start as u32,
            len: s.len() as u32 | flag,
        }))
    }

    fn seal(&mut self) {
        if let Some(b) = self.open.take() {
            b.seal(if self.lines { FAST } else { SMALL });
        }
        self.lines = false;
    }
}

impl Drop for Packer {
    fn drop(&mut self) {
        self.seal();
    }
}

impl std::fmt::Debug for Packer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Packer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_compresses_and_reads_back_and_damage_reads_as_empty() {
        let raw: Vec<u8> = (0..BLOCK as u32).map(|k| (k % 251) as u8).collect();
        let z = compress(&raw, SMALL).expect("compresses");
        assert!(z.len() < raw.len() / 4, "{} bytes", z.len());
        assert_eq!(decompress(&z), raw);
        assert_eq!(decompress(&compress(b"", FAST).expect("compresses")), b"");
        // Cut, flipped or too short: no panic, no bytes.
        assert!(decompress(&z[..z.len() / 2]).is_empty());
        assert!(decompress(&z[..3]).is_empty());
        let mut bad = z.to_vec();
        bad[6] ^= 0xff;
        assert!(decompress(&bad).is_empty());
        // A length that lies is refused, not trusted: too short, or past
        // what a block can hold (it would size the read).
        for lie in [10u32, BLOCK as u32 + 1, u32::MAX] {
            let mut wrong = z.to_vec();
            wrong[..4].copy_from_slice(&lie.to_le_bytes());
            assert!(decompress(&wrong).is_empty(), "{lie}");
        }
    }

    #[test]
    fn summaries_read_back_from_sealed_blocks_in_any_order() {
        let texts: Vec<String> = (0..20_000)
            .map(|k| {
                format!(
                    "svc{} on web{k:03} CRITICAL (HARD, attempt 3): port {}",
                    k % 7,
                    8000 + k
                )
            })
            .chain([
                "".to_string(),
                "é–✓".to_string(),
                "x".repeat(PACKED_MAX + 1),
            ])
            .collect();
        let mut p = Packer::default();
        let packed: Vec<Summary> = texts.iter().map(|t| p.pack(t)).collect();
        // Read while the last block is open, then after all are sealed.
        assert_eq!(packed[texts.len() - 2].get(), texts[texts.len() - 2]);
        drop(p);
        let blocks: std::collections::HashSet<u64> = packed
            .iter()
            .filter_map(|s| match &s.0 {
                Repr::Packed { block, .. } => Some(block.id),
                Repr::Held(_) => None,
            })
            .collect();
        assert!(blocks.len() > 4, "{} blocks", blocks.len());
        for k in (0..texts.len()).rev().chain(0..texts.len()).step_by(7) {
            assert_eq!(packed[k].get(), texts[k], "summary {k}");
        }
        assert_eq!(packed[0], Summary::held(&texts[0]));
        assert_ne!(packed[0], packed[1]);
    }

    /// More sources than the cache keeps, read in turns (as a timeline of
    /// many files is): each reads back right.
    #[test]
    fn summaries_of_many_sources_read_in_turns() {
        let sources = CACHED + 7;
        let mut packers: Vec<Packer> = (0..sources).map(|_| Packer::default()).collect();
        let mut packed = Vec::new();
        for k in 0..40 {
            for (j, p) in packers.iter_mut().enumerate() {
                let text = format!("source {j} line {k}: {}", "x".repeat(k % 50));
                packed.push((p.pack(&text), text));
            }
        }
        drop(packers);
        for (s, text) in packed.iter().chain(packed.iter().rev()) {
            assert_eq!(s.get(), *text);
        }
    }

    /// A summary read while another of the same open block is lent (a
    /// serialiser that reads a second one): no lock is held across `f`.
    #[test]
    fn a_read_inside_a_read_of_an_open_block() {
        let mut p = Packer::default();
        let (a, b) = (p.pack("first"), p.pack("second"));
        assert_eq!(a.with(|x| format!("{x} {}", b.get())), "first second");
        drop(p);
        assert_eq!(a.with(|x| format!("{x} {}", b.get())), "first second");
    }

    /// Lines' places and held lines packed before their summaries, across
    /// many blocks, and beside held ones: each summary reads back with its
    /// own line.
    #[test]
    fn summaries_read_back_with_their_lines() {
        use crate::bundle::read::LineAt;
        let mut p = Packer::default();
        let mut packed = Vec::new();
        for k in 0..5_000u64 {
            let summary = if k % 997 == 0 {
                "y".repeat(PACKED_MAX + 1)
            } else {
                format!("svc{} CRITICAL port {}", k % 7, 8000 + k)
            };
            let at = LineAt {
                offset: k * 81,
                len: (k % 80) as u32,
            };
            let text = match k % 5 {
                0 => Some(Text::at(at, "unused")),
                1 => Some(Text::held(&format!("held {k}"))),
                // At the bound a held line is packed, past it held.
                2 => Some(Text::held(&"h".repeat(PACKED_MAX + k as usize % 2))),
                3 => Some(Text::held("é–✓")),
                _ => None,
            };
            packed.push((p.pack_with(&summary, text.clone()), summary, text));
        }
        drop(p);
        for (s, summary, text) in packed.iter().rev() {
            assert_eq!(s.get(), *summary);
            assert_eq!(s.text(), text.as_ref().map(Text::view));
            assert_eq!(s.has_text(), text.is_some());
            // A line packs, place or held, whenever both parts fit.
            let fits = summary.len() <= PACKED_MAX
                && text.as_ref().is_none_or(|t| match t.parts() {
                    Ok(_) => true,
                    Err(line) => line.len() <= PACKED_MAX,
                });
            assert_eq!(matches!(s.0, Repr::Packed { .. }), fits, "{summary:.20}");
        }
        let (s, summary, _) = &packed[0];
        let moved = s.with_text(None);
        assert_eq!((moved.get(), moved.text()), (summary.into(), None));
        assert_ne!(moved, *s, "the line is part of what an event says");
    }

    #[test]
    fn a_summary_stays_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Summary>(), 16);
    }
}
