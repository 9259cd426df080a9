//! The HTML report's timeline chart: an SVG string built in code from one
//! window of the analysis JSON, so tests can snapshot it and every piece of
//! log text in it goes through one escape.
//!
//! One lane per subject, grouped by host (the subject's text up to its
//! first `/` or space, as Nagios `host/service` and syslog `host iface`
//! subjects are written); down spans solid, unknown spans hatched,
//! background and degraded subjects in their own paints; vertical markers
//! for trigger, detection, first public update, public resolution and
//! restoration; axis ticks in the report zone with the date; a legend.
//! Every label is drawn, never left to a hover tooltip (print loses those).
//!
//! It reads the window as JSON (what templates see), not the typed
//! `Window`, because it runs as a template helper; a field it lacks is
//! drawn as absent, never invented.

use crate::human::duration as human;
use crate::report::escape::html as esc;
use crate::time::zone::{abbrev_at, fmt_offset, offset_at};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The chart's width in SVG units: it fills a 1400 px window at 1:1 and
/// scales down (CSS `max-width: 100%`) on paper.
pub const WIDTH: f64 = 1320.0;
const ROW: f64 = 18.0;
const BAR: f64 = 10.0;
/// Average advance of a 12 px sans-serif character, for layout estimates.
const CHAR_W: f64 = 6.8;
const MIN_TICK_PX: f64 = 100.0;
const RIGHT_PAD: f64 = 16.0;
/// Tick steps in seconds, the first that keeps ticks `MIN_TICK_PX` apart wins.
const STEPS: [i64; 19] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    604800,
];

/// How a span is painted; also the legend's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Paint {
    Down,
    Unknown,
    Background,
    BackgroundUnknown,
    Degraded,
}

impl Paint {
    fn fill(self) -> &'static str {
        match self {
            Paint::Down => "#c0392b",
            Paint::Unknown => "url(#rfo-hatch)",
            Paint::Background => "#95a5a6",
            Paint::BackgroundUnknown => "url(#rfo-hatch-bg)",
            Paint::Degraded => "#f0ad4e",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Paint::Down => "down",
            Paint::Unknown => "unknown (monitor stopped or check failed)",
            Paint::Background => "background: down before the window",
            Paint::BackgroundUnknown => "background: unknown before the window",
            Paint::Degraded => "degraded (e.g. WARNING)",
        }
    }

    /// Drawn in this order, so unknown hatching lies over down.
    fn layer(self) -> u8 {
        match self {
            Paint::Degraded | Paint::Background => 0,
            Paint::Down => 1,
            Paint::Unknown | Paint::BackgroundUnknown => 2,
        }
    }
}

#[derive(Debug, Clone)]
struct Span {
    from: DateTime<Utc>,
    /// `None`: still so at the end of the evidence.
    to: Option<DateTime<Utc>>,
    paint: Paint,
}

/// What a lane's subject was to the window; sorts members first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Member,
    Background,
    Degraded,
    /// A whole monitor stopped or silent: a lane per source.
    Monitor,
}

#[derive(Debug, Clone)]
struct Lane {
    host: String,
    label: String,
    role: Role,
    flapping: bool,
    spans: Vec<Span>,
}

impl Lane {
    fn first(&self) -> Option<DateTime<Utc>> {
        self.spans.iter().map(|s| s.from).min()
    }
}

/// A vertical marker: trigger, detection, public updates, restoration.
#[derive(Debug, Clone, Copy)]
struct Marker {
    what: &'static str,
    at: DateTime<Utc>,
    stroke: &'static str,
    dash: &'static str,
}

/// The time axis: `lo..hi` onto `x0..x0 + w`.
#[derive(Debug, Clone, Copy)]
struct Axis {
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
    x0: f64,
    w: f64,
}

impl Axis {
    fn x(&self, t: DateTime<Utc>) -> f64 {
        let span = (self.hi - self.lo).num_milliseconds().max(1) as f64;
        let f = ((t - self.lo).num_milliseconds() as f64 / span).clamp(0.0, 1.0);
        self.x0 + f * self.w
    }
}

fn instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// The host part of a subject: up to its first `/` or space.
pub fn host_of(subject: &str) -> &str {
    subject
        .split_once(['/', ' '])
        .map(|(h, _)| h)
        .filter(|h| !h.is_empty())
        .unwrap_or(subject)
}

fn lane_label(subject: &str) -> String {
    let host = host_of(subject);
    let rest = subject[host.len()..].trim_start_matches(['/', ' ']);
    if rest.is_empty() {
        subject.to_string()
    } else {
        rest.to_string()
    }
}

fn lane<'a>(lanes: &'a mut BTreeMap<String, Lane>, subject: &str, role: Role) -> &'a mut Lane {
    lanes.entry(subject.to_string()).or_insert_with(|| Lane {
        host: host_of(subject).to_string(),
        label: lane_label(subject),
        role,
        flapping: false,
        spans: Vec::new(),
    })
}

/// Down spans of the members, read from the window's timeline rows: a
/// fault opens one, the subject's next recovery (or the degraded state
/// that ended its outage, a `detection` row that is not the window's
/// detection) closes it.
fn member_spans(w: &Value, lanes: &mut BTreeMap<String, Lane>) {
    let end = instant(&w["end"]);
    let detected = &w["evidence"]["detected"];
    let mut open: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let rows = w["timeline"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for row in rows {
        let (Some(subject), Some(at)) = (row["subject"].as_str(), instant(&row["at"])) else {
            continue;
        };
        if !lanes.contains_key(subject) {
            continue;
        }
        match row["kind"].as_str() {
            Some("fault") => {
                open.entry(subject.to_string()).or_insert(at);
            }
            Some("recovery") | Some("detection") if row["evidence"] != *detected => {
                if let Some(from) = open.remove(subject) {
                    lane(lanes, subject, Role::Member).spans.push(Span {
                        from,
                        to: Some(at),
                        paint: Paint::Down,
                    });
                }
            }
            _ => {}
        }
    }
    for (subject, from) in open {
        lane(lanes, &subject, Role::Member).spans.push(Span {
            from,
            to: end,
            paint: Paint::Down,
        });
    }
}

fn lanes_of(w: &Value) -> Vec<Lane> {
    let mut lanes: BTreeMap<String, Lane> = BTreeMap::new();
    let list = |k: &str| w[k].as_array().cloned().unwrap_or_default();
    for s in list("subjects") {
        if let Some(s) = s.as_str() {
            lane(&mut lanes, s, Role::Member);
        }
    }
    for s in list("flapping") {
        if let Some(l) = s.as_str().and_then(|s| lanes.get_mut(s)) {
            l.flapping = true;
        }
    }
    member_spans(w, &mut lanes);
    for u in list("unknown") {
        let Some(from) = instant(&u["from"]) else {
            continue;
        };
        let span = Span {
            from,
            to: instant(&u["to"]),
            paint: Paint::Unknown,
        };
        match u["subject"].as_str() {
            Some(s) => lane(&mut lanes, s, Role::Member).spans.push(span),
            None => {
                let source = u["source"].as_str().unwrap_or("monitor");
                let l = lanes
                    .entry(format!("\u{0}{source}"))
                    .or_insert_with(|| Lane {
                        host: source.to_string(),
                        label: "monitor stopped or silent".to_string(),
                        role: Role::Monitor,
                        flapping: false,
                        spans: Vec::new(),
                    });
                l.spans.push(span);
            }
        }
    }
    for b in list("background") {
        let (Some(s), Some(from)) = (b["subject"].as_str(), instant(&b["since"])) else {
            continue;
        };
        let paint = if b["state"] == "unknown" {
            Paint::BackgroundUnknown
        } else {
            Paint::Background
        };
        let to = instant(&b["recovered_at"]);
        lane(&mut lanes, s, Role::Background)
            .spans
            .push(Span { from, to, paint });
    }
    for d in list("degraded") {
        let (Some(s), Some(from)) = (d["subject"].as_str(), instant(&d["since"])) else {
            continue;
        };
        let to = instant(&d["until"]);
        lane(&mut lanes, s, Role::Degraded).spans.push(Span {
            from,
            to,
            paint: Paint::Degraded,
        });
    }
    // A member without a span of its own (its rows were not kept) is drawn
    // over the whole window rather than left blank.
    let (start, end) = (instant(&w["start"]), instant(&w["end"]));
    for l in lanes.values_mut() {
        if l.role == Role::Member && l.spans.is_empty() {
            if let Some(from) = start {
                l.spans.push(Span {
                    from,
                    to: end,
                    paint: Paint::Down,
                });
            }
        }
        l.spans.sort_by_key(|s| (s.paint.layer(), s.from));
    }
    lanes.into_values().collect()
}

/// Which part of the chart a lane is drawn in: the outage's own lanes
/// first, then the subjects that were not members (background, degraded).
fn section(role: Role) -> Section {
    match role {
        Role::Member | Role::Monitor => Section::Outage,
        Role::Background | Role::Degraded => Section::Context,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Section {
    Outage,
    Context,
}

/// Lanes grouped by host within their section; groups by their earliest
/// span, lanes within a group by role, then onset, then name.
fn groups(mut lanes: Vec<Lane>) -> Vec<Group> {
    lanes.sort_by(|a, b| (a.role, a.first(), &a.label).cmp(&(b.role, b.first(), &b.label)));
    let mut groups: Vec<Group> = Vec::new();
    // Each group's place by its section and host: looking through the
    // groups for each lane made a storm's chart (8,000 hosts, one lane
    // each) quadratic, 0.7 G instructions in `memcmp`.
    let mut at: rustc_hash::FxHashMap<(Section, String), usize> = Default::default();
    for l in lanes {
        let sec = section(l.role);
        match at.entry((sec, l.host.clone())) {
            std::collections::hash_map::Entry::Occupied(k) => groups[*k.get()].lanes.push(l),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(groups.len());
                groups.push(Group {
                    section: sec,
                    host: l.host.clone(),
                    lanes: vec![l],
                });
            }
        }
    }
    groups.sort_by(|a, b| {
        let key = |g: &Group| (g.section, g.lanes.iter().filter_map(Lane::first).min());
        (key(a), &a.host).cmp(&(key(b), &b.host))
    });
    groups
}

/// The lanes of one host in one section.
#[derive(Debug, Clone)]
struct Group {
    section: Section,
    host: String,
    lanes: Vec<Lane>,
}

fn markers(w: &Value) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut add = |what, v: &Value, stroke, dash| {
        if let Some(at) = instant(v) {
            out.push(Marker {
                what,
                at,
                stroke,
                dash,
            });
        }
    };
    add("trigger (candidate)", &w["trigger"]["at"], "#8e44ad", "6 3");
    add("detected", &w["detected_at"], "#e67e22", "2 2");
    add(
        "first public update",
        &w["first_public_update_at"],
        "#2c7fb8",
        "8 3 2 3",
    );
    add(
        "public resolved",
        &w["public_resolved_at"],
        "#1f4e79",
        "1 3",
    );
    add("restored", &w["end"], "#27ae60", "");
    out
}

/// The axis runs over every instant the report's timeline shows, plus the
/// markers, padded 2% each side; older background spans are clamped.
fn range(w: &Value, marks: &[Marker]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let mut all: Vec<DateTime<Utc>> = vec![instant(&w["start"])?];
    all.extend(instant(&w["end"]));
    all.extend(marks.iter().map(|m| m.at));
    if let Some(rows) = w["timeline"].as_array() {
        all.extend(rows.iter().filter_map(|r| instant(&r["at"])));
    }
    let lo = *all.iter().min()?;
    let hi = (*all.iter().max()?).max(lo + chrono::Duration::seconds(60));
    let pad = (hi - lo) / 50;
    Some((lo - pad, hi + pad))
}

fn ticks(axis: &Axis, tz: Tz) -> (i64, Vec<DateTime<Utc>>) {
    let span = (axis.hi - axis.lo).num_seconds().max(1);
    let most = (axis.w / MIN_TICK_PX).floor().max(2.0) as i64;
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= most)
        .unwrap_or_else(|| (span / most / 604800 + 1) * 604800);
    let off = i64::from(offset_at(tz, axis.lo));
    let local = axis.lo.timestamp() + off;
    let mut t = local.div_euclid(step) * step - off;
    let mut out = Vec::new();
    while t <= axis.hi.timestamp() {
        if let Some(at) = DateTime::from_timestamp(t, 0).filter(|at| *at >= axis.lo) {
            out.push(at);
        }
        t += step;
    }
    (step, out)
}

fn clock(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%H:%M:%S").to_string()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Lane suffix: what the subject was, and when a span began or ended
/// outside the axis (the bar is clamped there).
fn suffix(l: &Lane, axis: &Axis, tz: Tz) -> String {
    let mut parts: Vec<String> = Vec::new();
    match l.role {
        Role::Background => parts.push("background".into()),
        Role::Degraded => parts.push("degraded".into()),
        _ => {}
    }
    if l.flapping {
        parts.push("flapping".into());
    }
    let local_day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    for s in &l.spans {
        if s.from < axis.lo {
            let when = if local_day(s.from) == local_day(axis.lo) {
                clock(tz, s.from)
            } else {
                s.from
                    .with_timezone(&tz)
                    .format("%b %-d %H:%M:%S")
                    .to_string()
            };
            let what = match (s.paint, l.role) {
                (Paint::Background | Paint::BackgroundUnknown, _)
                | (Paint::Degraded, Role::Degraded) => "since",
                (Paint::Down, _) => "down since",
                (Paint::Unknown, _) => "unknown since",
                (Paint::Degraded, _) => "degraded since",
            };
            parts.push(format!("{what} {when}"));
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// Marker labels: placed left to right in the first row where they do not
/// collide with an earlier label; returns each label's row and anchor.
fn place(marks: &[Marker], axis: &Axis, tz: Tz) -> Vec<(usize, f64, &'static str, String)> {
    let right = axis.x0 + axis.w;
    let mut rows: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut out = Vec::new();
    let mut order: Vec<&Marker> = marks.iter().collect();
    order.sort_by_key(|m| m.at);
    for m in order {
        let text = format!("{} {}", m.what, clock(tz, m.at));
        let x = axis.x(m.at);
        let width = text.chars().count() as f64 * CHAR_W;
        let (a, b, anchor) = if x + width > right + RIGHT_PAD {
            (x - width, x, "end")
        } else {
            (x, x + width, "start")
        };
        let row = (0..)
            .find(|&r| {
                rows.get(r).is_none_or(|used: &Vec<(f64, f64)>| {
                    used.iter().all(|&(u, v)| b + 8.0 < u || a > v + 8.0)
                })
            })
            .unwrap_or(0);
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        rows[row].push((a, b));
        out.push((row, x, anchor, text));
    }
    out
}

fn defs(out: &mut String) {
    out.push_str(
        "<defs>\
<pattern id=\"rfo-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#fbe3e0\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7b241c\" stroke-width=\"2.5\"/></pattern>\
<pattern id=\"rfo-hatch-bg\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\">\
<rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7f8c8d\" stroke-width=\"2.5\"/></pattern>\
</defs>\n",
    );
}

/// The chart of window `w` (one element of the analysis JSON's `windows`),
/// times in `tz`. Empty when the window has no start.
pub fn svg(w: &Value, tz: Tz) -> String {
    let marks = markers(w);
    let Some((lo, hi)) = range(w, &marks) else {
        return String::new();
    };
    let groups = groups(lanes_of(w));
    // The label column fits the longest label, within limits.
    let probe = Axis {
        lo,
        hi,
        x0: 0.0,
        w: 1.0,
    };
    let label_chars = groups
        .iter()
        .flat_map(|g| {
            std::iter::once(g.host.chars().count()).chain(
                g.lanes
                    .iter()
                    .map(|l| l.label.chars().count() + suffix(l, &probe, tz).chars().count() + 2),
            )
        })
        .max()
        .unwrap_or(10);
    let label_w = (label_chars as f64 * CHAR_W + 24.0).clamp(180.0, 560.0);
    let axis = Axis {
        lo,
        hi,
        x0: label_w,
        w: WIDTH - label_w - RIGHT_PAD,
    };
    let placed = place(&marks, &axis, tz);
    let label_rows = placed.iter().map(|p| p.0 + 1).max().unwrap_or(0);
    let context = groups.iter().any(|g| g.section == Section::Context);
    let lane_count: usize =
        groups.iter().map(|g| g.lanes.len() + 1).sum::<usize>() + usize::from(context);
    let top = 44.0 + label_rows as f64 * 14.0 + 6.0;
    let lanes_h = lane_count as f64 * ROW;
    let curves = rate_curves(w, &axis);
    let rates_top = top + lanes_h + 6.0;
    let axis_y = if curves.is_empty() {
        top + lanes_h + 4.0
    } else {
        rates_top + curves.len() as f64 * RATE_H + 4.0
    };
    let legend_y = axis_y + 48.0;
    let legend = legend_items(&groups, &marks);
    let legend_rows = legend_layout(&legend).last().map(|p| p.0 + 1).unwrap_or(1);
    let height = legend_y + legend_rows as f64 * 18.0 + 6.0;

    let mut o = String::new();
    let id = w["id"].as_u64().unwrap_or(0);
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rfo-chart\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"12\" role=\"img\" aria-labelledby=\"rfo-chart-title-{id}\">"
    );
    let (title, zone) = heading(w, tz, &groups);
    let _ = writeln!(
        o,
        "<title id=\"rfo-chart-title-{id}\">{}{}</title>",
        esc(&title),
        esc(&zone)
    );
    defs(&mut o);
    let _ = writeln!(
        o,
        "<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        esc(&title)
    );
    let _ = writeln!(
        o,
        "<text x=\"8\" y=\"34\" fill=\"#444\">{}</text>",
        esc(zone.trim_start_matches(" · "))
    );
    // The window itself, behind the lanes.
    if let Some(start) = instant(&w["start"]) {
        let x1 = axis.x(start);
        let x2 = instant(&w["end"]).map_or(axis.x0 + axis.w, |e| axis.x(e));
        let _ = writeln!(
            o,
            "<rect class=\"window\" x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{lanes_h:.1}\" fill=\"#fdecea\"/>",
            top,
            (x2 - x1).max(1.0)
        );
    }
    draw_lanes(&mut o, &groups, &axis, tz, top, label_w);
    draw_rates(&mut o, &curves, &axis, rates_top);
    draw_markers(&mut o, &marks, &placed, axis_y);
    draw_axis(&mut o, &axis, tz, axis_y);
    draw_legend(&mut o, &legend, legend_y);
    o.push_str("</svg>");
    o
}

/// The chart's title, and the zone its times are in (a second line).
fn heading(w: &Value, tz: Tz, groups: &[Group]) -> (String, String) {
    let start = instant(&w["start"]);
    let mut hosts: Vec<&str> = groups
        .iter()
        .filter(|g| g.lanes.iter().any(|l| l.role == Role::Member))
        .map(|g| g.host.as_str())
        .collect();
    hosts.dedup();
    let hosts = hosts.len();
    let count = |r: Role| -> usize {
        groups
            .iter()
            .map(|g| g.lanes.iter().filter(|l| l.role == r).count())
            .sum()
    };
    let subjects = count(Role::Member);
    let mut context = Vec::new();
    if count(Role::Background) > 0 {
        context.push(format!("{} background", count(Role::Background)));
    }
    if count(Role::Degraded) > 0 {
        context.push(format!("{} degraded", count(Role::Degraded)));
    }
    let context = if context.is_empty() {
        String::new()
    } else {
        format!(" (and {})", context.join(", "))
    };
    let when = match (start, instant(&w["end"])) {
        (Some(s), Some(e)) => format!(
            "{}, {}{} – {} {} ({})",
            s.with_timezone(&tz).format("%B %-d, %Y"),
            clock(tz, s),
            if abbrev_at(tz, s) == abbrev_at(tz, e) {
                String::new()
            } else {
                format!(" {}", abbrev_at(tz, s))
            },
            clock(tz, e),
            abbrev_at(tz, e),
            human((e - s).num_seconds())
        ),
        (Some(s), None) => format!(
            "{}, {} {} – open at the end of the evidence",
            s.with_timezone(&tz).format("%B %-d, %Y"),
            clock(tz, s),
            abbrev_at(tz, s)
        ),
        _ => String::new(),
    };
    let zone = start.map_or(String::new(), |s| {
        let e = instant(&w["end"]).unwrap_or(s);
        let (a, b) = (abbrev_at(tz, s), abbrev_at(tz, e));
        let off = |t| fmt_offset(offset_at(tz, t));
        if a != b {
            format!(
                " · times in {} ({a} {}, then {b} {})",
                tz.name(),
                off(s),
                off(e)
            )
        } else if a == tz.name() {
            format!(" · times in {a}")
        } else {
            format!(" · times in {a} ({}, {})", tz.name(), off(s))
        }
    });
    let title = format!(
        "Window {}: {when} · {subjects} subject{} on {hosts} host{}{context}",
        w["id"],
        if subjects == 1 { "" } else { "s" },
        if hosts == 1 { "" } else { "s" }
    );
    (title, zone)
}

fn draw_lanes(o: &mut String, groups: &[Group], axis: &Axis, tz: Tz, top: f64, label_w: f64) {
    let right = axis.x0 + axis.w;
    let mut y = top;
    let mut in_context = false;
    for Group {
        section,
        host,
        lanes,
    } in groups
    {
        if *section == Section::Context && !in_context {
            in_context = true;
            let _ = writeln!(
                o,
                "<g class=\"section\"><line x1=\"4\" y1=\"{y:.1}\" x2=\"{right:.1}\" y2=\"{y:.1}\" stroke=\"#555\" stroke-width=\"1.5\"/><text x=\"8\" y=\"{:.1}\" font-style=\"italic\" fill=\"#444\">Not part of the outage: background and degraded subjects</text></g>",
                y + 13.0
            );
            y += ROW;
        }
        let _ = writeln!(
            o,
            "<g class=\"host\"><line x1=\"4\" y1=\"{y:.1}\" x2=\"{right:.1}\" y2=\"{y:.1}\" stroke=\"#bbb\"/><text x=\"8\" y=\"{:.1}\" font-weight=\"bold\">{}</text></g>",
            y + 13.0,
            esc(&truncate(host, ((label_w - 12.0) / CHAR_W) as usize))
        );
        y += ROW;
        for l in lanes {
            let sfx = suffix(l, axis, tz);
            let room = ((label_w - 28.0) / CHAR_W) as usize;
            let label = truncate(
                &l.label,
                room.saturating_sub(sfx.chars().count().min(14)).max(8),
            );
            let sfx = truncate(&sfx, room.saturating_sub(label.chars().count()));
            let _ = write!(
                o,
                "<g class=\"lane\"><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{right:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/><text x=\"20\" y=\"{:.1}\">{}<tspan fill=\"#666\" font-style=\"italic\">{}</tspan></text>",
                axis.x0,
                y + ROW / 2.0,
                y + ROW / 2.0,
                y + 13.0,
                esc(&label),
                esc(&sfx)
            );
            for s in &l.spans {
                let x1 = axis.x(s.from);
                let x2 = s.to.map_or(right, |t| axis.x(t));
                let _ = write!(
                    o,
                    "<rect class=\"span\" x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\"/>",
                    y + (ROW - BAR) / 2.0,
                    (x2 - x1).max(2.0),
                    s.paint.fill()
                );
                if s.from < axis.lo {
                    let _ = write!(o, "{}", arrow(axis.x0, y + ROW / 2.0, -1.0));
                }
                if s.to.is_none_or(|t| t > axis.hi) {
                    let _ = write!(o, "{}", arrow(right, y + ROW / 2.0, 1.0));
                }
            }
            o.push_str("</g>\n");
            y += ROW;
        }
    }
}

/// A small triangle at a bar's clamped end: it goes on past the axis.
fn arrow(x: f64, y: f64, dir: f64) -> String {
    format!(
        "<path d=\"M{:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z\" fill=\"#333\"/>",
        x + dir * 6.0,
        y,
        x,
        y - 5.0,
        x,
        y + 5.0
    )
}

fn draw_markers(
    o: &mut String,
    marks: &[Marker],
    placed: &[(usize, f64, &'static str, String)],
    axis_y: f64,
) {
    let mut order: Vec<&Marker> = marks.iter().collect();
    order.sort_by_key(|m| m.at);
    for (m, (row, x, anchor, text)) in order.iter().zip(placed) {
        let ly = 50.0 + *row as f64 * 14.0;
        let _ = writeln!(
            o,
            "<g class=\"marker\"><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{axis_y:.1}\" stroke=\"{}\" stroke-width=\"2\"{}/><text x=\"{x:.1}\" y=\"{ly:.1}\" text-anchor=\"{anchor}\" fill=\"{}\" font-size=\"11\">{}</text></g>",
            ly + 3.0,
            m.stroke,
            dash_attr(m.dash),
            m.stroke,
            esc(text)
        );
    }
}

/// Height of one access-log subject's 5xx curve under the lanes.
const RATE_H: f64 = 56.0;
/// At most this many curves: more would crowd the lanes out.
const RATE_CURVES: usize = 4;

/// One access-log subject's 5xx share per bucket inside the axis range.
struct Curve {
    subject: String,
    bucket_s: i64,
    /// (bucket start, share 0..=1, requests)
    points: Vec<(DateTime<Utc>, f64, u64)>,
}

fn rate_curves(w: &Value, axis: &Axis) -> Vec<Curve> {
    let Some(rates) = w["rates"].as_array() else {
        return Vec::new();
    };
    rates
        .iter()
        .take(RATE_CURVES)
        .filter_map(|r| {
            let bucket_s = r["bucket_s"].as_i64().unwrap_or(60).max(1);
            let points: Vec<(DateTime<Utc>, f64, u64)> = r["series"]
                .as_array()?
                .iter()
                .filter_map(|p| {
                    let at = instant(&p["at"])?;
                    let n = p["requests"].as_u64()?;
                    let e = p["errors"].as_u64()?;
                    let share = if n == 0 { 0.0 } else { e as f64 / n as f64 };
                    Some((at, share, n))
                })
                .filter(|(at, _, _)| {
                    *at >= axis.lo && *at + chrono::Duration::seconds(bucket_s) <= axis.hi
                })
                .collect();
            (!points.is_empty()).then(|| Curve {
                subject: r["subject"].as_str().unwrap_or("").to_string(),
                bucket_s,
                points,
            })
        })
        .collect()
}

/// Each curve in its own band: a step line of the 5xx share per bucket,
/// 0 at the bottom and 100% at the top, labelled in the lane column.
fn draw_rates(o: &mut String, curves: &[Curve], axis: &Axis, top: f64) {
    for (k, c) in curves.iter().enumerate() {
        let y0 = top + k as f64 * RATE_H;
        let base = y0 + RATE_H - 8.0;
        let full = y0 + 6.0;
        let y = |share: f64| base - share * (base - full);
        let right = axis.x0 + axis.w;
        let _ = writeln!(
            o,
            "<g class=\"rate\"><text x=\"8\" y=\"{:.1}\" font-weight=\"bold\">5xx share</text><text x=\"20\" y=\"{:.1}\">{}</text><line x1=\"{:.1}\" y1=\"{base:.1}\" x2=\"{right:.1}\" y2=\"{base:.1}\" stroke=\"#bbb\"/><line x1=\"{:.1}\" y1=\"{full:.1}\" x2=\"{right:.1}\" y2=\"{full:.1}\" stroke=\"#eee\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#666\" font-size=\"10\">100%</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#666\" font-size=\"10\">0</text>",
            y0 + 18.0,
            y0 + 34.0,
            esc(&truncate(&c.subject, 28)),
            axis.x0,
            axis.x0,
            axis.x0 - 4.0,
            full + 4.0,
            axis.x0 - 4.0,
            base + 3.0,
        );
        let mut d = String::new();
        let mut last_end: Option<DateTime<Utc>> = None;
        for &(at, share, _) in &c.points {
            let end = at + chrono::Duration::seconds(c.bucket_s);
            let (x1, x2, yy) = (axis.x(at), axis.x(end), y(share));
            // A bucket with no requests is a gap: the line starts again.
            let cmd = if last_end == Some(at) { 'L' } else { 'M' };
            let _ = write!(d, "{cmd}{x1:.1},{yy:.1}L{x2:.1},{yy:.1}");
            last_end = Some(end);
        }
        let _ = writeln!(
            o,
            "<path d=\"{d}\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\"/></g>"
        );
    }
}

fn dash_attr(dash: &str) -> String {
    if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    }
}

fn draw_axis(o: &mut String, axis: &Axis, tz: Tz, y: f64) {
    let right = axis.x0 + axis.w;
    let _ = writeln!(
        o,
        "<g class=\"axis\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{right:.1}\" y2=\"{y:.1}\" stroke=\"#333\"/>",
        axis.x0
    );
    let (step, ts) = ticks(axis, tz);
    let mut last_day = String::new();
    for t in &ts {
        let x = axis.x(*t);
        let local = t.with_timezone(&tz);
        let label = if step < 60 {
            local.format("%H:%M:%S").to_string()
        } else {
            local.format("%H:%M").to_string()
        };
        let day = format!("{} {}", local.format("%b %-d"), abbrev_at(tz, *t));
        let _ = write!(
            o,
            "<line class=\"tick\" x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#333\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y + 5.0,
            y + 17.0,
            esc(&label)
        );
        if day != last_day {
            let _ = write!(
                o,
                "<text class=\"date\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">{}</text>",
                y + 30.0,
                esc(&day)
            );
            last_day = day;
        }
        o.push('\n');
    }
    o.push_str("</g>\n");
}

/// A legend entry: a span paint, or a marker's line style.
enum Key {
    Paint(Paint),
    Window,
    Marker(Marker),
}

fn legend_items(groups: &[Group], marks: &[Marker]) -> Vec<(Key, String)> {
    let mut paints: Vec<Paint> = groups
        .iter()
        .flat_map(|g| g.lanes.iter().flat_map(|l| l.spans.iter().map(|s| s.paint)))
        .collect();
    paints.push(Paint::Down);
    paints.sort();
    paints.dedup();
    let mut out: Vec<(Key, String)> = paints
        .into_iter()
        .map(|p| (Key::Paint(p), p.legend().to_string()))
        .collect();
    out.push((Key::Window, "outage window".to_string()));
    out.extend(marks.iter().map(|m| (Key::Marker(*m), m.what.to_string())));
    out
}

/// Legend rows: each entry's row and x, wrapping at the chart's width.
fn legend_layout(items: &[(Key, String)]) -> Vec<(usize, f64)> {
    let mut row = 0;
    let mut x = 8.0;
    items
        .iter()
        .map(|(_, text)| {
            let w = 28.0 + text.chars().count() as f64 * CHAR_W + 18.0;
            if x + w > WIDTH && x > 8.0 {
                row += 1;
                x = 8.0;
            }
            let at = (row, x);
            x += w;
            at
        })
        .collect()
}

fn draw_legend(o: &mut String, items: &[(Key, String)], y0: f64) {
    o.push_str("<g class=\"legend\">");
    for ((key, text), (row, x)) in items.iter().zip(legend_layout(items)) {
        let y = y0 + row as f64 * 18.0;
        let _ = match key {
            Key::Paint(p) => write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"22\" height=\"{BAR}\" fill=\"{}\"/>",
                y - BAR,
                p.fill()
            ),
            Key::Window => write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"22\" height=\"14\" fill=\"#fdecea\" stroke=\"#e6b0aa\"/>",
                y - 12.0
            ),
            Key::Marker(m) => write!(
                o,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"2\"{}/>",
                x + 11.0,
                y - 13.0,
                x + 11.0,
                y + 2.0,
                m.stroke,
                dash_attr(m.dash)
            ),
        };
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            x + 28.0,
            esc(text)
        );
    }
    o.push_str("</g>\n");
}
