//! The rows of a window's timeline, one per claim: a status page's update
//! read from its text export and again from its JSON is the same claim at
//! the same instant, so it is one row citing both sources (the founding
//! bundle showed every public update twice).

use crate::evidence::Evidence;
use crate::timeline::{EventRef, Timeline};
use serde::Serialize;
use std::sync::Arc;

/// One timeline row: an event, with the other sources that state the same.
/// It borrows its event's text: rows are made only to be written out.
#[derive(Debug, Clone, Serialize)]
pub struct Row<'a> {
    #[serde(serialize_with = "crate::time::ser_rfc3339")]
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: &'static str,
    pub subject: Option<&'a str>,
    /// Written straight from its block (`Summary`'s `Serialize`): a storm
    /// writes a million rows.
    pub summary: crate::event::SummaryRef<'a>,
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
pub fn same_claim(a: &EventRef<'_>, b: &EventRef<'_>) -> bool {
    a.instant == b.instant
        && a.who.kind == b.who.kind
        && a.who.file != b.who.file
        && normalised(&a.summary.get()) == normalised(&b.summary.get())
}

/// A window's timeline rows, held as indexes into the shared timeline and
/// written out only when serialised: on a flapping storm every event is a
/// row, and a copied row (~110 bytes) per event was a fifth of the peak
/// memory (issue 16).
#[derive(Clone)]
pub struct Rows {
    events: Arc<Timeline>,
    /// Per row, the index of the event it cites, ascending, as gaps (a
    /// storm's windows cite a million rows; most gaps fit a byte).
    cited: crate::gaps::Gaps,
    /// How many: the gaps cannot say without a walk.
    rows: usize,
    /// `(row, event)`: the other sources' events stating the same claim,
    /// ordered by row then timeline order. Rare, so kept apart.
    also: Vec<(usize, usize)>,
}

/// The rows of one instant, by claim. Most instants hold the events of one
/// file, none of which can state another's claim (`same_claim`), so a
/// row's claim (its normalised summary) and files are kept only once a
/// second file's event shares the instant.
#[derive(Default)]
struct Instant {
    at: Option<chrono::DateTime<chrono::Utc>>,
    /// The instant's first row.
    first: usize,
    /// Per row of the instant, the files its events are from.
    files: Vec<Vec<Arc<str>>>,
    /// Each claim's rows, in order, with per file the position in them of
    /// the first row that may lack that file.
    claims: rustc_hash::FxHashMap<(crate::event::Kind, String), Claim>,
    /// The one file the instant's events are from, until a second comes.
    single: Option<Arc<str>>,
    /// Whether the instant's rows are in `claims` and `files`: from its
    /// second file on.
    keyed: bool,
}

#[derive(Default)]
struct Claim {
    rows: Vec<usize>,
    from: rustc_hash::FxHashMap<Arc<str>, usize>,
}

impl Instant {
    /// Place `e`, to be row `next` if it opens one: the row of this instant
    /// it joins, or `None` when it opened row `next`.
    fn place(
        &mut self,
        t: &Timeline,
        cited: &[u32],
        e: &EventRef<'_>,
        next: usize,
    ) -> Option<usize> {
        let file = &e.who.file;
        if !self.keyed {
            match &self.single {
                // The instant's first event opens its first row.
                None => {
                    self.single = Some(file.clone());
                    return None;
                }
                // Every row holds an event of this file: none can take
                // another (a storm's one log writes thousands a second).
                Some(only) if only == file => return None,
                // A second file: each row so far holds one event of the
                // first, now keyed by its claim.
                Some(_) => {
                    self.keyed = true;
                    let only = self.single.take().expect("matched");
                    for (r, &k) in cited.iter().enumerate().skip(self.first) {
                        let ev = t.get(k as usize);
                        let claim = self
                            .claims
                            .entry((ev.who.kind, normalised(&ev.summary.get())))
                            .or_default();
                        claim.rows.push(r);
                        claim.from.insert(only.clone(), claim.rows.len());
                        self.files.push(vec![only.clone()]);
                    }
                }
            }
        }
        let claim = self
            .claims
            .entry((e.who.kind, normalised(&e.summary.get())))
            .or_default();
        let mut i = claim.from.get(file).copied().unwrap_or(0);
        while claim
            .rows
            .get(i)
            .is_some_and(|&r| self.files[r - self.first].contains(file))
        {
            i += 1;
        }
        // Rows before `i`, and the one `e` joins or opens, hold the file.
        claim.from.insert(file.clone(), i + 1);
        match claim.rows.get(i) {
            Some(&r) => {
                self.files[r - self.first].push(file.clone());
                Some(r)
            }
            None => {
                claim.rows.push(next);
                self.files.push(vec![file.clone()]);
                None
            }
        }
    }
}

impl Rows {
    /// The rows for timeline indices `idx` (in timeline order): each claim
    /// once, citing its first event. An event joins the first row of its
    /// instant whose events all state its claim (`same_claim`): the same
    /// kind and normalised summary, none from its file. Linear: a row's
    /// claim is a key, and a key's rows are tried from the first that may
    /// lack the event's file (a row never loses a file). Trying every row
    /// of the instant made 8,000 alerts in one second take 4.2 s (issue 16).
    pub fn new(events: Arc<Timeline>, idx: &[usize]) -> Rows {
        let t = &*events;
        let mut cited: Vec<u32> = Vec::with_capacity(idx.len());
        let mut also: Vec<(usize, usize)> = Vec::new();
        let mut instant = Instant::default();
        for &k in idx {
            let e = t.get(k);
            if instant.at != Some(e.instant) {
                instant = Instant {
                    at: Some(e.instant),
                    first: cited.len(),
                    ..Instant::default()
                };
            }
            match instant.place(t, &cited, &e, cited.len()) {
                Some(r) => also.push((r, k)),
                None => cited.push(crate::window::episode::ix(k)),
            }
        }
        // Pushed in timeline order: a stable sort by row keeps it within
        // each row.
        also.sort_by_key(|&(row, _)| row);
        Rows {
            events,
            rows: cited.len(),
            cited: crate::gaps::Gaps::of(&cited),
            also,
        }
    }

    /// `new` as first written, trying every row of the instant: the
    /// reference the linear one is tested against.
    #[cfg(test)]
    fn new_reference(events: Arc<Timeline>, idx: &[usize]) -> Rows {
        let t = &*events;
        let mut cited: Vec<u32> = Vec::with_capacity(idx.len());
        let mut also: Vec<(usize, usize)> = Vec::new();
        let mut same_instant_from = 0;
        for &k in idx {
            if cited
                .get(same_instant_from)
                .is_some_and(|&c| t.get(c as usize).instant != t.get(k).instant)
            {
                same_instant_from = cited.len();
            }
            let found = (same_instant_from..cited.len()).find(|&r| {
                let from = also.partition_point(|&(row, _)| row < r);
                same_claim(&t.get(cited[r] as usize), &t.get(k))
                    && also[from..]
                        .iter()
                        .take_while(|&&(row, _)| row == r)
                        .all(|&(_, j)| same_claim(&t.get(j), &t.get(k)))
            });
            match found {
                Some(r) => {
                    let at = also.partition_point(|&(row, _)| row <= r);
                    also.insert(at, (r, k));
                }
                None => cited.push(crate::window::episode::ix(k)),
            }
        }
        Rows {
            events,
            rows: cited.len(),
            cited: crate::gaps::Gaps::of(&cited),
            also,
        }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Row `r`, citing event `k`, as the analysis JSON shows it.
    fn row(&self, r: usize, k: u32) -> Row<'_> {
        let t = &*self.events;
        let e = t.get(k as usize);
        let from = self.also.partition_point(|&(row, _)| row < r);
        Row {
            at: e.instant,
            kind: e.who.kind.as_str(),
            subject: e.who.subject.as_deref(),
            evidence: e.evidence(),
            summary: e.summary,
            also: self.also[from..]
                .iter()
                .take_while(|&&(row, _)| row == r)
                .map(|&(_, j)| t.get(j).evidence())
                .collect(),
        }
    }

    /// The rows in order, as the analysis JSON shows them.
    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        self.cited.iter().enumerate().map(|(r, k)| self.row(r, k))
    }
}

impl Serialize for Rows {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for row in self.iter() {
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The other sources' lines for the same claim as timeline index `k`,
/// among `idx` (a window's public updates, say).
pub fn also(t: &Timeline, idx: &[usize], k: usize) -> Vec<Evidence> {
    idx.iter()
        .filter(|&&j| j != k && same_claim(&t.get(k), &t.get(j)))
        .map(|&j| t.get(j).evidence())
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
        t[1].who_mut().file = Arc::from("b.json");
        t[2].who_mut().file = Arc::from("b.json");
        let t = Arc::new(crate::timeline::Timeline::from(t));
        let rows = Rows::new(t.clone(), &[0, 1, 2, 3]);
        let r: Vec<Row> = rows.iter().collect();
        assert_eq!(r.len(), 3, "{r:#?}");
        assert_eq!(r[0].evidence, t.get(0).evidence());
        assert_eq!(r[0].also, vec![t.get(1).evidence()]);
        assert!(r[1].also.is_empty() && r[2].also.is_empty());
        assert_eq!(also(&t, &[0, 1, 2, 3], 0), vec![t.get(1).evidence()]);
    }

    #[test]
    fn each_row_keeps_its_own_also_when_claims_interleave() {
        // Two claims at one instant, each stated again by two other files,
        // the restatements arriving in the other order.
        let mut t = vec![
            ev("2017-02-23T04:10:00Z", 0, 1, Kind::Comms, "page"),
            ev("2017-02-23T04:10:00Z", 0, 2, Kind::Comms, "page"),
            ev("2017-02-23T04:10:00Z", 1, 7, Kind::Comms, "page"),
            ev("2017-02-23T04:10:00Z", 1, 8, Kind::Comms, "page"),
            ev("2017-02-23T04:10:00Z", 2, 3, Kind::Comms, "page"),
        ];
        for (k, (summary, file)) in [
            ("investigating", "a.txt"),
            ("identified", "a.txt"),
            ("Identified", "b.json"),
            ("Investigating", "b.json"),
            ("investigating", "c.json"),
        ]
        .into_iter()
        .enumerate()
        {
            t[k].summary = summary.into();
            t[k].who_mut().file = Arc::from(file);
        }
        let t = Arc::new(crate::timeline::Timeline::from(t));
        let rows = Rows::new(t.clone(), &[0, 1, 2, 3, 4]);
        let r: Vec<Row> = rows.iter().collect();
        assert_eq!(r.len(), 2, "{r:#?}");
        assert_eq!(r[0].evidence, t.get(0).evidence());
        assert_eq!(r[0].also, vec![t.get(3).evidence(), t.get(4).evidence()]);
        assert_eq!(r[1].evidence, t.get(1).evidence());
        assert_eq!(r[1].also, vec![t.get(2).evidence()]);
    }

    /// The rows as the analysis shows them: each one's evidence and `also`.
    fn shape(rows: &Rows) -> Vec<(Evidence, Vec<Evidence>)> {
        rows.iter().map(|r| (r.evidence, r.also)).collect()
    }

    proptest::proptest! {
        /// The linear `new` gives the rows of the one that tried every row
        /// of an instant, on events crowded into few instants, files and
        /// claims (each claim spelled in three ways `normalised` folds).
        #[test]
        fn new_gives_the_reference_rows(
            raw in proptest::collection::vec((0u8..3, 0u32..3, 0u8..2, 0u8..9), 0..60),
            every in 1usize..3,
        ) {
            let mut t: Vec<_> = raw
                .iter()
                .enumerate()
                .map(|(line, &(at, file, kind, said))| {
                    let kind = [Kind::Comms, Kind::Fault][usize::from(kind)];
                    let at = format!("2017-02-23T04:1{at}:00Z");
                    let mut e = ev(&at, file, line as u32, kind, "page");
                    e.summary = ["up", "Up", " up ", "down", "DOWN", "down  ", "x y", "X  Y", "x y "]
                        [usize::from(said)]
                        .into();
                    e
                })
                .collect();
            t.sort_by_key(|e| (e.instant, e.who.source, e.line));
            let t = Arc::new(crate::timeline::Timeline::from(t));
            let idx: Vec<usize> = (0..raw.len()).step_by(every).collect();
            proptest::prop_assert_eq!(
                shape(&Rows::new(t.clone(), &idx)),
                shape(&Rows::new_reference(t, &idx))
            );
        }
    }

    /// Twenty thousand claims at one instant (tests/regression.rs has the
    /// storm that showed the quadratic search): each is its own row but
    /// for the one a second file states again.
    #[test]
    fn many_claims_at_one_instant_are_each_one_row() {
        let n = 20_000;
        let mut t: Vec<_> = (0..n)
            .map(|i| {
                let mut e = ev("2017-02-23T04:10:00Z", 0, i, Kind::Fault, "svc");
                e.summary = format!("host{i} CRITICAL").into();
                e
            })
            .collect();
        let mut again = ev("2017-02-23T04:10:00Z", 1, 7, Kind::Fault, "svc");
        again.summary = "HOST17  critical".into();
        t.push(again);
        let t = Arc::new(crate::timeline::Timeline::from(t));
        let idx: Vec<usize> = (0..=n as usize).collect();
        let rows = Rows::new(t.clone(), &idx);
        assert_eq!(rows.len(), n as usize);
        let r: Vec<Row> = rows.iter().collect();
        assert_eq!(r[17].also, vec![t.get(n as usize).evidence()]);
        assert_eq!(r.iter().filter(|r| !r.also.is_empty()).count(), 1);
    }

    #[test]
    fn two_lines_of_one_file_stay_two_rows() {
        let t = vec![
            ev("2017-02-23T04:10:00Z", 0, 1, Kind::Fault, "a"),
            ev("2017-02-23T04:10:00Z", 0, 2, Kind::Fault, "a"),
        ];
        assert_eq!(
            Rows::new(Arc::new(crate::timeline::Timeline::from(t)), &[0, 1]).len(),
            2
        );
    }
}
