//! Indexes of the evidence's words, built while a report is checked,
//! where its mentions need them: weighing every event near a mention by
//! the words it shares with the sentence made `lint` cost the mentions
//! times the events (issue 16). Nothing here changes which event a
//! mention meets, only how fast it is found.

use super::evidence::Ev;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// More events than this at one instant are weighed through the instant's
/// own index. (Four in the tests, so that they cross it.)
pub const CROWD: usize = if cfg!(test) { 4 } else { 64 };

/// Events in a block of the timeline's word index: block positions fit in
/// 16 bits, and a mention's two days are a few blocks (a search visits
/// each). (Eight in the tests, so that ranges cut blocks.)
pub const BLOCK: usize = if cfg!(test) { 8 } else { 1 << 16 };

/// A block is indexed at this visit by a mention no event agrees with; the
/// visits before read its events one by one. A report with a few wrong
/// times costs no index; one with many builds it once for the days they
/// name (the index is about as large again as the words it holds).
const INDEX_AT: u32 = if cfg!(test) { 2 } else { 3 };

/// The word indexes of one slice of events (`Ev`s in time order), shared
/// by every mention checked against it, on every thread.
#[derive(Default)]
pub struct Indexes {
    /// Crowded instants by their first position.
    crowds: Mutex<rustc_hash::FxHashMap<usize, Arc<Crowd>>>,
    /// By block number, sized at the first visit.
    blocks: OnceLock<Vec<Block>>,
}

/// One crowded instant: for each word, the positions (from the instant's
/// first event, ascending) of the events holding it.
pub struct Crowd {
    pub postings: rustc_hash::FxHashMap<u32, Vec<u32>>,
}

#[derive(Default)]
struct Block {
    visits: AtomicU32,
    postings: OnceLock<Postings>,
}

/// A block's words and, for each, the positions (from the block's first
/// event, ascending) of the events holding it: all of them in three flat
/// vectors.
pub struct Postings {
    /// The words, ascending.
    words: Vec<u32>,
    /// Where each word's positions start in `at`, and a last end.
    starts: Vec<u32>,
    at: Vec<u16>,
}

impl Postings {
    fn of(events: &[Ev<'_>]) -> Postings {
        debug_assert!(events.len() <= 1 << 16);
        let mut pairs: Vec<(u32, u16)> = Vec::new();
        for (pos, e) in events.iter().enumerate() {
            pairs.extend(e.words().iter().map(|w| (w, pos as u16)));
        }
        pairs.sort_unstable();
        let mut words = Vec::new();
        let mut starts = Vec::new();
        for (k, &(w, _)) in pairs.iter().enumerate() {
            if words.last() != Some(&w) {
                words.push(w);
                starts.push(k as u32);
            }
        }
        starts.push(pairs.len() as u32);
        Postings {
            words,
            starts,
            at: pairs.into_iter().map(|p| p.1).collect(),
        }
    }

    /// The positions of the events holding `word`, ascending.
    pub fn get(&self, word: u32) -> &[u16] {
        match self.words.binary_search(&word) {
            Ok(k) => &self.at[self.starts[k] as usize..self.starts[k + 1] as usize],
            Err(_) => &[],
        }
    }
}

impl Indexes {
    /// The index of the crowded instant at `run` of `events`, built on
    /// first use.
    pub fn crowd(&self, events: &[Ev<'_>], run: std::ops::Range<usize>) -> Arc<Crowd> {
        // A poisoned lock only means another thread panicked mid-insert.
        let mut crowds = self.crowds.lock().unwrap_or_else(|p| p.into_inner());
        crowds
            .entry(run.start)
            .or_insert_with(|| {
                let mut postings: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
                for (pos, e) in events[run].iter().enumerate() {
                    for w in e.words().iter() {
                        postings.entry(w).or_default().push(pos as u32);
                    }
                }
                Arc::new(Crowd { postings })
            })
            .clone()
    }

    /// Block `b` of `events` (positions `b * BLOCK` on) is visited: its
    /// index, once it has one; `None` while it is to be read event by
    /// event. `prepare` runs just before the index is built, to give the
    /// block's events their words.
    pub fn block(&self, events: &[Ev<'_>], b: usize, prepare: impl FnOnce()) -> Option<&Postings> {
        let blocks = self.blocks.get_or_init(|| {
            std::iter::repeat_with(Block::default)
                .take(events.len().div_ceil(BLOCK))
                .collect()
        });
        let block = &blocks[b];
        if let Some(p) = block.postings.get() {
            return Some(p);
        }
        if block.visits.fetch_add(1, Ordering::Relaxed) + 1 < INDEX_AT {
            return None;
        }
        let from = b * BLOCK;
        let to = events.len().min(from + BLOCK);
        Some(block.postings.get_or_init(|| {
            prepare();
            Postings::of(&events[from..to])
        }))
    }
}
