//! `rfo lint`: check a (human-edited) RFO against the evidence.
//!
//! `read` turns the report into claims; `checks` holds one function per
//! finding code. Every problem names the report line and, when there is
//! one, the log line that contradicts it, with a suggested correction.

pub mod checks;
pub mod read;

use crate::analysis::Analysis;
use crate::evidence::Evidence;
use crate::finding::{FindingCode, Severity};
use chrono_tz::Tz;
use serde::Serialize;

/// Default tolerance between a stated time and the evidence.
pub const TOLERANCE_S: i64 = 120;

#[derive(Debug, Clone, Copy)]
pub struct LintOptions {
    pub tolerance_s: i64,
    pub report_zone: Tz,
}

/// One problem in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    /// 1-based line of the report; `None` for something missing altogether.
    pub report_line: Option<usize>,
    /// The offending text as written.
    pub text: Option<String>,
    /// The log line that contradicts it, when there is one.
    pub evidence: Option<Evidence>,
    pub suggestion: Option<String>,
}

/// Lint `report` against `analysis`. Findings come sorted by report line.
pub fn lint(report: &str, analysis: &Analysis, opts: &LintOptions) -> Vec<LintFinding> {
    let claims = read::read(report);
    let mut out = Vec::new();
    checks::fields_present(&claims, &mut out);
    checks::placeholders(&claims, &mut out);
    let ctx = checks::Context::new(&claims, analysis, opts);
    checks::labels_and_times(&ctx, &mut out);
    checks::durations(&ctx, &mut out);
    checks::date_of_event(&ctx, &mut out);
    out.sort_by_key(|f| (f.report_line.unwrap_or(0), f.code));
    out
}
