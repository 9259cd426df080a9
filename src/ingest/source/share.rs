//! A bundle's sources read on every thread, where a thread left without a
//! file to start takes the second half of what another thread has yet to
//! read of its file.
//!
//! Whole files rarely share out evenly: on the bench bundle one thread
//! read `messages` and `nagios.log` (173 ms of work) while the other read
//! `app.log` and `core-switch.log` (154 ms) and then waited (issue 16).
//! Cutting files into fixed chunks up front evens that out but costs a
//! pass counting every chunk's lines before the first one starts, more
//! than the balance gives back (docs/performance.md, "Session 16"). A cut
//! made late, when a thread runs out of work, counts only the lines
//! between the last line its reader told (every 1024) and the cut: about
//! half of what that reader had left, not the whole file before it.
//!
//! The stretches of a file are put together in file order as fixed chunks
//! are (`in_order`), each one read again from the clock before it when its
//! answers could depend on it, so where the cuts fall never shows in the
//! output.

use super::{finish, in_order, run, scan, SourcePlan, SourceResult, State};
use crate::bundle::lines::Origin;
use crate::bundle::read::{self, Ending};
use crate::config::Keep;
use crate::error::{Error, Result};
use crate::grammar::Grammar;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// How finely sources are shared out between threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// The most a reader takes from its file at a time, and the least
    /// either side keeps when a stretch is cut.
    pub bytes: u64,
}

impl Default for Sharing {
    /// A reader's usual buffer: a cut is worth its count and its fresh
    /// clock only with a few milliseconds of reading on each side.
    fn default() -> Sharing {
        Sharing { bytes: 256 << 10 }
    }
}

/// One source to read: its plan, its grammar, and the chunk size its
/// size called for (`source::run`).
pub struct Job<'p> {
    pub plan: &'p SourcePlan,
    pub grammar: Option<&'p Grammar>,
    pub size: u64,
    pub chunk_bytes: u64,
}

/// Read `jobs` on every thread of the pool, largest first; the results in
/// the order of `jobs`.
pub fn read_shared(
    jobs: &[Job<'_>],
    keep: Keep,
    progress: Option<&indicatif::ProgressBar>,
    sharing: Sharing,
) -> Vec<Result<SourceResult>> {
    read_counting_cuts(jobs, keep, progress, sharing).0
}

/// As `read_shared`, with how many times a thread cut another's stretch.
fn read_counting_cuts(
    jobs: &[Job<'_>],
    keep: Keep,
    progress: Option<&indicatif::ProgressBar>,
    sharing: Sharing,
) -> (Vec<Result<SourceResult>>, usize) {
    let threads = rayon::current_num_threads().max(1);
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size));
    let pool = Pool {
        jobs,
        keep,
        progress,
        sharing,
        threads,
        next: AtomicUsize::new(0),
        starting: AtomicUsize::new(0),
        order,
        tails: Mutex::new(Vec::new()),
        results: jobs.iter().map(|_| Mutex::new(None)).collect(),
        cuts: AtomicUsize::new(0),
    };
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| pool.work());
        }
    });
    let cuts = pool.cuts.into_inner();
    let results = pool
        .results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every source is read")
        })
        .collect();
    (results, cuts)
}

/// Lines between two reports of where a reader is: a cut counts the
/// lines from the last report to itself.
const TELL_EVERY: u64 = 1024;

struct Pool<'j, 'p> {
    jobs: &'j [Job<'p>],
    keep: Keep,
    progress: Option<&'j indicatif::ProgressBar>,
    sharing: Sharing,
    threads: usize,
    /// The next place in `order` to start.
    next: AtomicUsize,
    /// Sources taken from `order` whose stretch is not yet open to cuts
    /// (nor found not to be cut): a thread with nothing to do waits for
    /// them rather than leave a file it could share to one thread.
    starting: AtomicUsize,
    order: Vec<usize>,
    /// Stretches being read that a thread may cut.
    tails: Mutex<Vec<(Arc<Shared<'p>>, Arc<Tail>)>>,
    results: Vec<Mutex<Option<Result<SourceResult>>>>,
    cuts: AtomicUsize,
}

/// What the stretches of one file share.
struct Shared<'p> {
    slot: usize,
    plan: &'p SourcePlan,
    grammar: &'p Grammar,
    keep: Keep,
    /// As taken before the parse: each stretch starts from it.
    origin: Option<Origin>,
    /// The file's device and inode: a cut reads the same file.
    id: Option<(u64, u64)>,
    parts: Mutex<Parts<'p>>,
}

struct Parts<'p> {
    /// Stretches being read.
    pending: usize,
    done: Vec<(read::Chunk, State<'p>)>,
    /// The error of the earliest stretch that failed.
    failed: Option<(u64, Error)>,
}

impl<'p> Shared<'p> {
    fn fresh(&self) -> State<'p> {
        let mut st = State::new(self.plan, self.keep);
        st.origin.clone_from(&self.origin);
        st
    }
}

/// A stretch of a file being read, from `start` to its `end`, which a
/// thread may move closer to take what lies beyond.
pub(super) struct Tail {
    start: u64,
    first_line: u64,
    /// The file's size when its reading began: no cut at or past it.
    size: u64,
    cut: Mutex<Bounds>,
}

struct Bounds {
    /// Bytes handed to the reader so far: no cut before them.
    read_to: u64,
    /// `u64::MAX`: to the end of the file.
    end: u64,
    /// A line's start and the number of lines before it.
    told: (u64, u64),
    /// Whether a thread may cut it: its line ending is known (and is LF),
    /// and its reader has not stopped.
    open: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A thread that panicked holding it is reported by rayon; what it
    // guarded is counts and offsets, still whole.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Tail {
    /// Open to cuts when its lines end in LF: cuts fall after a newline.
    fn new(start: u64, first_line: u64, size: u64, end: u64, ending: Ending) -> Tail {
        Tail {
            start,
            first_line,
            size,
            cut: Mutex::new(Bounds {
                read_to: start,
                end,
                told: (start, first_line - 1),
                open: ending == Ending::Lf,
            }),
        }
    }

    /// Bytes not yet handed to the reader, when a thread may cut them.
    fn unread(&self) -> Option<(u64, u64)> {
        let c = lock(&self.cut);
        let to = c.end.min(self.size);
        (c.open && to > c.read_to).then_some((c.read_to, to))
    }

    /// Make `at` (a line start in the unread bytes) the stretch's end and
    /// count one more pending stretch of the file, as one step: the reader
    /// cannot stop in between. Where the reader last told it was and the
    /// old end.
    fn cut_at(&self, at: u64, parts: &Mutex<Parts>) -> Option<((u64, u64), u64)> {
        let mut c = lock(&self.cut);
        if !c.open || at < c.read_to || at >= c.end.min(self.size) {
            return None;
        }
        let old = std::mem::replace(&mut c.end, at);
        lock(parts).pending += 1;
        Some((c.told, old))
    }

    /// No more cuts; where its reader stopped: the stretch's end as read,
    /// which a second read of it must keep to though the file grew.
    fn close(&self) -> u64 {
        let mut c = lock(&self.cut);
        c.open = false;
        c.read_to
    }
}

/// Where a stretch's reader is, told line by line: to a `Tail`, which a
/// cut counts lines from, or to no one (`()`, a read no one may cut).
pub(super) trait Tell {
    fn passed(&self, l: &read::Line<'_>);
}

impl Tell for () {
    #[inline(always)]
    fn passed(&self, _: &read::Line<'_>) {}
}

impl Tell for Tail {
    fn passed(&self, l: &read::Line<'_>) {
        if l.number % TELL_EVERY == 0 {
            lock(&self.cut).told = (l.at.offset, l.number - 1);
        }
    }
}

/// A stretch's bytes, no further than its end as it is when each read
/// starts.
struct TailReader<'t> {
    file: File,
    tail: &'t Tail,
    /// The most taken at a time.
    granule: usize,
}

impl Read for TailReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(self.granule);
        let n = {
            let mut c = lock(&self.tail.cut);
            let n = c.end.saturating_sub(c.read_to).min(want as u64);
            c.read_to += n;
            if n == 0 {
                c.open = false;
            }
            n as usize
        };
        if n == 0 {
            return Ok(0);
        }
        let got = self.file.read(&mut buf[..n]);
        let short = n - *got.as_ref().unwrap_or(&0);
        if short > 0 {
            let mut c = lock(&self.tail.cut);
            c.read_to -= short as u64;
            if matches!(got, Ok(0) | Err(_)) {
                c.open = false;
                // Cut, so its bytes were there when the cut was made.
                if got.is_ok() && c.end != u64::MAX {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file was cut shorter while it was read",
                    ));
                }
            }
        }
        got
    }
}

/// One source taken from the list, or one cut being made, not yet open
/// to cuts (`Pool::starting`); counted until dropped, panics included.
struct Starting<'a>(&'a AtomicUsize);

impl<'a> Starting<'a> {
    fn new(n: &'a AtomicUsize) -> Starting<'a> {
        n.fetch_add(1, Ordering::SeqCst);
        Starting(n)
    }
}

impl Drop for Starting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<'p> Pool<'_, 'p> {
    fn work(&self) {
        loop {
            // Counted before it is taken: no thread sees the list empty
            // and nothing starting while a source is between the two.
            let starting = Starting::new(&self.starting);
            let k = self.next.fetch_add(1, Ordering::SeqCst);
            if let Some(&i) = self.order.get(k) {
                self.start(i, starting);
                continue;
            }
            drop(starting);
            if self.steal() {
                continue;
            }
            if self.starting.load(Ordering::SeqCst) == 0 {
                return;
            }
            std::thread::yield_now();
        }
    }

    fn put(&self, slot: usize, r: Result<SourceResult>) {
        if let Some(pb) = self.progress {
            pb.set_message(self.jobs[slot].plan.file.rel.clone());
        }
        *lock(&self.results[slot]) = Some(r);
    }

    /// Read source `i` from its start: shared when it can be cut (a plain
    /// file of lines, not read in fixed chunks, with other threads to
    /// take from it), else as `source::run` reads it.
    fn start(&self, i: usize, starting: Starting<'_>) {
        let job = &self.jobs[i];
        let run_whole = |starting: Starting<'_>| {
            drop(starting);
            run(
                job.plan,
                job.grammar,
                self.keep,
                self.progress,
                job.chunk_bytes,
            )
        };
        let g = match job.grammar {
            Some(g)
                if self.threads > 1
                    && !g.is_document()
                    && job.size < 2 * job.chunk_bytes
                    && job.size >= 2 * self.sharing.bytes =>
            {
                g
            }
            _ => return self.put(i, run_whole(starting)),
        };
        let path = &job.plan.file.abs;
        // Taken before the parse, so that a later read back can tell the
        // file is the one parsed (as `run` does).
        let origin = match self.keep {
            Keep::All => match Origin::of(job.plan.index, path) {
                Ok(o) => o,
                Err(e) => return self.put(i, Err(e)),
            },
            Keep::Significant => None,
        };
        let opened = File::open(path).and_then(|mut f| {
            let gzip = read::is_gzip(&mut f)?;
            f.seek(SeekFrom::Start(0))?;
            // The line ending as a whole-file read tells it, from the same
            // first block, however small the reads that follow.
            let mut head = Vec::new();
            (&mut f).take(1 << 18).read_to_end(&mut head)?;
            let ending = read::ending(&mut head.as_slice())?;
            f.seek(SeekFrom::Start(0))?;
            let id = crate::bundle::lines::file_id(&f.metadata()?);
            Ok((f, gzip, ending, id))
        });
        let (file, ending, id) = match opened {
            Ok((_, true, _, _)) => return self.put(i, run_whole(starting)),
            Ok((f, false, ending, id)) => (f, ending, id),
            Err(e) => return self.put(i, Err(Error::io(path, e))),
        };
        let src = Arc::new(Shared {
            slot: i,
            plan: job.plan,
            grammar: g,
            keep: self.keep,
            origin,
            id,
            parts: Mutex::new(Parts {
                pending: 1,
                done: Vec::new(),
                failed: None,
            }),
        });
        let tail = Arc::new(Tail::new(0, 1, job.size, u64::MAX, ending));
        lock(&self.tails).push((src.clone(), tail.clone()));
        drop(starting);
        self.read_stretch(&src, tail, file, ending);
    }

    /// Read one stretch (listed in `tails`, open to cuts) into a fresh
    /// state, take it off the list, and hand it to its file.
    fn read_stretch(&self, src: &Arc<Shared<'p>>, tail: Arc<Tail>, file: File, ending: Ending) {
        let mut st = src.fresh();
        let reader = TailReader {
            file,
            tail: &tail,
            granule: self.sharing.bytes.clamp(1, 1 << 18) as usize,
        };
        let read = self.scan_tail(src, &tail, &mut st, reader, ending);
        let end = tail.close();
        lock(&self.tails).retain(|(_, t)| !Arc::ptr_eq(t, &tail));
        let chunk = read::Chunk {
            start: tail.start,
            end,
            first_line: tail.first_line,
        };
        self.deposit(src, chunk, read.map(|()| st));
    }

    fn scan_tail(
        &self,
        src: &Shared<'p>,
        tail: &Tail,
        st: &mut State<'p>,
        reader: TailReader<'_>,
        ending: Ending,
    ) -> Result<()> {
        let chunk = read::Chunk {
            start: tail.start,
            end: u64::MAX,
            first_line: tail.first_line,
        };
        let go = |st: &mut State<'p>, r: &mut dyn std::io::BufRead| {
            scan(st, src.grammar, r, chunk, self.progress, Some(ending), tail)
        };
        if st.origin.is_none() {
            return go(st, &mut BufReader::with_capacity(1 << 18, reader));
        }
        let mut r = BufReader::with_capacity(1 << 18, read::Hashed::new(reader, tail.start));
        go(st, &mut r)?;
        let stretch = r.get_ref().stretch();
        if let Some(o) = st.origin.as_mut() {
            o.read(stretch);
        }
        Ok(())
    }

    /// A stretch read (or failed); the last of a file's puts them together.
    fn deposit(&self, src: &Shared<'p>, chunk: read::Chunk, read: Result<State<'p>>) {
        let mut parts = lock(&src.parts);
        match read {
            Ok(st) => parts.done.push((chunk, st)),
            Err(e) => {
                if parts
                    .failed
                    .as_ref()
                    .is_none_or(|(at, _)| chunk.start < *at)
                {
                    parts.failed = Some((chunk.start, e));
                }
            }
        }
        parts.pending -= 1;
        if parts.pending > 0 {
            return;
        }
        let mut done = std::mem::take(&mut parts.done);
        let failed = parts.failed.take();
        drop(parts);
        let r = match failed {
            Some((_, e)) => Err(e),
            None => {
                done.sort_by_key(|(c, _)| c.start);
                in_order(done, src.grammar, Some(Ending::Lf), &|| src.fresh())
                    .and_then(|st| finish(st, Some(src.grammar)))
            }
        };
        self.put(src.slot, r);
    }

    /// Cut a stretch being read, the one with the most left unread first,
    /// and read the second half of what it had left; false when none can
    /// be cut.
    fn steal(&self) -> bool {
        let least = self.sharing.bytes.max(1);
        // Counted as starting: no thread gives up while this one may
        // still open a stretch to cuts.
        let starting = Starting::new(&self.starting);
        let mut open: Vec<(u64, Arc<Shared<'p>>, Arc<Tail>)> = lock(&self.tails)
            .iter()
            .filter_map(|(s, t)| {
                let (from, to) = t.unread()?;
                (to - from >= 2 * least).then(|| (to - from, s.clone(), t.clone()))
            })
            .collect();
        open.sort_by_key(|(left, s, t)| {
            std::cmp::Reverse((*left, std::cmp::Reverse((s.slot, t.start))))
        });
        for (_, src, tail) in open {
            match self.cut(&src, &tail, least) {
                Cut::Taken(next, f) => {
                    lock(&self.tails).push((src.clone(), next.clone()));
                    drop(starting);
                    self.read_stretch(&src, next, f, Ending::Lf);
                    return true;
                }
                // Its reader moved on: look again.
                Cut::Raced => return true,
                Cut::Failed(chunk, e) => {
                    self.deposit(&src, chunk, Err(e));
                    return true;
                }
                Cut::Nothing => continue,
            }
        }
        false
    }

    /// Cut `tail` after a line start in the second half of what it has
    /// left unread, leaving at least `least` bytes on each side.
    fn cut(&self, src: &Shared<'p>, tail: &Tail, least: u64) -> Cut {
        let Some((from, to)) = tail.unread() else {
            return Cut::Raced;
        };
        let path = &src.plan.file.abs;
        let mut buf = vec![0u8; 1 << 16];
        // The file its owner is reading, not another put in its place.
        let Ok(mut f) = File::open(path) else {
            return Cut::Nothing;
        };
        let same = f
            .metadata()
            .ok()
            .and_then(|m| crate::bundle::lines::file_id(&m));
        if same.is_none() || same != src.id {
            return Cut::Nothing;
        }
        let mid = from + (to - from) / 2;
        let Ok(Some(at)) = read::next_line_start(&mut f, mid, to.saturating_sub(least), &mut buf)
        else {
            return Cut::Nothing;
        };
        let Some((told, end)) = tail.cut_at(at, &src.parts) else {
            return Cut::Raced;
        };
        // From here on the bytes from `at` are this thread's to read.
        self.cuts.fetch_add(1, Ordering::Relaxed);
        let counted = read::count_lines(&mut f, told.0, at, &mut buf)
            .and_then(|n| f.seek(SeekFrom::Start(at)).map(|_| n));
        match counted {
            Ok(n) => Cut::Taken(
                Arc::new(Tail::new(at, told.1 + n + 1, tail.size, end, Ending::Lf)),
                f,
            ),
            Err(e) => Cut::Failed(
                read::Chunk {
                    start: at,
                    end,
                    first_line: 0,
                },
                Error::io(path, e),
            ),
        }
    }
}

/// What an attempt to cut a stretch came to.
enum Cut {
    /// The stretch from the cut, its file open there.
    Taken(Arc<Tail>, File),
    /// Its reader took the bytes first, or it stopped.
    Raced,
    /// Cut, but its first line could not be numbered.
    Failed(read::Chunk, Error),
    /// Nowhere to cut: too little left, no line start, another file.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grammar::registry::Registry;

    /// A year-less log crossing New Year: 30,000 lines, 2 MB.
    fn new_year_bundle(dir: &std::path::Path) {
        std::fs::write(
            dir.join("bundle.toml"),
            "[incident]\nyear = 2016\n\n[[source]]\npath = \"messages\"\n\
             grammar = \"rfc3164\"\nzone = \"UTC\"\n",
        )
        .unwrap();
        let start = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let text: String = (0..30_000i64)
            .map(|k| {
                let t = start + chrono::Duration::seconds(2 * k);
                let what = if k % 997 == 0 { "DOWN" } else { "UP" };
                format!(
                    "{} web01 haproxy[1201]: Server store_back/web-a is {what}, line {}\n",
                    t.format("%b %e %H:%M:%S"),
                    k + 1
                )
            })
            .collect();
        std::fs::write(dir.join("messages"), text).unwrap();
    }

    /// The new-year log read on a pool of `threads` with 64-byte cuts:
    /// the results, the cuts made, and the file read whole by `run`.
    fn read_new_year(threads: usize, keep: Keep) -> (Result<SourceResult>, usize, SourceResult) {
        let dir = tempfile::tempdir().unwrap();
        new_year_bundle(dir.path());
        let bundle = crate::bundle::Bundle::open(dir.path()).unwrap();
        let reg = Registry::builtin().unwrap();
        let opts = crate::config::Options::default();
        let plan = crate::ingest::plan::plan(&bundle, &reg, &opts).unwrap();
        let p = &plan.sources[0];
        let g = reg.get("rfc3164");
        let jobs = [Job {
            plan: p,
            grammar: g,
            size: std::fs::metadata(&p.file.abs).unwrap().len(),
            chunk_bytes: u64::MAX / 4,
        }];
        let whole = run(p, g, keep, None, u64::MAX / 4).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (mut results, cuts) =
            pool.install(|| read_counting_cuts(&jobs, keep, None, Sharing { bytes: 64 }));
        (results.remove(0), cuts, whole)
    }

    /// With nothing else to read, the second thread cuts the first one's
    /// file (and the stretches cut from it), and the stretches put
    /// together give what one read gives: every line once, at its number.
    #[test]
    fn an_idle_thread_cuts_the_file_another_is_reading() {
        let (shared, cuts, whole) = read_new_year(2, Keep::All);
        assert!(cuts > 0, "no cut in 2 MB read 64 bytes at a time");
        let shared = shared.unwrap();
        assert_eq!(shared.summary, whole.summary);
        assert_eq!(shared.summary.lines, 30_000);
        let lines = |r: &SourceResult| -> Vec<(chrono::DateTime<chrono::Utc>, u32)> {
            r.events.iter().map(|e| (e.instant, e.line)).collect()
        };
        // Every line is an event when all are kept: each once, at its number.
        assert_eq!(lines(&shared), lines(&whole));
        let numbers: Vec<u32> = lines(&shared).iter().map(|l| l.1).collect();
        assert_eq!(numbers, (1..=30_000).collect::<Vec<u32>>());
        assert_eq!(
            format!("{:?}", shared.findings),
            format!("{:?}", whole.findings)
        );
    }

    /// One thread never cuts: there is no one to take a half.
    #[test]
    fn one_thread_reads_each_file_whole() {
        let (shared, cuts, _) = read_new_year(1, Keep::Significant);
        assert_eq!(cuts, 0);
        assert_eq!(shared.unwrap().summary.lines, 30_000);
    }
}
