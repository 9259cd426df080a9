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

/// Read `template` (or take the default) and render through it; errors
/// name the template file.
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
    super::render(analysis, &src, &name, format)
}
