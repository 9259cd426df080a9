//! Planning a run: for each bundle file, its grammar (declared or detected),
//! zone, host and year, with the origin of each. Nothing is parsed in full
//! here; detection and year probing read only the head of each file.

use crate::bundle::{read, Bundle, BundleFile};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::finding::{Finding, FindingCode};
use crate::grammar::detect::{self, Detection};
use crate::grammar::registry::Registry;
use crate::time::provenance::{YearChoice, YearOrigin, ZoneChoice, ZoneOrigin};
use crate::time::resolve::SourceClock;
use crate::time::stamp::Stamp;
use crate::time::year::closest_year;
use chrono::Datelike;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Lines read from each file's head for detection and year probing.
const HEAD_LINES: usize = 200;
const HEAD_BYTES: usize = 1 << 20;

/// Everything needed to parse one source.
#[derive(Debug, Clone)]
pub struct SourcePlan {
    pub index: u32,
    pub file: BundleFile,
    /// `None`: no grammar recognised the file (`unknown-format`).
    pub grammar: Option<String>,
    /// When no grammar recognised the file: the candidates and how many
    /// sampled lines each parsed, in words.
    pub candidates: Option<String>,
    pub zone: ZoneChoice,
    pub host: Option<String>,
    pub year: Option<YearChoice>,
    pub overrides: Arc<HashMap<String, i32>>,
    /// The rate rule, for access logs.
    pub rates: crate::rates::Rule,
}

impl SourcePlan {
    /// A fresh clock for reading this source: its zone, year and
    /// abbreviation overrides, as the plan settled them.
    pub fn clock(&self) -> SourceClock {
        SourceClock::new(
            self.file.rel.clone(),
            self.zone,
            self.year,
            self.overrides.clone(),
        )
    }
}

/// The plan for a whole bundle, and what planning found.
#[derive(Debug, Clone)]
pub struct Plan {
    pub sources: Vec<SourcePlan>,
    pub findings: Vec<Finding>,
    /// Per source: the evidence its year (or the others') was inferred
    /// from, kept so that a merge of events files can decide it again.
    pub probes: Vec<Option<Probe>>,
    /// Per source: the `unknown-format` finding of its detection.
    pub detection: Vec<Option<Finding>>,
}

/// What a file's head says about years: the raw evidence `infer_years`
/// decides on, recorded in events files (docs/events.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Probe {
    /// (month, day) of year-less stamps in the head, in order.
    pub yearless: Vec<(u32, u32)>,
    /// Instants of dated stamps in the head.
    pub dated: Vec<DateTime<Utc>>,
    /// The file's modification year: the weak last resort.
    pub mtime_year: Option<i32>,
}

/// The plan for `bundle`. A file's head is probed for years only when a
/// file's year is left to infer (none from its `[[source]]` entry,
/// `--year` or `[incident] year`): the probes are that inference's
/// evidence and nothing else's here (`plan_probed` keeps them all, for
/// events files).
pub fn plan(bundle: &Bundle, reg: &Registry, opts: &Options) -> Result<Plan> {
    planned(bundle, reg, opts, false)
}

/// `plan`, every file's head probed: `rfo extract` records the probes, for
/// a merge of events files to infer years over all of them.
pub fn plan_probed(bundle: &Bundle, reg: &Registry, opts: &Options) -> Result<Plan> {
    planned(bundle, reg, opts, true)
}

fn planned(bundle: &Bundle, reg: &Registry, opts: &Options, probe_all: bool) -> Result<Plan> {
    use rayon::prelude::*;
    let manifest = bundle.manifest.as_ref();
    // A file's `[[source]]` entry, with the manifest it is in.
    let entry_of = |file: &BundleFile| {
        file.entry
            .and_then(|e| manifest.map(|m| (&m.manifest.source[e], m)))
    };
    // The grammars the files name, or every one when a file has none to
    // detect its own, compiled together on the pool; each file is planned
    // on its own, on the pool too: one after another on the main thread,
    // with the pool idle, they were a tenth of the serial work of a
    // two-thread run (issue 16).
    let named: Option<Vec<&str>> = bundle
        .files
        .iter()
        .map(|f| entry_of(f).and_then(|(e, _)| e.grammar.as_ref().map(|g| g.get_ref().as_str())))
        .collect();
    // Years are inferred from every head's dated lines when a file's year
    // is not given (its entry, `--year`, `[incident] year`); the probes
    // (each head parsed in full, the grammars' full parse run cold) are
    // that inference's evidence and nothing else's here.
    let infer = probe_all
        || bundle
            .files
            .iter()
            .any(|f| declared_year(entry_of(f), opts, manifest).is_none());
    let planned: Vec<Result<(Planned, Option<Probe>)>> = if infer || named.is_none() {
        // A head to detect a grammar from or to probe: read, used and
        // dropped in its file's task (held all at once, a bundle of
        // thousands of files would hold thousands of heads).
        reg.compile(named.as_deref());
        bundle
            .files
            .par_iter()
            .enumerate()
            .map(|(k, file)| {
                let head = read::head(&file.abs, HEAD_LINES, HEAD_BYTES)?;
                let p = plan_one(k, file, Some(&head), entry_of(file), reg, opts, manifest)?;
                let s = &p.source;
                let probe = match s.grammar.as_deref().and_then(|g| reg.get(g)) {
                    Some(g) if infer => Some(probe(
                        g,
                        &head,
                        s.zone,
                        &s.overrides,
                        mtime_year(&s.file.abs),
                    )),
                    _ => None,
                };
                Ok((p, probe))
            })
            .collect()
    } else {
        // Each head only read, so that a file that cannot be read fails
        // here as ever: beside the grammars' compilation.
        let ((), read) = rayon::join(
            || reg.compile(named.as_deref()),
            || {
                bundle
                    .files
                    .par_iter()
                    .map(|f| read::head(&f.abs, HEAD_LINES, HEAD_BYTES).map(drop))
                    .collect::<Vec<_>>()
            },
        );
        bundle
            .files
            .par_iter()
            .zip(read)
            .enumerate()
            .map(|(k, (file, read))| {
                read?;
                let p = plan_one(k, file, None, entry_of(file), reg, opts, manifest)?;
                Ok((p, None))
            })
            .collect()
    };
    // The first error in the files' order, as a walk of them would stop at.
    let mut sources = Vec::new();
    let mut detection = Vec::new();
    let mut probes = Vec::new();
    for p in planned {
        let (p, probe) = p?;
        sources.push(p.source);
        detection.push(p.detection);
        probes.push(probe);
    }
    let mut findings: Vec<Finding> = detection.iter().flatten().cloned().collect();
    infer_years(&mut sources, &probes, &mut findings);
    Ok(Plan {
        sources,
        findings,
        probes,
        detection,
    })
}

/// A file's `[[source]]` entry, with the manifest it is in.
type Entry<'m> = Option<(
    &'m crate::bundle::manifest::SourceEntry,
    &'m crate::bundle::manifest::ManifestFile,
)>;

/// One file's part of the plan.
struct Planned {
    source: SourcePlan,
    detection: Option<Finding>,
}

/// The plan of file `k`, from its head and its `[[source]]` entry.
fn plan_one(
    k: usize,
    file: &BundleFile,
    head: Option<&str>,
    entry: Entry<'_>,
    reg: &Registry,
    opts: &Options,
    manifest: Option<&crate::bundle::manifest::ManifestFile>,
) -> Result<Planned> {
    let grammar = match entry.and_then(|(e, m)| e.grammar.as_ref().map(|g| (g, m))) {
        Some((g, m)) => {
            if reg.get(g.get_ref()).is_none() {
                return Err(Error::Manifest(format!(
                    "{}: unknown grammar {:?} (known: {})",
                    m.at(g.span().start),
                    g.get_ref(),
                    reg.names().join(", ")
                )));
            }
            Ok(Some(g.get_ref().clone()))
        }
        None => detect_grammar(reg, file, head.expect("a head is read to detect from")),
    };
    let (grammar, candidates, detection) = match grammar {
        Ok(g) => (g, None, None),
        Err((why, finding)) => (None, Some(why), Some(finding)),
    };
    let zone = if let Some((Some(z), m)) = entry.map(|(e, m)| (e.zone.as_ref(), m)) {
        ZoneChoice {
            tz: m.zone(z)?,
            origin: ZoneOrigin::Source,
        }
    } else if let Some(tz) = opts.zone {
        ZoneChoice {
            tz,
            origin: ZoneOrigin::Flag,
        }
    } else if let Some(z) = manifest.and_then(|m| m.manifest.defaults.zone.as_ref()) {
        ZoneChoice {
            tz: manifest.expect("zone came from it").zone(z)?,
            origin: ZoneOrigin::BundleDefault,
        }
    } else {
        ZoneChoice {
            tz: chrono_tz::UTC,
            origin: ZoneOrigin::Assumed,
        }
    };
    let mut overrides = opts.abbrev.clone();
    if let Some((e, m)) = entry {
        for (label, v) in &e.abbrev {
            overrides.insert(label.clone(), m.offset(label, v)?);
        }
    }
    let overrides = Arc::new(overrides);
    let year = declared_year(entry, opts, manifest);
    Ok(Planned {
        source: SourcePlan {
            index: k as u32,
            file: file.clone(),
            grammar,
            candidates,
            zone,
            host: entry.and_then(|(e, _)| e.host.clone()),
            year,
            overrides,
            rates: entry
                .and_then(|(e, _)| e.rates.as_ref().map(|r| *r.get_ref()))
                .unwrap_or_default(),
        },
        detection,
    })
}

/// A file's year as given: by its `[[source]]` entry, `--year`, or the
/// manifest's `[incident] year`, in that order.
fn declared_year(
    entry: Entry<'_>,
    opts: &Options,
    manifest: Option<&crate::bundle::manifest::ManifestFile>,
) -> Option<YearChoice> {
    entry
        .and_then(|(e, _)| e.year.as_ref().map(|y| *y.get_ref()))
        .map(|year| YearChoice {
            year,
            origin: YearOrigin::Manifest,
        })
        .or(opts.year.map(|year| YearChoice {
            year,
            origin: YearOrigin::Flag,
        }))
        .or(manifest
            .and_then(|m| m.manifest.incident.year.as_ref().map(|y| *y.get_ref()))
            .map(|year| YearChoice {
                year,
                origin: YearOrigin::Manifest,
            }))
}

fn detect_grammar(
    reg: &Registry,
    file: &BundleFile,
    head: &str,
) -> std::result::Result<Option<String>, (String, Finding)> {
    let lines: Vec<&str> = head.lines().collect();
    match detect::detect(reg, &lines, head) {
        Detection::Chosen(s) => Ok(Some(s.grammar)),
        Detection::Unknown(cands) => {
            let list = if cands.is_empty() {
                "no grammar parsed any sampled line".to_string()
            } else {
                cands
                    .iter()
                    .map(|c| format!("{} {}/{}", c.grammar, c.parsed, c.sampled))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let finding = Finding::warning(
                FindingCode::UnknownFormat,
                format!(
                    "{}: no grammar recognises this file (candidates: {list}); name one with [[source]] grammar = \"…\"; its lines are counted as unparsed",
                    file.rel
                ),
                None,
            );
            Err((list, finding))
        }
    }
}

fn probe(
    g: &crate::grammar::Grammar,
    head: &str,
    zone: ZoneChoice,
    overrides: &Arc<HashMap<String, i32>>,
    mtime_year: Option<i32>,
) -> Probe {
    let mut p = Probe {
        yearless: Vec::new(),
        dated: Vec::new(),
        mtime_year,
    };
    let mut clock = SourceClock::new("probe", zone, None, overrides.clone());
    let mut visit = |stamp: &Stamp, label: Option<&str>, line: u64| {
        if stamp.has_year() {
            if let Ok(t) = clock.resolve(stamp, label, line) {
                p.dated.push(t.instant);
            }
        } else if let Stamp::Wall(w) = stamp {
            p.yearless.push((w.month, w.day));
        }
    };
    if g.is_document() {
        if let Ok(recs) = g.parse_document(head) {
            for r in &recs {
                if let Some(st) = &r.stamp {
                    visit(st, r.get("tz"), r.line);
                }
            }
        }
    } else {
        for (k, l) in head.lines().enumerate() {
            if let Ok(r) = g.parse_line(l, k as u64 + 1) {
                if let Some(st) = &r.stamp {
                    visit(st, r.get("tz"), r.line);
                }
            }
        }
    }
    p
}

/// Give every year-less source without a declared year the closest year
/// consistent with the dated sources, else its file's modification year
/// (flagged: a git checkout resets mtimes). A merge of events files runs
/// it again over every extracted source's probe (`extract::merge`).
pub fn infer_years(
    sources: &mut [SourcePlan],
    probes: &[Option<Probe>],
    findings: &mut Vec<Finding>,
) {
    let dated: Vec<DateTime<Utc>> = probes
        .iter()
        .flatten()
        .flat_map(|p| p.dated.iter().copied())
        .collect();
    for (s, p) in sources.iter_mut().zip(probes) {
        let Some(p) = p else { continue };
        if s.year.is_some() || p.yearless.is_empty() {
            continue;
        }
        if let Some(year) = closest_year(&p.yearless, &dated) {
            let (first, last) = (
                dated.iter().min().expect("a year came from it"),
                dated.iter().max().expect("non-empty"),
            );
            s.year = Some(YearChoice {
                year,
                origin: YearOrigin::Bundle,
            });
            findings.push(Finding::info(
                FindingCode::YearInferred,
                format!(
                    "{}: year-less timestamps read in {year}, the year that puts its first date nearest to a dated source of the bundle (dated lines span {} to {})",
                    s.file.rel,
                    crate::time::rfc3339(first),
                    crate::time::rfc3339(last)
                ),
                None,
            ));
        } else if let Some(year) = p.mtime_year {
            s.year = Some(YearChoice {
                year,
                origin: YearOrigin::FileMtime,
            });
            findings.push(Finding::warning(
                FindingCode::YearInferred,
                format!(
                    "{}: year-less timestamps and no year from --year, bundle.toml or a dated source; read in {year}, the file's modification year — weak evidence (copies and checkouts reset it): set `year` in bundle.toml",
                    s.file.rel
                ),
                None,
            ));
        }
    }
}

fn mtime_year(path: &std::path::Path) -> Option<i32> {
    let m = std::fs::metadata(path).ok()?.modified().ok()?;
    let t: chrono::DateTime<chrono::Utc> = m.into();
    Some(t.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle of one year-less syslog file, with a year in its manifest
    /// or none.
    fn bundle(dir: &std::path::Path, year: Option<i32>) -> Bundle {
        std::fs::write(
            dir.join("messages"),
            "Feb 22 21:56:01 sw1 kernel: eth0: link down\n",
        )
        .unwrap();
        let mut toml = String::from("[[source]]\npath = \"messages\"\ngrammar = \"rfc3164\"\n");
        if let Some(y) = year {
            toml = format!("[incident]\nyear = {y}\n\n{toml}");
        }
        std::fs::write(dir.join("bundle.toml"), toml).unwrap();
        Bundle::open(dir).unwrap()
    }

    fn yearless(p: &Plan) -> Vec<Option<Vec<(u32, u32)>>> {
        p.probes
            .iter()
            .map(|p| p.as_ref().map(|p| p.yearless.clone()))
            .collect()
    }

    /// A file whose head cannot be read fails the plan, naming the file,
    /// when its head is wanted for nothing else (its grammar and year
    /// given) as when it is probed.
    #[test]
    fn an_unreadable_head_fails_the_plan_either_way() {
        let reg = Registry::builtin().unwrap();
        let opts = Options::default();
        for year in [Some(2017), None] {
            let dir = tempfile::tempdir().unwrap();
            bundle(dir.path(), year);
            // gzip's magic, then no gzip stream.
            std::fs::write(dir.path().join("messages"), b"\x1f\x8bnot a gzip stream").unwrap();
            let b = Bundle::open(dir.path()).unwrap();
            let e = plan(&b, &reg, &opts).expect_err("an unreadable head");
            assert!(e.to_string().contains("messages"), "{year:?}: {e}");
            assert!(e.to_string().contains("read error"), "{year:?}: {e}");
        }
    }

    /// The heads are probed for years only when a year is left to infer,
    /// and always for `rfo extract` (issue 16).
    #[test]
    fn heads_are_probed_only_when_a_year_is_left_to_infer() {
        let reg = Registry::builtin().unwrap();
        let opts = Options::default();
        let dir = tempfile::tempdir().unwrap();
        let declared = bundle(dir.path(), Some(2017));
        let p = plan(&declared, &reg, &opts).unwrap();
        assert_eq!(yearless(&p), vec![None]);
        assert_eq!(p.sources[0].year.map(|y| y.year), Some(2017));
        let p = plan_probed(&declared, &reg, &opts).unwrap();
        assert_eq!(yearless(&p), vec![Some(vec![(2, 22)])]);
        assert_eq!(p.sources[0].year.map(|y| y.year), Some(2017));
        let dir = tempfile::tempdir().unwrap();
        let open = bundle(dir.path(), None);
        let p = plan(&open, &reg, &opts).unwrap();
        assert_eq!(yearless(&p), vec![Some(vec![(2, 22)])]);
        assert_eq!(
            p.sources[0].year.map(|y| y.origin),
            Some(YearOrigin::FileMtime)
        );
    }
}
