//! The matcher's greedy pass answers as the backtracking search does on
//! real logs: every line of every fixture and of the corpora, against every
//! pattern of every built-in line grammar — the same fields, the same
//! stamp, and for a line that does not match, the same column. A grammar
//! that reads its patterns' shared beginnings once answers as trying each
//! pattern in turn does. The compiled greedy pass of every built-in
//! pattern is in every respect the interpreter's.

mod common;

use rfo::grammar::matcher::TIME_FIELDS;
use rfo::grammar::matcher::{greedy_trace, run, search_only, NoMatch, Program};
use rfo::grammar::registry::Registry;
use rfo::grammar::{Form, Grammar, NamedPattern, Reading};
use std::path::{Path, PathBuf};

/// Call `f` with (file, line number, line, grammar, its patterns) for
/// every line of every file under `dirs` and every built-in line grammar.
fn each_line(dirs: &[PathBuf], mut f: impl FnMut(&Path, usize, &str, &Grammar, &[NamedPattern])) {
    let reg = Registry::builtin().unwrap();
    let mut paths = Vec::new();
    for d in dirs {
        paths.extend(common::files_under(d));
    }
    for path in &paths {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (k, line) in text.lines().enumerate() {
            for g in reg.all() {
                if let Form::Lines(pats) = &g.form {
                    f(path, k + 1, line, g, pats);
                }
            }
        }
    }
}

/// (lines compared, lines some pattern matched)
fn agree_on(dirs: &[PathBuf]) -> (usize, usize) {
    let (mut compared, mut matched) = (0, 0);
    each_line(dirs, |path, n, line, g, pats| {
        for p in pats {
            compared += 1;
            let at = || format!("{}:{n} {}/{}", path.display(), g.name, p.name);
            match (run(&p.program, line), search_only(&p.program, line)) {
                (Ok(f), Ok(s)) => {
                    matched += 1;
                    assert_eq!((&f.fields, f.stamp), (&s.fields, s.stamp), "{}", at());
                }
                (Err(f), Err(s)) => assert_eq!(f, s, "{}: column", at()),
                (f, s) => panic!("{}: greedy {:?}, search {:?}", at(), f.is_ok(), s.is_ok()),
            }
        }
    });
    (compared, matched)
}

/// A grammar reads a line as trying each pattern in turn with `run` does:
/// the same pattern, fields and stamp, or the same column.
/// (lines compared, lines read)
fn shared_beginnings_agree_on(dirs: &[PathBuf]) -> (usize, usize) {
    let (mut compared, mut read) = (0, 0);
    each_line(dirs, |path, n, line, g, pats| {
        compared += 1;
        let mut expect = Err(NoMatch { offset: 0 });
        for p in pats {
            match run(&p.program, line) {
                Ok(c) => {
                    expect = Ok((p.name.as_str(), c.fields, c.stamp));
                    break;
                }
                Err(e) => {
                    let before = expect.as_ref().err().map_or(0, |f: &NoMatch| f.offset);
                    expect = Err(NoMatch {
                        offset: before.max(e.offset),
                    });
                }
            }
        }
        let got = g
            .parse_line(line, 1)
            .map(|r| (r.pattern, r.fields, r.stamp));
        read += usize::from(got.is_ok());
        assert_eq!(got, expect, "{}:{n} {}", path.display(), g.name);
    });
    (compared, read)
}

#[test]
fn shared_beginnings_agree_on_fixtures_and_corpora() {
    let fixtures = shared_beginnings_agree_on(&[common::root().join("fixtures")]);
    assert!(fixtures.1 > 1_000, "{fixtures:?}");
    let (compared, read) = shared_beginnings_agree_on(&[corpora!()]);
    eprintln!("corpora: {compared} line-grammar pairs, {read} read");
    assert!(read > 20_000, "{read} of {compared}");
    // Nagios' patterns all begin `[{|{ts:epoch}|{ts:ctime}}] `: the test
    // exercises shared beginnings.
    let reg = Registry::builtin().unwrap();
    let nagios = reg.get("nagios").unwrap().shared_steps();
    assert!(nagios.iter().all(|&k| k >= 4), "{nagios:?}");
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

/// (line-pattern pairs compared, of them matched by the greedy pass)
fn compiled_agrees_on(dirs: &[PathBuf]) -> (usize, usize) {
    let (mut compared, mut matched) = (0, 0);
    let mut interpreted = std::collections::HashMap::new();
    each_line(dirs, |path, n, line, g, pats| {
        let shared = g.shared_steps();
        for (p, &k) in pats.iter().zip(&shared) {
            let slow = interpreted
                .entry((g.name.clone(), p.name.clone()))
                .or_insert_with(|| Program::interpreted(p.program.nodes().to_vec()));
            let len = p.program.step_count();
            // The whole pass, and split where `run_first` splits it; with
            // every capture kept, and with those that place the time.
            for (split, reading) in [len, k]
                .into_iter()
                .flat_map(|s| [(s, Reading::Whole), (s, Reading::Time)])
            {
                let fast = greedy_trace(&p.program, line, split, reading);
                let want = greedy_trace(slow, line, split, reading);
                assert_eq!(
                    fast,
                    want,
                    "{}:{n} {}/{} split {split} {reading:?}",
                    path.display(),
                    g.name,
                    p.name
                );
                compared += 1;
                matched += usize::from(fast.starts_with("Some") && !fast.contains("| None"));
            }
        }
    });
    (compared, matched)
}

#[test]
fn every_builtin_pattern_is_compiled() {
    let reg = Registry::builtin().unwrap();
    let mut n = 0;
    for g in reg.all() {
        if let Form::Lines(pats) = &g.form {
            for (p, k) in pats.iter().zip(g.shared_steps()) {
                assert!(
                    p.program.is_compiled(),
                    "{}/{}: not compiled (RFO_BLESS=1 cargo test --lib compiled_code_is_current)",
                    g.name,
                    p.name
                );
                // Compiled where `run_first` splits it, so both parts run as code.
                assert_eq!(p.program.compiled_split(), Some(k), "{}/{}", g.name, p.name);
                assert!(!Program::interpreted(p.program.nodes().to_vec()).is_compiled());
                n += 1;
            }
        }
    }
    assert_eq!(n, 41, "built-in line patterns");
}

#[test]
fn compiled_agrees_with_the_interpreter_on_fixtures() {
    let (compared, matched) = compiled_agrees_on(&[common::root().join("fixtures")]);
    assert!(matched > 2_000, "{matched} of {compared}");
}

#[test]
fn compiled_agrees_with_the_interpreter_on_the_corpora() {
    let corpora = corpora!();
    let (compared, matched) = compiled_agrees_on(&[corpora]);
    eprintln!("corpora: {compared} passes compared, {matched} read to the end");
    assert!(matched > 60_000, "{matched} of {compared}");
}

/// A line read for its time alone (`Reading::Time`, what `analyze` does
/// with a line no rule can classify) matches or fails as when read whole,
/// at the same column, with the same pattern, stamp, label and receive
/// time, and keeps no field but those (all of them in a grammar that
/// counts requests). (lines compared, lines read)
fn time_reading_agrees_on(dirs: &[PathBuf]) -> (usize, usize) {
    let (mut compared, mut read) = (0, 0);
    each_line(dirs, |path, n, line, g, _| {
        compared += 1;
        let at = || format!("{}:{n} {}", path.display(), g.name);
        let whole = g.parse_line_in(line, 1, Vec::new(), Reading::Whole);
        let time = g.parse_line_in(line, 1, Vec::new(), Reading::Time);
        match (whole, time) {
            (Ok(w), Ok(t)) => {
                read += 1;
                assert_eq!((w.pattern, w.stamp), (t.pattern, t.stamp), "{}", at());
                assert_eq!(g.label(&w), g.label(&t), "{}", at());
                assert_eq!(g.received(&w), g.received(&t), "{}", at());
                // A grammar that counts requests reads every line whole.
                let timed: Vec<_> = w
                    .fields
                    .iter()
                    .filter(|(k, _)| g.requests.is_some() || TIME_FIELDS.contains(k))
                    .collect();
                assert_eq!(timed, t.fields.iter().collect::<Vec<_>>(), "{}", at());
            }
            (Err(w), Err(t)) => assert_eq!(w, t, "{}: column", at()),
            (w, t) => panic!("{}: whole {:?}, time {:?}", at(), w.is_ok(), t.is_ok()),
        }
    });
    (compared, read)
}

#[test]
fn a_line_read_for_its_time_reads_as_a_whole_one_on_fixtures() {
    let (compared, read) = time_reading_agrees_on(&[common::root().join("fixtures")]);
    assert!(read > 1_000, "{read} of {compared}");
}

#[test]
fn a_line_read_for_its_time_reads_as_a_whole_one_on_the_corpora() {
    let (compared, read) = time_reading_agrees_on(&[corpora!()]);
    eprintln!("corpora: {compared} line-grammar pairs, {read} read");
    assert!(read > 20_000, "{read} of {compared}");
}
