//! The events table: one row per timed event, the columns an engine
//! (DuckDB, Spark, Trino, pandas) queries directly. docs/events.md
//! describes each column; a change here is a new `SCHEMA` version.

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

/// Columns in order: (name, type, nullable).
pub fn columns() -> Vec<(&'static str, DataType, bool)> {
    let text = DataType::Utf8;
    vec![
        (
            "instant",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        ),
        ("source", DataType::UInt32, false),
        ("file", text.clone(), false),
        ("line", DataType::UInt64, false),
        ("role", text.clone(), false),
        ("kind", text.clone(), false),
        ("host", text.clone(), true),
        ("subject", text.clone(), true),
        ("state", text.clone(), true),
        ("signal", text.clone(), true),
        ("summary", text.clone(), false),
        ("offset_s", DataType::Int32, false),
        ("offset_from", text.clone(), false),
        ("offset_label", text.clone(), true),
        ("dst", text.clone(), true),
        ("provenance", text.clone(), false),
        ("precision_ms", DataType::UInt32, false),
        ("text", text.clone(), true),
        ("operator_user", text.clone(), true),
        ("operator_session", text.clone(), true),
        ("operator_command", text, true),
    ]
}

/// The Arrow schema of an events file.
pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(
        columns()
            .into_iter()
            .map(|(n, t, null)| Field::new(n, t, null))
            .collect::<Vec<_>>(),
    ))
}

/// A unit enum's serde name (`Kind::Fault` → `fault`): the same words the
/// analysis JSON uses.
pub fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The unit enum a serde name stands for.
pub fn from_word<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Role};

    #[test]
    fn words_round_trip_for_every_kind_and_role() {
        for k in [
            Kind::Change,
            Kind::Fault,
            Kind::Recovery,
            Kind::Detection,
            Kind::Action,
            Kind::Comms,
            Kind::Info,
        ] {
            assert_eq!(word(&k), k.as_str());
            assert_eq!(from_word::<Kind>(&word(&k)), Some(k));
        }
        for r in [Role::Device, Role::Host, Role::Monitor, Role::Public] {
            assert_eq!(from_word::<Role>(&word(&r)), Some(r));
        }
        assert_eq!(from_word::<Role>("router"), None);
    }
}
