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
    // The compiled grammars are not freed one by one at the end: the
    // process exits right after the output, and their drop (every rule's
    // regex caches) was 1.4 M instructions on the main thread after the
    // last byte was written, with the pool idle (issue 16).
    let reg = std::mem::ManuallyDrop::new(reg);
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load_input(&a.input, &reg, opts, Keep::Significant)?;
    let mut analysis = pipeline::analyze(&loaded, opts, a.generated_at.clone())?;
    // The events are in the analysis now: free them before rendering,
    // which holds the analysis a second time as JSON.
    drop(loaded);
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
    if a.redact.redact {
        let text = redacted(a, &analysis, &reg, opts)?;
        emit(common, &text)?;
        return Ok(Exit::Ok);
    }
    let text = match a.format {
        AnalyzeFormat::Json => {
            super::emit_with(common, &mut |w| report::analysis_json::write(w, &analysis))?;
            return Ok(Exit::Ok);
        }
        AnalyzeFormat::Md | AnalyzeFormat::Html => {
            let format = document_format(a.format);
            report::document::render_owned(analysis, a.template.as_deref(), format)?
        }
    };
    emit(common, &text)?;
    Ok(Exit::Ok)
}

/// `--redact`: the analysis JSON with every identifier replaced, then
/// rendered (docs/seal.md, "Redaction").
fn redacted(
    a: &AnalyzeArgs,
    analysis: &Analysis,
    reg: &crate::grammar::registry::Registry,
    opts: &Options,
) -> Result<String> {
    let mut r = super::redact::redactor_of(&pipeline::load_input(&a.input, reg, opts, Keep::All)?)?;
    let mut value = serde_json::to_value(analysis).expect("analysis serialises");
    r.value(&mut value);
    let text = match a.format {
        AnalyzeFormat::Json => {
            let mut s = serde_json::to_string_pretty(&value).expect("value serialises");
            s.push('\n');
            s
        }
        AnalyzeFormat::Md | AnalyzeFormat::Html => {
            let format = document_format(a.format);
            let (name, src) = report::document::template_source(a.template.as_deref(), format)?;
            report::render_json(&value, &src, &name, format)?
        }
    };
    super::redact::write_map(&a.redact, &r)?;
    Ok(text)
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

/// The document format of `--format md|html`.
fn document_format(f: AnalyzeFormat) -> report::Format {
    match f {
        AnalyzeFormat::Html => report::Format::Html,
        _ => report::Format::Markdown,
    }
}
