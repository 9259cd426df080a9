//! Align: let cross-source evidence decide between readings of a clock.
//!
//! When a source's zone labels disagree with its declared zone (`CDT` in
//! February in America/Chicago), or a source names no zone at all, each
//! candidate reading is tested against the sources that carry absolute time
//! (epochs, numeric offsets): a device's fault should be followed within
//! minutes by a monitor's alert, its recovery by the monitor's recovery.
//! The reading with more such pairs wins; the declared zone wins ties.
//! Every decision is written into the finding with the pairs and the
//! rejected readings, and into each moved event's provenance.

use crate::event::{Kind, ProvenanceEdit, Who};
use crate::evidence::Evidence;
use crate::finding::{Finding, FindingCode};
use crate::ingest::Ingested;
use crate::time::abbrev;
use crate::time::note::{NoteKind, Verdict};
use crate::time::provenance::{OffsetSource, ZoneOrigin};
use crate::time::zone::fmt_offset;
use crate::timeline::{EventRef, Timeline};
use chrono::{DateTime, Datelike, Duration, Utc};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// How long after a cause its effect may be seen by another clock.
pub const PAIR_WINDOW_S: i64 = 600;
/// Pairs shown in a finding.
const PAIRS_SHOWN: usize = 3;

/// One cause → effect pair under a reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub cause: Evidence,
    pub effect: Evidence,
    pub lag_s: i64,
}

#[derive(Debug, Clone, Copy)]
struct Anchor {
    instant: DateTime<Utc>,
    kind: Kind,
    source: u32,
    line: u32,
}

fn is_absolute(e: &EventRef<'_>) -> bool {
    absolute(e.who)
}

/// Whether a `Who`'s lines carry absolute time (`is_absolute`).
fn absolute(w: &Who) -> bool {
    matches!(
        w.provenance.offset,
        OffsetSource::InLine | OffsetSource::Epoch
    )
}

/// Events with absolute time that can witness another clock. An anchor
/// only ever witnesses another source's events (every pairing skips its
/// own source), so a bundle with one source of events has none: on a
/// flapping storm the list was a fifth of the peak memory (issue 16).
fn anchors(ing: &Ingested) -> Vec<(Anchor, Evidence)> {
    if ing.sources.iter().filter(|s| !s.events.is_empty()).count() < 2 {
        return Vec::new();
    }
    let mut out: Vec<(Anchor, Evidence)> = ing
        .sources
        .iter()
        .flat_map(|s| {
            let witness = |w: &Who| {
                absolute(w) && matches!(w.kind, Kind::Fault | Kind::Detection | Kind::Recovery)
            };
            s.events.indices_where(witness).map(|k| s.events.get(k))
        })
        .map(|e| {
            (
                Anchor {
                    instant: e.instant,
                    kind: e.who.kind,
                    source: e.source(),
                    line: e.line,
                },
                e.evidence(),
            )
        })
        .collect();
    out.sort_by_key(|(a, _)| (a.instant, a.source, a.line));
    out
}

/// An instant as chrono orders it, compared without chrono's arithmetic:
/// seconds since the epoch and the nanoseconds past them (a billion or
/// more inside a leap second).
type Key = (i64, u32);

fn key(t: DateTime<Utc>) -> Key {
    (t.timestamp(), t.timestamp_subsec_nanos())
}

/// `t` moved by `s` seconds and the end of its pairing window, as keys:
/// plain sums off a leap second (chrono's own sums agree there), chrono's
/// arithmetic on one.
fn moved(t: DateTime<Utc>, s: i64) -> (Key, Key) {
    let (secs, nanos) = key(t);
    if nanos < 1_000_000_000 {
        ((secs + s, nanos), (secs + s + PAIR_WINDOW_S, nanos))
    } else {
        let m = t + Duration::seconds(s);
        (key(m), key(m + Duration::seconds(PAIR_WINDOW_S)))
    }
}

/// The anchors one source's events can pair with: another source's faults
/// and detections for a fault, its recoveries for a recovery. Each list is
/// in anchor order and holds the anchor's index in the whole list. Built
/// once a source, it spares each of the hundred readings tried for the
/// source the anchors of the wrong kind and of the source itself, and
/// chrono's comparisons (issue 16: 4 % of one thread on the bench bundle).
struct Witnesses {
    faults: Vec<(Key, u32)>,
    recoveries: Vec<(Key, u32)>,
}

impl Witnesses {
    fn of(anchors: &[(Anchor, Evidence)], source: u32) -> Witnesses {
        let mut w = Witnesses {
            faults: Vec::new(),
            recoveries: Vec::new(),
        };
        for (j, (a, _)) in anchors.iter().enumerate() {
            if a.source == source {
                continue;
            }
            let list = match a.kind {
                Kind::Fault | Kind::Detection => &mut w.faults,
                Kind::Recovery => &mut w.recoveries,
                _ => continue,
            };
            list.push((key(a.instant), crate::timeline::index(j)));
        }
        w
    }
}

/// Which anchor each event pairs with, as (event, anchor) indexes in the
/// events' time order once moved. `events`: instant, seconds it moves,
/// kind. One-to-one: an anchor witnesses one event only, so one monitor
/// alert cannot vouch for a burst of device lines. Events in time order
/// take the first unused anchor of their kind not before them and at most
/// `PAIR_WINDOW_S` after.
fn matched(events: &[(DateTime<Utc>, i64, Kind)], w: &Witnesses) -> Vec<(usize, usize)> {
    let mut order: Vec<(Key, Key, u32)> = events
        .iter()
        .enumerate()
        .map(|(k, &(t, s, _))| {
            let (at, until) = moved(t, s);
            (at, until, crate::timeline::index(k))
        })
        .collect();
    order.sort_unstable_by_key(|&(at, _, k)| (at, k));
    walk(
        order
            .into_iter()
            .map(|(at, until, k)| (at, until, k as usize, events[k as usize].2)),
        w,
    )
}

/// `matched` for a whole clock moved by `s` seconds: `events` are a
/// source's, keyed once (`keyed`), so already in time order once moved,
/// and moved by plain sums. The hundred offsets the whole-clock search
/// tries each read 1,064 faults of the bench bundle's switch: made from
/// chrono's instants and sorted anew, they were a tenth of the work after
/// the parse (issue 16).
fn matched_in_order(events: &[(Key, Kind)], s: i64, w: &Witnesses) -> Vec<(usize, usize)> {
    walk(
        events
            .iter()
            .enumerate()
            .map(|(k, &((secs, nanos), kind))| {
                (
                    (secs + s, nanos),
                    (secs + s + PAIR_WINDOW_S, nanos),
                    k,
                    kind,
                )
            }),
        w,
    )
}

/// The pairing walk of `matched`: events as (moved key, end of their
/// window, index, kind), in (key, index) order.
fn walk(
    order: impl Iterator<Item = (Key, Key, usize, Kind)>,
    w: &Witnesses,
) -> Vec<(usize, usize)> {
    let mut used = [vec![false; w.faults.len()], vec![false; w.recoveries.len()]];
    // Events come in time order, so the first anchor not before an event
    // only moves on: a walk, not a binary search per event.
    let mut from = [0usize; 2];
    let mut out = Vec::new();
    for (at, until, k, kind) in order {
        let (list, which) = match kind {
            Kind::Fault => (&w.faults, 0),
            Kind::Recovery => (&w.recoveries, 1),
            _ => continue,
        };
        let (used, from) = (&mut used[which], &mut from[which]);
        while list.get(*from).is_some_and(|&(a, _)| a < at) {
            *from += 1;
        }
        let hit = (*from..list.len())
            .take_while(|&j| list[j].0 <= until)
            .find(|&j| !used[j]);
        if let Some(j) = hit {
            used[j] = true;
            out.push((k, list[j].1 as usize));
        }
    }
    out
}

/// A source's faults and recoveries (`faults`) as keys and kinds, for
/// `matched_in_order`; `None` when one falls in a leap second, which a
/// plain sum does not move as chrono does.
fn keyed(faults: &[EventRef<'_>]) -> Option<Vec<(Key, Kind)>> {
    faults
        .iter()
        .map(|e| {
            let k = key(e.instant);
            (k.1 < 1_000_000_000).then_some((k, e.who.kind))
        })
        .collect()
}

/// A candidate reading: a shift applied to some of a source's events.
#[derive(Debug, Clone)]
struct Candidate {
    name: String,
    offset_s: i32,
    /// Seconds added to each affected event's instant.
    shift: Shift,
    pairs: Vec<Pair>,
}

/// The affected lines of a group (a label's, the zone-less ones), each
/// with the offset it was read at, shared by every reading tried for the
/// group: a reading at offset `to` moves line `l` by `base(l) - to`. A
/// map of its own per reading held every line of the group fifty times
/// over when `rfo timeline` kept every line (3.4 s and 442 MB for a
/// 100 MB bundle without a manifest; issue 16).
#[derive(Debug, Clone)]
struct Shift {
    /// `(line, base)`, sorted by line, one entry per line (the last event's).
    lines: Arc<[(u32, i32)]>,
    to: i32,
}

impl Shift {
    /// No line moves.
    fn none() -> Shift {
        Shift {
            lines: Arc::from(Vec::new()),
            to: 0,
        }
    }

    /// The lines of `events` with the offset `base` read each at.
    fn lines<'e>(
        events: impl Iterator<Item = EventRef<'e>>,
        base: impl Fn(&EventRef<'_>) -> i32,
    ) -> Arc<[(u32, i32)]> {
        Shift::table(events.map(|e| (e.line, base(&e))).collect())
    }

    /// `(line, base)` pairs sorted by line, each line once: as collecting
    /// them into a map would keep them (the last pair of a line wins).
    fn table(mut v: Vec<(u32, i32)>) -> Arc<[(u32, i32)]> {
        // Stable: of the pairs of one line, the last one's stays.
        v.sort_by_key(|&(line, _)| line);
        let mut out: Vec<(u32, i32)> = Vec::with_capacity(v.len());
        for (line, b) in v {
            match out.last_mut() {
                Some(last) if last.0 == line => last.1 = b,
                _ => out.push((line, b)),
            }
        }
        out.into()
    }

    /// Seconds the event on `line` moves, `None` when it is not affected.
    fn get(&self, line: u32) -> Option<i64> {
        let k = self.lines.binary_search_by_key(&line, |&(l, _)| l).ok()?;
        Some(i64::from(self.lines[k].1) - i64::from(self.to))
    }
}

impl Candidate {
    fn rank(&self) -> (usize, i64) {
        (
            self.pairs.len(),
            -self.pairs.iter().map(|p| p.lag_s.abs()).sum::<i64>(),
        )
    }
}

/// A source's faults and recoveries: what every reading is judged by,
/// gathered once per source rather than once per reading tried.
fn faults(events: &Timeline) -> Vec<EventRef<'_>> {
    events
        .indices_where(|w| matches!(w.kind, Kind::Fault | Kind::Recovery))
        .map(|k| events.get(k))
        .collect()
}

/// Pairs for a source's `faults` (and recoveries), each moved by
/// `shift(e)` seconds, against the source's witnesses. An event's
/// evidence is made only for the pairs found.
fn evaluate(
    faults: &[EventRef<'_>],
    shift: impl Fn(&EventRef<'_>) -> i64,
    w: &Witnesses,
    anchors: &[(Anchor, Evidence)],
) -> Vec<Pair> {
    let events: Vec<(DateTime<Utc>, i64, Kind)> = faults
        .iter()
        .map(|e| (e.instant, shift(e), e.who.kind))
        .collect();
    pairs(&matched(&events, w), faults, |k| events[k].1, anchors)
}

/// `evaluate` for the whole clock moved by `s` seconds, through the
/// faults' keys (`keyed`) when there are some.
fn evaluate_whole(
    faults: &[EventRef<'_>],
    keys: Option<&[(Key, Kind)]>,
    s: i64,
    w: &Witnesses,
    anchors: &[(Anchor, Evidence)],
) -> Vec<Pair> {
    match keys {
        Some(keys) => pairs(&matched_in_order(keys, s, w), faults, |_| s, anchors),
        None => evaluate(faults, |_| s, w, anchors),
    }
}

/// The pairs of `matched`'s (event, anchor) indexes, event `k` moved by
/// `shift(k)` seconds: an event's evidence is made only for these.
fn pairs(
    matched: &[(usize, usize)],
    faults: &[EventRef<'_>],
    shift: impl Fn(usize) -> i64,
    anchors: &[(Anchor, Evidence)],
) -> Vec<Pair> {
    matched
        .iter()
        .map(|&(k, j)| {
            let ((a, aev), e) = (&anchors[j], &faults[k]);
            let t = e.instant + Duration::seconds(shift(k));
            Pair {
                cause: e.evidence(),
                effect: aev.clone(),
                lag_s: (a.instant - t).num_seconds(),
            }
        })
        .collect()
}

/// A shift by line, as a candidate reading records it.
fn by_line(shift: &Shift) -> impl Fn(&EventRef<'_>) -> i64 + '_ {
    move |e| shift.get(e.line).unwrap_or(0)
}

fn describe(c: &Candidate) -> String {
    format!(
        "{} ({}): {}",
        c.name,
        fmt_offset(c.offset_s),
        pairs_text(&c.pairs)
    )
}

/// `3 pairs (a → b +41 s, …) and 2 more`.
fn pairs_text(pairs: &[Pair]) -> String {
    let shown: Vec<String> = pairs
        .iter()
        .take(PAIRS_SHOWN)
        .map(|p| format!("{} → {} {:+} s", p.cause, p.effect, p.lag_s))
        .collect();
    let more = pairs.len().saturating_sub(PAIRS_SHOWN);
    format!(
        "{} pair{}{}{}",
        pairs.len(),
        if pairs.len() == 1 { "" } else { "s" },
        if shown.is_empty() {
            String::new()
        } else {
            format!(" ({})", shown.join(", "))
        },
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// A source whose clock `align` found skewed, as a number: `lint` reads a
/// report that states its corrected times when it was not asked to
/// correct them, and says so rather than calling each one wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skew {
    /// The source's path, as its events cite it.
    pub file: std::sync::Arc<str>,
    /// What `--correct-skew` adds to each of its instants, in ms.
    pub correction_ms: i64,
    /// Whether it did (the events are moved).
    pub corrected: bool,
}

/// A skew smaller than this is ordinary latency, not worth a finding.
pub const SKEW_MIN_S: i64 = 60;

/// Decide mislabelled and zone-less sources by cross-source evidence, then
/// estimate clock skew; with `correct_skew`, move skewed sources' events.
pub fn align(ing: &mut Ingested, correct_skew: bool) {
    // The anchors are built once, and again only after a correction moved
    // some events: `place` moves only lines read in a zone (labelled or
    // assumed), never a line of absolute time, so it leaves them as they
    // were (three builds were a tenth of the serial work after the parse of
    // the bench bundle; issue 16).
    let anchors = anchors(ing);
    place(ing, &anchors);
    // Every verdict is in: the notes become findings, once.
    ing.settle();
    let mut cached = Some(clock_offsets(ing, correct_skew, anchors));
    for k in 0..ing.sources.len() {
        let skew = envelope_skew(&ing.sources[k]).or_else(|| {
            let anchors = cached.get_or_insert_with(|| self::anchors(ing));
            effect_before_cause(&ing.sources[k], anchors)
        });
        if let Some((skew_ms, message, ev)) = skew {
            let mut message = message;
            ing.skews.push(Skew {
                file: ing.sources[k].summary.path.as_str().into(),
                correction_ms: -skew_ms,
                corrected: correct_skew,
            });
            if correct_skew {
                cached = None;
                let shift = -skew_ms;
                let mut edit = ProvenanceEdit::new(|p| p.skew_ms = Some(shift));
                let events = std::mem::take(&mut ing.sources[k].events);
                ing.sources[k].events = events.edited(|e| {
                    e.instant += Duration::milliseconds(shift);
                    edit.apply(e);
                });
                message.push_str(&format!(
                    "; corrected (--correct-skew): its events moved by {:+} s",
                    shift.div_euclid(1000)
                ));
            } else {
                message.push_str("; not corrected (pass --correct-skew to move its events)");
            }
            let f = Finding::warning(FindingCode::ClockSkew, message, Some(ev));
            ing.findings.push(f);
        }
    }
}

fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

fn secs_text(ms: i64) -> String {
    crate::human::duration(ms / 1000)
}

/// Device time against its collector's envelope on the same lines.
fn envelope_skew(src: &crate::ingest::SourceResult) -> Option<(i64, String, Evidence)> {
    let mut v = src.envelope.samples.clone();
    let n = v.len();
    let m = median(&mut v)?;
    if m.abs() < SKEW_MIN_S * 1000 {
        return None;
    }
    let file = &src.summary.path;
    let examples: Vec<String> = src
        .envelope
        .examples
        .iter()
        .map(|(l, d)| format!("{file}:{l} {:+} s", d / 1000))
        .collect();
    let hours = m % 3_600_000;
    let zone_note = if hours.abs() < 60_000 || (3_600_000 - hours.abs()) < 60_000 {
        "; a difference of whole hours may mean the collector writes another zone than the device"
    } else {
        ""
    };
    let first = src.envelope.examples.first().map(|(l, _)| *l).unwrap_or(1);
    Some((
        m,
        format!(
            "{file}: the device clock runs {} {} its syslog collector's (median of {} that carry both times: {}){zone_note}",
            secs_text(m.abs()),
            if m > 0 { "ahead of" } else { "behind" },
            crate::human::count(n as u64, "line"),
            examples.join(", ")
        ),
        Evidence::new(file.clone(), first),
    ))
}

/// A source whose faults and recoveries are logged after the monitors saw
/// their effects: its clock runs ahead by at least the median gap.
fn effect_before_cause(
    src: &crate::ingest::SourceResult,
    anchors: &[(Anchor, Evidence)],
) -> Option<(i64, String, Evidence)> {
    let first = src.events.first()?;
    if is_absolute(&first) {
        return None;
    }
    let mut pairs: Vec<Pair> = Vec::new();
    // One-to-one, the closest unused anchor.
    let mut used = vec![false; anchors.len()];
    for e in faults(&src.events) {
        let wanted = |k: Kind| match e.who.kind {
            Kind::Fault => matches!(k, Kind::Fault | Kind::Detection),
            _ => k == Kind::Recovery,
        };
        let from = e.instant - Duration::seconds(PAIR_WINDOW_S);
        let to = e.instant + Duration::seconds(PAIR_WINDOW_S);
        let lo = anchors.partition_point(|(a, _)| a.instant < from);
        let nearest = anchors[lo..]
            .iter()
            .enumerate()
            .take_while(|(_, (a, _))| a.instant <= to)
            .filter(|(j, (a, _))| !used[lo + j] && a.source != e.source() && wanted(a.kind))
            .min_by_key(|(_, (a, _))| (a.instant - e.instant).num_milliseconds().abs())
            .map(|(j, x)| (lo + j, x));
        if let Some((j, (a, aev))) = nearest {
            used[j] = true;
            pairs.push(Pair {
                cause: e.evidence(),
                effect: aev.clone(),
                lag_s: (a.instant - e.instant).num_milliseconds(),
            });
        }
    }
    if pairs.len() < 2 {
        return None;
    }
    let mut lags: Vec<i64> = pairs.iter().map(|p| p.lag_s).collect();
    let m = median(&mut lags)?;
    if m > -SKEW_MIN_S * 1000 {
        return None;
    }
    let shown: Vec<String> = pairs
        .iter()
        .take(PAIRS_SHOWN)
        .map(|p| format!("{} → {} {:+} s", p.cause, p.effect, p.lag_s / 1000))
        .collect();
    Some((
        -m,
        format!(
            "{}: its faults and recoveries are logged {} after the monitors saw their effects (median of {} pairs: {}); its clock runs at least that far ahead",
            src.summary.path,
            secs_text(-m),
            pairs.len(),
            shown.join(", ")
        ),
        pairs[0].cause.clone(),
    ))
}

/// Offsets a whole clock may be set wrong by: multiples of 15 min (whole
/// hours, half hours, 45 min), up to 14 h either way.
const OFFSET_STEP_S: i64 = 900;
const OFFSET_MAX_S: i64 = 14 * 3600;

/// A source whose clock is set whole hours (or half hours, or 45 min) wrong
/// — a device on UTC that still prints its local label, a clock set to the
/// wrong zone — has faults that land hours away from the monitors' alerts
/// for the same outage. Test every such constant offset of the source's
/// clock against the sources of absolute time; a clear winner (at least
/// two one-to-one pairs, and more than twice as many as no offset or any
/// other offset gives) is a `clock-skew` finding with the pairs, and with
/// `--correct-skew` moves the source's events.
///
/// Takes the anchors and gives them back, built again after a correction.
fn clock_offsets(
    ing: &mut Ingested,
    correct_skew: bool,
    mut anchors: Vec<(Anchor, Evidence)>,
) -> Vec<(Anchor, Evidence)> {
    for k in 0..ing.sources.len() {
        let events = &ing.sources[k].events;
        let Some(first) = events.first() else {
            continue;
        };
        if is_absolute(&first) || !ing.sources[k].envelope.samples.is_empty() {
            continue;
        }
        let source = first.source();
        let faults = faults(events);
        let keys = keyed(&faults);
        let w = Witnesses::of(&anchors, source);
        // A whole-clock offset moves every event alike: no per-line map
        // (it is applied to all events below, not through `shift`).
        let shifted = |shift: i64| -> Candidate {
            Candidate {
                name: "the offset".into(),
                offset_s: i32::try_from(shift).unwrap_or(0),
                shift: Shift::none(),
                pairs: evaluate_whole(&faults, keys.as_deref(), shift, &w, &anchors),
            }
        };
        let base = shifted(0).pairs.len();
        // No offset can win when even pairing every fault and recovery
        // would not give more than twice the pairs of none (below): the
        // hundred readings are not worth trying.
        let most = |kind: Kind, witnesses: &[(Key, u32)]| {
            faults
                .iter()
                .filter(|e| e.who.kind == kind)
                .count()
                .min(witnesses.len())
        };
        let ceiling = most(Kind::Fault, &w.faults) + most(Kind::Recovery, &w.recoveries);
        if ceiling < 2 || ceiling <= 2 * base {
            continue;
        }
        // A hundred offsets, each a pass over the source's faults: spread
        // over the threads (collect keeps their order). Serial, this was 5 %
        // of a two-thread run of the bench bundle.
        let mut cs: Vec<Candidate> = (-OFFSET_MAX_S / OFFSET_STEP_S..=OFFSET_MAX_S / OFFSET_STEP_S)
            .into_par_iter()
            .filter(|&n| n != 0)
            .map(|n| shifted(n * OFFSET_STEP_S))
            .filter(|c| !c.pairs.is_empty())
            .collect();
        cs.sort_by_key(|c| (std::cmp::Reverse(c.rank()), c.offset_s.abs(), c.offset_s));
        let Some(best) = cs.first() else { continue };
        let next = cs.get(1).map_or(0, |c| c.pairs.len());
        let runner = next.max(base);
        if best.pairs.len() < 2 || best.pairs.len() <= 2 * runner {
            continue;
        }
        let best = best.clone();
        let file = ing.sources[k].summary.path.clone();
        let shift = i64::from(best.offset_s);
        let mut message = format!(
            "{file}: its clock is set {} {} the other sources (clock offset {:+} s): moved by that much, its faults and recoveries pair one-to-one with sources of absolute time: {} (no offset: {base} pair{}; the next best offset: {next} pair{}); a constant offset of whole or half hours is a clock set to the wrong zone, or a device on UTC printing its local label",
            secs_text(shift.abs() * 1000),
            if shift < 0 { "ahead of" } else { "behind" },
            -shift,
            pairs_text(&best.pairs),
            if base == 1 { "" } else { "s" },
            if next == 1 { "" } else { "s" },
        );
        ing.skews.push(Skew {
            file: file.as_str().into(),
            correction_ms: shift * 1000,
            corrected: correct_skew,
        });
        if correct_skew {
            let src = &mut ing.sources[k];
            let mut edit = ProvenanceEdit::new(|p| p.skew_ms = Some(shift * 1000));
            src.events = std::mem::take(&mut src.events).edited(|e| {
                e.instant += Duration::seconds(shift);
                edit.apply(e);
            });
            message.push_str(&format!(
                "; corrected (--correct-skew): its events moved by {:+} s",
                shift
            ));
            anchors = self::anchors(ing);
        } else {
            message.push_str("; not corrected (pass --correct-skew to move its events)");
        }
        let ev = best.pairs[0].cause.clone();
        let f = Finding::warning(FindingCode::ClockSkew, message, Some(ev));
        ing.findings.push(f);
    }
    anchors
}

/// Decide mislabelled and zone-less sources by cross-source evidence.
fn place(ing: &mut Ingested, anchors: &[(Anchor, Evidence)]) {
    for k in 0..ing.sources.len() {
        let decisions = decide_labels(&ing.sources[k].events, anchors);
        for d in decisions {
            apply(ing, k, d);
        }
        if anchors.is_empty() {
            continue;
        }
        if let Some(d) = decide_assumed(&ing.sources[k].events, anchors) {
            apply(ing, k, d);
        }
    }
}

/// What `align` chose for one group of a source's lines.
struct Decision {
    /// The finding to rewrite: its code and first evidence line.
    code: FindingCode,
    /// The label against the zone's rules, for the discrepancy table.
    row: Option<crate::discrepancy::Discrepancy>,
    label: Option<String>,
    verdict: Verdict,
    chosen: Option<Candidate>,
}

fn decide_labels(events: &Timeline, anchors: &[(Anchor, Evidence)]) -> Vec<Decision> {
    // Each label's events, as indexes: 4 bytes each, not a lent event's 32.
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let labelled = |w: &Who| matches!(w.provenance.offset, OffsetSource::ZoneOverLabel { .. });
    for k in events.indices_where(labelled) {
        if let OffsetSource::ZoneOverLabel { label, .. } = &events.who_at(k).provenance.offset {
            groups
                .entry(label.to_string())
                .or_default()
                .push(crate::timeline::index(k));
        }
    }
    let Some(source) = events.first().map(|e| e.source()) else {
        return Vec::new();
    };
    // A source with no label to decide (a flapping storm's epoch stamps)
    // needs no list of its faults.
    if groups.is_empty() {
        return Vec::new();
    }
    let faults = faults(events);
    let w = Witnesses::of(anchors, source);
    let mut out = Vec::new();
    for (label, group) in groups {
        let group = || group.iter().map(|&k| events.get(k as usize));
        let Some(first) = group().next() else {
            continue;
        };
        let OffsetSource::ZoneOverLabel { zone, .. } = &first.provenance().offset else {
            continue;
        };
        let zone = *zone;
        let year = first.instant.year();
        let mut offsets: Vec<(i32, String)> = abbrev::meaning_in(zone, &label, year)
            .map(|off| (off, format!("the {label} reading")))
            .into_iter()
            .collect();
        offsets.extend(abbrev::meanings(&label).iter().map(|m| {
            (
                m.offset_s,
                format!("the {label} reading as in {}", m.region),
            )
        }));
        let zone_c = Candidate {
            name: format!("the {} reading", zone.name()),
            offset_s: first.provenance().offset_s,
            shift: Shift::none(),
            pairs: evaluate(&faults, |_| 0, &w, anchors),
        };
        let lines = Shift::lines(group(), |e| e.provenance().offset_s);
        let mut seen = std::collections::BTreeSet::new();
        let mut label_cs: Vec<Candidate> = Vec::new();
        for (off, name) in offsets {
            if !seen.insert(off) {
                continue;
            }
            let shift = Shift {
                lines: lines.clone(),
                to: off,
            };
            let pairs = evaluate(&faults, by_line(&shift), &w, anchors);
            label_cs.push(Candidate {
                name,
                offset_s: off,
                shift,
                pairs,
            });
        }
        label_cs.sort_by_key(|c| std::cmp::Reverse(c.rank()));
        let best = label_cs.first().cloned();
        let wins = best
            .as_ref()
            .is_some_and(|b| b.pairs.len() > zone_c.pairs.len());
        let rejected: Vec<String> = if wins {
            std::iter::once(&zone_c)
                .chain(label_cs.iter().skip(1))
                .map(describe)
                .collect()
        } else {
            label_cs.iter().map(describe).collect()
        };
        let verdict = if zone_c.pairs.is_empty() && !wins {
            Verdict::ZoneWins
        } else if wins {
            let b = best.as_ref().expect("wins implies a candidate");
            Verdict::ByEvidence(format!(
                "cross-source evidence chose {}: events line up with sources of absolute time under it — {}; rejected: {}",
                b.name,
                describe(b),
                rejected.join("; ")
            ))
        } else {
            Verdict::ByEvidence(format!(
                "the declared zone wins on cross-source evidence — {}; rejected: {}",
                describe(&zone_c),
                rejected.join("; ")
            ))
        };
        let label_off = best.as_ref().map(|b| b.offset_s).unwrap_or(zone_c.offset_s);
        let chosen_name = if wins {
            format!("the {label} reading was used")
        } else {
            format!("the {} reading was used", zone.name())
        };
        let row = crate::discrepancy::Discrepancy {
            measure: crate::discrepancy::Measure::Label,
            source: first.who.file.to_string(),
            claim: format!(
                "times labelled {label} ({}), from line {}",
                fmt_offset(label_off),
                first.line
            ),
            evidence: first.evidence(),
            against: format!(
                "{} was on {} at those instants; {chosen_name}",
                zone.name(),
                fmt_offset(zone_c.offset_s)
            ),
            against_evidence: None,
            difference_s: Some(i64::from(zone_c.offset_s - label_off)),
        };
        out.push(Decision {
            code: FindingCode::ZoneAbbrevMismatch,
            row: Some(row),
            label: Some(label),
            verdict,
            chosen: if wins { best } else { None },
        });
    }
    out
}

/// A zone-less source: try whole and half-hour offsets.
fn decide_assumed(events: &Timeline, anchors: &[(Anchor, Evidence)]) -> Option<Decision> {
    let assumed = || {
        events
            .indices_where(|w| {
                matches!(
                    w.provenance.offset,
                    OffsetSource::Zone {
                        origin: ZoneOrigin::Assumed,
                        ..
                    }
                )
            })
            .map(|k| events.get(k))
    };
    let source = assumed().next()?.source();
    let faults = faults(events);
    let w = Witnesses::of(anchors, source);
    let base = Candidate {
        name: "UTC (assumed)".into(),
        offset_s: 0,
        shift: Shift::none(),
        pairs: evaluate(&faults, |_| 0, &w, anchors),
    };
    // Every zone-less line read at offset 0: a reading at `off` moves it by
    // `-off`.
    let lines = Shift::lines(assumed(), |_| 0);
    let mut cs: Vec<Candidate> = (-24..=28)
        .map(|half| half * 1800)
        .filter(|&off| off != 0)
        .map(|off: i32| {
            let shift = Shift {
                lines: lines.clone(),
                to: off,
            };
            let pairs = evaluate(&faults, by_line(&shift), &w, anchors);
            Candidate {
                name: "the offset".into(),
                offset_s: off,
                shift,
                pairs,
            }
        })
        .collect();
    cs.sort_by_key(|c| (std::cmp::Reverse(c.rank()), c.offset_s.abs()));
    let best = cs.first()?.clone();
    let runner = cs
        .get(1)
        .map(|c| c.pairs.len())
        .unwrap_or(0)
        .max(base.pairs.len());
    // A clear winner only: at least two pairs, more than any other offset.
    if best.pairs.len() < 2 || best.pairs.len() <= runner {
        return None;
    }
    let rejected: Vec<String> = std::iter::once(&base)
        .chain(cs.iter().skip(1).filter(|c| !c.pairs.is_empty()).take(3))
        .map(describe)
        .collect();
    Some(Decision {
        code: FindingCode::ZoneAssumed,
        row: None,
        label: None,
        verdict: Verdict::ByEvidence(format!(
            "its local times are read at {} because its events line up with sources of absolute time there — {}; rejected: {}",
            fmt_offset(best.offset_s),
            describe(&best),
            rejected.join("; ")
        )),
        chosen: Some(best),
    })
}

fn apply(ing: &mut Ingested, k: usize, mut d: Decision) {
    let file = ing.sources[k].summary.path.clone();
    if let Some(row) = d.row.take() {
        ing.discrepancies.push(row);
    }
    if let Some(c) = &d.chosen {
        let src = &mut ing.sources[k];
        let mut edit = ProvenanceEdit::new(|p| {
            p.offset_s = c.offset_s;
            p.offset = match &p.offset {
                OffsetSource::ZoneOverLabel { label, zone } => OffsetSource::LabelByEvidence {
                    label: label.clone(),
                    zone: *zone,
                },
                _ => OffsetSource::InferredOffset,
            };
        });
        src.events = std::mem::take(&mut src.events).edited(|e| {
            if let Some(s) = c.shift.get(e.line) {
                e.instant += Duration::seconds(s);
                edit.apply(e);
            }
        });
        // The per-source summary counts every line; relabel the decided ones.
        let (from, to) = match &d.label {
            Some(_) => ("zone-over-label", "label-by-evidence"),
            None => ("zone", "inferred-offset"),
        };
        for r in src.summary.time.readings.iter_mut() {
            if r.from == from && (d.label.is_none() || r.label == d.label) {
                r.from = to.to_string();
                r.offset = fmt_offset(c.offset_s);
            }
        }
    }
    // Amend the note's verdict: its wording stays in `time::note`.
    let label = d.label.as_deref();
    for (_, n) in ing.notes.iter_mut() {
        let kind_matches = match (&n.kind, d.code) {
            (NoteKind::ZoneAssumed, FindingCode::ZoneAssumed) => true,
            (NoteKind::LabelMismatch { .. }, FindingCode::ZoneAbbrevMismatch) => n.label() == label,
            _ => false,
        };
        if kind_matches && n.file == file {
            n.verdict = d.verdict.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A reading's shared table moves each line as the map of its own
        /// that every reading used to build did (issue 16).
        #[test]
        fn a_shift_table_moves_lines_as_a_map_of_them_did(
            pairs in proptest::collection::vec((0u32..20, -50_400i32..50_400), 0..40),
            to in -50_400i32..50_400,
        ) {
            let map: BTreeMap<u32, i64> = pairs
                .iter()
                .map(|&(line, base)| (line, i64::from(base - to)))
                .collect();
            let shift = Shift { lines: Shift::table(pairs), to };
            for line in 0..22 {
                prop_assert_eq!(shift.get(line), map.get(&line).copied());
            }
        }
    }

    /// The pairing as it was before `Witnesses` (session 23): every event
    /// moved with chrono, sorted, and walked over every anchor, wrong
    /// kinds and the source's own included.
    fn matched_reference(
        events: &[(DateTime<Utc>, i64, Kind)],
        anchors: &[(Anchor, Evidence)],
        source: u32,
    ) -> Vec<(usize, usize)> {
        let moved: Vec<(DateTime<Utc>, Kind)> = events
            .iter()
            .map(|&(t, s, kind)| (t + Duration::seconds(s), kind))
            .collect();
        let mut out = Vec::new();
        let mut used = vec![false; anchors.len()];
        let mut order: Vec<usize> = (0..moved.len()).collect();
        order.sort_by_key(|&k| (moved[k].0, k));
        let mut from = 0;
        for k in order {
            let (t, kind) = moved[k];
            let wanted = |k: Kind| match kind {
                Kind::Fault => matches!(k, Kind::Fault | Kind::Detection),
                Kind::Recovery => k == Kind::Recovery,
                _ => false,
            };
            let until = t + Duration::seconds(PAIR_WINDOW_S);
            while anchors.get(from).is_some_and(|(a, _)| a.instant < t) {
                from += 1;
            }
            let hit = anchors[from..]
                .iter()
                .enumerate()
                .take_while(|(_, (a, _))| a.instant <= until)
                .find(|(j, (a, _))| !used[from + j] && a.source != source && wanted(a.kind))
                .map(|(j, _)| from + j);
            if let Some(j) = hit {
                used[j] = true;
                out.push((k, j));
            }
        }
        out
    }

    /// An instant near a New Year with a leap second: `nanos` of a billion
    /// or more make it a leap second of its minute's last second.
    fn instant(secs: u32, nanos: u32) -> DateTime<Utc> {
        let day = chrono::NaiveDate::from_ymd_opt(2016, 12, 31).unwrap();
        let (day, secs) = match secs < 86_400 {
            true => (day, secs),
            false => (day.succ_opt().unwrap(), secs - 86_400),
        };
        let secs = if nanos >= 1_000_000_000 {
            secs - secs % 60 + 59
        } else {
            secs
        };
        let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos).unwrap();
        DateTime::from_naive_utc_and_offset(day.and_time(time), Utc)
    }

    /// Whole seconds mostly, so that instants tie and land exactly a
    /// window apart; leap seconds (a billion nanoseconds or more) too.
    fn nanos() -> impl Strategy<Value = u32> {
        prop_oneof![
            Just(0u32),
            Just(500_000_000),
            Just(1_000_000_000),
            Just(1_500_000_000),
            0u32..2_000_000_000,
        ]
    }

    /// Anchors from (seconds, nanoseconds, kind, source), a line each, in
    /// `anchors`' order.
    fn sorted_anchors(v: Vec<(u32, u32, u8, u32)>) -> Vec<(Anchor, Evidence)> {
        let mut anchors: Vec<(Anchor, Evidence)> = v
            .into_iter()
            .enumerate()
            .map(|(line, (secs, nanos, k, src))| {
                let line = crate::timeline::index(line);
                let a = Anchor {
                    instant: instant(secs, nanos),
                    kind: kind(k),
                    source: src,
                    line,
                };
                (a, Evidence::new("a.log", u64::from(line)))
            })
            .collect();
        anchors.sort_by_key(|(a, _)| (a.instant, a.source, a.line));
        anchors
    }

    fn kind(k: u8) -> Kind {
        [Kind::Fault, Kind::Detection, Kind::Recovery, Kind::Info][usize::from(k % 4)]
    }

    proptest! {
        /// Pairing through a source's witnesses with integer instants pairs
        /// as the walk over every anchor with chrono's instants did, leap
        /// seconds and shifts that cross midnight included (issue 16).
        #[test]
        fn witnesses_pair_as_the_walk_over_every_anchor_did(
            anchors in proptest::collection::vec(
                (85_000u32..87_500, nanos(), 0u8..4, 0u32..3),
                0..40,
            ),
            events in proptest::collection::vec(
                (85_000u32..87_500, nanos(), 0u8..4,
                 prop_oneof![Just(0i64), Just(-3_600), Just(900), Just(3_600), -2_000i64..2_000]),
                0..30,
            ),
            source in 0u32..3,
        ) {
            let anchors = sorted_anchors(anchors);
            let events: Vec<(DateTime<Utc>, i64, Kind)> = events
                .into_iter()
                .map(|(secs, nanos, k, s)| (instant(secs, nanos), s, kind(k)))
                .collect();
            let w = Witnesses::of(&anchors, source);
            prop_assert_eq!(matched(&events, &w), matched_reference(&events, &anchors, source));
        }
    }

    proptest! {
        /// A whole clock moved by one offset pairs its faults, keyed once in
        /// time order, as `matched` pairs them moved one by one and sorted
        /// (issue 16).
        #[test]
        fn a_whole_clock_moved_pairs_as_each_event_moved(
            anchors in proptest::collection::vec(
                (85_000u32..87_500, nanos(), 0u8..4, 0u32..3),
                0..40,
            ),
            events in proptest::collection::vec(
                (85_000u32..87_500, prop_oneof![Just(0u32), Just(500_000_000), 0u32..1_000_000_000], 0u8..4),
                0..30,
            ),
            s in prop_oneof![Just(0i64), Just(-3_600), Just(900), Just(3_600), -2_000i64..2_000],
            source in 0u32..3,
        ) {
            let anchors = sorted_anchors(anchors);
            let mut events: Vec<(DateTime<Utc>, i64, Kind)> = events
                .into_iter()
                .map(|(secs, nanos, k)| (instant(secs, nanos), s, kind(k)))
                .collect();
            events.sort_by_key(|e| e.0);
            let keys: Vec<(Key, Kind)> = events.iter().map(|&(t, _, k)| (key(t), k)).collect();
            let w = Witnesses::of(&anchors, source);
            prop_assert_eq!(matched_in_order(&keys, s, &w), matched(&events, &w));
        }
    }

    /// A plain sum does not move a leap second as chrono does: a source
    /// with a fault in one is paired event by event (`evaluate`).
    #[test]
    fn a_fault_in_a_leap_second_is_not_keyed() {
        let mut events = [
            crate::timeline::tests::ev("2016-12-31T23:59:58Z", 0, 1, Kind::Fault, "a"),
            crate::timeline::tests::ev("2016-12-31T23:59:59Z", 0, 2, Kind::Recovery, "a"),
        ];
        let refs: Vec<EventRef<'_>> = events.iter().map(EventRef::from).collect();
        let keys = keyed(&refs).expect("no leap second");
        assert_eq!(
            keys[1],
            ((instant(86_399, 0).timestamp(), 0), Kind::Recovery)
        );
        events[1].instant = instant(86_399, 1_000_000_000);
        let refs: Vec<EventRef<'_>> = events.iter().map(EventRef::from).collect();
        assert_eq!(keyed(&refs), None);
    }

    #[test]
    fn no_shift_moves_nothing() {
        assert_eq!(Shift::none().get(1), None);
    }
}
