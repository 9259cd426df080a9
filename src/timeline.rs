//! The merged timeline: a stable k-way merge of per-source event streams.
//!
//! Each source's events arrive sorted by instant (file order among equals);
//! the merge orders by instant, then source order, then line, so the same
//! bundle always gives the same timeline.

use crate::event::TimedEvent;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Iterator over the merged timeline.
pub struct Merge {
    streams: Vec<std::vec::IntoIter<TimedEvent>>,
    heads: BinaryHeap<Reverse<(HeadKey, usize)>>,
    pending: Vec<Option<TimedEvent>>,
}

type HeadKey = (chrono::DateTime<chrono::Utc>, u32, u64);

impl Merge {
    pub fn new(sources: Vec<Vec<TimedEvent>>) -> Merge {
        let mut m = Merge {
            streams: sources.into_iter().map(Vec::into_iter).collect(),
            heads: BinaryHeap::new(),
            pending: Vec::new(),
        };
        m.pending = (0..m.streams.len()).map(|_| None).collect();
        for k in 0..m.streams.len() {
            m.advance(k);
        }
        m
    }

    fn advance(&mut self, k: usize) {
        if let Some(e) = self.streams[k].next() {
            self.heads.push(Reverse((e.order_key(), k)));
            self.pending[k] = Some(e);
        }
    }
}

impl Iterator for Merge {
    type Item = TimedEvent;

    fn next(&mut self) -> Option<TimedEvent> {
        let Reverse((_, k)) = self.heads.pop()?;
        let e = self.pending[k].take();
        self.advance(k);
        e
    }
}

/// Merge into a vector, keeping only events within `[from, to]` when given.
/// The vector is allocated once at its full size (growing it by doubling
/// beside the sources' own vectors held three copies' worth at the peak),
/// and a lone source's vector is kept as it is.
pub fn merged(
    mut sources: Vec<Vec<TimedEvent>>,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<TimedEvent> {
    let keep =
        |e: &TimedEvent| from.is_none_or(|f| e.instant >= f) && to.is_none_or(|t| e.instant <= t);
    sources.retain(|s| !s.is_empty());
    if sources.len() <= 1 {
        let mut only = sources.pop().unwrap_or_default();
        only.retain(keep);
        only.shrink_to_fit();
        return only;
    }
    let mut out = Vec::with_capacity(sources.iter().map(Vec::len).sum());
    out.extend(Merge::new(sources).filter(|e| keep(e)));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::{Kind, Role};
    use crate::time::provenance::{OffsetSource, Provenance, YearSource};
    use chrono::{DateTime, Utc};
    use std::sync::Arc;

    pub fn ev(t: &str, source: u32, line: u64, kind: Kind, subject: &str) -> TimedEvent {
        TimedEvent {
            instant: DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc),
            source,
            line,
            who: Arc::new(crate::event::Who {
                file: Arc::from(format!("s{source}.log")),
                role: Role::Host,
                kind,
                host: None,
                subject: Some(subject.into()),
                state: None,
                signal: match kind {
                    Kind::Fault => Some(crate::signal::Signal::Health(crate::signal::Health::Down)),
                    Kind::Recovery => {
                        Some(crate::signal::Signal::Health(crate::signal::Health::Ok))
                    }
                    _ => None,
                },
                precision_ms: 1000,
            }),
            summary: format!("{} {subject}", kind.as_str()).into(),
            provenance: Arc::new(Provenance {
                offset_s: 0,
                offset: OffsetSource::InLine,
                year: YearSource::InLine,
                dst: None,
                skew_ms: None,
            }),
            extra: None,
        }
    }

    #[test]
    fn merge_is_stable_by_instant_source_line() {
        let a = vec![
            ev("2017-02-23T03:56:00Z", 0, 1, Kind::Info, "a"),
            ev("2017-02-23T03:58:00Z", 0, 2, Kind::Info, "a"),
        ];
        let b = vec![
            ev("2017-02-23T03:56:00Z", 1, 7, Kind::Info, "b"),
            ev("2017-02-23T03:57:00Z", 1, 8, Kind::Info, "b"),
        ];
        let got: Vec<(u32, u64)> = Merge::new(vec![b.clone(), a.clone()])
            .map(|e| (e.source, e.line))
            .collect();
        assert_eq!(got, vec![(0, 1), (1, 7), (1, 8), (0, 2)]);
        let from = DateTime::parse_from_rfc3339("2017-02-23T03:57:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(merged(vec![a, b], Some(from), None).len(), 2);
    }
}
