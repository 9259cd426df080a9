//! The evidence a report is checked against: every timed event of the
//! bundle, with the words that say what happened, and the matching of a
//! sentence to the event it most plausibly states.
//!
//! Words are compared by a crude stem (lower case, common endings off,
//! first five letters), and each event carries the words of its kind
//! (`fault` → down, failed, outage, …) so that "the site went down" meets
//! `HTTP CRITICAL`.

use super::index::{self, Indexes, CROWD};
use super::stemmer::Stemmer;
use crate::event::Kind;
use crate::evidence::Evidence;
use crate::timeline::{EventRef, Timeline};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// One event of the evidence, as lint sees it.
///
/// Compact, as lint holds one per timed line of the bundle: the event is
/// borrowed from the timeline (its instant, evidence and summary read
/// there) and the words are numbers from the run's `Lexicon`, sorted. A
/// set of strings per event was about 1 KB: 850 MB to lint against the
/// 100 MB bench bundle (issue 16); a copy of the instant, evidence and
/// summary would add 40 bytes to the 40 it takes. Its words are read when
/// a mention first needs them (`Stemmer`); 8 of the 40 bytes say whether
/// they have been.
#[derive(Debug, Clone)]
pub struct Ev<'a> {
    of: Of<'a>,
    words: std::sync::OnceLock<Words>,
}

#[derive(Debug, Clone)]
enum Of<'a> {
    /// Event `.1` of the timeline.
    Event(&'a Timeline, u32),
    /// What a header field is checked against (a window's start or end):
    /// no event of its own.
    Target(Box<Target>),
}

#[derive(Debug, Clone)]
struct Target {
    at: DateTime<Utc>,
    evidence: Evidence,
    what: String,
}

impl<'a> Ev<'a> {
    /// `at`, cited by `evidence`, as `what`: a header field's target.
    pub fn target(at: DateTime<Utc>, evidence: Evidence, what: &str) -> Ev<'a> {
        Ev {
            of: Of::Target(Box::new(Target {
                at,
                evidence,
                what: what.to_string(),
            })),
            words: Words::default().into(),
        }
    }

    /// Event `k` of `timeline`, its words not read yet.
    pub fn unstemmed(timeline: &'a Timeline, k: usize) -> Ev<'a> {
        Ev {
            of: Of::Event(timeline, crate::timeline::index(k)),
            words: std::sync::OnceLock::new(),
        }
    }

    /// The numbers of the event's words, sorted. Read only where the
    /// `Stemmer` has stemmed the event: an event not stemmed has none.
    pub fn words(&self) -> &Words {
        static NONE: std::sync::LazyLock<Words> = std::sync::LazyLock::new(Words::default);
        debug_assert!(
            self.words.get().is_some(),
            "an event's words read before it was stemmed"
        );
        self.words.get().unwrap_or(&NONE)
    }

    /// Set by the `Stemmer`, once.
    pub(super) fn set_words(&self, words: Words) {
        let _ = self.words.set(words);
    }

    #[cfg(test)]
    pub(super) fn is_stemmed(&self) -> bool {
        self.words.get().is_some()
    }

    pub fn at(&self) -> DateTime<Utc> {
        match &self.of {
            Of::Event(t, k) => t.get(*k as usize).instant,
            Of::Target(t) => t.at,
        }
    }

    pub fn evidence(&self) -> Evidence {
        match &self.of {
            Of::Event(t, k) => t.get(*k as usize).evidence(),
            Of::Target(t) => t.evidence.clone(),
        }
    }

    /// What the event says, for a finding's message.
    pub fn summary(&self) -> std::borrow::Cow<'_, str> {
        match &self.of {
            Of::Event(t, k) => t.get(*k as usize).summary.get(),
            Of::Target(t) => std::borrow::Cow::Borrowed(&t.what),
        }
    }
}

/// An event's word numbers, sorted, as the gaps between them
/// (`crate::gaps`): lint holds the words of every timed line, 40 numbers a
/// line of a syslog bundle.
pub type Words = crate::gaps::Gaps;

/// The stems of the evidence's words, each numbered once.
#[derive(Debug, Default)]
pub struct Lexicon {
    ids: rustc_hash::FxHashMap<String, u32>,
}

impl Lexicon {
    /// The sorted numbers of `stems`, numbering those new to the lexicon
    /// in the order they come: the numbers a text-by-text walk gives.
    pub(super) fn number(&mut self, stems: Stems) -> Words {
        let mut v = stems.known;
        if stems.new.is_empty() {
            // Sorted already, where it was stemmed.
            return Words::of(&v);
        }
        for stem in stems.new.split_terminator('\0') {
            let id = match self.ids.get(stem) {
                Some(&id) => id,
                None => {
                    let id = self.ids.len() as u32;
                    self.ids.insert(stem.to_string(), id);
                    id
                }
            };
            v.push(id);
        }
        v.sort_unstable();
        v.dedup();
        Words::of(&v)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.ids.len()
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

/// A text's stems, read against a lexicon without changing it (so texts
/// can be stemmed on every thread): the numbers of those it has, sorted,
/// and the others in order, each followed by a NUL, to number in turn.
#[derive(Debug, Default)]
pub(super) struct Stems {
    known: Vec<u32>,
    new: String,
}

impl Stems {
    pub(super) fn of(text: &str, lex: &Lexicon) -> Stems {
        let mut out = Stems::default();
        each_stem(text, |stem| match lex.ids.get(stem) {
            Some(&id) => out.known.push(id),
            None => {
                out.new.push_str(stem);
                out.new.push('\0');
            }
        });
        out.known.sort_unstable();
        out.known.dedup();
        out
    }
}

/// How many of `said` (sorted, no repeats) are in `words`.
fn shared(words: &Words, said: &[u32]) -> usize {
    let mut said = said.iter().peekable();
    let mut n = 0;
    for w in words.iter() {
        while said.next_if(|&&s| s < w).is_some() {}
        match said.peek() {
            None => break,
            Some(&&s) if s == w => {
                n += 1;
                said.next();
            }
            Some(_) => {}
        }
    }
    n
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

/// Endings a stem drops (the first that fits), shared by the char and the
/// byte paths so that they cannot drift apart.
const ENDINGS: [&str; 5] = ["ing", "ed", "es", "s", "e"];

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
    for suffix in ENDINGS {
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
    if text.is_ascii() {
        // Nearly every log line: split and stem bytes, not chars (Unicode's
        // `is_alphabetic` and a lower-cased copy of each word were most of
        // linting against a large bundle).
        for word in text.as_bytes().split(|b| !b.is_ascii_alphabetic()) {
            if stem_ascii(word, &mut buf) {
                f(&buf);
            }
        }
        return;
    }
    for word in text.split(|c: char| !c.is_alphabetic()) {
        if stem_into(word, &mut buf) {
            f(&buf);
        }
    }
}

/// Longest stop word: a longer word is not one.
const STOP_MAX: usize = 16;

/// `stem_into` of a word of ASCII letters: only a word short enough to be
/// a stop word is lower-cased whole, and only its stem is copied out.
fn stem_ascii(word: &[u8], out: &mut String) -> bool {
    let n = word.len();
    if n < 3 {
        return false;
    }
    if n <= STOP_MAX {
        let mut lower = [0u8; STOP_MAX];
        for (l, b) in lower.iter_mut().zip(word) {
            *l = b.to_ascii_lowercase();
        }
        if std::str::from_utf8(&lower[..n]).is_ok_and(is_stop) {
            return false;
        }
    }
    let mut len = n;
    for suffix in ENDINGS.map(str::as_bytes) {
        if n > suffix.len() + 2 && word[n - suffix.len()..].eq_ignore_ascii_case(suffix) {
            len = n - suffix.len();
            break;
        }
    }
    out.clear();
    out.extend(
        word[..len.min(5)]
            .iter()
            .map(|b| char::from(b.to_ascii_lowercase())),
    );
    true
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

impl<'a> Ev<'a> {
    /// What an event says, in words: its summary, subject, state and line,
    /// and the words of its kind.
    pub(super) fn text(
        e: &EventRef<'_>,
        lines: &mut crate::bundle::lines::LineReader,
        text: &mut String,
    ) -> crate::error::Result<()> {
        text.clear();
        e.summary.with(|s| text.push_str(s));
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
        Ok(())
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
    Agrees { ev: &'e Ev<'e>, reading: usize },
    /// No event within tolerance (any event within it agrees, whatever its
    /// words); the most plausible counterpart, with the number of words
    /// shared.
    Differs {
        ev: &'e Ev<'e>,
        reading: usize,
        shared: usize,
    },
    /// No evidence within two days of any reading.
    Nothing,
}

/// The positions of `events` (in time order) that may lie within `reach`
/// seconds of `at`, as counted with `num_seconds` (which truncates): a
/// range a second wider each side, to be filtered exactly.
pub fn around(events: &[Ev<'_>], at: DateTime<Utc>, reach: i64) -> std::ops::Range<usize> {
    let d = chrono::Duration::seconds(reach + 1);
    let from = events.partition_point(|e| e.at() < at - d);
    let to = events.partition_point(|e| e.at() <= at + d);
    from..to.max(from)
}

/// The ranges of `events` within `reach` of some reading, merged, in order.
fn merged_around(
    events: &[Ev<'_>],
    readings: &[DateTime<Utc>],
    reach: i64,
) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> =
        readings.iter().map(|r| around(events, *r, reach)).collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// How far `at` lies from the nearest reading, in whole seconds, and
/// which reading that is (the first on a tie).
fn nearest(at: DateTime<Utc>, readings: &[DateTime<Utc>]) -> (i64, usize) {
    readings
        .iter()
        .enumerate()
        .map(|(k, r)| ((at - *r).num_seconds().abs(), k))
        .min()
        .unwrap_or((i64::MAX, 0))
}

/// `best`'s answer when an event lies within tolerance, worked out instant
/// by instant: the nearest instants, then among their events the one
/// sharing most words with the sentence, the first in timeline order on a
/// tie, as reading them all in order would choose. `None`: no event is
/// within tolerance.
fn agrees_in_crowds<'e>(
    events: &'e [Ev<'e>],
    indexes: &Indexes,
    readings: &[DateTime<Utc>],
    close: &[std::ops::Range<usize>],
    said: &[u32],
    tol_s: i64,
) -> Option<Match<'e>> {
    // Each instant within tolerance: its events and distance.
    let mut runs: Vec<(std::ops::Range<usize>, i64, usize)> = Vec::new();
    for range in close {
        let mut i = range.start;
        while i < range.end {
            let at = events[i].at();
            let end = i + events[i..range.end].partition_point(|e| e.at() <= at);
            let (d, k) = nearest(at, readings);
            if d <= tol_s {
                runs.push((i..end, d, k));
            }
            i = end;
        }
    }
    let nearest = runs.iter().map(|r| r.1).min()?;
    let mut best: Option<(usize, usize, usize)> = None;
    for (run, _, k) in runs.iter().filter(|r| r.1 == nearest) {
        let (shared_n, at) = if run.len() > CROWD {
            most_shared(
                events,
                &indexes.crowd(events, run.clone()),
                run.clone(),
                said,
            )
        } else {
            let mut top = (0, run.start);
            for i in run.clone() {
                let n = shared(events[i].words(), said);
                if n > top.0 {
                    top = (n, i);
                }
            }
            top
        };
        // Instants in order: an earlier one keeps a tie.
        if best.is_none_or(|b| shared_n > b.0) {
            best = Some((shared_n, at, *k));
        }
    }
    let (_, at, k) = best?;
    Some(Match::Agrees {
        ev: &events[at],
        reading: k,
    })
}

/// The event of a crowded instant sharing most words with `said`, the
/// first on a tie: (words shared, its position). The words the instant
/// holds are tried rarest first, each word's events in order. An event
/// holding them all is the first such (every one is in the first list);
/// and once the best so far shares more than the words not yet tried, no
/// event holding none of the tried ones can beat or tie it.
fn most_shared(
    events: &[Ev<'_>],
    crowd: &super::index::Crowd,
    run: std::ops::Range<usize>,
    said: &[u32],
) -> (usize, usize) {
    let mut lists: Vec<&[u32]> = said
        .iter()
        .filter_map(|w| crowd.postings.get(w).map(|v| &v[..]))
        .collect();
    lists.sort_by_key(|l| l.len());
    let all = lists.len();
    let mut seen = vec![0u64; run.len().div_ceil(64)];
    let mut best: Option<(usize, u32)> = None;
    for (tried, list) in lists.iter().enumerate() {
        for &pos in *list {
            let (word, bit) = (pos as usize / 64, 1u64 << (pos % 64));
            if seen[word] & bit != 0 {
                continue;
            }
            seen[word] |= bit;
            let n = shared(events[run.start + pos as usize].words(), said);
            if n == all {
                return (n, run.start + pos as usize);
            }
            if best.is_none_or(|(b, at)| n > b || (n == b && pos < at)) {
                best = Some((n, pos));
            }
        }
        if best.is_some_and(|(b, _)| b > all - tried - 1) {
            break;
        }
    }
    match best {
        Some((n, pos)) => (n, run.start + pos as usize),
        // No event holds a word of the sentence: the instant's first.
        None => (0, run.start),
    }
}

/// Match readings of a mention to the events of the line its sentence
/// cites (positions in `events`): the nearest of them agrees when within
/// tolerance, else differs, however far away (the sentence says which
/// line it means). A reading written to the minute stands for the whole
/// minute (`span_s` 59; 0 for a time with seconds): rfo's reports write
/// `10:41` for a line at 10:41:30, and that is no mismatch at any
/// tolerance. The first reading, then the first event, on a tie.
pub fn cited<'e>(
    events: &'e [Ev<'e>],
    cited: &[u32],
    readings: &[DateTime<Utc>],
    tol_s: i64,
    span_s: i64,
) -> Match<'e> {
    let nearest = cited
        .iter()
        .flat_map(|&p| {
            let at = events[p as usize].at();
            readings
                .iter()
                .enumerate()
                .map(move |(k, r)| (distance(at, *r, span_s), k, p as usize))
        })
        .min();
    match nearest {
        None => Match::Nothing,
        Some((d, k, p)) if d <= tol_s => Match::Agrees {
            ev: &events[p],
            reading: k,
        },
        Some((_, k, p)) => Match::Differs {
            ev: &events[p],
            reading: k,
            shared: 0,
        },
    }
}

/// How far `at` lies from a reading `r` that stands for the `span_s`
/// seconds after it, in whole seconds.
pub fn distance(at: DateTime<Utc>, r: DateTime<Utc>, span_s: i64) -> i64 {
    let after = (at - r).num_seconds();
    if after < 0 {
        -after
    } else {
        (after - span_s).max(0)
    }
}

/// How far from a reading an event may lie and still be a mention's
/// counterpart: two days.
const REACH: i64 = 2 * 86_400;

/// Match readings (UTC instants) of a mention in `sentence` to the events
/// (in time order).
///
/// Only events within two days of a reading are looked at, found by
/// binary search: scanning every event for every mention made lint's cost
/// the report's mentions times the bundle's lines (issue 16). Ties break
/// as a scan in timeline order would break them.
pub fn best<'e>(
    events: &'e [Ev<'e>],
    indexes: &Indexes,
    stemmer: &Stemmer<'_, '_>,
    readings: &[DateTime<Utc>],
    sentence: &str,
    tol_s: i64,
) -> Match<'e> {
    // The events of `ranges` stemmed, the sentence's stems that one of
    // them (or an event stemmed before) has.
    let said_of = |ranges: &[std::ops::Range<usize>]| {
        for r in ranges {
            stemmer.ensure(events, r.clone());
        }
        stemmer.lexicon().known(sentence)
    };
    // The events of `ranges` within `reach` of a reading, in timeline
    // order, each with its distance to the nearest reading, that reading
    // and the words it shares with the sentence.
    let weigh = |ranges: &[std::ops::Range<usize>], reach: i64, said: &[u32]| {
        ranges
            .iter()
            .flat_map(|r| &events[r.clone()])
            .map(|e| {
                let (d, k) = nearest(e.at(), readings);
                (e, d, k, shared(e.words(), said))
            })
            .filter(|(_, d, _, _)| *d <= reach)
            .collect::<Vec<(&'e Ev<'e>, i64, usize, usize)>>()
    };
    // An event within tolerance settles it, and only those need reading:
    // the two days around a storm's mentions hold every event, and a
    // report citing 16,000 of them took 35 s to lint (issue 16). Only an
    // event within two days is ever a counterpart, so a wider tolerance
    // reads as two days; none is within a negative one.
    if tol_s >= 0 {
        let tol_s = tol_s.min(REACH);
        let ranges = merged_around(events, readings, tol_s);
        let said = said_of(&ranges);
        if ranges.iter().map(|r| r.len()).sum::<usize>() > CROWD {
            if let Some(m) = agrees_in_crowds(events, indexes, readings, &ranges, &said, tol_s) {
                return m;
            }
        } else {
            let close = weigh(&ranges, tol_s, &said);
            if let Some((ev, _, k, _)) = close.iter().min_by_key(|n| (n.1, std::cmp::Reverse(n.3)))
            {
                return Match::Agrees { ev, reading: *k };
            }
        }
    }
    // None is: no event is within tolerance.
    let ranges = merged_around(events, readings, REACH);
    let said = said_of(&ranges);
    differs(events, indexes, stemmer, &ranges, readings, &said)
}

/// `best`'s answer when no event lies within tolerance: of the events
/// within two days of a reading, those sharing most words with the
/// sentence, of them the nearest, of those the first in timeline order.
///
/// Reading all of them for each mention made a report whose every time is
/// wrong cost its mentions times the events of those days (16,000 rows of
/// a storm in one second: 25 s). Blocks of the timeline visited often are
/// weighed through their word index instead, best first: a stretch of
/// events can do no better than the sentence's words it holds, at its
/// least distance, at its first position; the most promising stretch is
/// split (at an instant's edge where it can be) until it is one instant,
/// whose first event holding all those words is its best, or a few events
/// read one by one, and the search ends when no stretch left can beat the
/// best found. When no event shares a word, the nearest is found by
/// binary search.
fn differs<'e>(
    events: &'e [Ev<'e>],
    indexes: &Indexes,
    stemmer: &Stemmer<'_, '_>,
    ranges: &[std::ops::Range<usize>],
    readings: &[DateTime<Utc>],
    said: &[u32],
) -> Match<'e> {
    let mut best: Option<Best> = None;
    let weigh = |pos: usize, best: &mut Option<Best>| {
        let e = &events[pos];
        let n = shared(e.words(), said);
        if best.is_some_and(|b| n < b.n) {
            return;
        }
        let (d, k) = nearest(e.at(), readings);
        let this = Best { n, d, pos, k };
        if d <= REACH && best.is_none_or(|b| this.key() > b.key()) {
            *best = Some(this);
        }
    };
    let mut heap: std::collections::BinaryHeap<Stretch<'_>> = Default::default();
    if !said.is_empty() {
        for range in ranges {
            let mut b = range.start / index::BLOCK;
            while b * index::BLOCK < range.end {
                let base = b * index::BLOCK;
                let (from, to) = (range.start.max(base), range.end.min(base + index::BLOCK));
                let whole = base..events.len().min(base + index::BLOCK);
                match indexes.block(events, b, || stemmer.ensure(events, whole)) {
                    Some(postings) => {
                        let lists = said.iter().map(|&w| postings.get(w));
                        heap.extend(Stretch::new(events, readings, base, from..to, lists));
                    }
                    None => (from..to).for_each(|pos| weigh(pos, &mut best)),
                }
                b += 1;
            }
        }
    }
    while let Some(s) = heap.pop() {
        if best.is_some_and(|b| s.bound().key() < b.key()) {
            break;
        }
        let (from, to) = (s.events.start, s.events.end);
        if s.one_instant {
            let all = s.lists.len();
            let hit = s.lists[0]
                .iter()
                .map(|&p| s.base + p as usize)
                .find(|&pos| shared(events[pos].words(), said) == all);
            if let Some(pos) = hit {
                weigh(pos, &mut best);
                continue;
            }
        }
        if to - from <= LEAF {
            let mut seen = 0u64;
            for list in &s.lists {
                for &p in *list {
                    let bit = 1u64 << (s.base + p as usize - from);
                    if seen & bit == 0 {
                        seen |= bit;
                        weigh(s.base + p as usize, &mut best);
                    }
                }
            }
            continue;
        }
        // Split at the middle, or at the edge of the instant there.
        let mut mid = from + (to - from) / 2;
        if !s.one_instant {
            let at = events[mid].at();
            let first = from + events[from..to].partition_point(|e| e.at() < at);
            mid = if first > from {
                first
            } else {
                from + events[from..to].partition_point(|e| e.at() <= at)
            };
        }
        for part in [from..mid, mid..to] {
            let lists = s.lists.iter().copied();
            heap.extend(Stretch::new(events, readings, s.base, part, lists));
        }
    }
    match best {
        Some(b) if b.n > 0 => Match::Differs {
            ev: &events[b.pos],
            reading: b.k,
            shared: b.n,
        },
        // No event shares a word: every one ties, and the nearest wins.
        _ => match nearest_event(events, readings) {
            Some((pos, k)) => Match::Differs {
                ev: &events[pos],
                reading: k,
                shared: 0,
            },
            None => Match::Nothing,
        },
    }
}

/// Stretches of at most this many events are read event by event (their
/// positions fit a 64-bit set). Two in the tests, so that they split.
const LEAF: usize = if cfg!(test) { 2 } else { 64 };

/// An event weighed by `differs`: the words it shares, its distance to
/// the nearest reading (which is `k`), its position.
#[derive(Debug, Clone, Copy)]
struct Best {
    n: usize,
    d: i64,
    pos: usize,
    k: usize,
}

impl Best {
    /// Greater is better: more words, then nearer, then earlier.
    fn key(&self) -> (usize, std::cmp::Reverse<i64>, std::cmp::Reverse<usize>) {
        (
            self.n,
            std::cmp::Reverse(self.d),
            std::cmp::Reverse(self.pos),
        )
    }
}

/// Events of one indexed block, within two days of a reading.
struct Stretch<'a> {
    /// Their positions.
    events: std::ops::Range<usize>,
    /// The block's first position: the lists' positions count from it.
    base: usize,
    /// The positions of the sentence's words they hold, rarest first.
    lists: Vec<&'a [u16]>,
    /// The least distance of any of them to a reading.
    least: i64,
    /// They are all at one instant.
    one_instant: bool,
}

impl<'a> Stretch<'a> {
    /// The events `part` of the block at `base`, with `lists` (positions
    /// in the block, ascending) cut to them; `None` if they hold none.
    fn new(
        events: &[Ev<'_>],
        readings: &[DateTime<Utc>],
        base: usize,
        part: std::ops::Range<usize>,
        lists: impl Iterator<Item = &'a [u16]>,
    ) -> Option<Stretch<'a>> {
        let mut cut: Vec<&[u16]> = lists
            .map(|list| {
                let lo = list.partition_point(|&p| base + (p as usize) < part.start);
                let hi = list.partition_point(|&p| base + (p as usize) < part.end);
                &list[lo..hi]
            })
            .filter(|l| !l.is_empty())
            .collect();
        if cut.is_empty() {
            return None;
        }
        cut.sort_by_key(|l| l.len());
        let (first, last) = (events[part.start].at(), events[part.end - 1].at());
        Some(Stretch {
            events: part,
            base,
            lists: cut,
            least: least_distance(first, last, readings),
            one_instant: first == last,
        })
    }

    /// What no event of the stretch can do better than.
    fn bound(&self) -> Best {
        Best {
            n: self.lists.len(),
            d: self.least,
            pos: self.events.start,
            k: 0,
        }
    }
}

impl PartialEq for Stretch<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bound().key() == other.bound().key()
    }
}

impl Eq for Stretch<'_> {}

impl PartialOrd for Stretch<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Stretch<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bound().key().cmp(&other.bound().key())
    }
}

/// The least whole seconds from a reading to any instant from `first` to
/// `last`.
fn least_distance(first: DateTime<Utc>, last: DateTime<Utc>, readings: &[DateTime<Utc>]) -> i64 {
    readings
        .iter()
        .map(|&r| {
            if r < first {
                (first - r).num_seconds()
            } else if r > last {
                (r - last).num_seconds()
            } else {
                0
            }
        })
        .min()
        .unwrap_or(i64::MAX)
}

/// The event nearest a reading in whole seconds, the first in timeline
/// order on a tie, if it lies within two days: (its position, the reading).
fn nearest_event(events: &[Ev<'_>], readings: &[DateTime<Utc>]) -> Option<(usize, usize)> {
    // The least distance: each reading's nearest events lie either side
    // of it.
    let least = readings
        .iter()
        .flat_map(|r| {
            let p = events.partition_point(|e| e.at() < *r);
            [p.checked_sub(1), Some(p)]
                .into_iter()
                .flatten()
                .filter(|&q| q < events.len())
                .map(move |q| (events[q].at() - *r).num_seconds().abs())
        })
        .min()
        .filter(|&d| d <= REACH)?;
    // The first event that close to some reading: after every one less
    // than `least + 1` seconds before it.
    let pos = readings
        .iter()
        .filter_map(|r| {
            let edge = *r - chrono::Duration::seconds(least + 1);
            let p = events.partition_point(|e| e.at() <= edge);
            (p < events.len() && (events[p].at() - *r).num_seconds().abs() <= least).then_some(p)
        })
        .min()?;
    Some((pos, nearest(events[pos].at(), readings).1))
}

/// `best` as first written, reading every event within two days before
/// looking at tolerance: the reference the fast path is tested against.
#[cfg(test)]
fn best_reference<'e>(
    events: &'e [Ev<'e>],
    lex: &Lexicon,
    readings: &[DateTime<Utc>],
    sentence: &str,
    tol_s: i64,
) -> Match<'e> {
    let said = lex.known(sentence);
    let near: Vec<(&Ev<'_>, i64, usize, usize)> = merged_around(events, readings, 2 * 86_400)
        .into_iter()
        .flat_map(|r| &events[r])
        .map(|e| {
            let (d, k) = nearest(e.at(), readings);
            (e, d, k, shared(e.words(), &said))
        })
        .filter(|(_, d, _, _)| *d <= 2 * 86_400)
        .collect();
    if near.is_empty() {
        return Match::Nothing;
    }
    let most = near.iter().map(|n| n.3).max().unwrap_or(0);
    let within: Vec<&(&Ev<'_>, i64, usize, usize)> = near.iter().filter(|n| n.1 <= tol_s).collect();
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::TimedEvent;

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

    /// The byte path for ASCII text gives the stems the char path gives.
    #[test]
    fn ascii_stems_equal_the_char_path() {
        let mut texts: Vec<String> = vec![
            "Jan 12 03:04:05 web01 sshd[123]: Accepted publickey for ADMIN from 10.0.0.1".into(),
            "SERVICE ALERT: db01;MySQL;CRITICAL;HARD;3;Connection refused (errno 111)".into(),
            "the THEIR their AT at Ed ed ing ING Thing things Shipped deployes es s e".into(),
            "x_y-z.Wednesday.wednesdays.WEDNESDAYED internationalisation aaa aaas".into(),
            String::new(),
        ];
        texts.extend(
            STOP.iter()
                .map(|w| format!("{w} {} x{w}", w.to_uppercase())),
        );
        let mut x = 7u64;
        for _ in 0..2000 {
            let len = (x % 40) as usize;
            let t: String = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b" aAeEsSdDgGiInN-9tThH"[(x >> 33) as usize % 21])
                })
                .collect();
            texts.push(t);
        }
        for t in &texts {
            let mut fast = Vec::new();
            each_stem(t, |s| fast.push(s.to_string()));
            let slow: Vec<String> = t
                .split(|c: char| !c.is_alphabetic())
                .filter_map(stem)
                .collect();
            assert_eq!(fast, slow, "{t:?}");
        }
        assert!(STOP.iter().all(|w| w.len() <= STOP_MAX));
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

    #[test]
    fn an_event_of_the_evidence_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<Ev<'_>>(), 40);
    }

    /// `shared` counts as a search of each number did.
    #[test]
    fn shared_counts_what_a_search_finds() {
        let ids: Vec<u32> = vec![0, 1, 127, 128, 300, 16_383, 16_384, 2_000_000, u32::MAX];
        let w = Words::of(&ids);
        for said in [
            vec![],
            vec![1, 2, 3],
            vec![0, 128, 129, u32::MAX],
            vec![5, 300, 16_384, 3_000_000],
            ids.clone(),
        ] {
            let want = said.iter().filter(|s| ids.binary_search(s).is_ok()).count();
            assert_eq!(shared(&w, &said), want, "{said:?}");
        }
    }

    /// A time held to its cited lines: the nearest agrees within
    /// tolerance, a minute written standing for the whole minute; else it
    /// differs from the nearest, however far; the first reading, then the
    /// first event, on a tie.
    #[test]
    fn a_cited_line_agrees_within_its_minute_or_differs_however_far() {
        let base = DateTime::parse_from_rfc3339("2017-02-23T04:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let s = |x: i64| base + chrono::Duration::seconds(x);
        let events: Vec<TimedEvent> = [30, 30, 900]
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                crate::timeline::tests::ev(&s(x).to_rfc3339(), 0, k as u32 + 1, Kind::Info, "x")
            })
            .collect();
        let timeline = crate::timeline::Timeline::from(events);
        let evs = super::super::stemmer::unstemmed(&timeline);
        let line = |m: &Match| said(m).1.map(|e| e.line);
        // 04:00 written to the minute: 04:00:30 is in it, even at 0 s.
        let m = cited(&evs, &[0, 1, 2], &[s(0)], 0, 59);
        assert_eq!((said(&m).0, line(&m), said(&m).2), (1, Some(1), 0));
        // Written to the second, 30 s off: differs at 0, agrees at 30.
        assert_eq!(said(&cited(&evs, &[0, 1, 2], &[s(0)], 0, 0)).0, 2);
        assert_eq!(said(&cited(&evs, &[0, 1, 2], &[s(0)], 30, 0)).0, 1);
        // Six hours off: differs from the nearest cited line.
        let m = cited(&evs, &[2], &[s(6 * 3600)], 120, 59);
        assert!(matches!(m, Match::Differs { shared: 0, .. }));
        assert_eq!(line(&m), Some(3));
        // Two readings: the one nearer the line.
        let m = cited(&evs, &[2], &[s(0), s(840)], 120, 59);
        assert_eq!((said(&m).0, said(&m).2), (1, 1));
        // None cited, or no reading: nothing.
        assert!(matches!(cited(&evs, &[], &[s(0)], 120, 59), Match::Nothing));
        assert!(matches!(cited(&evs, &[0], &[], 120, 59), Match::Nothing));
    }

    /// A mention no event agrees with meets the event of the two days
    /// around it sharing most of its words; one a second further off is
    /// not weighed, however many words it shares (the binary search's
    /// range is a second wider, filtered exactly).
    #[test]
    fn a_word_rich_event_past_two_days_is_not_a_counterpart() {
        let base = DateTime::parse_from_rfc3339("2017-02-23T04:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s: i64| (base + chrono::Duration::seconds(s)).to_rfc3339();
        let events: Vec<TimedEvent> = [(600, "disk full"), (2 * 86_400 + 1, "bgp peer down")]
            .iter()
            .enumerate()
            .map(|(k, &(s, text))| {
                let mut e = crate::timeline::tests::ev(&at(s), 0, k as u32 + 1, Kind::Info, "x");
                e.summary = text.into();
                e
            })
            .collect();
        let mut lines = crate::bundle::lines::LineReader::default();
        let timeline = crate::timeline::Timeline::from(events);
        let evs = super::super::stemmer::unstemmed(&timeline);
        let stemmer = Stemmer::new(&timeline, &evs, &mut lines);
        // Visited often enough to be read through the blocks' index too.
        let indexes = Indexes::default();
        for _ in 0..3 {
            let m = best(
                &evs,
                &indexes,
                &stemmer,
                &[base],
                "the bgp peer went down",
                120,
            );
            assert_eq!(said(&m), (2, Some(evs[0].evidence()), 0, 0));
        }
        // One second nearer, it is.
        let m = best(
            &evs,
            &indexes,
            &stemmer,
            &[base + chrono::Duration::seconds(1)],
            "the bgp peer went down",
            120,
        );
        assert_eq!(said(&m).1, Some(evs[1].evidence()));
    }

    /// What a match says, comparable.
    fn said(m: &Match<'_>) -> (u8, Option<Evidence>, usize, usize) {
        match m {
            Match::Nothing => (0, None, 0, 0),
            Match::Agrees { ev, reading } => (1, Some(ev.evidence()), *reading, 0),
            Match::Differs {
                ev,
                reading,
                shared,
            } => (2, Some(ev.evidence()), *reading, *shared),
        }
    }

    proptest::proptest! {
        /// `best`'s look at the events within tolerance first picks what
        /// reading every event within two days picked, on events crowded
        /// into minutes and days apart, sentences sharing words with some.
        #[test]
        fn best_matches_as_the_full_read_does(
            raw in proptest::collection::vec((0i64..6, 0i64..4, 0usize..5, proptest::sample::select(vec![0i64, 400, 999])), 1..80),
            // Seconds a reading lies off the minute: anywhere within a
            // minute and a half, or one or two, where two days' edge lies.
            readings in proptest::collection::vec(
                (0i64..6, 0i64..4, proptest::prop_oneof![-90i64..90, proptest::sample::select(vec![-2i64, -1, 1, 2])]),
                1..3,
            ),
            sentence in 0usize..5,
            tol in proptest::sample::select(vec![-1i64, 0, 30, 60, 300, 86_400, 2 * 86_400, 3 * 86_400]),
        ) {
            let words = ["link down", "link flapping interface", "router bgp reset", "bgp peer down", "disk full"];
            // Sentences crossing the events' words: two of one, one of
            // another, words no event has.
            let sentences = ["link down", "bgp down", "peer reset interface", "disk link router", "zebra quokka"];
            let base = DateTime::parse_from_rfc3339("2017-02-23T04:00:00Z").unwrap().with_timezone(&Utc);
            let at = |day: i64, min: i64, sec: i64| {
                base + chrono::Duration::days(day) + chrono::Duration::minutes(min) + chrono::Duration::seconds(sec)
            };
            let mut events: Vec<TimedEvent> = raw
                .iter()
                .enumerate()
                .map(|(k, &(day, min, w, ms))| {
                    let mut e = crate::timeline::tests::ev(
                        &(at(day / 2, min, 0) + chrono::Duration::milliseconds(ms)).to_rfc3339(),
                        0,
                        k as u32 + 1,
                        Kind::Fault,
                        "svc",
                    );
                    e.summary = words[w].into();
                    e
                })
                .collect();
            events.sort_by_key(|e| e.instant);
            for (k, e) in events.iter_mut().enumerate() {
                e.line = k as u32 + 1;
            }
            let mut lines = crate::bundle::lines::LineReader::default();
            let timeline = crate::timeline::Timeline::from(events);
            let evs = super::super::stemmer::unstemmed(&timeline);
            let stemmer = Stemmer::new(&timeline, &evs, &mut lines);
            let readings: Vec<DateTime<Utc>> =
                readings.iter().map(|&(d, m, s)| at(d / 2, m, s)).collect();
            // One set of indexes for every sentence, as a report's
            // mentions share them, starting from each in turn; the events
            // stemmed as they ask (a word read unstemmed stops the test).
            let indexes = Indexes::default();
            let sentences: Vec<String> = (0..sentences.len())
                .map(|n| format!("at that time the {} happened", sentences[(sentence + n) % sentences.len()]))
                .collect();
            let got: Vec<_> = sentences
                .iter()
                .map(|s| said(&best(&evs, &indexes, &stemmer, &readings, s, tol)))
                .collect();
            // The reference reads every event's words.
            stemmer.ensure(&evs, 0..evs.len());
            for (s, got) in sentences.iter().zip(got) {
                proptest::prop_assert_eq!(
                    got,
                    said(&best_reference(&evs, &stemmer.lexicon(), &readings, s, tol))
                );
            }
        }
    }
}
