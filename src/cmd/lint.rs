//! `rfo lint REPORT --bundle BUNDLE`: review a postmortem or RFO against
//! the evidence.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{Common, LintArgs, TextJson};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::lint::{self, Coverage, Form, LintFinding, LintOptions, Outcome};
use crate::pipeline;
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
    // Every timed line, info included: a report states more than outages.
    let all = pipeline::load(&a.bundle, &reg, opts, Keep::All)?;
    let zone = analysis.incident.report_zone.parse().map_err(|_| {
        Error::Usage(format!(
            "report zone {:?} is not an IANA zone",
            analysis.incident.report_zone
        ))
    })?;
    let lopts = LintOptions {
        tolerance_s: a.tolerance,
        report_zone: zone,
        form: match a.form.as_deref() {
            Some("rfo") => Some(Form::Rfo),
            Some(_) => Some(Form::Any),
            None => None,
        },
    };
    let mut outcome = lint::lint(&report, &analysis, &all.timeline, &lopts);
    if a.public {
        let names = crate::redact::Names::from_loaded(&all);
        lint::public::check(&report, &names, &mut outcome);
    }
    let shown = a.report.display().to_string();
    let text = match a.format {
        TextJson::Json => json(&shown, &analysis.incident.report_zone, &outcome),
        TextJson::Text => text(&shown, &outcome, super::colour(common)),
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

fn json(shown: &str, report_zone: &str, o: &Outcome) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        tzdb: &'static str,
        report: &'a str,
        report_zone: &'a str,
        form: &'static str,
        coverage: &'a Coverage,
        findings: &'a [LintFinding],
    }
    let mut s = serde_json::to_string_pretty(&Out {
        tzdb: crate::time::TZDB_VERSION,
        report: shown,
        report_zone,
        form: if o.form == Some(Form::Rfo) {
            "rfo"
        } else {
            "any"
        },
        coverage: &o.coverage,
        findings: &o.findings,
    })
    .expect("findings serialise");
    s.push('\n');
    s
}

/// Grouped by report line, with the offending text quoted, then coverage.
fn text(report: &str, o: &Outcome, colour: bool) -> String {
    let mut s = String::new();
    let mut last: Option<Option<usize>> = None;
    for f in &o.findings {
        if last != Some(f.report_line) {
            match f.report_line {
                Some(n) => s.push_str(&format!("{report}:{n}:\n")),
                None => s.push_str(&format!("{report}:\n")),
            }
            last = Some(f.report_line);
        }
        let sev = match f.severity {
            Severity::Error => super::paint(colour, 31, "error"),
            Severity::Warning => super::paint(colour, 33, "warning"),
            Severity::Info => "info".to_string(),
        };
        s.push_str(&format!("  {sev}[{}]", f.code));
        if let Some(t) = &f.text {
            s.push_str(&format!(" {t:?}"));
        }
        s.push_str(&format!(": {}\n", f.message));
        if let Some(e) = &f.evidence {
            s.push_str(&format!("    evidence: {e}\n"));
        }
        if let Some(sug) = &f.suggestion {
            s.push_str(&format!("    suggestion: {sug}\n"));
        }
    }
    s.push_str(&coverage_line(report, &o.coverage));
    let errors = o
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    s.push_str(&format!(
        "{report}: {errors} errors, {} warnings (tz database {})\n",
        o.findings.len() - errors,
        crate::time::TZDB_VERSION
    ));
    s
}

fn coverage_line(report: &str, c: &Coverage) -> String {
    if c.read() == 0 {
        let unzoned = if c.times_unzoned > 0 {
            format!(
                " ({} times without a zone; state one, e.g. \"all times are in UTC\")",
                c.times_unzoned
            )
        } else {
            String::new()
        };
        return format!(
            "{report}: nothing could be checked: no time with a zone, date or duration was found{unzoned}\n"
        );
    }
    let mut s = format!(
        "{report}: read {} times, {} dates, {} durations; checked against the evidence {} times, {} dates, {} durations",
        c.times_read, c.dates_read, c.durations_read, c.times_checked, c.dates_checked, c.durations_checked
    );
    if c.times_unzoned > 0 {
        s.push_str(&format!(
            "; {} times without a zone not checked",
            c.times_unzoned
        ));
    }
    s.push('\n');
    s
}
