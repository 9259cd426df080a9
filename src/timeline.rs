//! The merged timeline: the per-source event streams in one order.
//!
//! Each source's events arrive sorted by instant (file order among equals);
//! the timeline orders by instant, then source order, then line, and keeps
//! a source's order among equals, so the same bundle always gives the same
//! timeline.

use crate::event::TimedEvent;

mod packed;
pub use packed::{index, Builder, EventRef, Iter, Timeline};

/// Merge into one vector, keeping only events within `[from, to]` when
/// given.
///
/// In place, for memory (issue 16): a k-way merge into a new vector held
/// the sources' vectors and the timeline at once, 38 MB more at the peak
/// of `rfo timeline` on the 100 MB bench bundle. Each source is cut to
/// the range first; the others are appended to the largest one's vector (a
/// large block grows by remapping, not copying, and each source is freed
/// once moved, so the peak holds the timeline and the second largest
/// source, not the largest); a list of positions is sorted stably by the
/// order (4 bytes an event, where sorting the events themselves takes a
/// scratch half their size), and the events are moved to their places
/// along the permutation's cycles. The order key names the source, and a
/// source's events stay together and in order, so which vector the others
/// join does not change the result.
pub fn merged(
    mut sources: Vec<Vec<TimedEvent>>,
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<TimedEvent> {
    let keep =
        |e: &TimedEvent| from.is_none_or(|f| e.instant >= f) && to.is_none_or(|t| e.instant <= t);
    if from.is_some() || to.is_some() {
        for s in &mut sources {
            s.retain(keep);
        }
    }
    sources.retain(|s| !s.is_empty());
    let total: usize = sources.iter().map(Vec::len).sum();
    // The first largest, so that equal sizes choose alike every run.
    let largest = (0..sources.len())
        .rev()
        .max_by_key(|&k| sources[k].len())
        .unwrap_or(0);
    let several = sources.len() > 1;
    let mut out = match sources.is_empty() {
        true => Vec::new(),
        false => sources.swap_remove(largest),
    };
    out.reserve_exact(total - out.len());
    for mut s in sources {
        out.append(&mut s);
    }
    if several {
        let n = u32::try_from(out.len()).expect("a timeline is indexed by u32 (window::episode)");
        let mut order: Vec<u32> = (0..n).collect();
        order.sort_by_key(|&k| out[k as usize].order_key());
        permute(&mut out, &mut order);
    }
    out.shrink_to_fit();
    out
}

/// Put `v[order[i]]` at `i` for every `i`, by swaps along each cycle of the
/// permutation; `order` is left as the identity.
fn permute<T>(v: &mut [T], order: &mut [u32]) {
    for start in 0..v.len() {
        let mut i = start;
        loop {
            let j = order[i] as usize;
            order[i] = i as u32;
            if j == start || j == i {
                break;
            }
            v.swap(i, j);
            i = j;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::{Kind, Role};
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
        let got: Vec<(u32, u32)> = merged(vec![b.clone(), a.clone()], None, None)
            .iter()
            .map(|e| (e.source(), e.line))
            .collect();
        assert_eq!(got, vec![(0, 1), (1, 7), (1, 8), (0, 2)]);
        let from = DateTime::parse_from_rfc3339("2017-02-23T03:57:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(merged(vec![a, b], Some(from), None).len(), 2);
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
            // A range of the five seconds, or none.
            let at = |s: u64| DateTime::parse_from_rfc3339("2017-02-23T03:56:00Z").unwrap().with_timezone(&Utc) + chrono::Duration::seconds(s as i64);
            let (from, to) = match next(3) {
                0 => (None, None),
                _ => (Some(at(next(3))), Some(at(1 + next(4)))),
            };
            want.retain(|e| from.is_none_or(|f| e.instant >= f) && to.is_none_or(|t| e.instant <= t));
            let got = merged(sources, from, to);
            let tags = |v: &[TimedEvent]| v.iter().map(|e| e.summary.to_string()).collect::<Vec<_>>();
            proptest::prop_assert_eq!(tags(&got), tags(&want));
        }
    }

    #[test]
    fn permute_puts_each_element_where_the_order_says() {
        let mut v = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        // Two cycles and a fixed point.
        let mut order = vec![2, 0, 1, 3, 5, 4];
        permute(&mut v, &mut order);
        assert_eq!(v, vec!['c', 'a', 'b', 'd', 'f', 'e']);
        assert_eq!(order, vec![0, 1, 2, 3, 4, 5]);
    }
}
