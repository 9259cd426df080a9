//! Windows as onset clusters. A window begins with a burst of onsets and is
//! joined by spans whose onset is close to the burst (within the merge gap
//! of its latest onset) or related to it (same subject or host, or a
//! declared dependency) while it is still going. Nothing joins more than
//! `join_max` after the window's first onset: a subject failing hours
//! later starts its own window instead of extending an open one. A flapping
//! span joins a steady window only when related to a steady member, and
//! then never moves its burst, start or end; otherwise flapping spans make
//! windows of their own, so their cycles cannot chain unrelated windows.
//!
//! Cost: one pass over the spans in onset order; relation is looked up
//! through an index of the windows still open to joining, by key, so no
//! span is compared with every window and the index holds only the windows
//! of the last `join_max`.

use super::episode::Span;
use super::focus::Depends;
use crate::timeline::Timeline;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// One window, by span indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Indices into the span list, in onset order (`u32`: a storm's
    /// windows hold a span per fault).
    pub members: Vec<u32>,
    /// The earliest opening statement (timeline index).
    pub start: usize,
    /// The latest closing statement; `None` if any member is still open.
    pub end: Option<usize>,
}

/// What makes two spans related.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Subject(crate::event::Name),
    Host(crate::event::Name),
    /// The dependent side of `[[depends]]` entry N.
    Needs(usize),
    /// The dependency side of entry N.
    Serves(usize),
}

impl Key {
    /// The key a window must hold for a span with this key to be related.
    fn partner(&self) -> Key {
        match self {
            Key::Needs(i) => Key::Serves(*i),
            Key::Serves(i) => Key::Needs(*i),
            k => k.clone(),
        }
    }
}

fn keys(t: &Timeline, s: &Span, deps: &[Depends]) -> Vec<Key> {
    let e = &t.get(s.start());
    let subject = s.subject(t);
    let mut out = vec![Key::Subject(subject.clone())];
    if let Some(h) = &e.who.host {
        out.push(Key::Host(h.clone()));
    }
    for (i, d) in deps.iter().enumerate() {
        if d.subject.is_match(subject) {
            out.push(Key::Needs(i));
        }
        if d.on
            .iter()
            .any(|p| p.is_match(subject) || e.who.host.as_deref().is_some_and(|h| p.is_match(h)))
        {
            out.push(Key::Serves(i));
        }
    }
    out
}

struct Building {
    cluster: Cluster,
    onset: DateTime<Utc>,
    /// The latest onset of a steady (not flapping) member, or the founder's.
    last_onset: DateTime<Utc>,
    /// How far the deciding members' evidence goes.
    reach: DateTime<Utc>,
    /// Has a member that does not flap.
    steady: bool,
}

/// Cluster `chosen` spans (indices into `spans`, any order) into windows.
/// `reach_of` gives how far a span's evidence goes (its end, or its
/// source's last event while open).
pub fn cluster(
    t: &Timeline,
    spans: &[Span],
    mut chosen: Vec<u32>,
    deps: &[Depends],
    gap: Duration,
    join_max: Duration,
    reach_of: impl Fn(&Span) -> DateTime<Utc>,
) -> Vec<Cluster> {
    // The keys are distinct (the span index breaks every tie), so an
    // unstable sort gives the same order without a stable sort's buffer of
    // half the list.
    chosen.sort_unstable_by_key(|&i| {
        let s = &spans[i as usize];
        (t.get(s.start()).instant, s.start(), i)
    });
    let mut built: Vec<Building> = Vec::new();
    // Keys of steady members, and of flapping ones: a flapping span relates
    // only to windows made of flapping spans, and nothing relates through
    // a flapping member of a steady window.
    let mut index: HashMap<Key, Vec<usize>> = HashMap::new();
    let mut flap_index: HashMap<Key, Vec<usize>> = HashMap::new();
    // The latest window of each class, steady and flapping-only, for joining
    // by a close onset: a flapping span never joins a steady window merely
    // for being close, nor a steady span a flapping one.
    let mut latest: [Option<usize>; 2] = [None, None];
    for i in chosen {
        let s = &spans[i as usize];
        let onset = t.get(s.start()).instant;
        let my_keys = keys(t, s, deps);
        let live = |b: &Building| onset - b.onset <= join_max;
        let class = usize::from(s.flapping);
        let close =
            latest[class].filter(|&c| live(&built[c]) && onset - built[c].last_onset <= gap);
        let related = |ix: &HashMap<Key, Vec<usize>>| {
            my_keys
                .iter()
                .filter_map(|k| ix.get(&k.partner()))
                .flat_map(|v| v.iter().rev().take_while(|&&c| live(&built[c])))
                .copied()
                .filter(|&c| built[c].steady || s.flapping)
                .filter(|&c| onset <= built[c].reach + gap)
                .max()
        };
        // A steady span relates through steady members only; a flapping one
        // also to flapping-only windows of its own kind.
        let target = close.or_else(|| {
            let steady = related(&index);
            if s.flapping {
                steady.or_else(|| related(&flap_index))
            } else {
                steady
            }
        });
        let reach = reach_of(s);
        let c = match target {
            Some(c) => {
                let b = &mut built[c];
                b.cluster.members.push(i);
                // A flapping member of a steady window moves nothing.
                if !s.flapping || !b.steady {
                    b.last_onset = b.last_onset.max(onset);
                    b.reach = b.reach.max(reach);
                }
                c
            }
            None => {
                built.push(Building {
                    cluster: Cluster {
                        members: vec![i],
                        start: s.start(),
                        end: s.end(),
                    },
                    onset,
                    last_onset: onset,
                    reach,
                    steady: !s.flapping,
                });
                built.len() - 1
            }
        };
        let class = usize::from(!built[c].steady);
        if latest[class].is_none_or(|l| built[c].last_onset >= built[l].last_onset) {
            latest[class] = Some(c);
        }
        // Relation runs through a window's own kind of member: the keys of a
        // flapping span that joined a steady window relate nothing to it.
        let ix = if s.flapping {
            &mut flap_index
        } else {
            &mut index
        };
        if s.flapping && built[c].steady {
            continue;
        }
        for k in my_keys {
            let v = ix.entry(k).or_default();
            if let Err(pos) = v.binary_search(&c) {
                v.insert(pos, c);
            }
            // Windows are built in onset order and onsets only grow, so the
            // windows no longer live are a prefix that no later span can
            // join: `related` stops at the first of them. A storm's keys
            // were each in hundreds of windows (issue 16).
            let dead = v.partition_point(|&w| onset - built[w].onset > join_max);
            v.drain(..dead);
        }
    }
    built
        .into_iter()
        .map(|b| bounds(t, spans, b.cluster))
        .collect()
}

/// A window's start and end come from its steady members when it has any:
/// a flapping subject that joined must not stretch it.
fn bounds(t: &Timeline, spans: &[Span], mut c: Cluster) -> Cluster {
    let steady = c.members.iter().any(|&i| !spans[i as usize].flapping);
    let deciding = || {
        c.members
            .iter()
            .map(|&i| &spans[i as usize])
            .filter(move |s| !steady || !s.flapping)
    };
    c.start = deciding()
        .map(|s| s.start())
        .min_by_key(|&k| (t.get(k).instant, k))
        .expect("a window has members");
    c.end = if deciding().any(|s| s.end().is_none()) {
        None
    } else {
        deciding()
            .filter_map(|s| s.end())
            .max_by_key(|&k| (t.get(k).instant, k))
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;
    use crate::timeline::tests::ev;
    use crate::window::episode::spans;
    use crate::window::focus::Pattern;

    fn run(t: &Timeline, deps: &[Depends]) -> Vec<Vec<String>> {
        let s = spans(t);
        let all: Vec<u32> = (0..s.len() as u32).collect();
        let last = t.last().unwrap().instant;
        cluster(
            t,
            &s,
            all,
            deps,
            Duration::seconds(300),
            Duration::minutes(60),
            |x| x.end().map_or(last, |e| t.get(e).instant),
        )
        .into_iter()
        .map(|c| {
            let mut v: Vec<String> = c
                .members
                .iter()
                .map(|&i| s[i as usize].subject(t).to_string())
                .collect();
            v.sort();
            v.dedup();
            v
        })
        .collect()
    }

    #[test]
    fn a_burst_is_one_window_a_late_unrelated_onset_its_own() {
        let t = vec![
            ev("2017-02-23T03:56:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T03:58:00Z", 1, 1, Kind::Fault, "b"),
            ev("2017-02-23T04:10:00Z", 2, 1, Kind::Fault, "c"),
            ev("2017-02-23T04:20:00Z", 0, 2, Kind::Recovery, "a"),
            ev("2017-02-23T04:23:00Z", 1, 2, Kind::Recovery, "b"),
            ev("2017-02-23T04:26:00Z", 2, 2, Kind::Recovery, "c"),
        ];
        assert_eq!(
            run(&crate::timeline::Timeline::from(t.clone()), &[]),
            vec![vec!["a", "b"], vec!["c"]]
        );
    }

    #[test]
    fn a_related_onset_joins_while_the_window_goes_on() {
        let mut t = vec![
            ev(
                "2017-02-23T03:56:00Z",
                0,
                1,
                Kind::Fault,
                "core-sw1 Gi1/0/24",
            ),
            ev("2017-02-23T04:10:00Z", 1, 1, Kind::Fault, "portal/HTTP"),
            ev(
                "2017-02-23T04:20:00Z",
                0,
                2,
                Kind::Recovery,
                "core-sw1 Gi1/0/24",
            ),
            ev("2017-02-23T04:26:00Z", 1, 2, Kind::Recovery, "portal/HTTP"),
        ];
        t[0].who_mut().host = Some("core-sw1".into());
        t[2].who_mut().host = Some("core-sw1".into());
        t[1].who_mut().host = Some("portal".into());
        assert_eq!(
            run(&crate::timeline::Timeline::from(t.clone()), &[]).len(),
            2
        );
        let deps = [Depends {
            subject: Pattern::new("portal/*").unwrap(),
            on: vec![Pattern::new("core-sw1").unwrap()],
        }];
        assert_eq!(
            run(&crate::timeline::Timeline::from(t.clone()), &deps),
            vec![vec!["core-sw1 Gi1/0/24", "portal/HTTP"]]
        );
    }

    #[test]
    fn nothing_joins_an_hour_after_the_first_onset() {
        let mut t = vec![
            ev("2017-02-23T02:00:00Z", 0, 1, Kind::Fault, "ssh"),
            ev("2017-02-23T04:35:00Z", 0, 2, Kind::Fault, "squid"),
            ev("2017-02-23T04:55:00Z", 0, 3, Kind::Recovery, "squid"),
        ];
        for e in &mut t {
            e.who_mut().host = Some("localhost".into());
        }
        assert_eq!(
            run(&crate::timeline::Timeline::from(t.clone()), &[]),
            vec![vec!["ssh"], vec!["squid"]]
        );
    }

    /// flapping-beside-outage-2019: a tunnel cycling every 10 min on another
    /// host has an onset 4 min after the database fails; it must neither
    /// join nor stretch the database's window.
    #[test]
    fn a_close_flapping_onset_does_not_join_a_steady_window() {
        let mut t = Vec::new();
        let mut line = 0;
        let mut push = |at: &str, kind: Kind, subject: &str, host: &str| {
            line += 1;
            let mut e = ev(&format!("2019-10-02T{at}Z"), 0, line, kind, subject);
            e.who_mut().host = Some(host.into());
            t.push(e);
        };
        for (down, up) in [
            ("12:03:00", "12:08:00"),
            ("12:13:00", "12:18:00"),
            ("12:23:00", "12:28:00"),
        ] {
            push(down, Kind::Fault, "tunnel", "rtr");
            push(up, Kind::Recovery, "tunnel", "rtr");
        }
        push("12:29:31", Kind::Fault, "db", "db03");
        push("12:33:44", Kind::Fault, "tunnel", "rtr");
        push("12:40:00", Kind::Recovery, "tunnel", "rtr");
        push("12:54:31", Kind::Recovery, "db", "db03");
        t.sort_by_key(|e| e.instant);
        // The late cycle starts after the tunnel's own window went quiet
        // (its reach plus the gap), so it starts another flapping window.
        let got = run(&crate::timeline::Timeline::from(t.clone()), &[]);
        assert_eq!(got, vec![vec!["tunnel"], vec!["db"], vec!["tunnel"]]);
    }
}
