//! Extract and merge (docs/events.md): `rfo extract` then `--events` gives
//! byte for byte what the bundle gives, for every fixture, for every way of
//! cutting it into parts, and when the merge must decide a year again; bad
//! events files exit 2 naming the file. The Dask example runs last.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn ok(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "rfo {}: exit {code}\n{err}", args.join(" "));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The outputs compared: analysis JSON, the Markdown draft, windows JSON
/// and the timeline (JSON Lines), each with `extra` flags.
const OUTPUTS: &[&[&str]] = &[
    &["analyze", "--format", "json"],
    &["analyze"],
    &["windows", "--format", "json"],
    &["timeline", "--format", "jsonl"],
];

/// Every output from `bundle` against the same from `events`, byte for byte.
fn same(bundle: &[&str], events: &[&Path], extra: &[&str]) {
    for cmd in OUTPUTS {
        let mut direct: Vec<&str> = cmd.to_vec();
        direct.extend(bundle);
        direct.extend(extra);
        let mut merged: Vec<&str> = cmd.to_vec();
        merged.push("--events");
        merged.extend(events.iter().map(|p| s(p)));
        merged.extend(extra);
        let (a, b) = (ok(&direct), ok(&merged));
        assert!(!a.is_empty(), "rfo {}: no output", direct.join(" "));
        if a != b {
            let diff = similar::TextDiff::from_lines(&a, &b)
                .unified_diff()
                .header("bundle", "events")
                .to_string();
            panic!("rfo {} differs from --events:\n{diff}", cmd.join(" "));
        }
    }
}

fn extract(bundle: &[&str], out: &Path, extra: &[&str]) {
    let mut args = vec!["extract"];
    args.extend(bundle);
    args.extend(["--out", s(out), "--all", "-q"]);
    args.extend(extra);
    ok(&args);
}

fn whole(case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture(case);
    extract(&[s(&f)], dir.path(), &[]);
    same(&[s(&f)], &[dir.path()], &[]);
}

macro_rules! fixtures {
    ($($name:ident => $case:literal),* $(,)?) => {
        $(#[test] fn $name() { whole($case); })*
        /// The list above is every fixture.
        #[test]
        fn every_fixture_is_extracted() {
            let mut listed = vec![$($case),*];
            listed.sort();
            let mut found: Vec<String> = std::fs::read_dir(root().join("fixtures"))
                .unwrap()
                .flatten()
                .filter(|e| e.path().join("expected").is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            found.sort();
            assert_eq!(listed, found);
        }
    };
}

fixtures! {
    access_deploy_spike_2019 => "access-deploy-spike-2019",
    alertmanager_repeats_2021 => "alertmanager-repeats-2021",
    broken_check_2019 => "broken-check-2019",
    cdt_clock_in_february => "cdt-clock-in-february",
    chronic_beside_outage_2019 => "chronic-beside-outage-2019",
    clock_skew_envelope_2018 => "clock-skew-envelope-2018",
    depends_trigger_2019 => "depends-trigger-2019",
    fall_back_new_york_2018 => "fall-back-new-york-2018",
    flapping_beside_outage_2019 => "flapping-beside-outage-2019",
    flapping_service_2018 => "flapping-service-2018",
    iso_app_2022 => "iso-app-2022",
    ist_kolkata_dublin_2019 => "ist-kolkata-dublin-2019",
    junos_bgp_2019 => "junos-bgp-2019",
    new_years_eve_2016 => "new-years-eve-2016",
    open_window_2020 => "open-window-2020",
    related_trigger_2019 => "related-trigger-2019",
    servercentral_2017_02_22 => "servercentral-2017-02-22",
    spring_gap_berlin_2019 => "spring-gap-berlin-2019",
    two_windows_2019 => "two-windows-2019",
    utc_clock_local_label_2019 => "utc-clock-local-label-2019",
}

/// Parts written into one directory, or each into its own, merge into the
/// bundle's analysis for every N (N larger than the sources leaves parts
/// empty); the year rollover and the DST fold fixtures among them.
#[test]
fn parts_merge_into_the_bundles_analysis() {
    for case in [
        "new-years-eve-2016",
        "fall-back-new-york-2018",
        "servercentral-2017-02-22",
    ] {
        let f = fixture(case);
        for n in [1u32, 2, 3, 7] {
            let one = tempfile::tempdir().unwrap();
            let each = tempfile::tempdir().unwrap();
            let mut dirs: Vec<PathBuf> = Vec::new();
            for k in 1..=n {
                let part = format!("{k}/{n}");
                extract(&[s(&f)], one.path(), &["--part", &part]);
                let d = each.path().join(format!("part-{k}"));
                extract(&[s(&f)], &d, &["--part", &part]);
                dirs.push(d);
            }
            same(&[s(&f)], &[one.path()], &[]);
            let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
            same(&[s(&f)], &refs, &[]);
        }
    }
}

/// A copy of a fixture's logs without its manifest, each file extracted
/// alone: the year-less ones get a provisional year from their mtime, and
/// the merge, which sees the dated sources, reads them again.
fn loose(case: &str, zone: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    copy_dir(&fixture(case), &logs);
    // Flat: a file extracted alone is named by its file name, as it is
    // in a flat directory.
    for e in std::fs::read_dir(&logs).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            std::fs::remove_dir_all(e.path()).unwrap();
        } else if name.starts_with('.') || name == "bundle.toml" || name == "README.md" {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&logs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let ev = dir.path().join("events");
    let args: Vec<&str> = files.iter().map(|p| s(p)).collect();
    extract(&args, &ev, &["--zone", zone]);
    (dir, files)
}

#[test]
fn a_year_decided_at_the_merge_reads_the_source_again() {
    let (dir, _) = loose("servercentral-2017-02-22", "America/Chicago");
    let logs = dir.path().join("logs");
    same(
        &[s(&logs), "--zone", "America/Chicago"],
        &[&dir.path().join("events")],
        &[],
    );
}

#[test]
fn a_year_decided_at_the_merge_without_the_file_is_refused_naming_it() {
    let (dir, files) = loose("servercentral-2017-02-22", "America/Chicago");
    let ev = dir.path().join("events");
    // The Cisco log has no year: its year comes from the other sources.
    let cisco = files
        .iter()
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("%SYS-5-CONFIG_I")
        })
        .expect("a Cisco log")
        .clone();
    std::fs::remove_file(&cisco).unwrap();
    let (code, _, err) = run(&["analyze", "--events", s(&ev)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(s(&cisco)), "{err}");
    assert!(err.contains("--year 2017"), "{err}");
}

fn events_of(case: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev");
    extract(&[s(&fixture(case))], &ev, &[]);
    (dir, ev)
}

fn first_with(dir: &Path, suffix: &str) -> PathBuf {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v.into_iter().next().expect("an events file")
}

fn refused(args: &[&str], names: &[&str]) {
    let (code, _, err) = run(args);
    assert_eq!(code, 2, "rfo {}: {err}", args.join(" "));
    for n in names {
        assert!(
            err.contains(n),
            "rfo {}: {err:?} does not name {n}",
            args.join(" ")
        );
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn another_schema_version_is_refused_naming_the_file_and_both_versions() {
    let (_d, ev) = events_of("two-windows-2019");
    let side = first_with(&ev, ".events.json");
    let text = std::fs::read_to_string(&side).unwrap();
    std::fs::write(&side, text.replacen("rfo.events/1", "rfo.events/0", 1)).unwrap();
    refused(
        &["analyze", "--events", s(&ev)],
        &[s(&side), "rfo.events/0", "rfo.events/1"],
    );
}

#[test]
fn a_truncated_parquet_file_is_refused_naming_it() {
    let (_d, ev) = events_of("two-windows-2019");
    let pq = first_with(&ev, ".events.parquet");
    let bytes = std::fs::read(&pq).unwrap();
    std::fs::write(&pq, &bytes[..bytes.len() / 2]).unwrap();
    refused(&["analyze", "--events", s(&ev)], &[s(&pq)]);
}

#[test]
fn a_missing_parquet_file_is_refused_naming_it() {
    let (_d, ev) = events_of("two-windows-2019");
    let pq = first_with(&ev, ".events.parquet");
    std::fs::remove_file(&pq).unwrap();
    refused(&["analyze", "--events", s(&ev)], &[s(&pq)]);
}

#[test]
fn a_corrupt_sidecar_is_refused_naming_it() {
    let (_d, ev) = events_of("two-windows-2019");
    let side = first_with(&ev, ".events.json");
    std::fs::write(&side, "{\"schema\": \"rfo.events/1\", \"rfo\": 3").unwrap();
    refused(&["analyze", "--events", s(&ev)], &[s(&side)]);
}

#[test]
fn bundles_and_events_do_not_mix() {
    let (_d, ev) = events_of("two-windows-2019");
    let f = fixture("two-windows-2019");
    // Both given.
    refused(&["analyze", s(&f), "--events", s(&ev)], &["--events"]);
    // Events given as a bundle, a bundle given as events.
    refused(&["analyze", s(&ev)], &[s(&ev), "--events"]);
    refused(&["windows", "--events", s(&f)], &[s(&f)]);
    // A bundle directory with events files in it.
    let mixed = tempfile::tempdir().unwrap();
    copy_dir(&f, mixed.path());
    std::fs::copy(
        first_with(&ev, ".events.json"),
        mixed.path().join("00000-x.events.json"),
    )
    .unwrap();
    refused(
        &["analyze", "--events", s(mixed.path())],
        &[s(mixed.path())],
    );
    refused(
        &["extract", s(mixed.path()), "--out", s(&ev)],
        &[s(mixed.path())],
    );
}

#[test]
fn a_part_not_extracted_is_refused_not_merged_into_a_smaller_incident() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("servercentral-2017-02-22");
    extract(&[s(&f)], dir.path(), &["--part", "1/3"]);
    refused(&["analyze", "--events", s(dir.path())], &["missing source"]);
}

#[test]
fn the_timeline_needs_every_line_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("two-windows-2019");
    ok(&["extract", s(&f), "--out", s(dir.path()), "-q"]);
    refused(&["timeline", "--events", s(dir.path())], &["--all"]);
    // Without --all the analysis is the same still.
    let a = ok(&["analyze", s(&f), "--format", "json"]);
    assert_eq!(
        a,
        ok(&["analyze", "--events", s(dir.path()), "--format", "json"])
    );
}

#[test]
fn reading_flags_belong_to_extract() {
    let (_d, ev) = events_of("two-windows-2019");
    refused(
        &["analyze", "--events", s(&ev), "--zone", "UTC"],
        &["rfo extract"],
    );
}

#[test]
fn a_bad_part_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("two-windows-2019");
    for bad in ["0/3", "4/3", "3", "a/b"] {
        refused(
            &["extract", s(&f), "--out", s(dir.path()), "--part", bad],
            &["K"],
        );
    }
}

/// Python with dask.distributed, or why not. Under CI (`CI=true`, which
/// installs it) its absence fails the test; elsewhere the test says SKIP.
fn dask() -> Option<()> {
    let has = std::process::Command::new("python3")
        .args(["-c", "import dask.distributed"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has {
        return Some(());
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but python3 cannot import dask.distributed (pip install dask distributed)");
    }
    eprintln!("SKIP: python3 with dask.distributed not found (pip install dask distributed)");
    None
}

/// examples/dask/extract_analyze.py on a LocalCluster: `parts` extract
/// tasks, one analyze; byte for byte the bundle's analysis, JSON and
/// Markdown.
fn dask_example(bundle: &Path, parts: u32) {
    let out = tempfile::tempdir().unwrap();
    let ev = out.path().join("events");
    let parts = parts.to_string();
    let script = root().join("examples/dask/extract_analyze.py");
    let done = std::process::Command::new("python3")
        .env("TZ", "Pacific/Chatham")
        .args([
            s(&script),
            s(bundle),
            "--out",
            s(&ev),
            "--parts",
            &parts,
            "--rfo",
            env!("CARGO_BIN_EXE_rfo"),
            "--",
            "--format",
            "json",
        ])
        .output()
        .expect("python3 runs");
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "the Dask example failed:\n{err}");
    let direct = ok(&["analyze", s(bundle), "--format", "json"]);
    assert!(
        String::from_utf8_lossy(&done.stdout) == direct,
        "the Dask example's analysis differs from rfo analyze {}",
        bundle.display()
    );
    assert_eq!(
        ok(&["analyze", "--events", s(&ev)]),
        ok(&["analyze", s(bundle)])
    );
}

#[test]
fn the_dask_example_gives_the_bundles_analysis_on_a_fixture() {
    if dask().is_none() {
        return;
    }
    dask_example(&fixture("servercentral-2017-02-22"), 3);
}

#[test]
fn the_dask_example_gives_the_bundles_analysis_on_a_generated_bundle() {
    if dask().is_none() {
        return;
    }
    let gen = root().join("../shared/bench/gen_bundle.py");
    if !gen.is_file() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but {} is missing", gen.display());
        }
        eprintln!("SKIP: no {}", gen.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let made = std::process::Command::new("python3")
        .args([
            s(&gen),
            "--size-mb",
            "5",
            "--out",
            s(&bundle),
            "--seed",
            "1",
        ])
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "gen_bundle.py: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    dask_example(&bundle, 4);
}

/// A copy of `case` cut into `n` parts, all extracted into one directory.
fn parts_of(case: &str, n: u32) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    copy_dir(&fixture(case), &bundle);
    let ev = dir.path().join("ev");
    for k in 1..=n {
        extract(&[s(&bundle)], &ev, &["--part", &format!("{k}/{n}")]);
    }
    (dir, bundle, ev)
}

#[test]
fn files_are_cut_into_stretches_at_line_starts() {
    let (_d, _, ev) = parts_of("fall-back-new-york-2018", 5);
    let names: Vec<String> = std::fs::read_dir(&ev)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".events.json"))
        .collect();
    let stretches = names.iter().filter(|n| n.contains(".at")).count();
    assert!(stretches >= 4, "{names:?}");
}

/// Past the fall-back fold, a stretch read from a fresh clock cannot know
/// which pass through the hour it is in: the merge reads it again from the
/// real state, from the recorded file; without the file it refuses.
#[test]
fn a_stretch_that_depends_on_the_one_before_is_read_again_or_refused() {
    let (dir, bundle, ev) = parts_of("fall-back-new-york-2018", 5);
    same(&[s(&bundle)], &[&ev], &[]);
    let gone = dir.path().join("gone");
    std::fs::rename(&bundle, &gone).unwrap();
    refused(
        &["analyze", "--events", s(&ev)],
        &[
            s(&bundle.join("lb01/messages")),
            "depends on the one before",
        ],
    );
}

#[test]
fn a_missing_stretch_or_parts_of_another_cut_are_refused() {
    let (_d, bundle, ev) = parts_of("fall-back-new-york-2018", 5);
    let other = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&ev).unwrap().flatten() {
        std::fs::copy(e.path(), other.path().join(e.file_name())).unwrap();
    }
    // A stretch gone.
    let side = first_with(&ev, "00000000000666.events.json");
    std::fs::remove_file(&side).unwrap();
    refused(&["analyze", "--events", s(&ev)], &["not extracted"]);
    // Stretches of a cut into 3 beside those of a cut into 5.
    extract(&[s(&bundle)], other.path(), &["--part", "2/3"]);
    refused(
        &["analyze", "--events", s(other.path())],
        &["lb01/messages"],
    );
}

/// `--redact` reads every line's names: the same pseudonyms from events
/// extracted with `--all` as from the bundle.
#[test]
fn redaction_is_the_same_from_events() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("servercentral-2017-02-22");
    extract(&[s(&f)], dir.path(), &[]);
    for cmd in ["analyze", "timeline"] {
        let direct = ok(&[cmd, s(&f), "--redact"]);
        assert!(direct.contains("host-"), "{cmd} --redact: {direct}");
        assert_eq!(
            direct,
            ok(&[cmd, "--events", s(dir.path()), "--redact"]),
            "{cmd}"
        );
    }
}

/// Clock skew is decided at the merge, from the envelope samples every
/// stretch recorded: `--correct-skew` moves the same events either way.
#[test]
fn skew_is_decided_at_the_merge_from_every_stretch() {
    let (_d, bundle, ev) = parts_of("clock-skew-envelope-2018", 3);
    let direct = ok(&["analyze", s(&bundle), "--correct-skew", "--format", "json"]);
    assert!(direct.contains("clock-skew"), "the fixture shows a skew");
    same(&[s(&bundle)], &[&ev], &["--correct-skew"]);
    same(&[s(&bundle)], &[&ev], &["--report-zone", "Asia/Kolkata"]);
}
