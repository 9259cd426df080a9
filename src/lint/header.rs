//! The RFO header (`**Date of Event:**`, `**Event Start:**`, …): required
//! only in the RFO form; when present, Start and End are measured against
//! the window the report describes, Duration against both, and the Date of
//! Event against the window's local and UTC dates.

use super::checks::{self, utc, Cand, Ctx, Who};
use super::dates;
use super::evidence::Ev;
use super::read::{self, Claims};
use super::{LintFinding, Outcome};
use crate::analysis::Window;
use crate::finding::{FindingCode, Severity};
use crate::human;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// `field-missing`: every header field of the seed's layout is required.
pub fn fields_present(c: &Claims, out: &mut Vec<LintFinding>) {
    for name in read::FIELDS {
        if c.field(name).is_none() {
            let mut f = LintFinding::new(
                FindingCode::FieldMissing,
                Severity::Error,
                None,
                None,
                format!("the report has no **{name}:** field (RFO form)"),
            );
            f.suggestion = Some(format!("add a line `**{name}:** …`"));
            out.push(f);
        }
    }
}

/// `placeholder-unresolved`: our placeholders and TODO/TBD/XXX markers.
pub fn placeholders(c: &Claims, out: &mut Vec<LintFinding>) {
    for p in &c.placeholders {
        let mut f = LintFinding::new(
            FindingCode::PlaceholderUnresolved,
            Severity::Error,
            Some(p.line),
            Some(&p.text),
            "placeholder left in the report".into(),
        );
        f.suggestion = Some("replace it with the text a human must write".into());
        out.push(f);
    }
}

/// The stated Date of Event: the first date in its value.
fn date_of_event(c: &Claims) -> Option<(NaiveDate, usize)> {
    let f = c.field("Date of Event")?;
    c.dates
        .iter()
        .find(|d| d.line == f.line && d.field.as_deref() == Some("Date of Event"))
        .map(|d| (d.date, f.line))
}

/// Readings of a header time on the days it may be on: Start on the Date
/// of Event (or around it); End on that day or up to a week after, the
/// day nearest the window's end.
fn header_cands(ctx: &Ctx, name: &str, near: Option<DateTime<Utc>>) -> Vec<Cand> {
    let Some(m) = ctx.claims.field_mention(name) else {
        return Vec::new();
    };
    let (days, inherited) = match (m.date, date_of_event(ctx.claims)) {
        (Some(d), _) => (vec![d], false),
        (None, Some((d, _))) if name == "Event Start" => (vec![d], true),
        (None, Some((d, _))) => ((0..8).map(|k| d + Duration::days(k)).collect(), true),
        (None, None) => ctx.days(m),
    };
    let mut cands = ctx.readings(m, &days, inherited);
    if let (Some(t), true) = (near, name == "Event End") {
        // One day only: the one whose reading is nearest the window's end.
        let best = cands
            .iter()
            .min_by_key(|c| (c.read.reading.utc - t).num_seconds().abs())
            .map(|c| c.day);
        if let Some(day) = best {
            cands.retain(|c| c.day == day);
        }
    }
    cands
}

/// The window the header describes: the one nearest its stated start.
fn window<'a>(ctx: &Ctx<'a>) -> Option<&'a Window> {
    let cands = header_cands(ctx, "Event Start", None);
    let stated: Vec<DateTime<Utc>> = cands.iter().map(|c| c.read.reading.utc).collect();
    let nearest = ctx.analysis.windows.iter().min_by_key(|w| {
        let s = utc(&w.start);
        stated
            .iter()
            .filter_map(|r| s.map(|s| (*r - s).num_seconds().abs()))
            .min()
            .unwrap_or(i64::MAX)
    });
    if !stated.is_empty() {
        if let Some(w) = nearest {
            return Some(w);
        }
    }
    let a = ctx.analysis;
    a.selected.as_ref().and_then(|s| a.windows.get(s.index))
}

fn target(
    at: Option<DateTime<Utc>>,
    ev: Option<&crate::evidence::Evidence>,
    what: &str,
) -> Vec<Ev<'static>> {
    match (at, ev) {
        (Some(at), Some(ev)) => vec![Ev::target(at, ev.clone(), what)],
        _ => Vec::new(),
    }
}

/// Event Start, Event End, Duration and Date of Event.
pub fn check(ctx: &Ctx, out: &mut Outcome) {
    let w = window(ctx);
    let start = w.and_then(|w| utc(&w.start));
    let end = w.and_then(|w| w.end.as_deref().and_then(utc));
    let ends = [
        (
            "Event Start",
            start,
            w.map(|w| &w.evidence.start),
            "the window's start",
        ),
        (
            "Event End",
            end,
            w.and_then(|w| w.evidence.end.as_ref()),
            "the window's end",
        ),
    ];
    for (name, at, ev, what) in ends {
        let Some(m) = ctx.claims.field_mention(name) else {
            continue;
        };
        let cands = header_cands(ctx, name, at);
        let events = target(at, ev, what);
        if cands.is_empty() {
            continue;
        }
        let who = Who::Field(if name == "Event Start" {
            "Event Start"
        } else {
            "Event End"
        });
        if let Some((f, checked)) = checks::check_mention(ctx, m, &cands, &events, who, None) {
            out.coverage.times_checked += usize::from(checked || f.is_some());
            out.findings.extend(f);
        }
    }
    duration(ctx, w, out);
    date(ctx, w, out);
}

/// The reading a header time means: its label when in force, else the zone's.
fn meant(ctx: &Ctx, name: &str, near: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    let cands = header_cands(ctx, name, near);
    cands
        .iter()
        .find(|c| c.read.literal && c.read.in_force)
        .or_else(|| cands.iter().find(|c| c.read.in_force))
        .map(|c| c.read.reading.utc)
}

fn duration(ctx: &Ctx, w: Option<&Window>, out: &mut Outcome) {
    let Some(field) = ctx.claims.field("Duration") else {
        return;
    };
    let Some(d) = dates::durations(&field.value).into_iter().next() else {
        return;
    };
    let stated = match d.secs {
        Ok(s) => s,
        Err(text) => {
            let mut f = LintFinding::new(
                FindingCode::DurationMismatch,
                Severity::Error,
                Some(field.line),
                Some(&field.value),
                format!(
                    "Duration {text} is not a plausible duration: lint reads durations up to {} days",
                    dates::MAX_DURATION_S / 86_400
                ),
            );
            f.suggestion = w.and_then(|w| w.duration_s).map(human::duration);
            out.findings.push(f);
            return;
        }
    };
    out.coverage.durations_checked += 1;
    let tol = ctx.opts.tolerance_s;
    let mut push = |msg: String, ev: Option<crate::evidence::Evidence>, suggestion: i64| {
        let mut f = LintFinding::new(
            FindingCode::DurationMismatch,
            Severity::Error,
            Some(field.line),
            Some(&field.value),
            msg,
        );
        f.evidence = ev;
        f.suggest(human::duration(suggestion));
        out.findings.push(f);
    };
    // End − Start is the text's own arithmetic: an End without a date is
    // on the day that makes it nearest the stated duration.
    let start = meant(ctx, "Event Start", None);
    let end = meant(
        ctx,
        "Event End",
        start.map(|s| s + Duration::seconds(stated)),
    );
    if let (Some(s), Some(e)) = (start, end) {
        let span = (e - s).num_seconds();
        if (span - stated).abs() > tol {
            push(
                format!(
                    "Duration says {} but Event End − Event Start is {}",
                    human::duration(stated),
                    human::duration(span)
                ),
                None,
                span,
            );
        }
    }
    if let Some((w, d)) = w.and_then(|w| w.duration_s.map(|d| (w, d))) {
        if (d - stated).abs() > tol {
            push(
                format!(
                    "Duration says {} but the evidence window {} lasted {} ({} to {})",
                    human::duration(stated),
                    w.id,
                    human::duration(d),
                    w.start,
                    w.end.as_deref().unwrap_or("?")
                ),
                Some(w.evidence.start.clone()),
                d,
            );
        }
    }
}

/// `date-mismatch`: the Date of Event must be the window's local or UTC date.
fn date(ctx: &Ctx, w: Option<&Window>, out: &mut Outcome) {
    let (Some(field), Some((stated, _)), Some(w)) = (
        ctx.claims.field("Date of Event"),
        date_of_event(ctx.claims),
        w,
    ) else {
        return;
    };
    let Some(start) = utc(&w.start) else {
        return;
    };
    out.coverage.dates_checked += 1;
    let local = start.with_timezone(&ctx.opts.report_zone).date_naive();
    let utc_date = start.date_naive();
    if stated != local && stated != utc_date {
        let mut f = LintFinding::new(
            FindingCode::DateMismatch,
            Severity::Error,
            Some(field.line),
            Some(&field.value),
            format!(
                "Date of Event {stated} is neither the local date ({local}, {}) nor the UTC date ({utc_date}) of the window start {}",
                ctx.opts.report_zone.name(),
                w.start
            ),
        );
        f.evidence = Some(w.evidence.start.clone());
        f.suggest(local.format("%B %-d, %Y").to_string());
        out.findings.push(f);
    }
}
