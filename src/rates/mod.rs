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
    parse_status(rec.get(&spec.status)?)
}

fn parse_status(v: &str) -> Option<u16> {
    let v: u16 = v.trim().parse().ok()?;
    (100..=599).contains(&v).then_some(v)
}

/// A request's status, latency and plain subject field, read in one pass
/// over the record's fields (three lookups per request showed in profiles).
pub struct Request<'r> {
    pub status: u16,
    pub latency_us: Option<u64>,
    /// The first plain (undotted) subject field present.
    pub subject: Option<&'r str>,
}

impl<'r> Request<'r> {
    pub fn read(rec: &'r Record, spec: &RequestsSpec) -> Option<Request<'r>> {
        let (mut status, mut latency, mut subject) = (None, None, None);
        let mut rank = usize::MAX;
        for (name, value) in &rec.fields {
            if *name == spec.status {
                status = parse_status(value);
            } else if spec.latency.as_deref() == Some(*name) {
                latency = latency_value(value, spec.latency_unit);
            } else if let Some(k) = spec.subject.iter().position(|s| s == name) {
                if k < rank && !value.is_empty() && value != "-" {
                    rank = k;
                    subject = Some(value.as_ref());
                }
            }
        }
        Some(Request {
            status: status?,
            latency_us: latency,
            subject,
        })
    }
}

/// A latency in microseconds; `-`, negative (HAProxy writes -1 for an
/// aborted timer) or unreadable values are none.
fn latency_value(v: &str, unit: LatencyUnit) -> Option<u64> {
    let scale = match unit {
        LatencyUnit::S => 1_000_000,
        LatencyUnit::Ms => 1_000,
        LatencyUnit::Us => 1,
    };
    if let Some(us) = decimal_scaled(v.trim(), scale) {
        return Some(us);
    }
    let v: f64 = v.trim().parse().ok()?;
    if !v.is_finite() || v < 0.0 {
        return None;
    }
    Some((v * scale as f64).round() as u64)
}

/// `digits[.digits]` times `scale` (a power of ten), rounded half up,
/// without going through a float: the common case of every request line.
fn decimal_scaled(v: &str, scale: u64) -> Option<u64> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || int.len() > 12 {
        return None;
    }
    let mut out = if int.is_empty() {
        0
    } else {
        int.parse::<u64>().ok()?.checked_mul(scale)?
    };
    let places = scale.ilog10() as usize;
    let mut unit = scale;
    for (k, b) in frac.bytes().enumerate() {
        let d = u64::from(b - b'0');
        if k < places {
            unit /= 10;
            out += d * unit;
        } else {
            // The first digit past the unit rounds.
            if d >= 5 {
                out += 1;
            }
            break;
        }
    }
    Some(out)
}

/// What a request was for, from the dotted subject names (`request.host`:
/// a member of a JSON object field), first present wins. Plain names are
/// read by `Request::read`.
pub fn dotted_subject(rec: &Record, spec: &RequestsSpec) -> Option<String> {
    for name in &spec.subject {
        if let Some((field, member)) = name.split_once('.') {
            let Some(json) = rec.get(field) else { continue };
            if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(json) {
                if let Some(serde_json::Value::String(s)) = o.get(member) {
                    if !s.is_empty() {
                        return Some(s.clone());
                    }
                }
            }
        }
    }
    None
}

/// One bucket of one subject's requests.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_scaled_without_a_float() {
        assert_eq!(decimal_scaled("0.031", 1_000_000), Some(31_000));
        assert_eq!(decimal_scaled("12", 1_000), Some(12_000));
        assert_eq!(decimal_scaled("1487", 1_000), Some(1_487_000));
        assert_eq!(decimal_scaled("0.0000015", 1_000_000), Some(2));
        assert_eq!(decimal_scaled(".5", 1_000_000), Some(500_000));
        assert_eq!(decimal_scaled("-1", 1_000), None);
        assert_eq!(decimal_scaled("1e3", 1), None);
        assert_eq!(latency_value("1e-3", LatencyUnit::S), Some(1_000));
        assert_eq!(latency_value("-1", LatencyUnit::Ms), None);
        assert_eq!(latency_value("-", LatencyUnit::Ms), None);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    pub requests: u32,
    pub errors: u32,
    /// The lowest line of the bucket, and how its time was read. Lines
    /// are 32 bits, as an event holds them: a stretch's sidecar read back
    /// with a larger one is refused when it is read, not later.
    pub first: (u32, Provenance),
    /// The lowest line of a 5xx in the bucket.
    pub first_error: Option<(u32, Provenance)>,
    pub latency: Option<Hist>,
}

impl Bucket {
    fn new(line: u32, provenance: &Provenance) -> Bucket {
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
        line: u32,
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
