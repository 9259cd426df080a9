//! Shared helpers for the integration tests: run the binary, copy fixtures.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// The rfo binary, under an odd host zone to prove nothing reads it.
pub fn rfo() -> Command {
    let mut c = Command::cargo_bin("rfo").expect("binary built");
    c.env("TZ", "Pacific/Chatham");
    c
}

/// Run rfo and return (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = rfo().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copy a directory tree (fixtures are small).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

pub fn secs(t: &serde_json::Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t.as_str().expect("a time string"))
        .expect("RFC 3339")
        .timestamp()
}

/// Lint `text` (written to a temporary report) against `bundle` as JSON;
/// (exit code, whole output). Exit 0 or 1 only: anything else fails.
pub fn lint_at(text: &str, bundle: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.md");
    std::fs::write(&report, text).unwrap();
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
    (code, json(&out))
}

/// The corpora directory. Without it, CI (`CI=true`, which always has it)
/// fails; elsewhere the test says why it skips on stderr.
pub fn corpora() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/corpora is missing, and CI=true: CI always has it");
    }
    eprintln!("SKIP: ../shared/corpora not found (a checkout outside the workspace)");
    None
}

/// The corpora directory, or return from the test (after saying SKIP).
#[macro_export]
macro_rules! corpora {
    () => {
        match common::corpora() {
            Some(p) => p,
            None => return,
        }
    };
}

/// Every file under `dir` (sorted, recursively) of at most 8 MB: the text
/// a whole-corpus test reads.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.metadata().is_ok_and(|m| m.len() <= 8 << 20) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out
}
