//! The placement policy: one stamp, the label written beside it and what
//! the source has settled so far give one UTC instant, how it was obtained,
//! and typed notes of what a reviewer must hear about.
//!
//! `place` changes nothing: the same stamp in the same context is always
//! placed the same way, so a decision can be tested on its own and replayed.
//! What a source accumulates line after line (its calendar for year-less
//! stamps, the order of instants, silences, the tallies behind its
//! findings, the carry between parallel chunks) lives in
//! `resolve::SourceClock`, which calls `place` and commits its notes.

use super::abbrev;
use super::fold::{FoldChoice, FoldPolicy};
use super::provenance::{
    DstResolution, OffsetSource, Provenance, YearSource, ZoneChoice, ZoneOrigin,
};
use super::stamp::{Stamp, WallClock};
use super::zone::{utc_of, LocalReading, Reading, ReadingCache};
use chrono::{DateTime, NaiveDateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// A resolved instant and how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timed {
    pub instant: DateTime<Utc>,
    pub provenance: Provenance,
}

/// Why a stamp could not be placed in time (the line is counted as unparsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeIssue {
    /// A year-less stamp and no year from anywhere.
    NoYear,
    /// Month 2, day 30 and the like, with the reason in words.
    InvalidDate(String),
    /// An instant whose year is outside `YEARS` (a clock that far off, or a
    /// year-less source stepping through New Year after New Year, is no
    /// evidence; and time arithmetic near chrono's limits would overflow).
    OutOfRange(i32),
}

/// Why a wall-clock stamp names no real instant in `year`.
pub fn impossible(wall: &WallClock, year: i32) -> TimeIssue {
    TimeIssue::InvalidDate(
        wall.impossible(year)
            .unwrap_or_else(|| "not a real date".to_string()),
    )
}

/// What the source has settled before this line, as far as placing it
/// depends on it.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub zone: ZoneChoice,
    /// `--abbrev` and manifest pins: a label read at a fixed offset.
    pub overrides: &'a HashMap<String, i32>,
    pub fold: FoldPolicy,
    /// The latest instant of the source so far: time does not run
    /// backwards within a source, which settles a fall-back fold.
    pub last: Option<DateTime<Utc>>,
    /// The year a year-less stamp is read in, and where it came from, as
    /// the source's calendar chose it. `None`: no year from anywhere.
    pub year: Option<(i32, YearSource)>,
}

/// Memos that make placing fast and never change a result: the last
/// zone reading (one 15-minute bucket) and interned labels.
#[derive(Debug, Default)]
pub struct Memo {
    cache: ReadingCache,
    /// Hashed with Fx: a Cisco line interns its label (`CST`) every
    /// time, and SipHash made that 270 instructions a line (issue 16).
    labels: rustc_hash::FxHashMap<String, Arc<str>>,
}

impl Memo {
    /// Whether `tz` has one offset throughout the bucket holding the wall
    /// time `local_s` (seconds as if the wall clock were UTC), as a reading
    /// already found: then it does through that wall time's quarter hour
    /// (the bucket), which the clock's shortcut spans.
    pub fn uniform(&self, tz: chrono_tz::Tz, local_s: i64) -> bool {
        self.cache.covers(tz, local_s)
    }

    fn label(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.labels.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.labels.insert(s.to_string(), a.clone());
        a
    }
}

/// One placed stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub timed: Timed,
    pub notes: Notes,
}

/// What a reviewer must hear about one placement. A line has at most one
/// DST decision and one note about its label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    /// The line was read in a zone nobody declared.
    pub zone_assumed: bool,
    pub label: Option<LabelNote>,
    pub dst: Option<DstNote>,
}

/// A label that did not simply agree with the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelNote {
    /// The label disagrees with the declared zone, whose reading was used;
    /// `naive` is the wall time, for stating the label's own reading.
    Mismatch {
        label: Arc<str>,
        naive: NaiveDateTime,
        used: Reading,
    },
    /// No zone was given and the label is ambiguous: its first reading in
    /// the abbreviation table was used.
    Guessed { label: Arc<str> },
}

/// A DST decision: the wall time was not one instant in the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DstNote {
    /// A fall-back fold settled by line order: the reading used.
    FoldByOrder { abbrev: Arc<str> },
    /// A fall-back fold with nothing before it in the source: the earlier
    /// reading was used.
    FoldUnresolved {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    /// A spring-forward gap: the time does not exist by the rules.
    Gap {
        before_s: i32,
        after_s: i32,
        chosen: Reading,
        /// The line's label named the offset used (else: the one before).
        by_label: bool,
    },
}

/// Place one stamp in time. `label` is the abbreviation written beside it.
pub fn place(
    stamp: &Stamp,
    label: Option<&str>,
    ctx: &Context,
    memo: &mut Memo,
) -> Result<Placement, TimeIssue> {
    let plain = |instant, offset_s, offset| Placement {
        timed: Timed {
            instant,
            provenance: Provenance {
                offset_s,
                offset,
                year: YearSource::InLine,
                dst: None,
                skew_ms: None,
            },
        },
        notes: Notes::default(),
    };
    match *stamp {
        Stamp::Epoch { secs, nanos } => {
            let instant = DateTime::from_timestamp(secs, nanos)
                .ok_or_else(|| TimeIssue::InvalidDate(format!("epoch {secs} is out of range")))?;
            Ok(plain(instant, 0, OffsetSource::Epoch))
        }
        Stamp::Offset { wall, offset_s } => {
            let naive = wall.naive(0).ok_or_else(|| impossible(&wall, 0))?;
            let instant = utc_of(naive, offset_s);
            Ok(plain(instant, offset_s, OffsetSource::InLine))
        }
        Stamp::Wall(wall) => {
            let (y, year) = match (wall.year, ctx.year) {
                (Some(y), _) => (y, YearSource::InLine),
                (None, Some((y, source))) => (y, source),
                (None, None) => return Err(TimeIssue::NoYear),
            };
            let naive = wall.naive(y).ok_or_else(|| impossible(&wall, y))?;
            Ok(place_wall(naive, year, label, ctx, memo))
        }
    }
}

fn place_wall(
    naive: NaiveDateTime,
    year: YearSource,
    label: Option<&str>,
    ctx: &Context,
    memo: &mut Memo,
) -> Placement {
    let at = |instant, offset_s, offset, dst, notes| Placement {
        timed: Timed {
            instant,
            provenance: Provenance {
                offset_s,
                offset,
                year,
                dst,
                skew_ms: None,
            },
        },
        notes,
    };
    if let Some(label) = label {
        if let Some(&off) = ctx.overrides.get(label) {
            let label = memo.label(label);
            let instant = utc_of(naive, off);
            return at(
                instant,
                off,
                OffsetSource::LabelOverride { label },
                None,
                Notes::default(),
            );
        }
        // `UTC`, `GMT`, `Z`, `UTC+1`: the line states its offset outright;
        // there is no zone to weigh it against.
        if let Some(off) = abbrev::stated_offset(label) {
            let instant = utc_of(naive, off);
            return at(instant, off, OffsetSource::InLine, None, Notes::default());
        }
    }
    let tz = ctx.zone.tz;
    let zone_assumed = ctx.zone.origin == ZoneOrigin::Assumed;
    let zone = OffsetSource::Zone {
        zone: tz,
        origin: ctx.zone.origin,
    };
    // No label, and a bucket read before with one offset throughout: what
    // `settle` gives a unique reading, without building the reading.
    if let (None, Some(off)) = (label, memo.cache.cached_offset(tz, naive)) {
        let utc = (naive - chrono::Duration::seconds(i64::from(off))).and_utc();
        let notes = Notes {
            zone_assumed,
            label: None,
            dst: None,
        };
        return at(utc, off, zone, None, notes);
    }
    let reading = memo.cache.read(tz, naive);
    let label = match label {
        None => {
            let (r, dst, dst_note) = settle(reading, None, ctx);
            let notes = Notes {
                zone_assumed,
                label: None,
                dst: dst_note,
            };
            return at(r.utc, r.offset_s, zone, dst, notes);
        }
        Some(l) => l,
    };
    // A labelled line with no declared zone: the label is the best evidence
    // there is. An unambiguous label gives its offset; an ambiguous one
    // (`CST`: US Central, China, Cuba) gives the first of its readings in
    // the abbreviation table, and a note names the others. Never UTC: the
    // line says it is not.
    if zone_assumed {
        let meanings = abbrev::meanings(label);
        if let Some(first) = meanings.first() {
            let off = first.offset_s;
            let label = memo.label(label);
            let notes = Notes {
                label: (meanings.len() > 1).then(|| LabelNote::Guessed {
                    label: label.clone(),
                }),
                ..Notes::default()
            };
            let instant = utc_of(naive, off);
            return at(instant, off, OffsetSource::LabelOnly { label }, None, notes);
        }
    }
    // A labelled line in a zone (declared, or assumed with a label rfo does
    // not know): the label is checked against the zone; on disagreement the
    // zone wins and a note keeps both readings.
    let agrees = match &reading {
        LocalReading::Unique(r) => &*r.abbrev == label,
        LocalReading::Fold { earlier, later } => {
            &*earlier.abbrev == label || &*later.abbrev == label
        }
        LocalReading::Gap { before, after } => &*before.abbrev == label || &*after.abbrev == label,
    };
    let (r, dst, dst_note) = settle(reading, Some(label), ctx);
    let label = memo.label(label);
    let (offset, label_note) = if agrees {
        (OffsetSource::LabelAgrees { label, zone: tz }, None)
    } else {
        let note = LabelNote::Mismatch {
            label: label.clone(),
            naive,
            used: r.clone(),
        };
        (OffsetSource::ZoneOverLabel { label, zone: tz }, Some(note))
    };
    let notes = Notes {
        zone_assumed,
        label: label_note,
        dst: dst_note,
    };
    at(r.utc, r.offset_s, offset, dst, notes)
}

/// Apply the DST policy: a label picks a fold's reading; otherwise line
/// order does, with the jitter tolerance of `ctx.fold`; a gap is read with
/// the offset its label names, else the offset before it.
fn settle(
    reading: LocalReading,
    label: Option<&str>,
    ctx: &Context,
) -> (Reading, Option<DstResolution>, Option<DstNote>) {
    match reading {
        LocalReading::Unique(r) => (r, None, None),
        LocalReading::Fold { earlier, later } => {
            if let Some(l) = label {
                if &*earlier.abbrev == l {
                    return (earlier, Some(DstResolution::FoldByLabel), None);
                }
                if &*later.abbrev == l {
                    return (later, Some(DstResolution::FoldByLabel), None);
                }
            }
            let by_order = |r: Reading, how| {
                let note = DstNote::FoldByOrder {
                    abbrev: r.abbrev.clone(),
                };
                (r, Some(how), Some(note))
            };
            match ctx.fold.decide(earlier.utc, ctx.last) {
                FoldChoice::Later => by_order(later, DstResolution::FoldByOrder),
                FoldChoice::Earlier => by_order(earlier, DstResolution::FoldByOrder),
                FoldChoice::EarlierDespiteJitter => {
                    by_order(earlier, DstResolution::FoldByOrderJitter)
                }
                FoldChoice::Unresolved => {
                    let note = DstNote::FoldUnresolved {
                        earlier: earlier.utc,
                        later: later.utc,
                    };
                    (earlier, Some(DstResolution::FoldUnresolved), Some(note))
                }
            }
        }
        LocalReading::Gap { before, after } => {
            // A label naming one side of the gap says which offset the
            // device used; the time still does not exist by the rules.
            let by_label = label.and_then(|l| {
                if *after.abbrev == *l {
                    Some(after.clone())
                } else if *before.abbrev == *l {
                    Some(before.clone())
                } else {
                    None
                }
            });
            let note = |chosen: Reading, by_label| DstNote::Gap {
                before_s: before.offset_s,
                after_s: after.offset_s,
                chosen,
                by_label,
            };
            let (chosen, note) = match by_label {
                Some(r) => (r.clone(), note(r, true)),
                None => (before.clone(), note(before.clone(), false)),
            };
            (chosen, Some(DstResolution::Gap), Some(note))
        }
    }
}

/// Days with DST steps (Chicago's spring and fall, Lord Howe's half
/// hour) and Monrovia's 1972 step from -0:44:30 (a minute cut by a
/// transition), walked a stamp every 7 s (and a fraction), so each minute
/// is seen at several seconds, with a second 59 and a second 60 (not a
/// time of day) now and then; year-less and not. `f` gets the zone, the
/// year, whether the stamp writes it, the step `k` (0 starts a day) and
/// the stamp.
#[cfg(test)]
pub(crate) fn dst_days(mut f: impl FnMut(chrono_tz::Tz, i32, bool, u32, WallClock)) {
    use chrono_tz::{Africa::Monrovia, America::Chicago, Australia::Lord_Howe};
    let days = [
        (Chicago, 2017, 3, 12),
        (Chicago, 2017, 11, 5),
        (Lord_Howe, 2017, 4, 2),
        (Lord_Howe, 2017, 10, 1),
        (Monrovia, 1972, 1, 7),
        (Monrovia, 1972, 1, 6),
    ];
    for (tz, y, month, day) in days {
        for in_line in [false, true] {
            for k in 0..(86_400 / 7) {
                let t = k * 7;
                let wall = WallClock {
                    year: in_line.then_some(y),
                    month,
                    day,
                    hour: t / 3600,
                    minute: t / 60 % 60,
                    second: match k % 97 {
                        0 => 60,
                        1 => 59,
                        _ => t % 60,
                    },
                    nanos: k * 1013 % 1_000_000_000,
                    frac_digits: 9,
                };
                f(tz, y, in_line, k, wall);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::provenance::YearOrigin;
    use crate::time::stamp;
    use chrono_tz::America::Chicago;

    fn ctx(origin: ZoneOrigin, overrides: &HashMap<String, i32>) -> Context<'_> {
        Context {
            zone: ZoneChoice {
                tz: Chicago,
                origin,
            },
            overrides,
            fold: FoldPolicy::default(),
            last: None,
            year: Some((
                2017,
                YearSource::Given {
                    origin: YearOrigin::Manifest,
                    rollovers: 0,
                },
            )),
        }
    }

    fn bsd(s: &str) -> Stamp {
        Stamp::Wall(stamp::bsd(s).unwrap().1)
    }

    #[test]
    fn the_same_stamp_in_the_same_context_is_placed_the_same_way() {
        let none = HashMap::new();
        let c = ctx(ZoneOrigin::Source, &none);
        let s = bsd("Nov  5 01:30:00");
        let mut memo = Memo::default();
        let a = place(&s, None, &c, &mut memo).unwrap();
        let b = place(&s, None, &c, &mut Memo::default()).unwrap();
        let again = place(&s, None, &c, &mut memo).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, again);
        // Nothing before it: the fold is unresolved, the earlier reading used.
        assert_eq!(
            crate::time::rfc3339(&a.timed.instant),
            "2017-11-05T06:30:00Z"
        );
        assert!(matches!(a.notes.dst, Some(DstNote::FoldUnresolved { .. })));
    }

    /// The memos never change a placement: along `dst_days`, every stamp
    /// is placed as a fresh memo places it, in either year source.
    #[test]
    fn the_reading_cache_places_as_a_fresh_memo_does() {
        let none = HashMap::new();
        let mut hits = 0;
        let (mut c, mut memo) = (ctx(ZoneOrigin::Source, &none), Memo::default());
        dst_days(|tz, y, _, k, wall| {
            // Each day, year-less or not, starts at step 0.
            if k == 0 {
                c.zone.tz = tz;
                c.year = Some((
                    y,
                    YearSource::Given {
                        origin: YearOrigin::Manifest,
                        rollovers: 0,
                    },
                ));
                memo = Memo::default();
            }
            let st = Stamp::Wall(wall);
            let cached = wall
                .naive(y)
                .is_some_and(|n| memo.cache.cached_offset(tz, n).is_some());
            let got = place(&st, None, &c, &mut memo);
            let want = place(&st, None, &c, &mut Memo::default());
            assert_eq!(got, want, "{tz} {wall:?}");
            hits += usize::from(cached);
        });
        assert!(hits > 10_000, "{hits}");
    }

    #[test]
    fn the_last_instant_in_the_context_settles_a_fold() {
        let none = HashMap::new();
        let mut c = ctx(ZoneOrigin::Source, &none);
        // The source already reached 01:59 CST: 01:30 again is the second pass.
        c.last = Some("2017-11-05T07:59:00Z".parse().unwrap());
        let p = place(&bsd("Nov  5 01:30:00"), None, &c, &mut Memo::default()).unwrap();
        assert_eq!(
            crate::time::rfc3339(&p.timed.instant),
            "2017-11-05T07:30:00Z"
        );
        assert_eq!(
            p.notes.dst,
            Some(DstNote::FoldByOrder {
                abbrev: Arc::from("CST")
            })
        );
    }

    #[test]
    fn a_mismatched_label_keeps_the_zone_reading_and_notes_both() {
        let none = HashMap::new();
        let c = ctx(ZoneOrigin::Source, &none);
        let p = place(
            &bsd("Feb 22 21:56:00"),
            Some("CDT"),
            &c,
            &mut Memo::default(),
        )
        .unwrap();
        assert_eq!(
            crate::time::rfc3339(&p.timed.instant),
            "2017-02-23T03:56:00Z"
        );
        match p.notes.label {
            Some(LabelNote::Mismatch { label, used, .. }) => {
                assert_eq!(&*label, "CDT");
                assert_eq!(&*used.abbrev, "CST");
            }
            other => panic!("expected a mismatch note, got {other:?}"),
        }
        assert!(!p.notes.zone_assumed);
    }

    #[test]
    fn a_pinned_label_wins_without_a_note() {
        let pins = HashMap::from([("CDT".to_string(), -6 * 3600)]);
        let c = ctx(ZoneOrigin::Source, &pins);
        let p = place(
            &bsd("Feb 22 21:56:00"),
            Some("CDT"),
            &c,
            &mut Memo::default(),
        )
        .unwrap();
        assert_eq!(
            crate::time::rfc3339(&p.timed.instant),
            "2017-02-23T03:56:00Z"
        );
        assert_eq!(p.notes, Notes::default());
    }

    #[test]
    fn a_year_less_stamp_without_a_year_is_not_placed() {
        let none = HashMap::new();
        let mut c = ctx(ZoneOrigin::Source, &none);
        c.year = None;
        assert_eq!(
            place(&bsd("Feb 22 21:56:00"), None, &c, &mut Memo::default()),
            Err(TimeIssue::NoYear)
        );
    }
}
