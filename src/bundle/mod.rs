//! A bundle: a directory of logs (or a single file) and its optional
//! `bundle.toml`. This module lists the files and pairs each with its
//! manifest entry; it never modifies anything in the bundle.

pub mod archive;
pub mod manifest;
pub mod read;

use crate::error::{Error, Result};
use manifest::ManifestFile;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "bundle.toml";

/// One file of the bundle.
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Path relative to the bundle root, with `/` separators: the evidence name.
    pub rel: String,
    pub abs: PathBuf,
    /// Index of the first `[[source]]` whose path or glob matches.
    pub entry: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Bundle {
    pub root: PathBuf,
    pub manifest: Option<ManifestFile>,
    pub files: Vec<BundleFile>,
    /// Archive members not unpacked, with the reason (reported as findings).
    pub skipped: Vec<(String, String)>,
    /// Keeps an unpacked archive's directory alive.
    _unpacked: Option<std::sync::Arc<archive::Unpacked>>,
}

impl Bundle {
    /// Open a bundle directory or a single log file.
    pub fn open(path: &Path) -> Result<Bundle> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_file() && archive::is_archive(path) {
            let unpacked = archive::unpack(path)?;
            let mut b = Bundle::open(unpacked.dir.path())?;
            b.skipped = unpacked.skipped.clone();
            b._unpacked = Some(std::sync::Arc::new(unpacked));
            return Ok(b);
        }
        if meta.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
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
        let manifest_path = path.join(MANIFEST);
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
        let mut rels = Vec::new();
        walk(path, path, &mut rels)?;
        rels.sort();
        let mut files = Vec::new();
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
        for rel in rels {
            let entry = matchers.iter().position(|m| m.is_match(&rel));
            files.push(BundleFile {
                abs: path.join(&rel),
                rel,
                entry,
            });
        }
        if let Some(m) = &manifest {
            for (k, s) in m.manifest.source.iter().enumerate() {
                if !files.iter().any(|f| f.entry == Some(k)) {
                    return Err(Error::Manifest(format!(
                        "{}: [[source]] path {:?} matches no file in the bundle",
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
            skipped: Vec::new(),
            _unpacked: None,
        })
    }
}

/// Every regular file below `dir`, as `/`-separated paths relative to `root`,
/// skipping dot-files, dot-directories, `expected/` of fixtures at the root,
/// and the manifest. Symbolic links are not followed out of the bundle.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        let rel = path
            .strip_prefix(root)
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or(name.clone());
        if ft.is_dir() {
            if dir == root && name == "expected" {
                continue;
            }
            walk(root, &path, out)?;
        } else if ft.is_file() && rel != MANIFEST && !is_fixture_meta(&rel) {
            out.push(rel);
        }
    }
    Ok(())
}

/// Files a fixture directory holds beside its bundle that are not logs.
fn is_fixture_meta(rel: &str) -> bool {
    matches!(rel, "README.md" | "check.toml" | "published-rfo.md")
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
