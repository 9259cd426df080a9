//! Reading a source file line by line as bytes, gzip transparently.
//!
//! Lines are never held beyond the caller's use: memory is bounded by the
//! longest line (capped) plus what the caller keeps.

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Longer lines are cut here for parsing (and counted as unparsed).
pub const MAX_LINE: usize = 1 << 20;

/// Open a file, decompressing `*.gz` (by name or by magic bytes).
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(
            1 << 18,
            MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f)),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 18, f)))
    }
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
}

/// Iterate a reader's lines, calling `f` for each. Stops at the first read
/// error (a truncated gzip member, say), which names the file and line.
pub fn for_each_line(
    reader: &mut dyn BufRead,
    path: &Path,
    mut f: impl FnMut(Line<'_>),
) -> Result<u64> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut number = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::input(path, format!("read error after line {number}: {e}")))?;
        if n == 0 {
            return Ok(number);
        }
        number += 1;
        let mut end = buf.len();
        if end > 0 && buf[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && buf[end - 1] == b'\r' {
            end -= 1;
        }
        let truncated = end > MAX_LINE;
        let bytes = &buf[..end.min(MAX_LINE)];
        match std::str::from_utf8(bytes) {
            Ok(text) => f(Line {
                number,
                text,
                lossy: false,
                truncated,
            }),
            Err(_) => {
                let owned = String::from_utf8_lossy(bytes).into_owned();
                f(Line {
                    number,
                    text: &owned,
                    lossy: true,
                    truncated,
                })
            }
        }
    }
}

/// The first `max_lines` lines and up to `max_bytes` of a file as text, for
/// detection and year probing.
pub fn head(path: &Path, max_lines: usize, max_bytes: usize) -> Result<String> {
    let mut r = open(path)?;
    let mut out = String::new();
    let mut buf = Vec::new();
    for _ in 0..max_lines {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::input(path, format!("read error: {e}")))?;
        if n == 0 || out.len() + n > max_bytes {
            break;
        }
        out.push_str(&String::from_utf8_lossy(&buf));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
                got.push((l.number, l.text.to_string(), l.lossy))
            })
            .unwrap();
            assert_eq!(n, 4);
            assert_eq!(
                got,
                vec![
                    (1, "one".into(), false),
                    (2, "two".into(), false),
                    (3, "\u{fffd}bad".into(), true),
                    (4, "last".into(), false)
                ]
            );
        }
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
