//! Reading any Markdown or plain-text postmortem into claims: every time
//! mention with its zone and date, every date, every duration, the RFO
//! header fields when there are some, and placeholders.
//!
//! A time takes the zone written with it, else its range partner's
//! (`22:52–22:54 UTC`), else its table column's (`Time (PST)`), else its
//! heading's (`## Timeline (UTC)`), else the last "all times are in X"
//! statement, else (RFO form only) the report zone. A time with none of
//! these is counted as unzoned and not checked. A time's date is the one
//! written with it, else the nearest date written before it.

use super::context::{self, Layout};
use super::dates::{self, DateSpan};
use super::scan::{self, Precision, TimeSpan};
use super::zone::Zone;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use regex::Regex;
use std::sync::OnceLock;

/// Header fields an RFO must state, in the seed's order.
pub const FIELDS: &[&str] = &[
    "Date of Event",
    "Event Start",
    "Event End",
    "Duration",
    "Affected Devices",
    "Master Ticket",
    "Service Impact",
    "Root Cause",
];

/// One `**Field:** value` occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
    /// 1-based line in the report.
    pub line: usize,
    /// Byte range of the value in its line.
    pub span: (usize, usize),
}

/// Where a mention's zone came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneFrom {
    Written,
    Range,
    Column,
    Heading,
    Statement,
    Report,
    /// The report's only written zone.
    Sole,
}

/// A clock time, as written, with its zone and date context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub text: String,
    pub line: usize,
    pub start: usize,
    pub time: NaiveTime,
    pub precision: Precision,
    pub approx: bool,
    pub zone: Zone,
    pub zone_from: ZoneFrom,
    /// The date written with it (or with its range partner).
    pub date: Option<NaiveDate>,
    /// The nearest date written before it, when it has none of its own.
    pub context_date: Option<NaiveDate>,
    /// The sentence (or list item, or table row) it is in.
    pub sentence: String,
    /// The RFO header field it is the value of.
    pub field: Option<String>,
}

/// A date written on its own (not as part of a time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateClaim {
    pub text: String,
    pub line: usize,
    pub date: NaiveDate,
    pub sentence: String,
    pub field: Option<String>,
}

/// A stated duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationClaim {
    pub text: String,
    pub line: usize,
    /// Seconds, or the text when it is beyond what lint reads.
    pub secs: Result<i64, String>,
    pub sentence: String,
    pub field: Option<String>,
}

/// A placeholder or TODO marker left in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub text: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Claims {
    pub fields: Vec<Field>,
    pub mentions: Vec<Mention>,
    pub dates: Vec<DateClaim>,
    pub durations: Vec<DurationClaim>,
    pub placeholders: Vec<Placeholder>,
    /// Times written with no zone and none from the context.
    pub unzoned: usize,
}

impl Claims {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The first time mention inside a header field's value.
    pub fn field_mention(&self, name: &str) -> Option<&Mention> {
        self.mentions.iter().find(|m| {
            m.field
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case(name))
        })
    }
}

/// What the reader needs besides the text.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The zone of bare times in an RFO (`None`: bare times need a context).
    pub default_zone: Option<Zone>,
    /// The year of year-less dates written before any year.
    pub year: i32,
}

fn field_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\*\*([A-Za-z][A-Za-z ]{1,40}?):\*\*\s*([^*]*)").expect("valid"))
}

fn placeholder_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\[TO BE WRITTEN[^\]]*\]|\b(?:TODO|TBD|XXX)\b").expect("valid"))
}

/// Whether the report is written in the RFO form: two or more header
/// fields among its first 15 lines.
pub fn is_rfo_form(text: &str) -> bool {
    let head: Vec<&str> = text.lines().take(15).collect();
    let fields = read_fields(&head.join("\n"));
    fields.len() >= 2
}

fn read_fields(text: &str) -> Vec<Field> {
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        for cap in field_re().captures_iter(line) {
            let name = cap[1].trim().to_string();
            if FIELDS.iter().any(|f| f.eq_ignore_ascii_case(&name)) {
                let v = cap.get(2).expect("value");
                out.push(Field {
                    name,
                    value: v.as_str().trim().to_string(),
                    line: k + 1,
                    span: (v.start(), v.end()),
                });
            }
        }
    }
    out
}

/// Read the claims of a report.
pub fn read(text: &str, opts: &ReadOptions) -> Claims {
    let mut c = Claims {
        fields: read_fields(text),
        ..Claims::default()
    };
    let lines: Vec<&str> = text.lines().collect();
    // A time alone on its line (`### 2018 October 21 22:52 UTC`) is
    // described by the next non-empty line.
    let described = |k: usize, sentence: String| -> String {
        if !super::evidence::words(&sentence).is_empty() {
            return sentence;
        }
        let next = lines[k + 1..].iter().find(|l| !l.trim().is_empty());
        next.map_or(sentence, |l| format!("{} {}", l.trim(), ""))
            .trim()
            .to_string()
    };
    let mut layout = Layout::default();
    let mut last_date: Option<NaiveDate> = None;
    for (k, line) in lines.iter().enumerate() {
        let n = k + 1;
        layout.advance(line, lines.get(k + 1).copied());
        for m in placeholder_re().find_iter(line) {
            c.placeholders.push(Placeholder {
                text: m.as_str().to_string(),
                line: n,
            });
        }
        let field = |pos: usize| {
            c.fields
                .iter()
                .find(|f| f.line == n && f.span.0 <= pos && pos < f.span.1.max(f.span.0 + 1))
                .map(|f| f.name.clone())
        };
        let year = last_date.map_or(opts.year, |d| d.year());
        let dates = dates::scan(line);
        // A year after a date (`November 9, 2021 UTC`) is not `20:21 UTC`.
        let times: Vec<TimeSpan> = scan::scan(line)
            .into_iter()
            .filter(|t| !dates.iter().any(|d| d.start < t.end && t.start < d.end))
            .collect();
        let attached = attach(line, &dates, &times);
        let sentences = context::sentences(line, &times);
        // Dates written on their own.
        for (i, d) in dates.iter().enumerate() {
            let Some(date) = d.date(year) else { continue };
            if !attached.contains(&Some(i)) {
                c.dates.push(DateClaim {
                    text: line[d.start..d.end].to_string(),
                    line: n,
                    date,
                    sentence: context::sentence_at(line, &sentences, d.start),
                    field: field(d.start),
                });
            }
        }
        let mut ctx_date = last_date;
        let zones = layout.zones_for(line, &times, opts.default_zone.as_ref());
        let mut dated: Vec<Option<NaiveDate>> = attached
            .iter()
            .map(|a| a.and_then(|i| dates[i].date(year)))
            .collect();
        ranges(line, &times, &mut dated);
        for (i, t) in times.iter().enumerate() {
            // The nearest date written before this time, in this line too.
            if let Some(d) = dates.iter().rfind(|d| d.end <= t.start) {
                ctx_date = d.date(year).or(ctx_date);
            }
            let (zone, from) = zones[i]
                .clone()
                .unwrap_or((Zone::Offset(0), ZoneFrom::Sole));
            c.mentions.push(Mention {
                text: line[t.start..t.end].to_string(),
                line: n,
                start: t.start,
                time: t.time,
                precision: t.precision,
                approx: t.approx,
                zone,
                zone_from: from,
                date: dated[i],
                context_date: if dated[i].is_some() { None } else { ctx_date },
                sentence: described(k, context::sentence_at(line, &sentences, t.start)),
                field: field(t.start),
            });
        }
        if let Some(d) = dates.iter().rev().find_map(|d| d.date(year)) {
            last_date = Some(d);
        }
        for d in dates::durations(line) {
            if times.iter().any(|t| t.start <= d.start && d.start < t.end) {
                continue;
            }
            c.durations.push(DurationClaim {
                text: line[d.start..d.end].to_string(),
                line: n,
                secs: d.secs,
                sentence: context::sentence_at(line, &sentences, d.start),
                field: field(d.start),
            });
        }
    }
    sole_zone(&mut c);
    c
}

/// Times with no zone from their context take the report's only written
/// zone when every written time states the same one (`from 6:48 - 7:42`
/// in a report whose every other time says `US/Pacific`); otherwise they
/// are counted as unzoned and dropped.
fn sole_zone(c: &mut Claims) {
    let mut written = c
        .mentions
        .iter()
        .filter(|m| m.zone_from != ZoneFrom::Sole)
        .map(|m| &m.zone);
    let first = written.next().cloned();
    let sole = first.filter(|z| written.all(|w| w == z));
    let before = c.mentions.len();
    match sole {
        Some(z) => {
            for m in c
                .mentions
                .iter_mut()
                .filter(|m| m.zone_from == ZoneFrom::Sole)
            {
                m.zone = z.clone();
            }
        }
        None => c.mentions.retain(|m| m.zone_from != ZoneFrom::Sole),
    }
    c.unzoned += before - c.mentions.len();
}

/// For each time, the index of the date written with it: just before
/// (`2018 October 21 22:52`, `2018-10-21T22:52`) or just after (`9:37AM
/// PST on February 28th, 2017`).
fn attach(line: &str, dates: &[DateSpan], times: &[TimeSpan]) -> Vec<Option<usize>> {
    static BEFORE: OnceLock<Regex> = OnceLock::new();
    static AFTER: OnceLock<Regex> = OnceLock::new();
    let before = BEFORE.get_or_init(|| {
        Regex::new(
            r"(?i)^[\sT,]*(?:(?:at|from|starting|beginning|around|approximately|about|-|@)\s*)*$",
        )
        .expect("valid")
    });
    let after = AFTER.get_or_init(|| {
        Regex::new(r"(?i)^\s*,?\s*(?:on\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?(?:the\s+)?$")
            .expect("valid")
    });
    let mut used = vec![false; dates.len()];
    times
        .iter()
        .map(|t| {
            let i = dates.iter().enumerate().position(|(i, d)| {
                !used[i]
                    && ((d.end <= t.start && before.is_match(&line[d.end..t.start]))
                        || (t.end <= d.start && after.is_match(&line[t.end..d.start])))
            })?;
            used[i] = true;
            Some(i)
        })
        .collect()
}

/// Both ends of a range share a date: a date written after the end is the
/// range's; an end earlier than its start is on the next day.
fn ranges(line: &str, times: &[TimeSpan], dated: &mut [Option<NaiveDate>]) {
    for i in 0..times.len().saturating_sub(1) {
        let (a, b) = (&times[i], &times[i + 1]);
        if !scan::is_range_gap(&line[a.end..b.start]) {
            continue;
        }
        match (dated[i], dated[i + 1]) {
            (None, Some(d)) => {
                dated[i] = Some(d);
                if b.time < a.time {
                    dated[i + 1] = Some(d + Duration::days(1));
                }
            }
            (Some(d), None) => {
                dated[i + 1] = Some(if b.time < a.time {
                    d + Duration::days(1)
                } else {
                    d
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ReadOptions {
        ReadOptions {
            default_zone: None,
            year: 2018,
        }
    }

    fn got(text: &str) -> Vec<String> {
        read(text, &opts())
            .mentions
            .iter()
            .map(|m| {
                format!(
                    "{} {} {:?} {:?} {}",
                    m.line,
                    m.time.format("%H:%M"),
                    m.zone_from,
                    m.date.or(m.context_date).map(|d| d.to_string()),
                    super::super::zone::name(&m.zone)
                )
            })
            .collect()
    }

    #[test]
    fn fields_on_lines_and_run_together() {
        let c = read("**Date of Event:** February 22, 2017\n#Reason **Event Start:** 21:56 CDT **Event End:** 22:23 CDT **Duration:** 27 minutes\n", &opts());
        let got: Vec<(&str, &str, usize)> = c
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str(), f.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Date of Event", "February 22, 2017", 1),
                ("Event Start", "21:56 CDT", 2),
                ("Event End", "22:23 CDT", 2),
                ("Duration", "27 minutes", 2)
            ]
        );
        assert_eq!(c.field_mention("Event End").unwrap().text, "22:23 CDT");
    }

    #[test]
    fn context_from_statements_headings_tables_and_ranges() {
        let text = "\
# Incident on 2 Apr 2021

Timeline (all times are in PDT):

- 09:47 onset
- 22:52–22:54 UTC: blip

## Timeline (UTC)

- 23:10 later

| Time (PST) | Event |
|---|---|
| 10:01 | row |

## Other

Outside 11:11 with nothing.
";
        assert_eq!(
            got(text),
            vec![
                "5 09:47 Statement Some(\"2021-04-02\") PDT",
                "6 22:52 Range Some(\"2021-04-02\") UTC",
                "6 22:54 Written Some(\"2021-04-02\") UTC",
                "10 23:10 Heading Some(\"2021-04-02\") UTC",
                "14 10:01 Column Some(\"2021-04-02\") PST",
                "18 11:11 Statement Some(\"2021-04-02\") PDT",
            ]
        );
    }

    #[test]
    fn dates_attach_before_and_after_and_ranges_roll_over() {
        let text = "At 9:37AM PST on February 28th, 2017, a command ran.\n\
                    Lost between 17:20 and 00:00 UTC on January 31.\n\
                    2018 October 22 11:12 UTC — primaries established.";
        assert_eq!(
            got(text),
            vec![
                "1 09:37 Written Some(\"2017-02-28\") PST",
                "2 17:20 Range Some(\"2017-01-31\") UTC",
                "2 00:00 Written Some(\"2017-02-01\") UTC",
                "3 11:12 Written Some(\"2018-10-22\") UTC",
            ]
        );
    }

    #[test]
    fn placeholders() {
        let c = read(
            "**Resolution:** [TO BE WRITTEN: resolution]\nTODO: ask\nTODOS are fine; XXX not",
            &opts(),
        );
        let got: Vec<(&str, usize)> = c
            .placeholders
            .iter()
            .map(|p| (p.text.as_str(), p.line))
            .collect();
        assert_eq!(
            got,
            vec![("[TO BE WRITTEN: resolution]", 1), ("TODO", 2), ("XXX", 3)]
        );
    }

    #[test]
    fn rfo_form_is_the_header_at_the_top() {
        assert!(is_rfo_form(
            "# RFO\n**Date of Event:** x\n**Event Start:** y\n"
        ));
        assert!(!is_rfo_form("# Postmortem\n**Date:** x\n"));
    }
}
