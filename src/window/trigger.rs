//! Trigger candidates: `change` events shortly before an outage starts,
//! ranked first by relation to the affected subjects (same host as a fault,
//! a device whose interface went down), then by proximity. The best is a
//! *candidate* until a human confirms it.
//!
//! Ranking only: the words of a candidate's reason come from `crate::human`,
//! which every output shares; nothing here formats for another module.

use super::episode::Span;
use super::focus::Depends;
use super::Outage;
use crate::event::Kind;
use crate::timeline::Timeline;
use chrono::Duration;

/// How far before the start a change may be and still be a candidate.
pub const LOOKBACK_MIN: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub event: usize,
    /// Seconds from the change to the outage start.
    pub lead_s: i64,
    pub related: bool,
    pub reason: String,
}

/// Candidates best first. Only the lookback range is read: the timeline is
/// in instant order, so its first index is found by binary search.
pub fn rank(
    timeline: &Timeline,
    spans: &[Span],
    outage: &Outage,
    deps: &[Depends],
) -> Vec<Candidate> {
    let start = timeline.get(outage.start).instant;
    let from = start - Duration::minutes(LOOKBACK_MIN);
    let first = timeline
        .range(..=outage.start)
        .partition_point(|e| e.instant < from);
    let fault_hosts: Vec<&str> = outage
        .spans(spans)
        .filter_map(|s| timeline.get(s.start()).who.host.as_deref())
        .collect();
    let mut out: Vec<Candidate> = timeline
        .range(first..=outage.start)
        .enumerate()
        .filter(|(_, e)| e.who.kind == Kind::Change && e.instant <= start)
        .map(|(k, e)| {
            let host = e.who.host.as_deref();
            let same_host = host.is_some_and(|h| fault_hosts.contains(&h));
            let dependency = deps.iter().find_map(|d| {
                outage
                    .spans(spans)
                    .find(|s| d.links(s.subject(timeline), host, e.who.subject.as_deref()))
                    .map(|s| &**s.subject(timeline))
            });
            let lead_s = (start - e.instant).num_seconds();
            let reason = match (same_host, dependency, host) {
                (true, _, Some(h)) => format!(
                    "change on {h}, a host that faulted in this window, {} before the start",
                    crate::human::duration(lead_s)
                ),
                (_, Some(dependent), h) => format!(
                    "change on {}, which {dependent} depends on ([[depends]]), {} before the start",
                    h.unwrap_or("an unknown host"),
                    crate::human::duration(lead_s)
                ),
                (_, None, h) => format!(
                    "change on {}, not among the faulting hosts, {} before the start",
                    h.unwrap_or("an unknown host"),
                    crate::human::duration(lead_s)
                ),
            };
            Candidate {
                event: first + k,
                lead_s,
                related: same_host || dependency.is_some(),
                reason,
            }
        })
        .collect();
    out.sort_by_key(|c| (!c.related, c.lead_s, c.event));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::ev;
    use crate::window::{windows, Config};

    #[test]
    fn related_change_beats_a_closer_unrelated_one() {
        let mut t = vec![
            ev("2017-02-23T03:40:00Z", 0, 1, Kind::Change, "core-sw1"),
            ev("2017-02-23T03:55:00Z", 1, 1, Kind::Change, "db01"),
            ev(
                "2017-02-23T03:56:00Z",
                0,
                2,
                Kind::Fault,
                "core-sw1 Gi1/0/24",
            ),
            ev(
                "2017-02-23T04:20:00Z",
                0,
                3,
                Kind::Recovery,
                "core-sw1 Gi1/0/24",
            ),
        ];
        t[0].who_mut().host = Some("core-sw1".into());
        t[1].who_mut().host = Some("db01".into());
        t[2].who_mut().host = Some("core-sw1".into());
        let w = windows(
            &crate::timeline::Timeline::from(t.clone()),
            &Config::default(),
        );
        let c = &w.facts[0].candidates;
        assert_eq!(c.iter().map(|c| c.event).collect::<Vec<_>>(), vec![0, 1]);
        assert!(c[0].related && !c[1].related);
        assert_eq!(c[0].lead_s, 960);
    }
}
