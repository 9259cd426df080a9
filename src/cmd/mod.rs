//! One file per subcommand: orchestration only. `run` resolves the raw
//! flags once into `Options` and returns the exit code.

pub mod analyze;
pub mod check;
pub mod grammars;
pub mod lint;
pub mod parse;
pub mod redact;
pub mod seal;
pub mod timeline;
pub mod verify;
pub mod windows;

use crate::cli::{Cli, Command, Common};
use crate::config::Options;
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

/// Exit codes: 0 ok, 1 findings or diffs (lint, check, grammar samples), 2 usage or input errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Findings = 1,
    /// Input that could not be read, reported after the rest of the run.
    Unreadable = 2,
}

pub fn run(cli: Cli) -> Result<Exit> {
    let common = cli.common();
    let mut opts = options(&common)?;
    if let Command::Analyze(a) = &cli.command {
        opts.range = time_range(&a.from, &a.to)?;
    }
    match cli.command {
        Command::Analyze(a) => analyze::run(&a, &opts, &common),
        Command::Timeline(a) => timeline::run(&a, &opts, &common),
        Command::Windows(a) => windows::run(&a, &opts, &common),
        Command::Parse(a) => parse::run(&a, &opts, &common),
        Command::Grammars { command } => grammars::run(command, &opts, &common),
        Command::Seal(a) => seal::run(&a, &opts, &common),
        Command::Verify(a) => verify::run(&a, &common),
        Command::Check(a) => check::run(&a, &common),
        Command::Lint(a) => lint::run(&a, &opts, &common),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "rfo", &mut buf);
            emit(&common, &String::from_utf8_lossy(&buf))?;
            Ok(Exit::Ok)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(|e| Error::io("<man page>", e))?;
            emit(&common, &String::from_utf8_lossy(&buf))?;
            Ok(Exit::Ok)
        }
    }
}

/// Resolve the common flags into run options, checking zones and overrides.
pub fn options(c: &Common) -> Result<Options> {
    let zone = |z: &Option<String>, flag: &str| -> Result<Option<chrono_tz::Tz>> {
        z.as_deref()
            .map(|s| {
                s.parse()
                    .map_err(|_| Error::Usage(format!("{flag} {s:?}: unknown time zone (use an IANA name such as America/Chicago)")))
            })
            .transpose()
    };
    let mut abbrev = std::collections::HashMap::new();
    for a in &c.abbrev {
        let (label, off) = a.split_once('=').ok_or_else(|| {
            Error::Usage(format!(
                "--abbrev {a:?}: expected ABBR=OFFSET, e.g. CDT=-05:00"
            ))
        })?;
        let off = crate::time::abbrev::parse_offset(off).ok_or_else(|| {
            Error::Usage(format!(
                "--abbrev {a:?}: {off:?} is not an offset like -05:00"
            ))
        })?;
        abbrev.insert(label.trim().to_string(), off);
    }
    Ok(Options {
        zone: zone(&c.zone, "--zone")?,
        report_zone: zone(&c.report_zone, "--report-zone")?,
        year: year(c.year)?,
        abbrev,
        grammars: c.grammars.clone(),
        merge_gap_s: seconds("--merge-gap", c.merge_gap)?,
        background_after_s: seconds("--background-after", c.background_after)?,
        subjects: c.subjects.clone(),
        hosts: c.hosts.clone(),
        correct_skew: c.correct_skew,
        chunk_bytes: c.chunk_bytes,
        progress: !c.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        range: (None, None),
    })
}

/// `--year`: only years rfo places events in (a two-digit `17` is a typo,
/// not the year 17).
fn year(v: Option<i32>) -> Result<Option<i32>> {
    let years = crate::time::resolve::YEARS;
    match v {
        Some(y) if !years.contains(&y) => Err(Error::Usage(format!(
            "--year {y}: expected a full year from {} to {}, e.g. 2017",
            years.start(),
            years.end()
        ))),
        _ => Ok(v),
    }
}

/// A span of seconds from a flag: 0 to 30 days (a larger value would
/// overflow time arithmetic and means nothing for one incident).
fn seconds(flag: &str, v: Option<i64>) -> Result<Option<i64>> {
    const MAX: i64 = 30 * 86_400;
    match v {
        Some(s) if !(0..=MAX).contains(&s) => Err(Error::Usage(format!(
            "{flag} {s}: expected 0 to {MAX} seconds (30 days)"
        ))),
        _ => Ok(v),
    }
}

/// Write `text` to `-o FILE` atomically, or to stdout.
pub fn emit(common: &Common, text: &str) -> Result<()> {
    match &common.output {
        Some(path) => write_atomic(path, text.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| Error::io("<stdout>", e))
        }
    }
}

/// `-o FILE`: a regular file (or a new one) is replaced atomically — a
/// temporary file beside it, then a rename — keeping an existing file's
/// mode (a new file gets the usual 0666 minus umask); anything else (a
/// device, a FIFO, `/dev/stdout`, a symlink) is written through, never
/// replaced by a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => replace(path, bytes, Some(m.permissions())),
        Ok(_) => std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
            .map_err(|e| Error::io(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => replace(path, bytes, None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn replace(path: &Path, bytes: &[u8], perms: Option<std::fs::Permissions>) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no directory {}", dir.display()),
            ),
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut k = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.rfo-{}-{k}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && k < 100 => k += 1,
            Err(e) => return Err(Error::io(path, e)),
        }
    };
    let done = file
        .write_all(bytes)
        .and_then(|_| file.sync_all())
        .and_then(|_| match perms {
            Some(p) => std::fs::set_permissions(&tmp, p),
            None => Ok(()),
        })
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Print diagnostics of broken user grammars to stderr (they do not stop the run).
pub fn warn_diagnostics(common: &Common, diags: &[crate::grammar::registry::Diagnostic]) {
    if common.quiet {
        return;
    }
    for d in diags {
        eprintln!("rfo: warning: grammar skipped: {d}");
    }
}

/// A range of instants, either end open.
pub type TimeRange = (
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
);

/// `--from`/`--to`, checked: an inverted range selects nothing and would
/// pass in silence.
pub fn time_range(from: &Option<String>, to: &Option<String>) -> Result<TimeRange> {
    let (f, t) = (parse_time("--from", from)?, parse_time("--to", to)?);
    if let (Some(a), Some(b)) = (f, t) {
        if a > b {
            return Err(Error::Usage(format!(
                "--from {} is later than --to {}",
                crate::time::rfc3339(&a),
                crate::time::rfc3339(&b)
            )));
        }
    }
    Ok((f, t))
}

/// An RFC 3339 time given on the command line.
pub fn parse_time(flag: &str, v: &Option<String>) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    v.as_deref()
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| {
                    Error::Usage(format!(
                        "{flag} {s:?}: not an RFC 3339 time with offset ({e})"
                    ))
                })
        })
        .transpose()
}

/// Whether to colour text for a terminal: `--color always|never`, else
/// only when stdout is a terminal and `NO_COLOR` is unset (no-color.org).
pub fn colour(common: &Common) -> bool {
    use std::io::IsTerminal;
    match common.color {
        crate::cli::Color::Always => true,
        crate::cli::Color::Never => false,
        crate::cli::Color::Auto => {
            common.output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// `text` in an ANSI colour (31 red, 33 yellow, 32 green) when `on`.
pub fn paint(on: bool, code: u8, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
