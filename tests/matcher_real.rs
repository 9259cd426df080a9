//! The matcher's greedy pass answers as the backtracking search does on
//! real logs: every line of every fixture and of the corpora, against every
//! pattern of every built-in line grammar — the same fields, the same
//! stamp, and for a line that does not match, the same column.

mod common;

use rfo::grammar::matcher::{run, search_only};
use rfo::grammar::registry::Registry;
use rfo::grammar::Form;
use std::path::PathBuf;

/// (lines compared, lines some pattern matched)
fn agree_on(dirs: &[PathBuf]) -> (usize, usize) {
    let reg = Registry::builtin().unwrap();
    let mut paths = Vec::new();
    for d in dirs {
        paths.extend(common::files_under(d));
    }
    let (mut compared, mut matched) = (0, 0);
    for path in &paths {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (k, line) in text.lines().enumerate() {
            for g in reg.all() {
                let Form::Lines(pats) = &g.form else {
                    continue;
                };
                for p in pats {
                    compared += 1;
                    let fast = run(&p.program, line);
                    let slow = search_only(&p.program, line);
                    match (fast, slow) {
                        (Ok(f), Ok(s)) => {
                            matched += 1;
                            assert_eq!(
                                (&f.fields, f.stamp),
                                (&s.fields, s.stamp),
                                "{}:{} {}/{}",
                                path.display(),
                                k + 1,
                                g.name,
                                p.name
                            );
                        }
                        (Err(f), Err(s)) => assert_eq!(
                            f,
                            s,
                            "{}:{} {}/{}: column",
                            path.display(),
                            k + 1,
                            g.name,
                            p.name
                        ),
                        (f, s) => panic!(
                            "{}:{} {}/{}: greedy {:?}, search {:?}",
                            path.display(),
                            k + 1,
                            g.name,
                            p.name,
                            f.is_ok(),
                            s.is_ok()
                        ),
                    }
                }
            }
        }
    }
    (compared, matched)
}

#[test]
fn greedy_agrees_with_search_on_fixtures() {
    let (compared, matched) = agree_on(&[common::root().join("fixtures")]);
    assert!(matched > 1_000, "{matched} of {compared}");
}

#[test]
fn greedy_agrees_with_search_on_the_corpora() {
    let corpora = corpora!();
    let (compared, matched) = agree_on(&[corpora]);
    eprintln!("corpora: {compared} line-pattern pairs, {matched} matched");
    assert!(matched > 40_000, "{matched} of {compared}");
}
