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
#[derive(Debug, Serialize)]
pub struct ParsedFile<'g> {
    /// The file, as a path inside the bundle.
    pub file: String,
    pub grammar: String,
    pub tzdb: &'static str,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    /// Where the year of year-less stamps came from, when one was needed.
    pub year: Option<crate::time::resolve::YearNote>,
    pub records: Records<'g>,
    pub failures: Vec<ParseFailure>,
    /// Every guess and problem of the time policy for this file (the same
    /// policy as `analyze`: manifest, flags, dated sources, then a flagged
    /// last resort).
    pub findings: Vec<Finding>,
}

/// A file's records, as they are written out.
///
/// A log's are read again from the file when they are written (the same
/// walk with a fresh clock, so the same records), one at a time: held,
/// with every field as a string, they took ten times the file in memory
/// (`rfo parse` of a 52 MB syslog file peaked at 557 MB; issue 16). A
/// document's, bounded by the document's size, are held.
#[derive(Debug)]
pub struct Records<'g> {
    source: Source<'g>,
    /// Why the last writing as JSON stopped, when the file could not be
    /// read again: serde carries only a message, `take_failure` the error.
    failure: std::cell::RefCell<Option<Error>>,
}

#[derive(Debug)]
enum Source<'g> {
    Held(Vec<ParsedRecord>),
    Log {
        g: &'g Grammar,
        sp: SourcePlan,
        /// The lines the first reading read: a line written since is not
        /// shown (its count would not match).
        lines: u64,
        /// Their text's digest: a file cut or rewritten between the two
        /// readings is an error, not records that disagree with the counts.
        digest: u64,
    },
}

impl Records<'_> {
    /// Each record in turn, `f` stopping the walk with its error.
    pub fn try_for_each<E>(
        &self,
        mut f: impl FnMut(&ParsedRecord) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), Failed<E>> {
        match &self.source {
            Source::Held(v) => v.iter().try_for_each(f).map_err(Failed::Stopped),
            Source::Log {
                g,
                sp,
                lines,
                digest,
            } => {
                let mut stopped = None;
                let again = walk(g, sp, Some(*lines), &mut |r| {
                    if stopped.is_none() {
                        if let Err(e) = f(&r) {
                            stopped = Some(e);
                        }
                    }
                })
                .map_err(Failed::Read)?;
                if let Some(e) = stopped {
                    return Err(Failed::Stopped(e));
                }
                if again.digest != *digest {
                    return Err(Failed::Read(Error::input(
                        &sp.file.abs,
                        "changed while `rfo parse` read it (cut, rewritten or still being \
                         written within its first lines): run it again, or on a copy",
                    )));
                }
                Ok(())
            }
        }
    }

    /// The error that stopped the last writing as JSON, if the file could
    /// not be read again.
    pub fn take_failure(&self) -> Option<Error> {
        self.failure.borrow_mut().take()
    }
}

/// Why writing the records stopped: the file could not be read again, or
/// the writer failed.
#[derive(Debug)]
pub enum Failed<E> {
    Read(Error),
    Stopped(E),
}

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = s.serialize_seq(None)?;
        self.try_for_each(|r| seq.serialize_element(r))
            .map_err(|e| match e {
                Failed::Read(e) => {
                    let message = S::Error::custom(&e);
                    *self.failure.borrow_mut() = Some(e);
                    message
                }
                Failed::Stopped(e) => e,
            })?;
        seq.end()
    }
}

/// What one reading of a file counts.
#[derive(Default)]
struct Walked {
    lines: u64,
    /// xxh3 of the text of the lines read (up to the limit), each ended.
    digest: u64,
    parsed: u64,
    unparsed: u64,
    failures: Vec<ParseFailure>,
    clock: Option<SourceClock>,
}

impl Walked {
    /// A record whose stamp names no real instant (`Feb 29` in 2017, a
    /// year out of range): an unparsed line with its reason, never a
    /// record without a time.
    fn undated(&mut self, line: u64, text: &str, why: String) {
        self.parsed = self.parsed.saturating_sub(1);
        self.unparsed += 1;
        self.failures.push(ParseFailure {
            line,
            column: 1,
            text: text.to_string(),
            reason: Some(why),
        });
    }
}

/// Read `sp` with `g` line by line, handing each record to `record`;
/// `limit`: stop after that many lines.
fn walk(
    g: &Grammar,
    sp: &SourcePlan,
    limit: Option<u64>,
    record: &mut dyn FnMut(ParsedRecord),
) -> Result<Walked> {
    let mut clock = sp.clock();
    let path = &sp.file.abs;
    let mut out = Walked::default();
    let mut hash = twox_hash::XxHash3_64::new();
    let mut take = |rec: &Record, text: &str, out: &mut Walked| match describe(
        g,
        rec,
        &mut clock,
        sp.host.as_deref(),
    ) {
        Ok(r) => record(r),
        Err(why) => out.undated(rec.line, text, why),
    };
    out.lines = read::for_each_line(&mut *read::open(path)?, path, |l| {
        if limit.is_some_and(|n| l.number > n) {
            return;
        }
        std::hash::Hasher::write(&mut hash, l.text.as_bytes());
        std::hash::Hasher::write_u8(&mut hash, b'\n');
        if l.text.trim().is_empty() {
            out.parsed += 1;
            return;
        }
        match g.parse_line(l.text, l.number) {
            Ok(rec) => {
                out.parsed += 1;
                take(&rec, l.text, &mut out);
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
    out.digest = std::hash::Hasher::finish(&hash);
    out.clock = Some(clock);
    Ok(out)
}

/// Read `sp` with `g`, line by line (or as one document), keeping every
/// line it could not read; `planned` are the plan's findings about this
/// file. A log's records are read again as they are written (`Records`).
pub fn parse_file<'g>(
    g: &'g Grammar,
    sp: &SourcePlan,
    planned: Vec<Finding>,
) -> Result<ParsedFile<'g>> {
    let (walked, records) = if g.is_document() {
        let path = &sp.file.abs;
        let mut clock = sp.clock();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let recs = g.parse_document(&text).map_err(|m| Error::input(path, m))?;
        let mut w = Walked {
            lines: text.lines().count() as u64,
            ..Walked::default()
        };
        w.parsed = w.lines;
        let lines: Vec<&str> = text.lines().collect();
        let mut held = Vec::new();
        for r in &recs {
            let line = lines.get(r.line.saturating_sub(1) as usize).copied();
            match describe(g, r, &mut clock, sp.host.as_deref()) {
                Ok(r) => held.push(r),
                Err(why) => w.undated(r.line, line.unwrap_or(""), why),
            }
        }
        w.clock = Some(clock);
        (w, Source::Held(held))
    } else {
        let w = walk(g, sp, None, &mut |_| {})?;
        let (lines, digest) = (w.lines, w.digest);
        (
            w,
            Source::Log {
                g,
                sp: sp.clone(),
                lines,
                digest,
            },
        )
    };
    let Walked {
        lines,
        parsed,
        unparsed,
        failures,
        clock,
        ..
    } = walked;
    let mut clock = clock.expect("every reading ends with its clock");
    let year = clock.summary().year;
    let mut findings = planned;
    // Only a year that was used is worth a word.
    if year.is_none() {
        findings.retain(|f| f.code != FindingCode::YearInferred);
    }
    findings.extend(clock.finish());
    Ok(ParsedFile {
        file: sp.file.rel.clone(),
        grammar: g.name.clone(),
        tzdb: crate::time::TZDB_VERSION,
        lines,
        parsed,
        unparsed,
        year,
        records: Records {
            source: records,
            failure: Default::default(),
        },
        failures,
        findings,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn nagios(k: u64, text: &str) -> String {
        format!(
            "[{}] SERVICE ALERT: web01;HTTP;CRITICAL;HARD;3;{text} {k}\n",
            1_487_822_160 + k
        )
    }

    /// Three alerts whose output is `text` and the alert's number.
    fn write_alerts(path: &std::path::Path, text: &str) {
        std::fs::write(path, (1..=3).map(|k| nagios(k, text)).collect::<String>()).unwrap();
    }

    /// `path` planned and parsed as `rfo parse` does.
    fn parsed<'g>(
        path: &std::path::Path,
        reg: &'g crate::grammar::registry::Registry,
    ) -> ParsedFile<'g> {
        let opts = crate::config::Options::default();
        let bundle = crate::bundle::Bundle::open(path).unwrap();
        let p = super::super::plan::plan(&bundle, reg, &opts).unwrap();
        let sp = &p.sources[0];
        let g = reg.get(sp.grammar.as_deref().unwrap()).unwrap();
        parse_file(g, sp, Vec::new()).unwrap()
    }

    fn outputs(p: &ParsedFile) -> std::result::Result<Vec<(u64, String)>, Failed<()>> {
        let mut seen = Vec::new();
        p.records.try_for_each(|r| {
            seen.push((r.line, r.fields["output"].clone()));
            Ok::<(), ()>(())
        })?;
        Ok(seen)
    }

    /// The records are read again when written: lines appended to the file
    /// in between are not shown, so the records match the counts (issue
    /// 16: records are no longer held).
    #[test]
    fn records_read_again_stop_at_the_lines_first_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nagios.log");
        write_alerts(&path, "down");
        let reg = crate::grammar::registry::Registry::builtin().unwrap();
        let p = parsed(&path, &reg);
        assert_eq!((p.lines, p.parsed), (3, 3));
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(nagios(4, "down").as_bytes()).unwrap();
        let want: Vec<(u64, String)> = (1..=3).map(|k| (k, format!("down {k}"))).collect();
        assert_eq!(outputs(&p).unwrap(), want);
    }

    /// A file rewritten between the two readings (same number of lines) is
    /// an error naming it, not records that disagree with the counts; as
    /// JSON too, where serde carries only a message.
    #[test]
    fn a_file_rewritten_between_the_readings_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nagios.log");
        write_alerts(&path, "down");
        let reg = crate::grammar::registry::Registry::builtin().unwrap();
        let p = parsed(&path, &reg);
        write_alerts(&path, "gone");
        match outputs(&p) {
            Err(Failed::Read(e)) => assert!(e.to_string().contains("changed while"), "{e}"),
            other => panic!("{other:?}"),
        }
        let err = crate::report::parse::write_json_file(&mut Vec::new(), &p).unwrap_err();
        let ours = crate::error::Error::io("<stdout>", err).carried();
        assert!(ours.to_string().contains("nagios.log"), "{ours}");
        assert!(ours.to_string().contains("changed while"), "{ours}");
        assert!(!ours.to_string().contains("<stdout>"), "{ours}");
    }
}
