//! Golden fixtures: a fixture is a directory holding a bundle and an
//! `expected/` directory of reviewed outputs. Shared by `rfo check` and the
//! project's own tests.
//!
//! A fixture's outputs come from `pipeline` and the renderers in `report`,
//! the functions the commands call, and its `check.toml` is resolved by
//! `config::Options::resolve` as the flags would be; golden never calls
//! `cmd`, which calls golden (`rfo check`).
//!
//! The bundle reader knows no fixture layout: `rfo check` itself leaves
//! out a fixture's own files (`FIXTURE_EXCLUDES`). Each fixture also lists
//! them in its `.rfoignore`, so that `rfo analyze fixtures/<case>` reads the
//! same files.
//!
//! JSON outputs are compared semantically (key order and whitespace do not
//! matter), text outputs byte for byte; a difference is shown as a unified
//! diff. Blessing rewrites the expected files with fresh output.

use crate::bundle::exclude::Excludes;
use crate::bundle::Bundle;
use crate::cli::TimelineFormat;
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::pipeline;
use crate::report;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const EXPECTED: &str = "expected";
pub const SETTINGS: &str = "check.toml";

/// Outputs a fixture may pin, by file name in `expected/`.
pub const OUTPUTS: &[&str] = &[
    "analysis.json",
    "report.md",
    "report.html",
    "windows.json",
    "windows.txt",
    "timeline.txt",
    "timeline.jsonl",
    "timeline.csv",
];

/// What a fixture holds beside its bundle: reviewed outputs, its README,
/// its settings and a published RFO to lint.
pub const FIXTURE_EXCLUDES: &[&str] = &["expected/**", "README.md", SETTINGS, "published-rfo.md"];

/// The fixture's bundle, without the fixture's own files.
fn bundle(dir: &Path) -> Result<Bundle> {
    let mut extra = Excludes::default();
    for g in FIXTURE_EXCLUDES {
        extra
            .add(g, "rfo check")
            .map_err(|e| Error::Usage(format!("fixture exclude {g:?}: {e}")))?;
    }
    Bundle::open_with(dir, &extra)
}

/// Outputs every fixture must have.
pub const REQUIRED: &[&str] = &["analysis.json", "report.md"];

/// `check.toml`: the flags a fixture is analysed with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub report_zone: Option<String>,
    /// A template path relative to the fixture.
    pub template: Option<String>,
    pub window: Option<u32>,
    pub zone: Option<String>,
    pub year: Option<i32>,
    #[serde(default)]
    pub abbrev: BTreeMap<String, String>,
    pub merge_gap_s: Option<i64>,
    #[serde(default)]
    pub correct_skew: bool,
    /// `--subject` globs.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// `--host` globs.
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Same,
    /// The unified diff, expected → actual.
    Differs(String),
    /// Rewritten by `--bless` (it differed or was missing).
    Blessed,
}

#[derive(Debug, Clone)]
pub struct FileResult {
    pub name: String,
    pub status: Status,
}

#[derive(Debug, Clone)]
pub struct FixtureResult {
    pub name: String,
    pub dir: PathBuf,
    /// `Err`: the fixture could not be read or analysed.
    pub files: std::result::Result<Vec<FileResult>, String>,
}

impl FixtureResult {
    pub fn passed(&self) -> bool {
        self.files
            .as_ref()
            .is_ok_and(|f| f.iter().all(|r| !matches!(r.status, Status::Differs(_))))
    }
}

/// The fixtures under `dir`: `dir` itself if it has `expected/`, else its
/// subdirectories that do, sorted by name.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>> {
    if dir.join(EXPECTED).is_dir() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(EXPECTED).is_dir())
        .collect();
    out.sort();
    Ok(out)
}

fn settings(dir: &Path) -> Result<Settings> {
    let path = dir.join(SETTINGS);
    if !path.is_file() {
        return Ok(Settings::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    toml::from_str(&text).map_err(|e| Error::input(&path, e.to_string().trim().to_string()))
}

fn options(s: &Settings) -> Result<Options> {
    let common = crate::cli::Common {
        zone: s.zone.clone(),
        report_zone: s.report_zone.clone(),
        year: s.year,
        abbrev: s.abbrev.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        merge_gap: s.merge_gap_s,
        correct_skew: s.correct_skew,
        subjects: s.subjects.clone(),
        hosts: s.hosts.clone(),
        ..Default::default()
    };
    Options::resolve(&common)
}

/// A path `check.toml` names, kept inside the fixture: `template =
/// "/etc/hostname"` or `"../x"` must not read a file from elsewhere.
fn inside(dir: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    let escapes = p.is_absolute()
        || p.components().any(|c| {
            !matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
    let joined = dir.join(p);
    let real = joined.canonicalize().map_err(|e| Error::io(&joined, e))?;
    let root = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    if escapes || !real.starts_with(&root) {
        return Err(Error::input(
            dir.join(SETTINGS),
            format!("template {rel:?} is outside the fixture; name a file inside it"),
        ));
    }
    Ok(joined)
}

/// Render every output named in `names` for the fixture at `dir`.
pub fn render(dir: &Path, names: &[String]) -> Result<BTreeMap<String, String>> {
    let s = settings(dir)?;
    let opts = options(&s)?;
    let (reg, _) = pipeline::registry(&opts)?;
    let loaded = pipeline::load_bundle(bundle(dir)?, &reg, &opts, Keep::Significant)?;
    let mut analysis = pipeline::analyze(&loaded, &opts, None)?;
    if let Some(id) = s.window {
        pipeline::select_window(&mut analysis, id)?;
    }
    let template = s.template.as_ref().map(|t| inside(dir, t)).transpose()?;
    // The whole load is kept: an archive's unpacked lines are read back.
    let mut timeline = if names.iter().any(|n| n.starts_with("timeline.")) {
        let all = pipeline::load_bundle(bundle(dir)?, &reg, &opts, Keep::All)?;
        let lines = all.lines()?;
        Some((all, lines))
    } else {
        None
    };
    let mut out = BTreeMap::new();
    for name in names {
        let text = match name.as_str() {
            "analysis.json" => report::analysis_json::render(&analysis),
            "report.md" => report::document::markdown(&analysis, template.as_deref())?,
            "report.html" => report::document::html(&analysis, None)?,
            "windows.json" => report::windows::json(&analysis),
            "windows.txt" => report::windows::text(&analysis)?,
            t @ ("timeline.txt" | "timeline.jsonl" | "timeline.csv") => {
                let format = match t {
                    "timeline.txt" => TimelineFormat::Text,
                    "timeline.jsonl" => TimelineFormat::Jsonl,
                    _ => TimelineFormat::Csv,
                };
                let zone = pipeline::report_zone(&loaded, &opts)?;
                match timeline.as_mut() {
                    Some((all, lines)) => {
                        report::timeline::render(&all.timeline, lines, format, zone, None, None)?
                    }
                    None => String::new(),
                }
            }
            other => {
                return Err(Error::input(
                    dir.join(EXPECTED).join(other),
                    format!("no output is named so (known: {})", OUTPUTS.join(", ")),
                ))
            }
        };
        out.insert(name.clone(), text);
    }
    Ok(out)
}

/// Whether two outputs agree: JSON by value, JSON lines line by line, text
/// byte for byte.
pub fn same(name: &str, expected: &str, actual: &str) -> bool {
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
    if name.ends_with(".json") {
        if let (Some(a), Some(b)) = (parse(expected), parse(actual)) {
            return a == b;
        }
    }
    if name.ends_with(".jsonl") {
        let a: Vec<_> = expected.lines().map(parse).collect();
        let b: Vec<_> = actual.lines().map(parse).collect();
        if a.iter().chain(&b).all(Option::is_some) {
            return a == b;
        }
    }
    expected == actual
}

/// A unified diff, expected → actual, labelled with the fixture and file.
pub fn diff(label: &str, expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{label} (expected)"), &format!("{label} (actual)"))
        .to_string()
}

/// Check (or bless) one fixture.
pub fn check(dir: &Path, bless: bool) -> FixtureResult {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    let files = check_files(dir, &name, bless).map_err(|e| e.to_string());
    FixtureResult {
        name,
        dir: dir.to_path_buf(),
        files,
    }
}

fn check_files(dir: &Path, name: &str, bless: bool) -> Result<Vec<FileResult>> {
    let exp_dir = dir.join(EXPECTED);
    let mut names: Vec<String> = REQUIRED.iter().map(|s| s.to_string()).collect();
    for e in std::fs::read_dir(&exp_dir).map_err(|e| Error::io(&exp_dir, e))? {
        let n = e
            .map_err(|e| Error::io(&exp_dir, e))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !n.starts_with('.') && !names.contains(&n) {
            names.push(n);
        }
    }
    names.sort();
    let fresh = render(dir, &names)?;
    let mut out = Vec::new();
    for (file, actual) in fresh {
        let path = exp_dir.join(&file);
        let expected = match std::fs::read_to_string(&path) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&path, e)),
        };
        let agree = expected.as_deref().is_some_and(|e| same(&file, e, &actual));
        let status = if agree {
            Status::Same
        } else if bless {
            std::fs::write(&path, &actual).map_err(|e| Error::io(&path, e))?;
            Status::Blessed
        } else {
            Status::Differs(diff(
                &format!("{name}/{EXPECTED}/{file}"),
                expected.as_deref().unwrap_or(""),
                &actual,
            ))
        };
        out.push(FileResult { name: file, status });
    }
    Ok(out)
}
