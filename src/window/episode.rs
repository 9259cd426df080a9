//! Per-subject episodes: one linear pass over the timeline turns each
//! subject's typed health statements into spans of not-OK, each with a
//! grade. Only settled statements move a subject (Nagios SOFT states carry
//! no health signal); repeated statements change nothing.
//!
//! - `down` opens an outage-grade span; `unknown` inside it is a stretch of
//!   monitoring unknown that neither ends nor extends it; `ok` or
//!   `degraded` ends it (a service that answers, even slowly, is back).
//! - `unknown` outside an outage opens a monitoring-unknown span.
//! - `degraded` opens a degraded span, reported beside windows.
//!
//! A span opened by a state report (CURRENT/INITIAL STATE) at the start of
//! its source's evidence was failing before the evidence began: it is
//! background. Flapping spans are marked here too, from the subject's own
//! onsets and the monitor's flapping alerts.

use crate::event::Kind;
use crate::signal::{Health, Signal};
use crate::timeline::Timeline;
use chrono::{DateTime, Duration, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;
use std::sync::Arc;

/// A state report this close to its source's first line describes the
/// state when the evidence began.
pub const HEAD_S: i64 = 60;
/// SOFT failures this long before a HARD start widen its uncertainty.
pub const SOFT_LEAD_MAX_S: i64 = 3600;
/// This many onsets of one grade within `FLAP_WINDOW_S` make a subject flap.
pub const FLAP_ONSETS: usize = 3;
pub const FLAP_WINDOW_S: i64 = 3600;

/// A stretch of monitoring unknown inside an outage: (from, until)
/// timeline indices, `until` `None` while it lasts.
pub type Stretch = (usize, Option<usize>);

/// One stretch of not-OK of one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub grade: Health,
    /// Timeline index of the opening statement (`start()`). Indices are
    /// held as `u32` (`NONE` for none): a storm has a span per fault, and
    /// three `usize` options were half of each (issue 16).
    start: u32,
    /// Timeline index of the closing statement (`end()`); none while still
    /// open at the end of the evidence.
    end: u32,
    /// Opened by a state report: the failure began before, by an unknown amount.
    pub reported: bool,
    /// Not OK when its source's evidence began: background, never a member.
    pub at_evidence_start: bool,
    /// Part of a run of onsets that cycles (or the monitor said it flaps).
    pub flapping: bool,
}

/// Every subject's spans, ordered by start index, and the stretches inside
/// them when a check itself failed. The stretches are kept apart, by span
/// index: few spans have any, and a storm has a span per fault, so a list
/// (even a boxed one, 8 bytes) in each span made them 24 bytes, not 16.
/// So are SOFT leads: a storm of HARD alerts has none, and a field for
/// them made every span 16 bytes, not 12.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    list: Vec<Span>,
    unknown: Unknown,
    /// `(span, event)`: the first SOFT failure before a HARD start, same
    /// subject and source, by span index (ascending: spans are made in
    /// order).
    soft_leads: Vec<(u32, u32)>,
}

/// Stretches of monitoring unknown, by span index.
type Unknown = std::collections::BTreeMap<u32, Vec<Stretch>>;

impl Spans {
    /// The stretches of monitoring unknown inside outage-grade span `i`:
    /// (from, until) timeline indices.
    pub fn unknown(&self, i: usize) -> &[Stretch] {
        self.unknown.get(&ix(i)).map_or(&[], Vec::as_slice)
    }

    /// The first SOFT failure before span `i`'s HARD start (same subject
    /// and source), a timeline index.
    pub fn soft_lead(&self, i: usize) -> Option<usize> {
        let i = ix(i);
        self.soft_leads
            .binary_search_by_key(&i, |&(span, _)| span)
            .ok()
            .map(|at| self.soft_leads[at].1 as usize)
    }

    /// Each span, to change in place. Not a `&mut [Span]`: a sort or swap
    /// would part the spans from their stretches, which go by index.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Span> {
        self.list.iter_mut()
    }
}

impl std::ops::Deref for Spans {
    type Target = [Span];
    fn deref(&self) -> &[Span] {
        &self.list
    }
}

#[derive(Default)]
struct Subject {
    open: Option<usize>,
    soft: Option<usize>,
    flapping: bool,
    settled_seen: bool,
}

/// No index (`Span`'s `u32` fields).
const NONE: u32 = u32::MAX;

/// A timeline index as stored: timelines are held in memory, far below
/// four billion events.
pub(crate) fn ix(k: usize) -> u32 {
    u32::try_from(k)
        .ok()
        .filter(|&k| k != NONE)
        .expect("timeline index fits in u32")
}

pub(crate) fn opt_ix(k: Option<usize>) -> u32 {
    k.map_or(NONE, ix)
}

pub(crate) fn from_ix(k: u32) -> Option<usize> {
    (k != NONE).then_some(k as usize)
}

impl Span {
    /// The subject, as its opening statement names it (not held: a storm
    /// has a span per fault).
    pub fn subject<'t>(&self, t: &'t Timeline) -> &'t crate::event::Name {
        t.get(self.start())
            .who
            .subject
            .as_ref()
            .expect("a span opens on a statement about its subject")
    }

    /// Timeline index of the opening statement.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Timeline index of the closing statement; `None` while still open
    /// at the end of the evidence.
    pub fn end(&self) -> Option<usize> {
        from_ix(self.end)
    }

    pub fn set_end(&mut self, end: Option<usize>) {
        self.end = opt_ix(end);
    }
}

/// Every subject's spans, ordered by start index.
pub fn spans(t: &Timeline) -> Spans {
    let first = instant_per_source(t, 0..t.len());
    // Each subject's state, found by its name once per distinct `Who` (by
    // address: a fast hash is safe there), not once per event: hashing
    // every event's subject text was a quarter of the engine's work on
    // the bench bundle (issue 16).
    let mut subjects: Vec<Subject> = Vec::new();
    let mut by_name: HashMap<&str, u32> = HashMap::new();
    let mut by_who: FxHashMap<usize, u32> = FxHashMap::default();
    let mut out: Vec<Span> = Vec::new();
    let mut unknown = Unknown::default();
    let mut soft_leads: Vec<(u32, u32)> = Vec::new();
    // Only the events about a subject, by their `Who`; an event's instant
    // is read where it is asked for (a span's opening, a soft lead): read
    // whole, every event was a third of the engine's work (issue 16).
    for k in t.indices_where(|w| w.subject.is_some()) {
        let who = t.who_at(k);
        let instant = || t.get(k).instant;
        let name: &str = who.subject.as_ref().expect("picked for its subject");
        let slot = *by_who.entry(Arc::as_ptr(who).addr()).or_insert_with(|| {
            *by_name.entry(name).or_insert_with(|| {
                subjects.push(Subject::default());
                ix(subjects.len() - 1)
            })
        });
        let s = &mut subjects[slot as usize];
        match who.signal {
            Some(Signal::FlappingStart) => s.flapping = true,
            Some(Signal::FlappingStop) => s.flapping = false,
            _ => {}
        }
        let Some(h) = who.signal.and_then(Signal::health) else {
            // A SOFT failure (no settled state) of the same subject.
            let soft =
                who.kind == Kind::Detection || (who.kind == Kind::Info && who.state.is_some());
            if soft && who.signal.is_none() {
                s.soft.get_or_insert(k);
            }
            continue;
        };
        let soft = s.soft.take().filter(|&x| {
            t.who_at(x).source == who.source
                && (instant() - t.get(x).instant).num_seconds() <= SOFT_LEAD_MAX_S
        });
        let first_statement = !s.settled_seen;
        s.settled_seen = true;
        let open_grade = s.open.map(|i| out[i].grade);
        match (open_grade, h) {
            (None, Health::Ok) => {}
            (Some(g), h) if g == h => {
                // Back to down after a stretch of unknown inside an outage.
                if let Some(i) = s.open {
                    close_unknown(&mut unknown, i, k);
                }
            }
            (Some(Health::Down), Health::Unknown) => {
                let list = unknown.entry(ix(s.open.expect("open"))).or_default();
                if list.last().is_none_or(|u| u.1.is_some()) {
                    list.push((k, None));
                }
            }
            (open, h) => {
                if let Some(i) = s.open.take() {
                    close_unknown(&mut unknown, i, k);
                    out[i].set_end(Some(k));
                }
                if h != Health::Ok {
                    let reported = who.kind == Kind::Info;
                    s.open = Some(out.len());
                    if let Some(lead) = soft.filter(|_| !reported) {
                        soft_leads.push((ix(out.len()), ix(lead)));
                    }
                    out.push(Span {
                        grade: h,
                        start: ix(k),
                        end: NONE,
                        reported,
                        at_evidence_start: reported
                            && open.is_none()
                            && first_statement
                            && (instant() - first[&who.source]) <= Duration::seconds(HEAD_S),
                        flapping: s.flapping,
                    });
                }
            }
        }
    }
    mark_flapping(t, &mut out);
    Spans {
        list: out,
        unknown,
        soft_leads,
    }
}

/// Each source's instant at the first of its events met in `order` (the
/// timeline's indices, forward for its first events, backward for its
/// last), every other event's instant unread: a walk stops once each
/// source has one.
pub(super) fn instant_per_source(
    t: &Timeline,
    order: impl Iterator<Item = usize>,
) -> FxHashMap<u32, DateTime<Utc>> {
    // By source index: a fast hash is safe for small integers.
    let mut found: FxHashMap<u32, DateTime<Utc>> = FxHashMap::default();
    let sources = t.whos().map(|w| w.source).collect::<FxHashSet<u32>>().len();
    for k in order {
        if found.len() == sources {
            break;
        }
        found
            .entry(t.who_at(k).source)
            .or_insert_with(|| t.get(k).instant);
    }
    found
}

/// Ends span `i`'s stretch of unknown, if one lasts, at `k`.
fn close_unknown(unknown: &mut Unknown, i: usize, k: usize) {
    if let Some(u) = unknown.get_mut(&ix(i)).and_then(|v| v.last_mut()) {
        if u.1.is_none() {
            u.1 = Some(k);
        }
    }
}

/// Mark every span in a run of `FLAP_ONSETS` onsets of one subject and
/// grade within `FLAP_WINDOW_S`: such a subject cycles, and its cycles must
/// not chain unrelated windows. Linear: two pointers per subject and grade.
fn mark_flapping(t: &Timeline, spans: &mut [Span]) {
    // Span indices as `u32`: a storm has a span per fault.
    let mut by: HashMap<(&str, Health), Vec<u32>> = HashMap::new();
    for (i, s) in spans.iter().enumerate() {
        by.entry((&**s.subject(t), s.grade))
            .or_default()
            .push(ix(i));
    }
    for list in by.values() {
        let mut left = 0;
        let mut marked_to = 0; // spans before this index in `list` are marked
        for right in 0..list.len() {
            let onset = |j: usize| t.get(spans[list[j] as usize].start()).instant;
            let at = onset(right);
            while (at - onset(left)).num_seconds() > FLAP_WINDOW_S {
                left += 1;
            }
            if right + 1 - left >= FLAP_ONSETS {
                for &i in &list[left.max(marked_to)..=right] {
                    spans[i as usize].flapping = true;
                }
                marked_to = right + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::TimedEvent;

    /// A storm has a span, and a window member, per fault (issue 16).
    #[test]
    fn spans_and_members_stay_compact() {
        assert!(std::mem::size_of::<Span>() <= 12);
        assert!(std::mem::size_of::<super::super::Member>() <= 4);
    }

    #[test]
    fn an_index_round_trips_and_none_stays_none() {
        assert_eq!(from_ix(ix(0)), Some(0));
        assert_eq!(from_ix(ix(4_000_000_000)), Some(4_000_000_000));
        assert_eq!(from_ix(opt_ix(None)), None);
        assert_eq!(from_ix(opt_ix(Some(7))), Some(7));
    }
    use crate::event::Role;
    use crate::timeline::tests::ev;

    fn st(t: &str, line: u32, kind: Kind, subject: &str, h: Option<Health>) -> TimedEvent {
        let mut e = ev(t, 0, line, kind, subject);
        e.who_mut().role = Role::Monitor;
        e.who_mut().signal = h.map(Signal::Health);
        e.who_mut().state = Some("x".into());
        e
    }

    #[test]
    fn down_opens_ok_closes_duplicates_ignored() {
        let t = vec![
            st(
                "2017-02-23T03:50:00Z",
                1,
                Kind::Recovery,
                "a",
                Some(Health::Ok),
            ),
            st(
                "2017-02-23T03:56:00Z",
                2,
                Kind::Fault,
                "a",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T03:56:05Z",
                3,
                Kind::Fault,
                "a",
                Some(Health::Down),
            ),
            st("2017-02-23T03:57:00Z", 4, Kind::Detection, "b", None),
            st(
                "2017-02-23T03:58:00Z",
                5,
                Kind::Fault,
                "b",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T04:20:00Z",
                6,
                Kind::Recovery,
                "a",
                Some(Health::Ok),
            ),
            st(
                "2017-02-23T04:21:00Z",
                7,
                Kind::Recovery,
                "a",
                Some(Health::Ok),
            ),
        ];
        let s = spans(&crate::timeline::Timeline::from(t.clone()));
        assert_eq!(s.len(), 2);
        assert_eq!(
            (
                &**s[0].subject(&crate::timeline::Timeline::from(t.clone())),
                s[0].start(),
                s[0].end()
            ),
            ("a", 1, Some(5))
        );
        assert_eq!(
            (
                &**s[1].subject(&crate::timeline::Timeline::from(t.clone())),
                s[1].start(),
                s[1].end()
            ),
            ("b", 4, None)
        );
        assert_eq!(s.soft_lead(1), Some(3));
        assert_eq!(s.soft_lead(0), None);
        assert!(!s[0].at_evidence_start && !s[0].reported);
    }

    #[test]
    fn unknown_inside_an_outage_neither_ends_nor_extends_it() {
        let t = vec![
            st(
                "2017-02-23T03:56:00Z",
                1,
                Kind::Fault,
                "a",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T04:00:00Z",
                2,
                Kind::Detection,
                "a",
                Some(Health::Unknown),
            ),
            st(
                "2017-02-23T04:05:00Z",
                3,
                Kind::Fault,
                "a",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T04:10:00Z",
                4,
                Kind::Detection,
                "a",
                Some(Health::Unknown),
            ),
            st(
                "2017-02-23T04:20:00Z",
                5,
                Kind::Recovery,
                "a",
                Some(Health::Ok),
            ),
        ];
        let s = spans(&crate::timeline::Timeline::from(t.clone()));
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].grade, s[0].end()), (Health::Down, Some(4)));
        assert_eq!(s.unknown(0), [(1, Some(2)), (3, Some(4))]);
        // The stretches go with their own span, kept apart by its index:
        // an earlier span of another subject, without any, moves them to
        // the second span and leaves the first with none.
        let mut t2 = vec![
            st(
                "2017-02-23T03:50:00Z",
                0,
                Kind::Fault,
                "b",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T03:52:00Z",
                0,
                Kind::Recovery,
                "b",
                Some(Health::Ok),
            ),
        ];
        t2.extend(t);
        let s = spans(&crate::timeline::Timeline::from(t2.clone()));
        assert_eq!(s.len(), 2);
        assert_eq!(s.unknown(0), []);
        assert_eq!(s.unknown(1), [(3, Some(4)), (5, Some(6))]);
    }

    #[test]
    fn degraded_ends_an_outage_and_opens_its_own_span() {
        let t = vec![
            st(
                "2017-02-23T03:56:00Z",
                1,
                Kind::Fault,
                "a",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T04:00:00Z",
                2,
                Kind::Detection,
                "a",
                Some(Health::Degraded),
            ),
            st(
                "2017-02-23T04:20:00Z",
                3,
                Kind::Recovery,
                "a",
                Some(Health::Ok),
            ),
        ];
        let s = spans(&crate::timeline::Timeline::from(t.clone()));
        assert_eq!(
            s.iter()
                .map(|x| (x.grade, x.start(), x.end()))
                .collect::<Vec<_>>(),
            vec![(Health::Down, 0, Some(1)), (Health::Degraded, 1, Some(2))]
        );
    }

    #[test]
    fn a_state_report_at_the_first_line_is_background_later_ones_are_not() {
        let t = vec![
            st(
                "2017-02-23T00:00:00Z",
                1,
                Kind::Info,
                "old",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T00:00:00Z",
                2,
                Kind::Info,
                "fine",
                Some(Health::Ok),
            ),
            st(
                "2017-02-23T02:00:00Z",
                3,
                Kind::Info,
                "fine",
                Some(Health::Down),
            ),
            st(
                "2017-02-23T02:00:00Z",
                4,
                Kind::Info,
                "new",
                Some(Health::Down),
            ),
        ];
        let s = spans(&crate::timeline::Timeline::from(t.clone()));
        assert_eq!(s.len(), 3);
        assert!(s[0].at_evidence_start && s[0].reported);
        assert!(!s[1].at_evidence_start && s[1].reported);
        assert!(!s[2].at_evidence_start);
    }

    #[test]
    fn three_onsets_in_an_hour_flap_two_do_not() {
        let mut t = Vec::new();
        for (k, (at, h)) in [
            ("01:00", Health::Down),
            ("01:05", Health::Ok),
            ("01:40", Health::Down),
            ("01:45", Health::Ok),
            ("05:00", Health::Down),
            ("05:05", Health::Ok),
            ("05:20", Health::Down),
            ("05:25", Health::Ok),
            ("05:50", Health::Down),
            ("05:55", Health::Ok),
        ]
        .into_iter()
        .enumerate()
        {
            let kind = if h == Health::Ok {
                Kind::Recovery
            } else {
                Kind::Fault
            };
            t.push(st(
                &format!("2017-02-23T{at}:00Z"),
                k as u32,
                kind,
                "a",
                Some(h),
            ));
        }
        let s = spans(&crate::timeline::Timeline::from(t.clone()));
        let flags: Vec<bool> = s.iter().map(|x| x.flapping).collect();
        assert_eq!(flags, vec![false, false, true, true, true]);
    }
}
