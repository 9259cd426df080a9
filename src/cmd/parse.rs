//! `rfo parse FILE`: what a grammar reads from each line, the lines it
//! could not read (with the column where matching stopped), and a summary.

use super::{emit, warn_diagnostics, Exit};
use crate::bundle::{read, Bundle};
use crate::cli::{Common, ParseArgs, TextJson};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::finding::FindingCode;
use crate::grammar::record::{ParseFailure, Record};
use crate::grammar::Grammar;
use crate::ingest::plan;
use crate::pipeline;
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
    grammar: String,
    tzdb: &'static str,
    lines: u64,
    parsed: u64,
    unparsed: u64,
    records: Vec<ParsedRecord>,
    failures: Vec<ParseFailure>,
}

pub fn run(a: &ParseArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let bundle = Bundle::open(&a.file)?;
    let mut p = plan::plan(&bundle, &reg, opts)?;
    let mut sp = p.sources.remove(0);
    if let Some(g) = &a.grammar {
        if reg.get(g).is_none() {
            return Err(Error::Usage(format!(
                "--grammar {g:?}: unknown grammar (known: {})",
                reg.names().join(", ")
            )));
        }
        sp.grammar = Some(g.clone());
    }
    let Some(g) = sp.grammar.as_deref().and_then(|g| reg.get(g)) else {
        let why = p
            .findings
            .iter()
            .find(|f| f.code == FindingCode::UnknownFormat)
            .map(|f| f.message.clone())
            .unwrap_or_default();
        return Err(Error::input(
            &a.file,
            format!("no grammar recognises this file; pass --grammar ({why})"),
        ));
    };
    let mut clock = SourceClock::new(sp.file.rel.clone(), sp.zone, sp.year, sp.overrides.clone());
    let mut out = Output {
        grammar: g.name.clone(),
        tzdb: crate::time::TZDB_VERSION,
        lines: 0,
        parsed: 0,
        unparsed: 0,
        records: Vec::new(),
        failures: Vec::new(),
    };
    let mut take = |rec: &Record, out: &mut Output| {
        out.records
            .push(describe(g, rec, &mut clock, sp.host.as_deref()))
    };
    if g.is_document() {
        let text = std::fs::read_to_string(&a.file).map_err(|e| Error::io(&a.file, e))?;
        let recs = g
            .parse_document(&text)
            .map_err(|m| Error::input(&a.file, m))?;
        out.lines = text.lines().count() as u64;
        out.parsed = out.lines;
        for r in &recs {
            take(r, &mut out);
        }
    } else {
        let path = sp.file.abs.clone();
        out.lines = read::for_each_line(&mut *read::open(&path)?, &path, |l| {
            if l.text.trim().is_empty() {
                out.parsed += 1;
                return;
            }
            match g.parse_line(l.text, l.number) {
                Ok(rec) => {
                    out.parsed += 1;
                    take(&rec, &mut out);
                }
                Err(e) => {
                    out.unparsed += 1;
                    out.failures.push(ParseFailure {
                        line: l.number,
                        column: l.text[..e.offset.min(l.text.len())].chars().count() + 1,
                        text: l.text.to_string(),
                    });
                }
            }
        })?;
    }
    let text = match a.format {
        TextJson::Json => {
            let mut s = serde_json::to_string_pretty(&out).expect("parse output serialises");
            s.push('\n');
            s
        }
        TextJson::Text => text(&out),
    };
    emit(common, &text)?;
    Ok(Exit::Ok)
}

fn describe(
    g: &Grammar,
    rec: &Record,
    clock: &mut SourceClock,
    host: Option<&str>,
) -> ParsedRecord {
    let class = g.classifier.classify(rec, host);
    let instant = rec
        .stamp
        .and_then(|st| clock.resolve(&st, rec.get("tz"), rec.line).ok())
        .map(|t| crate::time::rfc3339(&t.instant));
    ParsedRecord {
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
    }
}

fn text(out: &Output) -> String {
    let mut s = String::new();
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
        s.push_str(&format!(
            "{:>6}  UNPARSED at column {}: {}\n",
            f.line, f.column, f.text
        ));
    }
    if out.failures.len() > 20 {
        s.push_str(&format!(
            "        … {} more unparsed lines\n",
            out.failures.len() - 20
        ));
    }
    s.push_str(&format!(
        "grammar {}: {} lines, {} parsed, {} unparsed (tz database {})\n",
        out.grammar, out.lines, out.parsed, out.unparsed, out.tzdb
    ));
    s
}
