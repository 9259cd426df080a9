//! `rfo windows` and the fixtures' `windows.json`/`windows.txt`: the outage
//! windows with their metrics, as JSON for tools or as text for a person
//! in the report zone (`cmd::windows` escapes the text for a terminal).

use super::stamp::{in_zone, text_in_zone, zone_header};
use crate::analysis::Analysis;
use crate::error::Result;
use crate::human;
use chrono_tz::Tz;

/// The windows as JSON (the analysis's `windows` array).
pub fn json(analysis: &Analysis) -> String {
    let mut out = Vec::new();
    write_json(&mut out, analysis).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The same, written into `out` as it is serialised (the windows of a
/// flapping storm hold every event: the command does not build it whole).
pub fn write_json(out: &mut dyn std::io::Write, analysis: &Analysis) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        tzdb: &'static str,
        windows: &'a [crate::analysis::Window],
    }
    let doc = Out {
        tzdb: crate::time::TZDB_VERSION,
        windows: &analysis.windows,
    };
    super::write_json_pretty(out, &doc)
}

/// Up to three subjects, then how many more.
fn summarise(subjects: &[crate::event::Name]) -> String {
    let list = |s: &[crate::event::Name]| {
        s.iter()
            .map(crate::event::Name::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match subjects.len() {
        0 => "-".to_string(),
        n if n <= 3 => list(subjects),
        n => format!("{} and {} more", list(&subjects[..3]), n - 3),
    }
}

/// The windows as text for a person, in the report zone: a ranked list,
/// one line each, then the details of each window in time order.
pub fn text(analysis: &Analysis) -> Result<String> {
    let zone = crate::config::report_zone(&analysis.incident.report_zone)?;
    let mut s = format!("# tz database {}\n", crate::time::TZDB_VERSION);
    s.push_str(&zone_header(zone));
    if analysis.windows.is_empty() {
        s.push_str("no outage windows\n");
        return Ok(s);
    }
    let f = &analysis.focus;
    if f.left_out_spans > 0 {
        s.push_str(&format!(
            "# focus: {} left out {} of {}\n",
            [f.subjects.join(", "), f.hosts.join(", ")]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join("; "),
            human::count(f.left_out_spans as u64, "failure span"),
            human::count(f.left_out_subjects.len() as u64, "other subject")
        ));
    }
    s.push_str("# ranked by impact (outage-grade subjects x duration)\n");
    let mut ranked: Vec<&crate::analysis::Window> = analysis.windows.iter().collect();
    ranked.sort_by_key(|w| w.rank);
    for w in &ranked {
        let duration = w
            .duration_s
            .map(human::duration)
            .unwrap_or_else(|| "open".to_string());
        let mut tags = Vec::new();
        if w.grade != "outage" {
            tags.push(w.grade.to_string());
        }
        if !w.flapping.is_empty() {
            tags.push(format!("{} flapping", w.flapping.len()));
        }
        if !w.background.is_empty() {
            tags.push(format!("{} background", w.background.len()));
        }
        s.push_str(&format!(
            "{:>3}. window {}: {} {:>12}  impact {:>8}  {}{}\n",
            w.rank,
            w.id,
            text_in_zone(zone, &w.start),
            duration,
            human::duration(w.impact_s),
            summarise(&w.subjects),
            if tags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", tags.join(", "))
            }
        ));
    }
    s.push('\n');
    for w in &analysis.windows {
        details(&mut s, w, zone);
    }
    Ok(s)
}

fn details(s: &mut String, w: &crate::analysis::Window, zone: Tz) {
    let at = |v: &str| text_in_zone(zone, v);
    let opt = |v: &Option<String>| v.as_deref().map(at).unwrap_or_else(|| "-".into());
    let secs = |v: Option<i64>| v.map(human::duration).unwrap_or_else(|| "-".into());
    s.push_str(&format!(
        "window {}: {} → {} ({})\n  grade:    {} (rank {}, impact {})\n  subjects: {}\n  trigger:  {}\n  detected: {} (TTD {})\n  public:   first update {} (lag {}), resolved {}\n  actions:  {}\n",
        w.id,
        at(&w.start),
        opt(&w.end),
        secs(w.duration_s),
        w.grade,
        w.rank,
        human::duration(w.impact_s),
        w.subjects.join(", "),
        w.trigger
            .as_ref()
            .map(|t| format!("{} {} [{}] (candidate)", at(&t.at), t.summary, t.evidence))
            .unwrap_or_else(|| "-".into()),
        opt(&w.detected_at),
        secs(w.ttd_s),
        opt(&w.first_public_update_at),
        secs(w.first_public_update_lag_s),
        opt(&w.public_resolved_at),
        w.actions.len()
    ));
    let unc = |v: Option<f64>| {
        v.map(|x| format!("{x} s"))
            .unwrap_or_else(|| "unknown".into())
    };
    s.push_str(&format!(
        "  uncertainty: start {}, end {}\n",
        unc(w.start_uncertainty_s),
        if w.end.is_some() {
            unc(w.end_uncertainty_s)
        } else {
            "open".into()
        }
    ));
    if !w.flapping.is_empty() {
        s.push_str(&format!("  flapping: {}\n", w.flapping.join(", ")));
    }
    // Held as instants: written in the zone straight, not through text.
    let instant = |t: &chrono::DateTime<chrono::Utc>| in_zone(zone, t);
    for b in &w.background {
        s.push_str(&format!(
            "  background: {} {} since {} [{}]{}\n",
            b.subject,
            b.state,
            instant(&b.since),
            b.evidence,
            b.recovered_at
                .as_ref()
                .map(|r| format!(", recovered {} (does not extend the window)", instant(r)))
                .unwrap_or_default()
        ));
    }
    for d in &w.degraded {
        s.push_str(&format!(
            "  degraded: {} from {} to {} [{}]\n",
            d.subject,
            instant(&d.since),
            d.until
                .as_ref()
                .map(instant)
                .unwrap_or_else(|| "end of evidence".into()),
            d.evidence
        ));
    }
    if w.degraded_more > 0 {
        s.push_str(&format!("  degraded: and {} more\n", w.degraded_more));
    }
    for u in &w.unknown {
        s.push_str(&format!(
            "  unknown:  {} → {}: {} [{}]\n",
            at(&u.from),
            u.to.as_deref()
                .map(at)
                .unwrap_or_else(|| "end of evidence".into()),
            u.reason,
            u.evidence
        ));
    }
    for n in &w.notes {
        s.push_str(&format!(
            "  note:     {} {} [{}]\n",
            at(&n.at),
            n.summary,
            n.evidence
        ));
    }
}
