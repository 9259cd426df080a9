//! Fuzz-style property targets on stable (issue 13): random input must give
//! a value or a clear error, never a panic. Each runs a small fixed budget
//! here and a larger one as an ignored test (`cargo test -- --ignored`,
//! which CI runs). The grammars, detection, the pattern parser and the
//! matcher have their targets in tests/grammars.rs and src/grammar/matcher.rs.

use proptest::prelude::*;
use rfo::bundle::manifest::ManifestFile;
use rfo::lint::read::{read, ReadOptions};

/// Report-shaped text: headers, times in every form lint reads, zones,
/// dates, ranges, durations, tables, and noise.
fn report_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "**Date of Event:** ",
        "**Event Start:** ",
        "**Duration:** ",
        "## Timeline (UTC)\n",
        "| Time (PST) | Event |\n|---|---|\n| ",
        " | ",
        "(all times are in PDT)\n",
        "At ",
        "21:56",
        "1509",
        "22:52Z",
        "2018-10-21T22:52:00Z",
        "3:52 PM",
        "3:52 p.m.",
        "12:00 am",
        " UTC",
        " CDT",
        " PT",
        " ET",
        " GMT+1",
        " UTC-7",
        " US/Pacific",
        " Pacific Time",
        "–",
        " to ",
        "on 2 Apr 2021",
        "February 29, 2017",
        "2018 October 22",
        "for 17 minutes",
        "23 hours and 11 minutes",
        "2562047788015216 hours",
        "the site was down",
        " restored",
        "\n",
        ". ",
        "99:99",
        "25:61 UTC",
        "\u{1b}",
        "**",
        "`",
        "|",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// Manifest-shaped text: keys, tables, arrays, strings, numbers, globs.
fn manifest_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "[incident]\n",
        "[defaults]\n",
        "[[source]]\n",
        "[[depends]]\n",
        "title = \"t\"\n",
        "year = 2017\n",
        "year = 262142\n",
        "year = -1\n",
        "report_zone = \"America/Chicago\"\n",
        "report_zone = \"Mars/Base\"\n",
        "zone = \"UTC\"\n",
        "path = \"*.log\"\n",
        "path = \"[\"\n",
        "grammar = \"nagios\"\n",
        "subjects = [\"portal/*\"]\n",
        "hosts = [\"{\"]\n",
        "subject = \"a\"\non = [\"b\"]\n",
        "on = []\n",
        "abbrev = { CDT = \"-05:00\" }\n",
        "abbrev = { CDT = \"x\" }\n",
        "degraded_outage = [\"*\"]\n",
        "= =\n",
        "\"\n",
        "[\n",
        "title = \"\\u{0}\"\n",
        "host = 5\n",
    ]);
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match ManifestFile::parse("b/bundle.toml", text.to_string()) {
        Ok(_) => Ok(()),
        Err(e) => {
            let m = e.to_string();
            prop_assert!(m.starts_with("b/bundle.toml:"), "{}", m);
            Ok(())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any manifest is read or refused with `file:line:col`, never a panic.
    #[test]
    fn manifest_never_panics(text in manifest_text()) {
        check(&text)?;
    }

    /// Arbitrary bytes as a manifest.
    #[test]
    fn manifest_bytes_never_panic(text in "\\PC{0,200}") {
        check(&text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// The lint reader takes any report: it finds claims or none, never panics.
    #[test]
    fn lint_reader_never_panics(text in report_text()) {
        let c = read(&text, &ReadOptions { default_zone: None, year: 2017 });
        prop_assert!(c.mentions.len() <= text.len());
    }

    #[test]
    fn lint_reader_never_panics_on_any_text(text in "\\PC{0,300}") {
        read(&text, &ReadOptions { default_zone: None, year: 2017 });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    #[ignore]
    fn lint_reader_never_panics_long(text in report_text()) {
        read(&text, &ReadOptions { default_zone: None, year: 2017 });
    }


    #[test]
    #[ignore]
    fn manifest_never_panics_long(text in manifest_text()) {
        check(&text)?;
    }
}
