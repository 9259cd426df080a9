//! `rfo extract`: parse each bundle (or one part of it) into events files.
//! Orchestration only; the work is `extract`'s.

use super::{warn_diagnostics, Exit};
use crate::cli::{Common, ExtractArgs};
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::pipeline;

pub fn run(a: &ExtractArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let keep = if a.all { Keep::All } else { Keep::Significant };
    let mut n = 0;
    for path in &a.bundle {
        n += crate::extract::extract(path, &reg, opts, keep, a.part, &a.out)?.len();
    }
    if !common.quiet {
        eprintln!(
            "rfo: {} written to {}",
            crate::human::count_as(n as u64, "source (or stretch)", "sources (or stretches)"),
            a.out.display()
        );
    }
    Ok(Exit::Ok)
}
