//! `rfo check DIR [--bless]`: re-run every fixture and diff against its
//! `expected/`. Exit 1 on any difference, 2 when a fixture cannot be read.
//! Orchestration only; `golden` checks, `report::check` renders.

use super::{emit, Exit};
use crate::cli::{CheckArgs, Common};
use crate::error::{Error, Result};
use crate::golden;
use crate::report;

pub fn run(a: &CheckArgs, common: &Common) -> Result<Exit> {
    let fixtures = golden::discover(&a.dir)?;
    if fixtures.is_empty() {
        return Err(Error::input(
            &a.dir,
            "no fixtures here (a fixture is a directory with a bundle and an expected/ directory)",
        ));
    }
    let results: Vec<golden::FixtureResult> = fixtures
        .iter()
        .map(|dir| golden::check(dir, a.bless))
        .collect();
    emit(
        common,
        &report::check::text(&results, super::colour(common)),
    )?;
    Ok(if results.iter().any(|r| r.files.is_err()) {
        Exit::Unreadable
    } else if results.iter().any(|r| !r.passed()) {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
