//! JSON lines: one JSON object per line with a time field (structured
//! application logs, `journalctl -o json`, Docker's json-file driver).
//!
//! Each line is read on its own, so this is a line form, not a document. A
//! line is a record when it is a JSON object with a readable time; the
//! well-known members are copied to canonical fields (`ts`, `msg`, `level`,
//! `host`, `tag`) and every other top-level member is kept under its own name
//! (objects and arrays as compact JSON). Member names with escapes are
//! dropped: field names borrow from the line.

use super::matcher::NoMatch;
use super::record::Record;
use crate::time::stamp::{self, Stamp};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Time members, first present wins. journald's `_SOURCE_REALTIME_TIMESTAMP`
/// (when the message was made) beats `__REALTIME_TIMESTAMP` (when journald
/// received it).
const TIME_KEYS: &[&str] = &[
    "ts",
    "time",
    "timestamp",
    "@timestamp",
    "_SOURCE_REALTIME_TIMESTAMP",
    "__REALTIME_TIMESTAMP",
];
const MSG_KEYS: &[&str] = &["msg", "message", "MESSAGE", "log"];
const LEVEL_KEYS: &[&str] = &["level", "severity", "PRIORITY", "lvl"];
const HOST_KEYS: &[&str] = &["host", "hostname", "_HOSTNAME"];
const TAG_KEYS: &[&str] = &["SYSLOG_IDENTIFIER", "logger", "app", "service", "_COMM"];

/// A member name: borrowed from the line, or `None` when it had escapes.
struct Key<'a>(Option<&'a str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Some(v)))
            }
            fn visit_str<E>(self, _: &str) -> Result<Key<'de>, E> {
                Ok(Key(None))
            }
        }
        d.deserialize_str(V)
    }
}

/// A top-level object as (name, value) pairs in line order.
struct Members<'a>(Vec<(Option<&'a str>, Value)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<Key<'de>, Value>()? {
                    out.push((k.0, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parse one JSON line. Not an object, or no readable time: no match.
pub fn parse(text: &str, line: u64) -> Result<Record<'_>, NoMatch> {
    let body = text.trim_start_matches('\u{feff}').trim_end();
    let skipped = text.len() - text.trim_start_matches('\u{feff}').len();
    let members: Members = serde_json::from_str(body).map_err(|e| NoMatch {
        offset: floor_boundary(text, skipped + e.column().saturating_sub(1)),
    })?;
    let members = members.0;
    let find = |keys: &[&str]| {
        keys.iter().find_map(|want| {
            members
                .iter()
                .find(|(k, v)| *k == Some(*want) && !v.is_null())
                .map(|(_, v)| v)
        })
    };
    let time = find(TIME_KEYS).ok_or(NoMatch { offset: 0 })?;
    let stamp = time_value(time).ok_or(NoMatch { offset: 0 })?;
    let mut fields: Vec<(&str, Cow<'_, str>)> = Vec::with_capacity(members.len() + 5);
    let text_of = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    fields.push(("ts", Cow::Owned(text_of(time).unwrap_or_default())));
    for (name, keys) in [
        ("msg", MSG_KEYS),
        ("level", LEVEL_KEYS),
        ("host", HOST_KEYS),
        ("tag", TAG_KEYS),
    ] {
        let value = match (name, find(keys)) {
            // ECS: "host": {"name": "web01", ...}
            ("host", Some(Value::Object(o))) => o.get("name").and_then(text_of_str),
            (_, v) => v.and_then(text_of),
        };
        if let Some(v) = value {
            fields.push((name, Cow::Owned(v)));
        }
    }
    for (k, v) in &members {
        let Some(k) = *k else { continue };
        if matches!(k, "ts" | "msg" | "level" | "host" | "tag" | "pattern") {
            continue;
        }
        if let Some(v) = text_of(v) {
            fields.push((k, Cow::Owned(v)));
        }
    }
    Ok(Record {
        line,
        pattern: "json",
        fields,
        stamp: Some(stamp),
    })
}

fn text_of_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The largest char boundary at or below `k`.
fn floor_boundary(s: &str, mut k: usize) -> usize {
    k = k.min(s.len());
    while !s.is_char_boundary(k) {
        k -= 1;
    }
    k
}

/// A time member: an RFC 3339 / ISO 8601 string, or an epoch as a number or
/// a string of digits, its unit told by its size (seconds up to 11 integer
/// digits, then milliseconds, microseconds, nanoseconds: journald writes
/// microseconds).
fn time_value(v: &Value) -> Option<Stamp> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if let Ok(("", st)) = stamp::iso(s) {
                return Some(st);
            }
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            if int.is_empty()
                || !int.bytes().all(|b| b.is_ascii_digit())
                || !frac.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            epoch_digits(int, frac)
        }
        Value::Number(n) => {
            let s = n.to_string();
            if s.contains(['e', 'E', '-']) {
                return None;
            }
            let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
            epoch_digits(int, frac)
        }
        _ => None,
    }
}

fn epoch_digits(int: &str, frac: &str) -> Option<Stamp> {
    let int = int.trim_start_matches('0');
    let secs_digits = match int.len() {
        0..=11 => int.len(),
        12..=14 => int.len() - 3,
        15..=17 => int.len() - 6,
        18..=20 => int.len() - 9,
        _ => return None,
    };
    let secs: i64 = if secs_digits == 0 {
        0
    } else {
        int[..secs_digits].parse().ok()?
    };
    // Sub-second digits: those below the unit, then the written fraction.
    let sub: String = int[secs_digits..]
        .chars()
        .chain(frac.chars())
        .take(9)
        .collect();
    let nanos = if sub.is_empty() {
        0
    } else {
        format!("{sub:0<9}").parse().ok()?
    };
    Some(Stamp::Epoch { secs, nanos })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(r: &'a Record, k: &str) -> Option<&'a str> {
        r.get(k)
    }

    #[test]
    fn canonical_fields_and_the_rest() {
        let line = r#"{"time":"2017-02-23T03:56:03.120Z","level":"error","msg":"upstream timeout","hostname":"web01","req":{"id":7},"n":3,"ok":true,"x":null}"#;
        let r = parse(line, 4).unwrap();
        assert_eq!(r.line, 4);
        assert_eq!(get(&r, "ts"), Some("2017-02-23T03:56:03.120Z"));
        assert_eq!(get(&r, "msg"), Some("upstream timeout"));
        assert_eq!(get(&r, "level"), Some("error"));
        assert_eq!(get(&r, "host"), Some("web01"));
        assert_eq!(get(&r, "hostname"), Some("web01"));
        assert_eq!(get(&r, "req"), Some(r#"{"id":7}"#));
        assert_eq!(get(&r, "n"), Some("3"));
        assert_eq!(get(&r, "ok"), Some("true"));
        assert_eq!(get(&r, "x"), None);
        assert!(matches!(r.stamp, Some(Stamp::Offset { offset_s: 0, .. })));
    }

    #[test]
    fn journald_and_epochs() {
        let r = parse(
            r#"{"__REALTIME_TIMESTAMP":"1487822163120000","_HOSTNAME":"web01","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Accepted","PRIORITY":"6"}"#,
            1,
        )
        .unwrap();
        assert_eq!(
            r.stamp,
            Some(Stamp::Epoch {
                secs: 1487822163,
                nanos: 120_000_000
            })
        );
        assert_eq!(
            (
                get(&r, "host"),
                get(&r, "tag"),
                get(&r, "msg"),
                get(&r, "level")
            ),
            (Some("web01"), Some("sshd"), Some("Accepted"), Some("6"))
        );
        let at = |v: &str| parse(&format!("{{\"ts\":{v}}}"), 1).unwrap().stamp.unwrap();
        assert_eq!(
            at("1487822163"),
            Stamp::Epoch {
                secs: 1487822163,
                nanos: 0
            }
        );
        assert_eq!(
            at("1487822163.25"),
            Stamp::Epoch {
                secs: 1487822163,
                nanos: 250_000_000
            }
        );
        assert_eq!(
            at("1487822163120"),
            Stamp::Epoch {
                secs: 1487822163,
                nanos: 120_000_000
            }
        );
        assert_eq!(
            at("\"1487822163120\""),
            Stamp::Epoch {
                secs: 1487822163,
                nanos: 120_000_000
            }
        );
        assert!(matches!(at("\"2017-02-23 03:56:03\""), Stamp::Wall(_)));
    }

    #[test]
    fn ecs_host_object() {
        let r = parse(
            r#"{"@timestamp":"2017-02-23T03:56:03Z","host":{"name":"web01"},"message":"m"}"#,
            1,
        )
        .unwrap();
        assert_eq!(get(&r, "host"), Some("web01"));
        assert_eq!(get(&r, "msg"), Some("m"));
    }

    #[test]
    fn not_records() {
        assert!(parse("not json", 1).is_err());
        assert!(parse(r#"{"msg":"no time"}"#, 1).is_err());
        assert!(parse(r#"{"ts":"yesterday"}"#, 1).is_err());
        assert!(parse(r#"[1,2]"#, 1).is_err());
        assert!(parse(r#"{"ts":-5}"#, 1).is_err());
        // The failure column is a char boundary, whatever the input.
        let e = parse("{\"é\": é}", 1).unwrap_err();
        assert!("{\"é\": é}".is_char_boundary(e.offset));
    }
}
