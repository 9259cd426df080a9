//! `rfo grammars list|check`. Orchestration only; `report::grammars`
//! renders.

use super::{emit, Exit};
use crate::cli::{Common, GrammarsCommand};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::grammar::registry::load_str;
use crate::grammar::samples;
use crate::pipeline;
use crate::report;

pub fn run(cmd: GrammarsCommand, opts: &Options, common: &Common) -> Result<Exit> {
    let (mut reg, diags) = pipeline::registry_with_samples(opts)?;
    match cmd {
        GrammarsCommand::List { .. } => {
            super::warn_diagnostics(common, &diags);
            emit(common, &report::grammars::list(&reg))?;
            Ok(Exit::Ok)
        }
        GrammarsCommand::Check { files, .. } => {
            let mut errors = diags;
            for f in &files {
                let src = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
                let shown = f.display().to_string();
                match load_str(&src, &shown, &shown) {
                    Ok(g) => reg.add(g),
                    Err(d) => errors.push(d),
                }
            }
            let failures: Vec<samples::SampleFailure> =
                reg.all().into_iter().flat_map(samples::check).collect();
            let total = reg.all().iter().map(|g| g.samples.len()).sum();
            emit(
                common,
                &report::grammars::check(&errors, &failures, reg.all().len(), total),
            )?;
            Ok(if errors.is_empty() && failures.is_empty() {
                Exit::Ok
            } else {
                Exit::Findings
            })
        }
    }
}
