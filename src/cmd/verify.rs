//! `rfo verify SEAL [--bundle B] [--report R]`: recompute every hash the
//! seal lists and re-run the analysis. Exit 0 when all is as sealed, 1
//! when anything differs (each file named), 2 for a malformed seal.

use super::{emit, Exit};
use crate::bundle::{exclude::IGNORE_FILE, Bundle, MANIFEST};
use crate::cli::{Common, VerifyArgs};
use crate::config::Keep;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::seal::verify::{self, AnalysisCheck, Change, Outcome};
use crate::seal::{hash, BundleKind, BundleSeal, FileHash, Seal};
use std::path::{Path, PathBuf};

pub fn run(a: &VerifyArgs, common: &Common) -> Result<Exit> {
    let text = std::fs::read_to_string(&a.seal).map_err(|e| Error::io(&a.seal, e))?;
    let seal = Seal::parse(&a.seal, &text)?;
    let dir = hash::dir_of(&a.seal);
    let report = a
        .report
        .clone()
        .unwrap_or_else(|| dir.join(&seal.report.path));
    let bundle = a
        .bundle
        .clone()
        .unwrap_or_else(|| dir.join(&seal.bundle.path));
    let mut out = Outcome {
        changes: Vec::new(),
        seal_edited: None,
        analysis: AnalysisCheck::Same,
        notes: Vec::new(),
    };
    let computed = seal.digest();
    if computed != seal.seal_digest {
        out.seal_edited = Some((seal.seal_digest.clone(), computed));
    }
    let now = present(&report, &seal.report.path)?;
    verify::one("report", Some(&seal.report), now.as_ref(), &mut out.changes);
    match Bundle::open(&bundle) {
        Ok(b) => {
            let shown = seal.bundle.path.clone();
            let now = hash::bundle(&b, &bundle, shown)?;
            compare_bundle(&seal.bundle, &now, &mut out.changes);
            out.analysis = reanalyze(&seal, &bundle);
        }
        Err(e) => {
            // A manifest edited into invalid TOML, a bundle gone: hash what
            // the seal lists where it was, and say the analysis cannot run.
            let now = by_seal(&seal.bundle, &bundle)?;
            compare_bundle(&seal.bundle, &now, &mut out.changes);
            out.analysis = AnalysisCheck::Failed(e.to_string());
        }
    }
    tool_notes(&seal, &mut out.notes);
    emit(common, &out.text(&a.seal.display().to_string()))?;
    Ok(if out.differences() == 0 {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

/// A file's hash, or `None` when it is not there.
fn present(abs: &Path, shown: &str) -> Result<Option<FileHash>> {
    match std::fs::metadata(abs) {
        Ok(m) if m.is_file() => hash::file(abs, shown).map(Some),
        _ => Ok(None),
    }
}

fn compare_bundle(was: &BundleSeal, now: &BundleSeal, out: &mut Vec<(&'static str, Change)>) {
    verify::one("archive", was.archive.as_ref(), now.archive.as_ref(), out);
    verify::one(
        "manifest",
        was.manifest.as_ref(),
        now.manifest.as_ref(),
        out,
    );
    verify::one("ignore file", was.ignore.as_ref(), now.ignore.as_ref(), out);
    verify::files(&was.files, &now.files, out);
}

/// The sealed files hashed where the seal says they are (no walk: used
/// when the bundle cannot be opened).
fn by_seal(was: &BundleSeal, root: &Path) -> Result<BundleSeal> {
    let at = |rel: &str| -> PathBuf {
        if was.kind == BundleKind::File {
            root.to_path_buf()
        } else {
            root.join(rel)
        }
    };
    let each = |f: &Option<FileHash>, name: &str| -> Result<Option<FileHash>> {
        match f {
            Some(_) => present(&at(name), name),
            None => present(&root.join(name), name),
        }
    };
    let mut files = Vec::new();
    for f in &was.files {
        files.extend(present(&at(&f.path), &f.path)?);
    }
    let archive = match &was.archive {
        Some(f) => present(root, &f.path)?,
        None => None,
    };
    let (manifest, ignore) = if was.kind == BundleKind::Directory {
        (
            each(&was.manifest, MANIFEST)?,
            each(&was.ignore, IGNORE_FILE)?,
        )
    } else {
        (was.manifest.clone(), was.ignore.clone())
    };
    Ok(BundleSeal {
        path: was.path.clone(),
        kind: was.kind,
        archive,
        manifest,
        ignore,
        files,
    })
}

/// The analysis re-run with the sealed flags, its digest compared.
fn reanalyze(seal: &Seal, bundle: &Path) -> AnalysisCheck {
    let run = || -> Result<String> {
        let common = super::seal::common_of(&seal.options);
        let mut opts = crate::config::Options::resolve(&common)?;
        opts.progress = false;
        let (reg, _) = pipeline::registry(&opts)?;
        let loaded = pipeline::load(bundle, &reg, &opts, Keep::Significant)?;
        let analysis = pipeline::analyze(&loaded, &opts, None)?;
        Ok(crate::seal::analysis_sha256(&analysis))
    };
    match run() {
        Ok(now) if now == seal.analysis.sha256 => AnalysisCheck::Same,
        Ok(now) => AnalysisCheck::Differs {
            was: seal.analysis.sha256.clone(),
            now,
        },
        Err(e) => AnalysisCheck::Failed(e.to_string()),
    }
}

/// A different rfo, tz database or grammar set is worth saying, and is
/// a difference only through the analysis it changes.
fn tool_notes(seal: &Seal, notes: &mut Vec<String>) {
    let t = &seal.tool;
    if t.rfo_version != env!("CARGO_PKG_VERSION") {
        notes.push(format!(
            "sealed with rfo {}, verified with rfo {}",
            t.rfo_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if t.tzdb != crate::time::TZDB_VERSION {
        notes.push(format!(
            "sealed with tz database {}, verified with {}",
            t.tzdb,
            crate::time::TZDB_VERSION
        ));
    }
    let dir = seal.options.grammars.as_deref().map(Path::new);
    let now = pipeline::registry(&crate::config::Options {
        grammars: dir.map(Path::to_path_buf),
        ..Default::default()
    })
    .and_then(|(reg, _)| hash::grammars(dir, &reg));
    match now {
        Ok((h, _)) if h != t.grammars_sha256 => {
            notes.push("the grammar set differs from the one sealed".to_string())
        }
        Ok(_) => {}
        Err(e) => notes.push(format!("the grammar set cannot be read: {e}")),
    }
}
