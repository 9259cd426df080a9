//! The rows of a window's timeline, one per claim: a status page's update
//! read from its text export and again from its JSON is the same claim at
//! the same instant, so it is one row citing both sources (the founding
//! bundle showed every public update twice).

use crate::event::TimedEvent;
use crate::evidence::Evidence;
use serde::Serialize;

/// One timeline row: an event, with the other sources that state the same.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(serialize_with = "crate::time::ser_rfc3339")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: &'static str,
    pub subject: Option<std::sync::Arc<str>>,
    pub summary: std::sync::Arc<str>,
    /// The first source's line (timeline order: instant, source, line).
    pub evidence: Evidence,
    /// The same claim (same kind, instant and summary, once case and
    /// blanks are normalised) from other sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Evidence>,
}

/// A summary as compared between sources: case folded, runs of blanks
/// (a text export wraps where the JSON does not) made one space.
pub fn normalised(summary: &str) -> String {
    summary
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `b` states what `a` states: same kind, instant and normalised
/// summary, from another file (two lines of one file are two events).
pub fn same_claim(a: &TimedEvent, b: &TimedEvent) -> bool {
    a.instant == b.instant
        && a.kind == b.kind
        && a.file != b.file
        && normalised(&a.summary) == normalised(&b.summary)
}

/// Timeline indices grouped by claim: each group's first index is the
/// event cited, the rest its `also`. `idx` must be in timeline order (so
/// equal instants are adjacent); groups keep that order.
pub fn group(t: &[TimedEvent], idx: &[usize]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut same_instant_from = 0;
    for &k in idx {
        if out
            .get(same_instant_from)
            .is_some_and(|g| t[g[0]].instant != t[k].instant)
        {
            same_instant_from = out.len();
        }
        let found = out[same_instant_from..]
            .iter_mut()
            .find(|g| g.iter().all(|&j| same_claim(&t[j], &t[k])));
        match found {
            Some(g) => g.push(k),
            None => out.push(vec![k]),
        }
    }
    out
}

/// The rows for timeline indices `idx` (in timeline order).
pub fn rows(t: &[TimedEvent], idx: &[usize]) -> Vec<Row> {
    group(t, idx)
        .into_iter()
        .map(|g| {
            let e = &t[g[0]];
            Row {
                at: e.instant,
                kind: e.kind.as_str(),
                subject: e.subject.clone(),
                summary: e.summary.clone(),
                evidence: e.evidence(),
                also: g[1..].iter().map(|&k| t[k].evidence()).collect(),
            }
        })
        .collect()
}

/// The other sources' lines for the same claim as timeline index `k`,
/// among `idx` (a window's public updates, say).
pub fn also(t: &[TimedEvent], idx: &[usize], k: usize) -> Vec<Evidence> {
    idx.iter()
        .filter(|&&j| j != k && same_claim(&t[k], &t[j]))
        .map(|&j| t[j].evidence())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::timeline::tests::ev;
    use std::sync::Arc;

    #[test]
    fn one_claim_from_two_sources_is_one_row_citing_both() {
        let mut t = vec![
            ev("2017-02-23T04:10:00Z", 0, 20, Kind::Comms, "page"),
            ev("2017-02-23T04:10:00Z", 1, 47, Kind::Comms, "page"),
            ev("2017-02-23T04:10:00Z", 1, 48, Kind::Comms, "page"),
            ev("2017-02-23T04:28:00Z", 0, 24, Kind::Comms, "page"),
        ];
        t[0].summary = "status page: investigating:  Network down".into();
        t[1].summary = "Status page: investigating: network down".into();
        t[2].summary = "status page: investigating: something else".into();
        t[3].summary = "status page: investigating: Network down".into();
        t[1].file = Arc::from("b.json");
        t[2].file = Arc::from("b.json");
        let r = rows(&t, &[0, 1, 2, 3]);
        assert_eq!(r.len(), 3, "{r:#?}");
        assert_eq!(r[0].evidence, t[0].evidence());
        assert_eq!(r[0].also, vec![t[1].evidence()]);
        assert!(r[1].also.is_empty() && r[2].also.is_empty());
        assert_eq!(also(&t, &[0, 1, 2, 3], 0), vec![t[1].evidence()]);
    }

    #[test]
    fn two_lines_of_one_file_stay_two_rows() {
        let t = vec![
            ev("2017-02-23T04:10:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T04:10:00Z", 0, 2, Kind::Fault, "a"),
        ];
        assert_eq!(rows(&t, &[0, 1]).len(), 2);
    }
}
