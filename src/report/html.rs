//! Helpers the HTML report uses beyond the shared ones: the timeline chart,
//! and log-derived text whose RFC 3339 instants are shown in the report
//! zone (a discrepancy reads "2017-02-23T04:10:00Z"; the reader of a CST
//! report wants 22:10 CST first, with the UTC instant kept beside it).

use super::chart;
use super::helpers::param;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, JsonValue, RenderContext, RenderError, ScopedJson,
};
use regex::Regex;
use std::sync::LazyLock;

/// `{{{timeline_svg window}}}`: the SVG chart of a window. Its output is
/// already escaped by `chart::svg`, so templates use the triple stash.
pub struct TimelineSvg {
    pub tz: Tz,
}

impl HelperDef for TimelineSvg {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let w = param(h, 0)?;
        Ok(ScopedJson::Derived(JsonValue::String(chart::svg(
            w, self.tz,
        ))))
    }
}

static INSTANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})").unwrap()
});

/// Every RFC 3339 instant in `text` rewritten as
/// `2017-02-22 22:10:00 CST (2017-02-23 04:10:00 UTC)`: the report zone
/// first, the UTC instant beside it with the same digits (fractions kept),
/// so nothing the Markdown report states is lost.
pub fn in_zone(text: &str, tz: Tz) -> String {
    INSTANT
        .replace_all(text, |c: &regex::Captures<'_>| {
            let Ok(t) = DateTime::parse_from_rfc3339(&c[0]) else {
                return c[0].to_string();
            };
            let t = t.with_timezone(&Utc);
            format!(
                "{} {} ({} UTC)",
                t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S%.f"),
                crate::time::zone::abbrev_at(tz, t),
                t.format("%Y-%m-%d %H:%M:%S%.f")
            )
        })
        .into_owned()
}

/// `{{in_zone text}}`: `in_zone` as a helper; the result is escaped as usual.
pub struct InZone {
    pub tz: Tz,
}

impl HelperDef for InZone {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let v = param(h, 0)?;
        let s = match v.as_str() {
            Some(s) => in_zone(s, self.tz),
            None if v.is_null() => String::new(),
            None => v.to_string(),
        };
        Ok(ScopedJson::Derived(JsonValue::String(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_text_are_shown_in_the_report_zone_with_utc_beside() {
        let tz: Tz = "America/Chicago".parse().unwrap();
        assert_eq!(
            in_zone(
                "opened at 2017-02-23T04:10:00Z; began 2017-02-23T03:56:10.455Z (x)",
                tz
            ),
            "opened at 2017-02-22 22:10:00 CST (2017-02-23 04:10:00 UTC); began 2017-02-22 21:56:10.455 CST (2017-02-23 03:56:10.455 UTC) (x)"
        );
        assert_eq!(
            in_zone("no instant 2017-02-23", tz),
            "no instant 2017-02-23"
        );
    }
}
