//! Outage windows and the numbers an RFO needs, each with the rule that
//! produced it. Works on the merged timeline by index; `analysis` turns the
//! result into the JSON contract.

pub mod machine;
pub mod trigger;
pub mod union;

use crate::event::{Kind, Role, TimedEvent};
use chrono::Duration;
use trigger::Candidate;
use union::Outage;

/// Subject windows closer than this are one outage, by default.
pub const MERGE_GAP_S: i64 = 300;
/// Status-page updates this long after an outage may still belong to it.
pub const PUBLIC_AFTER_H: i64 = 24;
/// ... and this long before its start (a page opened early).
pub const PUBLIC_BEFORE_H: i64 = 2;
/// At most this many actions are listed per window.
pub const ACTIONS_MAX: usize = 50;
/// SOFT monitor failures this long before a HARD start widen its uncertainty.
pub const SOFT_LEAD_MAX_S: i64 = 3600;

pub const RULE_START: &str = "start = first fault evidence: a HARD non-OK monitor state, a link, line-protocol or neighbor going down, a backend marked DOWN, an alert firing";
pub const RULE_END: &str = "end = last recovery among the window's subjects (null while any is still down at the end of the evidence)";
pub const RULE_TRIGGER: &str = "trigger = the change within 60 min before start, related changes (same host as a fault) first, then the closest; a candidate until a human confirms it";
pub const RULE_DETECTED: &str = "detected_at = first monitoring alert or notification (a monitor source's fault or detection) at or after start; TTD = detected_at - start";
pub const RULE_RECOVERY: &str = "ttr = end - detected_at (time to recovery once detected)";
pub const RULE_PUBLIC: &str = "first_public_update_at = first status-page update assigned to this window (each update goes to the nearest window, from 2 h before its start to 24 h after its end); public_resolved_at = first such update with status resolved";
pub const RULE_UNCERTAINTY: &str = "start/end uncertainty = the precision of the timestamp that fixes them; a HARD monitor start also carries the time since the first SOFT failure of the same subject (the fault began between the checks); an end first seen after the monitor restarted carries the time it was stopped; a start taken from a state reported at start-up or rotation is unknown (null)";
pub const RULE_UNKNOWN: &str = "unknown = spans when a monitor was stopped (its own stop and start lines) while the window was open: the service's state then is unknown, never up";

/// Settings of the window engine.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub merge_gap_s: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            merge_gap_s: MERGE_GAP_S,
        }
    }
}

/// One outage with its derived facts, by timeline index.
#[derive(Debug, Clone)]
pub struct WindowFacts {
    pub outage: Outage,
    pub candidates: Vec<Candidate>,
    pub detected: Option<usize>,
    pub actions: Vec<usize>,
    /// Status-page updates assigned to this window, in order.
    pub public: Vec<usize>,
    pub first_public: Option<usize>,
    pub public_resolved: Option<usize>,
    /// Faults and recoveries of the window's subjects, for the report timeline.
    pub key_events: Vec<usize>,
    /// `None` when the start is a state the monitor reported at start-up
    /// or rotation: the fault began before the log, by an unknown amount.
    pub start_uncertainty_ms: Option<u64>,
    pub end_uncertainty_ms: Option<u64>,
    /// Times a monitor was not running while the window was open.
    pub unknown: Vec<Gap>,
    /// Scheduled downtime and flapping of the window's subjects: context a
    /// reader needs (a planned outage, a service that would not settle).
    pub notes: Vec<usize>,
}

/// A recovery this soon after a monitor restart is its start-up report.
pub const RESTART_REPORT_S: i64 = 900;

/// Downtime this long before a window may still cover it.
pub const DOWNTIME_BEFORE_H: i64 = 24;

/// A span when a monitor was not running: its state then is unknown,
/// never "up".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Timeline index of the monitor's stop line.
    pub stop: usize,
    /// Timeline index of its next start line; `None` if it never restarted.
    pub start: Option<usize>,
}

/// Every span a monitor source was stopped, by its own start/stop lines.
pub fn monitor_gaps(t: &[TimedEvent]) -> Vec<Gap> {
    let mut open: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for (k, e) in t.iter().enumerate() {
        match e.state.as_deref() {
            Some("monitor-stop") => {
                open.entry(e.source).or_insert(k);
            }
            Some("monitor-start") => {
                if let Some(stop) = open.remove(&e.source) {
                    out.push(Gap {
                        stop,
                        start: Some(k),
                    });
                }
            }
            _ => {}
        }
    }
    out.extend(open.into_values().map(|stop| Gap { stop, start: None }));
    out.sort_by_key(|g| g.stop);
    out
}

pub fn windows(timeline: &[TimedEvent], config: Config) -> Vec<WindowFacts> {
    let subject = machine::subject_windows(timeline);
    let outages = union::union(subject, timeline, Duration::seconds(config.merge_gap_s));
    let public = assign_public(timeline, &outages);
    let gaps = monitor_gaps(timeline);
    outages
        .into_iter()
        .zip(public)
        .map(|(o, p)| facts(timeline, o, p, &gaps))
        .collect()
}

/// Give each status-page update to the nearest outage it may belong to.
fn assign_public(t: &[TimedEvent], outages: &[Outage]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); outages.len()];
    // An open outage's evidence ends where its sources' evidence ends.
    let evidence_end = |o: &Outage| {
        let sources: Vec<u32> = o.members.iter().map(|m| t[m.start].source).collect();
        t.iter()
            .filter(|e| sources.contains(&e.source))
            .map(|e| e.instant)
            .max()
    };
    let ends: Vec<Option<chrono::DateTime<chrono::Utc>>> = outages
        .iter()
        .map(|o| o.end.map(|x| t[x].instant).or_else(|| evidence_end(o)))
        .collect();
    for (k, e) in t.iter().enumerate() {
        if e.kind != Kind::Comms || e.role != Role::Public {
            continue;
        }
        let best = outages
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let start = t[o.start].instant;
                let end = ends[i];
                let from = start - Duration::hours(PUBLIC_BEFORE_H);
                let to = end.map(|x| x + Duration::hours(PUBLIC_AFTER_H));
                if e.instant < from || to.is_some_and(|to| e.instant > to) {
                    return None;
                }
                let dist = if e.instant < start {
                    (start - e.instant).num_seconds()
                } else {
                    end.map(|x| (e.instant - x).num_seconds().max(0))
                        .unwrap_or(0)
                };
                Some((dist, i))
            })
            .min();
        if let Some((_, i)) = best {
            out[i].push(k);
        }
    }
    out
}

fn facts(timeline: &[TimedEvent], outage: Outage, public: Vec<usize>, gaps: &[Gap]) -> WindowFacts {
    let outage_subjects = outage.subjects();
    let outage_start = outage.start;
    let end_k = outage.end;
    let inside = |k: usize| k >= outage.start && end_k.is_none_or(|e| k <= e);
    let candidates = trigger::rank(timeline, &outage);
    let trigger = candidates.first().map(|c| c.event);
    let detected = (outage.start..timeline.len())
        .take_while(|&k| inside(k))
        .find(|&k| {
            let e = &timeline[k];
            e.role == Role::Monitor && matches!(e.kind, Kind::Fault | Kind::Detection)
        });
    let actions: Vec<usize> = (outage.start..timeline.len())
        .take_while(|&k| inside(k))
        .filter(|&k| matches!(timeline[k].kind, Kind::Action | Kind::Change) && Some(k) != trigger)
        .take(ACTIONS_MAX)
        .collect();
    let first_public = public.first().copied();
    let public_resolved = public
        .iter()
        .copied()
        .find(|&k| timeline[k].state.as_deref() == Some("resolved"));
    let mut key_events: Vec<usize> = outage
        .members
        .iter()
        .flat_map(|m| [Some(m.start), m.end])
        .flatten()
        .collect();
    key_events.sort();
    key_events.dedup();
    let start_uncertainty_ms = start_uncertainty(timeline, outage.start);
    let unknown: Vec<Gap> = gaps
        .iter()
        .filter(|g| g.start.is_none_or(|s| s >= outage.start) && end_k.is_none_or(|e| g.stop <= e))
        .cloned()
        .collect();
    let end_uncertainty_ms = end_k.map(|k| {
        let e = &timeline[k];
        // A recovery first seen after the monitor restarted happened
        // somewhere in the gap before it.
        // Only a recovery reported soon after the restart (the start-up
        // state) is one that happened somewhere in the gap.
        let gap = unknown
            .iter()
            .filter(|g| {
                g.start.is_some_and(|s| {
                    s <= k && (e.instant - timeline[s].instant).num_seconds() <= RESTART_REPORT_S
                }) && timeline[g.stop].source == e.source
            })
            .map(|g| {
                (e.instant - timeline[g.stop].instant)
                    .num_milliseconds()
                    .max(0) as u64
            })
            .max()
            .unwrap_or(0);
        u64::from(e.precision_ms).max(gap)
    });
    WindowFacts {
        outage,
        candidates,
        detected,
        actions,
        public,
        first_public,
        public_resolved,
        key_events,
        start_uncertainty_ms,
        end_uncertainty_ms,
        unknown,
        notes: notes(timeline, &outage_subjects, outage_start, end_k),
    }
}

fn notes(t: &[TimedEvent], subjects: &[String], start: usize, end: Option<usize>) -> Vec<usize> {
    let from = t[start].instant - Duration::hours(DOWNTIME_BEFORE_H);
    t.iter()
        .enumerate()
        .take(end.map_or(t.len(), |e| e + 1))
        .filter(|(_, e)| e.instant >= from)
        .filter(|(_, e)| {
            matches!(
                e.state.as_deref(),
                Some("downtime-start" | "downtime-end" | "flapping-start" | "flapping-stop")
            ) && e.subject.as_ref().is_some_and(|s| subjects.contains(s))
        })
        .map(|(k, _)| k)
        .collect()
}

/// The start's timestamp precision, widened for a HARD monitor start by
/// the time since the first SOFT failure of the same subject.
fn start_uncertainty(t: &[TimedEvent], start: usize) -> Option<u64> {
    let e = &t[start];
    if e.kind == Kind::Info {
        return None;
    }
    let precision = u64::from(e.precision_ms);
    if e.role != Role::Monitor {
        return Some(precision);
    }
    let lead = t[..start]
        .iter()
        .rev()
        .take_while(|x| (e.instant - x.instant).num_seconds() <= SOFT_LEAD_MAX_S)
        .filter(|x| x.subject == e.subject && x.source == e.source)
        .take_while(|x| x.kind != Kind::Recovery)
        .filter(|x| x.kind == Kind::Detection)
        .last()
        .map(|x| (e.instant - x.instant).num_milliseconds().max(0) as u64)
        .unwrap_or(0);
    Some(precision.max(lead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::tests::ev;

    fn monitor(mut e: TimedEvent) -> TimedEvent {
        e.role = Role::Monitor;
        e
    }

    #[test]
    fn soft_failures_widen_a_hard_start() {
        let t = vec![
            monitor(ev(
                "2017-02-23T03:56:52Z",
                0,
                1,
                Kind::Detection,
                "portal/HTTP",
            )),
            monitor(ev(
                "2017-02-23T03:57:22Z",
                0,
                2,
                Kind::Detection,
                "portal/HTTP",
            )),
            monitor(ev("2017-02-23T03:57:52Z", 0, 3, Kind::Fault, "portal/HTTP")),
            monitor(ev(
                "2017-02-23T04:23:22Z",
                0,
                4,
                Kind::Recovery,
                "portal/HTTP",
            )),
        ];
        let w = windows(&t, Config::default());
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].start_uncertainty_ms, Some(60_000));
        assert_eq!(w[0].end_uncertainty_ms, Some(1000));
        assert_eq!(w[0].detected, Some(2));
    }

    #[test]
    fn public_updates_go_to_the_nearest_window() {
        let mut t = vec![
            ev("2017-02-23T01:00:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T01:05:00Z", 0, 2, Kind::Recovery, "a"),
            ev("2017-02-23T01:10:00Z", 1, 1, Kind::Comms, "page"),
            ev("2017-02-23T03:50:00Z", 1, 2, Kind::Comms, "page"),
            ev("2017-02-23T03:56:00Z", 0, 3, Kind::Fault, "b"),
            ev("2017-02-23T04:20:00Z", 0, 4, Kind::Recovery, "b"),
        ];
        t[2].role = Role::Public;
        t[3].role = Role::Public;
        let w = windows(&t, Config::default());
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].public, vec![2]);
        assert_eq!(w[1].public, vec![3]);
    }

    #[test]
    fn merge_gap_is_configurable() {
        let t = vec![
            ev("2017-02-23T03:00:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T03:10:00Z", 0, 2, Kind::Recovery, "a"),
            ev("2017-02-23T03:20:00Z", 0, 3, Kind::Fault, "b"),
            ev("2017-02-23T03:30:00Z", 0, 4, Kind::Recovery, "b"),
        ];
        assert_eq!(windows(&t, Config::default()).len(), 2);
        assert_eq!(windows(&t, Config { merge_gap_s: 900 }).len(), 1);
    }

    /// Duplicate and out-of-order lines arrive sorted by the merge; a
    /// duplicate fault or recovery changes nothing.
    #[test]
    fn duplicates_and_out_of_order_sources() {
        let mut src = vec![
            ev("2017-02-23T03:58:00Z", 0, 3, Kind::Recovery, "a"),
            ev("2017-02-23T03:56:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T03:56:00Z", 0, 2, Kind::Fault, "a"),
            ev("2017-02-23T03:58:00Z", 0, 4, Kind::Recovery, "a"),
        ];
        src.sort_by_key(|e| (e.instant, e.line));
        let t = crate::timeline::merged(vec![src], None, None);
        let w = windows(&t, Config::default());
        assert_eq!(w.len(), 1);
        assert_eq!(
            (
                t[w[0].outage.start].line,
                w[0].outage.end.map(|k| t[k].line)
            ),
            (1, Some(3))
        );
    }
}

#[cfg(test)]
mod gap_tests {
    use super::*;
    use crate::timeline::tests::ev;

    fn mon(t: &str, line: u64, kind: Kind, subject: &str, state: Option<&str>) -> TimedEvent {
        let mut e = ev(t, 0, line, kind, subject);
        e.role = Role::Monitor;
        e.state = state.map(str::to_string);
        e
    }

    #[test]
    fn a_monitor_gap_is_unknown_and_widens_the_end() {
        let t = vec![
            mon(
                "2017-02-23T03:57:52Z",
                1,
                Kind::Fault,
                "portal/HTTP",
                Some("CRITICAL"),
            ),
            mon(
                "2017-02-23T04:00:00Z",
                2,
                Kind::Info,
                "nagios",
                Some("monitor-stop"),
            ),
            mon(
                "2017-02-23T04:20:00Z",
                3,
                Kind::Info,
                "nagios",
                Some("monitor-start"),
            ),
            mon(
                "2017-02-23T04:20:00Z",
                4,
                Kind::Info,
                "portal/HTTP",
                Some("OK"),
            ),
        ];
        let w = windows(&t, Config::default());
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].outage.end, Some(3));
        assert_eq!(
            w[0].unknown,
            vec![Gap {
                stop: 1,
                start: Some(2)
            }]
        );
        // Recovered somewhere in the 20 minutes the monitor was stopped.
        assert_eq!(w[0].end_uncertainty_ms, Some(20 * 60 * 1000));
    }

    #[test]
    fn an_old_gap_does_not_widen_a_later_end() {
        let t = vec![
            mon(
                "2017-02-23T03:57:52Z",
                1,
                Kind::Fault,
                "portal/HTTP",
                Some("CRITICAL"),
            ),
            mon(
                "2017-02-23T04:00:00Z",
                2,
                Kind::Info,
                "nagios",
                Some("monitor-stop"),
            ),
            mon(
                "2017-02-23T04:05:00Z",
                3,
                Kind::Info,
                "nagios",
                Some("monitor-start"),
            ),
            mon(
                "2017-02-23T06:00:00Z",
                4,
                Kind::Recovery,
                "portal/HTTP",
                Some("OK"),
            ),
        ];
        let w = windows(&t, Config::default());
        assert_eq!(w[0].end_uncertainty_ms, Some(1000));
        assert_eq!(w[0].unknown.len(), 1);
    }

    #[test]
    fn a_state_at_rotation_opens_a_window_with_unknown_start() {
        let t = vec![
            mon(
                "2017-02-23T00:00:00Z",
                1,
                Kind::Info,
                "portal/HTTP",
                Some("CRITICAL"),
            ),
            mon(
                "2017-02-23T00:10:00Z",
                2,
                Kind::Recovery,
                "portal/HTTP",
                Some("OK"),
            ),
        ];
        let w = windows(&t, Config::default());
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].start_uncertainty_ms, None);
    }
}
