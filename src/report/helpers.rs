//! Template helpers: times in the report zone with the abbreviation that
//! zone really used that day, UTC beside them, durations from seconds.
//! Helpers return values, so the format's escaping applies to them too.

use crate::human;
use crate::time::zone::abbrev_at;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, JsonValue, RenderContext, RenderError,
    RenderErrorReason, ScopedJson,
};

/// Shown where a value is `null`: unknown, never invented.
pub const UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, Copy)]
pub enum TimeFmt {
    /// `21:56 CST`
    LocalTime,
    /// `2017-02-22 21:56:10 CST`
    LocalDateTime,
    /// `21:56:10 CST`: for events seconds apart (a trigger's commands).
    LocalClock,
    /// `February 22, 2017`
    LocalDate,
    /// `03:56 UTC`
    UtcTime,
    /// `03:56:10 UTC`
    UtcClock,
    /// `2017-02-23 03:56:10 UTC`
    UtcDateTime,
    /// `February 23, 2017`
    UtcDate,
    /// `CST`: the abbreviation the report zone used at that instant.
    Abbrev,
    /// `21:56 CST (03:56 UTC)`, or `03:56 UTC` alone in a UTC report.
    LocalAndUtc,
    /// `21:56:10 CST (03:56:10 UTC)`, or `03:56:10 UTC` in a UTC report.
    LocalAndUtcClock,
    /// `03:56 UTC, ` to stand before a citation in parentheses after a
    /// local time; nothing in a UTC report, where it would repeat it.
    UtcAside,
}

/// Whether the report zone is UTC itself: then the local time is the UTC
/// time, and printing both (`04:00 UTC (04:00 UTC)`) says it twice.
pub fn is_utc(tz: Tz) -> bool {
    matches!(
        tz.name(),
        "UTC" | "Etc/UTC" | "Etc/UCT" | "UCT" | "Etc/Universal" | "Universal" | "Etc/Zulu" | "Zulu"
    )
}

pub struct TimeHelper {
    pub tz: Tz,
    pub fmt: TimeFmt,
}

pub(super) fn param<'a>(h: &'a Helper<'_>, k: usize) -> Result<&'a JsonValue, RenderError> {
    h.param(k)
        .map(|p| p.value())
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("helper", k).into())
}

fn text(s: String) -> Result<ScopedJson<'static>, RenderError> {
    Ok(ScopedJson::Derived(JsonValue::String(s)))
}

pub fn format_time(tz: Tz, fmt: TimeFmt, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz);
    let ab = abbrev_at(tz, t);
    match fmt {
        TimeFmt::LocalTime => format!("{} {ab}", local.format("%H:%M")),
        TimeFmt::LocalDateTime => format!("{} {ab}", local.format("%Y-%m-%d %H:%M:%S")),
        TimeFmt::LocalClock => format!("{} {ab}", local.format("%H:%M:%S")),
        TimeFmt::LocalDate => local.format("%B %-d, %Y").to_string(),
        TimeFmt::UtcTime => format!("{} UTC", t.format("%H:%M")),
        TimeFmt::UtcClock => format!("{} UTC", t.format("%H:%M:%S")),
        TimeFmt::UtcDateTime => format!("{} UTC", t.format("%Y-%m-%d %H:%M:%S")),
        TimeFmt::UtcDate => t.format("%B %-d, %Y").to_string(),
        TimeFmt::Abbrev => ab,
        TimeFmt::LocalAndUtc | TimeFmt::LocalAndUtcClock | TimeFmt::UtcAside => {
            let (local, utc) = match fmt {
                TimeFmt::LocalAndUtcClock => (TimeFmt::LocalClock, TimeFmt::UtcClock),
                _ => (TimeFmt::LocalTime, TimeFmt::UtcTime),
            };
            let utc = format_time(tz, utc, t);
            match (fmt, is_utc(tz)) {
                (TimeFmt::UtcAside, true) => String::new(),
                (TimeFmt::UtcAside, false) => format!("{utc}, "),
                (_, true) => utc,
                (_, false) => format!("{} ({utc})", format_time(tz, local, t)),
            }
        }
    }
}

impl HelperDef for TimeHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let v = param(h, 0)?;
        let Some(s) = v.as_str() else {
            return text(UNKNOWN.to_string());
        };
        let t = DateTime::parse_from_rfc3339(s)
            .map_err(|e| {
                RenderErrorReason::Other(format!("{}: not an RFC 3339 time {s:?}: {e}", h.name()))
            })?
            .with_timezone(&Utc);
        text(format_time(self.tz, self.fmt, t))
    }
}

/// `{{duration secs}}` → `27 min 12 s`.
pub struct Duration;

impl HelperDef for Duration {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        match param(h, 0)?.as_i64() {
            Some(s) => text(human::duration(s)),
            None => text(UNKNOWN.to_string()),
        }
    }
}

/// `{{join list ", "}}`.
pub struct Join;

impl HelperDef for Join {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let sep = h.param(1).and_then(|p| p.value().as_str()).unwrap_or(", ");
        let items: Vec<String> = param(h, 0)?
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        text(items.join(sep))
    }
}

/// `{{or value "fallback"}}`: the value unless it is null.
pub struct Or;

impl HelperDef for Or {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let v = param(h, 0)?;
        if v.is_null() {
            Ok(ScopedJson::Derived(param(h, 1)?.clone()))
        } else {
            Ok(ScopedJson::Derived(v.clone()))
        }
    }
}

/// `{{svg_x at from to width}}`: where instant `at` falls on an axis of
/// `width` pixels running from `from` to `to` (clamped to the axis).
pub struct SvgX;

impl HelperDef for SvgX {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let t = |k: usize| -> Result<Option<DateTime<Utc>>, RenderError> {
            Ok(param(h, k)?
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc)))
        };
        let width = param(h, 3)?.as_f64().unwrap_or(800.0);
        let (Some(at), Some(from)) = (t(0)?, t(1)?) else {
            return Ok(ScopedJson::Derived(JsonValue::from(0.0)));
        };
        let to = t(2)?.unwrap_or(at).max(from + chrono::Duration::seconds(1));
        let span = (to - from).num_milliseconds() as f64;
        let x = ((at - from).num_milliseconds() as f64 / span).clamp(0.0, 1.0) * width;
        Ok(ScopedJson::Derived(JsonValue::from(
            (x * 10.0).round() / 10.0,
        )))
    }
}

/// `{{last_at rows}}`: the `at` of the last element of an array (the end of
/// a timeline axis that must hold every row).
pub struct LastAt;

impl HelperDef for LastAt {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let at = param(h, 0)?
            .as_array()
            .and_then(|a| a.last())
            .and_then(|row| row.get("at"))
            .cloned()
            .unwrap_or(JsonValue::Null);
        Ok(ScopedJson::Derived(at))
    }
}

/// `{{#if (utc_report)}}`: whether the report zone is UTC (one time column,
/// not two that say the same).
pub struct UtcReport(pub Tz);

impl HelperDef for UtcReport {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        _: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        Ok(ScopedJson::Derived(JsonValue::Bool(is_utc(self.0))))
    }
}

/// A subject as a reader should see it: a grammar renders a host it could
/// not find as `?` (`? Vlan120`, `?/HTTP`), which in a report reads as a
/// typo; it says `Vlan120 (host unknown)` instead.
pub fn subject_text(s: &str) -> String {
    if s == "?" {
        return "unknown host".to_string();
    }
    match s.strip_prefix("? ").or_else(|| s.strip_prefix("?/")) {
        Some(rest) => format!("{rest} (host unknown)"),
        None => s.to_string(),
    }
}

/// `{{subjects list}}`: subjects joined with `, `, each as `subject_text`
/// shows it; `{{subjects one}}` for a single subject.
pub struct Subjects;

impl HelperDef for Subjects {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let v = param(h, 0)?;
        let items: Vec<String> = match v {
            JsonValue::Array(a) => a
                .iter()
                .filter_map(|s| s.as_str())
                .map(subject_text)
                .collect(),
            JsonValue::String(s) => vec![subject_text(s)],
            _ => vec![UNKNOWN.to_string()],
        };
        text(items.join(", "))
    }
}

/// `{{plural n "failure span"}}` → `1 failure span`, `3 failure spans`;
/// a list counts its length.
pub struct Plural;

impl HelperDef for Plural {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let v = param(h, 0)?;
        let n = v
            .as_u64()
            .or_else(|| v.as_array().map(|a| a.len() as u64))
            .unwrap_or(0);
        let noun = param(h, 1)?.as_str().unwrap_or("item");
        text(crate::human::count(n, noun))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_report_says_each_time_once() {
        let t = DateTime::parse_from_rfc3339("2017-02-23T04:00:10Z")
            .unwrap()
            .with_timezone(&Utc);
        let chicago: Tz = "America/Chicago".parse().unwrap();
        assert_eq!(
            format_time(chicago, TimeFmt::LocalAndUtc, t),
            "22:00 CST (04:00 UTC)"
        );
        assert_eq!(format_time(chicago, TimeFmt::UtcAside, t), "04:00 UTC, ");
        assert_eq!(
            format_time(chrono_tz::UTC, TimeFmt::LocalAndUtc, t),
            "04:00 UTC"
        );
        assert_eq!(
            format_time(chrono_tz::Etc::UTC, TimeFmt::LocalAndUtcClock, t),
            "04:00:10 UTC"
        );
        assert_eq!(format_time(chrono_tz::UTC, TimeFmt::UtcAside, t), "");
    }

    #[test]
    fn an_unknown_host_is_said_in_words() {
        assert_eq!(subject_text("? Vlan120"), "Vlan120 (host unknown)");
        assert_eq!(subject_text("?/HTTP"), "HTTP (host unknown)");
        assert_eq!(subject_text("core-sw1 Vlan120"), "core-sw1 Vlan120");
        assert_eq!(subject_text("?"), "unknown host");
    }
}
