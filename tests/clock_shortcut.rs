//! A clock places a stamp of a minute it has placed before by that
//! minute's first instant plus its seconds (`SourceClock`'s shortcut,
//! issue 16). That must never change an answer: on every line of every
//! fixture and of the corpora, read by every built-in line grammar, and on
//! stamps built around DST gaps and folds, leap seconds, New Year and odd
//! offsets, a clock with the shortcut gives the same instant and provenance
//! (or the same refusal) line by line, and the same state — tallies,
//! findings, silences, cadence, carry — as one that places every stamp the
//! long way, also when its tally is read mid-stream and when a file is read
//! in two stretches. A clock asked for instants alone (`instant`, what
//! `analyze` asks of a line it settles) answers and ends as both.

mod common;

use chrono_tz::Tz;
use rfo::grammar::registry::Registry;
use rfo::grammar::Form;
use rfo::time::provenance::{YearChoice, YearOrigin, ZoneChoice, ZoneOrigin};
use rfo::time::resolve::SourceClock;
use rfo::time::stamp::{Stamp, WallClock};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// One line's stamp and the label written beside it.
type Input = (Stamp, Option<String>);

fn clock(tz: Tz, origin: ZoneOrigin, shortcut: bool) -> SourceClock {
    let mut overrides = HashMap::new();
    overrides.insert("XST".to_string(), 5 * 3600 + 1800);
    let c = SourceClock::new(
        "x.log",
        ZoneChoice { tz, origin },
        Some(YearChoice {
            year: 2017,
            origin: YearOrigin::Manifest,
        }),
        Arc::new(overrides),
    );
    match shortcut {
        true => c,
        false => c.without_shortcut(),
    }
}

/// The zones each sequence is placed in: one with DST, UTC assumed (a
/// label is then the only evidence), one whose DST is half an hour, and
/// one whose last change of offset came in the middle of a minute.
const ZONES: [(Tz, ZoneOrigin); 4] = [
    (chrono_tz::America::Chicago, ZoneOrigin::Source),
    (chrono_tz::UTC, ZoneOrigin::Assumed),
    (chrono_tz::Australia::Lord_Howe, ZoneOrigin::Flag),
    (chrono_tz::Africa::Monrovia, ZoneOrigin::BundleDefault),
];

/// Place `inputs` in one clock with the shortcut and one without; every
/// answer and the state at every `every` lines and at the end must agree.
/// Returns the lines placed.
fn agree(what: &str, inputs: &[Input], every: usize) -> usize {
    let mut placed = 0;
    for (tz, origin) in ZONES {
        let mut fast = clock(tz, origin, true);
        let mut slow = clock(tz, origin, false);
        // Asked for instants alone, as `analyze` asks of a settled line.
        let mut bare = clock(tz, origin, true);
        for (k, (stamp, label)) in inputs.iter().enumerate() {
            let line = k as u64 + 1;
            let a = fast.resolve(stamp, label.as_deref(), line);
            let b = slow.resolve(stamp, label.as_deref(), line);
            assert_eq!(a, b, "{what}:{line} in {tz}: {stamp:?} {label:?}");
            let i = bare.instant(stamp, label.as_deref(), line);
            let want = a.as_ref().map(|t| t.instant).map_err(Clone::clone);
            assert_eq!(
                i, want,
                "{what}:{line} in {tz}: instant of {stamp:?} {label:?}"
            );
            placed += usize::from(a.is_ok());
            if every > 0 && line as usize % every == 0 {
                assert_eq!(fast.snapshot(), slow.snapshot(), "{what}:{line} in {tz}");
                assert_eq!(bare.snapshot(), slow.snapshot(), "{what}:{line} in {tz}");
            }
        }
        assert_eq!(fast.silences(), slow.silences(), "{what} in {tz}");
        assert_eq!(fast.carry(), slow.carry(), "{what} in {tz}");
        assert_eq!(fast.summary(), slow.summary(), "{what} in {tz}");
        assert_eq!(fast.snapshot(), slow.snapshot(), "{what} in {tz}");
        assert_eq!(bare.silences(), slow.silences(), "{what} in {tz}");
        assert_eq!(bare.carry(), slow.carry(), "{what} in {tz}");
        assert_eq!(bare.summary(), slow.summary(), "{what} in {tz}");
        assert_eq!(bare.snapshot(), slow.snapshot(), "{what} in {tz}");
        let noted = slow.finish_noted();
        assert_eq!(bare.finish_noted(), noted, "{what} in {tz}");
        assert_eq!(fast.finish_noted(), noted, "{what} in {tz}");

        // The same lines in two stretches, the second resumed from the
        // first's carry and absorbed, as a large file is read in parallel.
        let half = inputs.len() / 2;
        let stretches = |shortcut: bool| {
            let mut first = clock(tz, origin, shortcut);
            for (k, (s, l)) in inputs[..half].iter().enumerate() {
                let _ = first.resolve(s, l.as_deref(), k as u64 + 1);
            }
            let mut second = clock(tz, origin, shortcut);
            second.resume(first.carry());
            for (k, (s, l)) in inputs[half..].iter().enumerate() {
                let _ = second.resolve(s, l.as_deref(), (half + k) as u64 + 1);
            }
            first.absorb(second);
            first.snapshot()
        };
        assert_eq!(
            stretches(true),
            stretches(false),
            "{what} in {tz}, two stretches"
        );
    }
    placed
}

/// Every line under `dirs`, read by every built-in line grammar: one
/// sequence of stamps per file and grammar, in file order.
fn sequences(dirs: &[PathBuf]) -> Vec<(String, Vec<Input>)> {
    let reg = Registry::builtin().unwrap();
    let mut out = Vec::new();
    for d in dirs {
        for path in common::files_under(d) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            for g in reg.all() {
                if !matches!(g.form, Form::Lines(_)) {
                    continue;
                }
                let inputs: Vec<Input> = text
                    .lines()
                    .enumerate()
                    .filter_map(|(k, line)| {
                        let (rec, _) = g.read_line(line, k as u64 + 1).ok()?;
                        let label = g.label(&rec).map(str::to_string);
                        Some((rec.stamp?, label))
                    })
                    .collect();
                if !inputs.is_empty() {
                    out.push((format!("{} ({})", path.display(), g.name), inputs));
                }
            }
        }
    }
    out
}

#[test]
fn the_shortcut_places_every_fixture_line_as_the_long_way() {
    let mut placed = 0;
    for (what, inputs) in sequences(&[common::root().join("fixtures")]) {
        placed += agree(&what, &inputs, 97);
    }
    eprintln!("fixtures: {placed} placements compared");
    assert!(placed > 5_000, "{placed}");
}

#[test]
fn the_shortcut_places_every_corpus_line_as_the_long_way() {
    let corpora = corpora!();
    let mut placed = 0;
    for (what, inputs) in sequences(&[corpora]) {
        placed += agree(&what, &inputs, 997);
    }
    eprintln!("corpora: {placed} placements compared");
    assert!(placed > 100_000, "{placed}");
}

fn wall(year: Option<i32>, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> WallClock {
    WallClock {
        year,
        month: mo,
        day: d,
        hour: h,
        minute: mi,
        second: s,
        nanos,
        frac_digits: 3,
    }
}

/// Stamps every few seconds through `[from, to)` minutes of one hour,
/// some repeated, some out of order, under `label`.
fn minutes(
    year: Option<i32>,
    (mo, d, h): (u32, u32, u32),
    span: std::ops::Range<u32>,
    label: Option<&str>,
    out: &mut Vec<Input>,
) {
    for mi in span {
        for s in [0, 7, 7, 31, 12, 59] {
            let w = wall(year, mo, d, h, mi, s, s * 1_000_000);
            out.push((Stamp::Wall(w), label.map(str::to_string)));
        }
    }
}

#[test]
fn the_shortcut_agrees_around_dst_new_year_and_leap_seconds() {
    let mut inputs = Vec::new();
    // Chicago's 2017 spring-forward gap (02:00–03:00 does not exist) and
    // fall-back fold (01:00–02:00 twice), year-less and with the year,
    // labelled and not; Lord Howe's half-hour steps fall on other dates.
    for year in [None, Some(2017)] {
        minutes(year, (3, 12, 1), 50..60, None, &mut inputs);
        minutes(year, (3, 12, 2), 0..5, None, &mut inputs);
        minutes(year, (3, 12, 3), 0..5, Some("CDT"), &mut inputs);
        minutes(year, (11, 5, 0), 55..60, Some("CDT"), &mut inputs);
        minutes(year, (11, 5, 1), 0..4, None, &mut inputs);
        minutes(year, (11, 5, 1), 0..4, Some("CDT"), &mut inputs);
        minutes(year, (11, 5, 1), 0..4, Some("CST"), &mut inputs);
        minutes(year, (11, 5, 1), 0..4, None, &mut inputs);
        minutes(year, (4, 2, 1), 58..60, Some("XST"), &mut inputs);
        minutes(year, (4, 2, 2), 0..3, Some("UTC"), &mut inputs);
        minutes(year, (10, 1, 1), 58..60, Some("LHDT"), &mut inputs);
        minutes(year, (10, 1, 2), 0..3, None, &mut inputs);
    }
    // New Year in a year-less source: December, January, a late December
    // line, January again, then the same January minute under two labels.
    minutes(None, (12, 31, 23), 58..60, None, &mut inputs);
    minutes(None, (1, 1, 0), 0..2, None, &mut inputs);
    minutes(None, (12, 31, 23), 59..60, None, &mut inputs);
    minutes(None, (1, 1, 0), 0..2, None, &mut inputs);
    minutes(None, (1, 1, 0), 1..3, Some("CST"), &mut inputs);
    minutes(None, (1, 1, 0), 1..3, None, &mut inputs);
    // One label's lines step the calendar on while another's minute is
    // remembered: December (no label), then January and March under CST,
    // then the same December minute, now a year later.
    minutes(None, (12, 31, 23), 58..60, None, &mut inputs);
    minutes(None, (1, 1, 0), 0..1, Some("CST"), &mut inputs);
    minutes(None, (3, 1, 0), 0..1, Some("CST"), &mut inputs);
    minutes(None, (12, 31, 23), 59..60, None, &mut inputs);
    // A leap second between two ordinary ones of its minute.
    for s in [58, 59] {
        inputs.push((
            Stamp::Wall(wall(Some(2016), 12, 31, 23, 59, s, 0)),
            Some("UTC".into()),
        ));
    }
    inputs.push((
        Stamp::Wall(wall(Some(2016), 12, 31, 23, 59, 59, 1_500_000_000)),
        Some("UTC".into()),
    ));
    inputs.push((
        Stamp::Wall(wall(Some(2017), 1, 1, 0, 0, 0, 0)),
        Some("UTC".into()),
    ));
    // Offsets written in the line, alternating as senders do, one in odd
    // seconds whose minute starts the UTC day before.
    for mi in 0..4 {
        for s in [1, 20, 20, 40, 5] {
            for offset_s in [0, -6 * 3600, 3600, -(44 * 60 + 30), 45 * 60 + 17] {
                let w = wall(Some(2017), 3, 9, 0, mi, s, 250_000_000);
                inputs.push((Stamp::Offset { wall: w, offset_s }, None));
            }
        }
    }
    // Monrovia left -00:44:30 for GMT at 1972-01-07 00:44:30 UTC: local
    // 00:00:00–00:44:29 that day does not exist, so the minute 00:44 is
    // half gap, half GMT; its later seconds must not vouch for its earlier.
    for s in [40, 50, 10, 29, 30, 59] {
        inputs.push((Stamp::Wall(wall(Some(1972), 1, 7, 0, 44, s, 0)), None));
    }
    // Nagios's epoch seconds among them, and a date that does not exist.
    inputs.push((
        Stamp::Epoch {
            secs: 1_489_017_600,
            nanos: 0,
        },
        None,
    ));
    inputs.push((Stamp::Wall(wall(None, 2, 30, 1, 0, 0, 0)), None));
    minutes(None, (3, 9, 0), 0..2, None, &mut inputs);
    // A silence of more than 15 minutes inside one channel.
    minutes(Some(2017), (3, 9, 5), 0..1, None, &mut inputs);
    minutes(Some(2017), (3, 9, 5), 40..41, None, &mut inputs);
    let placed = agree("built", &inputs, 13);
    assert!(placed > 1_500, "{placed}");
}
