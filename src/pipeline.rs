//! The whole pipeline for one bundle, shared by every command:
//! grammars → bundle → ingest → timeline → windows → analysis.

use crate::analysis::{self, Analysis, Incident};
use crate::bundle::Bundle;
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::event::TimedEvent;
use crate::finding::{Finding, FindingCode};
use crate::grammar::registry::{Diagnostic, Registry};
use crate::ingest::{self, Ingested};
use crate::timeline;
use crate::window;
use std::path::Path;

/// A status page may lag the evidence by this much before it is a mismatch.
pub const PUBLIC_TOLERANCE_S: i64 = 120;

/// The built-in grammars plus `--grammars DIR`; broken user grammars come
/// back as diagnostics, the rest still load.
pub fn registry(opts: &Options) -> Result<(Registry, Vec<Diagnostic>)> {
    let mut reg = Registry::builtin().map_err(|d| Error::Grammar(d.to_string()))?;
    let diags = match &opts.grammars {
        Some(dir) => reg.load_dir(dir).map_err(|e| Error::io(dir, e))?,
        None => Vec::new(),
    };
    Ok((reg, diags))
}

/// A bundle run through ingest and merged.
pub struct Loaded {
    pub bundle: Bundle,
    pub ingested: Ingested,
    pub timeline: Vec<TimedEvent>,
}

pub fn load(path: &Path, reg: &Registry, opts: &Options, keep: Keep) -> Result<Loaded> {
    let bundle = Bundle::open(path)?;
    let mut ingested = ingest::ingest(&bundle, reg, opts, keep)?;
    crate::align::align(&mut ingested, opts.correct_skew);
    let streams: Vec<Vec<TimedEvent>> = ingested
        .sources
        .iter_mut()
        .map(|s| std::mem::take(&mut s.events))
        .collect();
    let timeline = timeline::merged(streams, None, None);
    Ok(Loaded {
        bundle,
        ingested,
        timeline,
    })
}

/// Build the analysis of a loaded bundle.
pub fn analyze(loaded: &Loaded, opts: &Options, generated_at: Option<String>) -> Analysis {
    let t = &loaded.timeline;
    let config = window::Config {
        merge_gap_s: opts.merge_gap_s.unwrap_or(window::MERGE_GAP_S),
    };
    let facts = window::windows(t, config);
    // The sources' events now live in the timeline: find the monitors there.
    let monitors: std::collections::BTreeSet<&str> = t
        .iter()
        .filter(|e| e.role == crate::event::Role::Monitor)
        .map(|e| &*e.file)
        .collect();
    let silent: Vec<analysis::MonitorSilence> = loaded
        .ingested
        .sources
        .iter()
        .filter(|s| monitors.contains(s.summary.path.as_str()))
        .flat_map(|s| {
            s.silences.iter().map(|x| analysis::MonitorSilence {
                file: s.summary.path.clone(),
                silence: x.clone(),
            })
        })
        .collect();
    let windows: Vec<analysis::Window> = facts
        .iter()
        .enumerate()
        .map(|(k, f)| analysis::window(t, k as u32 + 1, f, &silent))
        .collect();
    let selected = analysis::select(&windows, t, opts.range);
    let m = loaded.bundle.manifest.as_ref().map(|m| &m.manifest);
    let inc = m.map(|m| &m.incident);
    let report_zone = opts
        .report_zone
        .map(|z| z.name().to_string())
        .or_else(|| {
            inc.and_then(|i| i.report_zone.as_ref())
                .map(|z| z.get_ref().clone())
        })
        .unwrap_or_else(|| "UTC".to_string());
    let discrepancies: Vec<analysis::Discrepancy> = loaded
        .ingested
        .discrepancies
        .iter()
        .cloned()
        .chain(
            facts
                .iter()
                .flat_map(|f| analysis::public_discrepancies(t, f)),
        )
        .collect();
    let mut findings = loaded.ingested.findings.clone();
    for d in &discrepancies {
        let public = loaded.ingested.sources.iter().any(|s| {
            s.summary.path == d.source && s.summary.grammar.as_deref() == Some("statuspage")
        });
        match d.difference_s {
            Some(diff) if public && diff.abs() > PUBLIC_TOLERANCE_S => {
                findings.push(Finding::warning(
                    FindingCode::PublicTimelineMismatch,
                    format!(
                        "{}: {}, {} {} the evidence: {}",
                        d.source,
                        d.claim,
                        crate::window::trigger::human(diff.abs()),
                        d.measure.direction(diff),
                        d.against
                    ),
                    Some(d.evidence.clone()),
                ))
            }
            _ => {}
        }
    }
    Analysis {
        schema: analysis::SCHEMA,
        tzdb: crate::time::TZDB_VERSION,
        generated_at,
        incident: Incident {
            title: inc.and_then(|i| i.title.clone()),
            ticket: inc.and_then(|i| i.ticket.clone()),
            service: inc.and_then(|i| i.service.clone()),
            report_zone,
        },
        sources: loaded
            .ingested
            .sources
            .iter()
            .map(|s| s.summary.clone())
            .collect(),
        windows,
        selected,
        discrepancies,
        findings,
    }
}

/// Point the report at window `id` instead of the default choice.
pub fn select_window(analysis: &mut Analysis, id: u32) -> Result<()> {
    let index = analysis
        .windows
        .iter()
        .position(|w| w.id == id)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--window {id}: the analysis has {} window(s)",
                analysis.windows.len()
            ))
        })?;
    analysis.selected = Some(analysis::Selected {
        window: id,
        of: analysis.windows.len(),
        index,
        rule: "chosen with --window",
    });
    Ok(())
}
