//! The TOML shape of a grammar file (`grammars/*.toml`, `--grammars DIR`).
//! See docs/grammars.md for the language and a worked example.

use super::rules::RuleSpec;
use crate::event::Role;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrammarSpec {
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub role: Role,
    /// On a detection tie, the higher priority (the more specific format) wins.
    #[serde(default)]
    pub priority: i32,
    /// A built-in record parser instead of line patterns.
    #[serde(default)]
    pub record: Option<RecordForm>,
    #[serde(default)]
    pub pattern: Vec<PatternSpec>,
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
    /// This format's words for typed states (`CRITICAL = "down"`), used by
    /// rules whose `signal` is a template (see `crate::signal`).
    #[serde(default)]
    pub states: BTreeMap<String, String>,
    #[serde(default)]
    pub sample: Vec<SampleSpec>,
    /// An access log: its records are HTTP requests, counted into
    /// per-minute rates (see `crate::rates`).
    #[serde(default)]
    pub requests: Option<RequestsSpec>,
}

/// Which fields of an access log's record hold the HTTP status, the
/// latency and what the request was for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestsSpec {
    /// The field with the HTTP status (a record without a numeric status
    /// in 100..=599 is no request, and no match for this grammar).
    pub status: String,
    /// The field with the time taken, if the format logs one.
    #[serde(default)]
    pub latency: Option<String>,
    #[serde(default)]
    pub latency_unit: LatencyUnit,
    /// Fields naming the virtual host or backend, first present wins; a
    /// dotted name (`request.host`) reads a member of a JSON object field.
    /// None present: the source's host, else its file name.
    #[serde(default)]
    pub subject: Vec<String>,
}

/// The unit an access log writes its latency in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatencyUnit {
    /// Seconds with a fraction (nginx `$request_time`, Caddy `duration`).
    #[default]
    S,
    /// Milliseconds (HAProxy `Tt`).
    Ms,
    /// Microseconds (Apache `%D`).
    Us,
}

/// Formats parsed by Rust code rather than patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordForm {
    /// Atlassian Statuspage incident JSON, or its plain-text update timeline.
    Statuspage,
    /// Prometheus Alertmanager webhook payloads (one per line, an array, or
    /// one pretty-printed document) and Prometheus `/api/v1/alerts` responses.
    Alertmanager,
    /// JSON lines: one object per line with a time field. A line form, not a
    /// document: each line is read on its own.
    Jsonl,
}

impl RecordForm {
    /// Whether the whole file is read at once (a record spans many lines).
    pub fn is_document(self) -> bool {
        match self {
            RecordForm::Statuspage | RecordForm::Alertmanager => true,
            RecordForm::Jsonl => false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSpec {
    pub name: String,
    #[serde(rename = "match")]
    pub matches: toml::Spanned<String>,
    /// A catch-all for lines this format shares with generic ones (`last
    /// message repeated`, a daemon without an event tag). Such lines parse,
    /// but count for auto-detection only when the file also has lines that
    /// only this grammar's other patterns read (see `detect`).
    #[serde(default)]
    pub fallback: bool,
}

/// A real-looking input and what it must yield. `expect` keys are field
/// names, or `kind`, `subject`, `state`, `summary`, `signal`, `instant` (UTC, read
/// with `zone` and `year`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleSpec {
    pub text: String,
    /// For document formats: which record to check (0-based).
    #[serde(default)]
    pub record: usize,
    #[serde(default)]
    pub zone: Option<String>,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub expect: BTreeMap<String, String>,
}
