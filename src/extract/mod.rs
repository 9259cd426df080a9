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

impl Part {
    /// The sources of part `k`: the bundle's sources in order, cut into `n`
    /// runs of about equal bytes (a source belongs to the part its first
    /// byte falls in), so that the parts together hold each source once.
    pub fn holds(&self, sizes: &[u64]) -> Vec<bool> {
        let total: u128 = sizes.iter().map(|&s| u128::from(s)).sum::<u128>().max(1);
        let mut start: u128 = 0;
        sizes
            .iter()
            .map(|&s| {
                let part = (start * u128::from(self.n) / total) as u32 + 1;
                start += u128::from(s);
                part == self.k
            })
            .collect()
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
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let plan = plan::plan(&bundle, reg, opts)?;
    let sizes: Vec<u64> = plan
        .sources
        .iter()
        .map(|p| std::fs::metadata(&p.file.abs).map(|m| m.len()).unwrap_or(0))
        .collect();
    let held = match part {
        Some(p) => p.holds(&sizes),
        None => vec![true; sizes.len()],
    };
    let mine: Vec<&plan::SourcePlan> = (plan.sources.iter().zip(&held))
        .filter(|(_, &h)| h)
        .map(|(p, _)| p)
        .collect();
    let results = ingest::parse(&bundle, &mine, reg, opts, keep)?;
    let record = bundle_record(path, &bundle)?;
    let mut written = Vec::new();
    for (p, r) in mine.into_iter().zip(results) {
        let k = p.index as usize;
        written.push(write_source(
            out,
            &record,
            p,
            plan.detection[k].clone(),
            plan.probes[k].clone(),
            keep,
            r,
        )?);
    }
    Ok(written)
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
    p: &plan::SourcePlan,
    detection: Option<crate::finding::Finding>,
    probe: Option<plan::Probe>,
    keep: Keep,
    r: ingest::SourceResult,
) -> Result<PathBuf> {
    let stem = stem(p.index, &p.file.rel);
    let parquet = format!("{stem}{PARQUET_SUFFIX}");
    write::events(&out.join(&parquet), &r.events)?;
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
            detection,
            probe,
        },
        result: ResultRecord {
            summary: r.summary,
            failures: r.failures,
            findings: r.findings,
            silences: r.silences,
            envelope: r.envelope,
            rates: r.rates,
            users: r.users,
        },
        events: EventsRecord {
            file: parquet,
            rows: r.events.len() as u64,
        },
    };
    let path = out.join(format!("{stem}{SIDECAR_SUFFIX}"));
    let mut text = serde_json::to_string_pretty(&sidecar)
        .map_err(|e| Error::input(&path, format!("sidecar does not serialise: {e}")))?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
