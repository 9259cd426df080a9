//! The command line as the user typed it (clap derive). Resolved once into
//! `config::Options` by `cmd`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Examples printed after `rfo --help`, as ripgrep ends its help.
const EXAMPLES: &str = "\
Examples:
  rfo analyze fixtures/servercentral-2017-02-22            RFO draft (Markdown) to stdout
  rfo analyze BUNDLE --format html -o report.html          HTML report with a timeline chart
  rfo analyze BUNDLE --ticket INC-1234 --title \"Core switch outage\"
  rfo windows BUNDLE --report-zone America/Chicago         ranked outage windows
  rfo timeline BUNDLE --from 2017-02-23T03:50:00Z --format jsonl
  rfo extract BUNDLE --part 3/16 --out events/              parse one part where the logs are
  rfo analyze --events events/                             analyze the merged events
  rfo parse server.log --year 2017                         how each line was read
  rfo lint edited-rfo.md --bundle BUNDLE                   check a human-edited RFO
  rfo check fixtures                                       fixtures as regression tests";

#[derive(Debug, Parser)]
#[command(
    name = "rfo",
    version,
    about = "Turn a bundle of incident logs into an evidence-backed Reason for Outage draft",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The flags of whichever subcommand ran, as one set of options (those
    /// a subcommand does not take are left at their defaults).
    pub fn common(&self) -> Common {
        let mut c = Common::default();
        match &self.command {
            Command::Analyze(a) => {
                c.source(&a.source);
                c.report(&a.report);
                c.windows(&a.windows);
                c.output(&a.output);
            }
            Command::Timeline(a) => {
                c.source(&a.source);
                c.report(&a.report);
                c.output(&a.output);
            }
            Command::Windows(a) => {
                c.source(&a.source);
                c.report(&a.report);
                c.windows(&a.windows);
                c.output(&a.output);
            }
            Command::Parse(a) => {
                c.source(&a.source);
                c.output(&a.output);
            }
            Command::Extract(a) => {
                c.source(&a.source);
                c.quiet = a.quiet;
            }
            Command::Lint(a) => {
                c.source(&a.source);
                c.report(&a.report_opts);
                c.windows(&a.windows);
                c.output(&a.output);
            }
            Command::Seal(a) => {
                c.source(&a.source);
                c.report(&a.report_opts);
                c.windows(&a.windows);
                c.output(&a.output);
            }
            Command::Verify(a) => c.output(&a.output),
            Command::Check(a) => c.output(&a.output),
            Command::Grammars { command } => {
                let (g, o) = match command {
                    GrammarsCommand::List { grammars, output } => (grammars, output),
                    GrammarsCommand::Check {
                        grammars, output, ..
                    } => (grammars, output),
                };
                c.grammars = g.grammars.clone();
                c.output(o);
            }
            Command::Completions { .. } | Command::Man => {}
        }
        c
    }
}

/// Every flag of every subcommand, resolved into one place for `cmd`.
#[derive(Debug, Clone, Default)]
pub struct Common {
    pub zone: Option<String>,
    pub report_zone: Option<String>,
    pub year: Option<i32>,
    pub abbrev: Vec<String>,
    pub grammars: Option<PathBuf>,
    pub chunk_bytes: Option<u64>,
    pub share_bytes: Option<u64>,
    pub correct_skew: bool,
    pub merge_gap: Option<i64>,
    pub background_after: Option<i64>,
    pub subjects: Vec<String>,
    pub hosts: Vec<String>,
    pub output: Option<PathBuf>,
    pub quiet: bool,
    pub color: Color,
}

impl Common {
    fn source(&mut self, s: &SourceArgs) {
        self.zone = s.zone.clone();
        self.year = s.year;
        self.abbrev = s.abbrev.clone();
        self.grammars = s.grammars.grammars.clone();
        self.chunk_bytes = s.chunk_bytes;
        self.share_bytes = s.share_bytes;
    }

    fn report(&mut self, r: &ReportArgs) {
        self.report_zone = r.report_zone.clone();
        self.correct_skew = r.correct_skew;
    }

    fn windows(&mut self, w: &WindowArgs) {
        self.merge_gap = w.merge_gap;
        self.background_after = w.background_after;
        self.subjects = w.subjects.clone();
        self.hosts = w.hosts.clone();
    }

    fn output(&mut self, o: &OutputArgs) {
        self.output = o.output.clone();
        self.quiet = o.quiet;
        self.color = o.color;
    }
}

/// `--grammars DIR`, for every command that reads logs.
#[derive(Debug, Args, Clone, Default)]
pub struct GrammarDirArg {
    /// Directory of extra user grammars (*.toml), beside the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub grammars: Option<PathBuf>,
}

/// How a source's stamps are read.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Reading time")]
pub struct SourceArgs {
    /// Zone for timestamps that carry none (IANA name), when the manifest names none.
    #[arg(long, value_name = "TZ")]
    pub zone: Option<String>,
    /// Year for year-less formats (1970 to 2100).
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,
    /// Pin what an abbreviation means for this run, e.g. CDT=-05:00 (repeatable).
    #[arg(long, value_name = "ABBR=OFFSET")]
    pub abbrev: Vec<String>,
    #[command(flatten)]
    pub grammars: GrammarDirArg,
    /// Read files of at least twice this many bytes in parallel chunks (testing aid).
    #[arg(long, hide = true, value_name = "BYTES")]
    pub chunk_bytes: Option<u64>,
    /// Let a thread cut another's file down to this many bytes, and read
    /// this many at a time (testing aid).
    #[arg(long, hide = true, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub share_bytes: Option<u64>,
}

/// How the merged timeline is presented.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Reading time")]
pub struct ReportArgs {
    /// Zone the output is written in (default: the manifest's report_zone, else UTC).
    #[arg(long, value_name = "TZ")]
    pub report_zone: Option<String>,
    /// Move the events of a source whose clock is found skewed (clock-skew).
    #[arg(long)]
    pub correct_skew: bool,
}

/// How outage windows are built and which are kept.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Windows")]
pub struct WindowArgs {
    /// An onset within this many seconds of a window's latest onset joins it (default 300).
    #[arg(long, value_name = "SECONDS")]
    pub merge_gap: Option<i64>,
    /// A subject failing this long before a window is background there; nothing joins a window this long after its first onset (default 3600).
    #[arg(long, value_name = "SECONDS")]
    pub background_after: Option<i64>,
    /// Only windows of subjects matching GLOB (repeatable; adds to the manifest's [incident] subjects).
    #[arg(long = "subject", value_name = "GLOB")]
    pub subjects: Vec<String>,
    /// Only windows of subjects on hosts matching GLOB (repeatable; adds to [incident] hosts).
    #[arg(long = "host", value_name = "GLOB")]
    pub hosts: Vec<String>,
}

/// Where output goes and how it looks.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Write output to FILE (atomically: temp file + rename).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print nothing to stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// Colour in terminal output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// What a command reads: a bundle, or the events files `rfo extract` wrote.
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// Bundle directory (with or without bundle.toml), archive (.tar, .tar.gz, .tgz) or single log file.
    #[arg(required_unless_present = "events", conflicts_with = "events")]
    pub bundle: Option<PathBuf>,
    /// Read the events files `rfo extract` wrote into these directories instead of a bundle.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub events: Vec<PathBuf>,
}

/// `rfo extract`: parse sources into events files.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Bundle directory, archive or single log file (several: each read as its own bundle).
    #[arg(required = true)]
    pub bundle: Vec<PathBuf>,
    /// Directory to write the events files to (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Only part K of N: the bundle's bytes cut into N equal runs (plain log files at line starts).
    #[arg(long, value_name = "K/N")]
    pub part: Option<crate::extract::Part>,
    /// Keep every timed line with its text, as `rfo timeline --events` needs (larger files).
    #[arg(long)]
    pub all: bool,
    /// Print nothing to stderr but errors.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// The incident's header fields, over the manifest's `[incident]`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Incident")]
pub struct IncidentArgs {
    /// Incident title (default: bundle.toml [incident] title).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Ticket or incident number (default: bundle.toml [incident] ticket).
    #[arg(long, value_name = "ID")]
    pub ticket: Option<String>,
    /// Affected service (default: bundle.toml [incident] service).
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
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
    /// Draft the RFO (Markdown or HTML), or the analysis JSON.
    Analyze(AnalyzeArgs),
    /// The merged, normalised timeline with per-event time provenance.
    Timeline(TimelineArgs),
    /// Outage windows, ranked, with their metrics.
    Windows(WindowsArgs),
    /// Parse logs where they are into events files (Parquet + JSON) for `--events` (docs/events.md).
    Extract(ExtractArgs),
    /// Per-line parse results of a file (or every file of a directory), and a summary.
    Parse(ParseArgs),
    /// Review a (human-edited) RFO against the evidence of a bundle.
    Lint(LintArgs),
    /// Seal a reviewed report to its evidence (schema rfo.seal/1; docs/seal.md).
    Seal(SealArgs),
    /// Check a seal: exit 0 when the report and the evidence are as sealed, 1 when not.
    Verify(VerifyArgs),
    /// Re-run every fixture under DIR and diff against its expected/ outputs.
    Check(CheckArgs),
    /// List grammars, or run their embedded samples.
    Grammars {
        #[command(subcommand)]
        command: GrammarsCommand,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `rfo man > rfo.1`.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnalyzeFormat {
    /// The RFO draft in Markdown.
    Md,
    /// The analysis JSON (schema rfo.analysis/1; docs/analysis-json.md).
    Json,
    /// An HTML report with an SVG timeline chart of the window.
    Html,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo analyze fixtures/servercentral-2017-02-22
  rfo analyze BUNDLE --format html -o report.html
  rfo analyze BUNDLE --window 2 --ticket INC-1234
  rfo analyze BUNDLE --template templates/postmortem.md.hbs")]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// What to write.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Md)]
    pub format: AnalyzeFormat,
    /// Render with this handlebars template instead of the default (fields: docs/analysis-json.md).
    #[arg(long, value_name = "FILE.hbs")]
    pub template: Option<PathBuf>,
    /// Stamp the output with this time (never the wall clock by default).
    #[arg(long, value_name = "TIME")]
    pub generated_at: Option<String>,
    /// Write the report about window N (default: the highest-ranked).
    #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"])]
    pub window: Option<u32>,
    /// Report on the longest window overlapping the range from this RFC 3339 time.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Report on the longest window overlapping the range up to this RFC 3339 time.
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    #[command(flatten)]
    pub incident: IncidentArgs,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub windows: WindowArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// One line per event, in the report zone.
    Text,
    /// JSON Lines: one object per event (Timesketch columns).
    Jsonl,
    /// The same as jsonl (kept for scripts written before jsonl).
    Json,
    /// CSV with a header (Timesketch columns).
    Csv,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo timeline BUNDLE --from 2017-02-23T03:50:00Z --to 2017-02-23T04:40:00Z
  rfo timeline BUNDLE --report-zone America/Chicago
  rfo timeline BUNDLE --format jsonl > timeline.jsonl")]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only events at or after this RFC 3339 time.
    #[arg(long, value_name = "T")]
    pub from: Option<String>,
    /// Only events at or before this RFC 3339 time.
    #[arg(long, value_name = "T")]
    pub to: Option<String>,
    /// What to write.
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub format: TimelineFormat,
    #[command(flatten)]
    pub redact: RedactArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextJson {
    /// For a person.
    Text,
    /// For a program.
    Json,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo windows BUNDLE
  rfo windows BUNDLE --subject 'web*' --report-zone America/Chicago
  rfo windows BUNDLE --format json")]
pub struct WindowsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// What to write.
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub windows: WindowArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo parse core-switch.log --year 2017
  rfo parse logs/ --format json
  rfo parse app.log --grammar syslog-rfc3164")]
pub struct ParseArgs {
    /// A log file, or a directory whose every file is parsed.
    pub file: PathBuf,
    /// Grammar to use (default: auto-detect; names: rfo grammars list).
    #[arg(long)]
    pub grammar: Option<String>,
    /// What to write.
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo lint edited-rfo.md --bundle fixtures/servercentral-2017-02-22
  rfo lint postmortem.md --bundle BUNDLE --form any --format json")]
pub struct LintArgs {
    /// The RFO to review (Markdown).
    pub report: PathBuf,
    /// The bundle holding the evidence.
    #[arg(long)]
    pub bundle: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Allowed difference between a stated time and the evidence, in seconds.
    #[arg(long, default_value_t = crate::lint::TOLERANCE_S, value_name = "SECONDS")]
    pub tolerance: i64,
    /// Hold the report to a layout: `rfo` requires the RFO header fields;
    /// `any` (the default) requires none unless the report starts with them.
    #[arg(long, value_parser = ["rfo", "any"], value_name = "FORM")]
    pub form: Option<String>,
    /// Also flag identifiers a report meant for customers must not carry:
    /// IP, MAC and e-mail addresses, the evidence's users and hosts not in
    /// bundle.toml [redact] public (public-identifier).
    #[arg(long)]
    pub public: bool,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report_opts: ReportArgs,
    #[command(flatten)]
    pub windows: WindowArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `--redact`, `--redact-map FILE`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Redaction")]
pub struct RedactArgs {
    /// Replace IP, MAC and e-mail addresses, users and hosts not in bundle.toml [redact] public with pseudonyms (host-1, user-2, ip-3).
    #[arg(long)]
    pub redact: bool,
    /// Write the pseudonym → original mapping to FILE (internal follow-up only).
    #[arg(long, value_name = "FILE", requires = "redact")]
    pub redact_map: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo seal rfo.md --bundle BUNDLE --by \"J. Doe, Compliance\" --at 2017-03-01T12:00:00Z -o rfo.md.seal.json
  rfo seal rfo.md --bundle BUNDLE --by jdoe --accept-findings --note \"label error kept as published\" -o rfo.md.seal.json
  minisign -Sm rfo.md.seal.json                                  sign the seal (docs/seal.md)")]
pub struct SealArgs {
    /// The reviewed report.
    pub report: PathBuf,
    /// The bundle holding the evidence.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Who seals it (name, role).
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// A note kept in the seal.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// The sealing time (RFC 3339); without it the clock is read and the seal says so.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Seal although lint finds errors; the findings are listed in the seal.
    #[arg(long)]
    pub accept_findings: bool,
    /// Allowed difference between a stated time and the evidence, in seconds (as lint).
    #[arg(long, default_value_t = crate::lint::TOLERANCE_S, value_name = "SECONDS")]
    pub tolerance: i64,
    /// Hold the report to a layout, as lint.
    #[arg(long, value_parser = ["rfo", "any"], value_name = "FORM")]
    pub form: Option<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report_opts: ReportArgs,
    #[command(flatten)]
    pub windows: WindowArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo verify rfo.md.seal.json
  rfo verify rfo.md.seal.json --bundle /cases/INC-1234/bundle.tgz --report rfo.md
  minisign -Vm rfo.md.seal.json && rfo verify rfo.md.seal.json")]
pub struct VerifyArgs {
    /// The seal (rfo.seal/1).
    pub seal: PathBuf,
    /// The bundle, when it moved (default: the seal's bundle.path, from the seal's directory).
    #[arg(long)]
    pub bundle: Option<PathBuf>,
    /// The report, when it moved (default: the seal's report.path, from the seal's directory).
    #[arg(long)]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  rfo check fixtures
  rfo check fixtures --bless && git diff fixtures/")]
pub struct CheckArgs {
    /// A fixture directory, or a directory of fixtures.
    pub dir: PathBuf,
    /// Rewrite the expected files with fresh output (read the diff first).
    #[arg(long)]
    pub bless: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum GrammarsCommand {
    /// List the grammars.
    List {
        #[command(flatten)]
        grammars: GrammarDirArg,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Run every grammar's embedded samples (and those of FILEs).
    Check {
        /// Grammar files (*.toml) to check besides the built-in and --grammars ones.
        files: Vec<PathBuf>,
        #[command(flatten)]
        grammars: GrammarDirArg,
        #[command(flatten)]
        output: OutputArgs,
    },
}
