//! `analysis.json` (`rfo analyze --format json`): the analysis as it is,
//! for tools and templates. Its fields are documented in
//! `docs/analysis-json.md`.

use crate::analysis::Analysis;

/// The analysis JSON, pretty-printed, with a final newline.
pub fn render(analysis: &Analysis) -> String {
    let mut s = serde_json::to_string_pretty(analysis).expect("analysis serialises");
    s.push('\n');
    s
}
