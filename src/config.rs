//! Run options resolved once from the command line. The manifest's share is
//! merged per source in `ingest::plan`, where the bundle is known.
//!
//! Flag resolution (`Options::resolve`) lives here, not in `cmd`, because
//! `cmd` is not its only caller: `golden` resolves a fixture's settings the
//! same way and must not depend on the command layer.

use crate::cli::Common;
use crate::error::{Error, Result};
use chrono_tz::Tz;
use std::collections::HashMap;
use std::path::PathBuf;

/// What the user asked for, beyond the bundle itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--zone`: zone for sources that name none.
    pub zone: Option<Tz>,
    /// `--report-zone`: zone the report is written in.
    pub report_zone: Option<Tz>,
    /// `--year`: year for year-less formats.
    pub year: Option<i32>,
    /// `--abbrev LABEL=OFFSET`, for every source.
    pub abbrev: HashMap<String, i32>,
    /// `--grammars DIR`: extra user grammars.
    pub grammars: Option<PathBuf>,
    /// Chunk size for reading large files in parallel (`--chunk-bytes`,
    /// hidden: tests force tiny chunks to prove the result is the same).
    pub chunk_bytes: Option<u64>,
    /// How finely threads share a file (`--share-bytes`, hidden: tests
    /// force tiny cuts to prove the result is the same).
    pub share_bytes: Option<u64>,
    /// Draw a progress bar on stderr (a terminal and not `-q`).
    pub progress: bool,
    /// `--correct-skew`: move the events of sources whose clock is skewed.
    pub correct_skew: bool,
    /// `--merge-gap`: an onset this close to a window's latest joins it.
    pub merge_gap_s: Option<i64>,
    /// `--background-after`: how long before a window a failure is background.
    pub background_after_s: Option<i64>,
    /// `--subject GLOB`, `--host GLOB`: the focus, beside the manifest's.
    pub subjects: Vec<String>,
    pub hosts: Vec<String>,
    /// `--from`/`--to` on analyze: the range the reported window overlaps.
    pub range: (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ),
}

/// Which events a command needs kept in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Only events that matter for windows and the report (not `info`).
    Significant,
    /// Every timed line, with its text (timeline, parse).
    All,
}

impl Options {
    /// Resolve the common flags into run options, checking zones and
    /// overrides. `rfo check` resolves a fixture's `check.toml` through
    /// this too (as the flags it stands for), so that a fixture is read as
    /// the command line would read it.
    pub fn resolve(c: &Common) -> Result<Options> {
        let zone = |z: &Option<String>, flag: &str| -> Result<Option<chrono_tz::Tz>> {
            z.as_deref()
                .map(|s| {
                    s.parse()
                        .map_err(|_| Error::Usage(format!("{flag} {s:?}: unknown time zone (use an IANA name such as America/Chicago)")))
                })
                .transpose()
        };
        let mut abbrev = std::collections::HashMap::new();
        for a in &c.abbrev {
            let (label, off) = a.split_once('=').ok_or_else(|| {
                Error::Usage(format!(
                    "--abbrev {a:?}: expected ABBR=OFFSET, e.g. CDT=-05:00"
                ))
            })?;
            let off = crate::time::abbrev::parse_offset(off).ok_or_else(|| {
                Error::Usage(format!(
                    "--abbrev {a:?}: {off:?} is not an offset like -05:00"
                ))
            })?;
            abbrev.insert(label.trim().to_string(), off);
        }
        Ok(Options {
            zone: zone(&c.zone, "--zone")?,
            report_zone: zone(&c.report_zone, "--report-zone")?,
            year: year(c.year)?,
            abbrev,
            grammars: c.grammars.clone(),
            merge_gap_s: seconds("--merge-gap", c.merge_gap)?,
            background_after_s: seconds("--background-after", c.background_after)?,
            subjects: c.subjects.clone(),
            hosts: c.hosts.clone(),
            correct_skew: c.correct_skew,
            chunk_bytes: c.chunk_bytes,
            share_bytes: c.share_bytes,
            progress: !c.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            range: (None, None),
        })
    }
}

/// `--year`: only years rfo places events in (a two-digit `17` is a typo,
/// not the year 17).
fn year(v: Option<i32>) -> Result<Option<i32>> {
    let years = crate::time::resolve::YEARS;
    match v {
        Some(y) if !years.contains(&y) => Err(Error::Usage(format!(
            "--year {y}: expected a full year from {} to {}, e.g. 2017",
            years.start(),
            years.end()
        ))),
        _ => Ok(v),
    }
}

/// A span of seconds from a flag: 0 to 30 days (a larger value would
/// overflow time arithmetic and means nothing for one incident).
fn seconds(flag: &str, v: Option<i64>) -> Result<Option<i64>> {
    const MAX: i64 = 30 * 86_400;
    match v {
        Some(s) if !(0..=MAX).contains(&s) => Err(Error::Usage(format!(
            "{flag} {s}: expected 0 to {MAX} seconds (30 days)"
        ))),
        _ => Ok(v),
    }
}

/// A report zone named in the analysis or the manifest (both checked when
/// read, so this fails only on hand-edited input): one parse and one
/// message for every output that writes times in it.
pub fn report_zone(name: &str) -> Result<Tz> {
    name.parse()
        .map_err(|_| Error::Usage(format!("unknown report zone {name:?}")))
}
