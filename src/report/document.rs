//! The RFO documents (`rfo analyze --format md|html`, `report.md`,
//! `report.html`): the analysis through the default template or one the
//! analyst names. The template engine itself is `report::render`.

use super::Format;
use crate::analysis::Analysis;
use crate::error::{Error, Result};
use std::path::Path;

/// The Markdown report, with the default template or `template`.
pub fn markdown(analysis: &Analysis, template: Option<&Path>) -> Result<String> {
    render(analysis, template, Format::Markdown)
}

/// The HTML report, with the default template or `template`.
pub fn html(analysis: &Analysis, template: Option<&Path>) -> Result<String> {
    render(analysis, template, Format::Html)
}

/// The Markdown or HTML report of an analysis the caller gives up: what a
/// template cannot reach is never turned into JSON. A template that reaches
/// the windows only as `lookup windows selected.index` (the built-in ones
/// do) sees the other windows as `null`; on a flapping storm they hold
/// nearly every event, and their JSON tree was most of the time and memory
/// of a run (docs/performance.md). Any other use of `windows` sees them all.
pub fn render_owned(
    mut analysis: Analysis,
    template: Option<&Path>,
    format: Format,
) -> Result<String> {
    let (name, src) = template_source(template, format)?;
    let serialise = |e: serde_json::Error| Error::Template {
        name: name.clone(),
        message: format!("the analysis does not serialise: {e}"),
    };
    let value = if reaches_only_selected(&src) {
        let windows = std::mem::take(&mut analysis.windows);
        let keep = analysis.selected.as_ref().map(|s| s.index);
        let mut value = serde_json::to_value(&analysis).map_err(serialise)?;
        drop(analysis);
        let mut shown = Vec::with_capacity(windows.len());
        for (k, w) in windows.into_iter().enumerate() {
            shown.push(match keep == Some(k) {
                true => serde_json::to_value(&w).map_err(serialise)?,
                false => serde_json::Value::Null,
            });
        }
        value["windows"] = serde_json::Value::Array(shown);
        value
    } else {
        serde_json::to_value(&analysis).map_err(serialise)?
    };
    super::render_json(&value, &src, &name, format)
}

/// Whether every mention of `windows` in a template is the selected
/// window's lookup: then no other window can show in its output.
fn reaches_only_selected(src: &str) -> bool {
    src.matches("windows").count() == src.matches("lookup windows selected.index").count()
}

/// The template's name and text: the file the analyst named, else the
/// built-in one for `format`.
pub fn template_source(template: Option<&Path>, format: Format) -> Result<(String, String)> {
    let (default_name, default_src) = match format {
        Format::Markdown => ("rfo.md.hbs", super::DEFAULT_MARKDOWN),
        Format::Html => ("rfo.html.hbs", super::DEFAULT_HTML),
    };
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
fn render(analysis: &Analysis, template: Option<&Path>, format: Format) -> Result<String> {
    let (name, src) = template_source(template, format)?;
    super::render(analysis, &src, &name, format)
}
