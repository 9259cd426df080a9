//! Grammars: data, not code. One TOML file per log format, embedded at
//! build time, extendable with `--grammars DIR`.
//!
//! A grammar turns text into `Record`s (line patterns in the language of
//! `pattern`, run by `matcher`; or a built-in record parser: `jsonl` per
//! line, `document` and `alertmanager` per file) and classifies each record
//! with its rules. `detect` picks a grammar for a file. It knows nothing of
//! zones or years: stamps leave here as written. docs/grammars.md is the
//! user's guide.

pub mod alertmanager;
mod derived;
pub mod detect;
pub mod document;
pub mod json;
pub mod jsonl;
pub mod keywords;
pub mod matcher;
pub mod pattern;
pub mod record;
pub mod registry;
pub mod rules;
pub mod samples;
pub mod spec;
pub mod syntax;

use crate::event::Role;
use matcher::NoMatch;
pub use matcher::Reading;
use record::Record;
use rules::LazyClassifier;
use spec::{GrammarSpec, RecordForm, SampleSpec};
use std::borrow::Cow;

/// How a grammar reads its input.
#[derive(Debug, Clone)]
pub enum Form {
    /// One record per line; the first matching pattern wins.
    Lines(Vec<NamedPattern>),
    /// One record per line, read by a built-in record parser (JSON lines).
    LineRecords(RecordForm),
    /// The whole file is one document (small JSON or text exports).
    Document(RecordForm),
}

#[derive(Debug, Clone)]
pub struct NamedPattern {
    pub name: String,
    pub program: matcher::Program,
    /// A catch-all pattern: see `spec::PatternSpec::fallback`.
    pub fallback: bool,
}

/// How much a parsed line says about the file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// Read by a pattern only this format's lines match.
    Specific,
    /// Read by a catch-all pattern that generic lines match too.
    Fallback,
}

/// A compiled grammar.
#[derive(Debug, Clone)]
pub struct Grammar {
    pub name: String,
    pub description: String,
    pub role: Role,
    pub priority: i32,
    pub form: Form,
    pub classifier: LazyClassifier,
    pub samples: Vec<SampleSpec>,
    /// `built-in` or the file it was loaded from.
    pub origin: String,
    /// An access log's request fields (its records feed `crate::rates`).
    pub requests: Option<spec::RequestsSpec>,
    /// The rules' prefilter, built on first use (line grammars only).
    keywords: std::sync::OnceLock<Option<keywords::Keywords>>,
    /// The patterns' shared beginnings, read once per line (line grammars).
    shared: matcher::Shared,
    /// Whether a record can have a `tz` field, and a `recv` field: a line
    /// pays for looking them up only where some pattern captures them (a
    /// record form's fields come from the data: always).
    has_tz: bool,
    has_recv: bool,
}

/// Whether some capture in `nodes` is named `name`.
fn captures(nodes: &[pattern::Node], name: &str) -> bool {
    nodes.iter().any(|n| match n {
        pattern::Node::Cap { name: c, .. } => c == name,
        pattern::Node::Opt(inner) => captures(inner, name),
        pattern::Node::Choice(alts) => alts.iter().any(|a| captures(a, name)),
        pattern::Node::Lit(_) | pattern::Node::Space => false,
    })
}

/// A compile problem inside a grammar file: byte offset into the file.
#[derive(Debug, Clone)]
pub struct SpecError {
    pub offset: Option<usize>,
    pub message: String,
}

impl Grammar {
    /// Compile a parsed spec. Pattern errors carry their offset in `source`.
    pub fn compile(spec: GrammarSpec, source: &str, origin: &str) -> Result<Grammar, SpecError> {
        let form = match spec.record {
            Some(_) if !spec.pattern.is_empty() => {
                return Err(SpecError {
                    offset: spec.pattern.first().map(|p| p.matches.span().start),
                    message:
                        "a grammar has either [[pattern]] entries or a `record` form, not both"
                            .into(),
                })
            }
            Some(r) if r.is_document() => Form::Document(r),
            Some(r) => Form::LineRecords(r),
            None => {
                if spec.pattern.is_empty() {
                    return Err(SpecError {
                        offset: None,
                        message: "a grammar needs [[pattern]] entries or a `record` form".into(),
                    });
                }
                let mut pats = Vec::new();
                for p in &spec.pattern {
                    let nodes = pattern::parse(p.matches.get_ref()).map_err(|e| SpecError {
                        offset: value_offset(source, p.matches.span().start, e.offset),
                        message: format!("pattern {:?}: {}", p.name, e.message),
                    })?;
                    pats.push(NamedPattern {
                        name: p.name.clone(),
                        program: matcher::Program::new(nodes),
                        fallback: p.fallback,
                    });
                }
                Form::Lines(pats)
            }
        };
        let classifier = if origin == "built-in" {
            Ok(LazyClassifier::lazy(spec.rule.clone(), spec.states.clone()))
        } else {
            LazyClassifier::eager(spec.rule.clone(), spec.states.clone())
        }
        .map_err(|m| SpecError {
            offset: None,
            message: m,
        })?;
        let shared = match &form {
            Form::Lines(pats) => matcher::Shared::new(pats, |p| &p.program),
            Form::LineRecords(_) | Form::Document(_) => matcher::Shared::default(),
        };
        let may = |name: &str| match &form {
            Form::Lines(pats) => pats.iter().any(|p| captures(p.program.nodes(), name)),
            Form::LineRecords(_) | Form::Document(_) => true,
        };
        let (has_tz, has_recv) = (may("tz"), may("recv"));
        Ok(Grammar {
            name: spec.name,
            description: spec.description,
            role: spec.role,
            priority: spec.priority,
            form,
            classifier,
            samples: spec.sample,
            origin: origin.to_string(),
            requests: spec.requests,
            keywords: std::sync::OnceLock::new(),
            shared,
            has_tz,
            has_recv,
        })
    }

    /// A record's `tz` field (a zone label), if this grammar's records
    /// can have one.
    pub fn label<'a>(&self, rec: &'a Record) -> Option<&'a str> {
        self.has_tz.then(|| rec.get("tz")).flatten()
    }

    /// A record's `recv` field (a relay's receive time), if this
    /// grammar's records can have one.
    pub fn received<'a>(&self, rec: &'a Record) -> Option<&'a str> {
        self.has_recv.then(|| rec.get("recv")).flatten()
    }

    /// Classify a record; `line` is the text it was read from. A line
    /// grammar's fields are slices of the line, so a line that holds none of
    /// the rules' required words is `info` without a look at the rules.
    pub fn classify(&self, rec: &Record, host: Option<&str>, line: Option<&str>) -> rules::Class {
        let could = line.is_none_or(|text| self.could_classify(text));
        self.classify_settled(rec, host, could)
    }

    /// `classify` when the prefilter's verdict on the record's line is
    /// already known (`keywords::Marks`).
    pub fn classify_settled(&self, rec: &Record, host: Option<&str>, could: bool) -> rules::Class {
        if !could {
            return rules::Class::info();
        }
        self.classifier.classify(rec, host)
    }

    /// Whether some rule could classify a record read from `line`; `true`
    /// for a grammar without a prefilter.
    pub fn could_classify(&self, line: &str) -> bool {
        self.keywords().is_none_or(|k| k.could_match(line))
    }

    /// The prefilter (`grammar::keywords`): `None` for record and document
    /// grammars, whose fields are not slices of a line, and for rules with
    /// a condition that requires no word.
    pub fn keywords(&self) -> Option<&keywords::Keywords> {
        self.keywords
            .get_or_init(|| match &self.form {
                Form::Lines(pats) => keywords::Keywords::for_rules(self.classifier.specs(), pats),
                _ => None,
            })
            .as_ref()
    }

    pub fn is_document(&self) -> bool {
        matches!(self.form, Form::Document(_))
    }

    /// Parse one line of a line grammar.
    pub fn parse_line<'a>(&'a self, text: &'a str, line: u64) -> Result<Record<'a>, NoMatch> {
        self.read_line(text, line).map(|(r, _)| r)
    }

    /// Parse one line and say whether a specific or a catch-all pattern read it.
    pub fn read_line<'a>(
        &'a self,
        text: &'a str,
        line: u64,
    ) -> Result<(Record<'a>, Strength), NoMatch> {
        self.read_line_in(text, line, Vec::new(), Reading::Whole)
    }

    /// `parse_line` into `fields`, the vector of an earlier record
    /// (`record::recycle`): one allocation for a file, not one per line.
    /// `reading`: which fields the record keeps. With `Reading::Time` it
    /// has its stamp and what `label` and `received` read, and the line
    /// matches or fails exactly as with `Reading::Whole`; a grammar that
    /// counts requests reads every line whole.
    pub fn parse_line_in<'a>(
        &'a self,
        text: &'a str,
        line: u64,
        fields: Vec<(&'a str, Cow<'a, str>)>,
        reading: Reading,
    ) -> Result<Record<'a>, NoMatch> {
        let reading = match self.requests {
            Some(_) => Reading::Whole,
            None => reading,
        };
        self.read_line_in(text, line, fields, reading)
            .map(|(r, _)| r)
    }

    fn read_line_in<'a>(
        &'a self,
        text: &'a str,
        line: u64,
        fields: Vec<(&'a str, Cow<'a, str>)>,
        reading: Reading,
    ) -> Result<(Record<'a>, Strength), NoMatch> {
        let read = self.read_any(text, line, fields, reading)?;
        // A JSON access log's record is a request: a JSON line without a
        // status is some other log, which this grammar must not claim.
        // (A pattern grammar says so in its patterns: `{status:int}`.)
        if let (Some(req), Form::LineRecords(_)) = (&self.requests, &self.form) {
            if crate::rates::status(&read.0, req).is_none() {
                return Err(NoMatch { offset: 0 });
            }
        }
        Ok(read)
    }

    fn read_any<'a>(
        &'a self,
        text: &'a str,
        line: u64,
        mut fields: Vec<(&'a str, Cow<'a, str>)>,
        reading: Reading,
    ) -> Result<(Record<'a>, Strength), NoMatch> {
        let pats = match &self.form {
            Form::Lines(pats) => pats,
            Form::LineRecords(RecordForm::Jsonl) => {
                return jsonl::parse(text, line).map(|r| (r, Strength::Specific))
            }
            Form::LineRecords(_) | Form::Document(_) => return Err(NoMatch { offset: 0 }),
        };
        if fields.capacity() == 0 {
            fields.reserve(16);
        }
        let (k, c) =
            matcher::run_first_in(pats, |p| &p.program, &self.shared, text, fields, reading)?;
        let p = &pats[k];
        let rec = Record {
            line,
            pattern: &p.name,
            fields: c.fields,
            stamp: c.stamp,
        };
        let strength = if p.fallback {
            Strength::Fallback
        } else {
            Strength::Specific
        };
        Ok((rec, strength))
    }

    /// How many of each pattern's first steps it shares with another
    /// pattern and are read once per line (tests and `docs/performance.md`).
    pub fn shared_steps(&self) -> Vec<usize> {
        self.shared.lengths()
    }

    /// Parse a whole document of a document grammar.
    pub fn parse_document<'a>(&'a self, text: &'a str) -> Result<Vec<Record<'a>>, String> {
        match self.form {
            Form::Document(RecordForm::Statuspage) => document::statuspage(text),
            Form::Document(RecordForm::Alertmanager) => alertmanager::parse(text),
            Form::Document(RecordForm::Jsonl) | Form::Lines(_) | Form::LineRecords(_) => {
                Err("not a document grammar".into())
            }
        }
    }
}

/// Map an offset inside a TOML string value to an offset in the file. Exact
/// for literal strings ('...'), the form grammar files use for patterns.
fn value_offset(source: &str, value_start: usize, inner: usize) -> Option<usize> {
    let quote = source.get(value_start..)?;
    let skip = if quote.starts_with("'''") || quote.starts_with("\"\"\"") {
        3
    } else {
        1
    };
    Some(value_start + skip + inner)
}

/// Fails unless the generated file at `path` (from the crate's root) holds
/// `want`, or writes it under `RFO_BLESS=1`: a file of generated code is
/// checked against its generator, never trusted. `why`: what changes it.
#[cfg(test)]
pub(crate) fn generated_is_current(path: &str, want: &str, why: &str, test: &str) {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let have = std::fs::read_to_string(&full).unwrap_or_default();
    if have == want {
        return;
    }
    if std::env::var("RFO_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&full, want).unwrap_or_else(|e| panic!("write {path}: {e}"));
        return;
    }
    panic!("{path} is stale: {why} changed (RFO_BLESS=1 cargo test --lib {test} rewrites it)");
}

#[cfg(test)]
mod tests {
    use super::registry::Registry;

    /// A grammar skips the `tz` and `recv` lookups only when no pattern
    /// of it captures them; a record form's fields come from the data.
    #[test]
    fn labels_are_looked_up_where_a_pattern_captures_them() {
        let reg = Registry::builtin().unwrap();
        let g = |n: &str| reg.get(n).unwrap();
        assert!(g("cisco-ios").has_tz && g("cisco-ios").has_recv);
        assert!(!g("rfc3164").has_tz && !g("rfc3164").has_recv);
        assert!(!g("rfc5424").has_tz && !g("nagios").has_tz);
        assert!(g("jsonl").has_tz && g("jsonl").has_recv);
        let cisco = g("cisco-ios");
        let line =
            "<189>42: *Mar  1 18:48:50.483 UTC: %SYS-5-CONFIG_I: Configured from console by vty0";
        let rec = cisco.parse_line(line, 1).unwrap();
        assert_eq!(cisco.label(&rec), Some("UTC"));
    }
}
