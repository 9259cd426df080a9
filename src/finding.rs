//! Findings: data problems and decisions the analyst must see.
//!
//! A finding is never fatal; fatal problems are `Error`s. The code list is
//! closed (DESIGN.md) so that templates, `lint` and other tools can match on
//! it; adding a code is a contract change.

use crate::evidence::Evidence;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The closed list of finding codes, serialised in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingCode {
    ZoneAssumed,
    ZoneAbbrevMismatch,
    DstAmbiguous,
    DstGap,
    YearInferred,
    YearRollover,
    ClockSkew,
    OutOfOrder,
    UnparsedLines,
    UnknownFormat,
    PublicTimelineMismatch,
    /// A `[[depends]]` entry names nothing the evidence has.
    DependsUnmatched,
    /// An instant years away from the rest of the bundle: left out of the
    /// timeline and the windows.
    TimeOutlier,
    /// An archive member was not unpacked (its path leaves the bundle, a
    /// link, a device, a duplicate): named with the reason.
    MemberSkipped,
    TimeMismatch,
    DurationMismatch,
    ZoneLabelInvalid,
    DateMismatch,
    PlaceholderUnresolved,
    FieldMissing,
    /// `lint --public`: an identifier (address, user, internal host) in a
    /// report meant for customers.
    PublicIdentifier,
}

impl FindingCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::ZoneAssumed => "zone-assumed",
            FindingCode::ZoneAbbrevMismatch => "zone-abbrev-mismatch",
            FindingCode::DstAmbiguous => "dst-ambiguous",
            FindingCode::DstGap => "dst-gap",
            FindingCode::YearInferred => "year-inferred",
            FindingCode::YearRollover => "year-rollover",
            FindingCode::ClockSkew => "clock-skew",
            FindingCode::OutOfOrder => "out-of-order",
            FindingCode::UnparsedLines => "unparsed-lines",
            FindingCode::UnknownFormat => "unknown-format",
            FindingCode::PublicTimelineMismatch => "public-timeline-mismatch",
            FindingCode::DependsUnmatched => "depends-unmatched",
            FindingCode::TimeOutlier => "time-outlier",
            FindingCode::MemberSkipped => "member-skipped",
            FindingCode::TimeMismatch => "time-mismatch",
            FindingCode::DurationMismatch => "duration-mismatch",
            FindingCode::ZoneLabelInvalid => "zone-label-invalid",
            FindingCode::DateMismatch => "date-mismatch",
            FindingCode::PlaceholderUnresolved => "placeholder-unresolved",
            FindingCode::FieldMissing => "field-missing",
            FindingCode::PublicIdentifier => "public-identifier",
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One finding. `evidence` is the line that shows it, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub evidence: Option<Evidence>,
}

impl Finding {
    pub fn new(
        code: FindingCode,
        severity: Severity,
        message: impl Into<String>,
        evidence: Option<Evidence>,
    ) -> Self {
        Finding {
            code,
            severity,
            message: message.into(),
            evidence,
        }
    }

    pub fn warning(code: FindingCode, message: impl Into<String>, ev: Option<Evidence>) -> Self {
        Finding::new(code, Severity::Warning, message, ev)
    }

    pub fn info(code: FindingCode, message: impl Into<String>, ev: Option<Evidence>) -> Self {
        Finding::new(code, Severity::Info, message, ev)
    }
}
