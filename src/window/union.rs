//! Union of subject windows into outages: windows that overlap, or that
//! touch within `gap`, are one outage with all their subjects. An unrelated
//! blip hours away stays its own outage.

use super::machine::SubjectWindow;
use crate::event::TimedEvent;
use chrono::{DateTime, Duration, Utc};

/// One outage, by timeline indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// The earliest opening fault.
    pub start: usize,
    /// The latest closing recovery; `None` if any member is still open.
    pub end: Option<usize>,
    pub members: Vec<SubjectWindow>,
}

impl Outage {
    pub fn subjects(&self) -> Vec<String> {
        let mut s: Vec<String> = self.members.iter().map(|m| m.subject.clone()).collect();
        s.sort();
        s.dedup();
        s
    }
}

pub fn union(windows: Vec<SubjectWindow>, timeline: &[TimedEvent], gap: Duration) -> Vec<Outage> {
    let at = |k: usize| timeline[k].instant;
    let end_at = |w: &SubjectWindow| -> Option<DateTime<Utc>> { w.end.map(at) };
    // An open subject window reaches as far as its own source's evidence
    // goes, not to the end of time: a device that stops logging mid-outage
    // must not swallow an unrelated outage hours later.
    let mut source_last: std::collections::HashMap<u32, DateTime<Utc>> = Default::default();
    for e in timeline {
        let last = source_last.entry(e.source).or_insert(e.instant);
        *last = (*last).max(e.instant);
    }
    let reach_of = |o: &Outage| -> DateTime<Utc> {
        o.members
            .iter()
            .map(|m| match m.end {
                Some(e) => at(e),
                None => source_last
                    .get(&timeline[m.start].source)
                    .copied()
                    .unwrap_or(at(m.start)),
            })
            .max()
            .unwrap_or(at(o.start))
            + gap
    };
    let mut out: Vec<Outage> = Vec::new();
    for w in windows {
        if let Some(cur) = out.last_mut() {
            if at(w.start) <= reach_of(cur) {
                cur.end = match (cur.end, w.end) {
                    (Some(a), Some(b)) => Some(if end_at(&w) > Some(at(a)) { b } else { a }),
                    _ => None,
                };
                // An open member keeps the outage open even after later closes.
                if cur.members.iter().any(|m| m.end.is_none()) {
                    cur.end = None;
                }
                cur.members.push(w);
                continue;
            }
        }
        out.push(Outage {
            start: w.start,
            end: w.end,
            members: vec![w],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::timeline::tests::ev;
    use crate::window::machine::subject_windows;

    #[test]
    fn overlapping_and_touching_merge_distant_stays_apart() {
        let t = vec![
            ev("2017-02-23T01:00:00Z", 0, 1, Kind::Fault, "blip"),
            ev("2017-02-23T01:01:00Z", 0, 2, Kind::Recovery, "blip"),
            ev("2017-02-23T03:56:00Z", 0, 3, Kind::Fault, "a"),
            ev("2017-02-23T03:58:00Z", 1, 1, Kind::Fault, "b"),
            ev("2017-02-23T04:20:00Z", 0, 4, Kind::Recovery, "a"),
            ev("2017-02-23T04:23:00Z", 1, 2, Kind::Recovery, "b"),
            ev("2017-02-23T04:25:00Z", 2, 1, Kind::Fault, "c"),
            ev("2017-02-23T04:26:00Z", 2, 2, Kind::Recovery, "c"),
        ];
        let o = union(subject_windows(&t), &t, Duration::seconds(300));
        assert_eq!(o.len(), 2);
        assert_eq!((o[0].start, o[0].end), (0, Some(1)));
        assert_eq!((o[1].start, o[1].end), (2, Some(7)));
        assert_eq!(o[1].subjects(), vec!["a", "b", "c"]);
    }

    #[test]
    fn an_open_window_does_not_swallow_a_later_unrelated_outage() {
        let t = vec![
            ev("2017-02-23T01:00:00Z", 0, 1, Kind::Fault, "old"),
            ev("2017-02-23T01:05:00Z", 0, 2, Kind::Action, "old"),
            ev("2017-02-23T03:56:00Z", 1, 1, Kind::Fault, "new"),
            ev("2017-02-23T04:20:00Z", 1, 2, Kind::Recovery, "new"),
        ];
        let o = union(subject_windows(&t), &t, Duration::seconds(300));
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].end, None);
        assert_eq!((o[1].start, o[1].end), (2, Some(3)));
    }

    #[test]
    fn open_member_keeps_outage_open() {
        let t = vec![
            ev("2017-02-23T03:56:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T03:57:00Z", 0, 2, Kind::Fault, "b"),
            ev("2017-02-23T04:20:00Z", 0, 3, Kind::Recovery, "b"),
        ];
        let o = union(subject_windows(&t), &t, Duration::seconds(300));
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].end, None);
    }
}
