//! `rfo analyze`: the RFO draft (Markdown) or the analysis JSON.

use super::{emit, warn_diagnostics, Exit};
use crate::analysis::Analysis;
use crate::cli::{AnalyzeArgs, AnalyzeFormat, Common, IncidentArgs};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::pipeline;
use crate::report::{self, Format};
use std::path::Path;

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
    if a.redact.redact {
        let text = redacted(a, &analysis, &reg, opts)?;
        emit(common, &text)?;
        return Ok(Exit::Ok);
    }
    let text = match a.format {
        AnalyzeFormat::Json => json(&analysis),
        AnalyzeFormat::Md => markdown(&analysis, a.template.as_deref())?,
        AnalyzeFormat::Html => html(&analysis, a.template.as_deref())?,
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
    let mut r = super::redact::redactor(&a.bundle, reg, opts)?;
    let mut value = serde_json::to_value(analysis).expect("analysis serialises");
    r.value(&mut value);
    let template = |(name, src): (&str, &str)| -> Result<(String, String)> {
        match &a.template {
            Some(p) => Ok((
                p.display().to_string(),
                std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
            )),
            None => Ok((name.to_string(), src.to_string())),
        }
    };
    let text = match a.format {
        AnalyzeFormat::Json => {
            let mut s = serde_json::to_string_pretty(&value).expect("value serialises");
            s.push('\n');
            s
        }
        AnalyzeFormat::Md => {
            let (name, src) = template(("rfo.md.hbs", report::DEFAULT_MARKDOWN))?;
            report::render_json(&value, &src, &name, Format::Markdown)?
        }
        AnalyzeFormat::Html => {
            let (name, src) = template(("rfo.html.hbs", report::DEFAULT_HTML))?;
            report::render_json(&value, &src, &name, Format::Html)?
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

/// The analysis JSON, pretty-printed, with a final newline.
pub fn json(analysis: &Analysis) -> String {
    let mut s = serde_json::to_string_pretty(analysis).expect("analysis serialises");
    s.push('\n');
    s
}

/// The Markdown report, with the default template or `template`.
pub fn markdown(analysis: &Analysis, template: Option<&Path>) -> Result<String> {
    render(
        analysis,
        template,
        ("rfo.md.hbs", report::DEFAULT_MARKDOWN),
        Format::Markdown,
    )
}

/// The HTML report, with the default template or `template`.
pub fn html(analysis: &Analysis, template: Option<&Path>) -> Result<String> {
    render(
        analysis,
        template,
        ("rfo.html.hbs", report::DEFAULT_HTML),
        Format::Html,
    )
}

fn render(
    analysis: &Analysis,
    template: Option<&Path>,
    (default_name, default_src): (&str, &str),
    format: Format,
) -> Result<String> {
    let (name, src) = match template {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
        ),
        None => (default_name.to_string(), default_src.to_string()),
    };
    report::render(analysis, &src, &name, format)
}
