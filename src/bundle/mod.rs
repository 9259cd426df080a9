//! A bundle: a directory of logs (or a single file, or an archive) and its
//! optional `bundle.toml`. This module lists the files, pairs each with its
//! manifest entry, and lists everything it leaves out with the reason; it
//! never modifies anything in the bundle.
//!
//! No layout is special: a bundle leaves out what its own `exclude = [...]`
//! and `.rfoignore` say, and what the caller adds (`open_with`; `rfo check`
//! adds a fixture's `expected/`, README and settings).

pub mod archive;
pub mod cleanup;
pub mod exclude;
pub mod lines;
pub mod manifest;
pub mod read;
pub mod walk;

use crate::error::{Error, Result};
use exclude::Excludes;
use manifest::ManifestFile;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "bundle.toml";

/// One file of the bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Path relative to the bundle root, with `/` separators: the evidence
    /// name (invalid UTF-8 bytes shown as `\xNN`).
    pub rel: String,
    /// The real path, for opening.
    pub abs: PathBuf,
    /// Index of the first `[[source]]` whose path or glob matches.
    pub entry: Option<usize>,
}

/// Why an entry was left out, in kinds: an archive member not unpacked is
/// the one the analysis warns about (`member-skipped`); the others were
/// asked for (excluded), are conventionally private (dot-files), or are
/// not files to read (links, FIFOs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipKind {
    Excluded,
    Hidden,
    NotRegular,
    Member,
}

/// One entry of the bundle that was not read, and why (analysis JSON
/// `skipped`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The path inside the bundle, or the archive member's name.
    pub path: String,
    pub reason: String,
    #[serde(skip)]
    pub kind: SkipKind,
}

#[derive(Debug, Clone)]
pub struct Bundle {
    pub root: PathBuf,
    pub manifest: Option<ManifestFile>,
    pub files: Vec<BundleFile>,
    /// Everything not read, with the reason, sorted: archive members first
    /// (by their order in the archive), then the walk's, by path.
    pub skipped: Vec<Skipped>,
    /// Keeps an unpacked archive's directory alive.
    _unpacked: Option<std::sync::Arc<archive::Unpacked>>,
}

impl Bundle {
    /// A bundle as events files recorded it (`rfo analyze --events`): its
    /// files are read again only when a merge must (`extract::merge`).
    pub fn recorded(
        root: PathBuf,
        manifest: Option<ManifestFile>,
        files: Vec<BundleFile>,
        skipped: Vec<Skipped>,
    ) -> Bundle {
        Bundle {
            root,
            manifest,
            files,
            skipped,
            _unpacked: None,
        }
    }

    /// Open a bundle directory, an archive or a single log file.
    pub fn open(path: &Path) -> Result<Bundle> {
        Bundle::open_with(path, &Excludes::default())
    }

    /// As `open`, leaving out also what `extra` lists (after the bundle's
    /// own exclusions). A bundle with no file to read is an error naming it.
    pub fn open_with(path: &Path, extra: &Excludes) -> Result<Bundle> {
        let b = Bundle::read(path, extra)?;
        if b.files.is_empty() {
            return Err(Error::input(
                path,
                format!("no log files in {}", path.display()),
            ));
        }
        Ok(b)
    }

    fn read(path: &Path, extra: &Excludes) -> Result<Bundle> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_file() && archive::is_archive(path) {
            let unpacked = archive::unpack(path)?;
            let mut b = Bundle::read_dir(&unpacked.root, extra)?;
            let mut skipped = unpacked.skipped.clone();
            skipped.append(&mut b.skipped);
            b.skipped = skipped;
            b._unpacked = Some(std::sync::Arc::new(unpacked));
            return Ok(b);
        }
        if meta.is_file() {
            let name = path.file_name().map(walk::display_name).unwrap_or_default();
            return Ok(Bundle {
                root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                manifest: None,
                files: vec![BundleFile {
                    rel: name,
                    abs: path.to_path_buf(),
                    entry: None,
                }],
                skipped: Vec::new(),
                _unpacked: None,
            });
        }
        Bundle::read_dir(path, extra)
    }

    fn read_dir(path: &Path, extra: &Excludes) -> Result<Bundle> {
        let manifest_path = path.join(MANIFEST);
        // A manifest that is a link could be read from anywhere: it must be
        // a regular file inside the bundle.
        if std::fs::symlink_metadata(&manifest_path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::input(
                &manifest_path,
                "is a symbolic link; a bundle's manifest must be a regular file inside it",
            ));
        }
        let manifest = if manifest_path.is_file() {
            let text = std::fs::read_to_string(&manifest_path)
                .map_err(|e| Error::io(&manifest_path, e))?;
            Some(ManifestFile::parse(
                &manifest_path.display().to_string(),
                text,
            )?)
        } else {
            None
        };
        let mut excludes = Excludes::default();
        if let Some(m) = &manifest {
            m.excludes(&mut excludes)?;
        }
        excludes.read_ignore_file(path)?;
        excludes.extend(extra);
        let walked = walk::walk(path, &excludes)?;
        let matchers = match &manifest {
            Some(m) => m
                .manifest
                .source
                .iter()
                .map(|s| {
                    globset::GlobBuilder::new(s.path.get_ref())
                        .literal_separator(true)
                        .build()
                        .map(|g| g.compile_matcher())
                        .map_err(|e| Error::Manifest(format!("{}: {e}", m.at(s.path.span().start))))
                })
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let files: Vec<BundleFile> = walked
            .files
            .into_iter()
            .map(|(rel, abs)| BundleFile {
                entry: matchers.iter().position(|m| m.is_match(&rel)),
                rel,
                abs,
            })
            .collect();
        if let Some(m) = &manifest {
            for (k, s) in m.manifest.source.iter().enumerate() {
                if !files.iter().any(|f| f.entry == Some(k)) {
                    // Each file takes the first entry that matches it: an
                    // entry can match files and still name none of them.
                    let shadow = files.iter().find(|f| matchers[k].is_match(&f.rel));
                    let why = match shadow.and_then(|f| f.entry.map(|e| (f, e))) {
                        Some((f, e)) => format!(
                            "matches only files an earlier [[source]] already names ({} is {}'s, {:?})",
                            f.rel,
                            m.at(m.manifest.source[e].path.span().start),
                            m.manifest.source[e].path.get_ref()
                        ),
                        None => "matches no file in the bundle".to_string(),
                    };
                    return Err(Error::Manifest(format!(
                        "{}: [[source]] path {:?} {why}",
                        m.at(s.path.span().start),
                        s.path.get_ref()
                    )));
                }
            }
        }
        Ok(Bundle {
            root: path.to_path_buf(),
            manifest,
            files,
            skipped: walked.skipped,
            _unpacked: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sorted_files_and_pairs_entries() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("net")).unwrap();
        std::fs::create_dir_all(d.path().join(".git")).unwrap();
        std::fs::write(d.path().join("net/sw.log"), "x").unwrap();
        std::fs::write(d.path().join("b.log"), "x").unwrap();
        std::fs::write(d.path().join(".hidden"), "x").unwrap();
        std::fs::write(d.path().join(".git/config"), "x").unwrap();
        std::fs::write(
            d.path().join("bundle.toml"),
            "[[source]]\npath = \"net/*.log\"\nzone = \"America/Chicago\"\n",
        )
        .unwrap();
        let b = Bundle::open(d.path()).unwrap();
        let got: Vec<(&str, Option<usize>)> =
            b.files.iter().map(|f| (f.rel.as_str(), f.entry)).collect();
        assert_eq!(got, vec![("b.log", None), ("net/sw.log", Some(0))]);
        let skipped: Vec<(&str, &str)> = b
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            vec![(".git", "dot-directory"), (".hidden", "dot-file")]
        );
    }

    #[test]
    fn exclusions_come_from_the_manifest_the_ignore_file_and_the_caller() {
        let d = tempfile::tempdir().unwrap();
        for f in ["expected/a.log", "old/b.log", "c.bak", "d.log", "README.md"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        std::fs::write(d.path().join("bundle.toml"), "exclude = [\"*.bak\"]\n").unwrap();
        std::fs::write(d.path().join(".rfoignore"), "# old logs\nold/**\n").unwrap();
        let mut extra = Excludes::default();
        extra.add("README.md", "rfo check").unwrap();
        let b = Bundle::open_with(d.path(), &extra).unwrap();
        let files: Vec<&str> = b.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(files, vec!["d.log", "expected/a.log"]);
        let skipped: Vec<(&str, &str)> = b
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("README.md", "excluded by rfo check: README.md"),
                ("c.bak", "excluded by bundle.toml exclude: *.bak"),
                ("old", "excluded by .rfoignore: old/**"),
            ]
        );
    }

    #[test]
    fn a_bundle_with_nothing_to_read_is_an_error_naming_it() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".only-hidden"), "x").unwrap();
        let e = Bundle::open(d.path()).unwrap_err().to_string();
        let p = d.path().display().to_string();
        assert_eq!(e, format!("{p}: no log files in {p}"));
    }

    #[test]
    fn source_matching_nothing_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.log"), "x").unwrap();
        std::fs::write(
            d.path().join("bundle.toml"),
            "[[source]]\npath = \"sw.log\"\n",
        )
        .unwrap();
        let e = Bundle::open(d.path()).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "bundle.toml:2:8: [[source]] path \"sw.log\" matches no file in the bundle"
            ),
            "{e}"
        );
    }

    #[test]
    fn missing_bundle_names_the_path() {
        let e = Bundle::open(Path::new("/nonexistent/bundle"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/bundle: "), "{e}");
    }
}
