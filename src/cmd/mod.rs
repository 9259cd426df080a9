//! One file per subcommand: orchestration only (read the flags, call the
//! pipeline, call the output's renderer in `report`, emit). `run` resolves
//! the raw flags once into `Options` (`config`) and returns the exit code.
//!
//! Nothing outside the binary's edge imports `cmd`: renderers live in
//! `report` and flag resolution in `config`, so that `golden` (and the
//! tests) produce every output exactly as the commands do without calling
//! a command.

pub mod analyze;
pub mod check;
pub mod extract;
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
    let mut opts = Options::resolve(&common)?;
    if let Command::Analyze(a) = &cli.command {
        opts.range = time_range(&a.from, &a.to)?;
    }
    match cli.command {
        Command::Analyze(a) => analyze::run(&a, &opts, &common),
        Command::Timeline(a) => timeline::run(&a, &opts, &common),
        Command::Windows(a) => windows::run(&a, &opts, &common),
        Command::Extract(a) => extract::run(&a, &opts, &common),
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

/// Write `text` to `-o FILE` atomically, or to stdout.
pub fn emit(common: &Common, text: &str) -> Result<()> {
    emit_with(common, &mut |w| w.write_all(text.as_bytes()))
}

/// Stream output written by `write` to `-o FILE` (atomically) or stdout,
/// buffered: for outputs as long as the evidence, which are never held
/// whole in memory.
pub fn emit_with(
    common: &Common,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match &common.output {
        Some(path) => write_atomic_with(path, write),
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            write(&mut out)
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
    write_atomic_with(path, &mut |w| w.write_all(bytes))
}

/// `write_atomic` for output written piece by piece.
pub fn write_atomic_with(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_file() => replace(path, write, Some(m.permissions())),
        Ok(_) => std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .and_then(|f| {
                let mut out = std::io::BufWriter::new(f);
                write(&mut out).and_then(|_| out.flush())
            })
            .map_err(|e| Error::io(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => replace(path, write, None),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn replace(
    path: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    perms: Option<std::fs::Permissions>,
) -> Result<()> {
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
    let (tmp, file) = loop {
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
    let mut out = std::io::BufWriter::new(file);
    let done = write(&mut out)
        .and_then(|_| out.into_inner().map_err(|e| e.into_error()))
        .and_then(|file| file.sync_all())
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
