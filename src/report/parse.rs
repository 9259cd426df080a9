//! `rfo parse` output: per file, the records a grammar read and the lines
//! it could not (first 20), the time policy's findings and a summary line;
//! or the same as JSON. Several files get one section (text) or one
//! document (JSON) each in turn.

use crate::finding::{Finding, FindingCode};
use crate::ingest::inspect::ParsedFile;
use crate::time::provenance::YearOrigin;
use serde::Serialize;

/// Several files (`rfo parse DIR`): each parsed in turn, none skipped.
#[derive(Serialize)]
struct Many<'a> {
    tzdb: &'static str,
    files: &'a [ParsedFile],
    /// Files no grammar recognised, and other bundle-level findings.
    findings: Vec<&'a Finding>,
}

/// One file as JSON.
pub fn json_file(out: &ParsedFile) -> String {
    pretty(out)
}

/// Several files as one JSON document, with the bundle's files no grammar
/// recognised (`unknown-format` findings from `findings`).
pub fn json_files(files: &[ParsedFile], findings: &[Finding]) -> String {
    pretty(&Many {
        tzdb: crate::time::TZDB_VERSION,
        files,
        findings: findings
            .iter()
            .filter(|f| f.code == FindingCode::UnknownFormat)
            .collect(),
    })
}

/// Several files as text: a section per file, then a line per file no
/// grammar recognised (`unknown`, paths inside the bundle).
pub fn text_files(files: &[ParsedFile], unknown: &[String]) -> String {
    let mut s = String::new();
    for o in files {
        s.push_str(&format!("== {} ({}) ==\n", o.file, o.grammar));
        s.push_str(&text_file(o));
    }
    for f in unknown {
        s.push_str(&format!(
            "== {f} == no grammar recognises this file (see `rfo grammars list`; name one with --grammar NAME)\n"
        ));
    }
    s
}

fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("parse output serialises");
    s.push('\n');
    s
}

/// One file as text.
pub fn text_file(out: &ParsedFile) -> String {
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
