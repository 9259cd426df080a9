//! The merged timeline: the per-source event streams in one order.
//!
//! Each source's events arrive sorted by instant (file order among equals);
//! the timeline orders by instant, then source order, then line, and keeps
//! a source's order among equals, so the same bundle always gives the same
//! timeline.

mod packed;
pub use packed::{index, Builder, EventRef, Iter, Timeline};

/// The sources' events in timeline order.
///
/// A k-way merge of the packed sources into one packed timeline: each
/// source is in (instant, line) order, so its events come out in order,
/// and the order key names the source, so no two sources' events tie.
/// A bundle of one source (a flapping storm) is its timeline as it is.
/// The sources and the timeline are both packed (issue 16): the merge
/// holds them together, about 6 bytes an event each, where a merge of
/// `TimedEvent` vectors held 32.
///
/// Each source must be in (instant, line) order and name its own source
/// index: a parse sorts its events (`Timeline::sorted_by_instant_and_line`)
/// and an events file's are sorted as they are read (`with_events`).
pub fn merged(mut sources: Vec<Timeline>) -> Timeline {
    sources.retain(|s| !s.is_empty());
    debug_assert!(
        sources.iter().all(|s| s
            .iter()
            .zip(s.iter().skip(1))
            .all(|(a, b)| (a.instant, a.line) <= (b.instant, b.line))),
        "a source out of (instant, line) order"
    );
    debug_assert!(
        {
            let mut ids: Vec<u32> = sources.iter().map(|s| s.get(0).who.source).collect();
            ids.sort_unstable();
            sources
                .iter()
                .all(|s| s.iter().all(|e| e.who.source == s.get(0).who.source))
                && ids.windows(2).all(|w| w[0] != w[1])
        },
        "an input of two sources, or two inputs of one"
    );
    if sources.len() <= 1 {
        return sources.pop().unwrap_or_default();
    }
    let total: usize = sources.iter().map(Timeline::len).sum();
    u32::try_from(total).expect("a timeline is indexed by u32 (window::episode)");
    packed::merge(&sources)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::{Kind, Role, TimedEvent};
    use crate::time::provenance::{OffsetSource, Provenance, YearSource};
    use chrono::{DateTime, Utc};
    use std::sync::Arc;

    pub fn ev(t: &str, source: u32, line: u32, kind: Kind, subject: &str) -> TimedEvent {
        TimedEvent {
            instant: DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc),
            line,
            who: Arc::new(crate::event::Who {
                file: Arc::from(format!("s{source}.log")),
                source,
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
                provenance: Arc::new(Provenance {
                    offset_s: 0,
                    offset: OffsetSource::InLine,
                    year: YearSource::InLine,
                    dst: None,
                    skew_ms: None,
                }),
                operator: None,
            }),
            summary: format!("{} {subject}", kind.as_str()).into(),
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
        let got: Vec<(u32, u32)> = merged(vec![b.into(), a.into()])
            .iter()
            .map(|e| (e.source(), e.line))
            .collect();
        assert_eq!(got, vec![(0, 1), (1, 7), (1, 8), (0, 2)]);
    }

    proptest::proptest! {
        /// Against the plain statement of the order: the sources' events
        /// sorted stably by (instant, source, line). Each source is sorted
        /// and may repeat a line (a document's records), whose order must
        /// stay.
        #[test]
        fn merged_is_the_stable_sort_of_the_sources(
            sizes in proptest::collection::vec(0usize..40, 0..5),
            seed in 0u64..1_000_000,
        ) {
            let mut x = seed;
            let mut next = |m: u64| { x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (x >> 33) % m };
            let mut sources = Vec::new();
            let mut tag = 0;
            for (k, &n) in sizes.iter().enumerate() {
                let mut s: Vec<TimedEvent> = (0..n).map(|_| {
                    let mut e = ev("2017-02-23T03:56:00Z", k as u32, 1 + next(6) as u32, Kind::Info, "x");
                    e.instant += chrono::Duration::seconds(next(5) as i64);
                    tag += 1;
                    e.summary = tag.to_string().into();
                    e
                }).collect();
                s.sort_by_key(|e| (e.instant, e.line));
                sources.push(s);
            }
            let mut want: Vec<TimedEvent> = sources.concat();
            want.sort_by_key(|e| e.order_key());
            let got = merged(sources.into_iter().map(Timeline::from).collect());
            let got: Vec<String> = got.iter().map(|e| e.summary.to_string()).collect();
            let want: Vec<String> = want.iter().map(|e| e.summary.to_string()).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
