//! Disagreements between sources, gathered in one table: what a source
//! claimed, the evidence against it, and by how much they differ. The
//! founding incident's rows: a status page that opened 14 minutes after the
//! outage began and said "17m" of an 18-minute span, and a switch that
//! labelled CST times as CDT.

use crate::evidence::Evidence;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discrepancy {
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
