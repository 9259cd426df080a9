//! `--redact` for `analyze` and `timeline`: a redactor for the bundle
//! (`redact::Redactor`, numbered in its timeline's order) and
//! `--redact-map FILE`, written only when asked for.

use super::write_atomic;
use crate::cli::RedactArgs;
use crate::config::{Keep, Options};
use crate::error::Result;
use crate::grammar::registry::Registry;
use crate::pipeline::{self, Loaded};
use crate::redact::Redactor;
use std::path::Path;

/// The redactor of the bundle at `path` (loaded again with every line,
/// so the hosts of info lines count too).
pub fn redactor(path: &Path, reg: &Registry, opts: &Options) -> Result<Redactor> {
    let all = pipeline::load(path, reg, opts, Keep::All)?;
    redactor_of(&all)
}

/// The redactor of a bundle already loaded with `Keep::All`.
pub fn redactor_of(all: &Loaded) -> Result<Redactor> {
    Redactor::for_bundle(all)
}

/// Write the mapping when `--redact-map FILE` asks for it.
pub fn write_map(args: &RedactArgs, r: &Redactor) -> Result<()> {
    match &args.redact_map {
        Some(p) => write_atomic(p, r.map_json().as_bytes()),
        None => Ok(()),
    }
}
