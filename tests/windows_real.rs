//! Windows on real monitoring logs nobody here wrote (`../shared/corpora/
//! nagios`, read in place), and the focus flags on them. These are the
//! cases that collapsed into one endless window before windows were built
//! as onset clusters with background, flapping and broken checks.

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn windows_json(args: &[&str]) -> Value {
    let mut all = vec!["windows", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    json(&out)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn subjects(w: &Value) -> Vec<&str> {
    w["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn at(s: &str) -> i64 {
    secs(&Value::String(s.to_string()))
}

/// The squid window of ed54-340MidtermProject_nagios.log, as the issue
/// states it: only squid, start between the first SOFT (04:23:05Z) and the
/// HARD (04:35:05Z), end 04:55:06Z ± 60 s, SSH background, the plugin
/// failures monitoring unknown.
fn assert_ed54_squid(ws: &[Value]) {
    let w = ws
        .iter()
        .find(|w| {
            w["end"]
                .as_str()
                .is_some_and(|e| e.starts_with("2016-03-20T04:5"))
        })
        .expect("a window ending near 04:55");
    assert_eq!(subjects(w), vec!["localhost/squid"]);
    let start = secs(&w["start"]);
    assert!(
        (at("2016-03-20T04:23:05Z")..=at("2016-03-20T04:35:05Z")).contains(&start),
        "{w}"
    );
    let earliest = start - w["start_uncertainty_s"].as_f64().unwrap() as i64;
    assert_eq!(
        earliest,
        at("2016-03-20T04:23:05Z"),
        "the first SOFT failure"
    );
    assert!((secs(&w["end"]) - at("2016-03-20T04:55:06Z")).abs() <= 60);
    let bg: Vec<&str> = w["background"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["subject"].as_str().unwrap())
        .collect();
    assert_eq!(bg, vec!["localhost/SSH"]);
    assert_eq!(w["background"][0]["since"], "2016-03-20T04:00:00Z");
    // Every squid check in the window failed: unknown, never down.
    assert_eq!(w["grade"], "monitoring-unknown");
    assert!(w["detected_at"].is_null());
    let unknown: Vec<&Value> = w["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["subject"] == "localhost/squid")
        .collect();
    assert_eq!(unknown.len(), 1, "{w}");
    assert_eq!(unknown[0]["evidence"]["line"], 52);
}

#[test]
fn ed54_squid_is_its_own_window_and_ssh_is_background() {
    let c = corpora!();
    let f = c.join("nagios/ed54-340MidtermProject_nagios.log");
    let a = windows_json(&[path(&f)]);
    let ws = a["windows"].as_array().unwrap();
    assert_ed54_squid(ws);
    // SSH is never a member of any window.
    assert!(ws.iter().all(|w| !subjects(w).contains(&"localhost/SSH")));
}

#[test]
fn ed54_beside_a_loghub_syslog_gives_the_same_squid_window() {
    let c = corpora!();
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "nagios/ed54-340MidtermProject_nagios.log",
        "loghub/Linux_2k.log",
    ] {
        let from = c.join(f);
        std::fs::copy(&from, dir.path().join(from.file_name().unwrap())).unwrap();
    }
    let a = windows_json(&[path(dir.path())]);
    assert_ed54_squid(a["windows"].as_array().unwrap());
}

fn ranklog(c: &Path) -> PathBuf {
    c.join("nagios/ranklog_nagios.log")
}

#[test]
fn ranklog_noise_does_not_make_one_endless_window() {
    let c = corpora!();
    let a = windows_json(&[path(&ranklog(&c)), "--zone", "Europe/Lisbon"]);
    let ws = a["windows"].as_array().unwrap();
    assert!(ws.len() > 1, "{a}");
    let evidence_end = at("2016-01-12T12:16:46Z");
    // The 33 services failing in the state block at 00:00 are background:
    // no window opens at 00:00 carrying them.
    for w in ws {
        assert_ne!(w["start"], "2016-01-12T00:00:00Z", "{w}");
        let start = secs(&w["start"]);
        let end = w["end"].as_str().map(at).unwrap_or(evidence_end);
        assert!(end - start <= 3 * 3600, "longer than 3 h: {w}");
    }
    let first = &ws[0];
    let bg: Vec<&str> = first["background"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["subject"].as_str().unwrap())
        .collect();
    assert!(
        bg.contains(&"intranet-portal/http :: wli batch (wlibatch 01)"),
        "{bg:?}"
    );
    assert!(bg.contains(&"bredt1-svmonh01/so :: process"), "{bg:?}");
    for b in first["background"].as_array().unwrap() {
        assert!(!subjects(first).contains(&b["subject"].as_str().unwrap()));
    }
    // The JVM checks that cycle CRITICAL/WARNING all day are marked.
    let flapping: std::collections::BTreeSet<&str> = ws
        .iter()
        .flat_map(|w| w["flapping"].as_array().unwrap())
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        flapping.contains("bredt1-svwlgp05/weblogic :: osbgto_ms111"),
        "{flapping:?}"
    );
    // Ranks are a permutation of 1..=n, outage grade first.
    let mut ranks: Vec<u64> = ws.iter().map(|w| w["rank"].as_u64().unwrap()).collect();
    ranks.sort();
    assert_eq!(ranks, (1..=ws.len() as u64).collect::<Vec<_>>());
    let top = ws.iter().find(|w| w["rank"] == 1).unwrap();
    assert_eq!(top["grade"], "outage");
}

#[test]
fn ranklog_windows_text_lists_windows_ranked_by_impact() {
    let c = corpora!();
    let (code, out, err) = run(&["windows", path(&ranklog(&c)), "--zone", "Europe/Lisbon"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        "# ranked by impact (outage-grade subjects x duration)"
    );
    assert!(lines[2].starts_with("  1. window "), "{}", lines[2]);
    assert!(lines[3].starts_with("  2. window "), "{}", lines[3]);
    assert!(out.contains("[monitoring-unknown, 12 flapping, 10 background]"));
}

#[test]
fn a_focus_glob_that_matches_nothing_names_the_closest_subjects() {
    let c = corpora!();
    let f = c.join("nagios/ed54-340MidtermProject_nagios.log");
    let (code, _, err) = run(&["windows", path(&f), "--subject", "squidd"]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "rfo: --subject: subject \"squidd\" matches nothing in the evidence (closest: localhost, localhost/squid, localhost/PING)"
    );
    let (code, _, err) = run(&["analyze", path(&f), "--host", "localhst"]);
    assert_eq!(code, 2);
    assert!(err.contains("host \"localhst\" matches nothing in the evidence (closest: localhost)"));
}

#[test]
fn focus_keeps_the_named_subjects_and_counts_what_it_left_out() {
    let c = corpora!();
    let a = windows_json(&[
        path(&ranklog(&c)),
        "--zone",
        "Europe/Lisbon",
        "--subject",
        "intranet-portal/*",
    ]);
    let ws = a["windows"].as_array().unwrap();
    for w in ws {
        for s in subjects(w) {
            assert!(s.starts_with("intranet-portal/"), "{s}");
        }
    }
    let (code, out, err) = run(&[
        "windows",
        path(&ranklog(&c)),
        "--zone",
        "Europe/Lisbon",
        "--subject",
        "bredt1-svwlgp05/*",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("# focus: bredt1-svwlgp05/* left out "),
        "{out}"
    );
    let (_, out, _) = run(&[
        "analyze",
        path(&ranklog(&c)),
        "--zone",
        "Europe/Lisbon",
        "--subject",
        "bredt1-svwlgp05/*",
        "--format",
        "json",
    ]);
    let a = json(&out);
    assert_eq!(a["focus"]["subjects"][0], "bredt1-svwlgp05/*");
    assert!(
        a["focus"]["left_out_spans"].as_u64().unwrap() > 100,
        "{}",
        a["focus"]
    );
    assert!(a["focus"]["left_out_subjects"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| !s.as_str().unwrap().starts_with("bredt1-svwlgp05/")));
}

#[test]
fn an_unknown_depends_entry_is_a_finding_not_an_error() {
    let c = corpora!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        c.join("nagios/ed54-340MidtermProject_nagios.log"),
        dir.path().join("nagios.log"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bundle.toml"),
        "[incident]\ntitle = \"t\"\n\n[[depends]]\nsubject = \"localhost/squid\"\non = [\"proxy-sw9\"]\n",
    )
    .unwrap();
    let (code, out, err) = run(&["analyze", path(dir.path()), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let a = json(&out);
    let f: Vec<&Value> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "depends-unmatched")
        .collect();
    assert_eq!(f.len(), 1, "{}", a["findings"]);
    assert!(f[0]["message"].as_str().unwrap().starts_with(
        "[[depends]] on \"proxy-sw9\" (for \"localhost/squid\") matches no host or subject"
    ));
    assert_eq!(f[0]["evidence"]["file"], "bundle.toml");
    assert_eq!(f[0]["evidence"]["line"], 5);
}
