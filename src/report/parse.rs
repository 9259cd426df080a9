//! `rfo parse` output: per file, the records a grammar read and the lines
//! it could not (first 20), the time policy's findings and a summary line;
//! or the same as JSON. Several files get one section (text) or one
//! document (JSON) each in turn.

use crate::finding::{Finding, FindingCode};
use crate::ingest::inspect::{Failed, ParsedFile};
use crate::time::provenance::YearOrigin;
use serde::Serialize;
use std::io::Write;

/// Several files (`rfo parse DIR`): each parsed in turn, none skipped.
#[derive(Serialize)]
struct Many<'a, 'g> {
    tzdb: &'static str,
    files: &'a [ParsedFile<'g>],
    /// Files no grammar recognised, and other bundle-level findings.
    findings: Vec<&'a Finding>,
}

/// One file as JSON, written into `out` as its records are read again.
pub fn write_json_file(out: &mut dyn Write, file: &ParsedFile) -> std::io::Result<()> {
    super::write_json_pretty(out, file).map_err(|e| failure(e, std::slice::from_ref(file)))
}

/// The error of a file that could not be read again, in place of the
/// message serde carried (so that it names the file, not the output).
fn failure(e: std::io::Error, files: &[ParsedFile]) -> std::io::Error {
    files
        .iter()
        .find_map(|f| f.records.take_failure())
        .map_or(e, std::io::Error::other)
}

/// Several files as one JSON document, with the bundle's files no grammar
/// recognised (`unknown-format` findings from `findings`).
pub fn write_json_files(
    out: &mut dyn Write,
    files: &[ParsedFile],
    findings: &[Finding],
) -> std::io::Result<()> {
    super::write_json_pretty(
        out,
        &Many {
            tzdb: crate::time::TZDB_VERSION,
            files,
            findings: findings
                .iter()
                .filter(|f| f.code == FindingCode::UnknownFormat)
                .collect(),
        },
    )
    .map_err(|e| failure(e, files))
}

/// Several files as text: a section per file, then a line per file no
/// grammar recognised (`unknown`, paths inside the bundle). Text for a
/// terminal: control characters from the logs are escaped.
pub fn write_text_files(
    out: &mut dyn Write,
    files: &[ParsedFile],
    unknown: &[String],
) -> std::io::Result<()> {
    for o in files {
        put(out, &format!("== {} ({}) ==\n", o.file, o.grammar))?;
        write_text_file(out, o)?;
    }
    for f in unknown {
        put(
            out,
            &format!(
                "== {f} == no grammar recognises this file (see `rfo grammars list`; name one with --grammar NAME)\n"
            ),
        )?;
    }
    Ok(())
}

/// `text` escaped for a terminal (`escape::terminal_text` maps each
/// character alone, so escaping piece by piece is escaping the whole).
fn put(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    out.write_all(super::escape::terminal_text(text).as_bytes())
}

/// One file as text, each record written as it is read again.
pub fn write_text_file(out: &mut dyn Write, file: &ParsedFile) -> std::io::Result<()> {
    let mut s = String::new();
    if let Some(y) = file
        .year
        .as_ref()
        .filter(|y| y.from == YearOrigin::FileMtime)
    {
        s.push_str(&format!(
            "# the year {} is a guess from the file's modification time (copies and clones reset it): pass --year or set year in bundle.toml\n",
            y.year
        ));
    }
    put(out, &s)?;
    file.records
        .try_for_each(|r| {
            let fields: Vec<String> = r.fields.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            put(
                out,
                &format!(
                    "{:>6}  {}  {:<9} {}  {}\n",
                    r.line,
                    r.instant.as_deref().unwrap_or("-"),
                    r.kind,
                    r.pattern,
                    fields.join(" ")
                ),
            )
        })
        .map_err(|e| match e {
            Failed::Read(e) => std::io::Error::other(e),
            Failed::Stopped(e) => e,
        })?;
    let mut s = String::new();
    for f in file.failures.iter().take(20) {
        match &f.reason {
            Some(why) => s.push_str(&format!("{:>6}  NOT DATED ({why}): {}\n", f.line, f.text)),
            None => s.push_str(&format!(
                "{:>6}  UNPARSED at column {}: {}\n",
                f.line, f.column, f.text
            )),
        }
    }
    if file.failures.len() > 20 {
        s.push_str(&format!(
            "        … {} more unparsed lines\n",
            file.failures.len() - 20
        ));
    }
    for f in &file.findings {
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
        file.grammar,
        crate::human::count(file.lines, "line"),
        file.parsed,
        file.unparsed,
        file.tzdb
    ));
    put(out, &s)
}
