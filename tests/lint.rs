//! `rfo lint`: the published RFO of the founding incident and its variants,
//! and rfo's own drafts.

mod common;
use common::*;

const CASE: &str = "servercentral-2017-02-22";

fn published() -> String {
    std::fs::read_to_string(fixture(CASE).join("published-rfo.md")).unwrap()
}

/// Lint `text` against the founding bundle; (exit code, JSON findings).
fn lint(text: &str, extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("rfo.md");
    std::fs::write(&report, text).unwrap();
    let bundle = fixture(CASE);
    let mut args = vec![
        "lint",
        report.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend(extra);
    let (code, out, err) = run(&args);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (code, json(&out)["findings"].as_array().unwrap().clone())
}

fn codes(f: &[serde_json::Value]) -> Vec<String> {
    f.iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn published_rfo_cdt_is_invalid_and_the_logs_support_cst() {
    let (code, f) = lint(&published(), &[]);
    assert_eq!(code, 1);
    assert!(
        codes(&f).iter().all(|c| c == "zone-label-invalid"),
        "{f:#?}"
    );
    assert_eq!(f.len(), 5, "start, end and three times in the text: {f:#?}");
    let start = &f[0];
    assert_eq!(start["report_line"], 4);
    assert_eq!(start["text"], "21:56 CDT");
    let m = start["message"].as_str().unwrap();
    assert!(
        m.contains("CDT is not in force in America/Chicago on 2017-02-22: CST (UTC-06:00) was"),
        "{m}"
    );
    assert!(
        m.contains("read as CDT (UTC-05:00): 02:56:00 UTC; read as CST: 03:56:00 UTC"),
        "{m}"
    );
    assert!(m.contains("the logs support the CST reading"), "{m}");
    assert_eq!(start["evidence"]["file"], "core-switch.log");
    assert_eq!(start["suggestion"], "21:56 CST");
    let end = &f[1];
    assert_eq!(end["report_line"], 5);
    assert!(end["message"]
        .as_str()
        .unwrap()
        .contains("read as CDT (UTC-05:00): 03:23:00 UTC; read as CST: 04:23:00 UTC"));
    // Free text: "Changes were committed at 22:22 CDT" cites the commit line.
    let commit = f.iter().find(|x| x["text"] == "22:22 CDT").unwrap();
    assert_eq!(commit["evidence"]["file"], "core-switch.log");
    let line = commit["evidence"]["line"].as_u64().unwrap() as usize;
    let log = std::fs::read_to_string(fixture(CASE).join("core-switch.log")).unwrap();
    assert!(log
        .lines()
        .nth(line - 1)
        .unwrap()
        .contains("%SYS-5-CONFIG_I"));
}

#[test]
fn text_output_groups_by_report_line_and_quotes() {
    let bundle = fixture(CASE);
    let report = fixture(CASE).join("published-rfo.md");
    let (code, out, _) = run(&[
        "lint",
        report.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "published-rfo.md:4:\n  error[zone-label-invalid] \"21:56 CDT\": CDT is not in force"
        ),
        "{out}"
    );
    assert!(
        out.contains("    evidence: core-switch.log:11\n    suggestion: 21:56 CST\n"),
        "{out}"
    );
    assert!(
        out.contains("published-rfo.md: 5 errors, 0 warnings (tz database "),
        "{out}"
    );
}

#[test]
fn the_same_report_with_cst_is_clean() {
    let (code, f) = lint(&published().replace("CDT", "CST"), &[]);
    assert_eq!((code, f.len()), (0, 0), "{f:#?}");
}

#[test]
fn a_wrong_duration_is_reported_against_start_end_and_evidence() {
    let text = published()
        .replace("CDT", "CST")
        .replace("**Duration:** 27 minutes", "**Duration:** 17 minutes");
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&f), vec!["duration-mismatch", "duration-mismatch"]);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("Duration says 17 min but Event End − Event Start is 27 min"));
    assert!(f[1]["message"]
        .as_str()
        .unwrap()
        .contains("the evidence window 1 lasted 27 min 11 s"));
    assert_eq!(f[1]["report_line"], 6);
}

#[test]
fn placeholders_are_reported() {
    let text = published().replace("CDT", "CST");
    let at = text.find("It is now and has always been").unwrap();
    let text = format!(
        "{}[TO BE WRITTEN: resolution and corrective actions]\n",
        &text[..at]
    );
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&f), vec!["placeholder-unresolved"]);
    let (_, f) = lint(
        &text.replace("[TO BE WRITTEN: resolution and corrective actions]", "TBD"),
        &[],
    );
    assert_eq!(codes(&f), vec!["placeholder-unresolved"]);
}

#[test]
fn missing_field_wrong_date_and_wrong_start() {
    let text = published()
        .replace("CDT", "CST")
        .replace(
            "**Root Cause:** Incorrect configuration deployment to switch\n",
            "",
        )
        .replace(
            "**Date of Event:** February 22, 2017",
            "**Date of Event:** February 20, 2017",
        );
    let (_, f) = lint(&text, &[]);
    assert!(codes(&f).contains(&"field-missing".to_string()), "{f:#?}");
    let d = f
        .iter()
        .find(|x| x["code"] == "date-mismatch")
        .expect("date-mismatch");
    assert!(d["message"].as_str().unwrap().contains(
        "neither the local date (2017-02-22, America/Chicago) nor the UTC date (2017-02-23)"
    ));
    let text = published()
        .replace("CDT", "CST")
        .replace("**Event Start:** 21:56 CST", "**Event Start:** 21:36 CST");
    let (code, f) = lint(&text, &[]);
    assert_eq!(code, 1);
    let t = f
        .iter()
        .find(|x| x["code"] == "time-mismatch")
        .expect("time-mismatch");
    assert_eq!(t["report_line"], 4);
    assert!(t["message"].as_str().unwrap().contains("Event Start 21:36 CST reads as 03:36:00 UTC, 20 min 10 s before the evidence at 03:56:10 UTC"), "{t}");
    assert_eq!(t["suggestion"], "21:56 CST");
}

#[test]
fn tolerance_is_configurable() {
    let (code, f) = lint(&published().replace("CDT", "CST"), &["--tolerance", "5"]);
    assert_eq!(code, 1);
    assert!(codes(&f).contains(&"time-mismatch".to_string()), "{f:#?}");
}

/// rfo's own draft for every fixture lints with only placeholder findings.
#[test]
fn own_drafts_lint_with_only_placeholders() {
    for case in rfo::golden::discover(&root().join("fixtures")).unwrap() {
        let (code, md, err) = run(&["analyze", case.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("draft.md");
        std::fs::write(&report, md).unwrap();
        let (_, out, err) = run(&[
            "lint",
            report.to_str().unwrap(),
            "--bundle",
            case.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let f = json(&out)["findings"].as_array().unwrap().clone();
        let other: Vec<_> = f
            .iter()
            .filter(|x| x["code"] != "placeholder-unresolved")
            .collect();
        assert!(other.is_empty(), "{}: {other:#?}{err}", case.display());
    }
}

#[test]
fn missing_report_exits_2() {
    let (code, _, err) = run(&[
        "lint",
        "/nonexistent/rfo.md",
        "--bundle",
        fixture(CASE).to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.starts_with("rfo: /nonexistent/rfo.md: "), "{err}");
}
