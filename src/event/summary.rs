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
use std::num::NonZeroUsize;
use std::ptr::NonNull;
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
    HEADER_MAX + 2 * PACKED_MAX + PLACE < BLOCK,
    "a summary packed with its line fits an empty block"
);

/// Bytes of a line's packed place (`Text::parts`) before a summary.
const PLACE: usize = 8;

/// A packed summary's entry in its block starts with a header: a `u16`
/// (little endian) holding the summary's length in its low bits and which
/// of the two kinds of line (if any) comes first in the top two, then,
/// for a held line, the line's length as a second `u16`. The lengths
/// live in the block, not the event: an event's summary is one word.
const LEN_BITS: u32 = 13;
const LEN_MASK: u16 = (1 << LEN_BITS) - 1;
const WITH_PLACE: u16 = 1 << 15;
const WITH_LINE: u16 = 1 << 14;
const HEADER_MAX: usize = 4;
const _: () = assert!(PACKED_MAX <= LEN_MASK as usize && LEN_BITS < 14);

/// The word's low bit: set for a packed summary (its block), clear for a
/// held one (its box). Both point at types aligned to more than a byte.
const PACKED: usize = 1;

/// A packed summary's offset in its block sits above this bit of the
/// word: user-space addresses on x86-64 (4-level paging) and aarch64
/// leave the top 16 bits clear. A block whose address does not (every
/// block on a 32-bit target; heaps with tagged pointers, or above 48 bits
/// with 5-level paging) has its summaries held instead: right, only
/// larger. Offsets are below `BLOCK`.
const SHIFT: u32 = usize::BITS - 16;
const ADDR: usize = (1 << SHIFT) - 1;
const _: () = assert!(BLOCK <= 1 << 16);
const _: () =
    assert!(std::mem::align_of::<Block>() > PACKED && std::mem::align_of::<Held>() > PACKED);

/// Sources each thread keeps a decompressed block of (a source's last
/// block read): 16 MiB at most. A cache of the last eight blocks whatever
/// their source made a timeline of ten interleaved files ten times slower.
/// Past this many sources read in turns, every read decompresses a block.
const CACHED: usize = 1024;

/// What an event says happened, in a line.
///
/// One word (issue 16: it makes a `TimedEvent` 32 bytes, not 40): a held
/// summary's `Box<Held>`, or a packed one's `Arc<Block>` tagged with
/// `PACKED` and its entry's offset in the block above `SHIFT`. It owns
/// what it points at, as the box or the `Arc` would: `Clone` and `Drop`
/// below are theirs.
#[repr(transparent)]
pub struct Summary {
    word: NonNull<u8>,
}

// What the word owns (`Held`, a `Block` behind its `Arc`) is both, and it
// is never changed through a shared `Summary`.
unsafe impl Send for Summary {}
unsafe impl Sync for Summary {}
const _: () = {
    fn both<T: Send + Sync>() {}
    let _ = both::<Held>;
    let _ = both::<Block>;
};

/// What a `Summary`'s word points at, lent.
enum Repr<'a> {
    Held(&'a Held),
    /// The entry's offset in the block's raw bytes.
    Packed(&'a Block, usize),
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
        Summary::boxed(Box::new(Held {
            summary: s.into(),
            text,
        }))
    }

    fn boxed(held: Box<Held>) -> Summary {
        let word = NonNull::from(Box::leak(held)).cast::<u8>();
        Summary { word }
    }

    /// The entry at `start` of `block`, when the word can say so (else
    /// `None`, and the caller holds the summary instead).
    fn packed(block: &Arc<Block>, start: usize) -> Option<Summary> {
        if Arc::as_ptr(block).addr() & !ADDR != 0 || start >> (usize::BITS - SHIFT) != 0 {
            return None;
        }
        // The word owns a count of the block, as the `Arc` would; it is
        // `into_raw`'s pointer, as `Arc::{increment,decrement}_strong_count`
        // need (a pointer from `&Block` may not reach the counts).
        let raw = NonNull::new(Arc::into_raw(Arc::clone(block)).cast_mut())?;
        Some(Summary {
            word: raw.cast::<u8>().map_addr(|a| a | (PACKED | start << SHIFT)),
        })
    }

    fn repr(&self) -> Repr<'_> {
        let addr = self.word.addr().get();
        if addr & PACKED == 0 {
            // SAFETY: an untagged word is the pointer `boxed` leaked,
            // owned by this summary until it drops.
            return Repr::Held(unsafe { self.word.cast::<Held>().as_ref() });
        }
        Repr::Packed(
            // SAFETY: a tagged word is a block `packed` counted, alive
            // while this summary is.
            unsafe { self.block().as_ref() },
            addr >> SHIFT,
        )
    }

    /// A packed summary's block, its word's tags taken off.
    fn block(&self) -> NonNull<Block> {
        let addr = self.word.addr().get() & ADDR & !PACKED;
        match NonZeroUsize::new(addr) {
            Some(a) => self.word.with_addr(a).cast::<Block>(),
            None => unreachable!("a packed summary's block has an address"),
        }
    }

    /// The text.
    pub fn get(&self) -> Cow<'_, str> {
        match self.repr() {
            Repr::Held(h) => Cow::Borrowed(&h.summary),
            Repr::Packed(..) => Cow::Owned(self.with(str::to_string)),
        }
    }

    /// `f` of the text, lent from its block without a copy.
    pub fn with<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self.repr() {
            Repr::Held(h) => f(&h.summary),
            Repr::Packed(block, start) => read(block, start, |e| {
                // Packed from a `&str`, it is UTF-8; a lossy decode keeps a
                // corrupted block from being a panic.
                f(&String::from_utf8_lossy(e.summary))
            }),
        }
    }

    /// The event's line as written or where it is, when the command kept
    /// it.
    pub fn text(&self) -> Option<TextView<'_>> {
        match self.repr() {
            Repr::Held(h) => h.text.as_ref().map(Text::view),
            Repr::Packed(block, start) => read(block, start, |e| match e.lead {
                // A corrupted block reads as no line, as its summary reads
                // lossily.
                EntryLead::Place(b) => <[u8; PLACE]>::try_from(b)
                    .ok()
                    .map(|w| Text::unpack(u64::from_le_bytes(w))),
                EntryLead::Line(b) => Some(TextView::Held(Cow::Owned(
                    String::from_utf8_lossy(b).into_owned(),
                ))),
                EntryLead::None => None,
            }),
        }
    }

    /// This summary with `text` as its line instead.
    pub fn with_text(&self, text: Option<Text>) -> Summary {
        if text.is_none() && !self.has_text() {
            return self.clone();
        }
        Summary::held_with(&self.get(), text)
    }

    /// Whether a line is kept, without reading it out (a packed one's
    /// flags are in its block's entry: this reads the block, as `get`
    /// does).
    fn has_text(&self) -> bool {
        match self.repr() {
            Repr::Held(h) => h.text.is_some(),
            Repr::Packed(block, start) => {
                read(block, start, |e| !matches!(e.lead, EntryLead::None))
            }
        }
    }
}

impl Summary {
    /// Where a packed summary is: its block (by address, a key while the
    /// summary lives) and its entry's offset; `None` for a held one. The
    /// packed timeline (`crate::timeline::Timeline`) keeps one summary per
    /// block and each event's offset, not each event's word.
    pub(crate) fn place(&self) -> Option<(usize, u16)> {
        let addr = self.word.addr().get();
        if addr & PACKED == 0 {
            return None;
        }
        // `packed` refused offsets of more than 16 bits.
        Some((addr & ADDR & !PACKED, (addr >> SHIFT) as u16))
    }

    /// The summary at `offset` in this packed summary's block, lent for as
    /// long as this one lives (no count taken); a held summary lends
    /// itself. `offset` must be an entry's, as `place` gave it for a
    /// summary of the same block.
    pub(crate) fn sibling(&self, offset: u16) -> SummaryRef<'_> {
        let word = match self.word.addr().get() & PACKED {
            0 => self.word,
            _ => self.word.map_addr(|a| {
                // The block's address and the tag stay: never zero.
                NonZeroUsize::new(a.get() & ADDR | usize::from(offset) << SHIFT).unwrap_or(a)
            }),
        };
        SummaryRef {
            word,
            life: std::marker::PhantomData,
        }
    }
}

/// A summary lent by the packed timeline: it reads as a `Summary` (it
/// derefs to one) but owns no count of its block, which the timeline
/// holds; cloning the `Summary` it derefs to takes one, as any clone does.
/// A summary's word, and `Copy`, as a reference is.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct SummaryRef<'a> {
    word: NonNull<u8>,
    life: std::marker::PhantomData<&'a Summary>,
}

// As `&Summary` is.
unsafe impl Send for SummaryRef<'_> {}
unsafe impl Sync for SummaryRef<'_> {}

impl<'a> SummaryRef<'a> {
    /// As `Summary::get`, a held text lent for as long as the summary
    /// it was lent from.
    pub fn get(&self) -> Cow<'a, str> {
        match self.repr() {
            Repr::Held(_) => {
                // SAFETY: untagged, the word is the box of the summary
                // this one was lent from (`sibling`, `from`), alive for
                // `'a`.
                let held: &'a Held = unsafe { self.word.cast::<Held>().as_ref() };
                Cow::Borrowed(&held.summary)
            }
            Repr::Packed(..) => Cow::Owned(self.with(str::to_string)),
        }
    }
}

impl std::ops::Deref for SummaryRef<'_> {
    type Target = Summary;
    fn deref(&self) -> &Summary {
        // SAFETY: both are one word, `repr(transparent)`; the word is a
        // live summary's (its own, or a sibling's in a block the lender
        // counts) for as long as this is lent, and through `&Summary` it
        // is never dropped, only read or cloned (which takes its count).
        unsafe { &*std::ptr::from_ref(self).cast::<Summary>() }
    }
}

impl<'a> From<&'a Summary> for SummaryRef<'a> {
    fn from(s: &'a Summary) -> SummaryRef<'a> {
        SummaryRef {
            word: s.word,
            life: std::marker::PhantomData,
        }
    }
}

impl serde::Serialize for SummaryRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

impl std::fmt::Display for SummaryRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl std::fmt::Debug for SummaryRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl Clone for Summary {
    fn clone(&self) -> Summary {
        match self.repr() {
            Repr::Held(h) => Summary::boxed(Box::new(h.clone())),
            Repr::Packed(..) => {
                // SAFETY: the block is alive (this summary counts it); the
                // copy of the word owns the count taken here.
                unsafe { Arc::increment_strong_count(self.block().as_ptr()) };
                Summary { word: self.word }
            }
        }
    }
}

impl Drop for Summary {
    fn drop(&mut self) {
        if self.word.addr().get() & PACKED == 0 {
            // SAFETY: the box `boxed` leaked, dropped once, here.
            drop(unsafe { Box::from_raw(self.word.cast::<Held>().as_ptr()) });
        } else {
            // SAFETY: the count `packed` or `clone` took, given back once.
            unsafe { Arc::decrement_strong_count(self.block().as_ptr()) };
        }
    }
}

impl serde::Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with(|text| s.serialize_str(text))
    }
}

/// What is packed before a summary in its entry.
enum EntryLead<'a> {
    None,
    Place(&'a [u8]),
    Line(&'a [u8]),
}

/// A packed summary's entry taken apart.
struct Entry<'a> {
    lead: EntryLead<'a>,
    summary: &'a [u8],
}

impl Entry<'_> {
    /// The entry at the start of `raw` and its length in bytes; a
    /// corrupted block's (a header cut short, lengths past its end) reads
    /// as empty.
    fn parse(raw: &[u8]) -> (Entry<'_>, usize) {
        let u16_at = |i: usize| {
            raw.get(i..i + 2)
                .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]))
        };
        let head = u16_at(0);
        let summary_len = usize::from(head & LEN_MASK);
        let (header, lead_len) = if head & WITH_PLACE != 0 {
            (2, PLACE)
        } else if head & WITH_LINE != 0 {
            (4, usize::from(u16_at(2) & LEN_MASK))
        } else {
            (2, 0)
        };
        let len = header + lead_len + summary_len;
        let Some(entry) = raw.get(header..len) else {
            let empty = Entry {
                lead: EntryLead::None,
                summary: &[],
            };
            return (empty, 0);
        };
        let (lead, summary) = entry.split_at(lead_len);
        let lead = match (head & WITH_PLACE != 0, head & WITH_LINE != 0) {
            (true, _) => EntryLead::Place(lead),
            (false, true) => EntryLead::Line(lead),
            (false, false) => EntryLead::None,
        };
        (Entry { lead, summary }, len)
    }
}

/// `f` of the entry at `start` of `block`.
fn read<R>(block: &Block, start: usize, f: impl FnOnce(Entry<'_>) -> R) -> R {
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
                // Still filling (read during ingest): a copy of the entry,
                // so that no lock is held while `f` runs.
                Bytes::Open(raw) => {
                    let from = raw.get(start..).unwrap_or_default();
                    let copy = from[..Entry::parse(from).1].to_vec();
                    drop(guard);
                    return f(Entry::parse(&copy).0);
                }
                Bytes::Sealed(z) => decompress(z).into(),
            };
            drop(guard);
            CACHE.with(|c| c.borrow_mut().keep(block, raw.clone()));
            raw
        }
    };
    f(Entry::parse(raw.get(start..).unwrap_or_default()).0)
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
    // Miri cannot call into zstd's C: under it blocks stay open, which
    // reads them by copy, and the word's ownership is still checked.
    if cfg!(miri) {
        return None;
    }
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
        if let Some(packed) = self.write(&lead, s, text.as_ref()) {
            return packed;
        }
        // Full: sealed, and the summary goes to a new block (where it fits,
        // `HEADER_MAX + 2 * PACKED_MAX + PLACE` being below `BLOCK`).
        self.seal();
        self.open = Some(Block::new(self.id));
        match self.write(&lead, s, text.as_ref()) {
            Some(packed) => packed,
            None => Summary::held_with(s, text),
        }
    }

    /// `lead` and `s` appended to the open block, if they fit in it. (A
    /// block the word cannot point into holds its summaries instead.)
    fn write(&mut self, lead: &Lead<'_>, s: &str, text: Option<&Text>) -> Option<Summary> {
        let block = self.open.as_ref()?;
        let Bytes::Open(raw) = &mut *block.bytes() else {
            return None;
        };
        let place;
        let (bytes, head): (&[u8], [u16; 2]) = match lead {
            Lead::None => (&[], [0, 0]),
            Lead::Place(word) => {
                place = word.to_le_bytes();
                (&place, [WITH_PLACE, 0])
            }
            Lead::Line(line) => (line.as_bytes(), [WITH_LINE, line.len() as u16]),
        };
        let header = if head[0] & WITH_LINE != 0 { 4 } else { 2 };
        if raw.len() + header + bytes.len() + s.len() > BLOCK {
            return None;
        }
        let start = raw.len();
        let Some(packed) = Summary::packed(block, start) else {
            return Some(Summary::held_with(s, text.cloned()));
        };
        raw.extend_from_slice(&(head[0] | s.len() as u16).to_le_bytes());
        if header == 4 {
            raw.extend_from_slice(&head[1].to_le_bytes());
        }
        raw.extend_from_slice(bytes);
        raw.extend_from_slice(s.as_bytes());
        self.lines |= head[0] != 0;
        Some(packed)
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
    #[cfg_attr(miri, ignore = "zstd is C")]
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
            .filter_map(|s| match s.repr() {
                Repr::Packed(block, _) => Some(block.id),
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
            assert_eq!(matches!(s.repr(), Repr::Packed(..)), fits, "{summary:.20}");
        }
        let (s, summary, _) = &packed[0];
        let moved = s.with_text(None);
        assert_eq!((moved.get(), moved.text()), (summary.into(), None));
        assert_ne!(moved, *s, "the line is part of what an event says");
    }

    #[test]
    fn a_summary_is_one_word() {
        assert_eq!(std::mem::size_of::<Summary>(), 8);
    }

    /// The word owns one count of its block, as an `Arc` would: clones
    /// take one, drops give it back, and the block is freed with the last.
    #[test]
    fn a_packed_summary_counts_its_block_as_an_arc_would() {
        let mut p = Packer::default();
        let a = p.pack("first");
        let b = p.pack_with("second", Some(Text::held("the line")));
        let block = p.open.clone().expect("an open block");
        assert_eq!(Arc::strong_count(&block), 4, "packer, a, b and this");
        let copies: Vec<Summary> = (0..10).map(|_| a.clone()).collect();
        assert_eq!(Arc::strong_count(&block), 14);
        drop(copies);
        drop(p);
        assert_eq!(Arc::strong_count(&block), 3);
        assert_eq!((a.get(), b.get()), ("first".into(), "second".into()));
        assert_eq!(b.text(), Some(TextView::Held(Cow::Borrowed("the line"))));
        let weak = Arc::downgrade(&block);
        drop((a, b, block));
        assert!(weak.upgrade().is_none(), "freed with its last summary");
        // A held one's clone is its own box.
        let h = Summary::held("held");
        let c = h.clone();
        assert_ne!(h.word, c.word);
        assert_eq!(c.get(), "held");
    }

    /// An offset the word cannot hold is refused without taking a count:
    /// the caller holds the summary instead.
    #[test]
    fn an_offset_past_the_word_is_refused_without_a_count() {
        let block = Block::new(0);
        assert!(Summary::packed(&block, 1 << (usize::BITS - SHIFT)).is_none());
        assert_eq!(Arc::strong_count(&block), 1);
        let s = Summary::packed(&block, (1 << (usize::BITS - SHIFT)) - 1);
        assert_eq!(s.is_some(), usize::BITS == 64);
        drop(s);
        assert_eq!(Arc::strong_count(&block), 1);
    }

    /// Entries cut short or with lengths past the block read as empty,
    /// never past the bytes.
    #[test]
    fn a_damaged_entry_reads_as_empty() {
        let cases: [&[u8]; 5] = [&[], &[5], &[5, 0, b'a'], &[2, 0x40, 9], &[0, 0x80, 1, 2, 3]];
        for raw in cases {
            let (e, len) = Entry::parse(raw);
            assert_eq!((e.summary, len), (&[][..], 0), "{raw:?}");
        }
        let (e, len) = Entry::parse(&[1, 0x40, 2, 0, b'l', b'n', b's', b'x']);
        assert_eq!((e.summary, len), (&b"s"[..], 7));
        assert!(matches!(e.lead, EntryLead::Line(b"ln")));
    }
}
