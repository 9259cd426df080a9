//! One file read by one grammar, every line accounted for: what `rfo parse`
//! shows. Unlike `ingest::source`, nothing is dropped or merged: each
//! record keeps its fields, each line the grammar could not read keeps
//! the column where matching stopped. Rendering is `report::parse`.

use super::plan::SourcePlan;
use crate::bundle::read;
use crate::error::{Error, Result};
use crate::finding::{Finding, FindingCode};
use crate::grammar::record::{ParseFailure, Record};
use crate::grammar::Grammar;
use crate::time::resolve::SourceClock;
use serde::Serialize;
use std::collections::BTreeMap;

/// A record as read: its pattern, fields, instant and classification.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedRecord {
    pub line: u64,
    pub pattern: String,
    pub fields: BTreeMap<String, String>,
    pub instant: Option<String>,
    pub kind: &'static str,
    pub subject: Option<String>,
    pub state: Option<String>,
    pub summary: Option<String>,
}

/// One file parsed (one element of `rfo parse DIR`'s `files`).
#[derive(Debug, Clone, Serialize)]
pub struct ParsedFile {
    /// The file, as a path inside the bundle.
    pub file: String,
    pub grammar: String,
    pub tzdb: &'static str,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    /// Where the year of year-less stamps came from, when one was needed.
    pub year: Option<crate::time::resolve::YearNote>,
    pub records: Vec<ParsedRecord>,
    pub failures: Vec<ParseFailure>,
    /// Every guess and problem of the time policy for this file (the same
    /// policy as `analyze`: manifest, flags, dated sources, then a flagged
    /// last resort).
    pub findings: Vec<Finding>,
}

/// Read `sp` with `g`, line by line (or as one document), keeping every
/// record and every line it could not read; `planned` are the plan's
/// findings about this file.
pub fn parse_file(g: &Grammar, sp: &SourcePlan, planned: Vec<Finding>) -> Result<ParsedFile> {
    let mut clock = SourceClock::new(sp.file.rel.clone(), sp.zone, sp.year, sp.overrides.clone());
    let path = sp.file.abs.clone();
    let mut out = ParsedFile {
        file: sp.file.rel.clone(),
        grammar: g.name.clone(),
        tzdb: crate::time::TZDB_VERSION,
        lines: 0,
        parsed: 0,
        unparsed: 0,
        year: None,
        records: Vec::new(),
        failures: Vec::new(),
        findings: Vec::new(),
    };
    // A record whose stamp names no real instant (`Feb 29` in 2017, a
    // year out of range) is an unparsed line with its reason, never a
    // record without a time.
    let mut take = |rec: &Record, text: Option<&str>, out: &mut ParsedFile| match describe(
        g,
        rec,
        &mut clock,
        sp.host.as_deref(),
    ) {
        Ok(r) => out.records.push(r),
        Err(why) => {
            out.parsed = out.parsed.saturating_sub(1);
            out.unparsed += 1;
            out.failures.push(ParseFailure {
                line: rec.line,
                column: 1,
                text: text.unwrap_or("").to_string(),
                reason: Some(why),
            });
        }
    };
    if g.is_document() {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let recs = g
            .parse_document(&text)
            .map_err(|m| Error::input(&path, m))?;
        out.lines = text.lines().count() as u64;
        out.parsed = out.lines;
        let lines: Vec<&str> = text.lines().collect();
        for r in &recs {
            let line = lines.get(r.line.saturating_sub(1) as usize).copied();
            take(r, line, &mut out);
        }
    } else {
        out.lines = read::for_each_line(&mut *read::open(&path)?, &path, |l| {
            if l.text.trim().is_empty() {
                out.parsed += 1;
                return;
            }
            match g.parse_line(l.text, l.number) {
                Ok(rec) => {
                    out.parsed += 1;
                    take(&rec, Some(l.text), &mut out);
                }
                Err(e) => {
                    out.unparsed += 1;
                    out.failures.push(ParseFailure {
                        line: l.number,
                        column: l.text[..e.offset.min(l.text.len())].chars().count() + 1,
                        text: l.text.to_string(),
                        reason: None,
                    });
                }
            }
        })?;
    }
    let summary = clock.summary();
    out.year = summary.year;
    let mut findings = planned;
    // Only a year that was used is worth a word.
    if out.year.is_none() {
        findings.retain(|f| f.code != FindingCode::YearInferred);
    }
    findings.extend(clock.finish());
    out.findings = findings;
    Ok(out)
}

fn describe(
    g: &Grammar,
    rec: &Record,
    clock: &mut SourceClock,
    host: Option<&str>,
) -> std::result::Result<ParsedRecord, String> {
    let class = g.classifier.classify(rec, host);
    let instant = match rec.stamp {
        Some(st) => match clock.resolve(&st, rec.get("tz"), rec.line) {
            Ok(t) => Some(crate::time::rfc3339(&t.instant)),
            Err(e) => return Err(time_issue_text(e)),
        },
        None => None,
    };
    Ok(ParsedRecord {
        line: rec.line,
        pattern: rec.pattern.to_string(),
        fields: rec
            .fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        instant,
        kind: class.kind.as_str(),
        subject: class.subject,
        state: class.state,
        summary: class.summary,
    })
}

/// A refused stamp in words, for the failure list.
fn time_issue_text(e: crate::time::resolve::TimeIssue) -> String {
    use crate::time::resolve::{TimeIssue, YEARS};
    match e {
        TimeIssue::NoYear => "year-less time and no year (pass --year)".to_string(),
        TimeIssue::InvalidDate(why) => why,
        TimeIssue::OutOfRange(y) => format!(
            "placed in year {y}, outside {}–{}",
            YEARS.start(),
            YEARS.end()
        ),
    }
}
