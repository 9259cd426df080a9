//! `rfo timeline` and the fixtures' `timeline.*`: every timed event in UTC
//! order with its time provenance. Text is in the report zone; JSON Lines
//! (`jsonl`, also accepted as `json`) and CSV carry Timesketch's columns
//! (`message`, `datetime`, `timestamp_desc`), always in UTC, so the
//! timeline imports there.

use super::escape::{csv_text, terminal};
use super::stamp::{in_zone, zone_header};
use crate::bundle::lines::LineReader;
use crate::cli::TimelineFormat;
use crate::event::TimedEvent;
use crate::redact::Redactor;
use crate::time::rfc3339;
use crate::timeline::{EventRef, Timeline};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;

#[derive(Serialize)]
struct Line<'a> {
    message: &'a str,
    datetime: String,
    timestamp_desc: &'static str,
    file: &'a str,
    line: u64,
    kind: &'static str,
    subject: Option<&'a str>,
    state: Option<&'a str>,
    summary: &'a crate::event::Summary,
    time: &'a crate::time::provenance::Provenance,
    tzdb: &'static str,
}

const DESC: &str = "Event Recorded";

/// What the timeline shows of an event's line: its text, read back
/// through `lines`, else its summary.
fn message<'a>(e: &'a EventRef<'_>, lines: &'a mut LineReader) -> std::io::Result<Cow<'a, str>> {
    match lines.text(e) {
        Ok(t) => Ok(t.map_or_else(|| e.summary.get(), Cow::Borrowed)),
        Err(err) => Err(std::io::Error::other(err)),
    }
}

/// The timeline in `format`, limited to `[from, to]`; text in `zone`.
pub fn render(
    timeline: &Timeline,
    lines: &mut LineReader,
    format: TimelineFormat,
    zone: chrono_tz::Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> crate::error::Result<String> {
    let mut out = Vec::new();
    write(&mut out, timeline, lines, None, format, zone, from, to)
        .map_err(|e| crate::error::Error::io("<timeline>", e).carried())?;
    Ok(String::from_utf8(out).expect("the timeline is UTF-8"))
}

/// The same, line by line into `out`: a timeline is as long as its
/// evidence, so the command streams it rather than holding it whole. Each
/// event's line is read back through `lines` as it is written, and
/// redacted by `redact` if given (an error of either is carried inside the
/// `io::Error`: `Error::carried` takes it out).
#[allow(clippy::too_many_arguments)]
pub fn write(
    out: &mut dyn std::io::Write,
    timeline: &Timeline,
    lines: &mut LineReader,
    redact: Option<&mut Redactor>,
    format: TimelineFormat,
    zone: chrono_tz::Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> std::io::Result<()> {
    super::buffered(out, |out| {
        rows(out, timeline, lines, redact, format, zone, from, to)
    })
}

/// `write`'s rows, into a concrete buffer (`super::buffered`).
#[allow(clippy::too_many_arguments)]
fn rows(
    out: &mut impl Write,
    timeline: &Timeline,
    lines: &mut LineReader,
    mut redact: Option<&mut Redactor>,
    format: TimelineFormat,
    zone: chrono_tz::Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> std::io::Result<()> {
    let inside =
        |e: &EventRef<'_>| from.is_none_or(|f| e.instant >= f) && to.is_none_or(|t| e.instant <= t);
    match format {
        TimelineFormat::Text => {
            writeln!(out, "# tz database {}", crate::time::TZDB_VERSION)?;
            out.write_all(zone_header(zone).as_bytes())?;
            for e in timeline {
                let Some(e) = shown(e, inside(&e), redact.as_deref_mut(), lines)? else {
                    continue;
                };
                let e = &e.event();
                writeln!(
                    out,
                    "{}  {:<9} {}:{}  {}",
                    in_zone(zone, &e.instant),
                    e.who.kind.as_str(),
                    terminal(&e.who.file),
                    e.line,
                    terminal(&message(e, lines)?)
                )?;
            }
        }
        TimelineFormat::Jsonl | TimelineFormat::Json => {
            for e in timeline {
                let Some(e) = shown(e, inside(&e), redact.as_deref_mut(), lines)? else {
                    continue;
                };
                let e = &e.event();
                let l = Line {
                    message: &message(e, lines)?,
                    datetime: rfc3339(&e.instant),
                    timestamp_desc: DESC,
                    file: &e.who.file,
                    line: e.line.into(),
                    kind: e.who.kind.as_str(),
                    subject: e.who.subject.as_deref(),
                    state: e.who.state.as_deref(),
                    summary: &e.summary,
                    time: e.provenance(),
                    tzdb: crate::time::TZDB_VERSION,
                };
                serde_json::to_writer(&mut *out, &l)?;
                out.write_all(b"\n")?;
            }
        }
        TimelineFormat::Csv => {
            out.write_all(b"message,datetime,timestamp_desc,file,line,kind,subject,state,offset_s,offset_from,tzdb\n")?;
            for e in timeline {
                let Some(e) = shown(e, inside(&e), redact.as_deref_mut(), lines)? else {
                    continue;
                };
                let e = &e.event();
                let from = serde_json::to_value(&e.provenance().offset)
                    .ok()
                    .and_then(|v| v.get("from").and_then(|f| f.as_str().map(str::to_string)))
                    .unwrap_or_default();
                let cells = [
                    csv_text(&message(e, lines)?).into_owned(),
                    rfc3339(&e.instant),
                    DESC.to_string(),
                    csv_text(&e.who.file).into_owned(),
                    e.line.to_string(),
                    e.who.kind.as_str().to_string(),
                    csv_text(e.who.subject.as_deref().unwrap_or_default()).into_owned(),
                    csv_text(e.who.state.as_deref().unwrap_or_default()).into_owned(),
                    e.provenance().offset_s.to_string(),
                    from,
                    crate::time::TZDB_VERSION.to_string(),
                ];
                for (i, c) in cells.iter().enumerate() {
                    if i > 0 {
                        out.write_all(b",")?;
                    }
                    csv_cell(out, c)?;
                }
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

/// The event as shown, `None` outside the range. Redacted, it is a copy
/// that holds its redacted line; outside the range a redactor still
/// numbers what redacting it would have (`Redactor::pass`), so that
/// pseudonyms do not depend on `--from` and `--to`.
fn shown<'e>(
    e: EventRef<'e>,
    inside: bool,
    redact: Option<&mut Redactor>,
    lines: &mut LineReader,
) -> std::io::Result<Option<Shown<'e>>> {
    Ok(match (redact, inside) {
        (Some(r), false) => {
            r.pass(&e);
            None
        }
        (None, false) => None,
        (Some(r), true) => {
            let mut e = e.to_event();
            r.event(&mut e, lines).map_err(std::io::Error::other)?;
            Some(Shown::Redacted(e))
        }
        (None, true) => Some(Shown::Lent(e)),
    })
}

/// An event as the timeline shows it: the timeline's, or a redacted copy.
enum Shown<'e> {
    Lent(EventRef<'e>),
    Redacted(TimedEvent),
}

impl Shown<'_> {
    fn event(&self) -> EventRef<'_> {
        match self {
            Shown::Lent(e) => *e,
            Shown::Redacted(e) => e.lent(),
        }
    }
}

/// `s` as an RFC 4180 cell.
fn csv_cell(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", s.replace('"', "\"\""))
    } else {
        out.write_all(s.as_bytes())
    }
}
