//! The layout of a report that gives bare times their zone: headings
//! (`## Timeline (UTC)`), "all times are in X" statements, table headers
//! (`| Time (PST) |`), and range partners; and the sentences mentions are
//! read in.

use super::read::ZoneFrom;
use super::scan::{self, TimeSpan};
use super::zone::{self, Zone};
use regex::Regex;
use std::sync::OnceLock;

/// The zone context at the current line.
#[derive(Debug, Default)]
pub struct Layout {
    /// Open headings: level and the zone the heading states.
    headings: Vec<(usize, Option<Zone>)>,
    /// The last "all times are in X" statement.
    statement: Option<Zone>,
    /// Zones of the current table's columns.
    columns: Option<Vec<Option<Zone>>>,
}

fn statement_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\btimes?\s+(?:are\s+|is\s+|shown\s+|given\s+|listed\s+|below\s+)*(?:in\s+|as\s+)?")
            .expect("valid")
    })
}

/// A zone in parentheses anywhere in `s`: `Timeline (UTC)`, `Time (PST)`.
fn paren_zone(s: &str) -> Option<Zone> {
    s.match_indices('(').find_map(|(i, _)| {
        let (z, len) = zone::parse_at(&s[i..], false)?;
        s[i..i + len].ends_with(')').then_some(z)
    })
}

/// An "all times are in X" / "times in X" statement in `s`.
fn stated_zone(s: &str) -> Option<Zone> {
    statement_re()
        .find_iter(s)
        .find_map(|m| zone::parse_word(&s[m.end()..]).map(|(z, _)| z))
}

fn cells(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, ch) in line.char_indices() {
        if ch == '|' {
            out.push((start, &line[start..i]));
            start = i + 1;
        }
    }
    out.push((start, &line[start..]));
    out
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.contains("---") && t.chars().all(|c| "|-: ".contains(c))
}

impl Layout {
    /// Take in `line` (and peek at the next one for a table header).
    pub fn advance(&mut self, line: &str, next: Option<&str>) {
        let t = line.trim_start();
        if t.starts_with('#') {
            let level = t.chars().take_while(|c| *c == '#').count();
            self.headings.retain(|(l, _)| *l < level);
            let z = paren_zone(t).or_else(|| stated_zone(t));
            self.headings.push((level, z));
            self.columns = None;
            return;
        }
        if t.starts_with('|') {
            if next.is_some_and(is_separator) {
                self.columns = Some(cells(line).iter().map(|(_, c)| paren_zone(c)).collect());
            }
        } else {
            self.columns = None;
        }
        if let Some(z) = stated_zone(t) {
            self.statement = Some(z);
        }
    }

    fn column_zone(&self, line: &str, pos: usize) -> Option<Zone> {
        let cols = self.columns.as_ref()?;
        let idx = line[..pos].matches('|').count();
        cols.get(idx).cloned().flatten()
    }

    /// The zone of each time of `line`, and where it came from.
    pub fn zones_for(
        &self,
        line: &str,
        times: &[TimeSpan],
        default: Option<&Zone>,
    ) -> Vec<Option<(Zone, ZoneFrom)>> {
        let heading = self.headings.iter().rev().find_map(|(_, z)| z.clone());
        (0..times.len())
            .map(|i| {
                let t = &times[i];
                if let Some(z) = &t.zone {
                    return Some((z.clone(), ZoneFrom::Written));
                }
                let partner = times
                    .get(i + 1)
                    .filter(|b| scan::is_range_gap(&line[t.end..b.start]))
                    .and_then(|b| b.zone.clone());
                if let Some(z) = partner {
                    return Some((z, ZoneFrom::Range));
                }
                if let Some(z) = self.column_zone(line, t.start) {
                    return Some((z, ZoneFrom::Column));
                }
                if let Some(z) = heading.clone() {
                    return Some((z, ZoneFrom::Heading));
                }
                if let Some(z) = self.statement.clone() {
                    return Some((z, ZoneFrom::Statement));
                }
                default.map(|z| (z.clone(), ZoneFrom::Report))
            })
            .collect()
    }
}

/// Sentence boundaries of `line` (byte offsets where sentences start),
/// never inside a time (`a.m. PST`).
pub fn sentences(line: &str, times: &[TimeSpan]) -> Vec<usize> {
    let mut out = vec![0];
    let b = line.as_bytes();
    for (i, ch) in line.char_indices() {
        if !matches!(ch, '.' | '!' | '?') {
            continue;
        }
        if times.iter().any(|t| t.start <= i && i < t.end) {
            continue;
        }
        let after = &line[i + 1..];
        let rest = after.trim_start();
        if rest.len() == after.len() || rest.is_empty() {
            continue;
        }
        let starts_upper = rest.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
        if starts_upper && !(i > 0 && b[i - 1].is_ascii_uppercase() && i >= 2 && b[i - 2] == b'.') {
            out.push(line.len() - rest.len());
        }
    }
    out
}

/// The sentence of `line` that contains byte `pos`.
pub fn sentence_at(line: &str, starts: &[usize], pos: usize) -> String {
    let k = starts.iter().rposition(|s| *s <= pos).unwrap_or(0);
    let end = starts.get(k + 1).copied().unwrap_or(line.len());
    line[starts[k]..end].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_and_parentheses() {
        assert_eq!(
            stated_zone("(all times are in UTC):"),
            Some(Zone::Offset(0))
        );
        assert_eq!(
            stated_zone("(all times are US/Pacific)."),
            Some(Zone::Named(chrono_tz::US::Pacific))
        );
        assert_eq!(
            stated_zone("Times in PDT"),
            Some(Zone::Abbrev("PDT".into()))
        );
        assert_eq!(stated_zone("many times we"), None);
        assert_eq!(paren_zone("## Timeline (UTC)"), Some(Zone::Offset(0)));
        assert_eq!(paren_zone("Time (PST)"), Some(Zone::Abbrev("PST".into())));
        assert_eq!(paren_zone("Event (see below)"), None);
    }

    #[test]
    fn sentences_skip_times() {
        let line = "At 9:37 a.m. PST the command ran. It removed servers. Done";
        let times = scan::scan(line);
        let s = sentences(line, &times);
        assert_eq!(
            sentence_at(line, &s, 3),
            "At 9:37 a.m. PST the command ran."
        );
        assert_eq!(sentence_at(line, &s, 40), "It removed servers.");
    }
}
