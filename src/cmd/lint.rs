//! `rfo lint REPORT --bundle BUNDLE`: review an RFO against the evidence.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{Common, LintArgs, TextJson};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::lint::{self, LintFinding, LintOptions};
use crate::pipeline;

pub fn run(a: &LintArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let report = std::fs::read_to_string(&a.report).map_err(|e| Error::io(&a.report, e))?;
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::Significant)?;
    let analysis = pipeline::analyze(&loaded, opts, None)?;
    let zone = analysis.incident.report_zone.parse().map_err(|_| {
        Error::Usage(format!(
            "report zone {:?} is not an IANA zone",
            analysis.incident.report_zone
        ))
    })?;
    let lopts = LintOptions {
        tolerance_s: a.tolerance,
        report_zone: zone,
    };
    let findings = lint::lint(&report, &analysis, &lopts);
    let shown = a.report.display().to_string();
    let text = match a.format {
        TextJson::Json => {
            #[derive(serde::Serialize)]
            struct Out<'a> {
                tzdb: &'static str,
                report: &'a str,
                report_zone: &'a str,
                findings: &'a [LintFinding],
            }
            let mut s = serde_json::to_string_pretty(&Out {
                tzdb: crate::time::TZDB_VERSION,
                report: &shown,
                report_zone: &analysis.incident.report_zone,
                findings: &findings,
            })
            .expect("findings serialise");
            s.push('\n');
            s
        }
        TextJson::Text => text(&shown, &findings, super::colour(common)),
    };
    emit(common, &text)?;
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// Grouped by report line, with the offending text quoted.
fn text(report: &str, findings: &[LintFinding], colour: bool) -> String {
    let mut s = String::new();
    let mut last: Option<Option<usize>> = None;
    for f in findings {
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
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    s.push_str(&format!(
        "{report}: {errors} errors, {} warnings (tz database {})\n",
        findings.len() - errors,
        crate::time::TZDB_VERSION
    ));
    s
}
