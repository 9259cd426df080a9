//! `rfo lint --public`: identifiers a report meant for customers must not
//! carry — IP, MAC and e-mail addresses, the users the evidence names, its
//! hosts not on `[redact] public` — each an error (`public-identifier`)
//! at its report line. They are found as `--redact` finds them
//! (`redact::scan`), so a report `analyze --redact` wrote passes; evidence
//! file names in citations are not identifiers (they lead to the lines).

use super::{LintFinding, Outcome};
use crate::finding::{FindingCode, Severity};
use crate::redact::{scan, Names};

/// Add a finding per identifier in `report`, then keep findings sorted.
pub fn check(report: &str, names: &Names, out: &mut Outcome) {
    for (k, line) in report.lines().enumerate() {
        for h in scan::hits(line, names) {
            let text = &line[h.start..h.end];
            out.findings.push(LintFinding::new(
                FindingCode::PublicIdentifier,
                Severity::Error,
                Some(k + 1),
                Some(text),
                format!(
                    "{} {text} in a report meant for customers: write it out, or draft with `rfo analyze --redact`; a public name goes in bundle.toml [redact] public",
                    h.class.noun()
                ),
            ));
        }
    }
    out.findings
        .sort_by_key(|f| (f.report_line.unwrap_or(0), f.code));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_identifier_is_an_error_at_its_line_and_citations_pass() {
        let names = Names::new(
            ["core-sw1"],
            ["netadmin"],
            std::iter::empty(),
            ["core-switch.log"],
        );
        let mut out = Outcome::default();
        check(
            "# RFO\nchanged by netadmin on core-sw1 from 10.20.0.15 (`core-switch.log:10`)\nat 21:56 CST\n",
            &names,
            &mut out,
        );
        let got: Vec<(Option<usize>, Option<&str>)> = out
            .findings
            .iter()
            .map(|f| (f.report_line, f.text.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(2), Some("netadmin")),
                (Some(2), Some("core-sw1")),
                (Some(2), Some("10.20.0.15"))
            ]
        );
    }
}
