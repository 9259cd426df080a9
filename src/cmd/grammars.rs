//! `rfo grammars list|check`.

use super::{emit, Exit};
use crate::cli::{Common, GrammarsCommand};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::grammar::registry::load_str;
use crate::grammar::samples;
use crate::pipeline;

pub fn run(cmd: GrammarsCommand, opts: &Options, common: &Common) -> Result<Exit> {
    let (mut reg, diags) = pipeline::registry(opts)?;
    match cmd {
        GrammarsCommand::List { .. } => {
            super::warn_diagnostics(common, &diags);
            let mut s = String::new();
            let w = reg.all().iter().map(|g| g.name.len()).max().unwrap_or(0);
            for g in reg.all() {
                s.push_str(&format!(
                    "{:<w$} {:<8} {:<10} {}\n",
                    g.name,
                    format!("{:?}", g.role).to_lowercase(),
                    g.origin,
                    g.description
                ));
            }
            emit(common, &s)?;
            Ok(Exit::Ok)
        }
        GrammarsCommand::Check { files, .. } => {
            let mut failed = diags.len();
            let mut s = String::new();
            for d in &diags {
                s.push_str(&format!("error: {d}\n"));
            }
            for f in &files {
                let src = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
                let shown = f.display().to_string();
                match load_str(&src, &shown, &shown) {
                    Ok(g) => reg.add(g),
                    Err(d) => {
                        failed += 1;
                        s.push_str(&format!("error: {d}\n"));
                    }
                }
            }
            let mut total = 0;
            for g in reg.all() {
                total += g.samples.len();
                for f in samples::check(g) {
                    failed += 1;
                    s.push_str(&format!(
                        "FAIL {} sample {}: {}\n",
                        f.grammar, f.sample, f.message
                    ));
                }
            }
            s.push_str(&format!(
                "{}, {}: {}\n",
                crate::human::count(reg.all().len() as u64, "grammar"),
                crate::human::count(total as u64, "sample"),
                if failed == 0 {
                    "all pass".to_string()
                } else {
                    crate::human::count(failed as u64, "failure")
                }
            ));
            emit(common, &s)?;
            Ok(if failed == 0 {
                Exit::Ok
            } else {
                Exit::Findings
            })
        }
    }
}
