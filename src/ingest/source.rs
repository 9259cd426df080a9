//! Parsing one source in full: lines → records → classified, timed events.
//!
//! Streams the file; keeps only the events the command asked for plus a
//! bounded list of parse failures, and counts every line.

use super::plan::SourcePlan;
use crate::bundle::read;
use crate::config::Keep;
use crate::error::{Error, Result};
use crate::event::{Kind, Text, TimedEvent};
use crate::evidence::Evidence;
use crate::finding::{Finding, FindingCode};
use crate::grammar::keywords::{Keywords, Marks};
use crate::grammar::record::{ParseFailure, Record};
use crate::grammar::{Grammar, Reading};
use crate::time::resolve::{SourceClock, TimeIssue, TimeSummary, Timed};
use crate::time::stamp::Stamp;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

mod part;
mod share;
pub use part::{merge_parts, run_part, Partial};
pub use share::{read_shared, Job, Sharing};

/// Parse failures kept per source (all are counted).
pub const FAILURES_KEPT: usize = 100;

/// Largest document (JSON export) read whole.
const MAX_DOCUMENT: u64 = 64 << 20;

/// A source's line in the analysis `sources` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    pub path: String,
    pub grammar: Option<String>,
    pub zone: String,
    pub lines: u64,
    pub parsed: u64,
    pub unparsed: u64,
    /// How the source's instants were obtained, over every timed line.
    pub time: TimeSummary,
}

/// Everything one source yielded.
#[derive(Debug, Clone)]
pub struct SourceResult {
    pub summary: SourceSummary,
    pub failures: Vec<ParseFailure>,
    /// Sorted by instant (stable: file order among equals); packed as
    /// they are read, so a storm's source never holds its events as
    /// 32-byte `TimedEvent`s (issue 16).
    pub events: crate::timeline::Timeline,
    /// In order; the cases `align` may still decide are typed notes.
    pub findings: Vec<crate::time::note::Slot>,
    /// Stretches with no line at all, when the source usually writes at
    /// least every minute: a monitor that said nothing was not watching.
    pub silences: Vec<crate::time::resolve::Silence>,
    /// The source's usual cadence: the upper bound, in seconds, of the
    /// bucket holding its median gap between lines (`None`: too few).
    pub cadence_s: Option<i64>,
    /// Device time minus envelope (collector) time, for sources whose lines
    /// carry both: the raw material of a `clock-skew` estimate.
    pub envelope: EnvelopeSkew,
    /// An access log's requests per subject and bucket.
    pub rates: Option<crate::rates::SourceRates>,
    /// The user names its grammar's rules read (`grammar::rules::USER_FIELDS`),
    /// from every line, kept or not: what `--redact` hides.
    pub users: std::collections::BTreeSet<String>,
    /// The plain file its events' lines are read back from
    /// (`Text::At`); `None` when they hold their lines or none.
    pub origin: Option<crate::bundle::lines::Origin>,
}

/// Samples of device time − collector time, in milliseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EnvelopeSkew {
    pub samples: Vec<i64>,
    /// The first few (line, difference) pairs, for the finding.
    pub examples: Vec<(u64, i64)>,
}

/// Samples kept per source (enough for a stable median).
const SKEW_SAMPLES: usize = 20_000;

struct State<'p> {
    plan: &'p SourcePlan,
    file: Arc<str>,
    host: Option<crate::event::Name>,
    keep: Keep,
    clock: SourceClock,
    lines: u64,
    parsed: u64,
    failures: Vec<ParseFailure>,
    unparsed: u64,
    no_year: u64,
    /// Lines placed outside the years rfo accepts: (count, first line, year).
    out_of_range: (u64, Option<(u64, i32)>),
    /// Lines whose date does not exist: (count, first line and why).
    invalid_date: (u64, Option<(u64, String)>),
    events: crate::timeline::Builder,
    document: bool,
    /// The collector's clock, for envelope times (`recv`).
    recv_clock: SourceClock,
    envelope: EnvelopeSkew,
    rates: Option<crate::rates::SourceRates>,
    users: std::collections::BTreeSet<String>,
    /// Hosts, subjects and states, each held once however many events name it.
    names: crate::event::Names,
    /// Time provenances, each held once.
    provenances: crate::time::provenance::Provenances,
    /// What events say about whom, each held once.
    whos: crate::event::Whos,
    /// Set when kept lines are left in their file (`Text::At`), not copied.
    origin: Option<crate::bundle::lines::Origin>,
    /// The events' summaries, into compressed blocks.
    summaries: crate::event::Packer,
}

impl<'p> State<'p> {
    fn new(plan: &'p SourcePlan, keep: Keep) -> State<'p> {
        State {
            plan,
            file: Arc::from(plan.file.rel.as_str()),
            host: plan.host.as_deref().map(crate::event::Name::from),
            keep,
            clock: plan.clock(),
            lines: 0,
            parsed: 0,
            failures: Vec::new(),
            unparsed: 0,
            no_year: 0,
            out_of_range: (0, None),
            invalid_date: (0, None),
            events: crate::timeline::Builder::default(),
            document: false,
            recv_clock: plan.clock(),
            envelope: EnvelopeSkew::default(),
            rates: None,
            users: Default::default(),
            names: crate::event::Names::default(),
            provenances: Default::default(),
            whos: crate::event::Whos::default(),
            origin: None,
            summaries: crate::event::Packer::default(),
        }
    }

    /// Take in a later stretch of the same file.
    fn absorb(&mut self, mut later: State<'p>) {
        match (&mut self.rates, later.rates.take()) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, theirs) => *mine = theirs,
            _ => {}
        }
        self.clock.absorb(later.clock);
        self.recv_clock.absorb(later.recv_clock);
        self.lines += later.lines;
        self.parsed += later.parsed;
        self.unparsed += later.unparsed;
        self.no_year += later.no_year;
        self.out_of_range.0 += later.out_of_range.0;
        if self.out_of_range.1.is_none() {
            self.out_of_range.1 = later.out_of_range.1;
        }
        self.invalid_date.0 += later.invalid_date.0;
        if self.invalid_date.1.is_none() {
            self.invalid_date.1 = later.invalid_date.1;
        }
        let room = FAILURES_KEPT.saturating_sub(self.failures.len());
        self.failures.extend(later.failures.into_iter().take(room));
        if let (Some(mine), Some(theirs)) = (&mut self.origin, later.origin) {
            mine.absorb(theirs);
        }
        self.take_events(later.events.finish());
        self.users.append(&mut later.users);
        let room = SKEW_SAMPLES.saturating_sub(self.envelope.samples.len());
        self.envelope
            .samples
            .extend(later.envelope.samples.into_iter().take(room));
        let room = 3usize.saturating_sub(self.envelope.examples.len());
        self.envelope
            .examples
            .extend(later.envelope.examples.into_iter().take(room));
    }

    /// A later stretch's events after this one's, their `Who`s made
    /// this stretch's: each stretch interns its own names and `Who`s, and
    /// a storm's six stretches held each of its 4,000 `Who`s six times,
    /// 2 MiB at the peak (issue 16).
    fn take_events(&mut self, later: crate::timeline::Timeline) {
        let mut mine: rustc_hash::FxHashMap<usize, Arc<crate::event::Who>> = Default::default();
        for e in later.iter() {
            let who = mine
                .entry(Arc::as_ptr(e.who).addr())
                .or_insert_with(|| {
                    let name = |n: &Option<crate::event::Name>, names: &mut crate::event::Names| {
                        n.as_deref().map(|n| names.get(n))
                    };
                    let w = crate::event::Who {
                        file: self.file.clone(),
                        host: name(&e.who.host, &mut self.names),
                        subject: name(&e.who.subject, &mut self.names),
                        state: name(&e.who.state, &mut self.names),
                        provenance: self.provenances.get(
                            crate::time::provenance::Provenance::clone(&e.who.provenance),
                        ),
                        ..crate::event::Who::clone(e.who)
                    };
                    self.whos.get(w)
                })
                .clone();
            self.events.push(TimedEvent {
                who,
                ..e.to_event()
            });
        }
    }

    fn fail(&mut self, line: u64, column: usize, text: &str) {
        self.unparsed += 1;
        if self.failures.len() < FAILURES_KEPT {
            self.failures.push(ParseFailure {
                line,
                column,
                reason: None,
                text: text.chars().take(500).collect(),
            });
        }
    }

    /// Whether a line the prefilter rules out is settled, `info` with
    /// nothing to keep (see `record`): in a run that keeps what matters,
    /// of a grammar that counts no requests.
    fn settles(&self, g: &Grammar) -> bool {
        self.keep == Keep::Significant && g.requests.is_none()
    }

    /// `at`: where `text` is in the file, for a line read from one.
    /// `could`: the prefilter's verdict on `text`, when a scan of its
    /// stretch gave it (`Marked`).
    fn record(
        &mut self,
        g: &Grammar,
        rec: &Record,
        text: Option<&str>,
        at: Option<read::LineAt>,
        could: Option<bool>,
    ) {
        let Some(stamp) = rec.stamp else {
            self.fail(rec.line, 1, text.unwrap_or("(record without a timestamp)"));
            return;
        };
        let could = match could {
            Some(could) => {
                debug_assert_eq!(Some(could), text.map(|t| g.could_classify(t)));
                could
            }
            None => text.is_none_or(|t| g.could_classify(t)),
        };
        // A line the prefilter settled, in a run that keeps what matters,
        // is `info` with nothing to keep: its time is all it adds, and no
        // class is built and dropped for it.
        let settled = !could && self.settles(g);
        let host = self.plan.host.as_deref();
        let mut class = (!settled).then(|| g.classify_settled(rec, host, could));
        if let Some(c) = &mut class {
            self.users.extend(c.users.drain(..));
        }
        // Every line is resolved: DST folds and order are decided by all.
        // A settled line's provenance is not read (nor, as `settles`
        // says, is a request counted from it): its instant alone. Its own
        // branch, though it samples the envelope as the other does: one
        // flow carrying an `Option<Timed>` cost 42 M instructions more on
        // the bench bundle (issue 16).
        let label = g.label(rec);
        let Some(class) = class else {
            match self.clock.instant(&stamp, label, rec.line) {
                Ok(instant) => {
                    if let Some(recv) = g.received(rec) {
                        self.sample_envelope(instant, recv, rec.line);
                    }
                    self.parsed += 1;
                }
                Err(e) => self.time_issue(e, rec.line, text),
            }
            return;
        };
        let timed = match self.clock.resolve(&stamp, label, rec.line) {
            Ok(t) => t,
            Err(e) => return self.time_issue(e, rec.line, text),
        };
        if let Some(recv) = g.received(rec) {
            self.sample_envelope(timed.instant, recv, rec.line);
        }
        if let Some(req) = &g.requests {
            self.request(req, rec, &timed);
        }
        // Info with a state (a monitor stopping, a status page's claim, a
        // state at rotation) is kept: windows need it.
        if class.kind == Kind::Info
            && class.state.is_none()
            && class.signal.is_none()
            && self.keep == Keep::Significant
        {
            self.parsed += 1;
            return;
        }
        self.parsed += 1;
        let host = rec
            .get("host")
            .map(|h| self.names.get(h))
            .or_else(|| self.host.clone());
        let subject = match class.subject {
            Some(s) => Some(self.names.get(&s)),
            None if class.kind != Kind::Info => Some(match &host {
                Some(h) => h.clone(),
                None => self.names.get("?"),
            }),
            None => None,
        };
        let state = class.state.map(|s| self.names.get(&s));
        let line_text = text.filter(|_| self.keep == Keep::All).map(|t| {
            match at.filter(|_| self.origin.is_some()) {
                Some(at) => Text::at(at, t),
                None => Text::held(t),
            }
        });
        let summary = match class.summary {
            Some(s) => self.summaries.pack_with(&s, line_text),
            None => self
                .summaries
                .pack_with(rec.get("msg").or(text).unwrap_or_default(), line_text),
        };
        let who = self.whos.get(crate::event::Who {
            file: self.file.clone(),
            source: self.plan.index,
            role: g.role,
            kind: class.kind,
            host,
            subject,
            state,
            signal: class.signal,
            precision_ms: stamp.precision_ms(),
            provenance: self.provenances.get(timed.provenance),
            operator: class.operator.map(Arc::new),
        });
        self.events.push(TimedEvent {
            instant: timed.instant,
            line: crate::event::line32(rec.line),
            who,
            summary,
        });
    }

    /// Count an access log's request into its subject's bucket.
    fn request(&mut self, req: &crate::grammar::spec::RequestsSpec, rec: &Record, timed: &Timed) {
        let Some(r) = crate::rates::Request::read(rec, req) else {
            return;
        };
        // A dotted subject (`request.host`) is a member of a JSON field.
        let dotted = match r.subject {
            Some(_) => None,
            None => crate::rates::dotted_subject(rec, req),
        };
        // Disjoint borrows: nothing is cloned per request.
        let State {
            rates,
            host,
            file,
            plan,
            ..
        } = self;
        let subject = r
            .subject
            .or(dotted.as_deref())
            .or(host.as_deref())
            .unwrap_or(file);
        let rates =
            rates.get_or_insert_with(|| crate::rates::SourceRates::new(file.clone(), plan.rates));
        rates.add(
            subject,
            timed.instant,
            &timed.provenance,
            r.status,
            r.latency_us,
            crate::event::line32(rec.line),
        );
    }

    /// Device time against the collector's envelope time on the same line.
    /// The device's instant (as the source clock placed it) against the
    /// collector's envelope time on the same line. The collector's clock
    /// sees every envelope line, so its own rollovers and folds hold.
    fn sample_envelope(&mut self, device: chrono::DateTime<chrono::Utc>, recv: &str, line: u64) {
        let recv_stamp = match crate::time::stamp::bsd(recv) {
            Ok((_, w)) => Stamp::Wall(w),
            Err(_) => match crate::time::stamp::iso_t(recv) {
                Ok((_, st)) => st,
                Err(_) => return,
            },
        };
        let Ok(r) = self.recv_clock.resolve(&recv_stamp, None, line) else {
            return;
        };
        if self.envelope.samples.len() >= SKEW_SAMPLES {
            return;
        }
        let diff = (device - r.instant).num_milliseconds();
        self.envelope.samples.push(diff);
        if self.envelope.examples.len() < 3 {
            self.envelope.examples.push((line, diff));
        }
    }

    fn time_issue(&mut self, e: TimeIssue, line: u64, text: Option<&str>) {
        match e {
            TimeIssue::NoYear => self.no_year += 1,
            TimeIssue::OutOfRange(year) => {
                self.out_of_range.0 += 1;
                self.out_of_range.1.get_or_insert((line, year));
            }
            TimeIssue::InvalidDate(why) => {
                self.invalid_date.0 += 1;
                self.invalid_date.1.get_or_insert((line, why));
            }
        }
        self.fail(line, 1, text.unwrap_or("(timestamp not a real date)"));
    }
}

/// Parse one planned source.
pub fn run(
    plan: &SourcePlan,
    grammar: Option<&Grammar>,
    keep: Keep,
    progress: Option<&indicatif::ProgressBar>,
    chunk_bytes: u64,
) -> Result<SourceResult> {
    let mut st = State::new(plan, keep);
    let path = &plan.file.abs;
    match grammar {
        None => {
            st.lines = read::for_each_line(&mut *read::open(path)?, path, |_| {})?;
            st.unparsed = st.lines;
        }
        Some(g) if g.is_document() => document(&mut st, g)?,
        Some(g) => {
            // Taken before the parse, so that a later read back can tell
            // the file is the one parsed.
            if keep == Keep::All {
                st.origin = crate::bundle::lines::Origin::of(plan.index, path)?;
            }
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            let chunks = if size >= 2 * chunk_bytes {
                read::chunks(path, chunk_bytes)?
            } else {
                None
            };
            match chunks {
                Some(cs) if cs.len() > 1 => st = chunked(plan, keep, g, &cs, progress, &st.origin)?,
                _ => {
                    let whole = read::Chunk {
                        start: 0,
                        end: u64::MAX,
                        first_line: 1,
                    };
                    scan_file(&mut st, g, whole, progress, None)?;
                }
            }
        }
    }
    finish(st, grammar)
}

/// Read `chunk` of the source's file into `st` (`Chunk::end` may be
/// `u64::MAX`: to the end; the whole file may be gzip). When its lines are
/// left in the file, what is read is hashed for the line reader.
fn scan_file(
    st: &mut State,
    g: &Grammar,
    chunk: read::Chunk,
    progress: Option<&indicatif::ProgressBar>,
    known: Option<read::Ending>,
) -> Result<()> {
    let path = &st.plan.file.abs;
    if st.origin.is_none() {
        // The whole file may be gzip; a stretch of one is plain.
        let mut reader = match (chunk.start, chunk.end) {
            (0, u64::MAX) => read::open(path)?,
            _ => read::open_chunk(path, chunk)?,
        };
        return scan(st, g, &mut *reader, chunk, progress, known, &());
    }
    let mut reader = read::open_hashed(path, chunk)?;
    scan(st, g, &mut reader, chunk, progress, known, &())?;
    let stretch = reader.get_ref().stretch();
    if let Some(o) = st.origin.as_mut() {
        o.read(stretch);
    }
    Ok(())
}

/// Read one stretch of lines into `st`; `known`: the file's line ending,
/// for a stretch that starts mid-file; `tail`: where the stretch's lines
/// are told, so an idle thread may take what is left of it. Never inlined:
/// inlined into the shared read's caller, its loop was compiled apart
/// from the whole-file one, with less inlined, and cost two threads 4–7 %
/// more CPU on the bench bundle.
#[inline(never)]
fn scan(
    st: &mut State,
    g: &Grammar,
    reader: &mut dyn std::io::BufRead,
    chunk: read::Chunk,
    progress: Option<&indicatif::ProgressBar>,
    known: Option<read::Ending>,
    tail: &impl share::Tell,
) -> Result<()> {
    let path = st.plan.file.abs.clone();
    let mut pending: u64 = 0;
    // One field vector for the stretch, handed from record to record.
    let mut fields = Vec::new();
    let read = |l: read::Line<'_>, could: Option<bool>| {
        tail.passed(&l);
        if let Some(pb) = progress {
            pending += l.text.len() as u64 + 1;
            if pending >= 1 << 20 {
                pb.inc(pending);
                pending = 0;
            }
        }
        if blank(l.text) {
            st.parsed += 1;
            return;
        }
        if l.truncated {
            st.fail(l.number, read::MAX_LINE + 1, l.text);
            return;
        }
        // A line `record` will settle is read for its time alone: the
        // same match, without the fields nothing will look at.
        let settles = st.settles(g);
        let could = match could {
            None if settles => Some(g.could_classify(l.text)),
            could => could,
        };
        let reading = match (settles, could) {
            (true, Some(false)) => Reading::Time,
            _ => Reading::Whole,
        };
        match g.parse_line_in(
            l.text,
            l.number,
            crate::grammar::record::recycle(std::mem::take(&mut fields)),
            reading,
        ) {
            Ok(rec) => {
                st.record(g, &rec, Some(l.text), Some(l.at), could);
                fields = crate::grammar::record::recycle(rec.fields);
            }
            Err(e) => {
                let column = l.text[..e.offset.min(l.text.len())].chars().count() + 1;
                st.fail(l.number, column, l.text)
            }
        }
    };
    let sink = Marked {
        keywords: g.keywords(),
        marks: Default::default(),
        f: read,
    };
    let n = read::for_each_line_from(reader, &path, chunk.first_line, chunk.start, known, sink)?;
    st.lines += n;
    Ok(())
}

/// Whether a line is all white space, as `str::trim` reads it. One that
/// starts with a printable ASCII byte is not: a byte read, where trimming
/// both ends cost 51 instructions a line (issue 16).
fn blank(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => text.trim().is_empty(),
    }
}

/// Lines with the keyword prefilter's verdict, from one scan of each
/// stretch the reader tells rather than one of each line (issue 16). A
/// line outside every stretch (read across two buffers), decoded lossily
/// or cut gets none, and is scanned alone if it comes to that.
struct Marked<'k, F> {
    keywords: Option<&'k Keywords>,
    marks: Marks,
    f: F,
}

impl<F: FnMut(read::Line<'_>, Option<bool>)> read::LineSink for Marked<'_, F> {
    fn stretch(&mut self, offset: u64, bytes: &[u8]) {
        if let (Some(kw), Some(&stop)) = (self.keywords, bytes.last()) {
            self.marks.stretch(kw, offset, bytes, stop);
        }
    }

    fn line(&mut self, l: read::Line<'_>) {
        let could = match self.keywords {
            Some(_) if !l.lossy && !l.truncated => self.marks.verdict(l.at.offset, l.at.len),
            _ => None,
        };
        (self.f)(l, could)
    }
}

/// A large file in parallel chunks. Each chunk is read from a fresh clock;
/// a chunk whose answers could depend on what came before it (a year
/// rollover, a DST decision, a line earlier than the chunk before) is read
/// again from the real state, so the result is the sequential one.
fn chunked<'p>(
    plan: &'p SourcePlan,
    keep: Keep,
    g: &Grammar,
    chunks: &[read::Chunk],
    progress: Option<&indicatif::ProgressBar>,
    origin: &Option<crate::bundle::lines::Origin>,
) -> Result<State<'p>> {
    use rayon::prelude::*;
    let fresh = || {
        let mut st = State::new(plan, keep);
        st.origin.clone_from(origin);
        st
    };
    let parts: Vec<Result<(read::Chunk, State<'p>)>> = chunks
        .par_iter()
        .map(|c| {
            let mut st = fresh();
            scan_file(&mut st, g, *c, progress, None)?;
            Ok((*c, st))
        })
        .collect();
    in_order(
        parts.into_iter().collect::<Result<Vec<_>>>()?,
        g,
        None,
        &fresh,
    )
}

/// A file's stretches, each read from a fresh clock, put together in file
/// order: one whose answers could depend on the stretches before it is
/// read again from their clock first. `known`: the file's line ending.
fn in_order<'p>(
    parts: Vec<(read::Chunk, State<'p>)>,
    g: &Grammar,
    known: Option<read::Ending>,
    fresh: &dyn Fn() -> State<'p>,
) -> Result<State<'p>> {
    let mut merged: Option<State<'p>> = None;
    for (chunk, mut part) in parts {
        let Some(m) = merged.as_mut() else {
            merged = Some(part);
            continue;
        };
        let carry = m.clock.carry();
        let recv_carry = m.recv_clock.carry();
        if part.clock.depends_on(&carry) || part.recv_clock.depends_on(&recv_carry) {
            part = fresh();
            part.clock.resume(carry);
            part.recv_clock.resume(recv_carry);
            scan_file(&mut part, g, chunk, None, known)?;
        }
        m.absorb(part);
    }
    Ok(merged.unwrap_or_else(fresh))
}

fn document(st: &mut State, g: &Grammar) -> Result<()> {
    let path = &st.plan.file.abs;
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    if size > MAX_DOCUMENT {
        return Err(Error::input(
            path,
            format!("{} bytes is too large for a {} document", size, g.name),
        ));
    }
    // The cap is on the bytes read, not the file's size: a 612 KB
    // `status.json.gz` holding 600 MB once took 1.27 GB to read whole.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(read::open(path)?, MAX_DOCUMENT + 1),
        &mut bytes,
    )
    .map_err(|e| Error::input(path, format!("read error: {e}")))?;
    if bytes.len() as u64 > MAX_DOCUMENT {
        return Err(Error::input(
            path,
            format!(
                "decompresses to more than {} MiB, the limit for a {} document",
                MAX_DOCUMENT >> 20,
                g.name
            ),
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::input(path, format!("not readable as UTF-8 text: {e}")))?;
    let lines: Vec<&str> = text.lines().collect();
    st.lines = lines.len() as u64;
    let recs = g
        .parse_document(&text)
        .map_err(|m| Error::input(path, format!("{} document: {m}", g.name)))?;
    // Several records can share a line (three undatable `created_at` on one
    // line of JSON): count failed lines, not failed records, so `unparsed`
    // never exceeds `lines`.
    let mut failed_lines = std::collections::BTreeSet::new();
    for rec in &recs {
        let line_text = lines
            .get(rec.line.saturating_sub(1) as usize)
            .map(|l| l.trim());
        let before = st.unparsed;
        st.record(g, rec, line_text, None, None);
        if st.unparsed > before {
            failed_lines.insert(rec.line);
        }
    }
    st.unparsed = (failed_lines.len() as u64).min(st.lines);
    // The document parsed as a whole; lines not tied to a record are context.
    st.parsed = st.lines.saturating_sub(st.unparsed);
    // Exports list updates newest first: their order says nothing about clocks.
    st.document = true;
    Ok(())
}

/// A few more unparsed lines after the first, for a reader to look at
/// (`rfo parse` lists them all): `; also lines 52, 103`.
fn sampled(failures: &[ParseFailure]) -> String {
    const MORE: usize = 4;
    let lines: Vec<String> = failures
        .iter()
        .skip(1)
        .take(MORE)
        .map(|f| f.line.to_string())
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let rest = failures.len().saturating_sub(1 + MORE);
    format!(
        "; also {} {}{}",
        if lines.len() == 1 { "line" } else { "lines" },
        lines.join(", "),
        if rest > 0 { ", …" } else { "" }
    )
}

fn finish(mut st: State, grammar: Option<&Grammar>) -> Result<SourceResult> {
    let rel = st.plan.file.rel.clone();
    let time = st.clock.summary();
    let (silences, cadence) = st.clock.silences();
    // Only a source that usually writes every minute or more often can be
    // "silent"; Nagios writing only state changes is merely quiet.
    let silences = if cadence.is_some_and(|c| c <= 59) {
        silences
    } else {
        Vec::new()
    };
    let mut findings = std::mem::replace(
        &mut st.clock,
        SourceClock::new("", st.plan.zone, None, st.plan.overrides.clone()),
    )
    .finish_noted();
    if st.document {
        findings.retain(|f| f.code() != FindingCode::OutOfOrder);
    }
    if st.unparsed > 0 && grammar.is_some() {
        let first = st.failures.first().cloned();
        let mut year_note = if st.no_year > 0 {
            format!(
                " ({} for want of a year: set `year` in bundle.toml or pass --year)",
                st.no_year
            )
        } else {
            String::new()
        };
        if let (n, Some((line, why))) = &st.invalid_date {
            year_note.push_str(&format!(
                " ({n} with a date that does not exist, first at line {line}: {why})"
            ));
        }
        if let (n, Some((line, year))) = st.out_of_range {
            let (lo, hi) = (
                crate::time::resolve::YEARS.start(),
                crate::time::resolve::YEARS.end(),
            );
            year_note.push_str(&format!(
                " ({n} placed outside the years {lo}–{hi}, first at line {line} in year {year}: a clock that far off is no evidence)"
            ));
        }
        findings.push(crate::time::note::Slot::Done(Finding::warning(
            FindingCode::UnparsedLines,
            format!(
                "{rel}: {} of {} not parsed by grammar {}{year_note}{}{}",
                st.unparsed,
                crate::human::count(st.lines, "line"),
                grammar.map(|g| g.name.as_str()).unwrap_or("?"),
                first
                    .as_ref()
                    .map(|f| format!("; first at line {}, column {}", f.line, f.column))
                    .unwrap_or_default(),
                sampled(&st.failures)
            ),
            first.map(|f| Evidence::new(rel.clone(), f.line)),
        )));
    }
    // An access log's rate windows are faults and recoveries like any
    // monitor's (each citing a request line).
    if let (Some(r), Some(g)) = (&st.rates, grammar) {
        let host = st.host.clone();
        for e in crate::rates::detect::events(r, st.plan.index, g.role, host) {
            st.events.push(e);
        }
    }
    // Stable: lines with equal instants keep file order.
    let events = st.events.finish().sorted_by_instant_and_line();
    Ok(SourceResult {
        summary: SourceSummary {
            path: rel,
            grammar: grammar.map(|g| g.name.clone()),
            zone: st.plan.zone.tz.name().to_string(),
            lines: st.lines,
            parsed: st.parsed,
            unparsed: st.unparsed,
            time,
        },
        failures: st.failures,
        events,
        findings,
        silences,
        cadence_s: cadence,
        envelope: st.envelope,
        rates: st.rates,
        users: st.users,
        origin: st.origin,
    })
}

#[cfg(test)]
mod tests {
    use super::blank;

    #[test]
    fn blank_is_trim_empty() {
        // Every character of the first two Unicode planes' white space and
        // its neighbours, alone, leading and trailing text, doubled.
        let chars = (0u32..0x3100).filter_map(char::from_u32);
        for c in chars {
            for s in [
                c.to_string(),
                format!("{c}x"),
                format!("x{c}"),
                format!("{c}{c}"),
                format!("{c} \u{a0}"),
            ] {
                assert_eq!(blank(&s), s.trim().is_empty(), "{s:?}");
            }
        }
        assert!(blank(""));
    }
}
