//! `rfo parse FILE`: what a grammar reads from each line, the lines it
//! could not read (with the column where matching stopped), and a summary.
//! Orchestration only; `ingest::inspect` reads, `report::parse` renders.

use super::{emit_with, warn_diagnostics, Exit};
use crate::bundle::Bundle;
use crate::cli::{Common, ParseArgs, TextJson};
use crate::config::Options;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::ingest::inspect;
use crate::ingest::plan;
use crate::pipeline;
use crate::report;

pub fn run(a: &ParseArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    if let Some(g) = &a.grammar {
        if reg.get(g).is_none() {
            return Err(Error::Usage(format!(
                "--grammar {g:?}: unknown grammar (known: {})",
                reg.names().join(", ")
            )));
        }
    }
    let bundle = Bundle::open(&a.file)?;
    let mut p = plan::plan(&bundle, &reg, opts)?;
    if p.sources.is_empty() {
        return Err(Error::input(&a.file, "no file to parse"));
    }
    let single = p.sources.len() == 1;
    let mut outs = Vec::new();
    let mut unknown = Vec::new();
    for mut sp in std::mem::take(&mut p.sources) {
        if let Some(g) = &a.grammar {
            sp.grammar = Some(g.clone());
        }
        let Some(g) = sp.grammar.as_deref().and_then(|g| reg.get(g)) else {
            if single {
                let why = sp.candidates.as_deref().unwrap_or("no candidate");
                return Err(Error::input(
                    &a.file,
                    format!("no grammar recognises this file ({why}); see `rfo grammars list` and name one with --grammar NAME"),
                ));
            }
            unknown.push(sp.file.rel.clone());
            continue;
        };
        let mine = |f: &&Finding| {
            f.message.starts_with(&format!("{}:", sp.file.rel))
                || f.evidence.as_ref().is_some_and(|e| *e.file == *sp.file.rel)
        };
        let planned: Vec<Finding> = p.findings.iter().filter(mine).cloned().collect();
        outs.push(inspect::parse_file(g, &sp, planned)?);
    }
    // Written as the records are read again: a log's are not held.
    emit_with(common, &mut |w| match (a.format, single) {
        (TextJson::Json, true) => report::parse::write_json_file(w, &outs[0]),
        (TextJson::Json, false) => report::parse::write_json_files(w, &outs, &p.findings),
        (TextJson::Text, true) => report::parse::write_text_file(w, &outs[0]),
        (TextJson::Text, false) => report::parse::write_text_files(w, &outs, &unknown),
    })
    .map_err(Error::carried)?;
    Ok(Exit::Ok)
}
