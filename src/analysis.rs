//! The analysis: the stable JSON contract (`schema: rfo.analysis/1`) that
//! templates render from and other tools read. Built from the merged
//! timeline and the window facts; every claim carries its evidence, and
//! what cannot be known is `null`, never invented.

pub mod rows;

pub use crate::discrepancy::Discrepancy;
use crate::evidence::Evidence;
use crate::finding::Finding;
use crate::human;
use crate::ingest::SourceSummary;
use crate::signal::Signal;
use crate::time::rfc3339;
use crate::timeline::{EventRef, Timeline};
use crate::window::{self, WindowFacts};
pub use rows::{Row, Rows};
use serde::Serialize;

pub const SCHEMA: &str = "rfo.analysis/1";

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub schema: &'static str,
    /// The IANA tz database release used for every conversion.
    pub tzdb: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    pub incident: Incident,
    pub sources: Vec<SourceSummary>,
    /// Files and archive members not read, with the reason.
    pub skipped: Vec<crate::bundle::Skipped>,
    pub windows: Vec<Window>,
    /// The window the report is about, and why.
    pub selected: Option<Selected>,
    /// What the analysis was narrowed to, and what that left out.
    pub focus: Focus,
    pub discrepancies: Vec<Discrepancy>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub title: Option<String>,
    pub ticket: Option<String>,
    pub service: Option<String>,
    pub report_zone: String,
}

/// The focus (`[incident] subjects`/`hosts`, `--subject`/`--host`).
#[derive(Debug, Clone, Serialize)]
pub struct Focus {
    pub subjects: Vec<String>,
    pub hosts: Vec<String>,
    /// Subjects with spans left out by the focus, sorted.
    pub left_out_subjects: Vec<String>,
    /// How many not-OK spans of those subjects were left out.
    pub left_out_spans: usize,
    pub depends: Vec<DependsOut>,
}

/// One `[[depends]]` entry as the analysis used it.
#[derive(Debug, Clone, Serialize)]
pub struct DependsOut {
    pub subject: String,
    pub on: Vec<String>,
}

/// The focus block of the analysis.
pub fn focus(config: &window::Config, left: &window::LeftOut) -> Focus {
    let texts = |v: &[window::focus::Pattern]| v.iter().map(|p| p.text.clone()).collect();
    Focus {
        subjects: texts(&config.focus.subjects),
        hosts: texts(&config.focus.hosts),
        left_out_subjects: left.subjects.clone(),
        left_out_spans: left.spans,
        depends: config
            .depends
            .iter()
            .map(|d| DependsOut {
                subject: d.subject.text.clone(),
                on: texts(&d.on),
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Selected {
    pub window: u32,
    /// How many windows the analysis found.
    pub of: usize,
    /// 0-based index into `windows`, for templates (`lookup windows selected.index`).
    pub index: usize,
    pub rule: &'static str,
}

/// A claim with its time and evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Cited {
    pub at: String,
    pub summary: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    pub at: String,
    pub summary: String,
    pub evidence: Evidence,
    /// Always `candidate`: a human confirms a root cause.
    pub status: &'static str,
    pub reason: String,
    pub lead_s: i64,
    /// The commands its operator logged leading up to it, oldest first:
    /// `summary` is the command as logged (`window::commands`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Cited>,
    /// How many older commands were linked but not listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub commands_more: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize)]
pub struct WindowEvidence {
    pub start: Evidence,
    pub end: Option<Evidence>,
    pub detected: Option<Evidence>,
    pub first_public_update: Option<Evidence>,
    /// The same update as `first_public_update` from other sources (a
    /// status page's text export and its JSON).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub first_public_update_also: Vec<Evidence>,
    pub public_resolved: Option<Evidence>,
    /// The same update as `public_resolved` from other sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub public_resolved_also: Vec<Evidence>,
}

/// A subject already failing when the window began: context, never a member.
#[derive(Debug, Clone, Serialize)]
///
/// The subject is the shared name and the instants are written as text only
/// when serialised: a storm's windows list tens of thousands, and a string
/// each for subject and times was a tenth of the storm's peak.
pub struct BackgroundOut {
    pub subject: crate::event::Name,
    pub state: BackgroundState,
    #[serde(serialize_with = "crate::time::ser_rfc3339")]
    pub since: chrono::DateTime<chrono::Utc>,
    /// Why it is background.
    pub reason: BackgroundReason,
    pub evidence: Evidence,
    /// Its recovery inside the window: mentioned, not extending it.
    #[serde(serialize_with = "crate::time::ser_opt_rfc3339")]
    pub recovered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub recovered_evidence: Option<Evidence>,
}

/// A background subject's state, written as its word: a byte where a
/// `&str` took 16, on each of a storm's 41,000 background entries, which
/// the analysis builds while the engine's spans are still held, at the
/// peak (issue 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackgroundState {
    Down,
    /// Its check failing.
    Unknown,
}

impl std::fmt::Display for BackgroundState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BackgroundState::Down => "down",
            BackgroundState::Unknown => "unknown",
        })
    }
}

/// Why a subject is background, written as the sentence (a byte, as
/// `BackgroundState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BackgroundReason {
    #[serde(rename = "already failing when its source's evidence began")]
    AtEvidenceStart,
    #[serde(rename = "failing since long before the window began")]
    LongBefore,
}

/// A subject degraded (e.g. WARNING) while the window was open.
#[derive(Debug, Clone, Serialize)]
pub struct DegradedOut {
    pub subject: crate::event::Name,
    #[serde(serialize_with = "crate::time::ser_rfc3339")]
    pub since: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::time::ser_opt_rfc3339")]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub id: u32,
    /// `outage`, or `monitoring-unknown` when only checks failed.
    pub grade: &'static str,
    pub start: String,
    pub end: Option<String>,
    pub duration_s: Option<i64>,
    /// Outage-grade subjects × duration, in seconds (windows are ranked by it).
    pub impact_s: i64,
    /// Rank by impact, 1 = highest.
    pub rank: u32,
    /// Shared names, not copies: a storm's windows list thousands.
    pub subjects: Vec<crate::event::Name>,
    /// Member subjects that flap (their cycles do not extend the window).
    pub flapping: Vec<crate::event::Name>,
    /// Subjects already failing when the window began.
    pub background: Vec<BackgroundOut>,
    /// Subjects degraded while the window was open (not members).
    pub degraded: Vec<DegradedOut>,
    /// How many more degraded subjects there were than are listed.
    pub degraded_more: usize,
    pub trigger: Option<Trigger>,
    /// The runners-up, best first.
    pub trigger_candidates: Vec<Trigger>,
    pub detected_at: Option<String>,
    pub ttd_s: Option<i64>,
    pub first_public_update_at: Option<String>,
    /// first_public_update_at − start.
    pub first_public_update_lag_s: Option<i64>,
    pub public_resolved_at: Option<String>,
    /// public_resolved_at − end.
    pub public_resolved_lag_s: Option<i64>,
    /// Time to recovery once detected: end − detected_at.
    pub ttr_s: Option<i64>,
    /// How far the true start may lie before `start`, in seconds (null:
    /// unknown, the start is a state reported when the log began).
    pub start_uncertainty_s: Option<f64>,
    /// How far the true end may lie from `end`, in seconds (null while open).
    pub end_uncertainty_s: Option<f64>,
    /// Spans a monitor was not running while the window was open.
    pub unknown: Vec<Unknown>,
    /// Scheduled downtime and flapping of the window's subjects.
    pub notes: Vec<Cited>,
    pub actions: Vec<Cited>,
    pub evidence: WindowEvidence,
    /// The rule behind each metric.
    pub rules: Rules,
    /// The events a report's timeline shows, in order.
    pub timeline: Rows,
    /// Access-log subjects of the window: baseline before, peak inside.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rates: Vec<crate::rates::summary::RateSummary>,
}

/// A span a monitor was stopped, or a member's check failed: the state
/// then is unknown, never "up".
#[derive(Debug, Clone, Serialize)]
pub struct Unknown {
    /// Why the state is unknown then.
    pub reason: String,
    /// The subject whose check failed; `null` when the whole monitor was stopped.
    pub subject: Option<String>,
    pub from: String,
    /// `null` if the monitor never restarted within the evidence.
    pub to: Option<String>,
    pub source: String,
    pub evidence: Evidence,
    pub until_evidence: Option<Evidence>,
}

/// The rule behind each metric, in reading order.
#[derive(Debug, Clone, Serialize)]
pub struct Rules {
    pub window: &'static str,
    pub grade: &'static str,
    pub background: &'static str,
    pub flapping: &'static str,
    pub impact: &'static str,
    pub start: &'static str,
    pub end: &'static str,
    pub trigger: &'static str,
    pub detected_at: &'static str,
    pub ttr: &'static str,
    pub public: &'static str,
    pub uncertainty: &'static str,
    pub unknown: &'static str,
}

fn cited(e: &EventRef<'_>) -> Cited {
    Cited {
        at: rfc3339(&e.instant),
        summary: e.summary.get().into_owned(),
        evidence: e.evidence(),
    }
}

fn trigger(t: &Timeline, c: &window::trigger::Candidate) -> Trigger {
    let e = &t.get(c.event);
    let commands = window::commands::before(t, c.event);
    Trigger {
        commands: commands
            .events
            .iter()
            .map(|&k| Cited {
                at: rfc3339(&t.get(k).instant),
                summary: t
                    .get(k)
                    .operator()
                    .and_then(|o| o.command.clone())
                    .unwrap_or_default(),
                evidence: t.get(k).evidence(),
            })
            .collect(),
        commands_more: commands.more,
        at: rfc3339(&e.instant),
        summary: e.summary.get().into_owned(),
        evidence: e.evidence(),
        status: "candidate",
        reason: c.reason.clone(),
        lead_s: c.lead_s,
    }
}

/// A monitor source's silence: no line at all for a stretch, from a source
/// that usually writes every minute.
#[derive(Debug, Clone)]
pub struct MonitorSilence {
    pub file: String,
    pub silence: crate::time::resolve::Silence,
}

/// Build one window's JSON from its facts.
pub fn window(
    t: &std::sync::Arc<Timeline>,
    spans: &[window::episode::Span],
    id: u32,
    f: &WindowFacts,
    silent: &[MonitorSilence],
) -> Window {
    let start = &t.get(f.outage.start);
    let end = f.outage.end.map(|k| t.get(k));
    let end = end.as_ref();
    let secs = |a: &EventRef<'_>, b: &EventRef<'_>| (b.instant - a.instant).num_seconds();
    let mut rows: Vec<usize> = f.outage.key_events(spans);
    if let Some(c) = f.candidates.first() {
        rows.push(c.event);
        rows.extend(window::commands::before(t, c.event).events);
    }
    rows.extend(f.detected);
    rows.extend(f.actions.iter().copied());
    rows.extend(f.public.iter().copied());
    rows.sort();
    rows.dedup();
    let rules = Rules {
        window: window::RULE_CLUSTER,
        grade: window::RULE_GRADE,
        background: window::RULE_BACKGROUND,
        flapping: window::RULE_FLAPPING,
        impact: window::RULE_IMPACT,
        start: window::RULE_START,
        end: window::RULE_END,
        trigger: window::RULE_TRIGGER,
        detected_at: window::RULE_DETECTED,
        ttr: window::RULE_RECOVERY,
        public: window::RULE_PUBLIC,
        uncertainty: window::RULE_UNCERTAINTY,
        unknown: window::RULE_UNKNOWN,
    };
    let mut unknown: Vec<Unknown> = f
        .unknown
        .iter()
        .map(|g| Unknown {
            reason: "the monitor was stopped".to_string(),
            subject: None,
            from: rfc3339(&t.get(g.stop).instant),
            to: g.start.map(|k| rfc3339(&t.get(k).instant)),
            source: t.get(g.stop).who.file.to_string(),
            evidence: t.get(g.stop).evidence(),
            until_evidence: g.start.map(|k| t.get(k).evidence()),
        })
        .collect();
    for m in silent {
        let s = &m.silence;
        let overlaps = s.to > start.instant && end.is_none_or(|e| s.from < e.instant);
        if overlaps {
            unknown.push(Unknown {
                subject: None,
                reason: format!(
                    "no line at all for {} from a source that usually writes every minute",
                    human::duration((s.to - s.from).num_seconds())
                ),
                from: rfc3339(&s.from),
                to: Some(rfc3339(&s.to)),
                source: m.file.clone(),
                evidence: Evidence::new(m.file.clone(), s.line.saturating_sub(1).max(1)),
                until_evidence: Some(Evidence::new(m.file.clone(), s.line)),
            });
        }
    }
    for c in &f.check_unknown {
        let from = &t.get(c.from);
        unknown.push(Unknown {
            reason: format!(
                "the check of {} itself failed: its state was unknown, not down and not up",
                c.subject
            ),
            subject: Some(c.subject.to_string()),
            from: rfc3339(&from.instant),
            to: c.until.map(|k| rfc3339(&t.get(k).instant)),
            source: from.who.file.to_string(),
            evidence: from.evidence(),
            until_evidence: c.until.map(|k| t.get(k).evidence()),
        });
    }
    let background = f
        .background
        .iter()
        .map(|b| {
            let s = &spans[b.span];
            let e = &t.get(s.start());
            BackgroundOut {
                subject: s.subject(t).clone(),
                state: if s.grade == crate::signal::Health::Unknown {
                    BackgroundState::Unknown
                } else {
                    BackgroundState::Down
                },
                since: e.instant,
                reason: if s.at_evidence_start {
                    BackgroundReason::AtEvidenceStart
                } else {
                    BackgroundReason::LongBefore
                },
                evidence: e.evidence(),
                recovered_at: b.recovered.map(|k| t.get(k).instant),
                recovered_evidence: b.recovered.map(|k| t.get(k).evidence()),
            }
        })
        .collect();
    let degraded = f
        .degraded
        .iter()
        .map(|&i| {
            let s = &spans[i];
            DegradedOut {
                subject: s.subject(t).clone(),
                since: t.get(s.start()).instant,
                until: s.end().map(|k| t.get(k).instant),
                evidence: t.get(s.start()).evidence(),
            }
        })
        .collect();
    Window {
        id,
        grade: if f.grade == crate::signal::Health::Down {
            "outage"
        } else {
            "monitoring-unknown"
        },
        start: rfc3339(&start.instant),
        end: end.map(|e| rfc3339(&e.instant)),
        duration_s: end.map(|e| secs(start, e)),
        impact_s: f.impact_s,
        rank: 0,
        subjects: f.outage.subjects(t, spans),
        flapping: f.flapping.clone(),
        background,
        degraded,
        degraded_more: f.degraded_more,
        trigger: f.candidates.first().map(|c| trigger(t, c)),
        trigger_candidates: f.candidates.iter().skip(1).map(|c| trigger(t, c)).collect(),
        detected_at: f.detected.map(|k| rfc3339(&t.get(k).instant)),
        ttd_s: f.detected.map(|k| secs(start, &t.get(k))),
        first_public_update_at: f.first_public.map(|k| rfc3339(&t.get(k).instant)),
        first_public_update_lag_s: f.first_public.map(|k| secs(start, &t.get(k))),
        public_resolved_at: f.public_resolved.map(|k| rfc3339(&t.get(k).instant)),
        public_resolved_lag_s: f
            .public_resolved
            .and_then(|k| end.map(|e| secs(e, &t.get(k)))),
        ttr_s: f.detected.and_then(|d| end.map(|e| secs(&t.get(d), e))),
        start_uncertainty_s: f.start_uncertainty_ms.map(|ms| ms as f64 / 1000.0),
        unknown,
        notes: f.notes.iter().map(|&k| cited(&t.get(k))).collect(),
        end_uncertainty_s: f.end_uncertainty_ms.map(|ms| ms as f64 / 1000.0),
        actions: f.actions.iter().map(|&k| cited(&t.get(k))).collect(),
        evidence: WindowEvidence {
            start: start.evidence(),
            end: end.map(EventRef::evidence),
            detected: f.detected.map(|k| t.get(k).evidence()),
            first_public_update: f.first_public.map(|k| t.get(k).evidence()),
            first_public_update_also: f
                .first_public
                .map(|k| rows::also(t, &f.public, k))
                .unwrap_or_default(),
            public_resolved: f.public_resolved.map(|k| t.get(k).evidence()),
            public_resolved_also: f
                .public_resolved
                .map(|k| rows::also(t, &f.public, k))
                .unwrap_or_default(),
        },
        rules,
        timeline: Rows::new(t.clone(), &rows),
        rates: Vec::new(),
    }
}

/// Number the windows by impact: outage grade first, windows with a member
/// that does not flap before flapping-only ones, then impact, then
/// length (an open window counts as running to the end of the evidence),
/// then the earliest.
pub fn rank(windows: &mut [Window], t: &Timeline) {
    let mut order: Vec<usize> = (0..windows.len()).collect();
    // Each key once per window, with the flapping subjects in a set: a
    // key recomputed per comparison, scanning the flapping list for every
    // subject, was quadratic on a flapping storm (issue 16).
    order.sort_by_cached_key(|&k| {
        let w = &windows[k];
        let flapping: std::collections::HashSet<&str> =
            w.flapping.iter().map(crate::event::Name::as_str).collect();
        let steady = w.subjects.iter().any(|s| !flapping.contains(s.as_str()));
        (
            std::cmp::Reverse(w.grade == "outage"),
            std::cmp::Reverse(steady),
            std::cmp::Reverse(w.impact_s),
            std::cmp::Reverse(length(w, t)),
            k,
        )
    });
    for (r, k) in order.into_iter().enumerate() {
        windows[k].rank = r as u32 + 1;
    }
}

fn length(w: &Window, t: &Timeline) -> i64 {
    let last = t.last().map(|e| e.instant.timestamp()).unwrap_or(0);
    w.duration_s.unwrap_or_else(|| {
        let s = chrono::DateTime::parse_from_rfc3339(&w.start)
            .map(|s| s.timestamp())
            .unwrap_or(0);
        last - s
    })
}

/// The window a report is about: the best ranked (see `rank`); with a
/// range, only windows overlapping it are considered.
pub fn select(
    windows: &[Window],
    range: (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ),
) -> Option<Selected> {
    let parse = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&chrono::Utc))
    };
    let overlaps = |w: &Window| {
        let start = parse(&w.start);
        let end = w.end.as_deref().and_then(parse);
        range.1.is_none_or(|to| start.is_some_and(|s| s <= to))
            && range.0.is_none_or(|from| end.is_none_or(|e| e >= from))
    };
    let (index, w) = windows
        .iter()
        .enumerate()
        .filter(|(_, w)| overlaps(w))
        .min_by_key(|(_, w)| w.rank)?;
    Some(Selected {
        window: w.id,
        of: windows.len(),
        index,
        rule: if range.0.is_some() || range.1.is_some() {
            "the highest-ranked window overlapping --from/--to (outage before monitoring-unknown, steady before flapping-only, then impact: outage-grade subjects x duration, then length)"
        } else {
            "the highest-ranked window: outage before monitoring-unknown, steady before flapping-only, then impact (outage-grade subjects x duration; an open window runs to the end of its evidence), then length, then the earliest"
        },
    })
}

/// The timeline indices of status-page claims about the incident itself.
pub fn public_claims(t: &Timeline) -> Vec<usize> {
    t.indices_where(|w| {
        w.role == crate::event::Role::Public
            && matches!(
                w.signal,
                Some(Signal::ClaimedStarted | Signal::ClaimedResolved | Signal::ClaimedDuration)
            )
    })
    .collect()
}

/// `27 min 12 s`-style text, for messages.
pub fn span_text(secs: i64) -> String {
    human::duration(secs)
}

/// Status-page claims against the evidence of a window: when the page
/// opened and resolved the incident, against the window's start and end;
/// a stated duration against the page's own start and end claims and the
/// evidence.
/// `claims`: the timeline indices of status-page claims (built once, so no
/// window scans the whole timeline).
pub fn public_discrepancies(t: &Timeline, claims: &[usize], f: &WindowFacts) -> Vec<Discrepancy> {
    let mut out = Vec::new();
    let near = |e: &EventRef<'_>| {
        let start = t.get(f.outage.start).instant;
        e.instant >= start - chrono::Duration::hours(window::PUBLIC_BEFORE_H)
            && f.outage.end.is_none_or(|k| {
                e.instant <= t.get(k).instant + chrono::Duration::hours(window::PUBLIC_AFTER_H)
            })
    };
    let claim = |what: Signal| {
        claims
            .iter()
            .map(|&k| t.get(k))
            .find(|e| e.who.signal == Some(what) && near(e))
    };
    if let Some(d) = claim(Signal::ClaimedDuration) {
        if let Some(stated) = crate::time::span::parse(&d.summary.get()) {
            if let (Some(s), Some(r)) = (
                claim(Signal::ClaimedStarted),
                claim(Signal::ClaimedResolved),
            ) {
                let span = (r.instant - s.instant).num_seconds();
                out.push(Discrepancy {
                    measure: crate::discrepancy::Measure::Duration,
                    source: d.who.file.to_string(),
                    claim: format!(
                        "status page states a duration of {} ({} s)",
                        d.summary, stated
                    ),
                    evidence: d.evidence(),
                    against: format!(
                        "its own Started and Resolved claims are {} apart ({} to {})",
                        human::duration(span),
                        rfc3339(&s.instant),
                        rfc3339(&r.instant)
                    ),
                    against_evidence: Some(s.evidence()),
                    difference_s: Some(stated - span),
                });
            }
            if let Some(e) = f.outage.end {
                let span = (t.get(e).instant - t.get(f.outage.start).instant).num_seconds();
                out.push(Discrepancy {
                    measure: crate::discrepancy::Measure::Duration,
                    source: d.who.file.to_string(),
                    claim: format!(
                        "status page states a duration of {} ({} s)",
                        d.summary, stated
                    ),
                    evidence: d.evidence(),
                    against: format!("the evidence window lasted {}", human::duration(span)),
                    against_evidence: Some(t.get(f.outage.start).evidence()),
                    difference_s: Some(stated - span),
                });
            }
        }
    }
    let start = &t.get(f.outage.start);
    if let Some(k) = f.first_public {
        let p = &t.get(k);
        out.push(Discrepancy {
            measure: crate::discrepancy::Measure::Instant,
            source: p.who.file.to_string(),
            claim: format!("status page opened the incident at {}", rfc3339(&p.instant)),
            evidence: p.evidence(),
            against: format!(
                "the outage began at {} ({})",
                rfc3339(&start.instant),
                start.summary
            ),
            against_evidence: Some(start.evidence()),
            difference_s: Some((p.instant - start.instant).num_seconds()),
        });
    }
    if let (Some(k), Some(e)) = (f.public_resolved, f.outage.end) {
        let (p, end) = (&t.get(k), &t.get(e));
        out.push(Discrepancy {
            measure: crate::discrepancy::Measure::Instant,
            source: p.who.file.to_string(),
            claim: format!(
                "status page marked the incident resolved at {}",
                rfc3339(&p.instant)
            ),
            evidence: p.evidence(),
            against: format!(
                "the last recovery is at {} ({})",
                rfc3339(&end.instant),
                end.summary
            ),
            against_evidence: Some(end.evidence()),
            difference_s: Some((p.instant - end.instant).num_seconds()),
        });
    }
    out
}
