//! Every output rfo writes is rendered here: one module per output, each
//! turning data (the analysis, the timeline, a parsed file, lint or check
//! results) into text. `cmd` only orchestrates and `golden` renders the
//! fixtures' outputs through the same functions, so a command and its
//! golden file cannot drift apart, and neither needs the other.
//!
//! Outputs: `analysis_json` (`analysis.json`), `document` (the Markdown and
//! HTML RFO), `windows`, `timeline`, `parse`, `lint`, `check`, `grammars`.
//! Shared: this file (the handlebars engine, strict mode: a field the
//! analysis lacks is an error, not an empty string), `escape` (log text
//! escaped for the output format), `stamp` (instants in the report zone),
//! `colour`, and the template helpers (`helpers`, `cite`, `html`, `chart`,
//! `guard`). Words for numbers (`1 line`, `27 min 11 s`) are
//! `crate::human`, shared with the stages' messages.

pub mod analysis_json;
pub mod chart;
pub mod check;
pub mod cite;
pub mod colour;
pub mod document;
pub mod escape;
pub mod grammars;
pub mod guard;
pub mod helpers;
pub mod html;
pub mod lint;
mod lookup;
pub mod parse;
pub mod stamp;
pub mod timeline;
pub mod windows;

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use chrono_tz::Tz;
use handlebars::Handlebars;
use helpers::{TimeFmt, TimeHelper};

/// `write` run on a buffer of its own in front of `out`, flushed at the end.
///
/// serde_json and the formatter write in many small pieces, and each went
/// through `out`'s dynamic dispatch: a fifth of `timeline --format jsonl`
/// (issue 16). Into a concrete buffer they are copies; `out` sees 64 KiB
/// at a time.
pub fn buffered(
    out: &mut dyn std::io::Write,
    write: impl FnOnce(&mut std::io::BufWriter<&mut dyn std::io::Write>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    write(&mut buf)?;
    buf.flush()
}

/// `value` as pretty JSON and a newline, into `out` as it is serialised.
pub fn write_json_pretty<T: serde::Serialize>(
    out: &mut dyn std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    use std::io::Write;
    buffered(out, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
}

/// The default RFO template (the seed's layout).
pub const DEFAULT_MARKDOWN: &str = include_str!("../../templates/rfo.md.hbs");

/// The HTML report, with an inline SVG timeline of the window.
pub const DEFAULT_HTML: &str = include_str!("../../templates/rfo.html.hbs");

/// What every placeholder starts with; `lint` looks for it.
pub const PLACEHOLDER: &str = "[TO BE WRITTEN";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

/// Render `analysis` with `template` (its name is used in errors).
pub fn render(analysis: &Analysis, template: &str, name: &str, format: Format) -> Result<String> {
    let value = serde_json::to_value(analysis).map_err(|e| Error::Template {
        name: name.to_string(),
        message: format!("the analysis does not serialise: {e}"),
    })?;
    render_json(&value, template, name, format)
}

/// Render an analysis already in its JSON form: what `render` does, for
/// tools and tests that hold `analysis.json` (templates see only JSON).
pub fn render_json(
    analysis: &serde_json::Value,
    template: &str,
    name: &str,
    format: Format,
) -> Result<String> {
    let zone = analysis["incident"]["report_zone"].as_str().unwrap_or("");
    let tz: Tz = zone.parse().map_err(|_| Error::Template {
        name: name.to_string(),
        message: format!("unknown report zone {zone:?}"),
    })?;
    let mut hb = Handlebars::new();
    // Recursive lookup stays off: `lookup::Lookup` lends values from the
    // context, which with it on would let a missing name fall back to the
    // root's.
    hb.set_strict_mode(true);
    match format {
        Format::Markdown => hb.register_escape_fn(escape::markdown),
        Format::Html => hb.register_escape_fn(escape::html),
    }
    for (helper, fmt) in [
        ("local_time", TimeFmt::LocalTime),
        ("local_datetime", TimeFmt::LocalDateTime),
        ("local_clock", TimeFmt::LocalClock),
        ("local_date", TimeFmt::LocalDate),
        ("utc_time", TimeFmt::UtcTime),
        ("utc_clock", TimeFmt::UtcClock),
        ("utc_datetime", TimeFmt::UtcDateTime),
        ("utc_date", TimeFmt::UtcDate),
        ("zone_abbrev", TimeFmt::Abbrev),
        ("time_and_utc", TimeFmt::LocalAndUtc),
        ("clock_and_utc", TimeFmt::LocalAndUtcClock),
        ("utc_aside", TimeFmt::UtcAside),
    ] {
        hb.register_helper(helper, Box::new(TimeHelper { tz, fmt }));
    }
    hb.register_helper("lookup", Box::new(lookup::Lookup));
    hb.register_helper("duration", Box::new(helpers::Duration));
    hb.register_helper("join", Box::new(helpers::Join));
    hb.register_helper("or", Box::new(helpers::Or));
    hb.register_helper("svg_x", Box::new(helpers::SvgX));
    hb.register_helper("last_at", Box::new(helpers::LastAt));
    hb.register_helper("cite", Box::new(cite::Cite(format)));
    hb.register_helper("utc_report", Box::new(helpers::UtcReport(tz)));
    hb.register_helper("subjects", Box::new(helpers::Subjects));
    hb.register_helper("plural", Box::new(helpers::Plural));
    hb.register_helper("code_span", Box::new(cite::Code(format)));
    hb.register_helper("timeline_svg", Box::new(html::TimelineSvg { tz }));
    hb.register_helper("in_zone", Box::new(html::InZone { tz }));
    guard::check(template).map_err(|message| Error::Template {
        name: name.to_string(),
        message,
    })?;
    hb.register_template_string(name, template)
        .map_err(|e| Error::Template {
            name: name.to_string(),
            message: e.to_string(),
        })?;
    let mut out = guard::Budget::new();
    let rendered = hb.render_to_write(name, analysis, &mut out);
    if let Some(why) = out.exceeded.take() {
        return Err(Error::Template {
            name: name.to_string(),
            message: format!("{why}: stopped"),
        });
    }
    rendered.map_err(|e| Error::Template {
        name: name.to_string(),
        message: render_error(&e, analysis),
    })?;
    String::from_utf8(out.out).map_err(|e| Error::Template {
        name: name.to_string(),
        message: format!("output is not UTF-8: {e}"),
    })
}

/// A render error in the analyst's terms: a field the analysis lacks is
/// named with the nearest field names it has (strict mode's own message
/// is `Failed to access variable in strict mode Some("window.strat")`).
fn render_error(e: &handlebars::RenderError, analysis: &serde_json::Value) -> String {
    let at = match (e.line_no, e.column_no) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        _ => String::new(),
    };
    match e.reason() {
        handlebars::RenderErrorReason::MissingVariable(Some(path)) => {
            let mut keys = std::collections::BTreeSet::new();
            collect_keys(analysis, &mut keys);
            let last = path.rsplit(['.', '/']).next().unwrap_or(path);
            let mut near: Vec<(usize, &String)> = keys
                .iter()
                .map(|k| (strsim::levenshtein(last, k), k))
                .collect();
            near.sort();
            let near: Vec<String> = near.iter().take(3).map(|(_, k)| format!("`{k}`")).collect();
            format!(
                "{at}no field `{path}` in the analysis here (nearest field names: {}); see docs/analysis-json.md",
                near.join(", ")
            )
        }
        _ => format!("{at}{}", e.reason()),
    }
}

fn collect_keys(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.clone());
                collect_keys(v, out);
            }
        }
        serde_json::Value::Array(a) => {
            for v in a.iter().take(4) {
                collect_keys(v, out);
            }
        }
        _ => {}
    }
}
