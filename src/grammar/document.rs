//! Document formats: files read whole because a record spans many lines.
//!
//! Atlassian Statuspage JSON (an incident, `{"incident": …}`, a page's
//! `incidents.json`/`summary.json`, or arrays of those) and the plain-text
//! "update timeline" export of a status page (the founding seed). Each
//! record cites the line where its timestamp is written.

use super::record::Record;
use crate::time::stamp::{self, Stamp};
use serde_json::Value;
use std::borrow::Cow;

/// Parse a status-page export, JSON or text.
pub fn statuspage(text: &str) -> Result<Vec<Record<'static>>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        statuspage_json(text)
    } else {
        statuspage_text(text)
    }
}

/// Whether `head` (the start of a file) looks like a status-page export.
pub fn looks_like_statuspage(head: &str) -> bool {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    ((t.starts_with('{') || t.starts_with('[')) && head.contains("\"incident_updates\""))
        || head.lines().any(|l| l.trim() == "Update timeline")
}

/// Line numbers (1-based) of every occurrence of `"key":` in document order.
fn key_lines(text: &str, key: &str) -> Vec<u64> {
    let needle = format!("\"{key}\"");
    let mut out = Vec::new();
    let mut line = 1u64;
    let mut last = 0usize;
    for (pos, _) in text.match_indices(&needle) {
        let after = text[pos + needle.len()..].trim_start();
        if !after.starts_with(':') {
            continue;
        }
        line += memchr::memchr_iter(b'\n', &text.as_bytes()[last..pos]).count() as u64;
        last = pos;
        out.push(line);
    }
    out
}

struct JsonWalk {
    created_lines: Vec<u64>,
    seen_created: usize,
    records: Vec<Record<'static>>,
}

fn statuspage_json(text: &str) -> Result<Vec<Record<'static>>, String> {
    let value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        format!(
            "invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let mut walk = JsonWalk {
        created_lines: key_lines(text, "created_at"),
        seen_created: 0,
        records: Vec::new(),
    };
    walk.value(&value, None);
    Ok(walk.records)
}

fn str_field<'v>(obj: &'v serde_json::Map<String, Value>, k: &str) -> Option<&'v str> {
    obj.get(k).and_then(Value::as_str)
}

impl JsonWalk {
    /// Visit values in document order (serde_json keeps key order), counting
    /// `created_at` keys so each maps to its line in the text.
    fn value(&mut self, v: &Value, incident: Option<&serde_json::Map<String, Value>>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| self.value(i, incident)),
            Value::Object(obj) => {
                let is_incident = obj.contains_key("incident_updates");
                let is_update = !is_incident && incident.is_some() && obj.contains_key("body");
                for (k, child) in obj {
                    if k == "created_at" {
                        let line = self
                            .created_lines
                            .get(self.seen_created)
                            .copied()
                            .unwrap_or(0);
                        self.seen_created += 1;
                        if is_incident {
                            self.emit("incident", obj, None, line);
                        } else if is_update {
                            self.emit("update", obj, incident, line);
                        }
                    }
                    let inner = if is_incident { Some(obj) } else { incident };
                    self.value(child, inner);
                }
            }
            _ => {}
        }
    }

    fn emit(
        &mut self,
        pattern: &'static str,
        obj: &serde_json::Map<String, Value>,
        incident: Option<&serde_json::Map<String, Value>>,
        line: u64,
    ) {
        let Some(created) = str_field(obj, "created_at") else {
            return;
        };
        let stamp = match stamp::iso(created) {
            Ok(("", st)) => Some(st),
            _ => None,
        };
        let mut fields: Vec<(&'static str, Cow<'static, str>)> = Vec::new();
        let mut put = |k: &'static str, v: Option<&str>| {
            if let Some(v) = v {
                fields.push((k, Cow::Owned(v.to_string())));
            }
        };
        put("ts", Some(created));
        put("status", str_field(obj, "status"));
        if pattern == "incident" {
            put("incident", str_field(obj, "name"));
            put("impact", str_field(obj, "impact"));
            put("resolved_at", str_field(obj, "resolved_at"));
        } else {
            put("incident", incident.and_then(|i| str_field(i, "name")));
            put("body", str_field(obj, "body"));
        }
        self.records.push(Record {
            line,
            pattern,
            fields,
            stamp,
        });
    }
}

/// The plain-text export: `Started` / `Resolved` / `Duration` / `Detected by`
/// header pairs (each a claim) and numbered updates
/// (`  1. investigating Feb 23, 2017, 04:10 AM UTC`) followed by their body.
fn statuspage_text(text: &str) -> Result<Vec<Record<'static>>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut records: Vec<Record<'static>> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let l = lines[k].trim();
        let no = k as u64 + 1;
        if let Some(rec) = update_line(l, no) {
            let mut body = Vec::new();
            let mut j = k + 1;
            while j < lines.len() && update_line(lines[j].trim(), 0).is_none() {
                if !lines[j].trim().is_empty() {
                    body.push(lines[j].trim());
                }
                j += 1;
            }
            let mut rec = rec;
            rec.fields.push(("body", Cow::Owned(body.join(" "))));
            records.push(rec);
            k = j;
            continue;
        }
        let claim = match l {
            "Started" => Some("started"),
            "Resolved" => Some("resolved"),
            "Duration" => Some("duration"),
            _ if l.starts_with("Detected by") => Some("detected"),
            _ => None,
        };
        if let (Some(claim), Some(next)) = (claim, lines.get(k + 1)) {
            let value = next.trim();
            // A stated duration has no time of its own: it is about the
            // incident that started at the `Started` claim.
            let stamp = time_with_label(value).map(|(st, _)| st).or_else(|| {
                (claim == "duration")
                    .then(|| {
                        records
                            .iter()
                            .rev()
                            .find(|r| r.get("claim") == Some("started"))
                    })
                    .flatten()
                    .and_then(|r| r.stamp)
            });
            let mut fields = vec![
                ("claim", Cow::Owned(claim.to_string())),
                ("value", Cow::Owned(value.to_string())),
            ];
            if let Some((_, label)) = time_with_label(value) {
                fields.push(("tz", Cow::Owned(label)));
            } else if let Some(started) = records
                .iter()
                .rev()
                .find(|r| claim == "duration" && r.get("claim") == Some("started"))
            {
                let label = started.get("tz").unwrap_or("UTC").to_string();
                fields.push(("tz", Cow::Owned(label)));
            }
            records.push(Record {
                line: no + 1,
                pattern: "claim",
                fields,
                stamp,
            });
            k += 2;
            continue;
        }
        k += 1;
    }
    if records.is_empty() {
        return Err("no status-page updates found".into());
    }
    Ok(records)
}

/// `Feb 23, 2017, 04:10 AM UTC` → stamp and label.
fn time_with_label(s: &str) -> Option<(Stamp, String)> {
    let (rest, wall) = stamp::mdy12(s).ok()?;
    let label = rest.trim();
    let label = if label.is_empty() { "UTC" } else { label };
    stamp::tz_abbrev(label).ok().filter(|(r, _)| r.is_empty())?;
    Some((Stamp::Wall(wall), label.to_string()))
}

fn update_line(l: &str, no: u64) -> Option<Record<'static>> {
    let (n, rest) = l.split_once(". ")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (status, when) = rest.split_once(' ')?;
    if !status.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let (stamp, label) = time_with_label(when.trim())?;
    Some(Record {
        line: no,
        pattern: "update",
        fields: vec![
            ("status", Cow::Owned(status.to_string())),
            ("ts", Cow::Owned(when.trim().to_string())),
            ("tz", Cow::Owned(label)),
        ],
        stamp: Some(stamp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCIDENT: &str = r#"{
  "incident": {
    "name": "Customer Portal",
    "status": "resolved",
    "created_at": "2017-02-22T22:10:00.000-06:00",
    "resolved_at": "2017-02-22T22:28:00.000-06:00",
    "incident_updates": [
      {
        "status": "resolved",
        "body": "Restored.",
        "created_at": "2017-02-22T22:28:00.000-06:00"
      },
      {
        "status": "investigating",
        "body": "Unavailable.",
        "created_at": "2017-02-22T22:10:00.000-06:00"
      }
    ]
  }
}"#;

    #[test]
    fn json_records_cite_created_at_lines() {
        let recs = statuspage(INCIDENT).unwrap();
        let got: Vec<(u64, &str, Option<&str>)> = recs
            .iter()
            .map(|r| (r.line, r.pattern, r.get("status")))
            .collect();
        assert_eq!(
            got,
            vec![
                (5, "incident", Some("resolved")),
                (11, "update", Some("resolved")),
                (16, "update", Some("investigating")),
            ]
        );
        assert_eq!(recs[2].get("incident"), Some("Customer Portal"));
        assert_eq!(recs[2].get("body"), Some("Unavailable."));
        assert!(matches!(
            recs[2].stamp,
            Some(Stamp::Offset {
                offset_s: -21600,
                ..
            })
        ));
    }

    #[test]
    fn seed_text_form() {
        let text = "Started\nFeb 23, 2017, 04:10 AM UTC\nResolved\nFeb 23, 2017, 04:28 AM UTC\nDuration\n17m\n\nUpdate timeline\n\n  1. investigating Feb 23, 2017, 04:10 AM UTC\n\n    Network down.\n\n  2. resolved Feb 23, 2017, 04:28 AM UTC\n\n    Restored.\n";
        let recs = statuspage(text).unwrap();
        let got: Vec<(u64, &str, Option<&str>, Option<&str>)> = recs
            .iter()
            .map(|r| {
                (
                    r.line,
                    r.pattern,
                    r.get("claim").or(r.get("status")),
                    r.get("value").or(r.get("body")),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    2,
                    "claim",
                    Some("started"),
                    Some("Feb 23, 2017, 04:10 AM UTC")
                ),
                (
                    4,
                    "claim",
                    Some("resolved"),
                    Some("Feb 23, 2017, 04:28 AM UTC")
                ),
                (6, "claim", Some("duration"), Some("17m")),
                (10, "update", Some("investigating"), Some("Network down.")),
                (14, "update", Some("resolved"), Some("Restored.")),
            ]
        );
        // The stated duration is dated by the Started claim it describes.
        assert_eq!(recs[2].stamp, recs[0].stamp);
    }

    #[test]
    fn invalid_json_names_position() {
        let e = statuspage("{\n  \"incident_updates\": [,]\n}").unwrap_err();
        assert!(e.starts_with("invalid JSON at line 2"), "{e}");
    }
}
