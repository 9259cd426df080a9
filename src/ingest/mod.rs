//! Ingest: bundle → planned sources → parsed, timed events per source.
//!
//! Sources are parsed in parallel (rayon); results come back in bundle order
//! so that everything downstream is deterministic.

pub mod inspect;
pub mod plan;
pub mod source;

use crate::bundle::{Bundle, SkipKind};
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::finding::Finding;
use crate::grammar::registry::Registry;
pub use source::{SourceResult, SourceSummary};

/// All sources of a bundle, parsed.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub sources: Vec<SourceResult>,
    /// Findings from planning (detection, years) and from every source.
    pub findings: Vec<Finding>,
    /// Disagreements found while placing events in time (`align`).
    pub discrepancies: Vec<crate::discrepancy::Discrepancy>,
    /// Cases `align` may still decide: each note's index in `findings`,
    /// where it stands rendered with its default verdict until `settle`.
    pub notes: Vec<(usize, crate::time::note::TimeNote)>,
    /// The sources `align` found skewed (a `clock-skew` finding each).
    pub skews: Vec<crate::align::Skew>,
}

impl Ingested {
    /// Turn the notes into findings once, after `align` gave its verdicts.
    pub fn settle(&mut self) {
        for (k, note) in std::mem::take(&mut self.notes) {
            self.findings[k] = note.finding();
        }
    }
}

pub fn ingest(bundle: &Bundle, reg: &Registry, opts: &Options, keep: Keep) -> Result<Ingested> {
    let plan = plan::plan(bundle, reg, opts)?;
    let all: Vec<&plan::SourcePlan> = plan.sources.iter().collect();
    let sources = parse(bundle, &all, reg, opts, keep)?;
    Ok(assemble(&bundle.skipped, plan.findings, sources))
}

/// Parse the planned sources `plans` (all of a bundle's, or those of one
/// part for `rfo extract`), in parallel, in the order given.
pub fn parse(
    bundle: &Bundle,
    plans: &[&plan::SourcePlan],
    reg: &Registry,
    opts: &Options,
    keep: Keep,
) -> Result<Vec<SourceResult>> {
    let progress = progress_bar(bundle, opts);
    let sizes: Vec<u64> = plans
        .iter()
        .map(|p| std::fs::metadata(&p.file.abs).map(|m| m.len()).unwrap_or(0))
        .collect();
    // Threads share a file by cutting what another has yet to read
    // (`source::share`): fixed chunks, which count every chunk's lines
    // before the first starts, only when forced (`--chunk-bytes`, tests).
    let chunk_bytes = opts.chunk_bytes.unwrap_or(u64::MAX / 4);
    let jobs: Vec<source::Job> = plans
        .iter()
        .zip(&sizes)
        .map(|(p, &size)| source::Job {
            plan: p,
            grammar: p.grammar.as_deref().and_then(|g| reg.get(g)),
            size,
            chunk_bytes,
        })
        .collect();
    let sharing = opts
        .share_bytes
        .map(|bytes| source::Sharing { bytes })
        .unwrap_or_default();
    let results = source::read_shared(&jobs, keep, progress.as_ref(), sharing);
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    results.into_iter().collect()
}

/// The ingested bundle from planning's findings and the parsed sources
/// (in bundle order): shared by a bundle's run and a merge of events files.
pub fn assemble(
    skipped: &[crate::bundle::Skipped],
    plan_findings: Vec<Finding>,
    sources: Vec<SourceResult>,
) -> Ingested {
    let mut findings = plan_findings;
    // Members the archive held but rfo refused (`skipped` lists them, and
    // everything else left out): each is a warning, as it may be evidence.
    for s in skipped {
        if s.kind == SkipKind::Member {
            findings.push(Finding::warning(
                crate::finding::FindingCode::MemberSkipped,
                format!("archive member {} was not read: {}", s.path, s.reason),
                None,
            ));
        }
    }
    let mut notes = Vec::new();
    for s in &sources {
        for slot in &s.findings {
            if let crate::time::note::Slot::Note(n) = slot {
                notes.push((findings.len(), n.clone()));
            }
            findings.push(slot.finding());
        }
    }
    Ingested {
        sources,
        findings,
        discrepancies: Vec::new(),
        notes,
        skews: Vec::new(),
    }
}

/// Files of at least twice this size are read in parallel chunks of it
/// where a source is read alone, outside a bundle's shared read (a source
/// read again at a merge of events files, `extract::merge`).
pub const CHUNK_BYTES: u64 = 16 << 20;

/// Bundles smaller than this finish before a bar would help.
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// A progress bar on stderr for long runs, only when asked for (a terminal,
/// not `-q`); it never touches stdout, so output stays byte-identical.
fn progress_bar(bundle: &Bundle, opts: &Options) -> Option<indicatif::ProgressBar> {
    if !opts.progress {
        return None;
    }
    let total: u64 = bundle
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.abs).ok())
        .map(|m| m.len())
        .sum();
    if total < PROGRESS_MIN_BYTES {
        return None;
    }
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
    ) {
        pb.set_style(style);
    }
    Some(pb)
}
