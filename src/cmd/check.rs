//! `rfo check DIR [--bless]`: re-run every fixture and diff against its
//! `expected/`. Exit 1 on any difference, 2 when a fixture cannot be read.

use super::{emit, Exit};
use crate::cli::{CheckArgs, Common};
use crate::error::{Error, Result};
use crate::golden::{self, Status};

pub fn run(a: &CheckArgs, common: &Common) -> Result<Exit> {
    let fixtures = golden::discover(&a.dir)?;
    if fixtures.is_empty() {
        return Err(Error::input(
            &a.dir,
            "no fixtures here (a fixture is a directory with a bundle and an expected/ directory)",
        ));
    }
    let (mut passed, mut failed, mut broken) = (0, 0, 0);
    let colour = super::colour(common);
    let mut out = String::new();
    for dir in &fixtures {
        let r = golden::check(dir, a.bless);
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
                            r.dir.join(golden::EXPECTED).join(&f.name).display()
                        )),
                        Status::Same => {}
                    }
                }
                if r.passed() {
                    passed += 1;
                    out.push_str(&format!(
                        "{}    {}\n",
                        super::paint(colour, 32, "ok"),
                        r.name
                    ));
                } else {
                    failed += 1;
                    out.push_str(&format!(
                        "{}  {}\n",
                        super::paint(colour, 31, "FAIL"),
                        r.name
                    ));
                }
            }
        }
    }
    out.push_str(&format!(
        "{} fixtures: {passed} passed, {failed} failed{}\n",
        fixtures.len(),
        if broken > 0 {
            format!(", {broken} unreadable")
        } else {
            String::new()
        }
    ));
    emit(common, &out)?;
    Ok(if broken > 0 {
        Exit::Unreadable
    } else if failed > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
