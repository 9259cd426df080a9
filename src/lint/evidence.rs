//! The evidence a report is checked against: every timed event of the
//! bundle, with the words that say what happened, and the matching of a
//! sentence to the event it most plausibly states.
//!
//! Words are compared by a crude stem (lower case, common endings off,
//! first five letters), and each event carries the words of its kind
//! (`fault` → down, failed, outage, …) so that "the site went down" meets
//! `HTTP CRITICAL`.

use crate::event::{Kind, TimedEvent};
use crate::evidence::Evidence;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// One event of the evidence, as lint sees it.
///
/// Compact, as lint holds one per timed line of the bundle: the summary is
/// the event's own (shared, not copied) and the words are numbers from the
/// run's `Lexicon`, sorted. A set of strings per event was about 1 KB:
/// 850 MB to lint against the 100 MB bench bundle (issue 16).
#[derive(Debug, Clone)]
pub struct Ev {
    pub at: DateTime<Utc>,
    pub evidence: Evidence,
    pub summary: crate::event::Summary,
    pub words: Box<[u32]>,
}

/// The stems of the evidence's words, each numbered once.
#[derive(Debug, Default)]
pub struct Lexicon {
    ids: rustc_hash::FxHashMap<String, u32>,
}

impl Lexicon {
    /// The sorted numbers of `text`'s stems, numbering new ones.
    fn numbered(&mut self, text: &str) -> Box<[u32]> {
        let mut v = Vec::new();
        each_stem(text, |stem| {
            let id = match self.ids.get(stem) {
                Some(&id) => id,
                None => {
                    let id = self.ids.len() as u32;
                    self.ids.insert(stem.to_string(), id);
                    id
                }
            };
            v.push(id);
        });
        v.sort_unstable();
        v.dedup();
        v.into_boxed_slice()
    }

    /// The sorted numbers of `text`'s stems that some event has: a stem no
    /// event has cannot be shared with one.
    pub fn known(&self, text: &str) -> Vec<u32> {
        let mut v = Vec::new();
        each_stem(text, |stem| v.extend(self.ids.get(stem)));
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// How many of `said` (sorted) are in `words` (sorted).
fn shared(words: &[u32], said: &[u32]) -> usize {
    said.iter()
        .filter(|w| words.binary_search(w).is_ok())
        .count()
}

const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "was",
    "were",
    "with",
    "our",
    "that",
    "this",
    "from",
    "into",
    "been",
    "have",
    "has",
    "had",
    "are",
    "all",
    "its",
    "which",
    "when",
    "then",
    "than",
    "they",
    "their",
    "there",
    "some",
    "more",
    "also",
    "not",
    "but",
    "can",
    "could",
    "would",
    "will",
    "after",
    "before",
    "about",
    "these",
    "those",
    "time",
    "times",
    "what",
    "who",
    "how",
    "out",
    "any",
    "each",
    "other",
    "new",
    "via",
    "per",
    "over",
    "only",
    "such",
    "because",
    "while",
    "during",
    "until",
    "approximately",
    "around",
    "began",
    "begin",
    "start",
    "started",
    "utc",
    "gmt",
    "pst",
    "pdt",
    "est",
    "edt",
    "cst",
    "cdt",
    "pacific",
    "eastern",
    "central",
    "mountain",
    "am",
    "pm",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "hard",
    "soft",
    "attempt",
    "info",
    "log",
    "line",
    "day",
    "today",
    "one",
    "two",
    "minutes",
    "minute",
    "hours",
    "hour",
    "seconds",
    "second",
    "us",
    "we",
    "it",
    "at",
    "on",
    "in",
    "of",
    "to",
    "by",
    "as",
    "is",
    "be",
    "an",
];

/// The stem of a word, or `None` for a stop word or a short one.
pub fn stem(word: &str) -> Option<String> {
    let mut out = String::new();
    stem_into(word, &mut out).then_some(out)
}

/// `stem` into a buffer that is reused: lint stems every word of every
/// timed line of a bundle, and allocating each (with a linear search of
/// the stop words) was most of linting against a large one (issue 16).
fn stem_into(word: &str, out: &mut String) -> bool {
    out.clear();
    if word.is_ascii() {
        out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&word.to_lowercase());
    }
    if out.len() < 3 || is_stop(out) || !out.chars().all(char::is_alphabetic) {
        return false;
    }
    for suffix in ["ing", "ed", "es", "s", "e"] {
        if out.len() > suffix.len() + 2 && out.ends_with(suffix) {
            out.truncate(out.len() - suffix.len());
            break;
        }
    }
    if let Some((cut, _)) = out.char_indices().nth(5) {
        out.truncate(cut);
    }
    true
}

fn is_stop(w: &str) -> bool {
    static SET: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| STOP.iter().copied().collect())
        .contains(w)
}

/// The stems of a text.
pub fn words(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    each_stem(text, |stem| {
        out.insert(stem.to_string());
    });
    out
}

/// `f` of the stem of each of `text`'s words that has one, in one buffer.
fn each_stem(text: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::new();
    for word in text.split(|c: char| !c.is_alphabetic()) {
        if stem_into(word, &mut buf) {
            f(&buf);
        }
    }
}

/// Words that say what kind of thing happened.
fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Fault => {
            "down failed failure outage errors unavailable disruption degraded lost onset broke"
        }
        Kind::Recovery => {
            "restored recovered resolved back normal up recovery mitigated fixed returned"
        }
        Kind::Detection => "detected alert alerted paged monitoring identified notified",
        Kind::Change => "deployed deploy change configuration pushed release rolled",
        Kind::Action => "action command engineer operator",
        Kind::Comms => "status posted published update updated announced",
        Kind::Info => "",
    }
}

impl Ev {
    /// `lines` reads the event's line back when its command kept it; `lex`
    /// numbers its words.
    pub fn from_event(
        e: &TimedEvent,
        lines: &mut crate::bundle::lines::LineReader,
        lex: &mut Lexicon,
    ) -> crate::error::Result<Ev> {
        let mut text = e.summary.get().into_owned();
        for part in [
            e.who.subject.as_deref(),
            e.who.state.as_deref(),
            lines.text(e)?,
        ]
        .into_iter()
        .flatten()
        {
            text.push(' ');
            text.push_str(part);
        }
        text.push(' ');
        text.push_str(kind_words(e.who.kind));
        Ok(Ev {
            at: e.instant,
            evidence: e.evidence(),
            summary: e.summary.clone(),
            words: lex.numbered(&text),
        })
    }
}

/// Words that say a sentence states an event.
const VERBS: &[&str] = &[
    "down",
    "fail",
    "failed",
    "failure",
    "failing",
    "outage",
    "detected",
    "detect",
    "paged",
    "page",
    "alert",
    "alerted",
    "alerts",
    "deployed",
    "deploy",
    "deployment",
    "restored",
    "restore",
    "resolved",
    "resolve",
    "recovered",
    "recover",
    "recovery",
    "began",
    "begin",
    "started",
    "start",
    "ended",
    "end",
    "identified",
    "mitigated",
    "published",
    "posted",
    "executed",
    "removed",
    "rolled",
    "lost",
    "loss",
    "issued",
    "enabled",
    "disabled",
    "escalated",
    "onset",
    "disruption",
    "errors",
    "error",
    "unavailable",
    "lockup",
    "completed",
    "processed",
    "established",
    "initiated",
    "terminates",
    "terminated",
    "online",
    "offline",
    "pushed",
    "changed",
    "change",
    "reverted",
    "occurred",
    "experienced",
    "affected",
    "impacted",
    "returned",
    "normal",
    "back",
    "fixed",
    "triggered",
    "declared",
    "notified",
    "finished",
    "increase",
    "spike",
    "saturation",
    "unable",
    "usable",
    "deleted",
    "killed",
    "kill",
    "committed",
    "upgraded",
    "degraded",
    "connect",
    "connectivity",
    "broke",
    "broken",
    "stop",
    "stopped",
    "decided",
    "decision",
    "locked",
    "lock",
    "understood",
    "approaching",
    "conducted",
    "failover",
    "confirmed",
    "updated",
    "processing",
    "initiated",
    "replicating",
    "recovering",
    "improvement",
    "improvements",
    "hammering",
    "escalated",
    "terminates",
];

/// Whether a sentence names what happened (an error needs it).
pub fn names_event(sentence: &str) -> bool {
    sentence
        .split(|c: char| !c.is_alphabetic())
        .any(|w| VERBS.contains(&w.to_lowercase().as_str()))
}

/// How a mention relates to the evidence.
#[derive(Debug, Clone)]
pub enum Match<'e> {
    /// An event within tolerance of a reading.
    Agrees { ev: &'e Ev, reading: usize },
    /// No event within tolerance; the most plausible counterpart, with the
    /// number of words shared.
    Differs {
        ev: &'e Ev,
        reading: usize,
        shared: usize,
        /// Some event lies within tolerance, sharing no word with the sentence.
        near_other: bool,
    },
    /// No evidence within two days of any reading.
    Nothing,
}

/// The positions of `events` (in time order) that may lie within `reach`
/// seconds of `at`, as counted with `num_seconds` (which truncates): a
/// range a second wider each side, to be filtered exactly.
pub fn around(events: &[Ev], at: DateTime<Utc>, reach: i64) -> std::ops::Range<usize> {
    let d = chrono::Duration::seconds(reach + 1);
    let from = events.partition_point(|e| e.at < at - d);
    let to = events.partition_point(|e| e.at <= at + d);
    from..to.max(from)
}

/// Match readings (UTC instants) of a mention in `sentence` to the events
/// (in time order).
///
/// Only events within two days of a reading are looked at, found by
/// binary search: scanning every event for every mention made lint's cost
/// the report's mentions times the bundle's lines (issue 16). They are
/// visited in timeline order, as a scan would, so ties break alike.
pub fn best<'e>(
    events: &'e [Ev],
    lex: &Lexicon,
    readings: &[DateTime<Utc>],
    sentence: &str,
    tol_s: i64,
) -> Match<'e> {
    let said = lex.known(sentence);
    let mut ranges: Vec<std::ops::Range<usize>> = readings
        .iter()
        .map(|r| around(events, *r, 2 * 86_400))
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let dist = |e: &Ev| -> (i64, usize) {
        readings
            .iter()
            .enumerate()
            .map(|(k, r)| ((e.at - *r).num_seconds().abs(), k))
            .min()
            .unwrap_or((i64::MAX, 0))
    };
    let near: Vec<(&Ev, i64, usize, usize)> = merged
        .into_iter()
        .flat_map(|r| &events[r])
        .map(|e| {
            let (d, k) = dist(e);
            (e, d, k, shared(&e.words, &said))
        })
        .filter(|(_, d, _, _)| *d <= 2 * 86_400)
        .collect();
    if near.is_empty() {
        return Match::Nothing;
    }
    let most = near.iter().map(|n| n.3).max().unwrap_or(0);
    let within: Vec<&(&Ev, i64, usize, usize)> = near.iter().filter(|n| n.1 <= tol_s).collect();
    // Any event within tolerance agrees: a sentence's words choose the
    // counterpart only when no event is near (fewer false errors on real
    // reports, where log words rarely echo the prose).
    let agree = within.iter().min_by_key(|n| (n.1, std::cmp::Reverse(n.3)));
    if let Some((ev, _, k, _)) = agree {
        return Match::Agrees { ev, reading: *k };
    }
    let (ev, _, k, shared) = near
        .iter()
        .filter(|n| n.3 == most)
        .min_by_key(|n| n.1)
        .expect("near is not empty");
    Match::Differs {
        ev,
        reading: *k,
        shared: *shared,
        near_other: !within.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stem as first written (one allocation per word, a linear search
    /// of the stop words), which `stem_into` must equal.
    fn stem_as_written(word: &str) -> Option<String> {
        let w = word.to_lowercase();
        if w.len() < 3 || STOP.contains(&w.as_str()) || !w.chars().all(char::is_alphabetic) {
            return None;
        }
        let mut s = w.as_str();
        for suffix in ["ing", "ed", "es", "s", "e"] {
            if s.len() > suffix.len() + 2 {
                if let Some(r) = s.strip_suffix(suffix) {
                    s = r;
                    break;
                }
            }
        }
        Some(s.chars().take(5).collect())
    }

    #[test]
    fn stems_equal_the_first_writing() {
        let text = "The DEPLOYED deployments were Rolled back; ΣΊΣΥΦΟΣ Straße İstanbul \
                    façade naïve dés ing es ses the THEIR Ωmega v3 x-ray ÉTÉS reporting";
        let mut words: Vec<&str> = text.split(|c: char| !c.is_alphabetic()).collect();
        words.extend(STOP);
        for w in words {
            assert_eq!(stem(w), stem_as_written(w), "{w:?}");
        }
    }

    #[test]
    fn stems() {
        assert_eq!(stem("deployed"), stem("deployment"));
        assert_eq!(stem("restored"), stem("restore"));
        assert_eq!(stem("paged"), stem("page"));
        assert_eq!(stem("the"), None);
        assert_eq!(stem("v3"), None);
    }

    #[test]
    fn names_what_happened() {
        assert!(names_event("At 1402 UTC we issued a global kill"));
        assert!(names_event("the site went down"));
        assert!(!names_event("This post was written at 10:00 UTC"));
    }
}
