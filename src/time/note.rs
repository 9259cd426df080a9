//! Time notes: what the per-source clock could not decide alone, as data.
//!
//! A label that disagrees with its zone, or a zone that was assumed, is
//! settled later by `align` on cross-source evidence. The clock records
//! such a case as a typed note with its default verdict; `align` amends the
//! verdict (never the wording); the note becomes a finding once, after
//! `align`. All wording lives in `finding()`.

use crate::evidence::Evidence;
use crate::finding::{Finding, FindingCode};
use serde::{Deserialize, Serialize};

/// What decided a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// No cross-source evidence was weighed: the declared zone wins.
    ZoneWins,
    /// No zone was given and nothing else was weighed: UTC.
    AssumedUtc,
    /// `align` weighed the sources of absolute time: what it found.
    ByEvidence(String),
}

/// What kind of undecided case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NoteKind {
    /// Lines labelled `label` disagree with the source's zone; `readings`
    /// states both readings of the first such line.
    LabelMismatch { label: String, readings: String },
    /// No zone was given for a source whose local times were read.
    ZoneAssumed,
}

/// One undecided case of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeNote {
    pub file: String,
    pub kind: NoteKind,
    pub first: Evidence,
    /// Lines of the source the note covers.
    pub count: u64,
    pub verdict: Verdict,
}

impl TimeNote {
    /// The finding this note says, rendered once.
    pub fn finding(&self) -> Finding {
        let verdict = match &self.verdict {
            Verdict::ZoneWins => "the declared zone wins (no cross-source evidence was weighed)",
            Verdict::AssumedUtc => "its local times are read as UTC",
            Verdict::ByEvidence(v) => v,
        };
        match &self.kind {
            NoteKind::LabelMismatch { readings, .. } => {
                let many = if self.count > 1 {
                    format!(" ({} lines with this label)", self.count)
                } else {
                    String::new()
                };
                Finding::warning(
                    FindingCode::ZoneAbbrevMismatch,
                    format!("{readings}; {verdict}{many}"),
                    Some(self.first.clone()),
                )
            }
            NoteKind::ZoneAssumed => Finding::warning(
                FindingCode::ZoneAssumed,
                format!(
                    "{}: no zone given (bundle.toml [[source]] zone, [defaults] zone or --zone); {verdict}, first at line {}",
                    self.file, self.first.line
                ),
                Some(self.first.clone()),
            ),
        }
    }

    /// The label a mismatch note is about.
    pub fn label(&self) -> Option<&str> {
        match &self.kind {
            NoteKind::LabelMismatch { label, .. } => Some(label),
            NoteKind::ZoneAssumed => None,
        }
    }
}

/// A finding, or a note that becomes one after `align`: keeps the order
/// of a source's findings while some of them are still undecided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    Done(Finding),
    Note(TimeNote),
}

impl Slot {
    pub fn finding(&self) -> Finding {
        match self {
            Slot::Done(f) => f.clone(),
            Slot::Note(n) => n.finding(),
        }
    }

    pub fn code(&self) -> FindingCode {
        match self {
            Slot::Done(f) => f.code,
            Slot::Note(n) => match n.kind {
                NoteKind::LabelMismatch { .. } => FindingCode::ZoneAbbrevMismatch,
                NoteKind::ZoneAssumed => FindingCode::ZoneAssumed,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_changes_the_finding_not_its_wording() {
        let mut n = TimeNote {
            file: "sw.log".into(),
            kind: NoteKind::ZoneAssumed,
            first: Evidence::new("sw.log", 3),
            count: 10,
            verdict: Verdict::AssumedUtc,
        };
        assert_eq!(
            n.finding().message,
            "sw.log: no zone given (bundle.toml [[source]] zone, [defaults] zone or --zone); its local times are read as UTC, first at line 3"
        );
        n.verdict = Verdict::ByEvidence("its local times are read at UTC-06:00 because …".into());
        assert_eq!(
            n.finding().message,
            "sw.log: no zone given (bundle.toml [[source]] zone, [defaults] zone or --zone); its local times are read at UTC-06:00 because …, first at line 3"
        );
    }
}
