//! Citations and quoted log text as the output format needs them.
//!
//! A citation (`file:line`) and a logged command are shown verbatim, so in
//! Markdown they are code spans: inside one, backslash escapes are not
//! processed, and the format's escape function (which writes `_` as `\_`)
//! must not touch them. These helpers therefore write their output
//! themselves, already made safe for the format, and `{{cite x}}` and
//! `{{{cite x}}}` give the same text. In HTML they are `<code>` elements
//! with the text HTML-escaped.

use super::escape::{self, Place};
use super::Format;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonValue, Output, RenderContext,
    RenderErrorReason,
};

/// `{{cite evidence}}`: an evidence object (`{file, line}`) as a code span
/// `file:line`; `{{cite evidence cell=true}}` inside a table cell. A null
/// evidence renders `unknown`.
pub struct Cite(pub Format);

/// `{{code_span text}}`: any text (a logged command) as a code span;
/// `cell=true` inside a table cell.
pub struct Code(pub Format);

/// `file:line` from an evidence object; `None` for null.
fn citation(v: &JsonValue) -> Result<Option<String>, RenderErrorReason> {
    if v.is_null() {
        return Ok(None);
    }
    let file = v.get("file").and_then(JsonValue::as_str);
    let line = v.get("line").and_then(JsonValue::as_u64);
    match (file, line) {
        (Some(f), Some(l)) => Ok(Some(format!("{f}:{l}"))),
        _ => Err(RenderErrorReason::Other(format!(
            "cite: not an evidence object {{file, line}}: {v}"
        ))),
    }
}

fn place(h: &Helper<'_>) -> Place {
    match h.hash_get("cell").map(|v| v.value()) {
        Some(JsonValue::Bool(true)) => Place::TableCell,
        _ => Place::Text,
    }
}

/// The text as this format's verbatim span.
fn verbatim(format: Format, text: &str, place: Place) -> String {
    match format {
        Format::Markdown => escape::code_span(text, place),
        Format::Html => format!("<code>{}</code>", escape::html(text)),
    }
}

fn arg<'a>(h: &'a Helper<'_>) -> Result<&'a JsonValue, RenderErrorReason> {
    h.param(0)
        .map(|p| p.value())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("helper", 0))
}

impl HelperDef for Cite {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let text = match citation(arg(h)?)? {
            Some(c) => verbatim(self.0, &c, place(h)),
            None => super::helpers::UNKNOWN.to_string(),
        };
        out.write(&text)?;
        Ok(())
    }
}

impl HelperDef for Code {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let v = arg(h)?;
        let text = match v {
            JsonValue::Null => super::helpers::UNKNOWN.to_string(),
            JsonValue::String(s) => verbatim(self.0, s, place(h)),
            other => verbatim(self.0, &other.to_string(), place(h)),
        };
        out.write(&text)?;
        Ok(())
    }
}
