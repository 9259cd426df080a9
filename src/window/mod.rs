//! Outage windows and the numbers an RFO needs, each with the rule that
//! produced it. Works on the merged timeline by index; `analysis` turns the
//! result into the JSON contract.
//!
//! The stages: `episode` (per-subject spans of not-OK, graded, background
//! and flapping marked) → `focus` (what the analysis is about) → `cluster`
//! (windows as onset clusters) → facts (trigger, detection, public updates,
//! background, degraded, monitoring unknown). Every per-window lookup reads
//! only the window's own stretch of the timeline, found by binary search in
//! lists built once: no stage scans the whole timeline per window.

pub mod cluster;
pub mod commands;
pub mod episode;
pub mod focus;
pub mod trigger;

use crate::event::{Kind, Name, Role, Who};
use crate::signal::{Health, Signal};
use crate::timeline::Timeline;
use chrono::{DateTime, Duration, Utc};
use episode::Span;
use focus::{Depends, Focus, Pattern};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use trigger::Candidate;

/// Onsets closer than this to a window's latest onset join it, by default.
pub const MERGE_GAP_S: i64 = 300;
/// A subject failing this long before a window's first onset is background
/// there; nothing joins a window this long after its first onset.
pub const BACKGROUND_AFTER_S: i64 = 3600;
/// Status-page updates this long after an outage may still belong to it.
pub const PUBLIC_AFTER_H: i64 = 24;
/// ... and this long before its start (a page opened early).
pub const PUBLIC_BEFORE_H: i64 = 2;
/// At most this many actions are listed per window.
pub const ACTIONS_MAX: usize = 50;
/// At most this many degraded subjects are listed per window.
pub const DEGRADED_MAX: usize = 50;

pub const RULE_START: &str = "start = first fault evidence: a HARD non-OK monitor state, a link, line-protocol or neighbor going down, a backend marked DOWN, an alert firing, an access log's first bucket breaking its rate rule";
pub const RULE_END: &str = "end = last recovery among the window's subjects (null while any is still down at the end of the evidence); a degraded state (e.g. WARNING) after down ends that subject's outage";
pub const RULE_CLUSTER: &str = "window = a burst of onsets: a subject joins when its onset is within the merge gap of the window's latest onset, or when it is related (same subject or host, or a [[depends]] entry) and starts before the window's evidence ends; nothing joins more than the background threshold after the first onset; a flapping subject may join, but never extends the burst, the window's start or end, or relates it to anything";
pub const RULE_BACKGROUND: &str = "background = subjects already failing when their source's evidence began (a state reported at start-up or rotation) or failing since longer than the background threshold before the window's start: listed, never members; their recovery inside the window does not extend it";
pub const RULE_GRADE: &str = "grade = outage when any member was down; monitoring-unknown when every member's check itself failed (plugin errors, UNKNOWN): the state then is unknown, never down and never up; degraded subjects (e.g. WARNING) are listed beside the window, not members, unless [incident] degraded_outage names them";
pub const RULE_FLAPPING: &str = "flapping = a subject with 3 or more onsets of one grade within 60 min, or one its monitor reports flapping";
pub const RULE_TRIGGER: &str = "trigger = the change within 60 min before start, related changes (same host as a fault, or a dependency by [[depends]]) first, then the closest; a candidate until a human confirms it; its commands = those logged by the same user on the same host (and the same session, where the log names one) in the 30 min before the change and since that user's previous change there, the latest 20 at most";
pub const RULE_DETECTED: &str = "detected_at = first monitoring alert or notification (a monitor source's fault or detection, not a failed check) at or after start; TTD = detected_at - start";
pub const RULE_RECOVERY: &str = "ttr = end - detected_at (time to recovery once detected)";
pub const RULE_PUBLIC: &str = "first_public_update_at = first status-page update assigned to this window (each update goes to the nearest window, from 2 h before its start to 24 h after its end); public_resolved_at = first such update with status resolved";
pub const RULE_UNCERTAINTY: &str = "start/end uncertainty = the precision of the timestamp that fixes them; a HARD monitor start also carries the time since the first SOFT failure of the same subject (the fault began between the checks); an end first seen after the monitor restarted carries the time it was stopped; a start taken from a state reported at start-up or rotation is unknown (null)";
pub const RULE_UNKNOWN: &str = "unknown = spans when a monitor was stopped (its own stop and start lines), or a member's check itself failed, while the window was open: the service's state then is unknown, never up";
pub const RULE_IMPACT: &str = "impact = outage-grade subjects x duration (an open window runs to the end of its sources' evidence; a flapping subject in a window with steady members does not count); windows are ranked outage before monitoring-unknown, windows with a steady (not flapping) member first, then by impact";

/// Settings of the window engine, resolved once from flags and manifest.
#[derive(Debug, Clone)]
pub struct Config {
    pub merge_gap_s: i64,
    pub background_after_s: i64,
    pub focus: Focus,
    pub depends: Vec<Depends>,
    /// Subjects whose degraded state counts as down.
    pub degraded_outage: Vec<Pattern>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            merge_gap_s: MERGE_GAP_S,
            background_after_s: BACKGROUND_AFTER_S,
            focus: Focus::default(),
            depends: Vec::new(),
            degraded_outage: Vec::new(),
        }
    }
}

/// One subject's span inside a window: the span's index. Its subject,
/// times, grade and flapping mark are the span's (`Windows::spans`): a
/// storm's windows hold a member per fault, and copies of them made each
/// member 24 bytes, then 8, instead of 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct Member(u32);

impl Member {
    /// Span `i` of `Windows::spans`.
    pub fn of(i: u32) -> Member {
        Member(i)
    }

    /// Index into `Windows::spans`.
    pub fn span(&self) -> usize {
        self.0 as usize
    }
}

/// One outage, by timeline indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// The earliest opening statement.
    pub start: usize,
    /// The latest closing statement; `None` if any member is still open.
    pub end: Option<usize>,
    pub members: Vec<Member>,
}

impl Outage {
    /// The members' spans, from the engine's `spans`.
    pub fn spans<'s>(&self, spans: &'s [Span]) -> impl Iterator<Item = &'s Span> + use<'_, 's> {
        self.members.iter().map(move |m| &spans[m.span()])
    }

    /// Every member subject, sorted, once.
    pub fn subjects(&self, t: &Timeline, spans: &[Span]) -> Vec<Name> {
        let set: BTreeSet<&Name> = self.spans(spans).map(|s| s.subject(t)).collect();
        set.into_iter().cloned().collect()
    }

    /// Faults and recoveries of the members, for the report timeline:
    /// worked out when the rows are written rather than held beside the
    /// members (a storm's windows hold a million).
    pub fn key_events(&self, spans: &[Span]) -> Vec<usize> {
        let mut k: Vec<usize> = self
            .spans(spans)
            .flat_map(|s| [Some(s.start()), s.end()])
            .flatten()
            .collect();
        k.sort_unstable();
        k.dedup();
        k
    }
}

/// A subject failing before the window, by span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Background {
    pub span: usize,
    /// Its recovery, when it falls inside the window.
    pub recovered: Option<usize>,
}

/// A stretch when a member's check itself failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckUnknown {
    pub subject: crate::event::Name,
    pub from: usize,
    pub until: Option<usize>,
}

/// One outage with its derived facts, by timeline index.
#[derive(Debug, Clone)]
pub struct WindowFacts {
    pub outage: Outage,
    /// `Down` for an outage; `Unknown` when only checks failed.
    pub grade: Health,
    pub candidates: Vec<Candidate>,
    pub detected: Option<usize>,
    pub actions: Vec<usize>,
    /// Status-page updates assigned to this window, in order.
    pub public: Vec<usize>,
    pub first_public: Option<usize>,
    pub public_resolved: Option<usize>,
    /// `None` when the start is a state the monitor reported at start-up
    /// or rotation: the fault began before the log, by an unknown amount.
    pub start_uncertainty_ms: Option<u64>,
    pub end_uncertainty_ms: Option<u64>,
    /// Times a monitor was not running while the window was open.
    pub unknown: Vec<Gap>,
    /// Times a member's check failed (its state unknown).
    pub check_unknown: Vec<CheckUnknown>,
    /// Scheduled downtime and flapping of the window's subjects: context a
    /// reader needs (a planned outage, a service that would not settle).
    pub notes: Vec<usize>,
    pub background: Vec<Background>,
    /// Degraded spans overlapping the window (indices into `Windows::spans`).
    pub degraded: Vec<usize>,
    /// How many more degraded spans overlapped than are listed.
    pub degraded_more: usize,
    /// Member subjects that flap.
    pub flapping: Vec<Name>,
    /// Outage-grade subjects × duration, in seconds.
    pub impact_s: i64,
}

/// What focus left out of the analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeftOut {
    pub subjects: Vec<String>,
    pub spans: usize,
}

/// The window engine's whole result.
#[derive(Debug, Clone)]
pub struct Windows {
    pub spans: episode::Spans,
    pub facts: Vec<WindowFacts>,
    pub left_out: LeftOut,
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
pub fn monitor_gaps(t: &Timeline) -> Vec<Gap> {
    let mut open: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    let stops_and_starts =
        |w: &Who| matches!(w.signal, Some(Signal::MonitorStop | Signal::MonitorStart));
    for k in t.indices_where(stops_and_starts) {
        // Only the `Who` is asked: the rest of the event stays unread.
        let who = t.who_at(k);
        match who.signal {
            Some(Signal::MonitorStop) => {
                open.entry(who.source).or_insert(k);
            }
            Some(Signal::MonitorStart) => {
                if let Some(stop) = open.remove(&who.source) {
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

/// Lists of timeline indices built once, for per-window range lookups
/// (`u32`, as spans hold them: on a storm every event is a detection).
struct Index {
    /// By source index (a small integer, not text from the logs: a fast
    /// hash is safe).
    source_last: FxHashMap<u32, DateTime<Utc>>,
    detections: Vec<u32>,
    actions: Vec<u32>,
    notes: Vec<u32>,
    gaps: Vec<Gap>,
}

impl Index {
    fn new(t: &Timeline) -> Index {
        let mut ix = Index {
            // A merged timeline is in instant order, so a source's last
            // event is its latest.
            source_last: episode::instant_per_source(t, (0..t.len()).rev()),
            detections: Vec::new(),
            actions: Vec::new(),
            notes: Vec::new(),
            gaps: monitor_gaps(t),
        };
        // Each list by its events' `Who`s alone (no event read whole).
        let detection = |w: &Who| {
            let failed_check = w.signal == Some(Signal::Health(Health::Unknown));
            w.role == Role::Monitor
                && matches!(w.kind, Kind::Fault | Kind::Detection)
                && !failed_check
        };
        let action = |w: &Who| matches!(w.kind, Kind::Action | Kind::Change);
        let note = |w: &Who| {
            matches!(
                w.signal,
                Some(
                    Signal::DowntimeStart
                        | Signal::DowntimeEnd
                        | Signal::FlappingStart
                        | Signal::FlappingStop
                )
            )
        };
        ix.detections = t.indices_where(detection).map(episode::ix).collect();
        ix.actions = t.indices_where(action).map(episode::ix).collect();
        ix.notes = t.indices_where(note).map(episode::ix).collect();
        ix
    }

    /// How far a span's evidence goes: its end, or its source's last event.
    fn reach(&self, t: &Timeline, s: &Span) -> DateTime<Utc> {
        match s.end() {
            Some(e) => t.get(e).instant,
            None => self
                .source_last
                .get(&t.get(s.start()).source())
                .copied()
                .unwrap_or(t.get(s.start()).instant),
        }
    }
}

/// Indices in the sorted `list` from `from` to `to` inclusive (`None`: to
/// the end), as `usize`.
fn range(list: &[u32], from: usize, to: Option<usize>) -> impl Iterator<Item = usize> + '_ {
    let a = list.partition_point(|&k| (k as usize) < from);
    let b = to.map_or(list.len(), |to| list.partition_point(|&k| k as usize <= to));
    list[a..b.max(a)].iter().map(|&k| k as usize)
}

/// Run the window engine over a merged timeline.
pub fn windows(t: &Timeline, config: &Config) -> Windows {
    let mut spans = episode::spans(t);
    // What finding the spans freed (per subject lists, a storm's hundreds
    // of thousands of entries) goes back before the engine's lists grow.
    if t.len() >= crate::heap::RETURN_FREED_FROM_EVENTS {
        crate::heap::return_freed();
    }
    for s in spans.iter_mut() {
        if s.grade == Health::Degraded
            && config
                .degraded_outage
                .iter()
                .any(|p| p.is_match(s.subject(t)))
        {
            s.grade = Health::Down;
        }
    }
    let ix = Index::new(t);
    let mut left_out = LeftOut::default();
    let mut in_focus = vec![true; spans.len()];
    let mut dropped: BTreeSet<&str> = BTreeSet::new();
    for (i, s) in spans.iter().enumerate() {
        if !config
            .focus
            .admits(s.subject(t), t.get(s.start()).who.host.as_deref())
        {
            in_focus[i] = false;
            left_out.spans += 1;
            dropped.insert(s.subject(t));
        }
    }
    left_out.subjects = dropped.into_iter().map(str::to_string).collect();
    let chosen: Vec<u32> = (0..spans.len())
        .filter(|&i| {
            in_focus[i]
                && !spans[i].at_evidence_start
                && matches!(spans[i].grade, Health::Down | Health::Unknown)
        })
        .map(episode::ix)
        .collect();
    let clusters = cluster::cluster(
        t,
        &spans,
        chosen,
        &config.depends,
        Duration::seconds(config.merge_gap_s),
        Duration::seconds(config.background_after_s),
        |s| ix.reach(t, s),
    );
    let outages: Vec<Outage> = clusters
        .into_iter()
        .map(|c| Outage {
            start: c.start,
            end: c.end,
            // In place: the cluster's list becomes the members'.
            members: c.members.into_iter().map(Member::of).collect(),
        })
        .collect();
    let public = assign_public(t, &spans, &outages, &ix);
    let background = background(t, &spans, &in_focus, &outages, &ix, config);
    let degraded = degraded(t, &spans, &in_focus, &outages, &ix, config);
    let facts = outages
        .into_iter()
        .zip(public)
        .zip(background)
        .zip(degraded)
        .map(|(((o, p), b), d)| facts(t, &spans, o, p, b, d, &ix, config))
        .collect();
    Windows {
        spans,
        facts,
        left_out,
    }
}

/// Give each status-page update to the nearest outage it may belong to.
fn assign_public(t: &Timeline, spans: &[Span], outages: &[Outage], ix: &Index) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); outages.len()];
    // An open outage's evidence ends where its sources' evidence ends.
    let ends: Vec<Option<DateTime<Utc>>> = outages
        .iter()
        .map(|o| match o.end {
            Some(x) => Some(t.get(x).instant),
            None => o
                .members
                .iter()
                .filter_map(|m| {
                    ix.source_last
                        .get(&t.get(spans[m.span()].start()).source())
                        .copied()
                })
                .max(),
        })
        .collect();
    for k in t.indices_where(|w| w.kind == Kind::Comms && w.role == Role::Public) {
        let e = t.get(k);
        let best = outages
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let start = t.get(o.start).instant;
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

/// Per window, the in-focus subjects already failing at its start: since
/// the evidence began, or since longer than the background threshold.
/// One sweep: windows are in start order, spans become eligible in order.
fn background(
    t: &Timeline,
    spans: &[Span],
    in_focus: &[bool],
    outages: &[Outage],
    ix: &Index,
    config: &Config,
) -> Vec<Vec<Background>> {
    let after = Duration::seconds(config.background_after_s);
    // When span `i` becomes background.
    let from = |i: usize| {
        let s = &spans[i];
        let onset = t.get(s.start()).instant;
        if s.at_evidence_start {
            onset
        } else {
            onset + after
        }
    };
    // Span indices, not (instant, index) pairs: a storm has a span per
    // fault, and the pairs were 24 bytes each.
    let mut eligible: Vec<u32> = spans
        .iter()
        .enumerate()
        .filter(|(i, s)| in_focus[*i] && matches!(s.grade, Health::Down | Health::Unknown))
        .map(|(i, _)| episode::ix(i))
        .collect();
    eligible.sort_unstable_by_key(|&i| (from(i as usize), i));
    let mut next = 0;
    let mut active: Vec<usize> = Vec::new();
    let mut out = Vec::with_capacity(outages.len());
    for o in outages {
        let start = t.get(o.start).instant;
        let end = o.end.map(|k| t.get(k).instant);
        while next < eligible.len() && from(eligible[next] as usize) <= start {
            active.push(eligible[next] as usize);
            next += 1;
        }
        active.retain(|&i| ix.reach(t, &spans[i]) >= start);
        active.sort_by_key(|&i| (spans[i].start(), i));
        out.push(
            active
                .iter()
                .map(|&i| Background {
                    span: i,
                    recovered: spans[i]
                        .end()
                        .filter(|&k| end.is_none_or(|e| t.get(k).instant <= e)),
                })
                .collect(),
        );
    }
    out
}

/// Per window, the in-focus degraded spans that overlap it and began no
/// more than the background threshold before it (older ones are chronic).
fn degraded(
    t: &Timeline,
    spans: &[Span],
    in_focus: &[bool],
    outages: &[Outage],
    ix: &Index,
    config: &Config,
) -> Vec<(Vec<usize>, usize)> {
    let after = Duration::seconds(config.background_after_s);
    let mut list: Vec<usize> = (0..spans.len())
        .filter(|&i| in_focus[i] && spans[i].grade == Health::Degraded)
        .collect();
    list.sort_by_key(|&i| (spans[i].start(), i));
    outages
        .iter()
        .map(|o| {
            let start = t.get(o.start).instant;
            let end = o.end.map_or_else(
                || {
                    o.members
                        .iter()
                        .map(|m| ix.reach(t, &spans[m.span()]))
                        .max()
                },
                |k| Some(t.get(k).instant),
            );
            let first = list.partition_point(|&i| t.get(spans[i].start()).instant < start - after);
            let hits: Vec<usize> = list[first..]
                .iter()
                .copied()
                .take_while(|&i| end.is_none_or(|e| t.get(spans[i].start()).instant <= e))
                .filter(|&i| ix.reach(t, &spans[i]) >= start)
                .collect();
            let more = hits.len().saturating_sub(DEGRADED_MAX);
            (hits.into_iter().take(DEGRADED_MAX).collect(), more)
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn facts(
    timeline: &Timeline,
    spans: &episode::Spans,
    outage: Outage,
    public: Vec<usize>,
    background: Vec<Background>,
    (degraded, degraded_more): (Vec<usize>, usize),
    ix: &Index,
    config: &Config,
) -> WindowFacts {
    let t = timeline;
    let subjects = outage.subjects(t, spans);
    let grade = if outage.spans(spans).any(|s| s.grade == Health::Down) {
        Health::Down
    } else {
        Health::Unknown
    };
    let end_k = outage.end;
    let candidates = trigger::rank(t, spans, &outage, &config.depends);
    let trigger = candidates.first().map(|c| c.event);
    let detected = (grade == Health::Down)
        .then(|| range(&ix.detections, outage.start, end_k).next())
        .flatten();
    let actions: Vec<usize> = range(&ix.actions, outage.start, end_k)
        .filter(|&k| Some(k) != trigger)
        .take(ACTIONS_MAX)
        .collect();
    let first_public = public.first().copied();
    let public_resolved = public
        .iter()
        .copied()
        .find(|&k| t.get(k).who.signal == Some(Signal::PublicResolved));
    let start_uncertainty_ms = start_uncertainty(t, spans, outage.members[0].span());
    let unknown: Vec<Gap> = ix
        .gaps
        .iter()
        .filter(|g| g.start.is_none_or(|s| s >= outage.start) && end_k.is_none_or(|e| g.stop <= e))
        .cloned()
        .collect();
    let end_uncertainty_ms = end_k.map(|k| end_uncertainty(t, k, &unknown));
    let mut check_unknown = Vec::new();
    for m in &outage.members {
        let s = &spans[m.span()];
        if s.grade == Health::Unknown {
            check_unknown.push(CheckUnknown {
                subject: s.subject(t).clone(),
                from: s.start(),
                until: s.end(),
            });
        }
        check_unknown.extend(
            spans
                .unknown(m.span())
                .iter()
                .map(|&(from, until)| CheckUnknown {
                    subject: s.subject(t).clone(),
                    from,
                    until,
                }),
        );
    }
    check_unknown.sort_by_key(|c| (c.from, c.subject.clone()));
    let flapping: Vec<Name> = outage
        .spans(spans)
        .filter(|s| s.flapping)
        .map(|s| s.subject(t).clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Impact counts the members that decide the window's times: a flapping
    // subject that joined a steady window does not add to it.
    let steady = outage.spans(spans).any(|s| !s.flapping);
    let duration = |o: &Outage| -> i64 {
        let end = match o.end {
            Some(k) => t.get(k).instant,
            None => o
                .spans(spans)
                .filter(|s| !steady || !s.flapping)
                .map(|s| ix.reach(t, s))
                .max()
                .unwrap_or(t.get(o.start).instant),
        };
        (end - t.get(o.start).instant).num_seconds().max(0)
    };
    let deciding: BTreeSet<&str> = outage
        .spans(spans)
        .filter(|s| s.grade == Health::Down && (!steady || !s.flapping))
        .map(|s| &**s.subject(t))
        .collect();
    let impact_s = deciding.len() as i64 * duration(&outage);
    let from = t.get(outage.start).instant - Duration::hours(DOWNTIME_BEFORE_H);
    // The notes from `from` to the end: found by binary search, as the
    // timeline is in instant order (a flapping log has a note per cycle).
    let first = ix
        .notes
        .partition_point(|&k| t.get(k as usize).instant < from);
    let notes: Vec<usize> = range(&ix.notes[first..], 0, end_k)
        .filter(|&k| {
            t.get(k)
                .who
                .subject
                .as_deref()
                .is_some_and(|s| subjects.iter().any(|x| x == s))
        })
        .collect();
    WindowFacts {
        outage,
        grade,
        candidates,
        detected,
        actions,
        public,
        first_public,
        public_resolved,
        start_uncertainty_ms,
        end_uncertainty_ms,
        unknown,
        check_unknown,
        notes,
        background,
        degraded,
        degraded_more,
        flapping,
        impact_s,
    }
}

/// A recovery first seen after the monitor restarted happened somewhere
/// in the gap before it; only a recovery reported soon after the restart
/// (the start-up state) is one that did.
fn end_uncertainty(t: &Timeline, k: usize, unknown: &[Gap]) -> u64 {
    let e = &t.get(k);
    let gap = unknown
        .iter()
        .filter(|g| {
            g.start.is_some_and(|s| {
                s <= k && (e.instant - t.get(s).instant).num_seconds() <= RESTART_REPORT_S
            }) && t.get(g.stop).source() == e.source()
        })
        .map(|g| {
            (e.instant - t.get(g.stop).instant)
                .num_milliseconds()
                .max(0) as u64
        })
        .max()
        .unwrap_or(0);
    u64::from(e.who.precision_ms).max(gap)
}

/// The start's timestamp precision, widened for a HARD monitor start by
/// the time since the first SOFT failure of the same subject; unknown for
/// a state reported at start-up or rotation.
fn start_uncertainty(t: &Timeline, spans: &episode::Spans, i: usize) -> Option<u64> {
    let s = &spans[i];
    if s.reported {
        return None;
    }
    let e = &t.get(s.start());
    let precision = u64::from(e.who.precision_ms);
    let lead = spans
        .soft_lead(i)
        .filter(|_| e.who.role == Role::Monitor)
        .map(|x| (e.instant - t.get(x).instant).num_milliseconds().max(0) as u64)
        .unwrap_or(0);
    Some(precision.max(lead))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::TimedEvent;
    use crate::timeline::tests::ev;

    fn monitor(mut e: TimedEvent) -> TimedEvent {
        e.who_mut().role = Role::Monitor;
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
        let w = windows(
            &crate::timeline::Timeline::from(t.clone()),
            &Config::default(),
        )
        .facts;
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
        t[2].who_mut().role = Role::Public;
        t[3].who_mut().role = Role::Public;
        let w = windows(
            &crate::timeline::Timeline::from(t.clone()),
            &Config::default(),
        )
        .facts;
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
        // Onsets 20 min apart: one window only with a merge gap that long.
        assert_eq!(
            windows(
                &crate::timeline::Timeline::from(t.clone()),
                &Config::default()
            )
            .facts
            .len(),
            2
        );
        let wide = Config {
            merge_gap_s: 1200,
            ..Config::default()
        };
        assert_eq!(
            windows(&crate::timeline::Timeline::from(t.clone()), &wide)
                .facts
                .len(),
            1
        );
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
        let t = crate::timeline::merged(vec![src.into()]);
        let w = windows(&t, &Config::default()).facts;
        assert_eq!(w.len(), 1);
        assert_eq!(
            (
                t.get(w[0].outage.start).line,
                w[0].outage.end.map(|k| t.get(k).line)
            ),
            (1, Some(3))
        );
    }
}

#[cfg(test)]
mod gap_tests {
    use super::*;
    use crate::event::TimedEvent;
    use crate::timeline::tests::ev;

    fn mon(t: &str, line: u32, kind: Kind, subject: &str, state: Option<&str>) -> TimedEvent {
        let mut e = ev(t, 0, line, kind, subject);
        e.who_mut().role = Role::Monitor;
        e.who_mut().state = state.map(Into::into);
        e.who_mut().signal = match state {
            Some("CRITICAL") => Some(Signal::Health(Health::Down)),
            Some("OK") => Some(Signal::Health(Health::Ok)),
            Some(s) => s.parse().ok(),
            None => e.who.signal,
        };
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
        let w = windows(
            &crate::timeline::Timeline::from(t.clone()),
            &Config::default(),
        )
        .facts;
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
        let w = windows(
            &crate::timeline::Timeline::from(t.clone()),
            &Config::default(),
        )
        .facts;
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
                "portal/PING",
                Some("OK"),
            ),
            mon(
                "2017-02-23T02:00:00Z",
                2,
                Kind::Info,
                "portal/HTTP",
                Some("CRITICAL"),
            ),
            mon(
                "2017-02-23T02:10:00Z",
                3,
                Kind::Recovery,
                "portal/HTTP",
                Some("OK"),
            ),
        ];
        let w = windows(
            &crate::timeline::Timeline::from(t.clone()),
            &Config::default(),
        )
        .facts;
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].start_uncertainty_ms, None);
    }

    /// ed54-340MidtermProject_nagios.log: SSH CRITICAL in the state block
    /// at the first line stays down all day; it is background, never a member.
    #[test]
    fn a_state_reported_when_the_evidence_begins_is_background() {
        let t = vec![
            mon(
                "2016-03-20T04:00:00Z",
                1,
                Kind::Info,
                "localhost/SSH",
                Some("CRITICAL"),
            ),
            mon(
                "2016-03-20T04:35:05Z",
                2,
                Kind::Fault,
                "localhost/squid",
                Some("CRITICAL"),
            ),
            mon(
                "2016-03-20T04:55:06Z",
                3,
                Kind::Recovery,
                "localhost/squid",
                Some("OK"),
            ),
        ];
        let t = crate::timeline::Timeline::from(t);
        let w = windows(&t, &Config::default());
        assert_eq!(w.facts.len(), 1);
        assert_eq!(
            w.facts[0].outage.subjects(&t, &w.spans),
            vec!["localhost/squid"]
        );
        let bg: Vec<&str> = w.facts[0]
            .background
            .iter()
            .map(|b| &**w.spans[b.span].subject(&t))
            .collect();
        assert_eq!(bg, vec!["localhost/SSH"]);
    }
}
