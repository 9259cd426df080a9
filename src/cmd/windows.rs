//! `rfo windows`: outage windows with their metrics. Orchestration only;
//! the JSON and text are rendered by `report::windows`.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{Common, TextJson, WindowsArgs};
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::pipeline;
use crate::report;

pub fn run(a: &WindowsArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load_input(&a.input, &reg, opts, Keep::Significant)?;
    let analysis = pipeline::analyze(&loaded, opts, None)?;
    drop(loaded);
    match a.format {
        TextJson::Json => {
            super::emit_with(common, &mut |w| report::windows::write_json(w, &analysis))?
        }
        TextJson::Text => emit(
            common,
            &report::escape::terminal_text(&report::windows::text(&analysis)?),
        )?,
    }
    Ok(Exit::Ok)
}
