//! What a report says about a rate window: the baseline before it next to
//! its peak, each number citing a request line.

use super::{pct, Bucket, SourceRates};
use crate::evidence::Evidence;
use chrono::DateTime;
use serde::Serialize;

/// The baseline is read over this long before the window starts.
pub const BASELINE_S: i64 = 3600;

/// One subject's requests around one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateSummary {
    pub subject: String,
    pub source: String,
    /// The rule that opened the window, in words.
    pub rule: String,
    pub bucket_s: i64,
    pub baseline: Option<Period>,
    pub peak: Option<Peak>,
    /// Every bucket from `SERIES_PAD_S` before the start to as long after
    /// the end (at most `SERIES_MAX` of them), for the chart's curve.
    pub series: Vec<Point>,
}

/// One bucket of the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub at: String,
    pub requests: u32,
    pub errors: u32,
}

/// The series reaches this far either side of the window.
pub const SERIES_PAD_S: i64 = 1800;
/// At most this many points (a day of minutes).
pub const SERIES_MAX: usize = 1440;

/// Requests over a stretch of buckets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
    pub requests: u64,
    pub requests_per_min: f64,
    pub errors: u64,
    /// 5xx as a percentage of requests (one decimal).
    pub error_pct: String,
    /// Median and p95 latency over the stretch, when the log has latencies.
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub evidence: Evidence,
}

/// The worst bucket inside the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peak {
    pub at: String,
    pub requests: u32,
    pub errors: u32,
    pub error_pct: String,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
    pub evidence: Evidence,
}

fn at(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .map(|t| crate::time::rfc3339(&t))
        .unwrap_or_default()
}

/// The summaries of every rate subject of a window from `start` to `end`
/// (Unix seconds; `None`: open), for the subjects named.
pub fn for_window(
    all: &[&SourceRates],
    subjects: &[crate::event::Name],
    start: i64,
    end: Option<i64>,
) -> Vec<RateSummary> {
    let mut out = Vec::new();
    for rates in all {
        for subject in subjects {
            let Some(buckets) = rates.subjects.get(subject.as_str()) else {
                continue;
            };
            let before: Vec<(&i64, &Bucket)> = buckets.range(start - BASELINE_S..start).collect();
            let baseline = period(rates, &before);
            let inside = match end {
                Some(e) => buckets.range(start..e),
                None => buckets.range(start..),
            };
            let peak = inside
                .max_by(|(ta, a), (tb, b)| {
                    a.error_share()
                        .total_cmp(&b.error_share())
                        .then(a.errors.cmp(&b.errors))
                        .then(tb.cmp(ta))
                })
                .map(|(&t, b)| {
                    let line = b.first_error.as_ref().unwrap_or(&b.first).0;
                    Peak {
                        at: at(t),
                        requests: b.requests,
                        errors: b.errors,
                        error_pct: pct(b.error_share()),
                        p50_ms: b
                            .latency
                            .as_ref()
                            .and_then(|h| h.quantile(0.5))
                            .map(|us| us / 1000),
                        p95_ms: b.p95_us().map(|us| us / 1000),
                        evidence: Evidence::new(rates.file.clone(), line.into()),
                    }
                });
            let last = end.unwrap_or_else(|| buckets.keys().next_back().copied().unwrap_or(start));
            let series = buckets
                .range(start - SERIES_PAD_S..=last + SERIES_PAD_S)
                .take(SERIES_MAX)
                .map(|(&t, b)| Point {
                    at: at(t),
                    requests: b.requests,
                    errors: b.errors,
                })
                .collect();
            out.push(RateSummary {
                subject: subject.to_string(),
                source: rates.file.to_string(),
                rule: rates.rule.describe(),
                bucket_s: rates.rule.bucket_s,
                baseline,
                peak,
                series,
            });
        }
    }
    out
}

fn period(rates: &SourceRates, buckets: &[(&i64, &Bucket)]) -> Option<Period> {
    let (&first, _) = *buckets.first()?;
    let (&last, _) = *buckets.last()?;
    let requests: u64 = buckets.iter().map(|(_, b)| u64::from(b.requests)).sum();
    let errors: u64 = buckets.iter().map(|(_, b)| u64::from(b.errors)).sum();
    let mut hist: Option<super::hist::Hist> = None;
    for (_, b) in buckets {
        if let Some(h) = &b.latency {
            hist.get_or_insert_with(Default::default).merge(h);
        }
    }
    let to = last + rates.rule.bucket_s;
    let minutes = ((to - first) as f64 / 60.0).max(1.0);
    let line = buckets.iter().map(|(_, b)| b.first.0).min()?;
    Some(Period {
        from: at(first),
        to: at(to),
        requests,
        requests_per_min: (requests as f64 / minutes * 10.0).round() / 10.0,
        errors,
        error_pct: pct(if requests == 0 {
            0.0
        } else {
            errors as f64 / requests as f64
        }),
        p50_ms: hist
            .as_ref()
            .and_then(|h| h.quantile(0.5))
            .map(|us| us / 1000),
        p95_ms: hist.and_then(|h| h.quantile(0.95)).map(|us| us / 1000),
        evidence: Evidence::new(rates.file.clone(), line.into()),
    })
}
