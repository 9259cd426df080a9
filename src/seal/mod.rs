//! Seals (schema `rfo.seal/1`): what binds a reviewed report to the
//! evidence it was drawn from. A seal lists the SHA-256 of the report, of
//! every evidence file (and of an archive bundle itself), of `bundle.toml`
//! and `.rfoignore`; the rfo version, tz database and grammar set; a digest
//! of the analysis JSON; the lint summary; who sealed it and when; and
//! `seal_digest`, the SHA-256 of all of that, so an edited seal never
//! verifies. `verify` recomputes every hash and re-runs the analysis.
//!
//! The seal is plain, deterministic JSON (keys in a fixed order, paths
//! relative with `/`, sorted): a detached signature over the file
//! (`minisign`, `gpg --detach-sign`, `cosign sign-blob`) signs exactly
//! what `verify` checks. This module never signs and never reads the
//! clock: the time comes from its caller (`cmd::seal`).

pub mod hash;
pub mod verify;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use thiserror::Error;

pub const SCHEMA: &str = "rfo.seal/1";

/// A seal that cannot be read: exit 2.
#[derive(Debug, Error)]
pub enum SealError {
    #[error("{path}: not a seal: {message}")]
    Malformed { path: PathBuf, message: String },
}

/// One file: its path (relative to the bundle root, or to the seal's
/// directory for the report and the bundle), size and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHash {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BundleKind {
    Directory,
    Archive,
    File,
}

/// The evidence, as sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleSeal {
    /// The bundle, relative to the seal's directory (absolute when they
    /// share no root).
    pub path: String,
    pub kind: BundleKind,
    /// The archive file itself, for an archive bundle.
    pub archive: Option<FileHash>,
    /// `bundle.toml`, when the bundle has one.
    pub manifest: Option<FileHash>,
    /// `.rfoignore`, when the bundle has one: it decides what is evidence.
    pub ignore: Option<FileHash>,
    /// Every file rfo reads (for an archive: every member unpacked), by path.
    pub files: Vec<FileHash>,
}

/// What produced the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub rfo_version: String,
    pub tzdb: String,
    /// SHA-256 over the grammar files in use (built-in and `--grammars`).
    pub grammars_sha256: String,
    pub grammars: Vec<String>,
}

/// The flags the analysis and lint ran with: verify re-runs with them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    pub zone: Option<String>,
    pub report_zone: Option<String>,
    pub year: Option<i32>,
    pub abbrev: Vec<String>,
    pub grammars: Option<String>,
    pub correct_skew: bool,
    pub merge_gap: Option<i64>,
    pub background_after: Option<i64>,
    pub subjects: Vec<String>,
    pub hosts: Vec<String>,
    pub tolerance_s: i64,
    pub form: Option<String>,
}

/// The analysis JSON (`rfo analyze --format json`, no `--generated-at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisDigest {
    pub schema: String,
    pub sha256: String,
}

/// What lint read and checked (`rfo lint --format json`'s `coverage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintCoverage {
    pub times_read: usize,
    pub times_checked: usize,
    pub times_unzoned: usize,
    pub dates_read: usize,
    pub dates_checked: usize,
    pub durations_read: usize,
    pub durations_checked: usize,
}

/// A lint finding the sealer accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedFinding {
    pub code: String,
    pub severity: String,
    pub report_line: Option<usize>,
    pub text: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintSummary {
    pub errors: usize,
    pub warnings: usize,
    /// Whether `--accept-findings` was given (needed when `errors > 0`).
    pub accept_findings: bool,
    pub coverage: LintCoverage,
    /// Every finding at sealing time, errors and warnings: what the
    /// sealer signed off on.
    pub accepted: Vec<AcceptedFinding>,
}

/// Where the sealing time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AtSource {
    /// `--at`: reproducible.
    Flag,
    /// The machine's clock, read because `--at` was not given.
    WallClock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    pub by: String,
    pub note: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
    pub at_source: AtSource,
}

/// A seal, keys in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    pub schema: String,
    pub report: FileHash,
    pub bundle: BundleSeal,
    pub tool: Tool,
    pub options: RunOptions,
    pub analysis: AnalysisDigest,
    pub lint: LintSummary,
    pub sealed: Sealed,
    /// SHA-256 of the seal's compact JSON without this key.
    pub seal_digest: String,
}

impl Seal {
    /// The digest of everything but `seal_digest`.
    pub fn digest(&self) -> String {
        let mut v = serde_json::to_value(self).expect("seal serialises");
        if let Some(m) = v.as_object_mut() {
            m.shift_remove("seal_digest");
        }
        hash::sha256_hex(
            serde_json::to_string(&v)
                .expect("seal serialises")
                .as_bytes(),
        )
    }

    /// Set `seal_digest` and write the seal as pretty JSON with a final
    /// newline: the bytes a signature covers.
    pub fn finish(mut self) -> (Seal, String) {
        self.seal_digest = self.digest();
        let mut s = serde_json::to_string_pretty(&self).expect("seal serialises");
        s.push('\n');
        (self, s)
    }

    /// Read a seal strictly: unknown keys, wrong types, another schema or a
    /// hash that is not 64 lower-case hex digits are `SealError`s.
    pub fn parse(path: &std::path::Path, text: &str) -> Result<Seal, SealError> {
        let bad = |message: String| SealError::Malformed {
            path: path.to_path_buf(),
            message,
        };
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
        match v.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => return Err(bad(format!("schema {other:?}, expected {SCHEMA:?}"))),
            None => return Err(bad(format!("no \"schema\": {SCHEMA:?} key"))),
        }
        let seal: Seal = serde_json::from_value(v).map_err(|e| bad(e.to_string()))?;
        seal.check_hashes().map_err(bad)?;
        Ok(seal)
    }

    fn check_hashes(&self) -> Result<(), String> {
        let b = &self.bundle;
        let files = std::iter::once(&self.report)
            .chain(&b.archive)
            .chain(&b.manifest)
            .chain(&b.ignore)
            .chain(&b.files);
        for f in files {
            if !hash::is_hex(&f.sha256) {
                return Err(format!(
                    "{}: sha256 {:?} is not 64 hex digits",
                    f.path, f.sha256
                ));
            }
        }
        for (what, h) in [
            ("tool.grammars_sha256", &self.tool.grammars_sha256),
            ("analysis.sha256", &self.analysis.sha256),
            ("seal_digest", &self.seal_digest),
        ] {
            if !hash::is_hex(h) {
                return Err(format!("{what} {h:?} is not 64 hex digits"));
            }
        }
        if chrono::DateTime::parse_from_rfc3339(&self.sealed.at).is_err() {
            return Err(format!(
                "sealed.at {:?} is not an RFC 3339 time",
                self.sealed.at
            ));
        }
        let mut sorted = b.files.clone();
        sorted.sort_by(|x, y| x.path.cmp(&y.path));
        sorted.dedup_by(|x, y| x.path == y.path);
        if sorted != b.files {
            return Err("bundle.files must be sorted by path, each once".to_string());
        }
        Ok(())
    }
}

/// The SHA-256 of the analysis JSON, the bytes `rfo analyze --format json`
/// writes (pretty, final newline).
pub fn analysis_sha256(a: &crate::analysis::Analysis) -> String {
    let mut s = serde_json::to_string_pretty(a).expect("analysis serialises");
    s.push('\n');
    hash::sha256_hex(s.as_bytes())
}
