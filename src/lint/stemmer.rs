//! The evidence's words, read when a mention first needs them.
//!
//! `lint` weighs an event by the words it shares with a sentence, and only
//! events near some reading of a mention are ever weighed. Stemming every
//! line of the bundle up front (its text read back from the files) was
//! most of linting against a large one: 2.8 s of CPU for the 100 MB bench
//! bundle's report, against 0.3 s for its analysis (issue 16). Events are
//! stemmed a block at a time, the first time a mention looks at one.
//!
//! The numbers stems get depend on the order blocks are asked for; no
//! answer does (a word is a number only to be compared with another).

use super::evidence::{Ev, Lexicon, Stems, Words};
use crate::bundle::lines::LineReader;
use crate::error::Error;
use crate::timeline::Timeline;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};

/// Events stemmed together; a batch also ends once its texts reach
/// `BATCH_BYTES` (a line may be a MiB). (Three in the tests, so that
/// mentions stem some blocks and not others, and the word index's blocks
/// of eight cut them.)
const BLOCK: usize = if cfg!(test) { 3 } else { 4096 };
const BATCH_BYTES: usize = 64 << 20;

/// The most room a text buffer keeps from one batch to the next.
const TEXT_KEPT: usize = 64 << 10;

/// Stems the events of one slice (`Ev::unstemmed` of a timeline, in its
/// order) as they are asked for.
pub struct Stemmer<'a, 'l> {
    timeline: &'a Timeline,
    /// The address of the slice it stems: any other is left alone (a
    /// header's targets have their words, none).
    events: usize,
    /// By block of `BLOCK` events.
    done: Vec<AtomicBool>,
    lex: RwLock<Lexicon>,
    reading: Mutex<Reading<'l>>,
    /// The first line that could not be read back.
    error: Mutex<Option<Error>>,
}

struct Reading<'l> {
    lines: &'l mut LineReader,
    /// Kept from batch to batch, each reused: a text a line.
    texts: Vec<String>,
}

impl<'a, 'l> Stemmer<'a, 'l> {
    /// For `events`, the events of `timeline` in order; `lines` reads an
    /// event's line back when its command kept it.
    pub fn new(timeline: &'a Timeline, events: &[Ev<'a>], lines: &'l mut LineReader) -> Self {
        debug_assert_eq!(timeline.len(), events.len());
        Stemmer {
            timeline,
            events: events.as_ptr() as usize,
            done: std::iter::repeat_with(AtomicBool::default)
                .take(events.len().div_ceil(BLOCK))
                .collect(),
            lex: RwLock::default(),
            reading: Mutex::new(Reading {
                lines,
                texts: Vec::new(),
            }),
            error: Mutex::default(),
        }
    }

    /// The numbers of the stems read so far.
    pub fn lexicon(&self) -> RwLockReadGuard<'_, Lexicon> {
        self.lex.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The first line that could not be read back, if any: its event has
    /// no words.
    pub fn error(&self) -> Option<Error> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Stem the events `range` of `events`, if it is the slice this
    /// stems and they are not stemmed yet.
    pub fn ensure(&self, events: &[Ev<'_>], range: std::ops::Range<usize>) {
        if events.as_ptr() as usize != self.events || range.is_empty() {
            return;
        }
        let blocks = range.start / BLOCK..(range.end - 1) / BLOCK + 1;
        if self.done[blocks.clone()]
            .iter()
            .all(|d| d.load(Ordering::Acquire))
        {
            return;
        }
        let mut reading = self.reading.lock().unwrap_or_else(|p| p.into_inner());
        for b in blocks {
            if !self.done[b].load(Ordering::Acquire) {
                let from = b * BLOCK;
                self.stem(&mut reading, events, from..events.len().min(from + BLOCK));
                self.done[b].store(true, Ordering::Release);
            }
        }
    }

    /// A block's texts are read in order (one line reader), stemmed on
    /// every thread against the lexicon as it stands, then numbered in
    /// order, so each stem gets the number a walk of one text at a time
    /// gives it.
    fn stem(&self, reading: &mut Reading<'_>, events: &[Ev<'_>], block: std::ops::Range<usize>) {
        use rayon::prelude::*;
        let Reading { lines, texts } = reading;
        let mut done = block.start;
        while done < block.end {
            let (mut used, mut bytes) = (0, 0);
            for e in self.timeline.range(done..block.end) {
                if used == texts.len() {
                    texts.push(String::new());
                }
                let text = &mut texts[used];
                if let Err(err) = Ev::text(&e, lines, text) {
                    text.clear();
                    let mut first = self.error.lock().unwrap_or_else(|p| p.into_inner());
                    first.get_or_insert(err);
                }
                bytes += text.len();
                used += 1;
                if bytes >= BATCH_BYTES {
                    break;
                }
            }
            let stems: Vec<Stems> = {
                let lex = self.lexicon();
                texts[..used]
                    .par_iter()
                    .map(|t| Stems::of(t, &lex))
                    .collect()
            };
            let mut lex = self.lex.write().unwrap_or_else(|p| p.into_inner());
            for (e, s) in events[done..done + used].iter().zip(stems) {
                let words: Words = lex.number(s);
                e.set_words(words);
            }
            drop(lex);
            recycle(&mut texts[..used]);
            done += used;
        }
    }
}

/// Empty a batch's text buffers for the next, each giving back room past
/// `TEXT_KEPT`: a buffer keeps the room of the longest text it held (a
/// line may be a MiB), so kept whole, the batch's byte bound would not
/// bound what the buffers hold across batches (found in review).
fn recycle(texts: &mut [String]) {
    for t in texts {
        if t.capacity() > TEXT_KEPT {
            *t = String::new();
        } else {
            t.clear();
        }
    }
}

/// Every event of `timeline`, not stemmed yet.
pub fn unstemmed(timeline: &Timeline) -> Vec<Ev<'_>> {
    (0..timeline.len())
        .map(|k| Ev::unstemmed(timeline, k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, TimedEvent};
    use crate::lint::evidence::stem;

    /// Stemmed in blocks on every thread, the words get the numbers of a
    /// walk of one text at a time: new stems numbered in the order they
    /// first come, whichever block and thread met them.
    #[test]
    fn evidence_in_blocks_numbers_as_one_text_at_a_time() {
        let events: Vec<TimedEvent> = (0..3 * BLOCK + 17)
            .map(|k| {
                let mut e = crate::timeline::tests::ev(
                    "2017-02-23T04:10:00Z",
                    0,
                    k as u32 + 1,
                    [Kind::Fault, Kind::Recovery, Kind::Info][k % 3],
                    &format!("svc{}", k % 11),
                );
                // Five letters, none an ending a stem drops: a new word
                // on every event, and one met again on the next.
                let word = |n: usize| -> String {
                    (0..4)
                        .map(|d| char::from(b"bcfhjkmnpqtvwxyz"[(n >> (4 * d)) & 15]))
                        .collect()
                };
                e.summary = format!("unit z{} failed near y{}", word(k), word(k / 2)).into();
                e
            })
            .collect();
        let mut lines = crate::bundle::lines::LineReader::default();
        let timeline = crate::timeline::Timeline::from(events.clone());
        let got = unstemmed(&timeline);
        let mut reread = crate::bundle::lines::LineReader::default();
        let stemmer = Stemmer::new(&timeline, &got, &mut reread);
        stemmer.ensure(&got, 0..got.len());
        let mut ids: std::collections::HashMap<String, u32> = Default::default();
        for (e, ev) in events.iter().zip(&got) {
            let mut want = Vec::new();
            let mut text = String::new();
            Ev::text(&e.into(), &mut lines, &mut text).unwrap();
            for word in text.split(|c: char| !c.is_alphabetic()) {
                if let Some(stem) = stem(word) {
                    let next = ids.len() as u32;
                    want.push(*ids.entry(stem).or_insert(next));
                }
            }
            want.sort_unstable();
            want.dedup();
            assert_eq!(
                ev.words().iter().collect::<Vec<_>>(),
                want,
                "line {}",
                e.line
            );
            assert_eq!(ev.evidence(), e.evidence());
            assert_eq!((ev.at(), ev.summary()), (e.instant, e.summary.get()));
        }
        assert_eq!(stemmer.lexicon().len(), ids.len());
        assert!(ids.len() > 2 * BLOCK, "{} stems", ids.len());
    }

    #[test]
    fn text_buffers_give_back_the_room_of_long_lines() {
        let mut texts = vec!["x".repeat(TEXT_KEPT + 1), "short".to_string()];
        let short = texts[1].capacity();
        recycle(&mut texts);
        assert_eq!(texts[0].capacity(), 0);
        assert_eq!((texts[1].len(), texts[1].capacity()), (0, short));
    }

    /// A mention's events are stemmed a block at a time, and only the
    /// blocks it reaches.
    #[test]
    fn only_the_blocks_asked_for_are_stemmed() {
        let events: Vec<TimedEvent> = (0..5 * BLOCK)
            .map(|k| {
                let at = format!("2017-02-23T04:{:02}:00Z", k % 60);
                let mut e = crate::timeline::tests::ev(&at, 0, k as u32 + 1, Kind::Fault, "svc");
                e.summary = format!("link down {k}").into();
                e
            })
            .collect();
        let mut lines = crate::bundle::lines::LineReader::default();
        let timeline = crate::timeline::Timeline::from(events);
        let evs = unstemmed(&timeline);
        let stemmer = Stemmer::new(&timeline, &evs, &mut lines);
        stemmer.ensure(&evs, BLOCK + 1..2 * BLOCK + 1);
        let stemmed: Vec<bool> = evs.iter().map(|e| e.is_stemmed()).collect();
        let want: Vec<bool> = (0..evs.len())
            .map(|k| (BLOCK..3 * BLOCK).contains(&k))
            .collect();
        assert_eq!(stemmed, want);
        assert!(evs[BLOCK].words().iter().count() > 1);
        assert!(stemmer.error().is_none());
        // Another slice (a header's targets) is left alone.
        let targets = [Ev::target(evs[0].at(), evs[0].evidence(), "start")];
        stemmer.ensure(&targets, 0..1);
        assert_eq!(evs.iter().filter(|e| e.is_stemmed()).count(), 2 * BLOCK);
    }
}
