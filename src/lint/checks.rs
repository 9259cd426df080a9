//! One function per lint check. Each reads the claims and the analysis and
//! pushes findings; none of them stops the others.

use super::read::{self, Claims, Mention};
use super::{LintFinding, LintOptions};
use crate::analysis::{Analysis, Window};
use crate::evidence::Evidence;
use crate::finding::{FindingCode, Severity};
use crate::time::abbrev;
use crate::time::zone::{fmt_offset, read_local, with_offset, LocalReading, Reading};
use crate::window::trigger::human;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Which claim a mention is, for choosing its date.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    Start,
    /// With the start's reading, to roll past midnight.
    End(Option<DateTime<Utc>>),
    Text,
}

/// What the checks share: the claims, the window the report is about, and
/// the instants of the evidence.
pub struct Context<'a> {
    pub claims: &'a Claims,
    pub analysis: &'a Analysis,
    pub opts: &'a LintOptions,
    /// The stated Date of Event.
    pub date: Option<NaiveDate>,
    /// The window the report describes: the one nearest its stated start.
    pub window: Option<&'a Window>,
}

fn utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S UTC").to_string()
}

fn finding(
    code: FindingCode,
    line: Option<usize>,
    text: Option<&str>,
    message: String,
) -> LintFinding {
    LintFinding {
        code,
        severity: Severity::Error,
        message,
        report_line: line,
        text: text.map(str::to_string),
        evidence: None,
        suggestion: None,
    }
}

impl<'a> Context<'a> {
    pub fn new(claims: &'a Claims, analysis: &'a Analysis, opts: &'a LintOptions) -> Context<'a> {
        let date = claims
            .field("Date of Event")
            .and_then(|f| read::date(&f.value));
        let mut ctx = Context {
            claims,
            analysis,
            opts,
            date,
            window: None,
        };
        let stated = ctx
            .field_mention("Event Start")
            .map(|m| ctx.readings(m, Role::Start))
            .unwrap_or_default();
        ctx.window = analysis
            .windows
            .iter()
            .min_by_key(|w| {
                let start = utc(&w.start);
                stated
                    .iter()
                    .filter_map(|r| start.map(|s| (r.utc - s).num_seconds().abs()))
                    .min()
                    .unwrap_or(i64::MAX)
            })
            .filter(|_| !stated.is_empty())
            .or_else(|| {
                analysis
                    .selected
                    .as_ref()
                    .and_then(|s| analysis.windows.get(s.index))
            });
        ctx
    }

    /// The first time mention inside a header field's value.
    pub fn field_mention(&self, name: &str) -> Option<&'a Mention> {
        let f = self.claims.field(name)?;
        self.claims
            .mentions
            .iter()
            .find(|m| m.line == f.line && f.value.contains(&m.text))
    }

    /// Every UTC reading of a mention on each candidate date: the zone's own
    /// (one, or two in a fold) and, when the label is not the zone's, the
    /// label's. A mention that writes its date has one candidate; Event
    /// Start has the Date of Event; Event End the day after too when it
    /// would precede the start; other times the days around the event.
    pub fn readings(&self, m: &Mention, role: Role) -> Vec<Reading> {
        let mut out = Vec::new();
        for naive in self.candidates(m, role) {
            if let Some(off) = crate::time::abbrev::stated_offset(&m.label) {
                let name = if off == 0 { "UTC" } else { m.label.as_str() };
                out.push(with_offset(naive, off, Some(name)));
                continue;
            }
            let zone = match read_local(self.opts.report_zone, naive) {
                LocalReading::Unique(r) => vec![r],
                LocalReading::Fold { earlier, later } => vec![earlier, later],
                LocalReading::Gap { before, after } => vec![before, after],
            };
            let own = zone.iter().any(|r| *r.abbrev == *m.label);
            out.extend(zone);
            if !own {
                out.extend(self.label_readings(m, naive));
            }
        }
        out
    }

    fn label_readings(&self, m: &Mention, naive: chrono::NaiveDateTime) -> Vec<Reading> {
        let tz = self.opts.report_zone;
        let year = chrono::Datelike::year(&naive);
        match abbrev::meaning_in(tz, &m.label, year) {
            Some(off) => vec![with_offset(naive, off, Some(&m.label))],
            None => abbrev::meanings(&m.label)
                .iter()
                .map(|x| with_offset(naive, x.offset_s, Some(&m.label)))
                .collect(),
        }
    }

    fn candidates(&self, m: &Mention, role: Role) -> Vec<chrono::NaiveDateTime> {
        let Some(time) = chrono::NaiveTime::from_hms_opt(m.hour, m.minute, m.second.unwrap_or(0))
        else {
            return Vec::new();
        };
        if let Some(d) = m.date {
            return vec![d.and_time(time)];
        }
        let Some(d) = self.date else {
            return Vec::new();
        };
        match role {
            Role::Start => vec![d.and_time(time)],
            Role::End(start) => {
                let naive = d.and_time(time);
                // An end written without a date that reads before the start is the next day.
                match start {
                    Some(s)
                        if naive + Duration::hours(1)
                            < s.with_timezone(&self.opts.report_zone).naive_local() =>
                    {
                        vec![naive + Duration::days(1)]
                    }
                    _ => vec![naive],
                }
            }
            Role::Text => [-1, 0, 1]
                .iter()
                .map(|k| (d + Duration::days(*k)).and_time(time))
                .collect(),
        }
    }

    /// Instants of the evidence a free-text time may refer to.
    fn evidence_instants(&self) -> Vec<(DateTime<Utc>, Evidence)> {
        let mut out = Vec::new();
        for w in &self.analysis.windows {
            for r in &w.timeline {
                if let Some(t) = utc(&r.at) {
                    out.push((t, r.evidence.clone()));
                }
            }
            if let Some(t) = utc(&w.start) {
                out.push((t, w.evidence.start.clone()));
            }
            // Context a report states beside the window: what was already
            // failing or degraded, when checks failed, notes, actions.
            let mut add = |at: &str, ev: &Evidence| {
                if let Some(t) = utc(at) {
                    out.push((t, ev.clone()));
                }
            };
            for b in &w.background {
                add(&b.since, &b.evidence);
                if let (Some(at), Some(ev)) = (&b.recovered_at, &b.recovered_evidence) {
                    add(at, ev);
                }
            }
            for d in &w.degraded {
                add(&d.since, &d.evidence);
            }
            for u in &w.unknown {
                add(&u.from, &u.evidence);
                if let (Some(at), Some(ev)) = (&u.to, &u.until_evidence) {
                    add(at, ev);
                }
            }
            for c in w.notes.iter().chain(&w.actions) {
                add(&c.at, &c.evidence);
            }
            for c in w.trigger.iter().chain(&w.trigger_candidates) {
                add(&c.at, &c.evidence);
            }
        }
        out
    }
}

/// `field-missing`: every header field of the seed's layout is required.
pub fn fields_present(c: &Claims, out: &mut Vec<LintFinding>) {
    for name in read::FIELDS {
        if c.field(name).is_none() {
            let mut f = finding(
                FindingCode::FieldMissing,
                None,
                None,
                format!("the report has no **{name}:** field"),
            );
            f.suggestion = Some(format!("add a line `**{name}:** …`"));
            out.push(f);
        }
    }
}

/// `placeholder-unresolved`: our placeholders and TODO/TBD/XXX markers.
pub fn placeholders(c: &Claims, out: &mut Vec<LintFinding>) {
    for p in &c.placeholders {
        let mut f = finding(
            FindingCode::PlaceholderUnresolved,
            Some(p.line),
            Some(&p.text),
            format!("placeholder left in the report: {}", p.text),
        );
        f.suggestion = Some("replace it with the text a human must write".into());
        out.push(f);
    }
}

/// `zone-label-invalid` for every time mention, and `time-mismatch` for
/// Event Start/End against the window and for free-text times that no
/// evidence is near.
pub fn labels_and_times(ctx: &Context, out: &mut Vec<LintFinding>) {
    let tol = ctx.opts.tolerance_s;
    let start_m = ctx.field_mention("Event Start");
    let end_m = ctx.field_mention("Event End");
    let w = ctx.window;
    let start_ev = w
        .and_then(|w| utc(&w.start))
        .map(|t| (t, w.map(|w| w.evidence.start.clone())));
    let end_ev = w
        .and_then(|w| w.end.as_deref().and_then(utc))
        .map(|t| (t, w.and_then(|w| w.evidence.end.clone())));
    let start_reading = start_m.and_then(|m| ctx.readings(m, Role::Start).first().map(|r| r.utc));
    let evidence = ctx.evidence_instants();
    for m in &ctx.claims.mentions {
        let is_start = start_m.is_some_and(|s| std::ptr::eq(s, m));
        let is_end = end_m.is_some_and(|e| std::ptr::eq(e, m));
        let role = if is_start {
            Role::Start
        } else if is_end {
            Role::End(start_reading)
        } else {
            Role::Text
        };
        let readings = ctx.readings(m, role);
        if readings.is_empty() {
            continue;
        }
        // The evidence this mention is measured against.
        let target: Option<(DateTime<Utc>, Option<Evidence>)> = if is_start {
            start_ev.clone()
        } else if is_end {
            end_ev.clone()
        } else {
            let r0 = readings[0].utc;
            evidence
                .iter()
                .min_by_key(|(t, _)| {
                    readings
                        .iter()
                        .map(|r| (r.utc - *t).num_seconds().abs())
                        .min()
                        .unwrap_or(i64::MAX)
                })
                .map(|(t, e)| (*t, Some(e.clone())))
                .filter(|(t, _)| (*t - r0).num_days().abs() < 2)
        };
        let best = |rs: &[&Reading]| -> Option<(Reading, i64)> {
            let (t, _) = target.as_ref()?;
            rs.iter()
                .map(|r| ((*r).clone(), (r.utc - *t).num_seconds()))
                .min_by_key(|(_, d)| d.abs())
        };
        let label_ok = is_utc(&m.label)
            || readings
                .iter()
                .any(|r| *r.abbrev == *m.label && in_zone(ctx, r));
        if !label_ok {
            out.push(label_invalid(ctx, m, &readings, target.as_ref()));
        }
        // The reading the report must mean: its label when valid, else the best one.
        let meant: Vec<&Reading> = if label_ok {
            readings
                .iter()
                .filter(|r| is_utc(&m.label) || *r.abbrev == *m.label)
                .collect()
        } else {
            readings.iter().collect()
        };
        let Some((reading, diff)) = best(&meant) else {
            continue;
        };
        if diff.abs() <= tol {
            continue;
        }
        let (t, ev) = target.clone().expect("best() had a target");
        let what = if is_start {
            "Event Start"
        } else if is_end {
            "Event End"
        } else {
            "this time"
        };
        let mut f = finding(
            FindingCode::TimeMismatch,
            Some(m.line),
            Some(&m.text),
            format!(
                "{what} {} reads as {}, {} {} the evidence at {}; tolerance {} s",
                m.text,
                clock(reading.utc),
                human(diff.abs()),
                if diff > 0 { "after" } else { "before" },
                clock(t),
                tol
            ),
        );
        if !(is_start || is_end) {
            f.severity = Severity::Warning;
        }
        f.evidence = ev;
        let local = t.with_timezone(&ctx.opts.report_zone);
        f.suggestion = Some(format!(
            "{} {}",
            local.format("%H:%M"),
            crate::time::zone::abbrev_at(ctx.opts.report_zone, t)
        ));
        out.push(f);
    }
}

/// A label that states its offset outright (`UTC`, `GMT+1`): valid on any date.
fn is_utc(label: &str) -> bool {
    crate::time::abbrev::stated_offset(label).is_some()
}

/// A reading whose abbreviation is the zone's own at that instant.
fn in_zone(ctx: &Context, r: &Reading) -> bool {
    *crate::time::zone::abbrev_at(ctx.opts.report_zone, r.utc) == *r.abbrev
}

fn label_invalid(
    ctx: &Context,
    m: &Mention,
    readings: &[Reading],
    target: Option<&(DateTime<Utc>, Option<Evidence>)>,
) -> LintFinding {
    let tz = ctx.opts.report_zone;
    let date = m.date.or(ctx.date);
    let zone_r: Vec<&Reading> = readings.iter().filter(|r| in_zone(ctx, r)).collect();
    let label_r: Vec<&Reading> = readings.iter().filter(|r| !in_zone(ctx, r)).collect();
    let in_force = zone_r
        .iter()
        .map(|r| format!("{} ({})", r.abbrev, fmt_offset(r.offset_s)))
        .collect::<Vec<_>>()
        .join(" or ");
    let mut msg = format!(
        "{} is not in force in {} on {}: {in_force} was",
        m.label,
        tz.name(),
        date.map(|d| d.to_string())
            .unwrap_or_else(|| "that date".into())
    );
    for r in &label_r {
        msg.push_str(&format!(
            "; read as {} ({}): {}",
            m.label,
            fmt_offset(r.offset_s),
            clock(r.utc)
        ));
    }
    for r in &zone_r {
        msg.push_str(&format!("; read as {}: {}", r.abbrev, clock(r.utc)));
    }
    let mut f = finding(
        FindingCode::ZoneLabelInvalid,
        Some(m.line),
        Some(&m.text),
        msg,
    );
    if let Some((t, ev)) = target {
        let nearest = readings
            .iter()
            .min_by_key(|r| (r.utc - *t).num_seconds().abs());
        if let Some(r) = nearest {
            let name = if in_zone(ctx, r) {
                r.abbrev.to_string()
            } else {
                format!("{} as {}", m.label, fmt_offset(r.offset_s))
            };
            f.message.push_str(&format!(
                "; the logs support the {name} reading (evidence at {}, {} away)",
                clock(*t),
                human((r.utc - *t).num_seconds().abs())
            ));
            f.evidence = ev.clone();
            if in_zone(ctx, r) {
                let local = r.utc.with_timezone(&tz);
                f.suggestion = Some(format!("{} {}", local.format("%H:%M"), r.abbrev));
            }
        }
    }
    f
}

/// `duration-mismatch`: the stated Duration against End − Start as stated,
/// and against the evidence window.
pub fn durations(ctx: &Context, out: &mut Vec<LintFinding>) {
    let Some(field) = ctx.claims.field("Duration") else {
        return;
    };
    let Some(stated) = read::duration(&field.value) else {
        return;
    };
    let tol = ctx.opts.tolerance_s;
    let mut push = |msg: String, ev: Option<Evidence>, suggestion: i64| {
        let mut f = finding(
            FindingCode::DurationMismatch,
            Some(field.line),
            Some(&field.value),
            msg,
        );
        f.evidence = ev;
        f.suggestion = Some(human(suggestion));
        out.push(f);
    };
    let meant = |name: &str, role| {
        ctx.field_mention(name).and_then(|m| {
            let rs = ctx.readings(m, role);
            // A valid label means what it says; an invalid one is read as the zone's.
            rs.iter()
                .find(|r| *r.abbrev == *m.label && in_zone(ctx, r))
                .or(rs.iter().find(|r| in_zone(ctx, r)))
                .or(rs.first())
                .map(|r| r.utc)
        })
    };
    let start = meant("Event Start", Role::Start);
    let end = meant("Event End", Role::End(start));
    if let (Some(s), Some(e)) = (start, end) {
        let span = (e - s).num_seconds();
        if (span - stated).abs() > tol {
            push(
                format!(
                    "Duration says {} but Event End − Event Start is {}",
                    human(stated),
                    human(span)
                ),
                None,
                span,
            );
        }
    }
    if let Some(w) = ctx.window {
        if let Some(d) = w.duration_s {
            if (d - stated).abs() > tol {
                push(
                    format!(
                        "Duration says {} but the evidence window {} lasted {} ({} to {})",
                        human(stated),
                        w.id,
                        human(d),
                        w.start,
                        w.end.as_deref().unwrap_or("?")
                    ),
                    Some(w.evidence.start.clone()),
                    d,
                );
            }
        }
    }
}

/// `date-mismatch`: the Date of Event must be the window's local or UTC date.
pub fn date_of_event(ctx: &Context, out: &mut Vec<LintFinding>) {
    let (Some(field), Some(stated), Some(w)) =
        (ctx.claims.field("Date of Event"), ctx.date, ctx.window)
    else {
        return;
    };
    let Some(start) = utc(&w.start) else {
        return;
    };
    let local = start.with_timezone(&ctx.opts.report_zone).date_naive();
    let utc_date = start.date_naive();
    if stated != local && stated != utc_date {
        let mut f = finding(
            FindingCode::DateMismatch,
            Some(field.line),
            Some(&field.value),
            format!(
                "Date of Event {stated} is neither the local date ({local}, {}) nor the UTC date ({utc_date}) of the window start {}",
                ctx.opts.report_zone.name(),
                w.start
            ),
        );
        f.evidence = Some(w.evidence.start.clone());
        f.suggestion = Some(local.format("%B %-d, %Y").to_string());
        out.push(f);
    }
}
