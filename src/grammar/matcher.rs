//! Runs a parsed pattern against one line.
//!
//! Nodes are tried left to right. Optional groups and choices are choice
//! points: the matcher tries the group (or the first alternative) and, if the
//! rest of the line then fails, comes back and tries without it (or the next
//! alternative). The first reading in pattern order that consumes the whole
//! line wins, so a line still has exactly one parse. Captures never give back
//! characters: each type takes the longest run it accepts, which keeps the
//! search to the choice points a grammar writes. A step budget bounds the
//! search on hostile input whatever the pattern.

use super::pattern::{CapType, Node};
use crate::time::stamp::{self, Stamp};
use std::borrow::Cow;

#[cfg(test)]
mod codegen;
#[rustfmt::skip]
mod compiled;

/// How much of a line a match keeps. Either way the line is read whole,
/// through the same steps, so whether it matches and where it fails do
/// not depend on the reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Every named capture.
    Whole,
    /// The stamp and the captures that place it in time (`TIME_FIELDS`)
    /// alone: for a line whose other fields nothing will read, as in
    /// `analyze` a line no rule can classify (issue 16).
    Time,
}

/// The captures a `Reading::Time` keeps besides the stamp: the label a
/// stamp is read in (`tz`) and a relay's receive time (`recv`).
pub const TIME_FIELDS: [&str; 2] = ["tz", "recv"];

/// What a successful match captured. Field names borrow from the pattern,
/// values from the line.
#[derive(Debug, Default)]
pub struct Captures<'a> {
    /// Values borrow from the line; the `Cow` lets a record take this vector
    /// as it is, without a second allocation per line.
    pub fields: Vec<(&'a str, Cow<'a, str>)>,
    pub stamp: Option<Stamp>,
}

/// Why a line did not match: the byte offset where matching stopped (the
/// furthest any branch got), for the `column` of a parse failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoMatch {
    pub offset: usize,
}

/// Node visits allowed per line and pattern before the line is declared
/// unmatched. Real patterns need a few hundred; only a pattern with dozens of
/// nested choice points on a line that almost matches gets near this.
const STEP_BUDGET: u32 = 50_000;

/// A pattern prepared for matching: the nodes, for the backtracking search,
/// and the same nodes as steps for the greedy pass, each choice point
/// knowing from the pattern alone whether skipping it (or taking a later
/// alternative) could start where taking it did. Working that out per line
/// was a fifth of the matcher's time.
#[derive(Debug, Clone)]
pub struct Program {
    nodes: Vec<Node>,
    steps: Vec<Step>,
    /// The greedy pass compiled to code, for a built-in pattern.
    fast: Option<Compiled>,
}

/// A pattern's greedy pass as code (`compiled.rs`), in two parts: the
/// steps before `split` (the beginning its grammar's patterns share, which
/// `run_first` runs once a line) and the rest. A whole pass is one then
/// the other: the pass is a fold over the steps.
#[derive(Debug, Clone, Copy)]
struct Compiled {
    split: usize,
    head: Part,
    tail: Part,
}

/// Steps from `pos`, as `Matcher::greedy` runs them.
type Part = for<'a> fn(&mut Matcher<'a>, usize, &mut Captures<'a>) -> Option<usize>;

/// What identifies a pattern's compiled code: its nodes, written out.
/// Steps and their first-byte sets are worked out from the nodes alone, so
/// equal keys mean equal steps.
fn key(nodes: &[Node]) -> String {
    format!("{nodes:?}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Lit(Box<[u8]>),
    Space,
    /// A capture of a type that reads no time (`length`).
    Cap {
        name: String,
        role: Role,
        ty: CapType,
    },
    /// A capture of a time type (`stamp`): apart from `Cap` so that the
    /// other types do not carry a stamp's room back on every capture.
    Time {
        name: String,
        role: Role,
        ty: CapType,
    },
    /// `conflict`: what follows the group could start where the group does.
    /// `follow`: what can come after the group in its sequence.
    /// `opens`: the bytes `inner`'s first step can read first (see `opens`).
    Opt {
        inner: Vec<Step>,
        opens: First,
        conflict: bool,
        follow: First,
    },
    /// Each alternative with the bytes its first step can read first and
    /// whether a later one could start where it does; what can come after
    /// the choice in its sequence.
    Choice(Vec<Alt>, First),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Alt {
    steps: Vec<Step>,
    opens: First,
    later: bool,
}

/// What `nodes`' first step can read first, when that step is a literal, a
/// blank or a capture: where none of these bytes is, the step fails at
/// once and changes nothing, so the greedy pass need not enter it. An
/// RFC 5424 header tried `-` before each of its six fields this way (issue
/// 16). A group or choice first is `ANY`: entering one may commit.
fn opens(nodes: &[Node]) -> First {
    match nodes.first() {
        Some(Node::Lit(_) | Node::Space | Node::Cap { .. }) => first_of(nodes),
        _ => First::ANY,
    }
}

/// What a capture's value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `_`: matched, not kept.
    Skip,
    /// `ts`: kept, and its stamp is the record's.
    Stamp,
    Field,
}

impl Program {
    /// The pattern's compiled code when it is a built-in one (or the same
    /// as one), the interpreter otherwise.
    pub fn new(nodes: Vec<Node>) -> Program {
        let fast = compiled::lookup(&key(&nodes));
        Program {
            fast,
            ..Program::interpreted(nodes)
        }
    }

    /// Always the interpreter: the reference the compiled code is tested
    /// against.
    #[doc(hidden)]
    pub fn interpreted(nodes: Vec<Node>) -> Program {
        let steps = compile(&nodes);
        Program {
            nodes,
            steps,
            fast: None,
        }
    }

    /// Whether the greedy pass runs as compiled code.
    #[doc(hidden)]
    pub fn is_compiled(&self) -> bool {
        self.fast.is_some()
    }

    /// Where the compiled code splits the steps (see `Compiled`).
    #[doc(hidden)]
    pub fn compiled_split(&self) -> Option<usize> {
        self.fast.map(|c| c.split)
    }

    /// Top-level steps: where a `greedy_trace` may split.
    #[doc(hidden)]
    pub fn step_count(&self) -> usize {
        self.steps.len()
    }

    /// The greedy pass over steps `from..to`, starting at `pos`.
    #[inline]
    fn greedy<'a>(
        &'a self,
        m: &mut Matcher<'a>,
        (from, to): (usize, usize),
        pos: usize,
        caps: &mut Captures<'a>,
    ) -> Option<usize> {
        let len = self.steps.len();
        match self.fast {
            Some(c) if (from, to) == (0, len) => {
                (c.head)(m, pos, caps).and_then(|p| (c.tail)(m, p, caps))
            }
            Some(c) if (from, to) == (0, c.split) => (c.head)(m, pos, caps),
            Some(c) if (from, to) == (c.split, len) => (c.tail)(m, pos, caps),
            // A split no built-in grammar makes (a user grammar that
            // reuses a built-in pattern among others).
            _ => m.greedy(&self.steps[from..to], pos, caps),
        }
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
}

fn compile(nodes: &[Node]) -> Vec<Step> {
    nodes
        .iter()
        .enumerate()
        .map(|(k, node)| match node {
            Node::Lit(s) => Step::Lit(s.as_bytes().into()),
            Node::Space => Step::Space,
            Node::Cap { name, ty } => {
                let (name, ty) = (name.clone(), ty.clone());
                let role = match name.as_str() {
                    "_" => Role::Skip,
                    "ts" => Role::Stamp,
                    _ => Role::Field,
                };
                match ty.is_time() {
                    true => Step::Time { name, role, ty },
                    false => Step::Cap { name, role, ty },
                }
            }
            Node::Opt(inner) => Step::Opt {
                inner: compile(inner),
                opens: opens(inner),
                conflict: !first_of(inner).disjoint(&first_of(&nodes[k + 1..])),
                follow: first_of(&nodes[k + 1..]),
            },
            Node::Choice(alts) => Step::Choice(
                alts.iter()
                    .enumerate()
                    .map(|(i, alt)| {
                        let here = first_of(alt);
                        let later = alts[i + 1..].iter().any(|a| !here.disjoint(&first_of(a)));
                        Alt {
                            steps: compile(alt),
                            opens: opens(alt),
                            later,
                        }
                    })
                    .collect(),
                first_of(&nodes[k + 1..]),
            ),
        })
        .collect()
}

/// Match `line` against the whole of a pattern; trailing blanks are allowed.
/// A `tz` capture that states its own offset (`UTC+1`) turns a wall-clock
/// stamp into one with that offset.
pub fn run<'a>(prog: &'a Program, line: &'a str) -> Result<Captures<'a>, NoMatch> {
    let mut caps = Captures {
        fields: Vec::with_capacity(16),
        stamp: None,
    };
    let mut m = Matcher::new(line, Reading::Whole);
    let greedy = prog.greedy(&mut m, (0, prog.steps.len()), 0, &mut caps);
    m.finish(prog, greedy, &mut caps).map(|()| caps)
}

/// The greedy pass's whole state, as text: over steps `0..split` from the
/// line's start, then over the rest from where that stopped, as
/// `run_first` runs a shared beginning and the rest of a pattern. For
/// tests that the compiled code and the interpreter agree in every
/// respect the search and `run_first` read: where each part stopped, the
/// furthest offset, whether a choice was left, the captures `reading`
/// keeps.
#[doc(hidden)]
pub fn greedy_trace(prog: &Program, line: &str, split: usize, reading: Reading) -> String {
    let mut caps = Captures::default();
    let mut m = Matcher::new(line, reading);
    let split = split.min(prog.steps.len());
    let first = prog.greedy(&mut m, (0, split), 0, &mut caps);
    let mut out = format!(
        "{first:?} {} {} {:?} {:?}",
        m.furthest, m.committed, caps.fields, caps.stamp
    );
    if let Some(pos) = first {
        let rest = prog.greedy(&mut m, (split, prog.steps.len()), pos, &mut caps);
        out += &format!(
            " | {rest:?} {} {} {:?} {:?}",
            m.furthest, m.committed, caps.fields, caps.stamp
        );
    }
    out
}

/// The backtracking search alone, without the greedy pass: the reference
/// `run` must agree with (tests compare the two on real logs).
pub fn search_only<'a>(prog: &'a Program, line: &'a str) -> Result<Captures<'a>, NoMatch> {
    let mut caps = Captures::default();
    Matcher::new(line, Reading::Whole)
        .search(&prog.nodes, &mut caps)
        .map(|()| caps)
}

/// Where a grammar's patterns begin alike. Patterns are tried in order, so
/// a Nagios external command passes its `[time] ` to a dozen patterns
/// before the one that reads it, each parsing the stamp again. The greedy
/// pass is a fold over the steps, so over a beginning two patterns share
/// it ends in the same state for both: `run_first` runs it once per line
/// and each pattern that shares it goes on from there.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// Per pattern: the slot of the longest beginning it shares with
    /// another pattern, if any.
    of: Vec<Option<usize>>,
    /// Per slot: the shared beginning's length in steps.
    len: Vec<usize>,
}

/// Shared beginnings remembered per line (`Shared` makes no more slots).
const SLOTS: usize = 8;

impl Shared {
    pub fn new<'a, P: 'a>(pats: &'a [P], program: impl Fn(&'a P) -> &'a Program) -> Shared {
        let progs: Vec<&Program> = pats.iter().map(program).collect();
        let common = |a: &Program, b: &Program| {
            a.steps
                .iter()
                .zip(&b.steps)
                .take_while(|(x, y)| x == y)
                .count()
        };
        // Each pattern's longest beginning in common with an earlier one,
        // as (earliest holder, length).
        let mut slots: Vec<(usize, usize)> = Vec::new();
        for (i, p) in progs.iter().enumerate() {
            let best = (0..i)
                .map(|j| (j, common(progs[j], p)))
                .filter(|&(_, k)| k > 0)
                .max_by_key(|&(j, k)| (k, std::cmp::Reverse(j)));
            if let Some(slot) = best {
                if !slots.contains(&slot) && slots.len() < SLOTS {
                    slots.push(slot);
                }
            }
        }
        // Every pattern that begins with a slot's steps uses the longest
        // such slot, the holder included.
        let of = progs
            .iter()
            .map(|p| {
                (0..slots.len())
                    .filter(|&s| common(progs[slots[s].0], p) >= slots[s].1)
                    .max_by_key(|&s| slots[s].1)
            })
            .collect();
        Shared {
            of,
            len: slots.iter().map(|&(_, k)| k).collect(),
        }
    }

    /// For each pattern, how many of its first steps it shares (0: none).
    pub fn lengths(&self) -> Vec<usize> {
        self.of
            .iter()
            .map(|s| s.map_or(0, |s| self.len[s]))
            .collect()
    }
}

/// A line's greedy pass over one shared beginning.
#[derive(Debug, Clone, Copy)]
struct Begun {
    /// Where it stopped (`None`: it failed).
    read: Option<usize>,
    furthest: usize,
    committed: bool,
    /// The captures it made: the first `fields` of the line's vector.
    fields: usize,
    stamp: Option<Stamp>,
}

impl Begun {
    /// The pass over no steps: at the start, nothing read or captured.
    const EMPTY: Begun = Begun {
        read: Some(0),
        furthest: 0,
        committed: false,
        fields: 0,
        stamp: None,
    };
}

/// The first of `pats`' programs (in order) that matches `line`, as `run`
/// would find it trying each in turn, with its index; the furthest offset
/// any reached when none does. `shared` must be `Shared::new` of the same
/// programs.
pub fn run_first<'a, P>(
    pats: &'a [P],
    program: impl Fn(&'a P) -> &'a Program,
    shared: &Shared,
    line: &'a str,
) -> Result<(usize, Captures<'a>), NoMatch> {
    run_first_in(
        pats,
        program,
        shared,
        line,
        Vec::with_capacity(16),
        Reading::Whole,
    )
}

/// `run_first` capturing into `fields` (emptied first): a caller reading
/// many lines hands back the last line's vector (`recycle`) and saves an
/// allocation and its free per line (a 640-byte block, 5 % of a BSD
/// syslog file's run; issue 16). `reading`: which captures to keep.
pub fn run_first_in<'a, P>(
    pats: &'a [P],
    program: impl Fn(&'a P) -> &'a Program,
    shared: &Shared,
    line: &'a str,
    mut fields: Vec<(&'a str, Cow<'a, str>)>,
    reading: Reading,
) -> Result<(usize, Captures<'a>), NoMatch> {
    fields.clear();
    let mut caps = Captures {
        fields,
        stamp: None,
    };
    let mut begun: [Option<Begun>; SLOTS] = [None; SLOTS];
    // The slot whose captures are at the front of `caps`.
    let mut front: Option<usize> = None;
    let mut furthest = 0;
    for (i, pat) in pats.iter().enumerate() {
        let prog = program(pat);
        // A pattern that shares nothing begins with the empty beginning.
        let slot = shared.of.get(i).copied().flatten();
        let (k, b) = match slot {
            None => (0, Begun::EMPTY),
            Some(s) => match begun[s] {
                Some(b) if front == slot || b.read.is_none() => (shared.len[s], b),
                _ => {
                    let k = shared.len[s];
                    caps.fields.clear();
                    caps.stamp = None;
                    let mut m = Matcher::new(line, reading);
                    let read = prog.greedy(&mut m, (0, k), 0, &mut caps);
                    front = slot;
                    let b = Begun {
                        read,
                        furthest: m.furthest,
                        committed: m.committed,
                        fields: caps.fields.len(),
                        stamp: caps.stamp,
                    };
                    (k, *begun[s].insert(b))
                }
            },
        };
        let mut m = Matcher {
            line,
            furthest: b.furthest,
            steps: 0,
            committed: b.committed,
            whole: reading == Reading::Whole,
        };
        let greedy = match b.read {
            Some(pos) => {
                // What is past the beginning's captures is this pattern's.
                if front != slot {
                    front = None;
                }
                caps.fields.truncate(b.fields);
                caps.stamp = b.stamp;
                prog.greedy(&mut m, (k, prog.steps.len()), pos, &mut caps)
            }
            None => None,
        };
        // The search starts over from an empty vector.
        if m.committed {
            front = None;
        }
        match m.finish(prog, greedy, &mut caps) {
            Ok(()) => return Ok((i, caps)),
            Err(e) => furthest = furthest.max(e.offset),
        }
    }
    Err(NoMatch { offset: furthest })
}

/// `hay` starts with `lit`: a byte loop, since the literals of patterns are
/// a few bytes and a `memcmp` call costs more than comparing them.
#[inline]
fn has_prefix(hay: &[u8], lit: &[u8]) -> bool {
    hay.len() >= lit.len() && hay.iter().zip(lit).all(|(a, b)| a == b)
}

/// `Jan 6 2022 20:52:12 UTC+1` is a reading with offset +01:00, not a label
/// to weigh. Only with a year: an offset stamp is a complete instant, and a
/// year-less one stays a wall-clock reading with its label (the year is
/// `resolve`'s to choose).
fn promote_offset_label(caps: &mut Captures) {
    let Some(Stamp::Wall(wall)) = caps.stamp else {
        return;
    };
    if wall.year.is_none() {
        return;
    }
    let label = caps
        .fields
        .iter()
        .find(|(k, _)| *k == "tz")
        .and_then(|(_, v)| stamp::label_offset(v));
    if let Some(offset_s) = label {
        caps.stamp = Some(Stamp::Offset { wall, offset_s });
    }
}

/// What remains to match after the current node list: a linked list of
/// node slices on the stack, so that backtracking needs no allocation.
enum Cont<'n, 'c> {
    Done,
    Then(&'n [Node], &'c Cont<'n, 'c>),
}

struct Matcher<'a> {
    line: &'a str,
    furthest: usize,
    steps: u32,
    /// Whether the greedy pass took a branch that left an alternative untried.
    committed: bool,
    /// `Reading::Whole`: every named capture is kept.
    whole: bool,
}

impl<'a> Matcher<'a> {
    fn new(line: &'a str, reading: Reading) -> Matcher<'a> {
        Matcher {
            line,
            furthest: 0,
            steps: 0,
            committed: false,
            whole: reading == Reading::Whole,
        }
    }

    /// A compiled capture's name, if this reading keeps it. Only for names
    /// outside `TIME_FIELDS`: the code generator writes those in as kept
    /// and never asks (asked, this would drop them from a time reading).
    #[inline(always)]
    fn keep(&self, name: &'static str) -> Option<&'static str> {
        self.whole.then_some(name)
    }

    /// An interpreted capture's name, if this reading keeps it.
    fn kept<'n>(&self, name: &'n str, role: Role) -> Option<&'n str> {
        match role {
            Role::Skip => None,
            _ if self.whole || TIME_FIELDS.contains(&name) => Some(name),
            _ => None,
        }
    }

    /// After the greedy pass (`greedy`: where it stopped): its answer when
    /// it read the whole line. Otherwise the pass followed the first path
    /// of the backtracking search, so only a pass that took a branch with
    /// an alternative left needs the search; without one the search would
    /// walk the same single path and fail the same way.
    fn finish(
        &mut self,
        prog: &'a Program,
        greedy: Option<usize>,
        caps: &mut Captures<'a>,
    ) -> Result<(), NoMatch> {
        if let Some(end) = greedy {
            if self.line[end..].trim_end().is_empty() {
                promote_offset_label(caps);
                return Ok(());
            }
        }
        if !self.committed {
            return Err(NoMatch {
                offset: self.furthest,
            });
        }
        caps.fields.clear();
        caps.stamp = None;
        self.steps = 0;
        self.search(&prog.nodes, caps)
    }

    /// Match `steps` from `pos` taking the first success at every choice
    /// point and never going back; `Some(end)` where the steps stop. Each
    /// step is one of the functions below, which the compiled patterns
    /// (`compiled.rs`) call in the same order with the step's data written
    /// in: the two readings share their semantics by construction.
    fn greedy(
        &mut self,
        steps: &'a [Step],
        mut pos: usize,
        caps: &mut Captures<'a>,
    ) -> Option<usize> {
        let line = self.line;
        for step in steps {
            self.furthest = self.furthest.max(pos);
            match step {
                Step::Lit(l) => lit(line.as_bytes(), &mut pos, l)?,
                Step::Space => space(line.as_bytes(), &mut pos)?,
                Step::Cap { name, role, ty } => {
                    cap(line, &mut pos, caps, self.kept(name, *role), |t| {
                        length(ty, t)
                    })?
                }
                Step::Time { name, role, ty } => time(
                    line,
                    &mut pos,
                    caps,
                    self.kept(name, *role),
                    *role == Role::Stamp,
                    ty,
                )?,
                Step::Opt {
                    inner,
                    opens,
                    conflict,
                    follow,
                } => opt(
                    self,
                    &mut pos,
                    caps,
                    (caps.fields.len(), caps.stamp),
                    *opens,
                    *conflict,
                    *follow,
                    |m, p, c| m.greedy(inner, p, c),
                )?,
                Step::Choice(alts, follow) => {
                    let saved = (caps.fields.len(), caps.stamp);
                    let mut matched = None;
                    for Alt {
                        steps: a,
                        opens,
                        later,
                    } in alts
                    {
                        let tried = alt(
                            self,
                            pos,
                            caps,
                            saved,
                            *opens,
                            *later,
                            *follow,
                            |m, p, c| m.greedy(a, p, c),
                        );
                        if let Some(t) = tried {
                            matched = t;
                            break;
                        }
                    }
                    pos = matched?;
                }
            }
        }
        self.furthest = self.furthest.max(pos);
        Some(pos)
    }

    /// A compiled step list stopped at `pos` (a step failed): the furthest
    /// offset as `greedy` would have noted it before that step.
    #[inline(always)]
    fn stop(&mut self, pos: usize) -> Option<usize> {
        self.furthest = self.furthest.max(pos);
        None
    }

    /// A group or alternative read along its only path to `end`, where
    /// nothing that can follow it starts: the search would fail right
    /// after it and come back to skip it (or try the next alternative), so
    /// the greedy pass does that now instead of failing later and handing
    /// the whole line to the search. Cisco's `%FAC-{?SUB-}SEV-MNEMONIC`
    /// sent every line to the search when `SUB` took the severity.
    fn dead_end(&self, tried: Option<usize>, follow: &First) -> Option<usize> {
        match tried {
            Some(end) if !self.committed && !follow.admits(self.line.as_bytes(), end) => None,
            t => t,
        }
    }

    /// The backtracking search over the whole line, into `caps`.
    fn search(&mut self, nodes: &'a [Node], caps: &mut Captures<'a>) -> Result<(), NoMatch> {
        match self.seq(nodes, &Cont::Done, 0, caps) {
            Some(_) => {
                promote_offset_label(caps);
                Ok(())
            }
            None => Err(NoMatch {
                offset: self.furthest,
            }),
        }
    }

    /// Match `nodes` then `k` from `pos`; `Some(end)` when the whole line is read.
    fn seq(
        &mut self,
        nodes: &'a [Node],
        k: &Cont<'a, '_>,
        pos: usize,
        caps: &mut Captures<'a>,
    ) -> Option<usize> {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            return None;
        }
        self.furthest = self.furthest.max(pos);
        let Some((node, rest)) = nodes.split_first() else {
            return match k {
                Cont::Done => self.line[pos..].trim_end().is_empty().then_some(pos),
                Cont::Then(next, k) => self.seq(next, k, pos, caps),
            };
        };
        let text = &self.line[pos..];
        match node {
            Node::Lit(s) => {
                if text.starts_with(s.as_str()) {
                    self.seq(rest, k, pos + s.len(), caps)
                } else {
                    None
                }
            }
            Node::Space => {
                let n = text
                    .bytes()
                    .take_while(|&b| b == b' ' || b == b'\t')
                    .count();
                if n == 0 {
                    return None;
                }
                self.seq(rest, k, pos + n, caps)
            }
            Node::Cap { name, ty } => {
                let (len, st) = capture(ty, text)?;
                let saved = (caps.fields.len(), caps.stamp);
                let role = match name.as_str() {
                    "_" => Role::Skip,
                    _ => Role::Field,
                };
                if let Some(name) = self.kept(name.as_str(), role) {
                    caps.fields.push((name, Cow::Borrowed(&text[..len])));
                }
                if let (Some(st), "ts") = (st, name.as_str()) {
                    caps.stamp = Some(st);
                }
                let r = self.seq(rest, k, pos + len, caps);
                if r.is_none() {
                    restore(caps, saved);
                }
                r
            }
            Node::Opt(inner) => {
                let saved = (caps.fields.len(), caps.stamp);
                if let Some(end) = self.seq(inner, &Cont::Then(rest, k), pos, caps) {
                    return Some(end);
                }
                restore(caps, saved);
                self.seq(rest, k, pos, caps)
            }
            Node::Choice(alts) => {
                let saved = (caps.fields.len(), caps.stamp);
                for alt in alts {
                    if let Some(end) = self.seq(alt, &Cont::Then(rest, k), pos, caps) {
                        return Some(end);
                    }
                    restore(caps, saved);
                }
                None
            }
        }
    }
}

fn restore(caps: &mut Captures, (n, stamp): (usize, Option<Stamp>)) {
    caps.fields.truncate(n);
    caps.stamp = stamp;
}

/// The steps of the greedy pass, one function each (see `greedy`). `None`
/// fails the step list they are in.
#[inline(always)]
fn lit(b: &[u8], pos: &mut usize, lit: &[u8]) -> Option<()> {
    if !has_prefix(&b[*pos..], lit) {
        return None;
    }
    *pos += lit.len();
    Some(())
}

#[inline(always)]
fn space(b: &[u8], pos: &mut usize) -> Option<()> {
    let n = b[*pos..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    if n == 0 {
        return None;
    }
    *pos += n;
    Some(())
}

/// A capture of a type that reads no time; `len` is its type's reader.
#[inline(always)]
fn cap<'a>(
    line: &'a str,
    pos: &mut usize,
    caps: &mut Captures<'a>,
    name: Option<&'a str>,
    len: impl FnOnce(&str) -> Option<usize>,
) -> Option<()> {
    let text = &line[*pos..];
    let len = len(text)?;
    if let Some(name) = name {
        caps.fields.push((name, Cow::Borrowed(&text[..len])));
    }
    *pos += len;
    Some(())
}

/// A capture of a time type; `is_stamp`: its stamp is the record's.
#[inline(always)]
fn time<'a>(
    line: &'a str,
    pos: &mut usize,
    caps: &mut Captures<'a>,
    name: Option<&'a str>,
    is_stamp: bool,
    ty: &CapType,
) -> Option<()> {
    let mut read = None;
    cap(line, pos, caps, name, |text| {
        let (len, st) = stamp(ty, text)?;
        read = Some(st);
        Some(len)
    })?;
    if is_stamp {
        caps.stamp = read;
    }
    Some(())
}

/// An optional group (`Step::Opt`), its steps read by `inner`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn opt<'a>(
    m: &mut Matcher<'a>,
    pos: &mut usize,
    caps: &mut Captures<'a>,
    saved: impl Saved,
    opens: First,
    conflict: bool,
    follow: First,
    inner: impl FnOnce(&mut Matcher<'a>, usize, &mut Captures<'a>) -> Option<usize>,
) -> Option<()> {
    if !opens.admits(m.line.as_bytes(), *pos) {
        return Some(());
    }
    let outer = std::mem::take(&mut m.committed);
    let tried = inner(m, *pos, caps);
    // The group failed after a choice inside it: the search would
    // backtrack into that choice before skipping the group, so the greedy
    // path is no longer its first path.
    if tried.is_none() && m.committed {
        return None;
    }
    let tried = m.dead_end(tried, &follow);
    m.committed |= outer;
    match tried {
        Some(end) => {
            // Skipping the group instead could only matter if what follows
            // could start where the group did.
            if !m.committed {
                m.committed = end == *pos || conflict;
            }
            *pos = end
        }
        None => saved.restore(caps),
    }
    Some(())
}

/// One alternative of a choice (`Step::Choice`), its steps read by
/// `steps`; `saved`: the captures before the choice. `None`: try the next
/// alternative; `Some(None)`: the choice fails; `Some(Some(end))`: taken.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn alt<'a>(
    m: &mut Matcher<'a>,
    pos: usize,
    caps: &mut Captures<'a>,
    saved: impl Saved,
    opens: First,
    later: bool,
    follow: First,
    steps: impl FnOnce(&mut Matcher<'a>, usize, &mut Captures<'a>) -> Option<usize>,
) -> Option<Option<usize>> {
    if !opens.admits(m.line.as_bytes(), pos) {
        return None;
    }
    let outer = std::mem::take(&mut m.committed);
    let tried = steps(m, pos, caps);
    // As for a group: an alternative that failed after a choice inside it
    // is not the search's first path.
    if tried.is_none() && m.committed {
        return Some(None);
    }
    let tried = m.dead_end(tried, &follow);
    m.committed |= outer;
    if let Some(end) = tried {
        if !m.committed {
            m.committed = end == pos || later;
        }
        return Some(Some(end));
    }
    saved.restore(caps);
    None
}

/// The captures before a group or choice, to go back to when it is not
/// taken: their number and the stamp (`(usize, Option<Stamp>)`), or their
/// number alone (`Fields`) where no step inside can set the stamp, which
/// the compiled code knows from the pattern. Copying a stamp each choice
/// cost about 10 instructions, six times an RFC 5424 line.
trait Saved: Copy {
    fn restore(self, caps: &mut Captures);
}

impl Saved for (usize, Option<Stamp>) {
    #[inline(always)]
    fn restore(self, caps: &mut Captures) {
        restore(caps, self);
    }
}

/// The number of captures before a group or choice that cannot set the
/// stamp.
#[derive(Clone, Copy)]
struct Fields(usize);

impl Saved for Fields {
    #[inline(always)]
    fn restore(self, caps: &mut Captures) {
        caps.fields.truncate(self.0);
    }
}

/// Length matched by one capture type at the start of `s`, and its stamp for
/// time types.
fn capture(ty: &CapType, s: &str) -> Option<(usize, Option<Stamp>)> {
    match ty.is_time() {
        true => stamp(ty, s).map(|(n, st)| (n, Some(st))),
        false => length(ty, s).map(|n| (n, None)),
    }
}

/// Length and stamp of a time type's capture at the start of `s`.
fn stamp(ty: &CapType, s: &str) -> Option<(usize, Stamp)> {
    let len_of = |rest: &str| s.len() - rest.len();
    let wall = |r: Result<(&str, stamp::WallClock), _>| {
        r.ok().map(|(rest, w)| (len_of(rest), Stamp::Wall(w)))
    };
    match ty {
        CapType::Bsd => wall(stamp::bsd(s)),
        CapType::Mdy12 => wall(stamp::mdy12(s)),
        CapType::CTime => wall(stamp::ctime(s)),
        CapType::Compact => wall(stamp::compact(s)),
        CapType::Iso => stamp::iso(s).ok().map(|(r, st)| (len_of(r), st)),
        CapType::Epoch => stamp::epoch(s).ok().map(|(r, st)| (len_of(r), st)),
        CapType::Clf => stamp::clf(s).ok().map(|(r, st)| (len_of(r), st)),
        CapType::STime => {
            stamp(&CapType::Bsd, s).or_else(|| stamp::iso_t(s).ok().map(|(r, st)| (len_of(r), st)))
        }
        _ => None,
    }
}

/// Length matched by one capture type that reads no time at the start of
/// `s`. Each arm is a function of its own so that compiled patterns
/// (`compiled`) call the one their capture needs.
fn length(ty: &CapType, s: &str) -> Option<usize> {
    match ty {
        CapType::Int => int(s),
        CapType::IntIn(lo, hi) => int_in(s, *lo, *hi),
        CapType::Word => word(s),
        CapType::Until(set) => Some(until(set, s)),
        CapType::Upto(text) => upto(text.as_bytes(), s.as_bytes()),
        CapType::Rest => rest(s),
        CapType::Tag => tag(s),
        CapType::Host => host(s),
        CapType::Event => event(s),
        CapType::Uptime => uptime(s),
        CapType::Level => level(s),
        CapType::Ident => ident(s),
        CapType::OneOf(set) => one_of(set, s),
        CapType::Abbrev => abbrev(s),
        CapType::Sd => structured_data(s),
        CapType::Bsd
        | CapType::Iso
        | CapType::Epoch
        | CapType::Mdy12
        | CapType::CTime
        | CapType::Compact
        | CapType::Clf
        | CapType::STime => None,
    }
}

fn int(s: &str) -> Option<usize> {
    nonzero(s.bytes().take_while(u8::is_ascii_digit).count())
}

fn int_in(s: &str, lo: u64, hi: u64) -> Option<usize> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    let v = s[..n].bytes().try_fold(0u64, |v, b| {
        v.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    });
    (n > 0 && v.is_some_and(|v| (lo..=hi).contains(&v))).then_some(n)
}

fn word(s: &str) -> Option<usize> {
    nonzero(blank_at(s.as_bytes()))
}

fn rest(s: &str) -> Option<usize> {
    Some(s.trim_end_matches(['\r', '\n']).len())
}

fn ident(s: &str) -> Option<usize> {
    let n = s
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    (s.starts_with(|c: char| c.is_ascii_alphabetic())).then_some(n)
}

fn one_of(set: &str, s: &str) -> Option<usize> {
    let c = s.chars().next()?;
    set.contains(c).then(|| c.len_utf8())
}

fn abbrev(s: &str) -> Option<usize> {
    stamp::tz_abbrev(s).ok().map(|(r, _)| s.len() - r.len())
}

/// The bytes a match of some nodes can start with: ASCII as a bit set,
/// and one flag for anything else (or for "could be empty").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct First {
    ascii: u128,
    other: bool,
}

impl First {
    const ANY: First = First {
        ascii: u128::MAX,
        other: true,
    };

    fn of_bytes(bytes: &[u8]) -> First {
        let mut ascii = 0u128;
        for &b in bytes {
            ascii |= 1u128 << (b & 0x7f);
        }
        First {
            ascii,
            other: false,
        }
    }

    fn digits() -> First {
        First::of_bytes(b"0123456789")
    }

    fn letters() -> First {
        First::of_bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    }

    fn union(self, o: First) -> First {
        First {
            ascii: self.ascii | o.ascii,
            other: self.other || o.other,
        }
    }

    fn disjoint(&self, o: &First) -> bool {
        self.ascii & o.ascii == 0 && !(self.other && o.other)
    }

    /// Whether a match could start at `at` in `hay` (the end included).
    fn admits(&self, hay: &[u8], at: usize) -> bool {
        self.other
            || hay
                .get(at)
                .is_some_and(|&b| b.is_ascii() && self.ascii & (1u128 << b) != 0)
    }
}

/// What a sequence of nodes can start with (`ANY` when it may be empty or
/// starts with a capture that takes anything).
fn first_of(nodes: &[Node]) -> First {
    let Some(node) = nodes.first() else {
        return First::ANY;
    };
    match node {
        Node::Lit(s) => match s.as_bytes().first() {
            Some(&b) if b.is_ascii() => First::of_bytes(&[b]),
            _ => First::ANY,
        },
        Node::Space => First::of_bytes(b" \t"),
        Node::Opt(inner) => first_of(inner).union(first_of(&nodes[1..])),
        Node::Choice(alts) => alts.iter().fold(
            First {
                ascii: 0,
                other: false,
            },
            |acc, a| acc.union(first_of(a)),
        ),
        Node::Cap { ty, .. } => match ty {
            CapType::Int
            | CapType::IntIn(..)
            | CapType::Epoch
            | CapType::Iso
            | CapType::Compact
            | CapType::Clf => First::digits(),
            // `2017 Mar  9 ...`: a BSD stamp may lead with its year.
            CapType::Bsd => First::letters().union(First::digits()),
            CapType::Mdy12 | CapType::CTime | CapType::Level | CapType::Abbrev => First::letters(),
            CapType::OneOf(set) if set.is_ascii() => First::of_bytes(set.as_bytes()),
            _ => First::ANY,
        },
    }
}

/// Where `needle` first occurs in `hay`: memchr on its first byte, then a
/// comparison. Patterns' needles are short (` [`, ` HTTP/`) and their first
/// byte is rare in what precedes them, which makes this faster than
/// building a substring searcher for every line.
fn upto(needle: &[u8], hay: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(k) = memchr::memchr(first, &hay[from..]) {
        let at = from + k;
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Bytes before the first character of `set`: memchr for the common one-
/// and two-byte ASCII sets.
fn until(set: &str, s: &str) -> usize {
    let b = set.as_bytes();
    let found = match (b.len(), set.is_ascii()) {
        (1, true) => memchr::memchr(b[0], s.as_bytes()),
        (2, true) => memchr::memchr2(b[0], b[1], s.as_bytes()),
        (3, true) => memchr::memchr3(b[0], b[1], b[2], s.as_bytes()),
        _ => s.find(|c| set.contains(c)),
    };
    found.unwrap_or(s.len())
}

/// Where the first blank (space or tab) is, or the length: eight bytes at
/// a time over a word's usual length, then memchr. Words in headers are a
/// few bytes, and memchr2's setup cost more than reading them: 750
/// instructions an RFC 5424 line for its four words (issue 16); a byte
/// loop cost about four instructions a byte. (`find_any` over the first
/// 24 bytes instead of this loop cost the bench bundle 8.6 M more.)
///
/// On x86_64, where 16 bytes remain, they are one SSE2 compare first: a
/// header's word is nearly always shorter, so the loop's exit, after one
/// word or two of eight bytes, no longer has to be guessed (issue 16).
#[inline]
fn blank_at(s: &[u8]) -> usize {
    const NEAR: usize = 24;
    let mut k = 0;
    #[cfg(target_arch = "x86_64")]
    if s.len() >= 16 {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of every x86_64 CPU; the load reads the
        // first 16 of `s`'s at least 16 bytes.
        let hits = unsafe {
            let v = _mm_loadu_si128(s.as_ptr().cast());
            let blank = _mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)),
            );
            _mm_movemask_epi8(blank) as u32
        };
        if hits != 0 {
            return hits.trailing_zeros() as usize;
        }
        k = 16;
    }
    while k < NEAR {
        let Some(w) = s.get(k..k + 8) else {
            // Fewer than eight bytes left.
            return k + s[k..]
                .iter()
                .position(|&b| b == b' ' || b == b'\t')
                .unwrap_or(s.len() - k);
        };
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let hits = zero_bytes(x ^ splat(b' ')) | zero_bytes(x ^ splat(b'\t'));
        if hits != 0 {
            return k + (hits.trailing_zeros() / 8) as usize;
        }
        k += 8;
    }
    NEAR + memchr::memchr2(b' ', b'\t', &s[NEAR..]).unwrap_or(s.len() - NEAR)
}

/// `b` in every byte of a word.
const fn splat(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The high bit of each zero byte of `x`, exact up to its lowest zero
/// byte (a borrow may mark bytes above it): what `trailing_zeros` reads.
#[inline(always)]
const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(splat(1)) & !x & splat(0x80)
}

fn nonzero(n: usize) -> Option<usize> {
    (n > 0).then_some(n)
}

/// A syslog tag: up to a blank, `[` or `:`. Never one that starts with `{`
/// or `"`: that is a JSON object or quoted text, the message of a sender
/// that wrote no tag (`opsaudit {"username": ...}`), not a program name.
fn tag(s: &str) -> Option<usize> {
    if s.starts_with(['{', '"']) {
        return None;
    }
    nonzero(find_any(s.as_bytes(), *b" \t[:"))
}

/// Where the first byte of `set` is in `s`, or its length: eight bytes at
/// a time. A syslog tag's byte loop was 50 instructions a BSD line.
#[inline(always)]
fn find_any<const N: usize>(s: &[u8], set: [u8; N]) -> usize {
    let mut k = 0;
    while let Some(w) = s.get(k..k + 8) {
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let hits = set.iter().fold(0, |h, &b| h | zero_bytes(x ^ splat(b)));
        if hits != 0 {
            return k + (hits.trailing_zeros() / 8) as usize;
        }
        k += 8;
    }
    k + s[k..]
        .iter()
        .position(|b| set.contains(b))
        .unwrap_or(s.len() - k)
}

/// A host name or address as syslog headers write it: a run of non-blank
/// characters, ending before a `:` that closes the token (`sw01: `,
/// `2a02:cf40::: `), and not all digits (that is a sequence number).
fn host(s: &str) -> Option<usize> {
    let token = blank_at(s.as_bytes());
    let len = s[..token].strip_suffix(':').map_or(token, str::len);
    let h = &s[..len];
    if h.is_empty() || h.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(len)
}

/// `UI_COMMIT`, `SNMP_TRAP_LINK_DOWN`: capitals and digits with at least one
/// underscore, starting with a capital (Junos event tags).
fn event(s: &str) -> Option<usize> {
    let n = s
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    let e = &s[..n];
    let ok = e.starts_with(|c: char| c.is_ascii_uppercase())
        && e.contains('_')
        && !e.ends_with('_')
        && !s[n..].starts_with(|c: char| c.is_ascii_alphanumeric());
    ok.then_some(n)
}

/// Log level words, as applications spell them.
const LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "ERR", "CRIT", "CRITICAL",
    "FATAL", "ALERT", "EMERG", "SEVERE",
];

fn level(s: &str) -> Option<usize> {
    let n = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    LEVELS
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&s[..n]))
        .then_some(n)
}

/// IOS `service timestamps log uptime`: `00:00:46` under a day, then units
/// (`1d02h`, `3w2d`, `2y10w`).
fn uptime(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |k: usize| {
        b.get(k..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let h = digits(0);
    if (1..=2).contains(&h)
        && b.get(h) == Some(&b':')
        && digits(h + 1) == 2
        && b.get(h + 3) == Some(&b':')
        && digits(h + 4) == 2
    {
        return Some(h + 6);
    }
    let mut k = 0;
    loop {
        let n = digits(k);
        if n == 0 {
            break;
        }
        match b.get(k + n) {
            Some(b'y' | b'w' | b'd' | b'h' | b'm') => k += n + 1,
            _ => return None,
        }
    }
    let end_ok = !s[k..].starts_with(|c: char| c.is_ascii_alphanumeric());
    (k > 0 && end_ok).then_some(k)
}

/// RFC 5424 STRUCTURED-DATA: one or more `[SD-ID PARAM="value" ...]`
/// elements. Inside a quoted value `\"`, `\]` and `\\` are escapes; outside
/// quotes the first `]` closes the element. Lenient about blanks around `=`
/// (rsyslog's `rfc5424-3.parse1` has `eventSource= "Application"`).
fn structured_data(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut k = 0;
    while b.get(k) == Some(&b'[') {
        // An element's name (SD-ID): at least a byte that is not a blank,
        // `=`, `]` or `"`; element_end passes over the rest.
        let named = b
            .get(k + 1)
            .is_some_and(|&c| c > b' ' && !b"=]\"".contains(&c));
        if !named {
            return None;
        }
        k = element_end(b, k + 1)? + 1;
    }
    nonzero(k)
}

/// The `]` that closes a structured-data element whose name starts at
/// `name`: after the name, outside quotes the first `]`; inside them `\\`
/// escapes the next byte. Without a backslash before the first `]`, that
/// `]` closes the element exactly when an even number of quotes comes
/// before it (a name holds neither): three passes over the element, not a
/// search from each of its quotes, which cost 1,000 instructions an RFC
/// 5424 line (issue 16). Otherwise the element is walked quote by quote
/// (its name has no quote nor `]`, and outside quotes `\\` is a byte like
/// another). On x86_64 `plain_close` first decides the first case in one
/// pass where the element's `]` is in reach.
fn element_end(b: &[u8], name: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    match plain_close(b, name) {
        Close::At(end) => return Some(end),
        Close::Walk => return walk_element(b, name),
        Close::Unread => {}
    }
    let rest = b.get(name..)?;
    let close = memchr::memchr(b']', rest)?;
    let before = &rest[..close];
    if memchr::memchr(b'\\', before).is_none() && quotes_in(before) % 2 == 0 {
        return Some(name + close);
    }
    walk_element(b, name)
}

/// `element_end`'s second case: the element walked quote by quote.
fn walk_element(b: &[u8], name: usize) -> Option<usize> {
    // Jump to the next byte that matters: outside quotes a `"` or the
    // closing `]`, inside them a `"` or an escape.
    let mut j = name;
    let mut quoted = false;
    loop {
        let rest = b.get(j..)?;
        let at = match quoted {
            false => memchr::memchr2(b'"', b']', rest)?,
            true => memchr::memchr2(b'"', b'\\', rest)?,
        };
        j += at;
        match b[j] {
            b'\\' => j += 2,
            b'"' => {
                quoted = !quoted;
                j += 1
            }
            _ => return Some(j),
        }
    }
}

/// What `plain_close` found of an element's first case.
#[cfg(target_arch = "x86_64")]
enum Close {
    /// It holds: the element's `]` is here.
    At(usize),
    /// It does not: a `\\` or an odd number of `"` before the first `]`.
    Walk,
    /// The first `]` is not in the whole 16-byte blocks that fit in `b`.
    Unread,
}

/// `element_end`'s first case in one pass, sixteen bytes a step: the
/// first `]` from `name` when no `\\` comes before it and an even number of
/// `"` do; where it fails, the element is walked without asking again;
/// where the blocks end first, the three passes decide. The passes' two
/// `memchr` calls and the count's copy of its last bytes cost about 250
/// instructions an element on the bench bundle's RFC 5424 lines, their
/// branches mispredicted (issue 16).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn plain_close(b: &[u8], name: usize) -> Close {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86_64 CPU; each load reads 16 bytes
    // at `j`, with `j + 16 <= b.len()`.
    unsafe {
        let (close, escape, quote) = (
            _mm_set1_epi8(b']' as i8),
            _mm_set1_epi8(b'\\' as i8),
            _mm_set1_epi8(b'"' as i8),
        );
        // The quotes' masks, exclusive-ored: the count's parity is its
        // population's, counted once (x86_64 has no POPCNT to count by).
        let mut quotes = 0u32;
        let mut j = name;
        while j + 16 <= b.len() {
            let v = _mm_loadu_si128(b.as_ptr().add(j).cast());
            let c = _mm_movemask_epi8(_mm_cmpeq_epi8(v, close)) as u32;
            let e = _mm_movemask_epi8(_mm_cmpeq_epi8(v, escape)) as u32;
            let q = _mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) as u32;
            if c != 0 {
                let before = (1u32 << c.trailing_zeros()) - 1;
                quotes ^= q & before;
                return match e & before == 0 && quotes.count_ones() % 2 == 0 {
                    true => Close::At(j + c.trailing_zeros() as usize),
                    false => Close::Walk,
                };
            }
            if e != 0 {
                return Close::Walk;
            }
            quotes ^= q;
            j += 16;
        }
        Close::Unread
    }
}

/// How many `"` are in `s`: sixteen bytes a step, which the compiler
/// turns into vector compares; a filtered count went a byte at a time.
fn quotes_in(s: &[u8]) -> usize {
    let mut chunks = s.chunks_exact(16);
    let mut n = 0;
    for c in &mut chunks {
        n += usize::from(c.iter().map(|&b| u8::from(b == b'"')).sum::<u8>());
    }
    // The last bytes in a zeroed chunk: the same vector compares.
    let mut last = [0u8; 16];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    n + usize::from(last.iter().map(|&b| u8::from(b == b'"')).sum::<u8>())
}

#[cfg(test)]
mod first_tests {
    use super::*;
    use crate::grammar::pattern::parse;

    #[test]
    fn blank_at_is_the_first_blank() {
        // Fillers next to a blank's value or a word trick's edges (zero,
        // one past, the high bit), and a second blank after the first.
        for fill in [
            b'x', 0, 1, b'\x08', b'\n', b'\x1f', b'!', b'\x21', 0x80, 0xa0, 0xff,
        ] {
            for len in 0..60 {
                for at in 0..=len {
                    for blank in [b' ', b'\t'] {
                        let mut s = vec![fill; len];
                        if at < len {
                            s[at] = blank;
                        }
                        if at + 3 < len {
                            s[at + 3] = b' ';
                        }
                        assert_eq!(blank_at(&s), at, "{fill} {len} {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn find_any_is_the_first_of_the_set() {
        let set = *b" \t[:";
        for fill in [
            b'x', 0, 1, b'\x08', b'Z', b'\x1f', b'!', b';', b'\\', 0x80, 0xa0, 0xff,
        ] {
            for len in 0..40 {
                for at in 0..=len {
                    for &hit in &set {
                        let mut s = vec![fill; len];
                        if at < len {
                            s[at] = hit;
                        }
                        if at + 2 < len {
                            s[at + 2] = b'[';
                        }
                        let want = s.iter().position(|b| set.contains(b)).unwrap_or(len);
                        assert_eq!(find_any(&s, set), want, "{fill} {len} {at}");
                        assert_eq!(want, at);
                    }
                }
            }
        }
    }

    #[test]
    fn first_sets() {
        let p = parse("{|{ts:epoch}|{ts:ctime}}").unwrap();
        let Node::Choice(alts) = &p[0] else { panic!() };
        assert!(first_of(&alts[0]).disjoint(&first_of(&alts[1])));
        let inner = |n: &Node| match n {
            Node::Opt(i) => i.clone(),
            _ => panic!("not optional"),
        };
        let p = parse("{?{seq:int}: }{sync:oneof(\"*.\")}{ts:bsd}").unwrap();
        // After the sequence number: a sync marker, never a digit.
        assert!(first_of(&inner(&p[0])).disjoint(&first_of(&p[1..])));
        // A BSD stamp may start with its year (`2017 Mar  9`).
        let p = parse("{?{seq:int}: }{ts:bsd}").unwrap();
        assert!(!first_of(&inner(&p[0])).disjoint(&first_of(&p[1..])));
        let p = parse("{?{a:word}}{b:word}").unwrap();
        assert!(!first_of(&inner(&p[0])).disjoint(&first_of(&p[1..])));
    }

    /// The greedy pass and the full search agree on every built-in sample.
    #[test]
    fn upto_finds_what_a_substring_search_finds() {
        for (needle, hay) in [
            (" [", "10.0.0.1 - - [14/May"),
            (" [", "a, b c [x"),
            (" HTTP/", "/a b HTTP HTTP/1.1"),
            ("ab", "aaab"),
            ("x", ""),
            (" [", "no bracket"),
            ("é", "caféé"),
        ] {
            assert_eq!(
                upto(needle.as_bytes(), hay.as_bytes()),
                hay.find(needle),
                "{needle:?} in {hay:?}"
            );
        }
    }

    #[test]
    fn greedy_agrees_with_search() {
        let reg = crate::grammar::registry::Registry::builtin_with_samples().unwrap();
        for g in reg.all() {
            let crate::grammar::Form::Lines(pats) = &g.form else {
                continue;
            };
            for sample in &g.samples {
                for p in pats {
                    let line = sample.text.trim_end_matches('\n');
                    let fast = run(&p.program, line).map(|c| c.fields);
                    let slow = search_only(&p.program, line).map(|c| c.fields);
                    assert_eq!(fast.ok(), slow.ok(), "{} {} on {line:?}", g.name, p.name);
                }
            }
        }
    }

    type Owned = Option<Vec<(String, String)>>;

    fn owned(c: Result<Captures, NoMatch>) -> Owned {
        c.ok().map(|c| {
            c.fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_owned()))
                .collect()
        })
    }

    /// The backtracking search's answer, for comparison.
    fn search(nodes: &[Node], line: &str) -> Owned {
        owned(search_only(&Program::new(nodes.to_vec()), line))
    }

    fn fast(nodes: &[Node], line: &str) -> Owned {
        owned(run(&Program::new(nodes.to_vec()), line))
    }

    /// The hostile-input sweep's case: the greedy pass took `{?{a:word} }`,
    /// failed on ` end`, and answered with the second alternative, where
    /// the search backtracks into the group and matches the first.
    #[test]
    fn greedy_backs_off_when_a_failed_branch_had_choices() {
        let p = crate::grammar::pattern::parse("{|{?{a:word} }{b:word} end|{c:rest}}").unwrap();
        assert_eq!(
            search(&p, "foo end"),
            Some(vec![("b".to_string(), "foo".to_string())])
        );
        assert_eq!(fast(&p, "foo end"), search(&p, "foo end"));
    }

    fn pattern() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just(" ".to_string()),
            Just(" end".to_string()),
            Just("{x:word}".to_string()),
            Just("{n:int}".to_string()),
            Just("{r:rest}".to_string()),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            let seq = proptest::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat());
            prop_oneof![
                seq.clone(),
                seq.clone().prop_map(|s| format!("{{?{s}}}")),
                (seq.clone(), seq).prop_map(|(a, b)| format!("{{|{a}|{b}}}")),
            ]
        })
    }

    fn agree(p: &str, line: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let Ok(nodes) = crate::grammar::pattern::parse(p) else {
            return Ok(());
        };
        proptest::prop_assert_eq!(
            fast(&nodes, line),
            search(&nodes, line),
            "{} on {:?}",
            p,
            line
        );
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]
        /// The greedy fast path answers as the backtracking search does.
        #[test]
        fn greedy_and_search_agree_on_random_patterns(p in pattern(), line in "[ab 1]{0,4}( end)?[ab1 ]{0,3}") {
            agree(&p, &line)?;
        }

        /// Running shared beginnings once answers as trying each pattern does.
        #[test]
        fn run_first_agrees_with_each_in_turn(ps in patterns(), line in "[ab 1]{0,5}( end)?[ab1 ]{0,3}") {
            first_agrees(&ps, &line)?;
        }
    }

    /// Patterns that begin alike (a shared head, then their own tails,
    /// some with a middle that others share too: beginnings inside
    /// beginnings), and, anywhere among them, one that may not.
    fn patterns() -> impl proptest::strategy::Strategy<Value = Vec<String>> {
        use proptest::prelude::*;
        (
            pattern(),
            proptest::collection::vec(pattern(), 1..3),
            proptest::collection::vec((0usize..3, pattern()), 1..5),
            proptest::option::of(pattern()),
            0usize..5,
        )
            .prop_map(|(head, mids, tails, other, at)| {
                let mut all: Vec<String> = tails
                    .iter()
                    .map(|(m, t)| match mids.get(*m) {
                        Some(mid) => format!("{head}{mid}{t}"),
                        None => format!("{head}{t}"),
                    })
                    .collect();
                if let Some(o) = other {
                    all.insert(at.min(all.len()), o);
                }
                all
            })
    }

    /// `run_first` against trying each pattern with `run` in turn.
    fn first_agrees(ps: &[String], line: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let Ok(progs) = ps
            .iter()
            .map(|p| crate::grammar::pattern::parse(p).map(Program::new))
            .collect::<Result<Vec<_>, _>>()
        else {
            return Ok(());
        };
        let shared = Shared::new(&progs, |p| p);
        let mut expect = Err(NoMatch { offset: 0 });
        for (i, p) in progs.iter().enumerate() {
            match run(p, line) {
                Ok(c) => {
                    expect = Ok((i, c.fields, c.stamp));
                    break;
                }
                Err(e) => {
                    let furthest = expect.as_ref().err().map_or(0, |f: &NoMatch| f.offset);
                    expect = Err(NoMatch {
                        offset: furthest.max(e.offset),
                    });
                }
            }
        }
        let got = run_first(&progs, |p| p, &shared, line).map(|(i, c)| (i, c.fields, c.stamp));
        proptest::prop_assert_eq!(got, expect, "{:?} on {:?}", ps, line);
        Ok(())
    }

    #[test]
    fn shared_beginnings_are_found() {
        let progs: Vec<Program> = [
            "[{|{ts:epoch}|{ts:ctime}}] SERVICE ALERT: {msg:rest}",
            "[{|{ts:epoch}|{ts:ctime}}] HOST ALERT: {msg:rest}",
            "{a:word} {b:rest}",
            "[{|{ts:epoch}|{ts:ctime}}] {msg:rest}",
        ]
        .iter()
        .map(|p| Program::new(crate::grammar::pattern::parse(p).unwrap()))
        .collect();
        let shared = Shared::new(&progs, |p| p);
        // `[`, the stamp's choice, `]`, the blank; the third shares nothing.
        assert_eq!(shared.lengths(), [4, 4, 0, 4]);
        let line = "[1489039219] HOST ALERT: web01;DOWN";
        let (i, c) = run_first(&progs, |p| p, &shared, line).unwrap();
        assert_eq!(i, 1);
        assert_eq!(c.fields[0].0, "ts");
        assert_eq!(c.fields[1], ("msg", "web01;DOWN".into()));
        // A stamp no pattern reads fails every pattern at the same place.
        let bad = "[nope] HOST ALERT: x";
        assert_eq!(
            run_first(&progs, |p| p, &shared, bad).map(|(i, _)| i),
            Ok(2),
            "the pattern without the bracket still reads it"
        );
    }

    /// Beginnings inside beginnings (`[time] `, then `[time] SERVICE `):
    /// each pattern reads from the longest it shares, and the answers,
    /// captures and the furthest offset of a line none reads are those of
    /// each pattern in turn.
    #[test]
    fn beginnings_inside_beginnings() {
        let texts = [
            "[{|{ts:epoch}|{ts:ctime}}] SERVICE ALERT: {msg:rest}",
            "[{|{ts:epoch}|{ts:ctime}}] HOST ALERT: {msg:rest}",
            "[{|{ts:epoch}|{ts:ctime}}] SERVICE NOTIFICATION: {msg:rest}",
            "[{|{ts:epoch}|{ts:ctime}}] EXTERNAL COMMAND: {msg:rest}",
            "[{|{ts:epoch}|{ts:ctime}}] {msg:rest}",
        ];
        let progs: Vec<Program> = texts
            .iter()
            .map(|p| Program::new(crate::grammar::pattern::parse(p).unwrap()))
            .collect();
        let shared = Shared::new(&progs, |p| p);
        // `[`, the stamp, `]`, a blank; then `SERVICE` and a blank.
        assert_eq!(shared.lengths(), [6, 4, 6, 4, 4]);
        for line in [
            "[1489039219] SERVICE NOTIFICATION: a;b",
            "[1489039219] EXTERNAL COMMAND: X;y",
            "[1489039219] SERVICE CHECK: z",
            "[Tue Jan 12 00:00:00 2016] HOST ALERT: h;DOWN",
            "[1489039219]  two blanks",
            "[nope] SERVICE ALERT: x",
            "[1489039219]",
            "",
        ] {
            let texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
            first_agrees(&texts, line).unwrap();
        }
        let (i, c) = run_first(&progs, |p| p, &shared, "[1489039219] SERVICE CHECK: z").unwrap();
        assert_eq!(i, 4);
        assert_eq!(c.fields[1], ("msg", "SERVICE CHECK: z".into()));
        // No pattern reads it: the furthest any got, as each in turn.
        let bad = "[1489039219x";
        assert_eq!(
            run_first(&progs, |p| p, &shared, bad).map(|(i, _)| i),
            Err(NoMatch { offset: 11 })
        );
    }

    /// An optional group that took what the rest needed is skipped by the
    /// greedy pass itself: Cisco's `%SEC-6-IPACCESSLOGP` once sent every
    /// line to the backtracking search.
    #[test]
    fn greedy_skips_a_group_nothing_can_follow() {
        let p = crate::grammar::pattern::parse(
            "%{facility:until(\"-\")}-{?{sub:until(\"-\")}-}{severity:int}-{mnemonic:ident}: {msg:rest}",
        )
        .unwrap();
        let prog = Program::new(p.clone());
        let line = "%SEC-6-IPACCESSLOGP: list denied";
        let mut m = Matcher::new(line, Reading::Whole);
        let mut caps = Captures::default();
        let end = m.greedy(&prog.steps, 0, &mut caps);
        assert_eq!(end, Some(line.len()), "the greedy pass reads the line");
        assert_eq!(fast(&p, line), search(&p, line));
        // With a sub-facility the group stays.
        let line = "%ETHPORT-SUB-5-IF_DOWN: x";
        assert_eq!(fast(&p, line), search(&p, line));
        assert_eq!(fast(&p, line).unwrap()[1], ("sub".into(), "SUB".into()));
    }

    /// A group whose only path led nowhere is skipped, but not one with a
    /// choice left inside: `{|a|{g:word}}` first reads `a`, which nothing
    /// after the group can follow, and the search then reads the word —
    /// skipping the group would read the line without it.
    #[test]
    fn a_dead_end_with_a_choice_left_goes_to_the_search() {
        let p = crate::grammar::pattern::parse("{?{|a|{g:word}}}{|ab b| b}").unwrap();
        assert_eq!(
            search(&p, "ab b"),
            Some(vec![("g".to_string(), "ab".to_string())])
        );
        assert_eq!(fast(&p, "ab b"), search(&p, "ab b"));
    }

    /// A pattern that shares nothing, tried between two that share a
    /// beginning, overwrites the captures of that beginning: the second is
    /// read from its own beginning again, not from the other's captures.
    #[test]
    fn a_pattern_between_two_that_share_does_not_lend_its_captures() {
        let progs: Vec<Program> = [
            "{a:word} {b:word} x",
            "{n:int} {m:word} q",
            "{a:word} {b:word} y",
        ]
        .iter()
        .map(|p| Program::new(crate::grammar::pattern::parse(p).unwrap()))
        .collect();
        let shared = Shared::new(&progs, |p| p);
        assert_eq!(shared.lengths(), [4, 0, 4]);
        let (i, c) = run_first(&progs, |p| p, &shared, "12 bar y").unwrap();
        assert_eq!(i, 2);
        assert_eq!(c.fields, [("a", "12".into()), ("b", "bar".into())]);
    }

    /// What a pattern captured before it failed is not left for the next
    /// pattern that shares its beginning.
    #[test]
    fn a_failed_pattern_leaves_no_captures_behind() {
        let progs: Vec<Program> = ["{a:word} {b:word} x", "{a:word} {c:word} y"]
            .iter()
            .map(|p| Program::new(crate::grammar::pattern::parse(p).unwrap()))
            .collect();
        let shared = Shared::new(&progs, |p| p);
        assert_eq!(shared.lengths(), [2, 2]);
        let (i, c) = run_first(&progs, |p| p, &shared, "foo bar y").unwrap();
        assert_eq!(i, 1);
        assert_eq!(c.fields, [("a", "foo".into()), ("c", "bar".into())]);
    }

    /// A BSD stamp can lead with its year (`2017 Mar  9 ...`), which the
    /// first sets once left out: the greedy pass would then take the stamp
    /// for something nothing can follow, skip the host before it, and lose
    /// the line.
    #[test]
    fn a_bsd_stamp_may_start_with_a_digit() {
        let p = crate::grammar::pattern::parse("{?{host:word} }{ts:bsd}: {msg:rest}").unwrap();
        let line = "sw1 2017 Mar  9 00:00:03: x";
        assert_eq!(search(&p, line).unwrap()[0], ("host".into(), "sw1".into()));
        assert_eq!(fast(&p, line), search(&p, line));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 20_000, ..Default::default() })]
        /// The same with a larger budget (`cargo test -- --ignored`).
        #[test]
        #[ignore]
        fn greedy_and_search_agree_on_random_patterns_long(p in pattern(), line in "[ab 1]{0,6}( end)?[ab1 ]{0,4}") {
            agree(&p, &line)?;
        }

        #[test]
        #[ignore]
        fn run_first_agrees_with_each_in_turn_long(ps in patterns(), line in "[ab 1]{0,6}( end)?[ab1 ]{0,4}") {
            first_agrees(&ps, &line)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::pattern::parse;

    fn prog(p: &str) -> Result<Program, crate::grammar::pattern::PatternError> {
        parse(p).map(Program::new)
    }

    #[test]
    fn cisco_line() {
        let p = prog("{?{seq:int}: }{?{sync:oneof('*.')}}{ts:bsd} {tz:abbrev}: %{facility:until('-')}-{severity:int}-{mnemonic:until(':')}: {msg:rest}").unwrap();
        let c = run(&p, "000123: *Feb 22 21:56:03.120 CST: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.5)").unwrap();
        let f: Vec<_> = c.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            f,
            [
                "seq=000123",
                "sync=*",
                "ts=Feb 22 21:56:03.120",
                "tz=CST",
                "facility=SYS",
                "severity=5",
                "mnemonic=CONFIG_I",
                "msg=Configured from console by admin on vty0 (10.0.0.5)"
            ]
        );
        assert!(matches!(c.stamp, Some(Stamp::Wall(_))));
        // Without sequence number and sync marker.
        let c = run(&p, "Feb 22 21:56:03 CST: %LINK-3-UPDOWN: x").unwrap();
        assert_eq!(
            (c.fields[0].0, c.fields[0].1.as_ref()),
            ("ts", "Feb 22 21:56:03")
        );
    }

    #[test]
    fn failure_reports_furthest_offset() {
        let p = prog("[{ts:epoch}] SERVICE ALERT: {rest:rest}").unwrap();
        let e = run(&p, "[1487822220] HOST ALERT: x").unwrap_err();
        assert_eq!(e.offset, 13);
        let e = run(&p, "garbage").unwrap_err();
        assert_eq!(e.offset, 0);
    }

    #[test]
    fn trailing_text_fails_unless_blank() {
        let p = prog("{a:int}").unwrap();
        assert!(run(&p, "12  ").is_ok());
        assert_eq!(run(&p, "12x").unwrap_err().offset, 2);
    }

    fn fields(p: &str, line: &str) -> Vec<String> {
        let p = prog(p).unwrap();
        let c = run(&p, line).unwrap_or_else(|e| panic!("no match at {}: {line}", e.offset));
        c.fields.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    #[test]
    fn backtracks_into_optional_groups() {
        // `{?{host:host}: }` first takes "Jul" as a host, fails at "14", and
        // is retried without the group.
        let p = "{?{host:host}: }{?{seq:int}: }{ts:bsd}: {msg:rest}";
        assert_eq!(
            fields(p, "Jul 14 08:23:43: x"),
            ["ts=Jul 14 08:23:43", "msg=x"]
        );
        assert_eq!(
            fields(p, "sw01: 12: Jul 14 08:23:43: x"),
            ["host=sw01", "seq=12", "ts=Jul 14 08:23:43", "msg=x"]
        );
        // All digits is a sequence number, never a host.
        assert_eq!(
            fields(p, "3132513: Jul 14 08:23:43: x"),
            ["seq=3132513", "ts=Jul 14 08:23:43", "msg=x"]
        );
        // An IPv6 host keeps its own colons.
        assert_eq!(
            fields(p, "2a02:cf40::: 5: Jul 14 08:23:43: x")[0],
            "host=2a02:cf40::"
        );
    }

    #[test]
    fn choices_in_order() {
        let p = "<{pri:int}>1 {|-|{ts:iso}} {|- |{host:word} }{|-|{sd:sd}}{? {msg:rest}}";
        assert_eq!(fields(p, "<13>1 - - - x"), ["pri=13", "msg=x"]);
        assert_eq!(
            fields(
                p,
                r#"<13>1 2003-10-11T22:14:15.003Z h [a@1 b="\"]\\" c="d"][e f="g"] m"#
            ),
            [
                "pri=13",
                "ts=2003-10-11T22:14:15.003Z",
                "host=h",
                r#"sd=[a@1 b="\"]\\" c="d"][e f="g"]"#,
                "msg=m"
            ]
        );
        // "-x" is a host, not NILVALUE then garbage.
        assert_eq!(fields(p, "<13>1 - -x -")[1], "host=-x");
    }

    /// Every length up to four chunks and more, quotes anywhere: the
    /// count a filter gives.
    #[test]
    fn quotes_in_counts_every_quote() {
        for len in 0..70 {
            for seed in 0..40u32 {
                let s: Vec<u8> = (0..len as u32)
                    .map(|k| match (k * 7 + seed * 13 + k * k * seed) % 5 {
                        0 => b'"',
                        _ => b'a',
                    })
                    .collect();
                let want = s.iter().filter(|&&b| b == b'"').count();
                assert_eq!(quotes_in(&s), want, "{:?}", String::from_utf8_lossy(&s));
            }
            let all = vec![b'"'; len];
            assert_eq!(quotes_in(&all), len);
        }
    }

    #[test]
    fn structured_data_jumps_as_the_byte_walk_did() {
        // The byte-at-a-time walk: the reference.
        fn walk(s: &str) -> Option<usize> {
            let b = s.as_bytes();
            let mut k = 0;
            while b.get(k) == Some(&b'[') {
                let mut j = k + 1;
                let id = b[j..]
                    .iter()
                    .take_while(|&&c| c > b' ' && c != b'=' && c != b']' && c != b'"')
                    .count();
                if id == 0 {
                    return None;
                }
                j += id;
                let mut quoted = false;
                loop {
                    match (b.get(j)?, quoted) {
                        (b'\\', true) => j += 2,
                        (b'"', q) => {
                            quoted = !q;
                            j += 1
                        }
                        (b']', false) => break,
                        _ => j += 1,
                    }
                }
                k = j + 1;
            }
            (k > 0).then_some(k)
        }
        // Every string up to 7 bytes over the bytes that matter.
        let alphabet = [b'[', b']', b'"', b'\\', b'a', b'=', b' '];
        let mut n = 0;
        for len in 0..=7u32 {
            for code in 0..alphabet.len().pow(len) {
                let mut c = code;
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        let b = alphabet[c % alphabet.len()];
                        c /= alphabet.len();
                        b
                    })
                    .collect();
                let s = std::str::from_utf8(&s).unwrap();
                assert_eq!(structured_data(s), walk(s), "{s:?}");
                n += 1;
            }
        }
        assert!(n > 900_000);
        // And longer ones, past the 16 bytes read a word at a time:
        // pseudo-random strings of 8 to 80 bytes over the same alphabet,
        // then over one where the bytes that matter are rarer, so that an
        // element's `]` is often past the first 16 bytes with quotes on
        // both sides of a block's edge (`plain_close`).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let sparse = *b"[]\"\\= abcdefghij";
        for alphabet in [&alphabet[..], &sparse[..]] {
            for _ in 0..200_000 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let len = 8 + (state % 73) as usize;
                let mut bits = state;
                let s: Vec<u8> = (0..len)
                    .map(|k| {
                        if k % 15 == 14 {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            bits = state;
                        }
                        let b = alphabet[(bits % alphabet.len() as u64) as usize];
                        bits /= alphabet.len() as u64;
                        b
                    })
                    .collect();
                let mut s = String::from_utf8(s).unwrap();
                s.insert(0, '[');
                assert_eq!(structured_data(&s), walk(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn structured_data_shapes() {
        assert_eq!(structured_data(r#"[a b="1"] m"#), Some(9));
        assert_eq!(structured_data(r#"[a b= "1" c="]"] m"#), Some(16));
        assert_eq!(structured_data("[a]"), Some(3));
        assert_eq!(structured_data(r#"[a b="1"#), None);
        assert_eq!(structured_data("[] x"), None);
        assert_eq!(structured_data("- x"), None);
    }

    #[test]
    fn ranged_ints() {
        let pri = CapType::IntIn(0, 191);
        assert_eq!(capture(&pri, "0>"), Some((1, None)));
        assert_eq!(capture(&pri, "191>"), Some((3, None)));
        assert_eq!(capture(&pri, "192>"), None);
        assert_eq!(capture(&pri, "4096>"), None);
        assert_eq!(capture(&pri, "99999999999999999999999>"), None);
        assert_eq!(capture(&pri, ">"), None);
        let p = prog("<{pri:int('0-191')}>{msg:rest}").unwrap();
        assert!(run(&p, "<191>x").is_ok());
        assert_eq!(run(&p, "<192>x").unwrap_err().offset, 1);
    }

    #[test]
    fn tags_are_not_json() {
        assert_eq!(tag("sshd[1]: x"), Some(4));
        assert_eq!(tag("sshd(pam_unix)[1]: x"), Some(14));
        assert_eq!(tag(r#"{"username": "admin"}"#), None);
        assert_eq!(tag(r#""quoted": x"#), None);
        assert_eq!(tag(": x"), None);
    }

    #[test]
    fn levels() {
        assert_eq!(level("INFO x"), Some(4));
        assert_eq!(level("warn] x"), Some(4));
        assert_eq!(level("Information x"), None);
        assert_eq!(level("GET /"), None);
    }

    #[test]
    fn uptimes() {
        assert_eq!(uptime("2y10w: %F"), Some(5));
        assert_eq!(uptime("1d02h: x"), Some(5));
        assert_eq!(uptime("00:00:46: x"), Some(8));
        assert_eq!(uptime("AEST: x"), None);
        assert_eq!(uptime("12: x"), None);
        assert_eq!(uptime("2y10wx: x"), None);
    }

    #[test]
    fn event_and_host_types() {
        assert_eq!(event("UI_COMMIT: x"), Some(9));
        assert_eq!(event("SNMP_TRAP_LINK_DOWN: x"), Some(19));
        assert_eq!(event("ACPI: x"), None);
        assert_eq!(event("Ui_COMMIT: x"), None);
        assert_eq!(host("192.168.100.2 x"), Some(13));
        assert_eq!(host("12345: x"), None);
    }

    #[test]
    fn offset_labels_become_offsets() {
        let p = prog("{ts:bsd} {tz:abbrev}: {msg:rest}").unwrap();
        let c = run(&p, "May 6 2021 16:13:09.123 UTC+07:30: x").unwrap();
        assert!(matches!(
            c.stamp,
            Some(Stamp::Offset {
                offset_s: 27000,
                ..
            })
        ));
        let c = run(&p, "May 6 16:13:09.123 UTC+07:30: x").unwrap();
        assert!(matches!(c.stamp, Some(Stamp::Wall(_))));
        let c = run(&p, "May 6 16:13:09.123 CEST: x").unwrap();
        assert!(matches!(c.stamp, Some(Stamp::Wall(_))));
    }

    #[test]
    fn the_step_budget_bounds_hostile_patterns() {
        // 2^40 readings of a line that never matches: the budget stops it.
        let p = prog(&format!("{}b", "{?a}".repeat(40))).unwrap();
        let line = "a".repeat(40);
        let t = std::time::Instant::now();
        assert!(run(&p, &line).is_err());
        assert!(t.elapsed().as_secs() < 5);
    }
}
