//! Comparing a seal with the files as they are now: each changed, missing
//! or added file, an edited seal, and whether the analysis would differ.
//! What is a difference (exit 1) and what is only a note: a file, the
//! seal's own digest or the analysis digest differing is a difference; a
//! newer rfo, tz database or grammar set is a note, a difference only
//! through the analysis it changes.

use super::FileHash;
use std::fmt::Write;

/// One file that is not as sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Changed { was: FileHash, now: FileHash },
    Missing(FileHash),
    Added(FileHash),
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Changed { was, .. } => &was.path,
            Change::Missing(f) | Change::Added(f) => &f.path,
        }
    }
}

/// The analysis re-run on the evidence as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisCheck {
    Same,
    Differs {
        was: String,
        now: String,
    },
    /// It could not be re-run (a manifest that no longer parses, a bundle
    /// gone): it would not give the sealed analysis.
    Failed(String),
}

/// Everything verify found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `(what, change)`: what is `report`, `bundle`, `archive` or `file`.
    pub changes: Vec<(&'static str, Change)>,
    /// `(stated, computed)` when the seal's own digest does not match it.
    pub seal_edited: Option<(String, String)>,
    pub analysis: AnalysisCheck,
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn differences(&self) -> usize {
        self.changes.len()
            + usize::from(self.seal_edited.is_some())
            + usize::from(self.analysis != AnalysisCheck::Same)
    }

    /// The report, one line per finding, then the verdict.
    pub fn text(&self, seal: &str) -> String {
        let mut s = String::new();
        if let Some((stated, computed)) = &self.seal_edited {
            let _ = writeln!(
                s,
                "{seal}: edited: the seal's seal_digest {stated} does not match its content ({computed})"
            );
        }
        for (what, c) in &self.changes {
            let _ = match c {
                Change::Changed { was, now } => writeln!(
                    s,
                    "changed: {} ({what}; sha256 {} → {}, {} → {} bytes)",
                    was.path,
                    short(&was.sha256),
                    short(&now.sha256),
                    was.size,
                    now.size
                ),
                Change::Missing(f) => {
                    writeln!(s, "missing: {} ({what}; sealed {} bytes)", f.path, f.size)
                }
                Change::Added(f) => writeln!(
                    s,
                    "added: {} ({what}; {} bytes, not in the seal)",
                    f.path, f.size
                ),
            };
        }
        let _ = match &self.analysis {
            AnalysisCheck::Same => writeln!(s, "analysis: the same as sealed"),
            AnalysisCheck::Differs { was, now } => writeln!(
                s,
                "analysis: would differ (sealed sha256 {}, now {})",
                short(was),
                short(now)
            ),
            AnalysisCheck::Failed(why) => {
                writeln!(s, "analysis: would differ: it cannot be re-run: {why}")
            }
        };
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        let n = self.differences();
        let _ = if n == 0 {
            writeln!(
                s,
                "{seal}: verified: the report and the evidence are as sealed"
            )
        } else {
            writeln!(s, "{seal}: NOT verified: {n} difference(s)")
        };
        s
    }
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// Compare one sealed file (or its absence) with one now.
pub fn one(
    what: &'static str,
    was: Option<&FileHash>,
    now: Option<&FileHash>,
    out: &mut Vec<(&'static str, Change)>,
) {
    match (was, now) {
        (Some(w), Some(n)) if w.sha256 != n.sha256 || w.size != n.size => out.push((
            what,
            Change::Changed {
                was: w.clone(),
                now: n.clone(),
            },
        )),
        (Some(w), None) => out.push((what, Change::Missing(w.clone()))),
        (None, Some(n)) => out.push((what, Change::Added(n.clone()))),
        _ => {}
    }
}

/// Compare two lists of files by path (both sorted or not).
pub fn files(was: &[FileHash], now: &[FileHash], out: &mut Vec<(&'static str, Change)>) {
    let mut paths: Vec<&str> = was.iter().chain(now).map(|f| f.path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    for p in paths {
        let w = was.iter().find(|f| f.path == p);
        let n = now.iter().find(|f| f.path == p);
        one("evidence", w, n, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(p: &str, h: char) -> FileHash {
        FileHash {
            path: p.into(),
            size: 1,
            sha256: h.to_string().repeat(64),
        }
    }

    #[test]
    fn changed_missing_and_added_are_named() {
        let mut out = Vec::new();
        files(
            &[f("a.log", 'a'), f("b.log", 'b')],
            &[f("a.log", 'c'), f("c.log", 'c')],
            &mut out,
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|(_, c)| {
                let k = match c {
                    Change::Changed { .. } => "changed",
                    Change::Missing(_) => "missing",
                    Change::Added(_) => "added",
                };
                (k, c.path())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("changed", "a.log"),
                ("missing", "b.log"),
                ("added", "c.log")
            ]
        );
    }
}
