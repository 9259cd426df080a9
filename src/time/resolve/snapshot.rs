//! A clock's state as data, for a stretch of a file read on another
//! machine (`rfo extract --part`): written after the stretch, read back at
//! the merge, where the stretches are put together exactly as parallel
//! chunks are in one process (`carry`, `depends_on`, `resume`, `absorb`).
//! The memo is a cache and is not kept.

use super::{FoldNotes, Intervals, LabelMismatch, SourceClock, TallyKey};
use crate::evidence::Evidence;
use crate::finding::Finding;
use crate::time::fold::FoldPolicy;
use crate::time::provenance::{YearChoice, ZoneChoice};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Every field of a `SourceClock` that a later stretch or `finish` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockState {
    last: Option<DateTime<Utc>>,
    last_month: Option<u32>,
    rollovers: i32,
    /// Label → (first line, count, readings).
    mismatches: BTreeMap<String, (Evidence, u64, String)>,
    fold_jitter_ms: i64,
    guessed: BTreeMap<String, (u64, u64)>,
    findings: Vec<Finding>,
    out_of_order: u64,
    first_out_of_order: Option<Evidence>,
    dst_notes: u64,
    assumed_at: Option<u64>,
    fold_count: u64,
    fold_first: Option<(u64, String)>,
    fold_steps: Vec<(u64, String)>,
    /// (provenance kind, offset, label, lines), sorted.
    tally: Vec<(String, i32, Option<String>, u64)>,
    dst_counts: BTreeMap<String, u64>,
    silences: Vec<super::Silence>,
    intervals: [u64; 5],
    first_month: Option<u32>,
    first_instant: Option<DateTime<Utc>>,
    first_line: Option<u64>,
    resumed: bool,
}

/// The provenance kinds a tally key names (`tally_key`).
const KINDS: [&str; 9] = [
    "in-line",
    "epoch",
    "zone",
    "label-agrees",
    "label-override",
    "label-only",
    "zone-over-label",
    "label-by-evidence",
    "inferred-offset",
];

/// The DST decisions counted (`SourceClock::resolve`).
const DST: [&str; 5] = [
    "fold-by-label",
    "fold-by-order",
    "fold-by-order-jitter",
    "fold-unresolved",
    "gap",
];

fn known(s: &str, list: &[&'static str]) -> Result<&'static str, String> {
    list.iter()
        .find(|k| **k == s)
        .copied()
        .ok_or_else(|| format!("unknown name {s:?} in a clock state"))
}

impl SourceClock {
    /// This clock's state, as data.
    pub fn snapshot(&mut self) -> ClockState {
        self.flush_tally();
        let mut tally: Vec<(String, i32, Option<String>, u64)> = self
            .tally
            .iter()
            .map(|((k, off, label), n)| {
                (
                    k.to_string(),
                    *off,
                    label.as_deref().map(str::to_string),
                    *n,
                )
            })
            .collect();
        tally.sort();
        ClockState {
            last: self.last,
            last_month: self.last_month,
            rollovers: self.rollovers,
            mismatches: self
                .mismatches
                .iter()
                .map(|(k, m)| (k.clone(), (m.first.clone(), m.count, m.readings.clone())))
                .collect(),
            fold_jitter_ms: self.fold_policy.jitter.num_milliseconds(),
            guessed: self.guessed.clone(),
            findings: self.findings.clone(),
            out_of_order: self.out_of_order,
            first_out_of_order: self.first_out_of_order.clone(),
            dst_notes: self.dst_notes,
            assumed_at: self.assumed_at,
            fold_count: self.fold.count,
            fold_first: self.fold.first.clone(),
            fold_steps: self.fold.steps.clone(),
            tally,
            dst_counts: self
                .dst_counts
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            silences: self.silences.clone(),
            intervals: self.intervals.buckets,
            first_month: self.first_month,
            first_instant: self.first_instant,
            first_line: self.first_line,
            resumed: self.resumed,
        }
    }

    /// A clock for `file` standing where `state` left it.
    pub fn restore(
        state: ClockState,
        file: impl Into<String>,
        zone: ZoneChoice,
        year: Option<YearChoice>,
        overrides: Arc<HashMap<String, i32>>,
    ) -> Result<SourceClock, String> {
        let mut c = SourceClock::new(file, zone, year, overrides);
        let mut tally: rustc_hash::FxHashMap<TallyKey, u64> = Default::default();
        for (k, off, label, n) in state.tally {
            tally.insert((known(&k, &KINDS)?, off, label.map(Arc::from)), n);
        }
        let mut dst_counts = BTreeMap::new();
        for (k, n) in state.dst_counts {
            dst_counts.insert(known(&k, &DST)?, n);
        }
        c.last = state.last;
        c.last_month = state.last_month;
        c.rollovers = state.rollovers;
        c.mismatches = state
            .mismatches
            .into_iter()
            .map(|(k, (first, count, readings))| {
                (
                    k,
                    LabelMismatch {
                        first,
                        count,
                        readings,
                    },
                )
            })
            .collect();
        c.fold_policy = FoldPolicy {
            jitter: chrono::Duration::milliseconds(state.fold_jitter_ms),
        };
        c.guessed = state.guessed;
        c.findings = state.findings;
        c.out_of_order = state.out_of_order;
        c.first_out_of_order = state.first_out_of_order;
        c.dst_notes = state.dst_notes;
        c.assumed_at = state.assumed_at;
        c.fold = FoldNotes {
            count: state.fold_count,
            first: state.fold_first,
            steps: state.fold_steps,
        };
        c.tally = tally;
        c.dst_counts = dst_counts;
        c.silences = state.silences;
        c.intervals = Intervals {
            buckets: state.intervals,
        };
        c.first_month = state.first_month;
        c.first_instant = state.first_instant;
        c.first_line = state.first_line;
        c.resumed = state.resumed;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::provenance::ZoneOrigin;
    use crate::time::stamp::{Stamp, WallClock};

    fn clock() -> SourceClock {
        SourceClock::new(
            "sw.log",
            ZoneChoice {
                tz: chrono_tz::America::New_York,
                origin: ZoneOrigin::Source,
            },
            Some(YearChoice {
                year: 2018,
                origin: crate::time::provenance::YearOrigin::Flag,
            }),
            Arc::default(),
        )
    }

    #[test]
    fn a_restored_clock_says_what_the_original_says() {
        let mut a = clock();
        // Through the 2018 fall-back fold in New York, twice over 01:30.
        for (k, (h, m)) in [(0, 50), (1, 10), (1, 30), (1, 59), (1, 5), (1, 30), (2, 10)]
            .iter()
            .enumerate()
        {
            let w = WallClock {
                year: None,
                month: 11,
                day: 4,
                hour: *h,
                minute: *m,
                second: 0,
                nanos: 0,
                frac_digits: 0,
            };
            a.resolve(&Stamp::Wall(w), None, k as u64 + 1).unwrap();
        }
        let state = a.snapshot();
        let text = serde_json::to_string(&state).unwrap();
        let back: ClockState = serde_json::from_str(&text).unwrap();
        assert_eq!(back, state);
        let mut b = SourceClock::restore(back, "sw.log", a.zone, a.year, Arc::default()).unwrap();
        assert_eq!(b.snapshot(), state);
        assert_eq!(b.summary(), a.summary());
        assert_eq!(b.carry(), a.carry());
        assert_eq!(b.finish_noted(), a.finish_noted());
    }
}
