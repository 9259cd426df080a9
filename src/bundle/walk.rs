//! Listing a bundle directory: every regular file below the root, and
//! every entry left out with its reason. Nothing is dropped without a
//! word: dot-files, dot-directories (once, not each file inside),
//! excluded paths, symbolic links and special files are all listed.
//!
//! File names need not be UTF-8: each file keeps its real path for
//! opening, and its evidence name shows invalid bytes as `\xNN`.

use super::exclude::{Excludes, IGNORE_FILE};
use super::{SkipKind, Skipped, MANIFEST};
use crate::error::{Error, Result};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// What a walk found, both lists sorted by path.
#[derive(Debug, Default)]
pub struct Walked {
    /// `(evidence name, real path)` of every file to read.
    pub files: Vec<(String, PathBuf)>,
    pub skipped: Vec<Skipped>,
}

/// Walk the bundle at `root`.
pub fn walk(root: &Path, excludes: &Excludes) -> Result<Walked> {
    let mut out = Walked::default();
    walk_dir(root, "", excludes, &mut out)?;
    out.files
        .sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk_dir(dir: &Path, prefix: &str, excludes: &Excludes, out: &mut Walked) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = display_name(&entry.file_name());
        let rel = format!("{prefix}{name}");
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if prefix.is_empty() && ft.is_file() && (name == MANIFEST || name == IGNORE_FILE) {
            continue;
        }
        let mut skip = |kind: SkipKind, reason: &str| {
            out.skipped.push(Skipped {
                path: rel.clone(),
                reason: reason.to_string(),
                kind,
            })
        };
        if ft.is_dir() {
            if name.starts_with('.') {
                skip(SkipKind::Hidden, "dot-directory");
            } else if let Some(why) = excludes.dir(&rel) {
                skip(SkipKind::Excluded, why);
            } else {
                walk_dir(&path, &format!("{rel}/"), excludes, out)?;
            }
        } else if name.starts_with('.') {
            skip(SkipKind::Hidden, "dot-file");
        } else if let Some(why) = excludes.file(&rel) {
            skip(SkipKind::Excluded, why);
        } else if ft.is_symlink() {
            skip(SkipKind::NotRegular, "symbolic link (not followed)");
        } else if !ft.is_file() {
            skip(SkipKind::NotRegular, "not a regular file");
        } else {
            out.files.push((rel, path));
        }
    }
    Ok(())
}

/// A file name as text: itself when it is UTF-8, else with each invalid
/// byte shown as `\xNN`, so that two such names stay distinct.
pub fn display_name(name: &OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut s = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            s.push_str(chunk.valid());
            for b in chunk.invalid() {
                s.push_str(&format!("\\x{b:02x}"));
            }
        }
        s
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}
