//! `rfo analyze`: the RFO draft (Markdown) or the analysis JSON.

use super::{emit, warn_diagnostics, Exit};
use crate::cli::{AnalyzeArgs, AnalyzeFormat, Common};
use crate::config::{Keep, Options};
use crate::error::{Error, Result};
use crate::pipeline;
use crate::report::{self, Format};

pub fn run(a: &AnalyzeArgs, opts: &Options, common: &Common) -> Result<Exit> {
    let (reg, diags) = pipeline::registry(opts)?;
    warn_diagnostics(common, &diags);
    let loaded = pipeline::load(&a.bundle, &reg, opts, Keep::Significant)?;
    let analysis = pipeline::analyze(&loaded, opts, a.generated_at.clone());
    let text = match a.format {
        AnalyzeFormat::Json => {
            let mut s = serde_json::to_string_pretty(&analysis).expect("analysis serialises");
            s.push('\n');
            s
        }
        AnalyzeFormat::Md => {
            let (name, src) = match &a.template {
                Some(p) => (
                    p.display().to_string(),
                    std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
                ),
                None => (
                    "rfo.md.hbs".to_string(),
                    report::DEFAULT_MARKDOWN.to_string(),
                ),
            };
            report::render(&analysis, &src, &name, Format::Markdown)?
        }
    };
    emit(common, &text)?;
    Ok(Exit::Ok)
}
