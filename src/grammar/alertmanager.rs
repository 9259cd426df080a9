//! Prometheus Alertmanager webhook payloads, read as documents: one payload,
//! an array of them, or one per line; also the Prometheus `/api/v1/alerts`
//! response (`{"status": "success", "data": {"alerts": [...]}}`).
//!
//! One record per alert. Its time (`ts`) is `startsAt` while firing and
//! `endsAt` once resolved; a resolved alert whose `endsAt` is the zero time
//! (`0001-01-01T00:00:00Z`, "not ended") has no time of its own and is left
//! without a stamp rather than given its start time. Prometheus API alerts
//! carry `state` and `activeAt` instead. Each record cites the line where
//! the timestamp it took is written.

use super::json::{scalar_text, str_field, values, KeyLines, KeyedLines};
use super::record::Record;
use crate::time::stamp::{self, Stamp};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Alertmanager's "no end time yet".
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Whether `head` (the start of a file) looks like alert JSON.
pub fn looks_like_alertmanager(head: &str) -> bool {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with('{') || t.starts_with('['))
        && head.contains("\"alerts\"")
        && (head.contains("\"startsAt\"") || head.contains("\"activeAt\""))
}

/// Parse a file of alert payloads.
pub fn parse(text: &str) -> Result<Vec<Record<'static>>, String> {
    let body = text.trim_start_matches('\u{feff}');
    let vals = values(body)?;
    let mut keys = KeyLines::scan(body);
    let mut records = Vec::new();
    for v in &vals {
        let receiver = v
            .as_object()
            .and_then(|o| str_field(o, "receiver"))
            .map(str::to_string);
        keys.walk(v, &mut |obj, lines| {
            if let Some(r) = alert(obj, lines, receiver.as_deref()) {
                records.push(r);
            }
        });
    }
    if records.is_empty() {
        return Err(
            "no alerts found (expected `alerts[]` with `labels` and `startsAt` or `activeAt`)"
                .into(),
        );
    }
    Ok(records)
}

/// One alert object, or `None` for any other object.
fn alert(
    obj: &Map<String, Value>,
    lines: &KeyedLines,
    receiver: Option<&str>,
) -> Option<Record<'static>> {
    let labels = obj.get("labels")?.as_object()?;
    let api = !obj.contains_key("startsAt") && obj.contains_key("activeAt");
    if !api && !obj.contains_key("startsAt") {
        return None;
    }
    let status = if api {
        str_field(obj, "state")
    } else {
        str_field(obj, "status")
    }
    .unwrap_or("firing");
    let ends = str_field(obj, "endsAt").filter(|e| *e != ZERO_TIME);
    let (time_key, ts) = match (api, status) {
        (true, _) => ("activeAt", str_field(obj, "activeAt")),
        (false, "resolved") => ("endsAt", ends),
        (false, _) => ("startsAt", str_field(obj, "startsAt")),
    };
    let line = lines
        .line(time_key)
        .or_else(|| lines.line("startsAt"))
        .or_else(|| lines.line("labels"))
        .unwrap_or(0);
    let stamp: Option<Stamp> = ts.and_then(|t| match stamp::iso(t) {
        Ok(("", st)) => Some(st),
        _ => None,
    });
    let annotations = obj.get("annotations").and_then(Value::as_object);
    let label = |k: &str| str_field(labels, k);
    let note = |k: &str| annotations.and_then(|a| str_field(a, k)).or(label(k));
    let mut fields: Vec<(&'static str, Cow<'static, str>)> = Vec::new();
    let mut put = |k: &'static str, v: Option<&str>| {
        if let Some(v) = v {
            fields.push((k, Cow::Owned(v.to_string())));
        }
    };
    put("ts", ts);
    put("status", Some(status));
    put("alertname", label("alertname"));
    put("instance", label("instance"));
    put("job", label("job"));
    put("severity", label("severity"));
    put("summary", note("summary"));
    put("description", note("description"));
    put("fingerprint", str_field(obj, "fingerprint"));
    put("startsAt", str_field(obj, "startsAt"));
    put("endsAt", str_field(obj, "endsAt"));
    put("activeAt", str_field(obj, "activeAt"));
    put("generatorURL", str_field(obj, "generatorURL"));
    put("receiver", receiver);
    put("labels", Some(&label_set(labels)));
    Some(Record {
        line,
        pattern: if api { "api-alert" } else { "alert" },
        fields,
        stamp,
    })
}

/// All labels in Prometheus' own notation, `{alertname="X", job="y"}`, so a
/// rule can match on any of them.
fn label_set(labels: &Map<String, Value>) -> String {
    let parts: Vec<String> = labels
        .iter()
        .filter_map(|(k, v)| scalar_text(v).map(|v| format!("{k}={v:?}")))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = r#"{
  "receiver": "ops",
  "status": "firing",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "PortalDown", "instance": "portal:443", "job": "blackbox"},
      "annotations": {"summary": "Portal is down"},
      "startsAt": "2017-02-23T03:57:10.5Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "fingerprint": "abc"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "PortalDown", "instance": "api:443"},
      "startsAt": "2017-02-23T03:57:10Z",
      "endsAt": "2017-02-23T04:23:40-06:00"
    },
    {
      "status": "resolved",
      "labels": {"alertname": "Hand-edited"},
      "startsAt": "2017-02-23T03:57:10Z",
      "endsAt": "0001-01-01T00:00:00Z"
    }
  ]
}"#;

    #[test]
    fn one_record_per_alert_citing_its_time() {
        let recs = parse(PAYLOAD).unwrap();
        let got: Vec<(u64, Option<&str>, Option<&str>)> = recs
            .iter()
            .map(|r| (r.line, r.get("status"), r.get("ts")))
            .collect();
        assert_eq!(
            got,
            vec![
                (9, Some("firing"), Some("2017-02-23T03:57:10.5Z")),
                (17, Some("resolved"), Some("2017-02-23T04:23:40-06:00")),
                // No end time: cited at its endsAt line, and no stamp.
                (23, Some("resolved"), None),
            ]
        );
        assert!(recs[2].stamp.is_none());
        assert!(matches!(
            recs[1].stamp,
            Some(Stamp::Offset {
                offset_s: -21600,
                ..
            })
        ));
        assert_eq!(recs[0].get("summary"), Some("Portal is down"));
        assert_eq!(recs[0].get("receiver"), Some("ops"));
        assert_eq!(
            recs[0].get("labels"),
            Some(r#"{alertname="PortalDown", instance="portal:443", job="blackbox"}"#)
        );
    }

    #[test]
    fn one_payload_per_line_and_api_responses() {
        let ndjson = "{\"alerts\":[{\"labels\":{\"alertname\":\"A\"},\"startsAt\":\"2019-09-27T16:27:56Z\"}]}\n{\"alerts\":[{\"status\":\"resolved\",\"labels\":{\"alertname\":\"A\"},\"startsAt\":\"2019-09-27T16:27:56Z\",\"endsAt\":\"2019-09-27T16:30:00Z\"}]}\n";
        let recs = parse(ndjson).unwrap();
        assert_eq!(recs.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 2]);
        let api = "{\"status\":\"success\",\"data\":{\"alerts\":[\n{\"labels\":{\"alertname\":\"B\"},\n\"state\":\"pending\",\n\"activeAt\":\"2021-02-22T09:04:59.663560371Z\"}]}}";
        let recs = parse(api).unwrap();
        assert_eq!(recs[0].line, 4);
        assert_eq!(recs[0].pattern, "api-alert");
        assert_eq!(recs[0].get("status"), Some("pending"));
    }

    #[test]
    fn not_alerts() {
        assert!(parse("{\"a\": 1}").unwrap_err().starts_with("no alerts"));
        assert!(parse("{").unwrap_err().starts_with("invalid JSON"));
        assert!(looks_like_alertmanager(PAYLOAD));
        assert!(!looks_like_alertmanager("{\"incident_updates\": []}"));
    }
}
