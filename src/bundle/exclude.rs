//! What a bundle leaves out: the `exclude = [...]` globs of its
//! `bundle.toml`, the lines of its `.rfoignore`, and whatever the caller
//! adds (`rfo check` adds a fixture's own files). No layout is special
//! here: a directory named `expected/` is logs like any other unless a
//! glob says otherwise.
//!
//! Globs are relative to the bundle root, as `[[source]] path` is: `*`
//! stays within one path segment, `**` crosses segments. A glob that
//! matches a directory, or `dir/**`, leaves the directory out whole (and
//! it is listed once as skipped, not file by file).

use crate::error::{Error, Result};
use globset::{GlobBuilder, GlobMatcher};
use std::path::Path;

/// The ignore file at a bundle's root: one glob per line, `#` comments.
pub const IGNORE_FILE: &str = ".rfoignore";

/// One exclusion glob and where it was written.
#[derive(Debug, Clone)]
struct Rule {
    /// Matches files (and directories, for a glob naming the directory).
    glob: GlobMatcher,
    /// For `dir/**`: matches `dir` itself, so the directory goes whole.
    dir: Option<GlobMatcher>,
    /// `excluded by .rfoignore: expected/**`.
    reason: String,
}

/// The exclusion globs of a bundle, in the order they were given.
#[derive(Debug, Clone, Default)]
pub struct Excludes {
    rules: Vec<Rule>,
}

impl Excludes {
    /// Add one glob; `origin` names where it was written (`bundle.toml
    /// exclude`, `.rfoignore`, `rfo check`). The error is the glob
    /// library's, for the caller to place.
    pub fn add(&mut self, pattern: &str, origin: &str) -> std::result::Result<(), String> {
        let compile = |p: &str| {
            GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| e.kind().to_string())
        };
        let trimmed = pattern.trim_end_matches('/');
        let glob = compile(trimmed)?;
        let dir = match trimmed.strip_suffix("/**") {
            Some(d) if !d.is_empty() => Some(compile(d)?),
            _ => None,
        };
        self.rules.push(Rule {
            glob,
            dir,
            reason: format!("excluded by {origin}: {pattern}"),
        });
        Ok(())
    }

    /// Add `other`'s globs after these.
    pub fn extend(&mut self, other: &Excludes) {
        self.rules.extend(other.rules.iter().cloned());
    }

    /// Read `.rfoignore` at `root`, if there is one. A bad glob is an error
    /// naming the file, line and column.
    pub fn read_ignore_file(&mut self, root: &Path) -> Result<()> {
        let path = root.join(IGNORE_FILE);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(&path, e)),
        };
        if !meta.is_file() {
            return Err(Error::input(&path, "not a regular file"));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        for (k, line) in text.lines().enumerate() {
            let pattern = line.trim();
            if pattern.is_empty() || pattern.starts_with('#') {
                continue;
            }
            let col = line.len() - line.trim_start().len() + 1;
            self.add(pattern, IGNORE_FILE).map_err(|e| {
                Error::Manifest(format!(
                    "{}:{}:{col}: bad exclude pattern {pattern:?}: {e}",
                    path.display(),
                    k + 1
                ))
            })?;
        }
        Ok(())
    }

    /// Why the file at `rel` is left out, if it is.
    pub fn file(&self, rel: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.glob.is_match(rel))
            .map(|r| r.reason.as_str())
    }

    /// Why the directory at `rel` is left out whole, if it is.
    pub fn dir(&self, rel: &str) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.glob.is_match(rel) || r.dir.as_ref().is_some_and(|d| d.is_match(rel)))
            .map(|r| r.reason.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_from_the_root_and_dir_globs_take_the_directory() {
        let mut x = Excludes::default();
        x.add("expected/**", "rfo check").unwrap();
        x.add("*.md", ".rfoignore").unwrap();
        assert_eq!(
            x.dir("expected"),
            Some("excluded by rfo check: expected/**")
        );
        assert_eq!(
            x.file("expected/a.json"),
            Some("excluded by rfo check: expected/**")
        );
        assert_eq!(x.dir("net/expected"), None);
        assert_eq!(x.file("README.md"), Some("excluded by .rfoignore: *.md"));
        assert_eq!(x.file("docs/README.md"), None);
        assert!(x.add("a[", "x").is_err());
    }

    #[test]
    fn ignore_file_errors_name_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(IGNORE_FILE), "# c\n\nok/**\n  bad[\n").unwrap();
        let e = Excludes::default()
            .read_ignore_file(d.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(".rfoignore:4:3: bad exclude pattern \"bad[\""),
            "{e}"
        );
    }
}
