//! The JSON sidecar beside each events file: everything about one source
//! that is not an event row — the plan's choices, the raw evidence for
//! what only a merge can decide (the year probe), and the per-source state
//! `align` and the windows need (summary, time notes, silences, envelope
//! samples, rates, users). Plain serde data; docs/events.md lists it.

use crate::bundle::{SkipKind, Skipped};
use crate::finding::Finding;
use crate::grammar::record::ParseFailure;
use crate::ingest::plan::Probe;
use crate::ingest::source::EnvelopeSkew;
use crate::ingest::SourceSummary;
use crate::time::note::Slot;
use crate::time::provenance::{YearChoice, ZoneChoice};
use crate::time::resolve::Silence;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The version of the events files this rfo writes and reads.
pub const SCHEMA: &str = "rfo.events/1";

/// One source's sidecar (`NNNNN-name.events.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sidecar {
    /// `rfo.events/1`: a merge refuses any other.
    pub schema: String,
    /// The rfo that wrote it, for the reader of a mismatch.
    pub rfo: String,
    /// Which events the rows hold: `significant`, or `all` (with the
    /// lines' text, for `rfo timeline --events`).
    pub keep: KeepRecord,
    pub bundle: BundleRecord,
    pub source: SourceRecord,
    /// A whole source, parsed: everything but its events.
    pub result: Option<ResultRecord>,
    /// Or one stretch of it (`--part`), before the merge puts the
    /// stretches together: byte range, first line, counts, clock states.
    pub part: Option<crate::ingest::source::Partial>,
    /// The Parquet file with this source's rows, beside the sidecar.
    pub events: EventsRecord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepRecord {
    Significant,
    All,
}

/// The bundle the source belongs to, as far as the analysis reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleRecord {
    /// The bundle as given to `rfo extract` (absolute): a directory, an
    /// archive or one log file. Sources of one bundle share it.
    pub path: PathBuf,
    /// Its root directory (for an archive, where it was unpacked).
    pub root: PathBuf,
    /// How many sources the bundle has: a merge refuses an incomplete set.
    pub sources: u32,
    /// `bundle.toml`, verbatim: read again at the merge.
    pub manifest: Option<ManifestRecord>,
    pub skipped: Vec<SkippedRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRecord {
    pub path: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRecord {
    pub path: String,
    pub reason: String,
    pub kind: SkipKind,
}

impl From<&Skipped> for SkippedRecord {
    fn from(s: &Skipped) -> Self {
        SkippedRecord {
            path: s.path.clone(),
            reason: s.reason.clone(),
            kind: s.kind,
        }
    }
}

impl From<&SkippedRecord> for Skipped {
    fn from(s: &SkippedRecord) -> Self {
        Skipped {
            path: s.path.clone(),
            reason: s.reason.clone(),
            kind: s.kind,
        }
    }
}

/// The plan for the source, and what lets a merge read it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Its index in the bundle's sorted file list.
    pub index: u32,
    /// The evidence name (relative to the bundle root).
    pub rel: String,
    /// Where it was read: a merge reads it again from here when it must.
    pub abs: PathBuf,
    /// Size and modification time when extracted: a file read again must
    /// still match them.
    pub size: u64,
    pub mtime_ns: Option<u128>,
    /// Its `[[source]]` entry in the manifest.
    pub entry: Option<usize>,
    pub grammar: Option<String>,
    pub candidates: Option<String>,
    pub zone: ZoneChoice,
    pub host: Option<String>,
    /// The year its year-less lines were read in, provisionally when it was
    /// inferred (`bundle`, `file-mtime`): the merge decides it again.
    pub year: Option<YearChoice>,
    pub overrides: BTreeMap<String, i32>,
    pub rates: crate::rates::Rule,
    /// Its `unknown-format` finding, when detection failed.
    pub detection: Option<Finding>,
    /// The year evidence of its head (`plan::probe`).
    pub probe: Option<Probe>,
}

/// A parsed source, less its events.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultRecord {
    pub summary: SourceSummary,
    pub failures: Vec<ParseFailure>,
    pub findings: Vec<Slot>,
    pub silences: Vec<Silence>,
    /// The usual gap between lines (seconds, bucket bound): a source that
    /// usually writes every minute is a monitor whose silences count.
    pub cadence_s: Option<i64>,
    pub envelope: EnvelopeSkew,
    pub rates: Option<crate::rates::SourceRates>,
    pub users: BTreeSet<String>,
}

impl ResultRecord {
    /// What the sidecar keeps of a parsed source (its events go to Parquet).
    pub fn of(r: crate::ingest::SourceResult) -> ResultRecord {
        ResultRecord {
            summary: r.summary,
            failures: r.failures,
            findings: r.findings,
            silences: r.silences,
            cadence_s: r.cadence_s,
            envelope: r.envelope,
            rates: r.rates,
            users: r.users,
        }
    }

    /// The parsed source again, with its events read back, in the order a
    /// parse gives (instant, then line; stable): `timeline::merged` takes
    /// each source in that order, and an events file is a file anyone
    /// can edit. Already in order, as `rfo extract` writes them, the sort
    /// is one pass.
    pub fn with_events(
        self,
        mut events: Vec<crate::event::TimedEvent>,
    ) -> crate::ingest::SourceResult {
        events.sort_by_key(|e| (e.instant, e.line));
        crate::ingest::SourceResult {
            summary: self.summary,
            failures: self.failures,
            events: crate::timeline::Timeline::from(events),
            findings: self.findings,
            silences: self.silences,
            cadence_s: self.cadence_s,
            envelope: self.envelope,
            rates: self.rates,
            users: self.users,
            origin: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsRecord {
    /// File name, in the sidecar's directory.
    pub file: String,
    pub rows: u64,
}
