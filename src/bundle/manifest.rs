//! `bundle.toml`: what the analyst tells rfo about a bundle.
//!
//! Errors name the manifest, the line and the column, and say what is wrong;
//! zones are checked against the tz database here, once.

use crate::error::{Error, Result};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Globs (relative to the bundle root) of paths the bundle leaves out.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub incident: IncidentSpec,
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub source: Vec<SourceEntry>,
    /// What depends on what, for relating triggers and onsets across hosts.
    #[serde(default)]
    pub depends: Vec<DependsEntry>,
    /// What `--redact` keeps and what it hides besides the evidence's own
    /// names (docs/seal.md).
    #[serde(default)]
    pub redact: RedactSpec,
}

/// `[redact] public = ["portal.example.com"]`, `hosts = [...]`, `users = [...]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactSpec {
    /// Names and addresses customers may see (case-insensitive): kept.
    #[serde(default)]
    pub public: Vec<String>,
    /// Hostnames to hide that no log line names as a host.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// User names to hide that no grammar reads as a user.
    #[serde(default)]
    pub users: Vec<String>,
}

/// `[[depends]] subject = "portal/*", on = ["core-sw1"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependsEntry {
    pub subject: Spanned<String>,
    pub on: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSpec {
    pub title: Option<String>,
    pub ticket: Option<String>,
    pub service: Option<String>,
    pub report_zone: Option<Spanned<String>>,
    pub year: Option<Spanned<i32>>,
    /// Focus: the subjects (globs) the RFO is about.
    #[serde(default)]
    pub subjects: Vec<Spanned<String>>,
    /// Focus: the hosts (globs) the RFO is about.
    #[serde(default)]
    pub hosts: Vec<Spanned<String>>,
    /// Subjects (globs) whose degraded state (e.g. WARNING) counts as down.
    #[serde(default)]
    pub degraded_outage: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub zone: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// A path or glob relative to the bundle root.
    pub path: Spanned<String>,
    pub grammar: Option<Spanned<String>>,
    pub zone: Option<Spanned<String>>,
    pub host: Option<String>,
    pub year: Option<Spanned<i32>>,
    /// Abbreviation overrides for this source: `abbrev = { CDT = "-05:00" }`.
    #[serde(default)]
    pub abbrev: BTreeMap<String, Spanned<String>>,
    /// An access log's rate rule: `rates = { share = 0.05, min_requests =
    /// 20, buckets = 2, bucket_s = 60, p95_ms = 2000 }` (each optional).
    pub rates: Option<Spanned<crate::rates::Rule>>,
}

/// The manifest's text, kept to point at lines in errors.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    pub path: String,
    pub text: String,
    pub manifest: Manifest,
}

impl ManifestFile {
    pub fn parse(path: &str, text: String) -> Result<ManifestFile> {
        let manifest: Manifest = toml::from_str(&text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            Error::Manifest(format!(
                "{}: {}",
                locate(path, &text, at),
                e.message().trim()
            ))
        })?;
        let mf = ManifestFile {
            path: path.to_string(),
            text,
            manifest,
        };
        mf.validate()?;
        Ok(mf)
    }

    /// `path:line:col` of a byte offset in the manifest.
    pub fn at(&self, offset: usize) -> String {
        locate(&self.path, &self.text, offset)
    }

    /// The 1-based line of a byte offset in the manifest.
    pub fn line_of(&self, offset: usize) -> u64 {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count() as u64
            + 1
    }

    /// A zone written in the manifest, checked.
    pub fn zone(&self, z: &Spanned<String>) -> Result<Tz> {
        z.get_ref().parse::<Tz>().map_err(|_| {
            Error::Manifest(format!(
                "{}: unknown time zone {:?} (use an IANA name such as \"America/Chicago\")",
                self.at(z.span().start),
                z.get_ref()
            ))
        })
    }

    /// An abbreviation override value, checked.
    pub fn offset(&self, label: &str, v: &Spanned<String>) -> Result<i32> {
        crate::time::abbrev::parse_offset(v.get_ref()).ok_or_else(|| {
            Error::Manifest(format!(
                "{}: abbreviation override {label} = {:?} is not an offset like \"-05:00\"",
                self.at(v.span().start),
                v.get_ref()
            ))
        })
    }

    /// A glob written in the manifest, compiled.
    pub fn glob(&self, g: &Spanned<String>) -> Result<crate::window::focus::Pattern> {
        crate::window::focus::Pattern::new(g.get_ref())
            .map_err(|e| Error::Manifest(format!("{}: {e}", self.at(g.span().start))))
    }

    /// Add the manifest's `exclude` globs to `x`; a bad glob is an error
    /// at its line and column.
    pub fn excludes(&self, x: &mut super::exclude::Excludes) -> Result<()> {
        for g in &self.manifest.exclude {
            x.add(g.get_ref(), "bundle.toml exclude").map_err(|e| {
                Error::Manifest(format!(
                    "{}: bad exclude pattern {:?}: {e}",
                    self.at(g.span().start),
                    g.get_ref()
                ))
            })?;
        }
        Ok(())
    }

    /// A year written in the manifest, checked against the years rfo places
    /// events in.
    fn year(&self, y: &Spanned<i32>) -> Result<()> {
        let years = crate::time::resolve::YEARS;
        if years.contains(y.get_ref()) {
            return Ok(());
        }
        Err(Error::Manifest(format!(
            "{}: year {} is outside {}–{} (write the full year, e.g. 2017)",
            self.at(y.span().start),
            y.get_ref(),
            years.start(),
            years.end()
        )))
    }

    fn validate(&self) -> Result<()> {
        let m = &self.manifest;
        let i = &m.incident;
        self.excludes(&mut super::exclude::Excludes::default())?;
        for y in i
            .year
            .iter()
            .chain(m.source.iter().filter_map(|s| s.year.as_ref()))
        {
            self.year(y)?;
        }
        for g in i.subjects.iter().chain(&i.hosts).chain(&i.degraded_outage) {
            self.glob(g)?;
        }
        for d in &m.depends {
            self.glob(&d.subject)?;
            for g in &d.on {
                self.glob(g)?;
            }
        }
        if let Some(z) = &m.incident.report_zone {
            self.zone(z)?;
        }
        if let Some(z) = &m.defaults.zone {
            self.zone(z)?;
        }
        for s in &m.source {
            if let Some(z) = &s.zone {
                self.zone(z)?;
            }
            for (label, v) in &s.abbrev {
                self.offset(label, v)?;
            }
            if let Some(r) = &s.rates {
                r.get_ref().check().map_err(|e| {
                    Error::Manifest(format!("{}: rates: {e}", self.at(r.span().start)))
                })?;
            }
            globset::Glob::new(s.path.get_ref()).map_err(|e| {
                Error::Manifest(format!(
                    "{}: bad path pattern {:?}: {}",
                    self.at(s.path.span().start),
                    s.path.get_ref(),
                    e.kind()
                ))
            })?;
        }
        Ok(())
    }
}

fn locate(path: &str, text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|p| p + 1).unwrap_or(0) + 1;
    format!("{path}:{line}:{col}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        ManifestFile::parse("b/bundle.toml", text.to_string())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn good_manifest() {
        let m = ManifestFile::parse(
            "bundle.toml",
            "[incident]\ntitle = \"t\"\nreport_zone = \"America/Chicago\"\n[[source]]\npath = \"*.log\"\nzone = \"UTC\"\nabbrev = { CDT = \"-05:00\" }\n".into(),
        )
        .unwrap();
        assert_eq!(m.manifest.source.len(), 1);
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        assert_eq!(
            err("[incident]\ntitle = \"t\"\nzone = \"x\"\n"),
            "b/bundle.toml:3:1: unknown field `zone`, expected one of `title`, `ticket`, `service`, `report_zone`, `year`, `subjects`, `hosts`, `degraded_outage`"
        );
        assert_eq!(
            err("[[source]]\npath = \"a.log\"\nzone = \"America/Chicgo\"\n"),
            "b/bundle.toml:3:8: unknown time zone \"America/Chicgo\" (use an IANA name such as \"America/Chicago\")"
        );
        assert!(err("[[source]]\npath = \"a[.log\"\n")
            .starts_with("b/bundle.toml:2:8: bad path pattern"));
        assert!(err("[incident\n").starts_with("b/bundle.toml:1:"));
        assert_eq!(
            err("exclude = [\"ok/**\", \"bad[\"]\n"),
            "b/bundle.toml:1:21: bad exclude pattern \"bad[\": unclosed character class; missing ']'"
        );
    }
}
