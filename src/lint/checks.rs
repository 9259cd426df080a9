//! The checks of every time, date and duration a report states. Each
//! mention is matched to the evidence event it most plausibly states (same
//! or adjacent day, best reading). An error needs the sentence to name what
//! happened, a counterpart event, and a difference beyond the tolerance; a
//! time with no counterpart is a warning; a time with no evidence within
//! two days is not checked (and the coverage says so).

use super::evidence::{self, Ev, Match};
use super::read::{Claims, DateClaim, DurationClaim, Mention};
use super::scan::Precision;
use super::zone::{self, Read, Zone};
use super::{LintFinding, LintOptions, Outcome};
use crate::analysis::Analysis;
use crate::finding::{FindingCode, Severity};
use crate::human;
use crate::time::zone::fmt_offset;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use regex::Regex;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// What the checks share.
pub struct Ctx<'a> {
    pub claims: &'a Claims,
    pub analysis: &'a Analysis,
    /// Every timed event, in time order.
    pub events: &'a [Ev<'a>],
    /// The events' words, read as mentions need them.
    pub stemmer: &'a super::stemmer::Stemmer<'a, 'a>,
    pub opts: &'a LintOptions,
    /// The days a time with no date at all may be on: the windows' days.
    pub fallback_days: Vec<NaiveDate>,
    /// Word indexes of `events`, built as mentions need.
    pub indexes: super::index::Indexes,
    /// The events of the lines the report cites.
    pub cited: super::cite::Cited,
    /// The sources the load found skewed.
    pub skews: &'a [crate::align::Skew],
}

pub fn utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S UTC").to_string()
}

/// One reading of a mention on one candidate day.
#[derive(Debug, Clone)]
pub struct Cand {
    pub read: Read,
    /// The day came from the context, not from the mention.
    pub inherited: bool,
    /// The wall-clock day it was read on.
    pub day: NaiveDate,
}

impl<'a> Ctx<'a> {
    pub fn new(
        claims: &'a Claims,
        analysis: &'a Analysis,
        events: &'a [Ev<'a>],
        stemmer: &'a super::stemmer::Stemmer<'a, 'a>,
        opts: &'a LintOptions,
        cited: super::cite::Cited,
        skews: &'a [crate::align::Skew],
    ) -> Ctx<'a> {
        let mut days: Vec<NaiveDate> = analysis
            .windows
            .iter()
            .filter_map(|w| utc(&w.start))
            .map(|t| t.date_naive())
            .collect();
        if days.is_empty() {
            // The events are in time order: their first 31 days.
            for d in events.iter().map(|e| e.at().date_naive()) {
                if days.len() == 31 {
                    break;
                }
                if days.last() != Some(&d) {
                    days.push(d);
                }
            }
        }
        days.sort();
        days.dedup();
        days.truncate(31);
        Ctx {
            claims,
            analysis,
            events,
            stemmer,
            opts,
            fallback_days: days,
            indexes: Default::default(),
            cited,
            skews,
        }
    }

    /// The candidate days of a mention: its own date, else the days around
    /// its context date, else the windows' days (and those around them).
    pub fn days(&self, m: &Mention) -> (Vec<NaiveDate>, bool) {
        if let Some(d) = m.date {
            return (vec![d], false);
        }
        // The context date may be an aside (`On May 12, we began a
        // deployment` before a timeline of June 8): the windows' days too.
        let around = |d: NaiveDate| [d - Duration::days(1), d, d + Duration::days(1)];
        let mut v: Vec<NaiveDate> = m
            .context_date
            .iter()
            .chain(&self.fallback_days)
            .flat_map(|d| around(*d))
            .collect();
        v.sort();
        v.dedup();
        (v, true)
    }

    /// Every reading of `m` on `days`.
    pub fn readings(&self, m: &Mention, days: &[NaiveDate], inherited: bool) -> Vec<Cand> {
        days.iter()
            .flat_map(|d| {
                zone::read(&m.zone, d.and_time(m.time), self.opts.report_zone)
                    .into_iter()
                    .map(move |read| Cand {
                        read,
                        inherited,
                        day: *d,
                    })
            })
            .collect()
    }

    /// The tolerance for a mention: wider for `6pm` and `around 10:00`.
    pub fn tolerance(&self, m: &Mention) -> i64 {
        let mut t = self.opts.tolerance_s;
        if m.precision == Precision::Hour {
            t = t.max(1800);
        }
        if m.approx {
            t = t.max(900);
        }
        t
    }
}

/// A sentence that weighs readings (`read as CST: …`) or reports what
/// another source states (`status page states a duration of 17m`), as
/// rfo's own findings do: it makes no claim of its own.
pub fn quoting(sentence: &str) -> bool {
    ["read as", "reading", " states "]
        .iter()
        .any(|w| sentence.contains(w))
}

/// Whether a label was written and not in force at any of its readings.
fn label_invalid(m: &Mention, cands: &[Cand]) -> bool {
    matches!(m.zone, Zone::Abbrev(_)) && !cands.iter().any(|c| c.read.literal && c.read.in_force)
}

/// `zone-label-invalid` and `time-mismatch` for every time mention outside
/// the RFO header (which `header` checks against the window).
///
/// A sentence that cites lines of the bundle (`nagios.log:35`) is checked
/// against them: its times state the lines' times. When one of its times
/// agrees with a cited line and another agrees with none (`from 10:47 to
/// 11:04 BST (access.log:511)`), the other is about something else and is
/// weighed against the evidence as an uncited time is.
pub fn times(ctx: &Ctx, out: &mut Outcome) {
    // Each mention to check, its readings, the events its sentence cites
    // and whether it agrees with one of them.
    type Todo<'m> = (&'m Mention, Vec<Cand>, Option<Vec<u32>>, bool);
    let mut todo: Vec<Todo> = Vec::new();
    let agrees = |m: &Mention, cands: &[Cand], cited: &[u32]| {
        let (_, instants) = meant(cands, label_invalid(m, cands));
        matches!(
            evidence::cited(ctx.events, cited, &instants, ctx.tolerance(m), span(m)),
            Match::Agrees { .. }
        )
    };
    for m in &ctx.claims.mentions {
        out.coverage.times_read += 1;
        if quoting(&m.sentence) {
            continue;
        }
        if matches!(m.field.as_deref(), Some("Event Start" | "Event End")) {
            continue;
        }
        let (days, inherited) = ctx.days(m);
        let cands = ctx.readings(m, &days, inherited);
        if cands.is_empty() {
            continue;
        }
        let cited = ctx.cited.of(&m.sentence);
        let agreed = cited.as_deref().is_some_and(|c| agrees(m, &cands, c));
        todo.push((m, cands, cited, agreed));
    }
    // Of each sentence citing a line: whether a time of it agrees with it.
    let mut agreeing: FxHashMap<(usize, &str), bool> = FxHashMap::default();
    for (m, _, cited, agreed) in &todo {
        if cited.is_some() {
            *agreeing.entry((m.line, m.sentence.as_str())).or_default() |= agreed;
        }
    }
    for (m, cands, cited, agreed) in &todo {
        let cited = cited
            .as_deref()
            .filter(|_| *agreed || !agreeing[&(m.line, m.sentence.as_str())]);
        if let Some(f) = check_mention(ctx, m, cands, ctx.events, Who::Text, cited) {
            out.coverage.times_checked += usize::from(f.1);
            if let Some(f) = f.0 {
                out.findings.push(f);
            }
        }
    }
}

/// The seconds after a mention's reading it stands for: `10:41` is any
/// time in that minute.
fn span(m: &Mention) -> i64 {
    match m.precision {
        Precision::Second => 0,
        Precision::Minute => 59,
        Precision::Hour => 3599,
    }
}

/// The readings a mention is held to (all, when its label is invalid;
/// else those of the label as written) and their instants.
fn meant(cands: &[Cand], invalid: bool) -> (Vec<&Cand>, Vec<DateTime<Utc>>) {
    let meant: Vec<&Cand> = cands.iter().filter(|c| invalid || c.read.literal).collect();
    let instants = meant.iter().map(|c| c.read.reading.utc).collect();
    (meant, instants)
}

/// Who a mention is, for the wording and the severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Text,
    /// A header field measured against the window: always an error.
    Field(&'static str),
}

/// Check one mention against `events`, or against the events of the line
/// its sentence cites (positions in `events`): (the finding, if any;
/// whether it was checked against a counterpart).
pub fn check_mention(
    ctx: &Ctx,
    m: &Mention,
    cands: &[Cand],
    events: &[Ev],
    who: Who,
    cited: Option<&[u32]>,
) -> Option<(Option<LintFinding>, bool)> {
    let tol = ctx.tolerance(m);
    let invalid = label_invalid(m, cands);
    let (meant, instants) = meant(cands, invalid);
    let sentence = if who == Who::Text {
        m.sentence.as_str()
    } else {
        ""
    };
    // Word indexes are kept for the bundle's events only: a header's
    // targets are a slice of their own.
    let own;
    let indexes = if std::ptr::eq(events, ctx.events) {
        &ctx.indexes
    } else {
        own = super::index::Indexes::default();
        &own
    };
    let matched = match (cited, who) {
        (Some(c), _) => evidence::cited(events, c, &instants, tol, span(m)),
        // A header field is held to its target (the window's start or
        // end) as a cited time is to its line: `21:56` for a start at
        // 21:56:10 agrees at any tolerance.
        (None, Who::Field(_)) => {
            let targets: Vec<u32> = (0..events.len()).map(crate::timeline::index).collect();
            evidence::cited(events, &targets, &instants, tol, span(m))
        }
        (None, Who::Text) => evidence::best(events, indexes, ctx.stemmer, &instants, sentence, tol),
    };
    // Held to the lines its sentence cites, not to an event found by its
    // words.
    let cited = cited.is_some();
    if invalid {
        return Some((Some(label_finding(ctx, m, &meant, &matched)), true));
    }
    match matched {
        Match::Nothing => Some((None, false)),
        Match::Agrees { .. } => Some((None, true)),
        Match::Differs {
            ev,
            reading,
            shared,
        } => {
            let c = meant[reading];
            let diff = (c.read.reading.utc - ev.at()).num_seconds();
            let days = (diff as f64 / 86_400.0).round() as i64;
            let whole_days = days != 0 && (diff - days * 86_400).abs() <= tol;
            if whole_days && c.inherited {
                // The context's date is wrong, not this time: reported once, at the date.
                return Some((None, true));
            }
            // The cited line's source was found skewed and left as it
            // was, and the time is the line's corrected one: a report made
            // with `--correct-skew`, linted without it.
            if let Some(skew) = cited.then(|| uncorrected(ctx, m, ev, c, tol)).flatten() {
                return Some((Some(skew_finding(m, c, ev, diff, tol, skew)), true));
            }
            let named = evidence::names_event(&m.sentence);
            let error = match who {
                Who::Field(_) => true,
                // Many shared words say which event it is even without a
                // verb; a citation says it outright.
                Who::Text => cited || (named && shared >= 1) || shared >= 3,
            };
            let f = if whole_days {
                date_finding(m, c, ev, error)
            } else {
                time_finding(m, c, ev, (diff, tol), who, Verdict { error, cited })
            };
            Some((Some(f), error))
        }
    }
}

/// The skew of `ev`'s source that the load found and did not correct,
/// when the correction brings `ev` within tolerance of reading `c`.
fn uncorrected<'s>(
    ctx: &Ctx<'s>,
    m: &Mention,
    ev: &Ev,
    c: &Cand,
    tol: i64,
) -> Option<&'s crate::align::Skew> {
    let file = ev.evidence().file;
    ctx.skews.iter().find(|s| {
        let moved = ev.at() + Duration::milliseconds(s.correction_ms);
        !s.corrected
            && s.file == file
            && evidence::distance(moved, c.read.reading.utc, span(m)) <= tol
    })
}

/// A time that states a cited line's corrected time, linted without the
/// correction: a warning that says so, not an error.
fn skew_finding(
    m: &Mention,
    c: &Cand,
    ev: &Ev,
    diff: i64,
    tol: i64,
    skew: &crate::align::Skew,
) -> LintFinding {
    let mut f = time_finding(
        m,
        c,
        ev,
        (diff, tol),
        Who::Text,
        Verdict {
            error: false,
            cited: true,
        },
    );
    f.message = format!(
        "{}; {}'s clock was found skewed (clock-skew) and not corrected: moved by {:+} s, as --correct-skew moves it, the line agrees (lint with --correct-skew when the report was made with it)",
        f.message,
        skew.file,
        skew.correction_ms.div_euclid(1000)
    );
    f.suggestion = None;
    f
}

fn severity(error: bool) -> Severity {
    if error {
        Severity::Error
    } else {
        Severity::Warning
    }
}

/// The written zone of a mention (`UTC`, `PDT`, `(UTC)`), for suggestions.
fn written_zone(m: &Mention) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(?:[0-9]{4}[-/][0-9]{2}[-/][0-9]{2}[T ]?)?[0-9]{1,2}(?::?[0-9]{2})?(?::[0-9]{2}(?:[.,][0-9]+)?)?\s?(?:[AaPp]\.?\s?[Mm]\.?)?").expect("valid")
    });
    re.find(&m.text)
        .map(|t| m.text[t.end()..].trim().to_string())
        .unwrap_or_default()
}

/// The evidence instant written as the mention writes its time.
fn as_written(m: &Mention, c: &Cand, at: DateTime<Utc>) -> String {
    let local = at + Duration::seconds(i64::from(c.read.reading.offset_s));
    let clock = if m.precision == Precision::Second {
        local.format("%H:%M:%S")
    } else {
        local.format("%H:%M")
    };
    // The zone as written (`UTC`, `(UTC)`, `PT`); none when the context gave it.
    let zone = if m.zone_from == super::read::ZoneFrom::Written {
        written_zone(m)
    } else {
        String::new()
    };
    format!("{clock} {zone}").trim().to_string()
}

/// How a time that differs is reported: as an error or a warning, and
/// against the line its sentence cites or an event found by its words.
#[derive(Clone, Copy)]
struct Verdict {
    error: bool,
    cited: bool,
}

fn time_finding(
    m: &Mention,
    c: &Cand,
    ev: &Ev,
    (diff, tol): (i64, i64),
    who: Who,
    Verdict { error, cited }: Verdict,
) -> LintFinding {
    let what = match who {
        Who::Field(name) => format!("{name} {}", m.text),
        Who::Text => m.text.clone(),
    };
    let both = |t: DateTime<Utc>| match &*c.read.reading.abbrev {
        "UTC" => clock(t),
        a => format!(
            "{} {a} ({})",
            (t + Duration::seconds(i64::from(c.read.reading.offset_s))).format("%H:%M:%S"),
            clock(t)
        ),
    };
    let msg = format!(
        "{what} reads as {}, {} {} {} at {} ({}); tolerance {} s",
        both(c.read.reading.utc),
        human::duration(diff.abs()),
        if diff > 0 { "after" } else { "before" },
        if cited {
            "the line it cites"
        } else {
            "the evidence"
        },
        both(ev.at()),
        ev.summary(),
        tol
    );
    let msg = if error || cited {
        msg
    } else {
        format!("no event in the evidence within tolerance; {msg}")
    };
    let mut f = LintFinding::new(
        FindingCode::TimeMismatch,
        severity(error),
        Some(m.line),
        Some(&m.text),
        msg,
    );
    f.evidence = Some(ev.evidence());
    f.suggest(as_written(m, c, ev.at()));
    f
}

fn date_finding(m: &Mention, c: &Cand, ev: &Ev, error: bool) -> LintFinding {
    let local = ev.at() + Duration::seconds(i64::from(c.read.reading.offset_s));
    let stated =
        (c.read.reading.utc + Duration::seconds(i64::from(c.read.reading.offset_s))).date_naive();
    let mut f = LintFinding::new(
        FindingCode::DateMismatch,
        severity(error),
        Some(m.line),
        Some(&m.text),
        format!(
            "the date written is {stated}, but the evidence puts this on {} ({}, {})",
            local.date_naive(),
            clock(ev.at()),
            ev.summary()
        ),
    );
    f.evidence = Some(ev.evidence());
    f.suggestion = Some(local.date_naive().to_string());
    f
}

/// `zone-label-invalid`: the label and the label in force, each reading
/// once, and the one the logs support.
pub fn label_finding(ctx: &Ctx, m: &Mention, meant: &[&Cand], matched: &Match) -> LintFinding {
    let Zone::Abbrev(label) = &m.zone else {
        unreachable!("only abbreviations are invalid")
    };
    // The readings of one day only: the one the logs support, else the
    // mention's own or context date.
    let day = match matched {
        Match::Agrees { reading, .. } | Match::Differs { reading, .. } => meant[*reading].day,
        Match::Nothing => m.date.or(m.context_date).unwrap_or(meant[0].day),
    };
    let all = meant;
    let meant: Vec<&Cand> = all.iter().copied().filter(|c| c.day == day).collect();
    let meant = if meant.is_empty() {
        all.to_vec()
    } else {
        meant
    };
    let local_date = day;
    let home = zone::home_of(
        label,
        chrono::Datelike::year(&local_date),
        ctx.opts.report_zone,
    )
    .unwrap_or(ctx.opts.report_zone);
    let mut in_force: Vec<String> = meant
        .iter()
        .filter(|c| !c.read.literal)
        .map(|c| {
            format!(
                "{} ({})",
                c.read.reading.abbrev,
                fmt_offset(c.read.reading.offset_s)
            )
        })
        .collect();
    in_force.dedup();
    let mut msg = format!(
        "{label} is not in force in {} on {local_date}: {} was",
        home.name(),
        in_force.join(" or ")
    );
    let mut seen = Vec::new();
    for c in meant.iter().filter(|c| c.read.literal) {
        let r = &c.read.reading;
        if seen.contains(&r.utc) {
            continue;
        }
        seen.push(r.utc);
        msg.push_str(&format!(
            "; read as {label} ({}): {}",
            fmt_offset(r.offset_s),
            clock(r.utc)
        ));
    }
    for c in meant.iter().filter(|c| !c.read.literal) {
        let r = &c.read.reading;
        if seen.contains(&r.utc) {
            continue;
        }
        seen.push(r.utc);
        msg.push_str(&format!("; read as {}: {}", r.abbrev, clock(r.utc)));
    }
    let mut f = LintFinding::new(
        FindingCode::ZoneLabelInvalid,
        Severity::Error,
        Some(m.line),
        Some(&m.text),
        msg,
    );
    if let Match::Agrees { ev, reading } | Match::Differs { ev, reading, .. } = matched {
        let c = all[*reading];
        let r = &c.read.reading;
        let name = if c.read.literal {
            format!("{label} as {}", fmt_offset(r.offset_s))
        } else {
            r.abbrev.to_string()
        };
        f.message.push_str(&format!(
            "; the logs support the {name} reading (evidence at {}, {} away)",
            clock(ev.at()),
            human::duration((r.utc - ev.at()).num_seconds().abs())
        ));
        f.evidence = Some(ev.evidence());
        if !c.read.literal {
            let local = r.utc + Duration::seconds(i64::from(r.offset_s));
            f.suggest(format!("{} {}", local.format("%H:%M"), r.abbrev));
        }
    }
    f
}

/// `date-mismatch` for dates written on their own: a date that names an
/// event must be a day with evidence (in any zone's reckoning) when there
/// is evidence a day or two away.
pub fn dates(ctx: &Ctx, out: &mut Outcome) {
    for d in &ctx.claims.dates {
        out.coverage.dates_read += 1;
        if d.field.as_deref() == Some("Date of Event") {
            continue;
        }
        // A day with evidence in UTC's reckoning or the report zone's.
        // Only events within a day more of UTC can be (a zone is less than
        // a day off): found by binary search, visited in time order.
        let tz = ctx.opts.report_zone;
        let noon = d.date.and_hms_opt(12, 0, 0).expect("noon exists").and_utc();
        let near = |days: i64| {
            let r = evidence::around(ctx.events, noon, (days + 2) * 86_400);
            ctx.events[r].iter().filter(move |e| {
                let utc = (e.at().date_naive() - d.date).num_days().abs();
                let local = (e.at().with_timezone(&tz).date_naive() - d.date)
                    .num_days()
                    .abs();
                utc.min(local) <= days
            })
        };
        if near(0).next().is_some() {
            out.coverage.dates_checked += 1;
            continue;
        }
        let Some(ev) = near(2).min_by_key(|e| (e.at().date_naive() - d.date).num_days().abs())
        else {
            continue;
        };
        out.coverage.dates_checked += 1;
        out.findings.push(date_claim_finding(d, ev));
    }
}

fn date_claim_finding(d: &DateClaim, ev: &Ev) -> LintFinding {
    let error = evidence::names_event(&d.sentence);
    let mut f = LintFinding::new(
        FindingCode::DateMismatch,
        severity(error),
        Some(d.line),
        Some(&d.text),
        format!(
            "no evidence on {}; the nearest is on {} ({}, {})",
            d.date,
            ev.at().date_naive(),
            clock(ev.at()),
            ev.summary()
        ),
    );
    f.evidence = Some(ev.evidence());
    f
}

fn trigger_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:for|lasted|lasting|lasts|duration\s+of|within|took|spanned|outage\s+of|period\s+of|total\s+of)\s+(?:a\s+)?(?:(?P<approx>about|approximately|around|roughly|nearly|almost|over|more\s+than|less\s+than|under|up\s+to)\s+)?$")
            .expect("valid")
    })
}

/// The longest time from a window's start to an event that a stated
/// duration may be.
const AFTER_START_MAX_S: i64 = 3 * 86_400;

/// Whether some interval a stated duration may be lies in `lo..=hi`
/// seconds: a window's duration, or the time from a window's start to an
/// event after it (`Within 49 minutes, 95% of our network was operating as
/// normal`), counted in whole seconds up to three days.
///
/// By binary search in the events (in time order): listing every
/// window's time to every event was windows × events entries, 590 million
/// for a flapping storm (issue 16).
fn interval_in(ctx: &Ctx, lo: i64, hi: i64) -> bool {
    ctx.analysis.windows.iter().any(|w| {
        w.duration_s.is_some_and(|d| (lo..=hi).contains(&d))
            || utc(&w.start).is_some_and(|s| {
                // Whole seconds `d` in `lo..=hi` (and `1..=MAX`) are the
                // instants in `[s + lo, s + hi + 1)`: the first event from
                // `s + lo` tells.
                let (lo, hi) = (lo.max(1), hi.min(AFTER_START_MAX_S));
                if lo > hi {
                    return false;
                }
                let from = s + Duration::seconds(lo);
                let k = ctx.events.partition_point(|e| e.at() < from);
                ctx.events.get(k).is_some_and(|e| {
                    let d = (e.at() - s).num_seconds();
                    d > 0 && d <= AFTER_START_MAX_S && (lo..=hi).contains(&d)
                })
            })
    })
}

/// `duration-mismatch` for durations stated in the text (`for 27 minutes`,
/// `Within 49 minutes`, `lasted 23 hours and 11 minutes`).
pub fn durations(ctx: &Ctx, out: &mut Outcome) {
    let any_interval = interval_in(ctx, i64::MIN, i64::MAX);
    for d in &ctx.claims.durations {
        if d.field.as_deref() == Some("Duration") {
            out.coverage.durations_read += 1;
            continue;
        }
        let at = d.sentence.find(&d.text).unwrap_or(0);
        let before = &d.sentence[..at];
        let after = d.sentence[at + d.text.len()..].trim_start();
        // A rule (`trigger = the change within 60 min before start`) or an
        // offset (`within 60 min of`) is not a stated duration.
        let relative = ["before", "after", "of", "from", "earlier", "later"]
            .iter()
            .any(|w| after.starts_with(w));
        let Some(trigger) = trigger_re().captures(before) else {
            continue;
        };
        if relative || d.sentence.contains(" = ") || quoting(&d.sentence) {
            continue;
        }
        out.coverage.durations_read += 1;
        let secs = match &d.secs {
            Ok(s) => *s,
            Err(_) => {
                out.coverage.durations_checked += 1;
                out.findings.push(too_long(d));
                continue;
            }
        };
        if !any_interval {
            continue;
        }
        out.coverage.durations_checked += 1;
        let tol = duration_tolerance(ctx, secs, trigger.name("approx").is_some());
        if interval_in(ctx, secs.saturating_sub(tol), secs.saturating_add(tol)) {
            continue;
        }
        out.findings.push(duration_finding(ctx, d, secs, tol));
    }
}

fn duration_tolerance(ctx: &Ctx, secs: i64, approx: bool) -> i64 {
    let mut tol = ctx.opts.tolerance_s;
    if secs % 3600 == 0 && secs >= 3600 {
        tol = tol.max(1800);
    }
    if approx {
        tol = tol.max(secs / 10);
    }
    tol
}

/// A duration beyond what lint reads (more than a year): never an overflow.
pub fn too_long(d: &DurationClaim) -> LintFinding {
    LintFinding::new(
        FindingCode::DurationMismatch,
        Severity::Error,
        Some(d.line),
        Some(&d.text),
        format!(
            "{} is not a plausible duration: lint reads durations up to {} days",
            d.text,
            super::dates::MAX_DURATION_S / 86_400
        ),
    )
}

fn duration_finding(ctx: &Ctx, d: &DurationClaim, secs: i64, tol: i64) -> LintFinding {
    let w = ctx
        .analysis
        .windows
        .iter()
        .filter(|w| w.duration_s.is_some())
        .min_by_key(|w| (w.duration_s.unwrap_or(0) - secs).abs());
    let error = evidence::names_event(&d.sentence);
    let msg = match w {
        Some(w) => format!(
            "{} matches no outage window and no time from a window's start to an event; the nearest window, {}, lasted {} ({} to {}); tolerance {} s",
            human::duration(secs),
            w.id,
            human::duration(w.duration_s.unwrap_or(0)),
            w.start,
            w.end.as_deref().unwrap_or("?"),
            tol
        ),
        None => format!("{} matches no time from a window's start to an event; tolerance {} s", human::duration(secs), tol),
    };
    let mut f = LintFinding::new(
        FindingCode::DurationMismatch,
        severity(error),
        Some(d.line),
        Some(&d.text),
        msg,
    );
    if let Some(w) = w {
        f.evidence = Some(w.evidence.start.clone());
        f.suggest(human::duration(w.duration_s.unwrap_or(0)));
    }
    f
}
