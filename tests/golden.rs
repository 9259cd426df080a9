//! Golden fixtures: one named test per `fixtures/<case>/`, comparing fresh
//! output with its reviewed `expected/`. Regenerate with
//! `cargo run -- check fixtures --bless` and read the diff before committing.

mod common;
use common::*;
use rfo::golden::{self, Status};

/// Every fixture, by directory name; `all_fixtures_are_listed` keeps this honest.
const FIXTURES: &[&str] = &[
    "access-deploy-spike-2019",
    "alertmanager-repeats-2021",
    "broken-check-2019",
    "cdt-clock-in-february",
    "chronic-beside-outage-2019",
    "clock-skew-envelope-2018",
    "depends-trigger-2019",
    "fall-back-new-york-2018",
    "flapping-beside-outage-2019",
    "flapping-service-2018",
    "iso-app-2022",
    "ist-kolkata-dublin-2019",
    "junos-bgp-2019",
    "new-years-eve-2016",
    "open-window-2020",
    "related-trigger-2019",
    "servercentral-2017-02-22",
    "spring-gap-berlin-2019",
    "two-windows-2019",
    "utc-clock-local-label-2019",
];

fn check(case: &str) {
    let r = golden::check(&fixture(case), false);
    let files = r.files.unwrap_or_else(|e| panic!("{case}: {e}"));
    let diffs: Vec<String> = files
        .iter()
        .filter_map(|f| match &f.status {
            Status::Differs(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    assert!(
        diffs.is_empty(),
        "{case} differs from expected/ (rfo check fixtures --bless to accept):\n{}",
        diffs.join("\n")
    );
    assert!(
        files.len() >= 2,
        "{case}: analysis.json and report.md are required"
    );
}

#[test]
fn servercentral_2017_02_22() {
    check("servercentral-2017-02-22");
}

#[test]
fn clock_skew_envelope_2018() {
    check("clock-skew-envelope-2018");
}

#[test]
fn cdt_clock_in_february() {
    check("cdt-clock-in-february");
}

#[test]
fn fall_back_new_york_2018() {
    check("fall-back-new-york-2018");
}

#[test]
fn ist_kolkata_dublin_2019() {
    check("ist-kolkata-dublin-2019");
}

#[test]
fn new_years_eve_2016() {
    check("new-years-eve-2016");
}

#[test]
fn flapping_service_2018() {
    check("flapping-service-2018");
}

#[test]
fn open_window_2020() {
    check("open-window-2020");
}

#[test]
fn related_trigger_2019() {
    check("related-trigger-2019");
}

#[test]
fn two_windows_2019() {
    check("two-windows-2019");
}

#[test]
fn utc_clock_local_label_2019() {
    check("utc-clock-local-label-2019");
}

#[test]
fn spring_gap_berlin_2019() {
    check("spring-gap-berlin-2019");
}

#[test]
fn alertmanager_repeats_2021() {
    check("alertmanager-repeats-2021");
}

#[test]
fn junos_bgp_2019() {
    check("junos-bgp-2019");
}

#[test]
fn iso_app_2022() {
    check("iso-app-2022");
}

#[test]
fn chronic_beside_outage_2019() {
    check("chronic-beside-outage-2019");
}

#[test]
fn flapping_beside_outage_2019() {
    check("flapping-beside-outage-2019");
}

#[test]
fn broken_check_2019() {
    check("broken-check-2019");
}

#[test]
fn depends_trigger_2019() {
    check("depends-trigger-2019");
}

#[test]
fn access_deploy_spike_2019() {
    check("access-deploy-spike-2019");
}

#[test]
fn all_fixtures_are_listed() {
    let found: Vec<String> = golden::discover(&root().join("fixtures"))
        .unwrap()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(found, FIXTURES, "add a named test for each fixture");
}

#[test]
fn rfo_check_passes_on_the_fixtures() {
    let (code, out, err) = run(&["check", root().join("fixtures").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with(&format!(
            "{n} fixtures: {n} passed, 0 failed\n",
            n = FIXTURES.len()
        )),
        "{out}"
    );
}

#[test]
fn an_edited_expected_file_fails_with_a_diff_and_bless_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("fixtures").join("servercentral-2017-02-22");
    copy_dir(&fixture("servercentral-2017-02-22"), &case);
    let report = case.join("expected/report.md");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(
        &report,
        text.replace("**Duration:** 27 min 11 s", "**Duration:** 17 min"),
    )
    .unwrap();
    let fixtures = dir.path().join("fixtures");
    let (code, out, _) = run(&["check", fixtures.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("servercentral-2017-02-22/expected/report.md (expected)"),
        "{out}"
    );
    assert!(out.contains("\n-**Duration:** 17 min (1631 s"), "{out}");
    assert!(out.contains("\n+**Duration:** 27 min 11 s"), "{out}");
    assert!(out.contains("FAIL  servercentral-2017-02-22"), "{out}");
    assert!(out.ends_with("1 fixtures: 0 passed, 1 failed\n"), "{out}");
    let (code, out, _) = run(&["check", fixtures.to_str().unwrap(), "--bless"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("blessed "), "{out}");
    assert_eq!(std::fs::read_to_string(&report).unwrap(), text);
    let (code, _, _) = run(&["check", fixtures.to_str().unwrap()]);
    assert_eq!(code, 0);
}

#[test]
fn json_is_compared_by_value_not_layout() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("servercentral-2017-02-22");
    copy_dir(&fixture("servercentral-2017-02-22"), &case);
    let path = case.join("expected/analysis.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap(); // compact, same value
    let (code, out, _) = run(&["check", case.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let mut v = v;
    v["windows"][0]["ttd_s"] = serde_json::json!(40);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let (code, out, _) = run(&["check", case.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("-      \"ttd_s\": 40,"), "{out}");
}

#[test]
fn unreadable_fixture_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("broken");
    std::fs::create_dir_all(case.join("expected")).unwrap();
    std::fs::write(case.join("bundle.toml"), "[incident\n").unwrap();
    let (code, out, _) = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("ERROR broken: "), "{out}");
}

#[test]
fn analyze_twice_is_byte_identical_for_every_fixture() {
    for case in FIXTURES {
        let p = fixture(case);
        for args in [
            vec!["analyze", p.to_str().unwrap(), "--format", "json"],
            vec!["analyze", p.to_str().unwrap()],
        ] {
            assert_eq!(run(&args), run(&args), "{case} {args:?}");
        }
    }
}

/// Every fixture's analysis and timeline read with `extra` flags on
/// `threads` threads, against a plain read.
fn reads_the_same(extra: &[&str], threads: &str) {
    for case in FIXTURES {
        let p = fixture(case);
        for args in [
            vec!["analyze", p.to_str().unwrap(), "--format", "json"],
            vec!["timeline", p.to_str().unwrap(), "--format", "json"],
        ] {
            let whole = run(&args);
            let out = rfo()
                .env("RAYON_NUM_THREADS", threads)
                .args(&args)
                .args(extra)
                .output()
                .unwrap();
            let other = (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
            assert_eq!(
                other, whole,
                "{case} {args:?} {extra:?} on {threads} threads"
            );
        }
    }
}

/// A thread without a file to start takes half of what another has yet
/// to read of its own (`ingest::source::share`); forcing tiny reads and
/// cuts on two to eight threads over every fixture must give
/// byte-identical analyses and timelines, wherever the cuts fall.
#[test]
fn shared_reading_gives_the_same_answers() {
    for (threads, bytes) in [("2", "1"), ("3", "64"), ("8", "16")] {
        reads_the_same(&["--share-bytes", bytes], threads);
    }
}

/// Large files are read in parallel chunks; forcing tiny chunks on every
/// fixture (DST folds, a New Year rollover, out-of-order status pages) must
/// give byte-identical analyses and timelines.
#[test]
fn chunked_reading_gives_the_same_answers() {
    reads_the_same(&["--chunk-bytes", "100"], "2");
}
