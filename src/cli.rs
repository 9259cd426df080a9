//! The command line as the user typed it (clap derive). Resolved once into
//! `config::Options` by `cmd`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "rfo",
    version,
    about = "Turn a bundle of incident logs into an evidence-backed Reason for Outage draft"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub common: Common,
}

/// Flags every command accepts.
#[derive(Debug, Args, Clone, Default)]
pub struct Common {
    /// Zone for timestamps that carry none (IANA name), when the manifest names none.
    #[arg(long, global = true, value_name = "TZ")]
    pub zone: Option<String>,
    /// Zone the report is written in (default: the manifest's report_zone, else UTC).
    #[arg(long, global = true, value_name = "TZ")]
    pub report_zone: Option<String>,
    /// Year for year-less formats.
    #[arg(long, global = true, value_name = "YYYY")]
    pub year: Option<i32>,
    /// Pin what an abbreviation means for this run, e.g. CDT=-05:00 (repeatable).
    #[arg(long, global = true, value_name = "ABBR=OFFSET")]
    pub abbrev: Vec<String>,
    /// Directory of extra user grammars (*.toml).
    #[arg(long, global = true, value_name = "DIR")]
    pub grammars: Option<PathBuf>,
    /// Read files of at least twice this many bytes in parallel chunks (testing aid).
    #[arg(long, global = true, hide = true, value_name = "BYTES")]
    pub chunk_bytes: Option<u64>,
    /// Move the events of a source whose clock is found skewed (clock-skew).
    #[arg(long, global = true)]
    pub correct_skew: bool,
    /// An onset within this many seconds of a window's latest onset joins it (default 300).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub merge_gap: Option<i64>,
    /// A subject failing this long before a window is background there; nothing joins a window this long after its first onset (default 3600).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub background_after: Option<i64>,
    /// Only windows of subjects matching GLOB (repeatable; adds to the manifest's [incident] subjects).
    #[arg(long = "subject", global = true, value_name = "GLOB")]
    pub subjects: Vec<String>,
    /// Only windows of subjects on hosts matching GLOB (repeatable; adds to [incident] hosts).
    #[arg(long = "host", global = true, value_name = "GLOB")]
    pub hosts: Vec<String>,
    /// Write output to FILE (atomically: temp file + rename).
    #[arg(short = 'o', long = "output", global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print nothing to stderr but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour in terminal output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Draft the RFO (Markdown), or the analysis JSON.
    Analyze(AnalyzeArgs),
    /// The merged, normalised timeline with per-event time provenance.
    Timeline(TimelineArgs),
    /// Outage windows with their metrics.
    Windows(WindowsArgs),
    /// Per-line parse results of one file, and a summary.
    Parse(ParseArgs),
    /// Review a (human-edited) RFO against the evidence of a bundle.
    Lint(LintArgs),
    /// Re-run every fixture under DIR and diff against its expected/ outputs.
    Check(CheckArgs),
    /// List grammars, or run their embedded samples.
    Grammars {
        #[command(subcommand)]
        command: GrammarsCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    Md,
    Json,
    /// An HTML report with an inline SVG timeline of the window.
    Html,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Bundle directory or single log file.
    pub bundle: PathBuf,
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Md)]
    pub format: AnalyzeFormat,
    /// Render with this handlebars template instead of the default.
    #[arg(long, value_name = "FILE.hbs")]
    pub template: Option<PathBuf>,
    /// Stamp the output with this time (never the wall clock by default).
    #[arg(long, value_name = "TIME")]
    pub generated_at: Option<String>,
    /// Write the report about window N (default: the longest).
    #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"])]
    pub window: Option<u32>,
    /// Report on the longest window overlapping this range (RFC 3339).
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Text,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    pub bundle: PathBuf,
    /// Only events at or after this RFC 3339 time.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Only events at or before this RFC 3339 time.
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub format: TimelineFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextJson {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct WindowsArgs {
    pub bundle: PathBuf,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    pub file: PathBuf,
    /// Grammar to use (default: auto-detect).
    #[arg(long)]
    pub grammar: Option<String>,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// The RFO to review (Markdown).
    pub report: PathBuf,
    /// The bundle holding the evidence.
    #[arg(long)]
    pub bundle: PathBuf,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Allowed difference between a stated time and the evidence, in seconds.
    #[arg(long, default_value_t = crate::lint::TOLERANCE_S, value_name = "SECONDS")]
    pub tolerance: i64,
    /// Hold the report to a layout: `rfo` requires the RFO header fields;
    /// `any` (the default) requires none unless the report starts with them.
    #[arg(long, value_parser = ["rfo", "any"], value_name = "FORM")]
    pub form: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A fixture directory, or a directory of fixtures.
    pub dir: PathBuf,
    /// Rewrite the expected files with fresh output (read the diff first).
    #[arg(long)]
    pub bless: bool,
}

#[derive(Debug, Subcommand)]
pub enum GrammarsCommand {
    /// List the grammars.
    List,
    /// Run every grammar's embedded samples (and those of FILEs).
    Check { files: Vec<PathBuf> },
}
