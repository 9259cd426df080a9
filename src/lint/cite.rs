//! The log lines a report cites (`` `nagios.log:35` ``, as rfo's reports
//! write beside each row and number): a sentence that cites lines of the
//! bundle states their times.
//!
//! Without this, a time was checked against whichever event shared most
//! of its sentence's words, and words lose their digits (`host17` and
//! `host0` are both "host"): each row of a storm's report was weighed
//! against the first host's line, and a row moved six hours named another
//! row's line as the evidence against it; a time off by a few minutes
//! passed whenever any other event lay near it. A citation says which
//! line is meant; the finding names that line.

use crate::timeline::Timeline;
use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};
use std::sync::OnceLock;

/// The timed events of each line the report cites, found in one pass.
#[derive(Debug, Default)]
pub struct Cited {
    /// By file as cited (a source's path in the bundle), then line: the
    /// positions of its events in the timeline (in time order).
    lines: FxHashMap<Box<str>, FxHashMap<u64, Vec<u32>>>,
}

/// The `path:line` citations written in `text`, in order. A path is
/// anything up to a blank, quote, bracket, colon or separator, not all
/// digits (`10:47` cites nothing); `Cited::of` keeps only the bundle's
/// files.
pub fn citations(text: &str) -> impl Iterator<Item = (&str, u64)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#"(?:^|[\s`(\[,;|'"])([^\s`'"()\[\]<>|,;:]+):([0-9]{1,12})(?:$|[^0-9:])"#)
            .expect("valid")
    });
    // Adjacent citations share a separator, which `captures_iter` would
    // take once: each match is started again after its path.
    // A time's hour (`11:04`) is no path.
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let c = re.captures_at(text, at)?;
        let path = c.get(1)?;
        at = path.end();
        if path.as_str().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let line = c.get(2)?.as_str().parse().ok()?;
        return Some((path.as_str(), line));
    })
}

impl Cited {
    /// The events of every line `sentences` cite: one pass over the
    /// events of the cited files, none when nothing is cited.
    pub fn new<'s>(t: &Timeline, sentences: impl IntoIterator<Item = &'s str>) -> Cited {
        let mut wanted: FxHashMap<&str, FxHashSet<u64>> = FxHashMap::default();
        for s in sentences {
            for (file, line) in citations(s) {
                wanted.entry(file).or_default().insert(line);
            }
        }
        let mut lines: FxHashMap<Box<str>, FxHashMap<u64, Vec<u32>>> = FxHashMap::default();
        if wanted.is_empty() {
            return Cited { lines };
        }
        for k in t.indices_where(|w| wanted.contains_key(&*w.file)) {
            let e = t.get(k);
            let line = u64::from(e.line);
            if wanted.get(&*e.who.file).is_some_and(|l| l.contains(&line)) {
                lines
                    .entry(Box::from(&*e.who.file))
                    .or_default()
                    .entry(line)
                    .or_default()
                    .push(crate::timeline::index(k));
            }
        }
        Cited { lines }
    }

    /// The events of the lines of the bundle `sentence` cites (positions
    /// in the timeline, in order); `None` when it cites none with a timed
    /// event. A sentence may cite several: a status update in two exports,
    /// a restoration and the status page's word of it (each time then
    /// agrees with its own line).
    pub fn of(&self, sentence: &str) -> Option<Vec<u32>> {
        let mut evs: Vec<u32> = citations(sentence)
            .filter_map(|(file, line)| self.lines.get(file)?.get(&line))
            .flatten()
            .copied()
            .collect();
        evs.sort_unstable();
        evs.dedup();
        (!evs.is_empty()).then_some(evs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_paths_with_a_line_and_times_are_not() {
        let row = "| 2017-02-23 03:56:00 UTC | fault | svc on host17 | `nagios.log:18` |";
        assert_eq!(citations(row).collect::<Vec<_>>(), vec![("nagios.log", 18)]);
        let prose = "restored at 11:04 BST (10:04 UTC, `edge-nginx/access.log:1021`).";
        assert_eq!(
            citations(prose).collect::<Vec<_>>(),
            vec![("edge-nginx/access.log", 1021)]
        );
        // Bare, in brackets, two in a row, a column after the line.
        assert_eq!(
            citations("see a.log:1,b.log:2 and (c/d.log:30) but not e.log:4:5").collect::<Vec<_>>(),
            vec![("a.log", 1), ("b.log", 2), ("c/d.log", 30)]
        );
        // Times are not citations; a path that looks like one is only
        // if the bundle holds it (`of`).
        assert_eq!(citations("at 10:47 and 2019-05-14T10:41:30Z").count(), 0);
    }

    /// A cited line's events, found by file and line; a line cited that
    /// holds no timed event, or a file not in the bundle, is no citation.
    #[test]
    fn a_sentence_gets_the_events_of_every_line_it_cites() {
        use crate::event::Kind;
        use crate::timeline::tests::ev;
        let events = vec![
            ev("2017-02-23T03:56:00Z", 0, 7, Kind::Fault, "a"),
            ev("2017-02-23T03:56:01Z", 1, 7, Kind::Fault, "b"),
            ev("2017-02-23T03:57:00Z", 0, 9, Kind::Recovery, "a"),
        ];
        let t = Timeline::from(events);
        let sentences = [
            "| 03:56 UTC | a down | `s0.log:7` |",
            "b at 03:56:01 (s1.log:7), a back at 03:57 (s0.log:9)",
            "nothing at s0.log:8 nor in other.log:7",
        ];
        let cited = Cited::new(&t, sentences);
        assert_eq!(cited.of(sentences[0]), Some(vec![0]));
        assert_eq!(cited.of(sentences[1]), Some(vec![1, 2]));
        assert_eq!(cited.of(sentences[2]), None);
        // Only what was cited when it was built is known.
        assert_eq!(cited.of("`s0.log:9`"), Some(vec![2]));
        assert_eq!(cited.of("`s1.log:8`"), None);
    }
}
