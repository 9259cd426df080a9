//! `analysis.json` (`rfo analyze --format json`): the analysis as it is,
//! for tools and templates. Its fields are documented in
//! `docs/analysis-json.md`.

use crate::analysis::Analysis;

/// The analysis JSON, pretty-printed, with a final newline.
pub fn render(analysis: &Analysis) -> String {
    let mut out = Vec::new();
    write(&mut out, analysis).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The same, written into `out` as it is serialised.
pub fn write(out: &mut dyn std::io::Write, analysis: &Analysis) -> std::io::Result<()> {
    super::write_json_pretty(out, analysis)
}
