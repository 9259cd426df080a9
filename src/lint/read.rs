//! Reading an RFO into claims: the header fields (`**Field:** value`, on
//! their own lines or run together as on a status page), every time mention
//! with its zone label, stated durations and dates, and placeholders. It
//! reads Markdown as text; it never needs the report to be our own.

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
}

/// A clock time with a zone label, as written (`21:56 CDT`, `2017-02-22 21:56:03 CST`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub text: String,
    pub line: usize,
    pub date: Option<chrono::NaiveDate>,
    pub hour: u32,
    pub minute: u32,
    pub second: Option<u32>,
    pub label: String,
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
    pub placeholders: Vec<Placeholder>,
}

impl Claims {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

fn field_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\*\*([A-Za-z][A-Za-z ]{1,40}?):\*\*\s*([^*]*)").expect("valid"))
}

fn mention_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?:(?P<date>\d{4}-\d{2}-\d{2})[\x20T])?
            \b(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?
            (?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?)?
            \s+(?P<label>[A-Z]{2,5})\b",
        )
        .expect("valid")
    })
}

fn placeholder_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\[TO BE WRITTEN[^\]]*\]|\b(?:TODO|TBD|XXX)\b").expect("valid"))
}

/// Read the claims of a report.
pub fn read(text: &str) -> Claims {
    let mut c = Claims::default();
    for (k, line) in text.lines().enumerate() {
        let n = k + 1;
        for cap in field_re().captures_iter(line) {
            let name = cap[1].trim().to_string();
            if FIELDS.iter().any(|f| f.eq_ignore_ascii_case(&name)) {
                c.fields.push(Field {
                    name,
                    value: cap[2].trim().to_string(),
                    line: n,
                });
            }
        }
        for cap in mention_re().captures_iter(line) {
            if let Some(m) = mention(&cap, n) {
                c.mentions.push(m);
            }
        }
        for m in placeholder_re().find_iter(line) {
            c.placeholders.push(Placeholder {
                text: m.as_str().to_string(),
                line: n,
            });
        }
    }
    c
}

fn mention(cap: &regex::Captures, line: usize) -> Option<Mention> {
    let label = cap["label"].to_string();
    // Only labels that are zone names: a known abbreviation or UTC/GMT.
    if crate::time::abbrev::meanings(&label).is_empty() {
        return None;
    }
    let mut hour: u32 = cap["h"].parse().ok()?;
    let minute: u32 = cap["m"].parse().ok()?;
    if let Some(ampm) = cap.name("ampm") {
        let pm = ampm.as_str().eq_ignore_ascii_case("p");
        hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    Some(Mention {
        text: cap[0].to_string(),
        line,
        date: cap
            .name("date")
            .and_then(|d| chrono::NaiveDate::parse_from_str(d.as_str(), "%Y-%m-%d").ok()),
        hour,
        minute,
        second: cap.name("s").and_then(|s| s.as_str().parse().ok()),
        label,
    })
}

/// A stated duration in seconds (see `time::span::parse`).
pub fn duration(text: &str) -> Option<i64> {
    crate::time::span::parse(text)
}

/// A stated date: `February 22, 2017`, `Feb 22, 2017`, `22 February 2017`,
/// `2017-02-22`. The first date in the text.
pub fn date(text: &str) -> Option<chrono::NaiveDate> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?P<iso>\d{4}-\d{2}-\d{2})
            | (?P<mon1>[A-Za-z]{3,9})\.?\s+(?P<d1>\d{1,2}),?\s+(?P<y1>\d{4})
            | (?P<d2>\d{1,2})\s+(?P<mon2>[A-Za-z]{3,9})\.?,?\s+(?P<y2>\d{4})",
        )
        .expect("valid")
    });
    for cap in re.captures_iter(text) {
        if let Some(iso) = cap.name("iso") {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(iso.as_str(), "%Y-%m-%d") {
                return Some(d);
            }
            continue;
        }
        let (mon, d, y) = match (cap.name("mon1"), cap.name("mon2")) {
            (Some(m), _) => (m.as_str(), &cap["d1"], &cap["y1"]),
            (_, Some(m)) => (m.as_str(), &cap["d2"], &cap["y2"]),
            _ => continue,
        };
        let Ok((_, month)) = crate::time::stamp::month_abbr(mon) else {
            continue;
        };
        if let (Ok(d), Ok(y)) = (d.parse(), y.parse()) {
            if let Some(date) = chrono::NaiveDate::from_ymd_opt(y, month, d) {
                return Some(date);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_on_lines_and_run_together() {
        let c = read("**Date of Event:** February 22, 2017\n#Reason **Event Start:** 21:56 CDT **Event End:** 22:23 CDT **Duration:** 27 minutes\n");
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
    }

    #[test]
    fn mentions_with_labels_dates_and_ampm() {
        let c = read("committed at 22:22 CDT and at 2017-02-22 21:56:03 CST; 10:10 PM CST; HTTP/1.1 200 OK; 12:00 FOO");
        let got: Vec<String> = c
            .mentions
            .iter()
            .map(|m| {
                format!(
                    "{:?} {}:{} {:?} {}",
                    m.date.map(|d| d.to_string()),
                    m.hour,
                    m.minute,
                    m.second,
                    m.label
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                "None 22:22 None CDT",
                "Some(\"2017-02-22\") 21:56 Some(3) CST",
                "None 22:10 None CST",
            ]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration("27 minutes"), Some(1620));
        assert_eq!(
            duration("27 min 11 s (1631 s, from the UTC instants)"),
            Some(1631)
        );
        assert_eq!(duration("17m"), Some(1020));
        assert_eq!(duration("1 hour 5 minutes"), Some(3900));
        assert_eq!(duration("1h 5m"), Some(3900));
        assert_eq!(duration("unknown"), None);
    }

    #[test]
    fn dates() {
        let d = |s| date(s).map(|d| d.to_string());
        assert_eq!(d("February 22, 2017"), Some("2017-02-22".into()));
        assert_eq!(
            d("Feb 22, 2017 (CST; February 23, 2017 UTC)"),
            Some("2017-02-22".into())
        );
        assert_eq!(d("22 February 2017"), Some("2017-02-22".into()));
        assert_eq!(d("2017-02-23"), Some("2017-02-23".into()));
        assert_eq!(d("someday"), None);
    }

    #[test]
    fn placeholders() {
        let c =
            read("**Resolution:** [TO BE WRITTEN: resolution]\nTODO: ask\nTODOS are fine; XXX not");
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
}
