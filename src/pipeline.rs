//! The whole pipeline for one bundle, shared by every command:
//! grammars → bundle → ingest → timeline → windows → analysis.

use crate::analysis::{self, Analysis, Incident};
use crate::bundle::Bundle;
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::finding::{Finding, FindingCode};
use crate::grammar::registry::{Diagnostic, Registry};
use crate::ingest::{self, Ingested};
use crate::timeline;
use crate::timeline::{EventRef, Timeline};
use crate::window;
use std::path::Path;

/// A status page may lag the evidence by this much before it is a mismatch.
pub const PUBLIC_TOLERANCE_S: i64 = 120;

/// The built-in grammars plus `--grammars DIR`; broken user grammars come
/// back as diagnostics, the rest still load.
pub fn registry(opts: &Options) -> Result<(Registry, Vec<Diagnostic>)> {
    with_user_grammars(Registry::builtin(), opts)
}

/// `registry`, the built-ins with their samples: to check the grammars.
pub fn registry_with_samples(opts: &Options) -> Result<(Registry, Vec<Diagnostic>)> {
    with_user_grammars(Registry::builtin_with_samples(), opts)
}

fn with_user_grammars(
    builtin: std::result::Result<Registry, Diagnostic>,
    opts: &Options,
) -> Result<(Registry, Vec<Diagnostic>)> {
    let mut reg = builtin.map_err(|d| Error::Grammar(d.to_string()))?;
    let diags = match &opts.grammars {
        Some(dir) => reg.load_dir(dir).map_err(|e| Error::io(dir, e))?,
        None => Vec::new(),
    };
    Ok((reg, diags))
}

/// A bundle run through ingest and merged.
pub struct Loaded {
    pub bundle: Bundle,
    pub ingested: Ingested,
    /// Shared: the analysis's rows point into it (`analysis::Rows`).
    pub timeline: std::sync::Arc<crate::timeline::Timeline>,
}

impl Loaded {
    /// The reader of the lines the timeline's events left in their files,
    /// its files checked unchanged since they were parsed.
    pub fn lines(&self) -> Result<crate::bundle::lines::LineReader> {
        crate::bundle::lines::LineReader::new(
            self.ingested
                .sources
                .iter()
                .filter_map(|s| s.origin.as_ref()),
        )
        .checked()
    }
}

pub fn load(path: &Path, reg: &Registry, opts: &Options, keep: Keep) -> Result<Loaded> {
    // Events files read as logs would be a confusing "unknown format".
    if path.is_dir() && crate::extract::is_events_dir(path) {
        return Err(crate::extract::EventsError::Mixed {
            path: path.to_path_buf(),
        }
        .into());
    }
    load_bundle(Bundle::open(path)?, reg, opts, keep)
}

/// As `load`, for a bundle already open (`rfo check` opens fixtures with
/// their own exclusions).
pub fn load_bundle(bundle: Bundle, reg: &Registry, opts: &Options, keep: Keep) -> Result<Loaded> {
    let ingested = ingest::ingest(&bundle, reg, opts, keep)?;
    Ok(merged(bundle, ingested, opts))
}

/// The bundle or the events files a command was given.
pub fn load_input(
    input: &crate::cli::InputArgs,
    reg: &Registry,
    opts: &Options,
    keep: Keep,
) -> Result<Loaded> {
    match &input.bundle {
        Some(path) => load(path, reg, opts, keep),
        None => load_events(&input.events, reg, opts, keep),
    }
}

/// As `load`, from the events files `rfo extract` wrote into `dirs`: the
/// second way to an `Ingested`; from `align` on, the same code as a
/// bundle's, hence the same output byte for byte (docs/events.md).
pub fn load_events(
    dirs: &[std::path::PathBuf],
    reg: &Registry,
    opts: &Options,
    keep: Keep,
) -> Result<Loaded> {
    let m = crate::extract::merge::merge(dirs, reg, opts, keep)?;
    Ok(merged(m.bundle, m.ingested, opts))
}

/// Where a bundle's and a merge's paths join: cross-source time evidence,
/// then the merged timeline without its outliers.
fn merged(bundle: Bundle, mut ingested: Ingested, opts: &Options) -> Loaded {
    // What the parse freed on its threads, before the engine's lists grow
    // with the events: worth its walk of the heap only when they are many.
    let kept: usize = ingested.sources.iter().map(|s| s.events.len()).sum();
    if kept >= crate::heap::RETURN_FREED_FROM_EVENTS {
        crate::heap::return_freed();
    }
    crate::align::align(&mut ingested, opts.correct_skew);
    let streams: Vec<Timeline> = ingested
        .sources
        .iter_mut()
        .map(|s| std::mem::take(&mut s.events))
        .collect();
    let (timeline, outliers) = drop_outliers(timeline::merged(streams));
    ingested.findings.extend(outliers);
    Loaded {
        bundle,
        ingested,
        timeline: std::sync::Arc::new(timeline),
    }
}

/// Instants this far from the bundle's median are outliers.
pub const OUTLIER_YEARS: i64 = 5;

/// Leave out of the timeline every event more than `OUTLIER_YEARS` from
/// the median instant (a clock reset to 1970, a far-future epoch): such an
/// instant is no evidence of this incident, and it would make a bogus
/// window the longest. One finding per source, with the count and the
/// first line. A late postmortem a year after the logs stays in.
fn drop_outliers(t: Timeline) -> (Timeline, Vec<Finding>) {
    if t.is_empty() {
        return (t, Vec::new());
    }
    let median = t.get(t.len() / 2).instant;
    let span = chrono::Duration::days(366 * OUTLIER_YEARS);
    let far = |e: &EventRef<'_>| (e.instant - median).abs() > span;
    // The timeline is in instant order (`timeline::merged`): if any event
    // is far, the first or the last is, and no other need be read.
    if !far(&t.get(0)) && !far(&t.get(t.len() - 1)) {
        return (t, Vec::new());
    }
    let mut per: std::collections::BTreeMap<(u32, String), (u64, u64, String)> = Default::default();
    for e in t.iter().filter(|e| far(e)) {
        let entry = per.entry((e.source(), e.who.file.to_string())).or_insert((
            0,
            u64::from(e.line),
            crate::time::rfc3339(&e.instant),
        ));
        entry.0 += 1;
        if u64::from(e.line) < entry.1 {
            entry.1 = e.line.into();
            entry.2 = crate::time::rfc3339(&e.instant);
        }
    }
    let t = t.filtered(|e| !far(e));
    let findings = per
        .into_iter()
        .map(|((_, file), (n, line, at))| {
            Finding::warning(
                FindingCode::TimeOutlier,
                format!(
                    "{file}: {n} event(s) more than {OUTLIER_YEARS} years from the bundle's median instant {} (first at line {line}, placed at {at}): left out of the timeline and the windows",
                    crate::time::rfc3339(&median)
                ),
                Some(crate::evidence::Evidence::new(file.clone(), line)),
            )
        })
        .collect();
    (t, findings)
}

/// The window engine's settings from flags and manifest. A focus glob
/// that matches nothing is an error naming the glob and the closest
/// subjects; a `[[depends]]` entry that matches nothing is a finding.
pub fn window_config(loaded: &Loaded, opts: &Options) -> Result<(window::Config, Vec<Finding>)> {
    use window::focus::{Depends, Pattern};
    let flag = |what: &str, g: &String| {
        Pattern::new(g).map_err(|e| Error::Usage(format!("--{what} {g:?}: {e}")))
    };
    let mut config = window::Config {
        merge_gap_s: opts.merge_gap_s.unwrap_or(window::MERGE_GAP_S),
        background_after_s: opts
            .background_after_s
            .unwrap_or(window::BACKGROUND_AFTER_S),
        ..window::Config::default()
    };
    let mut origin: Vec<String> = Vec::new();
    if let Some(mf) = &loaded.bundle.manifest {
        let i = &mf.manifest.incident;
        for g in &i.subjects {
            config.focus.subjects.push(mf.glob(g)?);
            origin.push(format!("{} [incident] subjects", mf.at(g.span().start)));
        }
        for g in &i.hosts {
            config.focus.hosts.push(mf.glob(g)?);
            origin.push(format!("{} [incident] hosts", mf.at(g.span().start)));
        }
        for g in &i.degraded_outage {
            config.degraded_outage.push(mf.glob(g)?);
        }
        for d in &mf.manifest.depends {
            config.depends.push(Depends {
                subject: mf.glob(&d.subject)?,
                on: d.on.iter().map(|g| mf.glob(g)).collect::<Result<_>>()?,
            });
        }
    }
    let manifest_subjects = config.focus.subjects.len();
    let manifest_hosts = config.focus.hosts.len();
    for g in &opts.subjects {
        config.focus.subjects.push(flag("subject", g)?);
    }
    for g in &opts.hosts {
        config.focus.hosts.push(flag("host", g)?);
    }
    let t = &loaded.timeline;
    if let Some(u) = config.focus.unmatched(t).first() {
        // Where the glob was written: a manifest line, else the flag.
        let from = match (u.host, u.index) {
            (false, k) if k < manifest_subjects => origin[k].clone(),
            (true, k) if k < manifest_hosts => origin[manifest_subjects + k].clone(),
            (false, _) => "--subject".to_string(),
            (true, _) => "--host".to_string(),
        };
        let hint = if u.closest.is_empty() {
            "the evidence has none".to_string()
        } else {
            format!("closest: {}", u.closest.join(", "))
        };
        return Err(Error::Usage(format!(
            "{from}: {} matches nothing in the evidence ({hint})",
            u.what
        )));
    }
    let findings = window::focus::unmatched_depends(&config.depends, t)
        .into_iter()
        .map(|(i, m)| {
            let evidence = loaded.bundle.manifest.as_ref().map(|mf| {
                let at = mf.manifest.depends[i].subject.span().start;
                crate::evidence::Evidence::new("bundle.toml", mf.line_of(at))
            });
            Finding::warning(FindingCode::DependsUnmatched, m, evidence)
        })
        .collect();
    Ok((config, findings))
}

/// Build the analysis of a loaded bundle.
pub fn analyze(loaded: &Loaded, opts: &Options, generated_at: Option<String>) -> Result<Analysis> {
    let t = &loaded.timeline;
    let (config, config_findings) = window_config(loaded, opts)?;
    let window::Windows {
        spans,
        facts,
        left_out,
    } = window::windows(t, &config);
    // The engine's index and clusters are freed: their pages go back
    // before the windows are built, where a storm's memory peaks.
    if t.len() >= crate::heap::RETURN_FREED_FROM_EVENTS {
        crate::heap::return_freed();
    }
    // The status page's claims against each window, before the windows
    // take their facts.
    let claims = analysis::public_claims(t);
    let public_discrepancies: Vec<analysis::Discrepancy> = facts
        .iter()
        .flat_map(|f| analysis::public_discrepancies(t, &claims, f))
        .collect();
    // The sources' events now live in the timeline: find the monitors there.
    // Inserted one by one: collecting into a BTreeSet first gathers every
    // item into a Vec to sort, which on a storm was a 19 MB list of one
    // file name and the analysis's peak memory (issue 16).
    // Each distinct `Who` once, not each event: the files are the same.
    let mut monitors: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for w in t.whos().filter(|w| w.role == crate::event::Role::Monitor) {
        monitors.insert(&w.file);
    }
    let silent: Vec<analysis::MonitorSilence> = loaded
        .ingested
        .sources
        .iter()
        .filter(|s| monitors.contains(s.summary.path.as_str()))
        .flat_map(|s| {
            s.silences.iter().map(|x| analysis::MonitorSilence {
                file: s.summary.path.clone(),
                silence: x.clone(),
            })
        })
        .collect();
    // Each window's facts (its members, a storm's a member per fault) are
    // freed once the window is built.
    let windows: Vec<analysis::Window> = facts
        .into_iter()
        .enumerate()
        .map(|(k, f)| analysis::window(t, &spans, k as u32 + 1, &f, &silent))
        .collect();
    drop(spans);
    let mut windows = windows;
    rate_summaries(&mut windows, loaded);
    analysis::rank(&mut windows, t);
    let selected = analysis::select(&windows, opts.range);
    let m = loaded.bundle.manifest.as_ref().map(|m| &m.manifest);
    let inc = m.map(|m| &m.incident);
    let report_zone = report_zone_name(loaded, opts);
    let discrepancies: Vec<analysis::Discrepancy> = loaded
        .ingested
        .discrepancies
        .iter()
        .cloned()
        .chain(public_discrepancies)
        .collect();
    let mut findings = loaded.ingested.findings.clone();
    findings.extend(config_findings);
    for d in &discrepancies {
        let public = loaded.ingested.sources.iter().any(|s| {
            s.summary.path == d.source && s.summary.grammar.as_deref() == Some("statuspage")
        });
        match d.difference_s {
            Some(diff) if public && diff.abs() > PUBLIC_TOLERANCE_S => {
                findings.push(Finding::warning(
                    FindingCode::PublicTimelineMismatch,
                    format!(
                        "{}: {}, {} {} the evidence: {}",
                        d.source,
                        d.claim,
                        crate::human::duration(diff.abs()),
                        d.measure.direction(diff),
                        d.against
                    ),
                    Some(d.evidence.clone()),
                ))
            }
            _ => {}
        }
    }
    Ok(Analysis {
        schema: analysis::SCHEMA,
        tzdb: crate::time::TZDB_VERSION,
        generated_at,
        incident: Incident {
            title: inc.and_then(|i| i.title.clone()),
            ticket: inc.and_then(|i| i.ticket.clone()),
            service: inc.and_then(|i| i.service.clone()),
            report_zone,
        },
        sources: loaded
            .ingested
            .sources
            .iter()
            .map(|s| s.summary.clone())
            .collect(),
        skipped: loaded.bundle.skipped.clone(),
        windows,
        selected,
        focus: analysis::focus(&config, &left_out),
        discrepancies,
        findings,
    })
}

/// Each window's access-log subjects: the baseline before it, its peak.
fn rate_summaries(windows: &mut [analysis::Window], loaded: &Loaded) {
    let all: Vec<&crate::rates::SourceRates> = loaded
        .ingested
        .sources
        .iter()
        .filter_map(|s| s.rates.as_ref())
        .collect();
    if all.is_empty() {
        return;
    }
    let secs = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp())
    };
    for w in windows {
        let Some(start) = secs(&w.start) else {
            continue;
        };
        let end = w.end.as_deref().and_then(secs);
        w.rates = crate::rates::summary::for_window(&all, &w.subjects, start, end);
    }
}

/// The zone outputs are written in: `--report-zone`, else the manifest's
/// `[incident] report_zone`, else UTC.
pub fn report_zone_name(loaded: &Loaded, opts: &Options) -> String {
    let inc = loaded
        .bundle
        .manifest
        .as_ref()
        .map(|m| &m.manifest.incident);
    opts.report_zone
        .map(|z| z.name().to_string())
        .or_else(|| {
            inc.and_then(|i| i.report_zone.as_ref())
                .map(|z| z.get_ref().clone())
        })
        .unwrap_or_else(|| "UTC".to_string())
}

/// The report zone as a zone (the manifest's name was checked when read).
pub fn report_zone(loaded: &Loaded, opts: &Options) -> Result<chrono_tz::Tz> {
    crate::config::report_zone(&report_zone_name(loaded, opts))
}

/// Point the report at window `id` instead of the default choice.
pub fn select_window(analysis: &mut Analysis, id: u32) -> Result<()> {
    let index = analysis
        .windows
        .iter()
        .position(|w| w.id == id)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--window {id}: the analysis has {} window(s)",
                analysis.windows.len()
            ))
        })?;
    analysis.selected = Some(analysis::Selected {
        window: id,
        of: analysis.windows.len(),
        index,
        rule: "the window named with --window",
    });
    Ok(())
}
