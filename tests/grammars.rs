//! Grammars as a user meets them: `--grammars DIR` with a broken file (a
//! caret diagnostic, built-ins unharmed), a working user grammar (the
//! worked example of docs/grammars.md), and every built-in grammar fuzzed:
//! no input makes a parser panic or report a column outside the line.

mod common;
use common::*;
use proptest::prelude::*;
use rfo::grammar::registry::{load_str, Registry};
use rfo::grammar::{detect, pattern, Grammar};
use std::path::Path;
use std::sync::OnceLock;

/// A pattern with an unknown type on line 5, column 15 (the `e` of `epochs`).
const BROKEN_PATTERN: &str = r#"name = "broken"
description = "a pattern with a typo"

[[pattern]]
match = '[{ts:epochs}] {msg:rest}'
name = "p"
"#;

/// Not TOML: a string is never closed.
const BROKEN_TOML: &str = "name = \"x\ndescription = \"y\"\n";

/// The worked example of docs/grammars.md, verbatim.
fn firewall_example() -> String {
    let doc = std::fs::read_to_string(root().join("docs/grammars.md")).expect("docs/grammars.md");
    let start = doc
        .find("```toml\n# grammars/acme-fw.toml")
        .expect("the worked example in docs/grammars.md")
        + "```toml\n".len();
    let len = doc[start..].find("```").expect("closed code block");
    doc[start..start + len].to_string()
}

fn grammar_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_broken_user_grammar_fails_check_with_a_caret() {
    let dir = grammar_dir(&[("broken.toml", BROKEN_PATTERN), ("bad.toml", BROKEN_TOML)]);
    let d = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["grammars", "check", "--grammars", d]);
    assert_eq!(code, 1, "{out}");
    let shown = Path::new(d).join("broken.toml").display().to_string();
    let want = format!(
        "error: {shown}:5:15: pattern \"p\": unknown type (int, word, until, upto, rest, tag, host, event, ident, uptime, level, abbrev, oneof, sd, bsd, iso, stime, epoch, ctime, mdy12, compact, clf)\n  |\n5 | match = '[{{ts:epochs}}] {{msg:rest}}'\n  |               ^\n"
    );
    assert!(out.contains(&want), "{out}");
    // The TOML error names its file and line too.
    let bad = Path::new(d).join("bad.toml").display().to_string();
    assert!(out.contains(&format!("error: {bad}:1:")), "{out}");
    // Built-ins still load and their samples still pass: only the two
    // broken files count as failures.
    assert!(out.ends_with(" samples: 2 failures\n"), "{out}");
    assert!(!out.contains("FAIL "), "{out}");
}

#[test]
fn built_ins_still_list_beside_a_broken_user_grammar() {
    let dir = grammar_dir(&[("broken.toml", BROKEN_PATTERN)]);
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["grammars", "list", "--grammars", d]);
    assert_eq!(code, 0, "{err}");
    for name in Registry::builtin().unwrap().names() {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} missing:\n{out}"
        );
    }
    assert!(err.contains("grammar skipped"), "{err}");
    assert!(err.contains("broken.toml:5:15"), "{err}");
    assert!(!out.contains("broken"), "{out}");
}

#[test]
fn the_worked_example_loads_and_its_samples_pass() {
    let example = firewall_example();
    let dir = grammar_dir(&[("acme-fw.toml", &example)]);
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["grammars", "check", "--grammars", d]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("samples: all pass\n"), "{out}");
    let (code, out, _) = run(&["grammars", "list", "--grammars", d]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l.starts_with("acme-fw ")), "{out}");
    // And it reads a file: detection picks it, the rules classify.
    let log = dir.path().join("fw.log");
    std::fs::write(
        &log,
        "2017-02-22 21:55:48.310 fw01 [ADMIN] user=netadmin action=commit rev=418\n\
         2017-02-22 21:56:10.455 fw01 [LINK] port=ge-0/1 state=down reason=\"carrier lost\"\n\
         2017-02-22 22:22:58.310 fw01 [LINK] port=ge-0/1 state=up reason=\"carrier restored\"\n",
    )
    .unwrap();
    let (code, out, err) = run(&[
        "parse",
        log.to_str().unwrap(),
        "--grammars",
        d,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["grammar"], "acme-fw");
    assert_eq!(v["unparsed"], 0);
    let kinds: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["change", "fault", "recovery"]);
    assert_eq!(v["records"][1]["subject"], "fw01 ge-0/1");
    assert_eq!(v["records"][0]["summary"], "commit r418 by netadmin");
}

#[test]
fn a_user_grammar_named_like_a_built_in_replaces_it() {
    let mine = "name = \"nagios\"\ndescription = \"mine\"\n[[pattern]]\nname = \"p\"\nmatch = '{msg:rest}'\n[[sample]]\ntext = 'x'\nexpect = { msg = \"x\" }\n";
    let dir = grammar_dir(&[("nagios.toml", mine)]);
    let (code, out, _) = run(&[
        "grammars",
        "list",
        "--grammars",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let line = out.lines().find(|l| l.starts_with("nagios ")).unwrap();
    assert!(line.ends_with(" mine"), "{line}");
    assert_eq!(out.lines().filter(|l| l.starts_with("nagios ")).count(), 1);
}

// ---------------------------------------------------------------- fuzzing

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(|| Registry::builtin_with_samples().unwrap())
}

/// Lines worth throwing at a grammar: anything at all, printable syslog-ish
/// noise, and a sample of the grammar's own cut at a random place with
/// random text after it (near misses exercise the deep branches).
fn lines_for(g: &'static Grammar) -> BoxedStrategy<String> {
    let samples: Vec<String> = g.samples.iter().map(|s| s.text.clone()).collect();
    let near = (
        0..samples.len().max(1),
        any::<prop::sample::Index>(),
        ".{0,40}",
    )
        .prop_map(move |(k, cut, tail)| {
            let s = samples.get(k).cloned().unwrap_or_default();
            let chars: Vec<char> = s.chars().collect();
            let at = if chars.is_empty() {
                0
            } else {
                cut.index(chars.len() + 1)
            };
            chars[..at].iter().collect::<String>() + &tail
        });
    prop_oneof![
        any::<String>(),
        "[<>0-9A-Za-z :;,.\\[\\]{}()\"'\\\\/*%=_+-]{0,160}",
        near,
    ]
    .boxed()
}

fn check_line(g: &Grammar, line: &str) -> Result<(), TestCaseError> {
    match g.parse_line(line, 1) {
        Ok(rec) => {
            prop_assert_eq!(rec.line, 1);
            for (_, v) in &rec.fields {
                prop_assert!(
                    v.len() <= line.len() * 6 + 64,
                    "a field longer than the line"
                );
            }
            let _ = g.classifier.classify(&rec, Some("h"));
        }
        Err(e) => {
            // Other modules slice the line at this offset for the column.
            prop_assert!(e.offset <= line.len());
            prop_assert!(line.is_char_boundary(e.offset));
        }
    }
    Ok(())
}

fn fuzz_grammar(name: &'static str) {
    let g: &'static Grammar = registry().get(name).expect("built-in");
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = if g.is_document() {
        runner.run(&lines_for(g), |text| {
            if let Ok(recs) = g.parse_document(&text) {
                let lines = text.lines().count() as u64;
                for r in &recs {
                    prop_assert!(r.line <= lines.max(1));
                    let _ = g.classifier.classify(r, None);
                }
            }
            Ok(())
        })
    } else {
        runner.run(&lines_for(g), |line| check_line(g, &line))
    };
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

macro_rules! fuzz {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                fuzz_grammar($name);
            }
        )*
        /// Every built-in grammar has a fuzz test above.
        #[test]
        fn every_built_in_is_fuzzed() {
            let mut fuzzed = vec![$($name),*];
            fuzzed.sort();
            let mut all = registry().names();
            all.sort();
            assert_eq!(fuzzed, all);
        }
    };
}

fuzz! {
    fuzz_cisco_ios => "cisco-ios",
    fuzz_nagios => "nagios",
    fuzz_rfc3164 => "rfc3164",
    fuzz_statuspage => "statuspage",
    fuzz_rfc5424 => "rfc5424",
    fuzz_junos => "junos",
    fuzz_alertmanager => "alertmanager",
    fuzz_jsonl => "jsonl",
    fuzz_iso => "iso",
    fuzz_loghub_thunderbird => "loghub-thunderbird",
    fuzz_zabbix => "zabbix",
    fuzz_access_clf => "access-clf",
    fuzz_haproxy_http => "haproxy-http",
    fuzz_access_json => "access-json",
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Detection over arbitrary lines never panics and never picks a grammar
    /// on less than a majority.
    #[test]
    fn detection_never_panics(lines in prop::collection::vec(any::<String>(), 0..8)) {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let head = lines.join("\n");
        if let detect::Detection::Chosen(s) = detect::detect(registry(), &refs, &head) {
            prop_assert!(s.fraction() >= detect::MIN_SCORE);
        }
    }

    /// The pattern language's parser survives any text, and an error points
    /// inside the pattern.
    #[test]
    fn pattern_parser_never_panics(p in "[{}?|:()'\"\\\\ a-z_\\-]{0,40}") {
        if let Err(e) = pattern::parse(&p) {
            prop_assert!(e.offset <= p.len());
        }
    }

    /// Patterns built from the language's own pieces, run on arbitrary
    /// lines: matching terminates and reports columns inside the line.
    #[test]
    fn compiled_patterns_never_panic(
        pieces in prop::collection::vec(prop::sample::select(vec![
            "{a:int}", "{b:word}", "{c:until(\";\")}", "{d:rest}", "{e:tag}", "{f:host}",
            "{g:event}", "{h:abbrev}", "{i:sd}", "{ts:bsd}", "{ts:iso}", "{ts:stime}",
            "{ts:epoch}", "{ts:ctime}", "{j:uptime}", "{k:level}", "{l:upto(\": \")}",
            " ", ":", "[", "]", "{?{m:int}: }", "{|-|{n:word}}", "{?\\u{FEFF}}",
        ]), 0..10),
        line in "[<>0-9A-Za-z :;\\[\\]\"\\\\=_-]{0,80}",
    ) {
        let src = pieces.concat();
        let nodes = pattern::parse(&src).expect("pieces form a valid pattern");
        let prog = rfo::grammar::matcher::Program::new(nodes);
        if let Err(e) = rfo::grammar::matcher::run(&prog, &line) {
            prop_assert!(e.offset <= line.len() && line.is_char_boundary(e.offset));
        }
    }
}

/// A grammar file compiles the same through `load_str` as through the
/// registry: what `rfo grammars check FILE` and `--grammars` both rely on.
#[test]
fn every_built_in_file_loads_on_its_own() {
    for entry in std::fs::read_dir(root().join("grammars")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let shown = path.display().to_string();
        let g = load_str(&src, &shown, &shown).unwrap_or_else(|d| panic!("{d}"));
        assert!(registry().get(&g.name).is_some(), "{shown} is not embedded");
        assert!(!g.samples.is_empty(), "{shown} has no samples");
    }
}
