//! Extract and merge: parse where the logs are, analyze the merged events.
//!
//! `rfo extract` parses sources (all of a bundle, or one part of it) and
//! writes, per source, its timed significant events as Parquet and a JSON
//! sidecar with the per-source state the later stages need. `rfo analyze
//! --events DIR…` reads them back into the same `Ingested` a bundle's run
//! builds, so that everything from `align` on is the bundle's own code.
//!
//! What only the merge can know is decided at the merge: the year of a
//! year-less source (from the other sources' dated lines), cross-source
//! offsets and clock skew (`align`). Extraction records the evidence and a
//! provisional year; a source whose year the merge decides differently is
//! read again from where it was extracted, or refused (docs/events.md).

pub mod merge;
pub mod read;
pub mod schema;
pub mod sidecar;
pub mod write;

use crate::bundle::Bundle;
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::grammar::registry::Registry;
use crate::ingest::{self, plan};
use sidecar::{
    BundleRecord, EventsRecord, KeepRecord, ManifestRecord, ResultRecord, Sidecar, SourceRecord,
    SCHEMA,
};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// What goes wrong reading events files; each names the file.
#[derive(Debug, Error)]
pub enum EventsError {
    #[error("{path}: events schema {found} (written by rfo {wrote}), this rfo {} reads {SCHEMA}: extract the logs again with this rfo", env!("CARGO_PKG_VERSION"), path = .path.display())]
    Schema {
        path: PathBuf,
        found: String,
        wrote: String,
    },
    #[error("{path}: not a readable events file: {message}", path = .path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: events file missing: {message}", path = .path.display())]
    Missing { path: PathBuf, message: String },
    #[error("{path}: no events files here (`rfo extract … --out DIR` writes them)", path = .path.display())]
    Empty { path: PathBuf },
    #[error("{path}: holds events files: give a bundle, or events directories with --events, not a mix", path = .path.display())]
    Mixed { path: PathBuf },
    #[error("{0}")]
    Incomplete(String),
    #[error("{path}: {message}", path = .path.display())]
    Stale { path: PathBuf, message: String },
}

/// Which slice of a bundle's sources one `rfo extract --part K/N` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// 1-based.
    pub k: u32,
    pub n: u32,
}

impl std::str::FromStr for Part {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Part, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected K/N, e.g. 3/16"))?;
        let num = |v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| format!("{s:?}: K and N are whole numbers"))
        };
        let (k, n) = (num(k)?, num(n)?);
        if n == 0 || k == 0 || k > n {
            return Err(format!("{s:?}: K runs from 1 to N"));
        }
        Ok(Part { k, n })
    }
}

/// What of one source a part reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slice {
    Whole,
    /// A stretch of lines of a plain file (`source::run_part`).
    Range(crate::bundle::read::Chunk),
}

impl Part {
    /// Cut `k` of `n` through `total` bytes.
    fn cut(&self, k: u32, total: u64) -> u64 {
        (u128::from(total) * u128::from(k) / u128::from(self.n)) as u64
    }

    /// What part `k` reads of each source: the bundle's bytes, all sources
    /// in order, are cut into `n` runs of equal size. A plain file read
    /// line by line is cut where the runs are, each cut moved on to the
    /// next line start, so that the parts tile it; any other source (a
    /// document, a gzip file, an unrecognised one) goes whole to the part
    /// its first byte falls in.
    pub fn slices(
        &self,
        plan: &plan::Plan,
        reg: &Registry,
        sizes: &[u64],
    ) -> Result<Vec<Option<Slice>>> {
        let total: u64 = sizes.iter().sum();
        let (lo, hi) = (self.cut(self.k - 1, total), self.cut(self.k, total));
        let owner = |at: u64| -> u32 {
            ((u128::from(at) * u128::from(self.n) / u128::from(total.max(1))) as u32 + 1)
                .min(self.n)
        };
        let mut off = 0u64;
        let mut out = Vec::with_capacity(sizes.len());
        for (p, &size) in plan.sources.iter().zip(sizes) {
            let lined = p
                .grammar
                .as_deref()
                .and_then(|g| reg.get(g))
                .is_some_and(|g| !g.is_document());
            let slice = if !lined || size == 0 || !plain(&p.file.abs) {
                (owner(off) == self.k).then_some(Slice::Whole)
            } else {
                let local = |x: u64| x.saturating_sub(off).min(size);
                let (a, b) = (
                    line_start(&p.file.abs, local(lo), size)?,
                    line_start(&p.file.abs, local(hi), size)?,
                );
                if a >= b {
                    None
                } else if a == 0 && b == size {
                    Some(Slice::Whole)
                } else {
                    Some(Slice::Range(crate::bundle::read::Chunk {
                        start: a,
                        end: b,
                        first_line: 1 + newlines_before(&p.file.abs, a)?,
                    }))
                }
            };
            out.push(slice);
            off += size;
        }
        Ok(out)
    }
}

/// Not gzip (which cannot be cut).
fn plain(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok_and(|_| magic != [0x1f, 0x8b])
}

/// The first line start after the newline at or past `at` (0 and `size`
/// stand), as `read::chunks` cuts.
fn line_start(path: &Path, at: u64, size: u64) -> Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    if at == 0 || at >= size {
        return Ok(at.min(size));
    }
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    f.seek(SeekFrom::Start(at))
        .map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut pos = at;
    loop {
        let got = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if got == 0 {
            return Ok(size);
        }
        if let Some(p) = memchr::memchr(b'\n', &buf[..got]) {
            return Ok((pos + p as u64 + 1).min(size));
        }
        pos += got as u64;
    }
}

/// Newlines in the first `end` bytes of a file: the line number a stretch
/// starting there continues from.
fn newlines_before(path: &Path, end: u64) -> Result<u64> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = f.take(end);
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let got = r.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if got == 0 {
            return Ok(n);
        }
        n += memchr::memchr_iter(b'\n', &buf[..got]).count() as u64;
    }
}

/// Suffixes of the two files written per source.
pub const SIDECAR_SUFFIX: &str = ".events.json";
pub const PARQUET_SUFFIX: &str = ".events.parquet";

/// The file stem for a source: its index, then its path made safe for a
/// file name (derived from the bundle, never from the time of the run).
pub fn stem(index: u32, rel: &str) -> String {
    let safe: String = rel
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    format!("{index:05}-{safe}")
}

/// Extract the sources of `path` (those of `part`, or all) into `out`;
/// returns the sidecars written.
pub fn extract(
    path: &Path,
    reg: &Registry,
    opts: &Options,
    keep: Keep,
    part: Option<Part>,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let bundle = Bundle::open(path)?;
    if is_events_dir(path) {
        return Err(EventsError::Mixed {
            path: path.to_path_buf(),
        }
        .into());
    }
    inside_check(path, &bundle, out)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let plan = plan::plan_probed(&bundle, reg, opts)?;
    let sizes: Vec<u64> = plan
        .sources
        .iter()
        .map(|p| std::fs::metadata(&p.file.abs).map(|m| m.len()).unwrap_or(0))
        .collect();
    let slices = match part {
        Some(p) => p.slices(&plan, reg, &sizes)?,
        None => vec![Some(Slice::Whole); sizes.len()],
    };
    let whole: Vec<&plan::SourcePlan> = (plan.sources.iter().zip(&slices))
        .filter(|(_, s)| **s == Some(Slice::Whole))
        .map(|(p, _)| p)
        .collect();
    let results = ingest::parse(&bundle, &whole, reg, opts, keep)?;
    let record = bundle_record(path, &bundle)?;
    let mut written = Vec::new();
    for (p, mut r) in whole.into_iter().zip(results) {
        let events = std::mem::take(&mut r.events);
        written.push(write_source(
            out,
            &record,
            &plan,
            p,
            keep,
            Written::Whole(Box::new(r)),
            events,
        )?);
    }
    let ranges: Vec<(&plan::SourcePlan, crate::bundle::read::Chunk)> =
        (plan.sources.iter().zip(&slices))
            .filter_map(|(p, s)| match s {
                Some(Slice::Range(c)) => Some((p, *c)),
                _ => None,
            })
            .collect();
    use rayon::prelude::*;
    let partials: Vec<Result<crate::ingest::source::Partial>> = ranges
        .par_iter()
        .map(|(p, c)| {
            let g = p
                .grammar
                .as_deref()
                .and_then(|g| reg.get(g))
                .expect("a lined source has its grammar");
            crate::ingest::source::run_part(p, g, keep, *c)
        })
        .collect();
    for ((p, _), partial) in ranges.iter().zip(partials) {
        let mut partial = partial?;
        let events = std::mem::take(&mut partial.events);
        written.push(write_source(
            out,
            &record,
            &plan,
            p,
            keep,
            Written::Part(Box::new(partial)),
            events,
        )?);
    }
    Ok(written)
}

/// What a sidecar carries: a whole source, or a stretch of one.
enum Written {
    Whole(Box<ingest::SourceResult>),
    Part(Box<crate::ingest::source::Partial>),
}

/// `--out` inside a bundle directory would have the next part read the
/// events files as logs, and its source list differ from the others'.
fn inside_check(path: &Path, bundle: &Bundle, out: &Path) -> Result<()> {
    if !path.is_dir() {
        return Ok(());
    }
    let abs = |p: &Path| std::path::absolute(p).map_err(|e| Error::io(p, e));
    let (root, out_abs) = (abs(&bundle.root)?, abs(out)?);
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    // The nearest existing ancestor of `--out`, resolved, against the root.
    let mut probe = out_abs.as_path();
    while !probe.exists() {
        match probe.parent() {
            Some(p) => probe = p,
            None => break,
        }
    }
    let rest = out_abs.strip_prefix(probe).unwrap_or(Path::new(""));
    if canon(probe).join(rest).starts_with(canon(&root)) {
        return Err(Error::Usage(format!(
            "--out {}: inside the bundle {}, where its files would be read as logs; write events outside the bundle",
            out.display(),
            path.display()
        )));
    }
    Ok(())
}

/// Whether a directory holds events files (a bundle must not).
pub fn is_events_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(SIDECAR_SUFFIX))
    })
}

fn bundle_record(path: &Path, bundle: &Bundle) -> Result<BundleRecord> {
    let root = std::path::absolute(&bundle.root).map_err(|e| Error::io(&bundle.root, e))?;
    Ok(BundleRecord {
        path: std::path::absolute(path).map_err(|e| Error::io(path, e))?,
        root,
        sources: bundle.files.len() as u32,
        manifest: bundle.manifest.as_ref().map(|m| ManifestRecord {
            path: m.path.clone(),
            text: m.text.clone(),
        }),
        skipped: bundle.skipped.iter().map(Into::into).collect(),
    })
}

/// Size and modification time (ns since the epoch) of a file.
pub fn fingerprint(path: &Path) -> Option<(u64, Option<u128>)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos());
    Some((m.len(), mtime))
}

fn write_source(
    out: &Path,
    bundle: &BundleRecord,
    plan: &plan::Plan,
    p: &plan::SourcePlan,
    keep: Keep,
    what: Written,
    events: crate::timeline::Timeline,
) -> Result<PathBuf> {
    let stem = match &what {
        Written::Whole(_) => stem(p.index, &p.file.rel),
        // Stretches sort in file order by their start.
        Written::Part(part) => format!("{}.at{:014}", stem(p.index, &p.file.rel), part.start),
    };
    let path = out.join(format!("{stem}{SIDECAR_SUFFIX}"));
    // Two loose files of one name (`a/messages`, `b/messages`) would
    // otherwise overwrite each other's events, and the merge miss one.
    if let Ok(there) = read::sidecar(&path) {
        if there.bundle.path != bundle.path {
            return Err(Error::Usage(format!(
                "{}: holds the events of {}, not {}: extract them into another --out",
                path.display(),
                there.bundle.path.display(),
                bundle.path.display()
            )));
        }
    }
    let parquet = format!("{stem}{PARQUET_SUFFIX}");
    let mut lines = match &what {
        // Checked before the events file is begun.
        Written::Whole(r) => crate::bundle::lines::LineReader::new(&r.origin).checked()?,
        // A stretch's events hold their lines.
        Written::Part(_) => crate::bundle::lines::LineReader::default(),
    };
    write::events(&out.join(&parquet), &events, &mut lines)?;
    let (result, part) = match what {
        Written::Whole(r) => (Some(ResultRecord::of(*r)), None),
        Written::Part(part) => (None, Some(*part)),
    };
    let k = p.index as usize;
    let abs = std::path::absolute(&p.file.abs).map_err(|e| Error::io(&p.file.abs, e))?;
    let (size, mtime_ns) = fingerprint(&abs).unwrap_or((0, None));
    let sidecar = Sidecar {
        schema: SCHEMA.to_string(),
        rfo: env!("CARGO_PKG_VERSION").to_string(),
        keep: match keep {
            Keep::Significant => KeepRecord::Significant,
            Keep::All => KeepRecord::All,
        },
        bundle: bundle.clone(),
        source: SourceRecord {
            index: p.index,
            rel: p.file.rel.clone(),
            abs,
            size,
            mtime_ns,
            entry: p.file.entry,
            grammar: p.grammar.clone(),
            candidates: p.candidates.clone(),
            zone: p.zone,
            host: p.host.clone(),
            year: p.year,
            overrides: p.overrides.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            rates: p.rates,
            detection: plan.detection[k].clone(),
            probe: plan.probes[k].clone(),
        },
        result,
        part,
        events: EventsRecord {
            file: parquet,
            rows: events.len() as u64,
        },
    };
    let mut text = serde_json::to_string_pretty(&sidecar)
        .map_err(|e| Error::input(&path, format!("sidecar does not serialise: {e}")))?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For every N, the parts together read each source once: a whole
    /// source in exactly one part, a cut one in stretches that tile it from
    /// line start to line start, each numbered from the lines before it.
    #[test]
    fn parts_tile_every_source_once() {
        let dir = tempfile::tempdir().unwrap();
        let lines = |n: usize, width: usize| -> String {
            (0..n)
                .map(|k| {
                    format!(
                        "2019-03-01T10:{:02}:{:02}Z web01 app: request {}\n",
                        k / 60 % 60,
                        k % 60,
                        "x".repeat(k * 7 % width)
                    )
                })
                .collect()
        };
        std::fs::write(dir.path().join("a.log"), lines(300, 40)).unwrap();
        std::fs::write(dir.path().join("b.log"), lines(40, 200)).unwrap();
        std::fs::write(dir.path().join("c.txt"), "no timestamp here\n").unwrap();
        std::fs::write(dir.path().join("d.log"), "").unwrap();
        let bundle = Bundle::open(dir.path()).unwrap();
        let reg = Registry::builtin().unwrap();
        let plan = plan::plan(&bundle, &reg, &Options::default()).unwrap();
        let sizes: Vec<u64> = bundle
            .files
            .iter()
            .map(|f| std::fs::metadata(&f.abs).unwrap().len())
            .collect();
        for n in 1..=9u32 {
            let all: Vec<Vec<Option<Slice>>> = (1..=n)
                .map(|k| Part { k, n }.slices(&plan, &reg, &sizes).unwrap())
                .collect();
            let cut = all
                .iter()
                .flatten()
                .flatten()
                .any(|s| matches!(s, Slice::Range(_)));
            assert_eq!(cut, n > 1, "N={n}: a log is cut when there are parts");
            for (i, file) in bundle.files.iter().enumerate() {
                let text = std::fs::read(&file.abs).unwrap();
                let mine: Vec<Slice> = all.iter().filter_map(|p| p[i]).collect();
                if mine == [Slice::Whole] {
                    continue;
                }
                let mut at = 0u64;
                for s in &mine {
                    let Slice::Range(c) = s else {
                        panic!("{}: whole and cut for N={n}: {mine:?}", file.rel)
                    };
                    assert_eq!(c.start, at, "{} N={n}: {mine:?}", file.rel);
                    assert!(c.start == 0 || text[c.start as usize - 1] == b'\n');
                    let before = text[..c.start as usize].iter().filter(|b| **b == b'\n');
                    assert_eq!(c.first_line, 1 + before.count() as u64);
                    at = c.end;
                }
                assert_eq!(at, sizes[i], "{} N={n}: {mine:?}", file.rel);
            }
        }
    }
}
