//! The merged timeline, packed: about 6 bytes an event where a
//! `TimedEvent` is 32 (issue 16).
//!
//! The events of a flapping storm were the one large block left in its
//! memory (1.18 M events, 36 MiB), and no field of the event could go
//! alone any more. But along the timeline, fields change little from one
//! event to the next: instants a few seconds apart, lines counting up, a
//! few thousand `Who`s, summaries in the same few blocks. So events are
//! kept in blocks of `BLOCK`, each field as an offset from the block's
//! least value in as many bits as the block's largest offset needs
//! (frame-of-reference packing): the `Who` and the summary's block become
//! indexes into tables the timeline holds once, a summary's word its
//! entry's offset in its block.
//!
//! Every field is at a fixed bit position, so reading event `k` is a few
//! shifts, with no decompression and no cache: the window engine's reads
//! jump about (a span's end, a cluster's bounds), and a reader thread
//! shares nothing. `get` lends an `EventRef`, which reads like a
//! `TimedEvent` (`e.instant`, `e.who.host`, `e.summary.get()`) and takes
//! no count of the shared `Who` or summary block.

use std::ops::{Bound, Range, RangeBounds};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use rustc_hash::FxHashMap;

use crate::event::{Operator, Summary, SummaryRef, TextView, TimedEvent, Who};
use crate::evidence::Evidence;
use crate::time::provenance::Provenance;

/// Events a block holds: its header (40 bytes) costs under 3 bits an
/// event, and a block's instants and lines stay close.
const BLOCK: usize = 128;

/// The fields, in the order they are packed.
const SECS: usize = 0;
const NANOS: usize = 1;
const LINE: usize = 2;
const WHO: usize = 3;
const SUM: usize = 4;
const OFFSET: usize = 5;
const FIELDS: usize = 6;

/// The events of a bundle in timeline order, packed (or of a source, in
/// its order, before the merge).
#[derive(Default, Clone)]
pub struct Timeline {
    len: usize,
    heads: Vec<Head>,
    bits: Vec<u64>,
    /// Every distinct `Who` (by address), once.
    whos: Vec<Arc<Who>>,
    /// One summary per packed summaries' block (the others of the block
    /// are its siblings, by offset), and each held summary.
    sums: Vec<Summary>,
}

/// A block's least values and each field's width in bits.
#[derive(Clone, Copy, Debug)]
struct Head {
    secs: i64,
    /// The day of `secs` and its second in the day: an instant of the
    /// same day (nearly every one) is made without chrono's calendar
    /// arithmetic, which was a third of a read.
    day: NaiveDate,
    second_of_day: u32,
    /// Bit position of the block's first event in `bits`.
    at: u64,
    line: u32,
    who: u32,
    sum: u32,
    width: [u8; FIELDS],
    /// Bits an event takes: the widths' sum.
    stride: u16,
}

/// An event of a `Timeline`, lent: its fields are a `TimedEvent`'s.
#[derive(Clone, Copy, Debug)]
pub struct EventRef<'a> {
    pub instant: DateTime<Utc>,
    pub line: u32,
    pub who: &'a Arc<Who>,
    pub summary: SummaryRef<'a>,
}

impl<'a> EventRef<'a> {
    /// As `TimedEvent::provenance`.
    pub fn provenance(&self) -> &'a Provenance {
        &self.who.provenance
    }

    /// As `TimedEvent::text`.
    pub fn text(&self) -> Option<TextView<'_>> {
        self.summary.text()
    }

    pub fn operator(&self) -> Option<&'a Operator> {
        self.who.operator.as_deref()
    }

    pub fn evidence(&self) -> Evidence {
        Evidence::new(self.who.file.clone(), self.line.into())
    }

    /// Index of the source in the bundle's sorted source list.
    pub fn source(&self) -> u32 {
        self.who.source
    }

    /// The stable timeline order: instant, then source order, then line.
    pub fn order_key(&self) -> (DateTime<Utc>, u32, u32) {
        (self.instant, self.who.source, self.line)
    }

    /// The event, owned (its `Who` and summary counted again).
    pub fn to_event(&self) -> TimedEvent {
        TimedEvent {
            instant: self.instant,
            line: self.line,
            who: Arc::clone(self.who),
            summary: (*self.summary).clone(),
        }
    }
}

impl<'a> From<&'a TimedEvent> for EventRef<'a> {
    fn from(e: &'a TimedEvent) -> EventRef<'a> {
        EventRef {
            instant: e.instant,
            line: e.line,
            who: &e.who,
            summary: SummaryRef::from(&e.summary),
        }
    }
}

impl Timeline {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Event `k`, lent. Panics when `k` is out of range, as a slice's
    /// index does.
    pub fn get(&self, k: usize) -> EventRef<'_> {
        assert!(k < self.len, "event {k} of a timeline of {}", self.len);
        let (h, v) = self.fields(k);
        EventRef {
            instant: h.instant(v[SECS], v[NANOS] as u32),
            line: h.line.wrapping_add(v[LINE] as u32),
            who: &self.whos[(h.who as usize) + v[WHO] as usize],
            summary: self.sums[(h.sum as usize) + v[SUM] as usize].sibling(v[OFFSET] as u16),
        }
    }

    /// Event `k`'s block and its fields' packed values (`k` in range).
    fn fields(&self, k: usize) -> (&Head, [u64; FIELDS]) {
        let h = &self.heads[k / BLOCK];
        let at = h.at + (k % BLOCK) as u64 * u64::from(h.stride);
        // Nearly always an event's fields fit two words, read at once: a
        // merged timeline's take 70 to 100 bits (nanoseconds and lines of
        // several files), and read a field at a time they made `get` a
        // third of the main thread's work on the bench bundle.
        // (A block whose events are all alike takes no bits: nothing to
        // read, and its `at` may be the end, past the words `read_wide`
        // reads.)
        let wide = match h.stride {
            0 => Some(0),
            1..=128 => Some(read_wide(&self.bits, at, h.stride)),
            _ => None,
        };
        let mut v = [0u64; FIELDS];
        let mut from = 0u32;
        for (f, v) in v.iter_mut().enumerate() {
            let w = h.width[f];
            *v = match wide {
                Some(x) if w > 0 => (x >> from) as u64 & mask(w),
                Some(_) => 0,
                None => read(&self.bits, at + u64::from(from), w),
            };
            from += u32::from(w);
        }
        (h, v)
    }

    /// The distinct `Who`s of the events, each once, in no set order:
    /// what a question about who wrote the lines needs, with no event read.
    pub fn whos(&self) -> impl Iterator<Item = &Arc<Who>> {
        self.whos.iter()
    }

    /// The indices of the events whose `Who` passes `keep`, in order.
    /// `keep` is asked once a distinct `Who`, and of an event only its
    /// `Who`'s index is read: a pass that wants a few kinds of line (a
    /// monitor's stops, the status page's claims, labelled clocks) reads
    /// the rest for a tenth of what `get` costs (each whole pass was
    /// about 4 M instructions of the main thread's serial work on the
    /// bench bundle).
    pub fn indices_where(&self, mut keep: impl FnMut(&Who) -> bool) -> Matching<'_> {
        let mut before = Vec::with_capacity(self.whos.len() + 1);
        let mut n = 0u32;
        before.push(0);
        for w in &self.whos {
            n += u32::from(keep(w));
            before.push(n);
        }
        Matching {
            t: self,
            // No `Who` wanted: no event either, none read.
            k: if n == 0 { self.len } else { 0 },
            before,
            all_to: 0,
        }
    }

    /// Event `k`'s `Who`, its other fields unread. Panics when `k` is out
    /// of range, as `get` does.
    pub fn who_at(&self, k: usize) -> &Arc<Who> {
        assert!(k < self.len, "event {k} of a timeline of {}", self.len);
        &self.whos[self.who_index(k)]
    }

    /// The index in `whos` of event `k`'s `Who`.
    fn who_index(&self, k: usize) -> usize {
        let h = &self.heads[k / BLOCK];
        let w = h.width[WHO];
        let offset = match w {
            0 => 0,
            _ => {
                let before: u64 = [SECS, NANOS, LINE]
                    .iter()
                    .map(|&f| u64::from(h.width[f]))
                    .sum();
                let at = h.at + (k % BLOCK) as u64 * u64::from(h.stride) + before;
                read(&self.bits, at, w)
            }
        };
        h.who as usize + offset as usize
    }

    pub fn first(&self) -> Option<EventRef<'_>> {
        (!self.is_empty()).then(|| self.get(0))
    }

    pub fn last(&self) -> Option<EventRef<'_>> {
        self.len.checked_sub(1).map(|k| self.get(k))
    }

    pub fn iter(&self) -> Iter<'_> {
        self.range(..)
    }

    /// The events in `r`, in order. Panics when `r` is out of range, as a
    /// slice's index does.
    pub fn range(&self, r: impl RangeBounds<usize>) -> Iter<'_> {
        let Range { start, end } = self.bounds(r);
        Iter {
            t: self,
            front: start,
            back: end,
        }
    }

    /// As `slice::partition_point`.
    pub fn partition_point(&self, pred: impl FnMut(&EventRef<'_>) -> bool) -> usize {
        self.iter().partition_point(pred)
    }

    fn bounds(&self, r: impl RangeBounds<usize>) -> Range<usize> {
        // Checked as a slice's are: `Excluded(usize::MAX)` wrapped to 0 in
        // a release build and gave the whole timeline.
        let past = |x: usize| x.checked_add(1).expect("range bound past usize::MAX");
        let start = match r.start_bound() {
            Bound::Included(&a) => a,
            Bound::Excluded(&a) => past(a),
            Bound::Unbounded => 0,
        };
        let end = match r.end_bound() {
            Bound::Included(&b) => past(b),
            Bound::Excluded(&b) => b,
            Bound::Unbounded => self.len,
        };
        assert!(
            start <= end && end <= self.len,
            "range {start}..{end} of a timeline of {}",
            self.len
        );
        start..end
    }

    /// Each event owned, in order: for the rare pass that must move events
    /// (a clock corrected, outliers left out) or sort them.
    pub fn to_events(&self) -> Vec<TimedEvent> {
        self.iter().map(|e| e.to_event()).collect()
    }

    /// The events with `edit` applied to each, then stably sorted by
    /// (instant, line) as a source's events are (`--correct-skew` moves a
    /// source's instants). Built as they come; only a source whose order
    /// the edit changed is held as owned events to be sorted.
    pub fn edited(self, mut edit: impl FnMut(&mut TimedEvent)) -> Timeline {
        let mut b = Builder::default();
        for e in self.iter() {
            let mut e = e.to_event();
            edit(&mut e);
            b.push(e);
        }
        drop(self);
        b.finish().sorted_by_instant_and_line()
    }

    /// Only the events `keep` is true for.
    pub fn filtered(self, mut keep: impl FnMut(&EventRef<'_>) -> bool) -> Timeline {
        if self.iter().all(|e| keep(&e)) {
            return self;
        }
        self.iter()
            .filter(|e| keep(e))
            .map(|e| e.to_event())
            .collect()
    }

    /// Stably sorted by (instant, line): a source's order. Already so, as
    /// nearly every log is, it is returned as it is.
    pub fn sorted_by_instant_and_line(self) -> Timeline {
        let key = |e: &EventRef<'_>| (e.instant, e.line);
        let mut previous = None;
        let sorted = self.iter().all(|e| {
            let k = key(&e);
            let ok = previous.is_none_or(|p| p <= k);
            previous = Some(k);
            ok
        });
        if sorted {
            return self;
        }
        let mut events = self.to_events();
        drop(self);
        events.sort_by_key(|e| (e.instant, e.line));
        Timeline::from(events)
    }

    /// Bytes the packed events take, tables included (not what the `Who`s
    /// and summaries they share point at): for `docs/performance.md`.
    pub fn packed_bytes(&self) -> usize {
        use std::mem::size_of;
        self.heads.capacity() * size_of::<Head>()
            + self.bits.capacity() * size_of::<u64>()
            + self.whos.capacity() * size_of::<Arc<Who>>()
            + self.sums.capacity() * size_of::<Summary>()
    }
}

impl Head {
    fn instant(&self, delta: u64, nanos: u32) -> DateTime<Utc> {
        let second = u64::from(self.second_of_day) + delta;
        if second < 86_400 {
            if let Some(t) = NaiveTime::from_num_seconds_from_midnight_opt(second as u32, nanos) {
                return NaiveDateTime::new(self.day, t).and_utc();
            }
        }
        // Packed from an instant (`Builder::flush`), so it is one; the
        // fallback is never taken.
        DateTime::from_timestamp(self.secs.wrapping_add(delta as i64), nanos)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl std::fmt::Debug for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<TimedEvent>> for Timeline {
    fn from(events: Vec<TimedEvent>) -> Timeline {
        events.into_iter().collect()
    }
}

impl FromIterator<TimedEvent> for Timeline {
    fn from_iter<I: IntoIterator<Item = TimedEvent>>(events: I) -> Timeline {
        let mut b = Builder::default();
        for e in events {
            b.push(e);
        }
        b.finish()
    }
}

impl<'a> IntoIterator for &'a Timeline {
    type Item = EventRef<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Events lent in order, from either end.
#[derive(Clone)]
pub struct Iter<'a> {
    t: &'a Timeline,
    front: usize,
    back: usize,
}

/// The indices `Timeline::indices_where` gives.
pub struct Matching<'a> {
    t: &'a Timeline,
    /// Per distinct `Who`: how many before it are wanted (and the total
    /// last), so a block's range of `Who`s is judged at once; `Who` `i`
    /// is wanted when the count grows after it.
    before: Vec<u32>,
    k: usize,
    /// Events before this index are all wanted (a block whose every
    /// possible `Who` is).
    all_to: usize,
}

impl Iterator for Matching<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.k < self.t.len {
            let k = self.k;
            if k < self.all_to {
                self.k += 1;
                return Some(k);
            }
            let h = &self.t.heads[k / BLOCK];
            if k % BLOCK == 0 {
                // The block's events' `Who`s lie in `h.who` and the
                // `2^width - 1` after it: if none of those is wanted the
                // block is skipped, if all are it is taken, unread.
                let lo = h.who as usize;
                let w = u32::from(h.width[WHO]);
                let span = if w >= usize::BITS - 1 {
                    usize::MAX
                } else {
                    1 << w
                };
                let hi = lo.saturating_add(span).min(self.before.len() - 1);
                let wanted = (self.before[hi] - self.before[lo]) as usize;
                let end = (k + BLOCK).min(self.t.len);
                if wanted == 0 {
                    self.k = end;
                    continue;
                }
                if wanted == hi - lo {
                    self.all_to = end;
                    continue;
                }
            }
            self.k += 1;
            let i = self.t.who_index(k);
            if self.before[i + 1] > self.before[i] {
                return Some(k);
            }
        }
        None
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = EventRef<'a>;

    fn next(&mut self) -> Option<EventRef<'a>> {
        (self.front < self.back).then(|| {
            self.front += 1;
            self.t.get(self.front - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<EventRef<'a>> {
        self.front = self.front.saturating_add(n).min(self.back);
        self.next()
    }
}

impl Iter<'_> {
    /// As `slice::partition_point` on the events left: an index from the
    /// first of them.
    pub fn partition_point(&self, mut pred: impl FnMut(&EventRef<'_>) -> bool) -> usize {
        let (mut start, mut end) = (self.front, self.back);
        while start < end {
            let mid = start + (end - start) / 2;
            if pred(&self.t.get(mid)) {
                start = mid + 1;
            } else {
                end = mid;
            }
        }
        start - self.front
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            self.t.get(self.back)
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Packs events as they come, a block at a time.
#[derive(Default)]
pub struct Builder {
    t: Timeline,
    pending: Vec<TimedEvent>,
    /// Bits used in `t.bits`.
    end: u64,
    /// A `Who` (by address) → its index in `whos`.
    who_of: FxHashMap<usize, u32>,
    /// A packed summaries' block (by address) → its summary in `sums`.
    block_of: FxHashMap<usize, u32>,
}

impl Builder {
    pub fn len(&self) -> usize {
        self.t.len + self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `t`'s events after those pushed so far.
    pub fn append(&mut self, t: Timeline) {
        for e in t.iter() {
            self.push(e.to_event());
        }
    }

    pub fn push(&mut self, e: TimedEvent) {
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(BLOCK);
        }
        self.pending.push(e);
        if self.pending.len() == BLOCK {
            self.flush();
        }
    }

    pub fn finish(mut self) -> Timeline {
        self.flush();
        finished(self.t, self.end)
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let n = self.pending.len();
        let mut values = [[0u64; BLOCK]; FIELDS];
        let mut secs = [0i64; BLOCK];
        for (i, e) in self.pending.drain(..).enumerate() {
            secs[i] = e.instant.timestamp();
            values[NANOS][i] = u64::from(e.instant.timestamp_subsec_nanos());
            values[LINE][i] = u64::from(e.line);
            let whos = &mut self.t.whos;
            values[WHO][i] = u64::from(
                *self
                    .who_of
                    .entry(Arc::as_ptr(&e.who).addr())
                    .or_insert_with(|| {
                        whos.push(Arc::clone(&e.who));
                        index(whos.len() - 1)
                    }),
            );
            let (sum, offset) = match e.summary.place() {
                Some((block, offset)) => {
                    let sums = &mut self.t.sums;
                    let sum = *self.block_of.entry(block).or_insert_with(|| {
                        sums.push(e.summary.clone());
                        index(sums.len() - 1)
                    });
                    (sum, offset)
                }
                None => {
                    self.t.sums.push(e.summary);
                    (index(self.t.sums.len() - 1), 0)
                }
            };
            values[SUM][i] = u64::from(sum);
            values[OFFSET][i] = u64::from(offset);
        }
        pack(&mut self.t, &mut self.end, &secs, &mut values, n);
    }
}

/// Packs one block of `n` events (none: nothing), given as each field's
/// values (the `Who` and the summary as indexes into `t`'s tables) and
/// the instants' seconds, after the `end` bits `t` holds.
fn pack(
    t: &mut Timeline,
    end: &mut u64,
    secs: &[i64; BLOCK],
    values: &mut [[u64; BLOCK]; FIELDS],
    n: usize,
) {
    if n == 0 {
        return;
    }
    // Plain folds, which the compiler turns into vector code: as
    // `Iterator::min` and `max` they were a third of the merge's packing.
    let least_secs = secs[..n].iter().fold(i64::MAX, |a, &b| a.min(b));
    for (v, s) in values[SECS].iter_mut().zip(&secs[..n]) {
        *v = s.wrapping_sub(least_secs) as u64;
    }
    let mut least = [0u64; FIELDS];
    for f in [LINE, WHO, SUM] {
        least[f] = values[f][..n].iter().fold(u64::MAX, |a, &b| a.min(b));
        for v in &mut values[f][..n] {
            *v -= least[f];
        }
    }
    // A field's width is its largest value's, which is all the values'
    // bits or-ed together's.
    let mut width = [0u8; FIELDS];
    for (w, v) in width.iter_mut().zip(values.iter()) {
        let bits = v[..n].iter().fold(0, |a, &b| a | b);
        *w = (u64::BITS - bits.leading_zeros()) as u8;
    }
    let stride: u16 = width.iter().map(|&w| u16::from(w)).sum();
    let base = DateTime::from_timestamp(least_secs, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    t.heads.push(Head {
        secs: least_secs,
        day: base.date_naive(),
        second_of_day: base.num_seconds_from_midnight(),
        at: *end,
        line: least[LINE] as u32,
        who: least[WHO] as u32,
        sum: least[SUM] as u32,
        width,
        stride,
    });
    let need = (*end + n as u64 * u64::from(stride)).div_ceil(64) as usize + 1;
    if t.bits.len() < need {
        t.bits.resize(need, 0);
    }
    if (1..=128).contains(&stride) {
        // An event's fields put together first, then written at once, as
        // `get` reads them.
        for i in 0..n {
            let mut event = 0u128;
            let mut from = 0u32;
            for (&w, v) in width.iter().zip(values.iter()) {
                if w > 0 {
                    event |= u128::from(v[i]) << from;
                    from += u32::from(w);
                }
            }
            write_wide(&mut t.bits, *end, stride, event);
            *end += u64::from(stride);
        }
    } else if stride > 128 {
        for i in 0..n {
            for (&w, v) in width.iter().zip(values.iter()) {
                write(&mut t.bits, *end, w, v[i]);
                *end += u64::from(w);
            }
        }
    }
    t.len += n;
}

/// `t` with `end` bits packed, made ready to read.
fn finished(mut t: Timeline, end: u64) -> Timeline {
    t.heads.shrink_to_fit();
    t.bits.truncate(end.div_ceil(64) as usize);
    // One word past the last, so a read never needs a bound of its own.
    t.bits.push(0);
    t.bits.shrink_to_fit();
    t.whos.shrink_to_fit();
    t.sums.shrink_to_fit();
    t
}

/// An event's fields as packed, its `Who` and summary as indexes into its
/// timeline's tables: what a merge moves, with no `Who` or summary counted
/// or looked up and no instant made.
#[derive(Clone, Copy)]
struct Raw {
    secs: i64,
    nanos: u64,
    line: u32,
    who: u64,
    sum: u64,
    offset: u64,
}

impl Timeline {
    /// Event `k`'s packed fields (`k` in range).
    fn raw(&self, k: usize) -> Raw {
        let (h, v) = self.fields(k);
        Raw {
            secs: h.secs.wrapping_add(v[SECS] as i64),
            nanos: v[NANOS],
            line: h.line.wrapping_add(v[LINE] as u32),
            who: u64::from(h.who) + v[WHO],
            sum: u64::from(h.sum) + v[SUM],
            offset: v[OFFSET],
        }
    }
}

/// The events of `sources`, each one source's in (instant, line) order, in
/// (instant, source, line) order, as `timeline::merged` states it.
///
/// The merged tables are the sources' one after another (a `Who` names its
/// source, so no two sources share one, nor a summaries' block), so an
/// event's `Who` and summary move as indexes plus their source's base: the
/// merge reads and packs numbers. Made of `TimedEvent`s, each counted into
/// the merge and out again and its `Who` and block looked up, it was a
/// sixth of the serial work after the parse of the bench bundle (issue 16).
pub(super) fn merge(sources: &[Timeline]) -> Timeline {
    use std::cmp::Reverse;
    let mut t = Timeline::default();
    let mut base = Vec::with_capacity(sources.len());
    for s in sources {
        base.push((t.whos.len() as u64, t.sums.len() as u64));
        t.whos.extend(s.whos.iter().cloned());
        t.sums.extend(s.sums.iter().cloned());
    }
    let id: Vec<u32> = sources
        .iter()
        .map(|s| s.whos.first().map_or(0, |w| w.source))
        .collect();
    let key = |r: &Raw, k: usize| Reverse(((r.secs, r.nanos, id[k], r.line), k));
    let mut next = vec![0usize; sources.len()];
    let mut head: Vec<Raw> = sources.iter().map(|s| s.raw(0)).collect();
    let mut heap: std::collections::BinaryHeap<_> =
        head.iter().enumerate().map(|(k, r)| key(r, k)).collect();
    let (mut end, mut n) = (0u64, 0usize);
    let mut secs = [0i64; BLOCK];
    let mut values = [[0u64; BLOCK]; FIELDS];
    while let Some(Reverse((_, k))) = heap.pop() {
        let s = &sources[k];
        // A run of one source's events before every other's next goes out
        // without the heap.
        loop {
            let r = head[k];
            secs[n] = r.secs;
            values[NANOS][n] = r.nanos;
            values[LINE][n] = u64::from(r.line);
            values[WHO][n] = r.who + base[k].0;
            values[SUM][n] = r.sum + base[k].1;
            values[OFFSET][n] = r.offset;
            n += 1;
            if n == BLOCK {
                pack(&mut t, &mut end, &secs, &mut values, n);
                n = 0;
            }
            next[k] += 1;
            if next[k] == s.len() {
                break;
            }
            head[k] = s.raw(next[k]);
            let mine = key(&head[k], k);
            if heap.peek().is_some_and(|top| *top > mine) {
                heap.push(mine);
                break;
            }
        }
    }
    pack(&mut t, &mut end, &secs, &mut values, n);
    finished(t, end)
}

/// A table index: a timeline has fewer events than `u32::MAX`
/// (`timeline::merged` indexes it so), so fewer `Who`s and summaries.
pub fn index(k: usize) -> u32 {
    u32::try_from(k).expect("a timeline holds fewer than u32::MAX events")
}

/// The low `width` bits, for a width of 1 to 64.
fn mask(width: u8) -> u64 {
    u64::MAX >> (64 - u32::from(width))
}

/// The `width` (1 to 128) bits from bit `at` on, and maybe some past
/// them. The word after the one `at` is in is always there (`finish`
/// leaves one past the last, and `at` is before the end when the width is
/// not 0); a third is read only when the bits reach it.
fn read_wide(bits: &[u64], at: u64, width: u16) -> u128 {
    let (word, shift) = ((at / 64) as usize, (at % 64) as u32);
    let mut v = (u128::from(bits[word]) | u128::from(bits[word + 1]) << 64) >> shift;
    if shift > 0 && shift + u32::from(width) > 128 {
        v |= u128::from(bits[word + 2]) << (128 - shift);
    }
    v
}

fn read(bits: &[u64], at: u64, width: u8) -> u64 {
    if width == 0 {
        return 0;
    }
    let (word, shift) = ((at / 64) as usize, (at % 64) as u32);
    let mut v = bits[word] >> shift;
    if shift + u32::from(width) > 64 {
        v |= bits[word + 1] << (64 - shift);
    }
    v & mask(width)
}

/// Writes the `width` (1 to 128) low bits of `v` at bit `at`, into bits
/// that are still 0, as `read_wide` reads them back.
fn write_wide(bits: &mut [u64], at: u64, width: u16, v: u128) {
    let (word, shift) = ((at / 64) as usize, (at % 64) as u32);
    bits[word] |= (v << shift) as u64;
    if shift + u32::from(width) > 64 {
        bits[word + 1] |= ((v << shift) >> 64) as u64;
    }
    if shift > 0 && shift + u32::from(width) > 128 {
        bits[word + 2] |= (v >> (128 - shift)) as u64;
    }
}

fn write(bits: &mut [u64], at: u64, width: u8, v: u64) {
    if width == 0 {
        return;
    }
    let (word, shift) = ((at / 64) as usize, (at % 64) as u32);
    bits[word] |= v << shift;
    if shift + u32::from(width) > 64 {
        bits[word + 1] |= v >> (64 - shift);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Packer};
    use chrono::TimeZone;

    fn who(source: u32, host: &str) -> Arc<Who> {
        let mut e =
            crate::timeline::tests::ev("2017-02-23T03:56:00Z", source, 1, Kind::Fault, "svc");
        e.who_mut().host = Some(host.into());
        e.who
    }

    fn event(instant: DateTime<Utc>, line: u32, who: &Arc<Who>, summary: Summary) -> TimedEvent {
        TimedEvent {
            instant,
            line,
            who: Arc::clone(who),
            summary,
        }
    }

    fn same(t: &Timeline, want: &[TimedEvent]) {
        assert_eq!(t.len(), want.len());
        for (k, w) in want.iter().enumerate() {
            let e = t.get(k);
            assert_eq!(e.instant, w.instant, "event {k}");
            assert_eq!(e.line, w.line, "event {k}");
            assert!(Arc::ptr_eq(e.who, &w.who), "event {k}");
            assert_eq!(*e.summary, w.summary, "event {k}");
            assert_eq!(e.to_event(), *w, "event {k}");
        }
        // Who-only reads: the distinct `Who`s, and the events picked by
        // their `Who`, as a full read of every event gives them.
        let mut got: Vec<usize> = t.whos().map(|w| Arc::as_ptr(w).addr()).collect();
        let mut distinct: Vec<usize> = want.iter().map(|w| Arc::as_ptr(&w.who).addr()).collect();
        got.sort_unstable();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(got, distinct, "whos");
        let picks: [&dyn Fn(&Who) -> bool; 5] = [
            &|_| true,
            &|_| false,
            &|w| w.host.as_deref().is_some_and(|h| h.len() % 2 == 0),
            &|w| w.host.as_deref().is_some_and(|h| h.ends_with('7')),
            &|w| w.host.as_deref() == Some("h0"),
        ];
        for k in 0..t.len() {
            assert!(Arc::ptr_eq(t.who_at(k), t.get(k).who), "who of event {k}");
        }
        for (p, keep) in picks.iter().enumerate() {
            let by_who: Vec<usize> = t.indices_where(keep).collect();
            let by_get: Vec<usize> = (0..t.len()).filter(|&k| keep(t.get(k).who)).collect();
            assert_eq!(by_who, by_get, "pick {p}");
        }
    }

    /// Every field at its extremes, within and across blocks: far
    /// instants, a leap second, nanoseconds, lines from 0 to `u32::MAX`,
    /// held and packed summaries, many `Who`s.
    #[test]
    fn gives_back_every_event_as_it_was() {
        let mut packer = Packer::default();
        let hosts: Vec<Arc<Who>> = (0..300).map(|k| who(k % 3, &format!("h{k}"))).collect();
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .map(|t| t.and_utc())
            .expect("a leap second");
        let mut want = Vec::new();
        for k in 0..1000u32 {
            let instant = match k % 7 {
                0 => DateTime::<Utc>::MIN_UTC,
                1 => DateTime::<Utc>::MAX_UTC,
                2 => leap,
                _ => Utc
                    .timestamp_opt(1_487_736_600 + i64::from(k), k * 997)
                    .unwrap(),
            };
            let line = match k % 5 {
                0 => u32::MAX - k,
                _ => k,
            };
            let summary = match k % 3 {
                0 => Summary::held(&format!("held {k}")),
                _ => packer.pack(&format!("packed summary number {k}")),
            };
            want.push(event(
                instant,
                line,
                &hosts[(k as usize * 7) % 300],
                summary,
            ));
        }
        drop(packer);
        let t = Timeline::from(want.clone());
        same(&t, &want);
        let back: Vec<TimedEvent> = t.iter().rev().map(|e| e.to_event()).collect();
        assert_eq!(back.into_iter().rev().collect::<Vec<_>>(), want);
    }

    /// The merge moves each event's packed fields, its `Who` and summary
    /// as indexes past its source's tables: every field comes back as the
    /// stable sort of the sources gives it, at the extremes (far instants,
    /// a leap second, lines to `u32::MAX`, held and packed summaries), with
    /// instants that tie across sources and runs of one source (issue 16).
    #[test]
    fn a_merge_gives_back_every_event_in_timeline_order() {
        let mut packer = Packer::default();
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .map(|t| t.and_utc())
            .expect("a leap second");
        let mut sources: Vec<Vec<TimedEvent>> = Vec::new();
        for source in [2u32, 0, 5] {
            let hosts: Vec<Arc<Who>> = (0..40).map(|k| who(source, &format!("h{k}"))).collect();
            let mut v = Vec::new();
            for k in 0..(300 + 41 * source) {
                let instant = match (k + source) % 11 {
                    0 => DateTime::<Utc>::MIN_UTC,
                    1 => DateTime::<Utc>::MAX_UTC,
                    2 => leap,
                    // Runs of one source, and seconds the sources share.
                    3..=6 => Utc
                        .timestamp_opt(1_487_736_600 + i64::from(k / 50), 0)
                        .unwrap(),
                    _ => Utc
                        .timestamp_opt(1_487_736_600 + i64::from(k % 60), k * 997)
                        .unwrap(),
                };
                let line = match k % 13 {
                    0 => u32::MAX - k,
                    1 => 7,
                    _ => k,
                };
                let summary = match k % 3 {
                    0 => Summary::held(&format!("held {source} {k}")),
                    _ => packer.pack(&format!("packed summary {source} {k}")),
                };
                v.push(event(instant, line, &hosts[(k as usize * 7) % 40], summary));
            }
            v.sort_by_key(|e| (e.instant, e.line));
            sources.push(v);
        }
        drop(packer);
        let mut want: Vec<TimedEvent> = sources.concat();
        want.sort_by_key(|e| e.order_key());
        let got = crate::timeline::merged(sources.into_iter().map(Timeline::from).collect());
        same(&got, &want);
    }

    /// Blocks whose events take from a few bits to over two words, at
    /// many bit offsets: read in one word, in two, from three (when the
    /// bits reach `read_wide`'s third word), and field by field.
    #[test]
    fn every_stride_reads_back() {
        let mut packer = Packer::default();
        let hosts: Vec<Arc<Who>> = (0..600).map(|k| who(k % 3, &format!("h{k}"))).collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let bits = |r: u64, b: u32| if b == 0 { 0 } else { r >> (64 - b) };
        let mut want = Vec::new();
        for (n, &(secs, nanos, line, many)) in [
            (0, 0, 0, false),
            (3, 0, 4, false),
            (20, 10, 8, false),
            (30, 29, 19, true),
            (40, 29, 32, true),
            (42, 29, 32, true),
            (12, 0, 19, true),
            (25, 29, 0, false),
        ]
        .iter()
        .cycle()
        .take(61)
        .enumerate()
        {
            // Blocks of odd sizes put each next block at another offset.
            for _ in 0..(BLOCK - n % 7) {
                let at = Utc
                    .timestamp_opt(
                        1_000_000_000 + bits(next(), secs) as i64,
                        bits(next(), nanos) as u32,
                    )
                    .unwrap();
                let summary = match many && next() % 3 > 0 {
                    true => packer.pack(&format!("packed {}", next() % 10_000)),
                    false => Summary::held("held"),
                };
                let who = match many {
                    true => &hosts[(next() % 600) as usize],
                    false => &hosts[0],
                };
                want.push(event(at, bits(next(), line) as u32, who, summary));
            }
        }
        drop(packer);
        let t = Timeline::from(want.clone());
        let strides: Vec<u16> = t.heads.iter().map(|h| h.stride).collect();
        assert!(strides.iter().any(|&s| s <= 64), "{strides:?}");
        assert!(strides.iter().any(|&s| s > 64 && s <= 128), "{strides:?}");
        assert!(strides.iter().any(|&s| s > 128), "{strides:?}");
        same(&t, &want);
    }

    /// Events all alike take no bits: one event alone (the first
    /// `read_wide` read past the one word such a timeline has: 39 tests
    /// caught it), and a block of them after blocks that end on a word.
    #[test]
    fn events_that_take_no_bits_read_back() {
        let h = who(0, "h");
        let mut packer = Packer::default();
        let s = packer.pack("the same summary");
        drop(packer);
        let at = Utc.timestamp_opt(1_487_736_600, 0).unwrap();
        let one = vec![event(at, 7, &h, s.clone())];
        same(&Timeline::from(one.clone()), &one);
        // A block of 64-bit events (2 bits of seconds, 30 of nanoseconds,
        // 32 of line), which ends on a word, then one with nothing to tell
        // its events apart.
        let mut want: Vec<TimedEvent> = (0..BLOCK as u32)
            .map(|k| match k % 2 {
                0 => event(at, 0, &h, s.clone()),
                _ => {
                    let t = Utc.timestamp_opt(1_487_736_603, 999_999_999).unwrap();
                    event(t, u32::MAX, &h, s.clone())
                }
            })
            .collect();
        want.extend((0..BLOCK).map(|_| event(at, 7, &h, s.clone())));
        let t = Timeline::from(want.clone());
        assert_eq!((t.heads[0].stride, t.heads[1].stride), (64, 0));
        assert_eq!(t.heads[1].at % 64, 0);
        same(&t, &want);
    }

    /// Blocks none of whose possible `Who`s is wanted are skipped, and
    /// blocks all of whose are taken, unread: the events right after
    /// either are still judged one by one.
    #[test]
    fn indices_where_skips_and_takes_blocks_whole() {
        let hosts: Vec<Arc<Who>> = (0..4).map(|k| who(0, &format!("h{k}"))).collect();
        let at = Utc.timestamp_opt(1_487_736_600, 0).unwrap();
        let s = Summary::held("s");
        // Per block, the hosts its events take in turn.
        let blocks: [&[usize]; 5] = [&[0, 1], &[2, 3], &[0, 2], &[1], &[3, 0]];
        let mut want = Vec::new();
        for b in blocks {
            for i in 0..BLOCK {
                want.push(event(at, i as u32, &hosts[b[i % b.len()]], s.clone()));
            }
        }
        // A short last block.
        want.truncate(want.len() - 5);
        let t = Timeline::from(want.clone());
        for wanted in [
            &["h2", "h3"][..],
            &["h0"],
            &["h1"],
            &["h3"],
            &["h0", "h1", "h2"],
        ] {
            let keep = |w: &Who| w.host.as_deref().is_some_and(|h| wanted.contains(&h));
            let by_who: Vec<usize> = t.indices_where(keep).collect();
            let by_get: Vec<usize> = (0..t.len()).filter(|&k| keep(t.get(k).who)).collect();
            assert_eq!(by_who, by_get, "{wanted:?}");
        }
    }

    #[test]
    fn a_storm_packs_in_a_few_bytes_an_event() {
        let mut packer = Packer::default();
        let hosts: Vec<Arc<Who>> = (0..2000).map(|k| who(0, &format!("svc{k}"))).collect();
        let want: Vec<TimedEvent> = (0..20_000u32)
            .map(|k| {
                let at = Utc
                    .timestamp_opt(1_700_000_000 + i64::from(k / 3), 0)
                    .unwrap();
                let s = packer.pack(&format!(
                    "SERVICE ALERT: svc{};CRITICAL;HARD;3;port {k}",
                    k % 2000
                ));
                event(at, k + 1, &hosts[(k as usize * 13) % 2000], s)
            })
            .collect();
        drop(packer);
        let t = Timeline::from(want.clone());
        same(&t, &want);
        let per_event = (t.packed_bytes() - 2000 * 8) as f64 / 20_000.0;
        assert!(per_event < 7.0, "{per_event} bytes an event");
    }

    /// A slice panics on `[usize::MAX + 1..]`; the timeline wrapped the
    /// bound to 0 and gave every event (found in review).
    #[test]
    #[should_panic(expected = "past usize::MAX")]
    fn a_range_past_usize_max_panics_as_a_slices() {
        use std::ops::Bound;
        let t = Timeline::from(vec![crate::timeline::tests::ev(
            "2017-02-23T03:56:00Z",
            0,
            1,
            Kind::Fault,
            "svc",
        )]);
        let _ = t.range((Bound::Excluded(usize::MAX), Bound::Unbounded));
    }

    #[test]
    fn ranges_and_partition_points_are_a_slices() {
        let hosts = [who(0, "a"), who(1, "b")];
        let want: Vec<TimedEvent> = (0..300u32)
            .map(|k| {
                let at = Utc
                    .timestamp_opt(1_600_000_000 + i64::from(k / 2), 0)
                    .unwrap();
                event(at, k, &hosts[k as usize % 2], Summary::held(&k.to_string()))
            })
            .collect();
        let t = Timeline::from(want.clone());
        for (a, b) in [(0, 0), (0, 300), (5, 129), (127, 128), (290, 300)] {
            let lines: Vec<u32> = t.range(a..b).map(|e| e.line).collect();
            let slice: Vec<u32> = want[a..b].iter().map(|e| e.line).collect();
            assert_eq!(lines, slice);
            let rev: Vec<u32> = t
                .range(a..=b.saturating_sub(1).max(a))
                .rev()
                .map(|e| e.line)
                .collect();
            assert_eq!(rev.len(), (b.max(a + 1) - a).min(300 - a));
            for cut in [0, 1, 64, 100, 200] {
                let at = Utc.timestamp_opt(1_600_000_000 + cut, 0).unwrap();
                let ours = a + t.range(a..b).partition_point(|e| e.instant < at);
                let theirs = a + want[a..b].partition_point(|e| e.instant < at);
                assert_eq!(ours, theirs, "{a}..{b} at {cut}");
            }
        }
        assert_eq!(t.iter().nth(299).map(|e| e.line), Some(299));
        assert!(t.iter().nth(300).is_none());
        assert_eq!(t.last().map(|e| e.line), Some(299));
        assert!(Timeline::default().first().is_none());
    }

    /// The passes that change a source's packed events give what the same
    /// edits give on a vector: `--correct-skew`'s move and re-sort,
    /// outliers left out, a later stretch appended.
    #[test]
    fn edits_are_a_vectors() {
        let hosts = [who(0, "a"), who(0, "b")];
        let want: Vec<TimedEvent> = (0..400u32)
            .map(|k| {
                let at = Utc.timestamp_opt(1_600_000_000 + i64::from(k), 0).unwrap();
                event(
                    at,
                    k + 1,
                    &hosts[k as usize % 2],
                    Summary::held(&k.to_string()),
                )
            })
            .collect();
        // Every third event moved back ten minutes: the order changes.
        let edit = |e: &mut TimedEvent| {
            if e.line % 3 == 0 {
                e.instant -= chrono::Duration::minutes(10);
            }
        };
        let mut moved = want.clone();
        moved.iter_mut().for_each(edit);
        moved.sort_by_key(|e| (e.instant, e.line));
        same(&Timeline::from(want.clone()).edited(edit), &moved);
        let kept: Vec<TimedEvent> = want.iter().filter(|e| e.line % 7 != 0).cloned().collect();
        same(
            &Timeline::from(want.clone()).filtered(|e| e.line % 7 != 0),
            &kept,
        );
        let mut b = Builder::default();
        b.push(want[0].clone());
        b.append(Timeline::from(want[1..].to_vec()));
        assert_eq!(b.len(), want.len());
        same(&b.finish(), &want);
    }
}
