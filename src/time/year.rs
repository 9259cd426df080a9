//! Years for year-less sources, never from the wall clock.
//!
//! An analysis of an old bundle, and every CI fixture, must give the same
//! answer in any year. The order of evidence: `--year`, the manifest's
//! `year`, the years of dated sources in the same bundle (the closest
//! consistent year), and last the file's modification time, flagged.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The year in which the month/day pairs of a year-less source (in file
/// order) sit nearest to an instant of the dated sources: its first date is
/// placed in each candidate year and the one closest to any dated instant
/// wins. Nearest, not "inside the span": a postmortem published a year
/// later must not drag a February log into the next year. Feb 29 rules out
/// common years; ties go to the earlier year, so the answer is deterministic.
pub fn closest_year(days: &[(u32, u32)], dated: &[DateTime<Utc>]) -> Option<i32> {
    let &(month, day) = days.first()?;
    let mut years: Vec<i32> = dated
        .iter()
        .flat_map(|t| [t.year() - 1, t.year(), t.year() + 1])
        .collect();
    years.sort();
    years.dedup();
    let mut best: Option<(i64, i32)> = None;
    for y in years {
        if days
            .iter()
            .any(|&(m, d)| m == 2 && d == 29 && NaiveDate::from_ymd_opt(y, 2, 29).is_none())
        {
            continue;
        }
        let Some(date) = NaiveDate::from_ymd_opt(y, month, day) else {
            continue;
        };
        let noon = date.and_hms_opt(12, 0, 0).expect("noon exists").and_utc();
        let dist = dated
            .iter()
            .map(|t| (*t - noon).num_seconds().abs())
            .min()?;
        if best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, y));
        }
    }
    best.map(|(_, y)| y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn span(a: &str, b: &str) -> Vec<DateTime<Utc>> {
        vec![t(a), t(b)]
    }

    #[test]
    fn same_year_as_dated_sources() {
        let s = span("2017-02-23T03:00:00Z", "2017-02-23T05:00:00Z");
        assert_eq!(closest_year(&[(2, 22)], &s), Some(2017));
    }

    #[test]
    fn a_late_postmortem_does_not_move_the_year() {
        let s = span("2017-02-23T03:00:00Z", "2018-08-03T17:33:00Z");
        assert_eq!(closest_year(&[(2, 22)], &s), Some(2017));
    }

    #[test]
    fn new_years_eve_local_against_january_utc() {
        // Dated monitoring starts 2017-01-01 UTC; a Chicago syslog starts Dec 31 local.
        let s = span("2017-01-01T04:00:00Z", "2017-01-01T08:00:00Z");
        assert_eq!(closest_year(&[(12, 31), (1, 1)], &s), Some(2016));
    }

    #[test]
    fn feb_29_forces_a_leap_year() {
        let s = span("2017-03-01T00:00:00Z", "2017-03-02T00:00:00Z");
        // 2017 and 2018 have no Feb 29; 2016 is the only leap year in range.
        assert_eq!(closest_year(&[(2, 29)], &s), Some(2016));
        // From 2019 the nearest leap year is 2020, not 2016.
        let s = span("2019-06-01T00:00:00Z", "2019-06-02T00:00:00Z");
        assert_eq!(closest_year(&[(2, 29)], &s), Some(2020));
    }
}
