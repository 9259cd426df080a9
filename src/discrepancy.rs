//! Disagreements between sources, gathered in one table: what a source
//! claimed, the evidence against it, and by how much they differ. The
//! founding incident's rows: a status page that opened 14 minutes after the
//! outage began and said "17m" of an 18-minute span, and a switch that
//! labelled CST times as CDT.

use crate::evidence::Evidence;
use serde::Serialize;

/// What is compared, which decides how a difference reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Two instants: the claim is later or earlier.
    Instant,
    /// Two lengths of time: the claim is longer or shorter.
    Duration,
    /// A zone label against the zone's rules.
    Label,
}

impl Measure {
    /// How a positive or negative difference reads in words.
    pub fn direction(self, diff: i64) -> &'static str {
        match (self, diff >= 0) {
            (Measure::Duration, true) => "longer than",
            (Measure::Duration, false) => "shorter than",
            (_, true) => "later than",
            (_, false) => "earlier than",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discrepancy {
    pub measure: Measure,
    /// The source that made the claim (a bundle path).
    pub source: String,
    /// The claim, in words.
    pub claim: String,
    /// Where the claim is written.
    pub evidence: Evidence,
    /// What the evidence says instead, in words, with its citation.
    pub against: String,
    pub against_evidence: Option<Evidence>,
    /// Claim minus evidence, in seconds (`null` when not a time).
    pub difference_s: Option<i64>,
}
