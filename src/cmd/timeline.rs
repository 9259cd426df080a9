//! `rfo timeline`: every timed event in UTC order with its time provenance.
//! Text is in the report zone; JSON Lines (`jsonl`, also accepted as
//! `json`) and CSV carry Timesketch's columns (`message`, `datetime`,
//! `timestamp_desc`), always in UTC, so the timeline imports there.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{Common, TimelineArgs, TimelineFormat};
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::event::TimedEvent;
use crate::pipeline;
use crate::report::escape::{csv_text, terminal};
use crate::report::stamp::{in_zone, zone_header};
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
    e.text.as_deref().unwrap_or(&e.summary)
}

pub fn run(a: &TimelineArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (from, to) = super::time_range(&a.from, &a.to)?;
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::All)?;
    let zone = pipeline::report_zone(&loaded, opts)?;
    if a.redact.redact {
        let mut r = super::redact::redactor_of(&loaded);
        let mut events = loaded.timeline.clone();
        events.iter_mut().for_each(|e| r.event(e));
        emit(common, &render(&events, a.format, zone, from, to))?;
        super::redact::write_map(&a.redact, &r)?;
        return Ok(Exit::Ok);
    }
    emit(common, &render(&loaded.timeline, a.format, zone, from, to))?;
    Ok(Exit::Ok)
}

/// The timeline in `format`, limited to `[from, to]`; text in `zone`.
pub fn render(
    timeline: &[TimedEvent],
    format: TimelineFormat,
    zone: chrono_tz::Tz,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> String {
    let events = timeline
        .iter()
        .filter(|e| from.is_none_or(|f| e.instant >= f) && to.is_none_or(|t| e.instant <= t));
    let mut out = String::new();
    match format {
        TimelineFormat::Text => {
            out.push_str(&format!("# tz database {}\n", crate::time::TZDB_VERSION));
            out.push_str(&zone_header(zone));
            for e in events {
                out.push_str(&format!(
                    "{}  {:<9} {}:{}  {}\n",
                    in_zone(zone, &e.instant),
                    e.kind.as_str(),
                    terminal(&e.file),
                    e.line,
                    terminal(message(e))
                ));
            }
        }
        TimelineFormat::Jsonl | TimelineFormat::Json => {
            for e in events {
                let l = Line {
                    message: message(e),
                    datetime: rfc3339(&e.instant),
                    timestamp_desc: DESC,
                    file: &e.file,
                    line: e.line,
                    kind: e.kind.as_str(),
                    subject: e.subject.as_deref(),
                    state: e.state.as_deref(),
                    summary: &e.summary,
                    time: &e.provenance,
                    tzdb: crate::time::TZDB_VERSION,
                };
                out.push_str(&serde_json::to_string(&l).expect("line serialises"));
                out.push('\n');
            }
        }
        TimelineFormat::Csv => {
            out.push_str("message,datetime,timestamp_desc,file,line,kind,subject,state,offset_s,offset_from,tzdb\n");
            for e in events {
                let from = serde_json::to_value(&e.provenance.offset)
                    .ok()
                    .and_then(|v| v.get("from").and_then(|f| f.as_str().map(str::to_string)))
                    .unwrap_or_default();
                let cells = [
                    csv_text(message(e)).into_owned(),
                    rfc3339(&e.instant),
                    DESC.to_string(),
                    csv_text(&e.file).into_owned(),
                    e.line.to_string(),
                    e.kind.as_str().to_string(),
                    csv_text(e.subject.as_deref().unwrap_or_default()).into_owned(),
                    csv_text(e.state.as_deref().unwrap_or_default()).into_owned(),
                    e.provenance.offset_s.to_string(),
                    from,
                    crate::time::TZDB_VERSION.to_string(),
                ];
                let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
    }
    out
}

/// RFC 4180 quoting.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
