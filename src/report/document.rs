//! The RFO documents (`rfo analyze --format md|html`, `report.md`,
//! `report.html`): the analysis through the default template or one the
//! analyst names. The template engine itself is `report::render`.

use super::Format;
use crate::analysis::Analysis;
use crate::error::{Error, Result};
use std::path::Path;

/// The Markdown report, with the default template or `template`.
pub fn markdown(analysis: &Analysis, template: Option<&Path>) -> Result<String> {
    render(
        analysis,
        template,
        ("rfo.md.hbs", super::DEFAULT_MARKDOWN),
        Format::Markdown,
    )
}

/// The HTML report, with the default template or `template`.
pub fn html(analysis: &Analysis, template: Option<&Path>) -> Result<String> {
    render(
        analysis,
        template,
        ("rfo.html.hbs", super::DEFAULT_HTML),
        Format::Html,
    )
}

/// The Markdown or HTML report from an analysis already turned into JSON,
/// for a caller that drops the analysis first: on a flapping storm the
/// two together are most of the peak memory.
pub fn from_json(
    value: &serde_json::Value,
    template: Option<&Path>,
    format: Format,
) -> Result<String> {
    let (default_name, default_src) = match format {
        Format::Markdown => ("rfo.md.hbs", super::DEFAULT_MARKDOWN),
        Format::Html => ("rfo.html.hbs", super::DEFAULT_HTML),
    };
    let (name, src) = template_source(template, default_name, default_src)?;
    super::render_json(value, &src, &name, format)
}

fn template_source(
    template: Option<&Path>,
    default_name: &str,
    default_src: &str,
) -> Result<(String, String)> {
    Ok(match template {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
        ),
        None => (default_name.to_string(), default_src.to_string()),
    })
}

/// Read `template` (or take the default) and render through it; errors
/// name the template file.
fn render(
    analysis: &Analysis,
    template: Option<&Path>,
    (default_name, default_src): (&str, &str),
    format: Format,
) -> Result<String> {
    let (name, src) = template_source(template, default_name, default_src)?;
    super::render(analysis, &src, &name, format)
}
