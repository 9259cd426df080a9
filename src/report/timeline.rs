//! `rfo timeline` and the fixtures' `timeline.*`: every timed event in UTC
//! order with its time provenance. Text is in the report zone; JSON Lines
//! (`jsonl`, also accepted as `json`) and CSV carry Timesketch's columns
//! (`message`, `datetime`, `timestamp_desc`), always in UTC, so the
//! timeline imports there.

use super::escape::{csv_text, terminal};
use super::stamp::{in_zone, zone_header};
use crate::cli::TimelineFormat;
use crate::event::TimedEvent;
use crate::time::rfc3339;
use chrono::{DateTime, Utc};
use serde::Serialize;

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
    summary: &'a str,
    time: &'a crate::time::provenance::Provenance,
    tzdb: &'static str,
}

const DESC: &str = "Event Recorded";

fn message(e: &TimedEvent) -> &str {
    e.text().unwrap_or(&e.summary)
}

/// The timeline in `format`, limited to `[from, to]`; text in `zone`.
pub fn render(
    timeline: &[TimedEvent],
    format: TimelineFormat,
    zone: chrono_tz::Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> String {
    let mut out = Vec::new();
    write(&mut out, timeline, format, zone, from, to).expect("writing to memory");
    String::from_utf8(out).expect("the timeline is UTF-8")
}

/// The same, line by line into `out`: a timeline is as long as its
/// evidence, so the command streams it rather than holding it whole.
pub fn write(
    out: &mut dyn std::io::Write,
    timeline: &[TimedEvent],
    format: TimelineFormat,
    zone: chrono_tz::Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> std::io::Result<()> {
    let events = timeline
        .iter()
        .filter(|e| from.is_none_or(|f| e.instant >= f) && to.is_none_or(|t| e.instant <= t));
    match format {
        TimelineFormat::Text => {
            writeln!(out, "# tz database {}", crate::time::TZDB_VERSION)?;
            out.write_all(zone_header(zone).as_bytes())?;
            for e in events {
                writeln!(
                    out,
                    "{}  {:<9} {}:{}  {}",
                    in_zone(zone, &e.instant),
                    e.who.kind.as_str(),
                    terminal(&e.who.file),
                    e.line,
                    terminal(message(e))
                )?;
            }
        }
        TimelineFormat::Jsonl | TimelineFormat::Json => {
            for e in events {
                let l = Line {
                    message: message(e),
                    datetime: rfc3339(&e.instant),
                    timestamp_desc: DESC,
                    file: &e.who.file,
                    line: e.line,
                    kind: e.who.kind.as_str(),
                    subject: e.who.subject.as_deref(),
                    state: e.who.state.as_deref(),
                    summary: &e.summary,
                    time: &e.provenance,
                    tzdb: crate::time::TZDB_VERSION,
                };
                serde_json::to_writer(&mut *out, &l)?;
                out.write_all(b"\n")?;
            }
        }
        TimelineFormat::Csv => {
            out.write_all(b"message,datetime,timestamp_desc,file,line,kind,subject,state,offset_s,offset_from,tzdb\n")?;
            for e in events {
                let from = serde_json::to_value(&e.provenance.offset)
                    .ok()
                    .and_then(|v| v.get("from").and_then(|f| f.as_str().map(str::to_string)))
                    .unwrap_or_default();
                let cells = [
                    csv_text(message(e)).into_owned(),
                    rfc3339(&e.instant),
                    DESC.to_string(),
                    csv_text(&e.who.file).into_owned(),
                    e.line.to_string(),
                    e.who.kind.as_str().to_string(),
                    csv_text(e.who.subject.as_deref().unwrap_or_default()).into_owned(),
                    csv_text(e.who.state.as_deref().unwrap_or_default()).into_owned(),
                    e.provenance.offset_s.to_string(),
                    from,
                    crate::time::TZDB_VERSION.to_string(),
                ];
                let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                out.write_all(row.join(",").as_bytes())?;
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

/// RFC 4180 quoting.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
