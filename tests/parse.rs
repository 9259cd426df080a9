//! `rfo parse` follows `analyze`'s time policy and says every guess: the
//! founding switch log copied alone (no manifest, no zone, no year) once
//! printed `2026-02-22T18:02:11.384Z` for `Feb 22 18:02:11.384 CST` without
//! a word, and `rfo parse DIR` read only the first file.

mod common;
use common::*;

fn lone_switch_log() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("core-switch.log");
    std::fs::copy(
        fixture("servercentral-2017-02-22").join("core-switch.log"),
        &to,
    )
    .unwrap();
    let p = to.to_str().unwrap().to_string();
    (dir, p)
}

#[test]
fn a_lone_labelled_log_is_read_through_its_label_and_the_year_guess_is_said() {
    let (_dir, p) = lone_switch_log();
    let (code, out, err) = run(&["parse", &p]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("# the year ")
            && lines[0].contains("is a guess from the file's modification time"),
        "{}",
        lines[0]
    );
    // CST read as US Central (UTC-6), never as UTC: 18:02 CST is 00:02Z
    // the next day, whatever year the guess gives.
    assert!(lines[1].contains("-02-23T00:02:11.384Z"), "{}", lines[1]);
    assert!(!out.contains("T18:02:11"), "{out}");
    assert!(out.contains("finding year-inferred (warning): core-switch.log: year-less timestamps and no year from --year, bundle.toml or a dated source; read in "));
    assert!(out.contains("the file's modification year"));
    assert!(out.contains("finding zone-assumed (warning): core-switch.log: no zone given and the label CST is ambiguous (US Central UTC-06:00, China UTC+08:00, Cuba UTC-05:00)"));
}

#[test]
fn with_a_year_the_lone_log_gives_the_founding_instant_and_no_year_guess() {
    let (_dir, p) = lone_switch_log();
    let (code, out, err) = run(&["parse", &p, "--year", "2017", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    assert_eq!(a["records"][0]["instant"], "2017-02-23T00:02:11.384Z");
    assert_eq!(a["year"]["year"], 2017);
    assert_eq!(a["year"]["from"], "flag");
    let codes: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["zone-assumed"], "{}", a["findings"]);
}

#[test]
fn parse_dir_parses_every_file_with_the_bundles_policy() {
    let p = fixture("servercentral-2017-02-22");
    let (code, out, err) = run(&["parse", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let heads: Vec<&str> = out.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        heads,
        vec![
            "== core-switch.log (cisco-ios) ==",
            "== nagios.log (nagios) ==",
            "== portal-web01/messages (rfc3164) ==",
            "== statuspage-export.txt (statuspage) ==",
            "== statuspage-incident.json (statuspage) ==",
        ]
    );
    let (_, out, _) = run(&["parse", p.to_str().unwrap(), "--format", "json"]);
    let a = json(&out);
    let files = a["files"].as_array().unwrap();
    assert_eq!(files.len(), 5);
    // The manifest's year and zone apply, as in `analyze`.
    assert_eq!(files[0]["file"], "core-switch.log");
    assert_eq!(files[0]["year"]["from"], "manifest");
    assert_eq!(
        files[0]["records"][0]["instant"],
        "2017-02-23T00:02:11.384Z"
    );
}
