//! `rfo lint REPORT --bundle BUNDLE`: review a postmortem or RFO against
//! the evidence. Orchestration only; the findings are rendered by
//! `report::lint`.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{Common, LintArgs, TextJson};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::lint::{self, LintOptions};
use crate::pipeline;
use crate::report;
use std::path::Path;

/// The report as text: a binary or non-UTF-8 file is an input error.
pub fn read_report(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.contains(&0) {
        return Err(Error::input(
            path,
            "binary file (NUL bytes), not a Markdown or text report",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::input(
            path,
            format!(
                "not UTF-8 (invalid byte at offset {}); convert the report to UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

pub fn run(a: &LintArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let report = read_report(&a.report)?;
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::Significant)?;
    let analysis = pipeline::analyze(&loaded, opts, None)?;
    // Not held beside the second, larger load.
    drop(loaded);
    // Every timed line, info included: a report states more than outages.
    let all = pipeline::load(&a.bundle, &reg, opts, Keep::All)?;
    let lopts = LintOptions::from_flags(
        &analysis.incident.report_zone,
        a.tolerance,
        a.form.as_deref(),
    )?;
    let mut outcome = lint::lint(
        &report,
        &analysis,
        &all.timeline,
        &mut all.lines()?,
        &all.ingested.skews,
        &lopts,
    )?;
    if a.public {
        let names = crate::redact::Names::from_loaded(&all);
        lint::public::check(&report, &names, &mut outcome);
    }
    let shown = a.report.display().to_string();
    let text = match a.format {
        TextJson::Json => report::lint::json(&shown, &analysis.incident.report_zone, &outcome),
        TextJson::Text => report::lint::text(&shown, &outcome, super::colour(common)),
    };
    emit(common, &text)?;
    Ok(
        if outcome
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error)
        {
            Exit::Findings
        } else {
            Exit::Ok
        },
    )
}
