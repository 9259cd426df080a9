//! Zones as reports write them: a stated offset (`UTC`, `22:52Z`,
//! `GMT+1`, `UTC-7`), an abbreviation to check (`PDT`, `CST`), or a named
//! zone whose offset the date decides (`US/Pacific`, `PT`, `Pacific Time`).
//!
//! It never trusts an abbreviation: `read` gives every reading a label can
//! have on a date, and says whether the label was in force in its zone then.

use crate::time::abbrev;
use crate::time::zone::{read_local, with_offset, LocalReading, Reading};
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use regex::Regex;
use std::sync::OnceLock;

/// A zone as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// A label that states its offset: `UTC`, `Z`, `GMT+1`, `+00:00`.
    Offset(i32),
    /// An abbreviation whose validity depends on the date: `PDT`, `CST`.
    Abbrev(String),
    /// A zone that decides the offset: `US/Pacific`, `PT`, `Pacific Time`.
    Named(Tz),
}

/// One UTC reading of a written time, and whether it is the one the text
/// states (`literal`) and whether its label was in force then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub reading: Reading,
    /// This reading takes the label at its word.
    pub literal: bool,
    /// The label (or the named zone's own label) was in force at this instant.
    pub in_force: bool,
}

/// The home zones of the abbreviations that change with the season. A label
/// is valid on a date when one of them used it then.
fn homes(label: &str) -> &'static [Tz] {
    use chrono_tz::{America, Asia, Australia, Europe, Pacific};
    match label {
        "PST" | "PDT" => &[America::Los_Angeles],
        "EST" | "EDT" => &[America::New_York],
        "CST" | "CDT" => &[America::Chicago],
        "MST" => &[America::Denver, America::Phoenix],
        "MDT" => &[America::Denver],
        "AKST" | "AKDT" => &[America::Anchorage],
        "AST" | "ADT" => &[America::Halifax],
        "NST" | "NDT" => &[America::St_Johns],
        "BST" => &[Europe::London],
        "IST" => &[Asia::Kolkata, Europe::Dublin],
        "CET" | "CEST" | "MET" | "MEST" => &[Europe::Berlin],
        "EET" | "EEST" => &[Europe::Helsinki],
        "WET" | "WEST" => &[Europe::Lisbon],
        "AEST" => &[Australia::Sydney, Australia::Brisbane],
        "AEDT" => &[Australia::Sydney],
        "ACST" | "ACDT" => &[Australia::Adelaide],
        "NZST" | "NZDT" => &[Pacific::Auckland],
        _ => &[],
    }
}

/// Generic names: `PT`, `Pacific Time`, `Eastern`, and the spelled-out
/// standard and daylight names, which are abbreviations in words.
fn generic(word: &str) -> Option<Zone> {
    use chrono_tz::America;
    let w = word.to_ascii_lowercase();
    let w = w.trim_end_matches(" time");
    let named = |tz| Some(Zone::Named(tz));
    match w {
        "pt" | "pacific" => named(America::Los_Angeles),
        "et" | "eastern" => named(America::New_York),
        "ct" | "central" => named(America::Chicago),
        "mt" | "mountain" => named(America::Denver),
        "pacific standard" => Some(Zone::Abbrev("PST".into())),
        "pacific daylight" => Some(Zone::Abbrev("PDT".into())),
        "eastern standard" => Some(Zone::Abbrev("EST".into())),
        "eastern daylight" => Some(Zone::Abbrev("EDT".into())),
        "central standard" => Some(Zone::Abbrev("CST".into())),
        "central daylight" => Some(Zone::Abbrev("CDT".into())),
        "mountain standard" => Some(Zone::Abbrev("MST".into())),
        "mountain daylight" => Some(Zone::Abbrev("MDT".into())),
        _ => None,
    }
}

fn zone_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)^
            (?:
              (?P<utc>UTC|GMT|UT)(?:\s?(?P<sign>[+\-−])(?P<oh>[0-9]{1,2})(?::?(?P<om>[0-9]{2}))?)?\b
            | (?P<iana>(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|US|Canada|Etc)/[A-Za-z_]+(?:/[A-Za-z_]+)?)
            | (?P<generic>(?i:(?:pacific|eastern|central|mountain)(?:\s(?:standard|daylight))?\stime)|(?:Pacific|Eastern|Central|Mountain)\b|(?:PT|ET|CT|MT)\b)
            | (?P<abbr>[A-Z]{2,5}|(?:pst|pdt|est|edt|cst|cdt|mst|mdt|utc|gmt)\b)
            )",
        )
        .expect("valid")
    })
}

/// The zone written at the start of `s` (after blanks, inside optional
/// parentheses), and how many bytes it took. `Z` and `+00:00` count only
/// when attached to the time (`attached`).
pub fn parse_at(s: &str, attached: bool) -> Option<(Zone, usize)> {
    if attached {
        if let Some(off) = attached_offset(s) {
            return Some(off);
        }
    }
    let trimmed = s.trim_start();
    let mut skip = s.len() - trimmed.len();
    if skip > 2 {
        return None;
    }
    let (inner, paren) = match trimmed.strip_prefix('(') {
        Some(rest) => (rest, true),
        None => (trimmed, false),
    };
    if paren {
        skip += 1;
    }
    let (zone, len) = parse_word(inner)?;
    let mut used = skip + len;
    if paren {
        if !inner[len..].starts_with(')') {
            return None;
        }
        used += 1;
    }
    Some((zone, used))
}

/// `Z`, `+00:00`, `-0700` right after a time.
fn attached_offset(s: &str) -> Option<(Zone, usize)> {
    if s.starts_with('Z') && !s[1..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some((Zone::Offset(0), 1));
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^([+\-])([0-9]{2}):?([0-9]{2})\b").expect("valid"));
    let c = re.captures(s)?;
    let secs = c[2].parse::<i32>().ok()? * 3600 + c[3].parse::<i32>().ok()? * 60;
    let sign = if &c[1] == "-" { -1 } else { 1 };
    Some((Zone::Offset(sign * secs), c[0].len()))
}

/// A zone word at the start of `s`: a label, an IANA name or a generic name.
pub fn parse_word(s: &str) -> Option<(Zone, usize)> {
    let c = zone_re().captures(s)?;
    let len = c[0].len();
    if c.name("utc").is_some() {
        let off = match (c.name("sign"), c.name("oh")) {
            (Some(sign), Some(h)) => {
                let h: i32 = h.as_str().parse().ok().filter(|h| *h <= 14)?;
                let m: i32 = c.name("om").map_or(Some(0), |m| m.as_str().parse().ok())?;
                let v = h * 3600 + m * 60;
                if sign.as_str() == "+" {
                    v
                } else {
                    -v
                }
            }
            _ => 0,
        };
        return Some((Zone::Offset(off), len));
    }
    if let Some(name) = c.name("iana") {
        let tz: Tz = name.as_str().parse().ok()?;
        return Some((Zone::Named(tz), len));
    }
    if let Some(g) = c.name("generic") {
        return generic(g.as_str()).map(|z| (z, len));
    }
    let label = c.name("abbr")?.as_str().to_ascii_uppercase();
    if let Some(off) = abbrev::stated_offset(&label) {
        return Some((Zone::Offset(off), len));
    }
    if abbrev::meanings(&label).is_empty() {
        return None;
    }
    Some((Zone::Abbrev(label), len))
}

/// Every reading of `naive` written in `zone`, the report's own zone
/// consulted first for an abbreviation it uses.
pub fn read(zone: &Zone, naive: NaiveDateTime, report_zone: Tz) -> Vec<Read> {
    match zone {
        Zone::Offset(off) => {
            let name = if *off == 0 {
                "UTC".to_string()
            } else {
                crate::time::zone::fmt_offset(*off)
            };
            vec![Read {
                reading: with_offset(naive, *off, Some(&name)),
                literal: true,
                in_force: true,
            }]
        }
        Zone::Named(tz) => local(*tz, naive)
            .into_iter()
            .map(|reading| Read {
                reading,
                literal: true,
                in_force: true,
            })
            .collect(),
        Zone::Abbrev(label) => read_label(label, naive, report_zone),
    }
}

fn local(tz: Tz, naive: NaiveDateTime) -> Vec<Reading> {
    match read_local(tz, naive) {
        LocalReading::Unique(r) => vec![r],
        LocalReading::Fold { earlier, later } => vec![earlier, later],
        LocalReading::Gap { before, after } => vec![before, after],
    }
}

/// The zones that use `label`: the report's zone when it does, then the
/// label's homes.
fn zones_for(label: &str, year: i32, report_zone: Tz) -> Vec<Tz> {
    let mut out = Vec::new();
    if abbrev::meaning_in(report_zone, label, year).is_some() {
        out.push(report_zone);
    }
    for tz in homes(label) {
        if !out.contains(tz) {
            out.push(*tz);
        }
    }
    out
}

fn read_label(label: &str, naive: NaiveDateTime, report_zone: Tz) -> Vec<Read> {
    let year = chrono::Datelike::year(&naive);
    let zones = zones_for(label, year, report_zone);
    // What the label says on its own: its offset in its first zone, or in
    // the table when no zone we know uses it seasonally.
    let offset = zones
        .iter()
        .find_map(|tz| abbrev::meaning_in(*tz, label, year))
        .or_else(|| abbrev::meanings(label).first().map(|m| m.offset_s));
    let Some(offset) = offset else {
        return Vec::new();
    };
    let literal = with_offset(naive, offset, Some(label));
    if zones.is_empty() {
        return vec![Read {
            reading: literal,
            literal: true,
            in_force: true,
        }];
    }
    let in_force = zones
        .iter()
        .any(|tz| *crate::time::zone::abbrev_at(*tz, literal.utc) == *label);
    let mut out = vec![Read {
        reading: literal.clone(),
        literal: true,
        in_force,
    }];
    if !in_force {
        // The zone's own reading of the same wall clock: what the writer
        // most likely meant.
        for r in local(zones[0], naive) {
            if r.utc != literal.utc && !out.iter().any(|o| o.reading.utc == r.utc) {
                out.push(Read {
                    reading: r,
                    literal: false,
                    in_force: true,
                });
            }
        }
    }
    out
}

/// The zone an invalid label belongs to, for messages.
pub fn home_of(label: &str, year: i32, report_zone: Tz) -> Option<Tz> {
    zones_for(label, year, report_zone).first().copied()
}

/// How a zone is written in a suggestion: the abbreviation in force.
pub fn name(zone: &Zone) -> String {
    match zone {
        Zone::Offset(0) => "UTC".into(),
        Zone::Offset(o) => crate::time::zone::fmt_offset(*o),
        Zone::Abbrev(a) => a.clone(),
        Zone::Named(tz) => tz.name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn z(s: &str) -> Option<(Zone, usize)> {
        parse_at(s, false)
    }

    #[test]
    fn written_zones() {
        assert_eq!(z(" UTC"), Some((Zone::Offset(0), 4)));
        assert_eq!(z(" (UTC)"), Some((Zone::Offset(0), 6)));
        assert_eq!(z(" GMT+1"), Some((Zone::Offset(3600), 6)));
        assert_eq!(z(" UTC-7"), Some((Zone::Offset(-7 * 3600), 6)));
        assert_eq!(z(" UTC+05:30"), Some((Zone::Offset(19800), 10)));
        assert_eq!(z(" PDT,"), Some((Zone::Abbrev("PDT".into()), 4)));
        assert_eq!(z(" pst"), Some((Zone::Abbrev("PST".into()), 4)));
        assert_eq!(
            z(" US/Pacific"),
            Some((Zone::Named(chrono_tz::US::Pacific), 11))
        );
        assert_eq!(
            z(" Pacific Time"),
            Some((Zone::Named(chrono_tz::America::Los_Angeles), 13))
        );
        assert_eq!(
            z(" PT:"),
            Some((Zone::Named(chrono_tz::America::Los_Angeles), 3))
        );
        assert_eq!(
            z(" Eastern time"),
            Some((Zone::Named(chrono_tz::America::New_York), 13))
        );
        assert_eq!(z(" FOO"), None);
        assert_eq!(z(" at"), None);
        assert_eq!(parse_at("Z ", true), Some((Zone::Offset(0), 1)));
        assert_eq!(parse_at("-07:00 x", true), Some((Zone::Offset(-25200), 6)));
        assert_eq!(parse_at("Zulu", true), None);
    }

    #[test]
    fn a_label_out_of_season_has_both_readings() {
        let naive = NaiveDate::from_ymd_opt(2020, 5, 12)
            .unwrap()
            .and_hms_opt(16, 53, 0)
            .unwrap();
        let r = read(&Zone::Abbrev("PST".into()), naive, chrono_tz::UTC);
        let got: Vec<(String, bool, bool)> = r
            .iter()
            .map(|r| (r.reading.utc.to_rfc3339(), r.literal, r.in_force))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2020-05-13T00:53:00+00:00".into(), true, false),
                ("2020-05-12T23:53:00+00:00".into(), false, true)
            ]
        );
        // PDT in May is valid even when the report's zone is UTC.
        let r = read(&Zone::Abbrev("PDT".into()), naive, chrono_tz::UTC);
        assert!(r.len() == 1 && r[0].in_force);
    }
}
