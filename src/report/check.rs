//! `rfo check` output: each fixture's diffs (or what `--bless` rewrote),
//! a verdict line per fixture, then the tally. It reads the results
//! `golden` produces and renders nothing `golden` calls, so the two do not
//! depend on each other's rendering.

use super::colour::paint;
use crate::golden::{FixtureResult, Status, EXPECTED};

/// The report of a `check` run over `results`, in fixture order.
pub fn text(results: &[FixtureResult], colour: bool) -> String {
    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    let mut out = String::new();
    for r in results {
        match &r.files {
            Err(e) => {
                broken += 1;
                out.push_str(&format!("ERROR {}: {e}\n", r.name));
            }
            Ok(files) => {
                for f in files {
                    match &f.status {
                        Status::Differs(d) => out.push_str(d),
                        Status::Blessed => out.push_str(&format!(
                            "blessed {}\n",
                            r.dir.join(EXPECTED).join(&f.name).display()
                        )),
                        Status::Same => {}
                    }
                }
                if r.passed() {
                    passed += 1;
                    out.push_str(&format!("{}    {}\n", paint(colour, 32, "ok"), r.name));
                } else {
                    failed += 1;
                    out.push_str(&format!("{}  {}\n", paint(colour, 31, "FAIL"), r.name));
                }
            }
        }
    }
    out.push_str(&format!(
        "{} fixtures: {passed} passed, {failed} failed{}\n",
        results.len(),
        if broken > 0 {
            format!(", {broken} unreadable")
        } else {
            String::new()
        }
    ));
    out
}
