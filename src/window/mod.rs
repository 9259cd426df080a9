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

/// Subject windows closer than this are one outage.
pub const MERGE_GAP_S: i64 = 300;
/// Status-page updates this long after an outage still belong to it.
pub const PUBLIC_AFTER_H: i64 = 24;
/// ... and this long before its start (a page opened early).
pub const PUBLIC_BEFORE_H: i64 = 2;
/// At most this many actions are listed per window.
pub const ACTIONS_MAX: usize = 50;

pub const RULE_START: &str = "start = first fault evidence: a HARD non-OK monitor state, a link, line-protocol or neighbor going down, a backend marked DOWN";
pub const RULE_END: &str = "end = last recovery among the window's subjects (null while any is still down at the end of the evidence)";
pub const RULE_TRIGGER: &str = "trigger = the change within 60 min before start, related changes (same host as a fault) first, then the closest; a candidate until a human confirms it";
pub const RULE_DETECTED: &str = "detected_at = first monitoring alert or notification (a monitor source's fault or detection) at or after start; TTD = detected_at - start";
pub const RULE_PUBLIC: &str = "first_public_update_at = first status-page update from 2 h before start to 24 h after end; public_resolved_at = first such update with status resolved";

/// One outage with its derived facts, by timeline index.
#[derive(Debug, Clone)]
pub struct WindowFacts {
    pub outage: Outage,
    pub candidates: Vec<Candidate>,
    pub detected: Option<usize>,
    pub actions: Vec<usize>,
    pub first_public: Option<usize>,
    pub public_resolved: Option<usize>,
    /// Faults and recoveries of the window's subjects, for the report timeline.
    pub key_events: Vec<usize>,
}

pub fn windows(timeline: &[TimedEvent]) -> Vec<WindowFacts> {
    let subject = machine::subject_windows(timeline);
    let outages = union::union(subject, timeline, Duration::seconds(MERGE_GAP_S));
    outages.into_iter().map(|o| facts(timeline, o)).collect()
}

fn facts(timeline: &[TimedEvent], outage: Outage) -> WindowFacts {
    let start = timeline[outage.start].instant;
    let end_k = outage.end;
    let end = end_k.map(|k| timeline[k].instant);
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
    let from = start - Duration::hours(PUBLIC_BEFORE_H);
    let to = end.map(|e| e + Duration::hours(PUBLIC_AFTER_H));
    let public: Vec<usize> = timeline
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.kind == Kind::Comms && e.instant >= from && to.is_none_or(|t| e.instant <= t)
        })
        .map(|(k, _)| k)
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
    WindowFacts {
        outage,
        candidates,
        detected,
        actions,
        first_public,
        public_resolved,
        key_events,
    }
}
