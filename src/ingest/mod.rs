//! Ingest: bundle → planned sources → parsed, timed events per source.
//!
//! Sources are parsed in parallel (rayon); results come back in bundle order
//! so that everything downstream is deterministic.

pub mod plan;
pub mod source;

use crate::bundle::Bundle;
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::finding::Finding;
use crate::grammar::registry::Registry;
use rayon::prelude::*;
pub use source::{SourceResult, SourceSummary};

/// All sources of a bundle, parsed.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub sources: Vec<SourceResult>,
    /// Findings from planning (detection, years) and from every source.
    pub findings: Vec<Finding>,
    /// Disagreements found while placing events in time (`align`).
    pub discrepancies: Vec<crate::discrepancy::Discrepancy>,
}

pub fn ingest(bundle: &Bundle, reg: &Registry, opts: &Options, keep: Keep) -> Result<Ingested> {
    let plan = plan::plan(bundle, reg, opts)?;
    let results: Vec<Result<SourceResult>> = plan
        .sources
        .par_iter()
        .map(|p| source::run(p, p.grammar.as_deref().and_then(|g| reg.get(g)), keep))
        .collect();
    let sources = results.into_iter().collect::<Result<Vec<_>>>()?;
    let mut findings = plan.findings;
    for (member, why) in &bundle.skipped {
        findings.push(Finding::warning(
            crate::finding::FindingCode::UnknownFormat,
            format!("archive member {member} was not read: {why}"),
            None,
        ));
    }
    for s in &sources {
        findings.extend(s.findings.iter().cloned());
    }
    Ok(Ingested {
        sources,
        findings,
        discrepancies: Vec::new(),
    })
}
