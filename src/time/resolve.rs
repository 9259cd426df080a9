//! The per-source accumulator around the placement policy.
//!
//! `place` decides each line alone from a context; `SourceClock` keeps what
//! the decisions depend on and what they add up to, line after line: the
//! calendar of a year-less source (the year, stepped on at New Year), the
//! latest instant (time does not run backwards within a source, which
//! settles DST folds), silences and cadence, the carry between parallel
//! chunks, and the tallies behind its findings, aggregated per source so a
//! million mislabelled lines give one finding that names the first.

use super::abbrev;
use super::fold::FoldPolicy;
use super::note::{NoteKind, Slot, TimeNote, Verdict};
use super::place::{place, Context, DstNote, LabelNote, Memo, Notes, Placement};
use super::provenance::{
    DstResolution, OffsetSource, Provenance, YearChoice, YearOrigin, YearSource, ZoneChoice,
    ZoneOrigin,
};
use super::stamp::{Stamp, WallClock};
use super::zone::{fmt_offset, with_offset, Reading};
use crate::evidence::Evidence;
use crate::finding::{Finding, FindingCode};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub use super::place::{TimeIssue, Timed};
pub use snapshot::ClockState;

mod snapshot;

/// The years rfo places events in. Flags and manifests outside it are
/// errors; an instant outside it is an undatable line with a finding.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=2100;

/// First occurrence and count of one kind of label mismatch.
#[derive(Debug, Clone)]
struct LabelMismatch {
    first: Evidence,
    count: u64,
    /// Both readings of the first line, for the note.
    readings: String,
}

/// Per-source time state. One per source; not shared across threads.
#[derive(Debug)]
pub struct SourceClock {
    file: String,
    zone: ZoneChoice,
    year: Option<YearChoice>,
    overrides: Arc<HashMap<String, i32>>,
    last: Option<DateTime<Utc>>,
    last_month: Option<u32>,
    rollovers: i32,
    mismatches: BTreeMap<String, LabelMismatch>,
    fold_policy: FoldPolicy,
    /// Ambiguous labels read without a zone: the label, its first line and
    /// how many lines carried it.
    guessed: BTreeMap<String, (u64, u64)>,
    findings: Vec<Finding>,
    out_of_order: u64,
    first_out_of_order: Option<Evidence>,
    dst_notes: u64,
    /// First line read in an assumed (not declared) zone.
    assumed_at: Option<u64>,
    fold: FoldNotes,
    /// Fx, not SipHash: a source whose lines alternate offsets (an RFC
    /// 5424 log from several senders) changes key every line, and hashing
    /// the key was 3 % of such a file's instructions (issue 16). The
    /// summary sorts what it reads from the map.
    tally: rustc_hash::FxHashMap<TallyKey, u64>,
    /// The tally key of the line before, counted without hashing.
    last_key: Option<(TallyKey, u64)>,
    dst_counts: BTreeMap<&'static str, u64>,
    memo: Memo,
    silences: Vec<Silence>,
    intervals: Intervals,
    /// The first year-less month and the first instant of this stretch, for
    /// telling whether a carry from an earlier stretch changes anything.
    first_month: Option<u32>,
    first_instant: Option<DateTime<Utc>>,
    first_line: Option<u64>,
    /// Started from an earlier stretch's carry: the boundary is inside.
    resumed: bool,
    /// The line before, when a stamp of its quarter hour is placed by its
    /// minutes and seconds alone (`Quick`).
    quick: [Quick; QUICK_SLOTS],
    /// The slot the next shortcut takes when all are in use.
    quick_next: usize,
    /// `last` as epoch seconds and nanoseconds, when known: what a line's
    /// order and its gap are worked out from (`note_order`). `None` where
    /// `last` was set otherwise (a carry, a later stretch).
    last_at: Option<(i64, u32)>,
    /// `false` places every stamp the long way: the reference the
    /// shortcut is tested against.
    shortcut: bool,
}

/// The line before, when its placement needed only its quarter hour
/// (`SPAN_MIN`): no DST decision, no note about its label, and an offset
/// that holds through the quarter (written in the line, or a zone bucket
/// with one offset throughout). A stamp of the same quarter with the same
/// offset or label is then that quarter's first instant plus its minutes
/// and seconds, with the same provenance and tally, and its only news for
/// the clock is its order.
/// Year-less stamps of one month get one year, whatever the calendar did
/// at the line before (`year_step` is idempotent on its own month).
/// About 60 % of a busy syslog's lines; placing one the long way was a
/// sixth of such a line's instructions (issue 16). A few are kept, one
/// per offset or label (an RFC 5424 log from several senders alternates
/// offsets line by line), each in place and rewritten at its next quarter.
/// A year-less one holds while the calendar stands still.
#[derive(Debug, Clone, Default)]
struct Quick {
    live: bool,
    /// Lines placed by it and not yet in the tally.
    hits: u64,
    /// The stamp's year as written, month, day, hour, quarter of the hour,
    /// and its written offset (`None`: a wall clock).
    span: QuickKey,
    labelled: bool,
    /// The label's text (its buffer reused from quarter to quarter).
    label: String,
    /// The quarter's first instant: its UTC date, second of that day, and
    /// seconds since the epoch.
    start: (chrono::NaiveDate, u32, i64),
    provenance: Option<Provenance>,
}

/// A stamp's year as written, month, day, hour, quarter of the hour and
/// written offset (`None`: a wall clock), packed in one integer: a
/// shortcut is found by one comparison a slot, not one a field (the
/// tuple's comparisons were 12 M instructions of the bench bundle; issue
/// 16). Fields past a byte make no key (`quick_key`): such stamps go the
/// long way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct QuickKey(u128);

impl QuickKey {
    const PRESENT: u128 = 1 << 32;

    fn of(w: &WallClock, off: Option<i32>) -> Option<QuickKey> {
        let byte = |v: u32| (v <= 0xff).then_some(u128::from(v));
        let optional = |v: Option<i32>| v.map_or(0, |v| Self::PRESENT | u128::from(v as u32));
        Some(QuickKey(
            optional(w.year)
                | optional(off) << 33
                | byte(w.month)? << 66
                | byte(w.day)? << 74
                | byte(w.hour)? << 82
                | byte(w.minute / SPAN_MIN)? << 90,
        ))
    }

    fn year_less(self) -> bool {
        self.0 & Self::PRESENT == 0
    }

    /// The written offset's part: the same for every stamp of one
    /// offset (or of none).
    fn offset(self) -> u128 {
        self.0 >> 33 & ((Self::PRESENT << 1) - 1)
    }
}

/// Minutes a shortcut spans: a quarter of an hour, the zone readings'
/// bucket (`zone::BUCKET_S`), inside which `Memo::uniform` vouches for one
/// offset. A busy log's quarter needed one placing the long way, not
/// fifteen: 52,936 on the bench bundle at a minute, 914 instructions each
/// (issue 16).
const SPAN_MIN: u32 = 15;
const _: () = assert!(SPAN_MIN as i64 * 60 == super::zone::BUCKET_S);

/// Seconds from the start of the shortcut's span to `w`'s whole second.
#[inline(always)]
fn into_span(w: &WallClock) -> u32 {
    (w.minute % SPAN_MIN) * 60 + w.second
}

/// Shortcuts kept: the bench bundle's RFC 5424 log has four offsets.
const QUICK_SLOTS: usize = 4;

/// The quarter-hour key of a wall-clock or offset stamp, and its wall clock.
fn quick_key(stamp: &Stamp) -> Option<(QuickKey, &WallClock)> {
    let (w, off) = match stamp {
        Stamp::Wall(w) => (w, None),
        Stamp::Offset { wall, offset_s } => (wall, Some(*offset_s)),
        Stamp::Epoch { .. } => return None,
    };
    // A leap second's instant is not its minute's start plus 60.
    if w.second > 59 || w.nanos >= 1_000_000_000 {
        return None;
    }
    Some((QuickKey::of(w, off)?, w))
}

impl Quick {
    /// The instant of a stamp (its `quick_key`) labelled `label` and its
    /// epoch seconds, when it is of this quarter. Always inlined: called
    /// out of line, up to four times a line with the key copied to each,
    /// it cost 13 M instructions on the bench bundle (issue 16).
    #[inline(always)]
    fn place(
        &self,
        (key, w): (QuickKey, &WallClock),
        label: Option<&str>,
    ) -> Option<(DateTime<Utc>, i64)> {
        let same_label = match label {
            Some(l) => self.labelled && l == self.label,
            None => !self.labelled,
        };
        if key != self.span || !same_label {
            return None;
        }
        let (date, start, start_s) = self.start;
        let within = into_span(w);
        // `None` past midnight UTC (an offset in odd minutes): the long way.
        let t = chrono::NaiveTime::from_num_seconds_from_midnight_opt(start + within, w.nanos)?;
        Some((date.and_time(t).and_utc(), start_s + i64::from(within)))
    }
}

/// What a clock hands from one stretch of a file to the next when a large
/// file is read in parallel chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Carry {
    pub last: Option<DateTime<Utc>>,
    pub last_month: Option<u32>,
    pub rollovers: i32,
    pub dst_notes: u64,
}

/// A stretch with no line at all from a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The first line after it.
    pub line: u64,
}

/// Silences shorter than this are not recorded.
pub const SILENCE_MIN_S: i64 = 900;
const SILENCES_KEPT: usize = 200;

/// A coarse histogram of seconds between consecutive lines, for the usual
/// cadence of a source (buckets 1 s, 2–9 s, 10–59 s, 1–9 min, ≥ 10 min).
#[derive(Debug, Clone, Default)]
pub struct Intervals {
    buckets: [u64; 5],
}

impl Intervals {
    fn record(&mut self, gap: i64) {
        let k = match gap {
            ..=1 => 0,
            2..=9 => 1,
            10..=59 => 2,
            60..=599 => 3,
            _ => 4,
        };
        self.buckets[k] += 1;
    }

    /// The upper bound, in seconds, of the bucket holding the median gap.
    /// `None` with fewer than 100 intervals: too few to call a cadence.
    pub fn median_bound_s(&self) -> Option<i64> {
        let total: u64 = self.buckets.iter().sum();
        if total < 100 {
            return None;
        }
        let mut acc = 0;
        for (k, n) in self.buckets.iter().enumerate() {
            acc += n;
            if acc * 2 >= total {
                return Some([1, 9, 59, 599, i64::MAX][k]);
            }
        }
        None
    }
}

/// Lines of a fall-back hour settled by line order: how many, where the
/// readings switch from one offset to the other.
#[derive(Debug, Default)]
struct FoldNotes {
    count: u64,
    first: Option<(u64, String)>,
    steps: Vec<(u64, String)>,
}

impl FoldNotes {
    fn note(&mut self, line: u64, abbrev: &str) {
        self.count += 1;
        match (&self.first, self.steps.last()) {
            (None, _) => self.first = Some((line, abbrev.to_string())),
            (Some((_, a)), None) if a != abbrev => self.steps.push((line, abbrev.to_string())),
            (_, Some((_, a))) if a != abbrev => self.steps.push((line, abbrev.to_string())),
            _ => {}
        }
    }
}

/// How a source's instants were obtained, counted over every line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSummary {
    pub readings: Vec<ReadingCount>,
    /// The year given to year-less lines, and where it came from.
    pub year: Option<YearNote>,
    /// DST decisions by kind (`fold-by-order`, `gap`, …).
    pub dst: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingCount {
    /// The provenance kind (`label-agrees`, `zone`, `in-line`, `epoch`, …).
    pub from: String,
    pub label: Option<String>,
    pub offset: String,
    pub lines: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearNote {
    pub year: i32,
    pub from: YearOrigin,
    pub rollovers: i32,
}

/// Tally key: provenance kind, offset, label.
type TallyKey = (&'static str, i32, Option<Arc<str>>);

fn tally_key(p: &Provenance) -> TallyKey {
    let (from, label) = match &p.offset {
        OffsetSource::InLine => ("in-line", None),
        OffsetSource::Epoch => ("epoch", None),
        OffsetSource::Zone { .. } => ("zone", None),
        OffsetSource::LabelAgrees { label, .. } => ("label-agrees", Some(label.clone())),
        OffsetSource::LabelOverride { label } => ("label-override", Some(label.clone())),
        OffsetSource::LabelOnly { label } => ("label-only", Some(label.clone())),
        OffsetSource::ZoneOverLabel { label, .. } => ("zone-over-label", Some(label.clone())),
        OffsetSource::LabelByEvidence { label, .. } => ("label-by-evidence", Some(label.clone())),
        OffsetSource::InferredOffset => ("inferred-offset", None),
    };
    (from, p.offset_s, label)
}

/// At most this many per-line DST and rollover findings per source; the rest
/// are counted in a summary finding.
const LINE_FINDINGS_CAP: u64 = 20;

/// A year-less source's calendar after one more month.
struct YearStep {
    /// New Years passed so far, for this line.
    rollovers: i32,
    /// The month that stepped into a new year, when this line did.
    rolled_from: Option<u32>,
    /// The month the calendar now stands at; `None` leaves it where it
    /// was (a late line from the old year, after New Year).
    last_month: Option<u32>,
}

/// Step a year-less calendar standing at `last_month` after `rollovers`
/// New Years on to `month`. November/December followed by January/February
/// is a New Year; a late November/December line right after that step
/// belongs to the old year: it is out of order, not another rollover.
fn year_step(last_month: Option<u32>, rollovers: i32, month: u32) -> YearStep {
    match last_month {
        Some(prev) if prev <= 2 && month >= 11 && rollovers > 0 => YearStep {
            rollovers: rollovers - 1,
            rolled_from: None,
            last_month: None,
        },
        Some(prev) if prev >= 11 && month <= 2 => YearStep {
            rollovers: rollovers + 1,
            rolled_from: Some(prev),
            last_month: Some(month),
        },
        _ => YearStep {
            rollovers,
            rolled_from: None,
            last_month: Some(month),
        },
    }
}

impl SourceClock {
    pub fn new(
        file: impl Into<String>,
        zone: ZoneChoice,
        year: Option<YearChoice>,
        overrides: Arc<HashMap<String, i32>>,
    ) -> Self {
        SourceClock {
            file: file.into(),
            zone,
            year,
            overrides,
            last: None,
            last_month: None,
            rollovers: 0,
            mismatches: BTreeMap::new(),
            fold_policy: FoldPolicy::default(),
            guessed: BTreeMap::new(),
            findings: Vec::new(),
            out_of_order: 0,
            first_out_of_order: None,
            dst_notes: 0,
            assumed_at: None,
            fold: FoldNotes::default(),
            tally: Default::default(),
            last_key: None,
            dst_counts: BTreeMap::new(),
            memo: Memo::default(),
            silences: Vec::new(),
            intervals: Intervals::default(),
            first_month: None,
            first_instant: None,
            first_line: None,
            resumed: false,
            quick: Default::default(),
            quick_next: 0,
            last_at: None,
            shortcut: true,
        }
    }

    /// This clock, placing every stamp the long way: what the shortcut
    /// for a quarter's later lines must agree with, line by line.
    #[doc(hidden)]
    pub fn without_shortcut(mut self) -> Self {
        self.shortcut = false;
        self
    }

    fn ev(&self, line: u64) -> Evidence {
        Evidence::new(self.file.clone(), line)
    }

    /// Place one stamp in time. `label` is the abbreviation written beside
    /// it. The year of a year-less stamp comes from this source's calendar;
    /// the rest is `place`'s decision, whose notes are committed here.
    pub fn resolve(
        &mut self,
        stamp: &Stamp,
        label: Option<&str>,
        line: u64,
    ) -> Result<Timed, TimeIssue> {
        if let Some((instant, provenance)) = self.quick_hit(stamp, label, line, Provenance::clone) {
            return Ok(Timed {
                instant,
                provenance,
            });
        }
        self.resolve_long(stamp, label, line)
    }

    /// `resolve`'s instant alone, for a line whose provenance nothing
    /// reads (one `analyze` settles): placed by a shortcut, no provenance
    /// is copied for it and dropped (issue 16); the long way still builds
    /// one and drops it. The clock notes the line as `resolve` would.
    pub fn instant(
        &mut self,
        stamp: &Stamp,
        label: Option<&str>,
        line: u64,
    ) -> Result<DateTime<Utc>, TimeIssue> {
        match self.quick_hit(stamp, label, line, |_| ()) {
            Some((instant, ())) => Ok(instant),
            None => self.resolve_long(stamp, label, line).map(|t| t.instant),
        }
    }

    /// The instant of the first shortcut that places `stamp`, and what
    /// `take` makes of its provenance; the hit is counted and the line's
    /// order noted.
    #[inline(always)]
    fn quick_hit<T>(
        &mut self,
        stamp: &Stamp,
        label: Option<&str>,
        line: u64,
        take: impl FnOnce(&Provenance) -> T,
    ) -> Option<(DateTime<Utc>, T)> {
        // The key once a line, not once a shortcut.
        let key = quick_key(stamp)?;
        for k in 0..QUICK_SLOTS {
            let q = &mut self.quick[k];
            if !q.live {
                continue;
            }
            if let (Some((instant, secs)), Some(p)) = (q.place(key, label), &q.provenance) {
                q.hits += 1;
                let taken = take(p);
                self.note_order(instant, secs, line);
                return Some((instant, taken));
            }
        }
        None
    }

    /// `resolve` when no shortcut places the stamp.
    fn resolve_long(
        &mut self,
        stamp: &Stamp,
        label: Option<&str>,
        line: u64,
    ) -> Result<Timed, TimeIssue> {
        let year = match stamp {
            Stamp::Wall(wall) if wall.year.is_none() => {
                let calendar = (self.last_month, self.rollovers);
                let year = self.year_for(wall, line);
                if calendar != (self.last_month, self.rollovers) {
                    self.forget_year_less();
                }
                Some(year?)
            }
            _ => None,
        };
        let ctx = Context {
            zone: self.zone,
            overrides: &self.overrides,
            fold: self.fold_policy,
            last: self.last,
            year,
        };
        let Placement { timed, notes } = place(stamp, label, &ctx, &mut self.memo)?;
        let plain = notes.label.is_none() && notes.dst.is_none();
        self.commit(notes, line);
        let year = chrono::Datelike::year(&timed.instant);
        if !YEARS.contains(&year) {
            return Err(TimeIssue::OutOfRange(year));
        }
        let secs = timed.instant.timestamp();
        self.note_order(timed.instant, secs, line);
        self.count(tally_key(&timed.provenance));
        if plain && self.shortcut {
            self.quick_after(stamp, label, &timed, secs);
        }
        if let Some(d) = timed.provenance.dst {
            let name = match d {
                DstResolution::FoldByLabel => "fold-by-label",
                DstResolution::FoldByOrder => "fold-by-order",
                DstResolution::FoldByOrderJitter => "fold-by-order-jitter",
                DstResolution::FoldUnresolved => "fold-unresolved",
                DstResolution::Gap => "gap",
            };
            *self.dst_counts.entry(name).or_insert(0) += 1;
        }
        Ok(timed)
    }

    /// Make the shortcut for the rest of `stamp`'s quarter hour, placed as
    /// `timed` (`secs` since the epoch) with no note, when its offset
    /// cannot change within the quarter.
    fn quick_after(&mut self, stamp: &Stamp, label: Option<&str>, timed: &Timed, secs: i64) {
        let p = &timed.provenance;
        if p.dst.is_some() || p.skew_ms.is_some() {
            return;
        }
        let Some((span, w)) = quick_key(stamp) else {
            return;
        };
        let zoned = match &p.offset {
            OffsetSource::InLine | OffsetSource::LabelOverride { .. } => false,
            OffsetSource::LabelOnly { .. } => false,
            OffsetSource::Zone { .. } | OffsetSource::LabelAgrees { .. } => true,
            _ => return,
        };
        if zoned
            && !self
                .memo
                .uniform(self.zone.tz, secs + i64::from(p.offset_s))
        {
            return;
        }
        let utc = timed.instant.naive_utc();
        let within = into_span(w);
        // A span begun the UTC day before (an offset in odd minutes or
        // seconds): the long way.
        let Some(start) =
            chrono::Timelike::num_seconds_from_midnight(&utc.time()).checked_sub(within)
        else {
            return;
        };
        // The slot of this offset and label, else a free one, else the
        // next in turn.
        let channel = |q: &Quick| {
            q.span.offset() == span.offset()
                && q.labelled == label.is_some()
                && q.label == label.unwrap_or_default()
        };
        let k = (self.quick.iter().position(|q| q.live && channel(q)))
            .or_else(|| self.quick.iter().position(|q| !q.live))
            .unwrap_or_else(|| {
                self.quick_next = (self.quick_next + 1) % QUICK_SLOTS;
                self.quick_next
            });
        self.retire(k);
        let q = &mut self.quick[k];
        q.span = span;
        q.labelled = label.is_some();
        q.label.clear();
        q.label.push_str(label.unwrap_or_default());
        q.start = (utc.date(), start, secs - i64::from(within));
        if q.provenance.as_ref() != Some(p) {
            q.provenance = Some(p.clone());
        }
        q.live = true;
    }

    /// Put shortcut `k`'s lines in the tally and stop it.
    fn retire(&mut self, k: usize) {
        self.quick[k].live = false;
        self.tally_hits(k);
    }

    /// Put shortcut `k`'s lines so far in the tally.
    fn tally_hits(&mut self, k: usize) {
        let q = &mut self.quick[k];
        let hits = std::mem::take(&mut q.hits);
        if let (true, Some(p)) = (hits > 0, &q.provenance) {
            *self.tally.entry(tally_key(p)).or_insert(0) += hits;
        }
    }

    /// Stop the shortcuts of year-less stamps: the calendar moved.
    fn forget_year_less(&mut self) {
        for k in 0..QUICK_SLOTS {
            if self.quick[k].live && self.quick[k].span.year_less() {
                self.retire(k);
            }
        }
    }

    /// The year of a year-less stamp: the given year, stepped on at each
    /// New Year the source's months pass through. The step is committed
    /// here, with a finding, before the stamp is placed.
    fn year_for(&mut self, wall: &WallClock, line: u64) -> Result<(i32, YearSource), TimeIssue> {
        let given = self.year.ok_or(TimeIssue::NoYear)?;
        if self.first_month.is_none() {
            self.first_month = Some(wall.month);
        }
        let step = year_step(self.last_month, self.rollovers, wall.month);
        if let Some(prev) = step.rolled_from {
            self.findings.push(Finding::info(
                FindingCode::YearRollover,
                format!(
                    "{}: month steps from {} to {} at line {}; year-less lines from here on are read as {}",
                    self.file,
                    prev,
                    wall.month,
                    line,
                    given.year.saturating_add(step.rollovers)
                ),
                Some(self.ev(line)),
            ));
        }
        if let Some(m) = step.last_month {
            self.last_month = Some(m);
            self.rollovers = step.rollovers;
        }
        let year = given.year.saturating_add(step.rollovers);
        if !YEARS.contains(&year) {
            return Err(TimeIssue::OutOfRange(year));
        }
        let source = YearSource::Given {
            origin: given.origin,
            rollovers: step.rollovers,
        };
        Ok((year, source))
    }

    /// Turn one placement's notes into this source's tallies and findings.
    fn commit(&mut self, notes: Notes, line: u64) {
        if notes.zone_assumed {
            self.note_assumed(line);
        }
        match notes.dst {
            None => {}
            Some(DstNote::FoldByOrder { abbrev }) => self.fold.note(line, &abbrev),
            Some(DstNote::FoldUnresolved { earlier, later }) => {
                let msg = format!(
                    "{}:{}: local time occurs twice in {} (fall back): {} or {}; nothing before it in the source decides, the earlier reading is used",
                    self.file,
                    line,
                    self.zone.tz.name(),
                    super::rfc3339(&earlier),
                    super::rfc3339(&later)
                );
                self.line_finding(FindingCode::DstAmbiguous, msg, line);
            }
            Some(DstNote::Gap {
                before_s,
                after_s,
                chosen,
                by_label,
            }) => {
                let how = if by_label {
                    format!("its label {} names that offset", chosen.abbrev)
                } else {
                    "read with the offset before the gap".to_string()
                };
                let msg = format!(
                    "{}:{}: local time does not exist in {} (spring forward gap between {} and {}); {how} ({}) as {}",
                    self.file,
                    line,
                    self.zone.tz.name(),
                    fmt_offset(before_s),
                    fmt_offset(after_s),
                    fmt_offset(chosen.offset_s),
                    super::rfc3339(&chosen.utc)
                );
                self.line_finding(FindingCode::DstGap, msg, line);
            }
        }
        match notes.label {
            None => {}
            Some(LabelNote::Mismatch { label, naive, used }) => {
                self.note_mismatch(naive, &used, &label, line)
            }
            Some(LabelNote::Guessed { label }) => {
                let e = self.guessed.entry(label.to_string()).or_insert((line, 0));
                e.1 += 1;
            }
        }
    }

    fn count(&mut self, key: TallyKey) {
        match &mut self.last_key {
            Some((k, n)) if *k == key => *n += 1,
            _ => {
                if let Some((k, n)) = self.last_key.take() {
                    *self.tally.entry(k).or_insert(0) += n;
                }
                self.last_key = Some((key, 1));
            }
        }
    }

    fn flush_tally(&mut self) {
        for k in 0..QUICK_SLOTS {
            self.tally_hits(k);
        }
        if let Some((k, n)) = self.last_key.take() {
            *self.tally.entry(k).or_insert(0) += n;
        }
    }

    fn note_assumed(&mut self, line: u64) {
        if self.zone.origin == ZoneOrigin::Assumed && self.assumed_at.is_none() {
            self.assumed_at = Some(line);
        }
    }

    fn line_finding(&mut self, code: FindingCode, msg: String, line: u64) {
        self.dst_notes += 1;
        if self.dst_notes <= LINE_FINDINGS_CAP {
            self.findings
                .push(Finding::warning(code, msg, Some(self.ev(line))));
        }
    }

    fn note_mismatch(&mut self, naive: NaiveDateTime, used: &Reading, label: &str, line: u64) {
        if let Some(m) = self.mismatches.get_mut(label) {
            m.count += 1;
            return;
        }
        let tz = self.zone.tz;
        let year = chrono::Datelike::year(&naive);
        let label_reading = abbrev::meaning_in(tz, label, year)
            .map(|off| vec![(off, tz.name().to_string())])
            .unwrap_or_else(|| {
                abbrev::meanings(label)
                    .iter()
                    .map(|m| (m.offset_s, m.region.to_string()))
                    .collect()
            });
        let mut alt = String::new();
        for (off, region) in &label_reading {
            let r = with_offset(naive, *off, None);
            alt.push_str(&format!(
                "; read as {label} ({}, {region}): {}",
                fmt_offset(*off),
                r.utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        if label_reading.is_empty() {
            alt.push_str(&format!("; {label} is not an abbreviation rfo knows"));
        }
        let readings = format!(
            "{}:{}: the line says {label} but {} was on {} ({}) at {}; read as {}: {}{alt}",
            self.file,
            line,
            tz.name(),
            used.abbrev,
            fmt_offset(used.offset_s),
            naive.format("%Y-%m-%d %H:%M:%S"),
            used.abbrev,
            used.utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        self.mismatches.insert(
            label.to_string(),
            LabelMismatch {
                first: self.ev(line),
                count: 1,
                readings,
            },
        );
    }

    /// Note a line's instant (`secs`: its epoch seconds): the first, the
    /// silence and cadence since the line before, and whether it is out of
    /// order. Worked out from integers, the line before's kept beside it:
    /// chrono's difference of two dates was a quarter of placing a line by
    /// its minute, and its comparisons and the cache of the seconds they
    /// needed 73 instructions a line (issue 16). Inlined into the
    /// shortcut that places most lines.
    #[inline(always)]
    fn note_order(&mut self, instant: DateTime<Utc>, secs: i64, line: u64) {
        if self.first_instant.is_none() {
            self.first_instant = Some(instant);
            self.first_line = Some(line);
        }
        let ns = instant.timestamp_subsec_nanos();
        let Some(last) = self.last else {
            self.last = Some(instant);
            self.last_at = Some((secs, ns));
            return;
        };
        let (last_s, last_ns) = self
            .last_at
            .unwrap_or_else(|| (last.timestamp(), last.timestamp_subsec_nanos()));
        // As instants compare: the epoch second, then its nanoseconds (a
        // leap second's past 10^9 within its second).
        let later = (secs, ns) >= (last_s, last_ns);
        // A leap second's nanoseconds: chrono's own rules.
        let gap = if ns >= 1_000_000_000 || last_ns >= 1_000_000_000 {
            (instant - last).num_seconds()
        } else {
            // The difference truncated toward zero, as
            // `TimeDelta::num_seconds`, without dividing: the nanoseconds
            // take a second off a forward difference when they go back, and
            // add one to a backward difference when they go forward.
            let d = secs - last_s;
            match later {
                true => d - i64::from(ns < last_ns),
                false => d + i64::from(ns > last_ns),
            }
        };
        self.note_gap(last, instant, gap, line);
        if !later {
            self.out_of_order += 1;
            if self.first_out_of_order.is_none() {
                self.first_out_of_order = Some(self.ev(line));
            }
        } else {
            self.last = Some(instant);
            self.last_at = Some((secs, ns));
        }
    }

    /// `gap` whole seconds from `from` to `to` (at `line`): a silence when
    /// long enough, and the cadence's count when forward. Between two lines
    /// of a stretch (`note_order`) and across stretches (`absorb`).
    #[inline(always)]
    fn note_gap(&mut self, from: DateTime<Utc>, to: DateTime<Utc>, gap: i64, line: u64) {
        if gap >= SILENCE_MIN_S && self.silences.len() < SILENCES_KEPT {
            self.silences.push(Silence { from, to, line });
        }
        if gap > 0 {
            self.intervals.record(gap);
        }
    }

    /// Stretches of 15 minutes or more with no line, and the source's
    /// usual cadence, for telling a silent monitor from a quiet one.
    pub fn silences(&self) -> (Vec<Silence>, Option<i64>) {
        (self.silences.clone(), self.intervals.median_bound_s())
    }

    /// The state a following stretch of the same file starts from.
    pub fn carry(&self) -> Carry {
        Carry {
            last: self.last,
            last_month: self.last_month,
            rollovers: self.rollovers,
            dst_notes: self.dst_notes,
        }
    }

    /// Start this (fresh) clock where an earlier stretch left off.
    pub fn resume(&mut self, c: Carry) {
        self.last = c.last;
        self.last_at = None;
        self.last_month = c.last_month;
        self.rollovers = c.rollovers;
        self.dst_notes = c.dst_notes;
        self.resumed = true;
    }

    /// Whether this stretch, read from a fresh clock, could have decided
    /// anything differently had it started from `c`: a year rollover at or
    /// before its start, any DST decision, or a first line earlier than the
    /// last one before it. Such a stretch is read again from `c`.
    pub fn depends_on(&self, c: &Carry) -> bool {
        let rollover = self.first_month.is_some()
            && (c.rollovers > 0
                || (c.last_month.is_some_and(|m| m >= 11)
                    && self.first_month.is_some_and(|m| m <= 2)));
        let dst = self.fold.count > 0 || self.dst_notes > 0;
        let order = matches!((c.last, self.first_instant), (Some(l), Some(f)) if f < l);
        rollover || dst || order
    }

    /// Fold a later stretch's clock (read from this one's carry, or found
    /// not to depend on it) into this one, as if one clock had read both.
    pub fn absorb(&mut self, mut later: SourceClock) {
        // A resumed clock already saw the boundary between the stretches.
        let boundary = (self.last, later.first_instant);
        if let (false, (Some(l), Some(f))) = (later.resumed, boundary) {
            let line = later.silences_first_line().unwrap_or(1);
            self.note_gap(l, f, (f - l).num_seconds(), line);
        }
        if self.first_month.is_none() {
            self.first_month = later.first_month;
        }
        if self.first_instant.is_none() {
            self.first_instant = later.first_instant;
        }
        self.last = match (self.last, later.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.last_at = None;
        if later.last_month.is_some() {
            self.last_month = later.last_month;
        }
        self.rollovers = later.rollovers.max(self.rollovers);
        self.findings.append(&mut later.findings);
        for (label, (line, n)) in std::mem::take(&mut later.guessed) {
            let e = self.guessed.entry(label).or_insert((line, 0));
            e.0 = e.0.min(line);
            e.1 += n;
        }
        for (label, m) in std::mem::take(&mut later.mismatches) {
            match self.mismatches.get_mut(&label) {
                Some(mine) => mine.count += m.count,
                None => {
                    self.mismatches.insert(label, m);
                }
            }
        }
        self.out_of_order += later.out_of_order;
        if self.first_out_of_order.is_none() {
            self.first_out_of_order = later.first_out_of_order.take();
        }
        self.dst_notes = self.dst_notes.max(later.dst_notes);
        if self.assumed_at.is_none() {
            self.assumed_at = later.assumed_at;
        }
        self.fold.count += later.fold.count;
        match (&self.fold.first, later.fold.first.take()) {
            (None, first) => self.fold.first = first,
            (Some((_, mine)), Some((line, theirs))) => {
                let current = self.fold.steps.last().map(|(_, a)| a).unwrap_or(mine);
                if *current != theirs {
                    self.fold.steps.push((line, theirs));
                }
            }
            _ => {}
        }
        self.fold.steps.append(&mut later.fold.steps);
        self.flush_tally();
        later.flush_tally();
        for (k, n) in later.tally {
            *self.tally.entry(k).or_insert(0) += n;
        }
        for (k, n) in later.dst_counts {
            *self.dst_counts.entry(k).or_insert(0) += n;
        }
        self.silences.append(&mut later.silences);
        self.silences.truncate(SILENCES_KEPT);
        for (a, b) in self
            .intervals
            .buckets
            .iter_mut()
            .zip(later.intervals.buckets)
        {
            *a += b;
        }
    }

    fn silences_first_line(&self) -> Option<u64> {
        self.first_line
    }

    /// Lines whose instant is earlier than a line before them.
    pub fn out_of_order(&self) -> u64 {
        self.out_of_order
    }

    /// How this source's instants were obtained so far.
    pub fn summary(&mut self) -> TimeSummary {
        self.flush_tally();
        let mut readings: Vec<ReadingCount> = self
            .tally
            .iter()
            .map(|((from, off, label), n)| ReadingCount {
                from: from.to_string(),
                label: label.as_ref().map(|l| l.to_string()),
                offset: fmt_offset(*off),
                lines: *n,
            })
            .collect();
        readings.sort_by(|a, b| {
            b.lines
                .cmp(&a.lines)
                .then_with(|| (&a.from, &a.label, &a.offset).cmp(&(&b.from, &b.label, &b.offset)))
        });
        let dst = self
            .dst_counts
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        TimeSummary {
            readings,
            year: self
                .year
                .filter(|_| self.last_month.is_some())
                .map(|y| YearNote {
                    year: y.year,
                    from: y.origin,
                    rollovers: self.rollovers,
                }),
            dst,
        }
    }

    /// The findings gathered over the whole source, undecided cases with
    /// their default verdict (`parse`, which weighs no other source).
    pub fn finish(self) -> Vec<Finding> {
        self.finish_noted().iter().map(Slot::finding).collect()
    }

    /// The findings gathered over the whole source, in order, with the
    /// cases `align` may still decide left as typed notes.
    pub fn finish_noted(mut self) -> Vec<Slot> {
        let mut out: Vec<Slot> = std::mem::take(&mut self.findings)
            .into_iter()
            .map(Slot::Done)
            .collect();
        if let Some((first, abbrev)) = self.fold.first.take() {
            let steps: Vec<String> = self
                .fold
                .steps
                .iter()
                .map(|(l, a)| format!("{a} from line {l}"))
                .collect();
            out.push(Slot::Done(Finding::info(
                FindingCode::DstAmbiguous,
                format!(
                    "{}: {} lines fall in a repeated fall-back hour of {}; settled by line order (time does not run backwards within a source): {abbrev} from line {first}{}",
                    self.file,
                    self.fold.count,
                    self.zone.tz.name(),
                    if steps.is_empty() { String::new() } else { format!(", {}", steps.join(", ")) }
                ),
                Some(self.ev(first)),
            )));
        }
        if let Some(line) = self.assumed_at {
            out.push(Slot::Note(TimeNote {
                file: self.file.clone(),
                kind: NoteKind::ZoneAssumed,
                first: self.ev(line),
                count: 0,
                verdict: Verdict::AssumedUtc,
            }));
        }
        for (label, (line, n)) in std::mem::take(&mut self.guessed) {
            let readings: Vec<String> = abbrev::meanings(&label)
                .iter()
                .map(|m| format!("{} {}", m.region, fmt_offset(m.offset_s)))
                .collect();
            out.push(Slot::Done(Finding::warning(
                FindingCode::ZoneAssumed,
                format!(
                    "{}: no zone given and the label {label} is ambiguous ({}); its {n} line(s) are read as {}, the first of its readings in rfo's table, first at line {line}: set [[source]] zone, --zone or --abbrev {label}=OFFSET",
                    self.file,
                    readings.join(", "),
                    readings[0],
                ),
                Some(self.ev(line)),
            )));
        }
        for (label, m) in std::mem::take(&mut self.mismatches) {
            out.push(Slot::Note(TimeNote {
                file: self.file.clone(),
                kind: NoteKind::LabelMismatch {
                    label,
                    readings: m.readings,
                },
                first: m.first,
                count: m.count,
                verdict: Verdict::ZoneWins,
            }));
        }
        if self.dst_notes > LINE_FINDINGS_CAP {
            out.push(Slot::Done(Finding::warning(
                FindingCode::DstAmbiguous,
                format!(
                    "{}: {} DST findings in all; the first {} are listed",
                    self.file, self.dst_notes, LINE_FINDINGS_CAP
                ),
                None,
            )));
        }
        if let Some(first) = self.first_out_of_order.take() {
            out.push(Slot::Done(Finding::info(
                FindingCode::OutOfOrder,
                format!(
                    "{}: {} lines are earlier than a line before them (first at line {}); they keep their file order as evidence and are sorted by instant in the timeline",
                    self.file, self.out_of_order, first.line
                ),
                Some(first),
            )));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::provenance::YearOrigin;
    use crate::time::stamp;
    use chrono_tz::America::Chicago;

    fn clock(origin: ZoneOrigin) -> SourceClock {
        SourceClock::new(
            "sw.log",
            ZoneChoice {
                tz: Chicago,
                origin,
            },
            Some(YearChoice {
                year: 2017,
                origin: YearOrigin::Manifest,
            }),
            Arc::new(HashMap::new()),
        )
    }

    fn bsd(s: &str) -> Stamp {
        Stamp::Wall(stamp::bsd(s).unwrap().1)
    }

    fn z(t: &Timed) -> String {
        t.instant.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The shortcut for a quarter's later lines never changes an answer:
    /// along `place::dst_days`, the shortcut's clock answers line by line
    /// and ends as the long way's. A clock asked for instants alone
    /// (`instant`, a settled line's) answers and ends as both.
    #[test]
    fn the_shortcut_places_as_the_long_way_through_dst_days() {
        let new = |tz, y, shortcut: bool| {
            let c = SourceClock::new(
                "d.log",
                ZoneChoice {
                    tz,
                    origin: ZoneOrigin::Source,
                },
                Some(YearChoice {
                    year: y,
                    origin: YearOrigin::Manifest,
                }),
                Arc::new(HashMap::new()),
            );
            if shortcut {
                c
            } else {
                c.without_shortcut()
            }
        };
        let mut hits = 0;
        let mut clocks: Option<(SourceClock, SourceClock, SourceClock)> = None;
        super::super::place::dst_days(|tz, y, _, k, wall| {
            if k == 0 {
                if let Some((mut fast, mut slow, mut bare)) = clocks.take() {
                    assert_eq!(fast.snapshot(), slow.snapshot(), "{tz} {y}");
                    assert_eq!(bare.snapshot(), slow.snapshot(), "{tz} {y}");
                }
                clocks = Some((new(tz, y, true), new(tz, y, false), new(tz, y, true)));
            }
            let (fast, slow, bare) = clocks.as_mut().expect("made at k = 0");
            let st = Stamp::Wall(wall);
            let shortcut = quick_key(&st).is_some_and(|key| {
                fast.quick
                    .iter()
                    .any(|q| q.live && q.place(key, None).is_some())
            });
            let line = u64::from(k) + 1;
            let got = fast.resolve(&st, None, line);
            assert_eq!(got, slow.resolve(&st, None, line), "{tz} {wall:?}");
            let instant = bare.instant(&st, None, line);
            assert_eq!(
                instant,
                got.as_ref().map(|t| t.instant).map_err(Clone::clone),
                "instant: {tz} {wall:?}"
            );
            hits += usize::from(shortcut && got.is_ok());
        });
        let (mut fast, mut slow, mut bare) = clocks.expect("days walked");
        assert_eq!(fast.snapshot(), slow.snapshot());
        assert_eq!(bare.snapshot(), slow.snapshot());
        assert!(hits > 50_000, "{hits}");
    }

    #[test]
    fn founding_case_cst_agrees() {
        let mut c = clock(ZoneOrigin::Source);
        let t = c.resolve(&bsd("Feb 22 21:56:03"), Some("CST"), 1).unwrap();
        assert_eq!(z(&t), "2017-02-23T03:56:03Z");
        assert!(matches!(
            t.provenance.offset,
            OffsetSource::LabelAgrees { .. }
        ));
        assert!(c.finish().is_empty());
    }

    #[test]
    fn founding_case_cdt_is_a_mismatch_with_both_readings() {
        let mut c = clock(ZoneOrigin::Source);
        let t = c.resolve(&bsd("Feb 22 21:56:03"), Some("CDT"), 7).unwrap();
        c.resolve(&bsd("Feb 22 21:57:03"), Some("CDT"), 8).unwrap();
        assert_eq!(z(&t), "2017-02-23T03:56:03Z");
        let f = c.finish();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FindingCode::ZoneAbbrevMismatch);
        assert_eq!(f[0].evidence, Some(Evidence::new("sw.log", 7)));
        let m = &f[0].message;
        assert!(m.contains("America/Chicago was on CST (UTC-06:00)"), "{m}");
        assert!(m.contains("2017-02-23T03:56:03Z"), "{m}");
        assert!(
            m.contains("read as CDT (UTC-05:00, America/Chicago): 2017-02-23T02:56:03Z"),
            "{m}"
        );
        assert!(m.contains("2 lines"), "{m}");
    }

    #[test]
    fn override_pins_label() {
        let mut overrides = HashMap::new();
        overrides.insert("CDT".to_string(), -5 * 3600);
        let mut c = SourceClock::new(
            "sw.log",
            ZoneChoice {
                tz: Chicago,
                origin: ZoneOrigin::Source,
            },
            Some(YearChoice {
                year: 2017,
                origin: YearOrigin::Manifest,
            }),
            Arc::new(overrides),
        );
        let t = c.resolve(&bsd("Feb 22 21:56:03"), Some("CDT"), 1).unwrap();
        assert_eq!(z(&t), "2017-02-23T02:56:03Z");
    }

    #[test]
    fn fall_back_fold_by_order() {
        let mut c = clock(ZoneOrigin::Source);
        let lines = [
            "Nov  5 00:50:00",
            "Nov  5 01:50:00",
            "Nov  5 01:10:00",
            "Nov  5 01:20:00",
            "Nov  5 02:05:00",
        ];
        let got: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(k, l)| z(&c.resolve(&bsd(l), None, k as u64 + 1).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                "2017-11-05T05:50:00Z",
                "2017-11-05T06:50:00Z",
                "2017-11-05T07:10:00Z",
                "2017-11-05T07:20:00Z",
                "2017-11-05T08:05:00Z"
            ]
        );
        // Real span 00:50→02:05 local is 2h15m; the wall clock says 1h15m.
        let f = c.finish();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].code, f[0].severity),
            (FindingCode::DstAmbiguous, crate::finding::Severity::Info)
        );
        assert!(
            f[0].message.contains("3 lines fall in a repeated fall-back hour of America/Chicago; settled by line order (time does not run backwards within a source): CDT from line 2, CST from line 3"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn fold_first_line_is_flagged() {
        let mut c = clock(ZoneOrigin::Source);
        let t = c.resolve(&bsd("Nov  5 01:30:00"), None, 1).unwrap();
        assert_eq!(t.provenance.dst, Some(DstResolution::FoldUnresolved));
        assert_eq!(c.finish()[0].code, FindingCode::DstAmbiguous);
    }

    #[test]
    fn fold_settled_by_label() {
        let mut c = clock(ZoneOrigin::Source);
        let t = c.resolve(&bsd("Nov  5 01:30:00"), Some("CST"), 1).unwrap();
        assert_eq!(z(&t), "2017-11-05T07:30:00Z");
        assert_eq!(t.provenance.dst, Some(DstResolution::FoldByLabel));
    }

    #[test]
    fn spring_gap_is_flagged() {
        let mut c = clock(ZoneOrigin::Source);
        let t = c.resolve(&bsd("Mar 12 02:30:00"), None, 3).unwrap();
        assert_eq!(z(&t), "2017-03-12T08:30:00Z");
        let f = c.finish();
        assert_eq!(f[0].code, FindingCode::DstGap);
        assert_eq!(f[0].evidence, Some(Evidence::new("sw.log", 3)));
    }

    #[test]
    fn december_to_january_rolls_the_year() {
        let mut c = clock(ZoneOrigin::Source);
        let a = c.resolve(&bsd("Dec 31 23:59:00"), None, 1).unwrap();
        let b = c.resolve(&bsd("Jan  1 00:01:00"), None, 2).unwrap();
        assert_eq!(z(&a), "2018-01-01T05:59:00Z");
        assert_eq!(z(&b), "2018-01-01T06:01:00Z");
        assert_eq!(c.finish()[0].code, FindingCode::YearRollover);
    }

    #[test]
    fn a_late_december_line_after_new_year_keeps_the_old_year() {
        let mut c = clock(ZoneOrigin::Source);
        let got: Vec<String> = [
            "Dec 31 23:59:58",
            "Jan  1 00:00:01",
            "Dec 31 23:59:59",
            "Jan  1 00:00:02",
        ]
        .iter()
        .enumerate()
        .map(|(k, l)| z(&c.resolve(&bsd(l), None, k as u64 + 1).unwrap()))
        .collect();
        assert_eq!(
            got,
            [
                "2018-01-01T05:59:58Z",
                "2018-01-01T06:00:01Z",
                "2018-01-01T05:59:59Z",
                "2018-01-01T06:00:02Z"
            ]
        );
        let f = c.finish();
        let rollovers = f
            .iter()
            .filter(|f| f.code == FindingCode::YearRollover)
            .count();
        assert_eq!(rollovers, 1, "{f:?}");
        assert!(f.iter().any(|f| f.code == FindingCode::OutOfOrder));
    }

    #[test]
    fn a_label_inside_the_spring_gap_names_its_side() {
        let mut c = clock(ZoneOrigin::Source);
        let t = c.resolve(&bsd("Mar 12 02:30:00"), Some("CDT"), 1).unwrap();
        assert_eq!(z(&t), "2017-03-12T07:30:00Z");
        let f = c.finish();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, FindingCode::DstGap);
        assert!(
            f[0].message.contains("its label CDT names that offset"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn feb_29_in_a_common_year_is_invalid() {
        let mut c = clock(ZoneOrigin::Source);
        assert_eq!(
            c.resolve(&bsd("Feb 29 00:00:00"), None, 1),
            Err(TimeIssue::InvalidDate(
                "Feb 29 does not exist in 2017 (not a leap year)".into()
            ))
        );
    }

    /// A packed key is the tuple it replaced: two stamps share one exactly
    /// when their year as written, month, day, hour, quarter and written
    /// offset all agree (every field at its extremes and 200,000 random
    /// ones, each under a byte), and its year and offset parts read back
    /// as the tuple's.
    #[test]
    fn quick_keys_are_their_fields() {
        type Fields = (Option<i32>, u32, u32, u32, u32, Option<i32>);
        let mut keys: HashMap<u128, Fields> = HashMap::new();
        let mut offsets: HashMap<u128, Option<i32>> = HashMap::new();
        let mut check = |year: Option<i32>, month, day, hour, minute, off: Option<i32>| {
            let w = WallClock {
                year,
                month,
                day,
                hour,
                minute,
                second: 7,
                nanos: 0,
                frac_digits: 0,
            };
            let k = QuickKey::of(&w, off).unwrap();
            assert_eq!(k.year_less(), year.is_none());
            let t = (year, month, day, hour, minute / SPAN_MIN, off);
            assert_eq!(*keys.entry(k.0).or_insert(t), t);
            assert_eq!(*offsets.entry(k.offset()).or_insert(off), off);
        };
        let years = [
            None,
            Some(i32::MIN),
            Some(-1),
            Some(0),
            Some(2017),
            Some(i32::MAX),
        ];
        let offs = [
            None,
            Some(i32::MIN),
            Some(-1),
            Some(0),
            Some(3_600),
            Some(i32::MAX),
        ];
        for (&year, &off) in years.iter().zip(offs.iter().cycle().skip(1)) {
            for v in [0, 1, 127, 128, 254, 255] {
                check(year, v, v, v, 0, off);
                check(year, v, 255 - v, v, 15 * (v % 17), off);
                check(off, 255 - v, v, 255 - v, 59, year);
            }
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let r = next();
            let small = |shift: u32| ((r >> shift) & 0xff) as u32;
            let year = (r & 1 == 1).then(|| (next() as i32) % 4 + 2016);
            let off = (r & 2 == 2).then(|| (next() as i32) % 4 * 1800);
            check(
                year,
                small(8),
                small(16),
                small(24),
                small(32) % 60 + 15 * (small(40) % 4),
                off,
            );
        }
        // A field past a byte makes no key: the long way.
        let w = |month, minute| WallClock {
            year: Some(2017),
            month,
            day: 1,
            hour: 0,
            minute,
            second: 0,
            nanos: 0,
            frac_digits: 0,
        };
        assert!(QuickKey::of(&w(256, 0), None).is_none());
        assert!(QuickKey::of(&w(1, 15 * 256), None).is_none());
    }

    /// `note_order` against chrono's arithmetic on instants: after each
    /// of 20,000 instants (forward, back, across silences, on the same
    /// second, and leap seconds' nanoseconds past 10^9), the same count
    /// and first line out of order, the same silences, the same cadence
    /// buckets and the same last instant.
    #[test]
    fn note_order_is_chronos_arithmetic() {
        #[derive(Default)]
        struct Model {
            last: Option<DateTime<Utc>>,
            out_of_order: u64,
            first: Option<u64>,
            silences: Vec<(DateTime<Utc>, DateTime<Utc>, u64)>,
            buckets: [u64; 5],
        }
        impl Model {
            fn note(&mut self, at: DateTime<Utc>, line: u64) {
                if let Some(last) = self.last {
                    let gap = (at - last).num_seconds();
                    if gap >= SILENCE_MIN_S && self.silences.len() < SILENCES_KEPT {
                        self.silences.push((last, at, line));
                    }
                    if gap > 0 {
                        let k = match gap {
                            ..=1 => 0,
                            2..=9 => 1,
                            10..=59 => 2,
                            60..=599 => 3,
                            _ => 4,
                        };
                        self.buckets[k] += 1;
                    }
                }
                match self.last {
                    Some(last) if at < last => {
                        self.out_of_order += 1;
                        self.first.get_or_insert(line);
                    }
                    _ => self.last = Some(at),
                }
            }
        }
        let mut c = clock(ZoneOrigin::Source);
        let mut model = Model::default();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cursor = 1_489_300_000_i64;
        for line in 1..=20_000u64 {
            let r = next();
            cursor += match r % 16 {
                0 => -(((r >> 8) % 4000) as i64),
                1 => 900 + ((r >> 8) % 3) as i64 - 1,
                2 => 86_400,
                3..=5 => 0,
                6..=10 => ((r >> 8) % 12) as i64,
                _ => ((r >> 8) % 700) as i64,
            };
            let secs = match r % 29 {
                // The last second of a day, where a leap second can be.
                0 => cursor - cursor.rem_euclid(86_400) + 86_399,
                _ => cursor,
            };
            let nanos = match (r >> 20) % 5 {
                0 => 0,
                1 => 999_999_999,
                2 if secs.rem_euclid(86_400) == 86_399 => {
                    1_000_000_000 + ((r >> 24) % 1_000_000_000) as u32
                }
                _ => ((r >> 24) % 1_000_000_000) as u32,
            };
            let at = DateTime::from_timestamp(secs, nanos).unwrap();
            c.note_order(at, secs, line);
            model.note(at, line);
            assert_eq!(c.last, model.last, "{line}");
            assert_eq!(c.out_of_order, model.out_of_order, "{line}");
            assert_eq!(
                c.first_out_of_order.as_ref().map(|e| e.line),
                model.first,
                "{line}"
            );
            assert_eq!(c.intervals.buckets, model.buckets, "{line}");
            let silences: Vec<_> = c.silences.iter().map(|s| (s.from, s.to, s.line)).collect();
            assert_eq!(silences, model.silences, "{line}");
        }
        // The walk went both ways and met what it was meant to.
        assert!(model.out_of_order > 1000 && model.silences.len() > 100);
        assert!(
            model.buckets.iter().all(|&n| n > 100),
            "{:?}",
            model.buckets
        );
    }

    #[test]
    fn out_of_order_is_counted() {
        let mut c = clock(ZoneOrigin::Source);
        c.resolve(&bsd("Feb 22 10:00:00"), None, 1).unwrap();
        c.resolve(&bsd("Feb 22 09:00:00"), None, 2).unwrap();
        assert_eq!(c.out_of_order(), 1);
        assert_eq!(c.finish()[0].code, FindingCode::OutOfOrder);
    }

    #[test]
    fn assumed_zone_with_unique_label_uses_label() {
        let mut c = SourceClock::new(
            "x.log",
            ZoneChoice {
                tz: chrono_tz::UTC,
                origin: ZoneOrigin::Assumed,
            },
            Some(YearChoice {
                year: 2017,
                origin: YearOrigin::Manifest,
            }),
            Arc::new(HashMap::new()),
        );
        let t = c.resolve(&bsd("Feb 22 21:56:03"), Some("CET"), 1).unwrap();
        assert_eq!(z(&t), "2017-02-22T20:56:03Z");
    }

    /// `rfo parse` on the founding core-switch.log alone (no zone): `CST`
    /// was read as UTC. An ambiguous label is read through the table (its
    /// first reading, US Central) and the finding names the others.
    #[test]
    fn assumed_zone_with_ambiguous_label_is_read_through_the_table_not_as_utc() {
        let mut c = SourceClock::new(
            "core-switch.log",
            ZoneChoice {
                tz: chrono_tz::UTC,
                origin: ZoneOrigin::Assumed,
            },
            Some(YearChoice {
                year: 2017,
                origin: YearOrigin::Manifest,
            }),
            Arc::new(HashMap::new()),
        );
        let t = c.resolve(&bsd("Feb 22 18:02:11"), Some("CST"), 1).unwrap();
        assert_eq!(z(&t), "2017-02-23T00:02:11Z");
        c.resolve(&bsd("Feb 22 18:02:14"), Some("CST"), 2).unwrap();
        let f = c.finish();
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, FindingCode::ZoneAssumed);
        assert_eq!(
            f[0].message,
            "core-switch.log: no zone given and the label CST is ambiguous (US Central UTC-06:00, China UTC+08:00, Cuba UTC-05:00); its 2 line(s) are read as US Central UTC-06:00, the first of its readings in rfo's table, first at line 1: set [[source]] zone, --zone or --abbrev CST=OFFSET"
        );
    }

    /// Issue: in a fall-back hour, line order alone decided the fold, so
    /// two writers 1 s apart (`01:50:00, 01:49:59, 01:50:01`) put the last
    /// two lines an hour later. A step back within the jitter tolerance
    /// stays in the first pass, and its provenance says so.
    #[test]
    fn jitter_in_a_fold_stays_in_the_first_pass() {
        let mut c = clock(ZoneOrigin::Source);
        let got: Vec<(String, Option<DstResolution>)> =
            ["Nov  5 01:50:00", "Nov  5 01:49:59", "Nov  5 01:50:01"]
                .iter()
                .enumerate()
                .map(|(k, l)| {
                    let t = c.resolve(&bsd(l), None, k as u64 + 1).unwrap();
                    (z(&t), t.provenance.dst)
                })
                .collect();
        assert_eq!(
            got,
            [
                (
                    "2017-11-05T06:50:00Z".to_string(),
                    Some(DstResolution::FoldUnresolved)
                ),
                (
                    "2017-11-05T06:49:59Z".to_string(),
                    Some(DstResolution::FoldByOrderJitter)
                ),
                (
                    "2017-11-05T06:50:01Z".to_string(),
                    Some(DstResolution::FoldByOrder)
                ),
            ]
        );
        assert_eq!(c.summary().dst.get("fold-by-order-jitter"), Some(&1));
    }
}
