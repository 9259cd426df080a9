//! The keyword prefilter (`grammar::keywords`) never changes a
//! classification: on every line of every fixture and of the real corpora,
//! read by every line grammar that accepts it, classifying through the
//! prefilter gives what the rules alone give.

mod common;

use rfo::grammar::registry::Registry;
use rfo::grammar::{Form, Grammar};
use std::path::Path;

#[derive(Default)]
struct Tally {
    lines: usize,
    /// Lines a rule classified (so the comparison is not only of `info`).
    classified: usize,
    /// Lines the prefilter settled without the rules.
    skipped: usize,
}

fn compare(grammars: &[&Grammar], path: &Path, t: &mut Tally) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    for (k, line) in text.lines().enumerate() {
        for g in grammars {
            let Ok(rec) = g.parse_line(line, k as u64 + 1) else {
                continue;
            };
            t.lines += 1;
            let full = g.classifier.classify(&rec, Some("h"));
            let via = g.classify(&rec, Some("h"), Some(line));
            assert_eq!(
                via,
                full,
                "{} line {} by {}: {line:?}",
                path.display(),
                k + 1,
                g.name
            );
            if full.kind != rfo::event::Kind::Info || full.signal.is_some() {
                t.classified += 1;
            }
            if !g.could_classify(line) {
                t.skipped += 1;
            }
        }
    }
}

fn line_grammars(reg: &Registry) -> Vec<&Grammar> {
    reg.all()
        .into_iter()
        .filter(|g| matches!(g.form, Form::Lines(_)))
        .collect()
}

#[test]
fn prefilter_agrees_with_the_rules_on_fixtures() {
    let reg = Registry::builtin().unwrap();
    let gs = line_grammars(&reg);
    let mut paths = Vec::new();
    paths.extend(common::files_under(&common::root().join("fixtures")));
    let mut t = Tally::default();
    for p in &paths {
        compare(&gs, p, &mut t);
    }
    assert!(t.classified > 100, "only {} classified lines", t.classified);
    assert!(t.skipped > 1000, "only {} lines skipped", t.skipped);
}

#[test]
fn prefilter_agrees_with_the_rules_on_the_corpora() {
    let corpora = corpora!();
    let reg = Registry::builtin().unwrap();
    let gs = line_grammars(&reg);
    let mut paths = Vec::new();
    paths.extend(common::files_under(&corpora));
    let mut t = Tally::default();
    for p in &paths {
        compare(&gs, p, &mut t);
    }
    eprintln!(
        "corpora: {} parsed lines, {} classified, {} settled by the prefilter",
        t.lines, t.classified, t.skipped
    );
    assert!(t.classified > 500, "only {} classified lines", t.classified);
    assert!(t.skipped > 10_000, "only {} lines skipped", t.skipped);
}

/// Every built-in line grammar whose rules all require a word gets a
/// prefilter; the words come from the regexes, so spot-check a few.
#[test]
fn builtin_grammars_have_their_words() {
    let reg = Registry::builtin().unwrap();
    let words = |name: &str| {
        reg.get(name)
            .unwrap()
            .keywords()
            .map(|k| k.words().to_vec())
    };
    let bsd = words("rfc3164").expect("rfc3164 has a prefilter");
    for w in ["link ", "command=", "deploy", "release", "server "] {
        assert!(bsd.contains(&w.to_string()), "{w:?} not in {bsd:?}");
    }
    // The link rules' tag is the whole value `kernel`, on every kernel
    // line; their message's `link ` is the word (`keywords::names_a_value`).
    assert!(!bsd.contains(&"kernel".to_string()), "{bsd:?}");
    let cisco = words("cisco-ios").expect("cisco-ios has a prefilter");
    assert!(
        cisco.contains(&", changed state to ".to_string()),
        "{cisco:?}"
    );
    // Rules on the pattern name alone stand for the pattern's text, a
    // literal before a blank with the blank.
    let nagios = words("nagios").expect("nagios has a prefilter");
    for w in ["state: ", "state:\t", "successfully ", "shutting "] {
        assert!(nagios.contains(&w.to_string()), "{w:?} not in {nagios:?}");
    }
    // A rule on a pattern and a command's name takes the name: every
    // check result is an `EXTERNAL COMMAND:` and holds `SERVICE`, so
    // neither word may be there (issue 16).
    assert!(
        nagios.contains(&"acknowledge_svc_problem".to_string()),
        "{nagios:?}"
    );
    for w in ["command:", "service", "alert:"] {
        assert!(!nagios.contains(&w.to_string()), "{w:?} in {nagios:?}");
    }
}
