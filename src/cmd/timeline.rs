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
    if a.redact.redact {
        let mut r = super::redact::redactor_of(&loaded);
        let mut events = (*loaded.timeline).clone();
        events.iter_mut().for_each(|e| r.event(e));
        emit_with(common, &mut |w| {
            report::timeline::write(w, &events, a.format, zone, from, to)
        })?;
        super::redact::write_map(&a.redact, &r)?;
        return Ok(Exit::Ok);
    }
    emit_with(common, &mut |w| {
        report::timeline::write(w, &loaded.timeline, a.format, zone, from, to)
    })?;
    Ok(Exit::Ok)
}
