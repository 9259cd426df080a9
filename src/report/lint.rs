//! `rfo lint` output: the findings against a report, grouped by report
//! line for a person (with what could be checked), or as JSON for tools.

use super::colour::paint;
use crate::finding::Severity;
use crate::lint::{Coverage, Form, LintFinding, Outcome};

/// The findings as JSON: the report, its zone, the form it was read as,
/// coverage and findings.
pub fn json(shown: &str, report_zone: &str, o: &Outcome) -> String {
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
pub fn text(report: &str, o: &Outcome, colour: bool) -> String {
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
            Severity::Error => paint(colour, 31, "error"),
            Severity::Warning => paint(colour, 33, "warning"),
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
