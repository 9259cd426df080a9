//! `rfo analyze`: the RFO draft (Markdown or HTML) or the analysis JSON.
//! Orchestration only; the outputs are rendered by `report::document` and
//! `report::analysis_json`.

use super::{emit, warn_diagnostics, Exit};
use crate::analysis::Analysis;
use crate::cli::{AnalyzeArgs, AnalyzeFormat, Common, IncidentArgs};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::pipeline;
use crate::report;

pub fn run(a: &AnalyzeArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::Significant)?;
    let mut analysis = pipeline::analyze(&loaded, opts, a.generated_at.clone())?;
    incident(&mut analysis, &a.incident);
    if let Some(id) = a.window {
        pipeline::select_window(&mut analysis, id)?;
    }
    if analysis.selected.is_none() && !analysis.windows.is_empty() {
        // A range that misses every window: say what it left out rather
        // than report "no outage window" over evidence that has some.
        let list: Vec<String> = analysis
            .windows
            .iter()
            .map(|w| {
                format!(
                    "{} ({} → {})",
                    w.id,
                    w.start,
                    w.end.as_deref().unwrap_or("open")
                )
            })
            .collect();
        return Err(Error::Usage(format!(
            "--from/--to overlaps none of the {} window(s) in the evidence: {}",
            analysis.windows.len(),
            list.join(", ")
        )));
    }
    let text = match a.format {
        AnalyzeFormat::Json => report::analysis_json::render(&analysis),
        AnalyzeFormat::Md => report::document::markdown(&analysis, a.template.as_deref())?,
        AnalyzeFormat::Html => report::document::html(&analysis, a.template.as_deref())?,
    };
    emit(common, &text)?;
    Ok(Exit::Ok)
}

/// `--title`, `--ticket`, `--service` over the manifest's `[incident]`.
fn incident(analysis: &mut Analysis, flags: &IncidentArgs) {
    let inc = &mut analysis.incident;
    for (flag, field) in [
        (&flags.title, &mut inc.title),
        (&flags.ticket, &mut inc.ticket),
        (&flags.service, &mut inc.service),
    ] {
        if let Some(v) = flag {
            *field = Some(v.clone());
        }
    }
}
