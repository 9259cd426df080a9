//! The rate rule applied to one subject's buckets: a run of `buckets` bad
//! buckets opens a window at the start of the first; a run of as many
//! buckets that are not bad closes it at the start of the first of those.
//! A bucket with fewer than `min_requests` requests (or none: a gap) is not
//! bad, so traffic too thin to judge never opens a window on its own.
//!
//! Each window becomes two events, a fault and a recovery, citing real
//! lines: the first 5xx of the first bad bucket, the first request of the
//! first good one. The window engine then treats the subject like any
//! monitored service, so rate windows join the union with monitor and
//! device windows.

use super::{pct, Bucket, Rule, SourceRates};
use crate::event::{Kind, Role, TimedEvent};
use crate::signal::{Health, Signal};
use chrono::DateTime;
use std::sync::Arc;

/// One window found by the rule, as bucket starts (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateWindow {
    pub subject: String,
    pub from: i64,
    /// `None`: still bad at the end of the evidence.
    pub to: Option<i64>,
}

/// Whether one bucket breaks the rule.
pub fn bad(rule: &Rule, b: &Bucket) -> bool {
    if b.requests < rule.min_requests {
        return false;
    }
    let errors = b.error_share() > rule.share;
    let slow = rule
        .p95_ms
        .is_some_and(|ms| b.p95_us().is_some_and(|us| us > ms * 1000));
    errors || slow
}

/// The windows of every subject, in subject then time order.
pub fn windows(rates: &SourceRates) -> Vec<RateWindow> {
    let rule = &rates.rule;
    let need = rule.buckets as i64;
    let mut out = Vec::new();
    for (subject, buckets) in &rates.subjects {
        let (Some(&first), Some(&last)) = (buckets.keys().next(), buckets.keys().next_back())
        else {
            continue;
        };
        let mut open: Option<i64> = None;
        // The start of the current run of bad (closed) or good (open) buckets.
        let mut run: Option<(i64, i64)> = None;
        let mut t = first;
        while t <= last {
            let is_bad = buckets.get(&t).is_some_and(|b| bad(rule, b));
            let wanted = open.is_none() == is_bad;
            if wanted {
                let (start, n) = run.map(|(s, n)| (s, n + 1)).unwrap_or((t, 1));
                run = Some((start, n));
                if n >= need {
                    match open {
                        None => open = Some(start),
                        Some(from) => {
                            out.push(RateWindow {
                                subject: subject.clone(),
                                from,
                                to: Some(start),
                            });
                            open = None;
                        }
                    }
                    run = None;
                }
            } else {
                run = None;
            }
            // Skip long gaps: nothing can start or end inside them but
            // a closing run (quiet buckets are good).
            t = match (open, buckets.range(t + 1..).next()) {
                (None, Some((&next, _))) => {
                    // A gap breaks a run of bad buckets.
                    if next != t + rule.bucket_s {
                        run = None;
                    }
                    next
                }
                (Some(_), Some((&next, _))) if next - t > rule.bucket_s * (need + 1) => {
                    // A gap of `need` quiet buckets closes an open window.
                    let start = t + rule.bucket_s;
                    out.push(RateWindow {
                        subject: subject.clone(),
                        from: open.take().expect("open"),
                        to: Some(start),
                    });
                    run = None;
                    next
                }
                _ => t + rule.bucket_s,
            };
        }
        if let Some(from) = open {
            out.push(RateWindow {
                subject: subject.clone(),
                from,
                to: None,
            });
        }
    }
    out
}

/// The fault and recovery events of every window of one source.
pub fn events(
    rates: &SourceRates,
    source: u32,
    role: Role,
    host: Option<crate::event::Name>,
) -> Vec<TimedEvent> {
    let rule = &rates.rule;
    let mut out = Vec::new();
    for w in windows(rates) {
        let buckets = &rates.subjects[&w.subject];
        let first_bad = &buckets[&w.from];
        let (line, provenance) = first_bad
            .first_error
            .clone()
            .unwrap_or_else(|| first_bad.first.clone());
        let p95 = first_bad
            .p95_us()
            .map(|us| format!(", p95 {} ms", us / 1000))
            .unwrap_or_default();
        let event = |at: i64, line: u32, provenance, kind, health, summary| TimedEvent {
            instant: DateTime::from_timestamp(at, 0).expect("bucket start from a real instant"),
            line,
            who: Arc::new(crate::event::Who {
                file: rates.file.clone(),
                source,
                role,
                kind,
                host: host.clone(),
                subject: Some(crate::event::Name::from(w.subject.as_str())),
                state: Some(crate::event::Name::from(if kind == Kind::Fault {
                    "5xx"
                } else {
                    "ok"
                })),
                signal: Some(Signal::Health(health)),
                precision_ms: (rule.bucket_s * 1000) as u32,
                provenance: Arc::new(provenance),
                operator: None,
            }),
            summary: crate::event::Summary::from(summary),
        };
        out.push(event(
            w.from,
            line,
            provenance,
            Kind::Fault,
            Health::Down,
            format!(
                "{}: {}% of {} requests 5xx in the {} s bucket from here{p95}; rate rule: {}",
                w.subject,
                pct(first_bad.error_share()),
                first_bad.requests,
                rule.bucket_s,
                rule.describe()
            ),
        ));
        if let Some(to) = w.to {
            let (line, provenance, summary) = match buckets.get(&to) {
                Some(b) => (
                    b.first.0,
                    b.first.1.clone(),
                    format!(
                        "{}: {}% of {} requests 5xx, the first of {} bucket(s) back under the rate rule",
                        w.subject,
                        pct(b.error_share()),
                        b.requests,
                        rule.buckets
                    ),
                ),
                // A quiet gap closed it: cite the last request before it.
                None => {
                    let (_, b) = buckets
                        .range(..to)
                        .next_back()
                        .expect("a window has a bad bucket before its end");
                    (
                        b.first.0,
                        b.first.1.clone(),
                        format!(
                            "{}: no requests for {} bucket(s) after this line's bucket",
                            w.subject, rule.buckets
                        ),
                    )
                }
            };
            out.push(event(
                to,
                line,
                provenance,
                Kind::Recovery,
                Health::Ok,
                summary,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::provenance::{OffsetSource, Provenance, YearSource};

    /// A whole minute (1_500_000_000 is 2017-07-14T02:40:00Z).
    const BASE: i64 = 1_500_000_000;

    fn prov() -> Provenance {
        Provenance {
            offset_s: 0,
            offset: OffsetSource::InLine,
            year: YearSource::InLine,
            dst: None,
            skew_ms: None,
        }
    }

    /// `minutes[k]` = (requests, errors) in minute k from 10:00.
    fn rates(minutes: &[(u32, u32)]) -> SourceRates {
        let mut r = SourceRates::new(Arc::from("edge.log"), Rule::default());
        let base = BASE;
        let mut line = 0;
        for (k, &(n, e)) in minutes.iter().enumerate() {
            for i in 0..n {
                line += 1;
                let at = DateTime::from_timestamp(base + 60 * k as i64 + i as i64 % 60, 0).unwrap();
                let status = if i < e { 503 } else { 200 };
                r.add("shop", at, &prov(), status, None, line);
            }
        }
        r
    }

    fn mins(r: &SourceRates) -> Vec<(i64, Option<i64>)> {
        let base = BASE;
        windows(r)
            .iter()
            .map(|w| ((w.from - base) / 60, w.to.map(|t| (t - base) / 60)))
            .collect()
    }

    #[test]
    fn two_bad_minutes_open_and_two_good_close() {
        let ok = (40, 0);
        let bad = (40, 10);
        let r = rates(&[ok, ok, bad, bad, bad, ok, bad, ok, ok, ok]);
        // Opens at minute 2; one good minute (5) does not close it; 7 and 8 do.
        assert_eq!(mins(&r), vec![(2, Some(7))]);
    }

    #[test]
    fn one_bad_minute_or_a_thin_one_opens_nothing() {
        let r = rates(&[(40, 0), (40, 10), (40, 0), (10, 9), (10, 9), (40, 0)]);
        assert_eq!(mins(&r), vec![]);
    }

    #[test]
    fn a_window_still_bad_at_the_end_stays_open() {
        let r = rates(&[(40, 0), (40, 30), (40, 30)]);
        assert_eq!(mins(&r), vec![(1, None)]);
        let ev = events(&r, 0, Role::Host, None);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].who.kind, Kind::Fault);
        // The first 503 of minute 1 is line 41.
        assert_eq!(ev[0].line, 41);
        assert!(
            ev[0]
                .summary
                .get()
                .starts_with("shop: 75% of 40 requests 5xx"),
            "{}",
            ev[0].summary
        );
    }

    #[test]
    fn bad_buckets_either_side_of_a_gap_are_not_a_run() {
        let r = rates(&[(40, 30), (0, 0), (0, 0), (40, 30), (40, 0)]);
        assert_eq!(mins(&r), vec![]);
    }

    #[test]
    fn a_gap_in_traffic_closes_an_open_window() {
        let r = rates(&[(40, 30), (40, 30), (0, 0), (0, 0), (0, 0), (0, 0), (40, 0)]);
        assert_eq!(mins(&r), vec![(0, Some(2))]);
    }
}
