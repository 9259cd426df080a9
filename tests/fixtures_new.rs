//! The fixtures that put every built-in grammar under `rfo check`:
//! Alertmanager webhook repeats with JSON-lines deploy and application logs
//! (`alertmanager-repeats-2021`), a Junos commit that takes a BGP transit
//! session down, seen by an RFC 5424 HAProxy (`junos-bgp-2019`), and plain
//! ISO-8601 application logs in local time corroborated by Nagios
//! (`iso-app-2022`). Their reviewed output is pinned by `tests/golden.rs`;
//! these tests state the numbers an analyst checked, by value.

mod common;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

const NEW: &[&str] = &[
    "alertmanager-repeats-2021",
    "junos-bgp-2019",
    "iso-app-2022",
];

fn analysis_of(bundle: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["analyze", bundle.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{}: {err}", bundle.display());
    json(&out)
}

fn analysis(case: &str, extra: &[&str]) -> Value {
    analysis_of(&fixture(case), extra)
}

fn report(case: &str) -> String {
    let (code, md, err) = run(&["analyze", fixture(case).to_str().unwrap()]);
    assert_eq!(code, 0, "{case}: {err}");
    md
}

/// The merged timeline, one JSON object per event.
fn timeline(case: &str) -> Vec<Value> {
    let (code, out, err) = run(&[
        "timeline",
        fixture(case).to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{case}: {err}");
    out.lines().map(json).collect()
}

/// The only window of an analysis.
fn only_window(a: &Value) -> &Value {
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:#?}");
    &w[0]
}

fn at(file: &str, line: u64) -> Value {
    json!({"file": file, "line": line})
}

/// `(line, kind)` of every timeline event from `file`.
fn kinds(t: &[Value], file: &str) -> Vec<(u64, String)> {
    t.iter()
        .filter(|e| e["file"] == file)
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn lines_of(list: &Value, file: &str) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|x| x["evidence"]["file"] == file)
        .map(|x| x["evidence"]["line"].as_u64().unwrap())
        .collect()
}

// --- alertmanager-repeats-2021 ------------------------------------------

const AM: &str = "alertmanager-repeats-2021";
const AM_FILE: &str = "alertmanager-webhook.jsonl";
const AM_SUBJECT: &str = "CheckoutProbeFailed https://shop.example.nl/checkout/health";

#[test]
fn alertmanager_repeats_are_one_window_from_starts_at_to_ends_at() {
    let a = analysis(AM, &[]);
    let w = only_window(&a);
    assert_eq!(w["start"], "2021-11-09T14:00:13.871Z");
    assert_eq!(w["end"], "2021-11-09T14:18:28.871Z");
    assert_eq!(w["duration_s"], 1095);
    assert_eq!(w["subjects"], json!([AM_SUBJECT]));
    // Start cited at the first payload's startsAt, end at the resolved one's endsAt.
    assert_eq!(w["evidence"]["start"], at(AM_FILE, 1));
    assert_eq!(w["evidence"]["end"], at(AM_FILE, 5));
    // The alert is the detection too: the payloads carry no notification time.
    assert_eq!(w["detected_at"], "2021-11-09T14:00:13.871Z");
    assert_eq!(w["ttd_s"], 0);
    assert_eq!(w["start_uncertainty_s"], 0.001);
    assert_eq!(w["end_uncertainty_s"], 0.001);
}

#[test]
fn alertmanager_repeats_are_read_but_open_nothing() {
    // All four firing payloads are read, at the alert's startsAt ...
    let t = timeline(AM);
    let am: Vec<&Value> = t.iter().filter(|e| e["file"] == AM_FILE).collect();
    assert_eq!(
        kinds(&t, AM_FILE),
        vec![
            (1, "fault".to_string()),
            (2, "fault".to_string()),
            (3, "fault".to_string()),
            (4, "fault".to_string()),
            (5, "recovery".to_string()),
        ]
    );
    for e in &am[..4] {
        assert_eq!(e["datetime"], "2021-11-09T14:00:13.871Z", "{e}");
        assert_eq!(e["subject"], AM_SUBJECT, "{e}");
    }
    assert_eq!(am[4]["datetime"], "2021-11-09T14:18:28.871Z");
    // ... and they are one alert, not four outages merged by the gap rule.
    let a = analysis(AM, &["--merge-gap", "0"]);
    let w = only_window(&a);
    assert_eq!(
        (&w["start"], &w["end"]),
        (
            &json!("2021-11-09T14:00:13.871Z"),
            &json!("2021-11-09T14:18:28.871Z")
        )
    );
}

#[test]
fn alertmanager_without_the_repeats_gives_the_same_window() {
    // Keep only the last repeat and the resolved payload: the start is still
    // the alert's startsAt, not the time the fourth notification went out.
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join(AM);
    copy_dir(&fixture(AM), &case);
    std::fs::remove_dir_all(case.join("expected")).unwrap();
    let text = std::fs::read_to_string(case.join(AM_FILE)).unwrap();
    let kept: Vec<&str> = text.lines().skip(3).collect();
    assert_eq!(kept.len(), 2);
    std::fs::write(case.join(AM_FILE), kept.join("\n") + "\n").unwrap();
    let full = analysis(AM, &[]);
    let cut = analysis_of(&case, &[]);
    let (f, c) = (only_window(&full), only_window(&cut));
    for k in [
        "start",
        "end",
        "duration_s",
        "subjects",
        "trigger",
        "actions",
    ] {
        assert_eq!(f[k], c[k], "{k}");
    }
    assert_eq!(c["evidence"]["start"], at(AM_FILE, 1));
    assert_eq!(c["evidence"]["end"], at(AM_FILE, 2));
}

#[test]
fn alertmanager_fixture_trigger_is_the_deploy_and_the_rollback_an_action() {
    let a = analysis(AM, &[]);
    let w = only_window(&a);
    assert_eq!(w["trigger"]["evidence"], at("shipit.jsonl", 6));
    assert_eq!(w["trigger"]["at"], "2021-11-09T13:57:31.212Z");
    assert_eq!(w["trigger"]["lead_s"], 162);
    assert_eq!(
        w["trigger"]["summary"],
        "deploy: checkout-api 4.12.0 to prod-ams1 (revision 87)"
    );
    assert_eq!(w["trigger_candidates"], json!([]));
    assert_eq!(lines_of(&w["actions"], "shipit.jsonl"), vec![10]);
    assert!(w["actions"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("4.11.3 to prod-ams1 (revision 88, rollback of 87)"));
    let md = report(AM);
    for s in [
        "**Date of Event:** November 9, 2021 (CET; November 9, 2021 UTC)",
        "**Event Start:** 15:00 CET (14:00 UTC) — `alertmanager-webhook.jsonl:1`",
        "**Event End:** 15:18 CET (14:18 UTC) — `alertmanager-webhook.jsonl:5`",
        "**Duration:** 18 min 15 s (1095 s,",
        "— `shipit.jsonl:6`",
    ] {
        assert!(md.contains(s), "{s}\n{md}");
    }
}

#[test]
fn json_lines_with_rfc3339_and_epoch_float_times() {
    let a = analysis(AM, &[]);
    let src = |p: &str| {
        a["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["path"] == p)
            .unwrap_or_else(|| panic!("{p}"))
            .clone()
    };
    assert_eq!(
        src("shipit.jsonl")["time"]["readings"][0]["from"],
        "in-line"
    );
    // zap's `ts`: fractional epoch seconds.
    assert_eq!(
        src("checkout-api.jsonl")["time"]["readings"][0]["from"],
        "epoch"
    );
    let t = timeline(AM);
    let first_503 = t
        .iter()
        .find(|e| e["file"] == "checkout-api.jsonl" && e["line"] == 8)
        .unwrap();
    assert_eq!(first_503["datetime"], "2021-11-09T13:59:05.020Z");
}

// --- junos-bgp-2019 -------------------------------------------------------

const JUNOS: &str = "junos-bgp-2019";
const EDGE: &str = "edge1-den.log";

#[test]
fn junos_commit_window_spans_router_and_proxy() {
    let a = analysis(JUNOS, &[]);
    let w = only_window(&a);
    assert_eq!(w["start"], "2019-11-14T16:34:08Z");
    assert_eq!(w["end"], "2019-11-14T16:44:21.730Z");
    assert_eq!(w["duration_s"], 613);
    assert_eq!(
        w["subjects"],
        json!([
            "edge1-den bgp 198.51.100.9",
            "edge1-den xe-0/1/0",
            "proxy1-den cloud_api usw2-a",
            "proxy1-den cloud_api usw2-b"
        ])
    );
    assert_eq!(w["evidence"]["start"], at(EDGE, 12));
    assert_eq!(w["evidence"]["end"], at("proxy1-den.log", 10));
    assert_eq!(w["start_uncertainty_s"], 1.0);
    // No monitoring source in the bundle: detection is unknown, not invented.
    for k in ["detected_at", "ttd_s", "ttr_s"] {
        assert!(w[k].is_null(), "{k}: {}", w[k]);
    }
    assert!(w["evidence"]["detected"].is_null());
}

#[test]
fn junos_commit_is_the_trigger_and_the_rollback_is_acted_inside() {
    let a = analysis(JUNOS, &[]);
    let w = only_window(&a);
    assert_eq!(w["trigger"]["evidence"], at(EDGE, 11));
    assert_eq!(w["trigger"]["lead_s"], 6);
    assert_eq!(
        w["trigger"]["summary"],
        "commit by rcastillo (comment: CHG-4471 disable unused port xe-0/1/1)"
    );
    assert!(w["trigger"]["reason"]
        .as_str()
        .unwrap()
        .contains("change on edge1-den, a host that faulted in this window"));
    // The rollback commit comes after the start: an action, not a candidate.
    assert_eq!(w["trigger_candidates"], json!([]));
    assert_eq!(lines_of(&w["actions"], EDGE), vec![15, 16, 17, 18, 19, 20]);
    let summaries: Vec<&str> = w["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["summary"].as_str().unwrap())
        .collect();
    assert!(
        summaries.contains(&"rcastillo performs rollback 1"),
        "{summaries:?}"
    );
    assert!(
        summaries.contains(&"commit by rcastillo (comment: back out CHG-4471)"),
        "{summaries:?}"
    );
}

#[test]
fn junos_event_tags_classify_and_bgp_steps_do_not() {
    let t = timeline(JUNOS);
    let k = kinds(&t, EDGE);
    let kind = |line: u64| {
        k.iter()
            .find(|(l, _)| *l == line)
            .map(|(_, k)| k.as_str())
            .unwrap_or_else(|| panic!("{EDGE}:{line} not in the timeline"))
    };
    assert_eq!(kind(5), "action"); // UI_LOGIN_EVENT
    assert_eq!(kind(8), "action"); // UI_CMDLINE_READ_LINE set ... disable
    assert_eq!(kind(11), "change"); // UI_COMMIT
    assert_eq!(kind(12), "fault"); // SNMP_TRAP_LINK_DOWN
    assert_eq!(kind(13), "fault"); // BGP Established -> Idle
    assert_eq!(kind(14), "info"); // UI_COMMIT_COMPLETED: not a second change
    assert_eq!(kind(20), "change"); // the rollback's UI_COMMIT
    assert_eq!(kind(21), "recovery"); // SNMP_TRAP_LINK_UP
    for line in [23, 24, 25] {
        assert_eq!(kind(line), "info", "{EDGE}:{line}"); // Idle/Connect/OpenSent steps
    }
    assert_eq!(kind(26), "recovery"); // OpenConfirm -> Established
    let proxy = kinds(&t, "proxy1-den.log");
    let faults: Vec<u64> = proxy
        .iter()
        .filter(|(_, k)| k == "fault")
        .map(|(l, _)| *l)
        .collect();
    let recoveries: Vec<u64> = proxy
        .iter()
        .filter(|(_, k)| k == "recovery")
        .map(|(l, _)| *l)
        .collect();
    assert_eq!((faults, recoveries), (vec![3, 4], vec![9, 10]));
}

#[test]
fn junos_year_from_the_manifest_and_mst_in_the_report() {
    let a = analysis(JUNOS, &[]);
    let edge = &a["sources"][0];
    assert_eq!(edge["path"], EDGE);
    assert_eq!(edge["grammar"], "junos");
    assert_eq!(edge["zone"], "America/Denver");
    assert_eq!(edge["time"]["year"]["year"], 2019);
    assert_eq!(edge["time"]["year"]["from"], "manifest");
    assert_eq!(edge["time"]["readings"][0]["offset"], "UTC-07:00");
    let proxy = &a["sources"][1];
    assert_eq!(proxy["grammar"], "rfc5424");
    assert_eq!(proxy["time"]["readings"][0]["from"], "in-line");
    assert_eq!(proxy["time"]["readings"][0]["offset"], "UTC-07:00");
    let md = report(JUNOS);
    for s in [
        "**Date of Event:** November 14, 2019 (MST; November 14, 2019 UTC)",
        "**Event Start:** 09:34 MST (16:34 UTC) — `edge1-den.log:12`",
        "**Event End:** 09:44 MST (16:44 UTC) — `proxy1-den.log:10`",
        "**Duration:** 10 min 13 s (613 s,",
        "No monitoring alert or notification was found inside the window.",
    ] {
        assert!(md.contains(s), "{s}\n{md}");
    }
    assert!(!md.contains("MDT"), "{md}");
}

// --- iso-app-2022 -----------------------------------------------------------

const ISO: &str = "iso-app-2022";

#[test]
fn iso_app_window_comes_from_nagios_and_the_deploy_is_the_trigger() {
    let a = analysis(ISO, &[]);
    let w = only_window(&a);
    assert_eq!(w["start"], "2022-03-03T23:05:20Z");
    assert_eq!(w["end"], "2022-03-03T23:17:20Z");
    assert_eq!(w["duration_s"], 720);
    assert_eq!(w["subjects"], json!(["bk-app1/Bookings API"]));
    assert_eq!(w["evidence"]["start"], at("nagios.log", 5));
    assert_eq!(w["evidence"]["end"], at("nagios.log", 9));
    // HARD on the third attempt, the first SOFT failure two minutes earlier.
    assert_eq!(w["start_uncertainty_s"], 120.0);
    assert_eq!(w["trigger"]["evidence"], at("deploy.log", 1));
    assert_eq!(w["trigger"]["at"], "2022-03-03T23:01:52Z");
    assert_eq!(w["trigger"]["lead_s"], 208);
    assert!(w["trigger"]["reason"]
        .as_str()
        .unwrap()
        .contains("change on bk-app1, a host that faulted in this window"));
    assert_eq!(lines_of(&w["actions"], "nagios.log"), vec![7]);
    assert_eq!(w["actions"].as_array().unwrap().len(), 1);
}

#[test]
fn iso_lines_without_offset_are_read_in_the_manifest_zone() {
    let a = analysis(ISO, &[]);
    for (path, lines) in [("bookings-api.log", 15), ("deploy.log", 7)] {
        let s = a["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["path"] == path)
            .unwrap();
        assert_eq!(s["grammar"], "iso", "{path}");
        assert_eq!(s["zone"], "Australia/Sydney", "{path}");
        assert_eq!(
            s["time"]["readings"],
            json!([{"from": "zone", "label": null, "offset": "UTC+11:00", "lines": lines}]),
            "{path}"
        );
    }
    // Comma fractions are read: the first ERROR, 10:03:32,611 AEDT.
    let t = timeline(ISO);
    let e = t
        .iter()
        .find(|e| e["file"] == "bookings-api.log" && e["line"] == 9)
        .unwrap();
    assert_eq!(e["datetime"], "2022-03-03T23:03:32.611Z");
    let md = report(ISO);
    for s in [
        "**Date of Event:** March 4, 2022 (AEDT; March 3, 2022 UTC)",
        "**Event Start:** 10:05 AEDT (23:05 UTC) — `nagios.log:5`",
        "**Event End:** 10:17 AEDT (23:17 UTC) — `nagios.log:9`",
        "**Duration:** 12 min (720 s,",
    ] {
        assert!(md.contains(s), "{s}\n{md}");
    }
}

// --- all three, and all fixtures ------------------------------------------

#[test]
fn new_fixtures_read_every_line_and_raise_no_findings() {
    for case in NEW {
        let a = analysis(case, &[]);
        for s in a["sources"].as_array().unwrap() {
            assert_eq!(s["unparsed"], 0, "{case}: {s}");
            assert_eq!(s["parsed"], s["lines"], "{case}: {s}");
        }
        assert_eq!(a["findings"], json!([]), "{case}");
        assert_eq!(a["discrepancies"], json!([]), "{case}");
    }
}

/// Grammars no fixture has to use (each has its own corpus tests).
const OPTIONAL: &[&str] = &["loghub-thunderbird", "zabbix"];

#[test]
fn every_built_in_grammar_is_exercised_by_a_fixture() {
    let mut used = BTreeSet::new();
    for e in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let p = e.unwrap().path().join("expected/analysis.json");
        if !p.exists() {
            continue;
        }
        let a = json(&std::fs::read_to_string(&p).unwrap());
        for s in a["sources"].as_array().unwrap() {
            used.insert(s["grammar"].as_str().unwrap().to_string());
        }
    }
    for g in [
        "rfc3164",
        "rfc5424",
        "cisco-ios",
        "junos",
        "nagios",
        "alertmanager",
        "statuspage",
        "jsonl",
        "iso",
    ] {
        assert!(used.contains(g), "no fixture uses {g}: {used:?}");
    }
    // ... and any built-in added later needs a fixture too.
    let (code, out, _) = run(&["grammars", "list"]);
    assert_eq!(code, 0);
    for line in out.lines().filter(|l| l.contains(" built-in ")) {
        let name = line.split_whitespace().next().unwrap();
        assert!(
            used.contains(name) || OPTIONAL.contains(&name),
            "built-in grammar {name} has no fixture: {used:?}"
        );
    }
}

/// Issue 15: a deploy, a 17-minute 5xx spike on an nginx edge logging at
/// +0100, and an unrelated 2-minute 503 blip on an HAProxy in another site
/// an hour later. One window matches the spike to the minute, its trigger
/// is the deploy, and the blip is a window of its own.
#[test]
fn access_log_spike_is_one_window_triggered_by_the_deploy() {
    let p = fixture("access-deploy-spike-2019");
    let (code, out, err) = run(&["analyze", p.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{out}");
    assert_eq!(w[0]["start"], "2019-05-14T09:47:00Z");
    assert_eq!(w[0]["end"], "2019-05-14T10:04:00Z");
    assert_eq!(w[0]["duration_s"], 17 * 60);
    assert_eq!(w[0]["subjects"], serde_json::json!(["shop-edge"]));
    assert_eq!(w[0]["start_uncertainty_s"], 60.0);
    assert_eq!(w[0]["trigger"]["summary"], "deploy shop-api 2.8.0");
    assert_eq!(w[0]["trigger"]["evidence"]["file"], "deploys.jsonl");
    // The evidence is a real 5xx line of the first bad minute.
    let start = &w[0]["evidence"]["start"];
    assert_eq!(start["file"], "edge-nginx/access.log");
    let text = std::fs::read_to_string(p.join("edge-nginx/access.log")).unwrap();
    let line = text
        .lines()
        .nth(start["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert!(line.contains("[14/May/2019:10:47:"), "{line}");
    assert!(line.contains("\" 50"), "{line}");
    // Baseline before, peak inside.
    let r = &w[0]["rates"][0];
    assert_eq!(r["baseline"]["error_pct"], "0");
    assert_eq!(r["baseline"]["requests_per_min"], 30.0);
    assert_eq!(r["peak"]["error_pct"], "40");
    // The blip an hour later stays apart, on its own backend.
    assert_eq!(w[1]["start"], "2019-05-14T11:05:00Z");
    assert_eq!(w[1]["end"], "2019-05-14T11:07:00Z");
    assert_eq!(w[1]["subjects"], serde_json::json!(["store"]));
    assert!(w[1]["trigger"].is_null());
}
