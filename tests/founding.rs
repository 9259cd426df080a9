//! The founding incident end to end: bundle → analysis JSON → RFO draft.

mod common;
use common::*;

const CASE: &str = "servercentral-2017-02-22";

fn analysis(bundle: &std::path::Path) -> serde_json::Value {
    let (code, out, err) = run(&["analyze", bundle.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    json(&out)
}

fn at(s: &str) -> i64 {
    secs(&serde_json::Value::String(s.into()))
}

#[test]
fn one_window_with_trigger_detection_and_public_times() {
    let a = analysis(&fixture(CASE));
    assert_eq!(a["schema"], "rfo.analysis/1");
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:#?}");
    let w = &w[0];
    assert!(
        (secs(&w["start"]) - at("2017-02-23T03:56:00Z")).abs() <= 60,
        "{}",
        w["start"]
    );
    assert!(
        (secs(&w["end"]) - at("2017-02-23T04:23:00Z")).abs() <= 60,
        "{}",
        w["end"]
    );
    let precise =
        |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(
        w["duration_s"],
        (precise(&w["end"]) - precise(&w["start"])).num_seconds()
    );
    // The trigger cites the switch's configuration-change line.
    assert_eq!(w["trigger"]["evidence"]["file"], "core-switch.log");
    let line = w["trigger"]["evidence"]["line"].as_u64().unwrap() as usize;
    let log = std::fs::read_to_string(fixture(CASE).join("core-switch.log")).unwrap();
    let cited = log.lines().nth(line - 1).unwrap();
    assert!(
        cited.contains("%SYS-5-CONFIG_I: Configured from console by netadmin"),
        "{cited}"
    );
    assert_eq!(w["trigger"]["status"], "candidate");
    let ttd = (precise(&w["detected_at"]) - precise(&w["start"])).num_seconds();
    assert!((0..=120).contains(&ttd), "ttd {ttd}");
    assert_eq!(w["ttd_s"], ttd);
    assert_eq!(w["first_public_update_at"], "2017-02-23T04:10:00Z");
    assert_eq!(w["public_resolved_at"], "2017-02-23T04:28:00Z");
    let codes: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"zone-abbrev-mismatch"), "{codes:?}");
    for s in a["sources"].as_array().unwrap() {
        assert_eq!(s["unparsed"], 0, "{s}");
        assert_eq!(s["lines"], s["parsed"], "{s}");
    }
}

#[test]
fn every_cited_line_exists_in_its_file() {
    let a = analysis(&fixture(CASE));
    let mut checked = 0;
    let w = &a["windows"][0];
    for row in w["timeline"].as_array().unwrap() {
        let ev = &row["evidence"];
        let text =
            std::fs::read_to_string(fixture(CASE).join(ev["file"].as_str().unwrap())).unwrap();
        let n = ev["line"].as_u64().unwrap() as usize;
        assert!(n >= 1 && n <= text.lines().count(), "{ev}");
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn markdown_report_reads_as_an_rfo_in_cst_with_utc_beside() {
    let (code, md, err) = run(&["analyze", fixture(CASE).to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "**Date of Event:** February 22, 2017",
        "**Event Start:** 21:56 CST (03:56 UTC)",
        "**Event End:** 22:23 CST (04:23 UTC)",
        "**Duration:** 27 min 11 s",
        "**Master Ticket:** N/A",
        "**Root Cause:** candidate, to be confirmed: configuration changed by netadmin",
        "## Timeline",
        "## Resolution",
        "[TO BE WRITTEN: resolution and corrective actions]",
        "`core-switch.log:10`",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    assert!(!md.contains("CDT"), "February in Chicago is CST:\n{md}");
}

/// The cause is the command, not the `CONFIG_I` line that follows it: the
/// trigger carries the commands netadmin logged before the change, the
/// report shows the VLAN removal with its line, and each public update is
/// one row citing both status-page sources.
#[test]
fn the_trigger_shows_the_vlan_removal_and_public_updates_appear_once() {
    let a = analysis(&fixture(CASE));
    let w = &a["windows"][0];
    let commands = w["trigger"]["commands"].as_array().unwrap();
    let last = commands.last().unwrap();
    assert_eq!(last["summary"], "switchport trunk allowed vlan remove 120");
    assert_eq!(last["evidence"]["file"], "core-switch.log");
    assert_eq!(last["evidence"]["line"], 9);
    assert_eq!(last["at"], "2017-02-23T03:55:52.114Z");
    let comms: Vec<&serde_json::Value> = w["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "comms")
        .collect();
    assert_eq!(comms.len(), 2, "{comms:#?}");
    for r in &comms {
        assert_eq!(r["evidence"]["file"], "statuspage-export.txt");
        assert_eq!(r["also"][0]["file"], "statuspage-incident.json");
    }
    let (code, md, err) = run(&["analyze", fixture(CASE).to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let root = md
        .lines()
        .find(|l| l.starts_with("**Root Cause:**"))
        .unwrap();
    assert!(
        root.contains("`switchport trunk allowed vlan remove 120`"),
        "{root}"
    );
    assert!(
        md.contains("`switchport trunk allowed vlan remove 120` — `core-switch.log:9`"),
        "{md}"
    );
    assert_eq!(md.matches("status page: investigating:").count(), 1, "{md}");
}

/// The vendor's mistake: the switch lines say CDT in February.
#[test]
fn cdt_labels_in_february_are_a_mismatch_with_both_readings() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bundle");
    copy_dir(&fixture(CASE), &b);
    let log = std::fs::read_to_string(b.join("core-switch.log")).unwrap();
    std::fs::write(b.join("core-switch.log"), log.replace(" CST: ", " CDT: ")).unwrap();
    let a = analysis(&b);
    let f: Vec<&serde_json::Value> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "zone-abbrev-mismatch")
        .collect();
    assert_eq!(f.len(), 1, "{:#?}", a["findings"]);
    let f = f[0];
    assert_eq!(f["evidence"]["file"], "core-switch.log");
    assert_eq!(f["evidence"]["line"], 1);
    let m = f["message"].as_str().unwrap();
    assert!(
        m.contains(
            "the line says CDT but America/Chicago was on CST (UTC-06:00) at 2017-02-22 18:02:11"
        ),
        "{m}"
    );
    assert!(m.contains("read as CST: 2017-02-23T00:02:11Z"), "{m}");
    assert!(
        m.contains("read as CDT (UTC-05:00, America/Chicago): 2017-02-22T23:02:11Z"),
        "{m}"
    );
    assert!(m.contains("(22 lines with this label)"), "{m}");
    // The declared zone wins: the window does not move.
    assert!((secs(&a["windows"][0]["start"]) - at("2017-02-23T03:56:10Z")).abs() <= 1);
}

#[test]
fn analyze_is_byte_identical_across_runs() {
    let p = fixture(CASE);
    let a = run(&["analyze", p.to_str().unwrap(), "--format", "json"]);
    let b = run(&["analyze", p.to_str().unwrap(), "--format", "json"]);
    assert_eq!(a, b);
    let a = run(&["analyze", p.to_str().unwrap()]);
    let b = run(&["analyze", p.to_str().unwrap()]);
    assert_eq!(a, b);
}

#[test]
fn year_comes_from_dated_sources_when_the_manifest_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bundle");
    copy_dir(&fixture(CASE), &b);
    let m = std::fs::read_to_string(b.join("bundle.toml")).unwrap();
    std::fs::write(b.join("bundle.toml"), m.replace("year = 2017\n", "")).unwrap();
    let a = analysis(&b);
    assert_eq!(a["windows"][0]["start"], "2017-02-23T03:56:10.455Z");
    let inferred: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "year-inferred")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(inferred.len(), 2, "{inferred:?}");
    assert!(
        inferred[0]
            .contains("read in 2017, the year that puts its first date nearest to a dated source"),
        "{inferred:?}"
    );
}
