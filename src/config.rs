//! Run options resolved once from the command line. The manifest's share is
//! merged per source in `ingest::plan`, where the bundle is known.

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
