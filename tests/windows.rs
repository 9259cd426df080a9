//! Outage windows, triggers and the numbers an RFO needs, on the issue-5
//! fixtures.

mod common;
use common::*;

fn analysis(case: &str, extra: &[&str]) -> serde_json::Value {
    let p = fixture(case);
    let mut args = vec!["analyze", p.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    json(&out)
}

#[test]
fn flaps_closer_than_the_merge_gap_are_one_outage() {
    let a = analysis("flapping-service-2018", &[]);
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(
        (w[0]["start"].as_str(), w[0]["end"].as_str()),
        (Some("2018-06-12T13:41:00Z"), Some("2018-06-12T14:10:50Z"))
    );
    assert_eq!(w[0]["subjects"], serde_json::json!(["search01/HTTP"]));
    // SOFT a minute before HARD: the fault began between the checks.
    assert_eq!(w[0]["start_uncertainty_s"], 60.0);
    let a = analysis("flapping-service-2018", &["--merge-gap", "60"]);
    assert_eq!(a["windows"].as_array().unwrap().len(), 5);
}

#[test]
fn the_related_change_beats_the_closer_unrelated_one() {
    let a = analysis("related-trigger-2019", &[]);
    let w = &a["windows"][0];
    assert_eq!(
        w["trigger"]["evidence"],
        serde_json::json!({"file": "dist-sw2.log", "line": 4})
    );
    assert_eq!(w["trigger"]["lead_s"], 309);
    assert!(w["trigger"]["reason"]
        .as_str()
        .unwrap()
        .contains("a host that faulted in this window"));
    let r = &w["trigger_candidates"][0];
    assert_eq!(
        r["evidence"],
        serde_json::json!({"file": "reports-db/messages", "line": 2})
    );
    assert!(r["reason"]
        .as_str()
        .unwrap()
        .contains("not among the faulting hosts, 40 s before the start"));
    let actions: Vec<&str> = w["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["summary"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"tnguyen entered: no channel-group 12 mode active"),
        "{actions:?}"
    );
}

#[test]
fn an_open_window_has_no_end_and_says_so() {
    let a = analysis("open-window-2020", &[]);
    let w = &a["windows"][0];
    assert_eq!(w["start"], "2020-04-12T06:12:40.120Z");
    for k in [
        "end",
        "duration_s",
        "ttr_s",
        "end_uncertainty_s",
        "trigger",
        "public_resolved_at",
    ] {
        assert!(w[k].is_null(), "{k} should be null: {}", w[k]);
    }
    let (_, md, _) = run(&["analyze", fixture("open-window-2020").to_str().unwrap()]);
    assert!(
        md.contains("**Event End:** not recovered by the end of the evidence"),
        "{md}"
    );
    assert!(
        md.contains("**Duration:** unknown (the window is still open)"),
        "{md}"
    );
}

#[test]
fn two_unrelated_windows_and_the_choice_between_them() {
    let a = analysis("two-windows-2019", &[]);
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 2);
    assert_eq!(
        (w[0]["id"].as_u64(), w[0]["duration_s"].as_i64()),
        (Some(1), Some(89))
    );
    assert_eq!(
        (w[1]["id"].as_u64(), w[1]["duration_s"].as_i64()),
        (Some(2), Some(1110))
    );
    assert_eq!(a["selected"]["window"], 2);
    // One subject each: impact is the duration, so window 2 ranks first.
    assert_eq!(
        (w[0]["rank"].as_u64(), w[1]["rank"].as_u64()),
        (Some(2), Some(1))
    );
    let p = fixture("two-windows-2019");
    let (_, md, _) = run(&["analyze", p.to_str().unwrap()]);
    assert!(
        md.contains(
            "_This report covers window 2 of 2 found in the evidence, chosen as the highest-ranked window"
        ),
        "{md}"
    );
    let (code, md, err) = run(&["analyze", p.to_str().unwrap(), "--window", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.contains(
            "window 1 of 2 found in the evidence, chosen as the window named with --window"
        ),
        "{md}"
    );
    assert!(
        md.contains("**Event Start:** 03:02 EDT (07:02 UTC)"),
        "{md}"
    );
    let (code, _, err) = run(&["analyze", p.to_str().unwrap(), "--window", "3"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--window 3: the analysis has 2 window(s)"),
        "{err}"
    );
    let (_, md, _) = run(&[
        "analyze",
        p.to_str().unwrap(),
        "--to",
        "2019-05-14T12:00:00Z",
    ]);
    assert!(md.contains("window 1 of 2"), "{md}");
}

#[test]
fn windows_command_text_and_json() {
    let p = fixture("two-windows-2019");
    // The manifest's report zone (America/New_York) applies to the text.
    let (code, out, _) = run(&["windows", p.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# tz database "), "{out}");
    assert!(
        out.contains("\nwindow 1: 2019-05-14T03:02:11-04:00 EDT → 2019-05-14T03:03:40-04:00 EDT (1 min 29 s)\n"),
        "{out}"
    );
    let (code, out, _) = run(&["windows", p.to_str().unwrap(), "--report-zone", "UTC"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("\nwindow 1: 2019-05-14T07:02:11Z → 2019-05-14T07:03:40Z (1 min 29 s)\n"),
        "{out}"
    );
    assert!(
        out.contains("window 2: 2019-05-14T18:02:30Z → 2019-05-14T18:21:00Z (18 min 30 s)"),
        "{out}"
    );
    let (_, out, _) = run(&["windows", p.to_str().unwrap(), "--format", "json"]);
    let j = json(&out);
    assert_eq!(j["tzdb"].as_str().map(str::len), Some(5));
    let w = &j["windows"];
    assert_eq!(w.as_array().unwrap().len(), 2);
    assert_eq!(w[1]["trigger"]["evidence"]["line"], 4);
}

#[test]
fn founding_status_page_disagrees_with_the_evidence() {
    let a = analysis("servercentral-2017-02-22", &[]);
    let d = a["discrepancies"].as_array().unwrap();
    let open = d
        .iter()
        .find(|x| {
            x["claim"]
                .as_str()
                .unwrap()
                .starts_with("status page opened")
        })
        .unwrap();
    assert_eq!(open["difference_s"], 829);
    assert_eq!(open["against_evidence"]["file"], "core-switch.log");
    // "17m" for an 18-minute span of its own, and for 27 minutes of evidence.
    let dur: Vec<i64> = d
        .iter()
        .filter(|x| x["measure"] == "duration")
        .map(|x| x["difference_s"].as_i64().unwrap())
        .collect();
    assert_eq!(dur, vec![-60, -611]);
    let m: Vec<&serde_json::Value> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "public-timeline-mismatch")
        .collect();
    assert_eq!(m.len(), 3);
    let msg = |k: usize| m[k]["message"].as_str().unwrap().to_string();
    assert!(
        msg(0).contains("10 min 11 s shorter than the evidence"),
        "{}",
        msg(0)
    );
    assert!(
        msg(1).contains("13 min 49 s later than the evidence"),
        "{}",
        msg(1)
    );
}

/// A monitor that usually writes every 30 s goes silent for 40 minutes
/// while a service is down, and a scheduled downtime covers the service.
#[test]
fn silence_is_unknown_and_downtime_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    let t0 = 1_500_000_000i64; // 2017-07-14T02:40:00Z
    log.push_str(&format!("[{}] SERVICE DOWNTIME ALERT: shop;HTTP;STARTED; Service has entered a period of scheduled downtime\n", t0 - 600));
    for k in 0..120 {
        log.push_str(&format!(
            "[{}] EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;web01;Disk /;0;DISK OK\n",
            t0 + k * 30
        ));
    }
    log.push_str(&format!(
        "[{}] SERVICE ALERT: shop;HTTP;CRITICAL;HARD;3;CRITICAL - timeout\n",
        t0 + 3600
    ));
    // Silence from t0+3600 to t0+6000, then the recovery.
    log.push_str(&format!(
        "[{}] SERVICE ALERT: shop;HTTP;OK;HARD;3;HTTP OK\n",
        t0 + 6000
    ));
    for k in 0..10 {
        log.push_str(&format!(
            "[{}] EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;web01;Disk /;0;DISK OK\n",
            t0 + 6000 + k * 30
        ));
    }
    std::fs::write(dir.path().join("nagios.log"), log).unwrap();
    let (code, out, err) = run(&["analyze", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    let w = &a["windows"][0];
    let u = w["unknown"].as_array().unwrap();
    assert_eq!(u.len(), 1, "{w:#}");
    assert_eq!(u[0]["from"], "2017-07-14T03:40:00Z");
    assert_eq!(u[0]["to"], "2017-07-14T04:20:00Z");
    assert!(u[0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("no line at all for 40 min"));
    let notes: Vec<&str> = w["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["summary"].as_str().unwrap())
        .collect();
    assert_eq!(notes, vec!["HTTP on shop entered scheduled downtime"]);
    // Read in tiny parallel chunks, the silence is found once, the same way.
    let (_, chunked, _) = run(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--chunk-bytes",
        "100",
    ]);
    assert_eq!(chunked, out);
}

fn subjects_of(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x["subject"].as_str().unwrap())
        .collect()
}

/// A disk full since before the log began (CRITICAL in the rotation's
/// state block) is background beside a real NFS outage on the same host.
#[test]
fn a_chronic_failure_is_background_not_the_outage() {
    let a = analysis("chronic-beside-outage-2019", &[]);
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:#?}");
    let w = &w[0];
    assert_eq!(w["grade"], "outage");
    assert_eq!(
        (
            w["start"].as_str(),
            w["end"].as_str(),
            w["duration_s"].as_i64()
        ),
        (
            Some("2019-07-09T09:15:05Z"),
            Some("2019-07-09T09:41:05Z"),
            Some(1560)
        )
    );
    assert_eq!(w["subjects"], serde_json::json!(["nas01/NFS"]));
    assert_eq!(subjects_of(&w["background"]), vec!["nas01/Disk /backup"]);
    let b = &w["background"][0];
    assert_eq!(b["since"], "2019-07-09T00:00:00Z");
    assert_eq!(
        b["evidence"],
        serde_json::json!({"file": "nagios.log", "line": 6})
    );
    assert!(b["reason"]
        .as_str()
        .unwrap()
        .contains("already failing when its source's evidence began"));
    assert!(b["recovered_at"].is_null());
    assert_eq!(w["flapping"], serde_json::json!([]));
    assert_eq!(w["detected_at"], "2019-07-09T09:15:05Z");
    assert_eq!(w["start_uncertainty_s"], 120.0);
    assert!(w["trigger"].is_null());
}

/// A tunnel flapping all day (HARD CRITICAL/OK every ~10 min) beside a real
/// PostgreSQL outage: the outage's window keeps its own subject and span.
#[test]
fn a_flapping_tunnel_does_not_extend_the_real_outage() {
    let a = analysis("flapping-beside-outage-2019", &[]);
    let w = a["windows"].as_array().unwrap();
    let flapper = "branch14-rtr/IPsec tunnel";
    let db: Vec<&serde_json::Value> = w
        .iter()
        .filter(|x| {
            x["subjects"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "db03/PostgreSQL")
        })
        .collect();
    assert_eq!(db.len(), 1, "{w:#?}");
    let db = db[0];
    assert_eq!(db["grade"], "outage");
    assert_eq!(
        (
            db["start"].as_str(),
            db["end"].as_str(),
            db["duration_s"].as_i64()
        ),
        (
            Some("2019-10-02T12:29:31Z"),
            Some("2019-10-02T12:54:31Z"),
            Some(1500)
        ),
        "the flapping tunnel must not extend the database window"
    );
    assert_eq!(db["subjects"], serde_json::json!(["db03/PostgreSQL"]));
    assert_eq!(db["flapping"], serde_json::json!([]));
    assert_eq!(db["start_uncertainty_s"], 120.0);
    // Every other window is the tunnel's own, marked flapping.
    assert!(w.len() > 1, "{w:#?}");
    for x in w.iter().filter(|x| x["id"] != db["id"]) {
        assert_eq!(x["subjects"], serde_json::json!([flapper]), "{x:#}");
        assert_eq!(x["flapping"], serde_json::json!([flapper]), "{x:#}");
    }
    // ... and ranked below the real outage, which the report covers.
    assert_eq!(db["rank"], 1, "flapping windows should rank lower");
    assert_eq!(a["selected"]["window"], db["id"]);
}

/// A Redis check whose plugin went missing (execvp failure, then exit code
/// 127) while Redis itself was fine: monitoring unknown, never an outage.
#[test]
fn a_broken_check_is_monitoring_unknown() {
    let a = analysis("broken-check-2019", &[]);
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:#?}");
    let w = &w[0];
    assert_eq!(w["grade"], "monitoring-unknown");
    assert_eq!(
        (
            w["start"].as_str(),
            w["end"].as_str(),
            w["duration_s"].as_i64()
        ),
        (
            Some("2019-03-19T13:05:12Z"),
            Some("2019-03-19T13:52:12Z"),
            Some(2820)
        )
    );
    assert_eq!(w["subjects"], serde_json::json!(["app02/Redis"]));
    assert_eq!(w["impact_s"], 0);
    for k in ["detected_at", "ttd_s", "ttr_s", "trigger"] {
        assert!(w[k].is_null(), "{k} should be null: {}", w[k]);
    }
    let u = w["unknown"].as_array().unwrap();
    assert_eq!(subjects_of(&w["unknown"]), vec!["app02/Redis"], "{u:#?}");
    assert_eq!(
        (u[0]["from"].as_str(), u[0]["to"].as_str()),
        (Some("2019-03-19T13:05:12Z"), Some("2019-03-19T13:52:12Z"))
    );
    assert_eq!(
        (
            u[0]["evidence"]["line"].as_u64(),
            u[0]["until_evidence"]["line"].as_u64()
        ),
        (Some(22), Some(34))
    );
    assert_eq!(w["background"], serde_json::json!([]));
    let (_, md, _) = run(&["analyze", fixture("broken-check-2019").to_str().unwrap()]);
    assert!(
        md.contains("_Monitoring unknown: every check in this window itself failed"),
        "{md}"
    );
}

/// `[[depends]] subject = "portal/*", on = ["core-sw1"]` makes the switch
/// change the trigger ahead of a closer, unrelated deploy; without the
/// entry the closer deploy wins.
#[test]
fn a_depends_entry_relates_the_switch_change_to_the_portal() {
    let a = analysis("depends-trigger-2019", &[]);
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:#?}");
    let w = &w[0];
    assert_eq!(w["grade"], "outage");
    assert_eq!(
        (w["start"].as_str(), w["end"].as_str()),
        (Some("2019-08-21T19:35:40Z"), Some("2019-08-21T19:50:10Z"))
    );
    assert_eq!(
        w["subjects"],
        serde_json::json!(["portal/API", "portal/HTTP"])
    );
    let t = &w["trigger"];
    assert_eq!(
        t["evidence"],
        serde_json::json!({"file": "core-sw1.log", "line": 5})
    );
    assert_eq!(t["lead_s"], 272);
    let reason = t["reason"].as_str().unwrap();
    assert!(
        reason.contains("which portal/HTTP depends on ([[depends]])"),
        "{reason}"
    );
    let r = &w["trigger_candidates"][0];
    assert_eq!(
        r["evidence"],
        serde_json::json!({"file": "billing01/messages", "line": 2})
    );
    assert_eq!(r["lead_s"], 108);
    assert!(r["reason"]
        .as_str()
        .unwrap()
        .contains("not among the faulting hosts"));
    assert_eq!(
        a["focus"]["depends"],
        serde_json::json!([{"subject": "portal/*", "on": ["core-sw1"]}])
    );
    // The same bundle without the [[depends]] entry: the closer deploy wins.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("depends-trigger-2019"), dir.path());
    let manifest = dir.path().join("bundle.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let cut = text.rfind("\n[[depends]]").expect("a [[depends]] table");
    std::fs::write(&manifest, &text[..cut + 1]).unwrap();
    let (code, out, err) = run(&["analyze", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let b = json(&out);
    assert_eq!(
        b["windows"][0]["trigger"]["evidence"],
        serde_json::json!({"file": "billing01/messages", "line": 2})
    );
}
