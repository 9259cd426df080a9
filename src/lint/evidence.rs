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
#[derive(Debug, Clone)]
pub struct Ev {
    pub at: DateTime<Utc>,
    pub evidence: Evidence,
    pub summary: String,
    pub words: BTreeSet<String>,
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

/// The stems of a text.
pub fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphabetic())
        .filter_map(stem)
        .collect()
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
    /// `lines` reads the event's line back when its command kept it.
    pub fn from_event(
        e: &TimedEvent,
        lines: &mut crate::bundle::lines::LineReader,
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
            summary: e.summary.get().into_owned(),
            words: words(&text),
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

/// Match readings (UTC instants) of a mention in `sentence` to the events.
pub fn best<'e>(
    events: &'e [Ev],
    readings: &[DateTime<Utc>],
    sentence: &str,
    tol_s: i64,
) -> Match<'e> {
    let said = words(sentence);
    let dist = |e: &Ev| -> (i64, usize) {
        readings
            .iter()
            .enumerate()
            .map(|(k, r)| ((e.at - *r).num_seconds().abs(), k))
            .min()
            .unwrap_or((i64::MAX, 0))
    };
    let near: Vec<(&Ev, i64, usize, usize)> = events
        .iter()
        .map(|e| {
            let (d, k) = dist(e);
            (e, d, k, e.words.intersection(&said).count())
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
