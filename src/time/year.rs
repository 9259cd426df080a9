//! Years for year-less sources, never from the wall clock.
//!
//! An analysis of an old bundle, and every CI fixture, must give the same
//! answer in any year. The order of evidence: `--year`, the manifest's
//! `year`, the years of dated sources in the same bundle (the closest
//! consistent year), and last the file's modification time, flagged.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The span of instants that dated sources of the bundle cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedSpan {
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

impl DatedSpan {
    pub fn extend(span: Option<DatedSpan>, t: DateTime<Utc>) -> DatedSpan {
        match span {
            None => DatedSpan { first: t, last: t },
            Some(s) => DatedSpan {
                first: s.first.min(t),
                last: s.last.max(t),
            },
        }
    }
}

/// The year in which the month/day pairs of a year-less source (in file
/// order) sit closest to `span`. Feb 29 rules out common years. Ties go to
/// the earlier year, so the answer is deterministic.
pub fn closest_year(days: &[(u32, u32)], span: DatedSpan) -> Option<i32> {
    let &(month, day) = days.first()?;
    let lo = span.first.year() - 1;
    let hi = span.last.year() + 1;
    let mut best: Option<(i64, i32)> = None;
    for y in lo..=hi {
        if days
            .iter()
            .any(|&(m, d)| m == 2 && d == 29 && NaiveDate::from_ymd_opt(y, 2, 29).is_none())
        {
            continue;
        }
        let Some(date) = NaiveDate::from_ymd_opt(y, month, day) else {
            continue;
        };
        let dist = distance_days(date, span);
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, y));
        }
    }
    best.map(|(_, y)| y)
}

fn distance_days(date: NaiveDate, span: DatedSpan) -> i64 {
    let (a, b) = (span.first.date_naive(), span.last.date_naive());
    if date < a {
        (a - date).num_days()
    } else if date > b {
        (date - b).num_days()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn span(a: &str, b: &str) -> DatedSpan {
        DatedSpan {
            first: t(a),
            last: t(b),
        }
    }

    #[test]
    fn same_year_as_dated_sources() {
        let s = span("2017-02-23T03:00:00Z", "2017-02-23T05:00:00Z");
        assert_eq!(closest_year(&[(2, 22)], s), Some(2017));
    }

    #[test]
    fn new_years_eve_local_against_january_utc() {
        // Dated monitoring starts 2017-01-01 UTC; a Chicago syslog starts Dec 31 local.
        let s = span("2017-01-01T04:00:00Z", "2017-01-01T08:00:00Z");
        assert_eq!(closest_year(&[(12, 31), (1, 1)], s), Some(2016));
    }

    #[test]
    fn feb_29_forces_a_leap_year() {
        let s = span("2017-03-01T00:00:00Z", "2017-03-02T00:00:00Z");
        // 2017 and 2018 have no Feb 29; 2016 is the only leap year in range.
        assert_eq!(closest_year(&[(2, 29)], s), Some(2016));
        // From 2019 the nearest leap year is 2020, not 2016.
        let s = span("2019-06-01T00:00:00Z", "2019-06-02T00:00:00Z");
        assert_eq!(closest_year(&[(2, 29)], s), Some(2020));
    }
}
