//! Access logs as outage evidence: requests counted per subject (virtual
//! host or backend) and per bucket of time, in constant memory per bucket
//! (counts and a fixed latency histogram, no per-request storage), and the
//! rule that turns a run of bad buckets into a fault and a recovery the
//! window engine reads like any monitor's.

pub mod detect;
pub mod hist;
pub mod summary;

use crate::grammar::record::Record;
use crate::grammar::spec::{LatencyUnit, RequestsSpec};
use crate::time::provenance::Provenance;
use chrono::{DateTime, Utc};
use hist::Hist;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// When a subject's requests make an outage. Set per source in bundle.toml
/// (`[[source]] rates = { share = 0.05, min_requests = 20, minutes = 2 }`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rule {
    /// Bucket width in seconds (also each end's uncertainty).
    pub bucket_s: i64,
    /// A bucket is bad when more than this share of its requests are 5xx…
    pub share: f64,
    /// …or, when set, when its p95 latency is above this many milliseconds…
    pub p95_ms: Option<u64>,
    /// …and it holds at least this many requests (a quiet bucket never
    /// opens a window on its own).
    pub min_requests: u32,
    /// Consecutive bad buckets open a window; as many good ones close it.
    pub buckets: u32,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            bucket_s: 60,
            share: 0.05,
            p95_ms: None,
            min_requests: 20,
            buckets: 2,
        }
    }
}

impl Rule {
    /// The rule in words, for the report and the fault's summary.
    pub fn describe(&self) -> String {
        let p95 = self
            .p95_ms
            .map(|ms| format!(" or p95 latency over {ms} ms"))
            .unwrap_or_default();
        format!(
            "more than {}% 5xx{p95} among at least {} requests per {} s bucket, for {} consecutive buckets (as many good buckets close it)",
            pct(self.share),
            self.min_requests,
            self.bucket_s,
            self.buckets
        )
    }

    /// Whether values from a manifest make sense.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=3600).contains(&self.bucket_s) {
            return Err(format!("bucket_s {}: expected 1 to 3600", self.bucket_s));
        }
        if !(0.0..1.0).contains(&self.share) {
            return Err(format!(
                "share {}: expected a fraction from 0 to below 1, e.g. 0.05",
                self.share
            ));
        }
        if !(1..=1440).contains(&self.buckets) {
            return Err(format!("buckets {}: expected 1 to 1440", self.buckets));
        }
        Ok(())
    }
}

/// A share as a percentage with at most one decimal (`5`, `12.5`).
pub fn pct(share: f64) -> String {
    let p = (share * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}

/// The HTTP status of a request record (100..=599), if it has one.
pub fn status(rec: &Record, spec: &RequestsSpec) -> Option<u16> {
    let v: u16 = rec.get(&spec.status)?.trim().parse().ok()?;
    (100..=599).contains(&v).then_some(v)
}

/// The latency of a request record in microseconds; `-`, negative (HAProxy
/// writes -1 for an aborted timer) or unreadable values are none.
pub fn latency_us(rec: &Record, spec: &RequestsSpec) -> Option<u64> {
    let v: f64 = rec.get(spec.latency.as_deref()?)?.trim().parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    let us = match spec.latency_unit {
        LatencyUnit::S => v * 1e6,
        LatencyUnit::Ms => v * 1e3,
        LatencyUnit::Us => v,
    };
    Some(us.round() as u64)
}

/// What a request was for: the first subject field present (a dotted name
/// reads a member of a JSON object field), else `fallback`.
pub fn subject<'r>(rec: &'r Record, spec: &RequestsSpec) -> Option<std::borrow::Cow<'r, str>> {
    for name in &spec.subject {
        if let Some(v) = rec.get(name).filter(|v| !v.is_empty() && *v != "-") {
            return Some(std::borrow::Cow::Borrowed(v));
        }
        if let Some((field, member)) = name.split_once('.') {
            let Some(json) = rec.get(field) else { continue };
            if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(json) {
                if let Some(serde_json::Value::String(s)) = o.get(member) {
                    if !s.is_empty() {
                        return Some(std::borrow::Cow::Owned(s.clone()));
                    }
                }
            }
        }
    }
    None
}

/// One bucket of one subject's requests.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub requests: u32,
    pub errors: u32,
    /// The lowest line of the bucket, and how its time was read.
    pub first: (u64, Provenance),
    /// The lowest line of a 5xx in the bucket.
    pub first_error: Option<(u64, Provenance)>,
    pub latency: Option<Hist>,
}

impl Bucket {
    fn new(line: u64, provenance: &Provenance) -> Bucket {
        Bucket {
            requests: 0,
            errors: 0,
            first: (line, provenance.clone()),
            first_error: None,
            latency: None,
        }
    }

    pub fn error_share(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            f64::from(self.errors) / f64::from(self.requests)
        }
    }

    pub fn p95_us(&self) -> Option<u64> {
        self.latency.as_ref().and_then(|h| h.quantile(0.95))
    }

    fn merge(&mut self, other: Bucket) {
        self.requests += other.requests;
        self.errors += other.errors;
        if other.first.0 < self.first.0 {
            self.first = other.first;
        }
        match (&self.first_error, other.first_error) {
            (Some(mine), Some(theirs)) if theirs.0 < mine.0 => self.first_error = Some(theirs),
            (None, theirs) => self.first_error = theirs,
            _ => {}
        }
        match (&mut self.latency, other.latency) {
            (Some(a), Some(b)) => a.merge(&b),
            (a @ None, b) => *a = b,
            _ => {}
        }
    }
}

/// Every bucket of one source, by subject then bucket start (Unix seconds).
#[derive(Debug, Clone)]
pub struct SourceRates {
    pub file: Arc<str>,
    pub rule: Rule,
    pub subjects: BTreeMap<String, BTreeMap<i64, Bucket>>,
}

impl SourceRates {
    pub fn new(file: Arc<str>, rule: Rule) -> SourceRates {
        SourceRates {
            file,
            rule,
            subjects: BTreeMap::new(),
        }
    }

    /// Count one request.
    pub fn add(
        &mut self,
        subject: &str,
        at: DateTime<Utc>,
        provenance: &Provenance,
        status: u16,
        latency_us: Option<u64>,
        line: u64,
    ) {
        let start = at.timestamp().div_euclid(self.rule.bucket_s) * self.rule.bucket_s;
        let buckets = match self.subjects.get_mut(subject) {
            Some(b) => b,
            None => self.subjects.entry(subject.to_string()).or_default(),
        };
        let b = buckets
            .entry(start)
            .or_insert_with(|| Bucket::new(line, provenance));
        b.requests = b.requests.saturating_add(1);
        if line < b.first.0 {
            b.first = (line, provenance.clone());
        }
        if status >= 500 {
            b.errors = b.errors.saturating_add(1);
            if b.first_error.as_ref().is_none_or(|(l, _)| line < *l) {
                b.first_error = Some((line, provenance.clone()));
            }
        }
        if let Some(us) = latency_us {
            b.latency.get_or_insert_with(Hist::default).add(us);
        }
    }

    /// Take in the buckets of a later stretch of the same file.
    pub fn merge(&mut self, other: SourceRates) {
        for (subject, buckets) in other.subjects {
            let mine = self.subjects.entry(subject).or_default();
            for (start, b) in buckets {
                match mine.get_mut(&start) {
                    Some(m) => m.merge(b),
                    None => {
                        mine.insert(start, b);
                    }
                }
            }
        }
    }
}
