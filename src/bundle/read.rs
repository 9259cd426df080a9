//! Reading a source file line by line as bytes, gzip transparently.
//!
//! Lines are never held beyond the caller's use: memory is bounded by the
//! longest line (capped) plus what the caller keeps.

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

mod ends;

/// Longer lines are cut here for parsing (and counted as unparsed).
pub const MAX_LINE: usize = 1 << 20;

/// The most lines a file parsed into events may have: an event holds its
/// line number in 32 bits (`TimedEvent::line`). At one byte a line that is
/// a 4 GiB file.
pub const MAX_LINES: u64 = u32::MAX as u64;

/// Open a file, decompressing `*.gz` (by name or by magic bytes).
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let gzip = is_gzip(&mut f).map_err(|e| Error::io(path, e))?;
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if gzip {
        Ok(Box::new(BufReader::with_capacity(
            1 << 18,
            MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f)),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 18, f)))
    }
}

/// A stretch of a plain file read through a hash: what `bundle::lines`
/// compares later to tell a log only appended to since its parse from one
/// rewritten (issue 16).
pub struct Hashed<R = std::io::Take<File>> {
    inner: R,
    start: u64,
    read: u64,
    hash: twox_hash::XxHash3_64,
}

impl<R: Read> Read for Hashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        std::hash::Hasher::write(&mut self.hash, &buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

impl<R> Hashed<R> {
    /// `inner` reads the file from byte `start`.
    pub fn new(inner: R, start: u64) -> Hashed<R> {
        Hashed {
            inner,
            start,
            read: 0,
            hash: twox_hash::XxHash3_64::new(),
        }
    }

    /// The stretch read so far and the hash of its bytes.
    pub fn stretch(&self) -> Stretch {
        Stretch {
            start: self.start,
            end: self.start + self.read,
            hash: std::hash::Hasher::finish(&self.hash),
        }
    }
}

/// Bytes `start..end` of a file and their hash (`Hashed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub start: u64,
    pub end: u64,
    pub hash: u64,
}

impl Stretch {
    /// The hash of the same stretch of `f` now; `None` if the file no
    /// longer has all of its bytes.
    pub fn hash_now(&self, f: &mut File) -> std::io::Result<Option<u64>> {
        use std::io::{Seek, SeekFrom};
        f.seek(SeekFrom::Start(self.start))?;
        let mut h = Hashed::new(f.take(self.end - self.start), self.start);
        std::io::copy(&mut h, &mut std::io::sink())?;
        Ok((h.read == self.end - self.start).then(|| h.stretch().hash))
    }
}

/// A plain file's chunk (`Chunk::end` may be `u64::MAX`: to its end),
/// hashed as it is read.
pub fn open_hashed(path: &Path, c: Chunk) -> Result<BufReader<Hashed>> {
    Ok(BufReader::with_capacity(
        1 << 18,
        Hashed::new(chunk_of(path, c)?, c.start),
    ))
}

/// Whether the file starts with gzip's magic bytes (reading them).
pub fn is_gzip(f: &mut File) -> std::io::Result<bool> {
    let mut magic = [0u8; 2];
    Ok(read_full(f, &mut magic)? == 2 && magic == [0x1f, 0x8b])
}

fn read_full(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// One line as read: its 1-based number and text (lossily decoded if it was
/// not UTF-8, which the caller counts).
pub struct Line<'a> {
    pub number: u64,
    pub text: &'a str,
    pub lossy: bool,
    pub truncated: bool,
    /// Where its bytes are: what `bundle::lines` reads back, so a command
    /// that shows every line holds positions, not copies (issue 16).
    pub at: LineAt,
}

/// A line's bytes in its (decompressed) file: from `offset`, `len` bytes
/// without the terminator (nor an LF file's CR before it). Decoding them
/// as `for_each_line` does gives the line's text again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineAt {
    pub offset: u64,
    pub len: u32,
}

/// What a line reader hands its lines to. A closure over `Line` is one;
/// a sink that wants to look at whole stretches of lines at once (the
/// keyword prefilter, one scan a buffer instead of one a line: issue 16)
/// also takes `stretch`.
pub trait LineSink {
    /// The bytes of whole lines from `offset`, terminators included, told
    /// before any of those lines is handed to `line`, each byte at most
    /// once. A line whose `at` lies inside a stretch has those bytes
    /// there; a line read across two of the reader's buffers lies in none.
    /// (`lossy` and `truncated` lines' text is not their bytes.)
    fn stretch(&mut self, _offset: u64, _bytes: &[u8]) {}
    fn line(&mut self, line: Line<'_>);
}

impl<F: FnMut(Line<'_>)> LineSink for F {
    fn line(&mut self, line: Line<'_>) {
        self(line)
    }
}

/// Iterate a reader's lines, calling `f` for each. Stops at the first read
/// error (a truncated gzip member, say), which names the file and line.
pub fn for_each_line(
    reader: &mut dyn BufRead,
    path: &Path,
    f: impl FnMut(Line<'_>),
) -> Result<u64> {
    // Lines counted or shown, not made events: any number of them.
    numbered_lines(reader, path, 1, 0, u64::MAX, None, f)
}

/// What ends a line. A file whose first block has no `\n` but has `\r`
/// ends its lines with bare CR (classic Mac, some network gear): read
/// otherwise it would be one line, its outage lost without a word. A
/// stray CR inside an LF file stays part of its line, as editors show it,
/// so line numbers cited as evidence match what a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Lf,
    Cr,
}

/// Look at the reader's first block (without consuming it) to tell its
/// line ending.
pub fn ending(reader: &mut dyn BufRead) -> std::io::Result<Ending> {
    let block = reader.fill_buf()?;
    Ok(
        if memchr::memchr(b'\n', block).is_none() && memchr::memchr(b'\r', block).is_some() {
            Ending::Cr
        } else {
            Ending::Lf
        },
    )
}

/// Read one line into `buf` (without its terminator), keeping at most
/// `cap` bytes: the rest of an over-long line is skipped while reading, so
/// a 4 GB file without a newline costs `cap`, not 4 GB. `None` at the end
/// of input; else whether the line was cut and how many bytes it took,
/// terminator included.
pub fn read_line(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
    ending: Ending,
) -> std::io::Result<Option<(bool, u64)>> {
    let stop = match ending {
        Ending::Lf => b'\n',
        Ending::Cr => b'\r',
    };
    let mut any = false;
    let mut cut = false;
    let mut took = 0u64;
    loop {
        let block = reader.fill_buf()?;
        if block.is_empty() {
            break;
        }
        any = true;
        let (take, found) = match memchr::memchr(stop, block) {
            Some(p) => (p, true),
            None => (block.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&block[..take.min(room)]);
        cut |= take > room;
        reader.consume(take + usize::from(found));
        took += (take + usize::from(found)) as u64;
        if found {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if ending == Ending::Lf && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some((cut, took)))
}

/// As `for_each_line`, numbering from `first` and counting bytes from
/// `offset` (a chunk of a larger file); returns the number of lines read.
/// For a parse that makes events: a line numbered past `MAX_LINES` is an
/// input error. `known`: the file's line ending when the reader starts
/// mid-file, where its first block says nothing about the file's.
pub fn for_each_line_from(
    reader: &mut dyn BufRead,
    path: &Path,
    first: u64,
    offset: u64,
    known: Option<Ending>,
    f: impl LineSink,
) -> Result<u64> {
    numbered_lines(reader, path, first, offset, MAX_LINES, known, f)
}

/// As `for_each_line_from`, refusing a line numbered past `max_lines`.
fn numbered_lines(
    reader: &mut dyn BufRead,
    path: &Path,
    first: u64,
    mut offset: u64,
    max_lines: u64,
    known: Option<Ending>,
    mut f: impl LineSink,
) -> Result<u64> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    // The end of the bytes told to `f.stretch` so far.
    let mut told = offset;
    let start = first - 1;
    let mut number = start;
    let err = |number: u64, e: std::io::Error| {
        Error::input(path, format!("read error after line {number}: {e}"))
    };
    let mode = match known {
        Some(m) => m,
        None => ending(reader).map_err(|e| err(number, e))?,
    };
    let stop = match mode {
        Ending::Lf => b'\n',
        Ending::Cr => b'\r',
    };
    let too_many = || {
        Error::input(
            path,
            format!("more than {max_lines} lines: rfo numbers a file's lines in 32 bits"),
        )
    };
    // Where the lines of the buffer in hand end (`ends`), scratch kept
    // from one buffer to the next.
    let mut ends = Vec::new();
    loop {
        // The lines whole in the reader's buffer are handed out from there,
        // as `read_line` would have copied them: one copy a line less
        // (issue 16). All within one borrow of the buffer, so the bytes
        // checked as UTF-8 below are the bytes lent.
        let block = reader.fill_buf().map_err(|e| err(number, e))?;
        // No whole line here: `read_line` reads across buffers, below.
        if let Some(q) = memchr::memrchr(stop, block) {
            let lines = &block[..=q];
            // A buffer not yet told: its whole lines, from here (a line start)
            // to its last terminator.
            if offset >= told {
                f.stretch(offset, lines);
                told = offset + lines.len() as u64;
            }
            // Every line's end at once, and whether the lines are ASCII.
            let (count, ascii) = ends::line_ends(lines, stop, &mut ends);
            // One UTF-8 check for the lines instead of one a line: 160
            // instructions a BSD syslog line, none when they are ASCII. A
            // line is cut at an ASCII byte, so a line inside the valid prefix
            // is valid.
            let valid = match ascii {
                true => lines.len(),
                false => valid_prefix(lines),
            };
            let mut used = 0;
            for &end in &ends[..count] {
                let p = end - used;
                if p > MAX_LINE {
                    break;
                }
                number += 1;
                if number > max_lines {
                    return Err(too_many());
                }
                let mut bytes = &lines[used..used + p];
                if mode == Ending::Lf && bytes.last() == Some(&b'\r') {
                    bytes = &bytes[..p - 1];
                }
                // At most `MAX_LINE`.
                let at = LineAt {
                    offset,
                    len: bytes.len() as u32,
                };
                offset += p as u64 + 1;
                if used + p < valid {
                    debug_assert!(std::str::from_utf8(bytes).is_ok());
                    // SAFETY: `bytes` is a slice of `lines[..valid]`, checked
                    // to be UTF-8 above in this same borrow, cut at ASCII bytes
                    // (line terminators, a CR), so it is UTF-8 itself.
                    let text = unsafe { std::str::from_utf8_unchecked(bytes) };
                    f.line(Line {
                        number,
                        text,
                        lossy: false,
                        truncated: false,
                        at,
                    });
                } else {
                    emit(number, bytes, false, at, &mut f);
                }
                used += p + 1;
            }
            if used > 0 {
                reader.consume(used);
                continue;
            }
        }
        buf.clear();
        let Some((truncated, took)) =
            read_line(reader, &mut buf, MAX_LINE, mode).map_err(|e| err(number, e))?
        else {
            return Ok(number - start);
        };
        number += 1;
        if number > max_lines {
            return Err(too_many());
        }
        let at = LineAt {
            offset,
            // At most `MAX_LINE`.
            len: buf.len() as u32,
        };
        offset += took;
        emit(number, &buf, truncated, at, &mut f);
    }
}

/// How many of `bytes`' first bytes are UTF-8 (all of them, or up to the
/// first bad sequence), for a buffer that is not all ASCII (`line_ends`
/// tells): simdutf8, which on a whole buffer checks 32 bytes a step where
/// std checks a word (per line it had cost more: see `emit`). Its
/// `compat` error says where the valid prefix ends as std's does.
fn valid_prefix(bytes: &[u8]) -> usize {
    simdutf8::compat::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len())
}

/// Hand one line's bytes to `f` as text: as they are when they are UTF-8,
/// else with U+FFFD for each bad sequence. (`simdutf8` was tried: on
/// lines of 160 bytes it took 40 % more instructions than `std`.)
fn emit(number: u64, bytes: &[u8], truncated: bool, at: LineAt, f: &mut impl LineSink) {
    match std::str::from_utf8(bytes) {
        Ok(text) => f.line(Line {
            number,
            text,
            lossy: false,
            truncated,
            at,
        }),
        Err(_) => {
            let owned = String::from_utf8_lossy(bytes).into_owned();
            f.line(Line {
                number,
                text: &owned,
                lossy: true,
                truncated,
                at,
            })
        }
    }
}

/// The first `max_lines` lines and up to `max_bytes` of a file as text, for
/// detection and year probing.
pub fn head(path: &Path, max_lines: usize, max_bytes: usize) -> Result<String> {
    let mut r = open(path)?;
    let err = |e: std::io::Error| Error::input(path, format!("read error: {e}"));
    let mode = ending(&mut *r).map_err(err)?;
    let mut out = String::new();
    let mut buf = Vec::new();
    for _ in 0..max_lines {
        buf.clear();
        let Some(_) = read_line(&mut *r, &mut buf, max_bytes, mode).map_err(err)? else {
            break;
        };
        if out.len() + buf.len() + 1 > max_bytes {
            break;
        }
        out.push_str(&String::from_utf8_lossy(&buf));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The valid prefix is std's `valid_up_to`: bad and cut sequences of
    /// every kind (a lone continuation byte, an overlong form, a
    /// surrogate, past U+10FFFF, a sequence cut by the end, 0xFF), each at
    /// every offset around the 16-, 32- and 64-byte steps, after ASCII or
    /// after multi-byte text.
    #[test]
    fn valid_prefix_is_std_valid_up_to() {
        let bad: [&[u8]; 9] = [
            b"\x80",
            b"\xc0\xaf",
            b"\xe0\x80\xaf",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xe2\x82",
            b"\xf0\x9f\x98",
            b"\xff",
            b"",
        ];
        let std_prefix =
            |b: &[u8]| std::str::from_utf8(b).map_or_else(|e| e.valid_up_to(), |_| b.len());
        let mut n = 0;
        for fill in ["a", "é", "€", "😀"] {
            for at in 0..140 {
                for tail in [&b""[..], b"xyz\n", "ü\n".as_bytes()] {
                    for b in bad {
                        let mut bytes: Vec<u8> = fill.repeat(at).into_bytes();
                        bytes.truncate(at);
                        bytes.extend_from_slice(b);
                        bytes.extend_from_slice(tail);
                        assert_eq!(valid_prefix(&bytes), std_prefix(&bytes), "{bytes:?}");
                        n += 1;
                    }
                }
            }
        }
        assert!(n > 10_000);
    }

    /// An event holds its line number in 32 bits: a file numbered past the
    /// limit is an input error naming it, not a wrapped line number.
    #[test]
    fn a_file_of_more_lines_than_an_event_numbers_is_refused() {
        let path = Path::new("many.log");
        let mut seen = Vec::new();
        let mut r: &[u8] = b"a\nb\n";
        let n = numbered_lines(&mut r, path, 1, 0, 2, None, |l: Line| seen.push(l.number)).unwrap();
        assert_eq!((n, seen), (2, vec![1, 2]));
        let mut r: &[u8] = b"a\nb\nc\n";
        let err = numbered_lines(&mut r, path, 1, 0, 2, None, |_: Line| {}).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("many.log") && msg.contains("more than 2 lines"),
            "{msg}"
        );
        // A chunk numbered from further on meets the same limit.
        let mut r: &[u8] = b"a\n";
        assert!(numbered_lines(&mut r, path, 3, 0, 2, None, |_: Line| {}).is_err());
    }

    #[test]
    fn reads_plain_and_gz_lines_with_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.log");
        std::fs::write(&plain, b"one\r\ntwo\n\xffbad\nlast").unwrap();
        let gz = dir.path().join("a.log.1.gz");
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::fast(),
        );
        e.write_all(b"one\r\ntwo\n\xffbad\nlast").unwrap();
        e.finish().unwrap();
        for p in [&plain, &gz] {
            let mut got = Vec::new();
            let n = for_each_line(&mut *open(p).unwrap(), p, |l| {
                got.push((l.number, l.text.to_string(), l.lossy, l.at.offset, l.at.len))
            })
            .unwrap();
            assert_eq!(n, 4);
            // Offsets count the decompressed bytes; a CR before LF is not
            // part of the line's length.
            assert_eq!(
                got,
                vec![
                    (1, "one".into(), false, 0, 3),
                    (2, "two".into(), false, 5, 3),
                    (3, "\u{fffd}bad".into(), true, 9, 4),
                    (4, "last".into(), false, 14, 4)
                ]
            );
        }
    }

    /// A line whole in the reader's buffer is lent from it, one that
    /// crosses the buffer's end is copied: at every buffer size, both give
    /// what `read_line` alone gives (text, loss, cut, place), for LF, CRLF
    /// and CR files, bad UTF-8, a blank line, no final newline, and a line
    /// cut at `MAX_LINE`.
    #[test]
    fn lent_and_copied_lines_are_the_same() {
        let long = "x".repeat(MAX_LINE + 5);
        let lf = format!("one\ntwo\r\n\n\u{e9}t\u{e9}\n{long}\nshort\nlast");
        let mut bad = lf.clone().into_bytes();
        bad[1] = 0xff;
        let cr = lf.replace('\n', "\r").into_bytes();
        for text in [lf.into_bytes(), bad, cr] {
            let mode = ending(&mut text.as_slice()).unwrap();
            // What `read_line` alone reads.
            let mut want = Vec::new();
            let (mut r, mut buf, mut offset) = (text.as_slice(), Vec::new(), 0);
            while let Some((cut, took)) = read_line(&mut r, &mut buf, MAX_LINE, mode).unwrap() {
                let t = String::from_utf8_lossy(&buf).into_owned();
                want.push((t, cut, offset, buf.len() as u32));
                offset += took;
                buf.clear();
            }
            assert!(
                want.len() >= 7 && want.iter().any(|w| w.1),
                "{}",
                want.len()
            );
            let mut told_lines = 0;
            for capacity in [1, 2, 3, 5, 8, 64, 8192, 2 * MAX_LINE] {
                let mut r = std::io::BufReader::with_capacity(capacity, text.as_slice());
                let path = Path::new("t.log");
                let mut sink = Told::default();
                // The ending is given: a buffer of a byte or two is too
                // short for `ending` to tell CR from LF.
                numbered_lines(&mut r, path, 1, 0, MAX_LINES, Some(mode), &mut sink).unwrap();
                // Stretches follow one another, each byte told once, and
                // are the file's bytes.
                let mut end = 0;
                for (at, bytes) in &sink.stretches {
                    assert!(*at >= end, "capacity {capacity}: told twice");
                    assert_eq!(&text[*at as usize..][..bytes.len()], &bytes[..]);
                    end = at + bytes.len() as u64;
                }
                told_lines += sink.inside;
                let got = sink.got;
                let differ = got.iter().zip(&want).position(|(g, w)| g != w);
                assert_eq!(
                    (got.len(), differ),
                    (want.len(), None),
                    "capacity {capacity}, {mode:?}"
                );
            }
            // The large buffers lend most lines from a stretch.
            assert!(told_lines >= 10, "{told_lines}");
        }
    }

    /// A sink that checks each line inside the last stretch told is the
    /// stretch's bytes there, and keeps the lines as `read_line` gives them.
    #[derive(Default)]
    struct Told {
        stretches: Vec<(u64, Vec<u8>)>,
        got: Vec<(String, bool, u64, u32)>,
        inside: usize,
    }

    impl LineSink for &mut Told {
        fn stretch(&mut self, offset: u64, bytes: &[u8]) {
            let stop = bytes.last().copied();
            assert!(stop == Some(b'\n') || stop == Some(b'\r'));
            self.stretches.push((offset, bytes.to_vec()));
        }

        fn line(&mut self, l: Line<'_>) {
            if let Some((at, bytes)) = self.stretches.last() {
                let (from, to) = (l.at.offset, l.at.offset + u64::from(l.at.len));
                if from >= *at && to <= at + bytes.len() as u64 && !l.lossy && !l.truncated {
                    let here = &bytes[(from - at) as usize..(to - at) as usize];
                    assert_eq!(here, l.text.as_bytes());
                    self.inside += 1;
                }
            }
            self.got
                .push((l.text.to_string(), l.truncated, l.at.offset, l.at.len));
        }
    }

    #[test]
    fn chunks_cut_at_line_starts_and_number_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let text: String = (1..=100).map(|k| format!("line {k}\n")).collect();
        std::fs::write(&p, &text).unwrap();
        let cs = chunks(&p, 97).unwrap().unwrap();
        assert!(cs.len() > 3);
        let mut seen = Vec::new();
        for c in &cs {
            let mut r = open_chunk(&p, *c).unwrap();
            for_each_line_from(&mut *r, &p, c.first_line, c.start, None, |l: Line| {
                seen.push((l.number, l.text.to_string(), l.at.offset))
            })
            .unwrap();
        }
        // Each chunk counts its offsets from its own start in the file.
        let want: Vec<(u64, String, u64)> = (1..=100)
            .map(|k| {
                let line = format!("line {k}");
                let offset = text.find(&format!("{line}\n")).unwrap() as u64;
                (k, line, offset)
            })
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn truncated_gzip_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("t.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&b"line\n".repeat(10000)).unwrap();
        let bytes = e.finish().unwrap();
        std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
        let err = for_each_line(&mut *open(&gz).unwrap(), &gz, |_| {}).unwrap_err();
        assert!(
            err.to_string().contains("t.gz: read error after line"),
            "{err}"
        );
    }
}

/// A byte range of a plain file that starts at a line start, with the
/// number of its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub start: u64,
    pub end: u64,
    pub first_line: u64,
}

/// Split a plain (uncompressed) file into chunks of about `size` bytes at
/// line boundaries, counting lines so each chunk knows its first line
/// number. `None` for gzip files, which cannot be split.
pub fn chunks(path: &Path, size: u64) -> Result<Option<Vec<Chunk>>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    if is_gzip(&mut f).map_err(|e| Error::io(path, e))? {
        return Ok(None);
    }
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    let n = len.div_ceil(size.max(1)).max(1);
    let mut out = Vec::new();
    let mut start = 0u64;
    let mut first_line = 1u64;
    let mut buf = vec![0u8; 1 << 16];
    for k in 1..=n {
        // The end: the byte after the first newline at or past the nominal
        // cut (the end of the file if there is none).
        let end = if k == n {
            len
        } else {
            let nominal = (len * k / n).max(start);
            next_line_start(&mut f, nominal + 1, u64::MAX, &mut buf)
                .map_err(|e| Error::io(path, e))?
                .unwrap_or(len)
        };
        if end <= start {
            continue;
        }
        out.push(Chunk {
            start,
            end,
            first_line,
        });
        // Count this chunk's lines for the next one's numbering.
        first_line += count_lines(&mut f, start, end, &mut buf).map_err(|e| Error::io(path, e))?;
        start = end;
        if start >= len {
            break;
        }
    }
    Ok(Some(out))
}

/// The newlines in bytes `from..to` of `f` (fewer if it ends sooner).
pub fn count_lines(f: &mut File, from: u64, to: u64, buf: &mut [u8]) -> std::io::Result<u64> {
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(from))?;
    let mut left = to.saturating_sub(from);
    let mut n = 0;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let got = f.read(&mut buf[..want])?;
        if got == 0 {
            break;
        }
        n += memchr::memchr_iter(b'\n', &buf[..got]).count() as u64;
        left -= got as u64;
    }
    Ok(n)
}

/// The start of the first line that begins at or after byte `from` of
/// `f` and before `limit`: the byte after the next newline; `None` if
/// there is none there.
pub fn next_line_start(
    f: &mut File,
    from: u64,
    limit: u64,
    buf: &mut [u8],
) -> std::io::Result<Option<u64>> {
    use std::io::{Seek, SeekFrom};
    if from == 0 {
        return Ok(Some(0).filter(|_| limit > 0));
    }
    // The line before `from` ends at `from - 1` or later.
    let mut at = from - 1;
    f.seek(SeekFrom::Start(at))?;
    while at < limit {
        let got = f.read(buf)?;
        if got == 0 {
            return Ok(None);
        }
        if let Some(p) = memchr::memchr(b'\n', &buf[..got]) {
            let start = at + p as u64 + 1;
            return Ok(Some(start).filter(|&s| s < limit));
        }
        at += got as u64;
    }
    Ok(None)
}

/// A reader over one chunk of a plain file.
pub fn open_chunk(path: &Path, c: Chunk) -> Result<Box<dyn BufRead + Send>> {
    Ok(Box::new(BufReader::with_capacity(
        1 << 18,
        chunk_of(path, c)?,
    )))
}

/// The bytes of chunk `c` of a plain file (`Chunk::end` may be
/// `u64::MAX`: to its end).
fn chunk_of(path: &Path, c: Chunk) -> Result<std::io::Take<File>> {
    use std::io::{Seek, SeekFrom};
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    f.seek(SeekFrom::Start(c.start))
        .map_err(|e| Error::io(path, e))?;
    Ok(f.take(c.end.saturating_sub(c.start)))
}
