//! Clock times in a line, in every form postmortems use: `22:52`,
//! `22:52:07.120`, `1509 UTC`, `22:52Z`, `2018-10-21T22:52:00Z`,
//! `22:52 (UTC)`, `15:52 UTC-7`, `3:52 PM PT`, `6pm`, `9:37AM PST`,
//! `06:48 US/Pacific`, and both ends of `22:52–22:54 UTC`.
//!
//! A bare `HHMM` is a time only with a zone after it (`1509 UTC`), an hour
//! alone only with `am`/`pm` (`6pm`); a bare `H:MM` is kept without a zone
//! for the context to supply one.

use super::zone::{self, Zone};
use chrono::NaiveTime;
use regex::Regex;
use std::sync::OnceLock;

/// How precisely a time is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Second,
    Minute,
    Hour,
}

/// One time as written in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSpan {
    pub start: usize,
    pub end: usize,
    pub time: NaiveTime,
    pub precision: Precision,
    /// The zone written with it, if any.
    pub zone: Option<Zone>,
    /// Written with a 12-hour clock.
    pub twelve: bool,
    /// Preceded by `around`, `approximately`, `~`, `about`.
    pub approx: bool,
}

fn time_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?P<h>[0-9]{1,2})
            (?:
               :(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,][0-9]{1,9})?)?
             | (?P<mm>[0-9]{2})
            )?",
        )
        .expect("valid")
    })
}

fn ampm_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\s?([AaPp])\.?\s?[Mm]\b\.?").expect("valid"))
}

fn approx_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)(?:around|approximately|approx\.?|about|roughly|circa|~)\s*(?:at\s+)?$")
            .expect("valid")
    })
}

/// Every time written in `line`.
pub fn scan(line: &str) -> Vec<TimeSpan> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    for c in time_re().captures_iter(line) {
        let m = c.get(0).expect("match");
        // Part of a longer token: a version, a path, a number, a word.
        let prev = line[..m.start()].chars().next_back();
        let iso_t =
            prev == Some('T') && line[..m.start() - 1].ends_with(|c: char| c.is_ascii_digit());
        if !iso_t && prev.is_some_and(|p| p.is_ascii_alphanumeric() || ".:/_,$#".contains(p)) {
            continue;
        }
        // An offset (`UTC+00:00`, `GMT-05:00`), not a time.
        if matches!(prev, Some('+' | '−'))
            || (prev == Some('-')
                && line[..m.start() - 1].ends_with(|c: char| c.is_ascii_alphabetic()))
        {
            continue;
        }
        if prev == Some('-') {
            // `2018-10-21`: part of a date, unless a range (`22:52-22:54`).
            let before = &line[..m.start() - 1];
            if before.ends_with(|c: char| c.is_ascii_digit()) && c.name("m").is_none() {
                continue;
            }
        }
        let next = bytes.get(m.end()).copied();
        if next.is_some_and(|n| n.is_ascii_digit() || n == b'%')
            || (next == Some(b'.') && bytes.get(m.end() + 1).is_some_and(u8::is_ascii_digit))
            || (next == Some(b':') && bytes.get(m.end() + 1).is_some_and(u8::is_ascii_digit))
        {
            continue;
        }
        if let Some(t) = one(line, &c) {
            out.push(t);
        }
    }
    out
}

fn one(line: &str, c: &regex::Captures) -> Option<TimeSpan> {
    let m = c.get(0).expect("match");
    let mut h: u32 = c["h"].parse().ok()?;
    let (min, precision, sec) = match (c.name("m"), c.name("mm")) {
        (Some(mm), _) => {
            let s = c.name("s").and_then(|s| s.as_str().parse().ok());
            let p = if s.is_some() {
                Precision::Second
            } else {
                Precision::Minute
            };
            (mm.as_str().parse().ok()?, p, s.unwrap_or(0))
        }
        (None, Some(mm)) => (mm.as_str().parse().ok()?, Precision::Minute, 0),
        (None, None) => (0, Precision::Hour, 0),
    };
    let mut end = m.end();
    let compact = c.name("mm").is_some();
    if compact && c["h"].len() != 2 {
        return None;
    }
    let ampm = ampm_re().captures(&line[end..]);
    let twelve = ampm.is_some();
    if let Some(a) = &ampm {
        if !(1..=12).contains(&h) || compact {
            return None;
        }
        let pm = a[1].eq_ignore_ascii_case("p");
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        end += a[0].len();
    } else if precision == Precision::Hour {
        return None;
    }
    let zone = zone::parse_at(&line[end..], !twelve && !compact).map(|(z, len)| {
        end += len;
        z
    });
    if compact && zone.is_none() {
        return None;
    }
    let time = NaiveTime::from_hms_opt(h, min, sec)?;
    Some(TimeSpan {
        start: m.start(),
        end,
        time,
        precision,
        zone,
        twelve,
        approx: approx_re().is_match(&line[..m.start()]),
    })
}

/// The text between two times that makes them a range (`–`, `-`, `to`,
/// `and`, `until`, `through`): the first takes the second's zone.
pub fn is_range_gap(gap: &str) -> bool {
    matches!(
        gap.trim().to_ascii_lowercase().as_str(),
        "-" | "–" | "—" | "to" | "and" | "until" | "till" | "through" | "thru" | "->" | "→"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(s: &str) -> Vec<String> {
        scan(s)
            .iter()
            .map(|t| {
                format!(
                    "{} {}{}",
                    t.time.format("%H:%M:%S"),
                    t.zone
                        .as_ref()
                        .map(zone::name)
                        .unwrap_or_else(|| "-".into()),
                    if t.approx { " ~" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn every_form() {
        assert_eq!(times("At 1509 UTC we"), vec!["15:09:00 UTC"]);
        assert_eq!(times("at 22:52Z."), vec!["22:52:00 UTC"]);
        assert_eq!(times("2018-10-21T22:52:00Z"), vec!["22:52:00 UTC"]);
        assert_eq!(times("at 22:52 (UTC),"), vec!["22:52:00 UTC"]);
        assert_eq!(times("15:52 UTC-7"), vec!["15:52:00 UTC-07:00"]);
        assert_eq!(times("23:52 GMT+1"), vec!["23:52:00 UTC+01:00"]);
        assert_eq!(times("3:52 PM PT"), vec!["15:52:00 America/Los_Angeles"]);
        assert_eq!(times("3:52 p.m. PDT"), vec!["15:52:00 PDT"]);
        assert_eq!(times("9:37AM PST,"), vec!["09:37:00 PST"]);
        assert_eq!(times("At 2017/01/31 6pm UTC"), vec!["18:00:00 UTC"]);
        assert_eq!(
            times("12:01am Pacific Time"),
            vec!["00:01:00 America/Los_Angeles"]
        );
        assert_eq!(
            times("03:46 to 05:33 US/Pacific"),
            vec!["03:46:00 -", "05:33:00 US/Pacific"]
        );
        assert_eq!(times("22:52–22:54 UTC"), vec!["22:52:00 -", "22:54:00 UTC"]);
        assert_eq!(
            times("around 10 a.m. ET"),
            vec!["10:00:00 America/New_York ~"]
        );
        assert_eq!(times("09:47 Initial onset"), vec!["09:47:00 -"]);
        assert_eq!(
            times("in-line UTC+00:00 and UTC-05:00"),
            Vec::<String>::new()
        );
        assert_eq!(
            times("HTTP/1.1 200 OK 0.204 second v3.7.0 2018 October 85% 1:1000"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn ranges() {
        assert!(is_range_gap(" – "));
        assert!(is_range_gap(" to "));
        assert!(!is_range_gap(", then at "));
    }
}
