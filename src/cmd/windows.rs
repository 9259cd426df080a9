//! `rfo windows`: outage windows with their metrics.

use super::{emit, warn_diagnostics, Exit};
use crate::analysis::Analysis;
use crate::cli::{Common, TextJson, WindowsArgs};
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::pipeline;
use crate::window::trigger::human;

pub fn run(a: &WindowsArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::Significant)?;
    let analysis = pipeline::analyze(&loaded, opts, None)?;
    let out = match a.format {
        TextJson::Json => json(&analysis),
        TextJson::Text => text(&analysis),
    };
    emit(common, &out)?;
    Ok(Exit::Ok)
}

/// The windows as JSON (the analysis's `windows` array).
pub fn json(analysis: &Analysis) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        tzdb: &'static str,
        windows: &'a [crate::analysis::Window],
    }
    let out = Out {
        tzdb: crate::time::TZDB_VERSION,
        windows: &analysis.windows,
    };
    let mut s = serde_json::to_string_pretty(&out).expect("windows serialise");
    s.push('\n');
    s
}

/// The windows as text for a person.
pub fn text(analysis: &Analysis) -> String {
    {
        {
            let mut s = format!("# tz database {}\n", crate::time::TZDB_VERSION);
            if analysis.windows.is_empty() {
                s.push_str("no outage windows\n");
            }
            for w in &analysis.windows {
                let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                let secs = |v: Option<i64>| v.map(human).unwrap_or_else(|| "-".into());
                s.push_str(&format!(
                    "window {}: {} → {} ({})\n  subjects: {}\n  trigger:  {}\n  detected: {} (TTD {})\n  public:   first update {} (lag {}), resolved {}\n  actions:  {}\n",
                    w.id,
                    w.start,
                    opt(&w.end),
                    secs(w.duration_s),
                    w.subjects.join(", "),
                    w.trigger
                        .as_ref()
                        .map(|t| format!("{} {} [{}] (candidate)", t.at, t.summary, t.evidence))
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
                for u in &w.unknown {
                    s.push_str(&format!(
                        "  unknown:  {} → {}: {} [{}]\n",
                        u.from,
                        u.to.as_deref().unwrap_or("end of evidence"),
                        u.reason,
                        u.evidence
                    ));
                }
                for n in &w.notes {
                    s.push_str(&format!(
                        "  note:     {} {} [{}]\n",
                        n.at, n.summary, n.evidence
                    ));
                }
            }
            s
        }
    }
}
