//! Reading a line back from where the parse saw it.
//!
//! The commands that show every line (`timeline`, `lint`, `seal`,
//! `redact`, `extract --all`) once held each line's text with its event:
//! on the 100 MB bench bundle that text was most of `rfo timeline`'s
//! 295 MB. An event from a plain file now holds the line's place
//! (`read::LineAt`), and what an output shows is read back here when it is
//! written (issue 16).
//!
//! The file must still hold the bytes parsed. Its identity (device and
//! inode, where the system has them), length and modification time are
//! taken before the parse (`Origin::of`), and the parse hashes every
//! stretch it reads (`read::Hashed`). Before output begins, and whenever
//! the file is opened again, the file must be the same one, and either
//! unchanged since (length and time) or at least as long with every
//! stretch hashing as it did: a log still being written to has only been
//! appended to, and its parsed lines are all still where they were. Every
//! line read back must also start after a line end and end at one. A file
//! that changed otherwise is an input error naming it — before any output
//! when it is found then, part way when it changes during the output.
//! Nothing is shown from the wrong bytes.

use super::read::{LineAt, Stretch};
use crate::error::{Error, Result};
use crate::event::TextView;
use crate::timeline::EventRef;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::SystemTime;

/// A plain source file as it was when its parse began, and what the
/// parse read of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The source's index in the bundle (`TimedEvent::source`).
    pub index: u32,
    pub path: PathBuf,
    /// The bytes parsed: every line read back lies before this.
    len: u64,
    /// Length and modification time before the parse; after a check that
    /// found the file only appended to, as it was then.
    seen: (u64, Option<SystemTime>),
    /// Device and inode: another file under the same name is not this one.
    id: Option<(u64, u64)>,
    /// What the parse read, stretch by stretch, with the bytes' hashes.
    stretches: Vec<Stretch>,
    /// Found appended to since the parse: kept open once opened, since each
    /// reopen of a file still growing hashes its parsed bytes again.
    live: bool,
}

/// A file's device and inode, where the system has them.
pub(crate) fn file_id(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

impl Origin {
    /// Whether `file`, as `m` describes it now, still holds the bytes
    /// parsed: the same file, unchanged since it was last seen, or at least
    /// as long with every stretch the parse read hashing as it did (a log
    /// appended to since).
    fn check(&mut self, m: &std::fs::Metadata, file: &mut File) -> Result<()> {
        if file_id(m) != self.id {
            return Err(self.changed("another file under its name".into()));
        }
        let now = (m.len(), m.modified().ok());
        if now == self.seen {
            return Ok(());
        }
        if m.len() < self.len {
            return Err(self.changed(format!("{} bytes, was {}", m.len(), self.len)));
        }
        if self.stretches.is_empty() {
            return Err(self.changed("modified again".into()));
        }
        for s in &self.stretches {
            let hash = s.hash_now(file).map_err(|e| Error::io(&self.path, e))?;
            if hash != Some(s.hash) {
                return Err(self.changed(format!(
                    "bytes {}..{} are not the ones parsed",
                    s.start, s.end
                )));
            }
        }
        self.seen = now;
        self.live = true;
        Ok(())
    }

    /// The parse read `s` (in file order, stretch after stretch).
    pub fn read(&mut self, s: Stretch) {
        self.len = self.len.max(s.end);
        self.stretches.push(s);
    }

    /// Take in what a parse of a later stretch of the file read.
    pub fn absorb(&mut self, later: Origin) {
        for s in later.stretches {
            self.read(s);
        }
    }

    fn changed(&self, why: String) -> Error {
        Error::input(
            &self.path,
            format!("changed since rfo parsed it ({why}); run again on a copy nobody writes to"),
        )
    }

    /// The file's identity now, before it is parsed; `None` for a gzip
    /// file, whose offsets count decompressed bytes that cannot be sought.
    pub fn of(index: u32, path: &std::path::Path) -> Result<Option<Origin>> {
        let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
        if super::read::is_gzip(&mut f).map_err(|e| Error::io(path, e))? {
            return Ok(None);
        }
        let m = f.metadata().map_err(|e| Error::io(path, e))?;
        Ok(Some(Origin {
            index,
            path: path.to_path_buf(),
            len: 0,
            seen: (m.len(), m.modified().ok()),
            id: file_id(&m),
            stretches: Vec::new(),
            live: false,
        }))
    }
}

/// Bytes read around the last line asked for: a timeline asks for a
/// source's lines mostly in file order, so one read serves hundreds.
const WINDOW: usize = 1 << 16;

/// Files held open at once: a bundle of thousands of files must not run
/// out of file handles (256 by default on macOS).
const OPEN_MAX: usize = 32;

/// Reads events' lines back from their files.
#[derive(Debug, Default)]
pub struct LineReader {
    /// By source index.
    origins: Vec<Option<Origin>>,
    /// By source index: the bytes read last, kept when the file is closed
    /// (many files read in turns would otherwise read a window a line).
    windows: Vec<Window>,
    /// The files open now, by source index, least recently used first,
    /// each with whether it is being appended to (`Origin::live`).
    open: Vec<(usize, File, bool)>,
    text: String,
    /// A held line read out of its summary's block, lent from here.
    held: String,
}

#[derive(Debug, Default)]
struct Window {
    /// The bytes from `start` (at most `WINDOW`, more for a longer line).
    bytes: Vec<u8>,
    start: u64,
}

impl LineReader {
    /// A reader for the events of sources with these origins.
    pub fn new<'a>(origins: impl IntoIterator<Item = &'a Origin>) -> LineReader {
        let mut r = LineReader::default();
        for o in origins {
            let k = o.index as usize;
            if r.origins.len() <= k {
                r.origins.resize(k + 1, None);
            }
            r.origins[k] = Some(o.clone());
        }
        r.windows.resize_with(r.origins.len(), Window::default);
        r
    }

    /// The event's line as written, if its command kept it.
    pub fn text<'a>(&'a mut self, e: &'a EventRef<'_>) -> Result<Option<&'a str>> {
        match e.text() {
            None => Ok(None),
            Some(TextView::Held(std::borrow::Cow::Borrowed(s))) => Ok(Some(s)),
            Some(TextView::Held(std::borrow::Cow::Owned(s))) => {
                self.held = s;
                Ok(Some(&self.held))
            }
            Some(TextView::At(at)) => self.read(e.source(), e.line.into(), at).map(Some),
        }
    }

    /// The event's line as an owned value, for output built whole.
    pub fn owned(&mut self, e: &EventRef<'_>) -> Result<Option<String>> {
        Ok(self.text(e)?.map(str::to_string))
    }

    /// The reader with every file checked unchanged: a file changed since
    /// its parse is an error before any output is written, not part way.
    /// (Each is checked again when it is opened to be read.)
    pub fn checked(mut self) -> Result<LineReader> {
        for o in self.origins.iter_mut().flatten() {
            let io = |e: std::io::Error| Error::io(&o.path, e);
            let mut f = File::open(&o.path).map_err(io)?;
            let m = f.metadata().map_err(io)?;
            o.check(&m, &mut f)?;
        }
        Ok(self)
    }

    /// The open file of source `k` among `open`, opened (and checked) if
    /// it is not.
    fn opened<'o>(
        open: &'o mut Vec<(usize, File, bool)>,
        k: usize,
        origin: &mut Origin,
    ) -> Result<&'o mut File> {
        match open.iter().position(|(j, ..)| *j == k) {
            Some(p) => {
                // Most recently used last.
                let entry = open.remove(p);
                open.push(entry);
            }
            None => {
                let io = |e: std::io::Error| Error::io(&origin.path, e);
                let mut file = File::open(&origin.path).map_err(io)?;
                let m = file.metadata().map_err(io)?;
                origin.check(&m, &mut file)?;
                if open.len() == OPEN_MAX {
                    // The least recently used that is not growing: a live
                    // log reopened at every window would be hashed whole
                    // each time (quadratic in its size).
                    let p = open.iter().position(|(.., live)| !live).unwrap_or(0);
                    open.remove(p);
                }
                open.push((k, file, origin.live));
            }
        }
        Ok(&mut open.last_mut().expect("pushed above").1)
    }

    fn read(&mut self, source: u32, line: u64, at: LineAt) -> Result<&str> {
        let k = source as usize;
        let LineReader {
            origins,
            windows,
            open,
            text: out,
            ..
        } = self;
        let Some(Some(origin)) = origins.get_mut(k) else {
            // An event points into a file no origin was given for: a bug in
            // the caller, reported rather than shown as an empty line.
            return Err(Error::Usage(format!(
                "line {line} of source {source}: its file was not given to the line reader"
            )));
        };
        let o = &mut windows[k];
        // The line with the bytes either side, which must end the line
        // before it (or be the file's start) and end this one (or be the
        // file's end).
        let first = at.offset.saturating_sub(1);
        let end = at.offset.saturating_add(at.len as u64 + 1).min(origin.len);
        if first < o.start || end > o.start + o.bytes.len() as u64 {
            // Read on from the line; but back from it when going backwards
            // (a file written newest first), so the lines before it are in.
            let from = if first < o.start {
                first.min(end.saturating_sub(WINDOW as u64))
            } else {
                first
            };
            let want = end
                .saturating_sub(from)
                .max(WINDOW as u64)
                .min(origin.len.saturating_sub(from));
            let file = LineReader::opened(open, k, origin)?;
            let io = |e: std::io::Error| Error::io(&origin.path, e);
            o.bytes.clear();
            o.bytes.resize(want as usize, 0);
            file.seek(SeekFrom::Start(from)).map_err(io)?;
            let mut got = 0;
            while got < o.bytes.len() {
                match file.read(&mut o.bytes[got..]).map_err(io)? {
                    0 => break,
                    n => got += n,
                }
            }
            o.bytes.truncate(got);
            o.start = from;
        }
        let (window, start) = (&o.bytes, o.start);
        let from = at.offset.saturating_sub(start) as usize;
        let to = from + at.len as usize;
        let ends = |b: Option<&u8>| matches!(b, Some(b'\n' | b'\r'));
        let starts = at.offset == 0 || ends(from.checked_sub(1).and_then(|p| window.get(p)));
        let stops = ends(window.get(to)) || at.offset + at.len as u64 == origin.len;
        let Some(bytes) = window.get(from..to).filter(|_| starts && stops) else {
            return Err(origin.changed(format!("line {line} is not where it was")));
        };
        // Decoded as the parse decoded it (`read::for_each_line`): valid
        // UTF-8 is shown from the window as it is, without a copy.
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(_) => {
                out.clear();
                out.push_str(&String::from_utf8_lossy(bytes));
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::read;

    /// Each line of the file at `p` as the parse sees it: number, text, place.
    fn parsed(p: &std::path::Path) -> Vec<(u64, String, LineAt)> {
        let mut seen = Vec::new();
        read::for_each_line(&mut *read::open(p).unwrap(), p, |l| {
            seen.push((l.number, l.text.to_string(), l.at))
        })
        .unwrap();
        seen
    }

    /// The file's origin as a parse of all of it leaves it.
    fn parsed_origin(k: u32, p: &std::path::Path) -> Origin {
        let mut o = Origin::of(k, p).unwrap().unwrap();
        let whole = read::Chunk {
            start: 0,
            end: u64::MAX,
            first_line: 1,
        };
        let mut r = read::open_hashed(p, whole).unwrap();
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        o.read(r.get_ref().stretch());
        o
    }

    /// Every line of `bytes`, read back through its place, is the text the
    /// parse saw: CRLF, bare CR, invalid UTF-8, a last line without a
    /// newline, and reads out of order across the window.
    #[test]
    fn lines_read_back_are_the_lines_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let long = "x".repeat(WINDOW + 10);
        for (name, bytes) in [
            (
                "lf.log",
                format!("one\r\ntwo\n\n{long}\na\rb\nlast").into_bytes(),
            ),
            ("cr.log", b"one\rtwo\r\xffbad\rlast\r".to_vec()),
            ("bad.log", b"ok\n\xff\xfeno\n".to_vec()),
        ] {
            let p = dir.path().join(name);
            std::fs::write(&p, &bytes).unwrap();
            let seen = parsed(&p);
            let origin = parsed_origin(3, &p);
            let mut r = LineReader::new([&origin]);
            for (number, text, at) in seen.iter().rev().chain(seen.iter()) {
                assert_eq!(r.read(3, *number, *at).unwrap(), text, "{name}:{number}");
            }
        }
    }

    /// More files than are held open, read in turns, and a file read
    /// backwards (newest first): every line is the one parsed, with files
    /// closed and reopened as needed and windows placed behind the line.
    #[test]
    fn many_files_in_turns_and_one_read_backwards() {
        let dir = tempfile::tempdir().unwrap();
        let files = OPEN_MAX + 5;
        let mut origins = Vec::new();
        let mut lines = Vec::new();
        for k in 0..files {
            let p = dir.path().join(format!("f{k}.log"));
            let text: String = (0..300)
                .map(|n| format!("file {k} line {n} {}\n", "y".repeat(n % 300)))
                .collect();
            std::fs::write(&p, &text).unwrap();
            origins.push(parsed_origin(k as u32, &p));
            let seen = parsed(&p);
            lines.push(seen);
        }
        let mut r = LineReader::new(&origins).checked().unwrap();
        for n in 0..300 {
            for (k, seen) in lines.iter().enumerate() {
                let (number, text, at) = &seen[n];
                assert_eq!(r.read(k as u32, *number, *at).unwrap(), text);
            }
        }
        assert_eq!(r.open.len(), OPEN_MAX);
        // Newest first, 450 KB: going back, a window is read to end at the
        // line, the lines before it in (read from the line, it was a read
        // a line).
        let p = dir.path().join("back.log");
        let text: String = (0..3000)
            .map(|n| format!("line {n} {}\n", "z".repeat(n % 300)))
            .collect();
        std::fs::write(&p, &text).unwrap();
        let seen = parsed(&p);
        let origin = parsed_origin(0, &p);
        let mut r = LineReader::new([&origin]);
        let mut reads = 0;
        let mut start = u64::MAX;
        for (number, text, at) in seen.iter().rev() {
            assert_eq!(r.read(0, *number, *at).unwrap(), text);
            let now = r.windows[0].start;
            reads += usize::from(now != start);
            start = now;
        }
        assert!(reads <= 2 * text.len() / WINDOW + 2, "{reads} reads");
    }

    #[test]
    fn a_file_that_changed_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, "first line\nsecond line\n").unwrap();
        let origin = parsed_origin(0, &p);
        let second = LineAt {
            offset: 11,
            len: 11,
        };
        assert_eq!(
            LineReader::new([&origin]).read(0, 2, second).unwrap(),
            "second line"
        );
        // Longer: caught before any line is read.
        std::fs::write(&p, "first line\nsecond line, longer\n").unwrap();
        let err = LineReader::new([&origin]).read(0, 2, second).unwrap_err();
        assert!(
            err.to_string()
                .contains("a.log: changed since rfo parsed it"),
            "{err}"
        );
        // The same length and time (a copy that kept the time) but other
        // lines: the line does not start where it did.
        std::fs::write(&p, "first line\nsecond-line\n").unwrap();
        let same = parsed_origin(0, &p);
        std::fs::write(&p, "first line, a\nsecond l\n").unwrap();
        let f = File::options().write(true).open(&p).unwrap();
        f.set_modified(same.seen.1.unwrap()).unwrap();
        let err = LineReader::new([&same]).read(0, 2, second).unwrap_err();
        assert!(
            err.to_string().contains("line 2 is not where it was"),
            "{err}"
        );
    }

    /// Append `bytes` to the file at `p` and date it later, as a log still
    /// being written to.
    fn append(p: &std::path::Path, bytes: &[u8]) {
        use std::io::Write;
        let mut f = File::options().append(true).open(p).unwrap();
        f.write_all(bytes).unwrap();
        f.set_modified(SystemTime::now() + std::time::Duration::from_secs(5))
            .unwrap();
    }

    /// A log appended to since its parse (a longer file, a later time)
    /// still shows its lines, with no hashing after the first check; one
    /// cut shorter is an error before any bytes are hashed.
    #[test]
    fn a_file_appended_to_shows_its_lines_and_one_cut_short_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        std::fs::write(&p, "first line\nsecond, no newline").unwrap();
        let origin = parsed_origin(0, &p);
        let second = LineAt {
            offset: 11,
            len: 18,
        };
        append(&p, b" and more\nthird\n");
        let mut r = LineReader::new([&origin]).checked().unwrap();
        let now = std::fs::metadata(&p).unwrap();
        assert_eq!(r.origins[0].as_ref().unwrap().seen.0, now.len());
        // The line as parsed, though the file now goes on after it.
        assert_eq!(r.read(0, 2, second).unwrap(), "second, no newline");
        std::fs::write(&p, "first line\n").unwrap();
        let err = LineReader::new([&origin]).checked().unwrap_err();
        assert!(err.to_string().contains("(11 bytes, was 29)"), "{err}");
    }

    /// A live log among more files than are held open, read in turns,
    /// stays open: reopened at each window it would be hashed whole again
    /// each time (a review found this quadratic in the log's size).
    #[test]
    fn a_live_log_among_many_files_stays_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut origins = Vec::new();
        let mut lines = Vec::new();
        for k in 0..OPEN_MAX + 5 {
            let p = dir.path().join(format!("f{k}.log"));
            let text: String = (0..200)
                .map(|n| format!("file {k} line {n} {}\n", "y".repeat(400)))
                .collect();
            std::fs::write(&p, &text).unwrap();
            origins.push(parsed_origin(k as u32, &p));
            lines.push(parsed(&p));
        }
        append(&dir.path().join("f7.log"), b"appended\n");
        let mut r = LineReader::new(&origins).checked().unwrap();
        for n in 0..200 {
            for (k, seen) in lines.iter().enumerate() {
                let (number, text, at) = &seen[n];
                assert_eq!(r.read(k as u32, *number, *at).unwrap(), text);
                if n > 0 || k >= 7 {
                    assert!(r.open.iter().any(|(j, _, live)| *j == 7 && *live));
                }
            }
        }
    }

    #[test]
    fn a_gzip_file_has_no_origin_and_its_lines_stay_held() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log.gz");
        let mut e =
            flate2::write::GzEncoder::new(File::create(&p).unwrap(), flate2::Compression::fast());
        e.write_all(b"line\n").unwrap();
        e.finish().unwrap();
        assert_eq!(Origin::of(0, &p).unwrap(), None);
    }
}
