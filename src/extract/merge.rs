//! Merging events files into the `Ingested` a bundle's own run builds.
//!
//! Sources are put back in bundle order; the year of every year-less
//! source is decided again over all sources' probes (`plan::infer_years`,
//! as planning does); a source whose year comes out otherwise than it was
//! extracted with is read again from its recorded path, if that still
//! holds the same file, else refused. The rest (`align`, the timeline, the
//! windows) is the bundle's own code, in `pipeline`.

use super::read;
use super::sidecar::{BundleRecord, KeepRecord, Sidecar};
use super::{EventsError, PARQUET_SUFFIX, SIDECAR_SUFFIX};
use crate::bundle::manifest::ManifestFile;
use crate::bundle::{Bundle, BundleFile, Skipped};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::event::TimedEvent;
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
    found.sort_by_cached_key(|f| {
        (
            f.sidecar.bundle.path.clone(),
            f.sidecar.source.index,
            f.sidecar.part.as_ref().map(|p| p.start),
        )
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
    let (first, manifest, skipped) = bundle_of(&found)?;
    let found = grouped(found);
    let (plans, findings) = decide_years(&found);
    let sources: Vec<SourceResult> = found
        .par_iter()
        .zip(plans.par_iter())
        .map(|(g, p)| source_of(g, p, reg, opts, keep))
        .collect::<Result<_>>()?;
    let files = plans.iter().map(|p| p.file.clone()).collect();
    let ingested = ingest::assemble(&skipped, findings, sources);
    Ok(Merged {
        bundle: Bundle::recorded(first.root, manifest, files, skipped),
        ingested,
    })
}

/// The bundle the sidecars describe: its record, its manifest (one for
/// all) and what it left out (each bundle's once).
fn bundle_of(found: &[Found]) -> Result<(BundleRecord, Option<ManifestFile>, Vec<Skipped>)> {
    let first = found[0].sidecar.bundle.clone();
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
    Ok((first, manifest, skipped))
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

/// The sidecars of each source together: one whole, or its stretches in
/// file order (`complete` checked which).
fn grouped(found: Vec<Found>) -> Vec<Vec<Found>> {
    let mut out: Vec<Vec<Found>> = Vec::new();
    for f in found {
        match out.last_mut() {
            Some(g)
                if g[0].sidecar.bundle.path == f.sidecar.bundle.path
                    && g[0].sidecar.source.index == f.sidecar.source.index =>
            {
                g.push(f)
            }
            _ => out.push(vec![f]),
        }
    }
    out
}

/// The stretches of one source tile it: from byte 0, each where the one
/// before ended, to its end, all of the same file.
fn tiled(parts: &[&Found]) -> Result<()> {
    let s = &parts[0].sidecar.source;
    let mut at = 0u64;
    for f in parts {
        let fs = &f.sidecar.source;
        let Some(p) = &f.sidecar.part else {
            return Err(EventsError::Incomplete(format!(
                "{}: source {} extracted both whole and in stretches",
                f.path.display(),
                s.rel
            ))
            .into());
        };
        if (fs.size, fs.mtime_ns) != (s.size, s.mtime_ns) {
            return Err(EventsError::Stale {
                path: f.path.clone(),
                message: format!(
                    "{} changed between the extraction of its parts: extract it again",
                    s.rel
                ),
            }
            .into());
        }
        if p.end <= p.start || p.end > s.size {
            return Err(EventsError::Corrupt {
                path: f.path.clone(),
                message: format!(
                    "a stretch of bytes {}..{} in a file of {}",
                    p.start, p.end, s.size
                ),
            }
            .into());
        }
        if p.start != at {
            let what = if p.start > at {
                "not extracted"
            } else {
                "extracted twice"
            };
            return Err(EventsError::Incomplete(format!(
                "{}: bytes {at}..{} of {} {what} (a missing source part, or parts of different --part N?)",
                f.path.display(),
                p.start.max(at),
                s.rel
            ))
            .into());
        }
        at = p.end;
    }
    if at != s.size {
        return Err(EventsError::Incomplete(format!(
            "{}: bytes {at}..{} of {} not extracted (a missing source part?)",
            parts[parts.len() - 1].path.display(),
            s.size,
            s.rel
        ))
        .into());
    }
    Ok(())
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
            let whole = w[0].sidecar.part.is_none() || w[1].sidecar.part.is_none();
            if w[0].sidecar.source.index == w[1].sidecar.source.index && whole {
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
        if let Some(f) = of_root.iter().find(|f| f.sidecar.bundle.sources != want) {
            return Err(EventsError::Incomplete(format!(
                "{} and {}: the bundle had {} sources for one and {} for the other (changed between parts?): extract it again",
                found[k].path.display(),
                f.path.display(),
                want,
                f.sidecar.bundle.sources
            ))
            .into());
        }
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
        for i in have_indices(&of_root) {
            let parts: Vec<&Found> = of_root
                .iter()
                .copied()
                .filter(|f| f.sidecar.source.index == i && f.sidecar.part.is_some())
                .collect();
            if !parts.is_empty() {
                tiled(&parts)?;
            }
        }
        k += of_root.len();
    }
    Ok(())
}

fn have_indices(of_root: &[&Found]) -> std::collections::BTreeSet<u32> {
    of_root.iter().map(|f| f.sidecar.source.index).collect()
}

/// Each source's plan as extracted, in merged order, with its year decided
/// again over every source's probe; and planning's findings, in the order
/// `plan` gives them (detection, then years).
fn decide_years(found: &[Vec<Found>]) -> (Vec<SourcePlan>, Vec<Finding>) {
    let found: Vec<&Found> = found.iter().map(|g| &g[0]).collect();
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

/// One source's events, as `keep` asks.
fn events_of(f: &Found, p: &SourcePlan, keep: Keep) -> Result<Vec<TimedEvent>> {
    let dir = f.path.parent().unwrap_or(Path::new("."));
    let file: Arc<str> = Arc::from(f.sidecar.source.rel.as_str());
    // Read as `keep` asks: for `Keep::Significant`, an `--all` file's
    // plain info lines and texts are left at the reading.
    Ok(read::events(
        &dir.join(&f.sidecar.events.file),
        &file,
        p.index,
        f.sidecar.events.rows,
        keep,
    )?)
}

/// One source: its events files when its year stands, else read again.
fn source_of(
    group: &[Found],
    p: &SourcePlan,
    reg: &Registry,
    opts: &Options,
    keep: Keep,
) -> Result<SourceResult> {
    let f = &group[0];
    if p.year != f.sidecar.source.year {
        return read_again(f, p, reg, opts, keep);
    }
    let Some(r) = f.sidecar.result.clone() else {
        return stretches(group, p, reg, keep);
    };
    Ok(r.with_events(events_of(f, p, keep)?))
}

/// A source extracted in stretches, put together as in one process.
fn stretches(group: &[Found], p: &SourcePlan, reg: &Registry, keep: Keep) -> Result<SourceResult> {
    let f = &group[0];
    let g = grammar(f, p, reg)?.ok_or_else(|| EventsError::Corrupt {
        path: f.path.clone(),
        message: "a source in stretches without a grammar".into(),
    })?;
    let mut parts = Vec::with_capacity(group.len());
    for f in group {
        let mut part = f.sidecar.part.clone().ok_or_else(|| EventsError::Corrupt {
            path: f.path.clone(),
            message: "neither a result nor a part".into(),
        })?;
        part.events = crate::timeline::Timeline::from(events_of(f, p, keep)?);
        parts.push(part);
    }
    let readable =
        || unchanged(f, "holds a stretch that depends on the one before it").map_err(Error::from);
    source::merge_parts(p, g, keep, parts, &readable)
}

/// The grammar a source was extracted with, known here too.
fn grammar<'r>(
    f: &Found,
    p: &SourcePlan,
    reg: &'r Registry,
) -> Result<Option<&'r crate::grammar::Grammar>> {
    match &p.grammar {
        Some(g) => Ok(Some(reg.get(g).ok_or_else(|| {
            Error::Usage(format!(
                "{}: grammar {g:?} is not known here: pass the --grammars DIR it was extracted with",
                f.path.display()
            ))
        })?)),
        None => Ok(None),
    }
}

/// The recorded file, still as it was extracted, to be read again here
/// because it `why`.
fn unchanged(f: &Found, why: &str) -> std::result::Result<(), EventsError> {
    let s = &f.sidecar.source;
    let stale = |what: &str| {
        EventsError::Stale {
        path: s.abs.clone(),
        message: format!(
            "{} {why}, so the merge reads it again, and the file {what}: extract it without --part, or make it readable here",
            s.rel
        ),
    }
    };
    match super::fingerprint(&s.abs) {
        None => Err(stale("cannot be read here")),
        Some(fp) if fp != (s.size, s.mtime_ns) => Err(stale("changed since it was extracted")),
        Some(_) => Ok(()),
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
    let grammar = grammar(f, p, reg)?;
    let chunk = opts.chunk_bytes.unwrap_or(ingest::CHUNK_BYTES);
    source::run(p, grammar, keep, None, chunk)
}
