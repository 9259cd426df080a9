//! `rfo seal REPORT --bundle B --by NAME [--at T] -o REPORT.seal.json`:
//! lint the report, refuse lint errors unless `--accept-findings`, then
//! write the seal (`crate::seal`). The one command that may read the wall
//! clock: only when `--at` is not given, and the seal says so.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{Common, SealArgs};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::lint::{self, LintOptions, Outcome};
use crate::pipeline;
use crate::seal::{
    self, hash, AcceptedFinding, AtSource, LintCoverage, LintSummary, RunOptions, Seal, Sealed,
    Tool,
};
use std::path::Path;

pub fn run(a: &SealArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (at, at_source) = sealing_time(a.at.as_deref())?;
    if a.by.trim().is_empty() {
        return Err(Error::Usage("--by: name who seals the report".into()));
    }
    let report = super::lint::read_report(&a.report)?;
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::Significant)?;
    let analysis = pipeline::analyze(&loaded, opts, None)?;
    let all = pipeline::load(&a.bundle, &reg, opts, Keep::All)?;
    let outcome = lint_report(&report, &analysis, &all, a)?;
    let errors = count(&outcome, Severity::Error);
    if errors > 0 && !a.accept_findings {
        for f in outcome
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            let line = f.report_line.map(|n| format!(":{n}")).unwrap_or_default();
            eprintln!(
                "{}{line}: error[{}]: {}",
                a.report.display(),
                f.code,
                f.message
            );
        }
        eprintln!(
            "rfo: {}: {errors} lint error(s): not sealed (review them, or seal with --accept-findings to list them in the seal)",
            a.report.display()
        );
        return Ok(Exit::Findings);
    }
    let dir = match &common.output {
        Some(p) => hash::dir_of(p),
        None => std::path::PathBuf::from("."),
    };
    let (grammars_sha256, grammars) = hash::grammars(opts.grammars.as_deref(), &reg)?;
    let seal = Seal {
        schema: seal::SCHEMA.to_string(),
        report: hash::file(&a.report, &hash::relative(&a.report, &dir))?,
        bundle: hash::bundle(&loaded.bundle, &a.bundle, hash::relative(&a.bundle, &dir))?,
        tool: Tool {
            rfo_version: env!("CARGO_PKG_VERSION").to_string(),
            tzdb: crate::time::TZDB_VERSION.to_string(),
            grammars_sha256,
            grammars,
        },
        options: run_options(common, a.tolerance, a.form.clone()),
        analysis: seal::AnalysisDigest {
            schema: analysis.schema.to_string(),
            sha256: seal::analysis_sha256(&analysis),
        },
        lint: summary(&outcome, a.accept_findings),
        sealed: Sealed {
            by: a.by.clone(),
            note: a.note.clone(),
            at,
            at_source,
        },
        seal_digest: String::new(),
    };
    let (_, text) = seal.finish();
    emit(common, &text)?;
    Ok(Exit::Ok)
}

/// `--at`, or the wall clock (whole seconds), labelled.
fn sealing_time(at: Option<&str>) -> Result<(String, AtSource)> {
    match super::parse_time("--at", &at.map(str::to_string))? {
        Some(t) => Ok((crate::time::rfc3339(&t), AtSource::Flag)),
        None => {
            let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
            let now = chrono::DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
            Ok((crate::time::rfc3339(&now), AtSource::WallClock))
        }
    }
}

fn lint_report(
    report: &str,
    analysis: &crate::analysis::Analysis,
    all: &pipeline::Loaded,
    a: &SealArgs,
) -> Result<Outcome> {
    let lopts = LintOptions::from_flags(
        &analysis.incident.report_zone,
        a.tolerance,
        a.form.as_deref(),
    )?;
    lint::lint(
        report,
        analysis,
        &all.timeline,
        &mut all.lines()?,
        &all.ingested.skews,
        &lopts,
    )
}

fn count(o: &Outcome, s: Severity) -> usize {
    o.findings.iter().filter(|f| f.severity == s).count()
}

fn summary(o: &Outcome, accept: bool) -> LintSummary {
    let c = &o.coverage;
    LintSummary {
        errors: count(o, Severity::Error),
        warnings: count(o, Severity::Warning),
        accept_findings: accept,
        coverage: LintCoverage {
            times_read: c.times_read,
            times_checked: c.times_checked,
            times_unzoned: c.times_unzoned,
            dates_read: c.dates_read,
            dates_checked: c.dates_checked,
            durations_read: c.durations_read,
            durations_checked: c.durations_checked,
        },
        accepted: o
            .findings
            .iter()
            .map(|f| AcceptedFinding {
                code: f.code.to_string(),
                severity: serde_json::to_value(f.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                report_line: f.report_line,
                text: f.text.clone(),
                message: f.message.clone(),
            })
            .collect(),
    }
}

/// The flags the analysis ran with, as the seal keeps them.
pub fn run_options(c: &Common, tolerance_s: i64, form: Option<String>) -> RunOptions {
    RunOptions {
        zone: c.zone.clone(),
        report_zone: c.report_zone.clone(),
        year: c.year,
        abbrev: c.abbrev.clone(),
        grammars: c.grammars.as_deref().map(|p| p.display().to_string()),
        correct_skew: c.correct_skew,
        merge_gap: c.merge_gap,
        background_after: c.background_after,
        subjects: c.subjects.clone(),
        hosts: c.hosts.clone(),
        tolerance_s,
        form,
    }
}

/// The flags back, for verify to re-run the analysis with.
pub fn common_of(o: &RunOptions) -> Common {
    Common {
        zone: o.zone.clone(),
        report_zone: o.report_zone.clone(),
        year: o.year,
        abbrev: o.abbrev.clone(),
        grammars: o.grammars.as_deref().map(Path::new).map(Path::to_path_buf),
        correct_skew: o.correct_skew,
        merge_gap: o.merge_gap,
        background_after: o.background_after,
        subjects: o.subjects.clone(),
        hosts: o.hosts.clone(),
        quiet: true,
        ..Common::default()
    }
}
