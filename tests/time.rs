//! Time you can testify to: the issue-4 fixtures end to end, overrides, and
//! independence from the host clock and zone.

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

fn timeline(case: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let p = fixture(case);
    let mut args = vec!["timeline", p.to_str().unwrap(), "--format", "json"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    out.lines().map(json).collect()
}

fn finding<'a>(a: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn event<'a>(t: &'a [serde_json::Value], file: &str, line: u64) -> &'a serde_json::Value {
    t.iter()
        .find(|e| e["file"] == file && e["line"] == line)
        .unwrap_or_else(|| panic!("no event {file}:{line}"))
}

#[test]
fn fall_back_hour_is_settled_by_line_order() {
    let a = analysis("fall-back-new-york-2018", &[]);
    let w = &a["windows"][0];
    assert_eq!(w["start"], "2018-11-04T05:40:12Z");
    assert_eq!(w["end"], "2018-11-04T06:20:15Z");
    // 40 min of outage; the wall clock (01:40 EDT → 01:20 EST) says -20 min.
    assert_eq!(w["duration_s"], 2403);
    let t = timeline("fall-back-new-york-2018", &[]);
    let before = event(&t, "lb01/messages", 8); // 01:59:58, first pass
    let after = event(&t, "lb01/messages", 9); // 01:00:02, second pass
    assert_eq!(before["datetime"], "2018-11-04T05:59:58Z");
    assert_eq!(after["datetime"], "2018-11-04T06:00:02Z");
    assert_eq!(before["time"]["offset_s"], -4 * 3600);
    assert_eq!(after["time"]["offset_s"], -5 * 3600);
    assert_eq!(after["time"]["dst"], "fold-by-order");
    let f = finding(&a, "dst-ambiguous");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["severity"], "info");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("EDT from line 2, EST from line 9"));
}

#[test]
fn a_line_in_the_spring_gap_is_flagged_and_read_before_it() {
    let a = analysis("spring-gap-berlin-2019", &[]);
    let f = finding(&a, "dst-gap");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["evidence"]["file"], "db01/syslog");
    assert_eq!(f[0]["evidence"]["line"], 5);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("read with the offset before the gap (UTC+01:00) as 2019-03-31T01:15:00Z"));
    let w = &a["windows"][0];
    assert_eq!(
        (w["start"].as_str(), w["end"].as_str()),
        (Some("2019-03-31T00:45:00Z"), Some("2019-03-31T01:31:00Z"))
    );
    assert_eq!(w["duration_s"], 46 * 60);
    let t = timeline("spring-gap-berlin-2019", &[]);
    assert_eq!(event(&t, "db01/syslog", 5)["time"]["dst"], "gap");
}

#[test]
fn new_years_eve_year_comes_from_the_dated_source() {
    let a = analysis("new-years-eve-2016", &[]);
    let w = &a["windows"][0];
    assert_eq!(w["start"], "2017-01-01T05:51:10Z");
    assert_eq!(w["trigger"]["at"], "2017-01-01T05:48:00Z");
    let y = finding(&a, "year-inferred");
    assert!(
        y[0]["message"].as_str().unwrap().contains("read in 2016"),
        "{y:?}"
    );
    let r = finding(&a, "year-rollover");
    assert_eq!(r[0]["evidence"]["line"], 6);
    let t = timeline("new-years-eve-2016", &[]);
    assert_eq!(
        event(&t, "web01/messages", 1)["datetime"],
        "2017-01-01T05:40:01Z"
    );
    assert_eq!(
        event(&t, "web01/messages", 6)["time"]["year"]["rollovers"],
        1
    );
}

#[test]
fn a_cdt_clock_in_february_lands_at_the_right_instants_and_says_why() {
    let a = analysis("cdt-clock-in-february", &[]);
    let w = &a["windows"][0];
    assert_eq!(w["start"], "2017-02-23T03:56:10.455Z");
    assert_eq!(w["trigger"]["at"], "2017-02-23T03:56:03.120Z");
    let f = finding(&a, "zone-abbrev-mismatch");
    assert_eq!(f.len(), 1);
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.contains("cross-source evidence chose the CDT reading"),
        "{m}"
    );
    assert!(
        m.contains("core-switch.log:11 → nagios.log:10 +41 s"),
        "{m}"
    );
    assert!(
        m.contains("rejected: the America/Chicago reading (UTC-06:00): 0 pairs"),
        "{m}"
    );
    let t = timeline("cdt-clock-in-february", &[]);
    let e = event(&t, "core-switch.log", 10);
    assert_eq!(e["time"]["offset"]["from"], "label-by-evidence");
    assert_eq!(e["time"]["offset_s"], -5 * 3600);
}

#[test]
fn correctly_labelled_cst_keeps_the_zone_with_evidence() {
    // The founding switch says CDT but runs on CST: the zone wins, by evidence.
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture("servercentral-2017-02-22"), &b);
    let log = std::fs::read_to_string(b.join("core-switch.log")).unwrap();
    std::fs::write(b.join("core-switch.log"), log.replace(" CST: ", " CDT: ")).unwrap();
    let (_, out, _) = run(&["analyze", b.to_str().unwrap(), "--format", "json"]);
    let a = json(&out);
    let m = finding(&a, "zone-abbrev-mismatch")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("the declared zone wins on cross-source evidence — the America/Chicago reading (UTC-06:00): 4 pairs"), "{m}");
    assert_eq!(a["windows"][0]["start"], "2017-02-23T03:56:10.455Z");
}

#[test]
fn ist_means_kolkata_in_kolkata_and_dublin_in_dublin() {
    let a = analysis("ist-kolkata-dublin-2019", &[]);
    assert!(finding(&a, "zone-abbrev-mismatch").is_empty());
    let t = timeline("ist-kolkata-dublin-2019", &[]);
    let blr = event(&t, "blr-rtr1.log", 5);
    let dub = event(&t, "dub-rtr1.log", 1);
    assert_eq!(blr["datetime"], "2019-07-01T08:35:10.455Z");
    assert_eq!(dub["datetime"], "2019-07-01T08:35:12.502Z");
    assert_eq!(
        (
            blr["time"]["offset"]["from"].as_str(),
            blr["time"]["offset_s"].as_i64()
        ),
        (Some("label-agrees"), Some(19800))
    );
    assert_eq!(
        (
            dub["time"]["offset"]["from"].as_str(),
            dub["time"]["offset_s"].as_i64()
        ),
        (Some("label-agrees"), Some(3600))
    );
    assert_eq!(blr["tzdb"].as_str().map(str::len), Some(5));
}

#[test]
fn abbrev_override_pins_a_label_for_the_run() {
    let a = analysis("servercentral-2017-02-22", &["--abbrev", "CST=-05:00"]);
    // Every switch line moves an hour earlier; the provenance says why.
    let t = timeline("servercentral-2017-02-22", &["--abbrev", "CST=-05:00"]);
    let e = event(&t, "core-switch.log", 10);
    assert_eq!(e["datetime"], "2017-02-23T02:56:03.120Z");
    assert_eq!(e["time"]["offset"]["from"], "label-override");
    assert!(!a["windows"].as_array().unwrap().is_empty());
}

#[test]
fn manifest_abbrev_override_applies_to_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture("servercentral-2017-02-22"), &b);
    let m = std::fs::read_to_string(b.join("bundle.toml")).unwrap();
    std::fs::write(
        b.join("bundle.toml"),
        m.replace(
            "host = \"core-sw1\"\n",
            "host = \"core-sw1\"\nabbrev = { CST = \"-05:00\" }\n",
        ),
    )
    .unwrap();
    let (_, out, _) = run(&["timeline", b.to_str().unwrap(), "--format", "json"]);
    let t: Vec<serde_json::Value> = out.lines().map(json).collect();
    assert_eq!(
        event(&t, "core-switch.log", 10)["time"]["offset"]["from"],
        "label-override"
    );
    assert_eq!(
        event(&t, "portal-web01/messages", 5)["time"]["offset"]["from"],
        "zone"
    );
}

#[test]
fn a_fast_device_clock_is_measured_against_its_envelope_and_corrected() {
    let a = analysis("clock-skew-envelope-2018", &[]);
    let f = finding(&a, "clock-skew");
    assert_eq!(f.len(), 1);
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.contains(
            "the device clock runs 4 min 30 s ahead of its syslog collector's (median of 9 lines"
        ),
        "{m}"
    );
    assert!(m.contains("not corrected (pass --correct-skew"), "{m}");
    // Uncorrected, the switch's VLAN loss lands after the monitor's alert.
    assert_eq!(a["windows"][0]["start"], "2018-06-05T14:03:40Z");
    let a = analysis("clock-skew-envelope-2018", &["--correct-skew"]);
    assert_eq!(a["windows"][0]["start"], "2018-06-05T14:02:09.998Z");
    assert_eq!(a["windows"][0]["trigger"]["evidence"]["line"], 3);
    let t = timeline("clock-skew-envelope-2018", &["--correct-skew"]);
    assert_eq!(event(&t, "dist-sw3.log", 4)["time"]["skew_ms"], -270_120);
}

#[test]
fn effects_before_causes_reveal_a_fast_clock_without_an_envelope() {
    // The founding switch, its clock 5 minutes fast and no envelope.
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b");
    copy_dir(&fixture("servercentral-2017-02-22"), &b);
    let log = std::fs::read_to_string(b.join("core-switch.log")).unwrap();
    let fast: String = log
        .lines()
        .map(|l| {
            let (head, rest) = l.split_at(l.find("Feb 22 ").unwrap() + 7);
            let (h, m) = (
                rest[0..2].parse::<u32>().unwrap(),
                rest[3..5].parse::<u32>().unwrap(),
            );
            let t = h * 60 + m + 5;
            format!("{head}{:02}:{:02}{}\n", t / 60, t % 60, &rest[5..])
        })
        .collect();
    std::fs::write(b.join("core-switch.log"), fast).unwrap();
    let (_, out, _) = run(&["analyze", b.to_str().unwrap(), "--format", "json"]);
    let a = json(&out);
    let f = finding(&a, "clock-skew");
    assert_eq!(f.len(), 1, "{:#?}", a["findings"]);
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.starts_with("core-switch.log: its faults and recoveries are logged"),
        "{m}"
    );
    assert!(m.contains("after the monitors saw their effects"), "{m}");
}

/// The same bundle gives the same answer whatever the host clock says.
#[test]
fn results_do_not_depend_on_the_system_clock() {
    if std::process::Command::new("faketime")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIP: faketime is not installed (CI installs it: apt-get install faketime)");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("rfo");
    for case in [
        "new-years-eve-2016",
        "servercentral-2017-02-22",
        "fall-back-new-york-2018",
    ] {
        let dir = fixture(case);
        let expected = std::fs::read_to_string(dir.join("expected/analysis.json")).unwrap();
        for when in [
            "2001-01-01 00:00:00",
            "2017-02-23 04:00:00",
            "2039-12-31 23:59:59",
        ] {
            let out = std::process::Command::new("faketime")
                .arg(when)
                .arg(&bin)
                .args(["analyze", dir.to_str().unwrap(), "--format", "json"])
                .env("TZ", "Pacific/Chatham")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{case} at {when}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                expected,
                "{case} at {when}"
            );
        }
    }
}

/// Envelope and device times across New Year: both clocks roll over the same
/// way, so there is no skew to report, read whole or in chunks.
#[test]
fn envelope_times_across_new_year_are_not_a_skew() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    for k in 0..40u32 {
        let (mon, day, h, m) = if k < 10 {
            ("Dec", 31, 23, 50 + k)
        } else {
            ("Jan", 1, 0, k - 10)
        };
        log.push_str(&format!(
            "<189>{mon} {day:>2} {h:02}:{m:02}:05 sw1 {}: {mon} {day:>2} {h:02}:{m:02}:04.600 UTC: %SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 10.0.0.9 port 514 started\n",
            1000 + k
        ));
    }
    std::fs::write(dir.path().join("sw1.log"), log).unwrap();
    std::fs::write(
        dir.path().join("bundle.toml"),
        "[incident]\nyear = 2017\n[[source]]\npath = \"sw1.log\"\ngrammar = \"cisco-ios\"\nzone = \"UTC\"\n",
    )
    .unwrap();
    let p = dir.path().to_str().unwrap();
    let (code, whole, err) = run(&["analyze", p, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&whole);
    assert!(finding(&a, "clock-skew").is_empty(), "{:#?}", a["findings"]);
    let (_, chunked, _) = run(&["analyze", p, "--format", "json", "--chunk-bytes", "100"]);
    assert_eq!(chunked, whole);
}

/// A switch whose clock runs on UTC but prints `EDT`: its faults land 4 h
/// after the monitor's alerts. The offset is found with its pairs; only
/// `--correct-skew` moves the events, and then the switch change is the
/// trigger of the one window.
#[test]
fn a_whole_hour_clock_offset_is_found_and_corrected() {
    let case = "utc-clock-local-label-2019";
    let a = analysis(case, &[]);
    let f = finding(&a, "clock-skew");
    assert_eq!(f.len(), 1, "{}", a["findings"]);
    let m = f[0]["message"].as_str().unwrap();
    assert!(
        m.starts_with("core-sw2.log: its clock is set 4 h 0 min ahead of the other sources (clock offset +14400 s): moved by that much, its faults and recoveries pair one-to-one with sources of absolute time: 5 pairs (core-sw2.log:6 → nagios.log:4 +29 s, core-sw2.log:7 → nagios.log:5 +40 s, core-sw2.log:8 → nagios.log:6 +51 s) and 2 more (no offset: 0 pairs; the next best offset: 0 pairs)"),
        "{m}"
    );
    assert!(
        m.ends_with("not corrected (pass --correct-skew to move its events)"),
        "{m}"
    );
    // Uncorrected: the switch's own window 4 h late, the monitor's without a trigger.
    let w = a["windows"].as_array().unwrap();
    assert_eq!(w.len(), 2);
    let monitor = w
        .iter()
        .find(|w| w["start"] == "2019-06-12T18:03:40Z")
        .unwrap();
    assert!(monitor["trigger"].is_null());
    let fixed = analysis(case, &["--correct-skew"]);
    let w = fixed["windows"].as_array().unwrap();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0]["start"], "2019-06-12T18:02:10.902Z");
    assert_eq!(w[0]["trigger"]["evidence"]["file"], "core-sw2.log");
    assert_eq!(w[0]["trigger"]["evidence"]["line"], 5);
    let t = timeline(case, &["--correct-skew"]);
    let e = event(&t, "core-sw2.log", 5);
    assert_eq!(e["datetime"], "2019-06-12T18:02:10.316Z");
    assert_eq!(e["time"]["skew_ms"], -14_400_000);
}
