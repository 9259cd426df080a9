//! Dates and durations as people write them in postmortems.
//!
//! Dates: `2018-10-21`, `2017/01/31`, `2018 October 21`, `February 28th,
//! 2017`, `Jun 06, 2019`, `2 Apr 2021`, `08 April, 2020`, and year-less
//! `June 8` (the year comes from the context). Durations: `27 minutes`,
//! `23 hours and 11 minutes`, `1 hour 24 minutes`, `27 min 11 s`, `17m`,
//! bounded so that no stated number can overflow.

use chrono::NaiveDate;
use regex::Regex;
use std::sync::OnceLock;

/// A date found in a line: where, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateSpan {
    pub start: usize,
    pub end: usize,
    pub month: u32,
    pub day: u32,
    /// `None` when written without a year.
    pub year: Option<i32>,
}

impl DateSpan {
    /// The date, with `year` for a year-less one.
    pub fn date(&self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year.unwrap_or(year), self.month, self.day)
    }
}

const MONTH: &str = r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

fn date_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let pat = r"(?x)
            \b(?P<iy>[0-9]{4})-(?P<im>[0-9]{2})-(?P<id>[0-9]{2})
          | \b(?P<sy>[0-9]{4})/(?P<sm>[0-9]{1,2})/(?P<sd>[0-9]{1,2})\b
          | \b(?P<yy>[0-9]{4})\s+(?P<ym>MONTH)\.?\s+(?P<yd>[0-9]{1,2})(?:st|nd|rd|th)?\b
          | \b(?P<mm>MONTH)\.?\s+(?P<md>[0-9]{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<my>[0-9]{4})\b)?
          | \b(?P<dd>[0-9]{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>MONTH)\b\.?(?:,?\s+(?P<dy>[0-9]{4})\b)?
        "
        .replace("MONTH", MONTH);
        Regex::new(&pat).expect("valid")
    })
}

/// Month number of a written month name.
fn month(s: &str) -> Option<u32> {
    crate::time::stamp::month_abbr(&s[..3.min(s.len())])
        .ok()
        .map(|(_, m)| m)
}

/// Every date written in `line`, in order.
pub fn scan(line: &str) -> Vec<DateSpan> {
    let mut out = Vec::new();
    for c in date_re().captures_iter(line) {
        let whole = c.get(0).expect("match");
        let num = |n: &str| c.name(n).and_then(|m| m.as_str().parse::<i64>().ok());
        let (y, m, d) = if let Some(y) = num("iy") {
            (Some(y), num("im"), num("id"))
        } else if let Some(y) = num("sy") {
            (Some(y), num("sm"), num("sd"))
        } else if let Some(y) = num("yy") {
            (
                Some(y),
                c.name("ym").and_then(|m| month(m.as_str())).map(i64::from),
                num("yd"),
            )
        } else if let Some(m) = c.name("mm") {
            (num("my"), month(m.as_str()).map(i64::from), num("md"))
        } else {
            let m = c.name("dm").and_then(|m| month(m.as_str())).map(i64::from);
            (num("dy"), m, num("dd"))
        };
        let (Some(m), Some(d)) = (m, d) else { continue };
        let year = y.and_then(|y| i32::try_from(y).ok());
        if year.is_some_and(|y| !(1970..=2100).contains(&y)) {
            continue;
        }
        let span = DateSpan {
            start: whole.start(),
            end: whole.end(),
            month: m as u32,
            day: d as u32,
            year,
        };
        // Reject impossible dates (`February 30`) but keep a year-less one
        // that exists in a leap year.
        if span.date(year.unwrap_or(2000)).is_some() {
            out.push(span);
        }
    }
    out
}

/// The longest duration lint reads: a year. Anything longer is not an
/// incident's duration, and larger numbers would overflow.
pub const MAX_DURATION_S: i64 = 366 * 24 * 3600;

/// A duration found in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationSpan {
    pub start: usize,
    pub end: usize,
    /// Seconds; `Err` with the text when the number is beyond `MAX_DURATION_S`.
    pub secs: Result<i64, String>,
}

fn duration_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)\b([0-9]{1,30})\s*(days?|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b",
        )
        .expect("valid")
    })
}

fn unit_secs(unit: &str) -> i64 {
    match unit.to_ascii_lowercase().as_bytes().first() {
        Some(b'd') => 86_400,
        Some(b'h') => 3600,
        Some(b'm') => 60,
        _ => 1,
    }
}

/// Every duration in `line`: runs of `N unit` joined by blanks, commas or
/// `and` (`23 hours and 11 minutes` is one duration).
pub fn durations(line: &str) -> Vec<DurationSpan> {
    let mut out: Vec<DurationSpan> = Vec::new();
    let mut open: Option<(usize, usize, Option<i64>)> = None;
    for c in duration_re().captures_iter(line) {
        let m = c.get(0).expect("match");
        // A time (`22:52`) or a version (`1.5m`) is not a duration.
        let before = &line[..m.start()];
        if before.ends_with([':', '.', '/']) {
            continue;
        }
        let n = c[1].parse::<i64>().ok();
        let secs = n.and_then(|n| n.checked_mul(unit_secs(&c[2])));
        if let Some((s, e, total)) = open {
            let gap = line[e..m.start()].trim();
            if gap.is_empty() || gap == "," || gap.eq_ignore_ascii_case("and") || gap == ", and" {
                let total = match (total, secs) {
                    (Some(a), Some(b)) => a.checked_add(b),
                    _ => None,
                };
                open = Some((s, m.end(), total));
                continue;
            }
            out.push(close(line, s, e, total));
        }
        open = Some((m.start(), m.end(), secs));
    }
    if let Some((s, e, total)) = open {
        out.push(close(line, s, e, total));
    }
    out
}

fn close(line: &str, start: usize, end: usize, total: Option<i64>) -> DurationSpan {
    let secs = match total {
        Some(t) if t <= MAX_DURATION_S => Ok(t),
        _ => Err(line[start..end].to_string()),
    };
    DurationSpan { start, end, secs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(s: &str) -> Vec<String> {
        scan(s)
            .iter()
            .map(|d| match d.year {
                Some(_) => d.date(0).unwrap().to_string(),
                None => format!("--{:02}-{:02}", d.month, d.day),
            })
            .collect()
    }

    #[test]
    fn written_dates() {
        assert_eq!(dates("2018 October 21 22:52 UTC"), vec!["2018-10-21"]);
        assert_eq!(dates("At 2017/01/31 6pm UTC"), vec!["2017-01-31"]);
        assert_eq!(
            dates("the morning of February 28th, 2017."),
            vec!["2017-02-28"]
        );
        assert_eq!(dates("on 2 Apr 2021 we"), vec!["2021-04-02"]);
        assert_eq!(
            dates("Wednesday 08 April, 2020 beginning"),
            vec!["2020-04-08"]
        );
        assert_eq!(dates("Early June 8, a customer"), vec!["--06-08"]);
        assert_eq!(dates("2018-10-21T22:52:00Z"), vec!["2018-10-21"]);
        assert_eq!(dates("Jun 06, 2019 09:42"), vec!["2019-06-06"]);
        assert_eq!(
            dates("users may be 30 minutes late; HTTP/1.1 200"),
            Vec::<String>::new()
        );
        assert_eq!(dates("February 30, 2017"), Vec::<String>::new());
    }

    fn secs(s: &str) -> Vec<Result<i64, String>> {
        durations(s).into_iter().map(|d| d.secs).collect()
    }

    #[test]
    fn written_durations() {
        assert_eq!(secs("for 27 minutes"), vec![Ok(1620)]);
        assert_eq!(secs("24 hours and 11 minutes"), vec![Ok(87060)]);
        assert_eq!(secs("1 hour 24 minutes"), vec![Ok(5040)]);
        assert_eq!(secs("27 min 11 s (1631 s)"), vec![Ok(1631), Ok(1631)]);
        assert_eq!(secs("at 22:52 for 3 h"), vec![Ok(10800)]);
        assert_eq!(
            secs("Duration: 2562047788015216 hours"),
            vec![Err("2562047788015216 hours".into())]
        );
        assert_eq!(
            secs("999999999999999999999999 s"),
            vec![Err("999999999999999999999999 s".into())]
        );
    }
}
