//! `rfo timeline`: every timed event in UTC order with its time provenance.
//! Orchestration only; the text, JSON Lines and CSV are rendered by
//! `report::timeline`.

use super::{emit_with, warn_diagnostics, Exit};
use crate::cli::{Common, TimelineArgs};
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::pipeline;
use crate::report;

pub fn run(a: &TimelineArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (from, to) = super::time_range(&a.from, &a.to)?;
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load_input(&a.input, &reg, opts, Keep::All)?;
    let zone = pipeline::report_zone(&loaded, opts)?;
    let mut lines = loaded.lines()?;
    let mut redactor = match a.redact.redact {
        true => Some(super::redact::redactor_of(&loaded)?),
        false => None,
    };
    emit_with(common, &mut |w| {
        report::timeline::write(
            w,
            &loaded.timeline,
            &mut lines,
            redactor.as_mut(),
            a.format,
            zone,
            from,
            to,
        )
    })
    .map_err(crate::error::Error::carried)?;
    if let Some(r) = &redactor {
        super::redact::write_map(&a.redact, r)?;
    }
    Ok(Exit::Ok)
}
