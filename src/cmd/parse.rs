//! `rfo parse FILE`: what a grammar reads from each line, the lines it
//! could not read (with the column where matching stopped), and a summary.

use super::{emit, warn_diagnostics, Exit};
use crate::bundle::{read, Bundle};
use crate::cli::{Common, ParseArgs, TextJson};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::finding::{Finding, FindingCode};
use crate::grammar::record::{ParseFailure, Record};
use crate::grammar::Grammar;
use crate::ingest::plan::{self, SourcePlan};
use crate::pipeline;
use crate::time::provenance::YearOrigin;
use crate::time::resolve::SourceClock;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct ParsedRecord {
    line: u64,
    pattern: String,
    fields: BTreeMap<String, String>,
    instant: Option<String>,
    kind: &'static str,
    subject: Option<String>,
    state: Option<String>,
    summary: Option<String>,
}

#[derive(Serialize)]
struct Output {
    /// The file, as a path inside the bundle.
    file: String,
    grammar: String,
    tzdb: &'static str,
    lines: u64,
    parsed: u64,
    unparsed: u64,
    /// Where the year of year-less stamps came from, when one was needed.
    year: Option<crate::time::resolve::YearNote>,
    records: Vec<ParsedRecord>,
    failures: Vec<ParseFailure>,
    /// Every guess and problem of the time policy for this file (the same
    /// policy as `analyze`: manifest, flags, dated sources, then a flagged
    /// last resort).
    findings: Vec<Finding>,
}

/// Several files (`rfo parse DIR`): each parsed in turn, none skipped.
#[derive(Serialize)]
struct Many {
    tzdb: &'static str,
    files: Vec<Output>,
    /// Files no grammar recognised, and other bundle-level findings.
    findings: Vec<Finding>,
}

pub fn run(a: &ParseArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    if let Some(g) = &a.grammar {
        if reg.get(g).is_none() {
            return Err(Error::Usage(format!(
                "--grammar {g:?}: unknown grammar (known: {})",
                reg.names().join(", ")
            )));
        }
    }
    let bundle = Bundle::open(&a.file)?;
    let mut p = plan::plan(&bundle, &reg, opts)?;
    if p.sources.is_empty() {
        return Err(Error::input(&a.file, "no file to parse"));
    }
    let single = p.sources.len() == 1;
    let mut outs = Vec::new();
    let mut unknown = Vec::new();
    for mut sp in std::mem::take(&mut p.sources) {
        if let Some(g) = &a.grammar {
            sp.grammar = Some(g.clone());
        }
        let Some(g) = sp.grammar.as_deref().and_then(|g| reg.get(g)) else {
            if single {
                let why = sp.candidates.as_deref().unwrap_or("no candidate");
                return Err(Error::input(
                    &a.file,
                    format!("no grammar recognises this file ({why}); see `rfo grammars list` and name one with --grammar NAME"),
                ));
            }
            unknown.push(sp.file.rel.clone());
            continue;
        };
        let mine = |f: &&Finding| {
            f.message.starts_with(&format!("{}:", sp.file.rel))
                || f.evidence.as_ref().is_some_and(|e| e.file == sp.file.rel)
        };
        let planned: Vec<Finding> = p.findings.iter().filter(mine).cloned().collect();
        outs.push(parse_one(g, &sp, planned)?);
    }
    let text = match (a.format, single) {
        (TextJson::Json, true) => pretty(&outs[0]),
        (TextJson::Json, false) => pretty(&Many {
            tzdb: crate::time::TZDB_VERSION,
            files: outs,
            findings: p
                .findings
                .iter()
                .filter(|f| f.code == FindingCode::UnknownFormat)
                .cloned()
                .collect(),
        }),
        (TextJson::Text, true) => text(&outs[0]),
        (TextJson::Text, false) => {
            let mut s = String::new();
            for o in &outs {
                s.push_str(&format!("== {} ({}) ==\n", o.file, o.grammar));
                s.push_str(&text(o));
            }
            for f in unknown {
                s.push_str(&format!(
                    "== {f} == no grammar recognises this file (see `rfo grammars list`; name one with --grammar NAME)\n"
                ));
            }
            s
        }
    };
    let text = match a.format {
        TextJson::Text => crate::report::escape::terminal_text(&text),
        TextJson::Json => text,
    };
    emit(common, &text)?;
    Ok(Exit::Ok)
}

fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("parse output serialises");
    s.push('\n');
    s
}

fn parse_one(g: &Grammar, sp: &SourcePlan, planned: Vec<Finding>) -> Result<Output> {
    let mut clock = SourceClock::new(sp.file.rel.clone(), sp.zone, sp.year, sp.overrides.clone());
    let path = sp.file.abs.clone();
    let mut out = Output {
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
    let mut take = |rec: &Record, text: Option<&str>, out: &mut Output| match describe(
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

fn text(out: &Output) -> String {
    let mut s = String::new();
    if let Some(y) = out
        .year
        .as_ref()
        .filter(|y| y.from == YearOrigin::FileMtime)
    {
        s.push_str(&format!(
            "# the year {} is a guess from the file's modification time (copies and clones reset it): pass --year or set year in bundle.toml\n",
            y.year
        ));
    }
    for r in &out.records {
        let fields: Vec<String> = r.fields.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        s.push_str(&format!(
            "{:>6}  {}  {:<9} {}  {}\n",
            r.line,
            r.instant.as_deref().unwrap_or("-"),
            r.kind,
            r.pattern,
            fields.join(" ")
        ));
    }
    for f in out.failures.iter().take(20) {
        match &f.reason {
            Some(why) => s.push_str(&format!("{:>6}  NOT DATED ({why}): {}\n", f.line, f.text)),
            None => s.push_str(&format!(
                "{:>6}  UNPARSED at column {}: {}\n",
                f.line, f.column, f.text
            )),
        }
    }
    if out.failures.len() > 20 {
        s.push_str(&format!(
            "        … {} more unparsed lines\n",
            out.failures.len() - 20
        ));
    }
    for f in &out.findings {
        s.push_str(&format!(
            "finding {} ({}): {}\n",
            f.code,
            serde_json::to_value(f.severity)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            f.message
        ));
    }
    s.push_str(&format!(
        "grammar {}: {}, {} parsed, {} unparsed (tz database {})\n",
        out.grammar,
        crate::human::count(out.lines, "line"),
        out.parsed,
        out.unparsed,
        out.tzdb
    ));
    s
}
