//! `rfo grammars list|check` output: the grammar table, and the verdict on
//! grammar files and every grammar's samples.

use crate::grammar::registry::{Diagnostic, Registry};
use crate::grammar::samples::SampleFailure;
use crate::human;

/// One line per grammar: name, role, origin, description.
pub fn list(reg: &Registry) -> String {
    let mut s = String::new();
    let w = reg.all().iter().map(|g| g.name.len()).max().unwrap_or(0);
    for g in reg.all() {
        s.push_str(&format!(
            "{:<w$} {:<8} {:<10} {}\n",
            g.name,
            format!("{:?}", g.role).to_lowercase(),
            g.origin,
            g.description
        ));
    }
    s
}

/// Grammar files that did not load, samples that failed, then the tally
/// over `grammars` grammars holding `samples` samples.
pub fn check(
    errors: &[Diagnostic],
    failures: &[SampleFailure],
    grammars: usize,
    samples: usize,
) -> String {
    let mut s = String::new();
    for d in errors {
        s.push_str(&format!("error: {d}\n"));
    }
    for f in failures {
        s.push_str(&format!(
            "FAIL {} sample {}: {}\n",
            f.grammar, f.sample, f.message
        ));
    }
    let failed = errors.len() + failures.len();
    s.push_str(&format!(
        "{}, {}: {}\n",
        human::count(grammars as u64, "grammar"),
        human::count(samples as u64, "sample"),
        if failed == 0 {
            "all pass".to_string()
        } else {
            human::count(failed as u64, "failure")
        }
    ));
    s
}
