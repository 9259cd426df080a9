//! Bundles that arrive as `.tar`, `.tar.gz` or `.tgz`: unpacked into a
//! private temporary directory, never next to the archive, so the input is
//! not modified. Members whose path would escape the bundle (absolute,
//! `..`), links and devices are skipped and reported, never followed.

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};

/// Whether `path` names an archive rfo unpacks.
pub fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// An unpacked archive: the directory lives as long as this value.
#[derive(Debug)]
pub struct Unpacked {
    pub dir: tempfile::TempDir,
    /// Members not unpacked, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// A member path made safe: relative, no `..`, no root or prefix.
fn safe_path(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(x) => out.push(x),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

pub fn unpack(path: &Path) -> Result<Unpacked> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read> = if lower.ends_with(".gz") || lower.ends_with(".tgz") {
        Box::new(MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let dir = tempfile::Builder::new()
        .prefix("rfo-bundle-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let mut skipped = Vec::new();
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| Error::input(path, format!("not a readable tar archive: {e}")))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|e| Error::input(path, format!("damaged tar archive: {e}")))?;
        let raw = entry
            .path()
            .map(|p| p.into_owned())
            .map_err(|e| Error::input(path, format!("member with an unreadable name: {e}")))?;
        let shown = raw.display().to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            skipped.push((shown, format!("{kind:?} members are not followed")));
            continue;
        }
        let Some(rel) = safe_path(&raw) else {
            skipped.push((shown, "its path leaves the bundle".to_string()));
            continue;
        };
        let dest = dir.path().join(&rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut out = File::create(&dest).map_err(|e| Error::io(&dest, e))?;
        std::io::copy(&mut entry, &mut out)
            .map_err(|e| Error::input(path, format!("member {shown}: {e}")))?;
    }
    Ok(Unpacked { dir, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_are_refused() {
        assert_eq!(
            safe_path(Path::new("a/b.log")),
            Some(PathBuf::from("a/b.log"))
        );
        assert_eq!(
            safe_path(Path::new("./a.log")),
            Some(PathBuf::from("a.log"))
        );
        assert_eq!(safe_path(Path::new("../etc/passwd")), None);
        assert_eq!(safe_path(Path::new("/etc/passwd")), None);
        assert_eq!(safe_path(Path::new("a/../../x")), None);
    }
}
