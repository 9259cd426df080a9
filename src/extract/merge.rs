//! Merging events files into the `Ingested` a bundle's own run builds.
//!
//! Sources are put back in bundle order; the year of every year-less
//! source is decided again over all sources' probes (`plan::infer_years`,
//! as planning does); a source whose year comes out otherwise than it was
//! extracted with is read again from its recorded path, if that still
//! holds the same file, else refused. The rest (`align`, the timeline, the
//! windows) is the bundle's own code, in `pipeline`.

use super::read;
use super::sidecar::{KeepRecord, Sidecar};
use super::{EventsError, PARQUET_SUFFIX, SIDECAR_SUFFIX};
use crate::bundle::manifest::ManifestFile;
use crate::bundle::{Bundle, BundleFile, Skipped};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::event::{Kind, TimedEvent};
use crate::finding::Finding;
use crate::grammar::registry::Registry;
use crate::ingest::plan::{self, Probe, SourcePlan};
use crate::ingest::{self, source, Ingested, SourceResult};
use crate::time::provenance::YearOrigin;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The merged bundle, as `pipeline` continues from it.
pub struct Merged {
    pub bundle: Bundle,
    pub ingested: Ingested,
}

/// One sidecar found, with the directory its Parquet file is in.
struct Found {
    path: PathBuf,
    sidecar: Sidecar,
}

pub fn merge(dirs: &[PathBuf], reg: &Registry, opts: &Options, keep: Keep) -> Result<Merged> {
    if opts.zone.is_some() || opts.year.is_some() || !opts.abbrev.is_empty() {
        return Err(Error::Usage(
            "--zone, --year and --abbrev decide how logs are read: give them to `rfo extract`, not with --events".into(),
        ));
    }
    let mut found = Vec::new();
    for d in dirs {
        found.extend(sidecars_in(d)?);
    }
    if found.is_empty() {
        return Err(EventsError::Empty {
            path: dirs.first().cloned().unwrap_or_default(),
        }
        .into());
    }
    found.sort_by(|a, b| {
        let key = |f: &Found| {
            (
                f.sidecar.bundle.path.clone(),
                f.sidecar.source.index,
                f.sidecar.source.rel.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    complete(&found)?;
    if keep == Keep::All {
        if let Some(f) = found.iter().find(|f| f.sidecar.keep != KeepRecord::All) {
            return Err(Error::Usage(format!(
                "{}: extracted with significant events only; the timeline needs every line: run `rfo extract --all`",
                f.path.display()
            )));
        }
    }
    let first = &found[0].sidecar.bundle;
    if let Some(f) = found
        .iter()
        .find(|f| f.sidecar.bundle.manifest != first.manifest)
    {
        return Err(Error::Usage(format!(
            "{}: from a bundle with another bundle.toml than {}: merge the events of one bundle at a time",
            f.path.display(),
            found[0].path.display()
        )));
    }
    let manifest = first
        .manifest
        .as_ref()
        .map(|m| ManifestFile::parse(&m.path, m.text.clone()))
        .transpose()?;
    let mut skipped: Vec<Skipped> = Vec::new();
    for (k, f) in found.iter().enumerate() {
        if k == 0 || found[k - 1].sidecar.bundle.path != f.sidecar.bundle.path {
            skipped.extend(f.sidecar.bundle.skipped.iter().map(Skipped::from));
        }
    }
    let (plans, findings) = decide_years(&found);
    let sources: Vec<SourceResult> = found
        .par_iter()
        .zip(plans.par_iter())
        .map(|(f, p)| source_of(f, p, reg, opts, keep))
        .collect::<Result<_>>()?;
    let files = plans.iter().map(|p| p.file.clone()).collect();
    let ingested = ingest::assemble(&skipped, findings, sources);
    Ok(Merged {
        bundle: Bundle::recorded(first.root.clone(), manifest, files, skipped),
        ingested,
    })
}

/// The sidecars in `dir` (or `dir` itself, a sidecar). A directory that
/// holds other files too is a bundle given as events, or a mix.
fn sidecars_in(dir: &Path) -> Result<Vec<Found>> {
    if dir.is_file() && dir.to_string_lossy().ends_with(SIDECAR_SUFFIX) {
        let sidecar = read::sidecar(dir)?;
        return Ok(vec![Found {
            path: dir.to_path_buf(),
            sidecar,
        }]);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| EventsError::Missing {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.ends_with(".tmp"))
        .collect();
    names.sort();
    if names
        .iter()
        .any(|n| !n.ends_with(SIDECAR_SUFFIX) && !n.ends_with(PARQUET_SUFFIX))
    {
        let path = dir.to_path_buf();
        return Err(if names.iter().any(|n| n.ends_with(SIDECAR_SUFFIX)) {
            EventsError::Mixed { path }
        } else {
            EventsError::Empty { path }
        }
        .into());
    }
    let out: Vec<Found> = names
        .iter()
        .filter(|n| n.ends_with(SIDECAR_SUFFIX))
        .map(|n| {
            let path = dir.join(n);
            read::sidecar(&path).map(|sidecar| Found { path, sidecar })
        })
        .collect::<std::result::Result<_, _>>()?;
    // An empty directory is a part that held no source (more parts than
    // sources); the merge refuses a set with no source at all.
    Ok(out)
}

/// Every source of every bundle present once: a part that was not
/// extracted (a failed task) must not pass for a smaller incident.
fn complete(found: &[Found]) -> Result<()> {
    let mut k = 0;
    while k < found.len() {
        let root = &found[k].sidecar.bundle.path;
        let of_root: Vec<&Found> = found[k..]
            .iter()
            .take_while(|f| &f.sidecar.bundle.path == root)
            .collect();
        for w in of_root.windows(2) {
            if w[0].sidecar.source.index == w[1].sidecar.source.index {
                return Err(EventsError::Incomplete(format!(
                    "{} and {}: the same source ({}) extracted twice",
                    w[0].path.display(),
                    w[1].path.display(),
                    w[0].sidecar.source.rel
                ))
                .into());
            }
        }
        let want = found[k].sidecar.bundle.sources;
        let have: std::collections::BTreeSet<u32> =
            of_root.iter().map(|f| f.sidecar.source.index).collect();
        let missing: Vec<String> = (0..want)
            .filter(|i| !have.contains(i))
            .take(10)
            .map(|i| i.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(EventsError::Incomplete(format!(
                "{}: events of {} of its {want} sources; missing source(s) {} (a part not extracted?)",
                root.display(),
                have.len(),
                missing.join(", ")
            ))
            .into());
        }
        k += of_root.len();
    }
    Ok(())
}

/// Each source's plan as extracted, in merged order, with its year decided
/// again over every source's probe; and planning's findings, in the order
/// `plan` gives them (detection, then years).
fn decide_years(found: &[Found]) -> (Vec<SourcePlan>, Vec<Finding>) {
    let mut plans: Vec<SourcePlan> = found
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let s = &f.sidecar.source;
            let declared = s
                .year
                .filter(|y| matches!(y.origin, YearOrigin::Flag | YearOrigin::Manifest));
            SourcePlan {
                index: k as u32,
                file: BundleFile {
                    rel: s.rel.clone(),
                    abs: s.abs.clone(),
                    entry: s.entry,
                },
                grammar: s.grammar.clone(),
                candidates: s.candidates.clone(),
                zone: s.zone,
                host: s.host.clone(),
                year: declared,
                overrides: Arc::new(s.overrides.clone().into_iter().collect()),
                rates: s.rates,
            }
        })
        .collect();
    let probes: Vec<Option<Probe>> = found
        .iter()
        .map(|f| f.sidecar.source.probe.clone())
        .collect();
    let mut findings: Vec<Finding> = found
        .iter()
        .filter_map(|f| f.sidecar.source.detection.clone())
        .collect();
    plan::infer_years(&mut plans, &probes, &mut findings);
    (plans, findings)
}

/// One source: its events files when its year stands, else read again.
fn source_of(
    f: &Found,
    p: &SourcePlan,
    reg: &Registry,
    opts: &Options,
    keep: Keep,
) -> Result<SourceResult> {
    let s = &f.sidecar.source;
    if p.year != s.year {
        return read_again(f, p, reg, opts, keep);
    }
    let dir = f.path.parent().unwrap_or(Path::new("."));
    let file: Arc<str> = Arc::from(s.rel.as_str());
    let mut events = read::events(
        &dir.join(&f.sidecar.events.file),
        &file,
        f.sidecar.events.rows,
    )?;
    for e in events.iter_mut() {
        e.source = p.index;
    }
    if keep == Keep::Significant && f.sidecar.keep == KeepRecord::All {
        significant(&mut events);
    }
    let r = f.sidecar.result.clone();
    Ok(SourceResult {
        summary: r.summary,
        failures: r.failures,
        events,
        findings: r.findings,
        silences: r.silences,
        envelope: r.envelope,
        rates: r.rates,
        users: r.users,
    })
}

/// Keep what a `Keep::Significant` parse keeps (`source::State::record`):
/// no plain info line, no line text.
fn significant(events: &mut Vec<TimedEvent>) {
    events.retain(|e| !(e.kind == Kind::Info && e.state.is_none() && e.signal.is_none()));
    for e in events.iter_mut() {
        e.text = None;
    }
}

/// A source whose year the merge decided otherwise: read it again from
/// where it was extracted, if it is still the same file.
fn read_again(
    f: &Found,
    p: &SourcePlan,
    reg: &Registry,
    opts: &Options,
    keep: Keep,
) -> Result<SourceResult> {
    let s = &f.sidecar.source;
    let year = |y: Option<crate::time::provenance::YearChoice>| {
        y.map(|y| format!("{} ({})", y.year, super::schema::word(&y.origin)))
            .unwrap_or_else(|| "none".into())
    };
    let why = format!(
        "{} was extracted with year {}, the merge of all sources decides {}",
        s.rel,
        year(s.year),
        year(p.year)
    );
    let stale = |what: &str| EventsError::Stale {
        path: s.abs.clone(),
        message: format!(
            "{why}, and the file {what}: extract it again with --year {}",
            p.year
                .map(|y| y.year.to_string())
                .unwrap_or_else(|| "YYYY".into())
        ),
    };
    match super::fingerprint(&s.abs) {
        None => return Err(stale("cannot be read to do it here").into()),
        Some(fp) if fp != (s.size, s.mtime_ns) => {
            return Err(stale("changed since it was extracted").into())
        }
        Some(_) => {}
    }
    let grammar = match &p.grammar {
        Some(g) => Some(reg.get(g).ok_or_else(|| {
            Error::Usage(format!(
                "{}: grammar {g:?} is not known here: pass the --grammars DIR it was extracted with",
                f.path.display()
            ))
        })?),
        None => None,
    };
    let chunk = opts.chunk_bytes.unwrap_or(ingest::CHUNK_BYTES);
    source::run(p, grammar, keep, None, chunk)
}
