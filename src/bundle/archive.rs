//! Bundles that arrive as `.tar`, `.tar.gz` or `.tgz`: unpacked into a
//! private temporary directory, never next to the archive, so the input is
//! not modified. Members whose path would escape the bundle (absolute,
//! `..`), links, devices, duplicates and members of unsupported types are
//! skipped and listed with their reason, never followed. GNU sparse
//! members (`tar -S`) hold ordinary data and are read.
//!
//! Unpacking is bounded: one member may unpack to `Limits::member` bytes,
//! the whole archive to `Limits::total`; past either the run stops with
//! an error naming the member (a bundle that big is unpacked by hand and
//! given as a directory, which is streamed, not copied). The unpack
//! directory is removed on SIGINT/SIGTERM too (`cleanup`).
//!
//! An archive whose root holds a single directory (`tar czf b.tgz
//! bundle/`, the usual way to pack one) has that directory as its bundle
//! root, so its `bundle.toml` is found.

use super::cleanup::{self, Registration};
use super::walk::display_name;
use super::{SkipKind, Skipped};
use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Component, Path, PathBuf};
use tar::EntryType;

/// Whether `path` names an archive rfo unpacks.
pub fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// How much an archive may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes one member may unpack to.
    pub member: u64,
    /// Bytes all members together may unpack to.
    pub total: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            member: 2 << 30,
            total: 4 << 30,
        }
    }
}

/// An unpacked archive: the directory lives as long as this value.
#[derive(Debug)]
pub struct Unpacked {
    dir: tempfile::TempDir,
    /// The bundle root: the unpack directory, or the single directory at
    /// its root.
    pub root: PathBuf,
    /// Members not unpacked, with the reason.
    pub skipped: Vec<Skipped>,
    /// Declared after `dir`: forgotten only once the directory is gone.
    _registration: Registration,
}

impl Unpacked {
    /// The private directory the archive was unpacked into.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
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

/// What to do with a member of this type: `Ok(true)` read it, `Ok(false)`
/// pass over it in silence (directories, archive metadata), `Err` skip it
/// for the reason given.
fn admit(kind: EntryType) -> std::result::Result<bool, String> {
    match kind {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => Ok(true),
        EntryType::Directory
        | EntryType::XGlobalHeader
        | EntryType::XHeader
        | EntryType::GNULongName
        | EntryType::GNULongLink => Ok(false),
        EntryType::Symlink => Err("symbolic link (links are not followed)".into()),
        EntryType::Link => Err("hard link (links are not followed)".into()),
        EntryType::Char | EntryType::Block => Err("device (not read)".into()),
        EntryType::Fifo => Err("FIFO (not read)".into()),
        other => Err(format!(
            "unsupported member type {:?}",
            char::from(other.as_byte())
        )),
    }
}

/// Unpack with the default limits.
pub fn unpack(path: &Path) -> Result<Unpacked> {
    unpack_with(path, Limits::default())
}

/// Unpack `path` into a private temporary directory.
pub fn unpack_with(path: &Path, limits: Limits) -> Result<Unpacked> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let empty = file.metadata().map_err(|e| Error::io(path, e))?.len() == 0;
    let lower = path.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read> = if lower.ends_with(".gz") || lower.ends_with(".tgz") {
        Box::new(MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    cleanup::install();
    let dir = tempfile::Builder::new()
        .prefix("rfo-bundle-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let registration = cleanup::register(dir.path());
    let skipped = if empty {
        // A zero-byte archive holds nothing; the bundle says so.
        Vec::new()
    } else {
        members(path, reader, dir.path(), limits)?
    };
    let root = single_top_dir(dir.path()).unwrap_or_else(|| dir.path().to_path_buf());
    Ok(Unpacked {
        dir,
        root,
        skipped,
        _registration: registration,
    })
}

/// Write every admitted member below `dir`; return the skipped ones.
fn members(path: &Path, reader: Box<dyn Read>, dir: &Path, limits: Limits) -> Result<Vec<Skipped>> {
    let mut skipped = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut total = 0u64;
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
        let shown = display_name(raw.as_os_str());
        let mut skip = |reason: String| {
            skipped.push(Skipped {
                path: shown.clone(),
                reason,
                kind: SkipKind::Member,
            })
        };
        match admit(entry.header().entry_type()) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(reason) => {
                skip(reason);
                continue;
            }
        }
        let Some(rel) = safe_path(&raw) else {
            skip("its path leaves the bundle".into());
            continue;
        };
        if !seen.insert(rel.clone()) {
            skip("duplicate member (the first one was read)".into());
            continue;
        }
        if let Some(why) = clash(dir, &rel) {
            skip(why);
            continue;
        }
        let dest = dir.join(&rel);
        let created = cleanup::create(dir, || -> Result<File> {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            File::create(&dest).map_err(|e| Error::io(&dest, e))
        });
        let Some(out) = created else {
            // Interrupted: the handler is removing the directory.
            break;
        };
        let mut out = out?;
        let left = limits.total.saturating_sub(total);
        let cap = limits.member.min(left);
        let n = std::io::copy(&mut (&mut entry).take(cap.saturating_add(1)), &mut out)
            .map_err(|e| Error::input(path, format!("member {shown}: {e}")))?;
        if n > limits.member {
            return Err(Error::input(
                path,
                format!(
                    "member {shown} unpacks to more than {} (the limit for one member); unpack the archive yourself and give rfo the directory",
                    size(limits.member)
                ),
            ));
        }
        if n > left {
            return Err(Error::input(
                path,
                format!(
                    "the members unpack to more than {} in all (the limit for an archive, passed at member {shown}); unpack the archive yourself and give rfo the directory",
                    size(limits.total)
                ),
            ));
        }
        total += n;
    }
    Ok(skipped)
}

/// Why `rel` cannot be written below `dir` beside the members already
/// there: a file member stands where a directory is needed, or the other
/// way round.
fn clash(dir: &Path, rel: &Path) -> Option<String> {
    let mut at = dir.to_path_buf();
    let mut parts = rel.components().peekable();
    while let Some(c) = parts.next() {
        at.push(c);
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            return None;
        };
        if parts.peek().is_some() && !meta.is_dir() {
            let file = at.strip_prefix(dir).unwrap_or(&at);
            return Some(format!(
                "its path runs through the file member {}",
                display_name(file.as_os_str())
            ));
        }
        if parts.peek().is_none() && meta.is_dir() {
            return Some("a directory of the same name holds other members".into());
        }
    }
    None
}

/// The single directory at `dir`'s root, when it holds nothing else.
fn single_top_dir(dir: &Path) -> Option<PathBuf> {
    let mut entries = std::fs::read_dir(dir).ok()?;
    let only = entries.next()?.ok()?;
    if entries.next().is_some() || !only.file_type().ok()?.is_dir() {
        return None;
    }
    Some(only.path())
}

/// Bytes as the limits are written: `2 GiB`, `512 MiB`, `100 bytes`.
fn size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n => format!("{n} bytes"),
    }
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
