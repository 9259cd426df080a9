//! `rfo seal` and `rfo verify` on a temporary copy of the founding bundle
//! and its corrected report (the published RFO with CST for CDT, which
//! lints clean): each "must hold" of the seal issue is a test here.

mod common;
use common::*;
use std::path::{Path, PathBuf};

const CASE: &str = "servercentral-2017-02-22";
const AT: &str = "2017-03-01T12:00:00Z";

/// A case directory: `bundle/` (a copy of the fixture), `report.md` (the
/// corrected report) and `report.md.seal.json`.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(CASE), &dir.path().join("bundle"));
        let published = std::fs::read_to_string(fixture(CASE).join("published-rfo.md")).unwrap();
        std::fs::write(
            dir.path().join("report.md"),
            published.replace("CDT", "CST"),
        )
        .unwrap();
        Case { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn seal_path(&self) -> PathBuf {
        self.path("report.md.seal.json")
    }

    /// Seal the report; (exit, stderr).
    fn seal(&self, extra: &[&str]) -> (i32, String) {
        let (report, bundle, out) = (
            self.path("report.md"),
            self.path("bundle"),
            self.seal_path(),
        );
        let mut args = vec![
            "seal",
            report.to_str().unwrap(),
            "--bundle",
            bundle.to_str().unwrap(),
            "--by",
            "J. Doe, Compliance",
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let (code, _, err) = run(&args);
        (code, err)
    }

    /// Verify; (exit, stdout, stderr).
    fn verify(&self) -> (i32, String, String) {
        run(&["verify", self.seal_path().to_str().unwrap()])
    }

    fn seal_json(&self) -> serde_json::Value {
        json(&std::fs::read_to_string(self.seal_path()).unwrap())
    }
}

/// Flip one bit of the byte in the middle of `path`.
fn flip_one_byte(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let k = b.len() / 2;
    b[k] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

fn sealed_case() -> Case {
    let c = Case::new();
    let (code, err) = c.seal(&["--at", AT]);
    assert_eq!(code, 0, "{err}");
    c
}

#[test]
fn nothing_changed_verifies_with_exit_0() {
    let c = sealed_case();
    let (code, out, err) = c.verify();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("analysis: the same as sealed"), "{out}");
    assert!(
        out.contains("verified: the report and the evidence are as sealed"),
        "{out}"
    );
}

#[test]
fn one_byte_changed_in_any_log_fails_naming_the_file() {
    for log in [
        "core-switch.log",
        "nagios.log",
        "portal-web01/messages",
        "statuspage-export.txt",
        "statuspage-incident.json",
    ] {
        let c = sealed_case();
        flip_one_byte(&c.path("bundle").join(log));
        let (code, out, err) = c.verify();
        assert_eq!(code, 1, "{log}: {out}{err}");
        assert!(
            out.contains(&format!("changed: {log} (evidence;")),
            "{log}: {out}"
        );
        assert!(out.contains("analysis: "), "{out}");
        assert!(out.contains("NOT verified"), "{out}");
    }
}

#[test]
fn a_changed_log_line_says_the_analysis_would_differ() {
    let c = sealed_case();
    let log = c.path("bundle/core-switch.log");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replace("21:56:10.455 CST", "21:58:10.455 CST")).unwrap();
    let (code, out, _) = c.verify();
    assert_eq!(code, 1);
    assert!(out.contains("changed: core-switch.log"), "{out}");
    assert!(
        out.contains("analysis: would differ (sealed sha256 "),
        "{out}"
    );
}

#[test]
fn one_byte_changed_in_bundle_toml_fails_naming_it() {
    let c = sealed_case();
    flip_one_byte(&c.path("bundle/bundle.toml"));
    let (code, out, err) = c.verify();
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("changed: bundle.toml (manifest;"), "{out}");
}

#[test]
fn a_bundle_toml_that_no_longer_parses_still_fails_with_exit_1() {
    let c = sealed_case();
    let m = c.path("bundle/bundle.toml");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replacen("[incident]", "[incident", 1)).unwrap();
    let (code, out, err) = c.verify();
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("changed: bundle.toml"), "{out}");
    assert!(
        out.contains("analysis: would differ: it cannot be re-run:"),
        "{out}"
    );
}

#[test]
fn one_byte_changed_in_the_report_fails_naming_it() {
    let c = sealed_case();
    flip_one_byte(&c.path("report.md"));
    let (code, out, err) = c.verify();
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("changed: report.md (report;"), "{out}");
    assert!(out.contains("analysis: the same as sealed"), "{out}");
}

#[test]
fn an_added_file_fails_naming_it() {
    let c = sealed_case();
    std::fs::write(
        c.path("bundle/late-notes.log"),
        "Feb 22 22:40:00 ops1 note: added later\n",
    )
    .unwrap();
    let (code, out, err) = c.verify();
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("added: late-notes.log (evidence;"), "{out}");
}

#[test]
fn a_removed_file_fails_naming_it() {
    let c = sealed_case();
    std::fs::remove_file(c.path("bundle/statuspage-export.txt")).unwrap();
    let (code, out, _) = c.verify();
    assert_eq!(code, 1);
    assert!(
        out.contains("missing: statuspage-export.txt (evidence;"),
        "{out}"
    );
    assert!(out.contains("analysis: would differ"), "{out}");
}

#[test]
fn an_edited_seal_never_verifies() {
    // Each edit: (what, old, new). Exit 1 (a hash or the digest differs) or
    // 2 (malformed), never 0, always with a message.
    let edits: &[(&str, &str, &str)] = &[
        (
            "signer",
            "\"by\": \"J. Doe, Compliance\"",
            "\"by\": \"Someone Else\"",
        ),
        ("time", AT, "2017-03-02T12:00:00Z"),
        (
            "accepted",
            "\"accept_findings\": false",
            "\"accept_findings\": true",
        ),
        ("size", "\"size\": 2625", "\"size\": 2626"),
        ("type", "\"size\": 2625", "\"size\": \"2625\""),
        (
            "unknown key",
            "\"schema\": \"rfo.seal/1\",",
            "\"schema\": \"rfo.seal/1\", \"extra\": 1,",
        ),
        ("schema", "rfo.seal/1", "rfo.seal/2"),
        ("not json", "{", "{{"),
    ];
    for (what, old, new) in edits {
        let c = sealed_case();
        let text = std::fs::read_to_string(c.seal_path()).unwrap();
        assert!(text.contains(old), "{what}: {old} not in\n{text}");
        std::fs::write(c.seal_path(), text.replacen(old, new, 1)).unwrap();
        let (code, out, err) = c.verify();
        assert!(code == 1 || code == 2, "{what}: exit {code}\n{out}{err}");
        assert!(
            !(out.trim().is_empty() && err.trim().is_empty()),
            "{what}: no message"
        );
        if code == 2 {
            assert!(
                err.starts_with("rfo: ") && err.contains("not a seal"),
                "{what}: {err}"
            );
        }
    }
    // An edited file hash, with the seal digest recomputed by hand as an
    // attacker would: the file itself no longer matches.
    let c = sealed_case();
    let mut v = c.seal_json();
    v["bundle"]["files"][0]["sha256"] = serde_json::Value::String("0".repeat(64));
    let mut no_digest = v.clone();
    no_digest
        .as_object_mut()
        .unwrap()
        .shift_remove("seal_digest");
    use sha2::Digest;
    let d = hex::encode(sha2::Sha256::digest(
        serde_json::to_string(&no_digest).unwrap(),
    ));
    v["seal_digest"] = serde_json::Value::String(d);
    std::fs::write(c.seal_path(), serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let (code, out, _) = c.verify();
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("edited:"), "the digest was recomputed: {out}");
    assert!(out.contains("changed: core-switch.log"), "{out}");
}

#[test]
fn an_edited_digest_is_reported_as_an_edited_seal() {
    let c = sealed_case();
    let mut v = c.seal_json();
    v["sealed"]["note"] = serde_json::Value::String("added later".into());
    std::fs::write(c.seal_path(), serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let (code, out, _) = c.verify();
    assert_eq!(code, 1);
    assert!(out.contains("edited: the seal's seal_digest"), "{out}");
}

#[test]
fn seal_lists_what_the_issue_asks_in_a_fixed_order() {
    let c = sealed_case();
    let v = c.seal_json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "schema",
            "report",
            "bundle",
            "tool",
            "options",
            "analysis",
            "lint",
            "sealed",
            "seal_digest"
        ]
    );
    assert_eq!(v["schema"], "rfo.seal/1");
    assert_eq!(v["report"]["path"], "report.md");
    assert_eq!(v["bundle"]["path"], "bundle");
    assert_eq!(v["bundle"]["manifest"]["path"], "bundle.toml");
    assert_eq!(v["bundle"]["ignore"]["path"], ".rfoignore");
    let files: Vec<&str> = v["bundle"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "core-switch.log",
            "nagios.log",
            "portal-web01/messages",
            "statuspage-export.txt",
            "statuspage-incident.json"
        ]
    );
    for f in v["bundle"]["files"].as_array().unwrap() {
        assert_eq!(f["sha256"].as_str().unwrap().len(), 64);
    }
    assert_eq!(v["tool"]["rfo_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["tool"]["tzdb"], chrono_tz::IANA_TZDB_VERSION);
    assert_eq!(v["tool"]["grammars_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["analysis"]["schema"], "rfo.analysis/1");
    assert_eq!(v["lint"]["errors"], 0);
    assert_eq!(v["sealed"]["by"], "J. Doe, Compliance");
    assert_eq!(v["sealed"]["at"], AT);
    assert_eq!(v["sealed"]["at_source"], "flag");
    // The analysis digest is that of `rfo analyze --format json`.
    let (_, analysis, _) = run(&[
        "analyze",
        c.path("bundle").to_str().unwrap(),
        "--format",
        "json",
    ]);
    use sha2::Digest;
    assert_eq!(
        v["analysis"]["sha256"],
        hex::encode(sha2::Sha256::digest(analysis))
    );
}

#[test]
fn sealing_is_deterministic_given_at_and_labels_the_wall_clock() {
    let c = Case::new();
    assert_eq!(c.seal(&["--at", "2017-03-01T06:00:00-06:00"]).0, 0);
    let first = std::fs::read(c.seal_path()).unwrap();
    assert_eq!(c.seal(&["--at", "2017-03-01T06:00:00-06:00"]).0, 0);
    assert_eq!(first, std::fs::read(c.seal_path()).unwrap());
    assert_eq!(c.seal_json()["sealed"]["at"], AT, "stored in UTC");
    assert_eq!(c.seal(&[]).0, 0);
    assert_eq!(c.seal_json()["sealed"]["at_source"], "wall-clock");
    assert_eq!(c.verify().0, 0);
}

#[test]
fn lint_errors_refuse_the_seal_unless_accepted_and_then_are_listed() {
    let c = Case::new();
    let published = std::fs::read_to_string(fixture(CASE).join("published-rfo.md")).unwrap();
    std::fs::write(c.path("report.md"), published).unwrap();
    let (code, err) = c.seal(&["--at", AT]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[zone-label-invalid]"), "{err}");
    assert!(err.contains("not sealed"), "{err}");
    assert!(!c.seal_path().exists());
    let (code, err) = c.seal(&[
        "--at",
        AT,
        "--accept-findings",
        "--note",
        "kept as published",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = c.seal_json();
    assert!(v["lint"]["errors"].as_u64().unwrap() >= 2);
    assert_eq!(v["lint"]["accept_findings"], true);
    let accepted = v["lint"]["accepted"].as_array().unwrap();
    assert!(accepted
        .iter()
        .any(|f| f["code"] == "zone-label-invalid" && f["severity"] == "error"));
    assert_eq!(v["sealed"]["note"], "kept as published");
    assert_eq!(c.verify().0, 0);
}

#[test]
fn verify_takes_a_moved_bundle_and_report() {
    let c = sealed_case();
    let moved = tempfile::tempdir().unwrap();
    copy_dir(&c.path("bundle"), &moved.path().join("b"));
    std::fs::copy(c.path("report.md"), moved.path().join("r.md")).unwrap();
    std::fs::remove_dir_all(c.path("bundle")).unwrap();
    let (code, out, _) = c.verify();
    assert_eq!(code, 1, "the sealed place is empty: {out}");
    let (code, out, err) = run(&[
        "verify",
        c.seal_path().to_str().unwrap(),
        "--bundle",
        moved.path().join("b").to_str().unwrap(),
        "--report",
        moved.path().join("r.md").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn an_archive_bundle_seals_the_archive_and_each_member() {
    let c = Case::new();
    let archive = c.path("bundle.tar.gz");
    let status = std::process::Command::new("tar")
        .args([
            "czf",
            archive.to_str().unwrap(),
            "-C",
            c.dir.path().to_str().unwrap(),
            "bundle",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let (report, out) = (c.path("report.md"), c.seal_path());
    let (code, _, err) = run(&[
        "seal",
        report.to_str().unwrap(),
        "--bundle",
        archive.to_str().unwrap(),
        "--by",
        "jdoe",
        "--at",
        AT,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v = c.seal_json();
    assert_eq!(v["bundle"]["kind"], "archive");
    assert_eq!(v["bundle"]["archive"]["path"], "bundle.tar.gz");
    assert_eq!(v["bundle"]["files"].as_array().unwrap().len(), 5);
    assert_eq!(c.verify().0, 0);
    flip_one_byte(&archive);
    let (code, out, err) = c.verify();
    assert!(code == 1, "{out}{err}");
    assert!(out.contains("changed: bundle.tar.gz (archive;"), "{out}");
}
